"""`companion serve`: run the gateway (web widget, health) on the configured address."""

from __future__ import annotations

import argparse
import logging

from bot.settings import Settings


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("serve", help="run the gateway")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    # Imported here so the light commands (assess, values) start fast.
    import uvicorn

    from bot.wiring import build_app

    settings = Settings.from_env()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    uvicorn.run(
        build_app(settings),
        host=settings.host,
        port=settings.port,
        log_level="warning",
        ws="websockets",
    )
    return 0
