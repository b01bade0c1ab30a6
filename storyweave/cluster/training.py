"""Fitting the pair model on a labelled stream: the pairs the clusterer would score, measured
the way it measures them on arrival, with whether the two share a gold story.

Lives above the clusterer (it drives one to measure the pairs), so the model's own module
needs nothing of the clusterer.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from storyweave.cluster.clusterer import StoryClusterer
from storyweave.cluster.features import Doc
from storyweave.cluster.pairs import MIN_PAIR_COSINE, PairModel, pair_raw


def training_pairs(items: Sequence[Any], gold: Sequence[Any], window_hours: float = 72.0,
                   **params: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every pair of articles at most ``window_hours`` apart whose cosine reaches the model's
    floor, as :data:`PAIR_RAW` rows measured the way the clusterer measures them on arrival
    (document frequencies as of the later article). Returns ``(raw, same, later)``: the rows,
    whether the two share a gold story, and the index of the later article."""
    import scipy.sparse as sp

    model = StoryClusterer(**params)
    probes = []
    for item in items:
        doc = Doc.of(item)
        t = model._time(doc)
        model.clock_ = max(model.clock_, t)
        probes.append(model.probe(doc, learn=True, time=t))
    rows = np.repeat(np.arange(len(probes)), [len(p.member.weights) for p in probes])
    cols = np.fromiter((h for p in probes for h in p.member.weights), dtype=np.int64)
    vals = np.fromiter((w for p in probes for w in p.member.weights.values()), dtype=np.float64)
    X = sp.csr_matrix((vals, (rows, cols)), shape=(len(probes), 1 << model.hash_bits))
    sims = (X @ X.T).tocsr()
    window = window_hours * 3600.0
    raw, same, later = [], [], []
    for i, p in enumerate(probes):
        lo, hi = sims.indptr[i], sims.indptr[i + 1]
        for j, cos in zip(sims.indices[lo:hi].tolist(), sims.data[lo:hi].tolist(), strict=True):
            if j >= i or cos < MIN_PAIR_COSINE:
                continue
            other = probes[j].member
            if abs(p.member.time - other.time) > window:
                continue
            r = pair_raw(p, other)
            if r is not None:
                raw.append(r)
                same.append(gold[i] == gold[j])
                later.append(i)
    return np.array(raw, dtype=np.float64), np.array(same, dtype=bool), np.array(later)


def fit_pair_model(items: Sequence[Any], gold: Sequence[Any], trained_on: str = "",
                   **params: Any) -> PairModel:
    """A :class:`PairModel` fitted on a labelled stream (items in arrival order, one gold
    story id each): how to adapt the clusterer to another language or kind of news."""
    raw, same, _ = training_pairs(items, gold, **params)
    if same.all() or not same.any():
        raise ValueError("fitting a pair model needs pairs from the same story and from "
                         "different stories")
    return PairModel.fit(raw, same, trained_on=trained_on)
