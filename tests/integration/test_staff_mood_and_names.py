"""The staff pages' mood chart and known names come from what clients told the companion."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from bot.db import make_engine, make_sessionmaker, migrate
from bot.models import CheckIn, Client, Mood
from bot.staff.queries import extra_known_names, mood_series


def test_weekly_mood_needs_three_clients_and_preferred_names_are_known(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/staff.db"
    migrate(url)
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    monday = dt.datetime(2026, 11, 23, 15, 0, tzinfo=dt.timezone.utc)
    with sessions.begin() as session:
        for n, (name, scores) in enumerate([("Nnamdi", [4, 6]), ("Lucía", [7]), (None, [2])]):
            client = Client(channel="web", external_id=f"c{n}", preferred_name=name)
            session.add(client)
            session.flush()
            for day, score in enumerate(scores):
                checkin = CheckIn(client_id=client.id, channel="web", started_at=monday)
                session.add(checkin)
                session.flush()
                at = monday + dt.timedelta(days=day)
                session.add(Mood(client_id=client.id, checkin_id=checkin.id, score=score, created_at=at))
    try:
        with sessions.begin() as session:
            assert mood_series(session) == [("2026-11-23", 4.75)]
            assert sorted(extra_known_names(session)) == ["Lucía", "Nnamdi"]
        # One client alone in the next week: left out, so no one stands out.
        with sessions.begin() as session:
            lone = Client(channel="web", external_id="lone")
            session.add(lone)
            session.flush()
            checkin = CheckIn(client_id=lone.id, channel="web", started_at=monday)
            session.add(checkin)
            session.flush()
            session.add(Mood(client_id=lone.id, checkin_id=checkin.id, score=9,
                             created_at=monday + dt.timedelta(days=8)))
        with sessions.begin() as session:
            assert mood_series(session) == [("2026-11-23", 4.75)]
    finally:
        engine.dispose()
