"""Entity type accuracy on a hand-labelled sample (tests/data/annotations/entity_types.jsonl).

    python benchmarks/entity_types.py [--time]
    STORYWEAVE_SPACY_MODEL=PATH python benchmarks/entity_types.py --time   # another model

The sample: every entity storyweave lists for ECB+ event clusters 36_ecbplus and 38_ecbplus
(their first six documents, one line per sentence, as in benchmarks/cross_source.py), each
typed by hand (person, organisation, place, event, or other for products, time zones and
headline fragments, which no system type fits). Labels are keyed by the cluster and a hash of
the entity's name, so no article text is stored. Prints accuracy over the labelled entities
that the current code still lists, and of all labelled ones (a model that lists fewer names is
not better for it). ``--time`` adds the cost: median warm ``Pipeline.run`` CPU on the shared
example, for comparing spaCy models in one run.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import ROOT  # noqa: E402
from benchmarks.cross_source import article_of, load_ecb  # noqa: E402

ANN = ROOT / "tests" / "data" / "annotations" / "entity_types.jsonl"
CLUSTERS = ("36_ecbplus", "38_ecbplus")


def name_key(name: str) -> str:
    return hashlib.sha1(name.encode("utf-8")).hexdigest()[:12]


def example_cpu(pipe: object, repeat: int = 7) -> float:
    """Median warm CPU seconds of one ``Pipeline.run`` on the shared example."""
    import statistics
    import time

    from benchmarks.common import SHARED
    from storyweave.ingest import read_paths

    articles = read_paths([SHARED / "examples" / "kim-beijing-2018"]).articles
    pipe.run(articles)  # type: ignore[attr-defined]
    times = []
    for _ in range(repeat):
        start = time.process_time()
        pipe.run(articles)  # type: ignore[attr-defined]
        times.append(time.process_time() - start)
    return statistics.median(times)


def main() -> None:
    import argparse

    from storyweave.pipeline import Pipeline

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--time", action="store_true",
                        help="also the warm Pipeline.run CPU per story on the example")
    args = parser.parse_args()

    gold = {(g["cluster"], g["name_sha1"]): g["type"]
            for g in map(json.loads, ANN.open(encoding="utf-8"))}
    docs = load_ecb()
    pipe = Pipeline()
    right = seen = 0
    errors: Counter[tuple[str, str]] = Counter()
    for cl in CLUSTERS:
        members = [d for d in docs if d["event_cluster"] == cl][:6]
        story = pipe.run([article_of(d, "lines") for d in members], words=100, story_id=cl)
        for e in story.entities:
            want = gold.get((cl, name_key(e["name"])))
            if want is None:
                continue
            seen += 1
            right += e["type"] == want
            if e["type"] != want:
                errors[(want, e["type"])] += 1
    import os

    print(json.dumps({"model": os.environ.get("STORYWEAVE_SPACY_MODEL", "default"),
                      "labelled": len(gold), "listed": seen, "right": right,
                      "accuracy": right / seen if seen else 0.0,
                      "right of labelled": right / len(gold),
                      **({"example CPU s per story": round(example_cpu(pipe), 3)}
                         if args.time else {}),
                      "errors (gold, system)": {f"{a} -> {b}": n for (a, b), n in
                                                errors.most_common()}}, indent=1))


if __name__ == "__main__":
    main()
