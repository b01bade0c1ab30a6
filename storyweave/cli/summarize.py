"""``storyweave summarize``: one story from files and folders, or every story of a batch file."""

from __future__ import annotations

import argparse
import functools
from collections.abc import Callable
from typing import Any

from storyweave.cli.common import (
    add_scale_options,
    check_output,
    output_file,
    progress,
    report_rejected,
    warn,
)
from storyweave.errors import StoryweaveError
from storyweave.ingest import read_paths
from storyweave.report import RENDERERS, render


def cmd_summarize(args: argparse.Namespace) -> int:
    from storyweave.pipeline import pipeline_from_options

    options = (args.summarizer, args.llm_url, args.llm_model)
    pipeline = pipeline_from_options(*options, keep_unverified=args.keep_unverified)
    if args.jsonl:
        return _summarize_batch(args, functools.partial(
            pipeline_from_options, *options, keep_unverified=args.keep_unverified))
    check_output(args.output, args.paths)
    if not args.paths:
        raise StoryweaveError("summarize: give PATH... or --jsonl FILE")
    ingested = read_paths(args.paths)
    for line in ingested.warnings:
        warn(line)
    report_rejected(ingested.rejected)
    story = pipeline.run(ingested.articles, words=args.words, rejected=ingested.rejected)
    for r in story.rejected[len(ingested.rejected):]:
        warn(f"{r.origin}: skipped: {r.reason}")
    if story.summary.note:
        warn(story.summary.note)
    text = render(story, args.format)
    with output_file(args.output, inputs=args.paths) as out:
        out.write(text)
        out.write("\n")
    return 0


def _summarize_batch(args: argparse.Namespace, pipeline_factory: Callable[[], Any]) -> int:
    """Thin shell over :func:`storyweave.batch.map_stories`: whole lines, flushed one by one,
    so an interrupted run never leaves half a report in the output."""
    from storyweave.batch import map_stories, story_inputs, to_line

    check_output(args.output, [args.jsonl])
    lines = list(story_inputs(args.jsonl))
    records = map_stories(lines, words=args.words, workers=args.workers, engine=args.engine,
                          address=args.address, pipeline_factory=pipeline_factory)
    made = 0
    try:
        with output_file(args.output, inputs=[args.jsonl]) as out:
            for record in progress(records, len(lines), "summarize", args.progress):
                if "error" in record:
                    warn(f"{record['origin']}: {record['error']}")
                else:
                    made += 1
                out.write(to_line(record))
                out.flush()
    finally:
        records.close()
    if not made:
        raise StoryweaveError(f"{args.jsonl}: no story could be summarised")
    return 0


def register(sub: Any) -> None:
    p = sub.add_parser("summarize", help="weave articles about one event into a cited account",
                       description="Summarise the articles under PATH... (files or folders) "
                       "into one cited story report, or every story of a --jsonl batch file.")
    p.add_argument("paths", nargs="*", metavar="PATH",
                   help=".txt, .html, .json, .jsonl files or folders of them")
    p.add_argument("--format", "-f", choices=sorted(RENDERERS), default="json",
                   help="report format (default: json)")
    p.add_argument("--words", "-w", type=int, default=150, help="summary word budget")
    p.add_argument("--output", "-o", metavar="FILE", help="write here instead of stdout")
    p.add_argument("--jsonl", metavar="FILE",
                   help='batch: one story per line, {"id", "articles": [{"text", ...}]}; '
                   "writes one JSON report per line")
    add_scale_options(p)
    p.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                   help="progress bar on stderr (default: when stderr is a terminal)")
    p.add_argument("--summarizer", default="storyweave", metavar="NAME",
                   help="storyweave (default, extractive: learned sentence worth + concept "
                   "coverage; also named learned), submodular (the previous default), support, "
                   "concept (bigram coverage ILP), lead, or llm: an abstractive "
                   "summary from an OpenAI-compatible model, every sentence verified")
    p.add_argument("--llm-url", metavar="URL",
                   help="with --summarizer llm: the endpoint, e.g. http://127.0.0.1:8080/v1 "
                   "(default: $STORYWEAVE_LLM_URL; the key comes from $STORYWEAVE_LLM_KEY)")
    p.add_argument("--llm-model", metavar="NAME",
                   help="with --summarizer llm: the model name (default: $STORYWEAVE_LLM_MODEL)")
    p.add_argument("--keep-unverified", action="store_true",
                   help="with --summarizer llm: keep and mark sentences the sources do not "
                   "support, instead of dropping them")
    p.set_defaults(func=cmd_summarize)
