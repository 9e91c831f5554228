"""`companion reminder`: a worker suggests a check-in schedule to a client, or sets their zone.

`companion reminder suggest CLIENT "every Monday at 6pm"` queues a suggestion; a gateway sends it
to the client (on Telegram, or when their widget is open) with a button to accept it.
"""

from __future__ import annotations

import argparse

from bot.db import make_engine, make_sessionmaker
from bot.models import Client
from bot.reminder_parser import language_of, normalise, parse_schedule, say_schedule
from bot.reminders import QuietHours, ReminderBook
from bot.settings import Settings


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("reminder", help="suggest a reminder schedule to a client")
    actions = parser.add_subparsers(dest="action", required=True)
    suggest = actions.add_parser("suggest", help='e.g. suggest 12 "every Monday at 6pm"')
    suggest.add_argument("client", type=int, help="the client's id")
    suggest.add_argument("schedule", help='when, in plain words: "weekdays at 9am"')
    suggest.add_argument("--language", choices=("en", "es"), help="default: the words' language")
    zone = actions.add_parser("timezone", help="set a client's time zone, e.g. America/Chicago")
    zone.add_argument("client", type=int)
    zone.add_argument("zone")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    engine = make_engine(settings.database_url)
    sessions = make_sessionmaker(engine)
    book = ReminderBook(
        sessions,
        program_timezone=settings.program_timezone,
        quiet_hours=QuietHours.parse(settings.quiet_hours),
    )
    try:
        with sessions() as session:
            if session.get(Client, args.client) is None:
                print(f"no client with id {args.client}")
                return 1
        if args.action == "timezone":
            if not book.set_timezone(args.client, args.zone):
                print(f"unknown time zone {args.zone!r}; use an IANA name like America/Chicago")
                return 1
            print(f"client {args.client}: reminders now follow {args.zone}")
            return 0
        schedule = parse_schedule(args.schedule)
        if schedule is None:
            print(f"could not read a schedule in {args.schedule!r}; try \"every Monday at 6pm\"")
            return 1
        language = args.language or language_of(normalise(args.schedule))
        offered = book.suggest(args.client, schedule, language)
        print(f"suggested to client {args.client}: {say_schedule(offered)}; they will be asked to accept")
        return 0
    finally:
        engine.dispose()
