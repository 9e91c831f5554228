import io
import json

import pytest

from bot.__main__ import main


def run(monkeypatch: pytest.MonkeyPatch, command: str, lines: list[str]) -> tuple[int, list[dict]]:
    monkeypatch.setattr("sys.stdin", io.StringIO("\n".join(lines) + "\n"))
    out = io.StringIO()
    monkeypatch.setattr("sys.stdout", out)
    code = main([command])
    return code, [json.loads(line) for line in out.getvalue().splitlines()]


def test_assess_writes_one_line_per_input(monkeypatch: pytest.MonkeyPatch) -> None:
    code, rows = run(monkeypatch, "assess", [
        json.dumps({"text": "I want to die"}),
        "",
        json.dumps({"text": "this paperwork is killing me"}),
        json.dumps({"text": "yes", "history": ["I think about ending my life"]}),
    ])
    assert code == 0
    assert [(r["text"], r["level"]) for r in rows] == [
        ("I want to die", "urgent"),
        ("this paperwork is killing me", "none"),
        ("yes", "urgent"),
    ]
    assert rows[0]["cues"] == ["suicidal_ideation"]


def test_assess_reports_bad_lines_and_keeps_going(monkeypatch: pytest.MonkeyPatch) -> None:
    code, rows = run(monkeypatch, "assess", [
        "not json",
        json.dumps({"message": "no text field"}),
        json.dumps({"text": "hi", "history": "not a list"}),
        json.dumps({"text": "I took all my pills"}),
    ])
    assert code == 1
    assert ["error" in r for r in rows] == [True, True, True, False]
    assert rows[3]["level"] == "emergency"


def test_values_writes_canonical_names(monkeypatch: pytest.MonkeyPatch) -> None:
    code, rows = run(monkeypatch, "values", [
        json.dumps({"text": "staying clean for my kids is everything"}),
        json.dumps({"text": "the bus was late"}),
        json.dumps({"text": "mi fe en Dios me da fuerza"}),
    ])
    assert code == 0
    assert [r["values"] for r in rows] == [["sobriety", "parenting"], [], ["faith"]]


def test_values_reports_bad_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    code, rows = run(monkeypatch, "values", ["[1, 2]", json.dumps({"text": "my faith"})])
    assert code == 1
    assert "error" in rows[0] and rows[1]["values"] == ["faith"]
