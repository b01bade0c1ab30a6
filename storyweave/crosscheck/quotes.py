"""Quotes: direct quotations with their speaker, merged across outlets.

Why not textacy: its ``direct_quotations`` (0.13.0, April 2023, no release since) pairs quotation
marks strictly in sequence and raises on an odd number of them (textacy PR #380, unmerged), so
one stray mark loses an article; it also leaves the speaker as the raw subject ("he") with no
pronoun, apposition or "according to" handling, and it would add eight packages. The extractor
here follows the same plan (find quotation spans, find the speech verb outside them, take its
subject) over the spaCy parse the pipeline already made, and adds what news text needs:

1. **Spans** are found on the clean text, per paragraph: curly “…”, straight "…" (whose direction
   is read from the spacing around the mark), ``…'' and «…». An unclosed mark is dropped at the
   paragraph's end unless the next paragraph opens with a quotation mark (the convention for a
   quote running over paragraphs), so an unbalanced mark never swallows the rest of an article.
2. **Cue**: the speech verb (say, tell, add, write, ...) or "according to" in the sentences the
   quote sits in, outside every quotation, nearest to the quote; when the quote ends its
   sentence, a short next sentence ("Tsang added.") counts too, and so does a previous sentence
   ending in a colon.
3. **Speaker**: the verb's subject (the object of "according to"). A name is looked up among the
   story's canonical entities; an apposition supplies the name when the subject is a title ("a
   spokesperson, Y, said"); "he"/"she" resolve to the last person named before the quote
   outside quotations; a subject that names no entity is kept as written ("the defence
   ministry"); "it", "they", "I" and "we" stay unknown (``None``).
4. **Continuation**: a quote with no cue of its own, in the same paragraph as (or the paragraph
   after) an attributed quote, is given that quote's speaker, with cue ``None``.
5. **Short quotations**: two or three words are a quotation when a cue introduces them as a
   clause (a “very good diplomat,” X said) or sit in the cue's own sentence and carry a
   judgement (China has “significant concerns” …, X told); nouns alone are a label ("what he
   called “war games”", the pirate “mother ship”), Title Case a work's title.
6. **Speakers beyond the subject**: a title or group head names its speaker inside the phrase
   ("Secretary of the Interior X said", "journalists such as NPR's X"); the object of "led X to
   suspect" is who suspects; "he"/"she" keep the last quote's speaker unless another person has
   since been a sentence's subject; a quotation opening a sentence with no cue continues the
   speaker of a directly preceding attribution ("…, a ministry statement said."); a quotation
   broken over lines (plain text, a line per sentence) is found up to its line's end and
   attributed by the cue after its closing mark.

7. **Long quotations and careless marks** (issue 13, third pass): a quotation reopened at each
   paragraph (“…. “…,” she said) is one quote per part, the cue after the last part naming
   every part, whether the paragraph breaks survived or not; straight marks spaced on both
   sides pair in order, mixed English marks close each other; verb chains share their
   subject, "X was heard saying", "one of the leaders, X", "the Ministry, which said" and
   surnames the tagger missed name their speaker; words inside a quotation never do.

The same quotation in several outlets (word overlap >= 0.6, or one contained in the other) is one
quote with several articles.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from storyweave.crosscheck.common import jaccard, sentence_at, words
from storyweave.crosscheck.entities import (
    EVENT_WORDS,
    ORG_WORDS,
    TITLES,
    Entity,
    EntityIndex,
    build_entities,
)
from storyweave.model import AnalyzedArticle, Story

SPEECH_VERBS = {
    "say", "tell", "add", "write", "state", "explain", "note", "insist", "warn", "ask", "claim",
    "declare", "announce", "argue", "continue", "comment", "reply", "respond", "recall",
    "remark", "observe", "acknowledge", "admit", "concede", "stress", "emphasize", "emphasise",
    "assert", "maintain", "predict", "suggest", "caution", "urge", "quip", "joke", "report",
    "confirm", "deny", "describe", "tweet", "post", "exclaim", "shout", "murmur", "whisper",
    "conclude", "agree", "complain", "lament", "boast", "vow", "pledge", "promise", "reiterate",
    "counter", "retort", "testify", "wonder", "recount", "point", "proclaim", "crow",
    "mumble", "mutter", "plead",
    # belief and allegation verbs introduce quoted words as often as speech verbs do
    # ("NPR's X suspects that China is “feeling a bit more secure”")
    "suspect", "believe", "think", "fear", "purport", "allege", "charge",
}
# common nouns that can name a speaker (besides ORG_WORDS, TITLES and agent nouns)
SPEAKER_NOUNS = {
    "official", "source", "spokesman", "spokeswoman", "spokesperson", "aide", "expert",
    "analyst", "witness", "friend", "family", "relative", "neighbour", "neighbor", "rep",
    "representative", "star", "actress", "actor", "executive", "staff", "pair",
    "couple", "duo", "trio", "wife", "husband", "mother", "father", "son", "daughter",
    "sister", "brother", "widow", "child", "parent", "man", "woman", "boy", "girl", "people",
    "person", "victim", "survivor", "candidate", "government", "ministry", "military",
    "statement", "report", "memo", "memorandum", "letter", "release", "filing", "complaint",
    "document", "website", "site", "bio", "handbook", "study", "survey", "poll", "paper",
    "newspaper", "magazine", "editorial", "blog", "post", "tweet", "campaign", "team",
    "club", "firm", "authorities", "authority", "diplomat", "envoy", "delegate", "lawmaker",
    "legislator", "senator", "activist", "protester", "scientist", "researcher", "doctor",
    "nurse", "guard", "soldier", "troops", "cop", "police", "juror", "jury", "panel",
    "prosecution", "defence", "defense", "counsel", "agent", "insider", "observer", "critic",
    "fan", "student", "colleague", "partner", "boss", "chief", "head", "leader", "host",
    "owner", "operator", "organiser", "organizer", "regime", "state", "county", "city",
    "town", "village", "embassy", "consulate", "industry", "employer", "union", "monitor",
}
NOT_AGENTS = {"winter", "summer", "number", "matter", "letter", "paper", "order", "border",
              "water", "weather", "error", "factor", "sector", "center", "centre", "moment",
              "comment", "statement", "element", "content", "event", "extent", "percent",
              "payment", "agreement", "argument", "document", "incident", "accident",
              "talent", "amount", "account", "plant", "grant", "quarter", "chapter",
              "character", "answer", "power", "tower", "corner", "register", "meter",
              "filter", "monitor", "motor", "mirror", "honor", "labor", "color",
              "favor", "behavior", "humor", "rumor", "vapor", "terror", "horror", "ancient",
              "recent", "present", "parliament"}
# speaker nouns that are never a "he" or "she"
NONPERSON_NOUNS = {
    "statement", "report", "memo", "memorandum", "letter", "release", "filing", "complaint",
    "document", "website", "site", "bio", "handbook", "study", "survey", "poll", "paper",
    "newspaper", "magazine", "editorial", "blog", "post", "tweet", "government", "ministry",
    "military", "campaign", "team", "club", "firm", "authorities", "authority", "regime",
    "state", "county", "city", "town", "village", "embassy", "consulate", "industry",
    "panel", "jury", "family", "pair", "couple", "duo", "trio", "staff", "people", "troops",
    "prosecution", "defence", "defense", "union", "administration",
}
# verbs that only ever mean saying ("continue", "point", "post" need not)
SAYING = {"say", "tell", "write", "state", "explain", "insist", "warn", "claim", "declare",
          "announce", "argue", "reply", "respond", "testify", "add", "tweet"}
PAIRS = {"“": "”", "«": "»", "„": "“", "``": "''"}
MIN_WORDS = 4
MAX_CHARS = 1500
PRONOUNS_PERSON = {"he", "she", "him", "her"}
PRONOUN_GENDER = {"he": "m", "him": "m", "his": "m", "she": "f", "her": "f"}
REFLEXIVE = {"himself": "m", "herself": "f"}
HONORIFIC_GENDER = {"mr": "m", "mrs": "f", "ms": "f", "miss": "f", "sir": "m", "dame": "f"}
PRONOUNS_UNKNOWN = {"it", "they", "i", "we", "you", "this", "that", "who", "which", "one"}
SUBJECT_DEPS = {"nsubj", "nsubjpass"}
# words that carry a speaker's judgement: a two- or three-word quotation holding one is
# quoted words ("significant concerns"), one made only of nouns is a label ("mother ship")
CONTENT_POS = {"ADJ", "VERB", "ADV", "AUX"}
# the closed class of quantifying adjectives: an amount, not a judgement ("several days")
QUANTIFIERS = {"several", "many", "few", "much", "more", "most", "less", "least", "some",
               "enough", "various", "numerous", "countless", "multiple", "other", "same"}


@dataclass
class Span:
    start: int  # first char of the content
    end: int  # end of the content
    open_at: int  # the opening mark
    close_at: int  # one past the closing mark (or the paragraph end when continued)
    cut: bool = False  # closed only in the next paragraph, which does not reopen it
    runs_on: bool = False  # the next quotation mark reopens it for its next paragraph


def _paragraphs(text: str) -> list[tuple[int, int]]:
    out, pos = [], 0
    for m in re.finditer(r"\n\s*\n", text):
        out.append((pos, m.start()))
        pos = m.end()
    out.append((pos, len(text)))
    return out


_MARK = re.compile(r"``|''|[“”«»„\"]")


def _straight_opens(text: str, i: int) -> bool:
    before = text[i - 1] if i > 0 else " "
    after = text[i + 1] if i + 1 < len(text) else " "
    if before.isspace() or before in "([{—–-/:;":
        return True
    if after.isspace() or after in ".,;:!?)]}—–-":
        return False
    return not before.isalnum()


def _spaced(text: str, i: int) -> bool:
    """A straight mark with space (or the text's edge) on both sides, as in tokenised text
    ("the factor, " King said"): its direction is only known from the marks before it."""
    return (i == 0 or text[i - 1].isspace()) and (i + 1 >= len(text) or text[i + 1].isspace())


def _straight_closes(text: str, i: int) -> bool:
    """Whether a straight mark closes the straight quotation open before it."""
    return not _straight_opens(text, i) or _spaced(text, i)


ENGLISH_OPEN = {"“", "``", '"'}


def _closes(text: str, at: int, open_mark: str, mark: str) -> bool:
    """Whether ``mark`` closes the quotation ``open_mark`` opened. English double marks are
    mixed in careless text (“…", "…'', ``…”): any of them that reads as closing closes."""
    if open_mark in ENGLISH_OPEN:
        if mark == "``" and text[:at].rstrip()[-1:] == ",":
            # an opening mark typed for a closing one (“``…, `` he said”): after a comma
            # it cannot open the next paragraph of the quotation
            return True
        return mark in {"”", "''"} or (mark == '"' and _straight_closes(text, at))
    return mark == PAIRS.get(open_mark)


def _reopens(text: str, at: int, open_mark: str, mark: str, lo: int) -> bool:
    """Whether ``mark`` opens the next paragraph of a quotation still open (news style opens
    every paragraph of a long quotation with a mark and closes only the last): the same kind
    of mark, first thing after a sentence that ends with its stop."""
    before = text[lo:at].rstrip()
    return mark == open_mark and before[-1:] in {".", "!", "?", "…"} and (
        at + len(mark) < len(text))


def _closed_later(text: str, paras: list[tuple[int, int]], p_no: int,
                  open_mark: str, reach: int = 4) -> tuple[int | None, bool]:
    """One past the mark that closes ``open_mark`` in the next few paragraphs, if the first
    quotation mark met there closes it (and the first of them does not open with a mark),
    and whether the quotation is reopened rather than closed there.

    When that first mark instead opens a later paragraph with the same kind of mark, the
    quotation ran on over the paragraphs between and ends at that paragraph's start (the
    convention for long quotations, with a paragraph of the quote that opened with no mark
    in between, or a line break inside a paragraph)."""
    prev_end = paras[p_no][1]
    for a, b in paras[p_no + 1:p_no + 1 + reach]:
        m = _MARK.search(text, a, b)
        if m is None:
            prev_end = b
            continue
        mark = m.group()
        if _closes(text, m.start(), open_mark, mark):
            return m.end(), False
        if not text[a:m.start()].strip() and _reopens(text, m.start(), open_mark, mark,
                                                      paras[p_no][0]):
            return len(text[:prev_end].rstrip()), True
        return None, False
    return None, False


def find_quote_spans(text: str) -> list[Span]:
    """Quotation spans of a text, paired per paragraph; unbalanced marks are dropped.

    A quotation left open at a paragraph's end runs on when the next paragraph opens with a
    quotation mark (news style for a long quotation): each paragraph's part is a span of its
    own, marked ``runs_on``, as each opening mark is one quotation for a reader too.
    """
    spans: list[Span] = []
    paras = _paragraphs(text)
    consumed = 0  # a mark before this closed a quotation of an earlier paragraph
    for p_no, (p_start, p_end) in enumerate(paras):
        para = text[p_start:p_end]
        open_mark: str | None = None
        open_at = 0
        for m in _MARK.finditer(para):
            mark, at = m.group(), p_start + m.start()
            if at < consumed:
                continue
            if open_mark is None:
                if mark in PAIRS or (mark == '"' and _straight_opens(text, at)):
                    open_mark, open_at = mark, at
                continue
            if _closes(text, at, open_mark, mark):
                spans.append(Span(open_at + len(open_mark), at, open_at, at + len(mark)))
                open_mark = None
            elif mark in PAIRS or mark == '"':
                if _reopens(text, at, open_mark, mark, open_at + len(open_mark)):
                    # the paragraph break of a long quotation was lost (text joined into one
                    # paragraph): the quotation so far ends where the new paragraph opens
                    end = len(text[:at].rstrip())
                    spans.append(Span(open_at + len(open_mark), end, open_at, end,
                                      runs_on=True))
                # a new opening mark: the earlier one never closed
                open_at, open_mark = at, mark
        if open_mark is None:
            continue
        start = open_at + len(open_mark)
        end = len(text[:p_end].rstrip())
        nxt = text[paras[p_no + 1][0]:paras[p_no + 1][1]].lstrip() if p_no + 1 < len(
            paras) else ""
        if nxt[:2] == "``" or (nxt[:1] and nxt[:1] in '“"«„'):
            spans.append(Span(start, end, open_at, end, runs_on=True))
        else:
            close, reopened = _closed_later(text, paras, p_no, open_mark)
            if close is not None:
                consumed = close
                # a quotation broken by line breaks (plain text wrapped per sentence): a later
                # paragraph closes (or reopens) it, so it is a quotation up to here, and
                # everything up to the closing mark is quoted (no cue can sit there)
                spans.append(Span(start, end, open_at, close, cut=True, runs_on=reopened))
    return [s for s in spans if 0 < s.end - s.start <= MAX_CHARS]


@dataclass
class Found:
    article: str
    start: int
    end: int
    text: str
    sentences: list[int]
    paragraph: int
    speaker: str | None = None
    speaker_text: str | None = None
    cue: str | None = None
    words: int = 0
    keep: bool = True
    extra: dict[str, Any] = field(default_factory=dict)


def _inside(i: int, spans: list[Span]) -> bool:
    return any(s.open_at <= i < s.close_at for s in spans)


@dataclass
class Recent:
    """The last quote's named speaker: the first candidate for a following "he said"
    (``None`` when that speaker was unknown or no person: the floor passed, to no one)."""

    name: str | None
    end: int  # where that quote's sentence ends


def _subject_root(doc: Any, start: int, end: int) -> Any | None:
    """The token heading a name mention when the mention is a clause's subject, else None."""
    span = doc.char_span(start, end, alignment_mode="expand")
    if span is None or not len(span):
        return None
    root = span.root
    while root.dep_ in {"compound", "appos", "poss"} and root.head.i != root.i:
        root = root.head
    return root if root.dep_ in SUBJECT_DEPS else None


def _main_clause(verb: Any) -> bool:
    """Whether a verb heads its sentence's main clause (the root, or a clause joined to it
    by "and"/"but"): its subject is the sentence's topic, unlike the subject of a reported or
    subordinate clause ("Meyer wrote that Catherine is not continuing")."""
    while verb.dep_ == "conj" and verb.head.i != verb.i:
        verb = verb.head
    return verb.dep_ == "ROOT"


def _speech(verb: Any) -> bool:
    """A speech verb at any depth: the one who says ("quoted Mr Xi saying ...") is the
    current speaker even in a reported clause."""
    return verb.lemma_.lower() in SAYING and verb.pos_ in {"VERB", "AUX"}


def _gender(ent: Entity, article: AnalyzedArticle) -> str | None:
    """'m' or 'f' where the article itself says: an honorific ("Mr", "Ms"), a reflexive in
    a clause the person is the subject of ("X has checked herself in"), or the pronoun
    subject of what the person is reported to say ("Page said she grew up ..."). No name
    lists: a first name tells nothing here, so this is mostly None."""
    doc = article.doc
    for m in ent.mentions:
        first = m.text.split()[0].lower().rstrip(".") if m.text.split() else ""
        if first in HONORIFIC_GENDER:
            return HONORIFIC_GENDER[first]
        if doc is None or m.article != article.id:
            continue
        span = doc.char_span(m.start, m.end, alignment_mode="expand")
        if span is None or not len(span):
            continue
        if span.start > 0 and doc[span.start - 1].lower_.rstrip(".") in HONORIFIC_GENDER:
            return HONORIFIC_GENDER[doc[span.start - 1].lower_.rstrip(".")]
        root = _subject_root(doc, m.start, m.end)
        if root is None:
            continue
        gender = _reflexive_gender(root)
        if gender is None and _speech(root.head):
            gender = next((PRONOUN_GENDER[t.lower_] for c in root.head.children
                           if c.dep_ == "ccomp" for t in c.children
                           if t.dep_ == "nsubj" and t.lower_ in {"he", "she"}), None)
        if gender is not None:
            return gender
    return None


def _described_as_person(doc: Any, start: int, end: int) -> bool:
    """Whether the parse describes a name as a person: an apposition headed by a person's
    role ("Fauzi, an official from the agency, told …"; "X, spokesman for the army"), which
    shows a name spaCy typed ORG or GPE to be someone who can be a "he" or "she"."""
    span = doc.char_span(start, end, alignment_mode="expand")
    if span is None or not len(span):
        return False
    for c in span.root.children:
        if c.dep_ == "appos" and c.pos_ == "NOUN" and _speaker_noun(c):
            low = c.lemma_.lower()
            if low not in NONPERSON_NOUNS and low not in ORG_WORDS:
                return True
    return False


def _reflexive_gender(root: Any) -> str | None:
    """'m'/'f' from "himself"/"herself" among the clause's own words ("X never presented
    herself as ..."), the one pronoun that must refer to the clause's subject."""
    for tok in root.head.children:
        if tok.lower_ in REFLEXIVE:
            return REFLEXIVE[tok.lower_]
    return None


def _may_be_person(m: Any, ent: Entity, outlets: set[str]) -> bool:
    """Whether a name spaCy typed as an organisation can still be the "he"/"she" of the next
    quote: spaCy-small tags many surnames and foreign names ORG ("Meyer penned a letter").
    A name of one or two words, not an acronym, outlet or a name with an institution's word
    in it ("Ministry", "Times") is allowed when it is a main clause's subject."""
    if ent.type == "person":
        return True
    if ent.type != "organisation" or len(m.key) > 2 or set(m.key) & (ORG_WORDS | EVENT_WORDS):
        return False
    letters = [ch for ch in m.text if ch.isalpha()]
    if letters and all(ch.isupper() for ch in letters):
        return False
    return " ".join(m.key) not in outlets


def _outlets(article: AnalyzedArticle) -> set[str]:
    source = getattr(article.article, "source", "") or ""
    return {" ".join(words(source))} if source else set()


def _antecedent(article: AnalyzedArticle, index: EntityIndex, spans: list[Span],
                quote_start: int, recent: Recent | None, pronoun: str = "",
                outlets: set[str] | None = None) -> str | None:
    """The person a "he"/"she" before a quotation stands for.

    News writing keeps its current speaker: after an attributed quote, "he said" is that
    speaker unless another person has since become the subject of a main clause or of a
    speech verb (a name met as an object, inside a phrase, "the director of Frost/Nixon", or
    as the subject of a reported clause, "she wrote that Catherine is not continuing", does
    not take over).
    A person whose gender the story shows (Mr, Ms, "herself") is passed over for the wrong
    pronoun. With no earlier speaker and no subject, the one person named, if only one was;
    otherwise unknown: a guess would cost precision.
    """
    want = PRONOUN_GENDER.get(pronoun.lower())
    skip = [(s.open_at, s.close_at) for s in spans]
    doc = article.doc
    lo = recent.end if recent is not None else 0
    cands: list[tuple[int, str, Any, str | None]] = []  # (start, name, subject root, gender)
    kinds = {"person", "organisation", "place"}
    for m, ent in index.mentions_before(article.id, quote_start, kinds, skip):
        if m.end <= lo and recent is not None:
            break
        root = _subject_root(doc, m.start, m.end)
        if ent.type != "person" and root is None:
            continue
        gender = _gender(ent, article) or (_reflexive_gender(root) if root is not None else None)
        if ent.type != "person" and (gender is None and not any(
                x.label == "PERSON" for x in ent.mentions) and not _described_as_person(
                doc, m.start, m.end) or not _may_be_person(m, ent, outlets or set())):
            # an organisation or place took the floor ("Hamas fired …", "Hamsun Group
            # bought …"), or a name spaCy typed ORG that nothing shows to be a person
            # ("Meyer penned …"): it is not the "he", and nor is anyone before it
            cands.append((m.start, "", root, None))
            continue
        cands.append((m.start, ent.name, root, gender))
    cands += _untagged_subjects(article, index, lo, quote_start, skip)
    cands.sort(key=lambda c: -c[0])
    named: list[str] = []
    for _, name, root, gender in cands:
        speaks = root is not None and (_main_clause(root.head) or _speech(root.head))
        if want and gender and gender != want:
            if speaks:
                return None  # someone else has the floor, and "she" is not them
            continue
        if speaks and not name:
            return None
        if name and name not in named:
            named.append(name)
        if speaks:
            return name
    if recent is not None:
        if recent.name is None:
            return None
        ent = next((e for e in index.entities if e.name == recent.name), None)
        gender = _gender(ent, article) if ent is not None else None
        return None if want and gender and gender != want else recent.name
    return named[0] if len(named) == 1 else None


def _untagged_subjects(article: AnalyzedArticle, index: EntityIndex, lo: int, hi: int,
                       skip: list[tuple[int, int]]) -> list[tuple[int, str, Any, None]]:
    """Proper-noun subjects spaCy gave no entity ("Hollingworth wrote to the council"): a
    surname the small model missed is still the sentence's topic."""
    span = article.doc.char_span(lo, hi, alignment_mode="contract")
    out = []
    for tok in span or []:
        if tok.dep_ not in SUBJECT_DEPS or not tok.text[:1].isupper():
            continue
        if tok.pos_ != "PROPN":
            # a surname the small model took for a common noun ("Timmons told police")
            linked = _surname_person(tok, index, article.id) if tok.pos_ == "NOUN" else None
            if linked and not any(a <= tok.idx < b for a, b in skip) and index.at(
                    article.id, tok.idx, tok.idx + len(tok.text)) is None:
                out.append((tok.idx, linked, tok, None))
            continue
        if tok.text.isupper() or any(a <= tok.idx < b for a, b in skip):
            continue
        words_ = [c for c in tok.children if c.dep_ == "compound" and c.pos_ == "PROPN"
                  and c.i < tok.i] + [tok]
        first = words_[0]
        if index.at(article.id, first.idx, tok.idx + len(tok.text)) is not None:
            continue
        if {w.lower_ for w in words_} & (ORG_WORDS | EVENT_WORDS):
            continue
        out.append((first.idx, " ".join(w.text for w in words_), tok, None))
    return out


def _surname_person(token: Any, index: EntityIndex, article: str) -> str | None:
    """The person whose surname a capitalised word spaCy tagged as no name is ("Timmons told
    police" after "Jermayne Timmons"): the last word of exactly one person's full name named
    earlier in the article (or, if the article names none, in the story)."""
    text = token.text
    if not text[:1].isupper() or text.isupper() or len(text) < 3:
        return None
    people = [e for e in index.entities if e.type == "person"
              and len(e.name.split()) >= 2 and e.name.split()[-1] == text]
    here = {e.name for e in people if any(m.article == article for m in e.mentions)}
    before = {e.name for e in people if any(
        m.article == article and m.start < token.idx for m in e.mentions)}
    names = before if here else {e.name for e in people}
    return names.pop() if len(names) == 1 else None


def _person_inside(token: Any, article: AnalyzedArticle, index: EntityIndex) -> str | None:
    """A person named inside a subject phrase whose head is a title or a group.

    "Secretary of the Interior Dirk Kempthorne said" (head: a capitalised title) and
    "journalists such as NPR's Anthony Kuhn" (an example of the group) name their speaker
    inside the phrase; "a friend of John Smith said" does not, so only these shapes count.
    """
    cands = []
    if token.pos_ == "PROPN" and token.text[:1].isupper():
        # an apposition describes the speaker ("Bayram-aga, a voter in Ashgabat"): a name
        # inside it is not the speaker's
        cut = {t.i for c in token.children if c.dep_ in {"relcl", "acl", "appos"}
               for t in c.subtree}
        cands = [t for t in token.subtree if t.i > token.i and t.i not in cut]
    for child in token.children:
        if child.dep_ == "prep" and child.lower_ in {"as", "including", "like"}:
            cands += [t for t in child.subtree if t.pos_ == "PROPN"]
    for t in cands:
        ent = index.at(article.id, t.idx, t.idx + len(t.text))
        if ent is not None and ent.type == "person":
            return ent.name
    if token.pos_ == "PROPN" and token.text[:1].isupper() and cands and cands[-1].pos_ == (
            "PROPN") and cands[-2:-1] and (
            cands[-2].pos_ == "PROPN" and cands[-2].dep_ == "compound"):
        # "Secretary of the Interior Dirk Kempthorne", the name mistagged as part of an
        # organisation: the title's last two capitalised words are the name
        return f"{cands[-2].text} {cands[-1].text}"
    return None


def _name_of(token: Any, article: AnalyzedArticle, index: EntityIndex,
             spans: list[Span], quote_start: int,
             recent: Recent | None = None) -> tuple[str | None, str | None]:
    """(speaker, as written) for the subject token of a speech verb."""
    low = token.lower_
    if low in PRONOUNS_PERSON:
        return _antecedent(article, index, spans, quote_start, recent, low,
                           _outlets(article)), token.text
    doc = token.doc
    if low in PRONOUNS_UNKNOWN or token.pos_ == "PRON":
        # "said one of the rebel leaders, Abdel Aziz al-Hilu": the apposition names them;
        # "the State Department, which said …": a relative pronoun stands for the name
        # its clause hangs on (only a name: "a fan who wrote" stays unknown)
        for c in token.subtree:
            ent = index.at(article.id, c.idx, c.idx + len(c.text)) if c.dep_ == "appos" else None
            if ent is not None and ent.type == "person":
                return ent.name, c.text
        if low in {"who", "which", "that"} and token.head.dep_ == "relcl":
            named = token.head.head
            ent = index.at(article.id, named.idx, named.idx + len(named.text))
            if ent is not None and ent.type in {"person", "organisation"}:
                return ent.name, named.text
        return None, token.text
    ent = index.at(article.id, token.idx, token.idx + len(token.text))
    if ent is not None and ent.type == "person":
        return ent.name, token.text
    if ent is not None and token.i + 1 < len(doc) and doc[token.i + 1].dep_ == "prep":
        ent = None  # "Secretary of …": the title's entity is not the speaker's
    inside = _person_inside(token, article, index)
    if inside is not None:
        return inside, doc[token.left_edge.i:token.right_edge.i + 1].text
    if ent is not None and ent.type == "organisation":
        return ent.name, token.text
    linked = _surname_person(token, index, article.id) if (
        ent is None and token.pos_ == "NOUN") else None
    if linked:
        return linked, token.text  # a surname the small model took for a common noun
    for child in token.subtree:
        if child.dep_ == "appos" and child.i > token.i:
            sub = doc[child.left_edge.i:child.right_edge.i + 1]
            ent = index.at(article.id, child.idx, child.idx + len(child.text)) or index.at(
                article.id, sub.start_char, sub.end_char)
            if ent is not None and ent.type == "person":
                return ent.name, sub.text
    left = token.left_edge.i
    phrase = doc[left:token.i + 1]
    if token.pos_ == "PROPN":
        ent = index.at(article.id, phrase.start_char, phrase.end_char)
        if ent is not None and ent.type in {"person", "organisation"}:
            return ent.name, phrase.text
        name = phrase.text  # a name spaCy did not tag: "the Porthaven Courier"
        if phrase[0].lower_ in {"the", "a", "an"} and len(phrase) > 1:
            name = phrase[1:].text
        return name, phrase.text
    if token.pos_ == "NOUN" and _speaker_noun(token):
        # a description, even with a name in it: "Reid's rep", "the Navy chief" are not
        # Reid or the Navy; kept as written ("the defence ministry", "a source")
        return phrase.text, phrase.text
    return None, phrase.text


def _speaker_noun(token: Any) -> bool:
    """Whether a common noun can name who speaks: a person, a group or a document ("an
    official", "the ministry", "the statement"), not "the likely result" or "the debt
    crisis". Agent nouns (-er, -or, -ist, -ian, -ant, -ent: "teacher", "analyst",
    "resident") count; other nouns only from the lists."""
    low = token.lemma_.lower()
    if low in SPEAKER_NOUNS or low in ORG_WORDS or low in TITLES:
        return True
    return len(low) > 4 and low.endswith(("er", "or", "ist", "ian", "ant", "ent")) and (
        low not in NOT_AGENTS)


def _cue_candidates(doc: Any, lo: int, hi: int, spans: list[Span]) -> list[Any]:
    out = []
    for tok in doc.char_span(lo, hi, alignment_mode="expand") or []:
        if _inside(tok.idx, spans):
            continue
        # not passive: "will be added", "was described", "X, alleged to have …"
        speech = tok.lemma_.lower() in SPEECH_VERBS and tok.pos_ in {"VERB", "AUX"} and not any(
            c.dep_ == "auxpass" for c in tok.children) and not (
            tok.tag_ == "VBN" and tok.dep_ in {"acl", "amod"})
        according = (tok.lower_ == "according" and tok.i + 1 < len(doc)
                     and doc[tok.i + 1].lower_ == "to")
        if speech or according:
            out.append(tok)
    return out


def _speaker_of_cue(cue: Any, article: AnalyzedArticle, index: EntityIndex, spans: list[Span],
                    quote_start: int,
                    recent: Recent | None = None) -> tuple[str | None, str | None, str]:
    doc = cue.doc
    if cue.lower_ == "according":
        to = doc[cue.i + 1]
        objs = [c for c in to.children if c.dep_ == "pobj"]
        if objs:
            name, written = _name_of(objs[0], article, index, spans, quote_start, recent)
            return name, written, "according to"
        return None, None, "according to"
    subj = [c for c in cue.children if c.dep_ in SUBJECT_DEPS]
    if not subj and cue.tag_ == "VBG" and cue.dep_ in {"advcl", "conj", "xcomp"}:
        # "X said the government “lied”, adding that …": the participle may hang on the
        # reported verb; its speaker is the subject of the speech verb above it
        head = cue.head
        while head.head.i != head.i and not (
                head.lemma_.lower() in SPEECH_VERBS and any(
                    c.dep_ == "nsubj" for c in head.children)):
            head = head.head
        subj = [c for c in head.children if c.dep_ == "nsubj"] if (
            head.lemma_.lower() in SPEECH_VERBS) else []
    if not subj and cue.dep_ in {"conj", "advcl"} and cue.head.pos_ in {"VERB", "AUX"}:
        subj = [c for c in cue.head.children if c.dep_ == "nsubj"]
    if not subj and cue.dep_ == "conj":
        # "he grabbed her, threw her down, then … told her “…”": coordinated verbs share the
        # first one's subject, however long the chain (a passive one's too: "he was charged
        # … and told")
        head = cue.head
        while head.dep_ == "conj" and head.head.i != head.i and not any(
                c.dep_ in SUBJECT_DEPS for c in head.children):
            head = head.head
        shared = [c for c in head.children if c.dep_ in SUBJECT_DEPS]
        if shared:
            name, written = _name_of(shared[0], article, index, spans, quote_start, recent)
            return name, written, cue.text
    if not subj and cue.dep_ == "xcomp":
        # "led journalists to suspect": the object of the governing verb is the one who
        # suspects; "wants to say": with no object, its subject
        # "X was heard saying", "X can be heard saying": the passive subject of the
        # governing verb
        head = list(cue.head.children)
        subj = [c for c in head if c.dep_ == "dobj"] or [
            c for c in head if c.dep_ == "nsubj"] or [
            c for c in head if c.dep_ == "nsubjpass" and cue.tag_ == "VBG"]
    if not subj and cue.i > 0 and doc[cue.i - 1].is_punct:
        # inverted "…,” argued the planners' report": the parser may take the speaker for
        # the object when the verb opens its clause right after the quotation
        subj = [c for c in cue.children if c.dep_ in {"dobj", "attr"} and c.i > cue.i
                and c.pos_ in {"NOUN", "PROPN"}]
    if not subj and cue.i > 0 and doc[cue.i - 1].pos_ == "PROPN" and (
            doc[cue.i - 1].dep_ in {"appos", "compound", "dobj", "pobj"}):
        # "…,” team general manager A.J. Smith said": a name the parser hung elsewhere
        # but that stands right before the verb is its speaker
        subj = [doc[cue.i - 1]]
    if not subj and cue.i + 1 < len(doc) and doc[cue.i + 1].pos_ == "PROPN":
        # inverted "…,” said Ron Howard, the director of …": the parser may hang the name on
        # a later verb, but a name right after the cue is its speaker
        subj = [doc[cue.i + 1]]
    if not subj and cue.dep_ == "pcomp" and cue.head.head.lemma_.lower() == "quote":
        # "she is quoted as saying": the one quoted is the speaker
        subj = [c for c in cue.head.head.children if c.dep_ == "nsubjpass"]
    elif subj and subj[0].dep_ == "nsubjpass" and subj[0].head.i == cue.i:
        # "he has been described as …", "the plan was called …": the subject of a passive
        # speech verb is spoken about; the speaker is its agent ("by the mayor"), if named
        subj = [g for c in cue.children if c.dep_ == "agent" for g in c.children
                if g.dep_ == "pobj"]
    if subj and _inside(subj[0].idx, spans):
        # words inside a quotation are what is said, never who says it; a name the parser
        # hung on them as an apposition outside the quotation still is ("“… the ability
        # …,” Harold Child, a veteran, told Nixon")
        subj = [c for c in subj[0].children if c.dep_ == "appos" and not _inside(c.idx, spans)]
    if not subj:
        return None, None, cue.text
    name, written = _name_of(subj[0], article, index, spans, quote_start, recent)
    return name, written, cue.text


def _lead_in(f: Found, prev: Any, first: Any, article: AnalyzedArticle, index: EntityIndex,
             spans: list[Span], recent: Recent | None) -> None:
    """A quotation that opens its sentence with no cue of its own, right after a sentence
    that attributes speech and quotes nothing ("…, a ministry statement said." “On sighting
    …”), continues that sentence's speaker. A paragraph break between them is allowed, as
    in plain text that gives every sentence its own line."""
    text = article.clean.body
    if text[first.start:f.start].strip(" `“\"«„'") or _inside(prev.start, spans) or any(
            prev.start <= sp.open_at < prev.end for sp in spans):
        return
    if first.paragraph - prev.paragraph > 1:
        return
    cands = _cue_candidates(article.doc, prev.start, prev.end, spans)
    if not cands:
        return
    name, written, _ = _speaker_of_cue(cands[-1], article, index, spans, f.start, recent)
    if name:
        f.speaker, f.speaker_text = name, written
        f.extra["lead_in"] = True


def _short_quote(text: str, span: Span, content: str, doc: Any, cue_at: int,
                 own_end: int) -> bool:
    """Whether two or three quoted words are someone's words rather than a label or a title.

    A clause a cue introduces ends in a comma ("a “very good diplomat,” X tells"); otherwise
    the words must sit in the cue's own sentence and carry a judgement (an adjective, verb or
    adverb: China has “significant concerns”, Johnson told ...). Nouns alone are a label
    ("the pirate “mother ship”", "what he called “war games”") and Title Case is a work's
    title ("his work in “Revolutionary Road,”").
    """
    ws = [w for w in content.replace(",", " ").split() if any(ch.isalpha() for ch in w)]
    if ws and all(w[0].isupper() for w in ws if len(w) > 3 or w is ws[0]):
        return False
    if not 0 <= cue_at < own_end:
        return False
    if text[span.start:span.end].rstrip().endswith(",") or text[
            span.close_at:span.close_at + 1] == ",":
        # the comma closes a quoted clause only when the cue follows it directly; "the
        # pirate “mother ship”, though a watchdog later said" is the sentence's own comma
        between = doc.char_span(span.close_at, cue_at, alignment_mode="expand") if (
            cue_at > span.close_at) else None
        if between is not None and not any(
                t.pos_ in {"SCONJ", "CCONJ"} for t in between):
            return True
    quoted = doc.char_span(span.start, span.end, alignment_mode="expand")
    # a quantifier is no judgement: "will take “several days”" quotes an estimate
    return quoted is not None and any(
        t.pos_ in CONTENT_POS and t.lower_ not in QUANTIFIERS for t in quoted)


def _work_title(content: str) -> bool:
    """A longer quotation in Title Case with no sentence stop is a work's title ("The
    Secret Man: The Story of Watergate's Deep Throat,"), not someone's words."""
    ws = [w for w in content.replace(",", " ").split() if any(ch.isalpha() for ch in w)]
    long_ = [w for w in ws if len(w) > 3]
    return len(long_) >= 2 and all(w[0].isupper() for w in long_ + ws[:1]) and not (
        content.rstrip(" ,").endswith((".", "!", "?", "…")))


def _personal(name: str, written: str | None, index: EntityIndex) -> bool:
    """Whether a speaker can be a "he" or "she": a person, or a description of one
    ("a senior officer"), not an organisation or a document ("the ministry", "the report")."""
    if (written or "").lower() in PRONOUNS_PERSON:
        return True  # taken to be a person already ("she said" after "Meyer wrote")
    ent = next((e for e in index.entities if e.name == name), None)
    if ent is not None:
        return ent.type == "person"
    head = words(written or name)[-1:] or [""]
    return head[0] not in ORG_WORDS and head[0] not in NONPERSON_NOUNS


def _narrative(article: AnalyzedArticle, prev: Found, cur: Found) -> bool:
    """Whether words other than the earlier quote's own cue stand between two quotations:
    "“…,” he said. “…”" runs on, "“…” The judge had advice for X: “…”" gives the floor to
    someone else, so the later quote does not simply continue the earlier one."""
    lo, hi = prev.extra["close_at"], cur.extra["open_at"]
    cue_at = prev.extra.get("cue_at", -1)
    if lo <= cue_at < hi:
        sent = sentence_at(article, cue_at)
        lo = max(lo, sent.end) if sent is not None else hi
    return any(ch.isalpha() for ch in article.clean.body[lo:hi])


def quotes_in_article(article: AnalyzedArticle, index: EntityIndex) -> list[Found]:
    doc = article.doc
    text = article.clean.body
    if doc is None or not article.sentences:
        return []
    spans = find_quote_spans(text)
    found: list[Found] = []
    sents = article.sentences
    recent: Recent | None = None
    for span in spans:
        content = text[span.start:span.end].strip().strip(",").strip()
        n_words = len(words(content))
        if n_words == 0:
            continue
        first = sentence_at(article, span.start)
        last = sentence_at(article, max(span.end - 1, span.start))
        if first is None or last is None:
            continue
        closing = sentence_at(article, span.close_at - 1) if span.cut else last
        if closing is None:
            continue
        lo, hi, own_end = first.start, closing.end, closing.end
        if closing.index + 1 < len(sents):
            nxt = sents[closing.index + 1]
            tail = text[span.close_at:closing.end].strip(" ,.;”\"'")
            # a quoted clause ending in a comma is unfinished: its cue follows, even when the
            # parser ended the sentence at the closing mark ("“…, ” X said of …, “…”")
            unfinished = text[span.start:span.end].rstrip().endswith(",") or text[
                span.close_at:span.close_at + 1] == ","
            if not tail and (nxt.words <= 10 or unfinished) and (
                    nxt.paragraph == closing.paragraph):
                hi = nxt.end
        if first.index > 0 and sents[first.index - 1].text.rstrip().endswith(":"):
            lo = sents[first.index - 1].start
        cands = _cue_candidates(doc, lo, hi, spans)
        f = Found(article.id, span.start, span.end, content,
                  list(range(first.index, last.index + 1)), first.paragraph, words=n_words)
        f.extra["last_paragraph"] = closing.paragraph
        f.extra["close_at"], f.extra["open_at"] = span.close_at, span.open_at
        f.extra["runs_on"] = span.runs_on
        if cands:
            def distance(tok: Any, span: Span = span, own_end: int = own_end) -> int:
                if tok.idx >= own_end:  # the next sentence: only when the quote's has none
                    return 10**5 + tok.idx
                if tok.idx >= span.close_at:
                    return tok.idx - span.close_at
                if tok.idx < span.open_at:
                    return span.open_at - tok.idx + 5
                return 10**6

            cue = min(cands, key=distance)
            f.speaker, f.speaker_text, f.cue = _speaker_of_cue(cue, article, index, spans,
                                                                span.open_at, recent)
            f.extra["cue_at"] = cue.idx
        if n_words < MIN_WORDS:
            f.keep = n_words >= 2 and f.cue is not None and _short_quote(
                text, span, content, doc, f.extra.get("cue_at", -1), own_end)
        elif _work_title(content):
            f.keep = False
        if f.cue is None and first.index > 0:
            _lead_in(f, sents[first.index - 1], first, article, index, spans, recent)
        found.append(f)
        if f.keep and f.cue is not None and (f.speaker is not None or n_words >= MIN_WORDS):
            # someone spoke: the floor passes to them, and a "he"/"she" can take it up only
            # from a person, never from a report, a ministry or an unknown speaker (two or
            # three quoted words nobody is found to have said take no floor: "Capaldi, who
            # described himself as a “full anorak” fan who once wrote …")
            personal = f.speaker is not None and _personal(f.speaker, f.speaker_text, index)
            recent = Recent(f.speaker if personal else None, closing.end)
    # continuation: an unattributed quote right after an attributed one shares its speaker
    # (not over narrative: "The judge had advice for ...:" hands the floor on)
    for prev, cur in zip(found, found[1:], strict=False):
        if cur.cue is None and cur.speaker is None and prev.speaker and (
                cur.paragraph - prev.extra["last_paragraph"] in (0, 1)) and not _narrative(
                article, prev, cur):
            cur.speaker, cur.speaker_text = prev.speaker, prev.speaker_text
            cur.extra["continued"] = True
    # a long quotation's earlier paragraphs carry no cue: the cue after its last part names
    # the speaker of every part (“…. “…,” she said.)
    for prev, cur in reversed(list(zip(found, found[1:], strict=False))):
        if prev.extra["runs_on"] and prev.cue is None and prev.speaker is None and (
                cur.speaker) and not text[prev.extra["close_at"]:cur.extra["open_at"]].strip():
            prev.speaker, prev.speaker_text = cur.speaker, cur.speaker_text
            prev.extra["continued"] = True
    return [f for f in found if f.keep and (f.words >= MIN_WORDS or f.cue is not None)]


def merge_quotes(found: list[Found], story: Story) -> list[dict[str, Any]]:
    groups: list[list[Found]] = []
    keys: list[set[str]] = []
    norms: list[str] = []
    for f in found:
        ws = words(f.text)
        key, norm = set(ws), " ".join(ws)
        for g, gk, gn in zip(groups, keys, norms, strict=True):
            if g[0].article == f.article and g[0].start == f.start:
                break
            short, long_ = sorted((norm, gn), key=len)
            if jaccard(key, gk) >= 0.6 or (len(short.split()) >= 5 and short in long_):
                g.append(f)
                break
        else:
            groups.append([f])
            keys.append(key)
            norms.append(norm)
    out = []
    for g in groups:
        speakers = Counter(f.speaker for f in g if f.speaker)
        speaker = speakers.most_common(1)[0][0] if speakers else None
        best = max(g, key=lambda f: (f.speaker == speaker, len(f.text)))
        out.append({
            "text": best.text,
            "speaker": speaker,
            "cue": best.cue,
            "articles": sorted({f.article for f in g}),
            "sources": [{"article": f.article, "sentence": f.sentences[0],
                         "sentences": f.sentences, "speaker": f.speaker,
                         "speaker_text": f.speaker_text, "cue": f.cue} for f in g],
        })
    order = {a.id: n for n, a in enumerate(story.articles)}
    out.sort(key=lambda q: (-len(q["articles"]), order.get(q["sources"][0]["article"], 0),
                            q["sources"][0]["sentence"]))
    return out


def extract_quotes(story: Story, index: EntityIndex | None = None) -> list[dict[str, Any]]:
    index = index or build_entities(story)
    found = [f for art in story.articles for f in quotes_in_article(art, index)]
    return merge_quotes(found, story)


def enrich_quotes(story: Story, alignment: Any = None) -> None:
    story.quotes = extract_quotes(story)
