""""delete my data" through the real stack: the gateway's tables and Rasa's own tracker store."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import create_engine, text

from bot.stack import Stack
from bot.store import token_digest
from tests.e2e.widget_client import WidgetClient

pytestmark = pytest.mark.e2e


def tracker_events(stack: Stack, sender: str) -> int:
    with sqlite3.connect(stack.tracker_db) as conn:
        return conn.execute("SELECT COUNT(*) FROM events WHERE sender_id = ?", (sender,)).fetchone()[0]


def gateway_rows(stack: Stack, client_id: int) -> dict[str, int]:
    engine = create_engine(stack.database_url)
    try:
        with engine.connect() as conn:
            return {
                table: conn.execute(
                    text(f"SELECT COUNT(*) FROM {table} WHERE client_id = :c"), {"c": client_id}
                ).scalar_one()
                for table in ("messages", "client_values", "checkins", "reminders", "moods")
            }
    finally:
        engine.dispose()


def client_id_of(stack: Stack, token: str) -> int:
    engine = create_engine(stack.database_url)
    try:
        with engine.connect() as conn:
            return conn.execute(
                text("SELECT id FROM clients WHERE channel = 'web' AND external_id = :d"),
                {"d": token_digest(token)},
            ).scalar_one()
    finally:
        engine.dispose()


async def test_delete_my_data_empties_the_gateway_tables_and_the_rasa_tracker(stack: Stack) -> None:
    async with WidgetClient(stack.gateway_url) as client:
        await client.agree()
        await client.say("being there for my kids matters more than anything to me")
        _, confirmation = await client.say("remind me every Monday at 6pm")
        assert confirmation[0].startswith("I'll check in with you every Monday at 6 pm.")
        client_id = client_id_of(stack, client.token)
        sender = f"client-{client_id}"
        assert tracker_events(stack, sender) > 0
        before = gateway_rows(stack, client_id)
        assert before["messages"] > 3 and before["client_values"] and before["reminders"]

        _, prompt = await client.say("delete my data")
        assert "can't be undone" in prompt[0]
        _, done = await client.say("/confirm_delete")
        assert done[0].startswith("Done. I've deleted your messages")

    assert tracker_events(stack, sender) == 0
    after = gateway_rows(stack, client_id)
    assert after == {"messages": 1, "client_values": 0, "checkins": 0, "reminders": 0, "moods": 0}
