"""Spanish counterpart of `actions/reflection.py`: the client's words turned to "tú", so a
reflection can reuse them after "Parece que".

"Me siento muy cansada y perdí mi trabajo" -> "te sientes muy cansada y perdiste tu trabajo".
Pure functions: no Rasa, no I/O.
"""

from __future__ import annotations

import re

# First person -> second person (tú). Verbs first-person only in form; nouns that look like
# verbs ("mi trabajo") are left alone unless a subject or "no" comes before them.
_WORD_SWAPS = {
    "yo": "tú", "me": "te", "mi": "tu", "mis": "tus", "mío": "tuyo", "mía": "tuya",
    "míos": "tuyos", "mías": "tuyas", "conmigo": "contigo", "soy": "eres", "estoy": "estás",
    "tengo": "tienes", "voy": "vas", "hago": "haces", "puedo": "puedes", "quiero": "quieres",
    "siento": "sientes", "sé": "sabes", "digo": "dices", "vengo": "vienes", "salgo": "sales",
    "pongo": "pones", "doy": "das", "veo": "ves", "he": "has", "había": "habías",
    "estaba": "estabas", "tenía": "tenías", "quería": "querías", "podía": "podías",
    "sentía": "sentías", "fui": "fuiste", "tuve": "tuviste", "hice": "hiciste",
    "pude": "pudiste", "estuve": "estuviste", "dije": "dijiste", "quise": "quisiste",
    "vine": "viniste", "supe": "supiste", "puse": "pusiste", "di": "diste", "vi": "viste",
    "necesito": "necesitas", "creo": "crees", "pienso": "piensas", "duermo": "duermes",
    "entiendo": "entiendes", "pierdo": "pierdes", "empiezo": "empiezas", "sigo": "sigues",
    "consigo": "consigues", "vuelvo": "vuelves", "encuentro": "encuentras",
    "como": "comes", "bebo": "bebes", "vivo": "vives", "escribo": "escribes", "leo": "lees",
    "aprendo": "aprendes", "recibo": "recibes", "sufro": "sufres", "debo": "debes",
    "temo": "temes", "cuido": "cuidas", "estamos": "están", "nosotros": "ustedes",
    "nuestro": "su", "nuestra": "su", "nuestros": "sus", "nuestras": "sus",
}
# "como" is "how/like" far more often than "I eat": flipped only after a subject or "no".
_ONLY_AFTER_SUBJECT = {"como", "vivo", "cuido", "leo", "debo"}
_SUBJECT_BEFORE = {"yo", "no", "ya", "también", "tambien", "nunca", "siempre", "me", "lo", "la", "le"}
# Words ending like a first-person preterite that are not one.
_NOT_PRETERITE = {
    "sí", "así", "aquí", "ahí", "allí", "mí", "ti", "qué", "fue", "café", "bebé", "josé",
    "porqué", "también", "tambien", "dé", "sé", "esté", "está",
}
_DETERMINERS = {"el", "la", "los", "las", "un", "una", "mi", "tu", "su", "mis", "tus", "sus", "este", "ese"}

_ENCLITIC_ME = re.compile(r"^(\w+(?:ar|er|ir|ando|ándo|iendo|iéndo))me$")
_TOKEN = re.compile(r"[^\W\d_]+|[^\w\s]+|\d+|\s+")
_FILLERS = {"bueno", "pues", "este", "ok", "okay", "vale", "hola", "y", "pero", "o", "ah", "oye", "mira"}
_TRAILING_FILLERS = {"jaja", "jajaja", "jeje", "lol", "nomas", "nomás", "pues", "creo"}
_FEELINGS = {
    "triste", "cansado", "cansada", "agotado", "agotada", "ansioso", "ansiosa", "nervioso",
    "nerviosa", "preocupado", "preocupada", "solo", "sola", "feliz", "contento", "contenta",
    "tranquilo", "tranquila", "enojado", "enojada", "harto", "harta", "estresado", "estresada",
    "deprimido", "deprimida", "bien", "mal", "fatal", "genial", "mejor", "peor", "abrumado",
    "abrumada", "frustrado", "frustrada", "perdido", "perdida", "orgulloso", "orgullosa",
    "agradecido", "agradecida", "aliviado", "aliviada", "desanimado", "desanimada",
}
_DEGREE = {"muy", "tan", "algo", "bastante", "super", "súper", "un", "medio"}


def _verb_from_preterite(lower: str) -> str | None:
    """Regular first-person preterites: "trabajé" -> "trabajaste", "perdí" -> "perdiste"."""
    if len(lower) < 4 or lower in _NOT_PRETERITE:
        return None
    if lower.endswith("é"):
        return lower[:-1] + "aste"
    if lower.endswith("í") and not lower.endswith("ií"):
        return lower[:-1] + "iste"
    return None


def flip_perspective(text: str) -> str:
    """Rewrite first-person Spanish as second person (tú), keeping everything else as written."""
    tokens = _TOKEN.findall(text.replace("\u2019", "'"))
    out: list[str] = []
    previous = ""
    for token in tokens:
        lower = token.lower()
        if not token[:1].isalpha():
            out.append(token)
            continue
        replacement: str | None = None
        if lower in _WORD_SWAPS and (lower not in _ONLY_AFTER_SUBJECT or previous in _SUBJECT_BEFORE):
            replacement = _WORD_SWAPS[lower]
        elif enclitic := _ENCLITIC_ME.match(lower):  # "mudarme" -> "mudarte"
            replacement = enclitic.group(1) + "te"
        elif previous not in _DETERMINERS:
            replacement = _verb_from_preterite(lower)
        if replacement is None:
            out.append(token)
        else:
            out.append(replacement[:1].upper() + replacement[1:] if token[:1].isupper() else replacement)
        previous = lower
    return "".join(out)


def reflective_words(text: str, *, feeling: bool = False, max_words: int = 16) -> str | None:
    """The client's words as a clause that can follow "Parece que", or None if they can't be."""
    first_sentence = re.split(r"(?<=[.!?])\s+", text.strip(), maxsplit=1)[0]
    words = flip_perspective(first_sentence).split()
    if len(words) > max_words:
        cut = " ".join(words[:max_words])
        boundary = max(cut.rfind(","), cut.rfind(" y "), cut.rfind(" pero "))
        words = (cut[:boundary] if boundary > len(cut) // 3 else cut).split()
    words = [w.strip("¿¡") for w in words if w.strip("¿¡")]
    while len(words) > 1 and words[0].lower().strip(",") in _FILLERS:
        words = words[1:]
    while len(words) > 1 and words[-1].lower().strip(",.!?") in _TRAILING_FILLERS:
        words = words[:-1]
    if not words:
        return None
    clause = re.sub(r"[.!?,;:\-]+$", "", " ".join(words)).strip()
    plain = [w.lower().strip(",.!?") for w in clause.split()]
    if feeling and len(plain) <= 4 and (plain[0] in _FEELINGS or plain[0] in _DEGREE):
        clause = "te sientes " + clause
    first = clause.split()[0]
    # Sentence case comes from the template; an acronym ("AA") keeps its capitals.
    if not (first.isupper() and len(first) > 1):
        clause = clause[:1].lower() + clause[1:]
    return clause if len(clause.split()) >= 2 else None
