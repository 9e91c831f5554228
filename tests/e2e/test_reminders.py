"""Reminders through the real stack: the widget gives the browser's time zone, and a request in
words is answered by the gateway in that zone."""

from __future__ import annotations

import asyncio
import json
import uuid

import httpx
import pytest
import websockets
from sqlalchemy import create_engine, text

from bot.stack import Stack
from bot.store import token_digest

pytestmark = pytest.mark.e2e


async def test_the_widgets_time_zone_is_kept_and_a_reminder_is_confirmed(stack: Stack) -> None:
    async with httpx.AsyncClient() as http:
        token = (await http.post(f"{stack.gateway_url}/widget/session")).json()["token"]
    url = stack.gateway_url.replace("http", "ws", 1) + f"/widget/ws?token={token}"
    async with websockets.connect(url) as ws:
        await ws.send(json.dumps({"type": "hello", "after": 0, "timezone": "Europe/Madrid"}))
        # A new client answers the consent notice and the name question first.
        for answer in ("I agree", "skip"):
            await ws.send(json.dumps({"type": "message", "text": answer,
                                      "client_msg_id": uuid.uuid4().hex}))
        await ws.send(json.dumps({"type": "message", "text": "recuérdame los lunes a las 6 de la tarde",
                                  "client_msg_id": uuid.uuid4().hex}))
        confirmation = None
        while confirmation is None:
            frame = json.loads(await asyncio.wait_for(ws.recv(), 60))
            if frame["type"] == "message" and frame["text"].startswith("Te escribiré"):
                confirmation = frame["text"]
    assert "todos los lunes a las 6 de la tarde" in confirmation
    engine = create_engine(stack.database_url)
    try:
        with engine.connect() as conn:
            zone, schedule = conn.execute(
                text("SELECT c.timezone, r.schedule FROM clients c JOIN reminders r ON r.client_id = c.id "
                     "WHERE c.external_id = :d"),
                {"d": token_digest(token)},
            ).one()
    finally:
        engine.dispose()
    assert (zone, schedule) == ("Europe/Madrid", "0@18:00")
