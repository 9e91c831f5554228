"""A five-turn check-in through the real widget in headless Chromium, on the real stack."""

from __future__ import annotations

import time

import httpx
import pytest
from playwright.sync_api import Page, expect

from bot.care_style import code_reply
from bot.stack import Stack

pytestmark = pytest.mark.e2e

TURNS = [
    "I've been feeling really stressed this week",
    "my landlord says I might have to move out by the end of the month",
    "but I went to my NA meeting on Tuesday",
    "I got my daughter to school on time every day too",
    "that's all for today",
]


def companion_messages(page: Page) -> list[str]:
    return page.locator('[role="log"] [data-sender="companion"]').all_inner_texts()


def wait_for_more_companion_messages(page: Page, seen: int) -> None:
    page.wait_for_function(
        "n => document.querySelectorAll('[role=\"log\"] [data-sender=\"companion\"]').length > n",
        arg=seen,
        timeout=20_000,
    )
    # Several replies may come for one message; wait until the typing indicator is gone.
    page.wait_for_function("() => window.CompanionWidget.state().pending === 0", timeout=20_000)
    page.wait_for_timeout(600)


def strip_sender(text: str) -> str:
    return text.split(":", 1)[1].strip() if text.startswith("Companion:") else text.strip()


def agree(page: Page, name: str = "Skip") -> None:
    """Answer the first-contact notice with its buttons, then the name question."""
    log = page.get_by_role("log")
    expect(log).to_contain_text("not a person", timeout=30_000)
    page.get_by_role("button", name="I agree").click()
    expect(log).to_contain_text("What would you like me to call you?", timeout=10_000)
    if name == "Skip":
        page.get_by_role("button", name="Skip").click()
    else:
        page.get_by_role("textbox", name="Message").fill(name)
        page.get_by_role("button", name="Send").click()
    page.wait_for_function(
        "() => document.querySelectorAll('[role=\"log\"] [data-sender=\"companion\"]').length >= 4",
        timeout=20_000,
    )
    page.wait_for_function("() => window.CompanionWidget.state().pending === 0", timeout=20_000)
    page.wait_for_timeout(600)


def test_health_reports_every_part(stack: Stack) -> None:
    report = httpx.get(f"{stack.gateway_url}/healthz", timeout=5).json()
    assert report == {"status": "ok", "rasa": "ok", "action_server": "ok", "database": "ok"}


def test_a_five_turn_checkin_is_reflective_and_never_advises(stack: Stack, browser) -> None:
    page = browser.new_page()
    page.goto(stack.gateway_url + "/")
    log = page.get_by_role("log")
    expect(log).to_contain_text("not a person", timeout=30_000)
    expect(log).to_contain_text("Harbor Housing")
    agree(page)

    message_box = page.get_by_role("textbox", name="Message")
    send = page.get_by_role("button", name="Send")
    replies_by_turn: list[list[str]] = []
    for turn in TURNS:
        seen = len(companion_messages(page))
        message_box.fill(turn)
        send.click()
        wait_for_more_companion_messages(page, seen)
        replies_by_turn.append([strip_sender(t) for t in companion_messages(page)[seen:]])

    for turn, replies in zip(TURNS[:-1], replies_by_turn[:-1], strict=True):
        codes = [c.code for reply in replies for c in code_reply(reply, client_text=turn)]
        assert codes and codes[0] in ("reflection", "affirmation"), (turn, replies)
        assert set(codes) <= {"reflection", "affirmation", "open_question"}, (turn, replies)
    assert any("landlord" in reply for reply in replies_by_turn[1])
    summary = " ".join(replies_by_turn[-1])
    assert "meeting" in summary and "landlord" in summary
    every_reply = [r for replies in replies_by_turn for r in replies]
    assert all(c.code != "advice" for r in every_reply for c in code_reply(r))

    # A reload shows the same conversation, once.
    before = page.locator('[role="log"] [data-message-id]').evaluate_all(
        "els => els.map(e => e.dataset.messageId)"
    )
    page.reload()
    expect(page.get_by_role("log")).to_contain_text(TURNS[-1], timeout=20_000)
    page.wait_for_timeout(1000)
    after = page.locator('[role="log"] [data-message-id]').evaluate_all(
        "els => els.map(e => e.dataset.messageId)"
    )
    assert after == before
    assert len(after) == len(set(after))
    page.close()


def test_text_is_shown_as_text_never_as_html(stack: Stack, browser) -> None:
    page = browser.new_page()
    page.goto(stack.gateway_url + "/")
    agree(page)
    page.get_by_role("textbox", name="Message").fill("<b>bold</b><img src=x onerror=alert(1)>")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("log")).to_contain_text("<b>bold</b>", timeout=10_000)
    assert page.locator('[role="log"] b').count() == 0
    assert page.locator('[role="log"] img').count() == 0
    page.close()


def test_a_risk_message_through_the_widget_gets_the_safety_reply(stack: Stack, browser) -> None:
    """Before the client has answered the notice: safety does not wait for consent."""
    page = browser.new_page()
    page.goto(stack.gateway_url + "/")
    expect(page.get_by_role("log")).to_contain_text("not a person", timeout=30_000)
    page.get_by_role("textbox", name="Message").fill("I want to end my life tonight")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("log")).to_contain_text("911", timeout=10_000)
    expect(page.get_by_role("log")).to_contain_text("988")
    page.close()


def restart(process, timeout: float = 30.0) -> None:
    process.start()
    deadline = time.monotonic() + timeout
    while not process.ready():
        assert time.monotonic() < deadline, f"{process.name} did not come back"
        time.sleep(0.2)


def test_a_message_sent_while_the_gateway_is_down_arrives_once(stack: Stack, browser) -> None:
    page = browser.new_page()
    page.goto(stack.gateway_url + "/")
    agree(page)
    companion_before = page.locator('[role="log"] [data-sender="companion"]').count()
    gateway = next(p for p in stack.processes if p.name == "gateway")
    gateway.stop()
    expect(page.get_by_text("Reconnecting")).to_be_visible(timeout=10_000)
    page.get_by_role("textbox", name="Message").fill("I cooked dinner for my kids tonight")
    page.get_by_role("button", name="Send").click()
    restart(gateway)
    page.wait_for_function(
        "() => window.CompanionWidget.state().connected && window.CompanionWidget.state().pending === 0",
        timeout=30_000,
    )
    page.wait_for_function(
        "n => document.querySelectorAll('[role=\"log\"] [data-sender=\"companion\"]').length > n",
        arg=companion_before,
        timeout=15_000,
    )
    page.reload()
    expect(page.get_by_role("log")).to_contain_text("dinner", timeout=20_000)
    page.wait_for_timeout(1000)
    # "I agree", "skip" and the message sent while the gateway was down, each once.
    expect(page.locator('[role="log"] [data-sender="client"]')).to_have_count(3)
    page.close()
