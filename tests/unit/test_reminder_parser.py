"""Reminder requests in natural English and Spanish, parsed into schedules and said back."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.reminder_parser import (
    DAILY,
    WEEKDAYS,
    Schedule,
    parse_reminder,
    parse_schedule,
    say_schedule,
)

MON, TUE, WED, THU, FRI, SAT, SUN = range(7)

SET_CASES = [
    # English
    ("remind me every Monday evening", (MON,), dt.time(18)),
    ("every day at 9", DAILY, dt.time(9)),
    ("weekdays at 8am", WEEKDAYS, dt.time(8)),
    ("remind me on Tuesdays and Fridays at 6pm", (TUE, FRI), dt.time(18)),
    ("Remind me every day at 6:30 p.m.", DAILY, dt.time(18, 30)),
    ("can you remind me monday to friday at 7", WEEKDAYS, dt.time(19)),
    ("remind me at 9", DAILY, dt.time(9)),
    ("remind me every night at 10pm", DAILY, dt.time(22)),
    ("check in with me every weekend morning", (SAT, SUN), dt.time(9)),
    ("remind me at noon on sundays", (SUN,), dt.time(12)),
    ("mondays at 6pm", (MON,), dt.time(18)),
    ("reminders every monday at 6", (MON,), dt.time(18)),
    ("remind me thursdays at 5:45", (THU,), dt.time(17, 45)),
    ("remind me every wednesday at 12", (WED,), dt.time(12)),
    ("Could you send me reminders Mon, Wed and Fri at 10 am?", (MON, WED, FRI), dt.time(10)),
    ("remind me every morning", DAILY, dt.time(9)),
    ("text me every Sunday afternoon", (SUN,), dt.time(15)),
    ("remind me every Tuesday at 7 in the evening", (TUE,), dt.time(19)),
    ("remind me daily at 18:15", DAILY, dt.time(18, 15)),
    ("every weekday at 9:00 AM", WEEKDAYS, dt.time(9)),
    ("please remind me every Thursday", (THU,), dt.time(18)),
    ("don't forget to remind me every Monday at 6", (MON,), dt.time(18)),
    ("remind me saturday through monday at 11am", (SAT, SUN, MON), dt.time(11)),
    # Spanish
    ("recuérdame los lunes por la tarde", (MON,), dt.time(17)),
    ("todos los días a las 9", DAILY, dt.time(9)),
    ("recuérdame de lunes a viernes a las 8 de la mañana", WEEKDAYS, dt.time(8)),
    ("recuérdame los martes y viernes a las 6 de la tarde", (TUE, FRI), dt.time(18)),
    ("recuérdame todas las noches", DAILY, dt.time(20)),
    ("cada lunes a las 18:00", (MON,), dt.time(18)),
    ("recuérdame a las 9 y media de la noche", DAILY, dt.time(21, 30)),
    ("quiero recordatorios los miércoles a la 1", (WED,), dt.time(13)),
    ("Recuérdame los sábados al mediodía", (SAT,), dt.time(12)),
    ("escríbeme entre semana a las 7 de la tarde", WEEKDAYS, dt.time(19)),
    ("recuérdame los fines de semana por la mañana", (SAT, SUN), dt.time(9)),
    ("recuerdame el jueves a las 10", (THU,), dt.time(10)),
]


@pytest.mark.parametrize(("text", "days", "at"), SET_CASES)
def test_a_reminder_request_becomes_a_schedule(text: str, days: tuple[int, ...], at: dt.time) -> None:
    request = parse_reminder(text)
    assert request is not None and request.kind == "set", text
    assert request.schedule == Schedule(days, at)


@pytest.mark.parametrize(
    "text",
    ["stop reminders", "no more reminders please", "Stop sending me reminders", "cancel my reminder",
     "turn off the reminders", "don't remind me anymore", "I don't want any more reminders",
     "para los recordatorios", "ya no quiero recordatorios", "deja de recordarme",
     "cancela los recordatorios", "no me recuerdes más", "sin recordatorios, gracias"],
)
def test_stopping_reminders(text: str) -> None:
    request = parse_reminder(text)
    assert request is not None and request.kind == "stop", text


@pytest.mark.parametrize(
    ("text", "language"),
    [("remind me", "en"), ("can you set up reminders for me?", "en"), ("remind me tomorrow", "en"),
     ("remind me in 2 hours", "en"), ("recuérdame", "es"), ("recuérdame mañana", "es"),
     ("quiero recordatorios", "es")],
)
def test_asking_for_reminders_without_a_schedule(text: str, language: str) -> None:
    request = parse_reminder(text)
    assert request is not None and request.kind == "ask" and request.language == language


@pytest.mark.parametrize(
    "text",
    ["that reminds me of my mom", "you remind me of my sister", "I take my pills every day at 9",
     "I go to NA on Tuesdays and Fridays at 6pm", "my worker reminded me about court on Monday",
     "I set reminders on my phone every day at 9 for my meds", "stop", "para", "I have 3 kids",
     "work was long today", "mañana tengo cita a las 9 con mi trabajadora",
     "Monday was rough", "it was a reminder that I can do hard things when I try my best at it ok",
     ""],
)
def test_other_messages_are_not_reminder_requests(text: str) -> None:
    assert parse_reminder(text) is None


@pytest.mark.parametrize(
    ("text", "language"),
    [("remind me every Monday at 6pm", "en"), ("stop reminders", "en"), ("weekdays at 8am", "en"),
     ("recuérdame los lunes por la tarde", "es"), ("para los recordatorios", "es"),
     ("todos los días a las 9", "es")],
)
def test_the_language_of_the_request_is_recognised(text: str, language: str) -> None:
    request = parse_reminder(text)
    assert request is not None and request.language == language


@pytest.mark.parametrize(
    ("schedule", "language", "said"),
    [
        (Schedule((MON,), dt.time(18)), "en", "every Monday at 6 pm"),
        (Schedule(DAILY, dt.time(9)), "en", "every day at 9 am"),
        (Schedule(WEEKDAYS, dt.time(8, 30)), "en", "every weekday at 8:30 am"),
        (Schedule((TUE, FRI), dt.time(18)), "en", "every Tuesday and Friday at 6 pm"),
        (Schedule((MON, WED, FRI), dt.time(12)), "en", "every Monday, Wednesday and Friday at noon"),
        (Schedule((MON,), dt.time(17)), "es", "todos los lunes a las 5 de la tarde"),
        (Schedule(DAILY, dt.time(9)), "es", "todos los días a las 9 de la mañana"),
        (Schedule(WEEKDAYS, dt.time(8)), "es", "de lunes a viernes a las 8 de la mañana"),
        (Schedule((TUE, FRI), dt.time(13)), "es", "los martes y viernes a la 1 de la tarde"),
        (Schedule((SAT,), dt.time(20, 30)), "es", "todos los sábados a las 8:30 de la noche"),
    ],
)
def test_a_schedule_is_said_back_plainly(schedule: Schedule, language: str, said: str) -> None:
    assert say_schedule(schedule, language) == said


def test_a_schedule_survives_its_stored_form() -> None:
    schedule = Schedule((FRI, TUE), dt.time(18, 5))
    assert schedule.encode() == "1,4@18:05"
    assert Schedule.decode(schedule.encode()) == schedule


def test_a_worker_suggestion_parses_without_the_word_remind() -> None:
    assert parse_schedule("every Monday at 6pm") == Schedule((MON,), dt.time(18))
    assert parse_schedule("nothing here") is None
