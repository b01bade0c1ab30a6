"""The application: routers, static files, security headers, body limits, JSON errors, and
the background threads (writer, report worker, optional feed poller) tied to its lifespan."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from storyweave import __version__
from storyweave.web.background import Desk, Refresher, default_refresh
from storyweave.web.deps import HERE, ApiError, templates
from storyweave.web.routers import admin, articles, entities, outlets, pages, search, stories

#: Largest request body accepted (a batch of articles or a few uploaded files).
MAX_BODY = 8 * 1024 * 1024

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
]


class _TooLarge(Exception):
    pass


class Guard:
    """ASGI middleware: refuses bodies over ``limit`` bytes (declared or streamed) with 413,
    and puts the security headers on every response."""

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message["headers"] = list(message.get("headers", [])) + SECURITY_HEADERS
            await send(message)

        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await self._too_large(send_with_headers)
            return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise _TooLarge
            return message

        try:
            await self.app(scope, limited, send_with_headers)
        except _TooLarge:
            if not started:
                await self._too_large(send_with_headers)

    async def _too_large(self, send: Send) -> None:
        body = json.dumps({"error": {"code": "body_too_large", "message":
                                     f"request body over {self.limit} bytes"}}).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or \
        "text/html" not in request.headers.get("accept", "")


def _error(request: Request, status: int, code: str, message: str,
           headers: dict[str, str] | None = None) -> Any:
    if _wants_json(request):
        return JSONResponse({"error": {"code": code, "message": message}}, status_code=status,
                            headers=headers)
    return templates.TemplateResponse(request, "error.html",
                                      {"status": status, "code": code, "message": message},
                                      status_code=status, headers=headers)


def create_app(db: str | Path, token: str | None = None, *, reports: bool = True,
               pipeline: Any = None, feeds: list[str] | None = None,
               every: float = 900.0, max_body: int = MAX_BODY,
               poller_options: dict[str, Any] | None = None,
               refresh: Refresher = default_refresh) -> FastAPI:
    """The web desk over the store at ``db``. With ``token``, every write (API and add form)
    needs it. ``reports=False`` leaves stale reports alone (no background pipeline);
    ``refresh(store, story_ids, pipeline)`` is what the report thread calls (a parallel
    refresher can take its place); ``feeds`` are polled every ``every`` seconds."""
    desk_ = Desk(db, reports=reports, pipeline=pipeline, refresh=refresh)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        desk_.start()
        poller = None
        if feeds:
            from storyweave.feeds import FeedWatcher

            poller = FeedWatcher(desk_.db, feeds, every=every, ingest=desk_.ingest,
                                 **(poller_options or {}))
            poller.start()
        app.state.poller = poller
        try:
            yield
        finally:
            if poller is not None:
                poller.stop()
            desk_.stop()

    app = FastAPI(title="storyweave", version=__version__, lifespan=lifespan,
                  openapi_url="/api/v1/openapi.json", docs_url=None, redoc_url=None,
                  description="Stories woven from many outlets, with citations. "
                              "Errors are JSON: {\"error\": {\"code\", \"message\"}}.")
    app.state.desk = desk_
    app.state.token = token or None
    app.state.summarize_pipeline = pipeline
    app.state.poller = None
    app.add_middleware(Guard, limit=max_body)
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    for r in (stories, articles, search, entities, outlets, admin, pages):
        app.include_router(r.router)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Any:
        code = exc.code if isinstance(exc, ApiError) else {
            404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return _error(request, exc.status_code, code, str(exc.detail), exc.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Any:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()))
        return _error(request, 422, "invalid_request",
                      f"{where}: {first.get('msg', 'invalid')}" if where else "invalid request")

    @app.exception_handler(Exception)
    async def internal(request: Request, exc: Exception) -> Any:
        return _error(request, 500, "internal_error", f"{type(exc).__name__}")

    return app


__all__ = ["CSP", "MAX_BODY", "HTMLResponse", "create_app"]
