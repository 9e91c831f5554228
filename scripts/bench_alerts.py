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
Prints the figures and writes the "alerts" section of reports/bench.json.
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

from scripts.report_file import BENCH_REPORT, write_section  # noqa: E402
from tests.support.bot_api import Call, FakeBotApi, text_update  # noqa: E402
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


def alert_calls(api: FakeBotApi) -> list[Call]:
    return [
        call for call in list(api.calls)
        if call.method == "sendMessage" and call.status == 200 and "alert for" in call.params["text"]
    ]


async def send_urgent(
    tg: TelegramGateway, api: FakeBotApi, chats: list[tuple[int, int]]
) -> list[float]:
    """Each (client chat, worker chat) sends an urgent message at once; returns each latency.
    Arrivals are matched afterwards, so measuring does not load the gateway while it works."""
    before = len(alert_calls(api))
    updates = [(text_update(chat, URGENT), chat, worker) for chat, worker in chats]
    for update, _, _ in updates:
        api.push(update)
    await api.wait_for(lambda: len(alert_calls(api)) >= before + len(chats), timeout=60)
    latencies = []
    for update, chat, worker in updates:
        client_id = tg.client_id(chat)
        assert client_id is not None
        marker = f"alert for {tg.name_of(client_id)}"
        [call] = [
            c for c in alert_calls(api)
            if marker in c.params["text"] and int(c.params["chat_id"]) == worker
        ]
        latencies.append(call.at - api.push_times[update["update_id"]])
    return latencies


async def bench(database_url: str, count: int, burst: int) -> dict:
    api = FakeBotApi(TOKEN).start()
    tg = TelegramGateway(database_url, api, no_rasa())
    tg.casework.add_worker("Bench worker", WORKER_CHAT, on_call=True)
    await tg.start()
    try:
        await send_urgent(tg, api, [(100, WORKER_CHAT)])  # warm-up: first connections
        sequential = [
            (await send_urgent(tg, api, [(1000 + i, WORKER_CHAT)]))[0] for i in range(count)
        ]
        for i in range(burst):
            worker = tg.casework.add_worker(f"Worker {i}", WORKER_CHAT + 1 + i)
            client_id = tg.gateway.store.client_for("telegram", str(3000 + i))
            tg.casework.assign(client_id, worker.id)
        own_workers = await send_urgent(
            tg, api, [(3000 + i, WORKER_CHAT + 1 + i) for i in range(burst)]
        )
        one_worker = await send_urgent(tg, api, [(5000 + i, WORKER_CHAT) for i in range(burst)])
    finally:
        await tg.stop()
        api.stop()
    return {
        "what": "client urgent message on Telegram -> worker's alert sendMessage at the loopback Bot API",
        "mode": "telegram polling, alert loop woken on write",
        "database": database_url.split("://")[0],
        "one_at_a_time": summary(sequential),
        "burst_own_workers": summary(own_workers),
        "burst_one_on_call_worker": summary(one_worker),
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
    write_section("alerts", report, path=BENCH_REPORT)
    return 0


if __name__ == "__main__":
    sys.exit(main())
