"""``storyweave refresh``: recompute the stale story reports of a store, on all cores."""

from __future__ import annotations

import argparse
from typing import Any

from storyweave.cli.common import add_scale_options, existing_db, open_store, progress, warn


def refresh_store(store: Any, args: argparse.Namespace, all_stories: bool = False) -> int:
    """Recompute the store's stale reports (all with ``all_stories``) with the command's
    scale options; one summary line; exit status. Shared by ``refresh`` and ``ingest
    --refresh``."""
    from storyweave.stream import refresh_reports

    total = store.count("stories")
    done = failed = 0
    results = refresh_reports(store, all_stories=all_stories, words=args.words,
                              workers=args.workers, engine=args.engine, address=args.address)
    try:
        for story_id, report in progress(results, None, "refresh", args.progress):
            if "error" in report:
                failed += 1
                warn(f"story {story_id}: {report['error']}")
            else:
                done += 1
    finally:
        results.close()
    print(f"{done} reports recomputed, {failed} failed, "
          f"{total - done - failed} up to date ({store.path})")
    return 0 if done or not failed else 1


def cmd_refresh(args: argparse.Namespace) -> int:
    with open_store(existing_db(args.db)) as store:
        return refresh_store(store, args, all_stories=args.all)


def register(sub: Any) -> None:
    p = sub.add_parser("refresh", help="recompute the reports of stories that changed",
                       description="Recompute the report of every story whose articles changed "
                       "since its report was stored (every story with --all), in parallel; "
                       "this process reads the store and writes the reports.")
    p.add_argument("--db", metavar="FILE", help="story database (default: the user's one)")
    p.add_argument("--all", action="store_true", help="recompute every story's report")
    p.add_argument("--words", "-w", type=int, default=150, help="summary word budget")
    add_scale_options(p)
    p.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                   help="progress bar on stderr (default: when stderr is a terminal)")
    p.set_defaults(func=cmd_refresh)
