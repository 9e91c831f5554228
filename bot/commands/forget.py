"""`companion forget CLIENT --yes`: delete a client's data on their behalf (when they ask their
worker), exactly as "delete my data" in the conversation does."""

from __future__ import annotations

import argparse

from bot.db import make_engine, make_sessionmaker
from bot.leaving import Leaving
from bot.models import Client
from bot.rasa_tracker import RasaTrackerStore
from bot.settings import Settings


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("forget", help="delete a client's data (keeps escalations, without text)")
    parser.add_argument("client", type=int, help="the client's id")
    parser.add_argument("--yes", action="store_true", help="really delete; it cannot be undone")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    if not args.yes:
        print("this deletes the client's messages, values, check-ins, moods and reminders for good; "
              "add --yes to go ahead")
        return 1
    settings = Settings.from_env()
    engine = make_engine(settings.database_url)
    tracker = RasaTrackerStore(settings.rasa_tracker_url)
    sessions = make_sessionmaker(engine)
    try:
        with sessions() as session:
            if session.get(Client, args.client) is None:
                print(f"no client with id {args.client}")
                return 1
        deletion = Leaving(sessions, tracker).delete_client_data(args.client)
    finally:
        tracker.dispose()
        engine.dispose()
    removed = ", ".join(f"{count} {table}" for table, count in sorted(deletion.rows.items()) if count)
    print(f"client {args.client}: removed {removed or 'nothing'} and {deletion.tracker_events} Rasa "
          f"tracker events; kept {deletion.escalations_kept} escalations without text")
    return 0
