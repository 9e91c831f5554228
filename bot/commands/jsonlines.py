"""Shared loop for commands that read JSON lines on stdin and write one JSON line per input."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable
from typing import IO, Any

# A line longer than this is refused rather than parsed (it is still read, but only once).
MAX_LINE_CHARS = 1_000_000


# Characters that many readers (Python's str.splitlines among them) take as line breaks; they can
# only stand inside JSON strings, where their escapes mean the same.
_LINE_BREAKS = {"\x85": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def dump_line(result: dict[str, Any]) -> str:
    """One object as one JSON line that every reader splits where it should."""
    line = json.dumps(result, ensure_ascii=False)
    try:
        line.encode("utf-8")
    except UnicodeEncodeError:
        # A lone surrogate from a JSON escape cannot be written as UTF-8: escape everything.
        return json.dumps(result)
    for character, escape in _LINE_BREAKS.items():
        line = line.replace(character, escape)
    return line


def _parse(number: int, line: str | bytes) -> dict[str, Any]:
    if isinstance(line, bytes):
        try:
            line = line.decode("utf-8")
        except UnicodeDecodeError:
            return {"error": f"line {number}: not UTF-8"}
    if len(line) > MAX_LINE_CHARS:
        return {"error": f"line {number}: longer than {MAX_LINE_CHARS} characters"}
    try:
        item = json.loads(line)
    except ValueError as exc:
        return {"error": f"line {number}: not JSON ({getattr(exc, 'msg', exc)})"}
    if not isinstance(item, dict) or not isinstance(item.get("text"), str):
        return {"error": f'line {number}: expected an object with a string "text"'}
    return {"item": item}


def run_jsonlines(
    handle: Callable[[dict[str, Any]], dict[str, Any]],
    stdin: Iterable[str] | Iterable[bytes] | None = None,
    stdout: IO[str] | None = None,
) -> int:
    """Apply `handle` to each object with a string "text"; a bad line (not UTF-8, not JSON, too
    long, the wrong shape) gets an error line and the exit code becomes 1, but the lines after it
    are still processed."""
    # Bytes from the real stdin, so invalid UTF-8 is one bad line rather than a crash.
    source = stdin if stdin is not None else getattr(sys.stdin, "buffer", sys.stdin)
    stdout = stdout or sys.stdout
    failed = False
    for number, line in enumerate(source, start=1):
        if not line.strip():
            continue
        parsed = _parse(number, line)
        result = handle(parsed["item"]) if "item" in parsed else parsed
        failed = failed or "error" in result
        stdout.write(dump_line(result) + "\n")
        stdout.flush()
    return 1 if failed else 0
