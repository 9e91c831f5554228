"""Client for Rasa's REST channel and the two servers' health endpoints."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import httpx


class RasaUnavailable(Exception):
    """Rasa did not answer in time, or answered with an error."""


@dataclass(frozen=True)
class BotReply:
    text: str | None = None
    buttons: list[dict[str, str]] | None = None
    custom: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_rest(cls, item: dict[str, Any]) -> BotReply:
        buttons = item.get("buttons")
        return cls(
            text=item.get("text"),
            buttons=[{"title": str(b.get("title", "")), "payload": str(b.get("payload", ""))}
                     for b in buttons] if buttons else None,
            custom=item.get("custom") or {},
        )

    @property
    def signal(self) -> dict[str, Any] | None:
        """The companion's own instruction to the gateway, if this reply carries one."""
        payload = self.custom.get("companion")
        return payload if isinstance(payload, dict) else None


class RasaClient:
    def __init__(
        self,
        *,
        rasa_url: str,
        action_server_url: str,
        timeout_seconds: float,
        http: httpx.AsyncClient | None = None,
    ) -> None:
        self._rasa_url = rasa_url
        self._action_server_url = action_server_url
        self._timeout = timeout_seconds
        self._http = http or httpx.AsyncClient()

    async def send(self, sender_id: str, text: str, metadata: dict[str, Any]) -> list[BotReply]:
        try:
            # The deadline covers the whole exchange, not just each read of the socket.
            response = await asyncio.wait_for(
                self._http.post(
                    f"{self._rasa_url}/webhooks/rest/webhook",
                    json={"sender": sender_id, "message": text, "metadata": metadata},
                    timeout=self._timeout,
                ),
                self._timeout,
            )
            response.raise_for_status()
            items = response.json()
        except asyncio.TimeoutError as exc:
            raise RasaUnavailable(f"no answer within {self._timeout:g}s") from exc
        except (httpx.HTTPError, ValueError) as exc:
            raise RasaUnavailable(f"{type(exc).__name__}: {exc}") from exc
        if not isinstance(items, list):
            raise RasaUnavailable(f"unexpected answer from Rasa: {type(items).__name__}")
        return [BotReply.from_rest(item) for item in items if isinstance(item, dict)]

    async def rasa_status(self) -> str:
        return await self._probe(f"{self._rasa_url}/")

    async def action_server_status(self) -> str:
        return await self._probe(f"{self._action_server_url}/health")

    async def _probe(self, url: str) -> str:
        try:
            response = await self._http.get(url, timeout=2.0)
        except httpx.HTTPError as exc:
            return f"down ({type(exc).__name__})"
        return "ok" if response.status_code == 200 else f"down (HTTP {response.status_code})"

    async def aclose(self) -> None:
        await self._http.aclose()
