"""Exclusives: per outlet, the facts only it reports (from the alignment's facts)."""

from __future__ import annotations

from typing import Any

from storyweave.model import Story


def exclusives(story: Story) -> list[dict[str, Any]]:
    """One entry per article, in report order: ``article``, ``source``, ``facts``.

    A fact is exclusive when exactly one article supports it and the story has more than one
    article (``Fact.exclusive``; wire copies of that article do not count); each listed fact
    cites its representative sentence.
    """
    out = []
    for a in story.articles:
        facts = [{"id": f.id, "text": f.text, "sentence": f.representative.sentence}
                 for f in story.facts
                 if f.exclusive and [x for x in f.articles if x not in f.copies] == [a.id]]
        out.append({"article": a.id, "source": a.article.source, "facts": facts})
    return out
