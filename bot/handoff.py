"""Takeover: a worker holds a client's conversation, then hands it back to the companion.

The state is a row in the gateway's database (`handoffs`), not a pause in Rasa: a dialogue
session that expires must never silently end a takeover.
"""

from __future__ import annotations

import asyncio

from bot.alerts import load_texts
from bot.casework import CaseStore, WorkerInfo
from bot.gateway import Gateway
from bot.pseudonym import pseudonym
from bot.settings import Settings
from bot.store import Outgoing, StoredMessage
from bot.telegram.sender import ChatSender


class Takeover:
    def __init__(
        self,
        *,
        gateway: Gateway,
        casework: CaseStore,
        settings: Settings,
        texts: dict[str, str] | None = None,
    ) -> None:
        self._gateway = gateway
        self._casework = casework
        self._settings = settings
        self._texts = texts or load_texts()
        self._sender: ChatSender | None = None

    def attach(self, sender: ChatSender) -> None:
        self._sender = sender

    def name_of(self, client_id: int) -> str:
        return pseudonym(client_id, self._settings.pseudonym_key)

    def _tell_worker(self, worker: WorkerInfo, text: str, buttons=None) -> None:  # type: ignore[no-untyped-def]
        if self._sender is not None and worker.telegram_id is not None:
            self._sender.post(worker.telegram_id, text, buttons=buttons)

    def _hand_back_button(self, client_id: int) -> list[list[tuple[str, str]]]:
        return [[(self._texts["button_hand_back"], f"back:{client_id}")]]

    # --- what the gateway asks -----------------------------------------------------------------
    async def holder(self, client_id: int) -> WorkerInfo | None:
        return await asyncio.to_thread(self._casework.holder, client_id)

    async def relay_to_worker(
        self, holder: WorkerInfo, client_id: int, message: StoredMessage, level: str
    ) -> None:
        template = "worker_relay" if level == "none" else "worker_relay_risk"
        text = self._texts[template].format(
            client=self.name_of(client_id), text=message.text, level=level
        )
        self._tell_worker(holder, text, self._hand_back_button(client_id))

    # --- what a worker does --------------------------------------------------------------------
    async def take(
        self, client_id: int, worker: WorkerInfo, *, from_supervisor_chat: bool = False
    ) -> bool:
        """The worker holds the conversation from now on. Only a worker who may act for the
        client (theirs, on call, or told about them), or one in the supervisor's chat, may."""
        client = self.name_of(client_id)
        allowed = from_supervisor_chat or await asyncio.to_thread(
            self._casework.may_act_for, worker.id, client_id
        )
        if not allowed:
            self._tell_worker(worker, self._texts["worker_not_yours"].format(client=client))
            return False
        holder = await asyncio.to_thread(self._casework.start_handoff, client_id, worker.id)
        if holder is None or holder.id != worker.id:
            name = holder.name if holder else "Someone"
            self._tell_worker(worker, self._texts["worker_already"].format(holder=name, client=client))
            return False
        await asyncio.to_thread(self._casework.acknowledge_client, client_id, worker.id)
        self._tell_worker(
            worker, self._texts["worker_took"].format(client=client), self._hand_back_button(client_id)
        )
        await self._to_client(
            client_id, Outgoing(self._texts["worker_joined"].format(name=worker.name), sender="system")
        )
        return True

    async def hand_back(self, client_id: int, worker: WorkerInfo) -> bool:
        if not await asyncio.to_thread(self._casework.end_handoff, client_id, worker.id):
            return False
        self._tell_worker(worker, self._texts["worker_handed_back"].format(client=self.name_of(client_id)))
        await self._to_client(
            client_id, Outgoing(self._texts["handed_back"].format(name=worker.name))
        )
        return True

    async def worker_says(self, worker: WorkerInfo, text: str, client_id: int | None = None) -> bool:
        """Pass a worker's words to the client they hold (the latest taken unless named)."""
        held = await asyncio.to_thread(self._casework.held_by, worker.id)
        if client_id is None or client_id not in held:
            client_id = held[0] if held else None
        if client_id is None:
            self._tell_worker(worker, self._texts["worker_idle"])
            return False
        await self._to_client(client_id, Outgoing(text, sender="worker"))
        return True

    async def _to_client(self, client_id: int, outgoing: Outgoing) -> None:
        channel, _ = await asyncio.to_thread(self._casework.chat_of, client_id)
        await self._gateway.send_to_client(client_id, channel, [outgoing])
