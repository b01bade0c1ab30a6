"""ROUGE with ``rouge-score`` (Porter stemming on) and bootstrap confidence intervals.

The scorer is Google's ``rouge-score`` package, the common Python re-implementation of
ROUGE-1.5.5: lower-cases, replaces every non-alphanumeric character with a space, stems tokens of
more than three letters with NLTK's Porter stemmer (no data files needed) and keeps stop words.
It differs from the Perl ROUGE-1.5.5 in tokenisation details, in having no ``-l``/``-b``
length cut-off (we truncate outputs ourselves, identically for all systems) and in ROUGE-L, which
here is the LCS over the whole text (``rougeL``), not the summary-level union LCS.
With several references a metric takes its best reference (by F1).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from rouge_score import rouge_scorer, tokenize, tokenizers

METRICS = ("rouge1", "rouge2", "rougeL")
MEASURES = ("recall", "f1")


class _CachedPorter:
    """NLTK's Porter stemmer behind a cache: news words repeat, stemming is the slow part."""

    def __init__(self) -> None:
        from nltk.stem import porter

        self._stem = lru_cache(maxsize=200_000)(porter.PorterStemmer().stem)

    def stem(self, word: str) -> str:
        return self._stem(word)


class StemmingTokenizer(tokenizers.Tokenizer):
    """rouge-score's own tokenisation and stemming rule, with the cached stemmer."""

    def __init__(self) -> None:
        self._stemmer = _CachedPorter()

    def tokenize(self, text: str) -> list[str]:
        return tokenize.tokenize(text, self._stemmer)


class Rouge:
    """ROUGE-1/2/L recall, precision and F1 of a candidate against one or more references."""

    def __init__(self, metrics: Sequence[str] = METRICS) -> None:
        self.metrics = tuple(metrics)
        self.tokenizer = StemmingTokenizer()
        self._scorer = rouge_scorer.RougeScorer(list(self.metrics), tokenizer=self.tokenizer)

    def score(self, candidate: str, references: Sequence[str]) -> dict[str, dict[str, float]]:
        best: dict[str, dict[str, float]] = {}
        for ref in references:
            scores = self._scorer.score(ref, candidate)
            for metric, s in scores.items():
                row = {"recall": s.recall, "precision": s.precision, "f1": s.fmeasure}
                if metric not in best or row["f1"] > best[metric]["f1"]:
                    best[metric] = row
        return best


@dataclass
class Interval:
    """A mean with its bootstrap 95% (by default) percentile confidence interval."""

    mean: float
    low: float
    high: float

    def as_dict(self) -> dict[str, float]:
        return {"mean": self.mean, "low": self.low, "high": self.high}


def bootstrap_indices(n: int, resamples: int = 1000, seed: int = 0) -> np.ndarray:
    """Resample ``n`` clusters with replacement, ``resamples`` times (shared by all systems, so
    that differences between systems are paired)."""
    rng = np.random.default_rng(seed)
    return rng.integers(0, n, size=(resamples, n)) if n else np.zeros((resamples, 0), int)


def bootstrap(values: Sequence[float] | np.ndarray, indices: np.ndarray,
              level: float = 0.95) -> Interval:
    """Mean of ``values`` and the percentile interval of the mean over the resamples."""
    v = np.asarray(values, dtype=float)
    if v.size == 0:
        return Interval(float("nan"), float("nan"), float("nan"))
    means = v[indices].mean(axis=1)
    alpha = (1.0 - level) / 2.0
    low, high = np.quantile(means, [alpha, 1.0 - alpha])
    mean = float(v.mean())
    return Interval(mean, min(float(low), mean), max(float(high), mean))


def paired_difference(a: Sequence[float], b: Sequence[float], indices: np.ndarray,
                      level: float = 0.95) -> tuple[Interval, float]:
    """Bootstrap interval of mean(a - b) and the share of resamples where a does not beat b."""
    d = np.asarray(a, dtype=float) - np.asarray(b, dtype=float)
    interval = bootstrap(d, indices, level)
    if d.size == 0:
        return interval, float("nan")
    not_better = float((d[indices].mean(axis=1) <= 0).mean())
    return interval, not_better


def per_cluster_table(rows: Sequence[Mapping[str, Mapping[str, float]]],
                      metric: str, measure: str) -> np.ndarray:
    return np.array([r[metric][measure] for r in rows], dtype=float)
