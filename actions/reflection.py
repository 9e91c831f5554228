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


# Words that can open a reflected clause as its subject: "you lost your job", "your mom called".
_SUBJECT_STARTS = {
    "you", "you're", "you've", "you'll", "you'd", "your", "yours", "yourself",
    "he", "she", "they", "it", "it's", "he's", "she's", "they're", "there", "there's",
    "the", "this", "that", "my", "today", "yesterday", "work", "things", "everything",
    "nothing", "someone", "somebody", "people", "everyone", "life", "money", "rent",
}
# Verbs a client often starts with, leaving out "I": "lost my job", "went to my meeting".
_IMPLIED_I_VERBS = {
    "got", "lost", "went", "had", "was", "felt", "did", "made", "took", "came", "saw", "found",
    "left", "paid", "passed", "started", "finished", "kept", "stayed", "called", "missed",
    "need", "want", "feel", "have", "can't", "cant", "couldn't", "couldnt", "didn't", "didnt",
    "just", "finally", "still", "really", "am", "are", "been", "haven't", "havent",
}
_FEELING_LEADS = {"feeling", "feel", "so", "really", "very", "kinda", "kind", "pretty", "super", "bit"}
_FILLERS = {
    "well", "so", "um", "uh", "honestly", "lol", "ok", "okay", "yeah", "hey", "hi", "but", "and",
    "also", "plus", "anyway", "anyways", "oh", "like", "actually", "then",
}
_TRAILING_FILLERS = {"lol", "haha", "lmao", "tbh", "idk", "ngl", "smh", "though", "i guess"}
_FEELING_WORDS = {
    "sad", "down", "low", "blue", "anxious", "nervous", "worried", "scared", "afraid", "angry",
    "mad", "frustrated", "tired", "exhausted", "drained", "lonely", "alone", "numb", "stressed",
    "overwhelmed", "depressed", "upset", "hurt", "good", "great", "happy", "okay", "ok", "fine",
    "calm", "hopeful", "proud", "excited", "better", "relieved", "grateful", "meh", "rough", "bad",
    "awful", "terrible", "lost", "stuck", "empty", "ashamed", "guilty", "confused", "irritated",
    "restless", "bored", "off", "crappy", "shitty", "weird", "peaceful", "content", "strong",
}


def reflective_words(text: str, *, feeling: bool = False, max_words: int = 16) -> str | None:
    """The client's words as a clause that can follow "It sounds like", or None if they can't be.

    `feeling` says the message names a feeling, so a bare "so anxious" becomes
    "you're feeling so anxious".
    """
    clause = clause_for_reflection(text, max_words=max_words)
    words = clause.split()
    while len(words) > 1 and words[0].lower().strip(",") in _FILLERS:
        words = words[1:]
    while len(words) > 1 and words[-1].lower().strip(",.!") in _TRAILING_FILLERS:
        words = words[:-1]
    if not words:
        return None
    first = words[0].lower().strip(",")
    if first in _SUBJECT_STARTS:
        result = " ".join(words)
    elif first in _IMPLIED_I_VERBS:
        verb = {"am": "are", "was": "were"}.get(first)
        result = " ".join(["you", verb] + words[1:]) if verb else "you " + " ".join(words)
    elif feeling and len(words) <= 6 and _FEELING_WORDS & {w.lower().strip(",.!") for w in words}:
        rest = words[1:] if first in {"feeling", "feel"} else words
        result = "you're feeling " + " ".join(rest)
    else:
        return None
    result = result[0].lower() + result[1:] if not result.startswith("I ") else result
    return result if len(result.split()) >= 2 else None
