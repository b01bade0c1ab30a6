"""Dates and the timeline on texts written for the test."""

from __future__ import annotations

import re
from datetime import date

from storyweave.crosscheck.dates import infer_reference, resolve
from storyweave.model import Article

REF = date(2021, 3, 10)  # a Wednesday


def test_relative_and_partial_dates_resolve_against_the_reference() -> None:
    assert resolve("Tuesday", REF) == ("2021-03-09", "day")
    assert resolve("Wednesday", REF) == ("2021-03-10", "day")  # the day itself
    assert resolve("last week", REF) == ("2021-03-03", "week")
    assert resolve("last year", REF) == ("2020", "year")
    assert resolve("in May", REF) == ("2021-05", "month")  # 2 months ahead (x2) beats 10 back
    assert resolve("in November", REF) == ("2020-11", "month")  # 4 back beats 8 ahead (x2)
    assert resolve("late January", REF) == ("2021-01", "month")
    assert resolve("Feb. 2", REF) == ("2021-02-02", "day")
    assert resolve("June 4, 2019", None) == ("2019-06-04", "day")
    assert resolve("two years ago", REF) == ("2019", "year")
    assert resolve("two months later", REF, anchor=date(2021, 1, 1)) == ("2021-03", "month")


def test_a_written_year_is_kept_however_old() -> None:
    # A year outside the window used to guess the reference year was once treated as no
    # year at all, and the date moved to the reference's year (1903 became 2021).
    for text in ["15 september, 1903", "September 15, 1903", "15 Sept. 1903"]:
        assert resolve(text, REF) == ("1903-09-15", "day"), text
        assert resolve(text, None) == ("1903-09-15", "day"), text
    assert resolve("in 1945", REF) == ("1945", "year")
    for decade in ["the 1930's", "the 1930’s", "the 1930s"]:  # a decade is not its first year
        assert resolve(decade, REF) is None, decade
    assert resolve("Tuesday's", REF) == ("2021-03-09", "day")


def test_durations_and_vague_expressions_are_not_dates() -> None:
    for text in ["three months", "a week", "two-day", "the last three months", "years",
                 "recent months", "these days", "the first day"]:
        assert resolve(text, REF) is None, text
    assert resolve("Tuesday", None) is None  # no reference: nothing to count from


def test_reference_date_is_inferred_from_the_text() -> None:
    ref = infer_reference("Caption: the square on 4 October 2020. Photo: agency.")
    assert ref.date == date(2020, 10, 4) and ref.inferred
    ref = infer_reference("Talks began on Sunday, Oct. 4, a year after the 2019 accord.")
    assert ref.date == date(2020, 10, 4) and ref.how == "inferred from text (weekday)"
    assert infer_reference("No date anywhere here.").date is None


A = Article(id="a", source="Valley Post", title="Bridge reopens", published="2022-09-14",
            body=("The Ostrava bridge reopened on Tuesday after repairs.\n\n"
                  "It was closed in March after a lorry hit a pillar.\n\n"
                  "Repairs cost less than engineers feared last year."))
B = Article(id="b", source="River News", title="Bridge open again", body=(
    "Traffic crossed the Ostrava bridge again on Tuesday, the city said on Sept. 14, 2022.\n\n"
    "The bridge had been shut since a lorry struck a pillar in March."))
C = Article(id="c", source="Town Hall Blog", title="Notes", body=(
    "The council will meet again next week to discuss the bridge and the roads."))


def test_timeline_is_sorted_iso_merged_and_says_when_inferred(pipeline) -> None:
    story = pipeline.run([A, B, C], words=60)
    tl = story.timeline
    assert tl, "no timeline"
    assert [t["date"] for t in tl] == sorted(t["date"] for t in tl)
    for t in tl:
        assert re.fullmatch(r"\d{4}(-\d\d(-\d\d)?)?", t["date"])
        assert t["precision"] in {"year", "month", "week", "day"}
        assert set(t) >= {"date", "precision", "text", "articles"}
    reopened = [t for t in tl if t["date"] == "2022-09-13"]
    assert reopened and reopened[0]["articles"] == ["a", "b"]  # one event, two outlets
    march = [t for t in tl if t["date"] == "2022-03"]
    assert march and march[0]["articles"] == ["a", "b"]
    assert any(t["date"] == "2021" for t in tl)  # "last year"
    by_article = {s["article"]: s for t in tl for s in t["sources"]}
    assert by_article["a"]["reference_inferred"] is False
    assert by_article["b"]["reference_inferred"] is True  # B has no metadata date


def test_no_dates_and_bad_metadata_give_empty_lists(pipeline) -> None:
    art = Article(id="z", source="S", title="t", published="not a date at all",
                  body="Nothing in this short report says when anything happened.")
    story = pipeline.run([art], words=20)
    assert story.timeline == [] and story.conflicts == []


def test_contradictory_metadata_gives_lists_not_errors(pipeline) -> None:
    x = Article(id="x", source="S", title="Bridge", published="2031-02-30T99:00",
                body="The bridge reopened on Tuesday, the city said on 3 May 2019.")
    y = Article(id="y", source="T", title="Bridge", published="1999-01-01",
                body="The bridge reopened on Tuesday after two years of repairs.")
    story = pipeline.run([x, y], words=40)
    for name in ("timeline", "conflicts", "quotes", "entities"):
        assert isinstance(getattr(story, name), list)
    refs = {s["article"]: s for t in story.timeline for s in t["sources"]}
    assert refs["x"]["reference"] == "2019-05-03" and refs["x"]["reference_inferred"]
    assert refs["y"]["reference"] == "1999-01-01"


def test_a_failing_analysis_leaves_its_list_empty(pipeline) -> None:
    import storyweave.crosscheck as cc
    from storyweave.crosscheck import _guarded

    def boom(story, alignment):
        raise RuntimeError("odd input")

    story = pipeline.run([A], words=30)
    story.quotes = ["stale"]
    _guarded(boom, "quotes")(story, None)
    assert story.quotes == []
    assert cc.ENRICHERS  # the default list is untouched
