"""Clustering quality: B-cubed and pairwise precision, recall and F1 of predicted story
labels against gold ones (used by the stream benchmarks and tests)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any


def bcubed(gold: list[Any], pred: list[Any]) -> tuple[float, float, float]:
    """B-cubed precision, recall and F1 over items (Bagga & Baldwin; Amigó et al. 2009)."""
    n = len(gold)
    if n == 0:
        return 0.0, 0.0, 0.0
    joint = Counter(zip(gold, pred, strict=True))
    g_size = Counter(gold)
    p_size = Counter(pred)
    p = sum(c * c / p_size[pk] for (_, pk), c in joint.items()) / n
    r = sum(c * c / g_size[gk] for (gk, _), c in joint.items()) / n
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def pairwise(gold: list[Any], pred: list[Any]) -> tuple[float, float, float]:
    """Pairwise precision, recall and F1 (pairs of items put in the same cluster)."""
    def pairs(counts: Iterable[int]) -> int:
        return sum(c * (c - 1) // 2 for c in counts)

    tp = pairs(Counter(zip(gold, pred, strict=True)).values())
    pp = pairs(Counter(pred).values())
    gp = pairs(Counter(gold).values())
    p = tp / pp if pp else 1.0
    r = tp / gp if gp else 1.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)
