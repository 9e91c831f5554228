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

from bot.safety.screen import (  # noqa: E402
    LEVELS,
    Assessment,
    SafetyScreen,
    _Reading,
    level_rank,
    normalise,
)
from scripts.report_file import write_section  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "eval" / "distress.jsonl"
DEFAULT_OPENERS = ROOT.parent / "shared" / "eval" / "support_seeker_turns.jsonl"
# Our own posts and messages, written to be hard: "worked_on" were read while the lexicon was
# written (and the reader learns from them), "held_out" were written apart and only ever scored,
# so they show how the screen generalises.
OWN_POSTS = ROOT / "tests" / "data" / "safety_posts.jsonl"
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


def readings(screen: SafetyScreen, text: str) -> set[str]:
    """Which of the screen's readings set a cue aside or lowered it in one message (names of
    rules, never words of the message)."""
    reading = _Reading(screen._lexicon, normalise(text))
    found = {f"dropped: {why}" for why in reading.dropped}
    found |= {f"softened: {why}" for hit in reading.hits for why in hit.softened_by}
    return found or {"nothing matched"}


def timed(screen: SafetyScreen, text: str, repeat: int) -> tuple[Assessment, float]:
    """The assessment and the best of `repeat` timings: on a shared machine the best run is the
    screen's own cost, the others add whatever else the cores were doing."""
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        assessment = screen.assess(text)
        best = min(best, time.perf_counter() - started)
    return assessment, best


def read_rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def openers(screen: SafetyScreen, rows: list[dict]) -> dict:
    """Levels on the support-seeker openers: an ordinary sad opener should get a reflection
    (`none`), and every row with a crisis cue should take the safety path (not `none`)."""
    levels = {"crisis_cue": Counter(), "other": Counter()}
    families: Counter = Counter()
    for row in rows:
        assessment = screen.assess(row["text"])
        group = "crisis_cue" if row.get("contains_crisis_cue") else "other"
        levels[group][assessment.level] += 1
        if group == "other" and assessment.level != "none":
            families.update(assessment.cues)
    print(f"\n{'openers':<30}{'n':>5}" + "".join(f"{lv:>11}" for lv in LEVELS))
    for group, counts in levels.items():
        print(f"{group:<30}{sum(counts.values()):>5}" + "".join(f"{counts[lv]:>11}" for lv in LEVELS))
    print("cue families on other openers above none: " + (
        ", ".join(f"{family} {n}" for family, n in families.most_common()) or "none"))
    return {
        "levels": {group: dict(counts) for group, counts in levels.items()},
        "crisis_cue_rows_on_safety_path": sum(
            n for level, n in levels["crisis_cue"].items() if level != "none"
        ),
        "other_rows_above_none": sum(
            n for level, n in levels["other"].items() if level != "none"
        ),
        "cue_families_on_other_rows_above_none": dict(families.most_common()),
    }


def own_posts(screen: SafetyScreen, rows: list[dict]) -> dict:
    """Share of our own hard posts read right: at urgent or above when at risk, below otherwise;
    per set and per kind (a kind "chat: passive_wish" counts under "chat")."""
    right: dict[str, Counter] = defaultdict(Counter)
    for row in rows:
        at_urgent = level_rank(screen.assess(row["text"]).level) >= level_rank("urgent")
        side = "at risk" if row["at_risk"] else "not at risk"
        good = at_urgent == row["at_risk"]
        kind = row["kind"].split(":")[0]
        for group in (f"{row['set']} / {side}", f"{row['set']} / {side} / {kind}"):
            right[group][good] += 1
    print(f"\n{'own hard posts, read right':<52}{'n':>5}{'share':>8}")
    figures = {}
    for group, counts in sorted(right.items()):
        n = counts[True] + counts[False]
        figures[group] = {"n": n, "right": round(counts[True] / n, 4)}
        print(f"{group:<52}{n:>5}{counts[True] / n:>8.3f}")
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--openers", type=Path, default=DEFAULT_OPENERS)
    parser.add_argument("--repeat", type=int, default=3, help="timings per message; the best counts")
    args = parser.parse_args()
    if not args.data.exists():
        print(f"no evaluation data at {args.data}")
        return 1
    rows = read_rows(args.data)

    screen = SafetyScreen()
    screen.assess("")  # load the lexicon before timing
    by_label: dict[str, Counter] = defaultdict(Counter)
    by_source: dict[str, Counter] = defaultdict(Counter)
    by_label_source: dict[str, Counter] = defaultdict(Counter)
    missed_crisis_families: Counter = Counter()
    missed_crisis_readings: Counter = Counter()
    false_alert_families: Counter = Counter()
    timings = []
    for row in rows:
        assessment, seconds = timed(screen, row["text"], args.repeat)
        timings.append(seconds)
        level = assessment.level
        label = "hard_negative" if row.get("hard_negative") else row["label"]
        if label == "crisis" and level_rank(level) < level_rank("urgent"):
            missed_crisis_families.update(assessment.cues or ("no cue",))
            missed_crisis_readings.update(readings(screen, row["text"]))
        elif label != "crisis" and level_rank(level) >= level_rank("urgent"):
            false_alert_families.update(assessment.cues)
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
        "missed_crisis_cue_families": dict(missed_crisis_families.most_common()),
        "missed_crisis_readings": dict(missed_crisis_readings.most_common()),
        "false_alert_cue_families": dict(false_alert_families.most_common()),
    }
    if args.openers.exists():
        report["openers"] = openers(screen, read_rows(args.openers))
    report["own_posts"] = own_posts(screen, read_rows(OWN_POSTS))
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
    for title, counts in [
        ("cue families on crisis rows below urgent", missed_crisis_families),
        ("readings on crisis rows below urgent", missed_crisis_readings),
        ("cue families on other rows at urgent+", false_alert_families),
    ]:
        print(f"{title}: " + (", ".join(f"{name} {n}" for name, n in counts.most_common()) or "none"))
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
