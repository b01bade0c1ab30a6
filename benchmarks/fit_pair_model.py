"""Fit the clusterer's pair model on the tuning part of the Multi-News stream.

    python -m benchmarks.fit_pair_model [--fit 7000] [--tune 10000]

Pairs of articles at most 72 h apart (cosine >= 0.05), measured as the clusterer measures them
on arrival, from the first ``--tune`` articles: the model is fitted on pairs whose later
article is among the first ``--fit``, and its average precision for "same story" is checked on
the pairs after that, next to the cosine alone. Writes ``storyweave/data/pair_model.json``
(the shipped model) and the ``pair-model`` section of docs/benchmarks.md. Nothing past the
tuning part is read, so ``benchmarks.stream_clustering`` still scores on unseen articles.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from benchmarks.common import machine, stamp, write_section
from benchmarks.stream_clustering import STREAM, load_stream
from storyweave.cluster import PAIR_RAW, PairModel, training_pairs

MODEL = Path(__file__).resolve().parent.parent / "storyweave" / "data" / "pair_model.json"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--fit", type=int, default=7000)
    ap.add_argument("--tune", type=int, default=10000)
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()
    if not STREAM.is_file():
        print(f"{STREAM} not found", file=sys.stderr)
        return 1
    from sklearn.metrics import average_precision_score

    docs, gold = load_stream(args.tune)
    t = time.perf_counter()
    raw, same, later = training_pairs(docs, gold)
    secs = time.perf_counter() - t
    fit, check = later < args.fit, later >= args.fit
    trained_on = (f"Multi-News stream, pairs among its first {args.fit:,} articles "
                  "(python -m benchmarks.fit_pair_model)")
    model = PairModel.fit(raw[fit], same[fit], trained_on=trained_on)
    ap_cos = average_precision_score(same[check], raw[check, 0])
    ap_model = average_precision_score(same[check], model.proba(raw[check]))
    print(f"pairs {len(same):,} in {secs:.0f} s; AP cosine {ap_cos:.3f}, model {ap_model:.3f}")
    text = "\n".join([
        "## Pair model (Multi-News stream, tuning part)",
        "",
        f"`python -m benchmarks.fit_pair_model --fit {args.fit} --tune {args.tune}` · "
        f"{stamp()} · {machine()}",
        "",
        f"Pairs at most 72 h apart with cosine ≥ 0.05 among the first {args.tune:,} articles: "
        f"{len(same):,} ({same.mean():.1%} from the same story), measured in {secs:.0f} s. "
        f"Logistic model fitted on the {fit.sum():,} pairs whose later article is among the "
        f"first {args.fit:,}; average precision of 'same story' on the other "
        f"{check.sum():,}: cosine alone **{ap_cos:.3f}**, pair model **{ap_model:.3f}**.",
        "",
        "Raw measurements per pair: " + "; ".join(PAIR_RAW) + ".",
    ])
    print(text)
    if not args.no_write:
        MODEL.parent.mkdir(parents=True, exist_ok=True)
        MODEL.write_text(json.dumps(model.to_dict(), indent=1) + "\n", encoding="utf-8")
        write_section("pair-model", text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
