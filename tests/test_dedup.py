"""Near-duplicates: wire copies found and linked to their original, other articles not."""

from __future__ import annotations

import gzip
import json
import random
from pathlib import Path

import pytest

from storyweave.dedup import NearDuplicates, shingle_hashes

STREAM = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / \
    "multi-news-stream" / "train-stream.jsonl.gz"


def generated(seed: int, words: int = 150) -> str:
    rng = random.Random(seed)
    vocab = [f"w{i}" for i in range(3000)]
    return " ".join(rng.choice(vocab) for _ in range(words))


def test_shingle_hashes_are_deterministic_and_order_sensitive():
    a = shingle_hashes("one two three four five six")
    assert len(a) == 2 and (a == shingle_hashes("One two three four five six")).all()
    assert set(a) != set(shingle_hashes("six five four three two one"))


def test_exact_and_reworded_intro_copies_link_to_the_original():
    nd = NearDuplicates()
    original = generated(1)
    assert nd.check("orig", original, 0.0)[0] is None
    copy, _ = nd.check("wire", original, 10.0)
    assert copy is not None and copy.original == "orig" and copy.similarity > 0.9
    words = original.split()
    edited = "By A Reporter, Staff Writer. A new intro line for the reprint. " + \
        " ".join(words[12:])
    copy2, _ = nd.check("reprint", edited, 20.0)
    assert copy2 is not None and copy2.original == "orig"
    # a copy of the copy links to the first article, not the copy
    copy3, _ = nd.check("third", " ".join(words[12:]), 30.0)
    assert copy3 is not None and copy3.original == "orig"
    assert nd.check("other", generated(2), 40.0)[0] is None


def test_window_evicts_old_articles():
    nd = NearDuplicates(window_hours=1)
    text = generated(3)
    nd.check("a", text, 0.0)
    assert len(nd) == 1
    nd.check("b", generated(4), 2 * 3600.0)
    assert len(nd) == 1  # "a" left the window
    assert nd.check("c", text, 2 * 3600.0 + 1)[0] is None


def test_short_texts_are_not_judged():
    nd = NearDuplicates()
    nd.check("a", "Police said on Monday.", 0.0)
    assert nd.check("b", "Police said on Monday.", 1.0)[0] is None


def test_signature_survives_storage():
    nd = NearDuplicates()
    sig = nd.signature(generated(5))
    again = nd.signature_from_values(sig.hashvalues.tobytes())
    assert sig.jaccard(again) == 1.0


def test_real_wire_copy_detected_and_same_story_other_text_not():
    if not STREAM.is_file():
        pytest.skip("../shared/data/multi-news-stream is not beside the project")
    by_story: dict[str, list[dict]] = {}
    with gzip.open(STREAM, "rt", encoding="utf-8") as f:
        for n, line in enumerate(f):
            r = json.loads(line)
            by_story.setdefault(r["story"], []).append(r)
            if n > 2000:
                break
    def long_enough(x: dict) -> bool:  # a new intro must leave most of the text as it was
        words = len(x["text"].split())
        return words > 150 and len(x["text"].split(". ")[0].split()) < 0.2 * words

    pairs = [v for v in by_story.values() if len(v) >= 2 and long_enough(v[0])][:20]
    assert pairs
    nd = NearDuplicates()
    flagged_same_story = 0
    for i, (a, b) in enumerate(v[:2] for v in pairs):
        nd.check(a["id"], a["text"], i * 10.0)
        found, _ = nd.check(b["id"], b["text"], i * 10.0 + 1)
        flagged_same_story += found is not None
        sentences = a["text"].split(". ")
        reprint = "Byline: staff and wire reports. " + ". ".join(sentences[1:])
        copy, _ = nd.check(a["id"] + "-copy", reprint, i * 10.0 + 2)
        assert copy is not None and copy.original == a["id"]
    assert flagged_same_story <= 2  # different texts on one event are not copies
