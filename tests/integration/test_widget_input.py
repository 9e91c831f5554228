"""Whatever a browser (or anyone) sends to the widget socket gets a clear error or a kind reply,
and the connection, the gateway and the database carry on."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import warnings

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bot.models import Escalation, Message
from bot.ratelimit import MemoryRateLimiter
from bot.store import token_digest
from bot.web.app import MAX_FRAME_BYTES, create_app
from tests.integration.test_gateway import Harness, default_replies, scripted_rasa
from tests.support.consent import agree_for

with warnings.catch_warnings():
    # Starlette's test client asks for its own httpx fork, which the lock does not hold.
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

FUZZ = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
PROBE = {"type": "probe"}
NASTY_TEXT = st.one_of(
    st.text(max_size=300),
    st.sampled_from([
        "<script>alert(1)</script>", "'; DROP TABLE messages; --", "\" OR 1=1 --",
        "\x00\x01\x1b[31m", "\ud800 lone surrogate", "🙂" * 200, "\u202e reversed", "a" * 5000,
        "${jndi:ldap://x}", "{{7*7}}", "NULL", "\r\n\r\n",
    ]),
)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | NASTY_TEXT,
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)
FRAMES = st.one_of(
    JSON_VALUES.map(json.dumps),
    st.text(max_size=200),
    st.fixed_dictionaries(
        {"type": st.just("message"), "text": NASTY_TEXT},
        optional={"client_msg_id": st.one_of(st.none(), st.text(max_size=80), st.integers())},
    ).map(json.dumps),
    st.fixed_dictionaries(
        {"type": st.just("hello"), "after": JSON_VALUES}
    ).map(json.dumps),
)


class Widget:
    def __init__(self, harness: Harness, limiter: MemoryRateLimiter | None = None) -> None:
        self.harness = harness
        token = "t" * 43
        client_id = harness.gateway.store.client_for("web", token_digest(token))
        # Agreed and mid-check-in, so opening the socket says nothing and each message gets one
        # reply.
        agree_for(harness.gateway.store, client_id)
        harness.gateway.store.mark_notice_shown(client_id)
        harness.gateway.store.touch_checkin(client_id, "web", dt.timedelta(hours=1))
        self.client = TestClient(create_app(harness.gateway, harness.hub, limiter=limiter))
        self.url = f"/widget/ws?token={token}"

    @contextlib.contextmanager
    def connect(self):  # type: ignore[no-untyped-def]
        with self.client.websocket_connect(self.url) as ws:
            # Live frames flow once the widget has said hello (and had its history replayed).
            ws.send_text(json.dumps({"type": "hello", "after": 0}))
            yield ws


def read_until_probe(ws) -> list[dict]:  # type: ignore[no-untyped-def]
    """Frames up to the error that answers the probe: proof the connection still works."""
    ws.send_text(json.dumps(PROBE))
    frames = []
    while True:
        frame = json.loads(ws.receive_text())
        if frame == {"type": "error", "message": "Unknown frame type."}:
            return frames
        frames.append(frame)


def read_until(ws, done) -> list[dict]:  # type: ignore[no-untyped-def]
    """Frames until `done(frames)` holds; message handling runs in tasks behind the socket."""
    frames: list[dict] = []
    while not done(frames):
        frames.append(json.loads(ws.receive_text()))
    return frames


def replies(frames: list[dict]) -> int:
    return sum(1 for f in frames if f["type"] == "message" and f["sender"] != "client")


@pytest.fixture
def harness(database_url: str) -> Harness:
    return Harness(database_url, scripted_rasa(default_replies, []))


@FUZZ
@given(frame=FRAMES)
def test_any_text_frame_gets_an_answer_and_the_connection_lives_on(
    harness: Harness, frame: str
) -> None:
    widget = Widget(harness)
    with widget.connect() as ws:
        frames = read_until_probe(ws)
        for reply in frames:
            assert reply["type"] in ("ack", "message", "typing", "error")
            if reply["type"] == "error":
                assert reply["message"] and "Traceback" not in reply["message"]
            # Nothing is ever echoed as markup: texts travel as JSON strings for textContent.
        assert all("Something went wrong" not in f.get("message", "") for f in frames)


@FUZZ
@given(data=st.binary(max_size=200))
def test_binary_frames_and_invalid_utf8_get_a_clear_error(harness: Harness, data: bytes) -> None:
    widget = Widget(harness)
    with widget.connect() as ws:
        ws.send_bytes(data)
        frames = read_until_probe(ws)
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        assert frames == [{"type": "error", "message": "Frames must be UTF-8 text."}]


def test_script_tags_and_sql_are_stored_as_plain_text(harness: Harness) -> None:
    widget = Widget(harness)
    texts = ["<script>alert('x')</script>", "'); DELETE FROM messages; --"]
    with widget.connect() as ws:
        for i, text in enumerate(texts):
            ws.send_text(json.dumps({"type": "message", "text": text, "client_msg_id": f"s{i}"}))
        frames = read_until(ws, lambda frames: replies(frames) == 2)
    assert [f["text"] for f in frames if f["type"] == "message" and f["sender"] == "client"] == texts
    inbound = [m.text for m in harness.rows(Message) if m.direction == "in"]
    assert inbound == texts


def test_an_oversized_frame_is_refused_plainly(harness: Harness) -> None:
    widget = Widget(harness)
    with widget.connect() as ws:
        ws.send_text(json.dumps({"type": "message", "text": "x" * MAX_FRAME_BYTES}))
        assert read_until_probe(ws) == [
            {"type": "error", "message": "That message is too long to send."}
        ]
    assert harness.rows(Message) == []


def test_a_flood_from_one_sender_gets_a_kind_reply_but_a_risk_message_still_passes(
    harness: Harness,
) -> None:
    widget = Widget(harness, MemoryRateLimiter(limit=5, window_seconds=3600))
    with widget.connect() as ws:
        for i in range(12):
            ws.send_text(json.dumps({"type": "message", "text": f"spam {i}", "client_msg_id": f"f{i}"}))
        ws.send_text(json.dumps(
            {"type": "message", "text": "I want to kill myself", "client_msg_id": "risk"}
        ))
        frames = read_until(
            ws,
            lambda frames: sum(f.get("code") == "rate_limited" for f in frames) == 7
            and sum(f["type"] == "ack" for f in frames) == 6
            and any("988" in f.get("text", "") for f in frames),
        )
    limited = [f for f in frames if f.get("code") == "rate_limited"]
    assert len(limited) == 7
    assert "988" in limited[0]["message"] and "still here" in limited[0]["message"]
    inbound = [m.text for m in harness.rows(Message) if m.direction == "in"]
    assert len(inbound) == 6 and "I want to kill myself" in inbound
    with harness.sessions() as session:
        assert session.scalars(select(Escalation)).first() is not None
