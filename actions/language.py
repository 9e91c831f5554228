"""The client's language and name, as the gateway passes them in the message metadata profile.

`action_set_language` fills the `language` slot after every message (a custom slot mapping in
domain.yml), so every response, from a rule or an action, picks its Spanish variations for a
client who writes or chose Spanish. It fills `crisis_resources` the same way: the program's
crisis resources in that language, which the gateway resolves (responses never name numbers).
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

LANGUAGES = ("en", "es")
LANGUAGE_SLOT = "language"
RESOURCES_SLOT = "crisis_resources"


def profile_of(tracker: Tracker) -> dict[str, Any]:
    metadata = (tracker.latest_message or {}).get("metadata") or {}
    profile = metadata.get("client")
    return profile if isinstance(profile, dict) else {}


def language_of(profile: dict[str, Any]) -> str:
    language = profile.get("language")
    return language if language in LANGUAGES else "en"


def name_of(profile: dict[str, Any]) -> str | None:
    """The name the client asked to be called, if they gave one."""
    name = profile.get("name")
    return name.strip() if isinstance(name, str) and name.strip() else None


class ActionSetLanguage(Action):
    def name(self) -> str:
        return "action_set_language"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        profile = profile_of(tracker)
        wanted = {LANGUAGE_SLOT: language_of(profile)}
        resources = profile.get("crisis_resources")
        if isinstance(resources, str) and resources.strip():
            wanted[RESOURCES_SLOT] = resources.strip()
        return [SlotSet(slot, value) for slot, value in wanted.items() if tracker.get_slot(slot) != value]
