"""The store commands: ``ingest``, ``cluster``, ``stories`` and ``show``.

All four share ``--db FILE`` (default: the user's data folder, see
:func:`storyweave.store.default_db_path`).
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from storyweave.cli.common import (
    add_scale_options,
    check_output,
    db_help,
    existing_db,
    open_store,
    output_file,
    positive_float,
    probability,
    warn,
)
from storyweave.cluster import StoryClusterer
from storyweave.ingest import IngestResult, read_inputs
from storyweave.report import RENDERERS, render
from storyweave.store import Store, story_summary
from storyweave.stream import StreamIngestor, arrival_order, story_report


def _model(args: argparse.Namespace) -> StoryClusterer:
    params: dict[str, Any] = {}
    if getattr(args, "threshold", None) is not None:
        params["threshold"] = args.threshold
    if getattr(args, "quiet_hours", None) is not None:
        params["quiet_hours"] = args.quiet_hours
    return StoryClusterer(**params)


def _lease_options(args: argparse.Namespace) -> dict[str, Any]:
    """Another process writing to the store: wait for it (saying so), or with --no-wait stop."""
    def waiting(message: str) -> None:
        warn(f"{message}; Ctrl-C to stop, or --no-wait to fail instead of waiting")

    return {"wait": not getattr(args, "no_wait", False), "on_wait": waiting}


def _add_no_wait(p: Any) -> None:
    p.add_argument("--no-wait", action="store_true",
                   help="if another process is writing to the store, fail at once instead of "
                   "waiting for it")


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
        warn(w)
    for r in ingested.rejected:
        warn(f"{r.origin}: rejected: {r.reason}")


# ------------------------------------------------------------------ ingest


def cmd_ingest(args: argparse.Namespace) -> int:
    ingested = read_inputs(args.paths)
    _report_problems(ingested)
    with open_store(args.db) as store:
        ing = StreamIngestor(store, clusterer=_model(args), **_lease_options(args))
        ing.reject(ingested.rejected)
        for o in ing.run(arrival_order(ingested.articles)):
            if o.status == "rejected":
                warn(f"{o.origin}: rejected: {o.reason}")
        print(_summary_line(ing, store))
        # Nothing added and something refused (when read, or when cleaned) is a failed run.
        refused = ingested.rejected or ing.counts.rejected
        status = 0 if ing.counts.new or ing.counts.duplicates or not refused else 1
        if args.refresh and status == 0:
            from storyweave.cli.refresh import refresh_store

            status = refresh_store(store, args)
    return status


def add_ingest(sub: Any) -> None:
    p = sub.add_parser("ingest", help="add articles (files, folders, JSONL, HTML, feeds) to the "
                       "story store", description="Clean each article, link near-duplicate "
                       "copies, put it in a story and store it. Re-ingesting is harmless.")
    p.add_argument("paths", nargs="+", metavar="PATH_OR_FEED",
                   help="files, folders, .jsonl(.gz), .html, RSS/Atom feed files or URLs")
    p.add_argument("--db", metavar="FILE", help=db_help())
    p.add_argument("--threshold", type=probability,
                   help="clustering threshold, 0 to 1 (new databases only)")
    p.add_argument("--quiet-hours", type=positive_float,
                   help="close a story after this long without news (new databases only)")
    _add_no_wait(p)
    p.add_argument("--refresh", action="store_true",
                   help="then recompute the reports of the stories that changed, on all cores "
                   "(as 'storyweave refresh'; --workers, --engine, --address apply)")
    p.add_argument("--words", "-w", type=int, default=150,
                   help="summary word budget of the recomputed reports")
    add_scale_options(p)
    p.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                   help="progress bar of the recomputation on stderr (default: on a terminal)")
    p.set_defaults(func=cmd_ingest)


# ------------------------------------------------------------------ cluster


def cmd_cluster(args: argparse.Namespace) -> int:
    check_output(args.assignments, [*args.paths, *([args.db] if args.db else [])])
    ingested = read_inputs(args.paths)
    for w in ingested.warnings:
        warn(w)
    store = open_store(args.db) if args.db else None
    try:
        with output_file(args.assignments or None) as out:
            _cluster_into(args, ingested, store, out if args.assignments else None)
    finally:
        if store is not None:
            store.close()
    return 0


def _cluster_into(args: argparse.Namespace, ingested: IngestResult, store: Store | None,
                  out: Any) -> None:
    ing = StreamIngestor(store, clusterer=_model(args), **_lease_options(args))

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
    p.add_argument("--threshold", type=probability, help="clustering threshold, 0 to 1")
    p.add_argument("--quiet-hours", type=positive_float, help="close a story after this long quiet")
    _add_no_wait(p)
    p.set_defaults(func=cmd_cluster)


# ------------------------------------------------------------------ stories / show


def cmd_stories(args: argparse.Namespace) -> int:
    with open_store(existing_db(args.db)) as store:
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
    with open_store(existing_db(args.db)) as store:
        report = story_report(store, args.story, words=args.words, refresh=args.refresh)
    if args.format == "json":  # the JSON renderer takes a Story; the stored report is its dict
        text = json.dumps(report, ensure_ascii=False, indent=2)
    else:
        text = render(report, args.format)
    with output_file(args.output, inputs=[existing_db(args.db)]) as out:
        out.write(text + "\n")
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


def register(sub: Any) -> None:
    for add in (add_ingest, add_cluster, add_stories, add_show):
        add(sub)
