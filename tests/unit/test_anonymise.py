"""The anonymiser on the labelled set (no leaks, ordinary words kept), known names, the command."""

from __future__ import annotations

import argparse
import io
import json
import sys
from pathlib import Path

import pytest

from bot.anonymise import Anonymiser
from bot.commands import anonymise as anonymise_command
from bot.pseudonym import pseudonym

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

from eval_anonymise import evaluate, load_rows  # noqa: E402


@pytest.fixture(scope="module")
def anonymiser() -> Anonymiser:
    return Anonymiser().load()


def test_no_labelled_pii_survives_and_ordinary_words_do(anonymiser: Anonymiser) -> None:
    rows = load_rows()
    assert len(rows) >= 100
    report = evaluate(anonymiser, rows)
    assert report["leaks"] == []
    assert report["keep_words_lost"] == []
    assert report["over_redaction_rate"] < 0.05


def test_typed_placeholders(anonymiser: Anonymiser) -> None:
    text = (
        "I'm Dana, call 555-123-4567 or dana.r@example.com, I live at 12 Oak Street. "
        "DOB 03/14/1985, ssn 123-45-6789, card 4111 1111 1111 1111, @dana_r, "
        "https://instagram.com/dana_r, 10.0.0.1, 40.7128, -74.0060"
    )
    out = anonymiser.anonymise(text)
    for placeholder in (
        "[NAME]",
        "[PHONE]",
        "[EMAIL]",
        "[ADDRESS]",
        "[DOB]",
        "[ID]",
        "[CARD]",
        "[HANDLE]",
        "[URL]",
        "[IP]",
        "[LOCATION]",
    ):
        assert placeholder in out
    assert not any(ch.isdigit() for ch in out)


def test_known_names_are_always_removed(anonymiser: Anonymiser) -> None:
    text = "talked with bright and zephyr about rent"
    assert anonymiser.anonymise(text) == text
    out = anonymiser.anonymise(text, known_names=["Zephyr Bright"])
    assert out == "talked with [NAME] and [NAME] about rent"


def test_common_word_names_need_context(anonymiser: Anonymiser) -> None:
    assert anonymiser.anonymise("I hope May will bring grace.") == "I hope May will bring grace."
    assert anonymiser.anonymise("my daughter Hope said hi") == "my daughter [NAME] said hi"


def test_pseudonyms_are_keyed_and_stable() -> None:
    assert pseudonym(7, "k1") == pseudonym(7, "k1")
    assert pseudonym(7, "k1") != pseudonym(7, "k2") != pseudonym(8, "k2")
    assert pseudonym(7, "k1").startswith("c-") and len(pseudonym(7, "k1")) == 12


def test_command_reads_plain_and_json_lines_and_reports_bad_ones() -> None:
    stdin = io.StringIO('Ngozi called 555-123-4567\n{"text": "mail me: a@b.org", "id": 3}\n{"id": 4}\n')
    stdout = io.StringIO()
    args = argparse.Namespace(known_name=[])
    assert anonymise_command.run(args, stdin=stdin, stdout=stdout) == 1
    lines = stdout.getvalue().splitlines()
    assert lines[0] == "[NAME] called [PHONE]"
    assert json.loads(lines[1]) == {"text": "mail me: [EMAIL]", "id": 3}
    assert "error" in json.loads(lines[2])


def test_generated_contact_details_do_not_leak(anonymiser: Anonymiser) -> None:
    from eval_anonymise import synthetic

    results = synthetic(anonymiser, per_kind=20, seed=11)
    leaked = {name: r["examples"] for name, r in results.items() if r["leaked"]}
    assert sum(r["leaked"] for r in results.values()) <= 2, leaked
