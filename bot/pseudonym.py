"""Keyed client pseudonyms: stable for one key, not reversible without it.

Workers and staff see a client as `c-` and ten base32 letters of an HMAC of the client's row id;
the key comes from `PSEUDONYM_KEY`, so a leaked log or alert does not lead back to the person.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

PREFIX = "c-"


def pseudonym(client_id: int, key: str) -> str:
    digest = hmac.new(key.encode(), f"client:{client_id}".encode(), hashlib.sha256).digest()
    return PREFIX + base64.b32encode(digest[:10]).decode().lower()[:10]


def client_id_for(name: str, client_ids: list[int], key: str) -> int | None:
    """The client whose pseudonym is `name`, among `client_ids` (the key does not run backwards)."""
    for client_id in client_ids:
        if hmac.compare_digest(pseudonym(client_id, key), name):
            return client_id
    return None
