"""`companion assess`: the gateway's safety screen on JSON lines, with no server."""

from __future__ import annotations

import argparse
from typing import Any

from bot.commands.jsonlines import run_jsonlines
from bot.safety.screen import SafetyScreen


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "assess",
        help='screen messages: JSON lines {"text", "history"} in, {"text", "level", "cues"} out',
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    screen = SafetyScreen()
    screen.warm()

    def assess(item: dict[str, Any]) -> dict[str, Any]:
        history = item.get("history") or []
        if not isinstance(history, list) or not all(isinstance(h, str) for h in history):
            return {"error": '"history" must be a list of strings'}
        assessment = screen.assess(item["text"], history)
        return {"text": item["text"], "level": assessment.level, "cues": list(assessment.cues)}

    return run_jsonlines(assess)
