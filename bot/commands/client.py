"""`companion client`: clients by pseudonym, and assigning each to a case worker."""

from __future__ import annotations

import argparse
import sys

from bot.casework import CaseStore
from bot.db import make_engine, make_sessionmaker
from bot.pseudonym import client_id_for, pseudonym
from bot.settings import Settings


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("client", help="list clients and assign them to workers")
    actions = parser.add_subparsers(dest="action", required=True)
    listing = actions.add_parser("list", help="clients by pseudonym, with their worker")
    listing.set_defaults(handler=run_list)
    assign = actions.add_parser("assign", help="assign a client to a worker")
    assign.add_argument("client", help="the client's pseudonym, as `client list` shows it")
    assign.add_argument("worker", help="the worker's id or name")
    assign.set_defaults(handler=run_assign)


def run_list(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    engine = make_engine(settings.database_url)
    try:
        clients = CaseStore(make_sessionmaker(engine)).clients()
    finally:
        engine.dispose()
    print("client\tchannel\tworker\topen risk\tlast seen")
    for client in clients:
        worker = client.worker.name if client.worker else "(on call)"
        seen = client.last_seen_at.strftime("%Y-%m-%d %H:%M") if client.last_seen_at else "-"
        name = pseudonym(client.id, settings.pseudonym_key)
        print(f"{name}\t{client.channel}\t{worker}\t{client.open_risk_level}\t{seen}")
    return 0


def run_assign(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    engine = make_engine(settings.database_url)
    try:
        casework = CaseStore(make_sessionmaker(engine))
        client_id = client_id_for(args.client, casework.client_ids(), settings.pseudonym_key)
        if client_id is None:
            print(f"no client {args.client}", file=sys.stderr)
            return 1
        worker = casework.find_worker(args.worker)
        if worker is None:
            print(f"no worker {args.worker}", file=sys.stderr)
            return 1
        casework.assign(client_id, worker.id)
    finally:
        engine.dispose()
    print(f"{args.client} assigned to {worker.name}")
    return 0
