"""A returning Spanish-speaking client is welcomed back by name, through the widget's protocol."""

from __future__ import annotations

import pytest

from bot.language import detect
from bot.stack import Stack
from tests.e2e.test_values_recall import age_checkins
from tests.e2e.widget_client import WidgetClient

pytestmark = pytest.mark.e2e


async def test_a_returning_client_is_welcomed_back_by_name_in_spanish(stack: Stack) -> None:
    async with WidgetClient(stack.gateway_url) as first_visit:
        await first_visit.say("Español")
        replies = await first_visit.agree("Llámame Rosa", agree="Acepto")
        assert replies[0] == "Gracias por decírmelo." and "Rosa" in " ".join(replies)
        token, last_id = first_visit.token, first_visit.last_id

    age_checkins(stack.database_url, token, hours=3)
    second_visit = WidgetClient(stack.gateway_url, token=token)
    second_visit.last_id = last_id
    async with second_visit:
        opening = [m["text"] for m in second_visit.messages if m["sender"] == "companion"]
    assert opening and "Rosa" in opening[0], opening
    assert all(detect(text) != "en" for text in opening), opening
