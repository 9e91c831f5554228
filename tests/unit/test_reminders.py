"""Schedule arithmetic, quiet hours, phrases for leaving, mood answers and the built-in redactor:
no database."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest

from bot.leaving import answer, delete_language, stop_language
from bot.mood import score_of
from bot.reminder_parser import DAILY, Schedule
from bot.reminders import QuietHours, next_due

UTC = dt.timezone.utc
NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
QUIET = QuietHours.parse("21:00-08:00")


def test_next_due_is_the_next_named_day_at_the_local_time() -> None:
    monday_noon = dt.datetime(2027, 1, 4, 17, 0, tzinfo=UTC)  # 12:00 in New York
    schedule = Schedule((0, 3), dt.time(18))
    assert next_due(schedule, NEW_YORK, monday_noon) == dt.datetime(2027, 1, 4, 23, 0, tzinfo=UTC)
    just_after = dt.datetime(2027, 1, 4, 23, 0, tzinfo=UTC)
    assert next_due(schedule, NEW_YORK, just_after) == dt.datetime(2027, 1, 7, 23, 0, tzinfo=UTC)


def test_next_due_follows_daylight_saving() -> None:
    schedule = Schedule(DAILY, dt.time(9))
    before = next_due(schedule, NEW_YORK, dt.datetime(2027, 3, 13, 15, 0, tzinfo=UTC))
    after = next_due(schedule, NEW_YORK, before)
    assert before == dt.datetime(2027, 3, 14, 13, 0, tzinfo=UTC)  # 9:00 EDT, the day clocks go forward
    assert after == dt.datetime(2027, 3, 15, 13, 0, tzinfo=UTC)
    assert next_due(schedule, NEW_YORK, dt.datetime(2027, 3, 12, 15, 0, tzinfo=UTC)) == dt.datetime(
        2027, 3, 13, 14, 0, tzinfo=UTC
    )  # 9:00 EST


@pytest.mark.parametrize(
    ("at", "inside"),
    [(dt.time(20, 59), False), (dt.time(21), True), (dt.time(23, 30), True), (dt.time(0), True),
     (dt.time(7, 59), True), (dt.time(8), False), (dt.time(12), False)],
)
def test_quiet_hours_wrap_midnight(at: dt.time, inside: bool) -> None:
    assert QUIET.contains(at) is inside


def test_a_schedule_in_quiet_hours_moves_to_their_end() -> None:
    assert QUIET.fit(Schedule((0,), dt.time(18))) == (Schedule((0,), dt.time(18)), False)
    assert QUIET.fit(Schedule((0, 6), dt.time(23))) == (Schedule((0, 1), dt.time(8)), True)
    assert QUIET.fit(Schedule((2,), dt.time(6))) == (Schedule((2,), dt.time(8)), True)
    assert QuietHours.parse("13:00-14:00").fit(Schedule((4,), dt.time(13, 30))) == (
        Schedule((4,), dt.time(14)), True
    )
    assert QuietHours.parse("").fit(Schedule((4,), dt.time(23))) == (Schedule((4,), dt.time(23)), False)


def test_the_end_of_the_quiet_period() -> None:
    late = dt.datetime(2027, 1, 4, 22, 0, tzinfo=NEW_YORK)
    early = dt.datetime(2027, 1, 5, 6, 0, tzinfo=NEW_YORK)
    assert QUIET.end_after(late) == dt.datetime(2027, 1, 5, 8, 0, tzinfo=NEW_YORK)
    assert QUIET.end_after(early) == dt.datetime(2027, 1, 5, 8, 0, tzinfo=NEW_YORK)


@pytest.mark.parametrize(
    ("text", "language"),
    [("stop", "en"), ("STOP!", "en"), ("Stop messages", "en"), ("please stop", "en"),
     ("ok please stop messaging me now", "en"), ("just stop", "en"),
     ("para", "es"), ("Basta.", "es"), ("no más mensajes", "es"), ("por favor, para ya", "es"),
     ("I can't stop crying", None), ("stop by the office", None), ("para mí es difícil", None)],
)
def test_stop_is_the_whole_message(text: str, language: str | None) -> None:
    assert stop_language(text) == language


@pytest.mark.parametrize(
    ("text", "language"),
    [("delete my data", "en"), ("Please delete all my messages", "en"), ("erase my account", "en"),
     ("forget me", "en"), ("how do I delete my data?", "en"), ("borra mis datos", "es"),
     ("quiero borrar todos mis datos", "es"), ("elimina mis mensajes", "es"),
     ("I deleted my ex's number", None), ("my data plan ran out", None), ("borré el mensaje", None)],
)
def test_delete_requests(text: str, language: str | None) -> None:
    assert delete_language(text) == language


@pytest.mark.parametrize(
    ("text", "expected"), [("yes", "yes"), ("Sí", "yes"), ("yes, delete everything", "yes"),
                           ("no", "no"), ("No, gracias", "no"), ("maybe later", None)],
)
def test_yes_and_no(text: str, expected: str | None) -> None:
    assert answer(text) == expected


def test_mood_scores() -> None:
    assert score_of("/mood_0", after_question=False) == 0
    assert score_of("/mood_10", after_question=False) == 10
    assert score_of("/mood_11", after_question=False) is None
    assert score_of("7", after_question=False) is None
    assert score_of("7", after_question=True) == 7
    assert score_of("6/10", after_question=True) == 6
    assert score_of("3 kids and a dog", after_question=True) is None

