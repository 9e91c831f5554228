"""A widget-protocol client that rides out faults: on a dropped socket it reconnects through the
balancer (to whichever gateway answers), replays what it missed and resends under the same id."""

from __future__ import annotations

import asyncio
import json
import time
import uuid

import httpx
import websockets


class Chat:
    def __init__(self, base_url: str) -> None:
        self._base = base_url
        self.token = ""
        self.last_id = 0
        self.reconnects = 0
        self._ws = None

    async def open(self) -> Chat:
        async with httpx.AsyncClient() as http:
            self.token = (await http.post(f"{self._base}/widget/session", timeout=30)).json()["token"]
        await self._connect()
        await self._opening()
        # A new client answers the consent notice and the name question before checking in.
        await self.exchange("I agree")
        await self.exchange("skip")
        return self

    async def _opening(self, timeout: float = 300) -> None:
        """A new client is greeted first; replies are told apart from the greeting by order only,
        so the first message waits until the greeting is out."""
        greeted = False
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            try:
                frame = json.loads(await asyncio.wait_for(self._ws.recv(), 0.3 if greeted else 30))
            except asyncio.TimeoutError:
                if greeted:
                    return
                continue
            if frame["type"] == "message":
                self.last_id = max(self.last_id, frame["id"])
                greeted = greeted or frame["sender"] != "client"
        raise TimeoutError("no greeting")

    async def _connect(self) -> None:
        url = self._base.replace("http", "ws", 1) + f"/widget/ws?token={self.token}"
        for _ in range(100):
            try:
                self._ws = await websockets.connect(url, open_timeout=5)
                await self._ws.send(json.dumps({"type": "hello", "after": self.last_id}))
                return
            except (OSError, websockets.WebSocketException, asyncio.TimeoutError):
                await asyncio.sleep(0.2)
        raise ConnectionError("no gateway accepted the widget")

    async def close(self) -> None:
        if self._ws is not None:
            await self._ws.close()

    async def exchange(self, text: str, timeout: float = 60) -> tuple[float, list[str]]:
        """Send `text` until a gateway acknowledges it and answers; returns the seconds to the
        first reply and the companion's texts after the message."""
        msg_id = uuid.uuid4().hex
        started = time.perf_counter()
        deadline = started + timeout
        inbound_id = None
        replies: list[str] = []
        first = None
        await self._send(text, msg_id)
        while time.perf_counter() < deadline:
            try:
                quiet = 0.3 if replies else deadline - time.perf_counter()
                frame = json.loads(await asyncio.wait_for(self._ws.recv(), max(quiet, 0.01)))
            except asyncio.TimeoutError:
                if replies:
                    return first, replies
                break
            except websockets.ConnectionClosed:
                self.reconnects += 1
                await self._connect()
                await self._send(text, msg_id)
                continue
            if frame["type"] == "ack" and frame.get("client_msg_id") == msg_id:
                inbound_id = frame["id"]
            elif frame["type"] == "message":
                self.last_id = max(self.last_id, frame["id"])
                if inbound_id is not None and frame["id"] > inbound_id and frame["sender"] != "client":
                    first = first or time.perf_counter() - started
                    replies.append(frame["text"])
        raise TimeoutError(f"no answer to {text!r} within {timeout:.0f}s")

    async def _send(self, text: str, msg_id: str) -> None:
        try:
            await self._ws.send(json.dumps({"type": "message", "text": text, "client_msg_id": msg_id}))
        except websockets.ConnectionClosed:
            self.reconnects += 1
            await self._connect()
            await self._ws.send(json.dumps({"type": "message", "text": text, "client_msg_id": msg_id}))
