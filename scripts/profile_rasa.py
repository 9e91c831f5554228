"""Where a Rasa server (or the gateway) spends its time under load: py-spy samples of it.

Starts the stack, drives check-ins straight to Rasa's REST channel (open-loop arrivals, then one
long conversation) while py-spy samples the Rasa process, and prints the share of samples spent
inside each of a few named parts of Rasa (NLU pipeline, each policy, tracker featurisation, the
tracker store, action calls, ...) plus the busiest functions. With `--target gateway` the load
goes through the widget and the gateway process is sampled instead.

py-spy is a profiling tool, not a dependency: install it anywhere (`pip install py-spy`) and pass
its path with --py-spy or put it on PATH.
Usage: .venv/bin/python scripts/profile_rasa.py [--rate 20] [--seconds 20] [--model PATH]
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import signal
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.stack import MODEL_PATH, Stack  # noqa: E402
from scripts.bench import (  # noqa: E402
    RasaConversation,
    WidgetConversation,
    long_conversation,
    open_loop,
)
from scripts.report_file import BENCH_REPORT, write_section  # noqa: E402

# A sample counts towards a part when any frame of its stack matches (a sample can be in several).
PARTS = {
    "NLU pipeline (parse)": ("rasa/nlu/",),
    "tokenizer/featurizers": ("rasa/nlu/tokenizers", "rasa/nlu/featurizers"),
    "LogisticRegression classifier": ("logistic_regression_classifier",),
    "policies (all)": ("rasa/core/policies/",),
    "RulePolicy": ("rule_policy.py",),
    "MemoizationPolicy": ("memoization.py",),
    "tracker featurisation (states)": ("rasa/core/featurizers/", "past_states", "applied_events"),
    "tracker store": ("tracker_store.py",),
    "SQLAlchemy": ("sqlalchemy/",),
    "action server calls": ("rasa/core/actions/action.py", "aiohttp/client"),
    "validating action replies (jsonschema)": ("jsonschema/",),
    "event (de)serialisation": ("rasa/shared/core/events.py",),
    "sanic / HTTP": ("sanic/",),
    "graph runner": ("rasa/engine/runner", "rasa/engine/graph.py"),
}
GATEWAY_PARTS = {
    "store (bot/store.py)": ("bot/store.py",),
    "SQLAlchemy": ("sqlalchemy/",),
    "sqlite": ("sqlite3",),
    "safety screen": ("bot/safety/",),
    "values detector": ("actions/values.py",),
    "Rasa client (httpx)": ("bot/rasa_client.py", "httpx/", "httpcore/"),
    "widget socket": ("bot/web/", "websockets/", "starlette/", "uvicorn/"),
    "threads (to_thread)": ("concurrent/futures/thread.py",),
}


def parse_collapsed(path: Path) -> list[tuple[list[str], int]]:
    stacks = []
    for line in path.read_text().splitlines():
        frames, _, count = line.rpartition(" ")
        if frames:
            stacks.append((frames.split(";"), int(count)))
    return stacks


def summarise(stacks: list[tuple[list[str], int]], parts_of: dict = PARTS) -> dict:
    total = sum(count for _, count in stacks) or 1
    parts = Counter()
    leaves = Counter()
    for frames, count in stacks:
        joined = ";".join(frames)
        for part, needles in parts_of.items():
            if any(needle in joined for needle in needles):
                parts[part] += count
        leaves[frames[-1]] += count
    # The event loop waiting for work (or for the action server) shows as sanic's serve line.
    idle = sum(c for f, c in stacks if f[-1].startswith("serve (sanic/server/runners.py"))
    return {
        "samples": total,
        "idle_share": round(idle / total, 3),
        "parts": {part: round(parts[part] / total, 3) for part in parts_of},
        "top_self": {frame: round(count / total, 3) for frame, count in leaves.most_common(12)},
    }


async def drive(stack: Stack, rate: float, seconds: float, target: str) -> None:
    if target == "gateway":
        await open_loop(lambda: WidgetConversation(stack.gateway_url), rate, seconds)
        return
    async with httpx.AsyncClient(timeout=120) as http:
        await open_loop(lambda: RasaConversation(stack.rasa_url, http), rate, seconds)
        await long_conversation(RasaConversation(stack.rasa_url, http), 60)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--py-spy", default=shutil.which("py-spy"))
    parser.add_argument("--rate", type=float, default=20.0)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--model", type=Path, default=MODEL_PATH)
    parser.add_argument("--target", choices=("rasa", "gateway"), default="rasa")
    args = parser.parse_args()
    if not args.py_spy:
        print("py-spy not found: pip install py-spy, then pass --py-spy PATH")
        return 1
    workdir = Path(tempfile.mkdtemp(prefix="companion-profile-"))
    stack = Stack.in_workdir(workdir, model_path=args.model)
    print("starting the stack ...", flush=True)
    stack.start()
    out = workdir / "rasa.collapsed"
    try:
        sampled = next(p for p in stack.processes if p.name == args.target)
        spy = subprocess.Popen([args.py_spy, "record", "--pid", str(sampled.popen.pid), "--format",
                                "raw", "--output", str(out), "--rate", "200", "--nonblocking"],
                               stdout=subprocess.DEVNULL, stderr=(workdir / "py-spy.log").open("w"))
        asyncio.run(drive(stack, args.rate, args.seconds, args.target))
        spy.send_signal(signal.SIGINT)  # py-spy writes its samples when interrupted
        spy.wait(60)
    finally:
        stack.stop()
    if not out.exists():
        print("py-spy wrote no samples:\n" + (workdir / "py-spy.log").read_text()[-2000:])
        return 1
    figures = summarise(parse_collapsed(out), GATEWAY_PARTS if args.target == "gateway" else PARTS)
    figures["load"] = f"open loop {args.rate:g} msg/s for {args.seconds:g}s" + (
        ", then one 60-turn conversation" if args.target == "rasa" else " through the widget")
    print(f"\n{'share of ' + args.target + ' samples':<40}{figures['samples']:>8} samples, "
          f"{figures['idle_share']:.1%} idle")
    for part, share in figures["parts"].items():
        print(f"  {part:<38}{share:>8.1%}")
    print("busiest functions (self):")
    for frame, share in figures["top_self"].items():
        print(f"  {share:>6.1%}  {frame[:110]}")
    write_section(f"{args.target}_profile", figures, path=BENCH_REPORT)
    return 0


if __name__ == "__main__":
    sys.exit(main())
