"""Contradictions, fifth pass (issue 13): false alarms of rules that already existed, each on
probe sentences written for the test, each beside a control that must still conflict (so every
test can fail in both directions)."""

from __future__ import annotations

from storyweave.crosscheck.conflicts import parse_number
from storyweave.model import Article


def _art(aid: str, body: str) -> Article:
    return Article(id=aid, source=f"Outlet {aid}", title="t", published="2023-03-14", body=body)


def _values(pipeline, *bodies: str) -> list[set[str]]:  # noqa: ANN001
    story = pipeline.run([_art(chr(97 + i), b) for i, b in enumerate(bodies)], words=60)
    return [{k["value"] for k in c["claims"]} for c in story.conflicts]


def test_unit_glued_to_the_number_keeps_its_decimals() -> None:
    assert parse_number("5.7lb") == (5.7, False)
    assert parse_number("12km") == (12.0, False)
    assert parse_number("$8m") == (8e6, False)
    assert parse_number("3.5bn") == (3.5e9, False)


def test_a_unit_glued_to_the_number_is_the_same_weight(pipeline) -> None:
    same = _values(pipeline,
                   "The keepers said the baby panda weighed 5.7lb at its first check on Monday.",
                   "The keepers said the baby panda weighed 5.7 lb at its first check on Monday.")
    assert same == []
    other = _values(pipeline,
                    "The keepers said the baby panda weighed 5.7lb at its first check on Monday.",
                    "The keepers said the baby panda weighed 7.9 lb at its first check on Monday.")
    assert other, other


def test_the_ends_of_a_split_range_are_not_compared(pipeline) -> None:
    ranges = _values(pipeline,
                     "Two climbers fell 35 to 45 feet from the ledge at Marrow Peak on Sunday.",
                     "Two climbers fell 30 to 45 feet from the ledge at Marrow Peak on Sunday.")
    assert ranges == []
    single = _values(pipeline,
                     "Two climbers fell 35 feet from the ledge at Marrow Peak on Sunday.",
                     "Two climbers fell 60 feet from the ledge at Marrow Peak on Sunday.")
    assert single, single


def test_a_change_from_one_value_to_another_is_no_range(pipeline) -> None:
    from storyweave.crosscheck.conflicts import _range_part

    text = "fares rose from 12 to 18 dollars; the fall was 35 to 45 feet"
    assert not _range_part(text, text.index("12"), text.index("12") + 2)
    assert not _range_part(text, text.index("18"), text.index("18") + 2)
    assert _range_part(text, text.index("35"), text.index("35") + 2)
    assert _range_part(text, text.index("45"), text.index("45") + 2)


def test_a_conversion_in_brackets_is_not_compared(pipeline) -> None:
    conv = _values(pipeline,
                   "Mount Varl officially stands at 4,810 metres (15,781 feet) above sea level.",
                   "Mount Varl officially stands at 4,810 metres (15,780 feet) above sea level.")
    assert conv == []
    heights = _values(pipeline,
                      "Mount Varl officially stands at 4,810 metres above sea level.",
                      "Mount Varl officially stands at 4,300 metres above sea level.")
    assert heights, heights


def test_a_list_of_shares_is_not_compared_item_by_item(pipeline) -> None:
    """Its later members hang on the first member's head, so the list rule sees them."""
    shares = _values(
        pipeline,
        "In the census, 52 % of members lived in the north, 29 % in the east and 19 % in the "
        "south.",
        "In the census, 50 % of members now live in the north, 29 % in the east, and 21 % in "
        "the south.")
    assert shares == [], shares
    gifts = _values(pipeline,
                    "Halden received $36,500 in cash donations and $51,000 in in-kind donations, "
                    "her report shows.",
                    "Halden has received $51,000 in in-kind donations, her report shows.")
    assert gifts == [], gifts


def test_the_possessor_is_not_what_the_number_counts(pipeline) -> None:
    poss = _values(pipeline,
                   "One student's cousin was killed in the shooting at Lindell High on Monday.",
                   "Two students were killed in the shooting at Lindell High on Monday.")
    assert poss == []
    counts = _values(pipeline,
                     "One student was killed in the shooting at Lindell High on Monday.",
                     "Two students were killed in the shooting at Lindell High on Monday.")
    assert counts, counts


def test_a_count_the_sentence_marks_as_superseded_is_not_compared(pipeline) -> None:
    old = _values(pipeline,
                  "Police originally said 10 people were shot at the Harlow market, but the "
                  "numbers were updated on Monday.",
                  "Eight people were shot at the Harlow market, police said on Monday.")
    assert old == []
    now = _values(pipeline,
                  "Police said 10 people were shot at the Harlow market on Monday.",
                  "Eight people were shot at the Harlow market, police said on Monday.")
    assert now, now


def test_a_photo_caption_date_is_the_photos(pipeline) -> None:
    from storyweave.crosscheck.conflicts import _caption

    story = pipeline.run([_art("a", "In this Sept. 28, 2014, file photo, police stand "
                               "outside the house in Brannock.")], words=30)
    art = story.articles[0]
    spans = [art.doc.char_span(e.start, e.end, alignment_mode="expand")
             for s in art.sentences for e in s.entities if e.label == "DATE"]
    assert spans and all(_caption(sp) for sp in spans)
    story = pipeline.run([_art("b", "The family was found in the house on Sept. 27, 2014, "
                               "police said.")], words=30)
    art = story.articles[0]
    spans = [art.doc.char_span(e.start, e.end, alignment_mode="expand")
             for s in art.sentences for e in s.entities if e.label == "DATE"]
    assert spans and not any(_caption(sp) for sp in spans)


def test_a_share_of_different_wholes_is_not_one_slot(pipeline) -> None:
    wholes = _values(pipeline,
                     "Corvane will donate 1 percent of its sales to river charities this year.",
                     "Corvane will donate 100 percent of its holiday sales to river charities "
                     "this year.")
    assert wholes == []
    same = _values(pipeline,
                   "Corvane will donate 10 percent of its sales to river charities this year.",
                   "Corvane will donate 15 percent of its sales to river charities this year.")
    assert same, same


def test_a_level_is_not_a_change(pipeline) -> None:
    level = _values(pipeline,
                    "Stocks at Hallin rose by 7 percent in the first quarter, the group said.",
                    "Stocks at Hallin rose to 18 percent in the first quarter, the group said.")
    assert level == []
    change = _values(pipeline,
                     "Stocks at Hallin rose by 7 percent in the first quarter, the group said.",
                     "Stocks at Hallin rose by 18 percent in the first quarter, the group said.")
    assert change, change


def test_one_noun_narrowed_two_ways_is_two_totals(pipeline) -> None:
    narrowed = _values(pipeline,
                       "Auto sales rose 14 percent in November, the trade group said.",
                       "Kestrel Motors' retail sales rose 20 percent in November, the trade "
                       "group said.")
    assert narrowed == []
    same = _values(pipeline,
                   "Auto sales rose 14 percent in November, the trade group said.",
                   "Auto sales rose 20 percent in November, the trade group said.")
    assert same, same


def test_a_hyphenated_scale_multiplies() -> None:
    assert parse_number("$1.5-million") == (1.5e6, False)
    assert parse_number("a 5-m wall") == (5.0, False)  # a unit, not a million


def test_verbs_of_rising_share_a_slot(pipeline) -> None:
    rise = _values(pipeline,
                   "The Harbour index rose 156.82 points to close at a record on Tuesday.",
                   "The Harbour index advanced 154 points to close at a record on Tuesday.")
    assert any({"156.82", "154"} <= v for v in rise), rise


def test_lengths_in_two_units_are_converted_before_comparing(pipeline) -> None:
    from storyweave.crosscheck.conflicts import _converted_differ

    assert _converted_differ((6000.0, 6000.0), "m", (21000.0, 21000.0), "ft")
    assert not _converted_differ((8848.0, 8848.0), "m", (29029.0, 29029.0), "ft")
    assert not _converted_differ((30.0, 30.0), "dollar", (20.0, 20.0), "euro")
    drop = _values(pipeline,
                   "The Tarrow airliner suddenly dropped 6,000 metres after the crew turned off "
                   "the air conditioning.",
                   "The Tarrow airliner suddenly dropped 21,000 feet after the crew turned off "
                   "the air conditioning.")
    assert drop, drop
    same = _values(pipeline,
                   "The Tarrow airliner suddenly dropped 6,000 metres after the crew turned off "
                   "the air conditioning.",
                   "The Tarrow airliner suddenly dropped 19,700 feet after the crew turned off "
                   "the air conditioning.")
    assert same == [], same


def test_a_round_hundred_allows_a_little_either_way(pipeline) -> None:
    from storyweave.crosscheck.conflicts import _rounded

    assert _rounded((400.0, 400.0), "400") == (380.0, 420.0)
    assert _rounded((396.0, 396.0), "396") == (396.0, 396.0)
    assert _rounded((1.5e6, 1.5e6), "1.5 million") == (1.5e6, 1.5e6)
    assert _rounded((40.0, 40.0), "40") == (40.0, 40.0)
    near = _values(pipeline,
                   "The tanker plane dropped 400 gallons of water on the Vellen ridge fire.",
                   "The tanker plane dropped 396 gallons of water on the Vellen ridge fire.")
    assert near == []
    far = _values(pipeline,
                  "The tanker plane dropped 400 gallons of water on the Vellen ridge fire.",
                  "The tanker plane dropped 310 gallons of water on the Vellen ridge fire.")
    assert far, far


def test_values_offered_as_alternatives_are_a_range(pipeline) -> None:
    alt = _values(pipeline,
                  "The old film shows the princess, then aged six or seven, riding a pony.",
                  "The old film shows the princess, then aged about five, riding a pony.")
    assert alt == [], alt


def test_what_a_thing_is_likened_to_is_another_thing(pipeline) -> None:
    likened = _values(pipeline,
                      "The drone was similar in size to a drone found on Kessa island in 2014.",
                      "Soldiers found the drone on a mountain near Kessa in 2017.")
    assert likened == [], likened
    same = _values(pipeline,
                   "The drone was found on a mountain near Kessa in 2014.",
                   "Soldiers found the drone on a mountain near Kessa in 2017.")
    assert same, same
