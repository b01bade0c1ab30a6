"""Floors under the conflict figures of docs/benchmarks.md, scored against the hand judgements
(tests/data/annotations/, method in its README): a change that reports more false alarms or
loses judged true conflicts fails here before the benchmark is rerun.

A conflict the detector reports that was never judged counts as false here (the benchmark
lists it for judging instead), so these floors can only be met by judged conflicts.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ANN = ROOT / "tests" / "data" / "annotations"
SHARED = ROOT.parent / "shared" / "data"


def _rows(name: str) -> list[dict]:
    return [json.loads(x) for x in (ANN / name).read_text().splitlines() if x]


@pytest.fixture(scope="module")
def bench():  # noqa: ANN201
    sys.path.insert(0, str(ROOT))
    import benchmarks.conflicts_multinews as mn
    import benchmarks.cross_source as cs

    return cs, mn


@pytest.mark.slow
def test_multinews_judged_clusters_precision_and_recall(pipeline, bench) -> None:
    """Every tuning-split cluster with a judgement: precision 1.00 and recall 0.60 measured
    (issue 13); floors 0.80 and 0.60."""
    if not (SHARED / "multi-news" / "dev.jsonl").exists():
        pytest.skip("shared Multi-News dev sample not present")
    from storyweave.evaluate.data import load_clusters

    _, mn = bench
    gold = _rows("conflicts_multinews.jsonl")
    wanted = {g["cluster"] for g in gold}
    found = []
    for cl in load_clusters(split="dev"):
        if cl.id not in wanted:
            continue
        story = pipeline.run(cl.articles, words=100, story_id=cl.id)
        found += [{"cluster": cl.id, "about": c["about"], "claims": c["claims"]}
                  for c in story.conflicts]
    res = mn.score(found, gold)
    assert res["found"] >= 3
    assert res["true_found"] / res["found"] >= 0.80, res
    assert res["recall_vs_pool"] >= 0.60, res


@pytest.mark.slow
def test_multinews_training_stories_precision_and_recall(bench) -> None:
    """The third development set (issue 13): the judged stories among the first 3,000 of the
    Multi-News training stream; precision 0.77 (10 of 13) and recall 0.38 measured, floors
    just under them."""
    from benchmarks import conflicts_mn_train as mt

    if not mt.STREAM.exists():
        pytest.skip("shared Multi-News stream not present")
    _, mn = bench
    gold = _rows("conflicts_mn_train.jsonl")
    found = mt.run(3000, only={g["cluster"] for g in gold})
    res = mn.score(found, gold)
    assert res["unjudged"] == 0, [(c["cluster"], c["about"]) for c in res["unjudged_items"]]
    assert res["found"] >= 10
    assert res["true_found"] / res["found"] >= 0.75, res
    assert res["recall_vs_pool"] >= 0.35, res


@pytest.mark.slow
def test_ecbplus_held_out_precision_and_recall(pipeline, bench) -> None:
    """ECB+ topics 23-45, one line per sentence as in the benchmark: precision 0.40 (6 of 15)
    and recall 0.36 (in the judged pool) measured after issue 13's third pass; floors at and
    just under them."""
    cs, _ = bench
    if not cs.ECB.exists():
        pytest.skip("shared ECB+ documents not present")
    docs = cs.load_ecb()
    doc_by = {d["doc_name"]: d for d in docs}
    held = {d["event_cluster"] for d in docs
            if int(d["event_cluster"].split("_")[0]) >= cs.HELD_OUT}
    found = []
    for name, members in cs.run_clusters(docs, pipeline, held):
        story = pipeline.run([cs.article_of(d, "lines") for d in members], words=100,
                             story_id=name)
        smaps = {a.id: cs.sentence_map(doc_by[a.id], a.clean.body) for a in story.articles}
        for c in story.conflicts:
            claims = []
            for k in c["claims"]:
                sent = story.article(k["article"]).sentences[k["sentence"]]
                loc = cs.locate(smaps[k["article"]], sent.start)
                claims.append({"article": k["article"], "ecb_sentence": loc[0] if loc else -1})
            found.append({"cluster": name, "about": c["about"], "claims": claims})
    precision, recall, tp, _, judged, unjudged = cs.score_conflicts(
        found, _rows("conflicts.jsonl"), _rows("conflict_pool.jsonl"))
    assert len(found) == len(judged) + unjudged
    assert tp / len(found) >= 0.40, (tp, len(found), unjudged)
    assert recall >= 0.35


@pytest.mark.slow
def test_multinews_sports_stories_precision(bench) -> None:
    """The sports development set (issue 13, made in a fourth pass whose rules were not
    kept): the judged stories of the sports selection of the Multi-News training stream;
    precision 1.00 (1 of 1) and recall 0.20 within its judged pool measured; every reported
    conflict must be judged."""
    from benchmarks import conflicts_mn_train as mt

    if not mt.STREAM.exists():
        pytest.skip("shared Multi-News stream not present")
    _, mn = bench
    gold = _rows("conflicts_mn_sports.jsonl")
    found = mt.run(1000, only={g["cluster"] for g in gold}, sports=True)
    res = mn.score(found, gold)
    assert res["unjudged"] == 0, [(c["cluster"], c["about"]) for c in res["unjudged_items"]]
    assert res["found"] >= 1
    assert res["true_found"] / res["found"] >= 0.80, res
    assert res["recall_vs_pool"] >= 0.20, res


@pytest.mark.slow
def test_multinews_dev2_precision_and_recall(bench) -> None:
    """The second general development set (issue 13, fifth pass written from it): the judged
    stories of ``--dev2``; precision 0.89 (8 of 9) and recall 0.16 (8 of 49) measured after
    the fifth pass (0.27 and 0.12 before it), floors just under them; every reported conflict
    must be judged."""
    from benchmarks import conflicts_mn_train as mt

    if not mt.STREAM.exists():
        pytest.skip("shared Multi-News stream not present")
    _, mn = bench
    gold = _rows("conflicts_mn_dev2.jsonl")
    found = mt.run(mt.DEV2_STORIES, only={g["cluster"] for g in gold}, general=True,
                   general_skip=mt.GENERAL_STORIES)
    res = mn.score(found, gold)
    assert res["unjudged"] == 0, [(c["cluster"], c["about"]) for c in res["unjudged_items"]]
    assert res["found"] >= 8
    assert res["true_found"] / res["found"] >= 0.85, res
    assert res["recall_vs_pool"] >= 0.16, res
