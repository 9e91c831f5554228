"""Security basics of the web face: unguessable widget sessions, secure headers, no token in logs."""

from __future__ import annotations

import logging
import re
import warnings

import pytest
from sqlalchemy import select

from bot.models import Client
from bot.ratelimit import MemoryRateLimiter
from bot.settings import Settings, SettingsError
from bot.web.app import STATIC_DIR, UNKNOWN_TOKEN, create_app
from tests.integration.test_gateway import Harness, default_replies, scripted_rasa

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient
    from starlette.websockets import WebSocketDisconnect


@pytest.fixture
def client(database_url: str) -> tuple[TestClient, Harness]:
    harness = Harness(database_url, scripted_rasa(default_replies, []))
    return TestClient(create_app(harness.gateway, harness.hub)), harness


def test_widget_tokens_are_long_random_and_stored_only_as_digests(client, caplog) -> None:
    http, harness = client
    with caplog.at_level(logging.DEBUG):
        tokens = [http.post("/widget/session").json()["token"] for _ in range(50)]
    assert len(set(tokens)) == 50
    assert all(len(t) >= 43 and re.fullmatch(r"[A-Za-z0-9_-]+", t) for t in tokens)
    with harness.sessions() as session:
        stored = set(session.scalars(select(Client.external_id)))
    assert not stored & set(tokens)
    assert all(token not in caplog.text for token in tokens)


@pytest.mark.parametrize("token", ["", "guess", "A" * 43])
def test_a_socket_with_an_unknown_token_is_closed(client, token: str) -> None:
    http, _ = client
    with pytest.raises(WebSocketDisconnect) as closed:
        with http.websocket_connect(f"/widget/ws?token={token}") as ws:
            ws.receive_text()
    assert closed.value.code == UNKNOWN_TOKEN


def test_pages_carry_a_strict_content_security_policy(client) -> None:
    http, _ = client
    for path in ("/", "/widget.js", "/widget.css"):
        headers = http.get(path).headers
        csp = headers["content-security-policy"]
        assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
        assert "script-src 'self'" in csp and "frame-ancestors" in csp
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "no-referrer"
    assert http.post("/widget/session").headers["cache-control"] == "no-store"


def test_the_demo_page_has_no_inline_script_for_the_policy_to_block() -> None:
    html = (STATIC_DIR / "demo.html").read_text()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert not re.search(r"\son[a-z]+\s*=", html)


def test_one_address_may_open_only_so_many_widget_sessions(database_url: str) -> None:
    harness = Harness(database_url, scripted_rasa(default_replies, []))
    limiter = MemoryRateLimiter(limit=5, window_seconds=3600)
    app = create_app(harness.gateway, harness.hub, session_limiter=limiter)
    http = TestClient(app, client=("203.0.113.7", 5000))
    answers = [http.post("/widget/session") for _ in range(8)]
    assert [a.status_code for a in answers] == [200] * 5 + [429] * 3
    assert answers[-1].headers["retry-after"] == "60"
    assert "token" not in answers[-1].json()
    with harness.sessions() as session:
        assert len(session.scalars(select(Client.id)).all()) == 5 + 1  # and the harness's own

    # Another address is not held back by the first one's sessions, nor is this machine (the
    # replicas' balancer), which would make every client one.
    assert TestClient(app, client=("10.0.0.9", 5000)).post("/widget/session").status_code == 200
    local = TestClient(app, client=("127.0.0.1", 5000))
    assert all(local.post("/widget/session").status_code == 200 for _ in range(8))


def test_the_session_limit_is_a_setting_checked_at_start() -> None:
    assert Settings.from_env({"WIDGET_SESSIONS_PER_HOUR": "12"}).widget_sessions_per_hour == 12
    with pytest.raises(SettingsError, match="WIDGET_SESSIONS_PER_HOUR"):
        Settings.from_env({"WIDGET_SESSIONS_PER_HOUR": "0"})
