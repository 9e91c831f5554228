import io
import json

import pytest

from bot.__main__ import main


def run_values(monkeypatch: pytest.MonkeyPatch, stdin: str) -> tuple[int, list[dict]]:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    out = io.StringIO()
    monkeypatch.setattr("sys.stdout", out)
    code = main(["values"])
    return code, [json.loads(line) for line in out.getvalue().splitlines()]


def test_one_line_out_per_message_in(monkeypatch: pytest.MonkeyPatch) -> None:
    messages = [
        "being there for my kids matters",
        "staying clean for my kids is everything",
        "the bus was late",
        "mis hijos son todo para mí",
    ]
    code, rows = run_values(monkeypatch, "".join(json.dumps({"text": m}) + "\n" for m in messages))
    assert code == 0
    assert rows == [
        {"text": messages[0], "values": ["parenting"]},
        {"text": messages[1], "values": ["sobriety", "parenting"]},
        {"text": messages[2], "values": []},
        {"text": messages[3], "values": ["parenting"]},
    ]


def test_blank_lines_are_skipped(monkeypatch: pytest.MonkeyPatch) -> None:
    code, rows = run_values(monkeypatch, '\n   \n{"text": "my faith"}\n\n')
    assert code == 0
    assert rows == [{"text": "my faith", "values": ["faith"]}]


def test_bad_lines_get_an_error_and_the_rest_still_run(monkeypatch: pytest.MonkeyPatch) -> None:
    stdin = "\n".join([
        "not json",
        json.dumps({"message": "no text field"}),
        json.dumps({"text": 42}),
        json.dumps(["a", "list"]),
        json.dumps({"text": "I want to get my GED"}),
    ]) + "\n"
    code, rows = run_values(monkeypatch, stdin)
    assert code == 1
    assert ["error" in row for row in rows] == [True, True, True, True, False]
    assert rows[0]["error"].startswith("line 1")
    assert rows[4] == {"text": "I want to get my GED", "values": ["education"]}


def test_no_input_is_fine(monkeypatch: pytest.MonkeyPatch) -> None:
    assert run_values(monkeypatch, "") == (0, [])
