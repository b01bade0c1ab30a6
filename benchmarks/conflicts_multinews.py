"""Contradictions on Multi-News dev (tuning split): dump candidates to judge, or score against
the judgements in tests/data/annotations/conflicts_multinews.jsonl.

    python benchmarks/conflicts_multinews.py --limit 250 --dump out.jsonl   # candidates
    python benchmarks/conflicts_multinews.py --limit 250                    # score

``--split test`` runs the held-out clusters of the dev sample instead (issue 13: a set judged
after the development sets, for judging a ranker nobody tuned on it), scored against
``conflicts_multinews_test.jsonl`` (``--ann`` picks another file); ``--loose --reported`` dumps
the wide pool and the detector's reported conflicts together, every one to judge:

    python benchmarks/conflicts_multinews.py --split test --limit 1000 --loose --reported \
        --dump out.jsonl
    python benchmarks/conflicts_multinews.py --split test --limit 1000          # score

Clusters are the first ``--limit`` of the tuning split (``storyweave.evaluate.data``), each run
as one story through the full pipeline. A conflict is keyed by cluster, ``about`` and its
claims' (article, sentence) pairs, as in the ECB+ benchmark.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import ROOT  # noqa: E402

ANN = ROOT / "tests" / "data" / "annotations" / "conflicts_multinews.jsonl"
TEST_ANN = ROOT / "tests" / "data" / "annotations" / "conflicts_multinews_test.jsonl"


def key(cluster: str, claims: list[dict], about: str = "") -> tuple:
    """A conflict's identity: the cluster, its claims' sentences and the kind of value (the
    first word of ``about``: two sentences can disagree on a count and a percentage; the rest
    of the ``about`` wording may change between detector versions, the sentences do not)."""
    return (cluster, frozenset((c["article"], c["sentence"]) for c in claims),
            about.split(" ")[0])


def _row(cluster: str, c: dict) -> dict:
    return {"cluster": cluster, "about": c["about"], "kind": c["kind"],
            "confidence": c.get("confidence"),
            "claims": [{"article": k["article"], "sentence": k["sentence"],
                        "value": k["value"], "text": k["text"]} for k in c["claims"]]}


def run(limit: int, loose: bool = False, split: str = "dev", reported: bool = False,
        only: set[str] | None = None) -> list[dict]:
    """Conflicts of the first ``limit`` clusters of ``split``: the reported ones, or with
    ``loose`` the wide pool (``reported``: the reported ones first, then the pool marked
    ``loose``); ``only``: these clusters alone (all a score needs)."""
    from storyweave.crosscheck import ENRICHERS
    from storyweave.crosscheck.conflicts import find_conflicts
    from storyweave.evaluate.data import load_clusters
    from storyweave.pipeline import Pipeline

    pool: list[dict] = []

    def gather(story, alignment) -> None:  # noqa: ANN001
        pool[:] = find_conflicts(story, alignment, loose=True)

    pipe = Pipeline(enrichers=[*ENRICHERS, gather]) if loose else Pipeline()
    out = []
    for cl in load_clusters(split=split, limit=limit):
        if only is not None and cl.id not in only:
            continue
        story = pipe.run(cl.articles, words=100, story_id=cl.id)
        if loose and reported:
            out += [_row(cl.id, c) for c in story.conflicts]
            out += [{**_row(cl.id, c), "loose": True} for c in pool]
        else:
            out += [_row(cl.id, c) for c in (pool if loose else story.conflicts)]
    return out


def score(found: list[dict], gold: list[dict]) -> dict:
    """Precision over the judged candidates found; recall against every true judged one
    (a true one counts as found when a found conflict shares two of its claims' articles)."""
    labels = {key(g["cluster"], g["claims"], g["about"]): g["label"] for g in gold}
    judged = [labels[k] for c in found
              if (k := key(c["cluster"], c["claims"], c["about"])) in labels]
    unjudged = [c for c in found if key(c["cluster"], c["claims"], c["about"]) not in labels]

    def detected(g: dict) -> bool:
        want = {(c["article"], c["sentence"]) for c in g["claims"]}
        for c in found:
            if c["cluster"] != g["cluster"]:
                continue
            got = {(k["article"], k["sentence"]) for k in c["claims"]} & want
            if len({a for a, _ in got}) >= 2:
                return True
        return False

    def sub_pair(g: dict) -> bool:
        """A true record whose claims lie inside another true record of its cluster (a
        sub-pair judged when the detector first reported it) is the same disagreement."""
        mine = {(c["article"], c["sentence"]) for c in g["claims"]}
        return any(h is not g and h["label"] and h["cluster"] == g["cluster"] and mine < {
            (c["article"], c["sentence"]) for c in h["claims"]} for h in gold)

    true = [g for g in gold if g["label"] and not sub_pair(g)]
    hit = sum(1 for g in true if detected(g))
    return {"found": len(found), "judged": len(judged), "unjudged": len(unjudged),
            "true_found": sum(judged),
            "precision": sum(judged) / len(judged) if judged else 0.0,
            "true_in_pool": len(true), "recall_vs_pool": hit / len(true) if true else 0.0,
            "unjudged_items": unjudged}


def dump_or_score(found: list[dict[str, Any]], ann: Path, dump: Path | None) -> None:
    """Write the candidates to judge (``dump``), or score them against the judgements in
    ``ann`` and list each with its label; shared by the judged Multi-News sets."""
    if dump:
        with dump.open("w", encoding="utf-8") as fh:
            for c in found:
                fh.write(json.dumps(c, ensure_ascii=False) + "\n")
        print(f"{len(found)} candidates written to {dump}")
        return
    gold = [json.loads(x) for x in ann.open()] if ann.exists() else []
    res = score(found, gold)
    unjudged = res.pop("unjudged_items")
    print(json.dumps(res, indent=1))
    labels = {key(g["cluster"], g["claims"], g["about"]): g["label"] for g in gold}
    for c in found:
        label = labels.get(key(c["cluster"], c["claims"], c["about"]), "UNJUDGED")
        print(label, c["cluster"], c["about"], c.get("confidence"),
              [(k["article"], k["sentence"], k["value"]) for k in c["claims"]])
    if unjudged:
        print(f"{len(unjudged)} reported conflicts have no judgement yet")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--limit", type=int, default=250)
    ap.add_argument("--dump", type=Path)
    ap.add_argument("--loose", action="store_true", help="the wide pool to judge (with --dump)")
    ap.add_argument("--reported", action="store_true",
                    help="with --loose: the reported conflicts too, before the pool")
    ap.add_argument("--split", choices=["dev", "test"], default="dev",
                    help="tuning (dev) or held-out (test) clusters of the dev sample")
    ap.add_argument("--ann", type=Path,
                    help="judgements to score against (default: the split's file)")
    args = ap.parse_args()
    ann = args.ann or (TEST_ANN if args.split == "test" else ANN)
    dump_or_score(run(args.limit, args.loose, args.split, args.reported), ann, args.dump)


if __name__ == "__main__":
    main()
