"""A check-in over Telegram through the whole stack: the gateway process polls the loopback Bot
API server, a new client agrees to the notice with its button and gives a name, the real Rasa
answers, and an urgent message reaches the on-call worker."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

from bot.casework import CaseStore
from bot.db import make_sessionmaker
from bot.stack import Stack
from tests.support.bot_api import FakeBotApi, callback_update, text_update

pytestmark = pytest.mark.e2e

CLIENT = 61_001
WORKER = 62_001


async def test_a_checkin_over_telegram_and_an_alert_to_the_on_call_worker(
    stack: Stack, bot_api: FakeBotApi
) -> None:
    engine = create_engine(stack.database_url)
    try:
        CaseStore(make_sessionmaker(engine)).add_worker("Ana", WORKER, on_call=True)
        await bot_api.wait_for(lambda: bot_api.sent(method="deleteWebhook"), timeout=30)

        bot_api.push(text_update(CLIENT, "/start"))
        [notice] = await bot_api.wait_for(lambda: bot_api.sent(CLIENT), timeout=30)
        assert "Harbor Housing" in notice["text"]
        buttons = [b for row in notice["reply_markup"]["inline_keyboard"] for b in row]
        assert [b["text"] for b in buttons] == ["I agree", "No thanks", "Español"]

        bot_api.push(callback_update(CLIENT, buttons[0]["callback_data"], notice))
        await bot_api.wait_for(
            lambda: any("call you" in t for t in bot_api.texts(CLIENT)), timeout=30
        )
        seen = len(bot_api.texts(CLIENT))
        bot_api.push(text_update(CLIENT, "Jo"))
        # Thanks for the name, then the real Rasa's opening of the first check-in.
        await bot_api.wait_for(lambda: len(bot_api.texts(CLIENT)) >= seen + 2, timeout=30)
        assert bot_api.texts(CLIENT)[seen] == "Thank you, Jo. I'll call you that."
        seen = len(bot_api.texts(CLIENT))
        checkin = "I finally went to the job interview I was dreading"
        bot_api.push(text_update(CLIENT, checkin))
        await bot_api.wait_for(lambda: len(bot_api.texts(CLIENT)) > seen, timeout=30)
        assert all(t.strip() for t in bot_api.texts(CLIENT))

        bot_api.push(text_update(CLIENT, "honestly I want to kill myself"))
        [alert] = await bot_api.wait_for(
            lambda: [p for p in bot_api.sent(WORKER) if "alert for" in p["text"]], timeout=30
        )
        assert "honestly I want to kill myself" in alert["text"]
        # The alert may well arrive before the client's safety messages are all out.
        await bot_api.wait_for(lambda: any("988" in t for t in bot_api.texts(CLIENT)), timeout=30)
        with engine.connect() as conn:
            channels = set(conn.execute(text(
                "SELECT DISTINCT m.channel FROM messages m JOIN clients c ON c.id = m.client_id "
                "WHERE c.external_id = :chat"
            ), {"chat": str(CLIENT)}).scalars())
            kept = set(conn.execute(text(
                "SELECT m.text FROM messages m JOIN clients c ON c.id = m.client_id "
                "WHERE c.external_id = :chat AND m.direction = 'in'"
            ), {"chat": str(CLIENT)}).scalars())
        assert channels == {"telegram"}
        # Kept with its words: the client agreed, so the check-in reached the companion.
        assert {"I agree", "Jo", checkin} <= kept
    finally:
        engine.dispose()
