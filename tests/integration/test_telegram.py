"""Telegram through python-telegram-bot against a Bot API server on loopback, with Rasa answered
by a scripted transport and a real SQLite database."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette

from bot.models import AlertDelivery, Client, ConsentRecord, Escalation, Message, TelegramUpdate
from bot.stack import free_port
from tests.integration.test_gateway import default_replies, scripted_rasa
from tests.support.bot_api import (
    FakeBotApi,
    callback_update,
    edited_update,
    photo_update,
    sticker_update,
    text_update,
    voice_update,
)
from tests.support.telegram_gateway import SUPERVISOR_CHAT, TOKEN, TelegramGateway

pytestmark = pytest.mark.integration

CLIENT = 7001
WORKER = 8001
ON_CALL = 8002


@pytest.fixture
def api() -> Iterator[FakeBotApi]:
    server = FakeBotApi(TOKEN).start()
    yield server
    server.stop()


@pytest.fixture
def calls() -> list[dict]:
    return []


@pytest.fixture
async def tg(tmp_path: Path, api: FakeBotApi, calls: list[dict]) -> AsyncIterator[TelegramGateway]:
    gateway = TelegramGateway(f"sqlite:///{tmp_path}/gateway.db", api, scripted_rasa(default_replies, calls))
    await gateway.start()
    yield gateway
    await gateway.stop()


async def say(tg: TelegramGateway, text: str, chat_id: int = CLIENT, count: int = 1) -> list[str]:
    """Send a client message and wait for `count` more messages to reach the chat."""
    before = len(tg.api.texts(chat_id))
    tg.api.push(text_update(chat_id, text))
    await tg.api.wait_for(lambda: len(tg.api.texts(chat_id)) >= before + count)
    return tg.api.texts(chat_id)[before:]


def staff_team(tg: TelegramGateway, client_chat: int = CLIENT) -> int:
    """A client assigned to a worker, with an on-call colleague; returns the client's id."""
    worker = tg.casework.add_worker("Maria", WORKER)
    tg.casework.add_worker("Sam", ON_CALL, on_call=True)
    client_id = tg.gateway.store.client_for("telegram", str(client_chat))
    tg.casework.assign(client_id, worker.id)
    return client_id


async def test_a_checkin_over_telegram(tg: TelegramGateway, calls: list[dict]) -> None:
    await tg.agreed_client(CLIENT)
    opening = await say(tg, "/start", count=2)
    assert opening == ["NOTICE", "How are things going for you today?"]
    assert await say(tg, "I had a long day") == ["It sounds like I had a long day."]
    assert [c["message"] for c in calls] == ["/session_start", "/start_checkin", "I had a long day"]
    stored = [(m.direction, m.channel, m.text) for m in tg.rows(Message)]
    assert ("in", "telegram", "I had a long day") in stored
    assert all(channel == "telegram" for _, channel, _ in stored)
    assert tg.api.sent()[0]["chat_id"] == str(CLIENT)


def alert_to(tg: TelegramGateway, chat_id: int) -> list[dict]:
    return [p for p in tg.api.sent(chat_id) if "alert for" in p["text"]]


def buttons_of(params: dict) -> list[tuple[str, str]]:
    markup = params.get("reply_markup") or {}
    return [(b["text"], b["callback_data"]) for row in markup.get("inline_keyboard", []) for b in row]


async def press(tg: TelegramGateway, user_id: int, data: str, message: dict) -> None:
    before = len(tg.api.sent(method="answerCallbackQuery"))
    tg.api.push(callback_update(user_id, data, message))
    await tg.api.wait_for(lambda: len(tg.api.sent(method="answerCallbackQuery")) > before)


async def urgent_alert(tg: TelegramGateway) -> tuple[int, dict]:
    """The client says something urgent; returns their id and the worker's alert."""
    client_id = staff_team(tg)
    replies = await say(tg, "I want to kill myself", count=5)
    assert any("988" in text for text in replies)
    [alert] = await tg.api.wait_for(lambda: alert_to(tg, WORKER))
    await tg.alerts.settle()
    return client_id, alert


async def test_an_urgent_message_gets_a_safe_reply_and_the_worker_an_alert_with_buttons(
    tg: TelegramGateway, calls: list[dict]
) -> None:
    client_id, alert = await urgent_alert(tg)
    assert calls == []
    [escalation] = tg.rows(Escalation)
    name = tg.name_of(client_id)
    assert escalation.level.upper() in alert["text"]
    assert '"I want to kill myself"' in alert["text"]
    assert f"http://gateway.test/staff/conversations/{name}" in alert["text"]
    assert "UTC" in alert["text"]
    assert buttons_of(alert) == [
        ("Acknowledge", f"ack:{escalation.id}"), ("Take over", f"take:{client_id}")
    ]
    await tg.api.wait_for(lambda: tg.rows(Escalation)[0].status == "alerted")
    assert tg.rows(Escalation)[0].alerted_at is not None
    assert alert_to(tg, ON_CALL) == [] and alert_to(tg, SUPERVISOR_CHAT) == []
    assert [(d.event, d.step, d.chat_id) for d in tg.rows(AlertDelivery)] == [("sent", 0, WORKER)]


async def test_acknowledging_stops_the_ladder(tg: TelegramGateway) -> None:
    _, alert = await urgent_alert(tg)
    await press(tg, WORKER, buttons_of(alert)[0][1], alert)
    [answer] = tg.api.sent(method="answerCallbackQuery")
    assert answer["text"] == "Acknowledged"
    [edited] = await tg.api.wait_for(lambda: tg.api.sent(method="editMessageText"))
    assert "Acknowledged by Maria" in edited["text"]
    assert [label for label, _ in buttons_of(edited)] == ["Take over"]
    [escalation] = tg.rows(Escalation)
    assert escalation.status == "acknowledged" and escalation.acknowledged_by is not None
    tg.clock.advance(minutes=30)
    await tg.alerts.tick()
    assert alert_to(tg, ON_CALL) == [] and alert_to(tg, SUPERVISOR_CHAT) == []
    assert [d.event for d in tg.rows(AlertDelivery)] == ["sent", "acknowledged"]


async def test_an_alert_nobody_acknowledges_climbs_to_on_call_then_the_supervisor(
    tg: TelegramGateway,
) -> None:
    await urgent_alert(tg)
    tg.clock.advance(minutes=4.9)
    await tg.alerts.tick()
    assert alert_to(tg, ON_CALL) == []
    tg.clock.advance(minutes=0.2)
    tg.alerts.wake()
    [on_call] = await tg.api.wait_for(lambda: alert_to(tg, ON_CALL))
    await tg.alerts.settle()
    assert "Not acknowledged within 5 minutes" in on_call["text"]
    assert alert_to(tg, SUPERVISOR_CHAT) == []
    tg.clock.advance(minutes=5.1)
    tg.alerts.wake()
    [supervisor] = await tg.api.wait_for(lambda: alert_to(tg, SUPERVISOR_CHAT))
    await tg.alerts.settle()
    assert "Acknowledge" in [label for label, _ in buttons_of(supervisor)]
    tg.clock.advance(minutes=60)
    await tg.alerts.tick()
    assert len(alert_to(tg, WORKER)) == len(alert_to(tg, ON_CALL)) == 1
    steps = [(d.event, d.step, d.chat_id) for d in tg.rows(AlertDelivery)]
    assert steps == [
        ("sent", 0, WORKER), ("escalated", 1, None), ("sent", 1, ON_CALL),
        ("escalated", 2, None), ("sent", 2, SUPERVISOR_CHAT),
    ]
    # The supervisor's chat may acknowledge without being a registered worker.
    await press(tg, 555, f"ack:{tg.rows(Escalation)[0].id}", supervisor)
    assert tg.rows(Escalation)[0].status == "acknowledged"


async def test_an_emergency_climbs_after_two_minutes(tg: TelegramGateway) -> None:
    staff_team(tg)
    await say(tg, "I took all my pills")
    await tg.api.wait_for(lambda: alert_to(tg, WORKER))
    await tg.alerts.settle()
    assert tg.rows(Escalation)[0].level == "emergency"
    tg.clock.advance(minutes=2.1)
    tg.alerts.wake()
    await tg.api.wait_for(lambda: alert_to(tg, ON_CALL))


async def test_a_client_with_no_worker_alerts_the_on_call_workers(tg: TelegramGateway) -> None:
    tg.casework.add_worker("Sam", ON_CALL, on_call=True)
    await say(tg, "I want to kill myself")
    await tg.api.wait_for(lambda: alert_to(tg, ON_CALL))
    await tg.alerts.settle()
    tg.clock.advance(minutes=5.1)
    tg.alerts.wake()
    await tg.api.wait_for(lambda: alert_to(tg, SUPERVISOR_CHAT))
    assert len(alert_to(tg, ON_CALL)) == 1


async def test_takeover_both_ways_then_hand_back(tg: TelegramGateway, calls: list[dict]) -> None:
    await tg.agreed_client(CLIENT)
    client_id, alert = await urgent_alert(tg)
    name = tg.name_of(client_id)
    await press(tg, WORKER, f"take:{client_id}", alert)
    joined = await tg.api.wait_for(lambda: [t for t in tg.api.texts(CLIENT) if "has joined" in t])
    assert "Maria" in joined[0]
    assert tg.rows(Escalation)[0].status == "acknowledged"

    # The worker's words reach the client, named as their worker.
    tg.api.push(text_update(WORKER, "Hi, it's Maria. I'm here with you."))
    await tg.api.wait_for(lambda: "Maria (your case worker): Hi, it's Maria. I'm here with you."
                          in tg.api.texts(CLIENT))
    # The client's words reach the worker, and the companion stays quiet.
    rasa_calls = len(calls)
    tg.api.push(text_update(CLIENT, "thank you for coming"))
    await tg.api.wait_for(lambda: f"{name}: thank you for coming" in tg.api.texts(WORKER))
    assert len(calls) == rasa_calls
    stored = [(m.sender, m.text) for m in tg.rows(Message)]
    assert ("worker", "Hi, it's Maria. I'm here with you.") in stored
    # The safety screen keeps running during the takeover.
    tg.api.push(text_update(CLIENT, "I took all my pills"))
    await tg.api.wait_for(lambda: [t for t in tg.api.texts(WORKER) if t.startswith(f"{name} (emergency)")])
    await tg.api.wait_for(lambda: any("911" in t for t in tg.api.texts(CLIENT)))
    await tg.api.wait_for(lambda: len(tg.rows(Escalation)) == 2)
    assert [e.level for e in tg.rows(Escalation)] == ["urgent", "emergency"]

    # Reopening the chat does not wake the companion while the worker is there.
    assert await tg.gateway.open_checkin(client_id, "telegram") == []

    tg.api.push(text_update(WORKER, "/handback"))
    await tg.api.wait_for(lambda: [t for t in tg.api.texts(CLIENT) if "handed this conversation back" in t])
    assert all(e.status == "resolved" for e in tg.rows(Escalation))
    # Back with the companion.
    assert (await say(tg, "ok", count=3))[-1] == "It sounds like ok."
    assert calls[-1]["message"] == "ok"


OTHER_WORKER = 8003


async def test_a_worker_who_is_not_the_clients_cannot_take_over_or_acknowledge(
    tg: TelegramGateway, calls: list[dict]
) -> None:
    """Another program worker, neither the client's nor on call nor told about them, is refused;
    the on-call worker may act."""
    await tg.agreed_client(CLIENT)
    client_id, alert = await urgent_alert(tg)
    tg.casework.add_worker("Lee", OTHER_WORKER)
    name = tg.name_of(client_id)

    await press(tg, OTHER_WORKER, f"take:{client_id}", alert)
    refusal = await tg.api.wait_for(
        lambda: [t for t in tg.api.texts(OTHER_WORKER) if "not one of your clients" in t]
    )
    assert name in refusal[0]
    await press(tg, OTHER_WORKER, buttons_of(alert)[0][1], alert)
    answers = tg.api.sent(method="answerCallbackQuery")
    assert "not one of yours" in answers[-1]["text"]
    assert tg.rows(Escalation)[0].status in ("open", "alerted")
    assert tg.casework.holder(client_id) is None
    assert not [t for t in tg.api.texts(CLIENT) if "has joined" in t]

    # The on-call colleague may take over, though no alert reached them yet.
    await press(tg, ON_CALL, f"take:{client_id}", alert)
    joined = await tg.api.wait_for(lambda: [t for t in tg.api.texts(CLIENT) if "has joined" in t])
    assert "Sam" in joined[0]
    assert tg.casework.holder(client_id).name == "Sam"


async def test_a_worker_reaches_a_web_widget_client_live(tg: TelegramGateway) -> None:
    worker = tg.casework.add_worker("Maria", WORKER)
    client_id = await tg.agreed_client("widget-token-digest", channel="web")
    tg.casework.assign(client_id, worker.id)
    watching = tg.hub.subscribe(client_id)
    await tg.gateway.handle_client_message(client_id=client_id, channel="web", text="can we talk")
    tg.api.push(callback_update(WORKER, f"take:{client_id}", {"chat_id": WORKER, "text": "note"}))
    await tg.api.wait_for(lambda: tg.api.texts(WORKER))
    tg.api.push(text_update(WORKER, "Hello from Maria"))

    async def worker_frame() -> dict:
        while True:
            frame = await watching.get()
            if frame.get("type") == "message" and frame["sender"] == "worker":
                return frame

    frame = await asyncio.wait_for(worker_frame(), 5)
    assert frame["text"] == "Hello from Maria"
    await tg.gateway.handle_client_message(client_id=client_id, channel="web", text="hi Maria")
    await tg.api.wait_for(lambda: f"{tg.name_of(client_id)}: hi Maria" in tg.api.texts(WORKER))


async def test_a_request_for_a_person_reaches_the_worker_quietly(
    tmp_path: Path, api: FakeBotApi, calls: list[dict]
) -> None:
    def person(body: dict) -> list[dict]:
        if body["message"] in ("/session_start", "/start_checkin"):
            return default_replies(body)
        return [{"text": "I'll let your case worker know."},
                {"custom": {"companion": {"signal": "person_request"}}}]

    tg = await TelegramGateway(f"sqlite:///{tmp_path}/g.db", api, scripted_rasa(person, calls)).start()
    try:
        client_id = staff_team(tg)
        await tg.agreed_client(CLIENT)
        await say(tg, "can I talk to my worker?", count=3)
        [note] = await tg.api.wait_for(
            lambda: [p for p in tg.api.sent(WORKER) if "asked to talk" in p["text"]]
        )
        assert note["disable_notification"] in (True, "true", "True")
        assert buttons_of(note) == [("Take over", f"take:{client_id}")]
        assert '"can I talk to my worker?"' in note["text"]
    finally:
        await tg.stop()


async def test_photos_voice_stickers_and_edits_get_a_kind_answer_and_the_chat_goes_on(
    tg: TelegramGateway,
) -> None:
    await tg.agreed_client(CLIENT)
    await say(tg, "/start", count=2)
    for update in (photo_update(CLIENT), voice_update(CLIENT), sticker_update(CLIENT),
                   edited_update(CLIENT, "changed my mind")):
        tg.api.push(update)
    tg.api.push(text_update(CLIENT, "still here"))
    await tg.api.wait_for(lambda: "It sounds like still here." in tg.api.texts(CLIENT))
    texts = tg.api.texts(CLIENT)[2:]
    assert sum("only read text" in t for t in texts) == 3
    assert sum("edited a message" in t for t in texts) == 1
    assert texts[-1] == "It sounds like still here."


async def test_a_duplicate_update_is_handled_once(tg: TelegramGateway, calls: list[dict]) -> None:
    await tg.agreed_client(CLIENT)
    await say(tg, "/start", count=2)
    update = text_update(CLIENT, "went to the clinic")
    tg.api.push(update)
    await tg.api.wait_for(lambda: "It sounds like went to the clinic." in tg.api.texts(CLIENT))
    tg.api.push(update, redeliver=True)
    tg.api.push(text_update(CLIENT, "and then home"))
    await tg.api.wait_for(lambda: "It sounds like and then home." in tg.api.texts(CLIENT))
    assert tg.api.texts(CLIENT).count("It sounds like went to the clinic.") == 1
    assert [c["message"] for c in calls].count("went to the clinic") == 1


async def test_flood_control_is_waited_out_and_nothing_is_lost(tg: TelegramGateway) -> None:
    await tg.agreed_client(CLIENT)
    await say(tg, "/start", count=2)
    tg.api.fail("sendMessage", 429, retry_after=3)
    tg.api.fail("sendMessage", 500)
    assert await say(tg, "first thing") == ["It sounds like first thing."]
    assert await say(tg, "second thing") == ["It sounds like second thing."]
    statuses = [c.status for c in tg.api.calls if c.method == "sendMessage"]
    assert statuses[2:] == [429, 500, 200, 200]
    assert tg.sleeps[:2] == [3.0, 1.0]


async def test_an_alert_survives_flood_control(tg: TelegramGateway) -> None:
    staff_team(tg)
    tg.api.fail("sendMessage", 429, retry_after=2, times=1)
    await say(tg, "I want to kill myself", count=5)
    await tg.api.wait_for(lambda: alert_to(tg, WORKER))
    assert 2.0 in tg.sleeps
    assert len(alert_to(tg, WORKER)) == 1


async def test_messages_to_one_chat_keep_their_order(tg: TelegramGateway) -> None:
    await tg.agreed_client(CLIENT)
    await say(tg, "/start", count=2)
    tg.api.fail("sendMessage", 500, times=2)
    texts = [f"number {i}" for i in range(5)]
    for text in texts:
        tg.api.push(text_update(CLIENT, text))
    await tg.api.wait_for(lambda: len(tg.api.texts(CLIENT)) >= 7)
    assert tg.api.texts(CLIENT)[2:] == [f"It sounds like {t}." for t in texts]


async def test_webhook_mode_checks_the_secret_and_handles_a_redelivered_update_once(
    tmp_path: Path, api: FakeBotApi, calls: list[dict]
) -> None:
    port = free_port()
    tg = TelegramGateway(
        f"sqlite:///{tmp_path}/g.db", api, scripted_rasa(default_replies, calls),
        mode="webhook", public_url=f"http://127.0.0.1:{port}",
    )
    server = uvicorn.Server(
        uvicorn.Config(Starlette(routes=tg.channel.routes()), host="127.0.0.1", port=port,
                       log_level="warning", lifespan="off", ws="none")
    )
    serving = asyncio.create_task(server.serve())
    try:
        await tg.api.wait_for(lambda: server.started)
        await tg.start()
        await tg.agreed_client(CLIENT)
        url, secret = api.webhook
        assert url == f"http://127.0.0.1:{port}/telegram/webhook" and len(secret) >= 32
        [set_webhook] = api.sent(method="setWebhook")
        assert set_webhook["allowed_updates"] == ["message", "edited_message", "callback_query"]

        update = text_update(CLIENT, "hello there")
        assert await asyncio.wrap_future(api.push(update)) == 200
        await api.wait_for(lambda: "It sounds like hello there." in api.texts(CLIENT))
        assert await asyncio.wrap_future(api.push(update)) == 200
        assert await asyncio.wrap_future(api.push(text_update(CLIENT, "and more"))) == 200
        await api.wait_for(lambda: "It sounds like and more." in api.texts(CLIENT))
        assert api.texts(CLIENT).count("It sounds like hello there.") == 1
        # Kept before the 200, let go once handled: only the id stays, to spot a redelivery.
        kept = kept_update(tg, update["update_id"])
        assert kept.handled_at is not None and kept.payload is None

        async with httpx.AsyncClient() as http:
            forged = await http.post(
                url, json=text_update(CLIENT, "forged"),
                headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"},
            )
            unsigned = await http.post(url, json=text_update(CLIENT, "unsigned"))
        assert forged.status_code == unsigned.status_code == 403
        assert "forged" not in [c["message"] for c in calls]
    finally:
        await tg.stop()
        server.should_exit = True
        await serving


def kept_update(tg: TelegramGateway, update_id: int) -> TelegramUpdate:
    with tg.sessions() as session:
        return session.get_one(TelegramUpdate, update_id)


async def test_an_update_kept_by_a_gateway_that_died_is_handled_by_the_next(
    tmp_path: Path, api: FakeBotApi, calls: list[dict]
) -> None:
    """The webhook kept a risk message and answered Telegram 200, then its gateway died before
    handling it: the next gateway to start handles it, once."""
    url = f"sqlite:///{tmp_path}/g.db"
    first = TelegramGateway(url, api, scripted_rasa(default_replies, calls))
    await first.agreed_client(CLIENT)
    staff_team(first)
    update = text_update(CLIENT, "I want to kill myself")
    first.casework.keep_update(update["update_id"], update)
    with first.sessions.begin() as session:  # kept a minute ago, never handled
        session.get_one(TelegramUpdate, update["update_id"]).received_at -= dt.timedelta(minutes=1)

    second = await TelegramGateway(url, api, scripted_rasa(default_replies, calls)).start()
    try:
        await api.wait_for(lambda: any("988" in text for text in api.texts(CLIENT)))
        await api.wait_for(lambda: alert_to(second, WORKER))
        assert [e.level for e in second.rows(Escalation)] == ["urgent"]
        assert kept_update(second, update["update_id"]).payload is None
        assert await second.channel.recover() == 0  # nothing left to handle
        assert [e.level for e in second.rows(Escalation)] == ["urgent"]
    finally:
        await second.stop()


async def test_an_update_a_gateway_died_handling_is_handled_again_after_its_lease(
    tmp_path: Path, api: FakeBotApi, calls: list[dict]
) -> None:
    url = f"sqlite:///{tmp_path}/g.db"
    first = TelegramGateway(url, api, scripted_rasa(default_replies, calls))
    await first.agreed_client(CLIENT)
    update = text_update(CLIENT, "my court date moved")
    long_ago = dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=5)
    assert first.casework.take_update(update["update_id"], update, now=long_ago)
    # Still held: a second claim inside the lease is refused.
    assert not first.casework.take_update(update["update_id"], update, now=long_ago)

    second = await TelegramGateway(url, api, scripted_rasa(default_replies, calls)).start()
    try:
        await api.wait_for(lambda: "It sounds like my court date moved." in api.texts(CLIENT))
        await second.channel.recover()
        await asyncio.sleep(0.2)
        assert api.texts(CLIENT).count("It sounds like my court date moved.") == 1
        assert kept_update(second, update["update_id"]).handled_at is not None
    finally:
        await second.stop()


async def test_an_alert_written_before_a_restart_arrives_exactly_once(
    tmp_path: Path, api: FakeBotApi, calls: list[dict]
) -> None:
    url = f"sqlite:///{tmp_path}/g.db"
    first = TelegramGateway(url, api, scripted_rasa(default_replies, calls))
    await first.start(alerts=False)
    staff_team(first)
    await say(first, "I want to kill myself", count=5)
    await first.stop()
    assert alert_to(first, WORKER) == []
    assert first.rows(Escalation)[0].status == "open"

    # Two gateways come up on the same database; the alert goes out once.
    second = await TelegramGateway(url, api, scripted_rasa(default_replies, calls)).start()
    third = await TelegramGateway(url, api, scripted_rasa(default_replies, calls)).start()
    try:
        await asyncio.gather(second.alerts.tick(), third.alerts.tick())
        await api.wait_for(lambda: alert_to(second, WORKER))
        await asyncio.gather(second.alerts.settle(), third.alerts.settle())
        await asyncio.gather(second.alerts.tick(), third.alerts.tick())
        assert len(alert_to(second, WORKER)) == 1
        assert [d.event for d in second.rows(AlertDelivery)] == ["sent"]
    finally:
        await second.stop()
        await third.stop()


async def test_a_concern_reaches_the_worker_as_a_quiet_note(
    tmp_path: Path, api: FakeBotApi, calls: list[dict]
) -> None:
    def distress(body: dict) -> list[dict]:
        if body["message"] in ("/session_start", "/start_checkin"):
            return default_replies(body)
        return [{"custom": {"companion": {"signal": "distress", "level": "concern"}}}]

    tg = await TelegramGateway(f"sqlite:///{tmp_path}/g.db", api, scripted_rasa(distress, calls)).start()
    try:
        staff_team(tg)
        await tg.agreed_client(CLIENT)
        tg.api.push(text_update(CLIENT, "everything is grey and heavy"))
        [note] = await tg.api.wait_for(
            lambda: [p for p in tg.api.sent(WORKER) if p["text"].startswith("Concern (not urgent)")]
        )
        assert note["disable_notification"] in (True, "true", "True")
        await tg.alerts.settle()
        assert tg.rows(Escalation)[0].status == "alerted"
        tg.clock.advance(minutes=30)
        await tg.alerts.tick()
        assert tg.api.sent(ON_CALL) == []
    finally:
        await tg.stop()


# --- consent at first contact, on Telegram ---------------------------------------------------------
NOTICE_BUTTONS = [("I agree", "say:I agree"), ("No thanks", "say:No thanks"), ("Español", "say:Español")]


async def first_contact(tg: TelegramGateway) -> dict:
    """A new client opens the chat; returns the consent notice as it was sent."""
    await say(tg, "/start")
    notice = tg.api.sent(CLIENT)[-1]
    assert notice["text"].endswith("Is that okay with you?")
    assert buttons_of(notice) == NOTICE_BUTTONS
    return notice


async def press_button(tg: TelegramGateway, message: dict, data: str, count: int) -> list[str]:
    """The client presses a button of `message`; waits for `count` more messages to the chat."""
    before = len(tg.api.texts(CLIENT))
    await press(tg, CLIENT, data, message)
    await tg.api.wait_for(lambda: len(tg.api.texts(CLIENT)) >= before + count)
    return tg.api.texts(CLIENT)[before:]


def buttons_removed_from(tg: TelegramGateway, message: dict) -> bool:
    return any(
        int(edit["message_id"]) == message["message_id"] and not edit.get("reply_markup")
        for edit in tg.api.sent(CLIENT, method="editMessageReplyMarkup")
    )


async def test_a_new_client_agrees_with_a_button_gives_a_name_and_checks_in(
    tg: TelegramGateway, calls: list[dict]
) -> None:
    notice = await first_contact(tg)
    assert calls == []

    replies = await press_button(tg, notice, "say:I agree", count=2)
    assert replies[0] == "Thank you for letting me know."
    assert replies[1].startswith("What would you like me to call you?")
    assert buttons_of(tg.api.sent(CLIENT)[-1]) == [("Skip", "say:skip")]
    await tg.api.wait_for(lambda: buttons_removed_from(tg, notice))
    [client] = tg.rows(Client)
    assert client.consent == "given"
    assert [(r.decision, r.channel) for r in tg.rows(ConsentRecord)] == [("given", "telegram")]
    assert ("in", "I agree") in [(m.direction, m.text) for m in tg.rows(Message)]

    # A second tap on the same notice, before its buttons were gone, is not a second answer.
    await press(tg, CLIENT, "say:I agree", notice)
    assert await say(tg, "Sam", count=3) == [
        "Thank you, Sam. I'll call you that.", "NOTICE", "How are things going for you today?"
    ]
    assert await say(tg, "I had a long day") == ["It sounds like I had a long day."]
    assert [c["message"] for c in calls] == ["/session_start", "/start_checkin", "I had a long day"]
    assert calls[-1]["metadata"]["client"]["name"] == "Sam"
    assert len(tg.rows(ConsentRecord)) == 1


async def test_a_typed_yes_agrees_and_skip_moves_on_to_the_checkin(
    tg: TelegramGateway, calls: list[dict]
) -> None:
    notice = await first_contact(tg)
    replies = await say(tg, "yes", count=2)
    assert replies[0] == "Thank you for letting me know."
    assert replies[1].startswith("What would you like me to call you?")
    # Typed, not pressed: the notice's buttons go all the same.
    await tg.api.wait_for(lambda: buttons_removed_from(tg, notice))
    name_question = tg.api.sent(CLIENT)[-1]
    assert buttons_of(name_question)
    assert await say(tg, "skip", count=3) == [
        "That's fine.", "NOTICE", "How are things going for you today?"
    ]
    await tg.api.wait_for(lambda: buttons_removed_from(tg, name_question))
    assert tg.rows(Client)[0].consent == "given"
    assert [c["message"] for c in calls] == ["/session_start", "/start_checkin"]


async def test_the_spanish_button_shows_the_notice_in_spanish_with_its_own_buttons(
    tg: TelegramGateway, calls: list[dict]
) -> None:
    notice = await first_contact(tg)
    [spanish] = await press_button(tg, notice, "say:Español", count=1)
    assert spanish.startswith("Hola, soy el acompañante")
    assert buttons_of(tg.api.sent(CLIENT)[-1]) == [
        ("Acepto", "say:Acepto"), ("No, gracias", "say:No, gracias"), ("English", "say:English")
    ]
    await tg.api.wait_for(lambda: buttons_removed_from(tg, notice))
    assert tg.rows(Client)[0].consent is None and calls == []


async def test_a_client_who_says_no_thanks_is_told_how_to_reach_a_person_and_nothing_is_kept(
    tg: TelegramGateway, calls: list[dict]
) -> None:
    notice = await first_contact(tg)
    [refused] = await press_button(tg, notice, "say:No thanks", count=1)
    assert "I won't keep anything you write here" in refused
    assert tg.rows(Client)[0].consent == "refused"

    [later] = await say(tg, "my landlord came by again about the rent")
    assert later.startswith("I'm not keeping what you write here")
    assert "your case worker or your program's office" in later
    inbound = [m.text for m in tg.rows(Message) if m.direction == "in"]
    assert inbound == ["", ""]  # neither the button's answer nor the later words are kept
    assert calls == []


async def test_a_risk_message_before_consent_gets_the_safe_reply_and_the_worker_an_alert(
    tg: TelegramGateway, calls: list[dict]
) -> None:
    client_id = staff_team(tg)
    await first_contact(tg)
    tg.api.push(text_update(CLIENT, "I want to kill myself"))
    await tg.api.wait_for(lambda: any("988" in t for t in tg.api.texts(CLIENT)))
    [alert] = await tg.api.wait_for(lambda: alert_to(tg, WORKER))
    assert '"I want to kill myself"' in alert["text"]
    assert ("Take over", f"take:{client_id}") in buttons_of(alert)
    [escalation] = tg.rows(Escalation)
    assert escalation.level == "urgent"
    assert ("in", "I want to kill myself") in [(m.direction, m.text) for m in tg.rows(Message)]
    assert tg.rows(Client)[0].consent is None and calls == []
