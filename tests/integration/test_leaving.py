""""stop" and "delete my data" through the gateway, checked in every table and in a Rasa tracker
store with Rasa 3.6's schema."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bot.__main__ import main
from bot.models import AlertOutbox, CheckIn, Client, ClientValue, Escalation, Message, Mood, Reminder
from tests.integration.clocked import MONDAY, Clocked, tracker_count, write_tracker_events
from tests.integration.test_gateway import default_replies


@pytest.fixture
def gw(tmp_path: Path):
    gateway = Clocked(tmp_path)
    yield gateway
    gateway.close()


async def test_stop_is_confirmed_kindly_and_holds_until_the_client_writes_again(gw: Clocked) -> None:
    await gw.say("hello")
    await gw.say("remind me every Monday at 6pm")
    [reply] = await gw.say("Stop.")
    assert reply == gw.text("stop_ack")
    assert "write to me any time" in reply and "delete my data" in reply
    assert [r.status for r in gw.rows(Reminder)] == ["stopped"]
    assert gw.rows(Client)[0].stopped_at is not None
    assert await gw.gateway.open_checkin(gw.client_id, "web") == []
    monday_evening = dt.datetime(2027, 1, 4, 23, 0, tzinfo=dt.timezone.utc)
    assert (await gw.scheduler.tick(monday_evening)).reminders_sent == 0

    await gw.say("hi, it's me again")
    assert not await gw.controls.is_stopped(gw.client_id)


@pytest.mark.parametrize(("text", "language"), [("para", "es"), ("basta", "es"), ("stop messages", "en")])
async def test_stop_in_either_language(gw: Clocked, text: str, language: str) -> None:
    assert await gw.say(text) == [gw.text("stop_ack", language)]


def stop_heard_by_rasa(body: dict) -> list[dict]:
    """Rasa's `request_stop` answer, as domain.yml's `utter_stop_ack` sends it."""
    if body["message"] == "please leave me be for a while":
        return [{"text": "Okay. I'll stop here.", "custom": {"companion": {"signal": "stop"}}}]
    return default_replies(body)


async def test_a_stop_only_the_dialogue_model_heard_is_recorded_too(tmp_path: Path) -> None:
    gw = Clocked(tmp_path, replies=stop_heard_by_rasa)
    try:
        await gw.say("hello")
        await gw.say("remind me every Monday at 6pm")
        assert await gw.say("please leave me be for a while") == ["Okay. I'll stop here."]
        assert gw.rows(Client)[0].stopped_at is not None
        assert [r.status for r in gw.rows(Reminder)] == ["stopped"]
        assert await gw.gateway.open_checkin(gw.client_id, "web") == []
    finally:
        gw.close()


async def test_a_sentence_with_stop_in_it_is_not_a_stop(gw: Clocked) -> None:
    replies = await gw.say("I can't stop thinking about my court date")
    assert gw.text("stop_ack") not in replies
    assert gw.rows(Client)[0].stopped_at is None


async def test_delete_my_data_asks_first_then_removes_everything_but_what_must_stay(
    gw: Clocked,
) -> None:
    other = gw.new_client("someone-else")
    await gw.say("hello", client_id=other)
    await gw.say("my kids keep me going, being a good dad matters most")
    await gw.say("I don't want to be alive anymore")  # an escalation and its alert
    await gw.say("remind me every Monday at 6pm")
    gw.controls.moods.record(gw.client_id, 4)
    sender = f"client-{gw.client_id}"
    write_tracker_events(gw.tracker_path, sender, ["my kids keep me going"], MONDAY.timestamp())
    write_tracker_events(gw.tracker_path, f"client-{other}", ["hello"], MONDAY.timestamp())
    assert gw.rows(ClientValue) and gw.rows(Mood) and gw.rows(Reminder) and gw.rows(Escalation)

    [prompt] = await gw.say_full("delete my data")
    assert prompt.text == gw.text("delete_confirm")
    assert [b["payload"] for b in prompt.buttons] == ["/confirm_delete", "/cancel_delete"]
    assert len([m for m in gw.rows(Message) if m.client_id == gw.client_id]) > 5

    last_id = max(m.id for m in gw.rows(Message))
    assert await gw.say("/confirm_delete") == [gw.text("delete_done")]

    mine = [m for m in gw.rows(Message) if m.client_id == gw.client_id]
    assert [(m.direction, m.text) for m in mine] == [("out", gw.text("delete_done"))]
    assert mine[0].id > last_id  # ids never repeat, so an open widget shows the confirmation
    for model in (ClientValue, Mood, Reminder, CheckIn):
        assert [r for r in gw.rows(model) if r.client_id == gw.client_id] == [], model.__name__
    [escalation] = gw.rows(Escalation)
    assert escalation.level in ("urgent", "emergency") and escalation.created_at is not None
    assert escalation.cues == [] and escalation.message_id is None
    alerts = [a for a in gw.rows(AlertOutbox) if a.client_id == gw.client_id]
    assert all("message_text" not in a.payload and "cues" not in a.payload for a in alerts)
    assert alerts[0].escalation_id == escalation.id and alerts[0].payload["level"] == escalation.level
    assert alerts[-1].kind == "client_deleted" and alerts[-1].payload["escalations_kept"] == 1
    client = next(c for c in gw.rows(Client) if c.id == gw.client_id)
    assert client.data_deleted_at is not None and client.notice_shown_at is None
    assert tracker_count(gw.tracker_path, sender) == 0

    # Nobody else's data is touched.
    assert [m.text for m in gw.rows(Message) if m.client_id == other][0] == "hello"
    assert tracker_count(gw.tracker_path, f"client-{other}") == 1


async def test_borra_mis_datos_confirms_in_spanish_with_a_plain_si(gw: Clocked) -> None:
    await gw.say("hola")
    [prompt] = await gw.say_full("borra mis datos")
    assert prompt.text == gw.text("delete_confirm", "es")
    assert await gw.say("sí") == [gw.text("delete_done", "es")]
    assert [m.text for m in gw.rows(Message)] == [gw.text("delete_done", "es")]


async def test_no_keeps_everything(gw: Clocked) -> None:
    await gw.say("hello")
    await gw.say("delete my data")
    assert await gw.say("no") == [gw.text("delete_cancelled")]
    assert gw.rows(Message)[0].text == "hello"
    assert gw.rows(CheckIn)


async def test_a_safety_cue_in_the_confirmation_takes_the_safety_path_and_deletes_nothing(
    gw: Clocked,
) -> None:
    await gw.say("hello")
    await gw.say("delete my data")
    replies = await gw.say("yes, I want to kill myself")
    assert any("988" in r for r in replies)
    assert gw.text("delete_done") not in replies
    [escalation] = gw.rows(Escalation)
    assert escalation.cues
    # A "yes" after the safety reply answers the safety question, never the deletion.
    replies = await gw.say("yes")
    assert gw.text("delete_done") not in replies
    assert gw.rows(Message)[0].text == "hello"
    # ...and the worker hears about that "yes" too.
    assert len(gw.rows(AlertOutbox)) == 2


async def test_a_stale_confirmation_button_confirms_nothing(gw: Clocked) -> None:
    await gw.say("hello")
    await gw.say("delete my data")
    with gw.sessions.begin() as session:
        for message in session.query(Message).all():
            message.created_at = message.created_at - dt.timedelta(hours=2)
    assert gw.text("delete_done") not in await gw.say("/confirm_delete")
    assert gw.rows(Message)[0].text == "hello"


async def test_a_worker_can_delete_a_clients_data_from_the_command_line(
    gw: Clocked, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    await gw.say("my kids keep me going")
    write_tracker_events(gw.tracker_path, f"client-{gw.client_id}", ["my kids"], MONDAY.timestamp())
    monkeypatch.setenv("DATABASE_URL", gw.settings.database_url)
    monkeypatch.setenv("RASA_TRACKER_URL", gw.settings.rasa_tracker_url)
    assert main(["forget", str(gw.client_id)]) == 1  # not without --yes
    assert gw.rows(Message)
    assert main(["forget", str(gw.client_id), "--yes"]) == 0
    assert "1 tracker events" in capsys.readouterr().out.replace("Rasa tracker", "tracker")
    assert gw.rows(Message) == [] and gw.rows(ClientValue) == []
    assert tracker_count(gw.tracker_path, f"client-{gw.client_id}") == 0
    assert [a.kind for a in gw.rows(AlertOutbox)] == ["client_deleted"]


async def test_the_tracker_store_failing_leaves_the_data_and_says_so(tmp_path: Path) -> None:
    gw = Clocked(tmp_path, rasa_tracker_url="postgresql+psycopg://nobody@127.0.0.1:1/none")
    try:
        await gw.say("hello")
        await gw.say("delete my data")
        assert await gw.say("/confirm_delete") == [gw.text("delete_failed")]
        assert gw.rows(Message)[0].text == "hello"
    finally:
        gw.close()



async def test_stop_after_a_risk_cue_still_reaches_the_worker(gw: Clocked) -> None:
    await gw.say("I don't want to be alive anymore")
    assert await gw.say("stop") == [gw.text("stop_ack")]
    assert [a.kind for a in gw.rows(AlertOutbox)] == ["alert", "risk_followup"]


async def test_a_risk_cue_in_a_reminder_request_takes_the_safety_path(gw: Clocked) -> None:
    replies = await gw.say("remind me every day at 9 that I want to kill myself")
    assert any("988" in r for r in replies)
    assert gw.rows(Reminder) == [] and gw.rows(Escalation)
