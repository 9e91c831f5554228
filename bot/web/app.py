"""The gateway's web face: the widget's files and WebSocket endpoint, the demo page, and /healthz."""

from __future__ import annotations

import asyncio
import contextlib
import html
import ipaddress
import json
import logging
import secrets
from collections.abc import AsyncIterator
from pathlib import Path

from sqlalchemy.exc import InterfaceError, OperationalError
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketDisconnect

from bot.gateway import Gateway, message_frame
from bot.hub import Hub
from bot.ratelimit import RateLimiter
from bot.store import token_digest

log = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).with_name("static")
WIDGET_CHANNEL = "web"
UNKNOWN_TOKEN = 4401
MAX_FRAME_BYTES = 16_384
SECURITY_HEADERS = {
    "content-security-policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self' ws: wss:; "
        "img-src 'self' data:; frame-ancestors 'self'; base-uri 'none'; form-action 'self'"
    ),
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
}


class SecurityHeaders:
    """Secure headers on every HTTP response; the widget's files may be embedded anywhere."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.decode().lower() for name, _ in headers}
                for name, value in SECURITY_HEADERS.items():
                    if name not in present:
                        headers.append((name.encode(), value.encode()))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _is_loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


# The line of widget.js the gateway fills with the program's crisis resources.
WIDGET_RESOURCES = "var PROGRAM_RESOURCES = null;"


def demo_html(gateway: Gateway) -> str:
    """The demo page, naming the program's crisis resources (the widget's words are English)."""
    page = (STATIC_DIR / "demo.html").read_text(encoding="utf-8")
    return page.replace("{resources}", html.escape(gateway.crisis_resources("en")))


def widget_js(gateway: Gateway) -> str:
    """The widget, told the program's crisis resources when it has its own; without them its
    footer links the US defaults."""
    script = (STATIC_DIR / "widget.js").read_text(encoding="utf-8")
    resources = gateway.settings.crisis_resources_for("en")
    if resources is None:
        return script
    # json.dumps escapes every non-ASCII character, U+2028 and U+2029 included.
    return script.replace(WIDGET_RESOURCES, f"var PROGRAM_RESOURCES = {json.dumps(resources)};", 1)


def create_app(
    gateway: Gateway,
    hub: Hub,
    *,
    staff: ASGIApp | None = None,
    limiter: RateLimiter | None = None,
    session_limiter: RateLimiter | None = None,
) -> Starlette:
    demo, widget = demo_html(gateway), widget_js(gateway)

    async def demo_page(request: Request) -> Response:
        return Response(demo, media_type="text/html")

    async def widget_script(request: Request) -> Response:
        return Response(widget, media_type="text/javascript")

    async def widget_style(request: Request) -> Response:
        return FileResponse(STATIC_DIR / "widget.css", media_type="text/css")

    async def new_session(request: Request) -> Response:
        # Each session is a client row: one address may not open them without end. The widget
        # retries later, and a browser that has a session keeps it.
        # A loopback peer is this machine: a proxy that did not say who it forwards for, or the
        # replicas' balancer; counting them would count every client as one.
        address = request.client.host if request.client else "unknown"
        limited = session_limiter is not None and not _is_loopback(address)
        if limited and not await session_limiter.allow(f"session:{address}"):  # type: ignore[union-attr]
            return JSONResponse(
                {"error": "too many new sessions from this address; try again later"},
                status_code=429,
                headers={"retry-after": "60", "cache-control": "no-store"},
            )
        token = secrets.token_urlsafe(32)
        await asyncio.to_thread(gateway.store.client_for, WIDGET_CHANNEL, token_digest(token))
        return JSONResponse({"token": token}, headers={"cache-control": "no-store"})

    async def healthz(request: Request) -> Response:
        report = await gateway.health()
        healthy = all(status == "ok" for status in report.values())
        return JSONResponse(
            {"status": "ok" if healthy else "degraded", **report}, status_code=200 if healthy else 503
        )

    async def widget_socket(websocket: WebSocket) -> None:
        token = websocket.query_params.get("token", "")
        client_id = None
        if token:
            client_id = await asyncio.to_thread(
                gateway.store.client_for, WIDGET_CHANNEL, token_digest(token), create=False
            )
        await websocket.accept()
        if client_id is None:
            await websocket.close(code=UNKNOWN_TOKEN)
            return
        await WidgetConnection(websocket, client_id, gateway, hub, limiter).serve()

    return Starlette(
        routes=[
            Route("/", demo_page),
            Route("/widget.js", widget_script),
            Route("/widget.css", widget_style),
            Route("/widget/session", new_session, methods=["POST"]),
            Route("/healthz", healthz),
            WebSocketRoute("/widget/ws", widget_socket),
            *([Mount("/staff", app=staff)] if staff is not None else []),
        ],
        middleware=[
            Middleware(SecurityHeaders),
            Middleware(CORSMiddleware, allow_origins=["*"], allow_methods=["POST"]),
        ],
    )


class WidgetConnection:
    """One open widget: replays what the browser has not seen, then streams live frames.

    Frames are published by the gateway to the hub; a subscriber is registered before the history
    is read, and frames already covered by the history are skipped, so nothing is lost or doubled.
    """

    def __init__(
        self,
        websocket: WebSocket,
        client_id: int,
        gateway: Gateway,
        hub: Hub,
        limiter: RateLimiter | None = None,
    ) -> None:
        self._ws = websocket
        self._limiter = limiter
        self._client_id = client_id
        self._gateway = gateway
        self._hub = hub
        self._sent_ids: set[int] = set()
        self._replayed = asyncio.Event()

    async def serve(self) -> None:
        queue = self._hub.subscribe(self._client_id)
        pump = asyncio.create_task(self._pump(queue))
        work: set[asyncio.Task[object]] = set()
        try:
            async for frame in self._frames():
                if frame.get("type") == "hello":
                    if isinstance(frame.get("timezone"), str):
                        await asyncio.to_thread(
                            self._gateway.controls.reminders.set_timezone,
                            self._client_id,
                            frame["timezone"][:64],
                        )
                    await self._replay(frame.get("after"))
                    self._replayed.set()
                    task = asyncio.create_task(
                        self._gateway.open_checkin(self._client_id, WIDGET_CHANNEL)
                    )
                elif frame.get("type") == "message":
                    task = asyncio.create_task(self._receive_message(frame))
                else:
                    await self._send({"type": "error", "message": "Unknown frame type."})
                    continue
                work.add(task)
                task.add_done_callback(work.discard)
        finally:
            self._hub.unsubscribe(self._client_id, queue)
            pump.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await pump

    async def _frames(self) -> AsyncIterator[dict]:
        while True:
            try:
                message = await self._ws.receive()
            except (WebSocketDisconnect, RuntimeError):
                return
            if message["type"] == "websocket.disconnect":
                return
            raw = message.get("text")
            if raw is None:
                # A binary frame: the widget only ever sends JSON text.
                try:
                    raw = (message.get("bytes") or b"").decode("utf-8")
                except UnicodeDecodeError:
                    await self._send({"type": "error", "message": "Frames must be UTF-8 text."})
                    continue
            if len(raw.encode()) > MAX_FRAME_BYTES:
                await self._send({"type": "error", "message": "That message is too long to send."})
                continue
            try:
                frame = json.loads(raw)
            except ValueError:
                frame = None
            if not isinstance(frame, dict):
                await self._send({"type": "error", "message": "Frames must be JSON objects."})
                continue
            yield frame

    async def _replay(self, after: object) -> None:
        after_id = after if isinstance(after, int) and after >= 0 else 0
        history = await asyncio.to_thread(
            self._gateway.store.messages_after, self._client_id, after_id
        )
        for message in history:
            await self._send_message_frame(message_frame(message))

    async def _receive_message(self, frame: dict) -> None:
        text = frame.get("text")
        client_msg_id = frame.get("client_msg_id")
        if not isinstance(text, str) or not (
            client_msg_id is None or isinstance(client_msg_id, str) and len(client_msg_id) <= 64
        ):
            await self._send({"type": "error", "message": "A message needs text."})
            return
        if await self._flooding(text):
            await self._send(
                {"type": "error", "code": "rate_limited", "client_msg_id": client_msg_id,
                 "message": self._gateway.text("rate_limited")}
            )
            return
        try:
            try:
                await self._gateway.handle_client_message(
                    client_id=self._client_id,
                    channel=WIDGET_CHANNEL,
                    text=text,
                    client_msg_id=client_msg_id,
                )
            except (OperationalError, InterfaceError) as exc:
                # A database connection cut mid-way (failover, restart): once more on a fresh one.
                # The resend is stored once and answered only if it was not already.
                log.warning("database error for client %s, retrying: %s", self._client_id, exc)
                await self._gateway.handle_client_message(
                    client_id=self._client_id,
                    channel=WIDGET_CHANNEL,
                    text=text,
                    client_msg_id=client_msg_id,
                )
        except Exception:
            log.exception("failed to handle a widget message for client %s", self._client_id)
            await self._send(
                {"type": "error", "message": "Something went wrong on our side. Please try again."}
            )

    async def _flooding(self, text: str) -> bool:
        """Over the client's rate limit; a message with a risk cue always goes through."""
        if self._limiter is None or await self._limiter.allow(f"web:{self._client_id}"):
            return False
        return not self._gateway.is_risky(text)

    async def _pump(self, queue: asyncio.Queue[dict]) -> None:
        # Live frames wait in the queue until the history is out, so ids leave in order.
        await self._replayed.wait()
        while True:
            frame = await queue.get()
            if frame.get("type") == "message":
                await self._send_message_frame(frame)
            else:
                await self._send(frame)

    async def _send_message_frame(self, frame: dict) -> None:
        # History and live frames may overlap around the hello, and a client's message stored
        # while an earlier answer is being stored may be published just after it: each id goes
        # out once (the widget places messages by id).
        if frame["id"] in self._sent_ids:
            return
        self._sent_ids.add(frame["id"])
        await self._send(frame)

    async def _send(self, frame: dict) -> None:
        with contextlib.suppress(WebSocketDisconnect, RuntimeError):
            await self._ws.send_text(json.dumps(frame))
