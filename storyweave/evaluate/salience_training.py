"""Fitting the learned summarizer's sentence model on clusters with reference summaries.

Apart from :mod:`storyweave.salience`, which only reads the shipped model: fitting needs the
references' tokens (rouge-score's, as the scores are) and scikit-learn, neither of which the
pipeline needs at run time. ``python -m benchmarks.fit_salience_model`` calls these.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from storyweave.align import Alignment
from storyweave.salience import TreeModel, sentence_features


def reference_bigram_hits(texts: Sequence[str], references: Sequence[str]) -> np.ndarray:
    """How many of each sentence's distinct word bigrams the best-matching reference contains
    (rouge-score's tokens and stemming): the quantity the model learns to predict."""
    from storyweave.evaluate.rouge import StemmingTokenizer

    tok = StemmingTokenizer()
    refs = []
    for r in references:
        t = tok.tokenize(r)
        refs.append({(t[k], t[k + 1]) for k in range(len(t) - 1)})
    out = np.zeros(len(texts))
    for i, text in enumerate(texts):
        t = tok.tokenize(text)
        mine = {(t[k], t[k + 1]) for k in range(len(t) - 1)}
        out[i] = max((len(mine & r) for r in refs), default=0)
    return out


#: The fitted model's settings: chosen by 5-fold cross-validation over the clusters of the
#: tuning split (docs/evaluation.md, "A learned summarizer").
FIT_PARAMS: dict[str, Any] = {"max_iter": 200, "learning_rate": 0.05, "max_leaf_nodes": 15,
                              "min_samples_leaf": 40}


def training_rows(alignments: Sequence[Alignment],
                  references: Sequence[Sequence[str]]) -> tuple[np.ndarray, np.ndarray,
                                                                np.ndarray]:
    """Features, targets (reference bigram hits) and the cluster of every sentence."""
    xs, ys, groups = [], [], []
    for k, (alignment, refs) in enumerate(zip(alignments, references, strict=True)):
        if not alignment.sentences:
            continue
        xs.append(sentence_features(alignment))
        ys.append(reference_bigram_hits([s.text for s in alignment.sentences], refs))
        groups.append(np.full(len(alignment.sentences), k))
    return np.vstack(xs), np.concatenate(ys), np.concatenate(groups)


def fit_salience_model(x: np.ndarray, y: np.ndarray, meta: dict[str, Any] | None = None,
                       **params: Any) -> TreeModel:
    """Gradient-boosted trees on the rows of :func:`training_rows`; deterministic (fixed seed,
    no early stopping, so no random validation split)."""
    from sklearn.ensemble import HistGradientBoostingRegressor

    settings = {**FIT_PARAMS, **params}
    model = HistGradientBoostingRegressor(random_state=0, early_stopping=False, **settings)
    model.fit(x, y)
    return TreeModel.from_sklearn(model, {**(meta or {}), "params": settings})
