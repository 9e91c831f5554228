"""Speed of the companion: reply latency through the widget's WebSocket and straight to Rasa.

Starts the whole stack on loopback with a fresh database, then measures
  1. 100 widget messages, one at a time, over ten 10-turn check-ins (p50/p95/p99),
  2. the same messages straight to Rasa's REST channel (the gateway's overhead is the ratio),
  3. open-loop arrivals at several rates spread over many 10-turn check-ins,
  4. latency against conversation length (one client, 60 turns),
  5. the memory of each process.
Prints a table and writes reports/bench.json.  Usage: .venv/bin/python scripts/bench.py [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.stack import Stack  # noqa: E402
from tests.e2e.widget_client import WidgetClient  # noqa: E402

CHECKIN_LINES = [
    "hi",
    "I've been pretty stressed this week",
    "my caseworker moved my appointment again",
    "I went to my meeting on Tuesday though",
    "work has been long, double shifts",
    "my son had a good week at school",
    "I'm feeling a bit better today",
    "money is tight and rent is due",
    "I cooked dinner for my family last night",
    "that's all for today",
]


def percentile(values: list[float], pct: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


def summary(values: list[float]) -> dict[str, float]:
    return {
        "n": len(values),
        "p50_ms": round(percentile(values, 50) * 1000, 1),
        "p95_ms": round(percentile(values, 95) * 1000, 1),
        "p99_ms": round(percentile(values, 99) * 1000, 1),
    }


async def widget_sequential(base_url: str, checkins: int) -> list[float]:
    latencies = []
    for _ in range(checkins):
        async with WidgetClient(base_url) as client:
            await client.agree()
            for line in CHECKIN_LINES:
                latencies.append((await client.say(line))[0])
    return latencies


async def rasa_sequential(rasa_url: str, checkins: int) -> list[float]:
    latencies = []
    async with httpx.AsyncClient(timeout=30) as http:
        for _ in range(checkins):
            sender = f"bench-{uuid.uuid4().hex}"
            for line in CHECKIN_LINES:
                started = time.perf_counter()
                response = await http.post(f"{rasa_url}/webhooks/rest/webhook",
                                           json={"sender": sender, "message": line})
                response.raise_for_status()
                latencies.append(time.perf_counter() - started)
    return latencies


async def open_loop_widget(base_url: str, rate: float, duration: float) -> list[float]:
    """Messages arrive at `rate` per second regardless of replies, over concurrent check-ins."""
    latencies: list[float] = []
    total = int(rate * duration)
    conversations = max(1, total // len(CHECKIN_LINES))
    clients = [WidgetClient(base_url) for _ in range(conversations)]
    opened = await asyncio.gather(*(c.__aenter__() for c in clients))
    await asyncio.gather(*(c.agree() for c in opened))
    locks = [asyncio.Lock() for _ in opened]
    interval = 1 / rate

    async def one(conversation: int, line: str) -> None:
        arrived = time.perf_counter()
        # One socket reads one reply at a time; waiting for it counts as latency.
        async with locks[conversation]:
            latencies.append((await opened[conversation].say(line, arrived))[0])

    tasks = []
    started = time.perf_counter()
    for i in range(total):
        delay = started + i * interval - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        conversation = i % conversations
        line = CHECKIN_LINES[(i // conversations) % len(CHECKIN_LINES)]
        tasks.append(asyncio.create_task(one(conversation, line)))
    await asyncio.gather(*tasks)
    await asyncio.gather(*(c.__aexit__() for c in opened))
    return latencies


async def long_conversation(base_url: str, turns: int) -> list[float]:
    async with WidgetClient(base_url) as client:
        await client.agree()
        return [(await client.say(line))[0] for line in itertools.islice(
            itertools.cycle(CHECKIN_LINES[1:-1]), turns)]


def memory_mb(pid: int) -> dict[str, float]:
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = round(int(value.split()[0]) / 1024, 1)
    return {"rss_mb": fields.get("VmRSS", 0.0), "peak_mb": fields.get("VmHWM", 0.0)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer messages, for a smoke run")
    args = parser.parse_args()
    checkins = 3 if args.quick else 10
    rates = [5.0] if args.quick else [5.0, 10.0, 20.0]
    duration = 6.0 if args.quick else 20.0

    workdir = Path(tempfile.mkdtemp(prefix="companion-bench-"))
    stack = Stack.in_workdir(workdir)
    print("starting the stack ...", flush=True)
    started = time.perf_counter()
    stack.start(progress=True)
    report: dict[str, object] = {"startup_s": round(time.perf_counter() - started, 1)}
    try:
        asyncio.run(widget_sequential(stack.gateway_url, 1))  # warm-up
        print("sequential widget messages ...", flush=True)
        widget = asyncio.run(widget_sequential(stack.gateway_url, checkins))
        print("sequential Rasa REST messages ...", flush=True)
        rasa = asyncio.run(rasa_sequential(stack.rasa_url, checkins))
        report["widget_sequential"] = summary(widget)
        report["rasa_sequential"] = summary(rasa)
        report["gateway_overhead_ratio_p50"] = round(
            statistics.median(widget) / statistics.median(rasa), 2)
        report["open_loop"] = {}
        for rate in rates:
            print(f"open loop at {rate:g} msg/s for {duration:g}s ...", flush=True)
            report["open_loop"][f"{rate:g}"] = summary(
                asyncio.run(open_loop_widget(stack.gateway_url, rate, duration)))
        print("one 60-turn conversation ...", flush=True)
        long = asyncio.run(long_conversation(stack.gateway_url, 60))
        report["length"] = {
            "turns_5_10_p50_ms": round(statistics.median(long[4:10]) * 1000, 1),
            "turns_55_60_p50_ms": round(statistics.median(long[54:60]) * 1000, 1),
        }
        report["memory"] = {p.name: memory_mb(p.popen.pid) for p in stack.processes}
    finally:
        stack.stop()
    model = ROOT / "models" / "companion.tar.gz"
    report["model_mb"] = round(model.stat().st_size / 2**20, 1)

    print(json.dumps(report, indent=2))
    out = ROOT / "reports" / "bench.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"written to {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
