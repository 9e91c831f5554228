"""Keyed pseudonyms for clients: stable across exports, irreversible without the key."""

from __future__ import annotations

import hashlib
import hmac


def pseudonym(client_id: int, key: str) -> str:
    """HMAC-SHA256 of the client's id under `key`, shortened: "c-" and 12 hex digits."""
    digest = hmac.new(key.encode(), str(client_id).encode(), hashlib.sha256).hexdigest()
    return "c-" + digest[:12]
