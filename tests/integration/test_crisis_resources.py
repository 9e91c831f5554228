"""A program's crisis resources, per language, in every client-facing text of the gateway."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from bot.alerts import load_texts as load_telegram_texts
from bot.gateway import load_texts
from bot.safety.screen import LEVELS, safety_reply
from bot.settings import Settings
from tests.integration.test_gateway import Harness, default_replies, scripted_rasa

SAMARITANS = "Call 116 123 (Samaritans) any time."
SAMARITANOS = "Llama al 116 123 (Samaritans) a cualquier hora."
US_NUMBERS = ("988", "911")
# What the placeholders of the reminder and mood texts stand for, for walking every text.
FIELDS = {"when": "every Monday at 6 pm", "first": "Monday, January 4", "quiet": "21:00-08:00",
          "score": 5}


def refuse(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("connection refused")


def every_gateway_text(harness: Harness, language: str) -> dict[str, str]:
    """Each text of bot/texts.yml as the gateway sends it, and the consent wording."""
    texts: dict[str, str] = {}
    for key, entry in load_texts().items():
        if key in ("en", "es"):
            continue
        if isinstance(entry, str):
            texts[key] = harness.gateway.text(key, language)
        else:
            texts[key] = harness.gateway.controls.text(key, language, **FIELDS)
    consent = harness.gateway._consent
    for key, entry in consent._wording["languages"][language].items():
        if isinstance(entry, str) and key != "default_contact":
            texts[f"consent.{key}"] = consent.say(key, language, name="Sam").text
    for key, entry in load_telegram_texts().items():
        texts[f"telegram.{key}"] = entry
    for level in LEVELS[1:]:
        for i, line in enumerate(safety_reply(
            level, language, resources=harness.settings.crisis_resources_for(language),
            emergency_number=harness.settings.emergency_number,
        )):
            texts[f"safety.{level}.{i}"] = line
    return texts


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_program_outside_the_us_is_never_given_the_us_numbers(tmp_path: Path, language: str) -> None:
    harness = Harness(tmp_path, httpx.MockTransport(refuse), crisis_resources=SAMARITANS)
    texts = every_gateway_text(harness, language)
    named = {key: text for key, text in texts.items() if any(n in text for n in US_NUMBERS)}
    assert named == {}
    assert not any("{resources}" in text for text in texts.values())
    for key in ("rasa_unavailable", "rate_limited", "stop_ack"):
        assert SAMARITANS in texts[key]


async def test_rasa_down_stop_and_risk_give_the_programs_resources(tmp_path: Path) -> None:
    harness = Harness(tmp_path, httpx.MockTransport(refuse), crisis_resources=SAMARITANS)
    said = await harness.say("hello")
    said += await harness.say("I have the pills right here and I'm going to take them all")
    said += await harness.say("stop")
    assert said[0] == harness.gateway.text("rasa_unavailable") and SAMARITANS in said[0]
    assert SAMARITANS in said[-1]
    assert any(SAMARITANS in text for text in said[1:-1])  # the safety reply
    assert "your local emergency number" in said[1]
    assert not [text for text in said if any(n in text for n in US_NUMBERS)]


async def test_spanish_gets_the_spanish_wording_of_the_programs_resources(tmp_path: Path) -> None:
    harness = Harness(
        tmp_path, httpx.MockTransport(refuse),
        crisis_resources=SAMARITANS, crisis_resources_es=SAMARITANOS, emergency_number="999",
    )
    harness.mid_checkin()
    assert await harness.say("español") == ["De acuerdo, te escribiré en español."]
    [moment] = await harness.say("hola")
    assert SAMARITANOS in moment and SAMARITANS not in moment
    safety = await harness.say("quiero morir, tengo las pastillas aquí")
    assert safety[0].startswith("Si estás en peligro") and "999" in safety[0]
    assert any(SAMARITANOS in text for text in safety)
    assert not any(SAMARITANS in text for text in safety)
    [stopped] = await harness.say("para")
    assert SAMARITANOS in stopped
    assert SAMARITANS in harness.gateway.text("rasa_unavailable", "en")


async def test_without_spanish_wording_spanish_gets_the_programs_resources_as_set(
    tmp_path: Path,
) -> None:
    harness = Harness(tmp_path, scripted_rasa(default_replies, []), crisis_resources=SAMARITANS)
    harness.mid_checkin()
    await harness.say("español")
    safety = await harness.say("quiero morir")
    assert any(SAMARITANS in text for text in safety)
    assert not any(n in text for text in safety for n in US_NUMBERS)


@pytest.mark.parametrize("language", ["en", "es"])
def test_with_nothing_configured_the_us_defaults_are_given(tmp_path: Path, language: str) -> None:
    harness = Harness(tmp_path, httpx.MockTransport(refuse))
    for key in ("rasa_unavailable", "rate_limited"):
        assert "988" in harness.gateway.text(key, language)
        assert "911" in harness.gateway.text(key, language)
    assert "988" in harness.gateway.controls.text("stop_ack", language)


def test_settings_read_both_wordings_and_spanish_falls_back() -> None:
    both = Settings.from_env(
        {"CRISIS_RESOURCES": SAMARITANS, "CRISIS_RESOURCES_ES": SAMARITANOS, "EMERGENCY_NUMBER": "999"}
    )
    assert both.crisis_resources_for("en") == SAMARITANS
    assert both.crisis_resources_for("es") == SAMARITANOS
    assert both.emergency_number == "999"
    assert Settings.from_env({"CRISIS_RESOURCES": SAMARITANS}).crisis_resources_for("es") == SAMARITANS
    assert Settings.from_env({}).crisis_resources_for("es") is None


async def test_the_dialogue_engine_is_given_the_resources_in_the_clients_language(
    tmp_path: Path,
) -> None:
    calls: list[dict] = []
    harness = Harness(
        tmp_path, scripted_rasa(default_replies, calls),
        crisis_resources=SAMARITANS, crisis_resources_es=SAMARITANOS,
    )
    harness.mid_checkin()
    await harness.say("I had a long day")
    assert calls[-1]["metadata"]["client"]["crisis_resources"] == SAMARITANS
    await harness.say("español")
    await harness.say("hoy fue un día largo")
    assert calls[-1]["metadata"]["client"]["crisis_resources"] == SAMARITANOS
    plain = Harness(tmp_path / "plain", scripted_rasa(default_replies, calls))
    plain.mid_checkin()
    await plain.say("I had a long day")
    assert "988" in calls[-1]["metadata"]["client"]["crisis_resources"]
