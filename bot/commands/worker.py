"""`companion worker`: register case workers, who are reached on Telegram."""

from __future__ import annotations

import argparse
import sys

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from bot.casework import CaseStore
from bot.db import make_engine, make_sessionmaker
from bot.settings import Settings


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("worker", help="register and list case workers")
    actions = parser.add_subparsers(dest="action", required=True)
    add = actions.add_parser("add", help="register a worker")
    add.add_argument("--name", required=True)
    add.add_argument("--telegram-id", type=int, required=True, help="the worker's Telegram user id")
    add.add_argument("--on-call", action="store_true", help="takes alerts for clients with no worker")
    add.set_defaults(handler=run_add)
    listing = actions.add_parser("list", help="list the workers")
    listing.set_defaults(handler=run_list)


def _casework() -> tuple[CaseStore, Engine]:
    engine = make_engine(Settings.from_env().database_url)
    return CaseStore(make_sessionmaker(engine)), engine


def run_add(args: argparse.Namespace) -> int:
    casework, engine = _casework()
    try:
        worker = casework.add_worker(args.name, args.telegram_id, args.on_call)
    except IntegrityError:
        print(f"a worker with Telegram id {args.telegram_id} is already registered", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    print(f"worker {worker.id} {worker.name}" + (" (on call)" if worker.on_call else ""))
    return 0


def run_list(args: argparse.Namespace) -> int:
    casework, engine = _casework()
    try:
        for worker in casework.workers():
            on_call = "on call" if worker.on_call else ""
            print(f"{worker.id}\t{worker.name}\t{worker.telegram_id}\t{on_call}".rstrip())
    finally:
        engine.dispose()
    return 0
