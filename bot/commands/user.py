"""`companion user add`: make a staff-page user. The password comes from a prompt, or from the
first line of stdin when stdin is not a terminal; never from the command line."""

from __future__ import annotations

import argparse
import getpass
import sys

from bot.db import make_engine, make_sessionmaker
from bot.settings import Settings


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("user", help="manage staff-page users")
    actions = parser.add_subparsers(dest="action", required=True)
    add = actions.add_parser("add", help="add a user (password from a prompt or stdin)")
    add.add_argument("--username", required=True)
    add.add_argument("--role", required=True, choices=("staff", "worker", "admin"))
    add.add_argument("--worker-id", type=int, default=None, help="the worker row of a worker user")
    add.set_defaults(handler=run_add)


def _password() -> str:
    if sys.stdin.isatty():
        first = getpass.getpass("Password: ")
        if getpass.getpass("Again: ") != first:
            raise ValueError("the passwords differ")
        return first
    return sys.stdin.readline().rstrip("\n")


def run_add(args: argparse.Namespace) -> int:
    from bot.staff.auth import UserError, add_user

    settings = Settings.from_env()
    engine = make_engine(settings.database_url)
    try:
        password = _password()
        user_id = add_user(
            make_sessionmaker(engine),
            username=args.username,
            password=password,
            role=args.role,
            worker_id=args.worker_id,
        )
    except (UserError, ValueError) as exc:
        print(f"companion user add: {exc}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    print(f"user {args.username!r} added ({args.role}, id {user_id})")
    return 0
