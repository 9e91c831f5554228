"""The client's own terms: what to call them (and their pronouns, if they give them), and the
language they want, English or Spanish.

The name is asked once, gently, right after consent; "skip" or a message that is not a name moves
on without asking again. "Call me Sam" changes it later; "español" or "English" changes the
language, and without a choice the language follows what the client writes (bot/language.py).
What is known reaches Rasa in the message metadata profile (bot/store.py `profile`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from bot.consent import load_wording
from bot.language import COMMON_WORDS, fold, reply_language, requested_language
from bot.store import Outgoing, Store

SKIP = "skip"

_SKIPS = {
    "skip", "pass", "next", "no", "nope", "no thanks", "no thank you", "rather not",
    "i'd rather not", "id rather not", "i'd rather not say", "prefer not to say",
    "i prefer not to say", "not now", "none", "nah", "omitir", "paso", "siguiente", "no gracias",
    "prefiero no decir", "prefiero no decirlo", "mejor no", "ninguno", "ahora no",
}
_PRONOUNS = re.compile(
    r"\(?\b(?:(?:my )?pronouns(?: are)?:?\s*|mis pronombres(?: son)?:?\s*)?"
    r"((?:she|he|they|ze|xe|ella|el|él|elle)\s*/\s*[a-zé]+(?:\s*/\s*[a-zé]+)?)\b\)?",
    re.IGNORECASE,
)
_INTRO = (
    r"(?:you can call me|u can call me|please call me|call me|my name is|my name's|name's|"
    r"it's|its|i'm|im|i am|puedes llamarme|llamame|llámame|me llamo|mi nombre es|dime|soy)"
)
_NAME_ANSWER = re.compile(rf"^(?:(?P<intro>{_INTRO})\s+)?(?P<name>.+?)[.!]*$", re.IGNORECASE)
_CALL_ME = re.compile(
    r"^(?:please\s+|por favor\s+)?(?:you can call me|please call me|call me|my name is|"
    r"puedes llamarme|llamame|llámame|me llamo|mi nombre es)\s+(?P<name>.+?)"
    r"(?:,?\s+(?:please|instead|from now on|por favor|mejor|desde ahora))*[.!]*$",
    re.IGNORECASE,
)
_NAME_WORD = re.compile(r"^[^\W\d_][\w'’\-.]*$")
# Words that answer something else: "call me back", "I'm tired", "soy yo".
_NOT_NAMES = frozenset(
    """
    back later tomorrow tonight today now soon asap again sometime anytime when if at on please
    maybe whenever ok okay yes yeah sure fine good great well bad tired sad okay alright here
    sorry lost done not so very really just too a an the and or but what why how who me you
    mañana luego despues después ahora pronto hoy por favor si sí no bien mal cansado cansada
    triste aqui aquí yo tu tú el él ella que muy nada hola hi hey hello thanks gracias
    stressed anxious worried scared angry mad upset happy sick busy home alone confused
    feeling ready trying going working struggling exhausted overwhelmed depressed
    """.split()
)
MAX_NAME_CHARS = 40


@dataclass(frozen=True)
class NameAnswer:
    name: str | None
    pronouns: str | None = None


@dataclass
class TermsReply:
    outgoing: list[Outgoing] = field(default_factory=list)
    # The name question is settled: the first check-in opens now.
    open_checkin: bool = False


def _tidy_name(raw: str, *, bare: bool = False) -> str | None:
    """The name as the client wrote it, or None when it does not read as a name. A bare answer
    (no "call me") must have no everyday word in it: "went to work" is not a name."""
    words = raw.strip(" ,;:-").split()
    if not 1 <= len(words) <= 3 or len(" ".join(words)) > MAX_NAME_CHARS:
        return None
    if not all(_NAME_WORD.match(w) for w in words) or fold(words[0]) in _NOT_NAMES:
        return None
    if bare and any(fold(w) in _NOT_NAMES or fold(w) in COMMON_WORDS for w in words):
        return None
    name = " ".join(words)
    # Written all in lower case: capitalise; any other way is the client's own spelling.
    return name.title() if name.islower() else name


def read_name_answer(text: str) -> NameAnswer | str | None:
    """The answer to "What would you like me to call you?": a name (with pronouns if given),
    SKIP, or None when the message is about something else."""
    folded = fold(text).strip(" .!")
    if folded in _SKIPS:
        return SKIP
    pronouns = None
    match = _PRONOUNS.search(text)
    rest = text
    if match:
        pronouns = re.sub(r"\s*/\s*", "/", match.group(1).lower())
        rest = (text[: match.start()] + " " + text[match.end() :]).strip(" ,;:-()")
    if not rest:
        return NameAnswer(None, pronouns) if pronouns else None
    answer = _NAME_ANSWER.match(rest.strip())
    name = _tidy_name(answer.group("name"), bare=not answer.group("intro")) if answer else None
    if name is None:
        return NameAnswer(None, pronouns) if pronouns else None
    return NameAnswer(name, pronouns)


def read_call_me(text: str) -> str | None:
    """A later "call me Sam" / "llámame Sam": the new name, or None."""
    match = _CALL_ME.match(text.strip())
    return _tidy_name(match.group("name")) if match else None


class ClientTerms:
    def __init__(self, *, store: Store, wording: dict[str, Any] | None = None) -> None:
        self._store = store
        self._wording = wording or load_wording()

    def _say(self, key: str, language: str, **fills: str) -> Outgoing:
        text = self._wording["languages"][language][key].strip().format(**fills)
        return Outgoing(text)

    def language_for(self, client_id: int, text: str) -> str:
        """The language to answer this message in; a clear new one is remembered."""
        state = self._store.client_state(client_id)
        language = reply_language(text, state.language, chosen=state.language_chosen)
        if language != state.language and not state.language_chosen:
            self._store.set_language(client_id, language, chosen=False)
        return language

    def respond(self, client_id: int, text: str, language: str) -> TermsReply | None:
        """The gateway's own answer when the message is about the client's terms, else None."""
        state = self._store.client_state(client_id)
        requested = requested_language(text)
        if requested is not None:
            self._store.set_language(client_id, requested, chosen=True)
            return TermsReply([self._say("language_set", requested)], open_checkin=state.name_pending)
        if state.name_pending:
            answer = read_name_answer(text)
            if answer is None:
                # Not an answer: the question is not asked again, and the check-in goes on.
                self._store.set_name(client_id, None)
                return None
            if answer == SKIP or not isinstance(answer, NameAnswer):
                self._store.set_name(client_id, None)
                return TermsReply([self._say("name_skipped", language)], open_checkin=True)
            self._store.set_name(client_id, answer.name, answer.pronouns)
            if answer.name is None:
                return TermsReply([self._say("agreed", language)], open_checkin=True)
            return TermsReply(
                [self._say("name_thanks", language, name=answer.name)], open_checkin=True
            )
        name = read_call_me(text)
        if name is not None:
            self._store.set_name(client_id, name)
            return TermsReply([self._say("name_updated", language, name=name)])
        return None
