"""The data model every stage shares.

Plain dataclasses, so that a stage can be used (and tested) on its own and the whole story can
be written to JSON with :func:`dataclasses.asdict`. Anything heavy and not serialisable (the
spaCy ``Doc`` of an article) lives on :class:`AnalyzedArticle` only and never reaches a report.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SCHEMA = "storyweave.story/1"


@dataclass
class Article:
    """One input article as read, before cleaning.

    ``body`` is the text under the headline; ``origin`` says where it came from (``file`` or
    ``file:line``) so that every message about it can name its place.
    """

    id: str
    source: str
    title: str
    body: str
    url: str | None = None
    published: str | None = None
    origin: str = ""
    source_inferred: bool = False
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def words(self) -> int:
        return len(self.body.split())


@dataclass
class Dropped:
    """A piece of text the cleaner removed, and why: nothing leaves an article silently."""

    article: str
    text: str
    reason: str


@dataclass
class Rejected:
    """An input that could not be used as an article (unreadable, empty, duplicate, ...)."""

    origin: str
    reason: str
    article: str | None = None


@dataclass
class CleanArticle:
    """An article after cleaning: ``body`` is story text only, blank lines between paragraphs."""

    article: Article
    body: str
    dropped: list[Dropped] = field(default_factory=list)

    @property
    def id(self) -> str:
        return self.article.id


@dataclass(frozen=True, order=True)
class SentenceRef:
    """A pointer to one sentence: the article id and the sentence's index in that article."""

    article: str
    sentence: int


@dataclass
class Mention:
    """A named-entity mention as spaCy found it, with offsets into the clean body."""

    text: str
    label: str
    start: int
    end: int


@dataclass
class Sentence:
    """One sentence of a clean article, the unit every later stage cites."""

    article: str
    index: int
    text: str
    start: int
    end: int
    paragraph: int
    words: int
    entities: list[Mention] = field(default_factory=list)
    lemmas: list[str] = field(default_factory=list)

    @property
    def ref(self) -> SentenceRef:
        return SentenceRef(self.article, self.index)


@dataclass
class AnalyzedArticle:
    """A clean article with its sentences and entities; analysed once and reused downstream."""

    clean: CleanArticle
    sentences: list[Sentence]
    doc: Any = field(default=None, repr=False, compare=False)

    @property
    def id(self) -> str:
        return self.clean.article.id

    @property
    def article(self) -> Article:
        return self.clean.article


@dataclass
class Fact:
    """Sentences of different articles that report the same thing.

    ``text`` is the most representative sentence; ``articles`` are the distinct articles that
    report it; ``copies`` those of them that republish another of them (``meta["copy_of"]``,
    set by near-duplicate detection). Its *support* counts the others.
    """

    id: str
    text: str
    articles: list[str]
    sentences: list[SentenceRef]
    representative: SentenceRef
    exclusive: bool = False
    copies: list[str] = field(default_factory=list)

    @property
    def support(self) -> int:
        """Independent articles: a wire copy whose original also reports the fact adds none."""
        return len(self.articles) - len(self.copies)


@dataclass
class SummarySentence:
    """One summary sentence and the source sentences it rests on.

    ``verified``/``verification`` stay ``None`` until :mod:`storyweave.verify` has checked the
    sentence (the extractive path does not need to: its sentence is its first citation).
    """

    text: str
    citations: list[SentenceRef]
    fact: str | None = None
    verified: bool | None = None
    verification: str | None = None


@dataclass
class Summary:
    """``method`` says how it was written; ``note`` explains a fallback (an unreachable model)
    and ``dropped`` lists the generated sentences the verifier removed, with their reasons."""

    sentences: list[SummarySentence]
    words_budget: int
    method: str = "extractive"
    note: str | None = None
    dropped: list[SummarySentence] = field(default_factory=list)

    @property
    def verified_share(self) -> float | None:
        """Verified sentences among those checked (dropped ones included); ``None`` if none was."""
        checked = [s for s in [*self.sentences, *self.dropped] if s.verified is not None]
        if not checked:
            return None
        return sum(1 for s in checked if s.verified) / len(checked)

    @property
    def text(self) -> str:
        return " ".join(s.text for s in self.sentences)

    @property
    def words(self) -> int:
        return sum(len(s.text.split()) for s in self.sentences)


@dataclass
class Story:
    """The woven account of one story: what a report renders."""

    id: str
    title: str
    articles: list[AnalyzedArticle]
    summary: Summary
    facts: list[Fact]
    dropped: list[Dropped] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    timeline: list[dict[str, Any]] = field(default_factory=list)
    entities: list[dict[str, Any]] = field(default_factory=list)
    quotes: list[dict[str, Any]] = field(default_factory=list)

    def article(self, article_id: str) -> AnalyzedArticle:
        for a in self.articles:
            if a.id == article_id:
                return a
        raise KeyError(article_id)

    def sentence(self, ref: SentenceRef) -> Sentence:
        return self.article(ref.article).sentences[ref.sentence]
