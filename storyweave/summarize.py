"""Summarize: an extractive, cited multi-document summary within a word budget.

Small summarizer classes in the manner of sumy: each takes the :class:`Alignment` of a story and
a word budget and returns a :class:`Summary` whose sentences cite every sentence, in any
article, that says the same thing. :class:`SupportSummarizer` is storyweave's own;
:class:`LeadSummarizer` is the classic baseline the evaluation compares it with.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from storyweave.align import Alignment
from storyweave.model import Sentence, SentenceRef, Summary, SummarySentence

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
    """Salience from cross-outlet support, centrality and position; greedy, non-redundant.

    A sentence scores high when many outlets report its fact (support), when it resembles what
    the other outlets write (centrality) and when it comes early in its article (news puts the
    main facts first). The outlet's own voice (first person) and bare quotations are discounted:
    a summary should state facts, not one writer's opinion. Selection is greedy under the word
    budget and skips a sentence too similar to one already chosen (``redundancy``) or from a
    fact already covered. The chosen sentences are ordered by where their fact first appears in
    the articles, which keeps the news order (what happened, then background).
    """

    support_weight: float = 0.5
    centrality_weight: float = 0.35
    position_weight: float = 0.15
    redundancy: float = 0.4
    voice_penalty: float = 0.6
    quote_penalty: float = 0.75

    def scores(self, alignment: Alignment) -> np.ndarray:
        sents = alignment.sentences
        n = len(sents)
        if n == 0:
            return np.zeros(0)
        articles = sorted({s.article for s in sents})
        n_articles = len(articles)
        owner = np.array([s.article for s in sents])
        other = owner[:, None] != owner[None, :]
        sim = np.where(other, alignment.similarity, 0.0)
        others = np.maximum(other.sum(axis=1), 1)
        centrality = sim.sum(axis=1) / others
        if centrality.max() > 0:
            centrality = centrality / centrality.max()
        support = np.array(
            [alignment.facts[alignment.fact_of[i]].support for i in range(n)], dtype=float
        )
        support = (support - 1) / max(n_articles - 1, 1)
        length = {a: sum(1 for s in sents if s.article == a) for a in articles}
        position = np.array([1.0 - s.index / max(length[s.article], 1) for s in sents])
        score = (
            self.support_weight * support
            + self.centrality_weight * centrality
            + self.position_weight * position
        )
        for i, s in enumerate(sents):
            if _FIRST_PERSON.search(_outside_quotes(s.text)):
                score[i] *= self.voice_penalty
            if s.text[:1] in _QUOTE_CHARS:
                score[i] *= self.quote_penalty
            if not self.eligible(s):
                score[i] = -1.0
        return score

    def select(self, alignment: Alignment, words: int, fill: bool = False) -> list[int]:
        score = self.scores(alignment)
        chosen: list[int] = []
        facts_used: set[int] = set()
        used = 0
        for i in np.argsort(-score, kind="stable"):
            i = int(i)
            if score[i] < 0:
                break
            n = len(alignment.sentences[i].text.split())
            fits = used + n <= words or (fill and used < words)
            if not fits or alignment.fact_of[i] in facts_used:
                continue
            if chosen and alignment.similarity[i, chosen].max() >= self.redundancy:
                continue
            chosen.append(i)
            facts_used.add(alignment.fact_of[i])
            used += n
        return sorted(chosen, key=lambda i: self._narrative_position(alignment, i))

    @staticmethod
    def _narrative_position(alignment: Alignment, i: int) -> tuple[float, int]:
        """Mean relative position of the sentence's fact across the articles that report it."""
        fact = alignment.facts[alignment.fact_of[i]]
        lengths: dict[str, int] = {}
        for s in alignment.sentences:
            lengths[s.article] = max(lengths.get(s.article, 0), s.index + 1)
        rel = [r.sentence / max(lengths[r.article], 1) for r in fact.sentences]
        return (float(np.mean(rel)), i)


DEFAULT_SUMMARIZER = SupportSummarizer
SUMMARIZERS: dict[str, type[BaseSummarizer]] = {
    "storyweave": SupportSummarizer,
    "lead": LeadSummarizer,
}
