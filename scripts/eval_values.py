"""The values detector on the hand-labelled set: precision, recall, F1, false alarms.

Scores are micro-averaged over (message, value) pairs, overall and per language, with the share
of no-value messages that got any value and the counts per value.

Usage: .venv/bin/python scripts/eval_values.py [--data PATH] [--errors]
Writes the "values" section of reports/eval.json.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from actions.values import CANONICAL_VALUES, ValueDetector  # noqa: E402
from scripts.report_file import write_section  # noqa: E402

DEFAULT_DATA = ROOT / "tests" / "data" / "values_labelled.jsonl"


def load(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def scores(counts: Counter) -> dict[str, float]:
    tp, fp, fn = counts["tp"], counts["fp"], counts["fn"]
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4)}


def evaluate(detector: ValueDetector, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Scores of `detector` on labelled rows, plus the rows it got wrong."""
    pairs: dict[str, Counter] = {"all": Counter(), "en": Counter(), "es": Counter()}
    per_value = {value: Counter() for value in CANONICAL_VALUES}
    no_value = Counter()
    errors = []
    for row in rows:
        got = {m.value for m in detector.detect(row["text"])}
        expected = set(row["values"])
        for group in ("all", row["language"]):
            pairs[group].update(tp=len(got & expected), fp=len(got - expected), fn=len(expected - got))
        for value in got | expected:
            per_value[value].update(
                tp=value in got & expected, fp=value in got - expected, fn=value in expected - got
            )
        if not expected:
            no_value.update(messages=1, with_a_value=bool(got))
        if got != expected:
            errors.append({"text": row["text"], "expected": sorted(expected), "got": sorted(got)})
    return {
        "messages": len(rows),
        "spanish_messages": sum(row["language"] == "es" for row in rows),
        "no_value_messages": no_value["messages"],
        **{group: scores(counts) for group, counts in pairs.items()},
        "no_value_false_positive_rate": round(no_value["with_a_value"] / max(no_value["messages"], 1), 4),
        "per_value": {
            value: {"tp": c["tp"], "fp": c["fp"], "fn": c["fn"], "support": c["tp"] + c["fn"]}
            for value, c in per_value.items()
        },
        "errors": errors,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--errors", action="store_true", help="list the messages it got wrong")
    args = parser.parse_args()
    report = evaluate(ValueDetector(), load(args.data))

    print(f"{'':<6}{'precision':>10}{'recall':>8}{'f1':>8}")
    for group in ("all", "en", "es"):
        s = report[group]
        print(f"{group:<6}{s['precision']:>10.3f}{s['recall']:>8.3f}{s['f1']:>8.3f}")
    print(
        f"{report['messages']} messages ({report['spanish_messages']} Spanish, "
        f"{report['no_value_messages']} with no value); no-value messages given a value: "
        f"{report['no_value_false_positive_rate']:.3f}"
    )
    print(f"\n{'value':<16}{'support':>8}{'tp':>5}{'fp':>5}{'fn':>5}")
    for value, c in report["per_value"].items():
        print(f"{value:<16}{c['support']:>8}{c['tp']:>5}{c['fp']:>5}{c['fn']:>5}")
    if args.errors:
        print()
        for error in report["errors"]:
            print(f"{error['text']!r}: expected {error['expected']}, got {error['got']}")

    print()
    write_section("values", {k: v for k, v in report.items() if k != "errors"})
    return 0


if __name__ == "__main__":
    sys.exit(main())
