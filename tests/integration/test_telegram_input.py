"""Whatever Telegram delivers (odd updates, group chats, channel posts, missing senders, forged
button data) is answered kindly or ignored, and the bot goes on serving the next client: through
python-telegram-bot against the loopback Bot API server."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bot.models import Escalation, TelegramUpdate
from tests.integration.test_gateway import default_replies, scripted_rasa
from tests.integration.test_telegram import CLIENT, WORKER, say, staff_team
from tests.support import bot_api
from tests.support.bot_api import FakeBotApi, callback_update
from tests.support.telegram_gateway import TOKEN, TelegramGateway

pytestmark = pytest.mark.integration

CALM = 7777  # a client the odd updates never come from

# Update ids only grow, as Telegram's do (a lower one than the last is taken as confirmed), so
# they come from the same counter as the other tests' updates.
_ids = bot_api._update_ids  # noqa: SLF001
NASTY = st.one_of(
    st.text(max_size=200),
    st.sampled_from([
        "/start@SomeOtherBot", "/handback extra words", "/", "/take:1", "\x00", "🙂" * 300,
        "a" * 5000, "<b>bold</b>", "\u202e", "take:1", "ack:1",
    ]),
)
CALLBACK_DATA = st.one_of(
    st.text(max_size=64),
    st.sampled_from(["take:", "take:abc", "take:-1", "take:99999999999999999999", "ack:0",
                     "ack:1", "back:1", "say:", "say:/delete_confirm", "say:" + "x" * 60, ":",
                     "ack:1:2", "take:1", "back:abc"]),
)
CHAT_TYPES = st.sampled_from(["private", "group", "supergroup", "channel"])
SENDERS = st.sampled_from([CLIENT, WORKER, 4242, 1])


def message(chat_id: int, chat_type: str, sender: int | None, **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "message_id": next(_ids),
        "date": int(time.time()),
        "chat": {"id": chat_id, "type": chat_type, "title": "t", "first_name": "F"},
        **fields,
    }
    if sender is not None:
        body["from"] = {"id": sender, "is_bot": False, "first_name": "F"}
    return body


@st.composite
def updates(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from(
        ["message", "edited_message", "channel_post", "callback", "location", "contact",
         "document", "empty_text", "no_sender", "bot_sender", "member"]
    ))
    chat_type = draw(CHAT_TYPES)
    sender = draw(SENDERS)
    chat = sender if chat_type == "private" else -100_000 - draw(st.integers(0, 5))
    update: dict[str, Any] = {"update_id": next(_ids)}
    if kind in ("message", "edited_message", "channel_post"):
        update[kind] = message(chat, chat_type, None if kind == "channel_post" else sender,
                               text=draw(NASTY))
    elif kind == "callback":
        update["callback_query"] = {
            "id": str(next(_ids)),
            "from": {"id": sender, "is_bot": False, "first_name": "F"},
            "chat_instance": "ci",
            "data": draw(CALLBACK_DATA),
            **({"message": message(chat, chat_type, None, text="earlier")}
               if draw(st.booleans()) else {}),
        }
    elif kind == "location":
        update["message"] = message(chat, chat_type, sender,
                                    location={"latitude": 40.7, "longitude": -74.0})
    elif kind == "contact":
        update["message"] = message(chat, chat_type, sender,
                                    contact={"phone_number": "+15551234567", "first_name": "X"})
    elif kind == "document":
        update["message"] = message(chat, chat_type, sender, caption=draw(NASTY), document={
            "file_id": "d", "file_unique_id": "d1", "file_name": draw(st.text(max_size=30))})
    elif kind == "empty_text":
        update["message"] = message(chat, chat_type, sender, text="")
    elif kind == "no_sender":
        update["message"] = message(chat, chat_type, None, text=draw(NASTY))
    elif kind == "bot_sender":
        body = message(chat, chat_type, sender, text=draw(NASTY))
        body["from"]["is_bot"] = True
        update["message"] = body
    else:
        update["my_chat_member"] = {
            "chat": {"id": chat, "type": chat_type, "title": "t"},
            "from": {"id": sender, "is_bot": False, "first_name": "F"},
            "date": int(time.time()),
            "old_chat_member": {"status": "member", "user": {"id": 1, "is_bot": True,
                                                              "first_name": "B"}},
            "new_chat_member": {"status": "left", "user": {"id": 1, "is_bot": True,
                                                            "first_name": "B"}},
        }
    return update


def taken(tg: TelegramGateway) -> set[int]:
    with tg.sessions() as session:
        return set(session.scalars(select(TelegramUpdate.update_id)))


@pytest.fixture
async def tg(tmp_path: Path) -> AsyncIterator[TelegramGateway]:
    api = FakeBotApi(TOKEN).start()
    gateway = TelegramGateway(
        f"sqlite:///{tmp_path}/gateway.db", api, scripted_rasa(default_replies, [])
    )
    await gateway.start()
    yield gateway
    await gateway.stop()
    api.stop()


async def test_odd_updates_never_stop_the_bot_or_act_for_a_stranger(tg: TelegramGateway) -> None:
    await tg.agreed_client(CLIENT)
    client_id = staff_team(tg)
    await say(tg, "/start", count=2)
    batch: list[dict[str, Any]] = []

    @given(updates())
    @settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck))
    def collect(update: dict[str, Any]) -> None:
        batch.append(update)

    collect()
    for update in batch:
        tg.api.push(update)
    pushed = {u["update_id"] for u in batch}
    await tg.api.wait_for(
        lambda: pushed <= taken(tg), timeout=60
    )
    # Every update was read; the bot answers a client as before, and still hears risk.
    await tg.agreed_client(CALM)
    await say(tg, "/start", chat_id=CALM, count=2)
    assert await say(tg, "still there?", chat_id=CALM) == ["It sounds like still there?."]
    before = len(tg.rows(Escalation))
    assert await say(tg, "I want to die", chat_id=CALM, count=5)
    assert [e.level for e in tg.rows(Escalation)][before:] == ["urgent"]
    # No forged button let anyone take the conversation.
    holder = tg.casework.holder(client_id)
    assert holder is None or holder.telegram_id == WORKER


async def test_a_message_in_a_group_chat_is_not_taken_for_a_client_checkin(
    tg: TelegramGateway,
) -> None:
    group = -100_123
    update = {"update_id": next(_ids),
              "message": message(group, "group", 4242, text="I want to die")}
    tg.api.push(update)
    await tg.api.wait_for(
        lambda: update["update_id"] in taken(tg)
    )
    await asyncio.sleep(0.5)  # taken, then handled: give the handling time to answer, if it would
    assert all(c.external_id != str(group) for c in tg.casework.clients())
    assert tg.rows(Escalation) == [] and tg.api.texts(group) == []


async def test_start_with_the_bots_name_opens_the_checkin(tg: TelegramGateway) -> None:
    await tg.agreed_client(CALM)
    replies = await say(tg, "/start@CompanionBot", chat_id=CALM, count=2)
    assert replies[-1] == "How are things going for you today?"


async def test_button_data_with_a_huge_or_odd_number_is_refused_quietly(
    tg: TelegramGateway,
) -> None:
    staff_team(tg)
    for data in ("take:99999999999999999999", "ack:²", "back:١٢", "take:-3"):
        before = len(tg.api.sent(method="answerCallbackQuery"))
        tg.api.push(callback_update(WORKER, data, {"chat_id": WORKER, "text": "alert"}))
        await tg.api.wait_for(
            lambda count=before: len(tg.api.sent(method="answerCallbackQuery")) > count
        )
    assert tg.rows(Escalation) == []
