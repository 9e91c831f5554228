"""Staff users: argon2 password hashes, and failed sign-ins throttled per username and address
(kept in the database, so a restart does not reset them)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.models import LoginAttempt, User, Worker, utcnow

ROLES = ("staff", "worker", "admin")
_hasher = PasswordHasher()


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """Verified against when the username is unknown, so both cases take as long."""
    return _hasher.hash("not a password")


class UserError(ValueError):
    pass


@dataclass(frozen=True)
class SignedIn:
    id: int
    username: str
    role: str
    worker_id: int | None


def add_user(
    sessions: sessionmaker[Session], *, username: str, password: str, role: str, worker_id: int | None
) -> int:
    if role not in ROLES:
        raise UserError(f"role must be one of {', '.join(ROLES)}")
    if not username or len(username) > 64:
        raise UserError("a username has 1 to 64 characters")
    if not username.isprintable() or username != username.strip():
        raise UserError("a username has no control characters and no spaces at its ends")
    if len(password) < 10:
        raise UserError("a password has at least 10 characters")
    if role == "worker" and worker_id is None:
        raise UserError("a worker user needs --worker-id")
    with sessions.begin() as session:
        if worker_id is not None and session.get(Worker, worker_id) is None:
            raise UserError(f"no worker with id {worker_id}")
        if session.scalar(select(User.id).where(User.username == username)) is not None:
            raise UserError(f"user {username!r} exists")
        user = User(username=username, password_hash=_hasher.hash(password), role=role, worker_id=worker_id)
        session.add(user)
        session.flush()
        return user.id


def remove_user(sessions: sessionmaker[Session], username: str) -> None:
    with sessions.begin() as session:
        user = session.scalars(select(User).where(User.username == username)).first()
        if user is None:
            raise UserError(f"no user {username!r}")
        session.delete(user)


def list_users(sessions: sessionmaker[Session]) -> list[dict]:
    with sessions.begin() as session:
        return [
            {"username": u.username, "role": u.role, "worker_id": u.worker_id}
            for u in session.scalars(select(User).order_by(User.username))
        ]


class Authenticator:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        *,
        max_failures: int,
        window: dt.timedelta,
        clock: Callable[[], dt.datetime] = utcnow,
    ) -> None:
        self._sessions = sessions
        self._max_failures = max_failures
        self._window = window
        self._clock = clock

    def throttled(self, username: str, ip: str) -> bool:
        username, ip = username[:64], ip[:64]  # as failures are recorded
        since = self._clock() - self._window
        with self._sessions.begin() as session:
            by_user = session.scalar(
                select(func.count()).where(LoginAttempt.username == username, LoginAttempt.at > since)
            )
            by_ip = session.scalar(select(func.count()).where(LoginAttempt.ip == ip, LoginAttempt.at > since))
        return by_user >= self._max_failures or by_ip >= self._max_failures * 4

    def sign_in(self, username: str, password: str, ip: str) -> SignedIn | None:
        """The user, or None for a wrong name or password (the failure is recorded)."""
        with self._sessions.begin() as session:
            user = session.scalars(select(User).where(User.username == username)).first()
            try:
                _hasher.verify(user.password_hash if user else _dummy_hash(), password)
                ok = user is not None
            except (VerificationError, InvalidHashError):
                ok = False
            if not ok:
                session.add(LoginAttempt(username=username[:64], ip=ip[:64], at=self._clock()))
                return None
            session.execute(delete(LoginAttempt).where(LoginAttempt.username == username))
            return SignedIn(user.id, user.username, user.role, user.worker_id)

    def user(self, user_id: int) -> SignedIn | None:
        with self._sessions.begin() as session:
            user = session.get(User, user_id)
            return user and SignedIn(user.id, user.username, user.role, user.worker_id)
