"""The stack's scale-out settings: what Rasa's endpoints.yml and the gateways are given."""

from __future__ import annotations

import argparse

from bot.commands import run
from bot.stack import Stack


def test_the_default_stack_keeps_sqlite_and_in_memory_locks() -> None:
    env = Stack(tracker_db="var/t.db")._rasa_store_env()
    assert env["RASA_TRACKER_DIALECT"] == "sqlite" and env["RASA_TRACKER_DB"] == "var/t.db"
    assert env["RASA_TRACKER_HOST"] == "" and env["RASA_LOCK_STORE"] == "in_memory"
    assert Stack()._gateway_scale_env() == {"RASA_TRACKER_URL": "sqlite:///var/rasa_tracker.db"}


def test_postgresql_and_redis_reach_rasa_and_the_gateways() -> None:
    stack = Stack(
        database_url="postgresql+psycopg://companion:pw@db.local:5433/companion",
        redis_url="redis://cache.local:6380/4", redis_prefix="harbor-1",
    )
    env = stack._rasa_store_env()
    assert env["RASA_TRACKER_DIALECT"] == "postgresql"
    assert env["RASA_TRACKER_HOST"] == "postgresql://companion:pw@db.local:5433/companion"
    assert (env["RASA_LOCK_STORE"], env["RASA_LOCK_HOST"], env["RASA_LOCK_PORT"]) == (
        "redis", "cache.local", "6380")
    assert env["RASA_LOCK_DB"] == "4" and env["RASA_LOCK_PREFIX"] == "harbor1"
    assert stack._gateway_scale_env() == {
        # The gateway deletes a client's Rasa events in the same PostgreSQL database.
        "RASA_TRACKER_URL": "postgresql+psycopg://companion:pw@db.local:5433/companion",
        "REDIS_URL": "redis://cache.local:6380/4", "REDIS_PREFIX": "harbor-1"}


def test_replicas_run_behind_one_balancer_per_tier() -> None:
    stack = Stack(replicas=2, gateway_port=8100, rasa_port=5100, action_port=5200,
                  database_url="postgresql+psycopg://postgres@127.0.0.1/c", redis_url="redis://x/0")
    names = [p.name for p in stack._build_replicas()]
    assert names == ["action server 1", "action server 2", "action server balancer",
                     "rasa 1", "rasa 2", "rasa balancer",
                     "gateway 1", "gateway 2", "gateway balancer"]
    gateways = [p for p in stack._build_replicas() if p.name in ("gateway 1", "gateway 2")]
    assert all(p.env["RASA_URL"] == "http://127.0.0.1:5100" for p in gateways)
    assert all(p.env["REDIS_URL"] == "redis://x/0" for p in gateways)


def test_run_refuses_replicas_without_postgresql_and_redis(monkeypatch, capsys) -> None:
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.setenv("DATABASE_URL", "sqlite:///var/x.db")
    assert run.run(argparse.Namespace(replicas=2)) == 2
    assert "PostgreSQL" in capsys.readouterr().out
