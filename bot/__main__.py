"""`companion` command line: one subcommand module per concern under `bot/commands/`."""

from __future__ import annotations

import argparse
import importlib
import sys

SUBCOMMANDS = (
    "run", "serve", "migrate", "values", "assess", "anonymise", "user", "export", "worker", "client",
    "reminder", "retention", "forget",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="companion", description=__doc__)
    subparsers = parser.add_subparsers(dest="command", required=True)
    for name in SUBCOMMANDS:
        module = importlib.import_module(f"bot.commands.{name}")
        module.add_parser(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.handler(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
