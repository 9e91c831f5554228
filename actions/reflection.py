"""Turn a client's own words to their perspective, so a reflection can reuse them.

"I lost my job and I'm scared" -> "you lost your job and you're scared".
Pure functions: no Rasa, no I/O.
"""

from __future__ import annotations

import re

# First person -> second person. Second person is left alone: clients mostly use a generic
# "you" ("people tell you to get over it"), which reads the same when reflected.
_WORD_SWAPS = {
    "i": "you",
    "me": "you",
    "my": "your",
    "mine": "yours",
    "myself": "yourself",
    "i'm": "you're",
    "im": "you're",
    "i've": "you've",
    "ive": "you've",
    "i'll": "you'll",
    "i'd": "you'd",
    "we": "you",
    "us": "you",
    "our": "your",
    "ours": "yours",
    "ourselves": "yourselves",
    "we're": "you're",
    "we've": "you've",
    "am": "are",
}

# Verbs whose form changes with the subject: "I was" -> "you were".
_AFTER_SUBJECT = {"was": "were", "wasn't": "weren't", "wasnt": "weren't"}

_TOKEN = re.compile(r"[A-Za-z']+|[^A-Za-z'\s]+|\s+")
_SENTENCE_END = re.compile(r"[.!?]+\s*$")


def flip_perspective(text: str) -> str:
    """Rewrite first-person words as second person, keeping everything else as written."""
    tokens = _TOKEN.findall(text.replace("\u2019", "'"))
    out: list[str] = []
    previous_word = ""
    for token in tokens:
        lower = token.lower()
        if not token.strip() or not token[0].isalpha() and token[0] != "'":
            out.append(token)
            continue
        if lower in _AFTER_SUBJECT and previous_word in {"i", "we"}:
            replacement = _AFTER_SUBJECT[lower]
        else:
            replacement = _WORD_SWAPS.get(lower, token)
        # "I" is capitalised everywhere, so its capital says nothing about sentence position.
        if replacement is not token and token[0].isupper() and lower not in _FIRST_PERSON_I:
            replacement = replacement[0].upper() + replacement[1:]
        out.append(replacement if replacement is not token else token)
        previous_word = lower
    return "".join(out)


_FIRST_PERSON_I = {"i", "i'm", "im", "i've", "ive", "i'll", "i'd"}


def clause_for_reflection(text: str, max_words: int = 18) -> str:
    """The client's words, flipped, trimmed to one clause, without a trailing full stop.

    Long messages are cut at a clause boundary so the reflection stays short.
    """
    flipped = flip_perspective(text.strip())
    first_sentence = re.split(r"(?<=[.!?])\s+", flipped, maxsplit=1)[0]
    words = first_sentence.split()
    if len(words) > max_words:
        cut = " ".join(words[:max_words])
        boundary = max(cut.rfind(","), cut.rfind(" and "), cut.rfind(" but "))
        first_sentence = cut[:boundary] if boundary > len(cut) // 3 else cut
    clause = _SENTENCE_END.sub("", first_sentence).strip(" ,;:-")
    if clause[:1].isupper() and not clause.startswith(("I ", "I'")):
        first_word = clause.split(" ", 1)[0]
        if first_word.lower() in {"you", "your", "you're", "you've", "you'll", "you'd", "yours"}:
            clause = clause[0].lower() + clause[1:]
    return clause
