"""Values: recognise what a client says matters to them, reflect it, and recall it later.

The detector is shared by the conversation (the reflect-value action), the gateway (which
remembers values per client) and `companion values`. Patterns live in `values_lexicon.yml`,
wording in `value_reflections.yml`; this module reads and fills them.
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

from actions.reflection import clause_for_reflection, reflective_words

CANONICAL_VALUES: tuple[str, ...] = (
    "family", "parenting", "health", "sobriety", "work", "education", "faith", "independence",
    "home", "safety", "friendship", "community", "respect", "honesty", "freedom", "creativity",
    "helping_others", "growth",
)
LANGUAGES = ("en", "es")
LEXICON_PATH = Path(__file__).with_name("values_lexicon.yml")
REFLECTIONS_PATH = Path(__file__).with_name("value_reflections.yml")
# A value is recalled at most once a fortnight, so recall stays an invitation, not a check-up.
RECALL_AFTER = dt.timedelta(days=14)


@dataclass(frozen=True)
class ValueMention:
    value: str  # one of CANONICAL_VALUES
    words: str  # the client's words for it, as written (misspelt key words corrected)
    language: str = "en"


# --- Recognising --------------------------------------------------------------------------------

_TOKEN = re.compile(r"\w+|\s+|.", re.DOTALL)
_APOSTROPHES = {"'", "\u2019", "\u2018", "`", "\u00b4"}
_SENTENCE_END = re.compile(r"[.!?;]+(?=\s|$)|\n")
# Where a complaint stops applying: "I hate my job but I love my kids".
_CLAUSE_END = re.compile(r"[,;:]|\b(?:but|though|although|pero|aunque)\b")
_MACRO = re.compile(r"%(\w+)%")


def _fold(text: str) -> str:
    """Lower case without accents: "Mamá" -> "mama"."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _one_edit_apart(word: str, target: str) -> bool:
    """At most one letter added, dropped, changed, or two neighbours swapped."""
    if abs(len(word) - len(target)) > 1:
        return False
    previous_row: list[int] | None = None
    row = list(range(len(target) + 1))
    for i in range(1, len(word) + 1):
        before, previous_row, row = previous_row, row, [i] + [0] * len(target)
        for j in range(1, len(target) + 1):
            cost = word[i - 1] != target[j - 1]
            row[j] = min(previous_row[j] + 1, row[j - 1] + 1, previous_row[j - 1] + cost)
            swapped = i > 1 and j > 1 and word[i - 1] == target[j - 2] and word[i - 2] == target[j - 1]
            if swapped and before is not None:
                row[j] = min(row[j], before[j - 2] + 1)
    return row[-1] <= 1


@dataclass(frozen=True)
class _Piece:
    folded: str  # as the patterns see it
    shown: str  # as the client's words show it


class _Normalised:
    """The text as patterns see it, able to give back the client's words for any span."""

    def __init__(self, text: str, spelling: tuple[str, ...]) -> None:
        self._pieces: list[_Piece] = []
        owners: list[int] = []
        for token in _TOKEN.findall(text):
            if token.isspace():
                piece = _Piece("\n" if "\n" in token else " ", " ")
            elif token in _APOSTROPHES:
                piece = _Piece("", token)  # "don't" reads as "dont"
            else:
                folded = _fold(token)
                corrected = self._corrected(folded, spelling) if token[0].isalpha() else None
                piece = _Piece(corrected, corrected) if corrected else _Piece(folded, token)
            owners.extend([len(self._pieces)] * len(piece.folded))
            self._pieces.append(piece)
        self.text = "".join(p.folded for p in self._pieces)
        self._owners = owners

    @staticmethod
    def _corrected(word: str, spelling: tuple[str, ...]) -> str | None:
        if len(word) < 4 or word in spelling:
            return None
        return next((key for key in spelling if _one_edit_apart(word, key)), None)

    def original(self, start: int, end: int) -> str:
        first, last = self._owners[start], self._owners[end - 1]
        return "".join(p.shown for p in self._pieces[first : last + 1]).strip()


@dataclass(frozen=True)
class _Pattern:
    value: str
    language: str
    regex: re.Pattern[str]
    needs_cue: bool


def _whole_words(alternatives: list[str], macros: dict[str, str]) -> re.Pattern[str]:
    body = "|".join(_MACRO.sub(lambda m: macros[m.group(1)], p) for p in alternatives)
    return re.compile(rf"(?<!\w)(?:{body})(?!\w)")


class ValueDetector:
    """Finds the canonical values a message names, with the client's own words for each."""

    def __init__(self, lexicon_path: Path | None = None) -> None:
        spec = yaml.safe_load((lexicon_path or LEXICON_PATH).read_text(encoding="utf-8"))
        unknown = set(spec["values"]) - set(CANONICAL_VALUES)
        if unknown:
            raise ValueError(f"lexicon names values outside the canonical list: {sorted(unknown)}")
        macros = spec.get("macros") or {}
        self._spelling = tuple(sorted(set(spec.get("spelling") or [])))
        self._hints = {language: set(words) for language, words in spec["language_hints"].items()}
        self._cues = _whole_words([c for cues in spec["cues"].values() for c in cues], macros)
        self._negatives = _whole_words(
            [n for negatives in spec["negatives"].values() for n in negatives], macros
        )
        # One regex per pattern: each may name its own `words` group.
        self._patterns = [
            _Pattern(value, language, _whole_words([pattern], macros), kind == "weak")
            for value, by_language in spec["values"].items()
            for language, kinds in by_language.items()
            for kind, patterns in kinds.items()
            for pattern in patterns
        ]

    def detect(self, text: str) -> list[ValueMention]:
        """One mention per value named, in order of appearance; [] when none is."""
        normalised = _Normalised(text, self._spelling)
        language = self._language_of(normalised.text)
        # Per value, the first place it is named; at the same place, the message's own language.
        # Words both languages share ("AA", "GED") take the message's language for the reply.
        found: dict[str, tuple[tuple[int, bool], ValueMention]] = {}
        for pattern in self._patterns:
            for match in pattern.regex.finditer(normalised.text):
                if not self._counts(normalised.text, match, pattern.needs_cue):
                    continue
                start, end = match.span("words") if match.group("words") else match.span()
                rank = (start, pattern.language != language)
                if pattern.value not in found or rank < found[pattern.value][0]:
                    words = normalised.original(start, end)
                    mention = ValueMention(pattern.value, words, language or pattern.language)
                    found[pattern.value] = (rank, mention)
                break
        ordered = sorted(found.values(), key=lambda item: (item[0], CANONICAL_VALUES.index(item[1].value)))
        return [mention for _, mention in ordered]

    def _language_of(self, text: str) -> str | None:
        """The message's language, or None when its everyday words do not tell."""
        words = re.findall(r"\w+", text)
        spanish = sum(word in self._hints["es"] for word in words)
        english = sum(word in self._hints["en"] for word in words)
        if spanish == english:
            return None
        return "es" if spanish > english else "en"

    def _counts(self, text: str, match: re.Match[str], needs_cue: bool) -> bool:
        sentence_start, sentence_end = _span_around(_SENTENCE_END, text, match.start(), match.end())
        clause_start, clause_end = _span_around(
            _CLAUSE_END, text, match.start(), match.end(), sentence_start, sentence_end
        )
        if not needs_cue:
            # "sick of staying in this program": a complaint just before the phrase.
            return not self._negatives.search(text, clause_start, match.start())
        if self._negatives.search(text, clause_start, clause_end):
            return False
        return bool(self._cues.search(text, sentence_start, sentence_end))


def _span_around(
    boundary: re.Pattern[str], text: str, start: int, end: int, low: int = 0, high: int | None = None
) -> tuple[int, int]:
    """The stretch of text[low:high] around [start, end) that no `boundary` interrupts."""
    high = len(text) if high is None else high
    left, right = low, high
    for stop in boundary.finditer(text, low, high):
        if stop.end() <= start:
            left = stop.end()
        elif stop.start() >= end:
            right = stop.start()
            break
    return left, right


@cache
def shared_detector() -> ValueDetector:
    return ValueDetector()


# --- Reflecting ---------------------------------------------------------------------------------


@cache
def _wording() -> dict[str, Any]:
    return yaml.safe_load(REFLECTIONS_PATH.read_text(encoding="utf-8"))


# Verbs a value phrase can open with after "to" ("I want to stay clean"): reflected as gerunds.
_BARE_VERBS = {
    "apply", "attend", "avoid", "be", "become", "bring", "build", "change", "coach", "complete", "cover",
    "dance", "do", "draw", "earn", "eat", "end", "enroll", "feel", "fight", "find", "finish",
    "fix", "get", "give", "go", "graduate", "grow", "have", "head", "help", "hold", "journal",
    "keep", "knit", "land", "learn", "live", "look", "make", "manage", "mend", "mentor", "move",
    "paint", "pay", "play", "pray", "protect", "prove", "provide", "put", "quit", "raise", "rap",
    "read", "rebuild", "regain", "remain", "repair", "return", "reunify", "save", "see", "sew",
    "share", "show", "sing", "sketch", "speak", "spend", "sponsor", "stand", "start", "stay", "stop",
    "study", "support", "take", "tell", "treat", "turn", "volunteer", "win", "write",
}
_GERUNDS = {
    "be": "being", "see": "seeing", "get": "getting", "put": "putting", "stop": "stopping",
    "quit": "quitting", "win": "winning", "plan": "planning", "rap": "rapping", "set": "setting",
    "begin": "beginning", "shop": "shopping", "run": "running", "sit": "sitting",
}
# Past or first-person forms a phrase may open with: "been clean" -> "being clean".
_EN_OPENERS = {
    "been": "being", "was": "being", "am": "being", "stayed": "staying", "kept": "keeping",
    "got": "getting",
}
# States and places that read as "being ...": "90 days clean", "off parole", "safe" (but
# "safe place" is a thing already), "somewhere he can't find you".
_EN_STATE = re.compile(
    r"^(?:sober|clean|safe|free|healthy|honest|independent)(?:$| (?:from|with|again|now)\b)"
    r"|^(?:off|out of|outta|away from|somewhere|anywhere)\b"
    r"|^\S+ (?:\S+ )?(?:days?|weeks?|wks?|months?|mos?|years?|yrs?) (?:clean|sober|off|without|with no|no)\b",
    re.IGNORECASE,
)
# "tired of depending on people" -> "not depending on people".
_EN_FED_UP = re.compile(r"^(?:tired of|sick of|done|hate|hating) (\w+ing\b.*)$", re.IGNORECASE)
# A whole clause ("nobody is going to lock me up") cannot be a subject; the value's own
# phrase is reflected instead.
_EN_CLAUSE = re.compile(
    r"^\w+ (?:is|are|was|were|will|wont|won't|can|cant|can't|has|have|had|does|did|to)\b", re.IGNORECASE
)
# Capitals for emphasis ("NOT going back") are not acronyms ("GED", "PO").
_EN_EMPHASIS = {"not", "never", "no", "really", "so", "all", "very", "always", "ever", "more"}
_EN_YOU_ARE = re.compile(r"^you(?:'re| are) (not )?(.+)$", re.IGNORECASE)
_EN_REFUSAL = re.compile(
    r"^(never|not|do not|don'?t|dont) (?:really )?(?:want|wanna|need|plan) to (\w+)(.*)$",
    re.IGNORECASE,
)
_EN_PREPOSITION = re.compile(r" (?:of|over|for|with|in|on|at|from|to|like|that|who)\b")
_EN_PLURAL_WORDS = {"children", "childrens", "people", "folks", "men", "women", "grandchildren"}
_EN_SINGULAR_S = {"jesus", "news", "this", "us", "yes", "bus", "christmas", "its", "his"}
_PROPER_NOUNS = {
    "god": "God", "jesus": "Jesus", "christ": "Christ", "allah": "Allah", "dios": "Dios",
    "diosito": "Diosito", "jesús": "Jesús", "cristo": "Cristo", "jesucristo": "Jesucristo",
}

_ES_SWAPS = {
    "mi": "tu", "mis": "tus", "me": "te", "mí": "ti", "yo": "tú", "conmigo": "contigo",
    "mío": "tuyo", "mía": "tuya", "míos": "tuyos", "mías": "tuyas", "nuestro": "tu",
    "nuestra": "tu", "nuestros": "tus", "nuestras": "tus", "soy": "eres", "estoy": "estás",
    "tengo": "tienes", "quiero": "quieres", "puedo": "puedes", "necesito": "necesitas",
}
# First-person verbs a phrase may open with, as the infinitive a sentence can use as a subject.
_ES_INFINITIVES = {
    "rezo": "rezar", "oro": "orar", "llevo": "llevar", "voy": "ir", "vamos": "ir",
    "estoy": "estar", "sigo": "seguir", "ando": "andar", "ayudo": "ayudar", "pago": "pagar",
    "mantengo": "mantener", "soy": "ser", "tengo": "tener", "puedo": "poder",
}
# Gerunds in -iendo whose infinitive is not in -er.
_ES_IR_GERUNDS = {
    "viviendo": "vivir", "escribiendo": "escribir", "siguiendo": "seguir", "sintiendo": "sentir",
    "consiguiendo": "conseguir", "diciendo": "decir", "pidiendo": "pedir", "sirviendo": "servir",
    "saliendo": "salir", "subiendo": "subir", "recibiendo": "recibir", "compartiendo": "compartir",
}
_ES_COUNT = re.compile(
    r"^(?:\d+|un|una|uno|dos|tres|cuatro|cinco|seis|siete|ocho|nueve|diez|once|doce|quince|"
    r"veinte|treinta|sesenta|noventa|unos|unas|casi) (?:\w+ )?"
    r"(?:días?|dias?|semanas?|mes|meses|años?|anos?)\b",
    re.IGNORECASE,
)
# Words that already open a Spanish noun phrase properly; a bare noun gets an article.
_ES_OPENERS = {
    "tu", "tus", "mi", "mis", "el", "la", "los", "las", "un", "una", "unos", "unas", "su", "sus",
    "este", "esta", "ese", "esa", "otra", "otro", "otras", "otros", "que", "no", "ya", "nunca",
    "sin", "lo", "llevar",
}
_ES_FEMININE_ENDINGS = ("a", "dad", "tad", "ción", "cion", "sión", "sion", "ud", "umbre")
_ES_FEMININE_WORDS = {"fe"}
_ES_NOUNS_IN_AR = {"hogar", "lugar"}  # nouns that look like infinitives
_ES_INFINITIVE = re.compile(r"^\w+(?:ar|er|ir)(?:me|te|se|nos|les?|las?|los?)?$")
_ES_ENCLITIC_ME = re.compile(r"^(\w+(?:ar|er|ir|ndo))me$")
_ES_PLURAL_DETERMINERS = {"tus", "mis", "los", "las", "unos", "unas", "sus", "nuestros", "nuestras"}
_ES_SINGULAR_DETERMINERS = {"tu", "mi", "el", "la", "un", "una", "su", "este", "esta", "ese", "esa"}
_ES_SINGULAR_S = {"dios", "jesús", "jesus", "crisis", "análisis"}
_ES_LEADING_VERB = re.compile(
    rf"^((?:ya )?no )?({'|'.join(_ES_INFINITIVES)})\b(.*)$", re.IGNORECASE
)
_ES_WANT = re.compile(r"^((?:ya )?no) (?:quiero|quisiera|necesito|voy a) ", re.IGNORECASE)


def _gerund(verb: str) -> str:
    lower = verb.lower()
    if lower in _GERUNDS:
        return _GERUNDS[lower]
    if lower.endswith("ie"):
        return lower[:-2] + "ying"
    if lower.endswith("e") and not lower.endswith(("ee", "ye", "oe")):
        return lower[:-1] + "ing"
    return lower + "ing"


def _unshout(word: re.Match[str]) -> str:
    return word.group(0).lower() if word.group(0).lower() in _EN_EMPHASIS else word.group(0)


def _proper_case(phrase: str) -> str:
    """Names of God keep their capital; anything else opens in lower case mid-sentence."""
    phrase = re.sub(r"\w+", lambda m: _PROPER_NOUNS.get(m.group(0).lower(), m.group(0)), phrase)
    first = phrase.split(" ", 1)[0]
    keep_capital = first in _PROPER_NOUNS.values() or (first.isupper() and len(first) > 1)
    return phrase if keep_capital else phrase[:1].lower() + phrase[1:]


def _english_subject(words: str) -> tuple[str, bool]:
    """("being there for your kids", plural=False) from "being there for my kids"."""
    phrase = re.sub(r"\s+", " ", clause_for_reflection(words)).strip()
    if phrase.isupper() and len(phrase) > 3:
        phrase = phrase.lower()  # "NOT GOING BACK" is emphasis, not an acronym
    phrase = re.sub(r"\b[A-Z]+\b", _unshout, phrase)
    if _EN_CLAUSE.match(phrase):
        return "", False
    phrase = _EN_FED_UP.sub(r"not \1", phrase)
    head, _, rest = phrase.partition(" ")
    if state := _EN_YOU_ARE.match(phrase):  # "I'm not the same" -> "not being the same"
        negation = "not " if state.group(1) else ""
        phrase = f"{negation}being {state.group(2)}"
    elif head.lower() == "you" and rest:  # "I paint" -> "you paint" -> "painting"
        head, _, rest = rest.partition(" ")
        phrase = f"{_gerund(head)} {rest}".strip()
    elif refusal := _EN_REFUSAL.match(phrase):  # "don't want to be scared" -> "not being scared"
        negation = "never" if refusal.group(1).lower() == "never" else "not"
        phrase = f"{negation} {_gerund(refusal.group(2))}{refusal.group(3)}"
    elif head.lower() in _EN_OPENERS:
        phrase = f"{_EN_OPENERS[head.lower()]} {rest}".strip()
    elif head.lower() in _BARE_VERBS:
        phrase = f"{_gerund(head)} {rest}".strip()
    if _EN_STATE.match(phrase):
        phrase = f"being {phrase}"
    phrase = _proper_case(phrase)
    return phrase, _english_plural(phrase)


def _english_plural(phrase: str) -> bool:
    lower = phrase.lower()
    first = lower.split(" ", 1)[0]
    if first.endswith("ing") or first in {"not", "never", "no"}:
        return False  # a gerund phrase is one thing: "staying clean", "not depending on anybody"
    if " and " in lower:
        return True
    head = _EN_PREPOSITION.split(lower, maxsplit=1)[0].split()[-1]
    if head in _EN_PLURAL_WORDS:
        return True
    return head.endswith("s") and not head.endswith(("ss", "us", "is")) and head not in _EN_SINGULAR_S


def _spanish_flip(phrase: str) -> str:
    """First person to tú: "mantenerme limpio por mis hijos" -> "mantenerte limpio por tus hijos"."""
    tokens = re.findall(r"\w+|\W+", phrase)
    out: list[str] = []
    for i, token in enumerate(tokens):
        lower = token.lower()
        following = tokens[i + 2].lower() if i + 2 < len(tokens) else ""
        if lower == "mi" and following.startswith("mism"):
            replacement = "ti"  # "por mi mismo" written without its accent
        elif lower in _ES_SWAPS:
            replacement = _ES_SWAPS[lower]
        elif enclitic := _ES_ENCLITIC_ME.match(lower):
            replacement = enclitic.group(1) + "te"
        else:
            out.append(token)
            continue
        out.append(replacement[:1].upper() + replacement[1:] if token[:1].isupper() else replacement)
    return "".join(out)


def _spanish_subject(words: str) -> tuple[str, bool]:
    """("tus hijos", plural=True) from "mis hijos"; ("rezar", False) from "rezo"."""
    phrase = re.sub(r"\s+", " ", words).strip().rstrip(".!?,;:")
    phrase = _ES_WANT.sub(r"\1 ", phrase)  # "no quiero volver a la cárcel" -> "no volver a ..."
    head, _, rest = phrase.partition(" ")
    if head.lower() == "me" and rest:  # "me mantengo limpio" -> "mantenerte limpio"
        verb, _, rest = rest.partition(" ")
        if verb.lower() in _ES_INFINITIVES:
            phrase = f"{_ES_INFINITIVES[verb.lower()]}te {rest}".strip()
    elif verb := _ES_LEADING_VERB.match(phrase):  # "ya no soy la misma" -> "ya no ser la misma"
        negation, first, rest = verb.groups()
        phrase = f"{negation or ''}{_ES_INFINITIVES[first.lower()]}{rest}"
    elif head.lower().endswith("ndo"):  # "aprendiendo a confiar" -> "aprender a confiar"
        phrase = f"{_spanish_infinitive_of(head.lower())} {rest}".strip()
    if _ES_COUNT.match(phrase):  # "90 días sobrio" -> "llevar 90 días sobrio"
        phrase = f"llevar {phrase}"
    phrase = _proper_case(_spanish_flip(phrase))
    return _with_article(phrase), _spanish_plural(phrase)


def _spanish_infinitive_of(gerund: str) -> str:
    if gerund.endswith("ando"):
        return gerund[:-4] + "ar"
    if gerund.endswith("iendo"):
        return _ES_IR_GERUNDS.get(gerund, gerund[:-5] + "er")
    return gerund


def _with_article(phrase: str) -> str:
    """A bare Spanish noun cannot be a subject: "trabajo" -> "el trabajo"."""
    first = phrase.split(" ", 1)[0]
    lower = first.lower()
    is_infinitive = _ES_INFINITIVE.match(lower) and lower not in _ES_NOUNS_IN_AR
    if lower in _ES_OPENERS or is_infinitive or first in _PROPER_NOUNS.values():
        return phrase
    if lower[:1].isdigit() or first.isupper():
        return phrase
    plural = lower.endswith("s") and lower not in _ES_SINGULAR_S
    feminine = lower in _ES_FEMININE_WORDS or lower.rstrip("s").endswith(_ES_FEMININE_ENDINGS)
    article = {(False, False): "el", (False, True): "la", (True, False): "los", (True, True): "las"}
    return f"{article[plural, feminine]} {phrase}"


def _spanish_plural(phrase: str) -> bool:
    first = phrase.lower().split(" ", 1)[0]
    if _ES_INFINITIVE.match(first) or first in {"que", "no", "ya", "nunca", "sin"}:
        return False  # an infinitive or a clause is one thing: "mantenerte limpio"
    if " y " in f" {phrase.lower()} ":
        return True
    if first in _ES_PLURAL_DETERMINERS:
        return True
    if first in _ES_SINGULAR_DETERMINERS:
        return False
    return first.endswith("s") and first not in _ES_SINGULAR_S


def _language(language: str) -> str:
    base = (language or "en").split("-")[0].lower()
    return base if base in LANGUAGES else "en"


def to_their_perspective(words: str, language: str = "en") -> str:
    """The client's words as a subject in their perspective: "stay clean" -> "staying clean"."""
    return _subject(words, _language(language))[0]


def _subject(words: str, language: str) -> tuple[str, bool]:
    if language == "es":
        return _spanish_subject(words)
    return _english_subject(words)


def _agreement(plural: bool) -> dict[str, str]:
    forms = {
        "is": ("is", "are"), "matters": ("matters", "matter"), "means": ("means", "mean"),
        "it": ("it", "they"), "es": ("es", "son"), "importa": ("importa", "importan"),
        "significa": ("significa", "significan"), "sigue": ("sigue", "siguen"),
        "importante": ("importante", "importantes"),
    }
    return {slot: pair[plural] for slot, pair in forms.items()}


def _fill(template: str, words: str, value: str, language: str, context: str = "") -> str:
    subject, plural = _subject(words, language) if words.strip() else ("", False)
    if not subject:
        phrases = _wording()[language]["value_phrases"]
        subject, plural = _subject(phrases.get(value, phrases["default"]), language)
    sentence = template.format(
        words=subject,
        Words=subject[:1].upper() + subject[1:],
        context=context,
        **_agreement(plural),
    )
    if language == "es":
        sentence = re.sub(r"\b(de|a) el\b", lambda m: "del" if m.group(1) == "de" else "al", sentence)
    sentence = re.sub(r"\s+", " ", sentence).strip()
    sentence = sentence[:1].upper() + sentence[1:]
    return sentence if sentence[-1:] in ".?!" else sentence + "."


def _context_clause(context: str) -> str:
    clause = re.sub(r"\s+", " ", context).strip().rstrip(".!?,;: ")
    first = clause.split(" ", 1)[0]
    if first in _PROPER_NOUNS.values() or first == "I" or (first.isupper() and len(first) > 1):
        return clause
    return clause[:1].lower() + clause[1:]


def reflect_value(
    mention: ValueMention, *, rng: random.Random | None = None, context: str | None = None
) -> str:
    """A complex reflection of the value in the client's own words, turned to their perspective.

    With `context` (what they are facing, already in their perspective) the reflection holds the
    value and the struggle side by side.
    """
    rng = rng or random.Random()
    language = _language(mention.language)
    wording = _wording()[language]
    context_clause = _context_clause(context) if context else ""
    if context_clause:
        templates = wording["reflect_with_context"]
    else:
        templates = wording["reflect"] + wording["by_value"].get(mention.value, [])
    return _fill(rng.choice(templates), mention.words, mention.value, language, context_clause)


def recall_prompt(
    value: str, words: str, language: str = "en", *, rng: random.Random | None = None
) -> str:
    """An invitation, at a later check-in, to say how a value they named has been going."""
    rng = rng or random.Random()
    language = _language(language)
    return _fill(rng.choice(_wording()[language]["recall"]), words, value, language)


def invite_values_question(language: str = "en", *, rng: random.Random | None = None) -> str:
    """An open question that invites the client to say what matters to them."""
    rng = rng or random.Random()
    return rng.choice(_wording()[_language(language)]["invite"])


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
            from actions.checkin import PLAIN_QUESTION_SHARE, QUESTION_SHARE  # noqa: PLC0415

            words = reflective_words(text)
            if words:
                dispatcher.utter_message(
                    response="utter_reflect_event", words=words, Words=words[:1].upper() + words[1:]
                )
            else:
                dispatcher.utter_message(response="utter_reflect_unclear_plain")
            # As after any reflection, a question follows only sometimes.
            share = QUESTION_SHARE if words else PLAIN_QUESTION_SHARE
            if self._rng.random() < share:
                dispatcher.utter_message(response="utter_invite_more")
            return []
        mention = mentions[0]
        dispatcher.utter_message(text=reflect_value(mention, rng=self._rng))
        notes = list(tracker.get_slot("checkin_notes") or [])
        notes.append(f"value::{to_their_perspective(mention.words, mention.language)}")
        return [SlotSet("checkin_notes", notes)]
