"""Measure the anonymiser on the labelled set in tests/data/pii_labelled.jsonl.

Each row lists the personal information that must disappear ("pii") and ordinary words that must
survive ("keep"). Prints and writes to reports/anonymise.json:
- leak rate: labelled PII spans not wholly covered by a redaction (every occurrence counts);
- over-redaction: "keep" words redacted, and all words outside labelled PII that were redacted;
- milliseconds per message once loaded, and the load time.
"""

from __future__ import annotations

import json
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.anonymise import Anonymiser, Span  # noqa: E402

DATA = ROOT / "tests" / "data" / "pii_labelled.jsonl"
REPORT = ROOT / "reports" / "anonymise.json"
WORD = re.compile(r"\w+")


def load_rows(path: Path = DATA) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _covered(spans: list[Span], start: int, end: int) -> bool:
    """Every letter and digit of text[start:end] lies inside a redaction."""
    return all(any(s.start <= i < s.end for s in spans) for i in range(start, end))


def _touched(spans: list[Span], start: int, end: int) -> bool:
    return any(s.start < end and start < s.end for s in spans)


def _occurrences(text: str, needle: str, whole_word: bool) -> list[tuple[int, int]]:
    pattern = re.escape(needle)
    if whole_word:
        pattern = rf"(?<!\w){pattern}(?!\w)"
    return [m.span() for m in re.finditer(pattern, text)]


def evaluate(anonymiser: Anonymiser, rows: list[dict]) -> dict:
    pii_total = pii_leaked = keep_total = keep_lost = other_total = other_lost = 0
    leaks: list[dict] = []
    lost: list[dict] = []
    started = time.perf_counter()
    for row in rows:
        text = row["text"]
        spans = anonymiser.find(text, row.get("known_names", ()))
        pii_chars: set[int] = set()
        for needle in row["pii"]:
            for start, end in _occurrences(text, needle, whole_word=False):
                pii_total += 1
                pii_chars.update(range(start, end))
                inner = [m.span() for m in WORD.finditer(text, start, end)]
                if not all(_covered(spans, a, b) for a, b in inner):
                    pii_leaked += 1
                    leaks.append({"text": text, "pii": needle})
        for word in row["keep"]:
            for start, end in _occurrences(text, word, whole_word=True):
                if pii_chars.intersection(range(start, end)):
                    continue
                keep_total += 1
                if _touched(spans, start, end):
                    keep_lost += 1
                    lost.append({"text": text, "keep": word})
        for match in WORD.finditer(text):
            if pii_chars.intersection(range(*match.span())):
                continue
            other_total += 1
            if _touched(spans, *match.span()):
                other_lost += 1
    elapsed = time.perf_counter() - started
    return {
        "messages": len(rows),
        "pii_spans": pii_total,
        "leaked_spans": pii_leaked,
        "leak_rate": pii_leaked / pii_total if pii_total else 0.0,
        "keep_words": keep_total,
        "keep_words_redacted": keep_lost,
        "keep_redaction_rate": keep_lost / keep_total if keep_total else 0.0,
        "other_words": other_total,
        "other_words_redacted": other_lost,
        "over_redaction_rate": other_lost / other_total if other_total else 0.0,
        "ms_per_message": 1000 * elapsed / len(rows) if rows else 0.0,
        "leaks": leaks,
        "keep_words_lost": lost,
    }


def main() -> int:
    started = time.perf_counter()
    anonymiser = Anonymiser().load()
    load_seconds = time.perf_counter() - started
    report = evaluate(anonymiser, load_rows())
    report["load_seconds"] = round(load_seconds, 2)
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(
        f"anonymiser on {report['messages']} labelled messages: "
        f"leaks {report['leaked_spans']}/{report['pii_spans']} ({report['leak_rate']:.1%}); "
        f"ordinary words kept-list redacted {report['keep_words_redacted']}/{report['keep_words']} "
        f"({report['keep_redaction_rate']:.1%}); other words redacted "
        f"{report['other_words_redacted']}/{report['other_words']} ({report['over_redaction_rate']:.1%}); "
        f"{report['ms_per_message']:.2f} ms/message, loaded in {report['load_seconds']} s"
    )
    for leak in report["leaks"]:
        print(f"  leak: {leak['pii']!r} in {leak['text']!r}")
    for item in report["keep_words_lost"]:
        print(f"  redacted: {item['keep']!r} in {item['text']!r}")
    print(f"written to {REPORT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
