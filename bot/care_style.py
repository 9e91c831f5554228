"""Classify the companion's utterances with the behaviour codes of MI fidelity coding (MITI 4.2).

A rule-based coder for our own replies: it knows the shapes our responses take, and it errs
towards flagging advice, so a count of zero advice means something.

Given the client's message it also tells what the companion added from what it only repeated: a
reflection is complex when the companion's own words add meaning, feeling, emphasis or a second
side; the client's words carried back ("you have to be out by Friday") are neither complexity
nor advice.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

ADVICE = re.compile(
    r"\b(you should|you shouldn'?t|you need to|you have to|you must|you ought to|try to|"
    r"you could try|you might want to|maybe try|it might help to|it may help to|"
    r"i suggest|i recommend|i'd recommend|why don'?t you|make sure|it'?s important (?:to|that)|"
    r"have you tried|have you thought about|what you need is|the best thing (?:to do|is)|"
    r"don'?t worry|calm down|deber[ií]as|(?<!no )tienes que|te recomiendo)\b",
    re.IGNORECASE,
)
OPEN_QUESTION = re.compile(
    r"^(what|how|where|when|which|who|tell me|in what way|qu[eé]|c[oó]mo|d[oó]nde|cu[aá]ndo|"
    r"cu[eé]ntame)\b",
    re.IGNORECASE,
)
# "Tell me more about that." asks for more as surely as a question mark does.
OPEN_REQUEST = re.compile(r"^(tell me more|tell me about|say more|cu[eé]ntame)\b", re.IGNORECASE)
CLOSED_QUESTION = re.compile(
    r"^(is|are|do|does|did|can|could|would|will|have|has|was|were|should|shall|may)\b",
    re.IGNORECASE,
)
REFLECTION = re.compile(
    r"^(it sounds like|sounds like|so\b|you'?re saying|you\b|your\b|it'?s like|part of you|"
    r"on one hand|it makes sense|that sounds|things have been|there was|here'?s what|let me see|"
    r"pulling together|parece que|suena a|entonces)",
    re.IGNORECASE,
)
# What the companion adds beyond the client's words: a feeling or meaning underneath, emphasis,
# or both sides of an ambivalence. Searched only in the companion's own words.
COMPLEX_MARKERS = re.compile(
    r"(that's a lot|a lot to carry|heavy|wearing on|weigh(?:s|ing)? on|matters to you|"
    r"hard place|carrying|room to breathe|thrown a lot|shake anyone|still here|"
    r"not the way you hoped|underneath|part of you|important to you|at the center|"
    r"on one hand|on the other|at the same time|pulled in two|both of those are true|"
    r"lightness|the good in it|welcome change|turning it over|working out what it means|"
    r"taking a lot out of you|on your own|holding|worn down|wear anyone down|"
    r"means a lot|care (?:deeply|a lot) about|you care about|you want (?:things|something) to|"
    r"you'?re hoping|hoping for|you'?d like things|stayed with you|"
    r"sits with you|still with you|doing what you can|out of your hands|little say|unfair|"
    r"alone in|scary|frightening|exhausting|painful|hurts|stings|"
    # what a value means to the client (actions/value_reflections.yml)
    r"matters? to you|close to your heart|a lot of heart|means? a great deal|"
    r"how much (?:it|they) means? to you|worth a lot|keeps you going|building a lot of your life|"
    r"comes back to|fighting for|draw real strength|take for granted|the person you're becoming|"
    r"you care a lot about)",
    re.IGNORECASE,
)
AFFIRMATION = re.compile(
    r"(took real effort|you made that happen|you made it happen|determined|you kept going|"
    r"worked hard|no small thing|proud|real step forward|it means something that)",
    re.IGNORECASE,
)
_WORD = re.compile(r"[a-z0-9']+")
# A run of this many words taken from the client counts as their words carried back.
_COPIED_RUN = 3


@dataclass(frozen=True)
class Coded:
    code: str  # reflection | open_question | closed_question | affirmation | advice | other
    complex: bool = False


def sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.!?])\s+", text.strip()) if s.strip()]


def _client_runs(client_text: str) -> set[tuple[str, ...]]:
    """Every run of words in the client's message as a reflection could carry it back: in their
    person and in the second person, so that "I have to" matches "you have to"."""
    from actions.reflection import flip_perspective  # pure function, no Rasa

    runs: set[tuple[str, ...]] = set()
    for version in (client_text, flip_perspective(client_text)):
        words = _WORD.findall(version.lower().replace("\u2019", "'"))
        runs |= {tuple(words[i:i + _COPIED_RUN]) for i in range(len(words) - _COPIED_RUN + 1)}
    return runs


def own_words(sentence: str, client_text: str | None) -> str:
    """The sentence without the runs of words copied from the client; what is left of it is
    joined by " | "."""
    if not client_text:
        return sentence
    words = _WORD.findall(sentence.lower().replace("\u2019", "'"))
    runs = _client_runs(client_text)
    keep = [True] * len(words)
    for i in range(len(words) - _COPIED_RUN + 1):
        if tuple(words[i:i + _COPIED_RUN]) in runs:
            keep[i:i + _COPIED_RUN] = [False] * _COPIED_RUN
    parts, current = [], []
    for word, kept in zip(words, keep, strict=True):
        if kept:
            current.append(word)
        elif current:
            parts.append(" ".join(current))
            current = []
    if current:
        parts.append(" ".join(current))
    return " | ".join(parts)


def _mostly_carried_back(sentence: str, mine: str) -> bool:
    """A statement made mostly of the client's words, turned to them, is a (simple) reflection:
    "Lately you've been so tired." """
    total = len(_WORD.findall(sentence.lower()))
    own = len(_WORD.findall(mine.replace("|", " ")))
    return total >= _COPIED_RUN and own <= total / 3


def code_sentence(sentence: str, client_text: str | None = None) -> Coded:
    mine = own_words(sentence, client_text)
    if ADVICE.search(mine):
        return Coded("advice")
    if sentence.endswith("?"):
        if OPEN_QUESTION.search(sentence):
            return Coded("open_question")
        if CLOSED_QUESTION.search(sentence):
            return Coded("closed_question")
        return Coded("open_question" if len(sentence.split()) > 3 else "closed_question")
    if OPEN_REQUEST.search(sentence):
        return Coded("open_question")
    if AFFIRMATION.search(mine):
        return Coded("affirmation")
    if (REFLECTION.search(sentence) or COMPLEX_MARKERS.search(mine)
            or _mostly_carried_back(sentence, mine)):
        return Coded("reflection", complex=bool(COMPLEX_MARKERS.search(mine)))
    return Coded("other")


def code_reply(text: str, client_text: str | None = None) -> list[Coded]:
    """Code one reply; a reply of several sentences may carry several behaviours.

    With `client_text`, the client's message it answers, only the companion's own words can make
    a reflection complex or count as advice.
    """
    coded = [code_sentence(s, client_text) for s in sentences(text)]
    # "X. That sounds really heavy." is one reflection in two sentences, not two.
    merged: list[Coded] = []
    for item in coded:
        if merged and item.code == "reflection" and merged[-1].code == "reflection":
            merged[-1] = Coded("reflection", merged[-1].complex or item.complex)
        else:
            merged.append(item)
    return merged


def is_mi_consistent(text: str, client_text: str | None = None) -> bool:
    return all(c.code != "advice" for c in code_reply(text, client_text))
