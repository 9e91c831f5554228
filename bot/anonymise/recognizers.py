"""The project's own Presidio recognizers: patterns for contact details and identifiers, and
people's names found from name lists and the words around them (no NER model is loaded)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from bot.anonymise.lexicon import Lexicon, fold

LANGUAGE = "en"


@dataclass(frozen=True)
class Rule:
    entity: str
    pattern: re.Pattern[str]
    group: int = 0
    score: float = 0.9
    check: object = None  # a callable on the matched text, or None


class RegexRecognizer(EntityRecognizer):
    """Regular expressions whose match (or one group of it) is the entity."""

    def __init__(self, name: str, rules: list[Rule]) -> None:
        self.rules = rules
        super().__init__(
            supported_entities=sorted({rule.entity for rule in rules}),
            supported_language=LANGUAGE,
            name=name,
        )

    def load(self) -> None:
        pass

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        results = []
        for rule in self.rules:
            for match in rule.pattern.finditer(text):
                start, end = match.span(rule.group)
                while end > start and text[end - 1].isspace():
                    end -= 1
                if start < 0 or end <= start:
                    continue
                if rule.check is not None and not rule.check(text[start:end]):  # type: ignore[operator]
                    continue
                results.append(RecognizerResult(rule.entity, start, end, rule.score))
        return results


def luhn(number: str) -> bool:
    digits = [int(ch) for ch in number if ch.isdigit()]
    if not 13 <= len(digits) <= 19:
        return False
    total = 0
    for index, digit in enumerate(reversed(digits)):
        if index % 2:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


CASELESS = re.IGNORECASE
MONTHS = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?|enero|febrero|marzo|abril|mayo|"
    r"junio|julio|agosto|se?ptiembre|octubre|noviembre|diciembre)"
)
DATE = (
    rf"(?:\d{{1,2}}[/.-]\d{{1,2}}[/.-]\d{{2,4}}|\d{{4}}-\d{{1,2}}-\d{{1,2}}|"
    rf"{MONTHS}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+(?:'\d{{2}}|\d{{4}})|"
    rf"\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+|de\s+)?{MONTHS}\.?,?\s+(?:de\s+|del\s+)?(?:'\d{{2}}|\d{{4}})|"
    rf"{MONTHS}\s+(?:of\s+|de\s+)?\d{{4}}|(?:19|20)\d{{2}})"
)
BIRTH = (
    r"(?:born|dob|d\.o\.b\.?|date\s+of\s+birth|birth\s*date|birthday|bday|b-day|"
    r"fecha\s+de\s+nacimiento|nac[ií](?:da|do)?|nacimiento|cumpleaños|cumple)"
)
STREET_TYPES = (
    r"(?:street|st|avenue|ave|av|road|rd|boulevard|blvd|lane|ln|drive|dr|court|ct|way|place|pl|"
    r"terrace|ter|circle|cir|highway|hwy|parkway|pkwy|square|sq|trail|trl|alley|row|crescent|broadway|"
    r"[a-z]+way|strasse|straße)"
)
SPANISH_STREET = (
    r"(?i:calle|c/|avenida|avda\.?|carrera|cra\.?|paseo|plaza|camino|carretera|calzada|pasaje|"
    r"ronda|traves[ií]a|jir[oó]n|diagonal|transversal|callej[oó]n|privada|cerrada|colonia|col\.|"
    r"rue|chemin|all[ée]e|via|viale|rua|travessa|pra[çc]a|avenue|boulevard|ampliaci[oó]n|"
    r"perif[eé]rico|corredor|glorieta|rambla|cañada|circuito|andador|retorno|prolongaci[oó]n|"
    r"continuaci[oó]n|eje\s+vial|peatonal|viaducto|acceso|alameda|bajada|cuesta|pasadizo|senda|"
    r"urbanizaci[oó]n|v[ií]a|vial|c\.|circunvalaci[oó]n)"
)
# Street suffixes as written on US and UK addresses, capitalised ("Schwartz Pines", "Ellis Unions").
US_SUFFIXES = "|".join(
    word.capitalize() + plural
    for word, plural in (
        (w.rstrip("*"), "s?" if w.endswith("*") else "")
        for w in (
            "alley annex arcade avenue bayou beach bend bluff* bottom boulevard branch bridge brook* "
            "burg* bypass camp canyon cape causeway center* circle* cliff* club common* corner* course "
            "court* cove* creek crescent crest crossing crossroad curve dale dam divide drive* estate* "
            "expressway extension* fall* ferry field* flat* ford* forest forge* fork* fort freeway "
            "garden* gateway glen* green* grove* harbor* haven heights highway hill* hollow inlet "
            "island* isle junction* key* knoll* lake* landing lane light* loaf lock* lodge loop mall "
            "manor* meadow* mews mill* mission motorway mount mountain* neck orchard oval overpass "
            "park* parkway* pass passage path pike pine* place plain* plaza point* port* prairie "
            "radial ramp ranch rapid* rest ridge* river road* route row run shoal* shore* skyway "
            "spring* spur* square* station stravenue stream street* summit terrace throughway trace "
            "track trafficway trail trailer tunnel turnpike underpass union* valley* via viaduct view* "
            "village* ville vista walk* wall way* well* st ave rd blvd ln dr ct pkwy hwy"
        ).split()
    )
)
SMALL_WORDS = r"(?:for|on|at|in|to|the|and|or|of|with|my|a|is|was|by|from|de|en|el|la|y|por|para|con)"
UNIT_WORDS = (
    r"(?i:apt|apartment|unit|suite|ste|flat|studio|piso|depto|dpto|departamento|puerta|"
    r"edif|edificio|interior|int|local|bloque|portal|escalera|esc)"
)
UNIT = (
    r"(?:\s*,?\s*(?i:apt|apartment|unit|suite|ste|flat|studio|#|piso|depto|dpto|departamento|puerta|"
    r"edif|edificio|interior|int|local|bloque|portal|escalera|esc)"
    r"\.?\s*#?\s*\w{1,5}){0,3}"
)
US_STATES = (
    r"(?:AL|AK|AZ|AR|CA|CO|CT|DE|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|NH|NJ|"
    r"NM|NY|NC|ND|OH|OK|OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY|DC)"
)
ID_CONTEXT = (
    r"(?:ssn|social(?:\s+security)?(?:\s+number)?|seguro\s+social|medicaid|medicare|medi-cal|"
    r"member|policy|case|client|file|record|docket|booking|inmate|license|licence|dl|driver'?s|"
    r"plate|tag|placa|patente|matr[ií]cula|expediente|caso|id|ident|itin|ein|passport|pasaporte|"
    r"dni|nie|curp|rfc|cedula|cédula|account|acct|cuenta|routing|badge|ticket|citation|case\s*#)"
)

CONTACT_RULES = [
    Rule("EMAIL_ADDRESS", re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}", CASELESS), score=1.0),
    Rule(
        "URL",
        re.compile(
            r"\b(?:https?://|www\.)[^\s<>\"']+[^\s<>\"'.,;:!?)]|"
            r"\b(?:[\w-]+\.)+(?:com|org|net|me|io|ly|co|gov|edu|info|biz|app|tv|mx|es|us|uk)"
            r"/[^\s<>\"']*[^\s<>\"'.,;:!?)]|"
            r"\b(?:[\w-]+\.)*(?:facebook|instagram|tiktok|linkedin|snapchat|youtube|twitter|threads|"
            r"onlyfans|venmo|cash)\.(?:com|app|me|net)\b",
            CASELESS,
        ),
        score=0.95,
    ),
    Rule("HANDLE", re.compile(r"(?<![\w@.])@[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?"), score=0.95),
    Rule(
        "HANDLE",
        re.compile(
            r"\b(?:insta(?:gram)?|ig|snap(?:chat)?|tiktok|twitter|telegram|facebook|fb|discord|"
            r"whatsapp|venmo|cash\s*app|cashapp|usuario|user(?:name)?|handle)\b\s*(?:is|es|:|=|-)?\s*"
            r"((?=[A-Za-z0-9_.$]*[0-9_.$])[$]?[A-Za-z][A-Za-z0-9_.]{2,29}[A-Za-z0-9_])",
            CASELESS,
        ),
        group=1,
        score=0.9,
    ),
    Rule(
        "IP_ADDRESS",
        re.compile(r"\b(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)\b"),
        score=0.95,
    ),
    Rule(
        "IP_ADDRESS",
        re.compile(
            r"(?<![\w:])(?:[0-9a-f]{1,4}:){7}[0-9a-f]{1,4}(?![\w:])|"
            r"(?<![\w:])(?:[0-9a-f]{1,4}:){1,6}:(?:[0-9a-f]{1,4}(?::[0-9a-f]{1,4})*)?(?![\w:])",
            CASELESS,
        ),
        score=0.9,
    ),
    Rule(
        "LOCATION",
        re.compile(
            r"[-+]?\d{1,2}\.\d{3,}°?\s*[NS]?\s*[,;/ ]\s*[-+]?\d{1,3}\.\d{3,}°?(?:\s*[EWO]\b)?|"
            r"\d{1,3}°\s*\d{1,2}['′]\s*(?:\d{1,2}(?:\.\d+)?[\"″])?\s*[NS],?\s*"
            r"\d{1,3}°\s*\d{1,2}['′]\s*(?:\d{1,2}(?:\.\d+)?[\"″])?\s*[EWO]\b",
            CASELESS,
        ),
        score=0.95,
    ),
]

NUMBER_RULES = [
    Rule("ID", re.compile(r"\b\d{3}-\d{2}-\d{4}\b|\b\d{3}\s\d{2}\s\d{4}\b"), score=0.95),
    Rule("CREDIT_CARD", re.compile(r"\b\d(?:[ -]?\d){12,18}\b"), score=0.95, check=luhn),
    Rule(
        "CREDIT_CARD",
        re.compile(
            r"\b(?:card|tarjeta|visa|mastercard|amex|debit|credit|cr[eé]dito|d[eé]bito)\b[^\d\n]{0,25}"
            r"(\d(?:[ -]?\d){11,18})\b",
            CASELESS,
        ),
        group=1,
        score=0.95,
    ),
    Rule(
        "PHONE_NUMBER",
        re.compile(
            r"(?:(?<![\w+])(?:\+?1[\s.-]?)?\(?\d{3}\)?[\s.-]?\d{3}[\s.-]?\d{4}(?!\d)|"
            r"(?<![\w])\+\d{1,3}(?:[\s.-]?\(?\d{1,4}\)?){2,5}\b|"
            r"(?<![\w(])\(0\d{2,4}\)\s?\d{3,4}[\s-]?\d{3,4}\b|"
            r"\b\d{3}[\s.-]\d{2}[\s.-]\d{2}[\s.-]\d{2}\b|\b\d{2}[\s.-]\d{4}[\s.-]\d{4}\b|"
            r"\b\d{3}[\s.-]\d{3}[\s.-]\d{3}\b)"
            r"(?:\s*(?:x|ext\.?|extension)\s*\d{1,6}\b)?",
            CASELESS,
        ),
        score=0.9,
    ),
    Rule(
        "ID",
        re.compile(
            rf"\b{ID_CONTEXT}\b\.?\s*(?:number|num|no\.?|n[º°]|#|id|code|n[uú]mero)?\s*"
            r"(?:is|es|was|era|de|:|=|-)?\s*#?\s*"
            r"((?=[A-Z0-9-]*\d)[A-Z0-9](?:[A-Z0-9]|[ -](?=[A-Z0-9]*\d)){3,24})\b",
            CASELESS,
        ),
        group=1,
        score=0.9,
    ),
    # Letters and digits mixed ("A1234567", "7ABC123", "CASE-2024-0113"): identifiers, not words.
    Rule(
        "ID",
        re.compile(
            r"\b(?=[A-Za-z0-9-]*\d[A-Za-z0-9-]*\d[A-Za-z0-9-]*\d)(?=[A-Za-z0-9-]*[A-Za-z])"
            r"[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*\b"
        ),
        score=0.6,
        check=lambda s: len(s.replace("-", "")) >= 6 and not re.fullmatch(r"\d+(?:st|nd|rd|th|s)", s, re.I),
    ),
    # Long runs of digits left over are account, case or member numbers.
    Rule("ID", re.compile(r"(?<![\d$€£.,])\d(?:[ -]?\d){6,}(?![\d.,])"), score=0.5),
]

PLACE_RULES = [
    Rule(
        "DOB",
        re.compile(rf"\b{BIRTH}\b[^\n.!?]{{0,25}}?\b({DATE})", CASELESS),
        group=1,
        score=0.95,
    ),
    # A full numeric date with a year long past is most often a date of birth in these messages.
    Rule(
        "DOB",
        re.compile(
            r"\b\d{1,2}[/.-]\d{1,2}[/.-](?:19[2-9]\d|200\d|'?[2-9]\d)\b|\b(?:19[2-9]\d|200\d)-\d{2}-\d{2}\b"
        ),
        score=0.7,
    ),
    Rule(
        "STREET_ADDRESS",
        re.compile(
            rf"(?<![\w-])\d{{1,6}}[A-Za-z]?(?-i:\s+[NSEW]\.?)?\s+(?:(?!{SMALL_WORDS}\b)[A-Za-zÀ-ÿ0-9'.-]+\s+){{0,4}}"
            rf"{STREET_TYPES}\b\.?"
            rf"{UNIT}(?-i:,?\s+[A-Z][a-zA-Z]+(?:\s+[A-Z][a-zA-Z]+)?,?\s+{US_STATES}\b)?(?:\s+\d{{5}}(?:-\d{{4}})?)?",
            CASELESS,
        ),
        score=0.95,
    ),
    Rule(
        "STREET_ADDRESS",
        re.compile(
            rf"(?<![\w])(?:(?:flat|studio|apt|unit)\s*\d+\w?,?\s+)?(?:[A-Z0-9][\w'.-]*\s+){{1,3}}"
            rf"(?:{US_SUFFIXES})\b\.?{UNIT}"
        ),
        score=0.8,
    ),
    Rule(
        "STREET_ADDRESS",
        re.compile(
            rf"(?:\b\d{{1,5}}[A-Za-z]?,?\s+)?\b{SPANISH_STREET}\s+(?:(?:de|del|la|las|los|el|y|des|du|da|do|dos|di)\s+|(?!{UNIT_WORDS}\b)[A-ZÀ-Ý0-9][\w'-]*\s*){{1,7}}"
            rf"(?:,?\s*(?:n[º°o]\.?|#|n[uú]mero)?\s*\d{{1,5}}(?:-\d{{1,3}})?\s*[º°ª]?\s*(?:[A-Za-z]\b)?){{0,3}}"
            rf"{UNIT}",
        ),
        score=0.9,
    ),
    Rule(
        "STREET_ADDRESS",
        re.compile(r"\b(?:p\.?\s?o\.?\s+box|apartado(?:\s+postal)?)\s*#?\s*\d+\b", CASELESS),
        score=0.95,
    ),
    Rule(
        "STREET_ADDRESS",
        re.compile(r"\b(?:apt|apartment|unit|suite|flat|piso|depto)\.?\s*#?\s*\d+[A-Za-z]?\b", CASELESS),
        score=0.8,
    ),
    Rule("LOCATION", re.compile(rf"\b{US_STATES}\s+\d{{5}}(?:-\d{{4}})?\b"), score=0.9),
    Rule(
        "LOCATION",
        re.compile(
            r"\b(?:zip|zip\s*code|postal\s*code|c[oó]digo\s+postal|c\.?p\.?)\s*(?:is|es|:)?\s*(\d{4,5}(?:-\d{4})?)\b",
            CASELESS,
        ),
        group=1,
        score=0.9,
    ),
]


def contact_recognizers() -> list[EntityRecognizer]:
    return [
        RegexRecognizer("contact", CONTACT_RULES),
        RegexRecognizer("numbers", NUMBER_RULES),
        RegexRecognizer("places", PLACE_RULES),
    ]


# --- names ----------------------------------------------------------------------------------

TOKEN = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
TITLES = {
    "mr",
    "mrs",
    "ms",
    "miss",
    "mx",
    "dr",
    "doctor",
    "sr",
    "sra",
    "srta",
    "don",
    "dona",
    "senor",
    "senora",
    "senorita",
    "officer",
    "judge",
    "coach",
    "pastor",
    "reverend",
    "rev",
    "prof",
    "professor",
    "nurse",
    "aunt",
    "auntie",
    "uncle",
    "grandma",
    "grandpa",
    "abuela",
    "abuelo",
    "tia",
    "tio",
    "padre",
    "father",
    "sister",
    "brother",
    "deacon",
    "elder",
    "detective",
    "sergeant",
    "sgt",
    "lic",
    "licenciada",
    "licenciado",
    "ingeniero",
    "maestra",
    "maestro",
    "profe",
    "doctora",
    "profesora",
    "profesor",
    "enfermera",
    "enfermero",
}
RELATIONS = {
    "daughter",
    "son",
    "sister",
    "brother",
    "mom",
    "mother",
    "dad",
    "father",
    "wife",
    "husband",
    "partner",
    "boyfriend",
    "girlfriend",
    "friend",
    "bestie",
    "cousin",
    "aunt",
    "uncle",
    "niece",
    "nephew",
    "grandson",
    "granddaughter",
    "grandma",
    "grandmother",
    "grandpa",
    "grandfather",
    "baby",
    "kid",
    "child",
    "stepson",
    "stepdaughter",
    "worker",
    "caseworker",
    "counselor",
    "counsellor",
    "therapist",
    "sponsor",
    "lawyer",
    "attorney",
    "landlord",
    "landlady",
    "boss",
    "manager",
    "supervisor",
    "roommate",
    "neighbor",
    "neighbour",
    "ex",
    "officer",
    "doctor",
    "nurse",
    "coworker",
    "teacher",
    "pastor",
    "hija",
    "hijo",
    "hermana",
    "hermano",
    "mama",
    "madre",
    "papa",
    "padre",
    "esposa",
    "esposo",
    "pareja",
    "novio",
    "novia",
    "amiga",
    "amigo",
    "prima",
    "primo",
    "tia",
    "tio",
    "sobrina",
    "sobrino",
    "nieta",
    "nieto",
    "abuela",
    "abuelo",
    "bebe",
    "vecina",
    "vecino",
    "jefa",
    "jefe",
    "trabajadora",
    "trabajador",
    "consejera",
    "consejero",
    "abogada",
    "abogado",
    "casera",
    "casero",
    "dueno",
    "duena",
    "maestra",
    "maestro",
    "companera",
    "companero",
    "suegra",
    "suegro",
    "cunada",
    "cunado",
    "madrina",
    "padrino",
    "comadre",
    "compadre",
}
NAMING = {"named", "called", "llama", "llamo", "llamada", "llamado"}
POSSESSIVES = {
    "my",
    "mi",
    "mis",
    "her",
    "his",
    "our",
    "your",
    "their",
    "su",
    "sus",
    "nuestra",
    "nuestro",
    "tu",
}
INTRODUCERS = {
    ("name", "is"),
    ("named",),
    ("called",),
    ("call", "me"),
    ("me", "llamo"),
    ("se", "llama"),
    ("llamada",),
    ("llamado",),
    ("nombre", "es"),
    ("this", "is"),
    ("i'm",),
    ("im",),
    ("i", "am"),
    ("soy",),
    ("it's",),
    ("its",),
    ("es",),
    ("con",),
    ("with",),
    ("and",),
    ("y",),
    ("to",),
    ("from",),
    ("for",),
    ("para",),
    ("told",),
    ("asked",),
    ("texted",),
    ("called",),
    ("met",),
    ("saw",),
    ("vi", "a"),
    ("a",),
}
# Lower-case titles that are never anything else before a name ("la doctora Ramírez").
PLAIN_TITLES = {
    "mr",
    "mrs",
    "ms",
    "dr",
    "doctor",
    "doctora",
    "sr",
    "sra",
    "srta",
    "senor",
    "senora",
    "officer",
    "judge",
    "coach",
    "pastor",
    "nurse",
    "detective",
    "profesora",
    "profesor",
}
# Verbs after which a capitalised word is someone addressed or met ("let Kateryna know").
ADDRESSING = {
    "let",
    "tell",
    "ask",
    "call",
    "text",
    "meet",
    "met",
    "saw",
    "visit",
    "thank",
    "thanks",
    "hug",
    "miss",
    "love",
    "hate",
    "trust",
    "avisale",
    "dile",
    "llama",
    "extrano",
}
# Words after a capitalised word that show it is a person ("Grace said", "Luz me dijo").
PERSON_VERBS = {
    "said",
    "says",
    "told",
    "tells",
    "called",
    "calls",
    "texted",
    "texts",
    "asked",
    "asks",
    "came",
    "comes",
    "talked",
    "helped",
    "helps",
    "gave",
    "gives",
    "drove",
    "picked",
    "invited",
    "babysat",
    "brought",
    "made",
    "makes",
    "wants",
    "wanted",
    "thinks",
    "thought",
    "yelled",
    "hugged",
    "laughed",
    "cried",
    "left",
    "stopped",
    "loves",
    "hates",
    "from",
    "dijo",
    "dice",
    "llamo",
    "vino",
    "quiere",
    "piensa",
    "ayudo",
    "trajo",
}
# After a word that is also a name, only these make it a person ("Angel was born").
AMBIGUOUS_PAIRS = {("was", "born"), ("and", "i"), ("y", "yo"), ("me", "dijo"), ("me", "llamo")}
PERSON_PAIRS = {
    ("was", "born"),
    ("is", "my"),
    ("was", "my"),
    ("es", "mi"),
    ("is", "turning"),
    ("and", "i"),
    ("y", "yo"),
    ("got", "me"),
    ("me", "dijo"),
    ("me", "llamo"),
    ("me", "ayudo"),
    ("me", "trajo"),
    ("me", "presto"),
}
# A name word after these is the ordinary word ("in May", "the Rose garden", "this Summer").
WORD_BEFORE = {
    "the",
    "a",
    "an",
    "this",
    "that",
    "next",
    "last",
    "every",
    "in",
    "on",
    "at",
    "of",
    "by",
    "since",
    "until",
    "till",
    "through",
    "early",
    "late",
    "mid",
    "some",
    "no",
    "any",
    "all",
    "have",
    "had",
    "has",
    "la",
    "el",
    "los",
    "las",
    "un",
    "una",
    "en",
    "de",
    "del",
    "desde",
    "hasta",
    "mucha",
    "mucho",
    "poca",
    "poco",
    "sin",
    "tengo",
    "tiene",
    "hay",
    "por",
    "lost",
    "find",
    "found",
    "keep",
    "give",
    "more",
    "less",
    "much",
    "little",
    "good",
    "great",
    "real",
    "true",
    "such",
}
PARTICLES = {
    "de",
    "del",
    "la",
    "las",
    "los",
    "van",
    "von",
    "da",
    "das",
    "do",
    "dos",
    "di",
    "du",
    "bin",
    "ibn",
    "al",
    "el",
    "ben",
    "le",
    "st",
    "mac",
}
RELATIONS |= {
    "brother-in-law",
    "sister-in-law",
    "mother-in-law",
    "father-in-law",
    "son-in-law",
    "daughter-in-law",
    "doctora",
    "enfermera",
    "enfermero",
}
# Names from these lists are only taken in lower case when they are plainly names (census lists).
MIN_LOWER_NAME = 3


def _is_sentence_start(text: str, start: int) -> bool:
    before = text[:start].rstrip(" \t\"'“‘(¡¿*-")
    return not before or before[-1] in ".!?\n:;…"


class NameRecognizer(EntityRecognizer):
    """People's names without a NER model: names the system knows, then name-list words in
    context. One instance per request: it carries that request's known names."""

    def __init__(
        self,
        lexicon: Lexicon,
        stop_words: frozenset[str],
        lower_names: frozenset[str],
        known_names: Iterable[str] = (),
    ) -> None:
        self.lexicon = lexicon
        self.stop_words = stop_words
        self.lower_names = lower_names
        self.known = frozenset(
            fold(part)
            for name in known_names
            for part in TOKEN.findall(name)
            if len(part) > 1 and fold(part) not in PARTICLES
        )
        super().__init__(supported_entities=["PERSON"], supported_language=LANGUAGE, name="names")

    def load(self) -> None:
        pass

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        tokens = [(m.start(), m.end(), m.group()) for m in TOKEN.finditer(text)]
        folded = [fold(re.sub(r"['’]s$", "", t)) for _, _, t in tokens]
        is_name = [False] * len(tokens)
        lex = self.lexicon

        def gap_is_space(i: int) -> bool:
            return i > 0 and text[tokens[i - 1][1] : tokens[i][0]] in (" ", ". ")

        def prev(i: int, n: int = 1) -> tuple[str, ...]:
            if i - n < 0:
                return ()
            return tuple(folded[i - n : i])

        for i, (start, _end, token) in enumerate(tokens):
            word = folded[i]
            if word in self.known:
                is_name[i] = True
                continue
            capital = token[0].isupper() and not (token.isupper() and len(token) <= 3)
            starts = _is_sentence_start(text, start)
            in_lists = word in lex.first or word in lex.last
            ambiguous = word in lex.name_words
            after_title = (
                i > 0
                and folded[i - 1] in TITLES
                and (tokens[i - 1][2][0].isupper() or folded[i - 1] in PLAIN_TITLES)
            )
            after_relation = i > 0 and folded[i - 1] in RELATIONS and (i < 2 or folded[i - 2] in POSSESSIVES)
            introduced = any(prev(i, len(intro)) == intro for intro in INTRODUCERS)
            after = i + 1
            while after < len(tokens) and tokens[after][2][0].isupper() and gap_is_space(after):
                after += 1
            next_word = folded[after] if after < len(tokens) else ""
            next_two = tuple(folded[after : after + 2])
            person_next = next_word in PERSON_VERBS or next_two in PERSON_PAIRS
            # "Grace, my sponsor, says": a name set off by who the person is.
            appositive = (
                text[tokens[i][1] : tokens[i][1] + 2] == ", "
                and i + 2 < len(tokens)
                and folded[i + 1] in POSSESSIVES
                and folded[i + 2] in RELATIONS
            )
            named = capital and (after_title or after_relation or (i > 0 and folded[i - 1] in NAMING))
            if len(word) < 2 or (
                (word in lex.not_names or word in self.stop_words) and not named
            ):
                continue
            if after_title and (capital or word in lex.first or word in lex.last):
                is_name[i] = True
            elif after_relation and (capital or word in lex.first):
                is_name[i] = True
            elif word in lex.first and not ambiguous:
                if capital or (word in self.lower_names and len(word) >= MIN_LOWER_NAME):
                    is_name[i] = True
            elif named or (capital and appositive):
                is_name[i] = True
            elif ambiguous and capital:
                if starts:
                    is_name[i] = next_word in PERSON_VERBS or next_two in AMBIGUOUS_PAIRS
                else:
                    is_name[i] = (i == 0 or folded[i - 1] not in WORD_BEFORE) and not (
                        re.match(r"\s*\d", text[tokens[i][1] :])
                    )
            elif ambiguous and i > 0 and folded[i - 1] in NAMING:
                is_name[i] = True
            elif capital and not starts and in_lists and introduced and not ambiguous:
                is_name[i] = True
            elif capital and "-" in word and (
                not starts or any(part in lex.first for part in word.split("-"))
            ):
                # Hyphenated given names: "Jae-won", "Minh-Anh", "Mary-Kate".
                is_name[i] = word.split("-")[0] not in lex.not_names | self.stop_words
            elif (
                capital
                and word not in lex.name_words
                and (person_next or (not starts and i > 0 and folded[i - 1] in ADDRESSING))
            ):
                # A capitalised word no list knows, doing what people do: "Chidinma and I went".
                is_name[i] = True

        # Surnames and other parts of a name follow a name that was found: "Ngozi Okafor",
        # "María de la Cruz", "Nguyen Van Thanh".
        for i in range(1, len(tokens)):
            if is_name[i] or not is_name[i - 1] or not gap_is_space(i):
                continue
            token = tokens[i][2]
            word = folded[i]
            if (
                token[0].isupper()
                and word not in self.stop_words
                and word not in lex.name_words
                and word not in lex.not_names
            ):
                is_name[i] = True
            elif word in PARTICLES and i + 1 < len(tokens) and tokens[i + 1][2][0].isupper():
                is_name[i] = True
                is_name[i + 1] = True

        # A word once found as a name is that name wherever else it stands capitalised.
        found = {folded[i] for i, flag in enumerate(is_name) if flag}
        for i, (_s, _e, token) in enumerate(tokens):
            if (
                not is_name[i]
                and folded[i] in found
                and (token[0].isupper() or folded[i] not in lex.name_words)
            ):
                is_name[i] = True

        results = []
        i = 0
        while i < len(tokens):
            if not is_name[i]:
                i += 1
                continue
            j = i
            while j + 1 < len(tokens) and is_name[j + 1] and gap_is_space(j + 1):
                j += 1
            start = tokens[i][0]
            end = tokens[j][0] + len(re.sub(r"['’]s$", "", tokens[j][2]))
            results.append(RecognizerResult("PERSON", start, end, 0.85))
            i = j + 1
        return results
