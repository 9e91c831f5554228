"""The safety screen: notices distress cues in a client's message before anything else sees it.

Deterministic and fast (patterns from `cues.yml`, compiled once per screen), so it runs on every
message and each decision can be read and reviewed. A cue counts unless its own clause negates it
("I would never hurt myself"); it is softened when said of someone else, told as a resolved past,
joked about, or only part of a story about a film, song, game or the news. Each of these readings
reaches only the cue's own clause or sentence, so in a long message a denial, a film or someone
else's story in one sentence does not cancel the client's own cue in another. A negation that
measures the cue ("never wanted to die so much") or is taken back ("...but I want to") does not
deny it; a plain denial beside another warning sign is the client raising the subject. A past cue
the client does not say is behind them counts again when it comes back or meets distress now.
Separate warning signs add up to urgent. A means or a time next to a risk cue makes an emergency.
Earlier messages give a short follow-up its meaning ("yes", "I have the pills right here").
Between `none` and `concern` the screen chooses `concern`.
"""

from __future__ import annotations

import bisect
import logging
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import yaml

from bot.safety.reader import Reader, trained_reader

if TYPE_CHECKING:
    from bot.settings import Settings

Level = Literal["none", "concern", "urgent", "emergency"]
LEVELS: tuple[str, ...] = ("none", "concern", "urgent", "emergency")
CUES_PATH = Path(__file__).with_name("cues.yml")
REPLIES_PATH = Path(__file__).with_name("replies.yml")
PLAN_OR_MEANS = "plan_or_means"
PREPARATION = "preparation"
# The cue a message carries when it was the reading of the whole message that raised its level.
WHOLE_MESSAGE = "whole_message"
log = logging.getLogger(__name__)


def level_rank(level: str) -> int:
    return LEVELS.index(level)


def max_level(*levels: str) -> str:
    return max(levels, key=level_rank, default="none")


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> bool:
    """Whether two spans of a text share a character."""
    return a[0] < b[1] and b[0] < a[1]


def _at_most(level: str, ceiling: str) -> str:
    return level if level_rank(level) <= level_rank(ceiling) else ceiling


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


# --- normalisation ---------------------------------------------------------------------------

_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'", "ʼ": "'", "′": "'"})
# Emoji carry meaning in crisis talk; they become words the lexicon can match.
_EMOJI_WORDS = {
    "🔪": " knife ", "🗡": " knife ", "💊": " pills ", "🔫": " gun ", "🪦": " grave ",
    "⚰": " coffin ", "🩸": " blood ", "🪢": " rope ", "🌉": " bridge ",
    "😂": " lol ", "🤣": " lol ", "💀": " lol ", "😆": " lol ", "😹": " lol ", "😅": " lol ",
}
_EMOJI = re.compile("|".join(map(re.escape, _EMOJI_WORDS)))
# "OD'd", "od'ing": read before apostrophes go, or "od'd" would become "odd".
_OVERDOSED = re.compile(r"\bo\.?d(?:'d|'ed|\.d|ed)\b")
_OVERDOSING = re.compile(r"\bo\.?d'?ing\b")
# "he'll", "she'd": spelled out while the apostrophe still tells them from "hell" and "shed".
_WILL_WOULD = re.compile(r"\b(i|you|he|she|we|they|it|someone|somebody)'(ll|d)\b")
_AUXILIARY = {"ll": "will", "d": "would"}
# Written with or without apostrophes, short forms become one spelling the lexicon is written in.
_SHORT_FORMS = {
    "im": "i am", "ive": "i have", "dont": "do not", "doesnt": "does not", "didnt": "did not",
    "cant": "can not", "cannot": "can not", "wont": "will not", "wouldnt": "would not",
    "couldnt": "could not", "shouldnt": "should not", "isnt": "is not", "arent": "are not",
    "wasnt": "was not", "werent": "were not", "havent": "have not", "hasnt": "has not",
    "hadnt": "had not", "aint": "am not", "youre": "you are", "theyre": "they are",
    "thats": "that is", "whats": "what is", "theres": "there is", "hes": "he is", "shes": "she is",
    "theyll": "they will", "youll": "you will", "itll": "it will", "theyd": "they would",
    "youd": "you would", "hed": "he would", "wanna": "want to", "gonna": "going to",
    "gotta": "got to", "tryna": "trying to", "finna": "going to", "imma": "i am going to",
    "ima": "i am going to", "u": "you", "ur": "your", "ppl": "people", "rn": "right now",
    "tmrw": "tomorrow", "tmr": "tomorrow", "tomorow": "tomorrow", "tonite": "tonight",
    "2nite": "tonight", "cuz": "because", "bc": "because", "idk": "i do not know",
    "idc": "i do not care", "kinda": "kind of", "sorta": "sort of", "alot": "a lot",
    "noone": "no one", "wnat": "want", "myslef": "myself", "q": "que", "xq": "porque",
    "pq": "porque",
}
_LEET_LETTERS = {"0": "o", "1": "i", "3": "e", "4": "a", "@": "a", "$": "s"}
_LEET = re.compile(r"(?<=[a-z])[0134@$](?=[a-z])")
_SHORT_FORM = re.compile(r"\b(" + "|".join(sorted(_SHORT_FORMS, key=len, reverse=True)) + r")\b")


def normalise(text: str) -> str:
    """Lower case, accents and apostrophes gone, short forms spelled out, emoji named, stretched
    letters cut to one ("diiiie" -> "die"), line breaks as sentence ends."""
    text = _EMOJI.sub(lambda m: _EMOJI_WORDS[m.group()], text.replace("\ufe0f", ""))
    text = unicodedata.normalize("NFKD", text.lower().translate(_APOSTROPHES))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = _OVERDOSING.sub("overdosing", _OVERDOSED.sub("overdosed", text))
    text = _WILL_WOULD.sub(lambda m: f"{m.group(1)} {_AUXILIARY[m.group(2)]}", text)
    text = text.replace("'", "")
    text = re.sub(r"(?<=[a-z])\*+(?=[a-z])", "", text)  # "f***ing" is one word
    text = _LEET.sub(lambda m: _LEET_LETTERS[m.group()], text)  # "k1ll", "d1e"
    text = re.sub(r"\s*\n\s*", " . ", text)
    text = re.sub(r"(?<=\w)[-_/](?=\w)", " ", text)
    text = re.sub(r"[^\w\s.!?,;:]", " ", text)
    text = re.sub(r"([a-z])\1{2,}", r"\1", text)
    text = re.sub(r"([.!?,])\1+", r"\1", text)
    text = re.sub(r",\s*ever\b", " ever", text)  # "never, ever" is one negation
    text = _SHORT_FORM.sub(lambda m: _SHORT_FORMS[m.group()], text)
    return re.sub(r"\s+", " ", text).strip()


# --- the lexicon ---------------------------------------------------------------------------

_MACRO = re.compile(r"\{([A-Z_]+)\}")


@dataclass(frozen=True)
class _CueSet:
    """One family's patterns at one level, as a single alternation."""

    family: str
    level: str
    kind: Literal["statement", "topic", "personal"]
    others_level: str | None
    regex: re.Pattern[str]


class _Lexicon:
    def __init__(self, spec: dict[str, Any]) -> None:
        macros: dict[str, str] = {}
        for name, body in spec["macros"].items():
            macros[name] = _MACRO.sub(lambda m: macros[m.group(1)], body)

        def compile_all(patterns: Iterable[str]) -> re.Pattern[str]:
            # Patterns that start at a word share one "\b(?=\w)" test, so the many alternatives
            # are tried only where a word begins: about twice as fast.
            expanded = [_MACRO.sub(lambda m: macros[m.group(1)], p) for p in patterns]
            at_word = [p[len(r"\b") :] for p in expanded if p.startswith(r"\b")]
            elsewhere = [p for p in expanded if not p.startswith(r"\b")]
            alternatives = [f"(?:{p})" for p in elsewhere]
            if at_word:
                alternatives.insert(0, r"\b(?=\w)(?:" + "|".join(f"(?:{p})" for p in at_word) + ")")
            return re.compile("|".join(alternatives))

        self.cue_sets = [
            _CueSet(
                family=family,
                level={"topic": "concern", "personal": "urgent"}.get(key, key),
                kind=key if key in ("topic", "personal") else "statement",
                others_level=levels.get("others"),
                regex=compile_all(patterns),
            )
            for family, levels in spec["families"].items()
            for key, patterns in levels.items()
            if key != "others"
        ]
        self.means = compile_all(spec["means"])
        self.imminent = compile_all(spec["imminent"])
        follow_up = spec["follow_up"]
        self.anaphora = compile_all(follow_up["anaphora"])
        self.affirmation = re.compile(follow_up["affirmation"])
        self.affirmation_max_words: int = follow_up["affirmation_max_words"]
        self.refusal = re.compile(follow_up["refusal"])
        self.carry: dict[str, str] = follow_up["carry"]
        self.window: int = follow_up["window"]
        self.escalate_with_means = frozenset(spec["escalation"]["means"])
        self.escalate_with_time = frozenset(spec["escalation"]["imminent"])
        whole = spec["whole_message"]
        self.whole_min_words: int = whole["min_words"]
        self.whole_likely: float = whole["likely"]
        self.whole_clear: float = whole["clear"]
        context = dict(spec["context"])
        self.idioms = compile_all(context.pop("idioms"))
        self.negation_window: int = context.pop("negation_window")
        self.negation_bridge = frozenset(context.pop("negation_bridge"))
        self.third_party_window: int = context.pop("third_party_window")
        self.third_party_reach: int = context.pop("third_party_reach")
        compiled = {name: compile_all([pattern]) for name, pattern in context.items()}
        self.negation = compiled["negation"]
        self.double_negation = compiled["double_negation"]
        self.comparison = compiled["comparison"]
        self.taken_back = compiled["taken_back"]
        self.third_party = compiled["third_party"]
        self.reported_question = compiled["reported_question"]
        self.first_person = compiled["first_person"]
        self.speaker = compiled["speaker"]
        self.media = compiled["media"]
        self.jest = compiled["jest"]
        self.ambivalence = compiled["ambivalence"]
        self.past_distant = compiled["past_distant"]
        self.past_pointer = compiled["past_pointer"]
        self.past = compiled["past"]
        self.past_habit = compiled["past_habit"]
        self.resolved = compiled["resolved"]
        self.recurrence = compiled["recurrence"]
        self.distress_now = compiled["distress_now"]
        self.clause_break = compiled["clause_break"]
        self.segment_break = compiled["segment_break"]
        self.sentence_break = compiled["sentence_break"]
        self.spanish = compile_all([spec["language"]["es"]])
        self.spanish_marks = re.compile(spec["language"]["es_marks"])
        self.english = compile_all([spec["language"]["en"]])


# --- reading one message -------------------------------------------------------------------


@dataclass(frozen=True)
class _Hit:
    family: str
    level: str
    start: int
    end: int
    text: str
    live: bool  # said of the client, now, in earnest: can combine with a means or a time
    joking: bool = False
    carried: bool = False  # an earlier message's cue, carried by a short follow-up
    # Told as past, not said to be resolved: the level it has if it is back or the client is
    # in distress now.
    past_level: str | None = None
    softened_by: tuple[str, ...] = ()  # which readings lowered it, for review


class _Pieces:
    """Where clauses, told-as-past stretches and sentences begin and end in a text."""

    def __init__(self, text: str, breaks: re.Pattern[str]) -> None:
        found = list(breaks.finditer(text))
        self._ends = [m.end() for m in found]
        self._starts = [m.start() for m in found]
        self._length = len(text)

    def around(self, start: int, end: int) -> tuple[int, int]:
        before = bisect.bisect_right(self._ends, start)
        after = bisect.bisect_left(self._starts, end)
        return (
            self._ends[before - 1] if before else 0,
            self._starts[after] if after < len(self._starts) else self._length,
        )

    def end_of_next(self, end: int) -> int:
        """Where the piece after the one that ends at `end` ends; `end` itself at the last."""
        return max(end, self.around(end + 1, end + 1)[1])

    def before(self, start: int) -> tuple[int, int]:
        """The piece just before the one that begins at `start`; empty at the beginning."""
        index = bisect.bisect_left(self._ends, start)
        if index == len(self._ends) or self._ends[index] != start:
            return (0, 0)
        return (self._ends[index - 1] if index else 0, self._starts[index])


class _Reading:
    """One normalised message and the cues that count in it."""

    def __init__(self, lexicon: _Lexicon, normalised: str) -> None:
        self.lexicon = lexicon
        self.text = lexicon.idioms.sub(lambda m: " " * len(m.group()), normalised)
        self.clauses = _Pieces(self.text, lexicon.clause_break)
        self.segments = _Pieces(self.text, lexicon.segment_break)
        self.sentences = _Pieces(self.text, lexicon.sentence_break)
        self._resolutions = [m.span() for m in lexicon.resolved.finditer(self.text)]
        # People drop the "I" when they write ("Suicidal again.") or say "you" of themselves: a
        # message that speaks of the speaker anywhere does so here too, unless someone else is
        # named as the subject.
        self.personal = bool(lexicon.speaker.search(self.text))
        self.dropped: list[str] = []  # why a cue that matched does not count, for review
        hits = [hit for cue_set in lexicon.cue_sets for hit in self._hits(cue_set)]
        self.hits = self._past_that_still_counts(self._denials_that_still_count(hits))

    def _denials_that_still_count(self, hits: list[_Hit]) -> list[_Hit]:
        """A plain denial ("I'm not suicidal, just tired") is no cue. Beside another warning sign
        it is the client raising the subject themselves: a concern, and a sign that adds up."""
        denied = [hit for hit in hits if "denied" in hit.softened_by]
        others = [hit for hit in hits if "denied" not in hit.softened_by and not hit.joking]
        if others:
            return hits
        self.dropped += ["negated"] * len(denied)
        return [hit for hit in hits if "denied" not in hit.softened_by]

    def _past_that_still_counts(self, hits: list[_Hit]) -> list[_Hit]:
        """A past cue the client does not say is behind them counts again when it comes back
        ("...and I want to try again") or beside distress now: a past attempt is the strongest
        sign there is."""
        distress_now = any(hit.live for hit in hits) or any(
            not self._told_as_past(m.start(), m.end())
            for m in self.lexicon.distress_now.finditer(self.text)
        )
        return [
            replace(hit, level=hit.past_level, past_level=None)
            if hit.past_level and (distress_now or self._recurs_after(hit.end))
            else hit
            for hit in hits
        ]

    def _recurs_after(self, end: int) -> bool:
        """A return to it in the rest of the cue's sentence or in the next one."""
        _, sentence_end = self.sentences.around(end, end)
        following_end = self.sentences.end_of_next(sentence_end)
        return bool(self.lexicon.recurrence.search(self.text[end:following_end]))

    def _resolved_near(self, position: int) -> bool:
        """A resolution ("I'm in a better place now") in the cue's sentence or the two after it
        (a story of what helped often comes between): a resolution elsewhere in a long message
        does not speak for this cue."""
        start, end = self.sentences.around(position, position)
        for _ in range(2):
            end = self.sentences.end_of_next(end)
        return any(start <= at < end for at, _ in self._resolutions)

    def _inside_a_resolution(self, start: int, end: int) -> bool:
        """The cue is part of what the client says is behind them ("free from self harm for six
        years")."""
        return any(_overlap((start, end), span) for span in self._resolutions)

    def _hits(self, cue_set: _CueSet) -> Iterable[_Hit]:
        for match in cue_set.regex.finditer(self.text):
            start, end = match.span()
            mention = cue_set.kind != "statement"
            if self._only_a_story(start, end, mention):
                self.dropped.append("story")
                continue
            level, live, joking, past_level = cue_set.level, True, False, None
            softened: list[str] = []
            if self._negated(start) and not self._compared(end) and not self._taken_back(end):
                level, live = "concern", False
                softened.append("ambivalent" if self._qualified(end) else "denied")
            if cue_set.kind == "personal" and not self.personal:
                level, live = "concern", False
                softened.append("impersonal")
            if level != "emergency":
                if cue_set.others_level and self._about_someone_else(start, end):
                    level, live = _at_most(level, cue_set.others_level), False
                    softened.append("someone_else")
                if self._reported_question(start):
                    level, live = _at_most(level, "concern"), False
                    softened.append("reported_question")
            if self._told_as_past(start, end):
                resolved = self._resolved_near(start)
                if level_rank(level) > level_rank("concern") and not resolved:
                    past_level = _at_most(level, "urgent")
                level, live = _at_most(level, "concern"), False
                softened += ["past", "resolved"] if resolved else ["past"]
            elif level == "urgent" and self._joking(start, end):
                level, live, joking = "concern", False, True
                softened.append("joking")
            yield _Hit(
                cue_set.family, level, start, end, match.group().strip(), live, joking,
                past_level=past_level, softened_by=tuple(softened),
            )

    def modifiers(self, regex: re.Pattern[str]) -> list[tuple[int, int, str]]:
        """Means or times that count: not negated, not in a story, not long past."""
        return [
            (m.start(), m.end(), m.group().strip())
            for m in regex.finditer(self.text)
            if not self._negated(m.start())
            and not self._only_a_story(m.start(), m.end(), mention=False)
            and not self._long_past(m.start(), m.end())
        ]

    def sentence_of(self, position: int) -> tuple[int, int]:
        return self.sentences.around(position, position)

    def _piece(self, pieces: _Pieces, start: int, end: int) -> str:
        piece_start, piece_end = pieces.around(start, end)
        return self.text[piece_start:piece_end]

    def _words_before(self, start: int, count: int) -> str:
        clause_start, _ = self.clauses.around(start, start)
        return " ".join(self.text[clause_start:start].split()[-count:])

    def _negated(self, start: int) -> bool:
        before = self._words_before(start, self.lexicon.negation_window)
        negations = list(self.lexicon.negation.finditer(before))
        if not negations:
            return False
        between = before[negations[-1].end() :].split()
        if not all(word in self.lexicon.negation_bridge for word in between):
            return False
        # "Not a day goes by that I don't think about it", "I can't pretend I don't want to
        # die": a negation inside another one affirms the cue.
        clause_start, _ = self.clauses.around(start, start)
        return not self.lexicon.double_negation.search(self.text[clause_start:start])

    def _compared(self, end: int) -> bool:
        """"I've never wanted to die so much": the negation measures the cue, it does not deny
        it."""
        _, clause_end = self.clauses.around(end, end)
        return bool(self.lexicon.comparison.match(self.text[end:clause_end]))

    def _taken_back(self, end: int) -> bool:
        """"I'm not going to cut, but I really want to": the denial is taken back in its own
        sentence."""
        _, sentence_end = self.sentences.around(end, end)
        return bool(self.lexicon.taken_back.search(self.text[end:sentence_end]))

    def _qualified(self, end: int) -> bool:
        """A "but" later in the denial's sentence, or opening the next one ("I don't want to
        die. But I can't keep doing this.")."""
        _, sentence_end = self.sentences.around(end, end)
        if self.lexicon.ambivalence.search(self.text[end:sentence_end]):
            return True
        opening = self.text[sentence_end + 1 : self.sentences.end_of_next(sentence_end)].split()[:1]
        return bool(opening) and bool(self.lexicon.ambivalence.fullmatch(opening[0]))

    def _only_a_story(self, start: int, end: int, mention: bool) -> bool:
        """Talk about a film, song, game or the news: a bare mention in it never counts, nor does
        anything in a sentence where the client does not speak of themselves."""
        sentence = self._piece(self.sentences, start, end)
        if not self.lexicon.media.search(sentence):
            return False
        return mention or not self.lexicon.first_person.search(sentence)

    def _about_someone_else(self, start: int, end: int) -> bool:
        if self.lexicon.first_person.search(self.text[start:end]):
            return False
        before = self._words_before(start, self.lexicon.third_party_window)
        others = list(self.lexicon.third_party.finditer(before))
        if not others:
            return False
        after_them = before[others[-1].end() :]
        return (
            len(after_them.split()) <= self.lexicon.third_party_reach
            and not self.lexicon.first_person.search(after_them)
        )

    def _reported_question(self, start: int) -> bool:
        clause_start, _ = self.clauses.around(start, start)
        return bool(self.lexicon.reported_question.search(self.text[clause_start:start]))

    def _told_as_past(self, start: int, end: int) -> bool:
        if self._long_past(start, end) or self._inside_a_resolution(start, end):
            return True
        before = self._words_before(start, self.lexicon.negation_window)
        if self.lexicon.past_habit.search(f"{before} {self.text[start:end]}"):
            return True
        segment = self._piece(self.segments, start, end)
        return self._resolved_near(start) and bool(self.lexicon.past.search(segment))

    def _long_past(self, start: int, end: int) -> bool:
        """A time long past in the cue's own clause, opening the clause before it ("Years ago,
        I tried..."), or said of it in the next sentence ("That was years ago"), but not "my dad
        died years ago and I want to die"."""
        clause_start, clause_end = self.clauses.around(start, end)
        if self.lexicon.past_distant.search(self.text[clause_start:clause_end]):
            return True
        sentence_start, sentence_end = self.sentences.around(start, start)
        # "...I tried to end my life. That was seven years ago."
        following = self.text[sentence_end + 1 : self.sentences.end_of_next(sentence_end)]
        pointer = self.lexicon.past_pointer.match(following)
        if pointer and self.lexicon.past_distant.match(following, pointer.end()):
            return True
        previous_start, previous_end = self.clauses.before(clause_start)
        if previous_start < sentence_start:
            return False  # only within the cue's own sentence
        previous = self.text[previous_start:previous_end].strip()
        return bool(self.lexicon.past_distant.match(previous))

    def _joking(self, start: int, end: int) -> bool:
        return bool(self.lexicon.jest.search(self._piece(self.sentences, start, end)))


# --- the screen ----------------------------------------------------------------------------


class SafetyScreen:
    # Earlier messages come back as history with every new message: their cues are read once.
    REMEMBERED_MESSAGES = 4096

    def __init__(self, cues_path: Path | None = None, reader: Reader | None = None) -> None:
        self._cues_path = cues_path or CUES_PATH
        self._loaded: _Lexicon | None = None
        self._reader = reader
        self._families_by_text: dict[str, frozenset[str]] = {}

    @property
    def _lexicon(self) -> _Lexicon:
        if self._loaded is None:
            spec = yaml.safe_load(self._cues_path.read_text(encoding="utf-8"))
            self._loaded = _Lexicon(spec)
        return self._loaded

    def warm(self) -> None:
        """Load the lexicon and learn the reader now, not on a client's first message."""
        self.assess("")
        self._whole_reader()

    def _whole_reader(self) -> Reader:
        if self._reader is None:
            self._reader = trained_reader()
        return self._reader

    def assess(self, text: str, history: Sequence[str] = ()) -> Assessment:
        lexicon = self._lexicon
        normalised = normalise(text)
        reading = _Reading(lexicon, normalised)
        self._remember(normalised, reading)
        earlier = [normalise(h) for h in history[-lexicon.window :]]
        earlier_families = set().union(*(self._families_in(h) for h in earlier))

        hits = list(reading.hits) + self._follow_up(reading, normalised, earlier_families)
        level = max_level(*(hit.level for hit in hits))
        if level == "concern" and self._signs_add_up(hits):
            level = "urgent"
        cues = {hit.family for hit in hits}
        evidence = [hit.text for hit in hits]

        raised, modifiers = self._raised_by_means_or_time(reading, hits, earlier_families)
        if raised != "none":
            level = max_level(level, raised)
            cues.add(PLAN_OR_MEANS)
            evidence += modifiers
        read_whole = self._read_as_a_whole(reading, normalised, level)
        if read_whole is not None:
            level, score = read_whole
            cues.add(WHOLE_MESSAGE)
            evidence.append(f"read as a whole: {score:.2f}")
        return Assessment(
            level=level,
            cues=tuple(sorted(cues)),
            evidence=tuple(dict.fromkeys(evidence)),
            language=self._language(text, normalised, earlier),
        )

    def _read_as_a_whole(
        self, reading: _Reading, normalised: str, level: str
    ) -> tuple[str, float] | None:
        """A message of several sentences that the reader scores as likely from someone at risk:
        urgent when the lexicon found a cue in it but softened or set it aside (a denial, a past,
        someone else, a concern), a concern when it found nothing; urgent either way when the
        score is clear. Short messages are left to the lexicon, which reads them whole already.
        The reader can only raise a level; if it fails, the lexicon's level stands."""
        lexicon = self._lexicon
        if level_rank(level) >= level_rank("urgent"):
            return None
        if len(normalised.split()) < lexicon.whole_min_words:
            return None
        try:
            score = self._whole_reader().score(normalised)
        except Exception:  # the lexicon's reading must never be lost to the reader's failure
            log.exception("the whole-message reader failed; the lexicon's level stands")
            return None
        if score < lexicon.whole_likely:
            return None
        noticed = level == "concern" or bool(reading.dropped)
        if noticed or score >= lexicon.whole_clear:
            return "urgent", score
        return "concern", score

    @staticmethod
    def _signs_add_up(hits: list[_Hit]) -> bool:
        """Two or more separate warning signs in one message ("I'm a burden... there's no way
        out"), none of them a joke: together they are urgent, though each alone is a concern."""
        spans: list[tuple[int, int]] = []
        for hit in sorted(hits, key=lambda h: h.start):
            # A sign the client says is behind them adds nothing.
            if hit.joking or hit.level != "concern" or "resolved" in hit.softened_by:
                continue
            if not spans or hit.start >= spans[-1][1]:
                spans.append((hit.start, hit.end))
            else:
                spans[-1] = (spans[-1][0], max(spans[-1][1], hit.end))
        return len(spans) >= 2

    def _families_in(self, normalised: str) -> frozenset[str]:
        """The families of the cues said of the client, now, in an earlier message."""
        if normalised not in self._families_by_text:
            self._remember(normalised, _Reading(self._lexicon, normalised))
        return self._families_by_text[normalised]

    def _remember(self, normalised: str, reading: _Reading) -> None:
        if len(self._families_by_text) >= self.REMEMBERED_MESSAGES:
            del self._families_by_text[next(iter(self._families_by_text))]
        self._families_by_text[normalised] = frozenset(h.family for h in reading.hits if h.live)

    def _follow_up(self, reading: _Reading, normalised: str, earlier: set[str]) -> list[_Hit]:
        """A short answer or a "going to do it" carries an earlier cue into this message."""
        lexicon = self._lexicon
        carried = sorted({lexicon.carry[f] for f in earlier if f in lexicon.carry})
        if not carried:
            return []
        match = lexicon.anaphora.search(reading.text)
        if match is not None:
            start, end, said = match.start(), match.end(), match.group().strip()
        elif self._affirms(normalised):
            start, end, said = 0, len(normalised), normalised
        else:
            return []
        return [
            _Hit(family, "urgent", start, end, said, live=True, carried=True) for family in carried
        ]

    def affirms(self, text: str) -> bool:
        """Whether `text` is a short yes ("yes", "kind of", "sí"), not a reassurance or a no."""
        return self._affirms(normalise(text))

    def _affirms(self, normalised: str) -> bool:
        lexicon = self._lexicon
        return (
            len(normalised.split()) <= lexicon.affirmation_max_words
            and bool(lexicon.affirmation.search(normalised))
            and not lexicon.refusal.search(normalised)
        )

    def _raised_by_means_or_time(
        self, reading: _Reading, hits: list[_Hit], earlier: set[str]
    ) -> tuple[str, list[str]]:
        """An emergency when a risk cue comes with a means or plan (anywhere in the message, or
        in an earlier one) or with a time to act (in the same sentence); only urgent when the cue
        was joked about."""
        lexicon = self._lexicon
        at_risk = [
            h for h in hits if (h.live or h.joking) and h.family in lexicon.escalate_with_means
        ]
        # A method named inside the cue itself ("thinking about taking all my pills") is not a
        # second sign: only a means or plan of its own raises the level. A plan or a preparatory
        # act ("picked a date") is a means of its own, not a cue that hides one.
        inside_a_cue = [
            (h.start, h.end)
            for h in at_risk
            if h.family not in (PLAN_OR_MEANS, PREPARATION) and not h.carried
        ]

        def apart(span: tuple[int, int]) -> bool:
            return not any(_overlap(span, cue) for cue in inside_a_cue)

        means = [m for m in reading.modifiers(lexicon.means) if apart((m[0], m[1]))]
        means_hits = [h for h in hits if h.family == PLAN_OR_MEANS and apart((h.start, h.end))]
        evidence: list[str] = []
        raised = "none"

        spans = [(m[0], m[1]) for m in means] + [(h.start, h.end) for h in means_hits]
        means_now = bool(spans)
        risk_now = any(h.live for h in at_risk)

        # The means must be a sign of its own beside the risk: "I picked a date" is one sign.
        def beside_a_means(hit: _Hit) -> bool:
            return any(not _overlap((hit.start, hit.end), span) for span in spans)

        if means_now and (
            any(h.live and beside_a_means(h) for h in at_risk)
            or earlier & lexicon.escalate_with_means
        ):
            raised = "emergency"
        elif PLAN_OR_MEANS in earlier and risk_now:
            raised = "emergency"
        elif means_now and any(beside_a_means(h) for h in at_risk):
            raised = "urgent"
        if raised != "none":
            evidence += [text for _, _, text in means]

        for start, _, text in reading.modifiers(lexicon.imminent):
            sentence = reading.sentence_of(start)
            beside = [
                h
                for h in hits
                if (h.live or h.joking)
                and h.family in lexicon.escalate_with_time
                and reading.sentence_of(h.start) == sentence
            ]
            if any(h.live for h in beside):
                raised = "emergency"
                evidence.append(text)
            elif beside:
                raised = max_level(raised, "urgent")
                evidence.append(text)
        return raised, evidence

    def _language(self, text: str, normalised: str, earlier: list[str]) -> str:
        """Spanish or English by common words; a message too short to tell takes the language
        of the latest earlier message that can."""
        lexicon = self._lexicon
        marks = len(lexicon.spanish_marks.findall(text.lower()))
        for words in [normalised, *reversed(earlier)]:
            spanish = len(lexicon.spanish.findall(words)) + marks
            english = len(lexicon.english.findall(words))
            if spanish != english:
                return "es" if spanish > english else "en"
            marks = 0
        return "en"


# --- replies -------------------------------------------------------------------------------


@cache
def _replies() -> dict[str, Any]:
    return yaml.safe_load(REPLIES_PATH.read_text(encoding="utf-8"))


def crisis_resources(language: str = "en", resources: str | None = None) -> str:
    """The crisis resources to give a client in `language`: the program's `resources` (already
    chosen for the language, see `Settings.crisis_resources_for`), or the defaults in
    replies.yml. Every client-facing text that names crisis resources takes them from here."""
    return resources or _wording(language)["default_resources"].strip()


def program_crisis_resources(settings: Settings, language: str | None) -> str:
    """The crisis resources of the program in `settings` for a client writing in `language`."""
    language = language or "en"
    return crisis_resources(language, settings.crisis_resources_for(language))


def _wording(language: str) -> dict[str, Any]:
    languages = _replies()["languages"]
    return languages[language if language in languages else "en"]


# A concern raised only by cues of these families is answered in their terms (replies.yml).
CONCERN_WORDINGS: tuple[tuple[frozenset[str], str], ...] = (
    (frozenset({"relapse", "using_alone", "overdose"}), "concern_substance_use"),
    (frozenset({"violence_against_client"}), "concern_safety_at_home"),
    (frozenset({"harm_to_others", "child_at_risk", "command_hallucination"}),
     "concern_harm_to_others"),
)


def safety_wordings(level: str) -> tuple[str, ...]:
    """The names of the wordings in replies.yml that a reply at `level` may use."""
    if level == "concern":
        return ("concern", *(name for _, name in CONCERN_WORDINGS))
    return (level,)


def safety_reply(
    level: str,
    language: str = "en",
    resources: str | None = None,
    emergency_number: str | None = None,
    cues: Iterable[str] = (),
    wording_name: str | None = None,
) -> list[str]:
    """The program's words for a client at `level`, in their language, one message per item.
    `resources` is the program's crisis resources text; None means the defaults in replies.yml.
    `emergency_number` is the program's (EMERGENCY_NUMBER); without it a program with its own
    resources is not told the US number but "your local emergency number". A concern whose
    `cues` all belong to one of `CONCERN_WORDINGS` gets that wording (drug use, danger at home,
    thoughts of hurting someone else); `wording_name` picks one of `safety_wordings(level)`
    outright."""
    if level not in LEVELS or level == "none":
        raise ValueError(f"no safety reply for level {level!r}")
    cues = frozenset(cues)
    if wording_name is None:
        wording_name = level
        if level == "concern" and cues:
            wording_name = next(
                (name for families, name in CONCERN_WORDINGS if cues <= families), level
            )
    if wording_name not in safety_wordings(level):
        raise ValueError(f"no wording {wording_name!r} at level {level!r}")
    wording = _wording(language)
    if emergency_number is None:
        emergency_number = wording["local_emergency_number" if resources else "emergency_number"]
    fills = {
        "{resources}": crisis_resources(language, resources),
        "{emergency_number}": emergency_number,
    }
    lines = []
    for line in wording[wording_name]:
        for placeholder, value in fills.items():
            line = line.replace(placeholder, value)
        lines.append(line.strip())
    return lines
