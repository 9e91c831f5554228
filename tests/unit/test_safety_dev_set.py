"""The safety screen on its development set, tests/data/safety_dev.jsonl.

The set is the project's own writing, from how people write about crisis and about ordinary
distress (English and Spanish, slang, dropped apostrophes, typos, emoji, long posts, idioms and
denials); it is never drawn from the held-out evaluation data. Each row says what it expects:
a level, or "urgent+" (urgent or emergency), or "concern-" (concern at most), and for a risk
row the cue family that must be among the cues.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from bot.safety.screen import CUES_PATH, LEVELS, SafetyScreen, level_rank

DEV_SET = Path(__file__).resolve().parents[1] / "data" / "safety_dev.jsonl"
ROWS = [json.loads(line) for line in DEV_SET.read_text(encoding="utf-8").splitlines() if line]


@pytest.fixture(scope="module")
def screen() -> SafetyScreen:
    return SafetyScreen()


def meets(level: str, expect: str) -> bool:
    if expect.endswith("+"):
        return level_rank(level) >= level_rank(expect[:-1])
    if expect.endswith("-"):
        return level_rank(level) <= level_rank(expect[:-1])
    return level == expect


@pytest.mark.parametrize("row", ROWS, ids=[row["text"][:60] for row in ROWS])
def test_development_row(screen: SafetyScreen, row: dict) -> None:
    assessment = screen.assess(row["text"], row.get("history", []))
    assert meets(assessment.level, row["expect"]), assessment
    if row.get("family") and level_rank(row["expect"].rstrip("+-")) > level_rank("none"):
        assert row["family"] in assessment.cues, assessment
    if assessment.level != "none":
        assert assessment.language == row["lang"], assessment


def test_the_set_is_well_formed_and_has_both_sides() -> None:
    expects = {row["expect"] for row in ROWS}
    assert expects <= {*LEVELS, "urgent+", "concern+", "concern-"}
    assert {row["lang"] for row in ROWS} == {"en", "es"}
    at_risk = [row for row in ROWS if row["expect"] in ("urgent", "emergency", "urgent+")]
    calm = [row for row in ROWS if row["expect"] == "none"]
    assert len(at_risk) > 250 and len(calm) > 100
    assert len({row["text"] for row in ROWS}) == len(ROWS)


def test_every_cue_family_has_development_rows() -> None:
    families = set(yaml.safe_load(CUES_PATH.read_text(encoding="utf-8"))["families"])
    covered = {row["family"] for row in ROWS if row.get("family")}
    assert families <= covered, families - covered
