"""Classify the companion's utterances with the behaviour codes of MI fidelity coding (MITI 4.2).

A rule-based coder for our own replies: it knows the shapes our responses take, and it errs
towards flagging advice, so a count of zero advice means something.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

ADVICE = re.compile(
    r"\b(you should|you shouldn'?t|you need to|you have to|you must|you ought to|try to|"
    r"i suggest|i recommend|i'd recommend|why don'?t you|make sure|it'?s important (?:to|that)|"
    r"have you tried|what you need is|the best thing (?:to do|is)|don'?t worry|calm down|"
    r"deber[ií]as|tienes que|te recomiendo)\b",
    re.IGNORECASE,
)
OPEN_QUESTION = re.compile(
    r"^(what|how|where|when|which|who|tell me|in what way|qu[eé]|c[oó]mo|d[oó]nde|cu[aá]ndo)\b",
    re.IGNORECASE,
)
CLOSED_QUESTION = re.compile(
    r"^(is|are|do|does|did|can|could|would|will|have|has|was|were|should|shall|may)\b",
    re.IGNORECASE,
)
REFLECTION = re.compile(
    r"^(it sounds like|sounds like|so\b|you'?re saying|you\b|your\b|it'?s like|part of you|"
    r"it makes sense|that sounds|things have been|there was|here'?s what|let me see|"
    r"pulling together|parece que|suena a|entonces)",
    re.IGNORECASE,
)
# Extensions that add meaning or feeling beyond the client's words make a reflection complex.
COMPLEX_MARKERS = re.compile(
    r"(, and |\. that |— |that's a lot|heavy|wearing on|weighing on|matters to you|"
    r"hard place|carrying|room to breathe|thrown a lot|shake anyone|still here|"
    r"not the way you hoped|underneath|part of you|important to you|at the center)",
    re.IGNORECASE,
)
AFFIRMATION = re.compile(
    r"(took real effort|you made that happen|you made it happen|determined|you kept going|"
    r"worked hard|no small thing|proud|real step forward|it means something that)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Coded:
    code: str  # reflection | open_question | closed_question | affirmation | advice | other
    complex: bool = False


def sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.!?])\s+", text.strip()) if s.strip()]


def code_sentence(sentence: str) -> Coded:
    if ADVICE.search(sentence):
        return Coded("advice")
    if sentence.endswith("?"):
        if OPEN_QUESTION.search(sentence):
            return Coded("open_question")
        if CLOSED_QUESTION.search(sentence):
            return Coded("closed_question")
        return Coded("open_question" if len(sentence.split()) > 3 else "closed_question")
    if AFFIRMATION.search(sentence):
        return Coded("affirmation")
    if REFLECTION.search(sentence) or COMPLEX_MARKERS.search(sentence):
        return Coded("reflection", complex=bool(COMPLEX_MARKERS.search(sentence)))
    return Coded("other")


def code_reply(text: str) -> list[Coded]:
    """Code one reply; a reply of several sentences may carry several behaviours."""
    coded = [code_sentence(s) for s in sentences(text)]
    # "X. That sounds really heavy." is one reflection in two sentences, not two.
    merged: list[Coded] = []
    for item in coded:
        if merged and item.code == "reflection" and merged[-1].code == "reflection":
            merged[-1] = Coded("reflection", merged[-1].complex or item.complex)
        else:
            merged.append(item)
    return merged


def is_mi_consistent(text: str) -> bool:
    return all(c.code != "advice" for c in code_reply(text))
