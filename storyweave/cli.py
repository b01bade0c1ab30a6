"""The ``storyweave`` command: a thin shell over the library.

Each subcommand parses arguments, calls one library function and prints. User-facing problems
are one line on stderr (``storyweave: FILE: problem``), never a traceback; set
``STORYWEAVE_DEBUG=1`` to see one anyway.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TextIO

from storyweave import __version__
from storyweave.errors import StoryweaveError
from storyweave.evaluate.cli import add_eval
from storyweave.ingest import read_paths, records_to_articles
from storyweave.ingest.files import iter_jsonl
from storyweave.model import SCHEMA, Rejected
from storyweave.report import RENDERERS, render
from storyweave.report.json import story_to_dict

# Subcommand modules register themselves here: (name, add_parser function).
Registrar = Callable[[Any], None]


def warn(message: str) -> None:
    print(f"storyweave: {message}", file=sys.stderr)


def report_rejected(rejected: list[Rejected]) -> None:
    for r in rejected:
        warn(f"{r.origin}: skipped: {r.reason}")


def open_output(path: str | None) -> TextIO:
    if path in (None, "-"):
        return sys.stdout
    try:
        return open(path, "w", encoding="utf-8")  # noqa: SIM115 - closed by the caller
    except OSError as err:
        raise StoryweaveError(f"{path}: cannot write: {err.strerror}") from None


def progress(iterable: Any, total: int | None, desc: str, enabled: bool | None) -> Any:
    from tqdm import tqdm

    return tqdm(iterable, total=total, desc=desc, unit="story", file=sys.stderr,
                disable=(not enabled) if enabled is not None else None, leave=False)


# ---------------------------------------------------------------- summarize


def cmd_summarize(args: argparse.Namespace) -> int:
    from storyweave.pipeline import Pipeline

    pipeline = Pipeline()
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


def add_summarize(sub: Any) -> None:
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
    p.set_defaults(func=cmd_summarize)


REGISTRARS: list[Registrar] = [add_summarize, add_eval]

from storyweave import stream_cli  # noqa: E402 - ingest, cluster, stories, show

REGISTRARS += stream_cli.REGISTRARS


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="storyweave",
        description="Group news articles into stories and weave each into one cited account.",
    )
    parser.add_argument("--version", action="version", version=f"storyweave {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for register in REGISTRARS:
        register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "words", 1) is not None and getattr(args, "words", 1) < 1:
        parser.error("--words must be at least 1")
    try:
        return int(args.func(args) or 0)
    except StoryweaveError as err:
        warn(f"error: {err}")
        return 1
    except KeyboardInterrupt:
        warn("interrupted")
        return 130
    except BrokenPipeError:
        return 0
    except Exception as err:  # noqa: BLE001 - last line of defence: one line, not a traceback
        if os.environ.get("STORYWEAVE_DEBUG"):
            raise
        warn(f"internal error: {type(err).__name__}: {err} (STORYWEAVE_DEBUG=1 shows details)")
        return 3


if __name__ == "__main__":
    sys.exit(main())
