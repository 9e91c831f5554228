import io
import json

import pytest

from bot.__main__ import main


def assess(monkeypatch: pytest.MonkeyPatch, stdin: str) -> tuple[int, list[dict]]:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    out = io.StringIO()
    monkeypatch.setattr("sys.stdout", out)
    code = main(["assess"])
    return code, [json.loads(line) for line in out.getvalue().splitlines()]


def lines(*items: object) -> str:
    return "".join((item if isinstance(item, str) else json.dumps(item)) + "\n" for item in items)


def test_one_line_out_per_line_in(monkeypatch: pytest.MonkeyPatch) -> None:
    code, rows = assess(
        monkeypatch,
        lines(
            {"text": "I want to die"},
            {"text": "this paperwork is killing me"},
            {"text": "me quiero morir"},
            {"text": "I just took all my pills"},
        ),
    )
    assert code == 0
    assert rows == [
        {"text": "I want to die", "level": "urgent", "cues": ["suicidal_ideation"]},
        {"text": "this paperwork is killing me", "level": "none", "cues": []},
        {"text": "me quiero morir", "level": "urgent", "cues": ["suicidal_ideation"]},
        {"text": "I just took all my pills", "level": "emergency", "cues": ["suicide_attempt"]},
    ]


def test_history_gives_a_follow_up_its_meaning(monkeypatch: pytest.MonkeyPatch) -> None:
    code, rows = assess(
        monkeypatch,
        lines(
            {"text": "yes", "history": ["I think about ending my life"]},
            {"text": "yes"},
            {"text": "I have the pills right here", "history": ["I want to end it all"]},
            {"text": "hello", "history": None},
        ),
    )
    assert code == 0
    assert [row["level"] for row in rows] == ["urgent", "none", "emergency", "none"]


def test_blank_lines_are_skipped(monkeypatch: pytest.MonkeyPatch) -> None:
    code, rows = assess(monkeypatch, lines("", {"text": "hi"}, "   ", {"text": "kms"}, ""))
    assert code == 0
    assert [row["text"] for row in rows] == ["hi", "kms"]


def test_bad_lines_get_an_error_line_and_the_rest_still_run(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    code, rows = assess(
        monkeypatch,
        lines(
            "not json",
            {"message": "no text field"},
            {"text": 42},
            [1, 2],
            {"text": "hi", "history": "not a list"},
            {"text": "hi", "history": ["fine", 3]},
            {"text": "I want to kill myself"},
        ),
    )
    assert code == 1
    assert len(rows) == 7
    assert all(set(row) == {"error"} and row["error"] for row in rows[:6])
    assert rows[6] == {"text": "I want to kill myself", "level": "urgent", "cues": [
        "suicidal_ideation"
    ]}


def test_no_input_is_no_output(monkeypatch: pytest.MonkeyPatch) -> None:
    assert assess(monkeypatch, "") == (0, [])
