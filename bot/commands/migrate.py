"""`companion migrate`: bring the database to the newest schema."""

from __future__ import annotations

import argparse

from bot.db import migrate
from bot.settings import Settings


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("migrate", help="apply database migrations")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    migrate(settings.database_url)
    print(f"database ready: {settings.database_url.split('@')[-1]}")
    return 0
