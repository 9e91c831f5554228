"""Safety through the gateway with a real SQLite database: Rasa down during a risk message, and a
client typing fast. Uses the Harness of test_gateway.py."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest

from bot.models import AlertOutbox, Escalation, Message
from bot.safety.screen import safety_reply
from tests.integration.test_gateway import Harness, default_replies, scripted_rasa


def rasa_down() -> httpx.MockTransport:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused")

    return httpx.MockTransport(refuse)


async def test_rasa_down_during_a_risk_message_the_client_gets_the_safe_reply_and_it_is_recorded(
    tmp_path: Path,
) -> None:
    harness = Harness(tmp_path, rasa_down())
    try:
        replies = await harness.say("i dont want to wake up tomorrow")
        assert replies == safety_reply("urgent")
        [escalation] = harness.rows(Escalation)
        [inbound] = [m for m in harness.rows(Message) if m.direction == "in"]
        assert (escalation.level, escalation.source, escalation.status) == (
            "urgent", "screen", "open"
        )
        assert escalation.message_id == inbound.id
        assert "suicidal_ideation" in escalation.cues
        [alert] = harness.rows(AlertOutbox)
        assert (alert.kind, alert.escalation_id) == ("alert", escalation.id)
        assert alert.payload["message_text"] == "i dont want to wake up tomorrow"
        outbound = [m.text for m in harness.rows(Message) if m.direction == "out"]
        assert outbound == replies
    finally:
        harness.engine.dispose()


async def test_rasa_down_a_means_after_the_cue_is_an_emergency_and_a_no_still_reaches_the_worker(
    tmp_path: Path,
) -> None:
    harness = Harness(tmp_path, rasa_down())
    try:
        await harness.say("I want to die")
        emergency = await harness.say("I have the pills right here")
        assert emergency == safety_reply("emergency")
        assert "911" in emergency[0]
        answer = await harness.say("no")
        assert answer == [harness.gateway.text("rasa_unavailable")]
        assert [e.level for e in harness.rows(Escalation)] == ["urgent", "emergency"]
        kinds = [(row.kind, row.payload["message_text"]) for row in harness.rows(AlertOutbox)]
        assert kinds == [
            ("alert", "I want to die"),
            ("alert", "I have the pills right here"),
            ("risk_followup", "no"),
        ]
    finally:
        harness.engine.dispose()


async def test_rasa_down_a_spanish_risk_message_is_answered_in_spanish(tmp_path: Path) -> None:
    harness = Harness(tmp_path, rasa_down())
    try:
        assert await harness.say("ya no quiero vivir") == safety_reply("urgent", "es")
        assert len(harness.rows(AlertOutbox)) == 1
    finally:
        harness.engine.dispose()


async def test_a_client_typing_fast_is_stored_in_order_and_the_risk_message_escalated(
    tmp_path: Path,
) -> None:
    calls: list[dict] = []
    harness = Harness(tmp_path, scripted_rasa(default_replies, calls))
    try:
        harness.mid_checkin()
        texts = [
            "hey",
            "rough day",
            "honestly i want to kill myself",
            "sorry",
            "nvm im fine",
        ]
        await asyncio.gather(
            *(harness.say(text, client_msg_id=f"fast-{i}") for i, text in enumerate(texts))
        )
        inbound = [m for m in harness.rows(Message) if m.direction == "in"]
        assert [m.text for m in inbound] == texts
        assert [m.client_msg_id for m in inbound] == [f"fast-{i}" for i in range(len(texts))]

        [escalation] = harness.rows(Escalation)
        assert escalation.message_id == inbound[2].id
        assert escalation.level == "urgent"
        alerts = [(row.kind, row.payload["message_text"]) for row in harness.rows(AlertOutbox)]
        assert alerts == [
            ("alert", "honestly i want to kill myself"),
            ("risk_followup", "sorry"),
            ("risk_followup", "nvm im fine"),
        ]
        # The risk message never reached Rasa; every other message did, in order.
        assert [c["message"] for c in calls] == ["hey", "rough day", "sorry", "nvm im fine"]
        outbound = [m.text for m in harness.rows(Message) if m.direction == "out"]
        assert outbound[2 : 2 + len(safety_reply("urgent"))] == safety_reply("urgent")
    finally:
        harness.engine.dispose()


async def test_a_burst_gives_a_follow_up_its_meaning_from_the_messages_before_it(
    tmp_path: Path,
) -> None:
    harness = Harness(tmp_path, scripted_rasa(default_replies, []))
    try:
        harness.mid_checkin()
        await asyncio.gather(
            harness.say("ive been thinking about ending it all", client_msg_id="a"),
            harness.say("tonight", client_msg_id="b"),
        )
        assert [e.level for e in harness.rows(Escalation)] == ["urgent", "emergency"]
        [first, second] = harness.rows(Escalation)
        assert first.message_id < second.message_id
    finally:
        harness.engine.dispose()


def distress_heard_by_rasa(body: dict) -> list[dict]:
    """Rasa's second line hears distress in one message the screen lets through."""
    if body["message"] == "everything is grey and heavy":
        return [{"custom": {"companion": {"signal": "distress", "level": "concern"}}}]
    return default_replies(body)


async def test_yes_to_the_safety_question_after_a_concern_from_rasa_is_urgent(
    database_url: str,
) -> None:
    """The concern wording asks directly about suicide; the client's "yes" answers that question
    even though no earlier message of theirs carried a cue the screen knows."""
    calls: list[dict] = []
    harness = Harness(database_url, scripted_rasa(distress_heard_by_rasa, calls))
    harness.mid_checkin()
    assert await harness.say("everything is grey and heavy") == safety_reply("concern")
    replies = await harness.say("yeah")
    assert replies == safety_reply("urgent")
    levels = [(e.level, e.source, e.cues) for e in harness.rows(Escalation)]
    assert levels == [
        ("concern", "dialogue", ["dialogue_distress"]),
        ("urgent", "screen", ["yes_to_safety_question"]),
    ]
    assert [a.kind for a in harness.rows(AlertOutbox)] == ["concern", "alert"]
    assert harness.rows(AlertOutbox)[1].payload["message_text"] == "yeah"
    assert all(c["message"] != "yeah" for c in calls)  # the safety path answered, not Rasa


async def test_no_to_the_safety_question_after_a_concern_reaches_the_worker_unpaged(
    database_url: str,
) -> None:
    calls: list[dict] = []
    harness = Harness(database_url, scripted_rasa(distress_heard_by_rasa, calls))
    harness.mid_checkin()
    await harness.say("everything is grey and heavy")
    replies = await harness.say("no, just a long week")
    assert replies == ["It sounds like no, just a long week."]  # the check-in goes on
    alerts = harness.rows(AlertOutbox)
    assert [a.kind for a in alerts] == ["concern", "risk_followup"]
    assert alerts[1].payload["message_text"] == "no, just a long week"
    assert [e.level for e in harness.rows(Escalation)] == ["concern"]
    # Only the answer to the question is forwarded, not the rest of the check-in.
    await harness.say("my sister came over for dinner")
    assert [a.kind for a in harness.rows(AlertOutbox)] == ["concern", "risk_followup"]


async def test_yes_after_a_concern_heard_by_the_screen_is_urgent(tmp_path: Path) -> None:
    harness = Harness(tmp_path, scripted_rasa(default_replies, []))
    harness.mid_checkin()
    first = await harness.say("I feel like such a burden to everyone")
    assert first == safety_reply("concern")
    assert await harness.say("sometimes") == safety_reply("urgent")
    assert [e.level for e in harness.rows(Escalation)] == ["concern", "urgent"]


async def test_a_yes_to_an_ordinary_question_is_not_taken_for_a_yes_to_the_safety_question(
    tmp_path: Path,
) -> None:
    calls: list[dict] = []
    harness = Harness(tmp_path, scripted_rasa(distress_heard_by_rasa, calls))
    harness.mid_checkin()
    await harness.say("everything is grey and heavy")
    await harness.say("no")
    assert await harness.say("yes") == ["It sounds like yes."]
    assert [e.level for e in harness.rows(Escalation)] == ["concern"]


async def test_rasa_down_a_long_message_whose_risk_only_the_whole_reading_sees_is_escalated(
    tmp_path: Path,
) -> None:
    # The lexicon finds no cue it knows here; the reader of the whole message, learned from rows
    # like this one, scores it clearly at risk, so the worker is alerted even with Rasa down.
    text = (
        "It's like standing at a door. Half of me wants to walk through and half of me is holding "
        "onto the frame. Sober 40 days, evicted 10 days ago, sleeping at the shelter. My fingers "
        "are getting tired. I've been thinking today's the day I let go. But I'm here typing, so "
        "maybe I'm not done yet. I honestly can't tell."
    )
    harness = Harness(tmp_path, rasa_down())
    try:
        assert harness.gateway._screen.assess(text).level == "urgent"
        replies = await harness.say(text)
        assert replies == safety_reply("urgent")
        [escalation] = harness.rows(Escalation)
        assert escalation.level == "urgent"
        assert "whole_message" in escalation.cues
        [alert] = harness.rows(AlertOutbox)
        assert alert.escalation_id == escalation.id
    finally:
        harness.engine.dispose()


@pytest.mark.parametrize(
    ("said", "family", "asked", "answer"),
    [
        ("I relapsed last night", "relapse", "use alone", "yeah probably"),
        ("I think I'm in an abusive relationship", "violence_against_client",
         "someone hurting you", "yes"),
        ("some days I feel like I could strangle my ex", "harm_to_others", "hurting someone",
         "yeah"),
    ],
)
async def test_a_concern_is_asked_about_in_its_own_terms_and_a_yes_is_still_urgent(
    tmp_path: Path, said: str, family: str, asked: str, answer: str
) -> None:
    harness = Harness(tmp_path, scripted_rasa(default_replies, []))
    harness.mid_checkin()
    first = await harness.say(said)
    assert first == safety_reply("concern", cues=(family,))
    assert first != safety_reply("concern")
    assert any(asked in line for line in first)
    assert await harness.say(answer) == safety_reply("urgent")
    assert [e.level for e in harness.rows(Escalation)] == ["concern", "urgent"]
