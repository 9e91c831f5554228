"""Rebuild the reader's rows (`bot/safety/reader_data.jsonl`) from where they come from.

Some rows are drawn from other files and are rebuilt from them every time:
- `safety_dev`: the screen's dev rows (`tests/data/safety_dev.jsonl`) that expect urgent or
  above (at risk) or at most concern-or-less (not at risk); rows expecting exactly `concern` sit
  between the two and are left out;
- `safety_posts`: our hard posts in the `worked_on` set, never the `held_out` ones;
- `nlu_<intent>`: the companion's NLU examples of every intent but distress, in English and
  Spanish, not at risk.
Every other row was written for the reader and is kept as it is. `--add FILE --source NAME` adds
written rows (JSON lines with "text", "at_risk" and "lang"). A row whose text, normalised, is
already there, is a held-out post, or is in the evaluation set, is left out and counted: the
reader must never learn what it is measured on.

Usage: .venv/bin/python scripts/build_reader_data.py [--check] [--add FILE --source NAME]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.safety.reader import READER_DATA, read_rows  # noqa: E402
from bot.safety.screen import normalise  # noqa: E402

SAFETY_DEV = ROOT / "tests" / "data" / "safety_dev.jsonl"
SAFETY_POSTS = ROOT / "tests" / "data" / "safety_posts.jsonl"
NLU = ROOT / "data" / "nlu"
EVALUATION = ROOT.parent / "shared" / "eval" / "distress.jsonl"
# Every intent but distress: the reader learns that ordinary check-ins (feelings, struggles,
# wins) and ordinary turns ("no", "see ya", "I think that's it") are not risk.
NOT_RISK_INTENTS_EXCEPT = ("express_distress",)
AT_RISK_EXPECTS = {"urgent", "urgent+", "emergency"}
NOT_AT_RISK_EXPECTS = {"none", "concern-"}
DRAWN = ("safety_dev", "safety_posts", "nlu_")
_ANNOTATION = re.compile(r"\[([^\]]*)\](?:\([^)]*\)|\{[^}]*\})")


def json_lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def is_drawn(row: dict) -> bool:
    return row["from"].startswith(DRAWN)


def dev_rows() -> Iterator[dict]:
    for row in json_lines(SAFETY_DEV):
        if row["expect"] in AT_RISK_EXPECTS | NOT_AT_RISK_EXPECTS:
            yield {"text": row["text"], "at_risk": row["expect"] in AT_RISK_EXPECTS,
                   "lang": row["lang"], "from": "safety_dev"}


def post_rows() -> Iterator[dict]:
    for row in json_lines(SAFETY_POSTS):
        if row["set"] == "worked_on":
            yield {"text": row["text"], "at_risk": row["at_risk"], "lang": row["lang"],
                   "from": "safety_posts"}


def nlu_rows() -> Iterator[dict]:
    for path in sorted(NLU.rglob("*.yml")):
        lang = "es" if path.parent.name == "es" else "en"
        for item in yaml.safe_load(path.read_text(encoding="utf-8")).get("nlu", []):
            if "intent" not in item or item["intent"] in NOT_RISK_INTENTS_EXCEPT:
                continue
            for line in item["examples"].splitlines():
                text = _ANNOTATION.sub(r"\1", line.strip().removeprefix("- ").strip())
                if text:
                    yield {"text": text, "at_risk": False, "lang": lang,
                           "from": f"nlu_{item['intent']}"}


def never_learned() -> set[str]:
    """Normalised texts the reader is measured on."""
    texts = {normalise(row["text"]) for row in json_lines(SAFETY_POSTS) if row["set"] != "worked_on"}
    if EVALUATION.exists():
        texts |= {normalise(row["text"]) for row in json_lines(EVALUATION)}
    return texts


def build(written: Iterable[dict], left_out: Counter) -> list[dict]:
    """The drawn rows first, then the written ones; the first of two equal texts stays."""
    excluded = never_learned()
    seen: set[str] = set()
    rows = []
    for row in [*dev_rows(), *post_rows(), *nlu_rows(), *written]:
        key = normalise(row["text"])
        if key in excluded:
            left_out["measured on"] += 1
        elif key in seen or not key.strip():
            left_out["repeated or empty"] += 1
        else:
            seen.add(key)
            rows.append(row)
    return rows


def written_rows(path: Path, source: str) -> list[dict]:
    rows = []
    for number, row in enumerate(json_lines(path), start=1):
        if not isinstance(row.get("text"), str) or not isinstance(row.get("at_risk"), bool) \
                or row.get("lang") not in ("en", "es"):
            raise SystemExit(f"{path}:{number}: a row needs text, at_risk true or false, lang en or es")
        rows.append({"text": row["text"], "at_risk": row["at_risk"], "lang": row["lang"],
                     "from": source})
    return rows


def render(rows: list[dict]) -> str:
    return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only say whether the file is current")
    parser.add_argument("--add", type=Path, help="JSON lines of written rows to add")
    parser.add_argument("--source", help="what the added rows are, for their 'from' field")
    args = parser.parse_args()
    if bool(args.add) != bool(args.source):
        parser.error("--add and --source go together")
    if args.source and args.source.startswith(DRAWN):
        parser.error(f"--source must not start with one of {', '.join(DRAWN)}")

    written = [row for row in read_rows(READER_DATA) if not is_drawn(row)]
    if args.add:
        written += written_rows(args.add, args.source)
    left_out: Counter = Counter()
    rows = build(written, left_out)
    text = render(rows)
    current = READER_DATA.read_text(encoding="utf-8") == text
    counts = Counter((row["from"], row["at_risk"]) for row in rows)
    for (source, at_risk), n in sorted(counts.items()):
        print(f"{source:<28}{'at risk' if at_risk else 'not at risk':<13}{n:>6}")
    print(f"{'in all':<41}{len(rows):>6}")
    for why, n in sorted(left_out.items()):
        print(f"left out, {why}: {n}")
    if args.check:
        print("current" if current else f"{READER_DATA} is out of date: rebuild it")
        return 0 if current else 1
    if not current:
        READER_DATA.write_text(text, encoding="utf-8")
        print(f"written to {READER_DATA.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
