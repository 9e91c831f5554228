"""A client of the widget's protocol without a browser: for protocol tests and the benchmark."""

from __future__ import annotations

import asyncio
import json
import time
import uuid

import httpx
import websockets


class WidgetClient:
    """One browser's worth of protocol: a session token and a socket."""

    def __init__(self, base_url: str, token: str | None = None) -> None:
        self._base = base_url
        self.token = token
        self.last_id = 0
        self.messages: list[dict] = []

    async def __aenter__(self) -> WidgetClient:
        if self.token is None:
            async with httpx.AsyncClient() as http:
                self.token = (await http.post(f"{self._base}/widget/session")).json()["token"]
        ws_url = self._base.replace("http", "ws", 1) + f"/widget/ws?token={self.token}"
        self._ws = await websockets.connect(ws_url, max_size=2**20)
        await self._ws.send(json.dumps({"type": "hello", "after": self.last_id}))
        await self.until_quiet()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._ws.close()

    def _record(self, frame: dict) -> None:
        if frame["type"] == "message":
            self.messages.append(frame)
            self.last_id = max(self.last_id, frame["id"])

    async def until_quiet(self, quiet: float = 0.5) -> list[dict]:
        """Read frames until none arrives for `quiet` seconds; returns the message frames."""
        seen = len(self.messages)
        while True:
            try:
                self._record(json.loads(await asyncio.wait_for(self._ws.recv(), quiet)))
            except asyncio.TimeoutError:
                return self.messages[seen:]

    async def agree(self, name: str = "skip", *, agree: str = "I agree") -> list[str]:
        """Answer the first-contact notice and the name question; returns the replies."""
        replies = (await self.say(agree))[1]
        return replies + (await self.say(name))[1]

    async def say(self, text: str, arrived: float | None = None) -> tuple[float, list[str]]:
        """Send a message; returns seconds from its arrival (default: sending) to the companion's
        first reply, and the texts of every reply to it.

        Replies are told by id: the gateway acknowledges the message with its stored id, and only
        companion messages stored after it answer it, so a late reply to the previous message is
        never taken for this one's."""
        started = arrived if arrived is not None else time.perf_counter()
        client_msg_id = uuid.uuid4().hex
        await self._ws.send(json.dumps(
            {"type": "message", "text": text, "client_msg_id": client_msg_id}
        ))
        inbound_id: int | None = None
        first_reply = None
        replies: list[str] = []
        typing_on = typing_done = False
        while True:
            frame = json.loads(await asyncio.wait_for(self._ws.recv(), 30))
            self._record(frame)
            if frame["type"] == "ack" and frame.get("client_msg_id") == client_msg_id:
                inbound_id = frame["id"]
                typing_on = typing_done = False
            elif inbound_id is None:
                continue  # what is still arriving for an earlier message
            elif frame["type"] == "typing":
                typing_on = typing_on or frame["on"]
                typing_done = not frame["on"]
            elif (frame["type"] == "message" and frame["sender"] != "client"
                  and frame["id"] > inbound_id):
                first_reply = first_reply or time.perf_counter() - started
                replies.append(frame["text"])
                # Replies follow the end of typing; safety replies come with no typing at all.
                if typing_done or not typing_on:
                    break
        replies += [m["text"] for m in await self.until_quiet(0.05)
                    if m["sender"] != "client" and m["id"] > inbound_id]
        return first_reply, replies
