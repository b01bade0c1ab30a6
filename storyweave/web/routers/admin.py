"""Health, version, feed state and ``POST /api/v1/summarize`` (articles in, report out)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from storyweave import __version__
from storyweave.ingest import records_to_articles
from storyweave.store import SCHEMA_VERSION
from storyweave.web.deps import ApiError, DeskDep, StoreDep
from storyweave.web.models import FeedState, Health
from storyweave.web.routers.articles import json_records

router = APIRouter(prefix="/api/v1", tags=["admin"])


@router.get("/health", response_model=Health, summary="Liveness and store counts")
def health(store: StoreDep, desk_: DeskDep) -> Health:
    stale = store.conn.execute("SELECT count(*) FROM stories WHERE stale = 1").fetchone()[0]
    return Health(status="ok", version=__version__, schema_version=SCHEMA_VERSION,
                  articles=store.count("articles"), stories=store.count("stories"),
                  reports=store.count("reports"), pending_reports=stale,
                  data_version=store.last_seq())


@router.get("/version", summary="storyweave and schema versions")
def version() -> dict[str, Any]:
    return {"storyweave": __version__, "api": "v1", "store_schema": SCHEMA_VERSION,
            "report_schema": "storyweave.story/1"}


@router.get("/feeds", response_model=list[FeedState], summary="Feed poller state")
def feeds(store: StoreDep) -> list[FeedState]:
    return [FeedState(**f) for f in store.feed_states()]


@router.post("/summarize", summary="Weave posted articles into one report; nothing is stored")
async def summarize(request: Request, words: int = 150) -> dict[str, Any]:
    if not 1 <= words <= 2000:
        raise ApiError(422, "bad_words", "words must be between 1 and 2000")
    result = records_to_articles(await json_records(request), "request")
    if not result.articles:
        raise ApiError(422, "no_usable_articles", "; ".join(
            f"{r.origin}: {r.reason}" for r in result.rejected) or "no articles")
    app = request.app

    def run() -> dict[str, Any]:
        from storyweave.pipeline import Pipeline
        from storyweave.report.json import story_to_dict

        if app.state.summarize_pipeline is None:
            app.state.summarize_pipeline = Pipeline()
        story = app.state.summarize_pipeline.run(result.articles, words=words,
                                                 rejected=result.rejected)
        return story_to_dict(story)

    return await run_in_threadpool(run)
