"""Contradictions on Multi-News dev (tuning split): dump candidates to judge, or score against
the judgements in tests/data/annotations/conflicts_multinews.jsonl.

    python benchmarks/conflicts_multinews.py --limit 250 --dump out.jsonl   # candidates
    python benchmarks/conflicts_multinews.py --limit 250                    # score

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


def key(cluster: str, claims: list[dict], about: str = "") -> tuple:
    """A conflict's identity: the cluster, its claims' sentences and the kind of value (the
    first word of ``about``: two sentences can disagree on a count and a percentage; the rest
    of the ``about`` wording may change between detector versions, the sentences do not)."""
    return (cluster, frozenset((c["article"], c["sentence"]) for c in claims),
            about.split(" ")[0])


def run(limit: int, loose: bool = False) -> list[dict]:
    from storyweave.crosscheck import ENRICHERS
    from storyweave.crosscheck.conflicts import find_conflicts
    from storyweave.evaluate.data import load_clusters
    from storyweave.pipeline import Pipeline

    pool: list[dict] = []

    def gather(story, alignment) -> None:  # noqa: ANN001
        pool[:] = find_conflicts(story, alignment, loose=True)

    pipe = Pipeline(enrichers=[*ENRICHERS, gather]) if loose else Pipeline()
    out = []
    for cl in load_clusters(split="dev", limit=limit):
        story = pipe.run(cl.articles, words=100, story_id=cl.id)
        for c in pool if loose else story.conflicts:
            out.append({"cluster": cl.id, "about": c["about"], "kind": c["kind"],
                        "confidence": c.get("confidence"),
                        "claims": [{"article": k["article"], "sentence": k["sentence"],
                                    "value": k["value"], "text": k["text"]}
                                   for k in c["claims"]]})
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
    args = ap.parse_args()
    dump_or_score(run(args.limit, args.loose), ANN, args.dump)


if __name__ == "__main__":
    main()
