"""Fit the learned summarizer's sentence-salience model on the Multi-News tuning split.

    python -m benchmarks.fit_salience_model [--cv] [--no-write] [--cache FILE]

Only the ``dev`` (tuning) split is read (docs/evaluation.md): each cluster is cleaned, analysed
and aligned as ``Pipeline.run`` does, every sentence gets :mod:`storyweave.salience`'s
features and, as its target, how many of its word bigrams the human summary contains. The
trees are fitted on all 584 clusters with fixed settings (``FIT_PARAMS``, no early stopping,
seed 0: the same file on every run) and written to ``storyweave/data/salience_model.json``.
``--cv`` first reports 5-fold cross-validation by cluster (R² and the within-cluster Spearman
correlation), the check used to choose the settings. ``--cache`` keeps the aligned clusters in
a pickle so that a rerun skips spaCy (about 2 minutes).
"""

from __future__ import annotations

import argparse
import json
import pickle
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from storyweave.evaluate.data import default_multi_news, load_clusters  # noqa: E402
from storyweave.evaluate.salience_training import (  # noqa: E402
    FIT_PARAMS,
    fit_salience_model,
    training_rows,
)
from storyweave.salience import MODEL_FILE  # noqa: E402

MODEL = Path(__file__).resolve().parent.parent / "storyweave" / "data" / MODEL_FILE


def aligned_dev(cache: Path | None) -> list[tuple[str, list[str], Any]]:
    """(id, references, alignment) of every cluster of the tuning split."""
    if cache is not None and cache.is_file():
        with cache.open("rb") as f:
            return pickle.load(f)  # noqa: S301 - a file this script wrote
    from storyweave.pipeline import Pipeline

    pipeline = Pipeline()
    out = []
    for c in load_clusters(default_multi_news(), split="dev"):
        analyzed, _, _ = pipeline.prepare(c.articles)
        out.append((c.id, c.references, pipeline.aligner(analyzed) if analyzed else None))
    if cache is not None:
        with cache.open("wb") as f:
            pickle.dump(out, f)
    return out


def cross_validate(x: Any, y: Any, groups: Any, folds: int = 5) -> dict[str, float]:
    import numpy as np
    from scipy.stats import spearmanr

    pred = np.zeros(len(y))
    for f in range(folds):
        test = groups % folds == f
        model = fit_salience_model(x[~test], y[~test])
        pred[test] = model.predict(x[test])
    r2 = 1.0 - float(((y - pred) ** 2).sum() / ((y - y.mean()) ** 2).sum())
    rho = [spearmanr(y[groups == g], pred[groups == g])[0] for g in np.unique(groups)
           if np.ptp(y[groups == g]) > 0]
    return {"r2": r2, "spearman_within_cluster": float(np.nanmean(rho))}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cv", action="store_true", help="5-fold cross-validation first")
    ap.add_argument("--cache", type=Path, help="pickle of the aligned clusters (read/write)")
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()
    start = time.perf_counter()
    data = [d for d in aligned_dev(args.cache) if d[2] is not None and d[2].sentences]
    x, y, groups = training_rows([d[2] for d in data], [d[1] for d in data])
    print(f"{len(data)} clusters, {len(y):,} sentences ({time.perf_counter() - start:.0f} s)")
    meta: dict[str, Any] = {
        "trained_on": f"Multi-News tuning split (dev), {len(data)} clusters, {len(y)} "
                      "sentences (python -m benchmarks.fit_salience_model)",
        "target": "distinct word bigrams of the sentence in the reference summary",
    }
    if args.cv:
        meta["cv"] = cross_validate(x, y, groups)
        print(f"5-fold CV by cluster: {meta['cv']}")
    model = fit_salience_model(x, y, meta, **FIT_PARAMS)
    if not args.no_write:
        text = json.dumps(model.to_dict(), separators=(",", ":"))
        MODEL.write_text(text + "\n", encoding="utf-8")
        print(f"wrote {MODEL} ({MODEL.stat().st_size // 1024} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
