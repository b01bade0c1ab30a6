"""Ingest: from paths and records to :class:`~storyweave.model.Article` objects.

Readers never raise on bad input; what they cannot use comes back as ``rejected``.
"""

from storyweave.ingest.feeds import read_feed, read_inputs
from storyweave.ingest.files import IngestResult, read_file, read_paths, records_to_articles
from storyweave.ingest.records import article_from_record, make_article

__all__ = [
    "IngestResult",
    "article_from_record",
    "make_article",
    "read_feed",
    "read_file",
    "read_inputs",
    "read_paths",
    "records_to_articles",
]
