"""Settings read from the environment; every variable is documented in `.env.example`."""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field


class SettingsError(ValueError):
    """A setting is present but unusable; the message names the variable."""


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise SettingsError(f"{name} must be a number, got {raw!r}") from exc


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise SettingsError(f"{name} must be a whole number, got {raw!r}") from exc


@dataclass(frozen=True)
class Settings:
    # repr=False: a PostgreSQL URL may carry a password.
    database_url: str = field(default="sqlite:///var/companion.db", repr=False)
    rasa_url: str = "http://127.0.0.1:5005"
    action_server_url: str = "http://127.0.0.1:5055"
    rasa_timeout_seconds: float = 8.0
    host: str = "127.0.0.1"
    port: int = 8000
    program_name: str = "your program"
    # None: the default resources in bot/safety/replies.yml, in the client's language.
    crisis_resources: str | None = None
    telegram_token: str | None = field(default=None, repr=False)
    max_message_chars: int = 4000
    # A message after this long a silence starts a new check-in (and a new dialogue session).
    checkin_gap_minutes: float = 60.0
    # Set: live widget frames, per-chat locks and rate limits are shared through Redis, so several
    # gateways can run side by side. Unset: all of that stays in this process.
    redis_url: str | None = field(default=None, repr=False)
    redis_prefix: str = "companion"
    # Messages one client may send per window; beyond that they get a kind "slow down" reply.
    rate_limit_messages: int = 30
    rate_limit_window_seconds: float = 60.0

    def __post_init__(self) -> None:
        checks = [
            ("COMPANION_PORT", 0 <= self.port <= 65535, "a port from 0 to 65535"),
            ("RASA_TIMEOUT_SECONDS", 0 < self.rasa_timeout_seconds < math.inf, "a positive number"),
            ("MAX_MESSAGE_CHARS", self.max_message_chars >= 1, "at least 1"),
            ("CHECKIN_GAP_MINUTES", 0 <= self.checkin_gap_minutes < math.inf, "zero or more"),
            ("RATE_LIMIT_MESSAGES", self.rate_limit_messages >= 1, "at least 1"),
            ("RATE_LIMIT_WINDOW_SECONDS", 0 < self.rate_limit_window_seconds < math.inf,
             "a positive number"),
        ]
        for name, ok, expected in checks:
            if not ok:
                raise SettingsError(f"{name} must be {expected}")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        defaults = cls()
        return cls(
            database_url=env.get("DATABASE_URL") or defaults.database_url,
            rasa_url=(env.get("RASA_URL") or defaults.rasa_url).rstrip("/"),
            action_server_url=(env.get("ACTION_SERVER_URL") or defaults.action_server_url).rstrip(
                "/"
            ),
            rasa_timeout_seconds=_float(env, "RASA_TIMEOUT_SECONDS", defaults.rasa_timeout_seconds),
            host=env.get("COMPANION_HOST") or defaults.host,
            port=_int(env, "COMPANION_PORT", defaults.port),
            program_name=env.get("PROGRAM_NAME") or defaults.program_name,
            crisis_resources=env.get("CRISIS_RESOURCES") or None,
            telegram_token=env.get("TELEGRAM_BOT_TOKEN") or None,
            max_message_chars=_int(env, "MAX_MESSAGE_CHARS", defaults.max_message_chars),
            checkin_gap_minutes=_float(env, "CHECKIN_GAP_MINUTES", defaults.checkin_gap_minutes),
            redis_url=env.get("REDIS_URL") or None,
            redis_prefix=env.get("REDIS_PREFIX") or defaults.redis_prefix,
            rate_limit_messages=_int(env, "RATE_LIMIT_MESSAGES", defaults.rate_limit_messages),
            rate_limit_window_seconds=_float(
                env, "RATE_LIMIT_WINDOW_SECONDS", defaults.rate_limit_window_seconds
            ),
        )
