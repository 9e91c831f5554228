"""The demo page and the widget's footer in Chromium name the program's crisis resources: the
gateway's web app answers the browser's requests (no Rasa needed for what is checked here)."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.web.app import create_app
from tests.integration.test_gateway import Harness, default_replies, scripted_rasa

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

pytestmark = pytest.mark.e2e
SAMARITANS = "Call 116 123 (Samaritans) any time."
ORIGIN = "http://gateway.test"


@pytest.fixture
def page_of(browser, tmp_path: Path) -> Iterator:
    pages = []

    def open_demo(**settings):
        where = tmp_path / f"gateway-{len(pages)}"
        where.mkdir()
        harness = Harness(where, scripted_rasa(default_replies, []), **settings)
        http = TestClient(create_app(harness.gateway, harness.hub))
        page = browser.new_page()
        pages.append(page)

        def answer(route) -> None:
            path = route.request.url.removeprefix(ORIGIN)
            got = http.request(route.request.method, path)
            route.fulfill(status=got.status_code, headers=dict(got.headers), body=got.content)

        page.route(f"{ORIGIN}/**", answer)
        page.goto(f"{ORIGIN}/")
        return page

    yield open_demo
    for page in pages:
        page.close()


def test_a_program_outside_the_us_sees_its_own_resources(page_of) -> None:
    from playwright.sync_api import expect

    page = page_of(crisis_resources=SAMARITANS)
    footer = page.locator(".cw-footer")
    expect(footer).to_have_text(f"Not an emergency service. {SAMARITANS}", timeout=10_000)
    assert page.locator("a[href^='tel:']").count() == 0
    body = page.locator("body").inner_text()
    assert SAMARITANS in body and "988" not in body and "911" not in body


def test_without_program_resources_the_footer_links_the_us_defaults(page_of) -> None:
    from playwright.sync_api import expect

    page = page_of()
    expect(page.locator(".cw-footer a[href='tel:911']")).to_have_text("Call 911", timeout=10_000)
    expect(page.locator(".cw-footer a[href='tel:988']")).to_have_text("Call or text 988")
    assert "988 (Suicide & Crisis Lifeline)" in page.locator(".demo-intro").inner_text()
