"""Check-in reminders end to end on a real database: asked for in the conversation, due on time
with an injected clock, sent once across two gateways, quiet hours, time zones, restarts, stop,
and a worker's suggestion."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from pathlib import Path

import pytest

from bot.__main__ import main
from bot.models import Message, Reminder
from bot.reminder_parser import Schedule
from bot.reminders import QuietHours, ReminderBook, aware
from tests.integration.clocked import MONDAY, Clock, Clocked

UTC = dt.timezone.utc
# 18:00 in New York on Monday 4 January 2027 (EST, UTC-5).
MONDAY_6PM_NY = dt.datetime(2027, 1, 4, 23, 0, tzinfo=UTC)


@pytest.fixture
def gw(tmp_path: Path):
    gateway = Clocked(tmp_path, channel="telegram", external_id="4242")
    gateway.gateway.store.mark_notice_shown(gateway.client_id)
    yield gateway
    gateway.close()


def companion_texts(gw: Clocked, client_id: int | None = None) -> list[str]:
    client_id = client_id or gw.client_id
    return [m.text for m in gw.rows(Message) if m.direction == "out" and m.client_id == client_id]


async def test_a_reminder_asked_for_in_words_is_confirmed_and_stored(gw: Clocked) -> None:
    replies = await gw.say("remind me every Monday at 6pm")
    assert replies == [
        "I'll check in with you every Monday at 6 pm. The first one comes on Monday, January 4. "
        'You can say "stop reminders" any time.'
    ]
    assert gw.calls == []  # answered by the gateway, never sent to Rasa
    [row] = gw.rows(Reminder)
    assert (row.status, row.schedule, row.source) == ("active", "0@18:00", "client")
    assert aware(row.next_due_at) == MONDAY_6PM_NY


async def test_a_spanish_request_is_confirmed_in_spanish(gw: Clocked) -> None:
    [reply] = await gw.say("recuérdame los martes y viernes a las 6 de la tarde")
    assert reply.startswith("Te escribiré los martes y viernes a las 6 de la tarde.")
    assert "martes 5 de enero" in reply


async def test_a_reminder_is_sent_when_due_and_only_once(gw: Clocked) -> None:
    await gw.say("remind me every Monday at 6pm")
    tick = await gw.scheduler.tick(MONDAY_6PM_NY - dt.timedelta(seconds=1))
    assert tick.reminders_sent == 0
    tick = await gw.scheduler.tick(MONDAY_6PM_NY)
    assert tick.reminders_sent == 1
    assert (await gw.scheduler.tick(MONDAY_6PM_NY + dt.timedelta(seconds=30))).reminders_sent == 0
    assert companion_texts(gw)[-1] == gw.text("reminder_due")
    [row] = gw.rows(Reminder)
    assert aware(row.next_due_at) == MONDAY_6PM_NY + dt.timedelta(days=7)
    assert aware(row.last_sent_at) == MONDAY_6PM_NY


async def test_two_gateways_on_one_database_send_each_reminder_once(tmp_path: Path) -> None:
    clock = Clock()
    first = Clocked(tmp_path, clock=clock, channel="telegram", external_id="1")
    second = Clocked(tmp_path, clock=clock, channel="telegram", external_id="1")
    clients = [first.new_client(str(n), "telegram") for n in range(1, 13)]
    for client_id in clients:
        await first.say("remind me every day at 6 pm", client_id=client_id)
    try:
        for day in range(3):
            due = MONDAY_6PM_NY + dt.timedelta(days=day)
            ticks = await asyncio.gather(
                *(gw.scheduler.tick(due + dt.timedelta(seconds=s))
                  for s in range(3) for gw in (first, second))
            )
            assert sum(t.reminders_sent for t in ticks) == len(clients)
        reminder_text = first.text("reminder_due")
        for client_id in clients:
            sent = [t for t in companion_texts(first, client_id) if t == reminder_text]
            assert len(sent) == 3, client_id
    finally:
        first.close()
        second.close()


async def test_a_web_reminder_goes_out_from_the_gateway_holding_the_open_widget(tmp_path: Path) -> None:
    clock = Clock()
    without_widget = Clocked(tmp_path, clock=clock)
    with_widget = Clocked(tmp_path, clock=clock)
    try:
        await without_widget.say("remind me every Monday at 6pm")
        queue = with_widget.hub.subscribe(with_widget.client_id)
        assert (await without_widget.scheduler.tick(MONDAY_6PM_NY)).reminders_sent == 0
        assert (await with_widget.scheduler.tick(MONDAY_6PM_NY)).reminders_sent == 1
        frames = [queue.get_nowait() for _ in range(queue.qsize())]
        assert [f["text"] for f in frames if f["type"] == "message"] == [with_widget.text("reminder_due")]
    finally:
        without_widget.close()
        with_widget.close()


async def test_a_web_reminder_with_no_widget_open_is_skipped_once_missed(tmp_path: Path) -> None:
    gw = Clocked(tmp_path)
    try:
        await gw.say("remind me every Monday at 6pm")
        before = len(gw.rows(Message))
        assert (await gw.scheduler.tick(MONDAY_6PM_NY)).reminders_sent == 0
        [row] = gw.rows(Reminder)
        assert aware(row.next_due_at) == MONDAY_6PM_NY  # still waiting for a widget
        await gw.scheduler.tick(MONDAY_6PM_NY + dt.timedelta(hours=3))
        [row] = gw.rows(Reminder)
        assert aware(row.next_due_at) == MONDAY_6PM_NY + dt.timedelta(days=7)
        assert len(gw.rows(Message)) == before
    finally:
        gw.close()


async def test_a_request_inside_quiet_hours_moves_to_their_end_and_the_client_is_told(gw: Clocked) -> None:
    [reply] = await gw.say("remind me every Monday at 11pm")
    assert "quiet hours (21:00–08:00)" in reply
    assert "every Tuesday at 8 am" in reply
    [row] = gw.rows(Reminder)
    assert row.schedule == "1@08:00"
    assert aware(row.next_due_at) == dt.datetime(2027, 1, 5, 13, 0, tzinfo=UTC)


async def test_a_due_reminder_inside_quiet_hours_waits_for_their_end(gw: Clocked) -> None:
    # A row made before the program's quiet hours changed: due at 22:00 New York time.
    loose = ReminderBook(gw.sessions, program_timezone="America/New_York", quiet_hours=QuietHours())
    loose.set(gw.client_id, Schedule((0,), dt.time(22)), "en", now=MONDAY)
    due = dt.datetime(2027, 1, 5, 3, 0, tzinfo=UTC)
    assert (await gw.scheduler.tick(due)).reminders_sent == 0
    [row] = gw.rows(Reminder)
    quiet_end = dt.datetime(2027, 1, 5, 13, 0, tzinfo=UTC)  # 08:00 in New York
    assert aware(row.next_due_at) == quiet_end
    assert (await gw.scheduler.tick(quiet_end)).reminders_sent == 1
    [row] = gw.rows(Reminder)
    assert aware(row.next_due_at) == dt.datetime(2027, 1, 12, 3, 0, tzinfo=UTC)


async def test_reminders_follow_the_clients_own_time_zone(gw: Clocked) -> None:
    assert gw.controls.reminders.set_timezone(gw.client_id, "Europe/Madrid")
    assert not gw.controls.reminders.set_timezone(gw.client_id, "Mars/Olympus")
    await gw.say("remind me every Monday at 6pm")
    [row] = gw.rows(Reminder)
    assert aware(row.next_due_at) == dt.datetime(2027, 1, 4, 17, 0, tzinfo=UTC)


async def test_a_new_time_zone_moves_an_active_reminder_to_the_same_local_time(gw: Clocked) -> None:
    await gw.say("remind me every Monday at 6pm")
    assert gw.controls.reminders.set_timezone(gw.client_id, "America/Chicago", now=MONDAY)
    [row] = gw.rows(Reminder)
    assert aware(row.next_due_at) == dt.datetime(2027, 1, 5, 0, 0, tzinfo=UTC)  # 18:00 CST


async def test_the_program_time_zone_is_the_default(tmp_path: Path) -> None:
    gw = Clocked(tmp_path, channel="telegram", external_id="7", program_timezone="America/Los_Angeles")
    try:
        await gw.say("remind me every Monday at 6pm")
        [row] = gw.rows(Reminder)
        assert aware(row.next_due_at) == dt.datetime(2027, 1, 5, 2, 0, tzinfo=UTC)
    finally:
        gw.close()


async def test_reminders_survive_a_restart(tmp_path: Path) -> None:
    before = Clocked(tmp_path, channel="telegram", external_id="9")
    await before.say("remind me every Monday at 6pm")
    before.close()
    after = Clocked(tmp_path, channel="telegram", external_id="9")
    try:
        assert (await after.scheduler.tick(MONDAY_6PM_NY)).reminders_sent == 1
    finally:
        after.close()


async def test_a_reminder_missed_while_every_gateway_was_down_is_skipped(gw: Clocked) -> None:
    await gw.say("remind me every Monday at 6pm")
    assert (await gw.scheduler.tick(MONDAY_6PM_NY + dt.timedelta(hours=5))).reminders_sent == 0
    [row] = gw.rows(Reminder)
    assert aware(row.next_due_at) == MONDAY_6PM_NY + dt.timedelta(days=7)


async def test_no_reminder_while_the_client_is_already_checking_in(gw: Clocked) -> None:
    await gw.say("remind me every day at 6pm")
    real_now = dt.datetime.now(UTC)
    # Due now, and the client wrote a moment ago (the check-in is stored at the real time).
    with gw.sessions.begin() as session:
        row = session.get_one(Reminder, gw.rows(Reminder)[0].id)
        row.next_due_at = real_now - dt.timedelta(minutes=1)
    assert (await gw.scheduler.tick(real_now)).reminders_sent == 0
    [row] = gw.rows(Reminder)
    assert aware(row.next_due_at) > real_now


async def test_stop_reminders_stops_them(gw: Clocked) -> None:
    await gw.say("remind me every Monday at 6pm")
    assert await gw.say("stop reminders") == [gw.text("reminder_stopped")]
    assert [r.status for r in gw.rows(Reminder)] == ["stopped"]
    assert (await gw.scheduler.tick(MONDAY_6PM_NY)).reminders_sent == 0
    assert await gw.say("para los recordatorios") == [gw.text("reminder_none", "es")]


async def test_asking_without_a_time_gets_a_question(gw: Clocked) -> None:
    assert await gw.say("can you remind me?") == [gw.text("reminder_ask_when")]
    assert gw.rows(Reminder) == []


async def test_a_workers_suggestion_is_sent_and_accepted_with_a_button(gw: Clocked) -> None:
    offered = gw.controls.reminders.suggest(gw.client_id, Schedule((0,), dt.time(18)), "en")
    assert offered == Schedule((0,), dt.time(18))
    tick = await gw.scheduler.tick(MONDAY)
    assert tick.suggestions_sent == 1
    assert (await gw.scheduler.tick(MONDAY)).suggestions_sent == 0
    [message] = [m for m in gw.rows(Message) if m.direction == "out"]
    assert message.text == (
        "Your case worker suggested I check in with you every Monday at 6 pm. Would you like that?"
    )
    assert [b["payload"] for b in message.buttons] == ["/accept_reminder", "/decline_reminder"]
    [reply] = await gw.say("/accept_reminder")
    assert reply.startswith("I'll check in with you every Monday at 6 pm.")
    [row] = gw.rows(Reminder)
    assert (row.status, row.source) == ("active", "worker")


async def test_a_suggestion_can_be_declined_with_a_plain_no(gw: Clocked) -> None:
    gw.controls.reminders.suggest(gw.client_id, Schedule((2,), dt.time(9)), "en")
    await gw.scheduler.tick(MONDAY)
    assert await gw.say("no") == [gw.text("reminder_declined")]
    assert [r.status for r in gw.rows(Reminder)] == ["declined"]


async def test_the_suggest_command_queues_a_suggestion(
    gw: Clocked, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", gw.settings.database_url)
    assert main(["reminder", "suggest", str(gw.client_id), "weekdays at 9am"]) == 0
    assert "every weekday at 9 am" in capsys.readouterr().out
    [row] = gw.rows(Reminder)
    assert (row.status, row.schedule) == ("suggested", "0,1,2,3,4@09:00")
    assert main(["reminder", "suggest", "999", "weekdays at 9am"]) == 1
    assert main(["reminder", "suggest", str(gw.client_id), "whenever"]) == 1
    assert main(["reminder", "timezone", str(gw.client_id), "America/Chicago"]) == 0


POSTGRES = "postgresql+psycopg://postgres@127.0.0.1/test"


@pytest.fixture
def postgres_schema():
    """A fresh schema on the PostgreSQL test database, dropped afterwards."""
    from sqlalchemy import create_engine, text

    admin = create_engine(POSTGRES)
    name = f"reminders_{uuid.uuid4().hex[:12]}"
    try:
        with admin.begin() as conn:
            conn.execute(text(f"CREATE SCHEMA {name}"))
    except Exception as exc:  # noqa: BLE001
        admin.dispose()
        pytest.skip(f"PostgreSQL is not reachable at {POSTGRES}: {type(exc).__name__}")
    yield f"{POSTGRES}?options=-csearch_path%3D{name}"
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA {name} CASCADE"))
    admin.dispose()


async def test_two_gateways_on_postgresql_send_each_reminder_once(
    tmp_path: Path, postgres_schema: str
) -> None:
    clock = Clock()
    first = Clocked(tmp_path, clock=clock, channel="telegram", external_id="1", database_url=postgres_schema)
    second = Clocked(tmp_path, clock=clock, channel="telegram", external_id="1", database_url=postgres_schema)
    try:
        clients = [first.new_client(str(n), "telegram") for n in range(1, 9)]
        for client_id in clients:
            await first.say("remind me every day at 6 pm", client_id=client_id)
        ticks = await asyncio.gather(
            *(gw.scheduler.tick(MONDAY_6PM_NY + dt.timedelta(seconds=s))
              for s in range(3) for gw in (first, second))
        )
        assert sum(t.reminders_sent for t in ticks) == len(clients)
        reminder_text = first.text("reminder_due")
        for client_id in clients:
            assert companion_texts(first, client_id).count(reminder_text) == 1
    finally:
        first.close()
        second.close()
