"""`companion retention [--dry-run]`: replace raw message text older than RETENTION_DAYS by its
anonymised form and prune old Telegram update ids (the gateway also runs this daily)."""

from __future__ import annotations

import argparse

from bot.anonymise import shared_anonymiser
from bot.db import make_engine, make_sessionmaker
from bot.rasa_tracker import RasaTrackerStore
from bot.retention import TELEGRAM_UPDATE_DAYS, TextAnonymiser, apply_retention
from bot.settings import Settings


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "retention", help="anonymise message text older than RETENTION_DAYS"
    )
    parser.add_argument("--dry-run", action="store_true", help="count what would change; change nothing")
    parser.add_argument("--days", type=int, help="override RETENTION_DAYS for this run")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, anonymiser: TextAnonymiser | None = None) -> int:
    settings = Settings.from_env()
    engine = make_engine(settings.database_url)
    tracker = RasaTrackerStore(settings.rasa_tracker_url)
    try:
        report = apply_retention(
            make_sessionmaker(engine),
            anonymiser or shared_anonymiser(),
            days=args.days if args.days is not None else settings.retention_days,
            tracker=tracker,
            dry_run=args.dry_run,
        )
    finally:
        tracker.dispose()
        engine.dispose()
    verb = "would anonymise" if report.dry_run else "anonymised"
    print(
        f"older than {report.cutoff:%Y-%m-%d %H:%M} UTC: {verb} {report.messages} messages and "
        f"{report.alerts} alert texts; {'would remove' if report.dry_run else 'removed'} "
        f"{report.tracker_events} Rasa tracker events and {report.telegram_updates} Telegram "
        f"update ids older than {TELEGRAM_UPDATE_DAYS} days"
    )
    return 0
