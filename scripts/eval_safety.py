"""The safety screen on the held-out distress set: aggregates only, never the rows themselves.

The set is an unseen client: this script never prints, stores or learns from a row. It prints, per
label and per source, the share of messages at each level and at urgent or above; the hard
negatives at urgent or above; the time per message; and whether each target is met. Writes the
figures to the "safety" section of reports/eval.json.
Usage: .venv/bin/python scripts/eval_safety.py [--data PATH]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.safety.screen import LEVELS, SafetyScreen, level_rank  # noqa: E402
from scripts.report_file import write_section  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "eval" / "distress.jsonl"
# Share of each label at urgent or above: (at least, at most).
TARGETS = {"crisis": (0.97, 1.0), "neutral": (0.0, 0.02), "distress_noncrisis": (0.0, 0.10)}


def source_name(row: dict) -> str:
    return row.get("source", "unknown").split(",")[0].split("(")[0].strip()


def table(title: str, groups: dict[str, Counter]) -> dict[str, dict]:
    print(f"\n{title:<30}{'n':>5}" + "".join(f"{lv:>11}" for lv in LEVELS) + f"{'urgent+':>10}")
    figures = {}
    for name, counts in sorted(groups.items()):
        n = sum(counts.values())
        shares = {lv: counts[lv] / n for lv in LEVELS}
        urgent_plus = shares["urgent"] + shares["emergency"]
        print(
            f"{name[:29]:<30}{n:>5}"
            + "".join(f"{shares[lv]:>11.3f}" for lv in LEVELS)
            + f"{urgent_plus:>10.3f}"
        )
        figures[name] = {
            "n": n,
            **{lv: round(shares[lv], 4) for lv in LEVELS},
            "urgent_plus": round(urgent_plus, 4),
        }
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args()
    if not args.data.exists():
        print(f"no evaluation data at {args.data}")
        return 1
    rows = [json.loads(line) for line in args.data.read_text(encoding="utf-8").splitlines() if line]

    screen = SafetyScreen()
    screen.assess("")  # load the lexicon before timing
    by_label: dict[str, Counter] = defaultdict(Counter)
    by_source: dict[str, Counter] = defaultdict(Counter)
    by_label_source: dict[str, Counter] = defaultdict(Counter)
    timings = []
    for row in rows:
        started = time.perf_counter()
        level = screen.assess(row["text"]).level
        timings.append(time.perf_counter() - started)
        label = "hard_negative" if row.get("hard_negative") else row["label"]
        by_label[label][level] += 1
        by_source[source_name(row)][level] += 1
        by_label_source[f"{label} / {source_name(row)}"][level] += 1

    hard_negatives = by_label.get("hard_negative", Counter())
    report = {
        "by_label": table("label", by_label),
        "by_source": table("source", by_source),
        "by_label_and_source": table("label / source", by_label_source),
        "hard_negatives": sum(hard_negatives.values()),
        "hard_negatives_at_urgent_plus": sum(
            n for level, n in hard_negatives.items() if level_rank(level) >= level_rank("urgent")
        ),
        "median_ms": round(statistics.median(timings) * 1000, 3),
        "p95_ms": round(sorted(timings)[int(0.95 * (len(timings) - 1))] * 1000, 3),
    }
    targets = {}
    for label, (low, high) in TARGETS.items():
        share = report["by_label"].get(label, {}).get("urgent_plus")
        targets[label] = {
            "urgent_plus": share,
            "target": f">= {low}" if high == 1.0 else f"<= {high}",
            "met": share is not None and low <= share <= high,
        }
    targets["hard_negative"] = {
        "urgent_plus": report["hard_negatives_at_urgent_plus"],
        "target": "0",
        "met": report["hard_negatives_at_urgent_plus"] == 0,
    }
    report["targets"] = targets

    print(
        f"\nhard negatives at urgent+: {report['hard_negatives_at_urgent_plus']} "
        f"of {report['hard_negatives']}"
    )
    print(f"time per message: median {report['median_ms']} ms, p95 {report['p95_ms']} ms")
    print("\ntargets (share at urgent+):")
    for label, target in targets.items():
        print(
            f"  {label:<20}{target['urgent_plus']!s:>8}  target {target['target']:<9}"
            f"{'met' if target['met'] else 'NOT met'}"
        )
    write_section("safety", report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
