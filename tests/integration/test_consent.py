"""Consent, the client's name and language through the gateway, on a real SQLite database."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest

from bot.consent import load_wording
from bot.models import AlertOutbox, Client, ConsentRecord, Escalation, Message
from bot.safety.screen import safety_reply
from tests.integration.test_gateway import Harness, default_replies, scripted_rasa
from tests.support.consent import agree_for

CONTACT = "Dana at the front desk, 555-0100"
WORDING = load_wording()


@pytest.fixture
def calls() -> list[dict]:
    return []


@pytest.fixture
def newcomer(tmp_path: Path, calls: list[dict]) -> Harness:
    """A client who has not answered the notice yet."""
    harness = Harness(
        tmp_path, scripted_rasa(default_replies, calls), consented=False, program_contact=CONTACT
    )
    yield harness
    harness.engine.dispose()


def client_row(harness: Harness) -> Client:
    [client] = harness.rows(Client)
    return client


def last_buttons(harness: Harness) -> list[dict]:
    last = [m for m in harness.rows(Message) if m.direction == "out"][-1]
    return last.buttons


async def test_first_contact_shows_the_consent_notice_once_and_rasa_hears_nothing(
    newcomer: Harness, calls: list[dict]
) -> None:
    [notice] = await newcomer.gateway.open_checkin(newcomer.client_id, "web")
    assert "not a person" in notice.text and "delete my data" in notice.text
    assert [b["title"] for b in notice.buttons] == ["I agree", "No thanks", "Español"]
    assert await newcomer.gateway.open_checkin(newcomer.client_id, "web") == []
    assert calls == []


async def test_agreeing_records_consent_with_its_version_then_asks_the_name_once(
    newcomer: Harness, calls: list[dict]
) -> None:
    await newcomer.gateway.open_checkin(newcomer.client_id, "web")
    agreed = await newcomer.say("I agree")
    assert agreed[0] == "Thank you for letting me know."
    assert agreed[1].startswith("What would you like me to call you?")
    [record] = newcomer.rows(ConsentRecord)
    assert (record.decision, record.version, record.channel) == ("given", WORDING["version"], "web")
    assert client_row(newcomer).consent == "given" and client_row(newcomer).consent_at is not None
    assert calls == []

    named = await newcomer.say("Call me Rosa, she/her")
    assert named == ["Thank you, Rosa. I'll call you that.", "NOTICE",
                     "How are things going for you today?"]
    assert (client_row(newcomer).preferred_name, client_row(newcomer).pronouns) == ("Rosa", "she/her")
    profile = calls[1]["metadata"]["client"]
    assert (profile["name"], profile["pronouns"], profile["consent"]) == ("Rosa", "she/her", "given")
    assert profile["first_contact"] is True

    await newcomer.say("Rosa")  # the question is not asked again: this goes to the dialogue
    assert calls[-1]["message"] == "Rosa"
    stored = [m.text for m in newcomer.rows(Message) if m.direction == "in"]
    assert stored == ["I agree", "Call me Rosa, she/her", "Rosa"]


async def test_skipping_the_name_opens_the_checkin_without_one(
    newcomer: Harness, calls: list[dict]
) -> None:
    await newcomer.say("yes")
    assert await newcomer.say("skip") == ["That's fine.", "NOTICE", "How are things going for you today?"]
    assert calls[1]["metadata"]["client"]["name"] is None


async def test_a_message_instead_of_a_name_goes_on_to_the_checkin(
    newcomer: Harness, calls: list[dict]
) -> None:
    await newcomer.say("I agree")
    replies = await newcomer.say("my landlord called again today")
    assert replies[-1] == "It sounds like my landlord called again today."
    assert client_row(newcomer).preferred_name is None
    assert client_row(newcomer).name_settled_at is not None


async def test_refused_messages_are_not_stored_as_text_and_a_person_is_offered(
    newcomer: Harness, calls: list[dict]
) -> None:
    await newcomer.gateway.open_checkin(newcomer.client_id, "web")
    [refused] = await newcomer.say("No thanks")
    assert CONTACT in refused and "I agree" in refused
    [later] = await newcomer.say("my landlord is kicking me out", client_msg_id="m-2")
    assert CONTACT in later
    assert await newcomer.say("my landlord is kicking me out", client_msg_id="m-2") == []
    inbound = [m for m in newcomer.rows(Message) if m.direction == "in"]
    assert [m.text for m in inbound] == ["", ""]
    assert newcomer.gateway.store.messages_after(newcomer.client_id, 0)[0].sender == "companion"
    assert all(m.sender == "companion" for m in newcomer.gateway.store.messages_after(newcomer.client_id, 0))
    [record] = newcomer.rows(ConsentRecord)
    assert (record.decision, record.version) == ("refused", WORDING["version"])
    assert newcomer.rows(Escalation) == [] and calls == []


async def test_without_consent_a_risk_message_is_still_answered_and_escalated(
    newcomer: Harness, calls: list[dict]
) -> None:
    await newcomer.say("No thanks")
    await newcomer.say("I had a long day")
    replies = await newcomer.say("I want to kill myself")
    assert any("988" in text for text in replies)
    [escalation] = newcomer.rows(Escalation)
    assert escalation.level in ("urgent", "emergency")
    [alert] = newcomer.rows(AlertOutbox)
    assert alert.payload["message_text"] == "I want to kill myself"
    # Only the risk message is kept: it is what the worker needs to act.
    assert [m.text for m in newcomer.rows(Message) if m.direction == "in"] == [
        "", "", "I want to kill myself"
    ]
    await newcomer.say("no. I'm fine")
    assert [a.kind for a in newcomer.rows(AlertOutbox)] == ["alert", "risk_followup"]
    assert calls == []


async def test_a_client_who_said_no_can_agree_later(newcomer: Harness, calls: list[dict]) -> None:
    await newcomer.say("no")
    await newcomer.say("yes")  # a bare yes after a refusal is not consent
    assert client_row(newcomer).consent == "refused"
    replies = await newcomer.say("I agree now")
    assert replies[1].startswith("What would you like me to call you?")
    assert [r.decision for r in newcomer.rows(ConsentRecord)] == ["refused", "given"]
    await newcomer.say("skip")
    await newcomer.say("I went to my meeting")
    assert calls[-1]["message"] == "I went to my meeting"


async def test_a_client_can_withdraw_consent(tmp_path: Path, calls: list[dict]) -> None:
    harness = Harness(tmp_path, scripted_rasa(default_replies, calls))
    harness.mid_checkin()
    [withdrawn] = await harness.say("I don't agree anymore")
    assert "won't keep" in withdrawn
    await harness.say("something private")
    assert harness.rows(Message)[-2].text == ""
    assert [c["message"] for c in calls] == []


async def test_spanish_consent_by_button_or_by_writing_spanish(
    newcomer: Harness, calls: list[dict]
) -> None:
    await newcomer.gateway.open_checkin(newcomer.client_id, "web")
    [notice] = await newcomer.say("Español")
    assert notice.startswith("Hola, soy el acompañante")
    assert [b["title"] for b in last_buttons(newcomer)] == ["Acepto", "No, gracias", "English"]
    agreed = await newcomer.say("sí")
    assert agreed == ["Gracias por decírmelo.", WORDING["languages"]["es"]["ask_name"].strip()]
    assert [r.language for r in newcomer.rows(ConsentRecord)] == ["es"]
    assert (await newcomer.say("me llamo Rosa"))[0] == "Gracias, Rosa. Así te llamaré."
    assert calls[1]["metadata"]["client"]["language"] == "es"


async def test_a_first_message_in_spanish_gets_the_notice_in_spanish(newcomer: Harness) -> None:
    [notice] = await newcomer.say("hola, quiero hablar de mi semana")
    assert notice.startswith("Hola, soy el acompañante")
    assert client_row(newcomer).language == "es"


async def test_the_language_is_detected_and_passed_and_gateway_texts_follow_it(
    tmp_path: Path, calls: list[dict]
) -> None:
    harness = Harness(tmp_path, scripted_rasa(default_replies, calls), max_message_chars=60)
    harness.mid_checkin()
    await harness.say("Me siento muy cansada esta semana")
    assert calls[-1]["metadata"]["client"]["language"] == "es"
    assert await harness.say("y " + "mucho " * 20) == [harness.gateway.text("message_too_long", "es")]
    assert await harness.say("english") == ["Okay, I'll write in English."]
    await harness.say("Me siento muy cansada")
    assert calls[-1]["metadata"]["client"]["language"] == "en"  # chosen, so it holds


async def test_spanish_safety_reply_and_rasa_down_text(tmp_path: Path) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused")

    harness = Harness(tmp_path, httpx.MockTransport(refuse))
    harness.mid_checkin()
    assert await harness.say("español") == ["De acuerdo, te escribiré en español."]
    assert await harness.say("ok") == [harness.gateway.text("rasa_unavailable", "es")]
    replies = await harness.say("I want to die")
    assert replies[0].startswith("Gracias por contármelo")


async def test_call_me_later_changes_the_name_without_asking_rasa(
    tmp_path: Path, calls: list[dict]
) -> None:
    harness = Harness(tmp_path, scripted_rasa(default_replies, calls))
    harness.mid_checkin()
    assert await harness.say("call me Sam") == ["Okay, I'll call you Sam from now on."]
    assert calls == []
    await harness.say("went to the store")
    assert calls[-1]["metadata"]["client"]["name"] == "Sam"


async def test_answers_typed_fast_after_the_notice_are_taken_in_order(
    newcomer: Harness, calls: list[dict]
) -> None:
    """A client who agrees, names themselves and starts talking before any reply arrives: each
    message is read after the one before it has been taken, not against the state at arrival."""
    await newcomer.gateway.open_checkin(newcomer.client_id, "web")
    gateway = newcomer.gateway
    sent = [
        gateway.handle_client_message(client_id=newcomer.client_id, channel="web", text=text)
        for text in ("I agree", "call me Sam", "my landlord called about the rent")
    ]
    await asyncio.gather(*sent)
    assert client_row(newcomer).consent == "given"
    assert client_row(newcomer).preferred_name == "Sam"
    inbound = [m.text for m in newcomer.rows(Message) if m.direction == "in"]
    assert inbound[-1] == "my landlord called about the rent"  # kept: it came after consent
    assert any(c["message"] == "my landlord called about the rent" for c in calls)


async def test_a_message_after_consent_is_stored_after_the_ones_still_waiting(
    newcomer: Harness, calls: list[dict]
) -> None:
    """Messages that arrived before consent wait unstored for their turn; one that arrives once
    consent is given is stored behind them, not ahead, so the transcript keeps arrival order."""
    await newcomer.gateway.open_checkin(newcomer.client_id, "web")
    gateway = newcomer.gateway
    release = asyncio.Event()
    held = asyncio.Event()

    async def hold_the_turn() -> None:
        async with gateway._lock(newcomer.client_id):
            held.set()
            await release.wait()

    holder = asyncio.create_task(hold_the_turn())
    await held.wait()
    early = [
        asyncio.create_task(
            gateway.handle_client_message(client_id=newcomer.client_id, channel="web", text=text)
        )
        for text in ("I agree", "skip")
    ]
    await asyncio.sleep(0.2)  # both have arrived and wait for the turn, unstored
    agree_for(gateway.store, newcomer.client_id)  # as if another gateway had taken the answer
    late = asyncio.create_task(
        gateway.handle_client_message(
            client_id=newcomer.client_id, channel="web", text="my landlord called about the rent"
        )
    )
    await asyncio.sleep(0.2)
    release.set()
    await asyncio.gather(holder, *early, late)
    inbound = [m.text for m in newcomer.rows(Message) if m.direction == "in"]
    assert inbound == ["I agree", "skip", "my landlord called about the rent"]


async def test_a_resend_before_consent_whose_answer_never_went_out_is_answered_once(
    newcomer: Harness,
) -> None:
    """The first delivery of a risk message before consent was kept and escalated, then its
    gateway died before answering; the resend gets the safe reply, with no second escalation."""
    gateway = newcomer.gateway
    await gateway.open_checkin(newcomer.client_id, "web")
    gateway._consent.handle(newcomer.client_id, "web", "I want to kill myself", "m-risk")  # noqa: SLF001
    assert len(newcomer.rows(Escalation)) == 1
    replies = await gateway.handle_client_message(
        client_id=newcomer.client_id, channel="web", text="I want to kill myself",
        client_msg_id="m-risk",
    )
    assert [r.text for r in replies][:1] == [safety_reply("urgent")[0]]
    assert len(newcomer.rows(Escalation)) == 1
    assert len(newcomer.rows(AlertOutbox)) == 1
    # Answered now: a further resend is not answered again.
    again = await gateway.handle_client_message(
        client_id=newcomer.client_id, channel="web", text="I want to kill myself",
        client_msg_id="m-risk",
    )
    assert again == []
