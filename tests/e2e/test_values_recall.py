"""Values through the real stack: reflected in the client's words, remembered, recalled later."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import create_engine, text

from bot.stack import Stack
from bot.store import token_digest
from tests.e2e.widget_client import WidgetClient

pytestmark = pytest.mark.e2e


def age_checkins(database_url: str, token: str, hours: float) -> None:
    """Move a widget client's check-ins back in time, as if they had been away."""
    engine = create_engine(database_url)
    # Stored as SQLAlchemy stores it in SQLite: naive UTC text.
    cutoff = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=hours)).replace(tzinfo=None)
    cutoff = cutoff.isoformat(sep=" ")
    with engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE checkins SET last_message_at = :cutoff WHERE client_id = "
                "(SELECT id FROM clients WHERE channel = 'web' AND external_id = :digest)"
            ),
            {"cutoff": cutoff, "digest": token_digest(token)},
        )
    engine.dispose()


async def test_a_value_is_reflected_then_recalled_at_the_next_checkin(stack: Stack) -> None:
    async with WidgetClient(stack.gateway_url) as first_visit:
        await first_visit.agree()
        _, replies = await first_visit.say("being there for my kids matters more than anything to me")
        reflection = " ".join(replies)
        assert "your kids" in reflection.lower()
        assert " my kids" not in reflection.lower()
        token, last_id = first_visit.token, first_visit.last_id

    age_checkins(stack.database_url, token, hours=3)

    second_visit = WidgetClient(stack.gateway_url, token=token)
    second_visit.last_id = last_id
    async with second_visit:
        opening = " ".join(m["text"] for m in second_visit.messages if m["sender"] == "companion")
    assert "your kids" in opening.lower(), opening
    assert "?" in opening
    assert "not a person" not in opening  # the first-contact notice is not repeated


async def test_a_recalled_value_is_not_recalled_again_at_once(stack: Stack) -> None:
    async with WidgetClient(stack.gateway_url) as client:
        await client.agree()
        await client.say("staying sober is the most important thing in my life")
        token, last_id = client.token, client.last_id
    openings = []
    for _ in range(2):
        age_checkins(stack.database_url, token, hours=3)
        visit = WidgetClient(stack.gateway_url, token=token)
        visit.last_id = last_id
        async with visit:
            openings.append(" ".join(m["text"] for m in visit.messages if m["sender"] == "companion"))
            last_id = visit.last_id
    assert "sober" in openings[0].lower()
    assert "sober" not in openings[1].lower()
