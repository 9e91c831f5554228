"""The optional mood question recorded per check-in, its trend and anonymised weekly averages;
and retention, by command and by the gateways' daily run, claimed once."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.__main__ import main
from bot.anonymise import shared_anonymiser
from bot.casework import CaseStore
from bot.db import make_engine, make_sessionmaker
from bot.models import AlertOutbox, CheckIn, Message, Mood, TelegramUpdate
from bot.mood import mood_trend, weekly_mood_averages
from bot.retention import apply_retention
from tests.integration.clocked import MONDAY, Clock, Clocked, tracker_count, write_tracker_events

UTC = dt.timezone.utc


def plain_replies(body: dict) -> list[dict]:
    """Rasa answering with a reflection that is not a question."""
    if body["message"] in ("/session_start", "/start_checkin"):
        return [] if body["message"] == "/session_start" else [{"text": "Welcome back."}]
    return [{"text": f"It sounds like {body['message']}."}]


def earlier_checkin(gw: Clocked) -> None:
    """As if the client had checked in once before, a few hours ago."""
    before = dt.datetime.now(UTC) - dt.timedelta(hours=3)
    gw.gateway.store.touch_checkin(gw.client_id, "web", dt.timedelta(hours=1), now=before)


@pytest.fixture
def gw(tmp_path: Path):
    gateway = Clocked(tmp_path, replies=plain_replies, checkin_gap_minutes=0.0)
    yield gateway
    gateway.close()


async def test_the_mood_question_comes_once_from_the_second_checkin(gw: Clocked) -> None:
    first = await gw.say_full("I had a long day")
    assert all(m.text != gw.text("mood_question") for m in first)  # never at first contact
    await asyncio.sleep(0.01)  # the gap is zero: the next message starts a new check-in
    second = await gw.say_full("work was busy")
    assert second[-1].text == gw.text("mood_question")
    assert [b["payload"] for b in second[-1].buttons] == [f"/mood_{n}" for n in range(11)] + ["/mood_skip"]


async def test_a_mood_answer_is_recorded_for_the_current_checkin(tmp_path: Path) -> None:
    gw = Clocked(tmp_path, replies=plain_replies)
    try:
        earlier_checkin(gw)
        await gw.say("hello")  # a second check-in (the first is long over)
        assert await gw.say("/mood_7") == [gw.text("mood_thanks", score=7)]
        [mood] = gw.rows(Mood)
        current = gw.rows(CheckIn)[-1]
        assert (mood.score, mood.checkin_id, mood.client_id) == (7, current.id, gw.client_id)
        assert await gw.say("/mood_8") == [gw.text("mood_thanks", score=8)]
        assert [m.score for m in gw.rows(Mood)] == [8]  # one answer per check-in
    finally:
        gw.close()


async def test_a_typed_number_counts_only_right_after_the_question(tmp_path: Path) -> None:
    gw = Clocked(tmp_path, replies=plain_replies)
    try:
        earlier_checkin(gw)
        replies = await gw.say("hello")
        assert replies[-1] == gw.text("mood_question")
        assert await gw.say("6") == [gw.text("mood_thanks", score=6)]
        assert "It sounds like 3." in await gw.say("3")
        assert [m.score for m in gw.rows(Mood)] == [6]
        assert await gw.say("/mood_skip") == [gw.text("mood_skipped")]
    finally:
        gw.close()


async def test_mood_trend_and_anonymised_weekly_averages(gw: Clocked) -> None:
    clients = [gw.new_client(f"c{n}") for n in range(4)]
    scores = {clients[0]: [3, 5], clients[1]: [6], clients[2]: [8], clients[3]: [2]}
    week_one = MONDAY
    for client_id, values in scores.items():
        for n, score in enumerate(values):
            gw.gateway.store.touch_checkin(
                client_id, "web", dt.timedelta(hours=1), now=week_one + dt.timedelta(days=n, hours=n)
            )
            gw.controls.moods.record(client_id, score, now=week_one + dt.timedelta(days=n))
    # The next week only one client answers: too few to show staff.
    next_week = MONDAY + dt.timedelta(days=8)
    gw.gateway.store.touch_checkin(clients[0], "web", dt.timedelta(hours=1), now=next_week)
    gw.controls.moods.record(clients[0], 9, now=next_week)

    trend = mood_trend(gw.gateway.store, clients[0])
    assert [p.score for p in trend] == [3, 5, 9]
    assert trend[0].at < trend[1].at < trend[2].at

    [week] = weekly_mood_averages(gw.gateway.store)
    assert week.week_start == dt.date(2027, 1, 4)
    assert (week.answers, week.clients, week.average) == (5, 4, 4.8)
    assert not hasattr(week, "client_id")
    assert len(weekly_mood_averages(gw.gateway.store, min_clients=1)) == 2


def age(gw: Clocked, model, days: float) -> None:
    with gw.sessions.begin() as session:
        for row in session.query(model).all():
            row.created_at = dt.datetime.now(UTC) - dt.timedelta(days=days)


async def test_retention_anonymises_old_text_and_leaves_recent_text(gw: Clocked) -> None:
    await gw.say("email me at ana.lopez@example.org or call 555-201-3344")
    await gw.say("I want to kill myself")  # an alert carrying the words
    age(gw, Message, 200)
    age(gw, AlertOutbox, 200)
    await gw.say("my number is 555 867 5309 now")
    old_ts = (dt.datetime.now(UTC) - dt.timedelta(days=200)).timestamp()
    write_tracker_events(gw.tracker_path, f"client-{gw.client_id}", ["old words"], old_ts)
    now_ts = dt.datetime.now(UTC).timestamp()
    write_tracker_events(gw.tracker_path, f"client-{gw.client_id}", ["new words"], now_ts)

    dry = apply_retention(gw.sessions, shared_anonymiser(), days=180, tracker=gw.tracker, dry_run=True)
    assert dry.messages >= 2 and dry.alerts == 1 and dry.tracker_events == 1
    assert "ana.lopez@example.org" in gw.rows(Message)[0].text

    report = apply_retention(gw.sessions, shared_anonymiser(), days=180, tracker=gw.tracker)
    assert report.messages == dry.messages and report.alerts == 1 and report.tracker_events == 1
    texts = [m.text for m in gw.rows(Message)]
    assert texts[0] == "email me at [EMAIL] or call [PHONE]"
    assert all(m.anonymised_at is not None for m in gw.rows(Message)[: report.messages])
    assert "my number is 555 867 5309 now" in texts  # recent: untouched
    alert = gw.rows(AlertOutbox)[0]
    assert alert.payload["message_text"] == "I want to kill myself" and alert.payload["anonymised"]
    assert tracker_count(gw.tracker_path, f"client-{gw.client_id}") == 1
    again = apply_retention(gw.sessions, shared_anonymiser(), days=180, tracker=gw.tracker)
    assert (again.messages, again.alerts, again.tracker_events) == (0, 0, 0)


def received(sessions, ages: dict[int, float], now: dt.datetime) -> None:
    """Telegram update ids taken `ages[id]` days before `now`."""
    casework = CaseStore(sessions)
    for update_id in ages:
        assert casework.take_update(update_id)
    with sessions.begin() as session:
        for update_id, days in ages.items():
            session.get_one(TelegramUpdate, update_id).received_at = now - dt.timedelta(days=days)


def update_ids(sessions) -> list[int]:
    with sessions.begin() as session:
        return sorted(session.scalars(select(TelegramUpdate.update_id)).all())


def test_retention_prunes_telegram_update_ids_older_than_a_week(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        sessions = make_sessionmaker(engine)
        now = dt.datetime.now(UTC)
        received(sessions, {101: 8, 102: 30, 103: 6.9, 104: 0}, now)
        dry = apply_retention(sessions, shared_anonymiser(), days=180, now=now, dry_run=True)
        assert dry.telegram_updates == 2 and update_ids(sessions) == [101, 102, 103, 104]
        # A short RETENTION_DAYS does not shorten the window: ids younger than a week stay.
        report = apply_retention(sessions, shared_anonymiser(), days=1, now=now)
        assert report.telegram_updates == 2
        assert update_ids(sessions) == [103, 104]
        assert not CaseStore(sessions).take_update(103)  # still handled once
        assert apply_retention(sessions, shared_anonymiser(), days=180, now=now).telegram_updates == 0
    finally:
        engine.dispose()


async def test_the_retention_command_takes_the_anonymiser_and_a_dry_run(
    gw: Clocked, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    await gw.say("write to me at sam@example.com")
    age(gw, Message, 365)
    monkeypatch.setenv("DATABASE_URL", gw.settings.database_url)
    monkeypatch.setenv("RASA_TRACKER_URL", gw.settings.rasa_tracker_url)
    received(gw.sessions, {7: 10}, dt.datetime.now(UTC))
    assert main(["retention", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "would anonymise" in out and "would remove 0 Rasa tracker events and 1 Telegram" in out
    assert "sam@example.com" in gw.rows(Message)[0].text
    assert main(["retention"]) == 0
    assert "removed 0 Rasa tracker events and 1 Telegram update ids" in capsys.readouterr().out
    assert gw.rows(Message)[0].text == "write to me at [EMAIL]"
    assert update_ids(gw.sessions) == []


async def test_the_daily_retention_run_is_claimed_by_one_gateway(tmp_path: Path) -> None:
    clock = Clock(dt.datetime.now(UTC))
    first = Clocked(tmp_path, clock=clock)
    second = Clocked(tmp_path, clock=clock)
    try:
        await first.say("call me on 555-201-3344")
        age(first, Message, 400)
        received(first.sessions, {1: 8, 2: 1}, clock.now)
        ticks = await asyncio.gather(first.scheduler.tick(), second.scheduler.tick())
        ran = [t.retention for t in ticks if t.retention is not None]
        assert len(ran) == 1 and ran[0].messages >= 1
        assert ran[0].telegram_updates == 1 and update_ids(first.sessions) == [2]
        assert first.rows(Message)[0].text == "call me on [PHONE]"
        clock.advance(hours=23)
        assert all(t.retention is None for t in [await first.scheduler.tick(), await second.scheduler.tick()])
        clock.advance(hours=2)
        assert (await second.scheduler.tick()).retention is not None
    finally:
        first.close()
        second.close()
