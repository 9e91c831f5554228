"""Check-in actions: open, reflect what the client shares, summarise, and reflect-or-invite fallback.

Response texts live in `domain.yml`; these actions choose among them and fill in the client's own
words. The gateway passes what it knows about the client as message metadata under "client".
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import checkin_es, reflection_es
from actions.language import language_of, name_of
from actions.reflection import reflective_words, two_sides
from actions.values import invite_values_question, recall_prompt, value_to_recall

NOTES_SLOT = "checkin_notes"

# How each kind of sharing is reflected, and which open question may follow it.
_SHARING = {
    "share_feeling_low": ("low", "utter_reflect_low", "utter_ask_low"),
    "share_struggle": ("struggle", "utter_reflect_struggle", "utter_ask_struggle"),
    "share_win": ("win", "utter_affirm_win", "utter_ask_win"),
    "share_feeling_good": ("good", "utter_reflect_good", "utter_ask_good"),
    "share_event": ("event", "utter_reflect_event", "utter_ask_event"),
}
_FEELING_INTENTS = {"share_feeling_low", "share_feeling_good"}
_VALUE_INVITING_KINDS = {"win", "good"}
# "X but Y" from a client who is low, struggling, or just telling is often ambivalence, and a
# double-sided reflection holds both sides; a win is affirmed whole.
_TWO_SIDED_KINDS = {"low", "struggle", "good", "event"}

# MITI good practice is at least two reflections per question, so a reflection is followed by an
# open question only about a quarter of the time; the reflection itself invites the client on.
QUESTION_SHARE = 1 / 4
# A plain reflection, without the client's words, invites them on a little more often.
PLAIN_QUESTION_SHARE = 1 / 2
# Distress this likely, even when sharing is likelier, goes to the gateway's safety path: a missed
# cue costs more than a check-in question the client did not need.
DISTRESS_RUNNER_UP = 0.3


def client_profile(tracker: Tracker) -> dict[str, Any]:
    metadata = (tracker.latest_message or {}).get("metadata") or {}
    profile = metadata.get("client")
    return profile if isinstance(profile, dict) else {}


def capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def note(kind: str, words: str) -> str:
    return f"{kind}::{words}"


def notes_of(tracker: Tracker) -> list[tuple[str, str]]:
    parsed = []
    for item in tracker.get_slot(NOTES_SLOT) or []:
        kind, _, words = str(item).partition("::")
        parsed.append((kind, words))
    return parsed


class ActionStartCheckin(Action):
    """The first thing a client sees in a check-in: the plain notice at first contact, then a question."""

    def name(self) -> str:
        return "action_start_checkin"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        profile = client_profile(tracker)
        if profile.get("first_contact", True):
            # Through the gateway the notice came with its consent question (bot/consent.py).
            if profile.get("consent") != "given":
                dispatcher.utter_message(
                    response="utter_first_contact_notice",
                    program=profile.get("program") or "your program",
                )
            dispatcher.utter_message(response="utter_checkin_open")
            return []
        if name := name_of(profile):
            dispatcher.utter_message(response="utter_welcome_back_named", name=name)
        else:
            dispatcher.utter_message(response="utter_welcome_back")
        recalled = value_to_recall(profile.get("values") or [], dt.datetime.now(dt.timezone.utc))
        if recalled is None:
            dispatcher.utter_message(response="utter_checkin_open")
            return []
        # The recall ends in its own open question, so no second opening question follows.
        dispatcher.utter_message(
            text=recall_prompt(recalled["value"], recalled["words"], language=self._language(profile))
        )
        dispatcher.utter_message(
            json_message={"companion": {"signal": "value_recalled", "value": recalled["value"]}}
        )
        return []

    @staticmethod
    def _language(profile: dict[str, Any]) -> str:
        return "es" if profile.get("language") == "es" else "en"


class ActionGreetClient(Action):
    """A greeting opens the check-in, or is acknowledged if the check-in is already under way."""

    def name(self) -> str:
        return "action_greet_client"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        already_open = any(
            event.get("event") == "bot" for event in tracker.events_after_latest_restart()
        )
        if already_open:
            dispatcher.utter_message(response="utter_greet_again")
            return []
        return ActionStartCheckin().run(dispatcher, tracker, domain)


class ActionReflectSharing(Action):
    """Reflect a feeling, struggle, win or event in the client's own words, sometimes with a question."""

    def __init__(self, rng: random.Random | None = None) -> None:
        self._rng = rng or random.Random()

    def name(self) -> str:
        return "action_reflect_sharing"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        intent = (tracker.latest_message.get("intent") or {}).get("name") or "share_event"
        if distress_confidence(tracker) >= DISTRESS_RUNNER_UP:
            dispatcher.utter_message(response="utter_distress_signal")
            return []
        kind, reflect_response, question_response = _SHARING.get(intent, _SHARING["share_event"])
        text = tracker.latest_message.get("text") or ""
        language = language_of(client_profile(tracker))
        words = reflective_words_in(language, text, feeling=intent in _FEELING_INTENTS)
        # Two sides are found in English phrasing ("X but Y") only.
        sides = two_sides(text) if kind in _TWO_SIDED_KINDS and language != "es" else None
        if sides:
            first, second = sides
            dispatcher.utter_message(
                response="utter_reflect_two_sided", first=first, First=capitalised(first),
                second=second,
            )
        elif words:
            dispatcher.utter_message(
                response=reflect_response, words=words, Words=capitalised(words)
            )
        else:
            dispatcher.utter_message(response=f"{reflect_response}_plain")
        share = QUESTION_SHARE if words else PLAIN_QUESTION_SHARE
        if self._rng.random() < share:
            if kind in _VALUE_INVITING_KINDS and not client_profile(tracker).get("values"):
                # A win or a good day is a natural moment to ask what it serves.
                dispatcher.utter_message(text=invite_values_question(language, rng=self._rng))
            else:
                dispatcher.utter_message(response=question_response)
        notes = list(tracker.get_slot(NOTES_SLOT) or [])
        if words:
            notes.append(note(kind, words))
        return [SlotSet(NOTES_SLOT, notes)]


def reflective_words_in(language: str, text: str, *, feeling: bool = False) -> str | None:
    reflect = reflection_es.reflective_words if language == "es" else reflective_words
    return reflect(text, feeling=feeling)


def best_guess(tracker: Tracker) -> str | None:
    """The intent an unclear message most resembles, leaving the fallback itself aside."""
    ranking = [r for r in tracker.latest_message.get("intent_ranking") or []
               if r.get("name") != "nlu_fallback"]
    best = max(ranking, key=lambda r: r.get("confidence") or 0.0, default=None)
    return best.get("name") if best else None


def distress_confidence(tracker: Tracker) -> float:
    for ranked in tracker.latest_message.get("intent_ranking") or []:
        if ranked.get("name") == "express_distress":
            return float(ranked.get("confidence") or 0.0)
    return 0.0


def likely_sharing(tracker: Tracker) -> str | None:
    """The sharing intent an unclear message most resembles, if sharing is its best guess."""
    name = best_guess(tracker)
    return name if name in _SHARING else None


def compose_summary(notes: list[tuple[str, str]]) -> str:
    """A short summary of the check-in from the notes taken while reflecting."""
    by_kind: dict[str, list[str]] = {}
    for kind, words in notes:
        by_kind.setdefault(kind, []).append(words)
    sentences = []
    hard = by_kind.get("low", []) + by_kind.get("struggle", [])
    if hard:
        sentences.append(
            "Things have been hard: " + _join(hard[-2:]) + "."
        )
    if by_kind.get("event"):
        sentences.append("You told me " + _join(by_kind["event"][-2:], "that ") + ".")
    good = by_kind.get("good", []) + by_kind.get("win", [])
    if good:
        lead = "There was good in it too: " if hard else "There's been some good: "
        sentences.append(lead + _join(good[-2:]) + ".")
    if by_kind.get("value"):
        sentences.append(
            "And through all of it, " + by_kind["value"][-1] + " matters to you."
        )
    return " ".join(sentences)


def _join(parts: list[str], lead: str = "") -> str:
    parts = [lead + part for part in parts]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + ", and " + parts[-1]


class ActionSummariseCheckin(Action):
    """When the client wraps up: a summary of what they shared, then a warm goodbye."""

    def name(self) -> str:
        return "action_summarise_checkin"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        profile = client_profile(tracker)
        compose = checkin_es.compose_summary if language_of(profile) == "es" else compose_summary
        summary = compose(notes_of(tracker))
        if summary and (name := name_of(profile)):
            dispatcher.utter_message(response="utter_summary_named", summary=summary, name=name)
        elif summary:
            dispatcher.utter_message(response="utter_summary", summary=summary)
        else:
            dispatcher.utter_message(response="utter_summary_empty")
        dispatcher.utter_message(response="utter_goodbye")
        return []


class ActionDefaultFallback(Action):
    """When the message is unclear: reflect what can be reflected, or invite the client to say more.

    Replaces Rasa's default, which would answer "I didn't understand" and undo the client's turn.
    """

    def __init__(self, rng: random.Random | None = None) -> None:
        self._rng = rng or random.Random()

    def name(self) -> str:
        return "action_default_fallback"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        if best_guess(tracker) == "express_distress":
            # Unsure, but most like distress: err towards safety and let the gateway answer.
            dispatcher.utter_message(response="utter_distress_signal")
            return []
        language = language_of(client_profile(tracker))
        words = reflective_words_in(language, tracker.latest_message.get("text") or "")
        if not words:
            likely = likely_sharing(tracker)
            if likely is None:
                # Nothing to reflect but that the client came with something: say so, and
                # sometimes ask.
                dispatcher.utter_message(response="utter_reflect_unclear_plain")
                if self._rng.random() < PLAIN_QUESTION_SHARE:
                    dispatcher.utter_message(response="utter_invite_more")
                return []
            # Not clear enough to be sure, but most like sharing something: reflect that gently.
            dispatcher.utter_message(response=f"{_SHARING[likely][1]}_plain")
            if self._rng.random() < PLAIN_QUESTION_SHARE:
                dispatcher.utter_message(response="utter_invite_more")
            return []
        dispatcher.utter_message(
            response="utter_reflect_event", words=words, Words=capitalised(words)
        )
        # A reflection invites the client on by itself; a question follows only sometimes.
        if self._rng.random() < QUESTION_SHARE:
            dispatcher.utter_message(response="utter_invite_more")
        return []
