"""Reading articles from paths: folders, ``.txt``, ``.html``/``.htm``, ``.json`` and ``.jsonl``.

Nothing here raises on bad input. Every path or record that cannot become an article is
returned as a :class:`~storyweave.model.Rejected` naming its place and the problem, so a caller
can report it and carry on with the rest.
"""

from __future__ import annotations

import codecs
import gzip
import json
import re
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from storyweave.ingest.records import (
    article_from_record,
    make_article,
    stable_id,
    valid_unicode,
)
from storyweave.model import Article, Rejected

TEXT_SUFFIXES = {".txt", ".text", ".md"}
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
JSON_SUFFIXES = {".json"}
JSONL_SUFFIXES = {".jsonl", ".ndjson", ".jsonl.gz"}
SUPPORTED = TEXT_SUFFIXES | HTML_SUFFIXES | JSON_SUFFIXES | JSONL_SUFFIXES


@dataclass
class IngestResult:
    articles: list[Article] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def extend(self, other: IngestResult) -> None:
        self.articles.extend(other.articles)
        self.rejected.extend(other.rejected)
        self.warnings.extend(other.warnings)


def suffix_of(path: Path) -> str:
    name = path.name.lower()
    if name.endswith(".jsonl.gz"):
        return ".jsonl.gz"
    return path.suffix.lower()


# Byte-order marks, longest first (a UTF-32-LE mark begins with the UTF-16-LE one). Text saved
# by Windows tools often starts with one; its NUL bytes must not make it look binary.
_BOMS = [
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
]


def decode_text(raw: bytes) -> str:
    """Bytes as text: UTF-8, or UTF-16/UTF-32 when a byte-order mark says so; ``ValueError``
    with a readable reason if it is not text."""
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            try:
                return raw[len(bom):].decode(encoding)
            except UnicodeDecodeError as err:
                raise ValueError(f"not valid {encoding.upper()} text despite its byte-order "
                                 f"mark ({err.reason} at offset {err.start + len(bom)})") \
                    from None
    if b"\x00" in raw[:8192]:
        raise ValueError("binary file, not text")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise ValueError(
            f"not UTF-8 text (byte 0x{raw[err.start]:02x} at offset {err.start})"
        ) from None


def read_text_file(path: Path) -> str:
    """The file as text (see :func:`decode_text`); gzip-compressed files are unpacked."""
    raw = path.read_bytes()
    if raw.startswith(b"\x1f\x8b"):
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as err:
            raise ValueError(f"damaged gzip file ({err})") from None
    return decode_text(raw)


def _from_txt(path: Path) -> IngestResult:
    text = read_text_file(path)
    article = make_article(text=text, origin=str(path), fallback_id=path.stem)
    return IngestResult(articles=[article])


def _from_html(path: Path) -> IngestResult:
    import trafilatura  # heavy; only imported when there is HTML to read

    html = read_text_file(path)
    doc = trafilatura.bare_extraction(html, with_metadata=True, include_comments=False)
    text = getattr(doc, "text", None) if doc is not None else None
    if not text:
        return IngestResult(rejected=[Rejected(str(path), "no article text found in the HTML")])
    article = make_article(
        text=text,
        origin=str(path),
        fallback_id=path.stem,
        title=getattr(doc, "title", None) or "",
        source=getattr(doc, "sitename", None),
        url=getattr(doc, "url", None),
        published=getattr(doc, "date", None),
        meta={"extracted_by": "trafilatura"},
    )
    return IngestResult(articles=[article])


def records_to_articles(records: Iterable[tuple[str, object]], stem: str) -> IngestResult:
    """Articles from ``(origin, record)`` pairs; a record that is no article object is rejected."""
    result = IngestResult()
    for n, (origin, record) in enumerate(records, start=1):
        if not isinstance(record, dict):
            result.rejected.append(Rejected(origin, "record is not a JSON object"))
            continue
        try:
            result.articles.append(article_from_record(record, origin, f"{stem}-{n}"))
        except ValueError as err:
            result.rejected.append(Rejected(origin, str(err)))
        except RecursionError:  # a value nested too deeply to turn into text
            result.rejected.append(Rejected(origin, "record nested too deeply"))
    return result


def parse_json(text: str) -> object:
    """``json.loads`` whose every failure is a ``ValueError`` naming the problem: JSON nested
    deeper than the interpreter's recursion limit is malformed input, not an internal error."""
    try:
        return valid_strings(json.loads(text), text)
    except json.JSONDecodeError as err:
        raise ValueError(f"malformed JSON ({err.msg} at column {err.colno})") from None
    except RecursionError:
        raise ValueError("malformed JSON (nested too deeply)") from None


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def valid_strings(obj: object, text: str) -> object:
    """``obj`` (parsed from ``text``) with lone surrogates in its strings and keys replaced
    (:func:`~storyweave.ingest.records.valid_unicode`); walked without recursion, since it
    may be nested as deeply as the parser allows."""
    if not _SURROGATE_ESCAPE.search(text):
        return obj
    fixed = valid_unicode
    root: list[object] = [obj]
    stack: list[list[object] | dict[str, object]] = [root]
    while stack:
        node = stack.pop()
        items = list(node.items()) if isinstance(node, dict) else list(enumerate(node))
        if isinstance(node, dict):
            node.clear()
        for key, value in items:
            if isinstance(value, str):
                value = fixed(value)
            elif isinstance(value, list | dict):
                stack.append(value)
            if isinstance(node, dict):
                node[fixed(str(key))] = value
            else:
                node[int(key)] = value
    return root[0]


def iter_jsonl(path: Path) -> Iterator[tuple[str, object | ValueError]]:
    """``(origin, parsed object or ValueError)`` for every non-blank line of a JSONL file."""
    text = read_text_file(path)
    # lines end at "\n" only: str.splitlines() would also break at U+2028, U+0085 and other
    # separators that JSON strings may hold unescaped (scraped news text often does)
    for lineno, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        origin = f"{path}:{lineno}"
        try:
            yield origin, parse_json(line)
        except ValueError as err:
            yield origin, err


def _from_jsonl(path: Path) -> IngestResult:
    good: list[tuple[str, object]] = []
    result = IngestResult()
    for origin, obj in iter_jsonl(path):
        if isinstance(obj, ValueError):
            result.rejected.append(Rejected(origin, str(obj)))
        else:
            good.append((origin, obj))
    result.extend(records_to_articles(good, path.stem))
    if not result.articles and not result.rejected:
        result.rejected.append(Rejected(str(path), "no records (the file is empty)"))
    return result


def _from_json(path: Path) -> IngestResult:
    text = read_text_file(path)
    try:
        data = valid_strings(json.loads(text), text)
    except json.JSONDecodeError as err:
        msg = f"malformed JSON ({err.msg} at line {err.lineno}, column {err.colno})"
        return IngestResult(rejected=[Rejected(str(path), msg)])
    except RecursionError:
        return IngestResult(rejected=[Rejected(str(path), "malformed JSON (nested too deeply)")])
    if isinstance(data, dict) and isinstance(data.get("articles"), list):
        data = data["articles"]
    if isinstance(data, dict):
        return records_to_articles([(str(path), data)], path.stem)
    if isinstance(data, list):
        if not data:
            return IngestResult(rejected=[Rejected(str(path), "no records (an empty list)")])
        pairs = [(f"{path}[{i}]", rec) for i, rec in enumerate(data)]
        return records_to_articles(pairs, path.stem)
    return IngestResult(rejected=[Rejected(str(path), "JSON is neither an object nor a list")])


READERS = {
    **{s: _from_txt for s in TEXT_SUFFIXES},
    **{s: _from_html for s in HTML_SUFFIXES},
    **{s: _from_json for s in JSON_SUFFIXES},
    **{s: _from_jsonl for s in JSONL_SUFFIXES},
}


def read_file(path: Path) -> IngestResult:
    reader = READERS.get(suffix_of(path))
    if reader is None:
        return IngestResult(
            rejected=[Rejected(str(path), f"unsupported file type '{path.suffix or path.name}'")]
        )
    try:
        return reader(path)
    except (OSError, ValueError) as err:
        reason = err.strerror if isinstance(err, OSError) and err.strerror else str(err)
        return IngestResult(rejected=[Rejected(str(path), reason)])


def _hidden(relative: Path) -> bool:
    return any(part.startswith(".") for part in relative.parts)


def expand(paths: Iterable[str | Path]) -> tuple[list[Path], list[Rejected]]:
    """Files named by ``paths`` (folders walked in sorted order, hidden files skipped)."""
    files: list[Path] = []
    rejected: list[Rejected] = []
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            rejected.append(Rejected(str(path), "no such file or directory"))
        elif path.is_dir():
            found = sorted(
                p for p in path.rglob("*") if p.is_file() and not _hidden(p.relative_to(path))
            )
            if not found:
                rejected.append(Rejected(str(path), "folder holds no files"))
            files.extend(found)
        else:
            files.append(path)
    return files, rejected


def dedupe_ids(result: IngestResult) -> None:
    """Make ids unique: identical copies are rejected, different texts under one id renamed."""
    seen: dict[str, Article] = {}
    kept: list[Article] = []
    for article in result.articles:
        other = seen.get(article.id)
        if other is None:
            seen[article.id] = article
            kept.append(article)
            continue
        if other.body.strip() == article.body.strip():
            result.rejected.append(
                Rejected(article.origin, f"duplicate of article '{other.id}' ({other.origin})",
                         article=article.id)
            )
            continue
        new_id = f"{article.id}~{stable_id(article.origin, article.body)[:6]}"
        article.meta["renamed_from"] = article.id
        result.warnings.append(
            f"{article.origin}: id '{article.id}' already used by {other.origin}; "
            f"renamed to '{new_id}'"
        )
        article.id = new_id
        seen[new_id] = article
        kept.append(article)
    result.articles = kept


def read_paths(paths: Iterable[str | Path]) -> IngestResult:
    """All articles under ``paths``, with everything unusable listed as rejected."""
    files, rejected = expand(paths)
    result = IngestResult(rejected=rejected)
    for path in files:
        result.extend(read_file(path))
    dedupe_ids(result)
    return result
