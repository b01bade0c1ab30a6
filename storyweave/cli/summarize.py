"""``storyweave summarize``: one story from files and folders, or every story of a batch file."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from storyweave.cli.common import open_output, progress, report_rejected, warn
from storyweave.errors import StoryweaveError
from storyweave.ingest import read_paths, records_to_articles
from storyweave.ingest.files import iter_jsonl
from storyweave.model import SCHEMA
from storyweave.report import RENDERERS, render
from storyweave.report.json import story_to_dict


def cmd_summarize(args: argparse.Namespace) -> int:
    from storyweave.pipeline import pipeline_from_options

    pipeline = pipeline_from_options(args.summarizer, args.llm_url, args.llm_model,
                                     keep_unverified=args.keep_unverified)
    if args.jsonl:
        return _summarize_batch(args, pipeline)
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
    out = open_output(args.output)
    try:
        out.write(render(story, args.format))
        out.write("\n")
    finally:
        if out is not sys.stdout:
            out.close()
    return 0


def _batch_stories(path: Path) -> Iterator[tuple[str, dict[str, Any] | str]]:
    """``(origin, story record or error message)`` for every line of a batch file."""
    for origin, obj in iter_jsonl(path):
        if isinstance(obj, ValueError):
            yield origin, str(obj)
        elif not isinstance(obj, dict) or not isinstance(obj.get("articles"), list):
            yield origin, "line is not a story object with an 'articles' list"
        else:
            yield origin, obj


def _summarize_batch(args: argparse.Namespace, pipeline: Any) -> int:
    path = Path(args.jsonl)
    if not path.is_file():
        raise StoryweaveError(f"{path}: no such file")
    try:
        lines = list(_batch_stories(path))
    except ValueError as err:
        raise StoryweaveError(f"{path}: {err}") from None
    pipeline.nlp  # load the model once, before the progress bar starts  # noqa: B018
    out = open_output(args.output)
    made = 0
    try:
        for origin, item in progress(lines, len(lines), "summarize", args.progress):
            story_id = item.get("id") if isinstance(item, dict) else None
            if isinstance(item, str):
                warn(f"{origin}: {item}")
                record: dict[str, Any] = {"schema": SCHEMA, "id": None, "origin": origin,
                                          "error": item}
            else:
                ingested = records_to_articles(
                    [(f"{origin} article {n}", a) for n, a in enumerate(item["articles"], 1)],
                    stem=str(story_id or origin),
                )
                try:
                    story = pipeline.run(ingested.articles, words=args.words,
                                         rejected=ingested.rejected,
                                         story_id=str(story_id) if story_id else None)
                    record = story_to_dict(story)
                    made += 1
                except StoryweaveError as err:
                    warn(f"{origin}: {err}")
                    record = {"schema": SCHEMA, "id": story_id, "origin": origin,
                              "error": str(err)}
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    finally:
        if out is not sys.stdout:
            out.close()
    if not made:
        raise StoryweaveError(f"{path}: no story could be summarised")
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
    p.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                   help="progress bar on stderr (default: when stderr is a terminal)")
    p.add_argument("--summarizer", default="storyweave", metavar="NAME",
                   help="storyweave (default, extractive), lead, or llm: an abstractive "
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
