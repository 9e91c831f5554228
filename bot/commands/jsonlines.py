"""Shared loop for commands that read JSON lines on stdin and write one JSON line per input."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Any, TextIO


def run_jsonlines(
    handle: Callable[[dict[str, Any]], dict[str, Any]],
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
) -> int:
    """Apply `handle` to each object with a string "text"; a bad line gets an error line and the
    exit code becomes 1, but the lines after it are still processed."""
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    failed = False
    for number, line in enumerate(stdin, start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except ValueError as exc:
            result: dict[str, Any] = {"error": f"line {number}: not JSON ({exc.msg})"}
        else:
            if not isinstance(item, dict) or not isinstance(item.get("text"), str):
                result = {"error": f'line {number}: expected an object with a string "text"'}
            else:
                result = handle(item)
        failed = failed or "error" in result
        stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
        stdout.flush()
    return 1 if failed else 0
