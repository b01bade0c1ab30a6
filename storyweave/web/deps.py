"""What routes share: the desk, the templates, errors and the write check."""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import Depends, HTTPException, Request
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from markupsafe import Markup, escape

from storyweave.desk import age_text
from storyweave.store import Store
from storyweave.web.background import Desk

HERE = Path(__file__).resolve().parent


class ApiError(HTTPException):
    """An error with a machine-readable code; JSON for the API, a page for the browser."""

    def __init__(self, status: int, code: str, message: str,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(status_code=status, detail=message, headers=headers)
        self.code = code


def get_desk(request: Request) -> Desk:
    return request.app.state.desk


def get_store(request: Request) -> Iterator[Store]:
    desk: Desk = request.app.state.desk
    store = desk.checkout()
    try:
        yield store
    finally:
        desk.checkin(store)


def check_write(request: Request, form_token: str | None = None) -> None:
    """Writes need the server's token when it has one (always, off loopback)."""
    token = request.app.state.token
    if not token:
        return
    given = request.headers.get("x-storyweave-token") or form_token or ""
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        given = auth[7:].strip()
    if not hmac.compare_digest(given.encode(), token.encode()):
        raise ApiError(401, "token_required", "this server needs its token for writes "
                       "(header 'Authorization: Bearer TOKEN' or the form's token field)")


def safe_href(url: Any) -> str | None:
    """The URL if it is an http(s) link, else None: no ``javascript:`` or ``data:`` hrefs."""
    if not isinstance(url, str):
        return None
    u = url.strip()
    try:
        parts = urlsplit(u)
    except ValueError:
        return None
    if parts.scheme.lower() in ("http", "https") and parts.netloc:
        return u
    return None


def plural(n: int, one: str, many: str) -> str:
    """``1 story``, ``2 stories``: a count with the noun that agrees with it."""
    return f"{n} {one if n == 1 else many}"


def snippet_html(text: str | None) -> Markup:
    """An FTS5 snippet (matches between \\x02 and \\x03) as escaped HTML with <mark>."""
    out = str(escape(text or ""))
    return Markup(out.replace("\x02", "<mark>").replace("\x03", "</mark>"))


_URLS: dict[tuple[str, str, tuple], str] = {}


@pass_context
def url_for(context: dict[str, Any], name: str, /, **params: Any) -> str:
    """Starlette's ``url_for``, remembered: it walks the routes and builds an absolute URL on
    every call (about 0.12 ms), and a page of 30 result cards called it 30 times."""
    request: Request = context["request"]
    key = (str(request.base_url), name, tuple(sorted(params.items())))
    url = _URLS.get(key)
    if url is None:
        if len(_URLS) > 50_000:
            _URLS.clear()
        url = _URLS[key] = str(request.url_for(name, **params))
    return url


templates = Jinja2Templates(directory=str(HERE / "templates"))
templates.env.globals["url_for"] = url_for
templates.env.autoescape = True
templates.env.filters["safe_href"] = safe_href
templates.env.filters["plural"] = plural
templates.env.filters["snippet"] = snippet_html
templates.env.filters["ago"] = age_text
templates.env.filters["day"] = lambda s: (s or "")[:16].replace("T", " ")


StoreDep = Annotated[Store, Depends(get_store)]
DeskDep = Annotated[Desk, Depends(get_desk)]
