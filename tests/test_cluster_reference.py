"""The clusterer's memberships on the shared stream are held to a recorded reference.

``tests/data/cluster_reference/`` was written by ``python -m benchmarks.cluster_reference``
with the clusterer as it was before its code was reorganised into a package: the story label
of each of the stream's first 4,000 articles, and the saved state after 3,000 of them. A pure
reorganisation must reproduce every label, and must carry on from the old saved state exactly
as the old code did.
"""

from __future__ import annotations

import gzip
import json
from itertools import islice
from pathlib import Path

import pytest

from storyweave.cluster import StoryClusterer

DATA = Path(__file__).resolve().parent / "data" / "cluster_reference"
STREAM = Path(__file__).resolve().parents[2] / "shared" / "data" / "multi-news-stream" / \
    "train-stream.jsonl.gz"


@pytest.fixture(scope="module")
def reference() -> tuple[dict, list[dict]]:
    if not STREAM.is_file():
        pytest.skip(f"{STREAM} missing")
    ref = json.loads((DATA / "labels.json").read_text())
    with gzip.open(STREAM, "rt", encoding="utf-8") as f:
        items = [{"id": r["id"], "text": r["text"], "published": r["published"]}
                 for r in map(json.loads, islice(f, ref["articles"]))]
    return ref, items


def first_difference(a: list[str], b: list[str]) -> str:
    for i, (x, y) in enumerate(zip(a, b, strict=True)):
        if x != y:
            return f"article {i}: {x!r} now, {y!r} in the reference"
    return "none"


def test_memberships_match_the_reference(reference):
    ref, items = reference
    model = StoryClusterer()
    model.partial_fit(items)
    assert model.labels_ == ref["labels"], first_difference(model.labels_, ref["labels"])


def test_state_saved_by_the_reference_code_resumes_identically(reference):
    ref, items = reference
    k = ref["checkpoint"]
    model = StoryClusterer.loads((DATA / "state.bin").read_bytes())
    assert model.n_docs_ == k
    model.partial_fit(items[k:])
    expected = ref["labels"][k:]
    assert model.labels_ == expected, first_difference(model.labels_, expected)
