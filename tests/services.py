"""PostgreSQL and Redis for the tests that need them.

Each test run gets a fresh PostgreSQL database (`companion_test_<random>`, dropped afterwards) and
its own Redis key and channel prefix. When a service is absent the tests that need it fail under
CI (`CI=true`: `make test` must cover the scale-out path) and are skipped with a reason elsewhere.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.engine import URL

from bot.db import migrate
from bot.models import Base

POSTGRES_ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
# A database number of its own, and a prefix per run, so other users of this Redis are untouched.
REDIS_TEST_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/11")


def service_missing(what: str, reason: str) -> None:
    """Fail under CI, where the scale-out path must be tested; skip with the reason elsewhere."""
    message = f"{what} is not reachable ({reason}); `.ci/run` starts it"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)


class PostgresDatabase:
    """A database made for one test run on the local PostgreSQL server."""

    def __init__(self, admin_url: str = POSTGRES_ADMIN_URL) -> None:
        self._admin: URL = make_url(admin_url)
        self.name = f"companion_test_{secrets.token_hex(4)}"
        self.url = self._admin.set(database=self.name).render_as_string(hide_password=False)

    def _admin_engine(self):  # type: ignore[no-untyped-def]
        return create_engine(self._admin, isolation_level="AUTOCOMMIT")

    def create(self) -> None:
        engine = self._admin_engine()
        try:
            with engine.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{self.name}"'))
        finally:
            engine.dispose()

    def drop(self) -> None:
        engine = self._admin_engine()
        try:
            with engine.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
        finally:
            engine.dispose()

    @property
    def tracker_url(self) -> str:
        """The same database as Rasa's SQL tracker store sees it (psycopg2, SQLAlchemy 1.4)."""
        return make_url(self.url).set(drivername="postgresql").render_as_string(hide_password=False)


def open_postgres() -> PostgresDatabase:
    database = PostgresDatabase()
    try:
        database.create()
    except Exception as exc:  # noqa: BLE001  (any failure means there is no server to use)
        service_missing("PostgreSQL at 127.0.0.1:5432", type(exc).__name__)
    return database


def truncate_all(url: str) -> None:
    """Empty every gateway table so each test starts clean on the run's database."""
    engine = create_engine(url)
    try:
        tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
        with engine.begin() as conn:
            conn.execute(text(f"TRUNCATE TABLE {tables} RESTART IDENTITY CASCADE"))
    finally:
        engine.dispose()


@dataclass(frozen=True)
class RedisTarget:
    url: str
    prefix: str


def open_redis() -> RedisTarget:
    import redis

    try:
        connection = redis.Redis.from_url(REDIS_TEST_URL, socket_timeout=2)
        connection.ping()
        connection.close()
    except Exception as exc:  # noqa: BLE001
        service_missing("Redis at 127.0.0.1:6379", type(exc).__name__)
    return RedisTarget(url=REDIS_TEST_URL, prefix=f"companiontest{secrets.token_hex(4)}")


def clear_redis(target: RedisTarget) -> None:
    import redis

    connection = redis.Redis.from_url(target.url)
    try:
        keys = list(connection.scan_iter(f"{target.prefix}*"))
        if keys:
            connection.delete(*keys)
    finally:
        connection.close()


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[PostgresDatabase]:
    database = open_postgres()
    try:
        migrate(database.url)
        yield database
    finally:
        database.drop()


@pytest.fixture(scope="session")
def redis_target() -> Iterator[RedisTarget]:
    target = open_redis()
    yield target
    clear_redis(target)
