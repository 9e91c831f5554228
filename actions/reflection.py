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
}

# Verbs whose form changes with the subject: "I was" -> "you were". Only next to "I", so that
# "at 8 am" stays a time.
_AFTER_SUBJECT = {"was": "were", "wasn't": "weren't", "wasnt": "weren't", "am": "are"}
_BEFORE_SUBJECT = {"am": "are"}  # "am I crazy" -> "are you crazy"

_TOKEN = re.compile(r"[A-Za-z']+|[^A-Za-z'\s]+|\s+")
_SENTENCE_END = re.compile(r"[.!?]+\s*$")


def flip_perspective(text: str) -> str:
    """Rewrite first-person words as second person, keeping everything else as written."""
    tokens = _TOKEN.findall(text.replace("\u2019", "'"))
    out: list[str] = []
    previous_word = ""
    words = [t.lower() for t in tokens if t.strip() and (t[0].isalpha() or t[0] == "'")]
    position = -1
    for token in tokens:
        lower = token.lower()
        if not token.strip() or not token[0].isalpha() and token[0] != "'":
            out.append(token)
            continue
        position += 1
        next_word = words[position + 1] if position + 1 < len(words) else ""
        if lower in _AFTER_SUBJECT and previous_word in {"i", "we"}:
            replacement = _AFTER_SUBJECT[lower]
        elif lower in _BEFORE_SUBJECT and next_word == "i":
            replacement = _BEFORE_SUBJECT[lower]
        else:
            replacement = _WORD_SWAPS.get(lower, token)
        # "I" is capitalised everywhere, so its capital says nothing about sentence position.
        if (replacement is not token and token[0].isupper() and not token[1:].isupper()
                and lower not in _FIRST_PERSON_I):
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
    "something", "nobody", "everybody", "sometimes",
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
    "also", "plus", "anyway", "anyways", "oh", "like", "actually", "then", "basically",
    "literally", "idk", "hmm", "sooo", "soo", "ugh", "ughh", "sigh", "welp", "man", "dude",
}
_TRAILING_FILLERS = {
    "lol", "haha", "lmao", "tbh", "idk", "ngl", "smh", "though", "honestly",
}
# Hedges that lead into what the client says: "I guess I'm just stressed" -> "you're just stressed".
_HEDGES = re.compile(r"^(you guess|you suppose|you mean|to be honest|honestly)\s*,?\s+", re.IGNORECASE)
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
    "you're feeling so anxious". Tries the first sentence, then its comma-separated parts, then
    the next sentences, so "Hey. Long week, I lost my job" still reflects "you lost your job".
    """
    candidates = [c for c in _candidates(text) if not _GREETINGS.match(c.strip())]
    # A clause with the client as its subject says more than a bare feeling word: "Not great. My
    # car broke down" reflects the car. A very short clause ("it's your son") waits for a fuller
    # one in the same message.
    short = None
    for candidate in candidates:
        words = _as_clause(candidate, max_words=max_words)
        if words and (len(words.split()) >= _FULL_CLAUSE or _names_a_feeling(words)):
            return words
        short = short or words
    for sentence in _question_sentences(text):
        words = _question_clause(sentence)
        if words:
            return words
    if short:
        return short
    if feeling:
        for candidate in candidates:
            words = _as_clause(candidate, feeling=True, max_words=max_words)
            if words:
                return words
    return None


def two_sides(text: str, *, max_words: int = 12) -> tuple[str, str] | None:
    """Both sides of "X but Y" in the client's first sentence, each reflectable, or None.

    "I want to go back to school but I'm scared" -> ("you want to go back to school",
    "you're scared"): the material of a double-sided reflection.
    """
    first_sentence = _SENTENCES.split(text.strip(), maxsplit=1)[0]
    halves = re.split(r",?\s+but\s+", first_sentence, maxsplit=1, flags=re.IGNORECASE)
    if len(halves) != 2:
        return None
    sides = [_as_clause(half, max_words=max_words) for half in halves]
    if not all(sides):
        return None
    return sides[0], sides[1]  # type: ignore[return-value]


_SENTENCES = re.compile(r"(?<=[.!?])\s+")
_FULL_CLAUSE = 4
_NOT_GERUNDS = {"nothing", "something", "everything", "anything", "morning", "evening", "thing",
                "spring", "king", "ring", "sibling", "during", "bring", "sing", "ceiling"}
# Up to this many words may lead into the subject: "lately you've been", "this morning your".
_MAX_LEAD = 5
_LEAD_BREAKERS = {
    "not", "no", "because", "if", "unless", "whether", "what", "how", "why", "should", "can",
    "could", "would", "do", "does", "is", "are", "will", "who", "which",
}
_GREETINGS = re.compile(r"^(good (morning|afternoon|evening|night)|hello|hi|hey)\b", re.IGNORECASE)
_ADVERB_LEADS = {"just", "still", "really", "finally"}


def _candidates(text: str) -> list[str]:
    # A question cannot follow "It sounds like": "what should I do" is not reflected as said.
    sentences = [s for s in _SENTENCES.split(text.strip())
                 if s.strip() and not s.strip().endswith("?")]
    if len(sentences) > 1:  # "Work. Kids. Bills. I'm drowning."
        sentences = [s for s in sentences if len(s.split()) > 1]
    sentences = sentences[:4]
    candidates: list[str] = []
    for index, sentence in enumerate(sentences):
        candidates.append(sentence)
        parts = [p for p in re.split(r"\s*[,;:]\s*|\s+-+\s+", sentence) if p.strip()]
        if len(parts) > 1:
            candidates += parts[1:] if index == 0 else parts
    return candidates


def _as_clause(text: str, *, feeling: bool = False, max_words: int = 16) -> str | None:
    clause = clause_for_reflection(text, max_words=max_words)
    words = clause.split()
    while len(words) > 1 and words[0].lower().strip(",") in _FILLERS:
        words = words[1:]
    words = _HEDGES.sub("", " ".join(words)).split()
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
        rest = [first] + words[1:]
        if first in _ADVERB_LEADS and len(words) > 1 and words[1].lower().endswith("ing"):
            result = "you're " + " ".join(rest)  # "just going through the motions"
        elif first == "been" and len(words) > 1 and words[1].lower() in {"a", "an", "the"}:
            result = "it's " + " ".join(rest)  # "been a rough week"
        elif first == "been":
            result = "you've " + " ".join(rest)
        else:
            verb = {"am": "are", "was": "were"}.get(first)
            result = " ".join(["you", verb] + words[1:]) if verb else "you " + " ".join(rest)
    elif first.endswith("ing") and first not in _NOT_GERUNDS and len(words) > 1:
        result = "you're " + " ".join([first] + words[1:])  # "struggling to pay rent"
    elif feeling and len(words) <= 6 and _FEELING_WORDS & {w.lower().strip(",.!") for w in words}:
        rest = words[1:] if first in {"feeling", "feel"} else [first] + words[1:]
        result = "you're feeling " + " ".join(rest)
    elif _led_into_you(words):
        result = " ".join(words)
    else:
        return None
    result = result[0].lower() + result[1:] if not result.startswith("I ") else result
    return result if len(result.split()) >= 2 else None


_WONDERING = [
    (re.compile(r"^is it (normal|ok|okay|weird|wrong|bad|crazy|fair|selfish) (to|that|if) (.+)$", re.I),
     "you're wondering whether it's {0} {1} {2}"),
    (re.compile(r"^does any(?:one|body) else (\w+) (.+)$", re.I),
     "you're wondering whether anyone else {0:s} {1}"),
    (re.compile(r"^are you (the only one|crazy|wrong|overreacting|normal|being \w+|\w+ing)\b(.*)$", re.I),
     "you're wondering whether you're {0}{1}"),
    (re.compile(r"^why do you (.+)$", re.I), "you're wondering why you {0}"),
    (re.compile(r"^why does (\w+) ((?:always|never|still|just|really|even) )?(\w+)(.*)$", re.I),
     "you're wondering why {0} {1}{2:s}{3}"),
    (re.compile(r"^how do you (\w+)(.*)$", re.I), "you're wondering how to {0}{1}"),
]
_THIRD_PERSON = {"have": "has", "do": "does", "go": "goes", "be": "is"}


class _Verb(str):
    """A verb that `{0:s}` puts in the third person singular: "feel" -> "feels"."""

    def __format__(self, spec: str) -> str:
        if spec == "s":
            lower = self.lower()
            if lower in _THIRD_PERSON:
                return _THIRD_PERSON[lower]
            return self + ("es" if lower.endswith(("s", "sh", "ch", "x")) else "s")
        return str.__format__(str(self), spec)


def _question_sentences(text: str) -> list[str]:
    return [s for s in _SENTENCES.split(text.strip()) if s.strip().endswith("?")][:2]


def _question_clause(sentence: str) -> str | None:
    """A question the client asks themselves, as what they are wondering: "Is it normal to feel
    this tired?" -> "you're wondering whether it's normal to feel this tired"."""
    flipped = flip_perspective(sentence.strip()).rstrip("?!. ")
    words = flipped.split()
    while len(words) > 1 and words[0].lower().strip(",") in _FILLERS:
        words = words[1:]
    flipped = " ".join(words)
    for pattern, shape in _WONDERING:
        match = pattern.match(flipped)
        if match:
            groups = [_Verb(g or "") for g in match.groups()]
            result = shape.format(*groups)
            return result if len(result.split()) <= 20 else None
    return None


def _names_a_feeling(words: str) -> bool:
    return bool(_FEELING_WORDS & {w.strip(",.!").lower() for w in words.split()})


def _led_into_you(words: list[str]) -> bool:
    """A short lead-in before the client as subject: "lately you've been so tired"."""
    lowered = [w.lower() for w in words[: _MAX_LEAD + 1]]
    for index, word in enumerate(lowered[1:], start=1):
        # After a comma the lead is a clause of its own, tried separately.
        if word in _LEAD_BREAKERS or lowered[index - 1].endswith(","):
            return False
        if word in {"you", "you're", "you've", "you'd", "you'll", "your"} or (
            word in _SUBJECT_STARTS and word not in {"the", "this", "that", "it", "there"}
        ):
            return len(words) > index + 1
    return False
