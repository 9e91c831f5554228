"""Reminder requests in a client's own words, English or Spanish, parsed without a model.

"remind me every Monday evening", "weekdays at 8am", "recuérdame los lunes por la tarde",
"todos los días a las 9", "stop reminders", "para los recordatorios". Deterministic on purpose:
the same words always give the same schedule, and the client is told back what was understood.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

# Monday is 0, as in `datetime.weekday()`.
DAILY = (0, 1, 2, 3, 4, 5, 6)
WEEKDAYS = (0, 1, 2, 3, 4)
WEEKEND = (5, 6)

# When a client names a part of the day but no hour.
PART_OF_DAY = {
    "morning": dt.time(9), "afternoon": dt.time(15), "evening": dt.time(18), "night": dt.time(20),
    "manana": dt.time(9), "mediodia": dt.time(12), "tarde": dt.time(17), "noche": dt.time(20),
}
# With days but no hour at all.
DEFAULT_TIME = dt.time(18)

_DAY_WORDS = {
    0: ("monday", "mondays", "mon", "lunes"),
    1: ("tuesday", "tuesdays", "tue", "tues", "martes"),
    2: ("wednesday", "wednesdays", "wed", "weds", "miercoles"),
    3: ("thursday", "thursdays", "thu", "thur", "thurs", "jueves"),
    4: ("friday", "fridays", "fri", "viernes"),
    5: ("saturday", "saturdays", "sat", "sabado", "sabados"),
    6: ("sunday", "sundays", "sun", "domingo", "domingos"),
}
_DAY_OF = {word: day for day, words in _DAY_WORDS.items() for word in words}
_DAY = "(" + "|".join(sorted(_DAY_OF, key=len, reverse=True)) + ")"

_REQUEST = re.compile(
    r"\bremind me\b(?! of\b)|\b(can|could|would|will) you remind\b|\bsend me (a |some )?reminders?\b"
    r"|(?<!\bi )(?<!\bwe )(?<!\bthey )"
    r"\b(set|set up|schedule|give me|i want|i would like|id like|i need|get me|turn on|start|add) "
    r"(\w+ ){0,2}reminders?\b|\breminders? please\b"
    r"|\bcheck (in|up) (with|on) me\b|\bcheck on me\b|\b(message|text|ping|nudge) me\b|\bwrite to me\b"
    r"|\brecuerdame\b|\brecordarme\b"
    r"|\b(quiero|me gustaria|puedes|podrias|pon|ponme|manda|mandame|envia|enviame|activa|programa) "
    r"(\w+ ){0,2}recordatorios?\b|\brecordatorios? por favor\b"
    r"|\bescribeme\b|\bavisame\b|\bmandame un mensaje\b"
)
_STOP_REMINDERS = re.compile(
    r"\b(stop|cancel|end|pause|disable|remove|delete|turn off|switch off|no more|unsubscribe from|"
    r"get rid of)\b( \w+){0,2} remind"
    r"|\b(dont|do not|never) remind"
    r"|\b(dont|do not|no longer) (send|give|want|need) (me )?(any )?(more )?remind"
    r"|\b(para|parar|pare|paren|cancela|cancelar|cancelen|quita|quitar|apaga|apagar|elimina|eliminar|"
    r"borra|borrar|suspende|no mas|sin)\b( \w+){0,2} (recordatorio|recordarme)"
    r"|\bno (me )?(recuerdes|mandes recordatorios|envies recordatorios)"
    r"|\b(deja|dejes|dejar) de (recordarme|mandarme recordatorios|enviarme recordatorios)"
    r"|\b(ya )?no quiero( \w+){0,2} recordatorio"
)

_EN_DAILY = re.compile(r"\b(every ?day|each day|daily|every single day|all days)\b")
_EN_DAILY_PART = re.compile(r"\b(every|each) (morning|afternoon|evening|night)\b")
_EN_WEEKDAYS = re.compile(r"\b(every )?(weekdays?|work ?days?|week days)\b")
_EN_WEEKEND = re.compile(r"\b(every |on )?(weekends?|the weekend)\b")
_ES_DAILY = re.compile(r"\b(todos los dias|cada dia|a diario|diario|diariamente)\b")
_ES_DAILY_PART = re.compile(r"\b(todas las|cada) (mananas|manana|tardes|tarde|noches|noche)\b")
_ES_WEEKDAYS = re.compile(r"\b(entre semana|dias laborables|dias de semana)\b")
_ES_WEEKEND = re.compile(r"\b(los )?(fines de semana|fin de semana)\b")
_RANGE = re.compile(rf"\b(de |from )?{_DAY} ?(to|through|thru|till|until|a|al|hasta|-) ?(el )?{_DAY}\b")
_SINGLE_DAY = re.compile(rf"\b{_DAY}\b")

_MERIDIEM = r"(am|pm|a m|p m)"
_PART_EN = r"(in the|this|at) (morning|afternoon|evening|night)"
_PART_ES = r"(de la|por la|en la) (manana|tarde|noche|madrugada)|del mediodia"
_CLOCK = re.compile(
    rf"(?:\b(?:at|around|about|by|@|a las|a la|sobre las|hacia las|alrededor de las|como a las)\s+)?"
    rf"\b(\d{{1,2}})(?:[:.h](\d{{2}}))?(?:\s*(y media|y cuarto|and a half|oclock|o clock|en punto|hrs|h)\b)?"
    rf"(?:\s*{_MERIDIEM})?(?:\s*(?:{_PART_EN}|{_PART_ES}))?"
)
_NOON = re.compile(r"\b(at |a )?(noon|midday|mediodia|el mediodia)\b")
_MIDNIGHT = re.compile(r"\b(at |a )?(midnight|medianoche|la medianoche)\b")
_PART_ONLY = re.compile(
    r"\b(in the |this |at |on |every |each |de la |por la |en la |las |todas las |cada )?"
    r"(morning|afternoon|evening|night|tonight|mananas|manana|tardes|tarde|noches|noche)s?\b"
)
_ES_HINT = re.compile(
    r"\b(recuerdame|recordarme|recordatorios?|lunes|martes|miercoles|jueves|viernes|sabados?|domingos?|"
    r"todos|todas|cada|los|las|por|de la|a las|semana|dias|diario|noche|tarde|manana|mediodia|"
    r"escribeme|avisame|quiero|no mas|para)\b"
)
_EN_HINT = re.compile(
    r"\b(remind|reminders?|every|each|day|daily|weekdays?|weekends?|at|on|and|morning|afternoon|"
    r"evening|night|stop|me|please|monday|tuesday|wednesday|thursday|friday|saturday|sunday|"
    r"mondays|tuesdays|wednesdays|thursdays|fridays|saturdays|sundays)\b"
)
# Words a bare schedule ("every day at 9") may hold besides days and hours.
_FILLER = re.compile(
    r"\b(every|each|on|the|at|and|in|please|ok|okay|then|todos|todas|los|las|el|la|cada|y|a|en|"
    r"por|favor|de|del|pls|plz|also|tambien|around|about|sobre|hacia|reminders?|recordatorios?)\b"
)


@dataclass(frozen=True)
class Schedule:
    """Check-in reminders on some weekdays at one local time."""

    weekdays: tuple[int, ...]
    at: dt.time

    def __post_init__(self) -> None:
        if not self.weekdays or any(d not in DAILY for d in self.weekdays):
            raise ValueError(f"weekdays must be within 0..6, got {self.weekdays!r}")
        object.__setattr__(self, "weekdays", tuple(sorted(set(self.weekdays))))

    def encode(self) -> str:
        """Stored form: "0,4@18:00"."""
        return ",".join(str(d) for d in self.weekdays) + "@" + self.at.strftime("%H:%M")

    @classmethod
    def decode(cls, raw: str) -> Schedule:
        days, _, at = raw.partition("@")
        return cls(tuple(int(d) for d in days.split(",")), dt.time.fromisoformat(at))


@dataclass(frozen=True)
class ReminderRequest:
    """What a message asks: `set` a schedule, `stop` reminders, or `ask` for reminders with no
    schedule the parser could read (the companion then asks when)."""

    kind: str
    language: str
    schedule: Schedule | None = None


def normalise(text: str) -> str:
    """Lower case, no accents, "p.m." as "pm", punctuation as spaces (keeping ':' in hours)."""
    text = unicodedata.normalize("NFKD", text.lower())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = re.sub(r"\b([ap])\.\s?m\.?", r"\1m", text)
    text = text.replace("'", "").replace("’", "")
    text = re.sub(r"(\d)\.(\d\d)\b", r"\1:\2", text)
    text = re.sub(r"[^\w:@\- ]+", " ", text)
    text = re.sub(r"(?<!\d)-|-(?!\d|\w)", " - ", text)
    return re.sub(r"\s+", " ", text).strip()


def language_of(normalised: str) -> str:
    spanish = len(_ES_HINT.findall(normalised))
    english = len(_EN_HINT.findall(normalised))
    return "es" if spanish > english else "en"


def _days(text: str) -> tuple[set[int], list[tuple[int, int]], str | None]:
    """Days named in the text, the spans that named them, and a part of day from "every evening"."""
    days: set[int] = set()
    spans: list[tuple[int, int]] = []
    part = None
    for pattern, found in ((_EN_DAILY, DAILY), (_ES_DAILY, DAILY),
                           (_EN_WEEKDAYS, WEEKDAYS), (_ES_WEEKDAYS, WEEKDAYS),
                           (_EN_WEEKEND, WEEKEND), (_ES_WEEKEND, WEEKEND)):
        for match in pattern.finditer(text):
            days.update(found)
            spans.append(match.span())
    for pattern in (_EN_DAILY_PART, _ES_DAILY_PART):
        for match in pattern.finditer(text):
            days.update(DAILY)
            spans.append(match.span())
            part = match.group(2).rstrip("s") if match.group(2) != "mananas" else "manana"
    taken = [False] * len(text)
    for match in _RANGE.finditer(text):
        first, last = _DAY_OF[match.group(2)], _DAY_OF[match.group(5)]
        day = first
        while True:
            days.add(day)
            if day == last:
                break
            day = (day + 1) % 7
        spans.append(match.span())
        for i in range(*match.span()):
            taken[i] = True
    for match in _SINGLE_DAY.finditer(text):
        if not taken[match.start()]:
            days.add(_DAY_OF[match.group(1)])
            spans.append(match.span())
    return days, spans, part


_ANCHOR = re.compile(r"(at|around|about|by|a las|a la|sobre las|hacia las|alrededor de las|como a las)\b")
_PM_PARTS = ("afternoon", "evening", "night", "tarde", "noche")


def _part_name(word: str) -> str:
    word = word.replace("tonight", "night")
    return word[:-1] if word.endswith("s") and word[:-1] in PART_OF_DAY else word


def _clock(text: str) -> tuple[dt.time | None, list[tuple[int, int]]]:
    """An hour the text names, and its span. A bare number counts only with "at", "a las", am/pm,
    minutes or a part of the day, so "in 2 hours" or "3 kids" is never an hour."""
    for pattern, moment in ((_NOON, dt.time(12)), (_MIDNIGHT, dt.time(0))):
        match = pattern.search(text)
        if match:
            return moment, [match.span()]
    for match in _CLOCK.finditer(text):
        hour = int(match.group(1))
        minute = int(match.group(2)) if match.group(2) else 0
        suffix = match.group(3) or ""
        meridiem = (match.group(4) or "").replace(" ", "")
        part = match.group(6) or match.group(8) or ("mediodia" if "mediodia" in match.group(0) else "")
        anchored = (_ANCHOR.match(match.group(0)) or match.group(2) or suffix or meridiem or part)
        if not anchored or hour > 23 or minute > 59:
            continue
        if suffix in ("y media", "and a half"):
            minute = 30
        elif suffix == "y cuarto":
            minute = 15
        if meridiem == "pm" and hour < 12:
            hour += 12
        elif meridiem == "am" and hour == 12:
            hour = 0
        elif not meridiem and hour <= 12:
            if part in ("night", "noche") and hour == 12:
                hour = 0
            elif part in _PM_PARTS and hour < 12:
                hour += 12
            elif part == "mediodia" and hour < 6:
                hour += 12
            elif not part and 1 <= hour <= 7:
                # "at 6" with no am/pm is the evening: nobody asks for a 6 am check-in unprompted.
                hour += 12
        return dt.time(hour % 24, minute), [match.span()]
    return None, []


def _schedule_and_rest(text: str) -> tuple[Schedule | None, str, bool]:
    """The schedule the text names, the text with the schedule's words blanked out, and whether
    both days and an hour were named."""
    days, spans, part = _days(text)
    at, clock_spans = _clock(text)
    spans += clock_spans
    explicit = bool(days) and at is not None
    if at is None and part:
        at = PART_OF_DAY[part]
    elif at is None:
        for match in _PART_ONLY.finditer(text):
            word = match.group(2)
            # "mañana" alone is "tomorrow"; only "por la mañana", "las mañanas" is the morning.
            if word.startswith("manana") and not match.group(1):
                continue
            at = PART_OF_DAY[_part_name(word)]
            spans.append(match.span())
            break
    if not days and at is None:
        return None, text, False
    chars = list(text)
    for start, end in spans:
        chars[start:end] = " " * (end - start)
    return Schedule(tuple(days) or DAILY, at or DEFAULT_TIME), "".join(chars), explicit


def parse_schedule(text: str) -> Schedule | None:
    """A schedule from words like "every Monday at 6pm" or "los martes y viernes a las 6 de la
    tarde"; None when no day or hour is named."""
    return _schedule_and_rest(normalise(text))[0]


def parse_reminder(text: str) -> ReminderRequest | None:
    """What a client's message asks about reminders, or None when it is not about them."""
    norm = normalise(text)
    if not norm:
        return None
    language = language_of(norm)
    if _STOP_REMINDERS.search(norm):
        return ReminderRequest("stop", language)
    schedule, rest, explicit = _schedule_and_rest(norm)
    if _REQUEST.search(norm):
        if schedule is None:
            # A long message that mentions a reminder is someone talking, not asking.
            if len(norm.split()) > 12:
                return None
            return ReminderRequest("ask", language)
        return ReminderRequest("set", language, schedule)
    # A bare schedule ("every day at 9", "todos los días a las 9"): days and an hour, nothing else.
    if schedule is not None and explicit and not _FILLER.sub(" ", rest).strip(" -"):
        return ReminderRequest("set", language, schedule)
    return None


# --- saying a schedule back -------------------------------------------------------------------
_EN_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_ES_DAY_NAMES = ("lunes", "martes", "miércoles", "jueves", "viernes", "sábados", "domingos")


def _join(items: list[str], conjunction: str) -> str:
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + f" {conjunction} " + items[-1]


def say_time(at: dt.time, language: str) -> str:
    if language == "es":
        hour = at.hour % 12 or 12
        clock = f"{hour}:{at.minute:02d}" if at.minute else str(hour)
        article = "a la" if hour == 1 else "a las"
        if at.hour == 12 and not at.minute:
            return "al mediodía"
        period = ("de la madrugada" if at.hour < 6 else "de la mañana" if at.hour < 12
                  else "del mediodía" if at.hour == 12 else "de la tarde" if at.hour < 20
                  else "de la noche")
        return f"{article} {clock} {period}"
    if at == dt.time(12):
        return "at noon"
    if at == dt.time(0):
        return "at midnight"
    hour = at.hour % 12 or 12
    clock = f"{hour}:{at.minute:02d}" if at.minute else str(hour)
    return f"at {clock} {'am' if at.hour < 12 else 'pm'}"


def say_schedule(schedule: Schedule, language: str = "en") -> str:
    """"every Monday at 6 pm", "de lunes a viernes a las 8 de la mañana"."""
    days = schedule.weekdays
    when = say_time(schedule.at, language)
    if language == "es":
        if days == DAILY:
            return f"todos los días {when}"
        if days == WEEKDAYS:
            return f"de lunes a viernes {when}"
        if days == WEEKEND:
            return f"los fines de semana {when}"
        names = [_ES_DAY_NAMES[d] for d in days]
        prefix = "todos los" if len(days) == 1 else "los"
        if len(days) == 1 and days[0] in (5, 6):
            names = [names[0]]
        return f"{prefix} {_join(names, 'y')} {when}"
    if days == DAILY:
        return f"every day {when}"
    if days == WEEKDAYS:
        return f"every weekday {when}"
    if days == WEEKEND:
        return f"every Saturday and Sunday {when}"
    return f"every {_join([_EN_DAY_NAMES[d] for d in days], 'and')} {when}"
