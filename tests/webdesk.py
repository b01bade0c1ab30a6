"""A small story store built from real shared articles for the web tests (never copied text):
the kim-beijing-2018 example and the first AllSides stories (three outlets each, named)."""

from __future__ import annotations

import json
from pathlib import Path

from storyweave.ingest import read_paths, records_to_articles
from storyweave.store import Store
from storyweave.stream import StreamIngestor, arrival_order, story_report

SHARED = Path(__file__).resolve().parent.parent.parent / "shared"
EXAMPLE = SHARED / "examples" / "kim-beijing-2018"
ALLSIDES = SHARED / "data" / "allsides" / "stories.jsonl"


def allsides_records(n_stories: int, skip: int = 0) -> list[dict]:
    """Articles of AllSides stories ``skip .. skip + n_stories`` as ingest records."""
    out: list[dict] = []
    with ALLSIDES.open(encoding="utf-8") as f:
        for i, line in enumerate(f):
            if i < skip:
                continue
            if i >= skip + n_stories:
                break
            story = json.loads(line)
            for a in story["articles"]:
                out.append({"id": a["id"], "title": a["title"], "source": a["source"],
                            "text": a["text"]})
    return out


def build_store(path: Path, pipeline, allsides: int = 30, reports: int = 4) -> dict:
    """Ingest the example and ``allsides`` AllSides stories; compute the example's report and
    those of the ``reports`` largest other stories. Returns what tests need to know."""
    with Store(path) as store:
        ing = StreamIngestor(store)
        example = read_paths([EXAMPLE])
        outs = list(ing.run(arrival_order(example.articles)))
        example_story = outs[0].story
        recs = allsides_records(allsides)
        got = records_to_articles([(f"allsides[{i}]", r) for i, r in enumerate(recs)], "as")
        list(ing.run(got.articles))
        story_report(store, example_story, pipeline=pipeline)
        others = [s for s in store.stories() if s["id"] != example_story]
        others.sort(key=lambda s: (-s["size"], s["id"]))
        reported = [s["id"] for s in others[:reports]]
        for sid in reported:
            story_report(store, sid, pipeline=pipeline)
        return {"example_story": example_story, "reported": reported,
                "articles": store.count("articles"), "stories": store.count("stories"),
                "unreported": [s["id"] for s in others[reports:]]}
