"""The server-rendered pages: front, story, search, entity, outlet, add form, feeds admin."""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from storyweave import desk
from storyweave.ingest import IngestResult, make_article, read_paths
from storyweave.ingest.records import stable_id
from storyweave.report import render
from storyweave.web.deps import ApiError, DeskDep, StoreDep, check_write, templates

router = APIRouter(include_in_schema=False)


def page(request: Request, template: str, status: int = 200, **ctx: Any) -> HTMLResponse:
    ctx.setdefault("needs_token", bool(request.app.state.token))
    return templates.TemplateResponse(request, template, ctx, status_code=status)


@router.get("/", response_class=HTMLResponse, name="front")
def front(request: Request, store: StoreDep, desk_: DeskDep,
          window: str = desk.DEFAULT_WINDOW,
          page_no: int = Query(1, alias="page")) -> HTMLResponse:
    # this server's own writes show at once (version); another process's within 5 s, so a
    # running ingest does not make every request re-rank the stories
    key = ("front", window, page_no, desk_.version)
    view = desk_.cached(key, 5.0, lambda: desk.front_page(store, window, page_no))
    return page(request, "front.html", **view)


@router.get("/stories/{story_id}.json", name="story_json")
def story_json(story_id: str, store: StoreDep) -> Response:
    last = store.last_report(story_id)
    if last is None:
        raise ApiError(404, "report_not_ready", f"no report for '{story_id}' yet")
    return Response(json.dumps(last[0], ensure_ascii=False, indent=2),
                    media_type="application/json", headers={
                        "Content-Disposition": f'attachment; filename="{_fname(story_id)}.json"'})


@router.get("/stories/{story_id}.md", name="story_md")
def story_md(story_id: str, store: StoreDep) -> Response:
    last = store.last_report(story_id)
    if last is None:
        raise ApiError(404, "report_not_ready", f"no report for '{story_id}' yet")
    return Response(render(last[0], "md"), media_type="text/markdown; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="{_fname(story_id)}.md"'})


def _fname(story_id: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", story_id)[:80] or "story"


@router.get("/stories/{story_id}", response_class=HTMLResponse, name="story_page")
def story_page(request: Request, story_id: str, store: StoreDep,
               desk_: DeskDep) -> HTMLResponse:
    story = store.story(story_id)
    if story is None:
        raise ApiError(404, "story_not_found", f"no story '{story_id}'")
    if story["stale"]:
        desk_.want([story_id])
    # the rendered page is kept while neither the story nor its report changed
    key = ("story", str(request.base_url), story_id, story["updated_at"], story["stale"],
           store.report_computed_at(story_id))

    def render() -> bytes:
        view = desk.story_view(store, story_id)
        return bytes(page(request, "story.html", **view).body)

    return HTMLResponse(desk_.cached(key, 60.0, render))


@router.get("/search", response_class=HTMLResponse, name="search_page")
def search_page(request: Request, store: StoreDep, desk_: DeskDep,
                q: str = Query("", max_length=500),
                page_: int = Query(1, alias="page", ge=1, le=50)) -> HTMLResponse:
    # like the front page: this server's writes show at once, another process's within 5 s
    found = desk_.cached(("search", q, page_, desk_.version), 5.0,
                         lambda: desk.search_results(store, q, page_)) if q.strip() else {}
    return page(request, "search.html", q=q, groups=found.get("groups", []),
                page_no=page_, more=found.get("more", False))


@router.get("/entities/{name:path}", response_class=HTMLResponse, name="entity_page")
def entity_page(request: Request, name: str, store: StoreDep) -> HTMLResponse:
    view = desk.entity_view(store, name)
    if view is None:
        raise ApiError(404, "entity_not_found", f"no entity '{name}' in any report")
    return page(request, "entity.html", **view)


@router.get("/entities", response_class=HTMLResponse, name="entities_page")
def entities_page(request: Request, store: StoreDep) -> HTMLResponse:
    return page(request, "entities.html", entities=store.entities(limit=300),
                outlets=store.outlets(limit=300))


@router.get("/outlets/{source:path}", response_class=HTMLResponse, name="outlet_page")
def outlet_page(request: Request, source: str, store: StoreDep) -> HTMLResponse:
    view = desk.outlet_view(store, source)
    if view is None:
        raise ApiError(404, "outlet_not_found", f"no outlet '{source}'")
    return page(request, "outlet.html", **view)


@router.get("/add", response_class=HTMLResponse, name="add_page")
def add_form(request: Request) -> HTMLResponse:
    return page(request, "add.html", outcomes=None)


async def form_articles(form: Any) -> IngestResult:
    """Pasted text and uploaded files, read by the same readers as ``storyweave ingest``."""
    result = IngestResult()
    text = str(form.get("text") or "").strip()
    if text:
        title = str(form.get("title") or "").strip() or None
        result.articles.append(make_article(
            text=text, origin="pasted text", fallback_id=stable_id("form", text[:500]),
            title=title, source=str(form.get("source") or "").strip() or None,
            url=str(form.get("url") or "").strip() or None))
    uploads = [f for f in form.getlist("files") if isinstance(f, UploadFile) and f.filename]
    if uploads:
        with tempfile.TemporaryDirectory(prefix="storyweave-upload-") as tmp:
            paths = []
            for n, up in enumerate(uploads):
                name = re.sub(r"[^A-Za-z0-9_.-]", "_", Path(up.filename or "").name) or "upload"
                path = Path(tmp) / f"{n:03d}-{name}"
                path.write_bytes(await up.read())
                paths.append(path)
            got = await run_in_threadpool(read_paths, paths)
        for a in got.articles:
            a.origin = _upload_origin(a.origin, tmp)
        for r in got.rejected:
            r.origin = _upload_origin(r.origin, tmp)
        result.extend(got)
    return result


def _upload_origin(origin: str, tmp: str) -> str:
    """``upload:NAME`` instead of the temporary path (no server path reaches a page)."""
    rest = origin.replace(tmp + "/", "", 1)
    return "upload:" + re.sub(r"^\d{3}-", "", rest)


@router.post("/add", response_class=HTMLResponse, name="add_submit")
async def add_submit(request: Request, desk_: DeskDep) -> HTMLResponse:
    form = await request.form(max_files=50, max_fields=20)
    check_write(request, str(form.get("token") or ""))
    result = await form_articles(form)
    if not result.articles and not result.rejected:
        return page(request, "add.html", status=422, outcomes=None,
                    error="Paste an article's text or choose a file.")
    outs = await run_in_threadpool(desk_.ingest, result)
    return page(request, "add.html", outcomes=outs, warnings=result.warnings)


@router.get("/admin", response_class=HTMLResponse, name="admin_page")
def admin_page(request: Request, store: StoreDep,
               desk_: DeskDep) -> HTMLResponse:
    pending = store.conn.execute("SELECT count(*) FROM stories WHERE stale = 1").fetchone()[0]
    return page(request, "admin.html", feeds=store.feed_states(), pending=pending,
                articles=store.count("articles"), stories=store.count("stories"),
                reports=store.count("reports"), report_errors=desk_.report_errors,
                reports_done=desk_.reports_done)


@router.get("/api/v1/docs", response_class=HTMLResponse, name="api_docs")
def api_docs(request: Request) -> HTMLResponse:
    """The API reference, rendered here from the OpenAPI schema (no CDN script)."""
    schema = request.app.openapi()
    ops = []
    for path, methods in schema.get("paths", {}).items():
        for method, op in methods.items():
            ops.append({"method": method.upper(), "path": path,
                        "summary": op.get("summary", ""),
                        "params": [p["name"] for p in op.get("parameters", [])]})
    return page(request, "apidocs.html", ops=ops, title=schema["info"]["title"])
