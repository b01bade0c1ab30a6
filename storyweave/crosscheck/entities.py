"""Entities: people, organisations and places, canonicalised across articles and spellings.

Mentions come from the spaCy analysis (``Sentence.entities``). Two mentions are one entity when
their names match once titles ("Mr", "President"), possessives, case, hyphens and spacing are set
aside ("Kim Jong-un" = "Kim Jong Un" = "Mr Kim Jong Un"). A short form ("Kim", "Mr Xi", "Glaser",
"the Times") joins a full name that begins or ends with it when the story makes that unambiguous:
only one full name fits, or, where several do ("Kim Jong-un", "Kim Jong-il"), the article the
mention sits in, or else the whole story, names one of them at least twice as often as any other.
Otherwise the short form stays an entity of its own: a wrong merge is worse than a missing one.
An acronym joins the name whose initials it spells ("US" = "the United States").
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from storyweave.crosscheck.common import sentence_at, words
from storyweave.model import Story

TYPES = {"PERSON": "person", "ORG": "organisation", "GPE": "place", "LOC": "place",
         "FAC": "place"}
TITLES = {
    "mr", "mrs", "ms", "miss", "dr", "prof", "professor", "sir", "dame", "lord", "lady", "gen",
    "general", "col", "colonel", "capt", "captain", "lt", "sgt", "president", "premier",
    "chancellor", "minister", "secretary", "senator", "sen", "rep", "gov", "governor", "mayor",
    "judge", "justice", "king", "queen", "prince", "princess", "pope", "rev", "father", "chairman",
    "chairwoman", "ceo", "director", "spokesman", "spokeswoman", "spokesperson", "leader",
    "prime", "vice", "chief", "officer", "detective", "inspector", "sheriff", "coach", "st",
}
LEADING = {"the", "a", "an"}
# spaCy-small's type errors a news reader sees, corrected from the name's own words and from
# what the story shows. The last word of a name says what it is: "Center for Strategic and
# International Studies" and "South China Morning Post" are organisations, never places;
# "Singapore Summit" and "Ulchi Freedom Guardian exercise" are events.
ORG_WORDS = {
    "center", "centre", "institute", "institution", "university", "college", "council",
    "ministry", "department", "agency", "association", "foundation", "committee", "party",
    "bank", "corporation", "corp", "inc", "ltd", "group", "company", "commission", "office",
    "post", "times", "news", "journal", "herald", "tribune", "gazette", "telegraph", "press",
    "radio", "television", "tv", "broadcasting", "network", "magazine", "daily", "reuters",
    "bloomberg", "xinhua", "yonhap", "kcna", "afp", "ap", "cnn", "bbc", "npr", "nbc", "cbs",
    "abc", "fox", "union", "federation", "league", "court", "police", "army", "navy",
    "studies", "service", "services", "board", "authority", "administration",
}
EVENT_WORDS = {"summit", "games", "olympics", "exercise", "exercises", "drill", "drills",
               "war", "conference", "forum", "election", "elections", "championship",
               "cup", "festival", "talks"}
SPEECH_LEMMAS = {"say", "report", "tell", "write", "announce", "state", "claim", "add",
                 "quote", "cite", "publish", "confirm", "deny"}
SMALL = {"of", "the", "and", "for", "de", "du", "la", "le", "von", "van", "al"}
# a possessive and any stray quotation marks after it ("Hussein's '"), so that a name's key and
# its display form always have the same words
_POSSESSIVE = re.compile(r"(?:\s*(?:['’]s|['’]))+\s*$")


def name_tokens(text: str, label: str) -> list[str]:
    """The identifying words of a name: no leading article or titles, no possessive."""
    text = _POSSESSIVE.sub("", text.strip())
    toks = words(text)
    while toks and toks[0] in LEADING:
        toks = toks[1:]
    if label == "PERSON":
        while len(toks) > 1 and toks[0] in TITLES:
            toks = toks[1:]
    if len(toks) > 1 and all(len(t) == 1 for t in toks):
        toks = ["".join(toks)]  # "U.S." -> "us", like "US"
    return toks


def display_name(text: str, label: str) -> str:
    """The name as written, less possessive, leading article and (for people) titles."""
    text = _POSSESSIVE.sub("", " ".join(text.split()))
    parts = text.split(" ")
    while len(parts) > 1 and parts[0].lower() in LEADING:
        parts = parts[1:]
    if label == "PERSON":
        while len(parts) > 1 and parts[0].lower().rstrip(".") in TITLES:
            parts = parts[1:]
    return " ".join(parts)


@dataclass
class _Mention:
    article: str
    sentence: int
    text: str
    label: str
    start: int
    end: int
    key: tuple[str, ...]


@dataclass
class _Group:
    key: tuple[str, ...]
    mentions: list[_Mention] = field(default_factory=list)

    @cached_property
    def kind(self) -> str:
        """The majority type (read only once every mention is in the group)."""
        counts = Counter(TYPES[m.label] for m in self.mentions)
        return counts.most_common(1)[0][0]

    def has_label(self, label: str) -> bool:
        return any(m.label == label for m in self.mentions)


@dataclass
class Entity:
    id: str
    name: str
    type: str
    aliases: list[str]
    mentions: list[_Mention]

    @property
    def articles(self) -> list[str]:
        return sorted({m.article for m in self.mentions})

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "type": self.type,
            "aliases": self.aliases,
            "articles": self.articles,
            "mentions": [{"article": m.article, "sentence": m.sentence, "text": m.text}
                         for m in self.mentions],
        }


class EntityIndex:
    """Canonical entities of a story and the look-ups the other analyses need."""

    def __init__(self, entities: list[Entity]) -> None:
        self.entities = entities
        self._by_article: dict[str, list[tuple[_Mention, Entity]]] = defaultdict(list)
        for ent in entities:
            for m in ent.mentions:
                self._by_article[m.article].append((m, ent))
        for items in self._by_article.values():
            items.sort(key=lambda pair: pair[0].start)

    def at(self, article: str, start: int, end: int) -> Entity | None:
        """The entity of the longest mention overlapping chars [start, end) of an article."""
        best: tuple[int, Entity] | None = None
        for m, ent in self._by_article.get(article, []):
            if m.start < end and start < m.end:
                overlap = min(end, m.end) - max(start, m.start)
                if best is None or overlap > best[0]:
                    best = (overlap, ent)
        return best[1] if best else None

    def before(self, article: str, offset: int, kinds: set[str],
               skip: list[tuple[int, int]] = ()) -> Entity | None:
        """The entity of the last mention of one of ``kinds`` ending before ``offset``.

        Mentions inside ``skip`` spans (quotations) are passed over: a name inside a quote is
        rarely the antecedent of the pronoun that introduces the next quote.
        """
        for m, ent in reversed(self._by_article.get(article, [])):
            if m.end > offset or ent.type not in kinds:
                continue
            if any(a <= m.start < b for a, b in skip):
                continue
            return ent
        return None

    def mentions_before(self, article: str, offset: int, kinds: set[str],
                        skip: list[tuple[int, int]] = ()) -> Iterator[tuple[_Mention, Entity]]:
        """Mentions of ``kinds`` ending before ``offset``, nearest first, ``skip`` spans out."""
        for m, ent in reversed(self._by_article.get(article, [])):
            if m.end > offset or ent.type not in kinds:
                continue
            if any(a <= m.start < b for a, b in skip):
                continue
            yield m, ent

    def to_dicts(self) -> list[dict[str, Any]]:
        return [e.to_dict() for e in self.entities]


def _subsequence_at_edge(short: tuple[str, ...], full: tuple[str, ...]) -> bool:
    n = len(short)
    return n < len(full) and (full[:n] == short or full[-n:] == short)


def _surname(short: _Group, big: _Group) -> bool:
    """A lone surname spaCy-small typed as an organisation or place ("Brandtner said" after
    "Olaf Brandtner") is that person when it is the full name's last word and looks like no
    institution (no acronym, no "Ministry", "Times", ...)."""
    if len(short.key) != 1 or short.key[0] != big.key[-1] or short.key[0] in ORG_WORDS:
        return False
    return not any(m.text.isupper() for m in short.mentions)


def _acronym(full: tuple[str, ...]) -> str:
    return "".join(t[0] for t in full if t not in SMALL)


def build_entities(story: Story) -> EntityIndex:
    """Collect the story's name mentions and merge them into canonical entities."""
    mentions: list[_Mention] = []
    for art in story.articles:
        body = art.clean.body
        for sent in art.sentences:
            for e in sent.entities:
                if e.label not in TYPES:
                    continue
                toks = name_tokens(e.text, e.label)
                raw = body[e.start:e.end] if body else e.text
                if not toks or not any(ch.isupper() for ch in raw) or all(
                        t.isdigit() for t in toks):
                    continue
                if len("".join(toks)) < 2:
                    continue
                mentions.append(_Mention(art.id, sent.index, e.text, e.label, e.start, e.end,
                                         tuple(toks)))
    groups: dict[str, _Group] = {}
    for m in mentions:
        groups.setdefault("".join(m.key), _Group(m.key)).mentions.append(m)

    full = [g for g in groups.values() if len(g.key) >= 2]
    parent: dict[str, str] = {}  # short group joined key -> full group joined key (all mentions)
    per_mention: dict[int, str] = {}  # id(mention) -> full key, where decided per article

    def compatible(short: _Group, big: _Group) -> bool:
        if short.kind == big.kind:
            return True
        return big.kind == "person" and (short.has_label("PERSON") or _surname(short, big))

    for jkey, g in groups.items():
        if len(g.key) >= 2 and not any(len(f.key) > len(g.key) for f in full):
            continue
        cands = [f for f in full if f is not g and compatible(g, f) and (
            (_subsequence_at_edge(g.key, f.key) and f.kind == "person")
            or (f.kind == "organisation" and f.key[:len(g.key)] == g.key)
            or (len(g.key) == 1 and len(f.key) >= 2 and g.kind != "person"
                and g.key[0] == _acronym(f.key)))]
        # a candidate that is itself a short form of a longer candidate is not a separate choice
        cands = [c for c in cands if not any(
            d is not c and _subsequence_at_edge(c.key, d.key) for d in cands)]
        if not cands:
            continue
        if len(cands) == 1:
            parent[jkey] = "".join(cands[0].key)
            continue
        story_counts = {"".join(c.key): len(c.mentions) for c in cands}
        ranked = sorted(story_counts.items(), key=lambda kv: -kv[1])
        story_choice = ranked[0][0] if ranked[0][1] >= 2 * ranked[1][1] else None
        for m in g.mentions:
            local = Counter({"".join(c.key): sum(1 for x in c.mentions if x.article == m.article)
                             for c in cands})
            top = local.most_common(2)
            if top[0][1] > 0 and top[0][1] >= 2 * top[1][1]:
                per_mention[id(m)] = top[0][0]
            elif story_choice:
                per_mention[id(m)] = story_choice

    def root(jkey: str) -> str:
        seen = set()
        while jkey in parent and jkey not in seen:
            seen.add(jkey)
            jkey = parent[jkey]
        return jkey

    clusters: dict[str, list[_Mention]] = defaultdict(list)
    for jkey, g in groups.items():
        for m in g.mentions:
            target = per_mention.get(id(m))
            clusters[root(target) if target else root(jkey)].append(m)

    outlets = {" ".join(words(a.article.source)) for a in story.articles
               if a.article.source and not getattr(a.article, "source_inferred", False)}
    speakers = _speaking_mentions(story)
    entities: list[Entity] = []
    for ms in clusters.values():
        kind = Counter(TYPES[m.label] for m in ms).most_common(1)[0][0]
        kind = _corrected_type(kind, ms, outlets, speakers)
        names = Counter(display_name(m.text, m.label) for m in ms)
        longest = max(len(m.key) for m in ms)
        full_names = Counter({n: c for n, c in names.items()
                              if len(name_tokens(n, "PERSON" if kind == "person" else "ORG"))
                              == longest})
        # a type corrected to person drops titles the mentions' own label kept: then no name
        # has the longest key's length, and any written form will do
        name = max((full_names or names).items(), key=lambda kv: (kv[1], len(kv[0]), kv[0]))[0]
        written = {_POSSESSIVE.sub("", " ".join(m.text.split())) for m in ms}
        aliases = sorted((set(names) | written) - {name})
        ms.sort(key=lambda m: (m.article, m.start))
        entities.append(Entity("", name, kind, aliases, ms))
    entities.sort(key=lambda e: (-len(e.articles), -len(e.mentions), e.name))
    for n, e in enumerate(entities, start=1):
        e.id = f"e{n}"
    return EntityIndex(entities)


def _speaking_mentions(story: Story) -> set[tuple[str, int]]:
    """(article, start) of name mentions that are the subject of said/reported/told: a
    speaker is a person or an organisation, never a place ("Bloomberg reported")."""
    out: set[tuple[str, int]] = set()
    for art in story.articles:
        doc = art.doc
        if doc is None:
            continue
        for sent in art.sentences:
            for e in sent.entities:
                span = doc.char_span(e.start, e.end, alignment_mode="expand")
                if span is None or not len(span):
                    continue
                root = span.root
                if root.dep_ in {"nsubj", "nsubjpass"} and (
                        root.head.lemma_.lower() in SPEECH_LEMMAS):
                    out.add((art.id, e.start))
    return out


def _corrected_type(kind: str, mentions: list[_Mention], outlets: set[str],
                    speakers: set[tuple[str, int]]) -> str:
    """The type a reader would give, where the story or the name itself says more than
    spaCy-small's label (see ORG_WORDS)."""
    names = {" ".join(m.key) for m in mentions}
    last = {m.key[-1] for m in mentions if m.key}
    if kind != "person" and last & EVENT_WORDS and not names & outlets:
        return "event"
    if kind == "place" and (names & outlets or last & ORG_WORDS):
        return "organisation"
    if kind == "place" and any((m.article, m.start) in speakers for m in mentions):
        return "organisation"
    return kind


def enrich_entities(story: Story, alignment: Any = None) -> None:
    story.entities = build_entities(story).to_dicts()


def sentence_of(story: Story, article: str, offset: int) -> int | None:
    s = sentence_at(story.article(article), offset)
    return s.index if s else None
