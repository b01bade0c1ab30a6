"""Cleaning on text shaped like real outlets' page furniture (written here, not copied)."""

from __future__ import annotations

from storyweave.clean import Cleaner, clean
from storyweave.model import Article

STORY_1 = "The regional parliament approved the budget on Thursday after a long debate."
STORY_2 = ("Opposition members said the plan would cut funding for rural schools, "
           "and they promised to challenge it in court.")
STORY_3 = "The finance minister defended the measures at a press conference in the capital."

FURNITURE = {
    "Valley Courier Media logo": "logo",
    "Jane Doe Senior Politics Correspondent": "byline",
    "Text Size:": "page control",
    "Follow Jane on Twitter": "social or subscription prompt",
    "Send us your tips at the address below": "social or subscription prompt",
    "Lawmakers vote in the chamber on Thursday. Photo: Pat Lee/Agency.": "photo caption or credit",
    "XKQ7ZP31": "image or agency id",
    "Watch the vote https://t.co/abc123 pic.twitter.com/xyz": "embedded social post",
    "— Courier Politics (@CourierPol) March 3, 2022": "embedded-post attribution",
    "About the author": "section heading of a page block",
    "© 2022 Valley Courier Media. All rights reserved.": "licensing or copyright notice",
}


def article(body: str, title: str = "Budget passes") -> Article:
    return Article(id="t1", source="t", title=title, body=body)


def test_each_kind_of_furniture_is_dropped_with_its_reason() -> None:
    lines = [STORY_1, *FURNITURE, STORY_2, STORY_3]
    result = clean(article("\n\n".join(lines)))
    got = {d.text: d.reason for d in result.dropped}
    for text, reason in FURNITURE.items():
        assert text.lstrip("— ") in got or text in got, text
        key = text if text in got else text.lstrip("— ")
        assert got[key] == reason, (text, got[key])
    assert result.body.split("\n\n") == [STORY_1, STORY_2, STORY_3]


def test_inline_related_links_and_annotations_removed_sentence_kept() -> None:
    body = (f"{STORY_1} (RELATED: Budget Row Deepens As Talks Stall) The vote was 41 to 30.\n\n"
            "Officials published the plan (paywall) and a summary (in French) online.")
    result = clean(article(body))
    assert "(RELATED" not in result.body
    assert "The vote was 41 to 30." in result.body
    assert "Officials published the plan and a summary online." in result.body
    reasons = sorted(d.reason for d in result.dropped)
    assert reasons == ["link annotation", "link annotation", "related-link fragment"]


def test_unterminated_related_fragment_at_line_end() -> None:
    result = clean(article(f"{STORY_1} (RELATED: A headline that was cut off mid"))
    assert result.body == STORY_1
    assert result.dropped[0].reason == "related-link fragment"


def test_duplicates_and_repeated_headline() -> None:
    body = "\n\n".join(["Budget passes", STORY_1, STORY_2, STORY_1])
    result = clean(article(body))
    assert result.body.split("\n\n") == [STORY_1, STORY_2]
    assert [d.reason for d in result.dropped] == ["repeats the headline", "duplicate line"]


def test_footer_block_mission_statement_dropped_but_body_kept() -> None:
    footer = ["Editors' Picks", "The Courier exists to hold power to account in the valley.",
              "Sign up for our morning newsletter", "Comment on articles"]
    result = clean(article("\n\n".join([STORY_1, STORY_2, STORY_3, *footer])))
    assert result.body.split("\n\n") == [STORY_1, STORY_2, STORY_3]
    assert {d.reason for d in result.dropped} >= {"inside a block of page furniture"}


def test_story_lines_mentioning_boilerplate_words_survive() -> None:
    long_line = ("The company said more than two million people subscribe to the service, and "
                 "regulators will review whether its newsletter terms misled customers about "
                 "prices charged after the free trial ended last spring in several countries.")
    result = clean(article("\n\n".join([STORY_1, long_line])))
    assert long_line in result.body


def test_dateline_stripped_and_recorded() -> None:
    result = clean(article("PARIS (Reuters) - Workers went on strike across the country."))
    assert result.body == "Workers went on strike across the country."
    assert result.dropped[0].reason == "agency dateline"


def test_nothing_lost_every_word_is_kept_or_dropped() -> None:
    lines = [STORY_1, *FURNITURE, STORY_2]
    result = clean(article("\n".join(lines)))
    kept = result.body.split()
    dropped = " ".join(d.text for d in result.dropped).split()
    original = " ".join(lines).replace("— ", "").split()
    assert sorted(kept + dropped) == sorted(original)


def test_all_cruft_article_leaves_empty_body() -> None:
    result = Cleaner()(article("Site logo\n\nFont Size:\n\nShare this article"))
    assert result.body == ""
    assert len(result.dropped) == 3


def test_example_cleaning_keeps_story_and_records_drops(example_dir) -> None:
    from storyweave.ingest import read_paths

    total_dropped = 0
    for a in read_paths([example_dir]).articles:
        result = clean(a)
        total_dropped += len(result.dropped)
        kept, dropped = len(result.body.split()), sum(len(d.text.split()) for d in result.dropped)
        assert kept > 250, a.id  # the story survives
        assert kept + dropped >= a.words * 0.97  # and what went is accounted for
        assert "Font Size" not in result.body and "pic.twitter.com" not in result.body
        assert "(RELATED:" not in result.body and "Photograph:" not in result.body
    assert total_dropped >= 25
