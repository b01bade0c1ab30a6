"""Online document frequencies of the stream's words, word pairs and figures.

Frequencies fade with age: each article counts ``exp(-age / memory)``, age in articles, so
"rare" keeps meaning "rare among the last ~``memory`` articles". With plain counts every word
slowly turns common as history grows, and same-story pairs look less and less alike (B³ F1
fell from 0.902 to 0.891 along the stream). Counts are stored scaled by a growing weight, so
fading needs no pass over the tables per article: ``df = stored / weight``.
"""

from __future__ import annotations

import math

import numpy as np


class TermStatistics:
    """Faded document frequencies in two hashed tables (words; word pairs and figures)."""

    def __init__(self, hash_bits: int = 20, pair_bits: int = 22,
                 memory: float | None = 5000.0) -> None:
        self.memory = memory
        self.df = np.zeros(1 << hash_bits, dtype=np.float32)
        # word pairs and numbers: many more distinct values than words, so a larger table
        self.pair_df = np.zeros(1 << pair_bits, dtype=np.float32)
        self.weight = 1.0
        self.total = 0.0  # the documents' summed (scaled) weight: the effective count
        self.n_docs = 0

    @property
    def effective_docs(self) -> float:
        return self.total / self.weight

    def count(self, words: np.ndarray, pairs: np.ndarray, numbers: np.ndarray) -> None:
        """One more document with these (hashed) words, word pairs and figures."""
        self.n_docs += 1
        if self.memory:
            self.weight *= math.exp(1.0 / self.memory)
            if self.weight > 1e4:  # rescale now and then, long before float32 suffers
                for table in (self.df, self.pair_df):
                    table /= np.float32(self.weight)
                self.total /= self.weight
                self.weight = 1.0
        w = np.float32(self.weight)
        self.total += self.weight
        self.df[np.unique(words)] += w
        self.pair_df[pairs] += w  # (each already distinct)
        self.pair_df[numbers] += w

    def idf(self, words: np.ndarray, warm_after: int) -> np.ndarray:
        """Smoothed IDF plus one. IDF from few documents is noise (in a 10-article folder the
        story's own words look "common"), so it is shrunk towards 1 until ``warm_after``
        documents have been seen."""
        w = self.weight
        idf = np.log((self.total / w + 1.0) / (self.df[words] / w + 1.0))
        if self.n_docs < warm_after:
            idf *= self.n_docs / warm_after
        return idf + 1.0

    def word_df(self, words: np.ndarray) -> np.ndarray:
        return self.df[words] / self.weight

    def pair_frequency(self, pairs: np.ndarray) -> np.ndarray:
        return self.pair_df[pairs] / self.weight
