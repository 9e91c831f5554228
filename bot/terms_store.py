"""The store's units of work on consent and the client's own terms (name, pronouns, language).

Mixed into `bot.store.Store`, so the gateway keeps one store; one short transaction each.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from bot.models import Client, ConsentRecord, Message, utcnow


@dataclass(frozen=True)
class ClientState:
    consent: str | None  # None until the client answers, then "given" or "refused"
    consent_asked: bool
    language: str | None
    language_chosen: bool
    preferred_name: str | None
    pronouns: str | None
    # The name was asked after consent and the first check-in has not opened yet.
    name_pending: bool


class ClientTermsStore:
    _sessions: sessionmaker[Session]

    def client_state(self, client_id: int) -> ClientState:
        with self._sessions.begin() as session:
            client = session.get_one(Client, client_id)
            return ClientState(
                consent=client.consent,
                consent_asked=client.consent_asked_at is not None,
                language=client.language,
                language_chosen=client.language_chosen,
                preferred_name=client.preferred_name,
                pronouns=client.pronouns,
                name_pending=client.name_asked_at is not None
                and client.name_settled_at is None
                and client.notice_shown_at is None,
            )

    def consent_given(self, client_id: int) -> bool:
        with self._sessions.begin() as session:
            return session.get_one(Client, client_id).consent == "given"

    def mark_consent_asked(self, client_id: int) -> None:
        with self._sessions.begin() as session:
            client = session.get_one(Client, client_id)
            client.consent_asked_at = client.consent_asked_at or utcnow()

    def record_consent(
        self,
        client_id: int,
        *,
        decision: str,
        version: str,
        language: str,
        channel: str | None = None,
    ) -> None:
        """Record an answer; `channel` defaults to the channel the client first wrote from."""
        if decision not in ("given", "refused"):
            raise ValueError(f"not a consent decision: {decision!r}")
        now = utcnow()
        with self._sessions.begin() as session:
            client = session.get_one(Client, client_id)
            client.consent, client.consent_version, client.consent_at = decision, version, now
            client.consent_asked_at = client.consent_asked_at or now
            session.add(
                ConsentRecord(
                    client_id=client_id, decision=decision, version=version,
                    language=language, channel=channel or client.channel, created_at=now,
                )
            )

    def set_language(self, client_id: int, language: str, *, chosen: bool) -> None:
        with self._sessions.begin() as session:
            client = session.get_one(Client, client_id)
            if chosen or not client.language_chosen:
                client.language = language
            client.language_chosen = client.language_chosen or chosen

    def ask_name(self, client_id: int) -> None:
        with self._sessions.begin() as session:
            client = session.get_one(Client, client_id)
            client.name_asked_at = client.name_asked_at or utcnow()

    def set_name(self, client_id: int, name: str | None, pronouns: str | None = None) -> None:
        """Settle the name question; a name (and pronouns) given replaces the earlier one."""
        with self._sessions.begin() as session:
            client = session.get_one(Client, client_id)
            client.name_settled_at = client.name_settled_at or utcnow()
            if name:
                client.preferred_name = name
            if pronouns:
                client.pronouns = pronouns

    def keep_text(self, message_id: int, text: str) -> None:
        """Keep the text of a message first stored without it (a risk cue before consent)."""
        with self._sessions.begin() as session:
            session.get_one(Message, message_id).text = text
