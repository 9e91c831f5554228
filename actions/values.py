"""Values: recognise what a client says matters to them, reflect it, and recall it later.

The detector is shared by the conversation (the reflect-value action), the gateway (which
remembers values per client) and `companion values`. Patterns live in `values_lexicon.yml`,
wording in `value_reflections.yml`.
"""

from __future__ import annotations

import datetime as dt
import random
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.reflection import flip_perspective, reflective_words

CANONICAL_VALUES: tuple[str, ...] = (
    "family", "parenting", "health", "sobriety", "work", "education", "faith", "independence",
    "home", "safety", "friendship", "community", "respect", "honesty", "freedom", "creativity",
    "helping_others", "growth",
)
LEXICON_PATH = Path(__file__).with_name("values_lexicon.yml")
REFLECTIONS_PATH = Path(__file__).with_name("value_reflections.yml")
# A value is recalled at most once a fortnight, so recall stays an invitation, not a check-up.
RECALL_AFTER = dt.timedelta(days=14)

_CLAUSE_BREAK = re.compile(r"[.!?;,]|\bbut\b|\bpero\b")
_SPANISH_HINTS = re.compile(
    r"\b(mis|mi|quiero|es|son|para|por|lo|la|el|los|las|que|muy|me|seguir|tener|ser|estar|"
    r"sentirme|mantenerme|valerme|familia|hijos|trabajo)\b"
)
_SPANISH_SWAPS = {"mis": "tus", "mi": "tu", "me": "te", "conmigo": "contigo",
                  "mantenerme": "mantenerte", "sentirme": "sentirte", "valerme": "valerte"}
_PLURAL_NOUNS = {"kids", "kidz", "children", "sons", "daughters", "babies", "boys", "girls",
                 "twins", "grandkids", "grandchildren", "parents", "friends", "siblings",
                 "nieces", "nephews", "homies", "prayers", "poems", "little ones", "people"}


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.lower().replace("\u2019", "'"))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).replace("'", "")
    return re.sub(r"\s+", " ", text).strip()


@dataclass(frozen=True)
class ValueMention:
    value: str
    words: str
    language: str = "en"


def _compile(patterns: list[str]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:\\b{p})" for p in patterns))


class ValueDetector:
    def __init__(self, lexicon_path: Path | None = None) -> None:
        spec = yaml.safe_load((lexicon_path or LEXICON_PATH).read_text(encoding="utf-8"))
        unknown = set(spec["values"]) - set(CANONICAL_VALUES)
        if unknown:
            raise ValueError(f"lexicon names values outside the canonical list: {sorted(unknown)}")
        self._phrases = {
            name: _compile(body["phrases"])
            for name, body in spec["values"].items()
            if body.get("phrases")
        }
        self._topics = {
            name: _compile(body["topics"])
            for name, body in spec["values"].items()
            if body.get("topics")
        }
        self._importance = _compile(spec["importance"])
        self._complaint = _compile(spec["complaint"])

    def detect(self, text: str) -> list[ValueMention]:
        normalised = normalise(text)
        language = "es" if len(_SPANISH_HINTS.findall(normalised)) >= 2 else "en"
        found: dict[str, tuple[int, str]] = {}

        def keep(value: str, position: int, words: str) -> None:
            if value not in found or position < found[value][0]:
                found[value] = (position, words.strip())

        offset = 0
        for clause in _CLAUSE_BREAK.split(normalised):
            start = normalised.find(clause, offset)
            offset = start + len(clause)
            if self._complaint.search(clause):
                continue
            for value, pattern in self._phrases.items():
                match = pattern.search(clause)
                if match:
                    keep(value, start + match.start(), match.group(0))
            if self._importance.search(clause):
                for value, pattern in self._topics.items():
                    match = pattern.search(clause)
                    if match:
                        keep(value, start + match.start(), match.group(0))
        ordered = sorted(found.items(), key=lambda item: item[1][0])
        return [ValueMention(value, words, language) for value, (_, words) in ordered]


@cache
def shared_detector() -> ValueDetector:
    return ValueDetector()


# --- Reflecting ---------------------------------------------------------------------------------


@cache
def _wording() -> dict[str, Any]:
    return yaml.safe_load(REFLECTIONS_PATH.read_text(encoding="utf-8"))


def to_their_perspective(words: str, language: str) -> str:
    if language == "es":
        return " ".join(_SPANISH_SWAPS.get(w, w) for w in words.split())
    return flip_perspective(words)


def _is_plural(words: str, language: str) -> bool:
    tokens = words.lower().split()
    if not tokens:
        return False
    if language == "es":
        return tokens[0] in {"tus", "mis", "los", "las"} or (
            len(tokens) <= 3 and tokens[-1].endswith("s") and tokens[0] != "tu"
        )
    if tokens[0].endswith("ing"):
        return False  # "staying clean", "being there for your kids"
    return " ".join(tokens[-2:]) in _PLURAL_NOUNS or tokens[-1] in _PLURAL_NOUNS


def _fill(template: str, words: str, language: str, context: str | None = None) -> str:
    plural = _is_plural(words, language)
    filled = template.format(
        words=words,
        Words=words[:1].upper() + words[1:],
        context=context or "",
        Context=(context or "")[:1].upper() + (context or "")[1:],
        **{
            "is": "are" if plural else "is",
            "matters": "matter" if plural else "matters",
            "means": "mean" if plural else "means",
            "it": "they" if plural else "it",
            "it_object": "them" if plural else "it",
            "es": "son" if plural else "es",
            "importa": "importan" if plural else "importa",
            "da": "dan" if plural else "da",
            "significa": "significan" if plural else "significa",
        },
    )
    return filled


def reflect_value(
    mention: ValueMention, *, rng: random.Random | None = None, context: str | None = None
) -> str:
    """A reflection of the value in the client's own words, turned to their perspective."""
    rng = rng or random.Random()
    language = mention.language if mention.language in ("en", "es") else "en"
    words = to_their_perspective(mention.words, language)
    family = "reflect_with_context" if context else "reflect"
    return _fill(rng.choice(_wording()[family][language]), words, language, context)


def recall_prompt(
    value: str, words: str, language: str = "en", *, rng: random.Random | None = None
) -> str:
    """An invitation, at a later check-in, to say how a value they named has been going."""
    rng = rng or random.Random()
    language = language if language in ("en", "es") else "en"
    theirs = to_their_perspective(words, language)
    return _fill(rng.choice(_wording()["recall"][language]), theirs, language)


def invite_values_question(language: str = "en", *, rng: random.Random | None = None) -> str:
    rng = rng or random.Random()
    return rng.choice(_wording()["invite"][language if language in ("en", "es") else "en"])


def value_to_recall(values: list[dict[str, Any]], now: dt.datetime) -> dict[str, Any] | None:
    """The most recently named value not recalled in the last fortnight, if any."""
    for item in values:
        recalled = item.get("last_recalled_at")
        if recalled is None or now - dt.datetime.fromisoformat(recalled) > RECALL_AFTER:
            return item
    return None


# --- The Rasa action (rasa-sdk loads every module of the `actions` package) ---------------------


class ActionReflectValue(Action):
    """Reflect a value the client names, in their own words, and note it for the summary."""

    def __init__(
        self, detector: ValueDetector | None = None, rng: random.Random | None = None
    ) -> None:
        self._detector = detector
        self._rng = rng or random.Random()

    def name(self) -> str:
        return "action_reflect_value"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        detector = self._detector or shared_detector()
        text = tracker.latest_message.get("text") or ""
        mentions = detector.detect(text)
        if not mentions:
            # The model heard a value the lexicon does not know: reflect the words themselves.
            words = reflective_words(text)
            if words:
                dispatcher.utter_message(
                    response="utter_reflect_event", words=words, Words=words[:1].upper() + words[1:]
                )
            dispatcher.utter_message(response="utter_invite_more")
            return []
        mention = mentions[0]
        dispatcher.utter_message(text=reflect_value(mention, rng=self._rng))
        notes = list(tracker.get_slot("checkin_notes") or [])
        notes.append(f"value::{to_their_perspective(mention.words, mention.language)}")
        return [SlotSet("checkin_notes", notes)]
