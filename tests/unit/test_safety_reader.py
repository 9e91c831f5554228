"""The whole-message reader, and how the screen uses its score."""

from __future__ import annotations

import json
import logging

import pytest

from bot.safety.reader import READER_DATA, Reader, features, read_rows, trained_reader
from bot.safety.screen import WHOLE_MESSAGE, SafetyScreen, level_rank, normalise

LONG_DENIAL_THEN_PLAN = (
    "This isn't a suicide post, I'm fine, I'm just venting. Got out three weeks ago and nobody "
    "will hire me, my mom won't let me stay. I've been thinking that if I just ended it nobody "
    "would have to deal with me. I picked a date."
)
LONG_ORDINARY = (
    "Rent is due on Friday and I finally got the landlord to agree to a payment plan, so that is "
    "one thing off my list. The kids are with their dad this weekend and I'm going to clean the "
    "apartment and maybe see my sister."
)


class FixedReader:
    """A reader that gives every message the same score, to show what the screen does with it."""

    def __init__(self, score: float) -> None:
        self.value = score
        self.read: list[str] = []

    def score(self, normalised: str) -> float:
        self.read.append(normalised)
        return self.value


class BrokenReader:
    def score(self, normalised: str) -> float:
        raise RuntimeError("reader down")


def test_features_share_letter_runs_across_a_typo() -> None:
    right, typo = set(features("suicidal")), set(features("sucidal"))
    assert "w:suicidal" in right and "w:sucidal" in typo
    assert {f for f in right & typo if f.startswith("c:")}


def test_training_needs_both_kinds() -> None:
    with pytest.raises(ValueError):
        Reader.train(["i want to die", "i want to die tonight"], [True, True])
    with pytest.raises(ValueError):
        Reader.train(["a", "b"], [True])


def test_training_is_deterministic_and_separates_what_it_learned() -> None:
    texts = ["i want to kill myself", "i want to die tonight", "rent is due friday",
             "the kids are at school"] * 3
    labels = [True, True, False, False] * 3
    first, second = Reader.train(texts, labels), Reader.train(texts, labels)
    for text in texts:
        assert first.score(text) == second.score(text)
    assert first.score("i want to die") > 0.5 > first.score("rent is due")


def test_the_project_data_is_well_formed_and_has_both_sides() -> None:
    rows = read_rows()
    assert {row["at_risk"] for row in rows} == {True, False}
    assert {row["lang"] for row in rows} == {"en", "es"}
    assert len({row["text"] for row in rows}) == len(rows)


def test_bad_rows_are_refused_with_the_line(tmp_path) -> None:
    path = tmp_path / "rows.jsonl"
    path.write_text(json.dumps({"text": "x", "at_risk": "yes"}) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match="rows.jsonl:1"):
        read_rows(path)


def test_the_trained_reader_reads_a_held_out_risk_message_above_an_ordinary_one() -> None:
    reader = trained_reader(READER_DATA)
    assert reader.score(normalise(LONG_DENIAL_THEN_PLAN)) > reader.score(normalise(LONG_ORDINARY))


def test_a_softened_cue_in_a_long_message_is_raised_to_urgent() -> None:
    text = (
        "My best friend died by suicide in October and everyone keeps asking how her mom is doing. "
        "Nobody asks how I am and I go to the same overpass at night."
    )
    lexicon_only = SafetyScreen(reader=FixedReader(0.0)).assess(text)
    assert lexicon_only.level == "concern"
    raised = SafetyScreen(reader=FixedReader(0.9)).assess(text)
    assert raised.level == "urgent"
    assert WHOLE_MESSAGE in raised.cues
    assert "read as a whole: 0.90" in raised.evidence


def test_a_long_message_with_no_cue_is_asked_about_or_if_clear_paged() -> None:
    assert SafetyScreen(reader=FixedReader(0.62)).assess(LONG_ORDINARY).level == "concern"
    assert SafetyScreen(reader=FixedReader(0.5)).assess(LONG_ORDINARY).level == "none"
    clear = SafetyScreen(reader=FixedReader(0.71)).assess(LONG_ORDINARY)
    assert clear.level == "urgent" and clear.cues == (WHOLE_MESSAGE,)


def test_short_messages_are_left_to_the_lexicon() -> None:
    reader = FixedReader(0.99)
    screen = SafetyScreen(reader=reader)
    assert screen.assess("I'm not suicidal, just tired").level == "none"
    assert screen.assess("this paperwork is killing me").level == "none"
    assert reader.read == []


def test_the_reader_never_lowers_a_level() -> None:
    screen = SafetyScreen(reader=FixedReader(0.0))
    text = "I have the pills counted out on the table and I am going to take them all tonight."
    assert screen.assess(text).level == "emergency"
    assert level_rank(screen.assess(LONG_DENIAL_THEN_PLAN).level) >= level_rank("concern")


def test_a_failing_reader_leaves_the_lexicon_level(caplog) -> None:
    screen = SafetyScreen(reader=BrokenReader())
    text = (
        "I've been having suicidal thoughts again since the eviction notice came, and I don't "
        "know who else to tell about it, my caseworker is on leave until next month."
    )
    with caplog.at_level(logging.ERROR):
        assert screen.assess(LONG_ORDINARY).level == "none"
        assert screen.assess(text).level == "urgent"
    assert "lexicon's level stands" in caplog.text


def test_the_reader_data_is_current_with_the_rows_it_is_drawn_from() -> None:
    """A dev row or post added without rebuilding would be missing from what the reader learns;
    a held-out post would never be learned from, whatever the file says."""
    from collections import Counter

    from scripts.build_reader_data import build, is_drawn, never_learned

    rows = read_rows()
    rebuilt = build([row for row in rows if not is_drawn(row)], Counter())
    assert rebuilt == rows, "run scripts/build_reader_data.py"
    assert not {normalise(row["text"]) for row in rows} & never_learned()


def test_a_learned_reader_is_kept_and_read_back_the_same(tmp_path, monkeypatch, caplog) -> None:
    from bot.safety import reader as reader_module

    monkeypatch.setenv(reader_module.CACHE_DIR_ENV, str(tmp_path))
    texts = ["i want to kill myself", "i want to die tonight", "rent is due friday",
             "the kids are at school"] * 3
    learned = Reader.train(texts, [True, True, False, False] * 3)
    data = tmp_path / "rows.jsonl"
    data.write_text(json.dumps({"text": "x", "at_risk": True}) + "\n", encoding="utf-8")
    file = reader_module._cache_file(data)
    assert file.parent == tmp_path
    assert reader_module._load(file) is None  # nothing kept yet
    reader_module._save(learned, file)
    kept = reader_module._load(file)
    for text in [*texts, "a message it never saw"]:
        assert kept.score(text) == learned.score(text)
    # Other rows are other weights: the file's name says which rows it was learned from.
    data.write_text(json.dumps({"text": "y", "at_risk": False}) + "\n", encoding="utf-8")
    assert reader_module._cache_file(data) != file
    file.write_bytes(b"not a numpy file")
    with caplog.at_level(logging.WARNING):
        assert reader_module._load(file) is None
    assert "learning again" in caplog.text
