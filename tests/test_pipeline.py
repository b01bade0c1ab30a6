"""Analyze, align and summarize on texts written for the test, and on the example."""

from __future__ import annotations

import re

import pytest

from storyweave.model import Article

A = Article(id="a", source="Outlet A", title="Dam fails", body=(
    "A dam on the Rhone river failed on Monday, flooding three villages.\n\n"
    "Rescue teams evacuated about 2,000 residents overnight.\n\n"
    "The regional governor blamed years of poor maintenance for the collapse."))
B = Article(id="b", source="Outlet B", title="Villages flooded", body=(
    "Three villages were flooded on Monday when a dam on the Rhone river failed.\n\n"
    "Officials said about 2,000 residents were evacuated by rescue teams.\n\n"
    "Local farmers fear the harvest is lost."))
C = Article(id="c", source="Outlet C", title="Flood", body=(
    "Rescue teams evacuated roughly 2,000 residents after the dam failure.\n\n"
    "Engineers will inspect two other dams on the same river next week."))


@pytest.fixture(scope="module")
def story(pipeline):
    return pipeline.run([A, B, C], words=60)


def test_paragraph_break_ends_a_sentence(pipeline) -> None:
    from storyweave.analyze import analyze
    from storyweave.model import CleanArticle

    body = "A standfirst line that carries no full stop\n\nThe first sentence follows here."
    art = Article(id="p", source="s", title="t", body=body)
    (analyzed,) = analyze([CleanArticle(art, body)], pipeline.nlp)
    texts = [s.text for s in analyzed.sentences]
    assert texts == ["A standfirst line that carries no full stop",
                     "The first sentence follows here."]
    assert [s.paragraph for s in analyzed.sentences] == [0, 1]
    body = analyzed.clean.body
    assert all(body[s.start:s.end] == s.text for s in analyzed.sentences)


def test_entities_found_once_per_article(story) -> None:
    labels = {(m.text, m.label) for s in story.article("a").sentences for m in s.entities}
    assert ("Monday", "DATE") in labels
    assert any("2,000" in text for text, _ in labels)


def test_same_fact_across_outlets_is_aligned(story) -> None:
    by_text = {f.text: f for f in story.facts}
    top = story.facts[0]
    assert top.support == 3 and sorted(top.articles) == ["a", "b", "c"]
    assert "2,000" in top.text
    dam = next(f for f in story.facts if "dam" in f.text.lower() and "villages" in f.text.lower())
    assert sorted(dam.articles) == ["a", "b"]
    only_b = next(f for f in by_text.values() if "harvest" in f.text)
    assert only_b.exclusive and only_b.articles == ["b"]
    supports = [f.support for f in story.facts]
    assert supports == sorted(supports, reverse=True)


def test_unrelated_sentences_are_not_aligned(story) -> None:
    for fact in story.facts:
        texts = " ".join(story.sentence(r).text for r in fact.sentences)
        if "governor" in texts:
            assert fact.articles == ["a"]
        if "Engineers" in texts:
            assert fact.articles == ["c"]


def _content(text: str) -> set[str]:
    stop = {"the", "a", "on", "of", "by", "were", "was", "after", "when", "about", "said"}
    return {w for w in re.findall(r"[a-z0-9,]+", text.lower()) if w not in stop}


def test_summary_respects_budget_and_cites_real_support(story) -> None:
    summary = story.summary
    assert 0 < summary.words <= 60
    for sentence in summary.sentences:
        cited = [story.sentence(c) for c in sentence.citations]
        assert any(c.text == sentence.text for c in cited)  # extractive: its own source first
        for c in cited:  # every citation shares the substance of the summary sentence
            assert len(_content(c.text) & _content(sentence.text)) >= 3, (sentence.text, c.text)
    cited_articles = {c.article for s in summary.sentences for c in s.citations}
    assert cited_articles == {"a", "b", "c"}


def test_widely_reported_fact_leads_the_summary(story) -> None:
    first_two = " ".join(s.text for s in story.summary.sentences[:2])
    assert "2,000" in first_two or "dam" in first_two.lower()
    assert all("harvest" not in s.text for s in story.summary.sentences[:2])


def test_tiny_budget_never_exceeded(pipeline) -> None:
    small = pipeline.run([A, B, C], words=12)
    assert small.summary.words <= 12


def test_all_cruft_and_empty_articles_are_rejected_not_lost(pipeline) -> None:
    junk = Article(id="junk", source="s", title="x", body="Site logo\n\nFont Size:",
                   origin="junk.txt")
    empty = Article(id="empty", source="s", title="y", body="", origin="empty.txt")
    story = pipeline.run([A, junk, empty], words=40)
    reasons = {r.article: r.reason for r in story.rejected}
    assert reasons["junk"].startswith("no story text left after cleaning (2 pieces")
    assert reasons["empty"] == "empty article"
    assert [a.id for a in story.articles] == ["a"]
    assert {d.article for d in story.dropped} == {"junk"}


def test_nothing_usable_raises_one_line_error(pipeline) -> None:
    from storyweave.pipeline import NoUsableArticles

    empty = Article(id="e", source="s", title="y", body="", origin="e.txt")
    with pytest.raises(NoUsableArticles, match="e.txt: empty article"):
        pipeline.run([empty])


def test_library_summarize_accepts_dicts_and_paths(example_dir) -> None:
    import storyweave

    story = storyweave.summarize([{"text": A.body, "title": A.title, "source": "X"},
                                  {"text": B.body, "source": "Y"}], words=40)
    assert {a.article.source for a in story.articles} == {"X", "Y"}
    assert story.summary.words <= 40


def test_example_story_shared_facts_and_citations(example_story) -> None:
    story = example_story
    assert len(story.articles) == 5 and not story.rejected
    assert story.facts[0].support >= 4  # the visit itself is reported everywhere
    assert 100 <= story.summary.words <= 150
    sources = {c.article for s in story.summary.sentences for c in s.citations}
    assert len(sources) == 5
    for s in story.summary.sentences:
        for c in s.citations:
            cited = story.sentence(c).text
            assert len(_content(cited) & _content(s.text)) >= 2, (s.text, cited)


def test_wire_copy_is_cited_but_not_independent_support(pipeline) -> None:
    copy = Article(id="b-copy", source="Outlet D", title=B.title, body=B.body,
                   meta={"copy_of": "b"})
    story = pipeline.run([A, B, copy], words=60)
    dam = next(f for f in story.facts if "b-copy" in f.articles and "a" in f.articles)
    assert dam.copies == ["b-copy"]
    assert dam.support == len(dam.articles) - 1
    harvest = next(f for f in story.facts if "harvest" in f.text)
    assert harvest.support == 1 and harvest.copies == ["b-copy"]
    assert harvest.exclusive  # one outlet and its copy: still only one independent report
    from storyweave.crosscheck.exclusives import exclusives

    listed = {e["article"]: [f["id"] for f in e["facts"]] for e in exclusives(story)}
    assert harvest.id in listed["b"] and harvest.id not in listed["b-copy"]
