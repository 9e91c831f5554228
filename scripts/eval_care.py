"""Care style on unseen openers: each message starts a fresh check-in through the real stack.

Sends every opening message of the support-seeker set as the first message of a new widget
conversation, codes the companion's replies with bot/care_style.py (MITI behaviour codes) and
reports the reflection-to-question ratio, the share of complex reflections, advice, and whether
the rows with a crisis cue took the safety path. Prints aggregates only; writes
reports/care_eval.json.  Usage: .venv/bin/python scripts/eval_care.py [--data PATH] [--limit N]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.care_style import code_reply  # noqa: E402
from bot.safety.screen import safety_reply  # noqa: E402
from bot.stack import Stack  # noqa: E402
from tests.e2e.widget_client import WidgetClient  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "eval" / "support_seeker_turns.jsonl"
SAFETY_LINES = {line for level in ("concern", "urgent", "emergency")
                for language in ("en", "es") for line in safety_reply(level, language)}


async def first_replies(base_url: str, text: str) -> list[str]:
    async with WidgetClient(base_url) as client:
        await client.agree()  # the consent notice and the name question come first
        _, replies = await client.say(text)
        return replies


async def run(base_url: str, rows: list[dict]) -> dict:
    codes: Counter = Counter()
    complex_reflections = 0
    safety_path = {"crisis_rows": 0, "crisis_rows_on_safety_path": 0, "other_rows_on_safety_path": 0}
    replies_with_advice = 0
    for index, row in enumerate(rows, start=1):
        replies = await first_replies(base_url, row["text"])
        on_safety_path = any(reply in SAFETY_LINES for reply in replies)
        if row.get("contains_crisis_cue"):
            safety_path["crisis_rows"] += 1
            safety_path["crisis_rows_on_safety_path"] += on_safety_path
        else:
            safety_path["other_rows_on_safety_path"] += on_safety_path
        if on_safety_path:
            continue  # the safety wording is the program's, not the companion's MI style
        coded = [c for reply in replies for c in code_reply(reply)]
        codes.update(c.code for c in coded)
        complex_reflections += sum(c.code == "reflection" and c.complex for c in coded)
        replies_with_advice += any(c.code == "advice" for c in coded)
        if index % 50 == 0:
            print(f"  {index}/{len(rows)} openers", flush=True)
    questions = codes["open_question"] + codes["closed_question"]
    return {
        "openers": len(rows),
        "codes": dict(codes),
        "reflection_to_question": round(codes["reflection"] / questions, 2) if questions else None,
        "complex_reflection_share": round(complex_reflections / codes["reflection"], 3)
        if codes["reflection"] else None,
        "open_question_share": round(codes["open_question"] / questions, 3) if questions else None,
        "advice": codes["advice"],
        "replies_with_advice": replies_with_advice,
        **safety_path,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--limit", type=int, default=None)
    args = parser.parse_args()
    if not args.data.exists():
        print(f"no evaluation data at {args.data}")
        return 1
    rows = [json.loads(line) for line in args.data.read_text(encoding="utf-8").splitlines() if line]
    rows = rows[: args.limit] if args.limit else rows

    workdir = Path(tempfile.mkdtemp(prefix="companion-care-eval-"))
    stack = Stack.in_workdir(workdir)
    print("starting the stack ...", flush=True)
    stack.start()
    try:
        report = asyncio.run(run(stack.gateway_url, rows))
    finally:
        stack.stop()

    print(json.dumps(report, indent=2))
    print("MITI 4.2 good practice: reflections:questions >= 2, complex reflections >= 0.5, advice 0")
    out = ROOT / "reports" / "care_eval.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"written to {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
