"""`companion export`: anonymised conversations since a date, as JSON lines or CSV; clients are
keyed pseudonyms (PSEUDONYM_KEY) and no raw text leaves."""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import sys
from typing import TextIO

from bot.commands.jsonlines import dump_line
from bot.db import make_engine, make_sessionmaker
from bot.settings import Settings

CSV_FIELDS = ("conversation", "client", "channel", "started_at", "at", "sender", "risk_level", "text")


def _date(raw: str) -> dt.date:
    try:
        return dt.date.fromisoformat(raw)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {raw!r}") from exc


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("export", help="export anonymised conversations")
    parser.add_argument("--since", required=True, type=_date, help="first day, YYYY-MM-DD")
    parser.add_argument("--format", choices=("jsonl", "csv"), default="jsonl")
    parser.add_argument("--out", default=None, help="file to write (default: stdout)")
    parser.set_defaults(handler=run)


def write(conversations, fmt: str, out: TextIO) -> int:  # type: ignore[no-untyped-def]
    count = 0
    if fmt == "jsonl":
        for conversation in conversations:
            out.write(dump_line(conversation) + "\n")
            count += 1
        return count
    writer = csv.DictWriter(out, fieldnames=CSV_FIELDS)
    writer.writeheader()
    for conversation in conversations:
        count += 1
        for message in conversation["messages"]:
            writer.writerow(
                {
                    **{k: conversation[k] for k in ("conversation", "client", "channel", "started_at")},
                    **message,
                }
            )
    return count


def run(args: argparse.Namespace) -> int:
    from bot.anonymise import shared_anonymiser
    from bot.staff.queries import Review

    settings = Settings.from_env()
    if not settings.pseudonym_key:
        print("companion export: set PSEUDONYM_KEY so pseudonyms stay stable across exports", file=sys.stderr)
        return 2
    engine = make_engine(settings.database_url)
    review = Review(
        make_sessionmaker(engine),
        pseudonym_key=settings.pseudonym_key,
        anonymise=shared_anonymiser().anonymise,
    )
    try:
        if args.out:
            with open(args.out, "w", encoding="utf-8", newline="") as out:
                count = write(review.export(args.since), args.format, out)
        else:
            count = write(review.export(args.since), args.format, sys.stdout)
    finally:
        engine.dispose()
    print(f"exported {count} conversations", file=sys.stderr)
    return 0
