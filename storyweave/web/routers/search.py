"""``/api/v1/search``: full-text search, matches grouped by story."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request

from storyweave import desk
from storyweave.web.deps import DeskDep, StoreDep
from storyweave.web.models import SearchGroup, SearchHit
from storyweave.web.routers.stories import card

router = APIRouter(prefix="/api/v1/search", tags=["search"])


@router.get("", response_model=list[SearchGroup],
            summary='Search articles and summaries ("a phrase", prefix*)')
def search(request: Request, store: StoreDep, desk_: DeskDep,
           q: str = Query(..., min_length=1, max_length=500),
           limit: int = Query(100, ge=1, le=500)) -> list[SearchGroup]:
    groups = desk_.cached(("search", q, limit, desk_.version), 5.0,
                          lambda: desk.search_view(store, q, limit=limit))
    return [SearchGroup(story=card(g["story"], request),
                        hits=[SearchHit(article_id=h["article_id"], title=h["title"],
                                        source=h["source"],
                                        snippet=h["snippet"].replace("\x02", "").replace(
                                            "\x03", "")) for h in g["hits"]])
            for g in groups]
