"""Tests about something other than first contact start from a client who has agreed."""

from __future__ import annotations

from bot.store import Store


def agree_for(store: Store, client_id: int, channel: str = "web") -> None:
    """As if the client had agreed to the notice and skipped the name question
    (tests/integration/test_consent.py covers that flow itself)."""
    store.record_consent(client_id, decision="given", version="test", language="en", channel=channel)
    store.set_name(client_id, None)
