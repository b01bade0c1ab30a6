"""Align: which sentences of different articles report the same fact.

Sentences are compared as TF-IDF vectors of their content lemmas and named entities (the words
that carry a fact: who, what, where, how many). Sentences of *different* articles are grouped by
average-linkage agglomerative clustering cut at a similarity threshold; average linkage keeps a
fact from chaining through loosely related sentences. Sentences of the same article are never
grouped together: a fact's support counts articles, not repetitions.

The threshold is tuned on data with gold event labels (``benchmarks/tune_alignment.py`` on
ECB+), not on the example: see ``docs/benchmarks.md``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from storyweave.model import AnalyzedArticle, Fact, Sentence, SentenceRef

# Tuned on ECB+ look-alike events (benchmarks/tune_alignment.py): the pair that links the most
# while at least 90% of multi-article facts stay within one gold event.
DEFAULT_THRESHOLD = 0.30
# A second article supports a fact when its sentence is this similar to all of the fact's.
DEFAULT_EXTEND_THRESHOLD = 0.35


_NUMBER_WORDS = {
    word: str(n)
    for n, words in enumerate(
        [(), ("one", "first", "once"), ("two", "second", "twice"), ("three", "third", "thrice"),
         ("four", "fourth"), ("five", "fifth"), ("six", "sixth"), ("seven", "seventh"),
         ("eight", "eighth"), ("nine", "ninth"), ("ten", "tenth"), ("eleven", "eleventh"),
         ("twelve", "twelfth")]
    )
    for word in words
}


def sentence_features(sentence: Sentence) -> list[str]:
    """Content lemmas plus whole entity names (so "Kim Jong Un" counts as one strong token).

    Number words and ordinals become digits, so "his third trip" and "three trips" share the
    number they report.
    """
    feats = [_NUMBER_WORDS.get(lemma, lemma) for lemma in sentence.lemmas]
    for ent in sentence.entities:
        if ent.label in {"PERSON", "ORG", "GPE", "LOC", "NORP", "FAC", "EVENT"}:
            feats.append("ent:" + " ".join(ent.text.lower().replace("-", " ").split()))
        elif ent.label in {"CARDINAL", "MONEY", "PERCENT", "QUANTITY", "DATE"}:
            feats.append("num:" + ent.text.lower())
    return feats


@dataclass
class Alignment:
    """The sentences of a story, their pairwise similarity and the facts built from them."""

    sentences: list[Sentence]
    similarity: np.ndarray
    facts: list[Fact]
    fact_of: list[int] = field(default_factory=list)
    threshold: float = DEFAULT_THRESHOLD

    def index_of(self, ref: SentenceRef) -> int:
        for i, s in enumerate(self.sentences):
            if s.article == ref.article and s.index == ref.sentence:
                return i
        raise KeyError(ref)


def similarity_matrix(sentences: list[Sentence]) -> np.ndarray:
    """Cosine similarity of the sentences' TF-IDF vectors (fitted on the story itself).

    Sublinear tf, smoothed idf and l2 norm, as scikit-learn's ``TfidfVectorizer`` computes
    them, in plain NumPy: a story's vocabulary is small, and this costs a fraction of a
    millisecond where the vectorizer's overhead cost several.
    """
    n = len(sentences)
    if n == 0:
        return np.zeros((0, 0))
    vocab: dict[str, int] = {}
    rows: list[int] = []
    cols: list[int] = []
    for i, s in enumerate(sentences):
        for f in sentence_features(s):
            rows.append(i)
            cols.append(vocab.setdefault(f, len(vocab)))
    if not vocab:
        return np.eye(n)
    v = len(vocab)
    flat = np.asarray(rows) * v + np.asarray(cols)
    tf = np.bincount(flat, minlength=n * v).reshape(n, v).astype(float)
    present = tf > 0
    tf[present] = 1.0 + np.log(tf[present])
    df = present.sum(axis=0)
    tf *= np.log((1.0 + n) / (1.0 + df)) + 1.0
    norm = np.linalg.norm(tf, axis=1, keepdims=True)
    tf /= np.where(norm > 0, norm, 1.0)
    sim = tf @ tf.T
    np.fill_diagonal(sim, 1.0)
    return sim


class FactAligner:
    """Groups sentences of different articles into facts (one job, one setting)."""

    def __init__(
        self,
        threshold: float = DEFAULT_THRESHOLD,
        min_words: int = 4,
        extend_threshold: float | None = None,
    ) -> None:
        self.threshold = threshold
        self.min_words = min_words
        self.extend_threshold = DEFAULT_EXTEND_THRESHOLD if extend_threshold is None \
            else extend_threshold
        self.copy_of: dict[str, str] = {}

    def __call__(self, articles: list[AnalyzedArticle]) -> Alignment:
        return self.align(articles)

    def align(self, articles: list[AnalyzedArticle]) -> Alignment:
        # Wire copies are kept and cited but do not count as independent support.
        self.copy_of = {a.id: a.article.meta["copy_of"] for a in articles
                        if a.article.meta.get("copy_of")}
        sentences = [s for a in articles for s in a.sentences]
        sim = similarity_matrix(sentences)
        labels = self._cluster(sentences, sim)
        return self._facts(sentences, sim, labels)

    def _cluster(self, sentences: list[Sentence], sim: np.ndarray) -> list[int]:
        n = len(sentences)
        if n < 2:
            return list(range(n))
        from scipy.cluster.hierarchy import fcluster, linkage
        from scipy.spatial.distance import squareform

        dist = 1.0 - sim
        owner = np.array([s.article for s in sentences])
        dist[owner[:, None] == owner[None, :]] = 2.0  # never merge within one article
        tiny = np.array([s.words < self.min_words for s in sentences])
        dist[tiny, :] = 2.0
        dist[:, tiny] = 2.0
        np.fill_diagonal(dist, 0.0)
        tree = linkage(squareform(np.clip(dist, 0.0, 2.0), checks=False), method="average")
        return [int(x) - 1 for x in fcluster(tree, t=1.0 - self.threshold, criterion="distance")]

    def _extend(
        self, members: list[int], owner: np.ndarray, words: np.ndarray, sim: np.ndarray
    ) -> list[int]:
        """Add, from each article not yet in the fact, its sentence that says the fact.

        Clusters are a partition, but one long sentence often reports several facts ("in
        China for a two-day trip, his third in three months"): average linkage can place it
        with only one of them. An article also supports a fact when one of its sentences is at
        least ``extend_threshold`` similar to *every* sentence already in the fact.
        """
        worst = sim[:, members].min(axis=1)
        ok = (worst >= self.extend_threshold) & (words >= self.min_words)
        ok &= ~np.isin(owner, owner[members])
        best: dict[str, int] = {}
        for j in np.flatnonzero(ok):
            art = owner[j]
            if art not in best or worst[j] > worst[best[art]]:
                best[art] = int(j)
        return members + sorted(best.values())

    def _facts(self, sentences: list[Sentence], sim: np.ndarray, labels: list[int]) -> Alignment:
        groups: dict[int, list[int]] = {}
        for i, label in enumerate(labels):
            groups.setdefault(label, []).append(i)
        n_articles = len({s.article for s in sentences})
        copy_of = self.copy_of
        owner = np.array([s.article for s in sentences])
        words = np.array([s.words for s in sentences])
        drafts = []
        for members in groups.values():
            members = self._extend(members, owner, words, sim)
            if len(members) > 1:
                sub = sim[np.ix_(members, members)]
                centrality = (sub.sum(axis=1) - 1.0) / (len(members) - 1)
                rep = members[int(np.argmax(centrality))]
                cohesion = float(centrality.mean())
            else:
                rep, cohesion = members[0], 0.0
            articles = sorted({sentences[i].article for i in members})
            copies = [a for a in articles if copy_of.get(a) in articles]
            first_pos = min(sentences[i].index for i in members)
            drafts.append((len(articles) - len(copies), cohesion, -first_pos, members, rep,
                           articles, copies))
        drafts.sort(key=lambda d: (-d[0], -d[1], -d[2], d[4]))
        facts: list[Fact] = []
        fact_of = [0] * len(sentences)
        for k, (support, _, _, members, rep, articles, copies) in enumerate(drafts):
            for i in members:
                if labels[i] == labels[rep]:  # a sentence's own fact, not one it also supports
                    fact_of[i] = k
            facts.append(
                Fact(
                    id=f"f{k + 1}",
                    text=sentences[rep].text,
                    articles=articles,
                    sentences=sorted(sentences[i].ref for i in members),
                    representative=sentences[rep].ref,
                    exclusive=support == 1 and n_articles > 1,
                    copies=copies,
                )
            )
        return Alignment(sentences, sim, facts, fact_of, self.threshold)


def align(articles: list[AnalyzedArticle], threshold: float = DEFAULT_THRESHOLD) -> Alignment:
    return FactAligner(threshold).align(articles)
