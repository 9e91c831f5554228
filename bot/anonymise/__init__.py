"""Anonymise free text: people's names, contact details, addresses, dates of birth, ID and card
numbers, handles, URLs, IP addresses and coordinates become typed placeholders.

Built on Presidio (analyzer and anonymizer) with the project's own recognizers and no NER model:
a blank spaCy pipeline tokenises, nothing is downloaded. The name lists and Presidio load on
first use (`Anonymiser.load()`), not at import; one loaded instance serves a whole process.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from functools import lru_cache
from typing import NamedTuple

PLACEHOLDERS = {
    "PERSON": "[NAME]",
    "PHONE_NUMBER": "[PHONE]",
    "EMAIL_ADDRESS": "[EMAIL]",
    "STREET_ADDRESS": "[ADDRESS]",
    "DOB": "[DOB]",
    "ID": "[ID]",
    "CREDIT_CARD": "[CARD]",
    "HANDLE": "[HANDLE]",
    "URL": "[URL]",
    "IP_ADDRESS": "[IP]",
    "LOCATION": "[LOCATION]",
}


class Span(NamedTuple):
    start: int
    end: int
    entity: str


class Anonymiser:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._analyzer = None
        self._anonymizer = None
        self._names: dict[str, object] = {}

    def load(self) -> Anonymiser:
        with self._lock:
            if self._analyzer is None:
                self._build()
        return self

    def _build(self) -> None:
        import spacy
        from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
        from presidio_analyzer.nlp_engine import SpacyNlpEngine
        from presidio_anonymizer import AnonymizerEngine
        from spacy.lang.en.stop_words import STOP_WORDS as ENGLISH_STOP_WORDS
        from spacy.lang.es.stop_words import STOP_WORDS as SPANISH_STOP_WORDS

        from bot.anonymise.lexicon import Lexicon, _census, fold
        from bot.anonymise.recognizers import LANGUAGE, contact_recognizers

        class BlankSpacy(SpacyNlpEngine):
            """Tokenisation only: no model to load or download."""

            def load(self) -> None:
                self.nlp = {LANGUAGE: spacy.blank(LANGUAGE)}

        nlp_engine = BlankSpacy(models=[{"lang_code": LANGUAGE, "model_name": "blank"}])
        nlp_engine.load()
        registry = RecognizerRegistry(supported_languages=[LANGUAGE])
        for recognizer in contact_recognizers():
            registry.add_recognizer(recognizer)
        self._analyzer = AnalyzerEngine(
            registry=registry, nlp_engine=nlp_engine, supported_languages=[LANGUAGE]
        )
        self._anonymizer = AnonymizerEngine()
        lexicon = Lexicon.load()
        stop_words = frozenset(fold(w) for w in ENGLISH_STOP_WORDS | SPANISH_STOP_WORDS)
        lower_names = frozenset(
            (_census("female.first") | _census("male.first")) - lexicon.name_words - stop_words
        )
        self._names = {"lexicon": lexicon, "stop_words": stop_words, "lower_names": lower_names}

    def find(self, text: str, known_names: Iterable[str] = ()) -> list[Span]:
        """Where the personal information in `text` is, without overlaps, in order."""
        if not text:
            return []
        self.load()
        from presidio_anonymizer.entities import OperatorConfig

        from bot.anonymise.recognizers import LANGUAGE, NameRecognizer

        names = NameRecognizer(known_names=known_names, **self._names)  # type: ignore[arg-type]
        results = self._analyzer.analyze(  # type: ignore[union-attr]
            text=text, language=LANGUAGE, ad_hoc_recognizers=[names], score_threshold=0.3
        )
        # The anonymizer settles overlaps (the longer, then the surer, wins); keep what it kept.
        kept = self._anonymizer.anonymize(  # type: ignore[union-attr]
            text=text,
            analyzer_results=results,
            operators={"DEFAULT": OperatorConfig("keep")},
        ).items
        return sorted(Span(item.start, item.end, item.entity_type) for item in kept)

    def anonymise(self, text: str, known_names: Iterable[str] = ()) -> str:
        """`text` with every piece of personal information replaced by its placeholder.
        `known_names` (clients', workers', contacts' names) are always removed."""
        pieces = []
        position = 0
        for span in self.find(text, known_names):
            pieces.append(text[position : span.start])
            pieces.append(PLACEHOLDERS.get(span.entity, "[REDACTED]"))
            position = span.end
        pieces.append(text[position:])
        return "".join(pieces)


@lru_cache(maxsize=1)
def shared_anonymiser() -> Anonymiser:
    """The process's one anonymiser (loaded on its first use)."""
    return Anonymiser()
