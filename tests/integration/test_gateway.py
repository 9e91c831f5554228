"""The gateway's flow against a real SQLite database, with Rasa answered by a scripted transport."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, select

from actions.values import ValueDetector
from bot.db import make_engine, make_sessionmaker, migrate
from bot.gateway import Gateway
from bot.hub import Hub
from bot.models import AlertOutbox, CheckIn, ClientValue, Escalation, Message
from bot.rasa_client import RasaClient
from bot.safety.screen import SafetyScreen, safety_reply
from bot.settings import Settings
from bot.store import Store
from tests.support.consent import agree_for

Handler = Callable[[dict], list[dict]]


def scripted_rasa(replies: Handler, calls: list[dict]) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        calls.append(body)
        return httpx.Response(200, json=replies(body))

    return httpx.MockTransport(handle)


def default_replies(body: dict) -> list[dict]:
    if body["message"] == "/session_start":
        return []
    if body["message"] == "/start_checkin":
        return [{"text": "NOTICE"}, {"text": "How are things going for you today?"}]
    return [{"text": f"It sounds like {body['message']}."}]


_OPEN_ENGINES: list[Engine] = []


@pytest.fixture(autouse=True)
def _dispose_engines() -> Iterator[None]:
    """PostgreSQL connections left open would outlive the test."""
    yield
    while _OPEN_ENGINES:
        _OPEN_ENGINES.pop().dispose()


class Harness:
    """A gateway on a real SQLite database. The client has agreed to the notice and settled the
    name question unless `consented=False` (tests/integration/test_consent.py)."""

    def __init__(
        self,
        where: Path | str,
        transport: httpx.MockTransport,
        *,
        consented: bool = True,
        **settings,
    ) -> None:
        """`where`: a migrated database URL (the `database_url` fixture), or a directory for a
        fresh SQLite file."""
        if isinstance(where, Path):
            url = f"sqlite:///{where}/gateway.db"
            migrate(url)
        else:
            url = where
        self.engine = make_engine(url)
        _OPEN_ENGINES.append(self.engine)
        self.sessions = make_sessionmaker(self.engine)
        self.hub = Hub()
        self.settings = Settings(database_url=url, **settings)
        self.gateway = Gateway(
            settings=self.settings,
            store=Store(self.sessions),
            rasa=RasaClient(
                rasa_url="http://rasa.test",
                action_server_url="http://actions.test",
                timeout_seconds=self.settings.rasa_timeout_seconds,
                http=httpx.AsyncClient(transport=transport),
            ),
            screen=SafetyScreen(),
            values=ValueDetector(),
            hub=self.hub,
        )
        self.client_id = self.gateway.store.client_for("web", "client-token-digest")
        if consented:
            agree_for(self.gateway.store, self.client_id)

    def mid_checkin(self) -> None:
        """As if the client had already opened today's check-in."""
        self.gateway.store.mark_notice_shown(self.client_id)
        self.gateway.store.touch_checkin(self.client_id, "web", dt.timedelta(hours=1))

    async def say(self, text: str, client_msg_id: str | None = None) -> list[str]:
        sent = await self.gateway.handle_client_message(
            client_id=self.client_id, channel="web", text=text, client_msg_id=client_msg_id
        )
        return [m.text for m in sent]

    def rows(self, model):
        with self.sessions() as session:
            return session.scalars(select(model).order_by(model.id)).all()


@pytest.fixture
def calls() -> list[dict]:
    return []


@pytest.fixture
def harness(database_url: str, calls: list[dict]) -> Harness:
    return Harness(database_url, scripted_rasa(default_replies, calls))


async def test_first_message_after_consent_opens_the_checkin_and_everything_is_stored(
    harness: Harness, calls: list[dict]
) -> None:
    replies = await harness.say("I had a long day")
    assert replies == [
        "NOTICE", "How are things going for you today?", "It sounds like I had a long day."
    ]
    assert [c["message"] for c in calls] == ["/session_start", "/start_checkin", "I had a long day"]
    assert calls[1]["metadata"]["client"]["first_contact"] is True
    assert calls[2]["metadata"]["client"]["first_contact"] is False
    stored = [(m.direction, m.sender, m.text) for m in harness.rows(Message)]
    assert stored[0] == ("in", "client", "I had a long day")
    assert [s[0] for s in stored[1:]] == ["out", "out", "out"]


async def test_the_notice_is_shown_once(harness: Harness, calls: list[dict]) -> None:
    await harness.gateway.open_checkin(harness.client_id, "web")
    await harness.gateway.open_checkin(harness.client_id, "web")
    await harness.say("hello")
    assert [c["message"] for c in calls] == ["/session_start", "/start_checkin", "hello"]


async def test_a_resent_message_is_stored_and_answered_once(
    harness: Harness, calls: list[dict]
) -> None:
    first = await harness.say("went to the clinic", client_msg_id="m-1")
    again = await harness.say("went to the clinic", client_msg_id="m-1")
    assert first and again == []
    inbound = [m for m in harness.rows(Message) if m.direction == "in"]
    assert len(inbound) == 1


async def test_rasa_down_still_gets_a_kind_reply_and_the_message_is_kept(database_url: str) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused")

    harness = Harness(database_url, httpx.MockTransport(refuse))
    replies = await harness.say("my worker never called back")
    assert replies == [harness.gateway.text("rasa_unavailable")]
    assert harness.rows(Message)[0].text == "my worker never called back"


async def test_rasa_slow_is_cut_off_by_the_timeout(database_url: str) -> None:
    async def slow(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(5)
        return httpx.Response(200, json=[])

    harness = Harness(database_url, httpx.MockTransport(slow), rasa_timeout_seconds=0.2)

    async def timed() -> list[str]:
        return await asyncio.wait_for(harness.say("hello?"), timeout=3)

    assert await timed() == [harness.gateway.text("rasa_unavailable")]


async def test_a_risk_message_is_answered_safely_and_escalated_without_rasa(
    harness: Harness, calls: list[dict]
) -> None:
    replies = await harness.say("I want to kill myself")
    assert calls == []
    assert replies and any("988" in text for text in replies)
    [escalation] = harness.rows(Escalation)
    assert escalation.level in ("urgent", "emergency")
    assert escalation.status == "open" and escalation.source == "screen"
    [alert] = harness.rows(AlertOutbox)
    assert alert.escalation_id == escalation.id and alert.kind == "alert"
    assert alert.payload["message_text"] == "I want to kill myself"


async def test_risk_is_escalated_even_when_rasa_is_down(database_url: str) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused")

    harness = Harness(database_url, httpx.MockTransport(refuse))
    replies = await harness.say("I took all my pills")
    assert any("911" in text for text in replies)
    [escalation] = harness.rows(Escalation)
    assert escalation.level == "emergency"


def test_an_escalation_is_recorded_once_per_message_and_source(harness: Harness) -> None:
    store = harness.gateway.store
    message, _ = store.store_inbound(harness.client_id, "I want to die", "web", "m-1")
    other, _ = store.store_inbound(harness.client_id, "I want to die", "web", "m-2")

    def record(about, source: str) -> int:
        return store.record_escalation(
            client_id=harness.client_id, message=about, level="urgent", cues=["suicidal_desire"],
            source=source,
        )

    first = record(message, "screen")
    assert record(message, "screen") == first
    by_dialogue = record(message, "dialogue")
    for_other = record(other, "screen")
    assert len({first, by_dialogue, for_other}) == 3
    escalations = harness.rows(Escalation)
    assert [(e.message_id, e.source) for e in escalations] == [
        (message.id, "screen"), (message.id, "dialogue"), (other.id, "screen")
    ]
    assert [a.escalation_id for a in harness.rows(AlertOutbox)] == [e.id for e in escalations]


async def test_a_resend_after_a_gateway_died_mid_escalation_is_not_escalated_twice(
    harness: Harness,
) -> None:
    text = "I want to kill myself"
    # The first gateway stored the message and committed its escalation and alert, then died
    # before answering: nothing outbound, the message unanswered.
    inbound, _ = harness.gateway.store.store_inbound(harness.client_id, text, "web", "m-1")
    assessment = SafetyScreen().assess(text, [])
    harness.gateway.store.record_escalation(
        client_id=harness.client_id, message=inbound, level=assessment.level,
        cues=list(assessment.cues), source="screen",
    )
    assert not harness.gateway.store.is_answered(inbound.id)

    replies = await harness.say(text, client_msg_id="m-1")
    assert replies == safety_reply(assessment.level, assessment.language)
    [escalation] = harness.rows(Escalation)
    [alert] = harness.rows(AlertOutbox)
    assert alert.escalation_id == escalation.id and escalation.message_id == inbound.id
    assert await harness.say(text, client_msg_id="m-1") == []  # answered now: not again
    assert len(harness.rows(Escalation)) == 1 and len(harness.rows(AlertOutbox)) == 1


async def test_im_fine_after_a_risk_cue_still_reaches_the_worker(harness: Harness) -> None:
    await harness.say("I don't want to be alive anymore")
    await harness.say("no. I'm fine")
    kinds = [row.kind for row in harness.rows(AlertOutbox)]
    assert kinds == ["alert", "risk_followup"]
    assert harness.rows(AlertOutbox)[1].payload["message_text"] == "no. I'm fine"


async def test_distress_heard_by_rasa_opens_a_concern(database_url: str, calls: list[dict]) -> None:
    def distress(body: dict) -> list[dict]:
        return [{"custom": {"companion": {"signal": "distress", "level": "concern"}}}]

    harness = Harness(database_url, scripted_rasa(distress, calls))
    harness.mid_checkin()
    replies = await harness.say("everything is grey and heavy")
    [escalation] = harness.rows(Escalation)
    assert (escalation.level, escalation.source) == ("concern", "dialogue")
    assert replies and all(text for text in replies)
    assert harness.rows(AlertOutbox)[0].kind == "concern"


async def test_a_request_for_a_person_is_queued_for_the_worker(
    database_url: str, calls: list[dict]
) -> None:
    def person(body: dict) -> list[dict]:
        return [{"text": "I'll let your case worker know."},
                {"custom": {"companion": {"signal": "person_request"}}}]

    harness = Harness(database_url, scripted_rasa(person, calls))
    harness.mid_checkin()
    assert await harness.say("can I talk to my worker") == ["I'll let your case worker know."]
    assert [row.kind for row in harness.rows(AlertOutbox)] == ["person_request"]


async def test_a_client_typing_fast_is_answered_in_order(
    harness: Harness, calls: list[dict]
) -> None:
    harness.mid_checkin()
    texts = [f"message number {i}" for i in range(6)]
    await asyncio.gather(*(harness.say(t, client_msg_id=f"m-{i}") for i, t in enumerate(texts)))
    outbound = [m.text for m in harness.rows(Message) if m.direction == "out"]
    inbound = [m.text for m in harness.rows(Message) if m.direction == "in"]
    assert outbound == [f"It sounds like {t}." for t in inbound]
    assert sorted(inbound) == texts


async def test_a_risk_message_among_fast_messages_is_not_lost(harness: Harness) -> None:
    harness.mid_checkin()
    await asyncio.gather(
        harness.say("ok so", client_msg_id="a"),
        harness.say("i want to die", client_msg_id="b"),
        harness.say("whatever", client_msg_id="c"),
    )
    assert len(harness.rows(Escalation)) == 1


async def test_control_characters_are_removed_and_blank_messages_ignored(
    harness: Harness, calls: list[dict]
) -> None:
    assert await harness.say("  \x00\x07 ") == []
    await harness.say("he\x00llo\x1b there")
    assert harness.rows(Message)[0].text == "hello there"


async def test_an_oversized_message_is_kept_and_answered_kindly(
    database_url: str, calls: list[dict]
) -> None:
    harness = Harness(database_url, scripted_rasa(default_replies, calls), max_message_chars=50)
    harness.mid_checkin()
    long_text = "word " * 40
    assert await harness.say(long_text) == [harness.gateway.text("message_too_long")]
    assert harness.rows(Message)[0].text == long_text.strip()
    assert calls == []


async def test_watchers_get_ack_typing_and_messages_in_order(harness: Harness) -> None:
    harness.mid_checkin()
    queue = harness.hub.subscribe(harness.client_id)
    await harness.say("hi there", client_msg_id="x-1")
    frames = [queue.get_nowait() for _ in range(queue.qsize())]
    kinds = [(f["type"], f.get("sender"), f.get("on")) for f in frames]
    assert kinds == [
        ("ack", None, None),
        ("message", "client", None),
        ("typing", None, True),
        ("typing", None, False),
        ("message", "companion", None),
    ]
    assert frames[0]["client_msg_id"] == "x-1"


async def test_values_a_client_names_are_remembered_with_their_words(harness: Harness) -> None:
    harness.mid_checkin()
    await harness.say("being there for my kids is what matters most to me")
    await harness.say("my kids keep me going")
    [row] = [v for v in harness.rows(ClientValue) if v.value == "parenting"]
    assert row.times_said == 2
    assert "kids" in row.words
    assert row.first_said_at <= row.last_said_at


async def test_remembered_values_reach_the_dialogue_engine(
    harness: Harness, calls: list[dict]
) -> None:
    harness.mid_checkin()
    await harness.say("staying clean is the most important thing for me")
    await harness.say("anyway")
    values = calls[-1]["metadata"]["client"]["values"]
    assert [v["value"] for v in values] == ["sobriety"]
    assert values[0]["last_recalled_at"] is None


async def test_a_recalled_value_is_marked_so_it_is_not_recalled_every_time(
    database_url: str, calls: list[dict]
) -> None:
    def recall(body: dict) -> list[dict]:
        if body["message"] == "/start_checkin":
            return [{"text": "Last time you said staying clean matters most."},
                    {"custom": {"companion": {"signal": "value_recalled", "value": "sobriety"}}}]
        return []

    harness = Harness(database_url, scripted_rasa(recall, calls))
    harness.gateway.store.remember_values(harness.client_id, [("sobriety", "staying clean")])
    await harness.gateway.open_checkin(harness.client_id, "web")
    [row] = harness.rows(ClientValue)
    assert row.last_recalled_at is not None


async def test_a_message_after_the_gap_starts_a_new_checkin(
    database_url: str, calls: list[dict]
) -> None:
    harness = Harness(database_url, scripted_rasa(default_replies, calls), checkin_gap_minutes=0.0)
    await harness.say("first")
    await asyncio.sleep(0.05)
    await harness.say("second")
    messages = [c["message"] for c in calls]
    assert messages == ["/session_start", "/start_checkin", "first",
                        "/session_start", "/start_checkin", "second"]
    assert calls[4]["metadata"]["client"]["first_contact"] is False
    assert len(harness.rows(CheckIn)) == 2


async def test_opening_the_chat_mid_checkin_says_nothing_new(
    harness: Harness, calls: list[dict]
) -> None:
    await harness.say("hello")
    calls.clear()
    assert await harness.gateway.open_checkin(harness.client_id, "web") == []
    assert calls == []
