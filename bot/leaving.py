"""The client's right to leave: "stop" (no more check-ins or reminders until they write again) and
"delete my data" (everything of theirs removed except what the program must keep).

What is kept after a deletion: the client row itself (its channel id, so a returning client starts
fresh instead of being a stranger to their worker, and its worker link), and each escalation's
existence, level, status and times, with no message text and no cues. Alerts already queued for the
worker keep their kind and time but lose any words. The worker is told with a `client_deleted` alert.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from bot.models import AlertOutbox, Base, Client, Escalation, utcnow
from bot.rasa_tracker import RasaTrackerStore, sender_id
from bot.reminder_parser import normalise

STOP_PHRASES = {
    "en": {"stop", "stop it", "please stop", "stop please", "stop messages", "stop messaging me",
           "stop texting me", "stop sending messages", "stop sending me messages", "stop all messages",
           "stop the messages", "stop the check ins", "stop check ins", "unsubscribe", "stop now"},
    "es": {"para", "para ya", "para por favor", "por favor para", "basta", "basta ya", "ya basta",
           "no mas mensajes", "deja de escribirme", "no me escribas mas", "para los mensajes",
           "ya no me escribas", "alto"},
}
# Words around a stop that do not change it: "ok please stop now", "por favor para ya".
_POLITE = re.compile(r"\b(please|pls|plz|ok|okay|just|now|right now|por favor|porfa|ahora)\b")
_DELETE = re.compile(
    r"\b(delete|erase|remove|wipe|destroy|clear)\b( \w+){0,2} (my|all my|all of my) "
    r"(data|info|information|messages|conversations?|history|account|stuff|records?|chats?)\b"
    r"|\b(delete|erase|wipe) (everything|it all|all of it)\b|\bforget (about )?me\b"
    r"|\b(borra|borrar|borren|borres|elimina|eliminar|eliminen|elimines)\b( \w+){0,2} "
    r"(mis|todos mis|todas mis) (datos|mensajes|informacion|conversaciones|historial|cosas)\b"
    r"|\b(borra|borrar|borren) todo\b|\bolvidame\b"
)
_ES_DELETE = re.compile(r"\b(borra|borrar|borren|borres|elimina|eliminar|eliminen|elimines|olvidame)\b")

CONFIRM_DELETE = "/confirm_delete"
CANCEL_DELETE = "/cancel_delete"
YES = {"yes", "y", "yeah", "yep", "yes please", "yes delete", "yes delete it", "yes delete everything",
       "delete", "delete it", "delete everything", "confirm", "do it", "ok", "okay", "sure",
       "si", "si borra", "si borralo", "si borrar todo", "borralo", "borra todo", "confirmo", "dale"}
NO = {"no", "nope", "n", "no thanks", "no keep it", "keep it", "cancel", "dont", "never mind",
      "nevermind", "no gracias", "no lo borres", "mejor no", "cancelar", "no guardalo"}
# Keys of a queued alert that may stay after a deletion: never words, never cues.
_ALERT_KEYS_KEPT = ("level", "source", "at")
# Client columns a deletion keeps; every other column goes back to empty.
_CLIENT_KEPT = {"id", "channel", "external_id", "created_at", "worker_id", "open_risk_level"}
# Tables that refer to a client and keep their rows (scrubbed): what the program must keep.
_TABLES_KEPT = {"escalations", "alert_outbox"}


def stop_language(text: str) -> str | None:
    """"en" or "es" when the whole message asks the companion to stop; None otherwise ("I can't
    stop crying" is not a stop)."""
    norm = normalise(text)
    plain = _POLITE.sub(" ", norm).split()
    for language, phrases in STOP_PHRASES.items():
        if norm in phrases or " ".join(plain) in phrases:
            return language
    return None


def delete_language(text: str) -> str | None:
    """"en" or "es" when the message asks for the client's data to be deleted."""
    norm = normalise(text)
    if len(norm.split()) > 20 or not _DELETE.search(norm):
        return None
    return "es" if _ES_DELETE.search(norm) else "en"


def answer(text: str) -> str | None:
    """"yes" or "no" for a reply to a confirmation question, else None."""
    norm = normalise(text)
    if norm in YES:
        return "yes"
    if norm in NO:
        return "no"
    return None


@dataclass(frozen=True)
class Deletion:
    tracker_events: int
    rows: dict[str, int]
    escalations_kept: int


class Leaving:
    def __init__(self, sessions: sessionmaker[Session], tracker: RasaTrackerStore) -> None:
        self._sessions = sessions
        self._tracker = tracker

    def stop(self, client_id: int, now: dt.datetime | None = None) -> None:
        with self._sessions.begin() as session:
            session.get_one(Client, client_id).stopped_at = now or utcnow()

    def delete_client_data(self, client_id: int, now: dt.datetime | None = None) -> Deletion:
        """Remove the client's conversation from Rasa's tracker store, then, in one transaction,
        everything of theirs in the gateway's database except what the program must keep."""
        now = now or utcnow()
        # Rasa first: if it fails, nothing is deleted here and the client is told to try again.
        tracker_events = self._tracker.delete_sender(sender_id(client_id))
        rows: dict[str, int] = {}
        with self._sessions.begin() as session:
            kept = session.scalars(select(Escalation).where(Escalation.client_id == client_id)).all()
            for escalation in kept:
                escalation.cues = []
                escalation.message_id = None
            for alert in session.scalars(
                select(AlertOutbox).where(AlertOutbox.client_id == client_id)
            ).all():
                alert.payload = {k: v for k, v in alert.payload.items() if k in _ALERT_KEYS_KEPT}
            session.flush()
            # Every other table that refers to the client, children before parents, so tables
            # added later (consent records, names) are covered without a change here.
            for table in reversed(Base.metadata.sorted_tables):
                if table.name in _TABLES_KEPT or table.name == "clients":
                    continue
                column = table.columns.get("client_id")
                if column is None or not any(
                    fk.column.table.name == "clients" for fk in column.foreign_keys
                ):
                    continue
                rows[table.name] = session.execute(
                    delete(table).where(column == client_id)
                ).rowcount
            client = session.get_one(Client, client_id)
            for column in Client.__table__.columns:
                if column.name in _CLIENT_KEPT:
                    continue
                scalar = column.default is not None and column.default.is_scalar
                default = column.default.arg if scalar else None
                if column.nullable or default is not None:
                    setattr(client, column.key, default)
            client.data_deleted_at = now
            session.add(
                AlertOutbox(
                    client_id=client_id,
                    kind="client_deleted",
                    payload={"at": now.isoformat(), "escalations_kept": len(kept)},
                )
            )
        return Deletion(tracker_events, rows, len(kept))
