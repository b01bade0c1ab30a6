"""Article-derived text in the Markdown report cannot carry markup: links, HTML, autolinks."""

from __future__ import annotations

import copy
import json
import re

import pytest

from storyweave.report import render
from storyweave.report.markdown import render_markdown

PAYLOADS = [
    "<script>alert(1)</script>",
    "[x](javascript:alert(1))",
    "![y](javascript:alert(2))",
    "<javascript:alert(3)>",
    "see javascript:alert(4) now",
    "www.evil.example/x",
    '<img src=x onerror="alert(5)">',
    "`` ]]> <a href='javascript:alert(6)'>z</a>",
]
HOSTILE = " ".join(PAYLOADS)


def _hostile_story(example_story) -> dict:
    data = copy.deepcopy(json.loads(render(example_story, "json")))
    data["title"] = HOSTILE
    for a in data["articles"]:
        a["title"] = HOSTILE
        a["source"] = HOSTILE
        a["url"] = "javascript:alert(7)"
        a["sentences"] = [s + " " + HOSTILE for s in a["sentences"]]
    for s in data["summary"]["sentences"]:
        s["text"] = s["text"] + " " + HOSTILE
    for f in data["facts"]:
        f["text"] = HOSTILE
    for q in data.get("quotes", []):
        q["text"] = HOSTILE
        q["speaker"] = HOSTILE
    for e in data.get("entities", []):
        e["name"] = HOSTILE
        e["aliases"] = [HOSTILE]
    for t in data.get("timeline", []):
        t["text"] = HOSTILE
        t["expression"] = HOSTILE
    for d in data["dropped"]:
        d["text"] = HOSTILE
    data["rejected"] = [{"origin": "a`b``c<script>", "reason": HOSTILE}]
    return data


def _assert_inert(md: str) -> None:
    assert "<script" not in md.lower()
    assert "<img" not in md.lower() and "<a " not in md.lower()
    assert not re.search(r"(?<!\\)\]\(", md)  # no link or image syntax left open
    # every scheme colon from the text is escaped, so no linkifier sees a URL
    assert not re.search(r"(?i)javascript:", md)
    assert not re.search(r"(?i)\bwww\.evil", md)


def test_hostile_text_comes_out_inert(example_story) -> None:
    md = render_markdown(_hostile_story(example_story))
    _assert_inert(md)
    # the words are still there for the reader, as text
    assert "alert(1)" in md and "script" in md


def test_hostile_text_renders_to_html_without_links_or_tags(example_story) -> None:
    markdown_it = pytest.importorskip("markdown_it")
    md = render_markdown(_hostile_story(example_story))
    html = markdown_it.MarkdownIt("commonmark").enable("table").render(md)
    lowered = html.lower()
    assert "<script" not in lowered and "<img" not in lowered
    assert "javascript:" not in re.sub(r"&[a-z]+;", "", " ".join(
        re.findall(r'href="([^"]*)"', lowered)))
    assert not re.findall(r"<a\s", lowered)  # no source has an http(s) address here
    # the one raw HTML block the report writes itself is still there
    assert "<details>" in lowered


def test_plain_http_addresses_stay_links(example_story) -> None:
    markdown_it = pytest.importorskip("markdown_it")
    data = json.loads(render(example_story, "json"))
    data["articles"][0]["url"] = "https://example.org/a?b=1&c=2"
    html = markdown_it.MarkdownIt("commonmark").render(render_markdown(data))
    assert 'href="https://example.org/a?b=1&amp;c=2"' in html


def test_ordinary_text_is_untouched_in_rendering(example_story) -> None:
    markdown_it = pytest.importorskip("markdown_it")
    md = render(example_story, "md")
    html = markdown_it.MarkdownIt("commonmark").enable("table").render(md)
    from html import unescape

    text = unescape(re.sub(r"<[^>]+>", "", html))
    for s in example_story.summary.sentences:
        assert " ".join(s.text.split()) in text
