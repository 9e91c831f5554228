"""Settings read from the environment; every variable is documented in `.env.example`."""

from __future__ import annotations

import datetime as dt
import math
import os
import zoneinfo
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


def _optional_int(env: Mapping[str, str], name: str) -> int | None:
    raw = env.get(name)
    return None if raw is None or raw == "" else _int(env, name, 0)


def _choice(env: Mapping[str, str], name: str, default: str, choices: tuple[str, ...]) -> str:
    raw = (env.get(name) or default).strip().lower()
    if raw not in choices:
        raise SettingsError(f"{name} must be one of {', '.join(choices)}, got {raw!r}")
    return raw


def _timezone(env: Mapping[str, str], name: str, default: str) -> str:
    raw = env.get(name) or default
    try:
        zoneinfo.ZoneInfo(raw)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise SettingsError(f"{name} must be an IANA time zone like America/Chicago, got {raw!r}") from exc
    return raw


def _quiet_hours(env: Mapping[str, str], name: str, default: str) -> str:
    raw = (env.get(name) or default).replace(" ", "")
    if raw.lower() in ("", "none", "off"):
        return ""
    start, _, end = raw.partition("-")
    try:
        dt.time.fromisoformat(start)
        dt.time.fromisoformat(end)
    except ValueError as exc:
        raise SettingsError(f"{name} must look like 21:00-08:00 (or 'off'), got {raw!r}") from exc
    return raw


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
    # The same resources worded in Spanish; None: crisis_resources as it is, if set.
    crisis_resources_es: str | None = None
    # The number an emergency safety reply names first. None: 911 with the default resources,
    # "your local emergency number" when crisis_resources is set.
    emergency_number: str | None = None
    telegram_token: str | None = field(default=None, repr=False)
    max_message_chars: int = 4000
    # A message after this long a silence starts a new check-in (and a new dialogue session).
    checkin_gap_minutes: float = 60.0
    # How a client reaches a person, told to anyone who has not agreed to the companion.
    # None: "your case worker or your program's office", in the client's language.
    program_contact: str | None = None
    # Staff pages. The pseudonym key keeps client pseudonyms stable across exports; without a
    # session secret a random one is made at start (sign-ins then end at a restart).
    pseudonym_key: str | None = field(default=None, repr=False)
    session_secret: str | None = field(default=None, repr=False)
    login_max_failures: int = 5
    login_window_minutes: float = 15.0
    # Telegram: "webhook" (needs PUBLIC_URL) or "polling" for small installs.
    telegram_mode: str = "webhook"
    # A self-hosted Bot API server (or the tests' one) can stand in for Telegram.
    telegram_api_base_url: str = "https://api.telegram.org"
    # Checked against X-Telegram-Bot-Api-Secret-Token; None derives one from the token.
    telegram_webhook_secret: str | None = field(default=None, repr=False)
    # Where clients' browsers, staff and Telegram reach the gateway (webhook, staff page links);
    # https:// makes the staff session cookie Secure.
    public_url: str = "http://127.0.0.1:8000"
    # The supervisor's Telegram chat: the last step of an alert nobody acknowledges.
    supervisor_chat_id: int | None = None
    # Minutes a paged alert waits for an acknowledgement before it goes one step up.
    ack_minutes_urgent: float = 5.0
    ack_minutes_emergency: float = 2.0
    # How often each gateway looks for alerts written by another gateway.
    alert_poll_seconds: float = 1.0
    # Reminders: the zone of clients who have not given one, and hours no reminder is sent in.
    program_timezone: str = "America/New_York"
    quiet_hours: str = "21:00-08:00"
    reminder_poll_seconds: float = 30.0
    # Raw message text older than this is replaced by its anonymised form.
    retention_days: int = 180
    # Rasa's SQL tracker store (endpoints.yml), for deleting a client's conversation there too.
    rasa_tracker_url: str = field(default="sqlite:///var/rasa_tracker.db", repr=False)
    # Set: live widget frames, per-chat locks and rate limits are shared through Redis, so several
    # gateways can run side by side. Unset: all of that stays in this process.
    redis_url: str | None = field(default=None, repr=False)
    redis_prefix: str = "companion"
    # Messages one client may send per window; beyond that they get a kind "slow down" reply.
    rate_limit_messages: int = 30
    rate_limit_window_seconds: float = 60.0
    # New widget sessions one address may open per hour. Generous, because a shelter's computers
    # or a phone carrier's network put many clients behind one address; a browser keeps its
    # session, so one person needs one.
    widget_sessions_per_hour: int = 60

    def __post_init__(self) -> None:
        checks = [
            ("COMPANION_PORT", 0 <= self.port <= 65535, "a port from 0 to 65535"),
            ("RASA_TIMEOUT_SECONDS", 0 < self.rasa_timeout_seconds < math.inf, "a positive number"),
            ("MAX_MESSAGE_CHARS", self.max_message_chars >= 1, "at least 1"),
            ("CHECKIN_GAP_MINUTES", 0 <= self.checkin_gap_minutes < math.inf, "zero or more"),
            ("RATE_LIMIT_MESSAGES", self.rate_limit_messages >= 1, "at least 1"),
            ("RATE_LIMIT_WINDOW_SECONDS", 0 < self.rate_limit_window_seconds < math.inf,
             "a positive number"),
            ("WIDGET_SESSIONS_PER_HOUR", self.widget_sessions_per_hour >= 1, "at least 1"),
        ]
        for name, ok, expected in checks:
            if not ok:
                raise SettingsError(f"{name} must be {expected}")

    def crisis_resources_for(self, language: str | None) -> str | None:
        """The program's crisis resources for a client writing in `language`; None when the
        program has set none (bot.safety.screen.crisis_resources then gives the defaults)."""
        if language == "es":
            return self.crisis_resources_es or self.crisis_resources
        return self.crisis_resources

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
            crisis_resources_es=env.get("CRISIS_RESOURCES_ES") or None,
            emergency_number=env.get("EMERGENCY_NUMBER") or None,
            telegram_token=env.get("TELEGRAM_BOT_TOKEN") or None,
            max_message_chars=_int(env, "MAX_MESSAGE_CHARS", defaults.max_message_chars),
            checkin_gap_minutes=_float(env, "CHECKIN_GAP_MINUTES", defaults.checkin_gap_minutes),
            program_contact=env.get("PROGRAM_CONTACT") or None,
            pseudonym_key=env.get("PSEUDONYM_KEY") or None,
            session_secret=env.get("SESSION_SECRET") or None,
            login_max_failures=_int(env, "LOGIN_MAX_FAILURES", defaults.login_max_failures),
            login_window_minutes=_float(env, "LOGIN_WINDOW_MINUTES", defaults.login_window_minutes),
            telegram_mode=_choice(env, "TELEGRAM_MODE", defaults.telegram_mode, ("webhook", "polling")),
            telegram_api_base_url=(
                env.get("TELEGRAM_API_BASE_URL") or defaults.telegram_api_base_url
            ).rstrip("/"),
            telegram_webhook_secret=env.get("TELEGRAM_WEBHOOK_SECRET") or None,
            public_url=(env.get("PUBLIC_URL") or defaults.public_url).rstrip("/"),
            supervisor_chat_id=_optional_int(env, "SUPERVISOR_CHAT_ID"),
            ack_minutes_urgent=_float(env, "ACK_MINUTES_URGENT", defaults.ack_minutes_urgent),
            ack_minutes_emergency=_float(
                env, "ACK_MINUTES_EMERGENCY", defaults.ack_minutes_emergency
            ),
            alert_poll_seconds=_float(env, "ALERT_POLL_SECONDS", defaults.alert_poll_seconds),
            program_timezone=_timezone(env, "PROGRAM_TIMEZONE", defaults.program_timezone),
            quiet_hours=_quiet_hours(env, "QUIET_HOURS", defaults.quiet_hours),
            reminder_poll_seconds=_float(
                env, "REMINDER_POLL_SECONDS", defaults.reminder_poll_seconds
            ),
            retention_days=_int(env, "RETENTION_DAYS", defaults.retention_days),
            rasa_tracker_url=env.get("RASA_TRACKER_URL") or defaults.rasa_tracker_url,
            redis_url=env.get("REDIS_URL") or None,
            redis_prefix=env.get("REDIS_PREFIX") or defaults.redis_prefix,
            rate_limit_messages=_int(env, "RATE_LIMIT_MESSAGES", defaults.rate_limit_messages),
            rate_limit_window_seconds=_float(
                env, "RATE_LIMIT_WINDOW_SECONDS", defaults.rate_limit_window_seconds
            ),
            widget_sessions_per_hour=_int(
                env, "WIDGET_SESSIONS_PER_HOUR", defaults.widget_sessions_per_hour
            ),
        )
