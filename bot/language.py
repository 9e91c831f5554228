"""English or Spanish: what the client asked for, or what their words say.

A light detector from everyday words and Spanish letters; no model, nothing downloaded. It
answers None when a message is too short or too mixed to tell, so one word never flips a
conversation's language.
"""

from __future__ import annotations

import re
import unicodedata

LANGUAGES = ("en", "es")

_WORD = re.compile(r"[a-zñ']+")
_SPANISH_MARKS = re.compile(r"[ñ¿¡áéíóú]")
# Frequent words of one language that are rare in the other.
_SPANISH = frozenset(
    """
    que de el la los las un una unos unas y o pero porque con sin para por como cuando donde muy
    mas más ya yo tu tú mi mis su sus me te se lo le les nos es soy eres estoy esta está estas estás
    estoy estamos son fue era hay tengo tiene tienes quiero quieres puedo puedes voy vas va hace
    hoy ayer mañana semana dia día bien mal nada todo todos algo alguien nadie siempre nunca
    tambien también ahora aqui aquí hola gracias si sí sé creo siento mucho poco otra otro casa
    trabajo hijo hija hijos familia del al en cosas vida dinero ganas cansado cansada triste
    contento contenta feliz estuve tuve hice fui
    """.split()
)
_ENGLISH = frozenset(
    """
    i the and to my is am you it that of in have has had do did not want feel felt just so this
    with what be are was were can will would about like myself he she they im i'm dont don't
    today week been got get going really but work kids day good bad tired me we our your it's
    hi hello thanks yes okay
    """.split()
)
# Everyday words of either language: not a name when a name is asked for.
COMMON_WORDS = _SPANISH | _ENGLISH
# A request for a language, in either: "español", "in Spanish please", "english".
_ASK_SPANISH = re.compile(
    r"^(?:(?:en|in|habla(?:me)?|hablame|speak|write|escribe(?:me)?)\s+)?"
    r"(?:espa[nñ]ol|spanish|castellano)(?:\s+(?:por favor|please))?[.!]*$"
)
_ASK_ENGLISH = re.compile(
    r"^(?:(?:en|in|habla(?:me)?|hablame|speak|write|escribe(?:me)?)\s+)?"
    r"(?:english|ingles)(?:\s+(?:por favor|please))?[.!]*$"
)


def fold(text: str) -> str:
    """Lower case without accents (ñ kept), so "Español" and "espanol" read the same."""
    lowered = text.lower().replace("ñ", "\0")
    stripped = "".join(
        c for c in unicodedata.normalize("NFD", lowered) if unicodedata.category(c) != "Mn"
    )
    return re.sub(r"\s+", " ", stripped.replace("\0", "ñ")).strip()


def requested_language(text: str) -> str | None:
    """The language a message asks for, when that is all it says."""
    folded = fold(text)
    if _ASK_SPANISH.match(folded):
        return "es"
    if _ASK_ENGLISH.match(folded):
        return "en"
    return None


def detect(text: str) -> str | None:
    """"es" or "en" when the message's words say so clearly, otherwise None."""
    lowered = text.lower()
    words = _WORD.findall(lowered.replace("\u2019", "'"))
    spanish = sum(word in _SPANISH for word in words) + 2 * len(_SPANISH_MARKS.findall(lowered))
    english = sum(word in _ENGLISH for word in words)
    if spanish >= 2 and spanish > 2 * english:
        return "es"
    if english >= 2 and english > 2 * spanish:
        return "en"
    return None


def reply_language(text: str, stored: str | None, *, chosen: bool) -> str:
    """The language to answer a message in: one asked for in it, the client's chosen one, the
    message's own, or the one the client wrote in last."""
    return (
        requested_language(text)
        or (stored if chosen and stored in LANGUAGES else None)
        or detect(text)
        or (stored if stored in LANGUAGES else None)
        or "en"
    )
