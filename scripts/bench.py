"""Speed of the companion: reply latency through the widget's WebSocket and straight to Rasa.

Times a full `rasa train`, then starts the whole stack on loopback with a fresh database and
measures
  1. open-loop arrivals at 5, 10 and 20 messages/s spread over many 10-turn check-ins, through
     the widget and the same load straight to Rasa's REST channel (p50/p95/p99 each, the
     gateway's overhead as the ratio, the highest rate whose p95 stays under 1 s),
  2. latency against conversation length: one client, 60 turns, widget and Rasa alone,
  3. the peak memory of each process, and the model's size,
  4. alert latency, from scripts/bench_alerts.py when it is there.
Prints a table and writes reports/bench.json.

Usage: .venv/bin/python scripts/bench.py [--quick] [--model PATH] [--no-train] [--out PATH]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.stack import MODEL_PATH, QUIET_RASA, RASA_BIN, Stack  # noqa: E402
from scripts.report_file import BENCH_REPORT, write_section  # noqa: E402
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
ALERTS_SCRIPT = ROOT / "scripts" / "bench_alerts.py"
P95_LIMIT_S = 1.0


def percentile(values: list[float], pct: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


def summary(values: list[float], seconds: float | None = None) -> dict[str, float]:
    figures = {
        "n": len(values),
        "p50_ms": round(percentile(values, 50) * 1000, 1),
        "p95_ms": round(percentile(values, 95) * 1000, 1),
        "p99_ms": round(percentile(values, 99) * 1000, 1),
    }
    if seconds:
        figures["achieved_msg_s"] = round(len(values) / seconds, 1)
    return figures


class WidgetConversation:
    """One client of the widget: a socket that reads one reply at a time."""

    def __init__(self, base_url: str) -> None:
        self._client = WidgetClient(base_url)

    async def open(self) -> None:
        await self._client.__aenter__()
        await self._client.agree()  # the consent notice and the name question come first

    async def say(self, line: str, arrived: float) -> float:
        return (await self._client.say(line, arrived))[0]

    async def close(self) -> None:
        await self._client.__aexit__()


class RasaConversation:
    """The same conversation straight to Rasa's REST channel, bypassing the gateway."""

    def __init__(self, rasa_url: str, http: httpx.AsyncClient) -> None:
        self._url = f"{rasa_url}/webhooks/rest/webhook"
        self._http = http
        self._sender = f"bench-{uuid.uuid4().hex}"

    async def open(self) -> None:
        # The gateway opens each check-in this way before the client's first message.
        await self.say("/start_checkin", time.perf_counter())

    async def say(self, line: str, arrived: float) -> float:
        response = await self._http.post(self._url, json={"sender": self._sender, "message": line})
        response.raise_for_status()
        return time.perf_counter() - arrived

    async def close(self) -> None:
        return None


async def open_loop(make, rate: float, duration: float) -> tuple[list[float], float]:
    """Messages arrive at `rate` per second whatever the replies, over concurrent 10-turn
    check-ins; a message waiting for the previous one in its conversation counts as latency."""
    total = int(rate * duration)
    conversations = [make() for _ in range(max(1, total // len(CHECKIN_LINES)))]
    await asyncio.gather(*(c.open() for c in conversations))
    locks = [asyncio.Lock() for _ in conversations]
    latencies: list[float] = []

    async def one(index: int, line: str) -> None:
        arrived = time.perf_counter()
        async with locks[index]:
            latencies.append(await conversations[index].say(line, arrived))

    tasks = []
    started = time.perf_counter()
    for i in range(total):
        delay = started + i / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        index = i % len(conversations)
        line = CHECKIN_LINES[(i // len(conversations)) % len(CHECKIN_LINES)]
        tasks.append(asyncio.create_task(one(index, line)))
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - started
    await asyncio.gather(*(c.close() for c in conversations))
    return latencies, elapsed


async def long_conversation(conversation, turns: int) -> list[float]:
    await conversation.open()
    lines = itertools.islice(itertools.cycle(CHECKIN_LINES[1:-1]), turns)
    latencies = [await conversation.say(line, time.perf_counter()) for line in lines]
    await conversation.close()
    return latencies


async def measure_rates(stack: Stack, rates: list[float], duration: float) -> dict:
    figures: dict[str, dict] = {}
    async with httpx.AsyncClient(timeout=60) as http:
        for rate in rates:
            print(f"open loop at {rate:g} msg/s for {duration:g}s: widget, then Rasa ...",
                  flush=True)
            widget, widget_s = await open_loop(
                lambda: WidgetConversation(stack.gateway_url), rate, duration)
            rasa, rasa_s = await open_loop(
                lambda: RasaConversation(stack.rasa_url, http), rate, duration)
            figures[f"{rate:g}"] = {
                "widget": summary(widget, widget_s),
                "rasa": summary(rasa, rasa_s),
                "overhead_p50": round(statistics.median(widget) / statistics.median(rasa), 2),
                "overhead_p95": round(percentile(widget, 95) / percentile(rasa, 95), 2),
            }
    return figures


def highest_rate_under(figures: dict, path: str) -> float | None:
    ok = [float(rate) for rate, row in figures.items() if row[path]["p95_ms"] < P95_LIMIT_S * 1000]
    return max(ok) if ok else None


# One conversation gives only six turns per window; a few, one after another, steady the p50.
LENGTH_CONVERSATIONS = 3


async def measure_length(stack: Stack, turns: int, conversations: int = LENGTH_CONVERSATIONS) -> dict:
    print(f"{conversations} conversations of {turns} turns each: widget, then Rasa ...", flush=True)
    widget: list[list[float]] = []
    rasa: list[list[float]] = []
    async with httpx.AsyncClient(timeout=60) as http:
        for _ in range(conversations):
            widget.append(await long_conversation(WidgetConversation(stack.gateway_url), turns))
            rasa.append(await long_conversation(RasaConversation(stack.rasa_url, http), turns))
    figures = {}
    for name, runs in (("widget", widget), ("rasa", rasa)):
        early = statistics.median([v for run in runs for v in run[4:10]])
        late = statistics.median([v for run in runs for v in run[54:60]])
        figures[name] = {"turns_5_10_p50_ms": round(early * 1000, 1),
                         "turns_55_60_p50_ms": round(late * 1000, 1),
                         "growth": round(late / early, 2),
                         "conversations": conversations}
    return figures


def memory_mb(pid: int) -> dict[str, float]:
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = round(int(value.split()[0]) / 1024, 1)
    return {"rss_mb": fields.get("VmRSS", 0.0), "peak_mb": fields.get("VmHWM", 0.0)}


def train_time() -> dict:
    """A full `rasa train` from nothing (no cache), into a throwaway directory."""
    print("timing a full rasa train ...", flush=True)
    out = Path(tempfile.mkdtemp(prefix="companion-bench-train-"))
    started = time.perf_counter()
    result = subprocess.run(
        [str(RASA_BIN), "train", "--force", "--out", str(out), "--fixed-model-name", "bench"],
        cwd=ROOT, env={**os.environ, **QUIET_RASA}, capture_output=True, text=True,
    )
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        sys.stderr.write(result.stdout[-2000:] + result.stderr[-2000:])
        return {"error": "rasa train failed"}
    return {"train_s": round(seconds, 1),
            "model_mb": round((out / "bench.tar.gz").stat().st_size / 2**20, 2)}


def alert_latency() -> None:
    """Alert latency (a client's urgent message to the worker's sendMessage on a Bot API server on
    loopback) is measured by scripts/bench_alerts.py, which writes the "alerts" section of
    reports/bench.json with scripts/report_file.py. Run here when it exists."""
    if not ALERTS_SCRIPT.exists():
        print("alert latency: scripts/bench_alerts.py is not there yet; skipped", flush=True)
        return
    print("alert latency ...", flush=True)
    subprocess.run([sys.executable, str(ALERTS_SCRIPT)], cwd=ROOT, check=False)


def print_table(report: dict) -> None:
    print(f"\n{'open loop':<14}{'widget p50/p95/p99 ms':>26}{'Rasa p50/p95/p99 ms':>26}"
          f"{'ratio p50':>11}")
    for rate, row in report["open_loop"].items():
        w, r = row["widget"], row["rasa"]
        print(f"{rate + ' msg/s':<14}{w['p50_ms']:>10.0f}{w['p95_ms']:>8.0f}{w['p99_ms']:>8.0f}"
              f"{r['p50_ms']:>10.0f}{r['p95_ms']:>8.0f}{r['p99_ms']:>8.0f}"
              f"{row['overhead_p50']:>11}")
    print(f"highest rate with p95 < 1 s: widget {report['highest_rate_p95_under_1s']['widget']}, "
          f"Rasa {report['highest_rate_p95_under_1s']['rasa']} msg/s")
    for name, row in report["length"].items():
        print(f"length ({name}): turns 5-10 p50 {row['turns_5_10_p50_ms']} ms, "
              f"turns 55-60 p50 {row['turns_55_60_p50_ms']} ms ({row['growth']}x)")
    for name, row in report["memory"].items():
        print(f"memory {name:<15} peak {row['peak_mb']} MB")
    train = report.get("train", {})
    print(f"train {train.get('train_s', '-')} s, model {report['model_mb']} MB, "
          f"stack start {report['startup_s']} s")
    print("targets: p95 <= 300 ms at 10 msg/s; 20 msg/s with p95 < 1 s; turns 55-60 within 1.5x "
          "of 5-10; gateway overhead <= 1.3x")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer messages, for a smoke run")
    parser.add_argument("--model", type=Path, default=MODEL_PATH, help="the model to serve")
    parser.add_argument("--no-train", action="store_true", help="skip timing a full train")
    parser.add_argument("--out", type=Path, default=BENCH_REPORT)
    args = parser.parse_args()
    rates = [5.0] if args.quick else [5.0, 10.0, 20.0]
    duration = 6.0 if args.quick else 20.0

    report: dict[str, object] = {"model": str(args.model)}
    if not (args.quick or args.no_train):
        report["train"] = train_time()
    workdir = Path(tempfile.mkdtemp(prefix="companion-bench-"))
    # One client sending 60 turns back to back is over the per-client flood limit by design; the
    # bench measures the engines, not the limiter.
    stack = Stack.in_workdir(
        workdir, model_path=args.model, extra_env={"RATE_LIMIT_MESSAGES": "100000"}
    )
    print("starting the stack ...", flush=True)
    started = time.perf_counter()
    stack.start(progress=True)
    report["startup_s"] = round(time.perf_counter() - started, 1)
    try:
        asyncio.run(long_conversation(WidgetConversation(stack.gateway_url), 10))  # warm-up
        open_loop_figures = asyncio.run(measure_rates(stack, rates, duration))
        report["open_loop"] = open_loop_figures
        report["highest_rate_p95_under_1s"] = {
            path: highest_rate_under(open_loop_figures, path) for path in ("widget", "rasa")}
        report["length"] = asyncio.run(measure_length(stack, 60))
        report["memory"] = {p.name: memory_mb(p.popen.pid) for p in stack.processes}
    finally:
        stack.stop()
    report["model_mb"] = round(args.model.stat().st_size / 2**20, 2)

    print_table(report)
    for section, figures in report.items():
        write_section(section, figures, path=args.out)
    if args.out == BENCH_REPORT and not args.quick:
        alert_latency()
    return 0


if __name__ == "__main__":
    sys.exit(main())
