"""storyweave: weave many outlets' reports of one event into one cited, checkable account."""

from typing import Any

from storyweave.errors import NoUsableArticles, StoryweaveError
from storyweave.model import (
    SCHEMA,
    Article,
    Dropped,
    Fact,
    Rejected,
    Sentence,
    SentenceRef,
    Story,
    Summary,
    SummarySentence,
)

__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    """``Pipeline`` and ``summarize`` load spaCy: import them on first use, not with the CLI."""
    if name in ("Pipeline", "summarize"):
        from storyweave import pipeline

        return getattr(pipeline, name)
    raise AttributeError(name)


__all__ = [
    "SCHEMA",
    "Article",
    "Dropped",
    "Fact",
    "NoUsableArticles",
    "Pipeline",
    "Rejected",
    "Sentence",
    "SentenceRef",
    "Story",
    "StoryweaveError",
    "Summary",
    "SummarySentence",
    "summarize",
]
