"""Care style on unseen openers: each message starts a fresh check-in through the real stack.

Sends every opening message of the support-seeker set as the first message of a new widget
conversation, codes the companion's replies with bot/care_style.py (MITI behaviour codes) and
reports the reflection-to-question ratio, the share of complex reflections, advice, and whether
the rows with a crisis cue took the safety path. Prints aggregates only, and writes the "care"
section of reports/eval.json.

Usage: .venv/bin/python scripts/eval_care.py [--data PATH] [--limit N] [--show]
`--show` prints each reply with its codes: only for the project's own examples
(tests/data/care_openers.jsonl), never for the unseen set.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.care_style import code_reply, code_sentence, own_words, sentences  # noqa: E402
from bot.safety.screen import safety_reply  # noqa: E402
from bot.stack import Stack  # noqa: E402
from scripts.report_file import write_section  # noqa: E402
from tests.e2e.widget_client import WidgetClient  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "eval" / "support_seeker_turns.jsonl"
OWN_DATA = ROOT / "tests" / "data" / "care_openers.jsonl"
SAFETY_LINES = {line for level in ("concern", "urgent", "emergency")
                for language in ("en", "es") for line in safety_reply(level, language)}
# Check-ins run side by side: most of a check-in's time is waiting on sockets, not on Rasa.
CONCURRENT_CHECKINS = 6


async def first_replies(base_url: str, text: str) -> list[str]:
    async with WidgetClient(base_url) as client:
        await client.agree()  # the consent notice and the name question come first
        _, replies = await client.say(text)
        return replies


async def run(base_url: str, rows: list[dict], show: bool = False) -> dict:
    codes: Counter = Counter()
    complex_reflections = 0
    safety_path = {"crisis_rows": 0, "crisis_rows_on_safety_path": 0, "other_rows_on_safety_path": 0}
    replies_with_advice = 0
    template_codes: dict[str, Counter] = defaultdict(Counter)
    gate = asyncio.Semaphore(CONCURRENT_CHECKINS)
    done = 0

    async def one(row: dict) -> list[str]:
        nonlocal done
        async with gate:
            replies = await first_replies(base_url, row["text"])
        done += 1
        if done % 50 == 0:
            print(f"  {done}/{len(rows)} openers", flush=True)
        return replies

    all_replies = await asyncio.gather(*(one(row) for row in rows))
    for row, replies in zip(rows, all_replies, strict=True):
        on_safety_path = any(reply in SAFETY_LINES for reply in replies)
        if row.get("contains_crisis_cue"):
            safety_path["crisis_rows"] += 1
            safety_path["crisis_rows_on_safety_path"] += on_safety_path
        else:
            safety_path["other_rows_on_safety_path"] += on_safety_path
        if show:
            print(f"\n> {row['text']}")
        if on_safety_path:
            if show:
                print("  [safety path]")
            continue  # the safety wording is the program's, not the companion's MI style
        coded = []
        for reply in replies:
            reply_codes = code_reply(reply, client_text=row["text"])
            coded += reply_codes
            if show:
                labels = ", ".join(c.code + ("+complex" if c.complex else "") for c in reply_codes)
                print(f"  {reply}  [{labels}]")
        codes.update(c.code for c in coded)
        for reply in replies:
            for sentence in sentences(reply):
                # Only sentences of the companion's own wording, with none of the client's words.
                if own_words(sentence, row["text"]) == own_words(sentence, "\0"):
                    template_codes[code_sentence(sentence).code][sentence] += 1
        complex_reflections += sum(c.code == "reflection" and c.complex for c in coded)
        replies_with_advice += any(c.code == "advice" for c in coded)
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
        # Which of the companion's fixed sentences were said most, by code: where to improve.
        "fixed_sentences": {code: dict(counter.most_common(6))
                            for code, counter in sorted(template_codes.items())},
    }


def print_table(report: dict) -> None:
    targets = {
        "reflection_to_question": (">= 2", lambda v: v is not None and v >= 2),
        "complex_reflection_share": (">= 0.5", lambda v: v is not None and v >= 0.5),
        "open_question_share": ("", None),
        "advice": ("0", lambda v: v == 0),
    }
    print(f"\n{'care style (' + str(report['openers']) + ' openers)':<30}{'value':>8}  target")
    for key, (target, met) in targets.items():
        verdict = "" if met is None else ("met" if met(report[key]) else "NOT met")
        print(f"{key:<30}{report[key]!s:>8}  {target:<7}{verdict}")
    print(f"{'codes':<30}  " + ", ".join(f"{k} {v}" for k, v in sorted(report["codes"].items())))
    print(f"{'crisis rows on safety path':<30}{report['crisis_rows_on_safety_path']:>4} of "
          f"{report['crisis_rows']}")
    print(f"{'other rows on safety path':<30}{report['other_rows_on_safety_path']:>4}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--model", type=Path, default=None, help="the model to serve")
    parser.add_argument("--crisis-only", action="store_true",
                        help="only the rows with a crisis cue: is the safety path taken?")
    parser.add_argument("--show", action="store_true", help="print each reply (own data only)")
    args = parser.parse_args()
    if not args.data.exists():
        print(f"no evaluation data at {args.data}")
        return 1
    if args.show and args.data.resolve() == DEFAULT_DATA.resolve():
        print("--show is for the project's own examples, not the unseen set")
        return 2
    rows = [json.loads(line) for line in args.data.read_text(encoding="utf-8").splitlines() if line]
    rows = rows[: args.limit] if args.limit else rows
    if args.crisis_only:
        rows = [row for row in rows if row.get("contains_crisis_cue")]

    workdir = Path(tempfile.mkdtemp(prefix="companion-care-eval-"))
    stack = Stack.in_workdir(workdir, **({"model_path": args.model} if args.model else {}))
    print("starting the stack ...", flush=True)
    stack.start()
    try:
        report = asyncio.run(run(stack.gateway_url, rows, show=args.show))
    finally:
        stack.stop()

    print_table(report)
    print("MITI 4.2 good practice: reflections:questions >= 2, complex reflections >= 0.5, advice 0")
    if args.data.resolve() == DEFAULT_DATA.resolve() and not (args.limit or args.crisis_only):
        write_section("care", report)
    else:
        write_section("care_own_examples" if args.data.resolve() == OWN_DATA.resolve()
                      else "care_other", {**report, "data": str(args.data)})
    return 0


if __name__ == "__main__":
    sys.exit(main())
