"""The JSON report, schema ``storyweave.story/1`` (documented in docs/report-format.md).

:func:`story_to_dict` is the one place that decides what a story looks like outside Python;
Markdown and HTML render from this dict, so the three formats cannot disagree.
"""

from __future__ import annotations

import json
from typing import Any

from storyweave.crosscheck import exclusives, reference_dates
from storyweave.model import SCHEMA, Rejected, SentenceRef, Story, Summary, SummarySentence


def _ref(ref: SentenceRef) -> dict[str, Any]:
    return {"article": ref.article, "sentence": ref.sentence}


def story_to_dict(story: Story) -> dict[str, Any]:
    articles = []
    for a in story.articles:
        art = a.article
        articles.append(
            {
                "id": art.id,
                "source": art.source,
                "source_inferred": art.source_inferred,
                "title": art.title,
                "url": art.url,
                "published": art.published,
                "origin": art.origin,
                "words": len(a.clean.body.split()),
                "words_raw": art.words,
                "sentences": [s.text for s in a.sentences],
            }
        )
    return {
        "schema": SCHEMA,
        "id": story.id,
        "title": story.title,
        "articles": articles,
        "summary": summary_to_dict(story.summary),
        "facts": [
            {
                "id": f.id,
                "text": f.text,
                "support": f.support,
                "articles": f.articles,
                "copies": f.copies,
                "exclusive": f.exclusive,
                "representative": _ref(f.representative),
                "sentences": [_ref(r) for r in f.sentences],
            }
            for f in story.facts
        ],
        "conflicts": story.conflicts,
        "timeline": story.timeline,
        "entities": story.entities,
        "quotes": story.quotes,
        "exclusives": exclusives(story),
        "reference_dates": reference_dates(story),
        "dropped": [
            {"article": d.article, "text": d.text, "reason": d.reason} for d in story.dropped
        ],
        "rejected": [rejected_to_dict(r) for r in story.rejected],
    }


def _sentence(s: SummarySentence) -> dict[str, Any]:
    out: dict[str, Any] = {"text": s.text, "fact": s.fact,
                           "citations": [_ref(c) for c in s.citations]}
    if s.verified is not None:  # only checked sentences carry a verdict
        out["verified"] = s.verified
        out["verification"] = s.verification
    return out


def summary_to_dict(summary: Summary) -> dict[str, Any]:
    """The summary; a verified (language-model) summary adds ``method``, ``verified_share``,
    ``dropped`` and ``note``; an extractive one is written exactly as before."""
    out: dict[str, Any] = {
        "text": summary.text,
        "words": summary.words,
        "words_budget": summary.words_budget,
        "sentences": [_sentence(s) for s in summary.sentences],
    }
    if summary.method != "extractive" or summary.note or summary.verified_share is not None:
        out["method"] = summary.method
        out["verified_share"] = summary.verified_share
        out["dropped"] = [_sentence(s) for s in summary.dropped]
        out["note"] = summary.note
    return out


def rejected_to_dict(r: Rejected) -> dict[str, Any]:
    return {"origin": r.origin, "article": r.article, "reason": r.reason}


def render_json(story: Story, indent: int | None = 2) -> str:
    return json.dumps(story_to_dict(story), ensure_ascii=False, indent=indent)


def web_link(url: object) -> bool:
    """Whether a report may link to ``url``: http(s) only, so an input's ``javascript:``
    or ``data:`` URL never becomes a live link."""
    return isinstance(url, str) and url.lower().startswith(("http://", "https://")) and \
        not any(c.isspace() or c in "<>\"'" for c in url)
