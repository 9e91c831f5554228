"""A second reading of a whole message: how much it reads like someone at risk now.

The lexicon in `cues.yml` reads clause by clause, which is what makes it precise and explainable,
and what makes it miss a long message whose risk is spread over it, or set aside a cue that a
denial, a past tense or someone else's story seems to soften ("This isn't a suicide post, I'm
fine... I picked a date"). The reader is a logistic regression over the message's words, word
pairs and letter runs, learned from the project's own writing (`reader_data.jsonl`, never from
evaluation data). It is small and deterministic: it learns in about five seconds the first time
it is needed (the gateway does it before it serves), from the same rows every time, keeps what it
learned in a cache file for the next process, and reads a message in about 0.2 ms.

The screen decides what its score means (see `SafetyScreen.assess`): it only raises a level the
lexicon has reached for a reason, or turns silence into a question; it never lowers one.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import re
import threading
from collections import Counter
from collections.abc import Sequence
from functools import cache
from pathlib import Path

import numpy as np

READER_DATA = Path(__file__).with_name("reader_data.jsonl")
log = logging.getLogger(__name__)
_WORD = re.compile(r"[a-z]+")


def features(normalised: str) -> list[str]:
    """Words, word pairs and the four-letter runs of each word, so a typo still shares some
    features with the word it misspells. (Runs of three and five letters as well read no better
    on our held-out posts and cost four times as long.)"""
    words = _WORD.findall(normalised)
    found = [f"w:{w}" for w in words]
    found += [f"p:{a} {b}" for a, b in zip(words, words[1:], strict=False)]
    for word in words:
        padded = f"<{word}>"
        found += [f"c:{padded[i : i + 4]}" for i in range(len(padded) - 3)]
    return found


class Reader:
    """Tf-idf features and a logistic regression, trained with full-batch gradient steps."""

    def __init__(self, vocabulary: dict[str, int], idf: np.ndarray, weights: np.ndarray,
                 bias: float) -> None:
        self._vocabulary = vocabulary
        self._idf = idf.tolist()  # plain floats: indexing them one by one is far faster
        self._weights = weights
        self._bias = bias

    @classmethod
    def train(
        cls,
        texts: Sequence[str],
        at_risk: Sequence[bool],
        *,
        min_count: int = 2,
        l2: float = 1e-4,
        steps: int = 200,
    ) -> Reader:
        if not texts or len(texts) != len(at_risk) or len(set(at_risk)) < 2:
            raise ValueError("the reader needs texts of both kinds, one label per text")
        # Two passes over the texts rather than every text's features held at once: the features
        # of a few thousand messages as strings would cost the gateway a hundred megabytes.
        counts: Counter[str] = Counter()
        for text in texts:
            counts.update(set(features(text)))
        names = sorted(name for name, n in counts.items() if n >= min_count)
        vocabulary = {name: i for i, name in enumerate(names)}
        idf = np.array(
            [math.log((1 + len(texts)) / (1 + counts[name])) + 1 for name in names], dtype=np.float64
        )
        del counts
        rows, columns, values = cls._matrix(texts, vocabulary, idf.tolist())
        labels = np.array(at_risk, dtype=np.float64)
        # Each side weighs the same, whatever its count.
        sample = np.where(labels == 1, 0.5 / labels.mean(), 0.5 / (1 - labels.mean()))
        weights = np.zeros(len(names))
        bias = 0.0
        # Adam on the mean log loss; deterministic (no shuffling, full batch).
        m_w, v_w, m_b, v_b = np.zeros_like(weights), np.zeros_like(weights), 0.0, 0.0
        rate, beta1, beta2 = 0.05, 0.9, 0.999
        for step in range(1, steps + 1):
            scores = np.bincount(rows, weights=weights[columns] * values, minlength=len(texts))
            error = (1 / (1 + np.exp(-(scores + bias))) - labels) * sample / len(texts)
            grad_w = np.bincount(columns, weights=error[rows] * values, minlength=len(names))
            grad_w += l2 * weights
            grad_b = error.sum()
            m_w = beta1 * m_w + (1 - beta1) * grad_w
            v_w = beta2 * v_w + (1 - beta2) * grad_w**2
            m_b = beta1 * m_b + (1 - beta1) * grad_b
            v_b = beta2 * v_b + (1 - beta2) * grad_b**2
            correction = math.sqrt(1 - beta2**step) / (1 - beta1**step)
            weights -= rate * correction * m_w / (np.sqrt(v_w) + 1e-8)
            bias -= rate * correction * m_b / (math.sqrt(v_b) + 1e-8)
        return cls(vocabulary, idf, weights, float(bias))

    @staticmethod
    def _matrix(
        texts: Sequence[str], vocabulary: dict[str, int], idf: list[float]
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        rows, columns, values = [], [], []
        for row, text in enumerate(texts):
            index, tf = Reader._vector(Counter(features(text)), vocabulary, idf)
            rows.append(np.full(len(index), row, dtype=np.int64))
            columns.append(np.array(index, dtype=np.int64))
            values.append(np.array(tf, dtype=np.float64))
        return np.concatenate(rows), np.concatenate(columns), np.concatenate(values)

    @staticmethod
    def _vector(
        doc: Counter[str], vocabulary: dict[str, int], idf: list[float]
    ) -> tuple[list[int], list[float]]:
        known = [(i, n) for name, n in doc.items() if (i := vocabulary.get(name)) is not None]
        index = [i for i, _ in known]
        tf = [(1 + math.log(n)) * idf[i] for i, n in known]
        norm = math.sqrt(sum(v * v for v in tf)) or 1.0
        return index, [v / norm for v in tf]

    def save(self, file: Path) -> None:
        """Write the learned weights whole or not at all (a gateway may be starting beside this
        one and reading the same file)."""
        names = sorted(self._vocabulary, key=self._vocabulary.__getitem__)
        partial = file.with_suffix(f".{os.getpid()}.partial.npz")
        np.savez(partial, names=np.array(names), idf=np.array(self._idf), weights=self._weights,
                 bias=np.array(self._bias))
        partial.replace(file)

    @classmethod
    def load(cls, file: Path) -> Reader:
        with np.load(file, allow_pickle=False) as saved:
            names = saved["names"].tolist()
            return cls({name: i for i, name in enumerate(names)}, saved["idf"], saved["weights"],
                       float(saved["bias"]))

    def score(self, normalised: str) -> float:
        """The probability-like score that the message is from someone at risk now."""
        index, values = self._vector(Counter(features(normalised)), self._vocabulary, self._idf)
        z = self._bias + float(self._weights[np.array(index, dtype=np.int64)] @ np.array(values))
        return 1 / (1 + math.exp(-max(min(z, 30.0), -30.0)))


def read_rows(path: Path = READER_DATA) -> list[dict]:
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        row = json.loads(line)
        if not isinstance(row.get("text"), str) or not isinstance(row.get("at_risk"), bool):
            raise ValueError(f"{path}:{number}: a row needs a text and at_risk true or false")
        rows.append(row)
    return rows


_lock = threading.Lock()
# Where a learned reader is kept between processes: each gateway would otherwise spend seconds
# learning the same weights at start.
CACHE_DIR_ENV = "COMPANION_CACHE_DIR"
DEFAULT_CACHE_DIR = Path("var") / "cache"


def _cache_file(path: Path) -> Path:
    """Named by what the weights depend on: the rows, and the code that reads and learns them
    (`screen.py` normalises the text), so a changed file can never load stale weights."""
    digest = hashlib.sha256()
    for part in (path, Path(__file__), Path(__file__).with_name("screen.py")):
        digest.update(part.read_bytes())
    directory = Path(os.environ.get(CACHE_DIR_ENV) or DEFAULT_CACHE_DIR)
    return directory / f"safety_reader_{digest.hexdigest()[:20]}.npz"


def _load(file: Path) -> Reader | None:
    try:
        return Reader.load(file)
    except FileNotFoundError:
        return None
    except Exception:  # a damaged file is learned again, never trusted
        log.warning("the safety reader's cache %s is unreadable; learning again", file)
        return None


def _save(reader: Reader, file: Path) -> None:
    try:
        file.parent.mkdir(parents=True, exist_ok=True)
        reader.save(file)
    except OSError as exc:
        log.info("the safety reader was not cached (%s)", exc)


@cache
def _trained(path: Path) -> Reader:
    from bot.safety.screen import normalise

    file = _cache_file(path)
    reader = _load(file)
    if reader is None:
        rows = read_rows(path)
        reader = Reader.train([normalise(r["text"]) for r in rows], [r["at_risk"] for r in rows])
        _save(reader, file)
    return reader


def trained_reader(path: Path = READER_DATA) -> Reader:
    """The reader learned from `path`, once per process (threads wait for the first), and kept
    in the cache directory (`COMPANION_CACHE_DIR`, by default `var/cache`) for the next one."""
    with _lock:
        return _trained(path)
