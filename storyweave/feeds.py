"""Live feeds: poll RSS/Atom feeds on a schedule and ingest each new item's page.

Per poll of one feed: a conditional GET (``If-None-Match`` / ``If-Modified-Since`` from the
last answer, so an unchanged feed costs one 304 and nothing else); timeouts, and retries with
exponential backoff on network errors and 5xx answers; a politeness delay between two requests
to the same host; the feed parsed by :func:`storyweave.ingest.feeds.parse_feed` (feedparser);
for each item not seen before, its page fetched and its text extracted with trafilatura (the
feed's own text is kept when the page gives less); then one ingest call for the round. Every
poll is recorded in the store (``feeds``: last poll, last status, last error, validators;
``feed_items``: the items handled), which the admin page and ``storyweave feeds`` show.

One failing feed never stops the others: :meth:`FeedPoller.poll_all` records the error and goes
on. Ingesting is a callable, so the server routes it through its single writer thread and the
``watch`` command opens a :class:`~storyweave.stream.StreamIngestor` per round.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from storyweave import __version__
from storyweave.errors import StoryweaveError
from storyweave.ingest import IngestResult
from storyweave.ingest.feeds import parse_feed
from storyweave.model import Article
from storyweave.store import Store
from storyweave.stream import Outcome, StreamIngestor, arrival_order

log = logging.getLogger("storyweave.feeds")

USER_AGENT = f"storyweave/{__version__} (feed reader)"
#: ``ingest(result) -> outcomes``: how a poll round's articles reach the store.
Ingest = Callable[[IngestResult], list[Outcome]]


def parse_every(text: str) -> float:
    """Seconds from ``90``, ``90s``, ``15m``, ``2h``: the ``--every`` option."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smh]?)\s*", text or "")
    if not m or float(m.group(1)) <= 0:
        raise StoryweaveError(f"--every {text!r}: give a duration such as 90s, 15m or 2h")
    return float(m.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600}[m.group(2)]


def read_feed_list(path: str | Path) -> list[str]:
    """One http(s) URL a line; blank lines and ``#`` comments are skipped."""
    p = Path(path)
    try:
        lines = p.read_text(encoding="utf-8").splitlines()
    except OSError as err:
        raise StoryweaveError(f"{p}: cannot read: {err.strerror}") from None
    except UnicodeDecodeError:
        raise StoryweaveError(f"{p}: not UTF-8 text") from None
    urls = []
    for n, line in enumerate(lines, start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if urlsplit(line).scheme not in ("http", "https") or not urlsplit(line).netloc:
            raise StoryweaveError(f"{p}:{n}: not an http(s) feed URL: {line[:80]!r}")
        urls.append(line)
    if not urls:
        raise StoryweaveError(f"{p}: lists no feed URLs")
    return urls


def store_ingest(db: str | Path) -> Ingest:
    """Ingest straight into the store, with a fresh ingestor per round (so another writer's
    articles since the last round are picked up)."""
    def ingest(result: IngestResult) -> list[Outcome]:
        with Store(db) as store:
            ing = StreamIngestor(store)
            return ing.reject(result.rejected) + list(ing.run(arrival_order(result.articles)))

    return ingest


@dataclass
class PollResult:
    url: str
    status: str  # "new items", "no new items", "not modified" or "error"
    new: int = 0
    duplicates: int = 0
    rejected: int = 0
    error: str | None = None
    outcomes: list[Outcome] = field(default_factory=list)


class FetchError(Exception):
    pass


class FeedPoller:
    """Polls feeds into a store; see the module docstring."""

    def __init__(self, db: str | Path, ingest: Ingest | None = None, *, timeout: float = 10.0,
                 retries: int = 2, backoff: float = 1.0, politeness: float = 1.0,
                 max_items: int = 100, fetch_pages: bool = True,
                 client: httpx.Client | None = None) -> None:
        self.db = Path(db)
        self.ingest = ingest or store_ingest(db)
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.politeness = politeness
        self.max_items = max_items
        self.fetch_pages = fetch_pages
        self.client = client or httpx.Client(
            timeout=timeout, follow_redirects=True, headers={"User-Agent": USER_AGENT})
        self._last_hit: dict[str, float] = {}

    def close(self) -> None:
        self.client.close()

    # ------------------------------------------------------------- HTTP

    def _wait_turn(self, url: str) -> None:
        host = urlsplit(url).netloc
        last = self._last_hit.get(host)
        if last is not None:
            wait = self.politeness - (time.monotonic() - last)
            if wait > 0:
                time.sleep(wait)
        self._last_hit[host] = time.monotonic()

    def get(self, url: str, headers: dict[str, str] | None = None) -> httpx.Response:
        """GET with the politeness delay, and retries with backoff on network errors and
        5xx answers; raises :class:`FetchError` with a one-line reason when all tries fail."""
        reason = ""
        for attempt in range(self.retries + 1):
            if attempt:
                time.sleep(self.backoff * 2 ** (attempt - 1))
            self._wait_turn(url)
            try:
                r = self.client.get(url, headers=headers or {})
            except httpx.TimeoutException:
                reason = f"timed out after {self.timeout:g} s"
                continue
            except httpx.HTTPError as err:
                reason = f"{type(err).__name__}: {err}"
                continue
            if r.status_code >= 500:
                reason = f"HTTP {r.status_code}"
                continue
            return r
        tries = self.retries + 1
        raise FetchError(f"{reason} ({tries} tr{'y' if tries == 1 else 'ies'})")

    # ------------------------------------------------------------- one feed

    def poll(self, url: str) -> PollResult:
        with Store(self.db) as store:
            state = store.feed_state(url) or {}
        headers = {}
        if state.get("etag"):
            headers["If-None-Match"] = state["etag"]
        if state.get("last_modified"):
            headers["If-Modified-Since"] = state["last_modified"]
        try:
            r = self.get(url, headers)
        except FetchError as err:
            return self._failed(url, str(err))
        if r.status_code == 304:
            self._record(url, "304 not modified")
            return PollResult(url, "not modified")
        if r.status_code >= 400:
            return self._failed(url, f"HTTP {r.status_code}")
        parsed = parse_feed(r.content, url)
        if not parsed.articles:
            reason = parsed.rejected[0].reason if parsed.rejected else "no entries"
            return self._failed(url, reason)
        with Store(self.db) as store:
            seen = store.feed_items_seen(url, [a.id for a in parsed.articles])
        fresh = [a for a in parsed.articles if a.id not in seen][: self.max_items]
        result = IngestResult(warnings=parsed.warnings,
                              rejected=[r_ for r_ in parsed.rejected if r_.origin != url])
        items: dict[str, str] = {}
        for a in fresh:
            items[a.origin] = a.id
            result.articles.append(self._with_page(a) if self.fetch_pages else a)
        outs = self.ingest(result) if (result.articles or result.rejected) else []
        marks = [(items.get(o.origin, o.article or o.origin), o.article, o.status)
                 for o in outs if o.origin in items]
        with Store(self.db) as store:
            if marks:
                store.mark_feed_items(url, marks)
        new = sum(o.status == "new" for o in outs)
        self._record(url, f"{r.status_code} ok, {len(fresh)} new items", new=new,
                     etag=r.headers.get("etag"), last_modified=r.headers.get("last-modified"))
        return PollResult(url, "new items" if fresh else "no new items", new=new,
                          duplicates=sum(o.status == "duplicate" for o in outs),
                          rejected=sum(o.status == "rejected" for o in outs), outcomes=outs)

    def _with_page(self, article: Article) -> Article:
        """The item with its page's text (trafilatura) when the page gives more than the feed."""
        url = article.url
        if not url or urlsplit(url).scheme not in ("http", "https"):
            return article
        try:
            r = self.get(url)
        except FetchError as err:
            article.meta["page_error"] = str(err)
            return article
        if r.status_code >= 400:
            article.meta["page_error"] = f"HTTP {r.status_code}"
            return article
        import trafilatura

        doc = trafilatura.bare_extraction(r.text, url=url, with_metadata=True,
                                          include_comments=False)
        text = getattr(doc, "text", None) if doc is not None else None
        if text and len(text.split()) > len(article.body.split()):
            article.body = text
            article.meta["extracted_by"] = "trafilatura"
            if not article.published and getattr(doc, "date", None):
                from storyweave.ingest.records import normalise_date

                article.published = normalise_date(doc.date)
        return article

    def _record(self, url: str, status: str, error: str | None = None, new: int = 0,
                etag: str | None = None, last_modified: str | None = None) -> None:
        with Store(self.db) as store:
            store.save_feed_poll(url, status=status, error=error, etag=etag,
                                 last_modified=last_modified, new_items=new)

    def _failed(self, url: str, reason: str) -> PollResult:
        self._record(url, "error", error=reason)
        log.warning("%s: %s", url, reason)
        return PollResult(url, "error", error=reason)

    # ------------------------------------------------------------- many feeds

    def poll_all(self, urls: Iterable[str]) -> list[PollResult]:
        out = []
        for url in urls:
            try:
                out.append(self.poll(url))
            except Exception as err:  # noqa: BLE001 - one feed never stops the others
                out.append(self._failed(url, f"{type(err).__name__}: {err}"))
        return out


class FeedWatcher:
    """Polls the feeds every ``every`` seconds on a background thread (``serve --feeds``)."""

    def __init__(self, db: str | Path, urls: list[str], every: float = 900.0,
                 ingest: Ingest | None = None, **options: Any) -> None:
        self.poller = FeedPoller(db, ingest, **options)
        self.urls = urls
        self.every = every
        self.rounds = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="storyweave-feeds", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.poller.poll_all(self.urls)
            self.rounds += 1
            self._stop.wait(self.every)

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.poller.timeout * (self.poller.retries + 2))
        self.poller.close()


__all__ = ["FeedPoller", "FeedWatcher", "PollResult", "parse_every",
           "read_feed_list", "store_ingest"]
