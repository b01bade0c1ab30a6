"""Timeline: dated events, relative dates resolved, the same event from several outlets merged.

Every DATE mention spaCy found is offered to :func:`storyweave.crosscheck.dates.resolve` with the
article's reference date (see :mod:`storyweave.crosscheck.dates`); durations and vague
expressions ("three months", "for years") are not points in time and are left out. An event is
the sentence that carries the date. Events of different articles with the same date and
precision are one event when their sentences belong to the same fact or are similar (cosine >=
``MERGE_SIMILARITY`` in the alignment's matrix). Entries are sorted by date.
"""

from __future__ import annotations

import threading
import weakref
from datetime import date
from typing import Any

from storyweave.align import Alignment
from storyweave.crosscheck.dates import Reference, resolve, story_references
from storyweave.model import Story

MERGE_SIMILARITY = 0.25
RANK = {"year": 0, "month": 1, "week": 2, "day": 3}


_LAST = threading.local()


def references(story: Story) -> dict[str, Reference]:
    """Each article's reference date, worked out once per story.

    The timeline, the conflicts and the report's ``reference_dates`` all ask; reading every
    date of every article three times was a tenth of the cross-source work on the example.
    Kept for the last story seen in this thread, while the story object and its article list
    are the same ones (as :func:`storyweave.crosscheck.story_entities`)."""
    key = tuple((id(a), a.article.published) for a in story.articles)
    last = getattr(_LAST, "refs", None)
    if last is not None and last[0]() is story and last[1] == key:
        return dict(last[2])
    items = []
    for a in story.articles:
        art = a.article
        items.append((a.id, art.published, "\n".join([art.title or "", art.body or "",
                                                      a.clean.body])))
    refs = story_references(items)
    _LAST.refs = (weakref.ref(story), key, refs)
    return dict(refs)


def dated_mentions(story: Story, refs: dict[str, Reference]) -> list[dict[str, Any]]:
    """One record per resolvable DATE mention: article, sentence, expression, date, precision."""
    out = []
    for a in story.articles:
        ref = refs.get(a.id, Reference(None, "none"))
        anchor = None
        for s in a.sentences:
            for m in s.entities:
                if m.label != "DATE":
                    continue
                got = resolve(m.text, ref.date, anchor)
                if got is None:
                    continue
                iso_date, precision = got
                if precision in {"day", "week"}:
                    anchor = date.fromisoformat(iso_date)
                elif precision == "month":
                    anchor = date.fromisoformat(iso_date + "-01")
                out.append({"article": a.id, "sentence": s.index, "expression": m.text,
                            "start": m.start, "end": m.end,
                            "date": iso_date, "precision": precision,
                            "reference": ref.date.isoformat() if ref.date else None,
                            "reference_inferred": ref.inferred})
    return out


def build_timeline(story: Story, alignment: Alignment | None) -> list[dict[str, Any]]:
    refs = references(story)
    mentions = dated_mentions(story, refs)
    pos = {}
    if alignment is not None:
        pos = {(s.article, s.index): i for i, s in enumerate(alignment.sentences)}

    def related(x: dict[str, Any], y: dict[str, Any]) -> bool:
        if x["article"] == y["article"]:
            return x["sentence"] == y["sentence"]
        i, j = pos.get((x["article"], x["sentence"])), pos.get((y["article"], y["sentence"]))
        if i is None or j is None or alignment is None:
            return False
        return (alignment.fact_of[i] == alignment.fact_of[j]
                or alignment.similarity[i, j] >= MERGE_SIMILARITY)

    groups: list[list[dict[str, Any]]] = []
    for m in mentions:
        for g in groups:
            if g[0]["date"] == m["date"] and g[0]["precision"] == m["precision"] and any(
                    related(m, x) for x in g):
                if not any(x["article"] == m["article"] and x["sentence"] == m["sentence"]
                           for x in g):
                    g.append(m)
                break
        else:
            groups.append([m])
    entries = []
    for g in groups:
        first = g[0]
        text = story.article(first["article"]).sentences[first["sentence"]].text
        entries.append({
            "date": first["date"],
            "precision": first["precision"],
            "text": text,
            "expression": first["expression"],
            "articles": sorted({x["article"] for x in g}),
            "reference_inferred": any(x["reference_inferred"] for x in g),
            "sources": [{k: x[k] for k in ("article", "sentence", "expression", "reference",
                                           "reference_inferred")} for x in g],
        })
    entries.sort(key=lambda e: (e["date"], RANK[e["precision"]], -len(e["articles"])))
    return entries


def reference_dates(story: Story) -> list[dict[str, Any]]:
    """How each article's reference date was found (for the report)."""
    return [{"article": aid, "date": r.date.isoformat() if r.date else None, "how": r.how,
             "evidence": r.evidence} for aid, r in references(story).items()]


def enrich_timeline(story: Story, alignment: Alignment | None = None) -> None:
    story.timeline = build_timeline(story, alignment)
