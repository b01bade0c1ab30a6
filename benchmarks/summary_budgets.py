"""Summary quality per word budget: storyweave's summarizers and peers at 100, 230, 400 words.

Each cluster is cleaned and split once (spaCy) and every system chooses among the same
sentences at each budget (the library call ``evaluate`` of ``storyweave eval``, with the
analysis shared across budgets). Writes the ``summary-budgets`` section of docs/benchmarks.md
unless ``--no-write``.

    python benchmarks/summary_budgets.py                    # dev (tuning) split, all 584
    python benchmarks/summary_budgets.py --limit 100 --no-write
    python benchmarks/summary_budgets.py --split test       # held-out: run once, for reports
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import machine, stamp, write_section  # noqa: E402
from storyweave.evaluate.data import default_multi_news, load_clusters  # noqa: E402
from storyweave.evaluate.harness import evaluate  # noqa: E402

SYSTEMS = ("storyweave", "submodular", "support", "concept", "lead", "lexrank", "sumbasic", "lsa",
           "textrank")
NEW = ("submodular", "support", "concept")


class SharedAnalysis:
    """A pipeline whose ``prepare`` runs once per cluster, reused at every budget."""

    def __init__(self) -> None:
        from storyweave.pipeline import Pipeline

        self.pipeline = Pipeline()
        self.cache: dict[int, Any] = {}

    @property
    def nlp(self) -> Any:
        return self.pipeline.nlp

    def prepare(self, articles: Any) -> Any:
        key = id(articles)
        if key not in self.cache:
            self.cache[key] = self.pipeline.prepare(articles)
        return self.cache[key]


def table(results: dict[int, dict[str, Any]], systems: tuple[str, ...]) -> str:
    budgets = sorted(results)
    head = ["system"] + [f"{w} w: {m}" for w in budgets for m in ("R-1 F", "R-2 F", "ms")]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name in systems:
        cells = [f"**{name}**" if name == "storyweave" else name]
        for w in budgets:
            row = results[w]["systems"][name]
            best1 = max(results[w]["systems"][s]["rouge1_f1"]["mean"] for s in systems)
            best2 = max(results[w]["systems"][s]["rouge2_f1"]["mean"] for s in systems)
            for key, best in (("rouge1_f1", best1), ("rouge2_f1", best2)):
                v = f"{100 * row[key]['mean']:.2f}"
                cells.append(f"**{v}**" if row[key]["mean"] == best else v)
            cells.append(f"{row['ms_mean']:.1f}")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def differences(results: dict[int, dict[str, Any]]) -> str:
    """Paired bootstrap: each other storyweave summarizer minus the default (x100)."""
    head = ["budget", "summarizer", "R-1 F minus default", "R-2 F minus default"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for w in sorted(results):
        for name in NEW:
            d = results[w]["storyweave_vs"][name]
            cells = [str(w), name]
            for key in ("rouge1_f1", "rouge2_f1"):  # the table holds storyweave minus name
                iv = d[key]
                cells.append(f"{-100 * iv['mean']:+.2f} [{-100 * iv['high']:+.2f}, "
                             f"{-100 * iv['low']:+.2f}]")
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", default="dev", choices=("dev", "test"))
    parser.add_argument("--limit", type=int, help="first N clusters of the split")
    parser.add_argument("--words", default="100,230,400", help="comma-separated budgets")
    parser.add_argument("--systems", default=",".join(SYSTEMS))
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()
    systems = tuple(s.strip() for s in args.systems.split(",") if s.strip())
    budgets = [int(w) for w in args.words.split(",")]
    clusters = load_clusters(default_multi_news(), split=args.split, limit=args.limit)
    when, where = stamp(), machine()
    shared = SharedAnalysis()
    start = time.perf_counter()
    results = {}
    for w in budgets:
        results[w] = evaluate(clusters, systems, words=w, pipeline=shared,
                              progress=False).summary()
        print(f"{w} words done ({time.perf_counter() - start:.0f} s)", file=sys.stderr)
    wall = time.perf_counter() - start
    limit = f" --limit {args.limit}" if args.limit else ""
    command = (f"python benchmarks/summary_budgets.py --split {args.split}{limit} "
               f"--words {args.words}")
    body = "\n".join([
        f"## Summary quality per budget, {args.split} split (issue 13)",
        "",
        f"Machine: {where}. Date: {when}. {len(clusters)} clusters of the Multi-News "
        f"`{args.split}` split (see docs/evaluation.md), each analysed once and summarized "
        f"by every system at {', '.join(map(str, budgets))} words; every output cut after "
        "the budget the same way. ROUGE F1 x100 (rouge-score, stemmed), means; best per "
        "column in bold. ms: the summarizer step per cluster, warm (storyweave, its "
        "default (learned), submodular and concept: alignment into facts and the summarizer, "
        "since they use the facts; support: its summarizer on the split sentences; sumy "
        "peers: building the document "
        f"and summarizing). Wall time {wall / 60:.1f} min for all budgets.",
        "",
        f"Command: `{command}`",
        "",
        table(results, systems),
        "",
        "`storyweave` is the default, `LearnedSummarizer` (its model fitted on the dev split: "
        "dev figures of the default are in-sample, see docs/evaluation.md for cross-validated "
        "ones); `submodular` the previous default (`SubmodularSummarizer`), `support` the one "
        "before (`SupportSummarizer`); `concept` the ILP (`ConceptSummarizer`). Paired bootstrap "
        "(1,000 resamples of clusters) of each minus the default, x100, mean [95% interval]:",
        "",
        differences(results),
    ])
    print(body)
    if not args.no_write:
        write_section(f"summary-budgets-{args.split}", body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
