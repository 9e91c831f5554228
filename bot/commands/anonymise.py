"""`companion anonymise`: lines of text (or JSON lines with a "text") in, anonymised lines out,
through the same anonymiser as the staff pages."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TextIO

from bot.commands.jsonlines import dump_line


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "anonymise",
        help='anonymise text: plain lines, or JSON lines with a "text" (other fields are kept)',
    )
    parser.add_argument(
        "--known-name",
        action="append",
        default=[],
        metavar="NAME",
        help="a name that must always be removed (repeatable)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, stdin: TextIO | None = None, stdout: TextIO | None = None) -> int:
    from bot.anonymise import shared_anonymiser

    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    anonymiser = shared_anonymiser()
    known = list(args.known_name)
    failed = False
    for number, line in enumerate(stdin, start=1):
        line = line.rstrip("\n")
        if line.lstrip().startswith("{"):
            try:
                item = json.loads(line)
            except ValueError as exc:
                item = None
                error = f"line {number}: not JSON ({exc.msg})"
            else:
                error = f'line {number}: expected an object with a string "text"'
            if not isinstance(item, dict) or not isinstance(item.get("text"), str):
                print(f"companion anonymise: {error}", file=sys.stderr)
                stdout.write(json.dumps({"error": error}) + "\n")
                failed = True
                continue
            item["text"] = anonymiser.anonymise(item["text"], known)
            stdout.write(dump_line(item) + "\n")
        else:
            stdout.write(anonymiser.anonymise(line, known) + "\n")
        stdout.flush()
    return 1 if failed else 0
