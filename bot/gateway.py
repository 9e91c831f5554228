"""The channel-neutral message flow: store, screen, route, store what goes out, deliver.

Every client message passes here, whatever channel it came from. The safety screen runs before the
dialogue engine sees the message, so an escalation is recorded and the client gets a safe reply
even when Rasa is slow, down or wrong.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import dataclasses
import datetime as dt
import logging
import re
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

import yaml

from actions.values import ValueDetector
from bot.consent import ConsentFlow
from bot.controls import ClientControls
from bot.hub import Frame, Hub
from bot.locks import ChatLocks, LocalLocks
from bot.rasa_client import BotReply, RasaClient, RasaUnavailable
from bot.safety.screen import (
    LEVELS,
    Assessment,
    SafetyScreen,
    program_crisis_resources,
    safety_reply,
    safety_wordings,
)
from bot.settings import Settings
from bot.store import PAGED_LEVELS, Outgoing, Store, StoredMessage
from bot.terms import ClientTerms

log = logging.getLogger(__name__)

# The cue recorded when a client answers yes to the safety question itself.
YES_TO_SAFETY_QUESTION = "yes_to_safety_question"

TEXTS_PATH = Path(__file__).with_name("texts.yml")
START_CHECKIN = "/start_checkin"
# Rasa's own intent for a fresh session: each check-in is one, so trackers stay short and fast.
START_SESSION = "/session_start"
# Control characters other than newline and tab never reach storage or the dialogue engine, nor
# do lone UTF-16 surrogates (valid in JSON escapes, not encodable in UTF-8).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\ud800-\udfff]")


def load_texts(path: Path = TEXTS_PATH) -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def gateway_text(texts: dict[str, Any], key: str, language: str | None, settings: Settings) -> str:
    """A gateway text in the client's language (English when there is no translation), with the
    program's crisis resources in that language for {resources}."""
    language = language or "en"
    translated = texts.get(language)
    text = translated[key] if isinstance(translated, dict) and key in translated else texts[key]
    return text.replace("{resources}", program_crisis_resources(settings, language))


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


# Delivers stored messages to a client on a channel that is not watched through the hub.
Delivery = Callable[[int, list[StoredMessage]], Awaitable[None]]


class Takeover(Protocol):
    """Whether a worker holds a client's conversation, and passing the client's words to them."""

    async def holder(self, client_id: int) -> Any | None: ...

    async def relay_to_worker(
        self, holder: Any, client_id: int, message: StoredMessage, level: str
    ) -> None: ...


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
        texts: dict[str, Any] | None = None,
        controls: ClientControls | None = None,
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
        self._consent = ConsentFlow(store=store, screen=screen, settings=settings)
        self._terms = ClientTerms(store=store)
        self._controls = controls or ClientControls(store=store, settings=settings, texts=self._texts)
        # One lock per client keeps each conversation's messages in order (across gateways when
        # the locks are shared through Redis).
        self._chat_locks: ChatLocks = locks or LocalLocks()
        self._arrivals = LocalLocks()
        self._deferred: collections.Counter[int] = collections.Counter()  # unstored, per client
        self._safety_wording: frozenset[str] | None = None
        self._deliveries: dict[str, Delivery] = {}
        self._takeover: Takeover | None = None
        self._outbox_listeners: list[Callable[[], None]] = []

    @property
    def store(self) -> Store:
        return self._store

    def add_delivery(self, channel: str, deliver: Delivery) -> None:
        """Every message stored for a client on `channel` is also handed to `deliver`."""
        self._deliveries[channel] = deliver

    def attach_takeover(self, takeover: Takeover) -> None:
        self._takeover = takeover

    def on_outbox(self, listener: Callable[[], None]) -> None:
        """Called whenever something is written to the alert outbox (the alert loop wakes)."""
        self._outbox_listeners.append(listener)

    def _outbox_written(self) -> None:
        for listener in self._outbox_listeners:
            listener()

    async def send_to_client(
        self, client_id: int, channel: str, outgoing: list[Outgoing]
    ) -> list[StoredMessage]:
        """Store and deliver messages to a client outside a reply (a worker's words, a note, a
        reminder), in order with the client's conversation."""
        async with self._lock(client_id):
            return await self._send(client_id, channel, outgoing)

    @property
    def controls(self) -> ClientControls:
        return self._controls

    @property
    def hub(self) -> Hub:
        return self._hub

    def _lock(self, client_id: int) -> contextlib.AbstractAsyncContextManager[None]:
        return self._chat_locks.hold(client_id)

    def crisis_resources(self, language: str | None = None) -> str:
        """The program's crisis resources in `language` (the defaults of replies.yml when unset)."""
        return program_crisis_resources(self._settings, language)

    @property
    def settings(self) -> Settings:
        return self._settings

    def text(self, key: str, language: str | None = None) -> str:
        """One of the gateway's own words to clients (bot/texts.yml), in their language."""
        return self._text(key, language)

    def is_risky(self, text: str) -> bool:
        """Whether the safety screen hears a cue in `text` alone (a flood never hides one)."""
        return self._screen.assess(clean_text(text), []).level != "none"

    async def open_checkin(self, client_id: int, channel: str) -> list[StoredMessage]:
        """When a client opens the chat: start a check-in if none is under way (the plain notice
        at first contact, a welcome back later); nothing while one is under way."""
        async with self._lock(client_id):
            if self._takeover is not None and await self._takeover.holder(client_id) is not None:
                return []  # a worker has the conversation: the companion does not start one
            before_consent = await asyncio.to_thread(self._consent.on_open, client_id)
            if before_consent is not None:
                return await self._send(client_id, channel, before_consent)
            if await self._controls.is_stopped(client_id):
                return []
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
                language = (await asyncio.to_thread(self._store.client_state, client_id)).language
                outgoing = [Outgoing(self._text("rasa_unavailable", language))]
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
        # Before consent nothing is stored on arrival: the turn decides, once the answers to the
        # notice ahead of this message have been taken.
        # While an earlier message waits unstored, later ones wait too, so the stored order stays
        # the order of arrival even when consent is given in between.
        async with self._arrivals.lock(client_id):
            consented = not self._deferred[client_id] and await asyncio.to_thread(
                self._store.consent_given, client_id
            )
            if consented:
                inbound, is_new = await self._store_arrival(client_id, channel, text, client_msg_id)
            else:
                self._deferred[client_id] += 1
        arrived = time.monotonic()
        async with self._lock(client_id):
            if not consented:
                try:
                    if not await asyncio.to_thread(self._store.consent_given, client_id):
                        return await self._without_consent(client_id, channel, text, client_msg_id)
                    async with self._arrivals.lock(client_id):
                        inbound, is_new = await self._store_arrival(
                            client_id, channel, text, client_msg_id
                        )
                finally:
                    self._deferred[client_id] -= 1
                    if not self._deferred[client_id]:
                        del self._deferred[client_id]
            if (waited := time.monotonic() - arrived) > 30:
                log.warning("a message from client %s waited %.0fs for its turn", client_id, waited)
            # A resend is answered only if its first delivery never was (a gateway died mid-way).
            if not is_new and await asyncio.to_thread(self._store.is_answered, inbound.id):
                return []
            new_checkin = await asyncio.to_thread(
                self._store.touch_checkin, client_id, channel, self._checkin_gap
            )
            holder = await self._takeover.holder(client_id) if self._takeover else None
            if holder is not None:
                outgoing = await self._respond_during_takeover(client_id, inbound, holder)
            else:
                outgoing = await self._respond(client_id, inbound, new_checkin)
            return await self._send(client_id, channel, outgoing, answering=inbound.id)

    async def _store_arrival(
        self, client_id: int, channel: str, text: str, client_msg_id: str | None
    ) -> tuple[StoredMessage, bool]:
        """Store a consented client's message and show it; the caller holds the arrival lock."""
        inbound, is_new = await asyncio.to_thread(
            self._store.store_inbound, client_id, text, channel, client_msg_id
        )
        self._hub.publish(
            client_id, {"type": "ack", "client_msg_id": client_msg_id, "id": inbound.id}
        )
        if is_new:
            self._hub.publish(client_id, message_frame(inbound))
        return inbound, is_new

    async def _without_consent(
        self, client_id: int, channel: str, text: str, client_msg_id: str | None
    ) -> list[StoredMessage]:
        """Before the client agrees, bot/consent.py answers; nothing reaches Rasa."""
        turn = await asyncio.to_thread(
            self._consent.handle, client_id, channel, text, client_msg_id
        )
        self._outbox_written()  # a risk cue before consent is alerted like any other
        self._hub.publish(
            client_id, {"type": "ack", "client_msg_id": client_msg_id, "id": turn.inbound.id}
        )
        if not turn.is_new:
            return []
        self._hub.publish(client_id, message_frame(turn.inbound))
        return await self._send(client_id, channel, turn.outgoing, answering=turn.inbound.id)

    def _text(self, key: str, language: str | None) -> str:
        return gateway_text(self._texts, key, language, self._settings)

    async def _respond_during_takeover(
        self, client_id: int, inbound: StoredMessage, holder: Any
    ) -> list[Outgoing]:
        """A worker holds the conversation: the companion is quiet, the screen still runs."""
        assert self._takeover is not None
        assessment = await self._assess(client_id, inbound)
        await self._takeover.relay_to_worker(holder, client_id, inbound, assessment.level)
        if assessment.level == "none":
            return []
        return await self._escalate(client_id, inbound, assessment)

    async def _escalate(
        self, client_id: int, inbound: StoredMessage, assessment: Assessment
    ) -> list[Outgoing]:
        """The screen heard a cue: record the escalation and its alert, wake the alert loop, and
        answer with the program's safety wording."""
        await asyncio.to_thread(
            self._store.record_escalation,
            client_id=client_id,
            message=inbound,
            level=assessment.level,
            cues=list(assessment.cues),
            source="screen",
        )
        self._outbox_written()
        return self._safety_messages(assessment.level, assessment.language, assessment.cues)

    async def _respond(
        self, client_id: int, inbound: StoredMessage, new_checkin: bool
    ) -> list[Outgoing]:
        assessment = await self._assess(client_id, inbound)
        language = await asyncio.to_thread(self._terms.language_for, client_id, inbound.text)
        # The client's language, chosen or from what they write, outranks the screen's guess.
        assessment = dataclasses.replace(assessment, language=language)
        open_level = await asyncio.to_thread(self._store.open_risk_level, client_id)
        if assessment.level == "none" and open_level not in PAGED_LEVELS:
            if await self._answers_safety_question(client_id):
                if self._screen.affirms(inbound.text):
                    # "Yes" to "are you having thoughts of suicide?" is urgent whatever raised
                    # the question, the screen or the dialogue model's second line.
                    assessment = dataclasses.replace(
                        assessment,
                        level="urgent",
                        cues=(YES_TO_SAFETY_QUESTION,),
                        evidence=(inbound.text,),
                    )
                else:
                    # "No", "I'm fine": the worker sees the answer, without being paged.
                    await asyncio.to_thread(
                        self._store.record_risk_followup, client_id=client_id, message=inbound
                    )
                    self._outbox_written()
        if assessment.level != "none":
            return await self._escalate(client_id, inbound, assessment)

        if open_level in PAGED_LEVELS:
            await asyncio.to_thread(
                self._store.record_risk_followup, client_id=client_id, message=inbound
            )
            self._outbox_written()

        if len(inbound.text) > self._settings.max_message_chars:
            return [Outgoing(self._text("message_too_long", language))]

        withdrawn = await asyncio.to_thread(
            self._consent.withdrawal, client_id, inbound.text, language
        )
        if withdrawn:
            return withdrawn
        terms = await asyncio.to_thread(self._terms.respond, client_id, inbound.text, language)
        if terms is not None:
            if not (terms.open_checkin or new_checkin):
                return terms.outgoing
            opening = await self._start_checkin(client_id)
            fallback = [Outgoing(self._text("rasa_unavailable", language))]
            return terms.outgoing + (fallback if opening is None else opening)

        controlled = await self._controls.handle(client_id, inbound)
        if controlled is not None:
            return controlled

        await self._remember_values(client_id, inbound.text)
        outgoing: list[Outgoing] = []
        if new_checkin or await asyncio.to_thread(self._store.needs_notice, client_id):
            opening = await self._start_checkin(client_id)
            if opening is None:
                return [Outgoing(self._text("rasa_unavailable", language))]
            outgoing += opening
        replies = await self._ask_rasa(client_id, inbound.text)
        if replies is None:
            return outgoing + [Outgoing(self._text("rasa_unavailable", language))]
        outgoing += await self._follow_signals(client_id, inbound, replies, assessment)
        return outgoing + await self._controls.offer_mood(client_id, outgoing)

    async def _answers_safety_question(self, client_id: int) -> bool:
        """Whether the companion's last message was its safety wording, so this message answers
        the direct question in it. Turns are taken one at a time per client, so the last message
        sent is the answer to the client's previous turn, even when they typed ahead."""
        last = await asyncio.to_thread(self._store.last_companion_text, client_id)
        return last is not None and last in self._safety_lines()

    def _safety_lines(self) -> frozenset[str]:
        if self._safety_wording is None:
            self._safety_wording = frozenset(
                message.text
                for level in LEVELS[1:]
                for name in safety_wordings(level)
                for language in ("en", "es")
                for message in self._safety_messages(level, language, wording_name=name)
            )
        return self._safety_wording

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
            elif signal.get("signal") == "stop":
                # A way of saying stop that only the dialogue model recognised: kept all the same.
                await self._controls.record_stop(client_id)

    async def _ask_rasa(self, client_id: int, text: str) -> list[BotReply] | None:
        profile = await asyncio.to_thread(self._store.profile, client_id)
        profile["program"] = self._settings.program_name
        profile["crisis_resources"] = self.crisis_resources(profile.get("language"))
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
                self._outbox_written()
                outgoing += self._safety_messages(level, assessment.language)
            elif signal.get("signal") == "person_request":
                await asyncio.to_thread(
                    self._store.record_person_request, client_id=client_id, message=inbound
                )
                self._outbox_written()
            if reply.text:
                outgoing.append(Outgoing(reply.text, reply.buttons))
        return outgoing

    def _safety_messages(
        self,
        level: str,
        language: str,
        cues: Sequence[str] = (),
        wording_name: str | None = None,
    ) -> list[Outgoing]:
        texts = safety_reply(
            level,
            language,
            resources=self._settings.crisis_resources_for(language),
            emergency_number=self._settings.emergency_number,
            cues=cues,
            wording_name=wording_name,
        )
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
        deliver = self._deliveries.get(channel)
        if deliver is not None:
            await deliver(client_id, stored)
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
