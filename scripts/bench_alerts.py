"""Alert latency: a client's urgent message on Telegram → the worker's alert at the Bot API.

Runs the gateway with Telegram in polling mode against the loopback Bot API server the tests use
(tests/support/bot_api.py), a fresh SQLite database (or --database-url) and the alert loop
running on its real clock. Each figure is the time from the update being handed to the Bot API
server until the worker's sendMessage for that client arrives back at it, so it covers polling,
the safety screen, the escalation and outbox write, waking the loop, the claim and the send.
  1. one at a time: 50 clients, each sending one urgent message after the last alert arrived,
  2. a burst: 20 clients, each with their own worker, sending at once,
  3. the worst case: 20 clients with no worker sending at once, so all 20 alerts go to the one
     on-call worker's chat; messages to one chat leave one after another (and Telegram itself
     allows about one a second per chat), so this shows queueing, not the pipeline.
Prints the figures and writes reports/bench_alerts.json.
Usage: .venv/bin/python scripts/bench_alerts.py [--count 50] [--burst 20] [--database-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.bot_api import FakeBotApi, text_update  # noqa: E402
from tests.support.telegram_gateway import TOKEN, TelegramGateway  # noqa: E402

WORKER_CHAT = 9_000_001
URGENT = "I want to kill myself"


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def summary(values: list[float]) -> dict[str, float]:
    return {
        "n": len(values),
        "p50_ms": round(percentile(values, 50) * 1000, 1),
        "p95_ms": round(percentile(values, 95) * 1000, 1),
        "max_ms": round(max(values) * 1000, 1),
        "mean_ms": round(statistics.mean(values) * 1000, 1),
    }


def no_rasa() -> httpx.MockTransport:
    # Urgent messages never reach the dialogue engine; anything else gets an empty answer.
    return httpx.MockTransport(lambda request: httpx.Response(200, json=[]))


async def alert_arrival(
    tg: TelegramGateway, api: FakeBotApi, chat_id: int, worker_chat: int
) -> float:
    """When the worker's alert for the client on `chat_id` reached the Bot API server."""

    def arrived() -> float | None:
        client_id = tg.client_id(chat_id)
        if client_id is None:
            return None
        name = tg.name_of(client_id)
        for call in list(api.calls):
            if (call.method == "sendMessage" and call.status == 200
                    and int(call.params.get("chat_id", 0)) == worker_chat
                    and f"alert for {name}" in call.params.get("text", "")):
                return call.at
        return None

    return await api.wait_for(arrived, timeout=30)


async def one(
    tg: TelegramGateway, api: FakeBotApi, chat_id: int, worker_chat: int = WORKER_CHAT
) -> float:
    update = text_update(chat_id, URGENT)
    api.push(update)
    arrived = await alert_arrival(tg, api, chat_id, worker_chat)
    return arrived - api.push_times[update["update_id"]]


async def bench(database_url: str, count: int, burst: int) -> dict:
    api = FakeBotApi(TOKEN).start()
    tg = TelegramGateway(database_url, api, no_rasa())
    tg.casework.add_worker("Bench worker", WORKER_CHAT, on_call=True)
    await tg.start()
    try:
        await one(tg, api, 100)  # warm-up: first imports, first connections
        sequential = [await one(tg, api, 1000 + i) for i in range(count)]
        for i in range(burst):
            worker = tg.casework.add_worker(f"Worker {i}", WORKER_CHAT + 1 + i)
            client_id = tg.gateway.store.client_for("telegram", str(3000 + i))
            tg.casework.assign(client_id, worker.id)
        own_workers = await asyncio.gather(
            *(one(tg, api, 3000 + i, WORKER_CHAT + 1 + i) for i in range(burst))
        )
        one_worker = await asyncio.gather(*(one(tg, api, 5000 + i) for i in range(burst)))
    finally:
        await tg.stop()
        api.stop()
    return {
        "what": "client urgent message on Telegram -> worker's alert sendMessage at the loopback Bot API",
        "mode": "telegram polling, alert loop woken on write",
        "database": database_url.split("://")[0],
        "one_at_a_time": summary(sequential),
        "burst_own_workers": summary(list(own_workers)),
        "burst_one_on_call_worker": summary(list(one_worker)),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=50)
    parser.add_argument("--burst", type=int, default=20)
    parser.add_argument("--database-url", help="default: a fresh SQLite file")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{tmp}/bench_alerts.db"
        started = time.perf_counter()
        report = asyncio.run(bench(url, args.count, args.burst))
        report["seconds"] = round(time.perf_counter() - started, 1)
    print(json.dumps(report, indent=2))
    out = ROOT / "reports" / "bench_alerts.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
