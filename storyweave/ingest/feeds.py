"""RSS and Atom feeds (feedparser): a feed file or URL becomes one article per entry.

An entry's text is its full content when the feed carries it, otherwise its summary, with the
HTML markup removed. A feed that does not parse, or parses to no entries, is rejected with the
parser's reason; nothing here raises on bad input.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from storyweave.ingest.files import IngestResult, expand, read_file, suffix_of
from storyweave.ingest.records import make_article, source_from_url, stable_id
from storyweave.model import Rejected

FEED_SUFFIXES = {".rss", ".atom", ".xml", ".rdf"}
_FEED_HEAD = re.compile(rb"<(?:rss|feed|rdf:RDF)\b", re.I)
_BLOCK = {"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "tr"}


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: object) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        elif tag in _BLOCK:
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._skip:
            self._skip -= 1
        elif tag in _BLOCK:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def html_to_text(markup: str) -> str:
    if "<" not in markup:
        return html.unescape(markup).strip()
    parser = _Text()
    parser.feed(markup)
    parser.close()
    text = "".join(parser.parts)
    paragraphs = [re.sub(r"[ \t\r\f\v]+", " ", p).strip() for p in re.split(r"\n\s*\n", text)]
    return "\n\n".join(p for p in paragraphs if p)


def is_url(value: str) -> bool:
    return value.startswith(("http://", "https://"))


def looks_like_feed(path: Path) -> bool:
    """A ``.rss``/``.atom`` file, or an XML file whose root is ``rss``, ``feed`` or ``RDF``."""
    suffix = suffix_of(path)
    if suffix in (".rss", ".atom"):
        return True
    if suffix not in FEED_SUFFIXES:
        return False
    try:
        with path.open("rb") as f:
            head = f.read(2048)
    except OSError:
        return False
    return bool(_FEED_HEAD.search(head))


def read_feed(location: str | Path) -> IngestResult:
    """Articles from a feed file or URL."""
    import feedparser

    where = str(location)
    try:
        if isinstance(location, Path) or not is_url(where):
            data = Path(where).read_bytes()
            parsed = feedparser.parse(data)
        else:
            parsed = feedparser.parse(where)
    except OSError as err:
        return IngestResult(rejected=[Rejected(where, err.strerror or str(err))])
    return articles_from_parsed(parsed, where)


def parse_feed(data: bytes, where: str) -> IngestResult:
    """Articles from a feed document already fetched (the poller's conditional GET)."""
    import feedparser

    return articles_from_parsed(feedparser.parse(data), where)


def articles_from_parsed(parsed: Any, where: str) -> IngestResult:
    entries = parsed.get("entries") or []
    if not entries:
        if parsed.get("bozo"):
            exc = parsed.get("bozo_exception")
            reason = f"feed does not parse ({type(exc).__name__}: {exc})" if exc else \
                "feed does not parse"
        elif not parsed.get("version"):
            reason = "not an RSS or Atom feed"
        else:
            reason = "feed has no entries"
        return IngestResult(rejected=[Rejected(where, reason)])
    feed = parsed.get("feed", {})
    feed_title = (feed.get("title") or "").strip() or None
    feed_link = feed.get("link")
    result = IngestResult()
    for n, entry in enumerate(entries, start=1):
        origin = f"{where}#{n}"
        content = entry.get("content") or []
        markup = content[0].get("value", "") if content else ""
        if not markup:
            markup = entry.get("summary", "") or entry.get("description", "")
        text = html_to_text(markup)
        title = html_to_text(entry.get("title", "") or "")
        if not text.strip():
            result.rejected.append(Rejected(origin, "feed entry has no text"))
            continue
        link = entry.get("link")
        source = None
        src = entry.get("source")
        if isinstance(src, dict) and src.get("title"):
            source = src["title"]
        source = source or feed_title or source_from_url(link) or source_from_url(feed_link)
        published = entry.get("published") or entry.get("updated") or entry.get("created")
        entry_id = entry.get("id") or link or stable_id(where, title, text[:200])
        try:
            result.articles.append(make_article(
                text=text, origin=origin, fallback_id=stable_id(where, str(n)), title=title,
                source=source, url=link, published=published, article_id=entry_id,
                meta={"feed": where},
            ))
        except ValueError as err:
            result.rejected.append(Rejected(origin, str(err)))
    if parsed.get("bozo"):
        exc = parsed.get("bozo_exception")
        if not result.articles:
            return IngestResult(rejected=[Rejected(
                where, f"feed does not parse ({type(exc).__name__}: {exc})")])
        result.warnings.append(f"{where}: feed is not well-formed ({exc}); "
                               f"read the {len(result.articles)} entries that could be read")
    return result


def read_inputs(paths: Iterable[str]) -> IngestResult:
    """Articles from files, folders, JSONL(.gz), HTML and RSS/Atom feed files or URLs."""
    result = IngestResult()
    local: list[str] = []
    for p in paths:
        if is_url(p):
            result.extend(read_feed(p))
        else:
            local.append(p)
    files, rejected = expand(local)
    result.rejected.extend(rejected)
    for f in files:
        result.extend(read_feed(f) if looks_like_feed(f) else read_file(f))
    return result
