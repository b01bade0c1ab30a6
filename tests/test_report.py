"""The three report formats render the same story, completely and checkably."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

from storyweave.report import render


def test_json_schema_fields(example_story) -> None:
    data = json.loads(render(example_story, "json"))
    assert data["schema"] == "storyweave.story/1"
    for key in ("articles", "summary", "facts", "dropped", "rejected",
                "conflicts", "timeline", "entities", "quotes"):
        assert key in data
    art = data["articles"][0]
    assert {"id", "source", "title", "url", "published", "words", "sentences"} <= set(art)
    assert data["summary"]["text"] == " ".join(s["text"] for s in data["summary"]["sentences"])
    sentences = {a["id"]: a["sentences"] for a in data["articles"]}
    for s in data["summary"]["sentences"]:
        assert s["citations"]
        for c in s["citations"]:
            assert 0 <= c["sentence"] < len(sentences[c["article"]])
        assert any(sentences[c["article"]][c["sentence"]] == s["text"] for c in s["citations"])
    supports = [len(f["articles"]) for f in data["facts"]]
    assert supports == sorted(supports, reverse=True)
    assert all({"article", "text", "reason"} <= set(d) for d in data["dropped"])


def test_markdown_has_markers_sources_and_dropped(example_story) -> None:
    md = render(example_story, "md")
    assert md.startswith("# ")
    assert len(re.findall(r"\[\d\.\d+\]", md)) >= len(example_story.summary.sentences)
    assert "## Sources" in md and "<details><summary>Dropped text" in md
    for a in example_story.articles:
        assert a.article.source in md


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):  # noqa: ANN001
        d = dict(attrs)
        self.tags.append((tag, d))
        if d.get("id"):
            self.ids.add(d["id"])


def test_html_is_self_contained_and_citations_resolve(example_story) -> None:
    page = render(example_story, "html")
    parser = _Collector()
    parser.feed(page)
    tags = [t for t, _ in parser.tags]
    assert "script" not in tags and "link" not in tags and "img" not in tags
    assert "src=" not in page and "@import" not in page
    external = [d["href"] for t, d in parser.tags if t == "a" and d["href"].startswith("http")]
    assert external == [a.article.url for a in example_story.articles if a.article.url]
    cites = [d for t, d in parser.tags if t == "a" and "cite" in (d.get("class") or "")]
    assert len(cites) == sum(len(s.citations) for s in example_story.summary.sentences)
    for d in cites:
        assert d["href"][1:] in parser.ids  # every marker jumps to its sentence
    assert "<details><summary>Dropped text" in page
    # the pop-up of the first marker holds the cited sentence's text
    first = example_story.summary.sentences[0]
    cited = example_story.sentence(first.citations[0]).text
    from html import escape

    assert escape(cited) in page


def test_unknown_format_is_a_clear_error(example_story) -> None:
    import pytest

    with pytest.raises(ValueError, match="unknown format 'pdf'"):
        render(example_story, "pdf")
