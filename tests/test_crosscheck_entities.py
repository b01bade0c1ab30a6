"""Entity canonicalisation on texts written for the test (invented people)."""

from __future__ import annotations

from storyweave.model import Article

A = Article(id="a", source="North Star", title="Leader visits", body=(
    "Park Min-jun arrived in Vellmar on Monday for talks with Chancellor Ida Korhonen.\n\n"
    "Mr Park praised the port and met the mayor of Vellmar.\n\n"
    "Park took over in 2016 from his late father Park Min-ho, who ruled for decades."))
B = Article(id="b", source="Daily Meridian", title="Talks in Vellmar", body=(
    "The visit by Park Min Jun to Vellmar is his first abroad.\n\n"
    "Korhonen said the talks with Park were useful, and Ms Korhonen later thanked the "
    "port workers of Vellmar."))


def _by_name(entities, name):
    (e,) = [e for e in entities if e["name"] == name]
    return e


def test_spellings_titles_and_surnames_are_one_entity(pipeline) -> None:
    story = pipeline.run([A, B], words=50)
    people = [e for e in story.entities if e["type"] == "person"]
    park = [e for e in people if "Park Min" in e["name"] and "ho" not in e["name"].lower()]
    assert len(park) == 1  # "Park Min-jun", "Park Min Jun", "Mr Park", "Park"
    assert park[0]["articles"] == ["a", "b"]
    assert len(park[0]["mentions"]) >= 4
    father = [e for e in people if e["name"].replace("-", " ").lower() == "park min ho"]
    assert len(father) == 1  # the father stays his own person
    korhonen = [e for e in people if "Korhonen" in e["name"]]
    assert len(korhonen) == 1 and korhonen[0]["name"] == "Ida Korhonen"
    for e in story.entities:
        assert set(e) >= {"name", "type", "aliases", "articles", "mentions"}
        assert e["type"] in {"person", "organisation", "place", "event"}
        for m in e["mentions"]:
            assert 0 <= m["sentence"] < len(story.article(m["article"]).sentences)


def test_types_from_the_name_and_the_story() -> None:
    """Outlets, think tanks and summits keep their kind, whatever spaCy-small's label."""
    from storyweave.crosscheck.entities import _corrected_type, _Mention

    def ms(name: str) -> list:
        key = tuple(name.lower().split())
        return [_Mention("a", 0, name, "GPE", 0, len(name), key)]

    assert _corrected_type("place", ms("Center for Strategic Studies"), set(), set()) == (
        "organisation")
    assert _corrected_type("place", ms("South China Morning Post"), set(), set()) == (
        "organisation")
    assert _corrected_type("organisation", ms("Vellmar Summit"), set(), set()) == "event"
    assert _corrected_type("place", ms("Vellmar"), set(), set()) == "place"
    assert _corrected_type("place", ms("Kestrel"), {"kestrel"}, set()) == "organisation"
    assert _corrected_type("place", ms("Kestrel"), set(), {("a", 0)}) == "organisation"


def test_a_lone_surname_typed_org_joins_its_person() -> None:
    """spaCy-small often types a bare surname ORG ("Brandtner said"); it is the one person
    whose last name it is, but an acronym or an institution's word never joins a person."""
    from storyweave.crosscheck.entities import _Group, _Mention, _surname

    def group(text: str, label: str) -> _Group:
        key = tuple(text.lower().split())
        return _Group(key, [_Mention("a", 0, text, label, 0, len(text), key)])

    person = group("Olaf Brandtner", "PERSON")
    assert _surname(group("Brandtner", "ORG"), person)
    assert not _surname(group("Olaf", "ORG"), person)  # a first name is not a surname
    assert not _surname(group("BRANDTNER", "ORG"), person)  # an acronym-like capital word
    assert not _surname(group("Times", "ORG"), group("Ada Times", "PERSON"))


def test_a_possessive_followed_by_a_stray_quote_mark_is_one_name(pipeline, caplog) -> None:
    """spaCy can end a PERSON span after "'s '" (lower-cased surname, stray mark): the key and
    the display form once disagreed on the words, and the whole cross-source step failed."""
    from storyweave.crosscheck.entities import display_name, name_tokens

    for text in ("Vera Lindqvist's '", "Vera Lindqvist' ", "Vera Lindqvist’s ’", "Lindqvist's"):
        assert name_tokens(text, "PERSON") == name_tokens(display_name(text, "PERSON"),
                                                          "PERSON")
    assert name_tokens("Vera Lindqvist's '", "PERSON") == ["vera", "lindqvist"]
    a = Article(id="a", source="North Star", title="", body=(
        "Investigators said the files came from Vera lindqvist's ' harbour archive, seized in "
        "2003. The archive was moved to a library in Vellmar last year, officials said."))
    b = Article(id="b", source="Daily Meridian", title="", body=(
        "The archive of the former harbour master Vera Lindqvist was moved to Vellmar, "
        "officials said on Monday. Scholars have asked for access to the files since 2010."))
    with caplog.at_level("WARNING"):
        story = pipeline.run([a, b], words=50)
    assert not [r for r in caplog.records if "failed" in r.getMessage()]
    assert any("Lindqvist" in e["name"] for e in story.entities)
