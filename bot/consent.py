"""Consent at first contact, held by the gateway so it never waits on the dialogue engine.

Before the first check-in the client reads a few plain lines (bot/consent.yml: what the companion
is, what it keeps, when a worker is told, how to stop or delete) and agrees or not. Until they
agree their messages are stored without their text and never reach Rasa; they are told how to
reach a person instead. The safety screen still reads every message: a risk cue is answered
safely, and its message is kept with the escalation and alert the worker needs, because safety
comes before data minimisation.

Methods are synchronous, like the store's; the gateway runs them in a worker thread.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from bot.language import fold, reply_language, requested_language
from bot.safety.screen import SafetyScreen, safety_reply
from bot.settings import Settings
from bot.store import PAGED_LEVELS, Outgoing, Store, StoredMessage

WORDING_PATH = Path(__file__).with_name("consent.yml")

GIVEN, REFUSED = "given", "refused"

# Explicit agreement, in either language; a bare "yes" or "ok" counts only as the answer to the
# notice's question, not after a refusal.
_AGREE = re.compile(
    r"^(?:(?:ok(?:ay)?|yes|si|sí|vale|bueno)[,.!]?\s+)?(?:i\s+)?(?:agree|acepto|estoy de acuerdo|"
    r"de acuerdo)(?:\s+(?:now|ahora|then|entonces))?[.!]*$"
)
_YES = re.compile(
    r"^(?:yes|yeah|yep|yup|ok|okay|sure|fine|that's fine|thats fine|that's okay|si|sí|vale|claro|"
    r"esta bien|está bien)(?:[,.!]?\s*(?:please|thanks|thank you|por favor|gracias))?[.!]*$"
)
_REFUSE = re.compile(
    r"^(?:no|nope|nah|no thanks|no thank you|no,? thanks|no,? thank you|not now|i don'?t agree|"
    r"i do not agree|no gracias|no,? gracias|no acepto|ahora no|no estoy de acuerdo)[.!]*$"
)
_WITHDRAW = re.compile(
    r"^(?:i\s+)?(?:don'?t|do not|no longer)\s+agree(?:\s+any\s?more)?[.!]*$|"
    r"^(?:i\s+)?withdraw(?:\s+my)?\s+consent[.!]*$|^ya no (?:acepto|estoy de acuerdo)[.!]*$"
)


@cache
def load_wording(path: Path = WORDING_PATH) -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def read_answer(text: str, *, undecided: bool) -> str | None:
    """GIVEN or REFUSED when the message answers the notice's question, otherwise None."""
    folded = fold(text).replace("\u2019", "'")
    if _AGREE.match(folded) or undecided and _YES.match(folded):
        return GIVEN
    if _REFUSE.match(folded):
        return REFUSED
    return None


def withdraws(text: str) -> bool:
    return bool(_WITHDRAW.match(fold(text).replace("\u2019", "'")))


@dataclass(frozen=True)
class ConsentTurn:
    inbound: StoredMessage
    is_new: bool
    outgoing: list[Outgoing]


class ConsentFlow:
    def __init__(
        self,
        *,
        store: Store,
        screen: SafetyScreen,
        settings: Settings,
        wording: dict[str, Any] | None = None,
    ) -> None:
        self._store = store
        self._screen = screen
        self._settings = settings
        self._wording = wording or load_wording()

    @property
    def version(self) -> str:
        return str(self._wording["version"])

    def say(self, key: str, language: str, buttons: str | None = None, **fills: str) -> Outgoing:
        words = self._wording["languages"][language if language in ("en", "es") else "en"]
        text = words[key].strip().format(
            program=self._settings.program_name,
            contact=self._settings.program_contact or words["default_contact"],
            **fills,
        )
        return Outgoing(text, [dict(b) for b in words[buttons]] if buttons else None)

    def notice(self, language: str) -> list[Outgoing]:
        return [self.say("notice", language, buttons="buttons")]

    def on_open(self, client_id: int) -> list[Outgoing] | None:
        """What to send when the client opens the chat; None when consent is given and the
        gateway's usual opening applies."""
        state = self._store.client_state(client_id)
        if state.consent == GIVEN:
            return [] if state.name_pending else None
        if state.consent is None and not state.consent_asked:
            self._store.mark_consent_asked(client_id)
            return self.notice(state.language or "en")
        return []

    def handle(
        self, client_id: int, channel: str, text: str, client_msg_id: str | None
    ) -> ConsentTurn:
        """A message from a client who has not agreed: an answer, a language, or anything else."""
        state = self._store.client_state(client_id)
        requested = requested_language(text)
        language = reply_language(text, state.language, chosen=state.language_chosen)
        answer = read_answer(text, undecided=state.consent is None)

        if answer == GIVEN:
            self._store.record_consent(
                client_id, decision=GIVEN, version=self.version, language=language, channel=channel
            )
            inbound, is_new = self._store.store_inbound(client_id, text, channel, client_msg_id)
            if not is_new:
                return ConsentTurn(inbound, False, [])
            self._remember_language(client_id, state.language, language, chosen=False)
            self._store.ask_name(client_id)
            return ConsentTurn(inbound, True, [
                self.say("agreed", language),
                self.say("ask_name", language, buttons="name_buttons"),
            ])

        inbound, is_new = self._store.store_inbound(client_id, "", channel, client_msg_id)
        if not is_new and self._store.is_answered(inbound.id):
            return ConsentTurn(inbound, False, [])
        # New, or a resend whose first delivery was never answered (its gateway died): answered
        # now. The escalation of a risk message is recorded once (Store.record_escalation).
        safety = self._safety_first(client_id, inbound, text, language)
        if safety is not None:
            return safety
        self._remember_language(client_id, state.language, language, chosen=requested is not None)

        if answer == REFUSED:
            self._store.record_consent(
                client_id, decision=REFUSED, version=self.version, language=language,
                channel=channel,
            )
            return ConsentTurn(inbound, True, [self.say("refused", language)])
        if state.consent == REFUSED:
            return ConsentTurn(inbound, True, [self.say("without_consent", language)])
        if requested or not state.consent_asked or language != (state.language or "en"):
            # First contact, or the notice again in the language the client reads.
            self._store.mark_consent_asked(client_id)
            return ConsentTurn(inbound, True, self.notice(language))
        return ConsentTurn(
            inbound, True, [self.say("still_deciding", language, buttons="buttons")]
        )

    def withdrawal(self, client_id: int, text: str, language: str) -> list[Outgoing]:
        """After consent: "I don't agree anymore" stops keeping what the client writes."""
        if not withdraws(text):
            return []
        self._store.record_consent(
            client_id, decision=REFUSED, version=self.version, language=language
        )
        return [self.say("withdrawn", language)]

    def _safety_first(
        self, client_id: int, inbound: StoredMessage, text: str, language: str
    ) -> ConsentTurn | None:
        """A risk cue is escalated and answered whatever the client has agreed to; while a paged
        risk is open, what they write still reaches their worker."""
        history = self._store.recent_client_texts(client_id, inbound.id)
        assessment = self._screen.assess(text, history)
        kept = dataclasses.replace(inbound, text=text)
        if assessment.level != "none":
            self._store.keep_text(inbound.id, text)
            self._store.record_escalation(
                client_id=client_id, message=kept, level=assessment.level,
                cues=list(assessment.cues), source="screen",
            )
            replies = safety_reply(
                assessment.level,
                language,
                resources=self._settings.crisis_resources_for(language),
                emergency_number=self._settings.emergency_number,
                cues=assessment.cues,
            )
            return ConsentTurn(kept, True, [Outgoing(line) for line in replies])
        if self._store.open_risk_level(client_id) in PAGED_LEVELS:
            self._store.keep_text(inbound.id, text)
            self._store.record_risk_followup(client_id=client_id, message=kept)
        return None

    def _remember_language(
        self, client_id: int, stored: str | None, language: str, *, chosen: bool
    ) -> None:
        if chosen or language != stored:
            self._store.set_language(client_id, language, chosen=chosen)
