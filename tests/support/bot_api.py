"""A Telegram Bot API server on loopback for tests and benchmarks.

Serves the methods the gateway uses, records every call with the time it arrived, hands out
updates through getUpdates or posts them to the webhook that was set, and can be told to fail
the next calls of a method (a 429 with retry_after, a 500).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from bot.stack import free_port

BOT_USER = {"id": 4242, "is_bot": True, "first_name": "Companion", "username": "companion_test_bot"}


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    status: int
    at: float = field(default_factory=time.perf_counter)


@dataclass
class Fault:
    status: int
    retry_after: int | None = None


def _parse(raw: dict[str, Any]) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for key, value in raw.items():
        if isinstance(value, str) and value[:1] in "[{":
            try:
                value = json.loads(value)
            except ValueError:
                pass
        params[key] = value
    return params


class FakeBotApi:
    def __init__(self, token: str) -> None:
        self.token = token
        self.port = free_port()
        self.calls: list[Call] = []
        self.webhook: tuple[str, str] | None = None
        self._faults: dict[str, list[Fault]] = {}
        self._updates: list[dict[str, Any]] = []
        self._redeliver: list[dict[str, Any]] = []
        self._message_ids = itertools.count(1000)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._arrived: asyncio.Condition | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self.push_times: dict[int, float] = {}

    # --- running -----------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> FakeBotApi:
        app = Starlette(routes=[Route("/bot{token}/{method}", self._endpoint, methods=["GET", "POST"])])
        config = uvicorn.Config(
            app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off", ws="none"
        )
        self._server = uvicorn.Server(config)
        started = threading.Event()

        def serve() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            self._arrived = asyncio.Condition()
            loop.call_soon(started.set)
            loop.run_until_complete(self._server.serve())
            loop.close()

        self._thread = threading.Thread(target=serve, name="fake-bot-api", daemon=True)
        self._thread.start()
        started.wait(5)
        deadline = time.monotonic() + 5
        while not self._server.started and time.monotonic() < deadline:
            time.sleep(0.01)
        if not self._server.started:
            raise RuntimeError("the Bot API server did not start")
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(5)

    # --- what tests do -----------------------------------------------------------------------
    def fail(self, method: str, status: int, *, retry_after: int | None = None, times: int = 1) -> None:
        self._faults.setdefault(method, []).extend(Fault(status, retry_after) for _ in range(times))

    def push(self, update: dict[str, Any], *, redeliver: bool = False) -> concurrent.futures.Future[int]:
        """Hand an update to the bot: posted to the webhook if one is set, else kept for getUpdates
        (`redeliver` hands it out again whatever offset the bot asks from, as Telegram may)."""
        assert self._loop is not None
        self.push_times[update["update_id"]] = time.perf_counter()
        return asyncio.run_coroutine_threadsafe(self._push(update, redeliver), self._loop)

    def sent(self, chat_id: int | None = None, method: str = "sendMessage") -> list[dict[str, Any]]:
        """Successful calls of `method` (to `chat_id`), in arrival order."""
        return [
            c.params for c in list(self.calls)
            if c.method == method and c.status == 200
            and (chat_id is None or int(c.params.get("chat_id", 0)) == chat_id)
        ]

    def texts(self, chat_id: int) -> list[str]:
        return [p["text"] for p in self.sent(chat_id)]

    async def wait_for(self, check, timeout: float = 15.0):  # type: ignore[no-untyped-def]
        """Wait until `check()` is truthy (calls arrive from another thread) and return it."""
        deadline = time.monotonic() + timeout
        while True:
            result = check()
            if result:
                return result
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out; calls so far: {[c.method for c in self.calls]}")
            await asyncio.sleep(0.01)

    # --- the server ----------------------------------------------------------------------------
    async def _push(self, update: dict[str, Any], redeliver: bool) -> int:
        if self.webhook is not None:
            url, secret = self.webhook
            async with httpx.AsyncClient() as http:
                response = await http.post(
                    url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": secret}
                )
            return response.status_code
        assert self._arrived is not None
        async with self._arrived:
            (self._redeliver if redeliver else self._updates).append(update)
            self._arrived.notify_all()
        return 200

    async def _endpoint(self, request: Request) -> JSONResponse:
        method = request.path_params["method"]
        if request.path_params["token"] != self.token:
            refused = {"ok": False, "error_code": 401, "description": "Unauthorized"}
            return self._reply(method, {}, 401, refused)
        if request.headers.get("content-type", "").startswith("application/json"):
            params = _parse(await request.json())
        else:
            params = _parse(dict(await request.form()))
        faults = self._faults.get(method)
        if faults:
            fault = faults.pop(0)
            body: dict[str, Any] = {"ok": False, "error_code": fault.status, "description": "fault"}
            if fault.retry_after is not None:
                body["parameters"] = {"retry_after": fault.retry_after}
                body["description"] = f"Too Many Requests: retry after {fault.retry_after}"
            return self._reply(method, params, fault.status, body)
        result = await self._result(method, params)
        if method == "sendMessage":
            # Kept with the call, so a press on its buttons names the message that carried them.
            params["message_id"] = result["message_id"]
        return self._reply(method, params, 200, {"ok": True, "result": result})

    def _reply(self, method: str, params: dict[str, Any], status: int, body: dict[str, Any]) -> JSONResponse:
        if method != "getUpdates" or status != 200 or body.get("result"):
            self.calls.append(Call(method, params, status))
        return JSONResponse(body, status_code=status)

    async def _result(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getMe":
            return BOT_USER
        if method == "setWebhook":
            self.webhook = (params["url"], params.get("secret_token", ""))
            return True
        if method == "deleteWebhook":
            self.webhook = None
            return True
        if method == "getUpdates":
            return await self._get_updates(params)
        if method in ("sendMessage", "editMessageText", "editMessageReplyMarkup"):
            message: dict[str, Any] = {
                "message_id": int(params.get("message_id") or next(self._message_ids)),
                "date": int(time.time()),
                "chat": {"id": int(params.get("chat_id", 0)), "type": "private"},
                "from": BOT_USER,
                "text": params.get("text", ""),
            }
            if params.get("reply_markup"):
                message["reply_markup"] = params["reply_markup"]
            return message
        return True

    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        assert self._arrived is not None
        offset = int(params.get("offset") or 0)
        # Long polling, cut short so a stopping bot is not kept waiting.
        wait = min(float(params.get("timeout") or 0), 0.1)

        def ready() -> list[dict[str, Any]]:
            return self._redeliver + [u for u in self._updates if u["update_id"] >= offset]

        async with self._arrived:
            if not ready() and wait > 0:
                try:
                    await asyncio.wait_for(self._arrived.wait_for(ready), wait)
                except asyncio.TimeoutError:
                    pass
            updates = ready()
            self._redeliver.clear()
            return updates


# --- updates as Telegram sends them ---------------------------------------------------------------
_update_ids = itertools.count(1)


def _message(chat_id: int, **fields: Any) -> dict[str, Any]:
    return {
        "message_id": next(_update_ids) + 50_000,
        "date": int(time.time()),
        "chat": {"id": chat_id, "type": "private", "first_name": "Test"},
        "from": {"id": chat_id, "is_bot": False, "first_name": "Test"},
        **fields,
    }


def text_update(chat_id: int, text: str, *, reply_to: dict[str, Any] | None = None) -> dict[str, Any]:
    fields: dict[str, Any] = {"text": text}
    if text.startswith("/"):
        fields["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    if reply_to is not None:
        fields["reply_to_message"] = reply_to
    return {"update_id": next(_update_ids), "message": _message(chat_id, **fields)}


def photo_update(chat_id: int) -> dict[str, Any]:
    photo = [{"file_id": "p1", "file_unique_id": "u1", "width": 90, "height": 90}]
    return {"update_id": next(_update_ids), "message": _message(chat_id, photo=photo)}


def sticker_update(chat_id: int) -> dict[str, Any]:
    sticker = {"file_id": "s1", "file_unique_id": "u2", "width": 512, "height": 512,
               "is_animated": False, "is_video": False, "type": "regular"}
    return {"update_id": next(_update_ids), "message": _message(chat_id, sticker=sticker)}


def voice_update(chat_id: int) -> dict[str, Any]:
    voice = {"file_id": "v1", "file_unique_id": "u3", "duration": 3}
    return {"update_id": next(_update_ids), "message": _message(chat_id, voice=voice)}


def edited_update(chat_id: int, text: str) -> dict[str, Any]:
    message = _message(chat_id, text=text, edit_date=int(time.time()))
    return {"update_id": next(_update_ids), "edited_message": message}


def callback_update(user_id: int, data: str, message: dict[str, Any]) -> dict[str, Any]:
    """A press on an inline button of `message` (the params of the sendMessage that carried it)."""
    sent = {
        "message_id": int(message.get("message_id") or 1),
        "date": int(time.time()),
        "chat": {"id": int(message["chat_id"]), "type": "private"},
        "from": BOT_USER,
        "text": message["text"],
    }
    if message.get("reply_markup"):
        sent["reply_markup"] = message["reply_markup"]
    return {
        "update_id": next(_update_ids),
        "callback_query": {
            "id": str(next(_update_ids)),
            "from": {"id": user_id, "is_bot": False, "first_name": "Worker"},
            "chat_instance": "ci",
            "data": data,
            "message": sent,
        },
    }
