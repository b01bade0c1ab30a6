"""Subcommands for stories from a stream: ``ingest``, ``cluster``, ``stories`` and ``show``.

Registered in :data:`storyweave.cli.REGISTRARS`. All four share ``--db FILE`` (default: the
user's data folder, see :func:`storyweave.store.default_db_path`).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from storyweave.cluster import StoryClusterer, to_timestamp
from storyweave.errors import StoryweaveError
from storyweave.ingest.feeds import is_url, looks_like_feed, read_feed
from storyweave.ingest.files import IngestResult, expand, read_file
from storyweave.model import Article
from storyweave.report import RENDERERS, render
from storyweave.store import Store, default_db_path, story_summary
from storyweave.stream import StreamIngestor, story_report


def _warn(message: str) -> None:
    print(f"storyweave: {message}", file=sys.stderr)


def read_inputs(paths: Iterable[str]) -> IngestResult:
    """Articles from files, folders, JSONL(.gz), HTML and RSS/Atom feed files or URLs."""
    result = IngestResult()
    local: list[str] = []
    for p in paths:
        if is_url(p):
            result.extend(read_feed(p))
        else:
            local.append(p)
    files, rejected = expand(local)
    result.rejected.extend(rejected)
    for f in files:
        result.extend(read_feed(f) if looks_like_feed(f) else read_file(f))
    return result


def arrival_order(articles: list[Article]) -> list[Article]:
    """Sorted by publication time; undated ones (given the ingest time) come last, in order."""
    keyed = [(to_timestamp(a.published), i, a) for i, a in enumerate(articles)]
    keyed.sort(key=lambda k: (k[0] is None, k[0] or 0.0, k[1]))
    return [a for _, _, a in keyed]


def _open_store(db: str | None) -> Store:
    return Store(db if db else default_db_path())


def _model(args: argparse.Namespace) -> StoryClusterer:
    params: dict[str, Any] = {}
    if getattr(args, "threshold", None) is not None:
        params["threshold"] = args.threshold
    if getattr(args, "quiet_hours", None) is not None:
        params["quiet_hours"] = args.quiet_hours
    return StoryClusterer(**params)


def _summary_line(ing: StreamIngestor, store: Store | None) -> str:
    c = ing.counts
    parts = [f"{c.new} new"]
    if c.copies:
        parts[0] += f" ({c.copies} near-duplicate copies linked to their original)"
    parts.append(f"{c.duplicates} duplicates")
    parts.append(f"{c.rejected} rejected")
    line = ", ".join(parts)
    if store is not None:
        line += f"; store holds {store.count('articles')} articles in " \
                f"{store.count('stories')} stories ({store.path})"
    if c.dated_by_ingest:
        line += f"; {c.dated_by_ingest} undated articles were given the ingest time"
    return line


def _report_problems(ingested: IngestResult) -> None:
    for w in ingested.warnings:
        _warn(w)
    for r in ingested.rejected:
        _warn(f"{r.origin}: rejected: {r.reason}")


# ------------------------------------------------------------------ ingest


def cmd_ingest(args: argparse.Namespace) -> int:
    ingested = read_inputs(args.paths)
    _report_problems(ingested)
    with _open_store(args.db) as store:
        ing = StreamIngestor(store, clusterer=_model(args))
        ing.reject(ingested.rejected)
        for o in ing.run(arrival_order(ingested.articles)):
            if o.status == "rejected":
                _warn(f"{o.origin}: rejected: {o.reason}")
        print(_summary_line(ing, store))
    return 0 if ing.counts.new or ing.counts.duplicates or not ingested.rejected else 1


def add_ingest(sub: Any) -> None:
    p = sub.add_parser("ingest", help="add articles (files, folders, JSONL, HTML, feeds) to the "
                       "story store", description="Clean each article, link near-duplicate "
                       "copies, put it in a story and store it. Re-ingesting is harmless.")
    p.add_argument("paths", nargs="+", metavar="PATH_OR_FEED",
                   help="files, folders, .jsonl(.gz), .html, RSS/Atom feed files or URLs")
    p.add_argument("--db", metavar="FILE", help=f"story database (default: {default_db_path()})")
    p.add_argument("--threshold", type=float, help="clustering threshold (new databases only)")
    p.add_argument("--quiet-hours", type=float,
                   help="close a story after this long without news (new databases only)")
    p.set_defaults(func=cmd_ingest)


# ------------------------------------------------------------------ cluster


def cmd_cluster(args: argparse.Namespace) -> int:
    ingested = read_inputs(args.paths)
    for w in ingested.warnings:
        _warn(w)
    store = _open_store(args.db) if args.db else None
    out = None
    try:
        if args.assignments:
            try:
                out = open(args.assignments, "w", encoding="utf-8")  # noqa: SIM115
            except OSError as err:
                raise StoryweaveError(f"{args.assignments}: cannot write: {err.strerror}") \
                    from None
        ing = StreamIngestor(store, clusterer=_model(args))

        def write(o: Any) -> None:
            if out is None:
                return
            rec: dict[str, Any] = {"article": o.article, "story": o.story}
            if o.status == "rejected":
                rec["story"] = None
                rec["reason"] = o.reason
                rec["origin"] = o.origin
            elif o.status == "duplicate":
                rec["duplicate"] = o.reason
            if o.copy_of:
                rec["copy_of"] = o.copy_of
            out.write(json.dumps(rec, ensure_ascii=False) + "\n")

        for o in ing.reject(ingested.rejected):
            write(o)
        stories: set[str] = set()
        for o in ing.run(arrival_order(ingested.articles)):
            write(o)
            if o.story:
                stories.add(o.story)
        print(_summary_line(ing, store) + f"; {len(stories)} stories in this run")
    finally:
        if out is not None:
            out.close()
        if store is not None:
            store.close()
    return 0


def add_cluster(sub: Any) -> None:
    p = sub.add_parser("cluster", help="group a collection of articles into stories, in "
                       "arrival order", description="Run the online story clustering over "
                       "PATH... (JSONL or JSONL.gz of {id, text, published?, title?, source?}, "
                       "or any input ingest reads), in order of publication.")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--db", metavar="FILE",
                   help="also store the articles and stories here (default: in memory only)")
    p.add_argument("--assignments", metavar="OUT.jsonl",
                   help='write {"article": id, "story": story_id} per input article')
    p.add_argument("--threshold", type=float, help="clustering threshold")
    p.add_argument("--quiet-hours", type=float, help="close a story after this long quiet")
    p.set_defaults(func=cmd_cluster)


# ------------------------------------------------------------------ stories / show


def _existing_db(args: argparse.Namespace) -> str:
    """The store to read; reading never creates one (a typo should not look like no stories)."""
    db = Path(args.db) if args.db else default_db_path()
    if not db.exists():
        raise StoryweaveError(f"{db}: no such database (run 'storyweave ingest' first)")
    return str(db)


def cmd_stories(args: argparse.Namespace) -> int:
    with _open_store(_existing_db(args)) as store:
        rows = store.stories(limit=args.limit, include_closed=not args.open)
        if args.json:
            for r in rows:
                print(json.dumps(r, ensure_ascii=False))
        else:
            for r in rows:
                print(story_summary(r))
    return 0


def add_stories(sub: Any) -> None:
    p = sub.add_parser("stories", help="list the stories in the store",
                       description="One line per story: id, size, outlets, first and last "
                       "seen, headline; most recently updated first.")
    p.add_argument("--db", metavar="FILE")
    p.add_argument("--limit", type=int, help="at most this many")
    p.add_argument("--open", action="store_true", help="only stories that are still live")
    p.add_argument("--json", action="store_true", help="one JSON object per line")
    p.set_defaults(func=cmd_stories)


def cmd_show(args: argparse.Namespace) -> int:
    with _open_store(_existing_db(args)) as store:
        report = story_report(store, args.story, words=args.words, refresh=args.refresh)
    if args.format == "json":  # the JSON renderer takes a Story; the stored report is its dict
        text = json.dumps(report, ensure_ascii=False, indent=2)
    else:
        text = render(report, args.format)
    if args.output:
        try:
            Path(args.output).write_text(text + "\n", encoding="utf-8")
        except OSError as err:
            raise StoryweaveError(f"{args.output}: cannot write: {err.strerror}") from None
    else:
        sys.stdout.write(text + "\n")
    return 0


def add_show(sub: Any) -> None:
    p = sub.add_parser("show", help="print one story's report (recomputed if it changed)",
                       description="The woven report of STORY_ID; computed with the pipeline "
                       "when the story changed since its last report, else read from the store.")
    p.add_argument("story", metavar="STORY_ID")
    p.add_argument("--db", metavar="FILE")
    p.add_argument("--format", "-f", choices=sorted(RENDERERS), default="json")
    p.add_argument("--words", "-w", type=int, default=150, help="summary word budget")
    p.add_argument("--refresh", action="store_true", help="recompute even if up to date")
    p.add_argument("--output", "-o", metavar="FILE")
    p.set_defaults(func=cmd_show)


REGISTRARS = [add_ingest, add_cluster, add_stories, add_show]
