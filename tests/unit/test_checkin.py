import datetime as dt
import random

import pytest
from rasa_sdk.events import SlotSet

from actions.checkin import (
    NOTES_SLOT,
    ActionDefaultFallback,
    ActionGreetClient,
    ActionReflectSharing,
    ActionStartCheckin,
    ActionSummariseCheckin,
    compose_summary,
)
from tests.conftest import make_tracker


class AlwaysBelow(random.Random):
    """An rng whose draws always fall under the question threshold."""

    def random(self) -> float:
        return 0.0


class AlwaysAbove(random.Random):
    def random(self) -> float:
        return 0.99


def responses(dispatcher) -> list[str]:
    return [message["response"] for message in dispatcher.messages]


def test_first_contact_gets_the_plain_notice_then_an_open_question(dispatcher, domain) -> None:
    tracker = make_tracker(
        "/start_checkin", "start_checkin",
        metadata={"client": {"first_contact": True, "program": "Harbor Housing"}},
    )
    ActionStartCheckin().run(dispatcher, tracker, domain)
    assert responses(dispatcher) == ["utter_first_contact_notice", "utter_checkin_open"]
    assert dispatcher.messages[0]["program"] == "Harbor Housing"


def test_returning_client_is_welcomed_back_without_the_notice(dispatcher, domain) -> None:
    tracker = make_tracker("/start_checkin", "start_checkin",
                           metadata={"client": {"first_contact": False}})
    ActionStartCheckin().run(dispatcher, tracker, domain)
    assert responses(dispatcher) == ["utter_welcome_back", "utter_checkin_open"]


def test_greeting_mid_checkin_does_not_restart_it(dispatcher, domain) -> None:
    tracker = make_tracker("hi", "greet", events=[{"event": "bot", "text": "How are you?"}])
    ActionGreetClient().run(dispatcher, tracker, domain)
    assert responses(dispatcher) == ["utter_greet_again"]


@pytest.mark.parametrize(
    ("intent", "text", "response", "words"),
    [
        ("share_feeling_low", "I'm so stressed about my court date", "utter_reflect_low",
         "you're so stressed about your court date"),
        ("share_struggle", "my landlord wants me out by Friday", "utter_reflect_struggle",
         "your landlord wants you out by Friday"),
        ("share_win", "I got 30 days clean today!", "utter_affirm_win",
         "you got 30 days clean today"),
        ("share_feeling_good", "feeling pretty calm", "utter_reflect_good",
         "you're feeling pretty calm"),
        ("share_event", "I went to the food bank this morning", "utter_reflect_event",
         "you went to the food bank this morning"),
    ],
)
def test_sharing_is_reflected_in_the_clients_own_words(
    dispatcher, domain, intent, text, response, words
) -> None:
    events = ActionReflectSharing(rng=AlwaysAbove()).run(
        dispatcher, make_tracker(text, intent), domain
    )
    assert responses(dispatcher) == [response]
    assert dispatcher.messages[0]["words"] == words
    assert dispatcher.messages[0]["Words"] == words[0].upper() + words[1:]
    assert events == [SlotSet(NOTES_SLOT, [f"{response_kind(intent)}::{words}"])]


def response_kind(intent: str) -> str:
    return {
        "share_feeling_low": "low",
        "share_struggle": "struggle",
        "share_win": "win",
        "share_feeling_good": "good",
        "share_event": "event",
    }[intent]


def test_an_open_question_follows_only_some_reflections(dispatcher, domain) -> None:
    ActionReflectSharing(rng=AlwaysBelow()).run(
        dispatcher, make_tracker("I lost my job", "share_struggle"), domain
    )
    assert responses(dispatcher) == ["utter_reflect_struggle", "utter_ask_struggle"]


class Draws(random.Random):
    def __init__(self, value: float) -> None:
        super().__init__()
        self.value = value

    def random(self) -> float:
        return self.value


def test_unreflectable_words_get_a_plain_reflection_and_sometimes_an_invitation(
    dispatcher, domain
) -> None:
    # 0.4 is above the share of questions after the client's words, below the one after none.
    events = ActionReflectSharing(rng=Draws(0.4)).run(
        dispatcher, make_tracker("ugh", "share_feeling_low"), domain
    )
    assert responses(dispatcher) == ["utter_reflect_low_plain", "utter_ask_low"]
    assert events == [SlotSet(NOTES_SLOT, [])]
    words_dispatcher = type(dispatcher)()
    ActionReflectSharing(rng=Draws(0.4)).run(
        words_dispatcher, make_tracker("I lost my job", "share_struggle"), domain
    )
    assert responses(words_dispatcher) == ["utter_reflect_struggle"]


def test_both_sides_of_a_but_are_reflected_together(dispatcher, domain) -> None:
    ActionReflectSharing(rng=AlwaysAbove()).run(
        dispatcher,
        make_tracker("I want to go back to school but I'm scared I'll fail", "share_struggle"),
        domain,
    )
    [message] = dispatcher.messages
    assert message["response"] == "utter_reflect_two_sided"
    assert (message["first"], message["second"]) == (
        "you want to go back to school", "you're scared you'll fail"
    )
    assert message["First"] == "You want to go back to school"


def test_a_win_with_a_but_is_affirmed_whole(dispatcher, domain) -> None:
    ActionReflectSharing(rng=AlwaysAbove()).run(
        dispatcher, make_tracker("I got the job but it starts early", "share_win"), domain
    )
    assert responses(dispatcher) == ["utter_affirm_win"]


def test_notes_accumulate_across_turns(dispatcher, domain) -> None:
    tracker = make_tracker("I went to my meeting", "share_win",
                           slots={NOTES_SLOT: ["low::you're feeling down"]})
    events = ActionReflectSharing(rng=AlwaysAbove()).run(dispatcher, tracker, domain)
    assert events[0]["value"] == ["low::you're feeling down", "win::you went to your meeting"]


def test_summary_gathers_what_was_shared(dispatcher, domain) -> None:
    tracker = make_tracker(
        "that's all", "wrap_up",
        slots={NOTES_SLOT: [
            "low::you're feeling down",
            "struggle::your landlord wants you out",
            "win::you went to your meeting",
            "value::being there for your kids",
        ]},
    )
    ActionSummariseCheckin().run(dispatcher, tracker, domain)
    assert responses(dispatcher) == ["utter_summary", "utter_goodbye"]
    summary = dispatcher.messages[0]["summary"]
    assert summary == (
        "Things have been hard: you're feeling down, and your landlord wants you out. "
        "There was good in it too: you went to your meeting. "
        "And through all of it, being there for your kids matters to you."
    )


def test_summary_of_an_empty_checkin_just_thanks(dispatcher, domain) -> None:
    ActionSummariseCheckin().run(dispatcher, make_tracker("bye", "wrap_up"), domain)
    assert responses(dispatcher) == ["utter_summary_empty", "utter_goodbye"]
    assert compose_summary([]) == ""


def test_fallback_reflects_what_it_can_and_sometimes_invites_more(dispatcher, domain) -> None:
    tracker = make_tracker("my sister came by with groceries", "nlu_fallback")
    ActionDefaultFallback(rng=AlwaysBelow()).run(dispatcher, tracker, domain)
    assert responses(dispatcher) == ["utter_reflect_event", "utter_invite_more"]
    assert dispatcher.messages[0]["words"] == "your sister came by with groceries"
    quiet = type(dispatcher)()
    ActionDefaultFallback(rng=AlwaysAbove()).run(quiet, tracker, domain)
    assert responses(quiet) == ["utter_reflect_event"]


def test_fallback_never_says_it_did_not_understand(dispatcher, domain) -> None:
    events = ActionDefaultFallback(rng=AlwaysBelow()).run(
        dispatcher, make_tracker("asdf", "nlu_fallback"), domain
    )
    assert responses(dispatcher) == ["utter_reflect_unclear_plain", "utter_invite_more"]
    assert events == []


def test_a_returning_client_may_be_reminded_of_a_value_they_named(dispatcher, domain) -> None:
    values = [{"value": "sobriety", "words": "staying clean", "last_recalled_at": None}]
    tracker = make_tracker("/start_checkin", "start_checkin",
                           metadata={"client": {"first_contact": False, "values": values}})
    ActionStartCheckin().run(dispatcher, tracker, domain)
    welcome, recall, signal = dispatcher.messages
    assert welcome["response"] == "utter_welcome_back"
    assert "staying clean" in recall["text"] and recall["text"].endswith("?")
    assert signal["custom"] == {"companion": {"signal": "value_recalled", "value": "sobriety"}}


def test_a_value_recalled_lately_is_not_recalled_again(dispatcher, domain) -> None:
    recent = dt.datetime.now(dt.timezone.utc).isoformat()
    values = [{"value": "sobriety", "words": "staying clean", "last_recalled_at": recent}]
    tracker = make_tracker("/start_checkin", "start_checkin",
                           metadata={"client": {"first_contact": False, "values": values}})
    ActionStartCheckin().run(dispatcher, tracker, domain)
    assert responses(dispatcher) == ["utter_welcome_back", "utter_checkin_open"]


def test_a_win_may_invite_the_client_to_say_what_matters(dispatcher, domain) -> None:
    tracker = make_tracker("I got the apartment!", "share_win", metadata={"client": {"values": []}})
    ActionReflectSharing(rng=AlwaysBelow()).run(dispatcher, tracker, domain)
    assert dispatcher.messages[0]["response"] == "utter_affirm_win"
    assert dispatcher.messages[1]["text"].endswith("?")


def test_no_value_invitation_once_values_are_known(dispatcher, domain) -> None:
    values = [{"value": "home", "words": "my own place", "last_recalled_at": None}]
    tracker = make_tracker("I got the apartment!", "share_win", metadata={"client": {"values": values}})
    ActionReflectSharing(rng=AlwaysBelow()).run(dispatcher, tracker, domain)
    assert responses(dispatcher) == ["utter_affirm_win", "utter_ask_win"]


def test_an_unclear_message_most_like_a_struggle_gets_a_plain_reflection(dispatcher, domain) -> None:
    tracker = make_tracker("ugh. everything.", "nlu_fallback")
    tracker.latest_message["intent_ranking"] = [
        {"name": "nlu_fallback", "confidence": 0.25},
        {"name": "share_struggle", "confidence": 0.22},
        {"name": "greet", "confidence": 0.1},
    ]
    ActionDefaultFallback(rng=AlwaysAbove()).run(dispatcher, tracker, domain)
    assert responses(dispatcher) == ["utter_reflect_struggle_plain"]


def test_an_unclear_message_unlike_sharing_is_only_invited_on(dispatcher, domain) -> None:
    tracker = make_tracker("asdf", "nlu_fallback")
    tracker.latest_message["intent_ranking"] = [
        {"name": "nlu_fallback", "confidence": 0.25}, {"name": "greet", "confidence": 0.2},
    ]
    ActionDefaultFallback(rng=AlwaysAbove()).run(dispatcher, tracker, domain)
    assert responses(dispatcher) == ["utter_reflect_unclear_plain"]


def test_an_unclear_message_most_like_distress_is_signalled(dispatcher, domain) -> None:
    tracker = make_tracker("i dunno anymore, whats even the point", "nlu_fallback")
    tracker.latest_message["intent_ranking"] = [
        {"name": "nlu_fallback", "confidence": 0.25},
        {"name": "express_distress", "confidence": 0.21},
        {"name": "share_feeling_low", "confidence": 0.2},
    ]
    ActionDefaultFallback(rng=AlwaysBelow()).run(dispatcher, tracker, domain)
    assert responses(dispatcher) == ["utter_distress_signal"]


def test_sharing_with_distress_a_close_second_is_signalled(dispatcher, domain) -> None:
    tracker = make_tracker("i can't keep going like this with the rent", "share_struggle")
    tracker.latest_message["intent_ranking"] = [
        {"name": "share_struggle", "confidence": 0.45},
        {"name": "express_distress", "confidence": 0.35},
    ]
    events = ActionReflectSharing(rng=AlwaysAbove()).run(dispatcher, tracker, domain)
    assert responses(dispatcher) == ["utter_distress_signal"]
    assert events == []


def test_sharing_with_distress_a_distant_second_is_reflected(dispatcher, domain) -> None:
    tracker = make_tracker("my rent went up again", "share_struggle")
    tracker.latest_message["intent_ranking"] = [
        {"name": "share_struggle", "confidence": 0.7},
        {"name": "express_distress", "confidence": 0.1},
    ]
    ActionReflectSharing(rng=AlwaysAbove()).run(dispatcher, tracker, domain)
    assert responses(dispatcher) == ["utter_reflect_struggle"]
