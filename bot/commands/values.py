"""`companion values`: the values the conversation recognises, on JSON lines, with no server."""

from __future__ import annotations

import argparse
from typing import Any

from actions.values import ValueDetector
from bot.commands.jsonlines import run_jsonlines


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "values", help='recognise values: JSON lines {"text"} in, {"text", "values"} out'
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    detector = ValueDetector()

    def detect(item: dict[str, Any]) -> dict[str, Any]:
        return {"text": item["text"], "values": [m.value for m in detector.detect(item["text"])]}

    return run_jsonlines(detect)
