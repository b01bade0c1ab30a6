"""storyweave: weave many outlets' reports of one event into one cited, checkable account."""

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
from storyweave.pipeline import NoUsableArticles, Pipeline, StoryweaveError, summarize

__version__ = "0.1.0"

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
