"""The cross-source report of the example story (five outlets on one visit).

Nothing in storyweave is written for this example; these tests check that the general rules
find what a reader of the five articles finds.
"""

from __future__ import annotations

import re

from storyweave.report import render, story_to_dict


def test_shared_claims_and_each_outlets_exclusives(example_story) -> None:
    data = story_to_dict(example_story)
    n = len(data["articles"])
    assert n == 5
    assert any(f["support"] == n for f in data["facts"])  # a claim all five share
    groups = {g["article"]: g["facts"] for g in data["exclusives"]}
    assert set(groups) == {a["id"] for a in data["articles"]}
    assert all(groups.values())  # every outlet reports something only it reports
    for g in data["exclusives"]:
        for f in g["facts"]:
            fact = next(x for x in data["facts"] if x["id"] == f["id"])
            assert fact["articles"] == [g["article"]]


def test_dating_contradiction_is_found(example_story) -> None:
    dated = [c for c in example_story.conflicts if c["kind"] == "date"]
    assert dated
    c = dated[0]
    values = {k["value"] for k in c["claims"]}
    assert "March" in values and any("April" in v for v in values)
    assert len({k["article"] for k in c["claims"]}) >= 2


def test_quotes_have_their_speakers(example_story) -> None:
    speakers = {q["speaker"] for q in example_story.quotes}
    assert {"Steve Tsang", "Geng Shuang", "Bonnie Glaser", "Xi Jinping", "Andrei Lankov",
            "New York Times"} <= speakers
    xi = [q for q in example_story.quotes if q["text"].startswith("No matter what")]
    assert xi and xi[0]["speaker"] == "Xi Jinping"  # "..., he said" after Mr Xi
    entity_names = {e["name"] for e in example_story.entities}
    described = {q["speaker"] for q in example_story.quotes if q["speaker"]} - entity_names
    assert all("ministry" in d for d in described)  # an unnamed speaker kept as written


def test_timeline_from_first_visit_to_summer_drills(example_story) -> None:
    tl = example_story.timeline
    dates = [t["date"] for t in tl]
    assert dates == sorted(dates)
    assert all(re.fullmatch(r"\d{4}(-\d\d(-\d\d)?)?", d) for d in dates)
    assert "2018-03" in dates  # the first visit, in March
    assert "2018-05" in dates  # Dalian
    assert "2018-06-12" in dates  # the Singapore summit
    assert "2018-06-19" in dates  # the visit itself, "Tuesday"
    assert "2018-08" in dates  # the drill scheduled for August
    assert all(t["reference_inferred"] for t in tl)  # plain text files: no date metadata


def test_one_entity_per_person(example_story) -> None:
    people = [e for e in example_story.entities if e["type"] == "person"]
    kims = [e for e in people if e["name"].replace("-", " ").lower() == "kim jong un"]
    assert len(kims) == 1
    assert len(kims[0]["articles"]) == 5
    assert {"Kim", "Kim Jong-un"} <= set(kims[0]["aliases"]) | {kims[0]["name"]}
    assert [e for e in people if "il" in e["name"].lower().split("-")[-1]]  # Kim Jong-il
    xis = [e for e in people if "Xi" in e["name"].split() or e["name"] == "Xi"]
    assert len(xis) == 1


def test_markdown_and_html_show_the_sections(example_story) -> None:
    md = render(example_story, "md")
    page = render(example_story, "html")
    for title in ["Reported by one outlet only", "Contradictions", "Quotes", "Timeline",
                  "People, organisations and places"]:
        assert f"## {title}" in md
        assert title in page


def test_short_and_preceding_attributions_on_the_example(example_story) -> None:
    """Two quotations the issue named: a two-word one inside "…, X told the paper", and one
    whose speaker is named earlier in the sentence ("journalists such as NPR's X")."""
    by_text = {q["text"]: q["speaker"] for q in example_story.quotes}
    concerns = [s for t, s in by_text.items() if t.startswith("significant concerns")]
    secure = [s for t, s in by_text.items() if t.startswith("feeling a bit more secure")]
    assert concerns and concerns[0] and concerns[0].endswith("Johnson")
    assert secure and secure[0] and secure[0].endswith("Kuhn")
