"""Build the staff app from settings and the gateway's session factory."""

from __future__ import annotations

import datetime as dt
import logging
import secrets

from sqlalchemy.orm import Session, sessionmaker
from starlette.applications import Starlette

from bot.anonymise import Anonymiser
from bot.settings import Settings
from bot.staff.app import create_staff_app
from bot.staff.auth import Authenticator
from bot.staff.queries import Review

log = logging.getLogger(__name__)


def build_staff_app(settings: Settings, sessions: sessionmaker[Session], anonymiser: Anonymiser) -> Starlette:
    if not settings.pseudonym_key:
        raise ValueError("the staff pages need a pseudonym key (bot.wiring.with_pseudonym_key)")
    review = Review(sessions, pseudonym_key=settings.pseudonym_key, anonymise=anonymiser.anonymise)
    auth = Authenticator(
        sessions,
        max_failures=settings.login_max_failures,
        window=dt.timedelta(minutes=settings.login_window_minutes),
    )
    return create_staff_app(
        review=review,
        auth=auth,
        sessions=sessions,
        session_secret=settings.session_secret or secrets.token_urlsafe(32),
        secure_cookie=settings.public_url.startswith("https://"),
    )
