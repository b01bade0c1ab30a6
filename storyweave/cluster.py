"""Online story clustering: each new article joins the best-matching live story or starts one.

:class:`StoryClusterer` is a scikit-learn-style estimator (``partial_fit`` / ``predict``) that
needs no store. An article is compared only with the *live* stories that share one of its
top-weighted terms (an inverted index over each story's top centroid terms), so the cost per
article depends on the live window, not on how much history has been seen. A story closes (and
leaves the index) after ``quiet_hours`` without a new article.

The decision combines three signals, all cheap:

* text: cosine between the article's TF-IDF vector and the story centroid (hashed terms,
  sublinear TF, IDF learned online from the stream itself, in a fixed-size count table);
* entities / keywords: overlap between the article's key terms (capitalised phrases when the
  text is cased, otherwise its rarest content words) and the story's most frequent key terms;
* time: a penalty growing with the gap since the story last received an article.

``score = text + entity_weight * entity_overlap - time_weight * min(gap / quiet, 1)``; the
article joins the best story if ``score >= threshold``. Defaults were tuned on the first 10,000
articles of the Multi-News stream (see docs/stream.md, benchmarks/stream_clustering.py).
"""

from __future__ import annotations

import heapq
import json
import math
import re
import zlib
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np

from storyweave.model import Article

STATE_VERSION = 1

_TOKEN = re.compile(r"[a-z0-9]+(?:['’.-][a-z0-9]+)*")
_CAPS = re.compile(r"(?<![.!?]\s)(?<!^)\b([A-Z][\w&'-]+(?:\s+(?:of|de|the|and)?\s*[A-Z][\w&'-]+)*)")

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


def capitalised_phrases(text: str) -> list[str]:
    """Cheap entity guesses: capitalised phrases not at a sentence start, lowercased."""
    return [m.lower() for m in _CAPS.findall(text) if m.lower() not in STOP_WORDS]


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


@dataclass
class LiveStory:
    id: str
    centroid: dict[int, float]
    norm: float
    size: int
    first: float
    last: float
    keys: Counter[str] = field(default_factory=Counter)
    indexed: tuple[int, ...] = ()
    top_keys: frozenset[str] = frozenset()


@dataclass
class Match:
    story: str | None
    score: float
    text: float = 0.0
    entity: float = 0.0
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
        threshold: float = 0.15,
        entity_weight: float = 0.15,
        time_weight: float = 0.10,
        quiet_hours: float = 72.0,
        max_span_hours: float | None = 72.0,
        hash_bits: int = 20,
        article_terms: int = 60,
        story_terms: int = 150,
        index_terms: int = 40,
        query_terms: int = 30,
        max_candidates: int = 8,
        key_terms: int = 10,
        idf_docs: int = 1000,
        centroid_power: float = 0.25,
        id_prefix: str = "s",
    ) -> None:
        self.threshold = threshold
        self.entity_weight = entity_weight
        self.time_weight = time_weight
        self.quiet_hours = quiet_hours
        self.max_span_hours = max_span_hours
        self.hash_bits = hash_bits
        self.article_terms = article_terms
        self.story_terms = story_terms
        self.index_terms = index_terms
        self.query_terms = query_terms
        self.max_candidates = max_candidates
        self.key_terms = key_terms
        self.idf_docs = idf_docs
        self.centroid_power = centroid_power
        self.id_prefix = id_prefix
        self._reset()

    # ------------------------------------------------------------------ state

    def _reset(self) -> None:
        self.df_ = np.zeros(1 << self.hash_bits, dtype=np.int32)
        self.n_docs_ = 0
        self.next_id_ = 0
        self.clock_ = float("-inf")
        self.live_: dict[str, LiveStory] = {}
        self.index_: dict[int, dict[str, float]] = {}
        self._expiry: list[tuple[float, str]] = []  # (last seen, story): lazy-deletion heap
        self.closed_: list[str] = []  # stories closed since the caller last emptied this
        self.labels_: list[str] = []

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        return {k: getattr(self, k) for k in (
            "threshold", "entity_weight", "time_weight", "quiet_hours", "max_span_hours",
            "hash_bits", "article_terms", "story_terms", "index_terms", "query_terms",
            "max_candidates", "key_terms", "idf_docs", "centroid_power", "id_prefix")}

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
        idf = np.log((self.n_docs_ + 1) / (self.df_[hs] + 1.0))
        if self.n_docs_ < self.idf_docs:
            idf *= self.n_docs_ / self.idf_docs
        return idf + 1.0

    def _hashes(self, terms: Iterable[str]) -> np.ndarray:
        bits = self.hash_bits
        return np.fromiter((_hash(t, bits) for t in terms), dtype=np.int64)

    def learn_df(self, items: Iterable[Any]) -> None:
        """Count document frequencies of a batch before assigning it (``assign(learn=False)``),
        so that the first articles of a collection are weighted with the whole batch's IDF."""
        for item in items:
            self.n_docs_ += 1
            hs = np.unique(self._hashes(set(tokens(Doc.of(item).text))))
            self.df_[hs] += 1

    def vectorize(self, doc: Doc, learn: bool = False) -> tuple[dict[int, float], list[str]]:
        """The article's L2-normalised TF-IDF vector (top terms only) and its key terms."""
        counts = Counter(tokens(doc.text))
        if not counts:
            if learn:
                self.n_docs_ += 1
            return {}, []
        terms = list(counts)
        hs = self._hashes(terms)
        if learn:
            self.n_docs_ += 1
            self.df_[np.unique(hs)] += 1
        idf = self._idf(hs)
        w = (1.0 + np.log(np.fromiter(counts.values(), dtype=np.float64, count=len(terms))))
        w *= idf
        if len(w) > self.article_terms:
            top = np.argpartition(-w, self.article_terms)[:self.article_terms]
            hs_top, w_top = hs[top], w[top]
        else:
            hs_top, w_top = hs, w
        w_top = w_top / (np.sqrt(np.dot(w_top, w_top)) or 1.0)
        vec: dict[int, float] = {}
        for h, x in zip(hs_top.tolist(), w_top.tolist(), strict=True):
            vec[h] = vec.get(h, 0.0) + x  # (hash collisions add up)
        caps = capitalised_phrases(doc.text)
        if len(caps) >= 3:
            keys = [k for k, _ in Counter(caps).most_common(self.key_terms)]
        else:  # sentence-cased or lowercased text: the rarest content words stand in
            k = min(self.key_terms, len(terms))
            order = np.argpartition(-idf, k - 1)[:k] if len(terms) > k else range(len(terms))
            keys = [terms[int(x)] for x in order]
        return vec, keys

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

    def _candidates(self, vec: dict[int, float]) -> list[str]:
        """Live stories sharing indexed terms with the article, best partial dot product
        first (the index stores each story's centroid weight under its top terms)."""
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
            return heapq.nlargest(self.max_candidates, acc, key=get)
        return list(acc)

    def _match(self, vec: dict[int, float], keys: list[str], time: float) -> Match:
        best = Match(None, float("-inf"))
        cands = self._candidates(vec)
        quiet = self.quiet_hours * 3600.0
        keyset = set(keys)
        n_keys = max(1, min(len(keyset), self.key_terms))
        span = self.max_span_hours * 3600.0 if self.max_span_hours else None
        for sid in cands:
            story = self.live_[sid]
            if span is not None and time - story.first > span:
                continue
            c = story.centroid
            text = sum(w * c.get(h, 0.0) for h, w in vec.items()) / (
                story.norm if self.centroid_power == 1.0 else
                story.norm ** self.centroid_power * story.size ** (1.0 - self.centroid_power))
            ent = len(keyset & story.top_keys) / n_keys
            gap = max(0.0, time - story.last)
            score = text + self.entity_weight * ent - self.time_weight * min(gap / quiet, 1.0)
            if score > best.score:
                best = Match(sid, score, text, ent)
        best.candidates = len(cands)
        return best

    # ------------------------------------------------------------- updating

    def _new_story(self, vec: dict[int, float], keys: list[str], time: float) -> LiveStory:
        sid = f"{self.id_prefix}{self.next_id_}"
        self.next_id_ += 1
        story = LiveStory(sid, dict(vec), 1.0, 0, time, time)
        self.live_[sid] = story
        self._add(story, vec, keys, time, first=True)
        return story

    def _add(self, story: LiveStory, vec: dict[int, float], keys: list[str], time: float,
             first: bool = False) -> None:
        if not first:
            c = story.centroid
            for h, w in vec.items():
                c[h] = c.get(h, 0.0) + w
            if len(c) > self.story_terms:
                story.centroid = c = dict(heapq.nlargest(self.story_terms, c.items(),
                                                         key=lambda kv: kv[1]))
        story.norm = math.sqrt(sum(w * w for w in story.centroid.values())) or 1.0
        story.size += 1
        story.keys.update(keys)
        if len(story.keys) > 8 * self.key_terms:
            story.keys = Counter(dict(story.keys.most_common(4 * self.key_terms)))
        story.top_keys = frozenset(k for k, _ in story.keys.most_common(2 * self.key_terms))
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

    def _time(self, doc: Doc) -> float:
        t = doc.time if doc.time is not None else self.clock_
        if t == float("-inf"):
            t = 0.0
        return t

    # ---------------------------------------------------------------- API

    def assign(self, item: Any, join: str | None = None, learn: bool = True) -> Match:
        """Add one article; returns the match (``story`` is the story it is now in).

        ``join`` forces the story (used for near-duplicates: a copy joins its original's
        story when that story is still live).
        """
        doc = Doc.of(item)
        time = self._time(doc)
        if time > self.clock_:
            self.clock_ = time
            self._expire(time)
        vec, keys = self.vectorize(doc, learn=learn)
        if join is not None and join in self.live_:
            match = Match(join, 1.0)
        else:
            match = self._match(vec, keys, time) if vec else Match(None, float("-inf"))
            if match.story is None or match.score < self.threshold:
                match = Match(None, match.score, match.text, match.entity, match.candidates)
        if match.story is None:
            story = self._new_story(vec, keys, time)
            match.story = story.id
        else:
            self._add(self.live_[match.story], vec, keys, time)
        self.labels_.append(match.story)
        return match

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
            vec, keys = self.vectorize(doc, learn=False)
            time = self._time(doc)
            m = self._match(vec, keys, time) if vec else Match(None, 0.0)
            out.append(m.story if m.story is not None and m.score >= self.threshold else None)
        return out

    # ------------------------------------------------------------ persistence

    def dumps(self) -> bytes:
        """Everything needed to carry on after a restart, as bytes (a JSON header and numpy
        arrays, zlib-compressed; no pickle, so a foreign database cannot run code)."""
        stories = list(self.live_.values())
        header = {
            "version": STATE_VERSION,
            "params": self.get_params(),
            "n_docs": self.n_docs_,
            "next_id": self.next_id_,
            "clock": self.clock_ if math.isfinite(self.clock_) else None,
            "live": [{"id": st.id, "size": st.size, "first": st.first, "last": st.last,
                      "n": len(st.centroid),
                      "keys": dict(st.keys.most_common(4 * self.key_terms))}
                     for st in stories],
        }
        hs = np.fromiter((h for st in stories for h in st.centroid), dtype=np.int64)
        ws = np.fromiter((w for st in stories for w in st.centroid.values()), dtype=np.float64)
        head = json.dumps(header).encode("utf-8")
        body = b"".join([len(head).to_bytes(8, "little"), head, len(hs).to_bytes(8, "little"),
                         hs.tobytes(), ws.tobytes(), self.df_.tobytes()])
        return zlib.compress(body, 1)

    @classmethod
    def loads(cls, blob: bytes) -> StoryClusterer:
        try:
            raw = zlib.decompress(blob)
            n_head = int.from_bytes(raw[:8], "little")
            state = json.loads(raw[8:8 + n_head].decode("utf-8"))
        except (zlib.error, UnicodeDecodeError, json.JSONDecodeError) as err:
            raise ValueError(f"clustering state is corrupt ({err})") from None
        if not isinstance(state, dict) or state.get("version") != STATE_VERSION:
            raise ValueError(f"clustering state version {state.get('version')} is not "
                             f"{STATE_VERSION}")
        pos = 8 + n_head
        n = int.from_bytes(raw[pos:pos + 8], "little")
        pos += 8
        hs = np.frombuffer(raw, dtype=np.int64, count=n, offset=pos)
        pos += 8 * n
        ws = np.frombuffer(raw, dtype=np.float64, count=n, offset=pos)
        pos += 8 * n
        model = cls(**state["params"])
        model.df_ = np.frombuffer(raw, dtype=np.int32, offset=pos).copy()
        model.n_docs_ = int(state["n_docs"])
        model.next_id_ = int(state["next_id"])
        model.clock_ = state["clock"] if state["clock"] is not None else float("-inf")
        at = 0
        for s in state["live"]:
            k = int(s["n"])
            centroid = dict(zip(hs[at:at + k].tolist(), ws[at:at + k].tolist(), strict=True))
            at += k
            story = LiveStory(s["id"], centroid, 1.0, int(s["size"]), float(s["first"]),
                              float(s["last"]), Counter(s["keys"]))
            story.norm = math.sqrt(sum(w * w for w in centroid.values())) or 1.0
            story.top_keys = frozenset(k for k, _ in story.keys.most_common(2 * model.key_terms))
            model.live_[story.id] = story
            heapq.heappush(model._expiry, (story.last, story.id))
            model._reindex(story)
        return model


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
