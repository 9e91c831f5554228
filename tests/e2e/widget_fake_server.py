"""A stand-in gateway for testing the web widget on its own, without Rasa or a database.

It speaks the widget protocol (session token, WebSocket hello/replay, ack, typing, message and
error frames) with an in-memory echo "companion", and serves the widget's real files from
bot/web/static under the same Content-Security-Policy as the real gateway.

    create_app()                       -> Starlette app (fresh in-memory state)
    create_app(store)                  -> keeps state in `store`, so a restarted server can
                                          reuse it (or pass a new FakeStore to forget everyone)

For manual runs: `python tests/e2e/widget_fake_server.py --port 8765`, then open
http://127.0.0.1:8765/.

Test-only endpoints (not part of the real gateway):
    POST /test/push  {"text": "...", "sender": "worker"}   a message to every known client
    POST /test/drop                                         close every open widget socket (1012)

Client messages starting with "!error" get an error frame whose text contains markup, to check
that the widget shows it literally.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

STATIC_DIR = Path(__file__).resolve().parents[2] / "bot" / "web" / "static"
UNKNOWN_TOKEN = 4401
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self' ws: wss:; "
    "img-src 'self' data:; frame-ancestors 'self'; base-uri 'none'; form-action 'self'"
)
FIRST_BUTTONS = [
    {"title": "Doing okay", "payload": "/mood_ok"},
    {"title": "It's been hard", "payload": "/mood_hard"},
]


@dataclass
class FakeStore:
    """Everything the fake gateway knows; survives a server restart if passed to create_app."""

    tokens: dict[str, int] = field(default_factory=dict)
    messages: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    by_client_msg_id: dict[tuple[int, str], int] = field(default_factory=dict)
    replies_sent: dict[int, int] = field(default_factory=dict)
    next_id: int = 1
    # Every frame any widget sent, in arrival order: (client_id, frame).
    received: list[tuple[int, dict[str, Any]]] = field(default_factory=list)

    def new_client(self) -> str:
        token = secrets.token_urlsafe(24)
        client_id = len(self.tokens) + 1
        self.tokens[token] = client_id
        self.messages[client_id] = []
        return token

    def add_message(
        self,
        client_id: int,
        sender: str,
        text: str,
        *,
        buttons: list[dict[str, str]] | None = None,
        client_msg_id: str | None = None,
    ) -> dict[str, Any]:
        frame = {
            "type": "message",
            "id": self.next_id,
            "sender": sender,
            "text": text,
            "buttons": buttons,
            "client_msg_id": client_msg_id,
            "created_at": dt.datetime.now(dt.timezone.utc).isoformat(),
        }
        self.next_id += 1
        self.messages[client_id].append(frame)
        if client_msg_id is not None:
            self.by_client_msg_id[(client_id, client_msg_id)] = frame["id"]
        return frame


class FakeGateway:
    def __init__(self, store: FakeStore, reply_delay: float) -> None:
        self.store = store
        self.reply_delay = reply_delay
        self.sockets: dict[int, set[WebSocket]] = {}
        self.locks: dict[int, asyncio.Lock] = {}

    def lock(self, client_id: int) -> asyncio.Lock:
        return self.locks.setdefault(client_id, asyncio.Lock())

    async def publish(self, client_id: int, frame: dict[str, Any]) -> None:
        for ws in list(self.sockets.get(client_id, ())):
            await send(ws, frame)

    async def serve(self, ws: WebSocket) -> None:
        token = ws.query_params.get("token", "")
        await ws.accept()
        client_id = self.store.tokens.get(token)
        if client_id is None:
            await ws.close(code=UNKNOWN_TOKEN)
            return
        work: set[asyncio.Task[None]] = set()
        try:
            while True:
                try:
                    raw = await ws.receive_text()
                except (WebSocketDisconnect, RuntimeError):
                    return
                try:
                    frame = json.loads(raw)
                except ValueError:
                    frame = None
                if not isinstance(frame, dict):
                    await send(ws, {"type": "error", "message": "Frames must be JSON objects."})
                    continue
                self.store.received.append((client_id, frame))
                if frame.get("type") == "hello":
                    after = frame.get("after")
                    after = after if isinstance(after, int) and after >= 0 else 0
                    async with self.lock(client_id):
                        for message in self.store.messages[client_id]:
                            if message["id"] > after:
                                await send(ws, message)
                        self.sockets.setdefault(client_id, set()).add(ws)
                elif frame.get("type") == "message":
                    task = asyncio.create_task(self.receive_message(client_id, frame))
                    work.add(task)
                    task.add_done_callback(work.discard)
                else:
                    await send(ws, {"type": "error", "message": "Unknown frame type."})
        finally:
            self.sockets.get(client_id, set()).discard(ws)

    async def receive_message(self, client_id: int, frame: dict[str, Any]) -> None:
        text = frame.get("text")
        client_msg_id = frame.get("client_msg_id")
        if not isinstance(text, str) or not isinstance(client_msg_id, (str, type(None))):
            await self.publish(client_id, {"type": "error", "message": "A message needs text."})
            return
        text = text.strip()[:4000]
        if not text:
            return
        async with self.lock(client_id):
            known = (
                self.store.by_client_msg_id.get((client_id, client_msg_id))
                if client_msg_id is not None
                else None
            )
            if known is not None:
                await self.publish(
                    client_id, {"type": "ack", "client_msg_id": client_msg_id, "id": known}
                )
                return
            inbound = self.store.add_message(client_id, "client", text, client_msg_id=client_msg_id)
            await self.publish(
                client_id, {"type": "ack", "client_msg_id": client_msg_id, "id": inbound["id"]}
            )
            await self.publish(client_id, inbound)
            if text.startswith("!error"):
                await self.publish(
                    client_id, {"type": "error", "message": "<b>Something</b> went wrong."}
                )
                return
            await self.publish(client_id, {"type": "typing", "on": True})
            await asyncio.sleep(self.reply_delay)
            count = self.store.replies_sent.get(client_id, 0)
            self.store.replies_sent[client_id] = count + 1
            reply = self.store.add_message(
                client_id,
                "companion",
                f"You said: {text}",
                buttons=FIRST_BUTTONS if count == 0 else None,
            )
            await self.publish(client_id, reply)
            await self.publish(client_id, {"type": "typing", "on": False})

    async def push(self, sender: str, text: str) -> None:
        for client_id in list(self.store.messages):
            async with self.lock(client_id):
                await self.publish(client_id, self.store.add_message(client_id, sender, text))

    async def drop(self) -> None:
        for sockets in list(self.sockets.values()):
            for ws in list(sockets):
                with contextlib.suppress(Exception):
                    await ws.close(code=1012)
        self.sockets.clear()


async def send(ws: WebSocket, frame: dict[str, Any]) -> None:
    with contextlib.suppress(WebSocketDisconnect, RuntimeError, OSError):
        await ws.send_text(json.dumps(frame))


def create_app(store: FakeStore | None = None, *, reply_delay: float = 0.3) -> Starlette:
    gateway = FakeGateway(store or FakeStore(), reply_delay)
    headers = {
        "content-security-policy": CSP,
        "x-content-type-options": "nosniff",
        "referrer-policy": "no-referrer",
        "cache-control": "no-store",
    }

    def static(name: str, media_type: str) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            return FileResponse(STATIC_DIR / name, media_type=media_type, headers=headers)

        return endpoint

    async def new_session(request: Request) -> Response:
        return JSONResponse(
            {"token": gateway.store.new_client()},
            headers={"cache-control": "no-store", "access-control-allow-origin": "*"},
        )

    async def push(request: Request) -> Response:
        body = await request.json()
        await gateway.push(str(body.get("sender", "worker")), str(body["text"]))
        return JSONResponse({"ok": True})

    async def drop(request: Request) -> Response:
        await gateway.drop()
        return JSONResponse({"ok": True})

    app = Starlette(
        routes=[
            Route("/", static("demo.html", "text/html")),
            Route("/widget.js", static("widget.js", "text/javascript")),
            Route("/widget.css", static("widget.css", "text/css")),
            Route("/widget/session", new_session, methods=["POST"]),
            WebSocketRoute("/widget/ws", gateway.serve),
            Route("/test/push", push, methods=["POST"]),
            Route("/test/drop", drop, methods=["POST"]),
        ]
    )
    app.state.store = gateway.store
    app.state.gateway = gateway
    return app


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--reply-delay", type=float, default=0.3)
    args = parser.parse_args()
    # The websockets release the project pins predates uvicorn's "auto" choice of protocol.
    uvicorn.run(
        create_app(reply_delay=args.reply_delay), host=args.host, port=args.port, ws="websockets"
    )


if __name__ == "__main__":
    main()
