"""Name lists the anonymiser recognises, taken from packages on PyPI (nothing is downloaded).

First names: the US census lists shipped by `names` and the person lists of every Faker locale
(Spanish, Portuguese, French, Nigerian, Vietnamese, Indian, Kenyan, Zulu and more). Last names:
the same sources. Names that are also ordinary English or Spanish words ("Hope", "Will", "Rosa",
"Esperanza") are listed in `name_words.txt` and are only taken as names in context.
"""

from __future__ import annotations

import importlib
import pkgutil
import unicodedata
from dataclasses import dataclass
from pathlib import Path

NAME_WORDS_FILE = Path(__file__).with_name("name_words.txt")
NOT_NAMES_FILE = Path(__file__).with_name("not_names.txt")


def fold(word: str) -> str:
    """Lower case without accents, so "José", "jose" and "JOSE" are one entry."""
    decomposed = unicodedata.normalize("NFKD", word.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _read_list(path: Path) -> set[str]:
    words = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        words.update(fold(word) for word in line.split("#", 1)[0].split())
    return words


def _census(kind: str) -> set[str]:
    import names

    path = Path(names.__file__).with_name(f"dist.{kind}")
    return {fold(line.split()[0]) for line in path.read_text().splitlines() if line.strip()}


def _faker(attributes: tuple[str, ...]) -> set[str]:
    import faker.providers.person as person

    found: set[str] = set()
    for module_info in pkgutil.iter_modules(person.__path__):
        provider = importlib.import_module(f"{person.__name__}.{module_info.name}").Provider
        for attribute in attributes:
            entries = getattr(provider, attribute, ())
            if not isinstance(entries, (tuple, list, dict)):
                continue
            for entry in entries:
                for part in str(entry).replace("-", " ").split():
                    if part.isalpha() and len(part) > 1:
                        found.add(fold(part))
    return found


@dataclass(frozen=True)
class Lexicon:
    first: frozenset[str]
    last: frozenset[str]
    # Names that are ordinary words too: a name only when the context says so.
    name_words: frozenset[str]
    # Words in the packages' lists that are never a name here.
    not_names: frozenset[str]

    @classmethod
    def load(cls) -> Lexicon:
        not_names = _read_list(NOT_NAMES_FILE)
        first = (
            _census("female.first")
            | _census("male.first")
            | _faker(("first_names", "first_names_female", "first_names_male"))
        )
        last = _census("all.last") | _faker(("last_names",))
        return cls(
            first=frozenset(first - not_names),
            last=frozenset(last - not_names),
            name_words=frozenset(_read_list(NAME_WORDS_FILE)),
            not_names=frozenset(not_names),
        )
