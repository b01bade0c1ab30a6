"""Turning raw records (a text file's content, a JSON object, an extracted HTML page) into
:class:`~storyweave.model.Article` objects, with ids, outlet names and dates filled in the same
way whatever the input format was."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import urlparse

from storyweave.model import Article

#: The longest article text taken, in characters: spaCy's own limit on one text (its
#: ``max_length``; parsing needs about 1 GB of memory per 100,000 characters beyond it). A news
#: article is rarely over 50,000; longer input is rejected with this reason, never truncated.
MAX_ARTICLE_CHARS = 1_000_000


def valid_unicode(text: str) -> str:
    """``text`` with lone UTF-16 surrogates (JSON may escape them, ``"\\ud800"``; no encoding
    can write them) replaced by U+FFFD, so every later step can encode it."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def too_long(text: str) -> str | None:
    """The rejection reason for a text over :data:`MAX_ARTICLE_CHARS`, else ``None``."""
    if len(text) <= MAX_ARTICLE_CHARS:
        return None
    return (f"article too long ({len(text):,} characters; storyweave takes at most "
            f"{MAX_ARTICLE_CHARS:,})")

# Fields a JSON record may carry, with the other names they are commonly published under.
FIELD_ALIASES: dict[str, tuple[str, ...]] = {
    "id": ("id", "article_id", "doc_id", "doc_name", "guid"),
    "text": ("text", "body", "content", "article", "maintext"),
    "title": ("title", "headline"),
    "source": ("source", "outlet", "publisher", "site", "sitename", "domain"),
    "url": ("url", "link", "source_url"),
    "published": ("published", "date", "date_publish", "published_at", "pubdate", "datetime"),
}

# Lines an outlet prints about itself ("X logo", "Content created by X", "X is committed to").
_SELF_NAMING = [
    re.compile(r"^(?P<name>(?:[A-Z][\w&'.-]*\s?){1,6}?)\s+logo\s*$"),
    re.compile(
        r"\b[Cc]ontent created by (?:the |The )?(?P<name>(?:[A-Z][\w&'.-]*\s?){1,6}?)\s+is\b"
    ),
    re.compile(r"^(?P<name>(?:[A-Z][\w&'.-]*\s?){1,4}?)\s+is committed to\b"),
    re.compile(r"\b[Cc]opyright\s+(?:©\s*)?(?:\d{4}\s+)?(?P<name>(?:[A-Z][\w&'.-]*\s?){1,5})"),
    re.compile(r"^©\s*(?:\d{4}\s+)?(?P<name>(?:[A-Z][\w&'.-]*\s?){1,5})"),
]
_ORG_SUFFIX = re.compile(r"\s+(?:News Foundation|Foundation|Inc\.?|Ltd\.?|LLC|Media|Group)$")


def first(record: Mapping[str, Any], name: str) -> Any:
    """The record's value for a canonical field, looked up under its common aliases."""
    for key in FIELD_ALIASES[name]:
        value = record.get(key)
        if value not in (None, ""):
            return value
    return None


def normalise_date(value: Any) -> str | None:
    """An ISO-8601 date (``YYYY-MM-DD`` or a full timestamp) from what feeds and pages carry."""
    if value in (None, ""):
        return None
    text = str(value).strip()
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).isoformat()
    except ValueError:
        pass
    import dateparser  # slow to import; only needed for free-form dates

    parsed = dateparser.parse(text, settings={"RETURN_AS_TIMEZONE_AWARE": False})
    return parsed.isoformat() if parsed else None


def source_from_url(url: str | None) -> str | None:
    if not url:
        return None
    host = urlparse(url).netloc.lower()
    host = host.split("@")[-1].split(":")[0]
    for prefix in ("www.", "m.", "amp."):
        if host.startswith(prefix):
            host = host[len(prefix):]
    return host or None


def infer_source(body: str) -> str | None:
    """Guess the outlet from the lines it prints about itself (logo alt text, licensing notes).

    Outlets name themselves in their own boilerplate; the most frequent such name wins. Returns
    ``None`` when the text never names its publisher, which is common and honest.
    """
    votes: dict[str, int] = {}
    for line in body.splitlines():
        line = line.strip()
        if not line or len(line) > 400:
            continue
        for pattern in _SELF_NAMING:
            m = pattern.search(line)
            if m:
                name = _ORG_SUFFIX.sub("", m.group("name").strip(" .,"))
                if 1 < len(name) <= 60:
                    votes[name] = votes.get(name, 0) + 1
    if not votes:
        return None
    return max(votes.items(), key=lambda kv: (kv[1], -len(kv[0])))[0]


def stable_id(*parts: str) -> str:
    digest = hashlib.sha1("\x1f".join(parts).encode("utf-8")).hexdigest()
    return digest[:12]


def split_headline(text: str) -> tuple[str, str]:
    """First non-empty line is the headline, the rest the body (the plain-text convention)."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if line.strip():
            return line.strip(), "\n".join(lines[i + 1:]).strip("\n")
    return "", ""


def make_article(
    *,
    text: str,
    origin: str,
    fallback_id: str,
    title: str | None = None,
    source: str | None = None,
    url: str | None = None,
    published: Any = None,
    article_id: Any = None,
    meta: dict[str, Any] | None = None,
) -> Article:
    """Build an article; when ``title`` is missing the text's first line becomes the headline.

    Raises ``ValueError`` (the rejection reason) for a text over :data:`MAX_ARTICLE_CHARS`."""
    reason = too_long(text)
    if reason:
        raise ValueError(reason)
    text = valid_unicode(text)
    title = valid_unicode(title) if title is not None else None
    source = valid_unicode(str(source)) if source else None
    url = valid_unicode(url) if isinstance(url, str) else None
    body = text
    if title is None:
        title, body = split_headline(text)
    inferred = False
    name = (str(source).strip() if source else None) or source_from_url(url)
    if not name:
        name = infer_source(body)
        inferred = name is not None
    if not name:
        name = fallback_id
        inferred = True
    return Article(
        id=valid_unicode(str(article_id)) if article_id not in (None, "") else fallback_id,
        source=name,
        title=(title or "").strip(),
        body=body,
        url=url,
        published=normalise_date(published),
        origin=origin,
        source_inferred=inferred,
        meta=meta or {},
    )


def article_from_record(record: Mapping[str, Any], origin: str, fallback_id: str) -> Article:
    """An article from a JSON object; raises ``ValueError`` with the problem if it has no text."""
    text = first(record, "text")
    if isinstance(text, list):  # some corpora store a list of sentences or paragraphs
        text = "\n\n".join(str(t) for t in text)
    if text is None and isinstance(record.get("sentences"), list):
        text = " ".join(str(t) for t in record["sentences"])
    if not isinstance(text, str):
        raise ValueError("record has no 'text' field")
    title = first(record, "title")
    extra = {
        k: v
        for k, v in record.items()
        if not any(k in aliases for aliases in FIELD_ALIASES.values())
        and isinstance(v, str | int | float | bool)
    }
    return make_article(
        text=text,
        origin=origin,
        fallback_id=fallback_id,
        title=str(title) if title is not None else "",
        source=first(record, "source"),
        url=first(record, "url"),
        published=first(record, "published"),
        article_id=first(record, "id"),
        meta=extra,
    )
