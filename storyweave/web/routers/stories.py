"""``/api/v1/stories``: listing (cursor pagination) and reports (ETag, 202 while prepared)."""

from __future__ import annotations

import base64
import binascii
import json

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse

from storyweave import desk
from storyweave.web.deps import ApiError, DeskDep, StoreDep
from storyweave.web.models import StoryCard, StoryList, StoryReport

router = APIRouter(prefix="/api/v1/stories", tags=["stories"])


def encode_cursor(row: dict) -> str:
    raw = json.dumps([row["last_seen"], row["id"]]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[str, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        last_seen, sid = json.loads(raw)
        return str(last_seen), str(sid)
    except (binascii.Error, ValueError, TypeError):
        raise ApiError(400, "bad_cursor", "cursor is not one this API gave out") from None


def card(row: dict, request: Request) -> StoryCard:
    return StoryCard(id=row["id"], headline=row["headline"], size=row["size"],
                     copies=row["copies"], outlets=row.get("outlets", 0),
                     first_seen=row["first_seen"], last_seen=row["last_seen"],
                     updated_at=row["updated_at"], closed=bool(row["closed"]),
                     report_ready=not row["stale"],
                     url=str(request.url_for("story_report", story_id=row["id"])))


@router.get("", response_model=StoryList, summary="List stories, most recently updated first")
def list_stories(request: Request, store: StoreDep,
                 limit: int = Query(20, ge=1, le=200), cursor: str | None = None,
                 since: str | None = Query(None, description="ISO time: updated since"),
                 q: str | None = Query(None, description="full-text query")) -> StoryList:
    if q:
        groups = desk.search_view(store, q, limit=limit * 5)
        return StoryList(stories=[card(g["story"], request) for g in groups[:limit]])
    after = decode_cursor(cursor) if cursor else None
    rows = store.page_stories(limit + 1, after=after, since=since)
    cov = store.coverage([r["id"] for r in rows])
    items = [{**r, **cov.get(r["id"], {})} for r in rows]
    nxt = encode_cursor(items[limit - 1]) if len(items) > limit else None
    return StoryList(stories=[card(r, request) for r in items[:limit]], next_cursor=nxt)


@router.get("/{story_id}", name="story_report", summary="A story's report (storyweave.story/1)",
            response_model=StoryReport,
            responses={202: {"description": "no report yet: being prepared"},
                       304: {"description": "not modified since the ETag"},
                       404: {"description": "no such story"}})
def story_report(story_id: str, request: Request, store: StoreDep,
                 desk_: DeskDep) -> Response:
    story = store.story(story_id)
    if story is None:
        raise ApiError(404, "story_not_found", f"no story '{story_id}'")
    last = store.report_json(story_id)
    if last is None or last[2]:
        desk_.want([story_id])
    if last is None:
        return JSONResponse({"status": "being prepared", "story": story_id},
                            status_code=202, headers={"Retry-After": "5"})
    report, computed_at, stale = last
    etag = f'W/"{story_id}-{computed_at}"'
    headers = {"ETag": etag, "Cache-Control": "no-cache",
               "X-Report-Computed-At": computed_at, "X-Report-Stale": str(stale).lower()}
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    return Response(report, media_type="application/json", headers=headers)
