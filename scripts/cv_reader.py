"""How well the whole-message reader reads rows it has not learned: k-fold cross-validation on
its own rows (`bot/safety/reader_data.jsonl`), and the held-out hard posts scored by a reader
learned from all of them.

Prints, for the messages the reader is used on (20 words or more), the share of at-risk rows
scored at or above each threshold and the share of the others scored there too; then, for each
`clear` threshold the screen could use, the share of at-risk rows the whole screen (lexicon and
reader) puts at urgent or above, and the share of the others it puts there: the figures the
thresholds in `cues.yml` are chosen by. Writes them to the "safety_reader" section of
reports/eval.json.
Usage: .venv/bin/python scripts/cv_reader.py [--folds 5]
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.safety.reader import READER_DATA, Reader, read_rows, trained_reader  # noqa: E402
from bot.safety.screen import SafetyScreen, level_rank, normalise  # noqa: E402
from scripts.build_reader_data import SAFETY_POSTS, json_lines  # noqa: E402
from scripts.report_file import write_section  # noqa: E402

THRESHOLDS = (0.5, 0.6, 0.7, 0.8)
CLEAR = (0.6, 0.65, 0.7, 0.75, 0.8)


def fold_of(text: str, folds: int) -> int:
    """The same fold for a text on every run and machine."""
    return int(hashlib.sha256(text.encode("utf-8")).hexdigest(), 16) % folds


def shares(scored: list[tuple[float, bool]]) -> str:
    risk = [s for s, at_risk in scored if at_risk]
    other = [s for s, at_risk in scored if not at_risk]
    cells = []
    for threshold in THRESHOLDS:
        caught = sum(s >= threshold for s in risk) / max(len(risk), 1)
        flagged = sum(s >= threshold for s in other) / max(len(other), 1)
        cells.append(f"{threshold:.1f}: {caught:.3f} / {flagged:.3f}")
    return f"at risk {len(risk):>5}, others {len(other):>5}   " + "   ".join(cells)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5)
    args = parser.parse_args()
    min_words = SafetyScreen()._lexicon.whole_min_words
    rows = [(normalise(r["text"]), r["at_risk"]) for r in read_rows(READER_DATA)]
    print(f"{len(rows)} rows; each cell is a threshold: share of at-risk rows caught / "
          "share of the others flagged")
    scored: list[tuple[float, bool, int]] = []
    # (clear threshold, at risk) -> [rows at urgent or above, rows], for rows of min_words or more
    screened: dict[tuple[float, bool], list[int]] = {
        (c, y): [0, 0] for c in CLEAR for y in (True, False)
    }
    started = time.perf_counter()
    for fold in range(args.folds):
        learn = [(t, y) for t, y in rows if fold_of(t, args.folds) != fold]
        reader = Reader.train([t for t, _ in learn], [y for _, y in learn])
        unseen = [(t, y) for t, y in rows if fold_of(t, args.folds) == fold]
        scored += [(reader.score(t), y, len(t.split())) for t, y in unseen]
        screen = SafetyScreen(reader=reader)
        for clear in CLEAR:
            screen._lexicon.whole_clear = clear  # the one setting compared
            for text, at_risk in unseen:
                if len(text.split()) >= min_words:
                    cell = screened[(clear, at_risk)]
                    cell[0] += level_rank(screen.assess(text).level) >= level_rank("urgent")
                    cell[1] += 1
        print(f"  fold {fold + 1} of {args.folds} learned ({time.perf_counter() - started:.0f} s)",
              file=sys.stderr)
    print(f"cross-validated, {min_words}+ words  " + shares(
        [(s, y) for s, y, n in scored if n >= min_words]))
    print("cross-validated, all        " + shares([(s, y) for s, y, _ in scored]))

    print(f"whole screen at urgent or above, cross-validated, {min_words}+ words:")
    by_clear = {}
    for clear in CLEAR:
        (caught, risk), (flagged, other) = screened[(clear, True)], screened[(clear, False)]
        print(f"  clear {clear:.2f}: at risk {caught / risk:.3f} ({caught} of {risk}), "
              f"others {flagged / other:.3f} ({flagged} of {other})")
        by_clear[f"{clear:.2f}"] = {"at_risk_caught": round(caught / risk, 4),
                                    "others_flagged": round(flagged / other, 4)}

    reader = trained_reader()  # learned from every row, as the gateway has it
    posts = json_lines(SAFETY_POSTS)
    held_out = [(reader.score(normalise(p["text"])), p["at_risk"]) for p in posts
                if p["set"] == "held_out"]
    print("held-out posts              " + shares(held_out))
    write_section("safety_reader", {"rows": len(rows), "folds": args.folds,
                                    "whole_screen_by_clear": by_clear})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
