"""`companion run`: migrate the database, start the whole stack on loopback, stop it on Ctrl-C."""

from __future__ import annotations

import argparse
import signal
import time

from bot.db import migrate
from bot.settings import Settings
from bot.stack import Stack, StackError


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("run", help="run Rasa, the action server and the gateway")
    parser.add_argument(
        "--replicas", type=int, default=1,
        help="run this many of each server behind loopback balancers (needs PostgreSQL and Redis)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    if args.replicas > 1 and not (settings.redis_url and settings.database_url.startswith("postgresql")):
        # Replicas must share conversations: Rasa's trackers and locks, the gateways' hub and locks.
        print("--replicas needs DATABASE_URL on PostgreSQL and REDIS_URL (see README, Scale-out)")
        return 2
    migrate(settings.database_url)
    stack = Stack(
        gateway_port=settings.port,
        database_url=settings.database_url,
        redis_url=settings.redis_url,
        redis_prefix=settings.redis_prefix,
        replicas=args.replicas,
    )
    # Ctrl-C and SIGTERM both end the wait below; the children are stopped in `finally`.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    print("starting Rasa, the action server and the gateway (logs in var/log/) ...", flush=True)
    try:
        stack.start(progress=True)
        print(f"\nCompanion is running. Demo check-in: {stack.gateway_url}/", flush=True)
        print(f"Health: {stack.gateway_url}/healthz    Stop: Ctrl-C\n", flush=True)
        while (dead := stack.first_dead()) is None:
            time.sleep(1)
        print(f"{dead.name} stopped unexpectedly; last log lines:\n{dead.log_tail()}")
        return 1
    except StackError as exc:
        print(f"could not start: {exc}")
        return 1
    except KeyboardInterrupt:
        print("\nstopping ...", flush=True)
        return 0
    finally:
        stack.stop()
