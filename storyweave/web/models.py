"""Request and response models of the API, derived from the data model
(:mod:`storyweave.model`) so that a field added there shows up here without a second copy."""

from __future__ import annotations

import dataclasses
import typing
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, create_model

from storyweave.model import SCHEMA, Article, Story


def _fields(cls: type, *, optional: set[str] | None = None, skip: set[str] = frozenset(),
            extra: dict[str, Any] | None = None) -> dict[str, Any]:
    hints = typing.get_type_hints(cls)
    out: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        if f.name in skip:
            continue
        tp = hints[f.name]
        if optional is None or f.name in optional:
            out[f.name] = (tp | None, None)
        else:
            out[f.name] = (tp, ...)
    out.update(extra or {})
    return out


#: One input article (the JSON record ``storyweave ingest`` reads): ``text`` is required,
#: everything else is optional, as in :func:`storyweave.ingest.records.article_from_record`.
ArticleIn = create_model(
    "ArticleIn", __config__=ConfigDict(extra="allow"),
    **_fields(Article, optional={f.name for f in dataclasses.fields(Article)},
              skip={"body", "origin", "source_inferred", "meta"},
              extra={"text": (str, Field(..., description="headline on the first line when "
                                                         "no title is given, then the body"))}))

#: A stored article, as ``GET /api/v1/articles/{id}`` returns it.
ArticleOut = create_model(
    "ArticleOut", **_fields(Article, optional=set(), skip={"origin"},
                            extra={"story_id": (str, ...), "copy_of": (str | None, None),
                                   "published_inferred": (bool, False),
                                   "ingested_at": (str, ...)}))

#: A story report (``storyweave.story/1``, docs/report-format.md): the Story dataclass's
#: fields as JSON, plus what the report adds (schema, exclusives, reference dates, copies).
StoryReport = create_model(
    "StoryReport", __config__=ConfigDict(extra="allow"),
    **{name: (Any, None) for name in (f.name for f in dataclasses.fields(Story))},
    schema_=(str, Field(SCHEMA, alias="schema")))


class StoryCard(BaseModel):
    """One story in a listing: the ``stories`` row with its coverage."""

    id: str
    headline: str
    size: int
    copies: int
    outlets: int
    first_seen: str
    last_seen: str
    updated_at: str
    closed: bool
    report_ready: bool
    url: str


class StoryList(BaseModel):
    stories: list[StoryCard]
    next_cursor: str | None = None


class Outcome(BaseModel):
    """What happened to one posted article (``storyweave.stream.Outcome``)."""

    article: str | None
    origin: str
    status: str
    story: str | None = None
    reason: str | None = None
    copy_of: str | None = None


class IngestReply(BaseModel):
    new: int
    duplicates: int
    rejected: int
    outcomes: list[Outcome]


class SearchHit(BaseModel):
    article_id: str | None
    title: str
    source: str | None
    snippet: str


class SearchGroup(BaseModel):
    story: StoryCard
    hits: list[SearchHit]


class EntityRow(BaseModel):
    name: str
    type: str
    stories: int


class OutletRow(BaseModel):
    source: str
    articles: int
    stories: int
    copies: int


class FeedState(BaseModel):
    url: str
    etag: str | None = None
    last_modified: str | None = None
    last_poll: str | None = None
    last_ok: str | None = None
    last_status: str | None = None
    last_error: str | None = None
    polls: int = 0
    items: int = 0


class Health(BaseModel):
    status: str
    version: str
    schema_version: int
    articles: int
    stories: int
    reports: int
    pending_reports: int
    data_version: int


class ErrorBody(BaseModel):
    code: str
    message: str


class ErrorReply(BaseModel):
    error: ErrorBody
