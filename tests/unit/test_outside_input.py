"""Property-based tests on what parses outside input without a server: the JSON-lines commands
(`assess`, `values`) and the settings read from the environment."""

from __future__ import annotations

import io
import json
import logging

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from actions.values import ValueDetector
from bot.commands.jsonlines import MAX_LINE_CHARS, run_jsonlines
from bot.safety.screen import LEVELS, SafetyScreen
from bot.settings import Settings, SettingsError

SCREEN = SafetyScreen()
DETECTOR = ValueDetector()
NASTY = st.one_of(
    st.text(max_size=400),
    st.sampled_from([
        "<script>alert(1)</script>", "'; DROP TABLE messages; --", "\x00\x1b[2J", "\ud800",
        "I want to die" * 300, "🙂" * 500, "\u202e", "\r\n",
    ]),
)


def assess_handler(item: dict) -> dict:
    history = item.get("history") or []
    if not isinstance(history, list) or not all(isinstance(h, str) for h in history):
        return {"error": '"history" must be a list of strings'}
    assessment = SCREEN.assess(item["text"], history)
    return {"text": item["text"], "level": assessment.level, "cues": list(assessment.cues)}


def run_bytes(handler, data: bytes) -> tuple[int, list[dict]]:  # type: ignore[no-untyped-def]
    out = io.StringIO()
    code = run_jsonlines(handler, stdin=io.BytesIO(data), stdout=out)
    return code, [json.loads(line) for line in out.getvalue().splitlines()]


@settings(max_examples=150, deadline=None)
@given(text=NASTY, history=st.lists(NASTY, max_size=5))
def test_the_screen_and_the_values_detector_take_any_text(text: str, history: list[str]) -> None:
    assert SCREEN.assess(text, history).level in LEVELS
    assert all(isinstance(m.value, str) for m in DETECTOR.detect(text))


@settings(max_examples=150, deadline=None)
@given(data=st.binary(max_size=300))
def test_any_bytes_on_stdin_give_one_json_line_per_nonblank_line(data: bytes) -> None:
    code, rows = run_bytes(assess_handler, data)
    nonblank = [line for line in data.split(b"\n") if line.strip()]
    assert len(rows) == len(nonblank)
    assert code == (1 if any("error" in row for row in rows) else 0)


@settings(max_examples=100, deadline=None)
@given(item=st.dictionaries(st.sampled_from(["text", "history", "x"]), st.one_of(
    NASTY, st.integers(), st.none(), st.lists(NASTY, max_size=3), st.lists(st.integers(), max_size=3)
)))
def test_any_json_object_gets_a_result_or_a_clear_error(item: dict) -> None:
    code, [row] = run_bytes(assess_handler, json.dumps(item).encode() + b"\n")
    if "error" in row:
        assert row["error"] and code == 1
    else:
        assert row["level"] in LEVELS and code == 0


def test_invalid_utf8_and_oversized_lines_are_bad_lines_and_the_rest_still_run() -> None:
    data = b"\xff\xfe{\"text\": 1}\n" + b'{"text": "' + b"a" * MAX_LINE_CHARS + b'"}\n' + \
        json.dumps({"text": "I took all my pills"}).encode() + b"\n"
    code, rows = run_bytes(assess_handler, data)
    assert code == 1
    assert rows[0] == {"error": "line 1: not UTF-8"}
    assert "longer than" in rows[1]["error"]
    assert rows[2]["level"] == "emergency"


def test_a_lone_surrogate_is_written_back_escaped() -> None:
    code, [row] = run_bytes(lambda item: {"text": item["text"]}, b'{"text": "\\ud800 hi"}\n')
    assert code == 0 and row["text"] == "\ud800 hi"


SETTING_NAMES = [
    "DATABASE_URL", "RASA_URL", "RASA_TIMEOUT_SECONDS", "COMPANION_PORT", "MAX_MESSAGE_CHARS",
    "CHECKIN_GAP_MINUTES", "RATE_LIMIT_MESSAGES", "RATE_LIMIT_WINDOW_SECONDS", "REDIS_URL",
    "TELEGRAM_BOT_TOKEN", "PROGRAM_NAME",
]


@settings(max_examples=300, deadline=None)
@given(env=st.dictionaries(
    st.sampled_from(SETTING_NAMES),
    st.one_of(st.text(max_size=20), st.sampled_from(["nan", "inf", "-1", "0", "1e309", "70000", " 8 "])),
))
def test_settings_from_any_environment_are_usable_or_a_named_error(env: dict[str, str]) -> None:
    try:
        parsed = Settings.from_env(env)
    except SettingsError as exc:
        assert any(name in str(exc) for name in SETTING_NAMES)
        return
    assert 0 <= parsed.port <= 65535
    assert parsed.rasa_timeout_seconds > 0 and parsed.rate_limit_messages >= 1
    assert parsed.rate_limit_window_seconds > 0 and parsed.max_message_chars >= 1


@pytest.mark.parametrize("name,value", [
    ("RASA_TIMEOUT_SECONDS", "nan"), ("COMPANION_PORT", "99999"), ("RATE_LIMIT_MESSAGES", "0"),
    ("RATE_LIMIT_WINDOW_SECONDS", "-5"), ("MAX_MESSAGE_CHARS", "many"),
])
def test_an_unusable_setting_names_the_variable(name: str, value: str) -> None:
    with pytest.raises(SettingsError, match=name):
        Settings.from_env({name: value})


def test_settings_repr_and_logs_hold_no_secret(caplog: pytest.LogCaptureFixture) -> None:
    secrets = {
        "TELEGRAM_BOT_TOKEN": "123456:telegram-secret-value",
        "DATABASE_URL": "postgresql+psycopg://companion:db-secret-value@db/companion",
        "REDIS_URL": "redis://:redis-secret-value@cache:6379/0",
    }
    parsed = Settings.from_env(secrets)
    with caplog.at_level(logging.DEBUG):
        logging.getLogger("bot").info("settings: %s %r", parsed, parsed)
    for text in (repr(parsed), str(parsed), caplog.text):
        for secret in ("telegram-secret-value", "db-secret-value", "redis-secret-value"):
            assert secret not in text
    assert parsed.telegram_token == secrets["TELEGRAM_BOT_TOKEN"]


def test_characters_read_as_line_breaks_stay_inside_their_line() -> None:
    code, [row] = run_bytes(lambda item: {"text": item["text"]}, b'{"text": "a\\u0085b\\u2028c\\u2029d"}\n')
    assert code == 0 and row["text"] == "a\x85b\u2028c\u2029d"
