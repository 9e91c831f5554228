"""One place that writes the figures of `make eval` and `make bench` to `reports/`.

Every eval script owns one section of `reports/eval.json`; writing a section keeps the others, so
the scripts can run alone or together in any order.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
EVAL_REPORT = ROOT / "reports" / "eval.json"
BENCH_REPORT = ROOT / "reports" / "bench.json"


def write_section(section: str, figures: dict[str, Any], path: Path = EVAL_REPORT) -> Path:
    """Replace `section` in the JSON report at `path`, keeping every other section."""
    report: dict[str, Any] = {}
    if path.exists():
        try:
            report = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError:
            report = {}  # a half-written file from an interrupted run: start again
    report[section] = figures
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    try:
        shown = path.relative_to(ROOT)
    except ValueError:
        shown = path
    print(f"written to {shown} [{section}]")
    return path
