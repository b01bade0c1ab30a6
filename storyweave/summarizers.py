"""Summarize: an extractive, cited multi-document summary within a word budget.

Small summarizer classes in the manner of sumy: each takes the :class:`Alignment` of a story and
a word budget and returns a :class:`Summary` whose sentences cite every sentence, in any
article, that says the same thing. :class:`LearnedSummarizer` is the default (``storyweave``):
learned sentence worth plus concept coverage; :class:`SubmodularSummarizer` the previous default
(``submodular``), :class:`SupportSummarizer` the one before (``support``),
:class:`ConceptSummarizer` an exact concept-coverage program (``concept``); :class:`LeadSummarizer`
is the classic baseline the evaluation compares them with.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from storyweave.align import Alignment, similarity_matrix
from storyweave.model import Sentence, SentenceRef, Summary, SummarySentence
from storyweave.salience import cached_stemmer

_FIRST_PERSON = re.compile(r"\b(?:we|us|our|I|me|my)\b")
_QUOTE_CHARS = "\"“”'‘’"


def _outside_quotes(text: str) -> str:
    return re.sub(r"[\"“][^\"”]*[\"”]", " ", text)


def citations_for(
    alignment: Alignment, i: int, threshold: float | None = None
) -> list[SentenceRef]:
    """Sentence ``i`` itself and every sentence of another article similar enough to say it."""
    t = alignment.threshold if threshold is None else threshold
    me = alignment.sentences[i]
    refs = {me.ref}
    fact = alignment.fact_of[i] if alignment.fact_of else None
    for j, other in enumerate(alignment.sentences):
        if other.article == me.article:
            continue
        same_fact = fact is not None and alignment.fact_of[j] == fact
        if alignment.similarity[i, j] >= t or (same_fact and alignment.similarity[i, j] >= t / 2):
            refs.add(other.ref)
    return sorted(refs, key=lambda r: (r.article != me.article, r.article, r.sentence))


@dataclass
class BaseSummarizer:
    """Shared selection rules: sentence length limits and the word budget."""

    min_words: int = 6
    max_words: int = 60

    def eligible(self, s: Sentence) -> bool:
        return self.min_words <= s.words <= self.max_words and not s.text.rstrip().endswith("?")

    def summarize(self, alignment: Alignment, words: int = 150, fill: bool = False) -> Summary:
        """The summary; with ``fill`` the last sentence may overrun ``words`` (the evaluation
        truncates every system's output to the budget the same way)."""
        order = self.select(alignment, words, fill)
        sentences = [
            SummarySentence(
                text=alignment.sentences[i].text,
                citations=citations_for(alignment, i),
                fact=alignment.facts[alignment.fact_of[i]].id if alignment.facts else None,
            )
            for i in order
        ]
        return Summary(sentences=sentences, words_budget=words)

    __call__ = summarize

    def select(self, alignment: Alignment, words: int, fill: bool = False) -> list[int]:
        raise NotImplementedError


@dataclass
class LeadSummarizer(BaseSummarizer):
    """First sentences of each article, round robin, until the budget is spent."""

    def select(self, alignment: Alignment, words: int, fill: bool = False) -> list[int]:
        by_article: dict[str, list[int]] = {}
        for i, s in enumerate(alignment.sentences):
            if self.eligible(s):
                by_article.setdefault(s.article, []).append(i)
        queues = list(by_article.values())
        chosen: list[int] = []
        used = 0
        depth = 0
        while any(depth < len(q) for q in queues):
            for q in queues:
                if depth < len(q):
                    i = q[depth]
                    n = len(alignment.sentences[i].text.split())
                    if used + n <= words or (fill and used < words):
                        chosen.append(i)
                        used += n
            depth += 1
        return chosen


@dataclass
class SupportSummarizer(BaseSummarizer):
    """Cross-outlet centrality with strict redundancy control; storyweave's own summarizer.

    A sentence is salient when it resembles what the *other* outlets wrote: its centrality is
    its mean TF-IDF similarity to the sentences of the other articles, plus a smaller share
    (``within``) of its similarity to its own article's other sentences, so that a one-article
    story still ranks, and a small bonus for coming early in its article (``position_weight``).
    Selection is greedy by salience under the word budget and skips any sentence whose
    similarity to one already chosen reaches ``redundancy``: several outlets saying the same
    thing count once. The chosen sentences are told in news order: by the mean relative
    position, across the articles that report it, of what each sentence says.

    Tuned on the tuning part of the Multi-News sample (``storyweave eval --split dev``; see
    docs/evaluation.md): cross-outlet centrality was the signal that mattered, a strict
    redundancy threshold the second; position, length, support counts and concept (bigram)
    coverage added nothing measurable on top.
    """

    within: float = 0.3
    position_weight: float = 0.1
    redundancy: float = 0.3
    voice_penalty: float = 1.0
    order_threshold: float = 0.3

    def scores(self, sentences: Sequence[Sentence], sim: np.ndarray,
               rel: np.ndarray | None = None) -> np.ndarray:
        n = len(sentences)
        if n == 0:
            return np.zeros(0)
        owner = np.array([s.article for s in sentences])
        other = owner[:, None] != owner[None, :]
        weights = np.where(other, sim, self.within * sim)
        np.fill_diagonal(weights, 0.0)
        n_other = other.sum(axis=1)
        peers = n_other + self.within * (n - 1 - n_other)
        centrality = weights.sum(axis=1) / np.maximum(peers, 1e-9)
        if centrality.max() > 0:
            centrality = centrality / centrality.max()
        if rel is None:
            rel = self._relative_positions(sentences)
        score = centrality + self.position_weight * (1.0 - rel)
        for i, s in enumerate(sentences):
            if self.voice_penalty != 1.0 and _FIRST_PERSON.search(_outside_quotes(s.text)):
                score[i] *= self.voice_penalty
            if not self.eligible(s):
                score[i] = -1.0
        return score

    @staticmethod
    def _relative_positions(sentences: Sequence[Sentence]) -> np.ndarray:
        length: dict[str, int] = {}
        for s in sentences:
            length[s.article] = max(length.get(s.article, 0), s.index + 1)
        return np.array([s.index / length[s.article] for s in sentences])

    def choose(self, sentences: Sequence[Sentence], words: int, fill: bool = False,
               sim: np.ndarray | None = None) -> list[int]:
        """Indices of the chosen sentences, in telling order (``sim`` computed if not given)."""
        if not sentences:
            return []
        if sim is None:
            sim = similarity_matrix(list(sentences))
        rel = self._relative_positions(sentences)
        score = self.scores(sentences, sim, rel)
        lengths = [len(s.text.split()) for s in sentences]
        closest = np.zeros(len(sentences))  # similarity to the nearest chosen sentence
        chosen: list[int] = []
        used = 0
        for i in np.argsort(-score, kind="stable").tolist():
            if score[i] < 0 or (fill and used >= words):
                break
            if used + lengths[i] > words and not fill:
                continue
            if chosen and closest[i] >= self.redundancy:
                continue
            chosen.append(i)
            used += lengths[i]
            np.maximum(closest, sim[i], out=closest)
        return self._narrative_order(sentences, sim, rel, chosen)

    def _narrative_order(self, sentences: Sequence[Sentence], sim: np.ndarray, rel: np.ndarray,
                         chosen: list[int]) -> list[int]:
        """Mean relative position of what each sentence says, over the articles saying it."""
        if not chosen:
            return []
        owner = np.array([s.article for s in sentences])
        idx = np.array(chosen)
        same = (sim[idx] >= self.order_threshold) & (owner[None, :] != owner[idx][:, None])
        same[np.arange(len(idx)), idx] = True
        key = (same * rel).sum(axis=1) / same.sum(axis=1)
        return [chosen[k] for k in np.lexsort((idx, key))]

    def select(self, alignment: Alignment, words: int, fill: bool = False) -> list[int]:
        return self.choose(alignment.sentences, words, fill, alignment.similarity)


_TOKEN = re.compile(r"[a-z0-9]+")


def _stopwords() -> frozenset[str]:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return frozenset(ENGLISH_STOP_WORDS)


def sentence_bigrams(text: str, stop: frozenset[str], stem: Any) -> set[tuple[str, str]]:
    """Stemmed word bigrams of a sentence, except those made of two stop words (the concepts
    of Gillick & Favre 2009)."""
    words = _TOKEN.findall(text.lower())
    stems = [stem(w) for w in words]
    return {(stems[k], stems[k + 1]) for k in range(len(words) - 1)
            if not (words[k] in stop and words[k + 1] in stop)}


class _CoverageBase(BaseSummarizer):
    """What the coverage summarizers share: cross-outlet salience (storyweave's
    :class:`SupportSummarizer` scores, used as a tie-break and for filling), the fill rule and
    the news order of the chosen sentences."""

    def _support(self) -> SupportSummarizer:
        return SupportSummarizer(min_words=self.min_words, max_words=self.max_words)

    def _fill(self, sentences: Sequence[Sentence], chosen: list[int], words: int,
              gain: Any, salience: np.ndarray, sim: np.ndarray | None = None,
              redundancy: float | None = None) -> list[int]:
        """Past the budget (``fill``): the sentence adding most (``gain(chosen)`` gives every
        sentence's gain), so the cut output is full;
        none that repeats a chosen one (similarity at ``redundancy`` or more), even if the
        output then stays short."""
        lengths = [len(s.text.split()) for s in sentences]
        used = sum(lengths[i] for i in chosen)
        rest = [i for i in range(len(sentences)) if i not in chosen and salience[i] >= 0]
        while used < words and rest:
            if redundancy is not None and sim is not None and chosen:
                rest = [i for i in rest if sim[i, chosen].max() < redundancy]
                if not rest:
                    break
            g = gain(chosen)
            best = max(rest, key=lambda i: (g[i], salience[i], -i))
            chosen = [*chosen, best]
            used += lengths[best]
            rest.remove(best)
        return chosen

    def _order(self, sentences: Sequence[Sentence], sim: np.ndarray,
               chosen: list[int]) -> list[int]:
        support = self._support()
        return support._narrative_order(sentences, sim, support._relative_positions(sentences),
                                        chosen)


@dataclass
class ConceptSummarizer(_CoverageBase):
    """Concept coverage solved exactly as an integer linear program (Gillick & Favre 2009).

    The concepts are the stemmed word bigrams of the story (not both stop words); a concept's
    value is the number of articles that use it (its document frequency: how many outlets say
    it), kept only when at least ``min_df`` articles use it. The program picks the sentences
    that cover the most concept value within the word budget, each concept counted once.

    Storyweave's cross-outlet signals are folded in: each sentence adds ``salience_weight``
    times its cross-outlet centrality (:class:`SupportSummarizer`'s score, per word, in units
    of the mean concept value of a sentence), and two sentences as similar as ``redundancy``
    (the TF-IDF cosine storyweave's own summarizer uses) are never both chosen, in the program
    or when filling. Optional, off by default because they measured nothing on the tuning
    split: concept value raised by ``support_weight`` times the mean fact support (independent
    outlets, minus one) of the sentences that carry it, and by ``position_weight`` when it
    first appears early in an article. Solved by HiGHS through ``scipy.optimize.milp``.
    """

    min_df: int = 2
    support_weight: float = 0.0
    position_weight: float = 0.0
    salience_weight: float = 0.5
    redundancy: float | None = 0.3
    time_limit: float = 5.0

    def concept_weights(self, alignment: Alignment) -> tuple[list[set[int]], np.ndarray]:
        """Each sentence's concept ids, and each concept's value."""
        sentences = alignment.sentences
        stem = cached_stemmer()
        stop = _stopwords()
        grams = [sentence_bigrams(s.text, stop, stem) for s in sentences]
        articles = {s.article for s in sentences}
        need = min(self.min_df, len(articles))
        where: dict[tuple[str, str], set[str]] = {}
        for s, g in zip(sentences, grams, strict=True):
            for c in g:
                where.setdefault(c, set()).add(s.article)
        kept = sorted(c for c, arts in where.items() if len(arts) >= need)
        ids = {c: k for k, c in enumerate(kept)}
        weights = np.array([float(len(where[c])) for c in kept])
        support = np.zeros(len(sentences))
        if alignment.facts and alignment.fact_of:
            support = np.array([max(alignment.facts[f].support - 1, 0) if f >= 0 else 0
                                for f in alignment.fact_of], dtype=float)
        rel = SupportSummarizer._relative_positions(sentences)
        carried = np.zeros(len(kept))
        count = np.zeros(len(kept))
        early = np.zeros(len(kept))
        out: list[set[int]] = []
        for i, g in enumerate(grams):
            mine = {ids[c] for c in g if c in ids}
            out.append(mine)
            for k in mine:
                carried[k] += support[i]
                count[k] += 1
                early[k] = max(early[k], 1.0 - rel[i])
        if len(kept):
            weights = weights * (1.0 + self.support_weight * carried / np.maximum(count, 1)
                                 + self.position_weight * early)
        return out, weights

    def select(self, alignment: Alignment, words: int, fill: bool = False) -> list[int]:
        sentences = alignment.sentences
        if not sentences:
            return []
        salience = self._support().scores(sentences, alignment.similarity)
        concepts, weights = self.concept_weights(alignment)
        lengths = np.array([len(s.text.split()) for s in sentences], dtype=float)
        ok = np.array([self.eligible(s) and lengths[i] <= words
                       for i, s in enumerate(sentences)])
        chosen: list[int] = []
        if len(weights) and ok.any():
            chosen = self._solve(concepts, weights, lengths, ok, salience, words,
                                 alignment.similarity)
        if not chosen and not len(weights):  # nothing shared to cover: storyweave's own choice
            return self._support().select(alignment, words, fill)

        def gain(picked: list[int]) -> np.ndarray:
            have = set().union(*(concepts[j] for j in picked)) if picked else set()
            return np.array([float(sum(weights[k] for k in cs - have)) for cs in concepts])

        if fill:
            chosen = self._fill(sentences, chosen, words, gain, salience, alignment.similarity,
                                self.redundancy)
        return self._order(sentences, alignment.similarity, chosen)

    def _solve(self, concepts: list[set[int]], weights: np.ndarray, lengths: np.ndarray,
               ok: np.ndarray, salience: np.ndarray, words: int,
               sim: np.ndarray) -> list[int]:
        from scipy.optimize import Bounds, LinearConstraint, milp
        from scipy.sparse import coo_array

        n, m = len(concepts), len(weights)
        high_pairs: list[int] = []
        # maximise concept value; a sentence's salience breaks ties (far below one concept)
        tie = 1e-3 * float(weights.min()) * np.clip(salience, 0.0, None) / max(n, 1)
        if self.salience_weight:  # salience in concept units: the mean value per sentence
            per = sum(float(weights[list(cs)].sum()) for cs in concepts) / max(n, 1)
            tie = tie + self.salience_weight * per * np.clip(salience, 0.0, None) * (
                lengths / max(float(lengths.mean()), 1.0))
        cost = -np.concatenate([tie, weights])
        rows, cols, vals = [], [], []
        r = 0
        for i, cs in enumerate(concepts):  # a chosen sentence covers its concepts: s_i <= c_k
            for k in cs:
                rows += [r, r]
                cols += [i, n + k]
                vals += [1.0, -1.0]
                r += 1
        by_concept: dict[int, list[int]] = {}
        for i, cs in enumerate(concepts):
            for k in cs:
                by_concept.setdefault(k, []).append(i)
        for k in range(m):  # a concept counts only if a chosen sentence has it
            rows.append(r)
            cols.append(n + k)
            vals.append(1.0)
            for i in by_concept.get(k, []):
                rows.append(r)
                cols.append(i)
                vals.append(-1.0)
            r += 1
        if self.redundancy is not None:  # two near-identical sentences never both
            for i in range(n):
                for j in range(i + 1, n):
                    if ok[i] and ok[j] and sim[i, j] >= self.redundancy:
                        rows += [r, r]
                        cols += [i, j]
                        vals += [1.0, 1.0]
                        high_pairs.append(r)
                        r += 1
        rows += [r] * n  # the word budget
        cols += list(range(n))
        vals += lengths.tolist()
        a = coo_array((vals, (rows, cols)), shape=(r + 1, n + m)).tocsr()
        low = np.full(r + 1, -np.inf)
        high = np.zeros(r + 1)
        high[high_pairs] = 1.0
        high[r] = float(words)
        upper = np.concatenate([ok.astype(float), np.ones(m)])
        res = milp(cost, constraints=LinearConstraint(a, low, high),
                   integrality=np.ones(n + m), bounds=Bounds(np.zeros(n + m), upper),
                   options={"time_limit": self.time_limit})
        if res.x is None:
            return []
        return [i for i in range(n) if res.x[i] > 0.5]


@dataclass
class SubmodularSummarizer(_CoverageBase):
    """Monotone submodular coverage plus diversity reward (Lin & Bilmes 2011), greedy.

    ``f(S) = sum_i min(C_i(S), alpha C_i(V)) + diversity * sum_k sqrt(sum_{j in S, P_k} r_j)``
    with ``C_i(S)`` the TF-IDF similarity of sentence ``i`` to the summary, ``alpha`` =
    ``saturation`` / number of sentences, and the diversity partition ``P_k`` storyweave's own
    facts (sentences of several outlets that say the same thing), so a second sentence of an
    already covered fact earns little. ``r_j`` is storyweave's cross-outlet salience. Greedy by
    gain per word to the power ``scale`` (the paper's cost-scaled greedy), then compared with
    the best single sentence, as the paper does for its approximation guarantee. As in
    storyweave's own summarizer, a sentence as similar as ``redundancy`` to a chosen one is
    skipped (on the tuning split this helped at every budget).
    """

    saturation: float = 10.0
    diversity: float = 6.0
    scale: float = 0.3
    redundancy: float | None = 0.3

    def select(self, alignment: Alignment, words: int, fill: bool = False) -> list[int]:
        sentences = alignment.sentences
        n = len(sentences)
        if n == 0:
            return []
        sim = np.clip(alignment.similarity, 0.0, None)
        salience = self._support().scores(sentences, alignment.similarity)
        reward = np.clip(salience, 0.0, None) / n
        part = (list(alignment.fact_of) if alignment.fact_of and len(alignment.fact_of) == n
                else list(range(n)))
        part = [p if p >= 0 else n + i for i, p in enumerate(part)]
        total = sim.sum(axis=0)
        cap = self.saturation / n * total
        lengths = np.array([len(s.text.split()) for s in sentences], dtype=float)

        part_ids = np.array(part)

        def value(cover: np.ndarray, bins: np.ndarray) -> float:
            return float(np.minimum(cover, cap).sum() + self.diversity * np.sqrt(bins).sum())

        def gains(cover: np.ndarray, bins: np.ndarray) -> np.ndarray:
            """Every sentence's gain over the summary (``cover``, ``bins``), at once."""
            covered = np.minimum(cover[None, :] + sim, cap[None, :]).sum(axis=1) - np.minimum(
                cover, cap).sum()
            have = bins[part_ids]
            return covered + self.diversity * (np.sqrt(have + reward) - np.sqrt(have))

        cover = np.zeros(n)
        bins = np.zeros(2 * n)
        chosen: list[int] = []
        used = 0.0
        rest = [i for i in range(n) if salience[i] >= 0]
        cost = lengths ** self.scale
        while rest:
            if self.redundancy is not None and chosen:
                rest = [i for i in rest if sim[i, chosen].max() < self.redundancy]
            ratio = gains(cover, bins) / cost
            best, best_ratio = -1, 0.0
            for i in rest:
                if ratio[i] > best_ratio + 1e-12:
                    best, best_ratio = i, ratio[i]
            if best < 0:
                break
            rest.remove(best)
            if used + lengths[best] <= words:
                chosen.append(best)
                used += lengths[best]
                cover = cover + sim[best]
                bins[part[best]] += reward[best]
        single = [i for i in range(n) if salience[i] >= 0 and lengths[i] <= words]
        if single:
            alone = gains(np.zeros(n), np.zeros(2 * n))
            top = max(single, key=lambda i: (alone[i], -i))
            if alone[top] > value(cover, bins):
                chosen = [top]

        def gain(picked: list[int]) -> np.ndarray:
            b = np.zeros(2 * n)
            np.add.at(b, part_ids[picked], reward[picked])
            return gains(sim[picked].sum(axis=0) if picked else np.zeros(n), b)

        if fill:
            chosen = self._fill(sentences, chosen, words, gain, salience, sim, self.redundancy)
        return self._order(sentences, alignment.similarity, chosen)


@dataclass
class LearnedSummarizer(_CoverageBase):
    """Learned sentence worth plus concept coverage, chosen greedily per word.

    Each sentence's worth is what :mod:`storyweave.salience`'s model, fitted on the Multi-News
    tuning split, predicts: how many of its word bigrams a human summary would contain, from
    the story's own signals (position in the article, outlets reporting the fact, cross-outlet
    centrality, outlets sharing its bigrams, length, entities, quotes). The greedy step takes
    the sentence with the most value per word, where value is that worth times the share of the
    sentence's bigrams not yet in the summary, plus ``coverage`` times the value of the new
    concepts it brings (Gillick & Favre's: stemmed bigrams used by two articles or more, worth
    the share of articles using them, as in :class:`ConceptSummarizer`). The learned worth is
    what gains ROUGE on Multi-News; the coverage term keeps the summary representative of long
    full-length stories (ECB+), where the model alone leans to early sentences. As in
    storyweave's other summarizers, never a sentence as similar as ``redundancy`` (TF-IDF
    cosine) to a chosen one. Per word (``scale`` = 1) because a budget is spent in words.
    """

    redundancy: float | None = 0.3
    scale: float = 1.0
    coverage: float = 1.0
    min_df: int = 2
    model: Any = None

    def worth(self, alignment: Alignment) -> np.ndarray:
        """Predicted reference bigrams of each sentence (at least a small positive floor, so
        that filling never stops for want of worth)."""
        from storyweave.salience import load_salience_model, sentence_features

        model = self.model or load_salience_model()
        return np.clip(model.predict(sentence_features(alignment)), 1e-3, None)

    def select(self, alignment: Alignment, words: int, fill: bool = False) -> list[int]:
        sentences = alignment.sentences
        n = len(sentences)
        if n == 0:
            return []
        worth = self.worth(alignment)
        stem = cached_stemmer()
        stop = _stopwords()
        grams = [sentence_bigrams(s.text, stop, stem) for s in sentences]
        where: dict[tuple[str, str], set[str]] = {}
        for s, g in zip(sentences, grams, strict=True):
            for c in g:
                where.setdefault(c, set()).add(s.article)
        n_articles = len({s.article for s in sentences})
        need = min(self.min_df, n_articles)
        value_of = {c: len(arts) / n_articles for c, arts in where.items() if len(arts) >= need}
        lengths = np.array([len(s.text.split()) for s in sentences], dtype=float)
        cost = lengths ** self.scale
        rest = [i for i, s in enumerate(sentences) if self.eligible(s)]
        chosen: list[int] = []
        have: set[tuple[str, str]] = set()
        closest = np.zeros(n)
        used = 0.0
        while rest and not (fill and used >= words):
            best, best_value = -1, -1.0
            for i in rest:
                if chosen and self.redundancy is not None and closest[i] >= self.redundancy:
                    continue
                if not fill and used + lengths[i] > words:
                    continue
                new = grams[i] - have
                share = len(new) / len(grams[i]) if grams[i] else 1.0
                gain = worth[i] * share + self.coverage * sum(value_of.get(c, 0.0) for c in new)
                if gain / cost[i] > best_value:
                    best, best_value = i, gain / cost[i]
            if best < 0:
                break
            rest.remove(best)
            chosen.append(best)
            used += lengths[best]
            have |= grams[best]
            np.maximum(closest, alignment.similarity[best], out=closest)
        return self._order(sentences, alignment.similarity, chosen)


#: Learned sentence worth plus concept coverage: ahead of the previous default
#: (``submodular``) at 100, 230 and 400 words on the Multi-News tuning split (cross-validated),
#: and closer to the input on full-length ECB+ stories (docs/benchmarks.md, "Summary quality
#: per budget"; docs/evaluation.md, "A learned summarizer").
DEFAULT_SUMMARIZER = LearnedSummarizer
SUMMARIZERS: dict[str, type[BaseSummarizer]] = {
    "storyweave": DEFAULT_SUMMARIZER,
    "learned": LearnedSummarizer,
    "submodular": SubmodularSummarizer,
    "support": SupportSummarizer,
    "concept": ConceptSummarizer,
    "lead": LeadSummarizer,
}
