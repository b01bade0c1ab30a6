"""Learned sentence salience: what a story's own signals say about a sentence's worth.

A small gradient-boosted tree model, fitted on the tuning split of the Multi-News sample
(:func:`fit_salience_model`, ``python -m benchmarks.fit_salience_model``), predicts how many
of a sentence's word bigrams a human summary of the story would contain, from features
storyweave already has after alignment: where the sentence sits in its article, how many
outlets report its fact, how central it is to what the other outlets wrote, how many outlets use
its word bigrams (Gillick & Favre's concepts), its length, entities, quotes and numbers. The
fitted trees are stored as plain JSON (``storyweave/data/salience_model.json``) and evaluated
here with NumPy, so scoring needs no scikit-learn at run time and gives the same numbers on
every machine.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np

from storyweave.align import Alignment

_TOKEN = re.compile(r"[a-z0-9]+")
_QUOTED = re.compile(r"[\"“][^\"”]*[\"”]")
_FIRST_PERSON = re.compile(r"\b(?:we|us|our|i|me|my)\b")
_OPENER = re.compile(r"^(?:but|and|he|she|it|they|this|that|these|those|his|her|their|its|"
                     r"so|also|however|still|yet|then|meanwhile)\b")
_SAID = re.compile(r"\b(?:said|says|told|according to|reported|announced)\b")
_ENTITY_LABELS = ("PERSON", "ORG", "GPE", "DATE", "CARDINAL", "MONEY", "NORP")

FEATURES = (
    "relative_position", "index", "first", "paragraph", "words", "log_words",
    "centrality_other", "centrality_within", "fact_articles", "fact_share",
    "concept_sum", "concept_mean", "concepts", "unigram_df", "lead_similarity",
    "entities", *(f"entity_{label.lower()}" for label in _ENTITY_LABELS),
    "quote", "quoted_share", "digits", "first_person", "opener",
    "articles", "sentences", "article_sentences", "story_words",
    "centrality_relative", "concept_relative", "article_relevance", "max_similarity_other",
    "echoing_articles", "said",
)


@lru_cache(maxsize=1)
def _stop() -> frozenset[str]:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return frozenset(ENGLISH_STOP_WORDS)


@lru_cache(maxsize=1)
def cached_stemmer() -> Any:
    """Porter's stem with a cache: a story stems the same few thousand words over and over
    (uncached, stemming was two thirds of the learned summarizer's time on the example)."""
    from nltk.stem.porter import PorterStemmer

    return lru_cache(maxsize=100_000)(PorterStemmer().stem)


def sentence_features(alignment: Alignment) -> np.ndarray:
    """One row of :data:`FEATURES` per sentence of the story."""
    sentences = alignment.sentences
    n = len(sentences)
    out = np.zeros((n, len(FEATURES)))
    if n == 0:
        return out
    stop, stem = _stop(), cached_stemmer()
    owner = np.array([s.article for s in sentences])
    articles = sorted(set(owner.tolist()))
    n_art = len(articles)
    length: dict[str, int] = {}
    for s in sentences:
        length[s.article] = max(length.get(s.article, 0), s.index + 1)
    sim = alignment.similarity
    other = owner[:, None] != owner[None, :]
    off = sim.copy()
    np.fill_diagonal(off, 0.0)
    n_other = other.sum(axis=1)
    n_same = n - 1 - n_other
    cen_other = np.where(other, off, 0.0).sum(axis=1) / np.maximum(n_other, 1)
    cen_within = np.where(other, 0.0, off).sum(axis=1) / np.maximum(n_same, 1)
    lead = np.array([s.index == 0 for s in sentences])
    lead_other = other & lead[None, :]
    lead_sim = np.where(lead_other, off, 0.0).max(axis=1) if lead_other.any() else np.zeros(n)

    lowered = [s.text.lower() for s in sentences]
    toks = [_TOKEN.findall(t) for t in lowered]
    stems = [[stem(w) for w in ws] for ws in toks]
    grams: list[set[tuple[str, str]]] = []
    uni: list[set[str]] = []
    for ws, ss in zip(toks, stems, strict=True):
        grams.append({(ss[k], ss[k + 1]) for k in range(len(ws) - 1)
                      if not (ws[k] in stop and ws[k + 1] in stop)})
        uni.append({ss[k] for k in range(len(ws)) if ws[k] not in stop})
    gram_df: dict[tuple[str, str], set[str]] = {}
    uni_df: dict[str, set[str]] = {}
    for i in range(n):
        for g in grams[i]:
            gram_df.setdefault(g, set()).add(owner[i])
        for u in uni[i]:
            uni_df.setdefault(u, set()).add(owner[i])
    fact_articles = np.ones(n)
    if alignment.facts and alignment.fact_of and len(alignment.fact_of) == n:
        fact_articles = np.array([len(alignment.facts[f].articles) if f >= 0 else 1
                                  for f in alignment.fact_of], dtype=float)
    story_words = float(sum(s.words for s in sentences))
    shared_of = [[len(gram_df[g]) for g in grams[i] if len(gram_df[g]) >= 2] for i in range(n)]
    concept_sum = np.array([sum(shared) for shared in shared_of], dtype=float)
    relevance = {a: float(cen_other[owner == a].mean()) for a in articles}
    top_relevance = max(relevance.values()) or 1.0
    max_other = np.where(other, off, 0.0).max(axis=1)
    echo = np.zeros(n)
    for a in articles:
        echo += ((off[:, owner == a] >= 0.3).any(axis=1) & (owner != a))
    col = {name: k for k, name in enumerate(FEATURES)}
    for i, s in enumerate(sentences):
        row = out[i]
        row[col["relative_position"]] = s.index / length[s.article]
        row[col["index"]] = min(s.index, 30)
        row[col["first"]] = float(s.index == 0)
        row[col["paragraph"]] = min(s.paragraph, 30)
        row[col["words"]] = s.words
        row[col["log_words"]] = np.log1p(s.words)
        row[col["centrality_other"]] = cen_other[i]
        row[col["centrality_within"]] = cen_within[i]
        row[col["fact_articles"]] = fact_articles[i]
        row[col["fact_share"]] = fact_articles[i] / n_art
        shared = shared_of[i]
        row[col["concept_sum"]] = sum(shared) / n_art
        row[col["concept_mean"]] = (sum(shared) / len(shared) / n_art) if shared else 0.0
        row[col["concepts"]] = len(shared)
        row[col["unigram_df"]] = (np.mean([len(uni_df[u]) for u in uni[i]]) / n_art
                                  if uni[i] else 0.0)
        row[col["lead_similarity"]] = lead_sim[i]
        row[col["entities"]] = len(s.entities)
        labels = Counter(m.label for m in s.entities)
        for label in _ENTITY_LABELS:
            row[col[f"entity_{label.lower()}"]] = labels.get(label, 0)
        text = s.text
        quoted = sum(len(m.group(0).split()) for m in _QUOTED.finditer(text))
        row[col["quote"]] = float(any(c in text for c in "\"“”"))
        row[col["quoted_share"]] = quoted / max(len(text.split()), 1)
        row[col["digits"]] = sum(map(str.isdigit, text))
        row[col["first_person"]] = float(bool(_FIRST_PERSON.search(
            _QUOTED.sub(" ", lowered[i]))))
        row[col["opener"]] = float(bool(_OPENER.match(lowered[i])))
        row[col["articles"]] = n_art
        row[col["sentences"]] = n
        row[col["article_sentences"]] = length[s.article]
        row[col["story_words"]] = story_words
        row[col["centrality_relative"]] = cen_other[i] / (cen_other.max() or 1.0)
        row[col["concept_relative"]] = concept_sum[i] / (concept_sum.max() or 1.0)
        row[col["article_relevance"]] = relevance[s.article] / top_relevance
        row[col["max_similarity_other"]] = max_other[i]
        row[col["echoing_articles"]] = echo[i]
        row[col["said"]] = float(bool(_SAID.search(lowered[i])))
    return out


@dataclass
class TreeModel:
    """Additive trees (scikit-learn's histogram gradient boosting, exported): a prediction is
    ``baseline`` plus the leaf value each tree reaches."""

    features: tuple[str, ...]
    baseline: float
    trees: list[dict[str, list[float]]]
    meta: dict[str, Any]
    _arrays: dict[str, Any] | None = field(default=None, init=False, repr=False, compare=False)

    def predict(self, x: np.ndarray) -> np.ndarray:
        """All trees walked at once, one level per step (a story's few hundred rows, the
        model's 200 trees: walking them one by one, each rebuilt from its lists, took 9 ms of
        the example's 20 ms summary). The leaf values are added tree after tree, in the trees'
        order, so the sum is the one the trees give one by one, to the last bit."""
        if x.shape[1] != len(self.features):
            raise ValueError(f"salience model expects {len(self.features)} features, "
                             f"got {x.shape[1]}")
        out = np.full(len(x), self.baseline)
        if not self.trees:
            return out
        flat = self._flat()
        node = np.repeat(flat["root"][:, None], len(x), axis=1)  # (trees, rows)
        rows = np.arange(len(x))[None, :]
        for _ in range(flat["depth"]):
            active = ~flat["leaf"][node]
            if not active.any():
                break
            v = x[rows, flat["feature"][node]]
            go_left = np.where(np.isnan(v), flat["missing_left"][node],
                               v <= flat["threshold"][node])
            node = np.where(active, np.where(go_left, flat["left"][node],
                                             flat["right"][node]), node)
        for leaf_values in flat["value"][node]:
            out += leaf_values
        return out

    def _flat(self) -> dict[str, Any]:
        """The trees' node lists as one set of arrays (children as global node numbers),
        built once per model."""
        if self._arrays is not None:
            return self._arrays
        starts = np.cumsum([0] + [len(t["feature"]) for t in self.trees])
        flat: dict[str, Any] = {
            "root": starts[:-1].astype(int),
            "depth": max(len(t["feature"]) for t in self.trees),
            "feature": np.concatenate([np.asarray(t["feature"], dtype=int)
                                       for t in self.trees]),
            "threshold": np.concatenate([np.asarray(t["threshold"]) for t in self.trees]),
            "value": np.concatenate([np.asarray(t["value"]) for t in self.trees]),
            "leaf": np.concatenate([np.asarray(t["leaf"], dtype=bool) for t in self.trees]),
            "missing_left": np.concatenate([np.asarray(t["missing_left"], dtype=bool)
                                            for t in self.trees]),
        }
        for side in ("left", "right"):
            flat[side] = np.concatenate([np.asarray(t[side], dtype=int) + start
                                         for t, start in zip(self.trees, starts, strict=False)])
        self._arrays = flat
        return flat

    def to_dict(self) -> dict[str, Any]:
        return {"features": list(self.features), "baseline": self.baseline,
                "trees": self.trees, "meta": self.meta}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TreeModel:
        return cls(tuple(d["features"]), float(d["baseline"]), list(d["trees"]),
                   dict(d.get("meta", {})))

    @classmethod
    def from_sklearn(cls, model: Any, meta: dict[str, Any] | None = None) -> TreeModel:
        """Export a fitted ``HistGradientBoostingRegressor`` (numeric features only)."""
        trees = []
        for (predictor,) in model._predictors:
            nodes = predictor.nodes
            trees.append({
                "feature": nodes["feature_idx"].astype(int).tolist(),
                "threshold": [float(v) for v in nodes["num_threshold"]],
                "left": nodes["left"].astype(int).tolist(),
                "right": nodes["right"].astype(int).tolist(),
                "value": [float(v) for v in nodes["value"]],
                "leaf": nodes["is_leaf"].astype(bool).tolist(),
                "missing_left": nodes["missing_go_to_left"].astype(bool).tolist(),
            })
        baseline = float(np.ravel(model._baseline_prediction)[0])
        return cls(FEATURES, baseline, trees, meta or {})


MODEL_FILE = "salience_model.json"


@lru_cache(maxsize=1)
def load_salience_model() -> TreeModel:
    """The shipped model (``storyweave/data/salience_model.json``)."""
    text = resources.files("storyweave").joinpath(f"data/{MODEL_FILE}").read_text("utf-8")
    model = TreeModel.from_dict(json.loads(text))
    if model.features != FEATURES:
        raise ValueError(f"{MODEL_FILE} was fitted on other features; refit it with "
                         "python -m benchmarks.fit_salience_model")
    return model
