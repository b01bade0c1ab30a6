"""The pair model: P(two articles report the same story) from cheap overlap measurements.

:func:`pair_raw` measures a new article against one earlier article (cosine, how many and how
rare the shared words, word pairs and figures are, lengths, time gap: names, places and figures
are what separate two stories on one topic, and rarity stands in for capitalisation on
lowercased streams); :class:`PairModel` turns those measurements into a probability. How the
model is fitted on a labelled stream is :mod:`storyweave.cluster.training`.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

import numpy as np

from storyweave.cluster.vectors import Member, Probe

#: Raw overlap measurements for one (new article, earlier article) pair, in this order.
PAIR_RAW = ("cosine", "shared words", "summed IDF of shared words", "highest IDF shared",
            "shared words in <=3 articles so far", "shared words in <=10 articles so far",
            "gap (hours)", "words of the new article", "words of the earlier article",
            "shared / shorter", "shared word pairs", "shared word pairs in <=3 articles",
            "summed IDF of shared word pairs", "shared numbers", "shared numbers in <=3 articles")
MIN_PAIR_COSINE = 0.05  # below it a pair scores 0 (and is left out of training)


def pair_inputs(raw: np.ndarray) -> np.ndarray:
    """The model's inputs from :data:`PAIR_RAW` rows: counts on a log scale, plus two
    interactions (cosine x rare shared words; summed IDF normalised by both lengths)."""
    raw = np.atleast_2d(np.asarray(raw, dtype=np.float64))
    (cos, nsh, sidf, midf, r3, r10, gap, ni, nj, frac,
     nb, b3, bidf, nk, k3) = raw.T
    ni, nj = np.maximum(ni, 1.0), np.maximum(nj, 1.0)
    log1p = np.log1p
    return np.column_stack([
        cos, np.sqrt(cos), log1p(nsh), log1p(sidf), midf, log1p(r3), log1p(r10),
        np.clip(gap, 0.0, 72.0) / 72.0, np.log(ni), np.log(nj), frac, cos * log1p(r3),
        sidf / np.sqrt(ni * nj), log1p(nb), log1p(b3), log1p(bidf), log1p(nk), log1p(k3)])


def pair_raw(probe: Probe, other: Member) -> tuple[float, ...] | None:
    """The :data:`PAIR_RAW` measurements of a new article against an earlier one, or
    ``None`` when their cosine is under the floor the model was trained above."""
    a, b = probe.member.weights, other.weights
    shared = [h for h in b if h in a] if len(b) < len(a) else [h for h in a if h in b]
    cos = sum(a[h] * b[h] for h in shared)
    if cos < MIN_PAIR_COSINE:
        return None
    idf, df, pdf = probe.idf, probe.df, probe.pair_df
    idfs = [idf[h] for h in shared]
    dfs = [df[h] for h in shared]
    prs = probe.member.bigrams & other.bigrams
    nums = probe.member.numbers & other.numbers
    n = max(probe.n_docs, 1.0)
    pair_dfs = [max(pdf[h], 1.0) for h in prs]
    num_dfs = [pdf[h] for h in nums]
    ni, nj = len(a), len(b)
    return (cos, len(shared), sum(idfs), max(idfs, default=0.0),
            sum(d <= 3 for d in dfs), sum(d <= 10 for d in dfs),
            abs(probe.member.time - other.time) / 3600.0, ni, nj,
            len(shared) / max(1, min(ni, nj)), len(prs), sum(d <= 3 for d in pair_dfs),
            sum(math.log(n / d) for d in pair_dfs), len(nums),
            sum(d <= 3 for d in num_dfs))


@dataclass(frozen=True)
class PairModel:
    """Logistic model of P(two articles report the same story) from :func:`pair_inputs`.

    Each input passes through a B-spline basis first (scikit-learn's ``SplineTransformer``
    with the knots stored here), so the model is additive but not linear: a cosine of 0.3
    is much stronger evidence than twice 0.15, and the first shared rare name counts more
    than the fifth. Knots and weights are a few hundred numbers, so the model ships as JSON
    (``storyweave/data/pair_model.json``) and scores a few dozen pairs per article in well
    under a millisecond.
    """

    weights: tuple[float, ...]
    bias: float
    knots: tuple[tuple[float, ...], ...] = ()  # one row per knot, one column per input
    degree: int = 2
    cold: tuple[float, float] = (0.0, 0.0)  # weight and bias on the cosine alone
    trained_on: str = ""

    @functools.cached_property
    def _shapes(self) -> tuple[np.ndarray, np.ndarray]:
        # The model is a sum of one-dimensional functions, one per input: tabulate each on a
        # fine grid once, then scoring is one np.interp per input (the transformer's own
        # transform costs ~100x more per call, and it is called once per article).
        from sklearn.preprocessing import SplineTransformer

        knots = np.asarray(self.knots, dtype=np.float64)
        grid = np.linspace(knots[0], knots[-1], 512)  # (512, inputs)
        basis = SplineTransformer(knots=knots, degree=self.degree).fit(knots).transform(grid)
        n_basis = basis.shape[1] // knots.shape[1]
        w = np.asarray(self.weights).reshape(knots.shape[1], n_basis)
        values = np.stack([basis[:, j * n_basis:(j + 1) * n_basis] @ w[j]
                           for j in range(knots.shape[1])])
        return grid.T.copy(), values

    def decision(self, raw: np.ndarray) -> np.ndarray:
        X = pair_inputs(raw)
        if not self.knots:
            return X @ np.asarray(self.weights) + self.bias
        grid, values = self._shapes
        z = np.full(len(X), self.bias)
        for j in range(X.shape[1]):  # (np.interp holds the end values beyond the knots)
            z += np.interp(X[:, j], grid[j], values[j])
        return z

    def proba(self, raw: np.ndarray, warmth: float = 1.0) -> np.ndarray:
        """P(same story) per row. ``warmth`` < 1 blends in the cosine-only fallback: while
        the clusterer has seen only a few articles every word is "rare" and the IDF is flat,
        a corner the full model never saw in training."""
        p = 1.0 / (1.0 + np.exp(-self.decision(raw)))
        if warmth >= 1.0:
            return p
        raw = np.atleast_2d(raw)
        cold = 1.0 / (1.0 + np.exp(-(self.cold[0] * raw[:, 0] + self.cold[1])))
        return warmth * p + (1.0 - warmth) * cold

    @classmethod
    def fit(cls, raw: np.ndarray, same: np.ndarray, trained_on: str = "", n_knots: int = 5,
            degree: int = 2, C: float = 1.0) -> PairModel:
        """Knots spread evenly over each input's range in ``raw`` (``n_knots=0``: no
        splines, a plain linear model); L2-regularised logistic regression on top."""
        from sklearn.linear_model import LogisticRegression
        from sklearn.preprocessing import SplineTransformer, StandardScaler

        X = pair_inputs(raw)
        knots: tuple[tuple[float, ...], ...] = ()
        if n_knots:
            lo, hi = X.min(0), X.max(0)
            hi = np.where(hi > lo, hi, lo + 1.0)  # an input constant in training: any knots
            grid = np.linspace(lo, hi, n_knots)
            knots = tuple(tuple(float(x) for x in row) for row in grid)
            X = SplineTransformer(knots=grid, degree=degree).fit(grid).transform(X)
        scaler = StandardScaler().fit(X)
        scale = np.where(scaler.scale_ > 0, scaler.scale_, 1.0)
        lr = LogisticRegression(C=C, max_iter=5000).fit((X - scaler.mean_) / scale, same)
        w = lr.coef_[0] / scale  # fold the scaling into the weights
        b = float(lr.intercept_[0] - np.dot(w, scaler.mean_))
        cos = LogisticRegression(max_iter=1000).fit(np.asarray(raw)[:, :1], same)
        cold = (float(cos.coef_[0][0]), float(cos.intercept_[0]))
        return cls(tuple(float(x) for x in w), b, knots, degree, cold, trained_on)

    def to_dict(self) -> dict[str, Any]:
        return {"weights": list(self.weights), "bias": self.bias,
                "knots": [list(k) for k in self.knots], "degree": self.degree,
                "cold": list(self.cold), "trained_on": self.trained_on,
                "raw_features": list(PAIR_RAW)}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> PairModel:
        knots = tuple(tuple(float(x) for x in row) for row in d.get("knots") or ())
        cold = tuple(float(x) for x in d.get("cold") or (0.0, 0.0))
        if len(cold) != 2:
            raise ValueError("pair model's cosine-only fallback needs a weight and a bias")
        model = cls(tuple(float(x) for x in d["weights"]), float(d["bias"]), knots,
                    int(d.get("degree", 2)), (cold[0], cold[1]), str(d.get("trained_on", "")))
        n_inputs = pair_inputs(np.zeros(len(PAIR_RAW))).shape[1]
        expected = n_inputs * (len(knots) + model.degree - 1) if knots else n_inputs
        if len(model.weights) != expected or (knots and len(knots[0]) != n_inputs):
            raise ValueError(f"pair model has {len(model.weights)} weights, expected {expected}")
        return model

    @classmethod
    @functools.cache
    def default(cls) -> PairModel:
        text = resources.files("storyweave").joinpath("data/pair_model.json").read_text()
        return cls.from_dict(json.loads(text))
