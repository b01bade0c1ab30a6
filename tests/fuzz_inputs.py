"""Hostile input for property-based tests (hypothesis): strategies and the properties they must
keep. Used by tests/test_fuzz.py (a small fixed-seed budget) and benchmarks/fuzz.py (a longer
run whose count goes into docs/benchmarks.md).

The properties, for every input anyone can give:

* no internal error: the library raises nothing but :class:`StoryweaveError`, the command line
  never exits 3 and never prints a traceback;
* every input accounted for: each file (and each record in it) is an article or a rejection
  with a reason, and each article ingested is new, a duplicate or rejected with a reason;
* every report valid: JSON parses; HTML parses and holds only elements and attributes that the
  renderer's own template writes (none from article text); links only to http(s).
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import tempfile
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from storyweave.cli import main
from storyweave.cli.common import EXIT_INTERNAL
from storyweave.errors import StoryweaveError
from storyweave.ingest import read_inputs
from storyweave.model import Article
from storyweave.report import RENDERERS, render
from storyweave.stream import StreamIngestor

#: how many inputs each property has checked in this process (benchmarks/fuzz.py reports it)
CHECKED: Counter[str] = Counter()

# ------------------------------------------------------------------ strategies

NASTY = [
    "<script>alert(1)</script>", '<img src=x onerror="alert(1)">', "<fzq fzattr=1>x</fzq>",
    '"><svg onload=alert(1)>', "javascript:alert(1)", "\u202e", "\u200f", "\u0301" * 6,
    "\x00", "&lt;b&gt;", "&#0;", "]]>", "<![CDATA[", "\ufeff", "\u2028", "\U0001f600",
    "\r\n", "\r", "שלום עולם", "مرحبا بالعالم", "Z\u0351\u0352\u0357a\u0308l\u0301go",
    "{{ x }}", "{% if %}", "$(rm -rf)", "%s%n", "\\", "\ue000",  # \ue000: a lone surrogate
    "\u2028", "\x85", "\x1c", "\u2029",
]
_PRIVATE_SURROGATE = "\ue000"  # stands for a lone surrogate escape once written as JSON

hostile_text = st.lists(
    st.one_of(st.text(max_size=40), st.sampled_from(NASTY),
              st.sampled_from(["The", "minister", "said", "on", "Monday", ".", " ", "\n\n"])),
    max_size=25).map("".join)

KEYS = ["id", "text", "title", "source", "url", "published", "articles", "body", "sentences",
        "headline", "date", "link"]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False) | hostile_text,
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.sampled_from(KEYS) | hostile_text, inner, max_size=6),
    max_leaves=25)


def json_text(value: Any, depth: int = 0, ascii: bool = True) -> str:
    """``value`` as JSON, inside ``depth`` lists, with the stand-in written as a lone
    surrogate escape (``json.dumps`` itself cannot produce one); ``ascii=False`` leaves
    U+2028 and other separators raw inside strings, as JSON allows."""
    raw = json.dumps(value, ensure_ascii=ascii, allow_nan=False)
    raw = raw.replace("\\ue000", "\\ud800")
    return "[" * depth + raw + "]" * depth


ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "utf-32", "latin-1", "cp1252", "utf-16-le"]


@st.composite
def encoded_text(draw: Any) -> bytes:
    text = draw(hostile_text).replace(_PRIVATE_SURROGATE, "")
    return text.encode(draw(st.sampled_from(ENCODINGS)), errors="replace")


TAGS = ["p", "div", "span", "article", "h1", "script", "style", "a", "img", "br", "li",
        "title", "meta", "fzq", "table", "td", "iframe", "noscript", "svg"]


html_fragments = st.recursive(
    hostile_text.map(lambda t: t.replace("<", "&lt;")),
    lambda inner: st.builds(
        lambda tag, attrs, kids, close: (
            f"<{tag}{''.join(f' {k}={json.dumps(v)}' for k, v in attrs)}>"
            + "".join(kids) + (f"</{tag}>" if close else "")),
        st.sampled_from(TAGS),
        st.lists(st.tuples(st.sampled_from(["class", "href", "onerror", "fzattr", "content",
                                            "property", "name", "src"]), hostile_text),
                 max_size=3),
        st.lists(inner, max_size=4), st.booleans()),
    max_leaves=20)


@st.composite
def html_page(draw: Any) -> bytes:
    body = draw(html_fragments)
    head = draw(st.sampled_from(["", "<!DOCTYPE html>", "<html><head><title>t</title></head>"]))
    return (head + "<body>" + body + "</body>").encode("utf-8", errors="replace")


@st.composite
def feed_xml(draw: Any) -> bytes:
    kind = draw(st.sampled_from(["rss", "atom", "rdf"]))
    items = draw(st.lists(st.tuples(hostile_text, hostile_text, hostile_text), max_size=4))
    cdata = draw(st.booleans())

    def esc(t: str) -> str:
        return f"<![CDATA[{t}]]>" if cdata else t.replace("&", "&amp;").replace("<", "&lt;")

    if kind == "atom":
        entries = "".join(f"<entry><title>{esc(a)}</title><id>{esc(c)}</id><updated>{esc(c)}"
                          f"</updated><content type='html'>{esc(b)}</content></entry>"
                          for a, b, c in items)
        doc = f"<feed xmlns='http://www.w3.org/2005/Atom'><title>f</title>{entries}</feed>"
    else:
        entries = "".join(f"<item><title>{esc(a)}</title><description>{esc(b)}</description>"
                          f"<pubDate>{esc(c)}</pubDate><link>{esc(c)}</link></item>"
                          for a, b, c in items)
        doc = f"<rss version='2.0'><channel><title>f</title>{entries}</channel></rss>"
    if draw(st.booleans()):
        doc = doc[:draw(st.integers(0, len(doc)))]  # cut off
    return ("<?xml version='1.0' encoding='utf-8'?>" + doc).encode("utf-8", errors="replace")


@st.composite
def json_file(draw: Any) -> tuple[str, bytes]:
    suffix = draw(st.sampled_from([".json", ".jsonl"]))
    depth = draw(st.sampled_from([0, 0, 0, 3, 900, 5000]))
    ascii = draw(st.booleans())
    if suffix == ".json":
        return suffix, json_text(draw(json_values), depth, ascii).encode("utf-8", "replace")
    lines = draw(st.lists(json_values, min_size=1, max_size=5))
    return suffix, "\n".join(json_text(v, depth if i == 0 else 0, ascii)
                             for i, v in enumerate(lines)).encode("utf-8", "replace")


SUFFIXES = [".txt", ".json", ".jsonl", ".html", ".xml", ".rss", ".md", ".jsonl.gz", ".pdf", ""]

input_file = st.one_of(
    st.tuples(st.sampled_from(SUFFIXES), st.binary(max_size=300)),
    st.tuples(st.sampled_from([".txt", ".md", ".json"]), encoded_text()),
    json_file(),
    st.tuples(st.sampled_from([".html", ".htm"]), html_page()),
    st.tuples(st.sampled_from([".rss", ".xml", ".atom"]), feed_xml()),
)
input_files = st.lists(input_file, min_size=1, max_size=4)


# ------------------------------------------------------------------ properties


def write_files(folder: Path, files: list[tuple[str, bytes]]) -> list[Path]:
    paths = []
    for n, (suffix, data) in enumerate(files):
        path = folder / f"in{n}{suffix}"
        path.write_bytes(data)
        paths.append(path)
    return paths


def run_cli(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


def assert_clean_exit(code: int, err: str) -> None:
    assert code != EXIT_INTERNAL and "internal error" not in err, err
    assert "Traceback" not in err
    assert all(line.startswith("storyweave: ") for line in err.splitlines() if line), err


def check_ingest(files: list[tuple[str, bytes]]) -> None:
    """Read, then ingest in memory and into a store through the command line."""
    with tempfile.TemporaryDirectory() as tmp:
        paths = write_files(Path(tmp), files)
        result = read_inputs([str(p) for p in paths])
        for p in paths:  # every file is at least one article or one rejection
            assert any(a.origin.startswith(str(p)) for a in result.articles) or \
                any(r.origin.startswith(str(p)) for r in result.rejected), p
        assert all(r.reason for r in result.rejected)
        ing = StreamIngestor()
        outs = ing.reject(result.rejected) + list(ing.run(result.articles))
        assert len(outs) == len(result.articles) + len(result.rejected)
        for o in outs:
            assert o.status in ("new", "duplicate", "rejected")
            assert (o.story if o.status == "new" else o.reason), o
        code, out, err = run_cli(["ingest", *map(str, paths), "--db", f"{tmp}/s.db"])
        assert_clean_exit(code, err)
        if code == 0 or out:
            new, dup, rej = map(int, re.match(r"(\d+) new.*?, (\d+) duplicates, (\d+) rejected",
                                              out).groups())
            assert new + dup + rej == len(outs)
    CHECKED["ingest"] += 1


def check_summarize(files: list[tuple[str, bytes]], fmt: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        paths = write_files(Path(tmp), files)
        target = Path(tmp) / f"report.{fmt}"
        code, _, err = run_cli(["summarize", *map(str, paths), "-f", fmt, "-o", str(target)])
        assert_clean_exit(code, err)
        if code == 0:
            check_report_text(target.read_text(encoding="utf-8"), fmt)
        else:
            assert not target.exists()
    CHECKED["summarize"] += 1


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: set[str] = set()
        self.attrs: set[str] = set()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        for k, v in attrs:
            self.attrs.add(k)
            if k == "href" and v is not None:
                self.hrefs.append(v)

    handle_startendtag = handle_starttag


def _template_vocabulary() -> tuple[set[str], set[str]]:
    """Elements and attributes the HTML renderer's own source can write."""
    import storyweave.report.html as html_report

    source = Path(html_report.__file__).read_text(encoding="utf-8")
    tags = set(re.findall(r"<([a-zA-Z][a-zA-Z0-9]*)", source))
    attrs = set(re.findall(r"[\s'\"]([a-zA-Z][a-zA-Z-]*)=\\?[\"'{]", source))
    return {t.lower() for t in tags}, {a.lower() for a in attrs}


TEMPLATE_TAGS, TEMPLATE_ATTRS = _template_vocabulary()


def check_report_text(text: str, fmt: str) -> None:
    if fmt == "json":
        data = json.loads(text)
        assert isinstance(data, dict) and isinstance(data.get("articles"), list)
    elif fmt == "html":
        parser = _Tags()
        parser.feed(text)
        parser.close()
        assert parser.tags <= TEMPLATE_TAGS, parser.tags - TEMPLATE_TAGS
        assert parser.attrs <= TEMPLATE_ATTRS, parser.attrs - TEMPLATE_ATTRS
        assert all(h.startswith(("#", "http://", "https://")) for h in parser.hrefs)
    else:
        assert isinstance(text, str)


def check_reports(pipeline: Any, bodies: list[str], extras: list[tuple[str, str, str, str]]
                  ) -> None:
    """Real article texts with hostile pieces woven in, through all three report formats."""
    articles = []
    for n, (body, (insert, title, source, url)) in enumerate(zip(bodies, extras, strict=False)):
        cut = len(body) * (n + 1) // (len(bodies) + 1)
        cut = body.rfind(". ", 0, cut) + 2 if body.rfind(". ", 0, cut) > 0 else 0
        articles.append(Article(id=f"a{n}", source=source or f"outlet{n}", title=title,
                                body=body[:cut] + insert + " " + body[cut:], url=url or None,
                                origin=f"fuzz:{n}"))
    try:
        story = pipeline.run(articles, words=60)
    except StoryweaveError:
        CHECKED["reports"] += 1
        return
    reported = {a.id for a in story.articles} | {r.article for r in story.rejected}
    assert reported >= {a.id for a in articles}  # every article in the report or rejected
    for fmt in RENDERERS:
        check_report_text(render(story, fmt), fmt)
    CHECKED["reports"] += 1


def check_batch(values: list[Any], depth: int) -> None:
    """``summarize --jsonl``: a line that is no story, or no JSON, is an error record."""
    with tempfile.TemporaryDirectory() as tmp:
        batch = Path(tmp) / "b.jsonl"
        batch.write_text("\n".join(json_text(v, depth) for v in values) + "\n")
        out = Path(tmp) / "out.jsonl"
        code, _, err = run_cli(["summarize", "--jsonl", str(batch), "-o", str(out)])
        assert_clean_exit(code, err)
        if out.exists():
            lines = out.read_text(encoding="utf-8").splitlines()
            assert len(lines) == len(values)  # one record per input line
            for line in lines:
                if "error" not in json.loads(line):
                    check_report_text(line, "json")
    CHECKED["batch"] += 1
