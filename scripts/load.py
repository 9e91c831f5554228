"""Load run on loopback: the scaled-out stack (two of each server behind balancers, a fresh
PostgreSQL database, Redis) and CONVERSATIONS web conversations at once, each a few messages.

Bounded: a fixed number of conversations and a deadline for the whole run. Afterwards the database
is checked: every message sent is stored exactly once and answered. Prints latency percentiles
and writes them to reports/load.json.

    .venv/bin/python scripts/load.py [--conversations 200] [--messages 3] [--deadline 300]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import statistics
import sys
import time
from pathlib import Path

from sqlalchemy import create_engine, func, select, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.db import migrate  # noqa: E402
from bot.gateway import load_texts  # noqa: E402
from bot.models import Message  # noqa: E402
from bot.stack import Stack, free_port  # noqa: E402
from tests.e2e.fault_chat import Chat  # noqa: E402
from tests.services import PostgresDatabase, clear_redis, open_redis  # noqa: E402

WORDS = ["I had a long day", "my kids were great today", "work was stressful but I got through it",
         "I went to my appointment", "I'm thinking about my sister", "it rained all day"]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


async def converse(base: str, n: int, messages: int, latencies: list[float], stats: dict) -> int:
    chat = await Chat(base).open()
    try:
        for i in range(messages):
            first, replies = await chat.exchange(f"{WORDS[(n + i) % len(WORDS)]} ({n}.{i})", 300)
            latencies.append(first)
            stats["moment"] += replies == [load_texts()["rasa_unavailable"]]
        stats["reconnects"] += chat.reconnects
        return messages
    finally:
        await chat.close()


async def drive(base: str, conversations: int, messages: int, deadline: float) -> dict:
    latencies: list[float] = []
    stats = {"moment": 0, "reconnects": 0}
    started = time.perf_counter()
    results = await asyncio.wait_for(
        asyncio.gather(*(converse(base, n, messages, latencies, stats) for n in range(conversations)),
                       return_exceptions=True),
        deadline,
    )
    elapsed = time.perf_counter() - started
    failures = [repr(r) for r in results if isinstance(r, BaseException)]
    return {"latencies": latencies, "elapsed": elapsed, "failures": failures, **stats}


def check_database(url: str, conversations: int, messages: int) -> dict:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            inbound = conn.execute(select(func.count()).where(Message.direction == "in")).scalar()
            distinct = conn.execute(text(
                "SELECT count(DISTINCT (client_id, client_msg_id)) FROM messages WHERE direction='in'"
            )).scalar()
            unanswered = conn.execute(select(func.count()).where(
                Message.direction == "in", Message.answered_at.is_(None))).scalar()
            clients = conn.execute(text(
                "SELECT count(DISTINCT client_id) FROM messages WHERE direction='in'")).scalar()
    finally:
        engine.dispose()
    return {"sent": conversations * messages, "stored": inbound, "distinct": distinct,
            "unanswered": unanswered, "clients": clients}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=200)
    parser.add_argument("--messages", type=int, default=3)
    parser.add_argument("--deadline", type=float, default=300.0)
    args = parser.parse_args()

    database = PostgresDatabase()
    database.create()
    redis = open_redis()
    workdir = ROOT / "var" / f"load-{secrets.token_hex(3)}"
    stack = Stack(
        rasa_port=free_port(), action_port=free_port(), gateway_port=free_port(),
        database_url=database.url, tracker_db=str(workdir / "unused.db"), log_dir=workdir / "log",
        replicas=2, redis_url=redis.url, redis_prefix=redis.prefix,
        # Many clients at once queue on Rasa: a long deadline, and no flood limit for the driver.
        extra_env={"RASA_TIMEOUT_SECONDS": "60", "RATE_LIMIT_MESSAGES": "1000"},
    )
    try:
        migrate(database.url)
        print("starting two of each server behind balancers ...", flush=True)
        stack.start(timeout=300, progress=True)
        run = asyncio.run(drive(stack.gateway_url, args.conversations, args.messages, args.deadline))
        # Every reply the clients saw is stored; give the last answers a moment to be marked.
        for _ in range(30):
            db = check_database(database.url, args.conversations, args.messages)
            if db["unanswered"] == 0:
                break
            time.sleep(1)
    finally:
        stack.stop()
        database.drop()
        clear_redis(redis)

    lat = run["latencies"]
    report = {
        "conversations": args.conversations,
        "messages_per_conversation": args.messages,
        "replicas": 2,
        "elapsed_seconds": round(run["elapsed"], 1),
        "messages_per_second": round(len(lat) / run["elapsed"], 1),
        "first_reply_seconds": {
            "p50": round(percentile(lat, 0.50), 3), "p90": round(percentile(lat, 0.90), 3),
            "p95": round(percentile(lat, 0.95), 3), "p99": round(percentile(lat, 0.99), 3),
            "max": round(max(lat), 3) if lat else None,
            "mean": round(statistics.fmean(lat), 3) if lat else None,
        },
        "give_me_a_moment_replies": run["moment"],
        "reconnects": run["reconnects"],
        "failed_conversations": len(run["failures"]),
        "database": db,
    }
    ok = (not run["failures"] and db["stored"] == db["sent"] == db["distinct"]
          and db["unanswered"] == 0 and db["clients"] == args.conversations)
    report["ok"] = ok
    (ROOT / "reports").mkdir(exist_ok=True)
    (ROOT / "reports" / "load.json").write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))
    for failure in run["failures"][:5]:
        print("failure:", failure)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
