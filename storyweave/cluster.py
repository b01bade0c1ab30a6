"""Online story clustering: each new article joins the best-matching live story or starts one.

:class:`StoryClusterer` is a scikit-learn-style estimator (``partial_fit`` / ``predict``) that
needs no store. Finding candidates and deciding between them are two separate steps:

* *candidates*: an inverted index over each live story's top centroid terms (hashed,
  stemmed TF-IDF with IDF learned online from the stream) gives the few stories that share
  heavily weighted terms with the article, so the cost per article depends on the live window,
  not on how much history has been seen. A story closes, and leaves the index, after
  ``quiet_hours`` without a new article.
* *decision*: a :class:`PairModel` gives, for the article and each of a candidate story's
  most recent members, the probability that the two report the same story, from cheap overlap
  features: TF-IDF cosine, how many and how rare the shared words, word pairs and numbers are
  (names, places and figures are what separate two stories on one topic; the stream may be
  lowercased, so rarity stands in for capitalisation), the lengths and the time gap. The story's
  score is the mean over those members (average link); the article joins the best story if the
  score reaches ``threshold``.

Scoring members rather than the centroid keeps a story's specific facts visible: a centroid
blurs them into the topic words that neighbouring stories share. The shipped pair model and
threshold were fitted and tuned on the first 10,000 articles of the Multi-News stream (see
docs/stream.md, ``benchmarks/fit_pair_model.py``, ``benchmarks/stream_clustering.py``);
:func:`fit_pair_model` refits it on any labelled stream.
"""

from __future__ import annotations

import functools
import heapq
import json
import math
import re
import zlib
from collections import Counter, deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import resources
from typing import Any

import numpy as np

from storyweave.model import Article

STATE_VERSION = 2

_TOKEN = re.compile(r"[a-z0-9]+(?:['’.-][a-z0-9]+)*")
_NUMBER = re.compile(r"\b\d[\d,.]*\d\b|\b\d\b")

_STOP_TEXT = """
    a about above after again against all also am an and any are aren't as at be because been
    before being below between both but by can can't cannot could couldn't did didn't do
    does doesn't doing don't down during each few for from further had hadn't has hasn't
    have haven't having he he'd he'll he's her here here's hers herself him himself his how
    how's i i'd i'll i'm i've if in into is isn't it it's its itself let's me more most
    mustn't my myself no nor not of off on once only or other ought our ours ourselves out
    over own same shan't she she'd she'll she's should shouldn't so some such than that
    that's the their theirs them themselves then there there's these they they'd they'll
    they're they've this those through to too under until up very was wasn't we we'd we'll
    we're we've were weren't what what's when when's where where's which while who who's
    whom why why's will with won't would wouldn't you you'd you'll you're you've your yours
    yourself yourselves said says say told just like one two three new also us mr mrs ms
    many much may might must now even still well back get got go going make made year years
    time first last people according including since however another around way would could
    week day days today yesterday monday tuesday wednesday thursday friday saturday sunday s
    t re ve ll d m reuters ap associated press news reported report reports percent"""
STOP_WORDS = frozenset(_STOP_TEXT.split())


def tokens(text: str) -> list[str]:
    """Lowercased content words (stop words and bare numbers dropped)."""
    return [t for t in _TOKEN.findall(text.lower())
            if t not in STOP_WORDS and len(t) > 1 and not t.isdigit()]


@functools.cache
def _stemmer() -> Any:
    from nltk.stem.snowball import SnowballStemmer

    return functools.lru_cache(maxsize=200_000)(SnowballStemmer("english").stem)


def stemmed_tokens(text: str) -> list[str]:
    """:func:`tokens`, Snowball-stemmed, so that "protest", "protests" and "protesters"
    count as shared words between two reports."""
    stem = _stemmer()
    return [stem(t) for t in tokens(text)]


def numbers(text: str) -> list[str]:
    """Figures of two characters or more ("1,200", "3.5", "2018"): two reports giving the
    same figures very likely tell the same story."""
    return [t for t in _NUMBER.findall(text) if len(t) >= 2]


_TERM_CRC: dict[str, int] = {}


def _hash(term: str, bits: int) -> int:
    h = _TERM_CRC.get(term)
    if h is None:
        if len(_TERM_CRC) > 1_000_000:  # bounded: a cache, not a vocabulary
            _TERM_CRC.clear()
        h = _TERM_CRC[term] = zlib.crc32(term.encode("utf-8"))
    return h & ((1 << bits) - 1)


def to_timestamp(value: Any) -> float | None:
    """Seconds since the epoch from an ISO string, a datetime or a number; ``None`` if unknown."""
    if value is None or value == "":
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, datetime):
        dt = value
    else:
        try:
            dt = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.timestamp()


@dataclass
class Doc:
    """What the clusterer needs of an article: id, text, optional time (epoch seconds)."""

    id: str
    text: str
    time: float | None = None
    title: str = ""

    @classmethod
    def of(cls, item: Any) -> Doc:
        if isinstance(item, Doc):
            return item
        if isinstance(item, Article):
            return cls(item.id, f"{item.title}\n{item.body}", to_timestamp(item.published),
                       item.title)
        if isinstance(item, Mapping):
            title = str(item.get("title") or "")
            text = str(item.get("text") or item.get("body") or "")
            return cls(str(item.get("id")), f"{title}\n{text}" if title else text,
                       to_timestamp(item.get("published")), title)
        if isinstance(item, str):
            return cls("", item, None)
        raise TypeError(f"cannot cluster a {type(item).__name__}")


# ------------------------------------------------------------------- pair model

#: Raw overlap measurements for one (new article, earlier article) pair, in this order.
PAIR_RAW = ("cosine", "shared words", "summed IDF of shared words", "highest IDF shared",
            "shared words in <=3 articles so far", "shared words in <=10 articles so far",
            "gap (hours)", "words of the new article", "words of the earlier article",
            "shared / shorter", "shared word pairs", "shared word pairs in <=3 articles",
            "summed IDF of shared word pairs", "shared numbers", "shared numbers in <=3 articles")
_MIN_PAIR_COSINE = 0.05  # below it a pair scores 0 (and is left out of training)


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


@dataclass(slots=True)
class Member:
    """What a live story keeps of each recent article to score new ones against it."""

    weights: dict[int, float]  # L2-normalised TF-IDF over all the article's stemmed words
    bigrams: frozenset[int]
    numbers: frozenset[int]
    time: float


@dataclass(slots=True)
class Probe:
    """A new article as the clusterer sees it: its top-term vector for the candidate search,
    its :class:`Member` form, and document frequencies of its terms as of now."""

    vec: dict[int, float]
    member: Member
    idf: dict[int, float]
    df: dict[int, float]
    pair_df: dict[int, float]
    n_docs: float  # effective (faded) number of documents


@dataclass
class LiveStory:
    id: str
    centroid: dict[int, float]
    norm: float
    size: int
    first: float
    last: float
    indexed: tuple[int, ...] = ()
    members: deque[Member] = field(default_factory=deque)


@dataclass
class Match:
    story: str | None
    score: float
    text: float = 0.0  # cosine with the story's centroid (what ranked it as a candidate)
    candidates: int = 0


class StoryClusterer:
    """Single-pass clustering of an article stream into stories (see the module docstring).

    ``partial_fit(X)`` assigns each item of ``X`` (articles, dicts with ``id``/``text``/
    ``published``, or :class:`Doc`) in order and updates the model; the assigned story ids are
    in ``labels_``. ``predict(X)`` returns the best live story for each item, or ``None`` where
    it would start a new one, without changing anything.
    """

    def __init__(
        self,
        threshold: float = 0.25,
        quiet_hours: float = 72.0,
        max_span_hours: float | None = 72.0,
        hash_bits: int = 20,
        pair_bits: int = 22,
        article_terms: int = 60,
        story_terms: int = 150,
        index_terms: int = 40,
        query_terms: int = 30,
        max_candidates: int = 8,
        max_members: int = 16,
        idf_docs: int = 1000,
        df_memory: float | None = 5000.0,
        pair_model: PairModel | None = None,
        id_prefix: str = "s",
    ) -> None:
        self.threshold = threshold
        self.quiet_hours = quiet_hours
        self.max_span_hours = max_span_hours
        self.hash_bits = hash_bits
        self.pair_bits = pair_bits
        self.article_terms = article_terms
        self.story_terms = story_terms
        self.index_terms = index_terms
        self.query_terms = query_terms
        self.max_candidates = max_candidates
        self.max_members = max_members
        self.idf_docs = idf_docs
        self.df_memory = df_memory
        self.pair_model = pair_model
        self.id_prefix = id_prefix
        self._reset()

    # ------------------------------------------------------------------ state

    def _reset(self) -> None:
        # Document frequencies fade with age (each article counts exp(-age / df_memory),
        # age in articles), so "rare" keeps meaning "rare among the last ~df_memory articles":
        # with plain counts every word slowly turns common as history grows, and same-story
        # pairs look less and less alike. Stored scaled by a growing weight (no per-article
        # pass over the tables); df = stored / weight.
        self.df_ = np.zeros(1 << self.hash_bits, dtype=np.float32)
        # word pairs and numbers: many more distinct values than words, so a larger table
        self.pair_df_ = np.zeros(1 << self.pair_bits, dtype=np.float32)
        self.df_weight_ = 1.0
        self.df_total_ = 0.0  # the documents' summed (scaled) weight: the effective count
        self.n_docs_ = 0
        self.next_id_ = 0
        self.clock_ = float("-inf")
        self.live_: dict[str, LiveStory] = {}
        self.index_: dict[int, dict[str, float]] = {}
        self._expiry: list[tuple[float, str]] = []  # (last seen, story): lazy-deletion heap
        self.closed_: list[str] = []  # stories closed since the caller last emptied this
        self.labels_: list[str] = []

    _PARAMS = ("threshold", "quiet_hours", "max_span_hours", "hash_bits", "pair_bits",
               "article_terms", "story_terms", "index_terms", "query_terms", "max_candidates",
               "max_members", "idf_docs", "df_memory", "pair_model", "id_prefix")

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self._PARAMS}

    def set_params(self, **params: Any) -> StoryClusterer:
        for k, v in params.items():
            setattr(self, k, v)
        return self

    @property
    def n_live(self) -> int:
        return len(self.live_)

    # ------------------------------------------------------------- features

    def _idf(self, hs: np.ndarray) -> np.ndarray:
        # IDF from few documents is noise (in a 10-article folder the story's own words look
        # "common"), so it is shrunk towards 1 until ``idf_docs`` documents have been seen.
        w = self.df_weight_
        idf = np.log((self.df_total_ / w + 1.0) / (self.df_[hs] / w + 1.0))
        if self.n_docs_ < self.idf_docs:
            idf *= self.n_docs_ / self.idf_docs
        return idf + 1.0

    def _terms(self, text: str) -> tuple[Counter[str], np.ndarray, np.ndarray, np.ndarray]:
        words = stemmed_tokens(text)
        counts = Counter(words)
        pbits = self.pair_bits
        hs = self._hashes(counts)
        # word pairs and figures are hashed directly, not through the cache: most are seen
        # once, and caching them would fill it with a million one-off strings
        mask, crc = (1 << pbits) - 1, zlib.crc32
        pairs = {crc(f"{a} {b}".encode()) & mask for a, b in zip(words, words[1:], strict=False)}
        nums = {crc(f"#{n}".encode()) & mask for n in numbers(text)}
        return (counts, hs, np.fromiter(pairs, dtype=np.int64, count=len(pairs)),
                np.fromiter(nums, dtype=np.int64, count=len(nums)))

    def learn_df(self, items: Iterable[Any]) -> None:
        """Count document frequencies of a batch before assigning it (``assign(learn=False)``),
        so that the first articles of a collection are weighted with the whole batch's IDF."""
        for item in items:
            _, hs, bs, ns = self._terms(Doc.of(item).text)
            self._count(hs, bs, ns)

    def _count(self, hs: np.ndarray, bs: np.ndarray, ns: np.ndarray) -> None:
        self.n_docs_ += 1
        if self.df_memory:
            self.df_weight_ *= math.exp(1.0 / self.df_memory)
            if self.df_weight_ > 1e4:  # rescale now and then, long before float32 suffers
                for table in (self.df_, self.pair_df_):
                    table /= np.float32(self.df_weight_)
                self.df_total_ /= self.df_weight_
                self.df_weight_ = 1.0
        w = np.float32(self.df_weight_)
        self.df_total_ += self.df_weight_
        self.df_[np.unique(hs)] += w
        self.pair_df_[bs] += w  # (each already distinct)
        self.pair_df_[ns] += w

    def df(self, terms: Iterable[str]) -> list[float]:
        """Current (faded) document frequency of each stemmed word."""
        return (self.df_[self._hashes(terms)] / self.df_weight_).tolist()

    def _hashes(self, terms: Iterable[str]) -> np.ndarray:
        bits = self.hash_bits
        return np.fromiter((_hash(t, bits) for t in terms), dtype=np.int64)

    def probe(self, doc: Doc, learn: bool = False, time: float | None = None) -> Probe:
        """The article's vectors and the document frequencies its pair features need."""
        counts, hs, bs, ns = self._terms(doc.text)
        if learn:
            self._count(hs, bs, ns)
        t = time if time is not None else (doc.time or 0.0)
        if not counts:
            return Probe({}, Member({}, frozenset(), frozenset(), t), {}, {}, {}, self.n_docs_)
        idf = self._idf(hs)
        w = 1.0 + np.log(np.fromiter(counts.values(), dtype=np.float64, count=len(counts)))
        w *= idf
        full: dict[int, float] = {}
        for h, x in zip(hs.tolist(), w.tolist(), strict=True):
            full[h] = full.get(h, 0.0) + x  # (hash collisions add up)
        norm = math.sqrt(sum(x * x for x in full.values())) or 1.0
        full = {h: x / norm for h, x in full.items()}
        if len(w) > self.article_terms:
            top = np.argpartition(-w, self.article_terms)[:self.article_terms]
            hs_top, w_top = hs[top], w[top]
        else:
            hs_top, w_top = hs, w
        w_top = w_top / (np.sqrt(np.dot(w_top, w_top)) or 1.0)
        vec: dict[int, float] = {}
        for h, x in zip(hs_top.tolist(), w_top.tolist(), strict=True):
            vec[h] = vec.get(h, 0.0) + x
        hl = hs.tolist()
        ps = np.concatenate([bs, ns])
        return Probe(
            vec, Member(full, frozenset(bs.tolist()), frozenset(ns.tolist()), t),
            dict(zip(hl, idf.tolist(), strict=True)),
            dict(zip(hl, (self.df_[hs] / self.df_weight_).tolist(), strict=True)),
            dict(zip(ps.tolist(), (self.pair_df_[ps] / self.df_weight_).tolist(), strict=True)),
            self.df_total_ / self.df_weight_)

    def pair_raw(self, probe: Probe, other: Member) -> tuple[float, ...] | None:
        """The :data:`PAIR_RAW` measurements of a new article against an earlier one, or
        ``None`` when their cosine is under the floor the model was trained above."""
        a, b = probe.member.weights, other.weights
        shared = [h for h in b if h in a] if len(b) < len(a) else [h for h in a if h in b]
        cos = sum(a[h] * b[h] for h in shared)
        if cos < _MIN_PAIR_COSINE:
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

    # ------------------------------------------------------------- matching

    def _expire(self, now: float) -> None:
        horizon = now - self.quiet_hours * 3600.0
        heap = self._expiry
        while heap and heap[0][0] < horizon:
            last, sid = heapq.heappop(heap)
            story = self.live_.get(sid)
            if story is not None and story.last < horizon:
                self._close(story)

    def _close(self, story: LiveStory) -> None:
        for h in story.indexed:
            posting = self.index_.get(h)
            if posting is not None:
                posting.pop(story.id, None)
                if not posting:
                    del self.index_[h]
        del self.live_[story.id]
        self.closed_.append(story.id)

    def close_all(self) -> list[str]:
        for story in list(self.live_.values()):
            self._close(story)
        closed, self.closed_ = self.closed_, []
        return closed

    def _candidates(self, vec: dict[int, float]) -> dict[str, float]:
        """Live stories sharing indexed terms with the article, with their partial dot
        product (the index stores each story's centroid weight under its top terms); the
        ``max_candidates`` best only."""
        acc: dict[str, float] = {}
        index = self.index_
        query = vec.items()
        if len(vec) > self.query_terms:
            query = heapq.nlargest(self.query_terms, query, key=lambda kv: kv[1])
        get = acc.get
        for h, w in query:
            posting = index.get(h)
            if posting:
                for sid, cw in posting.items():
                    acc[sid] = get(sid, 0.0) + w * cw
        if len(acc) > self.max_candidates:
            return {sid: acc[sid] for sid in heapq.nlargest(self.max_candidates, acc, key=get)}
        return acc

    def _match(self, probe: Probe, time: float) -> Match:
        cands = self._candidates(probe.vec)
        span = self.max_span_hours * 3600.0 if self.max_span_hours else None
        rows: list[tuple[float, ...]] = []
        owner: list[int] = []
        stories: list[tuple[LiveStory, float]] = []
        for sid, dot in cands.items():
            story = self.live_[sid]
            if span is not None and time - story.first > span:
                continue
            k = len(stories)
            stories.append((story, dot / story.norm))
            for member in story.members:
                raw = self.pair_raw(probe, member)
                if raw is not None:
                    rows.append(raw)
                    owner.append(k)
        best = Match(None, 0.0, candidates=len(cands))
        if not rows:
            return best
        warmth = min(1.0, self.n_docs_ / self.idf_docs) if self.idf_docs else 1.0
        p = (self.pair_model or PairModel.default()).proba(np.array(rows), warmth)
        sums = np.bincount(np.array(owner), weights=p, minlength=len(stories))
        # average link: pairs under the cosine floor count as 0 in the mean
        means = sums / np.array([max(1, len(st.members)) for st, _ in stories])
        k = int(means.argmax())
        return Match(stories[k][0].id, float(means[k]), stories[k][1], len(cands))

    # ------------------------------------------------------------- updating

    def _new_story(self, probe: Probe, time: float, sid: str | None = None) -> LiveStory:
        if sid is None:
            sid = f"{self.id_prefix}{self.next_id_}"
            self.next_id_ += 1
        elif sid.startswith(self.id_prefix) and sid[len(self.id_prefix):].isdigit():
            self.next_id_ = max(self.next_id_, int(sid[len(self.id_prefix):]) + 1)
        story = LiveStory(sid, dict(probe.vec), 1.0, 0, time, time,
                          members=deque(maxlen=self.max_members))
        self.live_[sid] = story
        self._add(story, probe, time, first=True)
        return story

    def _add(self, story: LiveStory, probe: Probe, time: float, first: bool = False) -> None:
        if not first:
            c = story.centroid
            for h, w in probe.vec.items():
                c[h] = c.get(h, 0.0) + w
            if len(c) > self.story_terms:
                story.centroid = c = dict(heapq.nlargest(self.story_terms, c.items(),
                                                         key=lambda kv: kv[1]))
        story.norm = math.sqrt(sum(w * w for w in story.centroid.values())) or 1.0
        story.size += 1
        story.members.append(probe.member)
        story.first = min(story.first, time)
        story.last = max(story.last, time)
        heapq.heappush(self._expiry, (story.last, story.id))
        self._reindex(story)

    def _reindex(self, story: LiveStory) -> None:
        c = story.centroid
        top = tuple(heapq.nlargest(self.index_terms, c, key=c.__getitem__))
        new = set(top)
        index = self.index_
        sid = story.id
        for h in set(story.indexed) - new:
            posting = index.get(h)
            if posting is not None:
                posting.pop(sid, None)
                if not posting:
                    del index[h]
        for h in top:
            posting = index.get(h)
            if posting is None:
                index[h] = {sid: c[h]}
            else:
                posting[sid] = c[h]
        story.indexed = top

    def remember(self, story_id: str, item: Any) -> bool:
        """Give a live story back a member it lost (state saved by an older version kept no
        members); the document frequencies are not counted again. False if not live."""
        story = self.live_.get(story_id)
        if story is None:
            return False
        doc = Doc.of(item)
        story.members.append(self.probe(doc, time=self._time(doc)).member)
        return True

    def _time(self, doc: Doc) -> float:
        t = doc.time if doc.time is not None else self.clock_
        if t == float("-inf"):
            t = 0.0
        return t

    def _arrive(self, item: Any, learn: bool) -> tuple[float, Probe]:
        """Advance the clock to the article's time (closing quiet stories) and probe it."""
        doc = Doc.of(item)
        time = self._time(doc)
        if time > self.clock_:
            self.clock_ = time
            self._expire(time)
        return time, self.probe(doc, learn=learn, time=time)

    # ---------------------------------------------------------------- API

    def assign(self, item: Any, join: str | None = None, learn: bool = True) -> Match:
        """Add one article; returns the match (``story`` is the story it is now in).

        ``join`` forces the story (used for near-duplicates: a copy joins its original's
        story when that story is still live).
        """
        time, probe = self._arrive(item, learn)
        if join is not None and join in self.live_:
            match = Match(join, 1.0)
        else:
            match = self._match(probe, time) if probe.vec else Match(None, 0.0)
            if match.story is None or match.score < self.threshold:
                match = Match(None, match.score, match.text, match.candidates)
        if match.story is None:
            match.story = self._new_story(probe, time).id
        else:
            self._add(self.live_[match.story], probe, time)
        self.labels_.append(match.story)
        return match

    def replay(self, item: Any, story_id: str) -> None:
        """Re-add an article already placed in ``story_id`` (recovery from a checkpoint):
        the frequencies, the story's members and the index change as they did the first
        time, but nothing is decided again. The story is re-created if it is not live."""
        time, probe = self._arrive(item, learn=True)
        story = self.live_.get(story_id)
        if story is None:
            self._new_story(probe, time, story_id)
        else:
            self._add(story, probe, time)

    def partial_fit(self, X: Iterable[Any], y: Any = None) -> StoryClusterer:
        self.labels_ = []
        for item in X:
            self.assign(item)
        return self

    def fit(self, X: Iterable[Any], y: Any = None) -> StoryClusterer:
        self._reset()
        return self.partial_fit(X)

    def fit_predict(self, X: Iterable[Any], y: Any = None) -> list[str]:
        return self.fit(X).labels_

    def predict(self, X: Iterable[Any]) -> list[str | None]:
        """The live story each item would join, or ``None`` for a new story; changes nothing."""
        out: list[str | None] = []
        for item in X:
            doc = Doc.of(item)
            time = self._time(doc)
            probe = self.probe(doc, time=time)
            m = self._match(probe, time) if probe.vec else Match(None, 0.0)
            out.append(m.story if m.story is not None and m.score >= self.threshold else None)
        return out

    # ------------------------------------------------------------ persistence

    def dumps(self) -> bytes:
        """Everything needed to carry on after a restart, as bytes (a JSON header and numpy
        arrays, zlib-compressed; no pickle, so a foreign database cannot run code)."""
        stories = list(self.live_.values())
        params = self.get_params()
        if self.pair_model is not None:
            params["pair_model"] = self.pair_model.to_dict()
        members = [m for st in stories for m in st.members]
        header = {
            "version": STATE_VERSION,
            "params": params,
            "n_docs": self.n_docs_,
            "df_total": self.df_total_ / self.df_weight_,
            "next_id": self.next_id_,
            "clock": self.clock_ if math.isfinite(self.clock_) else None,
            "live": [{"id": st.id, "size": st.size, "first": st.first, "last": st.last,
                      "n": len(st.centroid), "members": len(st.members)} for st in stories],
            "member_times": [m.time for m in members],
            "member_sizes": [[len(m.weights), len(m.bigrams), len(m.numbers)] for m in members],
        }
        hs = np.fromiter((h for st in stories for h in st.centroid), dtype=np.int64)
        ws = np.fromiter((w for st in stories for w in st.centroid.values()), dtype=np.float64)
        # one small array per member, then one concatenation: a generator over every term
        # of every member costs ~10x more, and this runs at every checkpoint
        mh = _concat([np.array(list(m.weights), dtype=np.int64) for m in members], np.int64)
        mw = _concat([np.array(list(m.weights.values())) for m in members], np.float64)
        mp = _concat([np.array([*m.bigrams, *m.numbers], dtype=np.int64) for m in members],
                     np.int64)
        # the frequency tables as faded counts in float16 (3 significant digits, as much as
        # "rare" and the IDF need): half the bytes to compress at every checkpoint
        w = self.df_weight_
        df16 = (self.df_ / np.float32(w)).astype(np.float16)
        pdf16 = (self.pair_df_ / np.float32(w)).astype(np.float16)
        head = json.dumps(header).encode("utf-8")
        parts = [len(head).to_bytes(8, "little"), head]
        for arr in (hs, ws, mh, mw, mp, df16, pdf16):
            parts += [arr.nbytes.to_bytes(8, "little"), arr.tobytes()]
        return zlib.compress(b"".join(parts), 1)

    @classmethod
    def loads(cls, blob: bytes) -> StoryClusterer:
        """The clusterer :meth:`dumps` saved. A version-1 state (before pair scoring) loads
        with its live stories but no members; :meth:`remember` gives them back."""
        try:
            raw = zlib.decompress(blob)
            n_head = int.from_bytes(raw[:8], "little")
            state = json.loads(raw[8:8 + n_head].decode("utf-8"))
        except (zlib.error, UnicodeDecodeError, json.JSONDecodeError) as err:
            raise ValueError(f"clustering state is corrupt ({err})") from None
        version = state.get("version") if isinstance(state, dict) else None
        if version == 1:
            return cls._loads_v1(raw, n_head, state)
        if version != STATE_VERSION:
            raise ValueError(f"clustering state version {version} is not {STATE_VERSION}")
        pos = 8 + n_head
        arrays = []
        for dtype in (np.int64, np.float64, np.int64, np.float64, np.int64, np.float16,
                      np.float16):
            nbytes = int.from_bytes(raw[pos:pos + 8], "little")
            pos += 8
            arrays.append(np.frombuffer(raw, dtype=dtype, count=nbytes // np.dtype(dtype).itemsize,
                                        offset=pos))
            pos += nbytes
        hs, ws, mh, mw, mp, df, pdf = arrays
        params = dict(state["params"])
        if params.get("pair_model") is not None:
            params["pair_model"] = PairModel.from_dict(params["pair_model"])
        model = cls(**params)
        model.df_, model.pair_df_ = df.astype(np.float32), pdf.astype(np.float32)
        model.n_docs_ = int(state["n_docs"])
        model.df_total_ = float(state["df_total"])  # (weight 1 again: faded counts)
        model.next_id_ = int(state["next_id"])
        model.clock_ = state["clock"] if state["clock"] is not None else float("-inf")
        members = []
        at = pat = 0
        hl, wl, pl = mh.tolist(), mw.tolist(), mp.tolist()
        for t, (nw, nb, nn) in zip(state["member_times"], state["member_sizes"], strict=True):
            members.append(Member(dict(zip(hl[at:at + nw], wl[at:at + nw], strict=True)),
                                  frozenset(pl[pat:pat + nb]),
                                  frozenset(pl[pat + nb:pat + nb + nn]), float(t)))
            at += nw
            pat += nb + nn
        at = m_at = 0
        for s in state["live"]:
            k, nm = int(s["n"]), int(s["members"])
            story = model._restore(s, dict(zip(hs[at:at + k].tolist(), ws[at:at + k].tolist(),
                                               strict=True)))
            story.members.extend(members[m_at:m_at + nm])
            at += k
            m_at += nm
        return model

    def _restore(self, s: Mapping[str, Any], centroid: dict[int, float]) -> LiveStory:
        story = LiveStory(s["id"], centroid, 1.0, int(s["size"]), float(s["first"]),
                          float(s["last"]), members=deque(maxlen=self.max_members))
        story.norm = math.sqrt(sum(w * w for w in centroid.values())) or 1.0
        self.live_[story.id] = story
        heapq.heappush(self._expiry, (story.last, story.id))
        self._reindex(story)
        return story

    @classmethod
    def _loads_v1(cls, raw: bytes, n_head: int, state: dict[str, Any]) -> StoryClusterer:
        known = set(cls._PARAMS)
        model = cls(**{k: v for k, v in state["params"].items() if k in known and
                       k != "threshold"})
        pos = 8 + n_head
        n = int.from_bytes(raw[pos:pos + 8], "little")
        pos += 8
        hs = np.frombuffer(raw, dtype=np.int64, count=n, offset=pos)
        ws = np.frombuffer(raw, dtype=np.float64, count=n, offset=pos + 8 * n)
        df = np.frombuffer(raw, dtype=np.int32, offset=pos + 16 * n)
        if len(df) == len(model.df_):
            model.df_ = df.astype(np.float32)  # plain counts: weight 1 each
        model.n_docs_ = int(state["n_docs"])
        model.df_total_ = float(model.n_docs_)
        model.next_id_ = int(state["next_id"])
        model.clock_ = state["clock"] if state["clock"] is not None else float("-inf")
        at = 0
        for s in state["live"]:
            k = int(s["n"])
            model._restore(s, dict(zip(hs[at:at + k].tolist(), ws[at:at + k].tolist(),
                                       strict=True)))
            at += k
        return model


def _concat(arrays: list[np.ndarray], dtype: Any) -> np.ndarray:
    return np.concatenate(arrays).astype(dtype, copy=False) if arrays else np.zeros(0, dtype)


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
            if j >= i or cos < _MIN_PAIR_COSINE:
                continue
            other = probes[j].member
            if abs(p.member.time - other.time) > window:
                continue
            r = model.pair_raw(p, other)
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


# ----------------------------------------------------------------- evaluation


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
