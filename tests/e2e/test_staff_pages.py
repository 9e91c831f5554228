"""A staff member signs in through headless Chromium and walks the list, a transcript and the
trends, against the gateway app alone on a free port with a seeded SQLite database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.settings import Settings
from bot.wiring import build_app
from tests.staff_fixtures import PASSWORD, seed, serve


@pytest.fixture(scope="module")
def staff_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    seeded = seed(f"sqlite:///{tmp_path_factory.mktemp('staff-e2e')}/staff.db")
    settings = Settings(database_url=seeded.url, pseudonym_key="e2e", session_secret="e" * 32)
    with serve(build_app(settings)) as url:
        yield url, seeded.ann_checkin


def test_sign_in_list_transcript_and_trends(browser, staff_url: tuple[str, int], tmp_path: Path) -> None:
    url, checkin = staff_url
    errors: list[str] = []
    page = browser.new_page()
    page.on("console", lambda msg: errors.append(msg.text) if "Content Security" in msg.text else None)
    page.on(
        "response",
        lambda r: errors.append(r.url) if r.status >= 400 and not r.url.endswith("/favicon.ico") else None,
    )
    try:
        page.goto(f"{url}/staff/")
        page.fill("input[name=username]", "sam")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_selector("table.conversations")
        assert page.locator("table.conversations tbody tr").count() == 2
        page.select_option("select[name=escalated]", "yes")
        page.click("form.filters button")
        page.wait_for_url("**escalated=yes**")
        assert page.locator("table.conversations tbody tr").count() == 1

        page.click(f"a[href$='/conversations/{checkin}']")
        page.wait_for_selector("ol.transcript")
        text = page.inner_text("ol.transcript")
        assert "[NAME]" in text and "[PHONE]" in text and "Okafor" not in text
        assert page.locator("li.risk .screen").count() == 1
        page.fill("input[name=tag]", "reviewed")
        page.click("form.note button")
        page.wait_for_selector("span.tag")
        assert page.inner_text("span.tag") == "reviewed"

        page.click("nav a[href$='/trends']")
        page.wait_for_selector("svg.chart")
        assert page.locator("svg.chart").count() >= 4
        page.screenshot(path=str(tmp_path / "trends.png"), full_page=True)
        assert errors == []  # nothing missing, nothing blocked by the CSP
    finally:
        page.close()


def test_a_worker_resolves_an_escalation_in_the_browser(
    browser, staff_url: tuple[str, int]
) -> None:
    url, checkin = staff_url
    page = browser.new_page()
    try:
        page.goto(f"{url}/staff/login")
        page.fill("input[name=username]", "ann")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.click("nav a[href$='/escalations']")
        page.wait_for_selector("table.escalations")
        assert page.locator("table.escalations tbody tr").count() == 1
        assert "urgent" in page.inner_text("table.escalations")
        page.fill("form.resolve input[name=note]", "Spoke with them; safe tonight")
        page.click("form.resolve button")
        page.wait_for_selector("p.message")
        assert "No escalations match." in page.inner_text("table.escalations")
        page.goto(f"{url}/staff/conversations/{checkin}")
        assert "resolved" in page.inner_text("main")
    finally:
        page.close()
