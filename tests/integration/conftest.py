"""Integration tests run on both databases the gateway supports: SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.db import migrate
from tests.services import PostgresDatabase, truncate_all


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated, empty gateway database: a file per test, or the run's PostgreSQL database."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path}/gateway.db"
        migrate(url)
        return url
    database: PostgresDatabase = request.getfixturevalue("postgres_database")
    truncate_all(database.url)
    return database.url


@pytest.fixture
def pg_url(postgres_database: PostgresDatabase) -> str:
    """The run's PostgreSQL database, emptied: for tests that need PostgreSQL itself."""
    truncate_all(postgres_database.url)
    return postgres_database.url
