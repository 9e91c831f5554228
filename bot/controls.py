"""What a client controls from inside the conversation, answered by the gateway before Rasa:
reminders ("remind me every Monday at 6pm", "stop reminders"), the optional mood question,
"stop", and "delete my data" with its confirmation.

The safety screen runs before any of this (see `Gateway._respond`), so a risk cue inside these
flows still takes the safety path. Confirmations are tied to the companion's last message (its
buttons), which lives in the database: they work across gateways and a "yes" to something else
(a safety question) never confirms a deletion.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from bot.leaving import CANCEL_DELETE, CONFIRM_DELETE, Leaving, answer, delete_language, stop_language
from bot.models import Client, Message, utcnow
from bot.mood import SKIP_PAYLOAD, MoodBook, mood_buttons, score_of
from bot.rasa_tracker import RasaTrackerStore
from bot.reminder_parser import Schedule, parse_reminder, say_schedule
from bot.reminders import Plan, QuietHours, ReminderBook, aware, is_stopped
from bot.safety.screen import program_crisis_resources
from bot.settings import Settings
from bot.store import Outgoing, Store, StoredMessage

log = logging.getLogger(__name__)

ACCEPT_REMINDER = "/accept_reminder"
DECLINE_REMINDER = "/decline_reminder"
# A confirmation button older than this no longer confirms anything.
CONFIRMATION_WINDOW = dt.timedelta(minutes=30)
LANGUAGES = ("en", "es")

_EN_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_ES_DAYS = ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo")
_EN_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
              "September", "October", "November", "December")
_ES_MONTHS = ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
              "septiembre", "octubre", "noviembre", "diciembre")


def say_date(moment: dt.datetime, language: str) -> str:
    if language == "es":
        return f"{_ES_DAYS[moment.weekday()]} {moment.day} de {_ES_MONTHS[moment.month - 1]}"
    return f"{_EN_DAYS[moment.weekday()]}, {_EN_MONTHS[moment.month - 1]} {moment.day}"


class ClientControls:
    def __init__(
        self,
        *,
        store: Store,
        settings: Settings,
        texts: dict[str, Any],
        tracker: RasaTrackerStore | None = None,
        clock: Callable[[], dt.datetime] = utcnow,
    ) -> None:
        self._sessions = store.sessions
        self._settings = settings
        self._texts = texts
        self._clock = clock
        self.quiet = QuietHours.parse(settings.quiet_hours)
        self.reminders = ReminderBook(
            store.sessions, program_timezone=settings.program_timezone, quiet_hours=self.quiet
        )
        self.moods = MoodBook(store.sessions)
        self.tracker = tracker or RasaTrackerStore(settings.rasa_tracker_url)
        self.leaving = Leaving(store.sessions, self.tracker)
        self._spanish_titles = {
            texts[key]["es"] for key in ("delete_yes", "reminder_suggestion_yes", "mood_skip")
        }

    def text(self, key: str, language: str, **fields: object) -> str:
        """A text in `language`; {resources} is the program's crisis resources in it."""
        entry = self._texts[key]
        resources = program_crisis_resources(self._settings, language)
        return (entry.get(language) or entry["en"]).format(resources=resources, **fields)

    # --- hooks the gateway calls ---------------------------------------------------------------
    async def handle(self, client_id: int, inbound: StoredMessage) -> list[Outgoing] | None:
        """The companion's answer when the message is one of the client's controls, else None."""
        return await asyncio.to_thread(self._handle, client_id, inbound)

    async def record_stop(self, client_id: int) -> None:
        """No reminders or openings until the client writes again."""
        await asyncio.to_thread(self._stop, client_id)

    def _stop(self, client_id: int) -> None:
        # Stamped with the real time, like `last_seen_at` that ends it.
        self.leaving.stop(client_id)
        self.reminders.stop(client_id)

    async def is_stopped(self, client_id: int) -> bool:
        return await asyncio.to_thread(self._is_stopped, client_id)

    async def offer_mood(self, client_id: int, outgoing: list[Outgoing]) -> list[Outgoing]:
        """The optional 0-10 question after the companion's reply, once per check-in, when that
        reply does not already end in a question."""
        if not outgoing or outgoing[-1].text.rstrip().endswith("?"):
            return []
        return await asyncio.to_thread(self._offer_mood, client_id)

    def suggestion_message(self, schedule: Schedule, language: str) -> Outgoing:
        return Outgoing(
            self.text("reminder_suggested", language, when=say_schedule(schedule, language)),
            [
                {"title": self.text("reminder_suggestion_yes", language), "payload": ACCEPT_REMINDER},
                {"title": self.text("reminder_suggestion_no", language), "payload": DECLINE_REMINDER},
            ],
        )

    # --- the work, in a worker thread ----------------------------------------------------------
    def _is_stopped(self, client_id: int) -> bool:
        with self._sessions.begin() as session:
            return is_stopped(session.get_one(Client, client_id))

    def client_language(self, client_id: int) -> str:
        with self._sessions.begin() as session:
            language = getattr(session.get_one(Client, client_id), "language", None)
        return language if language in LANGUAGES else "en"

    def _last_prompt(self, client_id: int, before_id: int) -> tuple[set[str], str]:
        """The payloads of the companion's last message, if recent, and the language it was in."""
        with self._sessions.begin() as session:
            last = session.scalars(
                select(Message)
                .where(Message.client_id == client_id, Message.direction == "out", Message.id < before_id)
                .order_by(Message.id.desc())
                .limit(1)
            ).first()
            if last is None or not last.buttons:
                return set(), "en"
            # Messages are stamped with the real time, so their age is read against it too.
            if utcnow() - aware(last.created_at) > CONFIRMATION_WINDOW:
                return set(), "en"
            titles = {b.get("title") for b in last.buttons}
            language = "es" if titles & self._spanish_titles else "en"
            return {b.get("payload", "") for b in last.buttons}, language

    def _handle(self, client_id: int, inbound: StoredMessage) -> list[Outgoing] | None:
        text = inbound.text.strip()
        payloads, prompt_language = self._last_prompt(client_id, inbound.id)
        yes_no = answer(text)

        if CONFIRM_DELETE in payloads and (text == CONFIRM_DELETE or yes_no == "yes"):
            return [self._delete(client_id, prompt_language)]
        if CONFIRM_DELETE in payloads and (text == CANCEL_DELETE or yes_no == "no"):
            return [Outgoing(self.text("delete_cancelled", prompt_language))]
        language = delete_language(text)
        if language:
            return [Outgoing(
                self.text("delete_confirm", language),
                [{"title": self.text("delete_yes", language), "payload": CONFIRM_DELETE},
                 {"title": self.text("delete_no", language), "payload": CANCEL_DELETE}],
            )]

        language = stop_language(text)
        if language:
            self._stop(client_id)
            return [Outgoing(self.text("stop_ack", language))]

        if text == ACCEPT_REMINDER or (ACCEPT_REMINDER in payloads and yes_no == "yes"):
            suggestion = self.reminders.pending_suggestion(client_id)
            if suggestion is not None:
                schedule, language = suggestion
                plan = self.reminders.set(
                    client_id, schedule, language, source="worker", now=self._clock()
                )
                return [self._confirm(plan, language)]
        if text == DECLINE_REMINDER or (ACCEPT_REMINDER in payloads and yes_no == "no"):
            self.reminders.decline(client_id)
            return [Outgoing(self.text("reminder_declined", prompt_language))]

        if text == SKIP_PAYLOAD:
            return [Outgoing(self.text("mood_skipped", prompt_language))]
        score = score_of(text, after_question=SKIP_PAYLOAD in payloads)
        if score is not None and self.moods.record(client_id, score, self._clock()):
            return [Outgoing(self.text("mood_thanks", prompt_language, score=score))]

        request = parse_reminder(text)
        if request is None:
            return None
        if request.kind == "stop":
            stopped = self.reminders.stop(client_id)
            return [Outgoing(self.text("reminder_stopped" if stopped else "reminder_none",
                                       request.language))]
        if request.kind == "ask" or request.schedule is None:
            return [Outgoing(self.text("reminder_ask_when", request.language))]
        plan = self.reminders.set(client_id, request.schedule, request.language, now=self._clock())
        return [self._confirm(plan, request.language)]

    def _confirm(self, plan: Plan, language: str) -> Outgoing:
        fields = {"when": say_schedule(plan.schedule, language), "first": say_date(plan.first_at, language)}
        if plan.moved:
            return Outgoing(self.text("reminder_set_quiet", language, quiet=self.quiet.say(), **fields))
        return Outgoing(self.text("reminder_set", language, **fields))

    def _delete(self, client_id: int, language: str) -> Outgoing:
        try:
            deletion = self.leaving.delete_client_data(client_id, self._clock())
        except Exception:
            log.exception("deleting the data of client %s failed", client_id)
            return Outgoing(self.text("delete_failed", language))
        log.info(
            "deleted the data of client %s: %s, %d tracker events; %d escalations kept without text",
            client_id, deletion.rows, deletion.tracker_events, deletion.escalations_kept,
        )
        return Outgoing(self.text("delete_done", language))

    def _offer_mood(self, client_id: int) -> list[Outgoing]:
        if not self.moods.should_offer(client_id):
            return []
        self.moods.mark_offered(client_id, self._clock())
        language = self.client_language(client_id)
        return [Outgoing(self.text("mood_question", language),
                         mood_buttons(self.text("mood_skip", language)))]
