"""The pipeline: ingest -> clean -> analyze -> align -> summarize, as one library call.

:class:`Pipeline` holds the configured stages and the loaded spaCy model, so a batch of stories
pays for the model once. The CLI, the batch mode and the evaluation harness all call
:meth:`Pipeline.run`; :func:`summarize` is the one-line version.

Later analyses (conflicts, quotes, timeline, entities) plug in as *enrichers*: callables that
read the finished alignment and add their lists to the :class:`Story`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from storyweave.align import Alignment, FactAligner
from storyweave.analyze import analyze, blas_threads, load_nlp
from storyweave.clean import Cleaner
from storyweave.errors import NoUsableArticles, StoryweaveError
from storyweave.ingest import IngestResult, read_paths
from storyweave.ingest.files import dedupe_ids
from storyweave.ingest.records import article_from_record, stable_id, too_long
from storyweave.model import AnalyzedArticle, Article, Dropped, Rejected, Story
from storyweave.summarizers import DEFAULT_SUMMARIZER, BaseSummarizer

Enricher = Callable[[Story, Alignment], None]

__all__ = ["NoUsableArticles", "Pipeline", "StoryweaveError", "default_pipeline",
           "pipeline_from_options", "summarize"]


@dataclass
class Pipeline:
    """Configured stages of storyweave; build once, run on many stories."""

    cleaner: Cleaner = field(default_factory=Cleaner)
    aligner: FactAligner = field(default_factory=FactAligner)
    summarizer: BaseSummarizer = field(default_factory=DEFAULT_SUMMARIZER)
    enrichers: list[Enricher] = field(default_factory=lambda: _crosscheck_enrichers())
    model: str | None = None
    min_sentence_words: int = 4

    @property
    def nlp(self) -> Any:
        return load_nlp(self.model)

    def prepare(
        self, articles: Sequence[Article]
    ) -> tuple[list[AnalyzedArticle], list[Dropped], list[Rejected]]:
        """Clean and analyse; articles with no story text left are rejected, not lost."""
        cleaned = [self.cleaner(a) for a in articles]
        dropped = [d for c in cleaned for d in c.dropped]
        rejected: list[Rejected] = []
        usable = []
        for c in cleaned:
            if too_long(c.body):  # an Article built by hand skips the readers' check
                rejected.append(Rejected(c.article.origin or c.id, too_long(c.body) or "",
                                         article=c.id))
            elif not c.body.strip():
                n = len(c.dropped)
                rejected.append(
                    Rejected(c.article.origin or c.id,
                             f"no story text left after cleaning ({n} pieces of page furniture "
                             "removed)" if n else "empty article", article=c.id)
                )
            else:
                usable.append(c)
        analyzed = []
        with blas_threads(1):
            done = analyze(usable, self.nlp)
        for a in done:
            if any(s.words >= self.min_sentence_words for s in a.sentences):
                analyzed.append(a)
            else:
                rejected.append(Rejected(a.article.origin or a.id,
                                         "no complete sentence in the article", article=a.id))
        return analyzed, dropped, rejected

    def run(
        self,
        articles: Sequence[Article],
        words: int = 150,
        rejected: Iterable[Rejected] = (),
        story_id: str | None = None,
    ) -> Story:
        with blas_threads(1):
            return self._run(articles, words, list(rejected), story_id)

    def _run(self, articles: Sequence[Article], words: int, rejected: list[Rejected],
             story_id: str | None) -> Story:
        analyzed, dropped, more_rejected = self.prepare(articles)
        rejected.extend(more_rejected)
        if not analyzed:
            raise NoUsableArticles(rejected)
        alignment = self.aligner(analyzed)
        if getattr(self.summarizer, "wants_articles", False):  # outlet names for a prompt
            summary = self.summarizer.summarize(alignment, words,  # type: ignore[call-arg]
                                                articles=analyzed)
        else:
            summary = self.summarizer.summarize(alignment, words)
        story = Story(
            id=story_id or stable_id(*sorted(a.id for a in analyzed)),
            title=pick_title(analyzed, alignment),
            articles=analyzed,
            summary=summary,
            facts=alignment.facts,
            dropped=dropped,
            rejected=rejected,
        )
        for enrich in self.enrichers:
            enrich(story, alignment)
        return story


def _crosscheck_enrichers() -> list[Enricher]:
    """The cross-source analyses (entities, quotes, timeline, conflicts): the default."""
    from storyweave.crosscheck import default_enrichers

    return default_enrichers()


def pick_title(articles: list[AnalyzedArticle], alignment: Alignment) -> str:
    """The headline of the article that carries the most widely reported facts."""
    weight: dict[str, float] = {a.id: 0.0 for a in articles}
    for fact in alignment.facts:
        if fact.support > 1:
            for art in fact.articles:
                weight[art] += fact.support
    for a in sorted(articles, key=lambda a: -weight[a.id]):
        if a.article.title:
            return a.article.title
    first = alignment.sentences[0].text if alignment.sentences else ""
    return first[:120]


ArticleLike = Article | Mapping[str, Any] | str | Path


def to_articles(items: Iterable[ArticleLike]) -> IngestResult:
    """Articles from a mix of :class:`Article` objects, JSON-like dicts and paths."""
    result = IngestResult()
    paths: list[str | Path] = []
    for n, item in enumerate(items, start=1):
        if isinstance(item, Article):
            result.articles.append(item)
        elif isinstance(item, Mapping):
            try:
                result.articles.append(article_from_record(item, f"article {n}", f"a{n}"))
            except ValueError as err:
                result.rejected.append(Rejected(f"article {n}", str(err)))
        else:
            paths.append(item)
    if paths:
        result.extend(read_paths(paths))
    dedupe_ids(result)
    return result


def summarize(
    articles: Iterable[ArticleLike] | str | Path,
    words: int = 150,
    pipeline: Pipeline | None = None,
    story_id: str | None = None,
) -> Story:
    """Weave articles (objects, dicts or paths) into one cited :class:`Story`."""
    if isinstance(articles, str | Path):
        articles = [articles]
    ingested = to_articles(articles)
    pipeline = pipeline or default_pipeline()
    return pipeline.run(ingested.articles, words=words, rejected=ingested.rejected,
                        story_id=story_id)


_DEFAULT: Pipeline | None = None


def default_pipeline() -> Pipeline:
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = Pipeline()
    return _DEFAULT


def pipeline_from_options(summarizer: str = "storyweave", llm_url: str | None = None,
                          llm_model: str | None = None, llm_key: str | None = None,
                          keep_unverified: bool = False) -> Pipeline:
    """A pipeline with the named summarizer (``llm``: a language model, settings from the
    arguments or the ``STORYWEAVE_LLM_*`` environment variables)."""
    from storyweave.summarizers import SUMMARIZERS

    if summarizer == "llm":
        from storyweave.llm import llm_summarizer

        return Pipeline(summarizer=llm_summarizer(llm_url, llm_model, llm_key,
                                                  keep_unverified=keep_unverified))
    if summarizer not in SUMMARIZERS:
        raise StoryweaveError(f"unknown summarizer {summarizer!r}; known: "
                              f"{', '.join([*SUMMARIZERS, 'llm'])}")
    return Pipeline(summarizer=SUMMARIZERS[summarizer]())
