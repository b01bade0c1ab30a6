"""``/api/v1/articles``: read one, post one or a batch (idempotent: a re-post is a duplicate)."""

from __future__ import annotations

import json

from fastapi import APIRouter, Request

from storyweave.ingest import records_to_articles
from storyweave.web.deps import ApiError, DeskDep, StoreDep, check_write
from storyweave.web.models import ArticleIn, ArticleOut, IngestReply, Outcome

router = APIRouter(prefix="/api/v1/articles", tags=["articles"])
_ARTICLE_IN = ArticleIn.model_json_schema()


@router.get("/{article_id}", response_model=ArticleOut, summary="One stored article")
def get_article(article_id: str, store: StoreDep) -> ArticleOut:
    row = store.article(article_id)
    if row is None:
        raise ApiError(404, "article_not_found", f"no article '{article_id}'")
    return ArticleOut(**row)


async def json_records(request: Request) -> list[tuple[str, object]]:
    """The posted JSON as ``(origin, record)`` pairs: one object, a list, or {articles: [...]}."""
    raw = await request.body()
    try:
        data = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        msg = err.msg if isinstance(err, json.JSONDecodeError) else "not UTF-8"
        raise ApiError(400, "malformed_json", f"request body is not JSON ({msg})") from None
    if isinstance(data, dict) and isinstance(data.get("articles"), list):
        data = data["articles"]
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list) or not data:
        raise ApiError(400, "no_articles", "send one article object or a non-empty list")
    return [(f"request[{i}]", rec) for i, rec in enumerate(data)]


@router.post("", response_model=IngestReply, summary="Add one article or a batch",
             openapi_extra={"requestBody": {"required": True, "content": {
                 "application/json": {"schema": {"anyOf": [
                     _ARTICLE_IN, {"type": "array", "items": _ARTICLE_IN}]}}}}})
async def post_articles(request: Request, desk_: DeskDep) -> IngestReply:
    check_write(request)
    records = await json_records(request)
    result = records_to_articles(records, "request")
    from starlette.concurrency import run_in_threadpool

    outs = await run_in_threadpool(desk_.ingest, result)
    return reply(outs)


def reply(outs: list) -> IngestReply:
    items = [Outcome(**o.__dict__) for o in outs]
    return IngestReply(new=sum(o.status == "new" for o in items),
                       duplicates=sum(o.status == "duplicate" for o in items),
                       rejected=sum(o.status == "rejected" for o in items), outcomes=items)


__all__ = ["ArticleIn", "router"]
