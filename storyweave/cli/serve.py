"""The live commands: ``serve`` (the web desk and API), ``watch`` (poll feeds into the store)
and ``feeds`` (what the poller last saw)."""

from __future__ import annotations

import argparse
import ipaddress
import json
import os
import time
from typing import Any

from storyweave.cli.common import db_help, existing_db, open_store, positive_float, warn
from storyweave.errors import StoryweaveError

TOKEN_ENV = "STORYWEAVE_TOKEN"


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from storyweave.feeds import parse_every, read_feed_list
    from storyweave.web import create_app

    token = args.token or os.environ.get(TOKEN_ENV) or None
    if not is_loopback(args.host) and not token:
        raise StoryweaveError(f"--host {args.host} is reachable from other machines: give "
                              f"--token TOKEN (or set {TOKEN_ENV}) so that writes need it")
    feeds = read_feed_list(args.feeds) if args.feeds else None
    every = parse_every(args.every)
    with open_store(args.db) as store:  # create or migrate it now, and say where it is
        db = store.path
    app = create_app(db, token=token, feeds=feeds, every=every, reports=not args.no_reports)
    warn(f"serving {db} on http://{args.host}:{args.port}/ "
         f"({len(feeds) if feeds else 0} feeds; Ctrl-C stops)")
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level,
                access_log=args.log_level == "debug")
    return 0


def add_serve(sub: Any) -> None:
    p = sub.add_parser("serve", help="the news desk in the browser, and the REST API",
                       description="Serve the story store: web pages at /, the REST API under "
                       "/api/v1 (schema at /api/v1/openapi.json). Reports of changed stories "
                       "are recomputed in the background.")
    p.add_argument("--db", metavar="FILE", help=db_help())
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--token", help=f"required for writes (default: ${TOKEN_ENV}); needed "
                   "when --host is not a loopback address")
    p.add_argument("--feeds", metavar="FILE", help="poll these feeds (one URL a line)")
    p.add_argument("--every", default="15m", help="feed polling interval (default 15m)")
    p.add_argument("--no-reports", action="store_true",
                   help="do not recompute stale reports in the background")
    p.add_argument("--log-level", default="warning",
                   choices=["critical", "error", "warning", "info", "debug"])
    p.set_defaults(func=cmd_serve)


def _print_round(results: list[Any]) -> None:
    for r in results:
        if r.status == "error":
            warn(f"{r.url}: {r.error}")
        else:
            print(f"{r.url}: {r.status}; {r.new} new, {r.duplicates} duplicates, "
                  f"{r.rejected} rejected")


def cmd_watch(args: argparse.Namespace) -> int:
    from storyweave.feeds import FeedPoller, parse_every, read_feed_list

    urls = read_feed_list(args.file)
    every = parse_every(args.every)
    with open_store(args.db) as store:
        db = store.path
    poller = FeedPoller(db, timeout=args.timeout)
    n = 0
    failed_all = False
    try:
        while True:
            results = poller.poll_all(urls)
            _print_round(results)
            failed_all = all(r.status == "error" for r in results)
            n += 1
            if args.rounds and n >= args.rounds:
                break
            time.sleep(every)
    finally:
        poller.close()
    return 1 if failed_all else 0


def add_watch(sub: Any) -> None:
    p = sub.add_parser("watch", help="poll RSS/Atom feeds into the story store",
                       description="Poll each feed in FILE (one URL a line) every --every, "
                       "with conditional GET, politeness delay, timeouts and retries; ingest "
                       "each new item's page. A failing feed is reported and the rest go on.")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--db", metavar="FILE", help=db_help())
    p.add_argument("--every", default="15m", help="interval (90s, 15m, 2h; default 15m)")
    p.add_argument("--rounds", type=int, default=0, help="stop after this many (default: never)")
    p.add_argument("--timeout", type=positive_float, default=10.0,
                   help="per-request timeout, seconds")
    p.set_defaults(func=cmd_watch)


def cmd_feeds(args: argparse.Namespace) -> int:
    with open_store(existing_db(args.db)) as store:
        rows = store.feed_states()
    for f in rows:
        if args.json:
            print(json.dumps(f, ensure_ascii=False))
        else:
            state = f"error: {f['last_error']}" if f["last_error"] else (f["last_status"] or "")
            print(f"{f['url']}\tlast poll {f['last_poll'] or 'never'}\t{f['polls']} polls\t"
                  f"{f['items']} items\t{state}")
    if not rows:
        warn("no feeds polled yet (storyweave watch FILE, or serve --feeds FILE)")
    return 0


def add_feeds(sub: Any) -> None:
    p = sub.add_parser("feeds", help="the state of each polled feed",
                       description="Last poll, status and last error of every feed polled "
                       "into the store.")
    p.add_argument("--db", metavar="FILE")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_feeds)


def register(sub: Any) -> None:
    for add in (add_serve, add_watch, add_feeds):
        add(sub)
