"""Cross-source analysis: entities, quotes, timeline and conflicts, from the one alignment.

Each analysis is an *enricher* (``(story, alignment) -> None``) that fills one of the story's
lists; :data:`ENRICHERS` runs them in order and :func:`crosscheck` runs them all. An analysis
that fails on odd input leaves its list empty and logs a warning instead of losing the story:
the summary and facts stand on their own.

Modules: :mod:`.entities` (canonical people, organisations, places), :mod:`.quotes` (direct
quotations and speakers), :mod:`.dates` and :mod:`.timeline` (reference dates, resolved dates,
merged events), :mod:`.conflicts` (incompatible values), :mod:`.exclusives` (facts only one
outlet reports). See docs/cross-source.md.
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections.abc import Callable
from typing import Any

from storyweave.align import Alignment
from storyweave.crosscheck.conflicts import find_conflicts
from storyweave.crosscheck.entities import EntityIndex, build_entities
from storyweave.crosscheck.exclusives import exclusives
from storyweave.crosscheck.quotes import extract_quotes, find_quote_spans
from storyweave.crosscheck.timeline import build_timeline, enrich_timeline, reference_dates
from storyweave.model import Story

log = logging.getLogger(__name__)

Enricher = Callable[[Story, Alignment], None]


def _guarded(fn: Enricher, field: str) -> Enricher:
    def run(story: Story, alignment: Alignment) -> None:
        try:
            fn(story, alignment)
        except Exception as err:  # never lose a story to one analysis
            log.warning("cross-source %s failed on story %s: %s", field, story.id, err)
            setattr(story, field, [])

    run.__name__ = fn.__name__
    run.__doc__ = fn.__doc__
    return run


_SHARED = threading.local()


def story_entities(story: Story) -> EntityIndex:
    """The story's entity table, built once and shared by the analyses that read it.

    Entities, quotes and conflicts each need it; each building its own was the one piece of
    work repeated within a story (three times). The table is kept for the last story seen in
    this thread, and only while the story object and its article list are the same ones.
    """
    key = tuple(id(a) for a in story.articles)
    last: tuple[Any, tuple[int, ...], EntityIndex] | None = getattr(_SHARED, "last", None)
    if last is not None and last[0]() is story and last[1] == key:
        return last[2]
    index = build_entities(story)
    _SHARED.last = (weakref.ref(story), key, index)
    return index


def enrich_entities(story: Story, alignment: Any = None) -> None:
    story.entities = story_entities(story).to_dicts()


def enrich_quotes(story: Story, alignment: Any = None) -> None:
    story.quotes = extract_quotes(story, story_entities(story))


def enrich_conflicts(story: Story, alignment: Alignment | None = None) -> None:
    story.conflicts = find_conflicts(story, alignment, story_entities(story))


ENRICHERS: list[Enricher] = [
    _guarded(enrich_entities, "entities"),
    _guarded(enrich_quotes, "quotes"),
    _guarded(enrich_timeline, "timeline"),
    _guarded(enrich_conflicts, "conflicts"),
]


def default_enrichers() -> list[Enricher]:
    """A fresh list of the cross-source enrichers (the pipeline's default)."""
    return list(ENRICHERS)


def crosscheck(story: Story, alignment: Alignment) -> Story:
    """Fill ``story.entities``, ``quotes``, ``timeline`` and ``conflicts``; returns the story."""
    for enrich in ENRICHERS:
        enrich(story, alignment)
    return story


__all__ = ["ENRICHERS", "build_entities", "build_timeline", "crosscheck", "default_enrichers",
           "exclusives", "extract_quotes", "find_conflicts", "find_quote_spans",
           "reference_dates", "story_entities"]
