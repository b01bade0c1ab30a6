"""``storyweave eval``: ROUGE of storyweave and its peers on clusters with human summaries."""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path
from typing import Any

from storyweave.cli.common import add_scale_options, positive_int, warn
from storyweave.errors import StoryweaveError


def _words(value: str) -> int | str:
    if value == "ref":
        return "ref"
    try:
        return positive_int(value)
    except argparse.ArgumentTypeError as err:
        raise argparse.ArgumentTypeError(f"{err}, or 'ref'") from None


def cmd_eval(args: argparse.Namespace) -> int:
    from storyweave.evaluate.data import default_multi_news, load_clusters
    from storyweave.evaluate.harness import evaluate, text_table, write_outputs
    from storyweave.evaluate.peers import (
        ALL_SYSTEMS,
        OPTIONAL_SYSTEMS,
        SUMMARIZER_SYSTEMS,
        make_system,
    )

    path = Path(args.data) if args.data else default_multi_news()
    if not path.is_file():
        raise StoryweaveError(f"{path}: no such file")
    systems = [s.strip() for s in args.systems.split(",") if s.strip()]
    known = (*ALL_SYSTEMS, *SUMMARIZER_SYSTEMS, *OPTIONAL_SYSTEMS)
    unknown = [s for s in systems if s not in known]
    if unknown or not systems:
        raise StoryweaveError(f"unknown system {', '.join(unknown) or '(none)'}; known: "
                              f"{', '.join(known)}")
    try:
        clusters = load_clusters(path, split=args.split, limit=args.limit,
                                 drop_irrelevant=args.drop_irrelevant)
    except ValueError as err:
        raise StoryweaveError(str(err)) from None
    if not clusters:
        raise StoryweaveError(f"{path}: no cluster in split {args.split!r}")
    workers, engine = args.workers, args.engine
    if "llm" in systems:  # a model endpoint is called one cluster at a time, in this process
        if (workers or 0) > 1 or engine != "process":
            warn("--systems llm: scoring in this process, one cluster at a time")
        workers, engine = 1, "process"
    llm = {"url": args.llm_url, "model": args.llm_model}
    result = evaluate(clusters, [make_system(s, **llm) if s == "llm" else s for s in systems],
                      words=args.budget, progress=args.progress, resamples=args.resamples,
                      seed=args.seed, keep_outputs=bool(args.out), workers=workers,
                      engine=engine, address=args.address)
    result.settings = {"data": str(path), "split": args.split, "limit": args.limit,
                       "drop_irrelevant": args.drop_irrelevant}
    summary = result.summary()
    print(text_table(summary))
    if args.out:
        command = "storyweave " + shlex.join(sys.argv[1:]) if args.command_line is None \
            else args.command_line
        write_outputs(result, args.out, command)
        print(f"wrote {args.out}/results.json, results.md, clusters.jsonl", file=sys.stderr)
    return 0


def register(sub: Any) -> None:
    from storyweave.evaluate.data import DEFAULT_WORDS
    from storyweave.evaluate.peers import ALL_SYSTEMS

    p = sub.add_parser(
        "eval", help="ROUGE of storyweave and peer summarizers against human summaries",
        description="Run storyweave and peer summarizers on multi-document clusters with "
        "human reference summaries (default: the Multi-News dev sample beside the project), "
        "score ROUGE-1/2/L recall and F1 (rouge-score, stemmed) with bootstrap 95%% "
        "confidence intervals, and time each system per cluster.")
    p.add_argument("--data", metavar="FILE",
                   help='JSONL of {"id", "articles": [...], "summaries": [...]} '
                   "(default: ../shared/data/multi-news/dev.jsonl)")
    p.add_argument("--split", choices=("dev", "test", "all"), default="dev",
                   help="dev: tuning part, test: held-out part (hash of the cluster id), "
                   "all: every cluster (default: dev)")
    p.add_argument("--limit", type=int, metavar="N", help="only the first N clusters")
    p.add_argument("--systems", default=",".join(ALL_SYSTEMS),
                   help=f"comma-separated (default: {','.join(ALL_SYSTEMS)}; also: submodular, "
                   "support, concept, learned (storyweave's summarizers by name); llm, a "
                   "language model, with --llm-url/--llm-model)")
    p.add_argument("--llm-url", metavar="URL", help="for the llm system: an OpenAI-compatible "
                   "endpoint (default: $STORYWEAVE_LLM_URL)")
    p.add_argument("--llm-model", metavar="NAME",
                   help="for the llm system: the model (default: $STORYWEAVE_LLM_MODEL)")
    p.add_argument("--words", dest="budget", type=_words, default=DEFAULT_WORDS,
                   help=f"word budget: a number (default {DEFAULT_WORDS}, the mean Multi-News "
                   "reference length) or 'ref' for each cluster's reference length")
    p.add_argument("--drop-irrelevant", action="store_true",
                   help="drop documents with >=3 irrelevance votes (Multi-News+), for all")
    p.add_argument("--resamples", type=int, default=1000, help="bootstrap resamples")
    p.add_argument("--seed", type=int, default=0, help="bootstrap seed")
    p.add_argument("--out", metavar="DIR", help="write results.json, results.md and "
                   "clusters.jsonl (every output and score) here")
    add_scale_options(p, "clusters")
    p.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                   help="progress bar on stderr (default: when stderr is a terminal)")
    p.set_defaults(func=cmd_eval, command_line=None)
