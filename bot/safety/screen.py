"""The safety screen: notices distress cues in a client's message before anything else sees it.

Deterministic and fast (precompiled patterns from `cues.yml`), so it can run on every message and
its decisions can be read and reviewed. Between `none` and `concern` it chooses `concern`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

LEVELS: tuple[str, ...] = ("none", "concern", "urgent", "emergency")
CUES_PATH = Path(__file__).with_name("cues.yml")
REPLIES_PATH = Path(__file__).with_name("replies.yml")

# Emoji carry meaning in crisis talk; they become words the lexicon can match.
_EMOJI_WORDS = {
    "🔪": " knife ", "🗡": " knife ", "💊": " pills ", "🔫": " gun ", "🪦": " grave ",
    "⚰": " coffin ", "🩸": " blood ", "🪢": " rope ", "😂": " emoji_laugh ", "🤣": " emoji_laugh ",
    "💀": " emoji_laugh ", "😭": " emoji_cry ",
}
_SPANISH_HINTS = re.compile(
    r"\b(que|quiero|estoy|mi|mis|no puedo|para|porque|pero|tengo|me siento|hoy|muy|nada|todo|"
    r"vida|morir|gracias|hola|tambien|ella|el|ellos|nosotros|donde|cuando|como)\b"
)


def level_rank(level: str) -> int:
    return LEVELS.index(level)


def max_level(*levels: str) -> str:
    return max(levels, key=level_rank, default="none")


def _min_level(a: str, b: str) -> str:
    return a if level_rank(a) <= level_rank(b) else b


@dataclass(frozen=True)
class Assessment:
    level: str
    cues: tuple[str, ...] = ()
    evidence: tuple[str, ...] = ()
    language: str = "en"

    def to_dict(self) -> dict[str, Any]:
        return {
            "level": self.level,
            "cues": list(self.cues),
            "evidence": list(self.evidence),
            "language": self.language,
        }


def normalise(text: str) -> str:
    """Lower case, accents and apostrophes removed, emoji named, letter runs cut to two."""
    for emoji, word in _EMOJI_WORDS.items():
        text = text.replace(emoji, word)
    text = unicodedata.normalize("NFKD", text.lower())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = re.sub(r"[’'`´]", "", text)
    text = re.sub(r"(\w)\1{2,}", r"\1\1", text)  # "diiiie" -> "diie", "killlll" -> "kill"
    text = re.sub(r"[^\w\s.!?,:;-]", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def detect_language(normalised: str) -> str:
    return "es" if len(_SPANISH_HINTS.findall(normalised)) >= 2 else "en"


@dataclass(frozen=True)
class _Family:
    name: str
    level: str
    pattern: re.Pattern[str]


@dataclass(frozen=True)
class _Modifier:
    cap: str
    pattern: re.Pattern[str]
    requires: tuple[re.Pattern[str], ...]

    def applies(self, text: str) -> bool:
        return bool(self.pattern.search(text)) and any(r.search(text) for r in self.requires)


def _alternation(patterns: list[str]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns))


class SafetyScreen:
    def __init__(self, cues_path: Path | None = None) -> None:
        spec = yaml.safe_load((cues_path or CUES_PATH).read_text(encoding="utf-8"))
        self._families = [
            _Family(name, body["level"], _alternation(body["patterns"]))
            for name, body in spec["families"].items()
        ]
        self._masks = _alternation(spec["masks"])
        self._modifiers = [
            _Modifier(
                body["cap"],
                _alternation(body["patterns"]),
                tuple(re.compile(r) for r in body["requires"]),
            )
            for body in spec["modifiers"].values()
        ]
        self._affirmation = re.compile(spec["affirmations"])

    def assess(self, text: str, history: Sequence[str] = ()) -> Assessment:
        normalised = normalise(text)
        language = detect_language(normalised)
        level, cues, evidence = self._match(normalised)

        for modifier in self._modifiers:
            if level != "none" and modifier.applies(normalised):
                level = _min_level(level, modifier.cap)
        if level == "none":
            cues, evidence = [], []  # a story or a resolved past: nothing to report

        if history:
            level, cues = self._in_context(normalised, level, cues, history)
        return Assessment(level, tuple(sorted(set(cues))), tuple(evidence), language)

    def _match(self, normalised: str) -> tuple[str, list[str], list[str]]:
        unmasked = self._masks.sub(" ", normalised)
        level, cues, evidence = "none", [], []
        for family in self._families:
            for match in family.pattern.finditer(unmasked):
                cues.append(family.name)
                evidence.append(match.group(0))
                level = max_level(level, family.level)
        soon = bool(_SOON.search(unmasked))
        # Ideation with a plan, means or a time; means with a time; harm happening now: emergency.
        if "suicidal_ideation" in cues and ("plan_means" in cues or soon):
            level = "emergency"
        if "plan_means" in cues and soon:
            level = "emergency"
        if "harm_to_others" in cues and ("plan_means" in cues or soon):
            level = "emergency"
        if "violence_against_client" in cues and _NOW.search(unmasked):
            level = "emergency"
        return level, cues, evidence

    def _in_context(
        self, normalised: str, level: str, cues: list[str], history: Sequence[str]
    ) -> tuple[str, list[str]]:
        """Earlier messages give a short follow-up its meaning."""
        earlier = [self._match(normalise(h)) for h in history[-5:]]
        earlier_level = max_level(*(e[0] for e in earlier))
        earlier_ideation = any("suicidal_ideation" in e[1] for e in earlier)
        if earlier_ideation and ("plan_means" in cues or _SOON.search(normalised)):
            return "emergency", cues + ["plan_after_ideation"]
        if level_rank(earlier_level) >= level_rank("concern") and self._affirmation.search(
            normalised
        ):
            return max_level(level, "urgent"), cues + ["affirmed_risk"]
        return level, cues


_SOON = re.compile(
    r"\b(tonight|right now|rn|today|this (evening|morning|afternoon|weekend)|tomorrow|"
    r"when (everyone|they) (is|are|goes|go) (asleep|to sleep|out|gone)|esta noche|ahora mismo|hoy)\b"
)


_NOW = re.compile(r"\b(right now|rn|now|as we speak|at the moment|ahora mismo|ahorita)\b")


@cache
def _replies() -> dict[str, dict[str, list[str]]]:
    return yaml.safe_load(REPLIES_PATH.read_text(encoding="utf-8"))


def safety_reply(level: str, language: str = "en", resources: str | None = None) -> list[str]:
    """The program's words for a client at `level`, in their language."""
    if level not in LEVELS or level == "none":
        raise ValueError(f"no safety reply for level {level!r}")
    texts = _replies()
    by_language = texts[level].get(language) or texts[level]["en"]
    resources = resources or texts["default_resources"][language if language in texts[
        "default_resources"] else "en"]
    return [line.format(resources=resources).strip() for line in by_language]
