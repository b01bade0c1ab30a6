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
5. **Scare quotes**: one to three words are a quotation only when a cue introduces them as a
   clause (a comma closes them: a “very good diplomat,” X said); "what he called “war games”"
   is not.

The same quotation in several outlets (word overlap >= 0.6, or one contained in the other) is one
quote with several articles.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from storyweave.crosscheck.common import jaccard, sentence_at, words
from storyweave.crosscheck.entities import EntityIndex, build_entities
from storyweave.model import AnalyzedArticle, Story

SPEECH_VERBS = {
    "say", "tell", "add", "write", "state", "explain", "note", "insist", "warn", "ask", "claim",
    "declare", "announce", "argue", "continue", "comment", "reply", "respond", "recall",
    "remark", "observe", "acknowledge", "admit", "concede", "stress", "emphasize", "emphasise",
    "assert", "maintain", "predict", "suggest", "caution", "urge", "quip", "joke", "report",
    "confirm", "deny", "describe", "tweet", "post", "exclaim", "shout", "murmur", "whisper",
    "conclude", "agree", "complain", "lament", "boast", "vow", "pledge", "promise", "reiterate",
    "counter", "retort", "testify", "wonder", "recount", "point", "proclaim",
}
PAIRS = {"“": "”", "«": "»", "„": "“", "``": "''"}
MIN_WORDS = 4
MAX_CHARS = 1500
PRONOUNS_PERSON = {"he", "she", "him", "her"}
PRONOUNS_UNKNOWN = {"it", "they", "i", "we", "you", "this", "that", "who", "which", "one"}


@dataclass
class Span:
    start: int  # first char of the content
    end: int  # end of the content
    open_at: int  # the opening mark
    close_at: int  # one past the closing mark (or the paragraph end when continued)


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


def find_quote_spans(text: str) -> list[Span]:
    """Quotation spans of a text, paired per paragraph; unbalanced marks are dropped.

    A quotation left open at a paragraph's end continues only when the next paragraph opens
    with a quotation mark; it then ends where a later paragraph closes it.
    """
    spans: list[Span] = []
    paras = _paragraphs(text)
    carry: tuple[int, int] | None = None  # (open_at, content start) of a continued quote
    for p_no, (p_start, p_end) in enumerate(paras):
        para = text[p_start:p_end]
        open_mark: str | None = None
        open_at = 0
        for m in _MARK.finditer(para):
            mark, at = m.group(), p_start + m.start()
            if open_mark is None:
                if mark in PAIRS or (mark == '"' and _straight_opens(text, at)):
                    open_mark, open_at = mark, at
                continue
            closes = (mark == '"' and open_mark == '"' and not _straight_opens(text, at)) or (
                open_mark in PAIRS and mark == PAIRS[open_mark])
            if closes:
                first_open, start = carry or (open_at, open_at + len(open_mark))
                spans.append(Span(start, at, first_open, at + len(mark)))
                carry, open_mark = None, None
            elif mark in PAIRS or mark == '"':
                # a new opening mark: the earlier one never closed, and nor did any carry
                open_at, open_mark, carry = at, mark, None
        if open_mark is None:
            carry = None
            continue
        nxt = text[paras[p_no + 1][0]:paras[p_no + 1][1]].lstrip() if p_no + 1 < len(
            paras) else ""
        if nxt[:2] == "``" or (nxt[:1] and nxt[:1] in '“"«„'):
            carry = carry or (open_at, open_at + len(open_mark))
        else:
            carry = None
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


def _name_of(token: Any, article: AnalyzedArticle, index: EntityIndex,
             spans: list[Span], quote_start: int) -> tuple[str | None, str | None]:
    """(speaker, as written) for the subject token of a speech verb."""
    low = token.lower_
    if low in PRONOUNS_PERSON:
        ent = index.before(article.id, quote_start, {"person"},
                           [(s.open_at, s.close_at) for s in spans])
        return (ent.name if ent else None), token.text
    if low in PRONOUNS_UNKNOWN or token.pos_ == "PRON":
        return None, token.text
    doc = token.doc
    ent = index.at(article.id, token.idx, token.idx + len(token.text))
    if ent is not None:
        return ent.name, token.text
    for child in token.subtree:
        if child.dep_ == "appos" and child.i > token.i:
            sub = doc[child.left_edge.i:child.right_edge.i + 1]
            ent = index.at(article.id, child.idx, child.idx + len(child.text)) or index.at(
                article.id, sub.start_char, sub.end_char)
            if ent is not None and ent.type == "person":
                return ent.name, sub.text
    left = token.left_edge.i
    phrase = doc[left:token.i + 1]
    ent = index.at(article.id, phrase.start_char, phrase.end_char)
    if ent is not None and ent.type in {"person", "organisation"}:
        return ent.name, phrase.text
    if token.pos_ == "PROPN":  # a name spaCy did not tag: "the Porthaven Courier"
        name = phrase.text
        if phrase[0].lower_ in {"the", "a", "an"} and len(phrase) > 1:
            name = phrase[1:].text
        return name, phrase.text
    if token.pos_ == "NOUN":
        return phrase.text, phrase.text
    return None, phrase.text


def _cue_candidates(doc: Any, lo: int, hi: int, spans: list[Span]) -> list[Any]:
    out = []
    for tok in doc.char_span(lo, hi, alignment_mode="expand") or []:
        if _inside(tok.idx, spans):
            continue
        speech = tok.lemma_.lower() in SPEECH_VERBS and tok.pos_ in {"VERB", "AUX"}
        according = (tok.lower_ == "according" and tok.i + 1 < len(doc)
                     and doc[tok.i + 1].lower_ == "to")
        if speech or according:
            out.append(tok)
    return out


def _speaker_of_cue(cue: Any, article: AnalyzedArticle, index: EntityIndex, spans: list[Span],
                    quote_start: int) -> tuple[str | None, str | None, str]:
    doc = cue.doc
    if cue.lower_ == "according":
        to = doc[cue.i + 1]
        objs = [c for c in to.children if c.dep_ == "pobj"]
        if objs:
            name, written = _name_of(objs[0], article, index, spans, quote_start)
            return name, written, "according to"
        return None, None, "according to"
    subj = [c for c in cue.children if c.dep_ in {"nsubj", "nsubjpass"}]
    if not subj and cue.dep_ in {"conj", "advcl"} and cue.head.pos_ in {"VERB", "AUX"}:
        subj = [c for c in cue.head.children if c.dep_ == "nsubj"]
    if not subj:
        return None, None, cue.text
    name, written = _name_of(subj[0], article, index, spans, quote_start)
    return name, written, cue.text


def quotes_in_article(article: AnalyzedArticle, index: EntityIndex) -> list[Found]:
    doc = article.doc
    text = article.clean.body
    if doc is None or not article.sentences:
        return []
    spans = find_quote_spans(text)
    found: list[Found] = []
    sents = article.sentences
    for span in spans:
        content = text[span.start:span.end].strip().strip(",").strip()
        n_words = len(words(content))
        if n_words == 0:
            continue
        first = sentence_at(article, span.start)
        last = sentence_at(article, max(span.end - 1, span.start))
        if first is None or last is None:
            continue
        lo, hi, own_end = first.start, last.end, last.end
        if last.index + 1 < len(sents):
            nxt = sents[last.index + 1]
            tail = text[span.close_at:last.end].strip(" ,.;”\"'")
            if not tail and nxt.words <= 10 and nxt.paragraph == last.paragraph:
                hi = nxt.end
        if first.index > 0 and sents[first.index - 1].text.rstrip().endswith(":"):
            lo = sents[first.index - 1].start
        cands = _cue_candidates(doc, lo, hi, spans)
        f = Found(article.id, span.start, span.end, content,
                  list(range(first.index, last.index + 1)), first.paragraph, words=n_words)
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
                                                                span.open_at)
        if n_words < MIN_WORDS:
            # a short quotation counts only as the clause a cue introduces: it ends in a comma
            # ("a “very good diplomat,” X tells"); "what he called “war games”" does not
            ends_clause = text[span.start:span.end].rstrip().endswith(",") or text[
                span.close_at:span.close_at + 1] == ","
            f.keep = f.cue is not None and ends_clause and n_words >= 2
        found.append(f)
    # continuation: an unattributed quote right after an attributed one shares its speaker
    for prev, cur in zip(found, found[1:], strict=False):
        if cur.cue is None and cur.speaker is None and prev.speaker and (
                cur.paragraph - prev.paragraph in (0, 1)):
            cur.speaker, cur.speaker_text = prev.speaker, prev.speaker_text
            cur.extra["continued"] = True
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
