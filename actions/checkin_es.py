"""Spanish counterpart of the check-in summary in `actions/checkin.py`, from the same notes.

The notes hold the client's words already turned to "tú" by `actions/reflection_es.py`.
"""

from __future__ import annotations


def compose_summary(notes: list[tuple[str, str]]) -> str:
    """A short summary of the check-in in Spanish."""
    by_kind: dict[str, list[str]] = {}
    for kind, words in notes:
        by_kind.setdefault(kind, []).append(words)
    sentences = []
    hard = by_kind.get("low", []) + by_kind.get("struggle", [])
    if hard:
        sentences.append("Las cosas han estado difíciles: " + _join(hard[-2:]) + ".")
    if by_kind.get("event"):
        sentences.append("Me contaste que " + _join(by_kind["event"][-2:], "que ") + ".")
    good = by_kind.get("good", []) + by_kind.get("win", [])
    if good:
        lead = "También hubo cosas buenas: " if hard else "Ha habido cosas buenas: "
        sentences.append(lead + _join(good[-2:]) + ".")
    if by_kind.get("value"):
        value = by_kind["value"][-1]
        sentences.append(f"Y en medio de todo, tienes presente lo que te importa: {value}.")
    return " ".join(sentences)


def _join(parts: list[str], lead: str = "") -> str:
    # The first part follows the sentence's own lead-in; later ones repeat `lead`.
    parts = [parts[0]] + [lead + part for part in parts[1:]]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " y " + parts[-1]
