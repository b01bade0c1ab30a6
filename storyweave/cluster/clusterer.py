"""Single-pass story clustering: each new article joins the best-matching live story or
starts one.

Finding candidates and deciding between them are separate steps. The candidate index
(:mod:`~storyweave.cluster.index`) gives the few live stories that share heavily weighted
terms with the article; the pair model (:mod:`~storyweave.cluster.pairs`) gives, for the
article and each of a candidate's most recent members, the probability that the two report
the same story. A story's score is the mean over those members (average link); the article
joins the best story if the score reaches ``threshold``. Scoring members rather than the
centroid keeps a story's specific facts visible: a centroid blurs them into the topic words
that neighbouring stories share. A story closes, and leaves the index, after ``quiet_hours``
without a new article.

The shipped pair model and threshold were fitted and tuned on the first 10,000 articles of
the Multi-News stream (docs/stream.md); :func:`~storyweave.cluster.training.fit_pair_model`
refits the model on any labelled stream.
"""

from __future__ import annotations

import heapq
import math
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from storyweave.cluster.features import Doc, extract_terms, term_hashes
from storyweave.cluster.index import CandidateIndex
from storyweave.cluster.pairs import PairModel, pair_raw
from storyweave.cluster.statistics import TermStatistics
from storyweave.cluster.vectors import Member, Probe, make_probe


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
    """Online clustering of an article stream into stories, scikit-learn style.

    ``partial_fit(X)`` assigns each item of ``X`` (articles, dicts with ``id``/``text``/
    ``published``, or :class:`Doc`) in order and updates the model; the assigned story ids are
    in ``labels_``. ``predict(X)`` returns the best live story for each item, or ``None`` where
    it would start a new one, without changing anything. ``dumps``/``loads`` save and restore
    everything needed to carry on (:mod:`~storyweave.cluster.state`).
    """

    _PARAMS = ("threshold", "quiet_hours", "max_span_hours", "hash_bits", "pair_bits",
               "article_terms", "story_terms", "index_terms", "query_terms", "max_candidates",
               "max_members", "idf_docs", "df_memory", "pair_model", "id_prefix")

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
        # A nan threshold compares false with every score, so every article would open a
        # story of its own without a word of complaint: refuse it here, for every caller.
        if not 0.0 <= threshold <= 1.0:
            raise ValueError(f"threshold must be between 0 and 1, not {threshold}")
        if not quiet_hours > 0 or math.isinf(quiet_hours):
            raise ValueError(f"quiet_hours must be a positive number of hours, not {quiet_hours}")
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

    def _reset(self) -> None:
        self.stats_ = TermStatistics(self.hash_bits, self.pair_bits, self.df_memory)
        self.candidates_ = CandidateIndex(self.index_terms, self.query_terms,
                                          self.max_candidates)
        self.next_id_ = 0
        self.clock_ = float("-inf")
        self.live_: dict[str, LiveStory] = {}
        self._expiry: list[tuple[float, str]] = []  # (last seen, story): lazy-deletion heap
        self.closed_: list[str] = []  # stories closed since the caller last emptied this
        self.labels_: list[str] = []

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self._PARAMS}

    def set_params(self, **params: Any) -> StoryClusterer:
        for k, v in params.items():
            setattr(self, k, v)
        index = self.candidates_
        index.index_terms, index.query_terms, index.max_candidates = \
            self.index_terms, self.query_terms, self.max_candidates
        return self

    # the statistics and the index, under the names earlier versions exposed
    @property
    def n_docs_(self) -> int:
        return self.stats_.n_docs

    @property
    def df_(self) -> np.ndarray:
        return self.stats_.df

    @property
    def index_(self) -> dict[int, dict[str, float]]:
        return self.candidates_.postings

    @property
    def n_live(self) -> int:
        return len(self.live_)

    # ------------------------------------------------------------- features

    def learn_df(self, items: Iterable[Any]) -> None:
        """Count document frequencies of a batch before assigning it (``assign(learn=False)``),
        so that the first articles of a collection are weighted with the whole batch's IDF."""
        for item in items:
            _, hs, bs, ns = extract_terms(Doc.of(item).text, self.hash_bits, self.pair_bits)
            self.stats_.count(hs, bs, ns)

    def df(self, terms: Iterable[str]) -> list[float]:
        """Current (faded) document frequency of each stemmed word."""
        return self.stats_.word_df(term_hashes(terms, self.hash_bits)).tolist()

    def probe(self, doc: Doc, learn: bool = False, time: float | None = None) -> Probe:
        """The article's vectors and the document frequencies its pair features need."""
        terms = extract_terms(doc.text, self.hash_bits, self.pair_bits)
        if learn:
            self.stats_.count(terms.words, terms.pairs, terms.numbers)
        t = time if time is not None else (doc.time or 0.0)
        return make_probe(terms, self.stats_, t, self.article_terms, self.idf_docs)

    @staticmethod
    def pair_raw(probe: Probe, other: Member) -> tuple[float, ...] | None:
        return pair_raw(probe, other)

    # ------------------------------------------------------------- life-cycle

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

    def _expire(self, now: float) -> None:
        horizon = now - self.quiet_hours * 3600.0
        heap = self._expiry
        while heap and heap[0][0] < horizon:
            last, sid = heapq.heappop(heap)
            story = self.live_.get(sid)
            if story is not None and story.last < horizon:
                self._close(story)

    def _close(self, story: LiveStory) -> None:
        self.candidates_.remove(story.id, story.indexed)
        del self.live_[story.id]
        self.closed_.append(story.id)

    def close_all(self) -> list[str]:
        for story in list(self.live_.values()):
            self._close(story)
        closed, self.closed_ = self.closed_, []
        return closed

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
        story.indexed = self.candidates_.update(story.id, story.centroid, story.indexed)

    def restore_story(self, sid: str, centroid: dict[int, float], size: int, first: float,
                      last: float, members: Iterable[Member] = ()) -> LiveStory:
        """Put a saved live story back (state loading)."""
        story = LiveStory(sid, centroid, 1.0, size, first, last,
                          members=deque(members, maxlen=self.max_members))
        story.norm = math.sqrt(sum(w * w for w in centroid.values())) or 1.0
        self.live_[sid] = story
        heapq.heappush(self._expiry, (story.last, story.id))
        story.indexed = self.candidates_.update(sid, centroid, story.indexed)
        return story

    # ------------------------------------------------------------- matching

    def _match(self, probe: Probe, time: float) -> Match:
        cands = self.candidates_.candidates(probe.vec)
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
                raw = pair_raw(probe, member)
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

    def remember(self, story_id: str, item: Any) -> bool:
        """Give a live story back a member it lost (state saved by an older version kept no
        members); the document frequencies are not counted again. False if not live."""
        story = self.live_.get(story_id)
        if story is None:
            return False
        doc = Doc.of(item)
        story.members.append(self.probe(doc, time=self._time(doc)).member)
        return True

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
        """Everything needed to carry on after a restart (:func:`state.dumps`)."""
        from storyweave.cluster.state import dumps

        return dumps(self)

    @classmethod
    def loads(cls, blob: bytes) -> StoryClusterer:
        """The clusterer :meth:`dumps` saved (:func:`state.loads`; reads version 1 too)."""
        from storyweave.cluster.state import loads

        return loads(blob, cls)
