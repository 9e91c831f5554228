"""The channel-neutral message flow: store, screen, route, store what goes out, deliver.

Every client message passes here, whatever channel it came from. The safety screen runs before the
dialogue engine sees the message, so an escalation is recorded and the client gets a safe reply
even when Rasa is slow, down or wrong.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import re
import time
from pathlib import Path
from typing import Any

import yaml

from actions.values import ValueDetector
from bot.hub import Frame, Hub
from bot.locks import ChatLocks, LocalLocks
from bot.rasa_client import BotReply, RasaClient, RasaUnavailable
from bot.safety.screen import Assessment, SafetyScreen, safety_reply
from bot.settings import Settings
from bot.store import PAGED_LEVELS, Outgoing, Store, StoredMessage

log = logging.getLogger(__name__)

TEXTS_PATH = Path(__file__).with_name("texts.yml")
START_CHECKIN = "/start_checkin"
# Rasa's own intent for a fresh session: each check-in is one, so trackers stay short and fast.
START_SESSION = "/session_start"
# Control characters other than newline and tab never reach storage or the dialogue engine, nor
# do lone UTF-16 surrogates (valid in JSON escapes, not encodable in UTF-8).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\ud800-\udfff]")


def load_texts(path: Path = TEXTS_PATH) -> dict[str, str]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def clean_text(text: str) -> str:
    return _CONTROL.sub("", text).strip()


def message_frame(message: StoredMessage) -> Frame:
    return {
        "type": "message",
        "id": message.id,
        "sender": message.sender,
        "text": message.text,
        "buttons": message.buttons,
        "client_msg_id": message.client_msg_id,
        "created_at": message.created_at.isoformat(),
    }


class Gateway:
    def __init__(
        self,
        *,
        settings: Settings,
        store: Store,
        rasa: RasaClient,
        screen: SafetyScreen,
        values: ValueDetector,
        hub: Hub,
        texts: dict[str, str] | None = None,
        locks: ChatLocks | None = None,
    ) -> None:
        self._settings = settings
        self._store = store
        self._rasa = rasa
        self._screen = screen
        self._values = values
        self._hub = hub
        self._checkin_gap = dt.timedelta(minutes=settings.checkin_gap_minutes)
        self._texts = texts or load_texts()
        # One lock per client keeps each conversation's messages in order (across gateways when
        # the locks are shared through Redis).
        self._chat_locks: ChatLocks = locks or LocalLocks()
        self._arrivals = LocalLocks()

    @property
    def store(self) -> Store:
        return self._store

    def _lock(self, client_id: int) -> contextlib.AbstractAsyncContextManager[None]:
        return self._chat_locks.hold(client_id)

    def text(self, key: str) -> str:
        """One of the gateway's own words to clients (bot/texts.yml)."""
        return self._texts[key]

    def is_risky(self, text: str) -> bool:
        """Whether the safety screen hears a cue in `text` alone (a flood never hides one)."""
        return self._screen.assess(clean_text(text), []).level != "none"

    async def open_checkin(self, client_id: int, channel: str) -> list[StoredMessage]:
        """When a client opens the chat: start a check-in if none is under way (the plain notice
        at first contact, a welcome back later); nothing while one is under way."""
        async with self._lock(client_id):
            stale = await asyncio.to_thread(
                self._store.checkin_is_stale, client_id, self._checkin_gap
            )
            if not stale and not await asyncio.to_thread(self._store.needs_notice, client_id):
                return []
            await asyncio.to_thread(
                self._store.touch_checkin, client_id, channel, self._checkin_gap
            )
            outgoing = await self._start_checkin(client_id)
            if outgoing is None:
                outgoing = [Outgoing(self._texts["rasa_unavailable"])]
            return await self._send(client_id, channel, outgoing)

    async def handle_client_message(
        self, *, client_id: int, channel: str, text: str, client_msg_id: str | None = None
    ) -> list[StoredMessage]:
        """Process one message from a client and return what was sent back."""
        text = clean_text(text)
        if not text:
            return []
        # Stored on arrival, before waiting for the conversation's turn, so a message queued
        # behind a slow answer is kept even if this gateway dies. The arrival lock makes the
        # stored order the order of arrival; the turn is queued for with no await in between
        # (asyncio locks enqueue a waiter synchronously), so turns follow the stored order.
        async with self._arrivals.lock(client_id):
            inbound, is_new = await asyncio.to_thread(
                self._store.store_inbound, client_id, text, channel, client_msg_id
            )
            self._hub.publish(
                client_id, {"type": "ack", "client_msg_id": client_msg_id, "id": inbound.id}
            )
            if is_new:
                self._hub.publish(client_id, message_frame(inbound))
        arrived = time.monotonic()
        async with self._lock(client_id):
            if (waited := time.monotonic() - arrived) > 30:
                log.warning("a message from client %s waited %.0fs for its turn", client_id, waited)
            # A resend is answered only if its first delivery never was (a gateway died mid-way).
            if not is_new and await asyncio.to_thread(self._store.is_answered, inbound.id):
                return []
            new_checkin = await asyncio.to_thread(
                self._store.touch_checkin, client_id, channel, self._checkin_gap
            )
            outgoing = await self._respond(client_id, inbound, new_checkin)
            return await self._send(client_id, channel, outgoing, answering=inbound.id)

    async def _respond(
        self, client_id: int, inbound: StoredMessage, new_checkin: bool
    ) -> list[Outgoing]:
        assessment = await self._assess(client_id, inbound)
        if assessment.level != "none":
            await asyncio.to_thread(
                self._store.record_escalation,
                client_id=client_id,
                message=inbound,
                level=assessment.level,
                cues=list(assessment.cues),
                source="screen",
            )
            return self._safety_messages(assessment.level, assessment.language)

        if await asyncio.to_thread(self._store.open_risk_level, client_id) in PAGED_LEVELS:
            await asyncio.to_thread(
                self._store.record_risk_followup, client_id=client_id, message=inbound
            )

        if len(inbound.text) > self._settings.max_message_chars:
            return [Outgoing(self._texts["message_too_long"])]

        await self._remember_values(client_id, inbound.text)
        outgoing: list[Outgoing] = []
        if new_checkin or await asyncio.to_thread(self._store.needs_notice, client_id):
            opening = await self._start_checkin(client_id)
            if opening is None:
                return [Outgoing(self._texts["rasa_unavailable"])]
            outgoing += opening
        replies = await self._ask_rasa(client_id, inbound.text)
        if replies is None:
            return outgoing + [Outgoing(self._texts["rasa_unavailable"])]
        return outgoing + await self._follow_signals(client_id, inbound, replies, assessment)

    async def _assess(self, client_id: int, inbound: StoredMessage) -> Assessment:
        history = await asyncio.to_thread(
            self._store.recent_client_texts, client_id, inbound.id
        )
        return self._screen.assess(inbound.text, history)

    async def _remember_values(self, client_id: int, text: str) -> None:
        mentions = [(m.value, m.words) for m in self._values.detect(text)]
        await asyncio.to_thread(self._store.remember_values, client_id, mentions)

    async def _start_checkin(self, client_id: int) -> list[Outgoing] | None:
        """A fresh dialogue session, then the opening: the notice at first contact, a welcome
        back (sometimes recalling a value) later. None when Rasa cannot answer."""
        if await self._ask_rasa(client_id, START_SESSION) is None:
            return None
        replies = await self._ask_rasa(client_id, START_CHECKIN)
        if replies is None:
            return None
        await asyncio.to_thread(self._store.mark_notice_shown, client_id)
        await self._follow_bookkeeping_signals(client_id, replies)
        return [Outgoing(r.text, r.buttons) for r in replies if r.text]

    async def _follow_bookkeeping_signals(self, client_id: int, replies: list[BotReply]) -> None:
        for reply in replies:
            signal = reply.signal or {}
            if signal.get("signal") == "value_recalled" and isinstance(signal.get("value"), str):
                await asyncio.to_thread(self._store.mark_value_recalled, client_id, signal["value"])

    async def _ask_rasa(self, client_id: int, text: str) -> list[BotReply] | None:
        profile = await asyncio.to_thread(self._store.profile, client_id)
        profile["program"] = self._settings.program_name
        self._hub.publish(client_id, {"type": "typing", "on": True})
        try:
            return await self._rasa.send(f"client-{client_id}", text, {"client": profile})
        except RasaUnavailable as exc:
            log.warning("rasa unavailable for client %s: %s", client_id, exc)
            return None
        finally:
            self._hub.publish(client_id, {"type": "typing", "on": False})

    async def _follow_signals(
        self,
        client_id: int,
        inbound: StoredMessage,
        replies: list[BotReply],
        assessment: Assessment,
    ) -> list[Outgoing]:
        """Turn Rasa's replies into messages, acting on the signals some of them carry."""
        await self._follow_bookkeeping_signals(client_id, replies)
        outgoing: list[Outgoing] = []
        for reply in replies:
            signal = reply.signal or {}
            if signal.get("signal") == "distress":
                # The dialogue model heard distress the screen missed: at least a concern.
                level = signal.get("level") if signal.get("level") in PAGED_LEVELS else "concern"
                await asyncio.to_thread(
                    self._store.record_escalation,
                    client_id=client_id,
                    message=inbound,
                    level=level,
                    cues=["dialogue_distress"],
                    source="dialogue",
                )
                outgoing += self._safety_messages(level, assessment.language)
            elif signal.get("signal") == "person_request":
                await asyncio.to_thread(
                    self._store.record_person_request, client_id=client_id, message=inbound
                )
            if reply.text:
                outgoing.append(Outgoing(reply.text, reply.buttons))
        return outgoing

    def _safety_messages(self, level: str, language: str) -> list[Outgoing]:
        texts = safety_reply(level, language, resources=self._settings.crisis_resources)
        return [Outgoing(text) for text in texts]

    async def _send(
        self, client_id: int, channel: str, outgoing: list[Outgoing], answering: int | None = None
    ) -> list[StoredMessage]:
        if not outgoing:
            if answering is not None:
                await asyncio.to_thread(self._store.mark_answered, answering)
            return []
        stored = await asyncio.to_thread(
            self._store.store_outbound, client_id, channel, outgoing, answering=answering
        )
        for message in stored:
            self._hub.publish(client_id, message_frame(message))
        return stored

    async def health(self) -> dict[str, Any]:
        from bot.db import ping  # noqa: PLC0415  (kept local: health is the only caller)

        report: dict[str, Any] = {
            "rasa": await self._rasa.rasa_status(),
            "action_server": await self._rasa.action_server_status(),
        }
        try:
            await asyncio.to_thread(ping, self._store.engine)
            report["database"] = "ok"
        except Exception as exc:  # noqa: BLE001  (any failure means the database is unusable)
            report["database"] = f"down ({type(exc).__name__})"
        return report
