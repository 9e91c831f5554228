"""The check-in actions in the client's language and by the name they chose (fakes, no Rasa)."""

from __future__ import annotations

import random
from pathlib import Path

import yaml
from rasa_sdk.events import SlotSet

from actions.checkin import (
    NOTES_SLOT,
    ActionDefaultFallback,
    ActionReflectSharing,
    ActionStartCheckin,
    ActionSummariseCheckin,
)
from actions.checkin_es import compose_summary
from actions.language import ActionSetLanguage
from tests.conftest import make_tracker


class AlwaysAbove(random.Random):
    def random(self) -> float:
        return 0.99


def responses(dispatcher) -> list[str]:
    return [message.get("response") for message in dispatcher.messages]


def test_the_language_slot_follows_the_profile(dispatcher, domain) -> None:
    tracker = make_tracker("hola", "greet", metadata={"client": {"language": "es"}})
    assert ActionSetLanguage().run(dispatcher, tracker, domain) == [SlotSet("language", "es")]
    same = make_tracker("hola", "greet", slots={"language": "es"},
                        metadata={"client": {"language": "es"}})
    assert ActionSetLanguage().run(dispatcher, same, domain) == []
    unknown = make_tracker("hi", "greet", metadata={"client": {"language": "fr"}})
    assert ActionSetLanguage().run(dispatcher, unknown, domain) == [SlotSet("language", "en")]


def test_the_crisis_resources_slot_follows_the_profile(dispatcher, domain) -> None:
    profile = {"language": "es", "crisis_resources": "Llama al 116 123 (Samaritans)."}
    tracker = make_tracker("para ya", "request_stop", metadata={"client": profile})
    assert ActionSetLanguage().run(dispatcher, tracker, domain) == [
        SlotSet("language", "es"), SlotSet("crisis_resources", "Llama al 116 123 (Samaritans)."),
    ]
    same = make_tracker("para ya", "request_stop", metadata={"client": profile},
                        slots={"language": "es", "crisis_resources": profile["crisis_resources"]})
    assert ActionSetLanguage().run(dispatcher, same, domain) == []
    without = make_tracker("hi", "greet", metadata={"client": {"language": "en"}})
    assert ActionSetLanguage().run(dispatcher, without, domain) == [SlotSet("language", "en")]


def test_no_domain_response_names_crisis_numbers_itself() -> None:
    """The domain's responses take resources from the slot the gateway fills: a program outside
    the US is never given the US numbers by the dialogue engine either."""
    domain = yaml.safe_load((Path(__file__).parents[2] / "domain.yml").read_text(encoding="utf-8"))
    texts = [v["text"] for variations in domain["responses"].values() for v in variations if "text" in v]
    assert [t for t in texts if "988" in t or "911" in t or "741741" in t] == []
    stop = [v["text"] for v in domain["responses"]["utter_stop_ack"]]
    assert len(stop) == 2 and all("{crisis_resources}" in t for t in stop)
    assert "crisis_resources" in domain["slots"]


def test_after_the_gateways_consent_notice_the_first_checkin_just_opens(dispatcher, domain) -> None:
    tracker = make_tracker("/start_checkin", "start_checkin",
                           metadata={"client": {"first_contact": True, "consent": "given"}})
    ActionStartCheckin().run(dispatcher, tracker, domain)
    assert responses(dispatcher) == ["utter_checkin_open"]


def test_a_returning_client_is_welcomed_back_by_their_name(dispatcher, domain) -> None:
    tracker = make_tracker("/start_checkin", "start_checkin",
                           metadata={"client": {"first_contact": False, "name": "Rosa"}})
    ActionStartCheckin().run(dispatcher, tracker, domain)
    assert responses(dispatcher) == ["utter_welcome_back_named", "utter_checkin_open"]
    assert dispatcher.messages[0]["name"] == "Rosa"


def test_spanish_sharing_is_reflected_in_spanish_words(dispatcher, domain) -> None:
    tracker = make_tracker("Me siento muy cansada esta semana", "share_feeling_low",
                           metadata={"client": {"language": "es"}})
    events = ActionReflectSharing(rng=AlwaysAbove()).run(dispatcher, tracker, domain)
    assert dispatcher.messages[0]["words"] == "te sientes muy cansada esta semana"
    assert events == [SlotSet(NOTES_SLOT, ["low::te sientes muy cansada esta semana"])]


def test_a_spanish_win_invites_values_in_spanish(dispatcher, domain) -> None:
    class AlwaysBelow(random.Random):
        def random(self) -> float:
            return 0.0

    tracker = make_tracker("conseguí trabajo", "share_win", metadata={"client": {"language": "es"}})
    ActionReflectSharing(rng=AlwaysBelow()).run(dispatcher, tracker, domain)
    assert dispatcher.messages[0]["words"] == "conseguiste trabajo"
    question = dispatcher.messages[1]["text"]
    assert question.startswith("¿") and question.endswith("?")


def test_the_spanish_fallback_reflects_in_spanish(dispatcher, domain) -> None:
    tracker = make_tracker("hoy trabajé mucho", "nlu_fallback", metadata={"client": {"language": "es"}})
    ActionDefaultFallback().run(dispatcher, tracker, domain)
    assert dispatcher.messages[0]["words"] == "hoy trabajaste mucho"


def test_the_summary_addresses_the_client_by_name(dispatcher, domain) -> None:
    tracker = make_tracker("that's all", "wrap_up", slots={NOTES_SLOT: ["win::you went to your meeting"]},
                           metadata={"client": {"name": "Sam"}})
    ActionSummariseCheckin().run(dispatcher, tracker, domain)
    assert responses(dispatcher) == ["utter_summary_named", "utter_goodbye"]
    assert dispatcher.messages[0]["name"] == "Sam"
    assert "you went to your meeting" in dispatcher.messages[0]["summary"]


def test_a_spanish_checkin_is_summarised_in_spanish(dispatcher, domain) -> None:
    notes = ["low::te sientes muy cansada", "struggle::tu casero quiere que te mudes",
             "win::fuiste a tu reunión", "event::cocinaste para tu familia"]
    tracker = make_tracker("eso es todo por hoy", "wrap_up", slots={NOTES_SLOT: notes},
                           metadata={"client": {"language": "es", "name": "Rosa"}})
    ActionSummariseCheckin().run(dispatcher, tracker, domain)
    assert dispatcher.messages[0]["name"] == "Rosa"
    assert dispatcher.messages[0]["summary"] == (
        "Las cosas han estado difíciles: te sientes muy cansada y tu casero quiere que te mudes. "
        "Me contaste que cocinaste para tu familia. "
        "También hubo cosas buenas: fuiste a tu reunión."
    )
    assert compose_summary([]) == ""
