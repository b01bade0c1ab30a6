"""The news desk: what the web pages and the API show, read from the store.

Ranking lives here, not in the routes: the front page orders current stories by recency and
breadth of coverage (independent outlets; near-duplicate wire copies are counted apart and
weigh little, since a copy is one more place, not one more reporter). The story, entity and
outlet views gather a report and its context into one plain dict a template or a response
model reads. Nothing here computes a report: a story whose report is missing or out of date is
shown with the last one (or as "being prepared") and queued for the background worker, which
recomputes it with :func:`storyweave.stream.refresh_reports`.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Any

from storyweave.store import Store

#: Front-page time windows a reader can pick, in hours (``None``: everything).
WINDOWS: dict[str, float | None] = {"6h": 6, "24h": 24, "72h": 72, "7d": 168, "all": None}
DEFAULT_WINDOW = "72h"
HALF_LIFE_HOURS = 12.0
#: At most this many recent stories are ranked for the "all" window.
ALL_WINDOW_CANDIDATES = 2000


def parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        t = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return t if t.tzinfo else t.replace(tzinfo=UTC)


def score(outlets: int, copies: int, age_hours: float) -> float:
    """Breadth times freshness: each doubling of independent outlets adds as much as the
    first one did, a wire copy adds a tenth of that, and the whole halves every 12 hours."""
    breadth = 1.0 + math.log2(max(outlets, 1)) + 0.1 * math.log1p(copies)
    return breadth * 0.5 ** (max(age_hours, 0.0) / HALF_LIFE_HOURS)


def _summary_first(report: dict | None) -> str:
    if not report:
        return ""
    sentences = (report.get("summary") or {}).get("sentences") or []
    return sentences[0]["text"] if sentences else ""


def ranked_stories(store: Store, window: str = DEFAULT_WINDOW) -> list[dict]:
    """Current stories, best first, each with its coverage and score."""
    latest = parse_time(store.latest_seen())
    if latest is None:
        return []
    hours = WINDOWS.get(window, WINDOWS[DEFAULT_WINDOW])
    if hours is None:
        rows = store.page_stories(ALL_WINDOW_CANDIDATES)
    else:
        since = (latest - timedelta(hours=hours)).isoformat()
        rows = store.stories_seen_since(since)
    cov = store.coverage([r["id"] for r in rows])
    out = []
    for r in rows:
        c = cov.get(r["id"], {"outlets": 0, "copies": 0, "sources": []})
        seen = parse_time(r["last_seen"]) or latest
        age = (latest - seen).total_seconds() / 3600
        out.append({**r, **c, "score": score(c["outlets"], c["copies"], age)})
    out.sort(key=lambda s: (-s["score"], s["id"]))
    return out


def front_page(store: Store, window: str = DEFAULT_WINDOW, page: int = 1,
               per_page: int = 20) -> dict[str, Any]:
    """One page of the ranked stories, with the first summary sentence of each."""
    if window not in WINDOWS:
        window = DEFAULT_WINDOW
    ranked = ranked_stories(store, window)
    pages = max(1, math.ceil(len(ranked) / per_page))
    page = min(max(page, 1), pages)
    items = ranked[(page - 1) * per_page: page * per_page]
    leads = store.summary_leads([s["id"] for s in items])
    widest = max((s["outlets"] for s in items), default=1) or 1
    for s in items:
        s["first_sentence"] = leads.get(s["id"], "")
        s["has_report"] = s["id"] in leads
        s["bar"] = round(100 * s["outlets"] / widest)
    return {"stories": items, "page": page, "pages": pages, "total": len(ranked),
            "window": window, "windows": list(WINDOWS), "latest": store.latest_seen()}


def citation_numbers(report: dict) -> dict[str, int]:
    """Article id -> its 1-based number in the report (citation ``[n.m]``)."""
    return {a["id"]: n for n, a in enumerate(report.get("articles", []), start=1)}


def story_view(store: Store, story_id: str) -> dict[str, Any] | None:
    """Everything the story page shows; ``report`` is None while the first one is prepared."""
    story = store.story(story_id)
    if story is None:
        return None
    last = store.last_report(story_id)
    report, computed_at, stale = (last if last else (None, None, True))
    rows = store.article_rows(story_id)
    view: dict[str, Any] = {"story": story, "report": report, "computed_at": computed_at,
                            "stale": stale or bool(story["stale"]),
                            "coverage": store.coverage([story_id]).get(story_id, {}),
                            "articles": group_copies(rows)}
    if report is None:
        return view
    num = citation_numbers(report)
    view["numbers"] = num
    arts = {a["id"]: a for a in report.get("articles", [])}
    # facts x outlets: one column per outlet name, in order of first appearance
    outlets: list[str] = []
    for a in report.get("articles", []):
        if a["source"] not in outlets:
            outlets.append(a["source"])
    grid = []
    for f in report.get("facts", []):
        by_outlet = {arts[a]["source"] for a in f.get("articles", []) if a in arts}
        grid.append({"fact": f, "cells": [o in by_outlet for o in outlets]})
    view["outlets"] = outlets
    view["grid"] = grid
    dropped: dict[str, list[dict]] = {}
    for d in report.get("dropped", []):
        dropped.setdefault(d["article"], []).append(d)
    view["dropped"] = dropped
    return view


def group_copies(rows: list[dict]) -> list[dict]:
    """Originals in order, each with the wire copies that republish it under ``copies``."""
    by_id = {r["id"]: {**r, "copies": []} for r in rows}
    top: list[dict] = []
    for r in rows:
        item = by_id[r["id"]]
        orig = r.get("copy_of")
        if orig and orig in by_id and orig != r["id"]:
            by_id[orig]["copies"].append(item)
        else:
            top.append(item)
    return top


def story_cards(store: Store, ids: list[str]) -> list[dict]:
    """Story rows (in ``ids`` order) with coverage and first summary sentence."""
    rows = store.stories_by_id(ids)
    cov = store.coverage(ids)
    leads = store.summary_leads(ids)
    out = []
    for i in ids:
        if i in rows:
            out.append({**rows[i], **cov.get(i, {"outlets": 0, "copies": 0, "sources": []}),
                        "first_sentence": leads.get(i, "")})
    return out


def search_view(store: Store, query: str, limit: int = 50) -> list[dict]:
    """Matches grouped by story, stories in order of their best match."""
    groups: dict[str, list[dict]] = {}
    for hit in store.search(query, limit=limit):
        groups.setdefault(hit["story_id"], []).append(hit)
    cards = {c["id"]: c for c in story_cards(store, list(groups))}
    return [{"story": cards[sid], "hits": hits} for sid, hits in groups.items() if sid in cards]


#: Matches on one page of search results. A page of every story among the best 100 matches
#: (about 30 cards) cost twice the server time of this one (benchmarks/web_load.py, search
#: at 8 clients), for results below the first screen that a "more" link reaches as well.
SEARCH_PAGE = 20


def search_results(store: Store, query: str, page: int = 1,
                   per_page: int = SEARCH_PAGE) -> dict[str, Any]:
    """One page of matches grouped by story: ``{groups, page, more}``.

    Pages cut the merged ranking of articles and summaries; each index is ranked down to the
    end of the page (plus one, to know whether a next page exists), so page N is exactly the
    N-th slice of the full ranking. A story already shown on an earlier page is not repeated.
    """
    hits = store.search(query, limit=per_page * page + 1)
    earlier = {h["story_id"] for h in hits[:per_page * (page - 1)]}
    groups: dict[str, list[dict]] = {}
    for hit in hits[per_page * (page - 1):per_page * page]:
        if hit["story_id"] not in earlier:
            groups.setdefault(hit["story_id"], []).append(hit)
    cards = {c["id"]: c for c in story_cards(store, list(groups))}
    return {"groups": [{"story": cards[sid], "hits": h} for sid, h in groups.items()
                       if sid in cards],
            "page": page, "more": len(hits) > per_page * page}


def entity_view(store: Store, name: str) -> dict[str, Any] | None:
    """The stories an entity appears in and the quotes the reports give it."""
    ids = store.entity_story_ids(name)
    if not ids:
        return None
    reports = store.reports_of(ids)
    quotes, kinds, aliases = [], set(), set()
    for sid in ids:
        rep = reports.get(sid) or {}
        for e in rep.get("entities", []):
            if e.get("name") == name:
                kinds.add(e.get("type"))
                aliases.update(a for a in e.get("aliases", []) if a != name)
        for q in rep.get("quotes", []):
            if q.get("speaker") == name:
                quotes.append({"story": sid, "text": q["text"], "cue": q.get("cue"),
                               "articles": q.get("articles", [])})
    return {"name": name, "types": sorted(k for k in kinds if k), "aliases": sorted(aliases),
            "stories": story_cards(store, ids), "quotes": quotes}


def outlet_view(store: Store, source: str) -> dict[str, Any] | None:
    """An outlet's stories, its exclusives and how often it was first to report."""
    rows = store.outlet_stories(source)
    if not rows:
        return None
    ids = [r["id"] for r in rows]
    cards = {c["id"]: c for c in story_cards(store, ids)}
    reports = store.reports_of(ids)
    exclusives = []
    for sid in ids:
        for ex in (reports.get(sid) or {}).get("exclusives", []):
            if ex.get("source") == source and ex.get("facts"):
                exclusives.append({"story": sid, "headline": cards[sid]["headline"],
                                   "facts": ex["facts"]})
    first = sum(1 for r in rows if r["first_to_report"])
    stories = [{**cards[r["id"]], "first_to_report": bool(r["first_to_report"])}
               for r in rows if r["id"] in cards]
    return {"source": source, "stories": stories, "first": first, "total": len(rows),
            "exclusives": exclusives}


def age_text(stamp: str | None, now: datetime | None = None) -> str:
    """"updated N minutes ago" for a stored UTC timestamp."""
    t = parse_time(stamp)
    if t is None:
        return "never"
    secs = ((now or datetime.now(UTC)) - t).total_seconds()
    if secs < 90:
        return "just now"
    if secs < 5400:
        return f"{round(secs / 60)} minutes ago"
    if secs < 48 * 3600:
        return f"{round(secs / 3600)} hours ago"
    return f"{round(secs / 86400)} days ago"
