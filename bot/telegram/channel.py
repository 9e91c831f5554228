"""Telegram inside the gateway: clients check in through the same flow as the widget; workers
get alerts, acknowledge, take over and hand back through the same bot.

Webhook mode follows python-telegram-bot's custom-webhook example: the application runs without
an updater and a Starlette route checks the secret-token header and puts each update on the
application's queue. Polling mode lets the updater fetch updates, for small installs.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging
import re
import weakref
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from telegram import CallbackQuery, Message, Update
from telegram.ext import Application, ContextTypes, TypeHandler

from bot.alerts import AlertLoop, format_time, load_texts
from bot.casework import CaseStore, WorkerInfo
from bot.db import row_id
from bot.gateway import Gateway
from bot.handoff import Takeover
from bot.models import utcnow
from bot.pseudonym import PREFIX, client_id_for
from bot.settings import Settings
from bot.store import Outgoing, StoredMessage
from bot.telegram.sender import Buttons, ChatSender, keyboard

log = logging.getLogger(__name__)

CHANNEL = "telegram"
WEBHOOK_PATH = "/telegram/webhook"
SECRET_HEADER = "x-telegram-bot-api-secret-token"
ALLOWED_UPDATES = ["message", "edited_message", "callback_query"]


def _command_of(text: str) -> str:
    """The bot command a message starts with ("/start", also as "/start@SomeBot"), or ""."""
    words = text.split()
    return words[0].split("@", 1)[0].lower() if words and words[0].startswith("/") else ""


CALLBACK_DATA_BYTES = 64
# How often a gateway looks for updates kept by a gateway that died before handling them.
RECOVER_SECONDS = 15.0
PRESSED_KEPT = 4096
_PSEUDONYM = re.compile(re.escape(PREFIX) + r"[a-z2-7]{10}")


def webhook_secret(settings: Settings) -> str:
    """The configured secret, or one derived from the token so every replica agrees on it."""
    if settings.telegram_webhook_secret:
        return settings.telegram_webhook_secret
    assert settings.telegram_token
    key = settings.telegram_token.encode()
    return hmac.new(key, b"companion-webhook-secret", hashlib.sha256).hexdigest()


class TelegramChannel:
    def __init__(
        self,
        *,
        settings: Settings,
        gateway: Gateway,
        casework: CaseStore,
        takeover: Takeover,
        alerts: AlertLoop,
        sender_options: dict[str, Any] | None = None,
        texts: dict[str, str] | None = None,
    ) -> None:
        if not settings.telegram_token:
            raise ValueError("TELEGRAM_BOT_TOKEN is not set")
        self._settings = settings
        self._gateway = gateway
        self._casework = casework
        self._takeover = takeover
        self._texts = texts or load_texts()
        self._secret = webhook_secret(settings)
        base = settings.telegram_api_base_url
        builder = (
            Application.builder()
            .token(settings.telegram_token)
            .base_url(f"{base}/bot")
            .base_file_url(f"{base}/file/bot")
            # One slow conversation must not hold up the others; each chat keeps its order below.
            .concurrent_updates(True)
        )
        if settings.telegram_mode == "webhook":
            builder = builder.updater(None)
        self.application = builder.build()
        self.application.add_handler(TypeHandler(Update, self._on_update))
        self.application.add_error_handler(self._on_error)
        self.sender = ChatSender(self.application.bot, **(sender_options or {}))
        self._chat_locks: weakref.WeakValueDictionary[int, asyncio.Lock] = (
            weakref.WeakValueDictionary()
        )
        # Client messages whose buttons were pressed, (chat id, message id), oldest first.
        self._pressed: dict[tuple[int, int], None] = {}
        self._recovery: asyncio.Task[None] | None = None
        # Per client chat, the sending of the last message with buttons: typing instead of
        # pressing answers it, so its buttons go.
        self._with_buttons: dict[int, asyncio.Task[int]] = {}
        gateway.add_delivery(CHANNEL, self.deliver)
        takeover.attach(self.sender)
        alerts.attach(self.sender)

    # --- lifecycle -----------------------------------------------------------------------------
    @property
    def webhook_url(self) -> str:
        return f"{self._settings.public_url}{WEBHOOK_PATH}"

    def routes(self) -> list[Route]:
        return [Route(WEBHOOK_PATH, self.webhook, methods=["POST"])]

    async def start(self) -> None:
        app = self.application
        await app.initialize()
        if self._settings.telegram_mode == "webhook":
            await self.sender.call(
                lambda: app.bot.set_webhook(
                    url=self.webhook_url, secret_token=self._secret, allowed_updates=ALLOWED_UPDATES
                ),
                "setWebhook",
            )
        await app.start()
        if app.updater is not None:
            await app.updater.start_polling(poll_interval=0.0, allowed_updates=ALLOWED_UPDATES)
        self._recovery = asyncio.create_task(self._recovering())
        log.info("telegram %s mode started", self._settings.telegram_mode)

    async def stop(self) -> None:
        if self._recovery is not None:
            self._recovery.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._recovery
            self._recovery = None
        app = self.application
        if app.updater is not None and app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()
        await self.sender.drain()
        await app.shutdown()

    async def webhook(self, request: Request) -> Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self._secret.encode()):
            return Response(status_code=403)
        try:
            data = await request.json()
            update = Update.de_json(data, self.application.bot)
        except Exception:  # noqa: BLE001  (whatever is not an update is refused, not raised)
            return Response(status_code=400)
        try:
            # Kept before Telegram hears it arrived: if this gateway dies now, another handles it.
            await asyncio.to_thread(self._casework.keep_update, update.update_id, data)
        except Exception:  # noqa: BLE001  (not kept: Telegram delivers it again)
            log.exception("telegram update %s could not be kept; Telegram will resend it",
                          update.update_id)
            return Response(status_code=503)
        await self.application.update_queue.put(update)
        return Response(status_code=200)

    async def recover(self) -> int:
        """Handle the updates kept but never handled (a gateway died with them); how many."""
        payloads = await asyncio.to_thread(self._casework.unhandled_updates)
        for payload in payloads:
            try:
                update = Update.de_json(payload, self.application.bot)
            except Exception:  # noqa: BLE001
                log.exception("a kept telegram update could not be read; dropped")
                continue
            log.warning("telegram update %s was never handled; handling it now", update.update_id)
            await self.application.update_queue.put(update)
        return len(payloads)

    async def _recovering(self) -> None:
        while True:
            try:
                await self.recover()
            except Exception:  # noqa: BLE001  (the database may be away; look again later)
                log.exception("could not look for unhandled telegram updates")
            await asyncio.sleep(RECOVER_SECONDS)

    # --- delivery to clients ------------------------------------------------------------------
    async def deliver(self, client_id: int, messages: list[StoredMessage]) -> None:
        """The gateway's send path: every message stored for a Telegram client goes out here."""
        _, external_id = await asyncio.to_thread(self._casework.chat_of, client_id)
        chat_id = int(external_id)
        for message in messages:
            text = message.text
            if message.sender == "worker":
                holder = await self._takeover.holder(client_id)
                name = holder.name if holder else "Your case worker"
                text = self._texts["worker_prefix"].format(name=name, text=text)
            buttons = self._client_buttons(message.buttons)
            sent = self.sender.post(chat_id, text, buttons=buttons)
            if buttons:
                self._with_buttons[chat_id] = sent

    @staticmethod
    def _client_buttons(buttons: list[dict[str, str]] | None) -> Buttons | None:
        rows = []
        for button in buttons or []:
            data = f"say:{button.get('payload') or button.get('title', '')}"
            if button.get("title") and len(data.encode()) <= CALLBACK_DATA_BYTES:
                rows.append([(button["title"], data)])
        return rows or None

    # --- updates -------------------------------------------------------------------------------
    def _chat_lock(self, chat_id: int) -> asyncio.Lock:
        lock = self._chat_locks.get(chat_id)
        if lock is None:
            lock = asyncio.Lock()
            self._chat_locks[chat_id] = lock
        return lock

    async def _on_update(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat = update.effective_chat
        # Taken before any await: updates of one chat run in the order they arrived.
        async with self._chat_lock(chat.id if chat else 0):
            taken = await asyncio.to_thread(
                self._casework.take_update, update.update_id, update.to_dict()
            )
            if not taken:
                log.info("telegram update %s handled or being handled; skipped", update.update_id)
                return
            try:
                await self._handle(update)
            except Exception:
                log.exception("telegram update %s failed", update.update_id)
            # Done with, even when it failed: a broken update must not come round for ever. A
            # gateway that dies before this leaves it to be handled again after its lease.
            await asyncio.to_thread(self._casework.finish_update, update.update_id)

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.error("telegram error: %s", context.error, exc_info=context.error)

    async def _handle(self, update: Update) -> None:
        if update.callback_query is not None:
            await self._on_callback(update, update.callback_query)
            return
        message = update.message or update.edited_message
        if message is None or message.chat.type != "private" or message.from_user is None:
            return
        worker = await asyncio.to_thread(self._casework.worker_by_telegram, message.from_user.id)
        if worker is not None:
            if update.message is not None:
                await self._on_worker_message(worker, message)
            return
        client_id = await asyncio.to_thread(
            self._gateway.store.client_for, CHANNEL, str(message.chat.id)
        )
        assert client_id is not None
        if update.message is not None and message.text:
            await self._clear_buttons_typed_over(message.chat.id)
        if update.edited_message is not None:
            await self._note(client_id, self._texts["edited"])
        elif not message.text:
            await self._note(client_id, self._texts["non_text"])
        elif _command_of(message.text) == "/start":
            await self._gateway.open_checkin(client_id, CHANNEL)
        else:
            await self._gateway.handle_client_message(
                client_id=client_id,
                channel=CHANNEL,
                text=message.text,
                client_msg_id=f"tg-{update.update_id}",
            )

    async def _note(self, client_id: int, text: str) -> None:
        await self._gateway.send_to_client(client_id, CHANNEL, [Outgoing(text)])

    async def _client_named(self, text: str | None) -> int | None:
        found = _PSEUDONYM.search(text or "")
        if found is None:
            return None
        ids = await asyncio.to_thread(self._casework.client_ids)
        return client_id_for(found.group(), ids, self._settings.pseudonym_key)

    async def _on_worker_message(self, worker: WorkerInfo, message: Message) -> None:
        text = message.text or ""
        command = text.split()[0].lower() if text.split() else ""
        if command in ("/handback", "/hand_back"):
            client_id = await self._client_named(text)
            if client_id is None:
                held = await asyncio.to_thread(self._casework.held_by, worker.id)
                client_id = held[0] if held else None
            if client_id is None or not await self._takeover.hand_back(client_id, worker):
                self.sender.post(message.chat.id, self._texts["worker_idle"])
            return
        if command == "/start":
            self.sender.post(message.chat.id, self._texts["worker_idle"])
            return
        if not text:
            self.sender.post(message.chat.id, self._texts["worker_text_only"])
            return
        replied = message.reply_to_message
        target = await self._client_named(replied.text if replied else None)
        await self._takeover.worker_says(worker, text, target)

    async def _on_callback(self, update: Update, query: CallbackQuery) -> None:
        action, _, argument = (query.data or "").partition(":")
        if action == "say":
            await self._client_button(update, query, argument)
            return
        worker = await asyncio.to_thread(self._casework.worker_by_telegram, query.from_user.id)
        chat_id = query.message.chat.id if query.message else None
        in_supervisor_chat = (
            chat_id is not None and chat_id == self._settings.supervisor_chat_id
        )
        if worker is None and not (action == "ack" and in_supervisor_chat):
            await self._answer(query, self._texts["answer_not_worker"])
            return
        target = row_id(argument)
        if target is None:  # forged or stale data
            await self._answer(query, None)
            return
        if action == "ack":
            if worker is not None and not in_supervisor_chat:
                client_id = await asyncio.to_thread(
                    self._casework.client_of_escalation, target
                )
                if client_id is None or not await asyncio.to_thread(
                    self._casework.may_act_for, worker.id, client_id
                ):
                    await self._answer(query, self._texts["answer_not_yours"])
                    return
            done = await asyncio.to_thread(
                self._casework.acknowledge, target, worker.id if worker else None
            )
            await self._answer(
                query, self._texts["answer_acknowledged" if done else "answer_already"]
            )
            if done:
                await self._mark_acknowledged(query, worker)
        elif action == "take" and worker is not None:
            await self._answer(query, None)
            await self._takeover.take(
                target, worker, from_supervisor_chat=in_supervisor_chat
            )
        elif action == "back" and worker is not None:
            await self._answer(query, None)
            await self._takeover.hand_back(target, worker)
        else:
            await self._answer(query, None)

    async def _client_button(self, update: Update, query: CallbackQuery, payload: str) -> None:
        """A client pressed one of the companion's buttons (the consent notice's "I agree", the
        name question's "Skip", …): its payload goes to the gateway as if typed, as the widget
        sends it. The buttons then leave the message, so one question is answered once."""
        await self._answer(query, None)
        if query.message is None or not payload:
            return
        if await asyncio.to_thread(self._casework.worker_by_telegram, query.from_user.id):
            return  # a worker's chat is never a client's conversation
        pressed = (query.message.chat.id, query.message.message_id)
        if pressed in self._pressed:
            return  # a second tap before the buttons were gone
        self._pressed[pressed] = None
        while len(self._pressed) > PRESSED_KEPT:
            self._pressed.pop(next(iter(self._pressed)))
        await self._clear_buttons(query)
        client_id = await asyncio.to_thread(
            self._gateway.store.client_for, CHANNEL, str(query.message.chat.id)
        )
        assert client_id is not None
        await self._gateway.handle_client_message(
            client_id=client_id, channel=CHANNEL, text=payload, client_msg_id=f"tg-{update.update_id}"
        )

    async def _clear_buttons_typed_over(self, chat_id: int) -> None:
        """The client typed instead of pressing: the last buttons they were shown go."""
        sent = self._with_buttons.pop(chat_id, None)
        if sent is None:
            return
        try:
            message_id = await sent
            await self.sender.call(
                lambda: self.application.bot.edit_message_reply_markup(
                    chat_id=chat_id, message_id=message_id, reply_markup=None
                ),
                "editMessageReplyMarkup",
            )
        except Exception as exc:  # noqa: BLE001  (stale buttons only look odd; they do no harm)
            log.info("buttons typed over not removed: %s", exc)

    async def _clear_buttons(self, query: CallbackQuery) -> None:
        try:
            await self.sender.call(
                lambda: query.edit_message_reply_markup(reply_markup=None),
                "editMessageReplyMarkup",
            )
        except Exception as exc:  # noqa: BLE001  (the answer counts even if the buttons stay)
            log.warning("buttons not removed: %s", exc)

    async def _answer(self, query: CallbackQuery, text: str | None) -> None:
        try:
            await self.sender.call(lambda: query.answer(text), "answerCallbackQuery")
        except Exception as exc:  # noqa: BLE001  (an unanswered button only spins a while)
            log.warning("callback not answered: %s", exc)

    async def _mark_acknowledged(self, query: CallbackQuery, worker: WorkerInfo | None) -> None:
        original = getattr(query.message, "text", None)
        if not original:
            return
        line = self._texts["acknowledged"].format(
            name=worker.name if worker else "the supervisor", time=format_time(None, utcnow())
        )
        take_over = [
            [(label, data) for label, data in row if not data.startswith("ack:")]
            for row in self._buttons_of(query)
        ]
        try:
            await self.sender.call(
                lambda: query.edit_message_text(
                    f"{original}\n{line}", reply_markup=keyboard([r for r in take_over if r])
                ),
                "editMessageText",
            )
        except Exception as exc:  # noqa: BLE001  (the acknowledgement itself is already stored)
            log.warning("alert message not updated: %s", exc)

    @staticmethod
    def _buttons_of(query: CallbackQuery) -> Buttons:
        markup = getattr(query.message, "reply_markup", None)
        if markup is None:
            return []
        return [
            [(button.text, button.callback_data) for button in row if isinstance(button.callback_data, str)]
            for row in markup.inline_keyboard
        ]
