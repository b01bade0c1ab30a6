"""Load on the web desk and API over a big store, while an ingest runs beside it.

    python -m benchmarks.web_load --db STORE [--skip 51500] [--ingest 4894]
                                  [--requests 200] [--concurrency 1,8,32]

``--db`` is a store filled by ``storyweave ingest`` from the first ``--skip`` lines of the
Multi-News stream (without ``--db``, one is built from the first ``--base`` lines; that takes
minutes). The script:

1. computes the reports of the front page's top stories in this process (what the server's
   background worker does), so story pages and API reads are served from stored reports;
2. copies the store twice; times ``storyweave ingest`` of the next ``--ingest`` stream lines
   into copy A alone (nothing else running): the baseline;
3. starts ``storyweave serve --no-reports`` (one uvicorn process, its log kept) on copy B on
   127.0.0.1, starts the same ingest into copy B as a separate process, and while it runs,
   lets the cells take turns: for each of 1, 8 and 32 concurrent clients (httpx
   AsyncClient) and each of the front page, a story page, a search (words, phrases and
   prefixes taken from stored headlines, never repeated within a cell) and
   ``GET /api/v1/stories/{id}``, a slice of requests, round after round until the ingest
   ends; so the ingest runs under every cell's load from start to end, and every cell runs
   during the ingest. A cell with fewer than ``--requests`` requests by then is topped up
   (those count as run without the ingest: the last column). Then the 8-client cells again
   with no ingest running (the peer that shows what the ingest costs the readers);
4. writes p50/p95 latency, requests/s and failed requests (with why: HTTP status or client
   error, and the errors in the server's log) per cell, how much of each cell ran while the
   ingest ran, and ingest throughput while serving vs alone (the ``web-load`` section of
   docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import gzip
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from benchmarks.common import SHARED, machine, stamp, write_section
from storyweave import desk
from storyweave.store import Store
from storyweave.stream import refresh_reports

STREAM = SHARED / "data" / "multi-news-stream" / "train-stream.jsonl.gz"
KINDS = ("front page", "story page", "search", "API story")


def stream_lines(skip: int, n: int) -> list[str]:
    out = []
    with gzip.open(STREAM, "rt", encoding="utf-8") as f:
        for i, line in enumerate(f):
            if i < skip:
                continue
            if len(out) >= n:
                break
            out.append(line)
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def storyweave_cmd() -> list[str]:
    return [sys.executable, "-m", "storyweave"]


def ingest_proc(jsonl: Path, db: Path) -> subprocess.Popen:
    """``storyweave ingest`` in a session of its own, as when started from a terminal or
    cron: with Linux's autogroup scheduling each session gets its own share of the CPU, and
    in this script's session the ingest would share one with the load generator, a
    neighbour no deployment has (the same ingest under 8 clients on a busy 2-core machine:
    63-87 s in the client's session, 49 s in its own)."""
    return subprocess.Popen([*storyweave_cmd(), "ingest", str(jsonl), "--db", str(db)],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                            start_new_session=True)


def new_count(output: str) -> int:
    m = re.search(r"(\d+) new", output)
    return int(m.group(1)) if m else 0


def prepare(db: Path, stories: int) -> tuple[list[str], list[str]]:
    """Reports for the front page's top stories; search queries from stored headlines."""
    from storyweave.pipeline import Pipeline

    pipeline = Pipeline()
    with Store(db) as store:
        top = [s["id"] for s in desk.ranked_stories(store)[:stories]]
        t0 = time.perf_counter()
        for _ in refresh_reports(store, story_ids=top, pipeline=pipeline, workers=1):
            pass
        print(f"reports for {len(top)} stories in {time.perf_counter() - t0:.0f} s",
              file=sys.stderr)
        rng = random.Random(7)
        heads = [r[0] for r in store.conn.execute(  # the same sample in every run
            "SELECT headline FROM stories WHERE rowid % 17 = 3 LIMIT 1500")]
    queries = []
    for h in heads:
        words = [w for w in re.findall(r"[A-Za-z]{4,}", h)]
        if len(words) < 2:
            continue
        kind = len(queries) % 3
        if kind == 0:
            queries.append(words[0])
        elif kind == 1:
            i = rng.randrange(len(words) - 1)
            queries.append(f'"{words[i]} {words[i + 1]}"')
        else:
            queries.append(words[-1][:4] + "*")
    return top, queries


def urls_for(kind: str, top: list[str], queries: list[str], n: int) -> list[str]:
    if kind == "front page":
        return ["/"] * n
    if kind == "story page":
        return [f"/stories/{top[i % len(top)]}" for i in range(n)]
    if kind == "search":
        return ["/search?q=" + httpx.QueryParams({"q": queries[i % len(queries)]})["q"]
                for i in range(n)]
    return [f"/api/v1/stories/{top[i % len(top)]}" for i in range(n)]


async def run_cell(base: str, next_path: Callable[[], str], clients: int,
                   ingest: subprocess.Popen | None, count: int | None = None,
                   seconds: float | None = None) -> dict:
    """``count`` requests (or as many as ``seconds`` allow, two per client at least) spread
    over ``clients`` concurrent connections, each path from ``next_path``."""
    lat: list[float] = []
    failed = 0
    during = 0
    started = 0
    why: collections.Counter[str] = collections.Counter()
    t0 = time.perf_counter()

    async def client() -> None:
        nonlocal failed, during, started
        async with httpx.AsyncClient(base_url=base, timeout=30.0) as c:
            while (count is None or started < count) and (
                    seconds is None or time.perf_counter() - t0 < seconds
                    or started < 2 * clients):  # a slice: two requests per client at least
                started += 1
                path = next_path()
                t = time.perf_counter()
                try:
                    r = await c.get(path, headers={"accept": "text/html"})
                    ok = r.status_code == 200
                    if not ok:
                        why[f"HTTP {r.status_code}"] += 1
                except httpx.HTTPError as err:
                    ok = False
                    why[type(err).__name__] += 1
                lat.append(time.perf_counter() - t)
                failed += not ok
                during += ingest is not None and ingest.poll() is None

    await asyncio.gather(*(client() for _ in range(clients)))
    return {"lat": lat, "wall": time.perf_counter() - t0, "failed": failed,
            "during": during, "why": why}


def summary(parts: list[dict]) -> dict:
    """One cell's figures from its slices (latencies pooled, requests/s over their time)."""
    lat = sorted(x for p in parts for x in p["lat"])
    wall = sum(p["wall"] for p in parts)
    why: collections.Counter[str] = collections.Counter()
    for p in parts:
        why.update(p["why"])
    return {"n": len(lat), "p50": statistics.median(lat) * 1000,
            "p95": lat[min(len(lat) - 1, int(0.95 * len(lat)))] * 1000,
            "rps": len(lat) / wall, "failed": sum(p["failed"] for p in parts),
            "during": sum(p["during"] for p in parts) / max(len(lat), 1), "why": why}


class Urls:
    """Request paths for every cell; the searches of the whole run take the queries in turn,
    so none repeats before all were used and none is answered from the server's
    short-lived result cache."""

    def __init__(self, top: list[str], queries: list[str]) -> None:
        self.top, self.queries, self.searched, self.stories = top, queries, 0, 0

    def of(self, kind: str) -> Callable[[], str]:
        def next_path() -> str:
            if kind == "search":
                self.searched += 1
                return urls_for(kind, self.top, [self.queries[self.searched %
                                                              len(self.queries)]], 1)[0]
            self.stories += 1
            return urls_for(kind, [self.top[self.stories % len(self.top)]], self.queries, 1)[0]
        return next_path


#: Seconds each cell runs in one round while the ingest runs.
SLICE_S = 0.5


def during_ingest(base: str, cells: list[tuple[int, str]], urls: Urls,
                  least: int, ingest: subprocess.Popen) -> dict[tuple[int, str], list[dict]]:
    """The cells in turn, ``SLICE_S`` seconds each, round after round while the ingest runs
    (so it runs under every cell's load from start to end, and every cell gets the same
    time during it); then each cell tops up to ``least`` requests (those after the ingest
    are counted apart: the table's last column)."""
    parts: dict[tuple[int, str], list[dict]] = {cell: [] for cell in cells}
    while ingest.poll() is None:
        for c, kind in cells:
            if ingest.poll() is not None:
                break
            parts[c, kind].append(asyncio.run(run_cell(
                base, urls.of(kind), c, ingest, seconds=SLICE_S)))
    for c, kind in cells:
        short = least - sum(len(p["lat"]) for p in parts[c, kind])
        if short > 0:
            parts[c, kind].append(asyncio.run(run_cell(
                base, urls.of(kind), c, None, count=short)))
    return parts


def wait_up(base: str, proc: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit("the server exited before answering")
        try:
            if httpx.get(base + "/api/v1/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise SystemExit("the server did not answer in time")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--db", type=Path, help="store built from the first --skip stream lines")
    ap.add_argument("--base", type=int, default=51500, help="lines to ingest without --db")
    ap.add_argument("--skip", type=int, default=51500, help="stream lines already in --db")
    ap.add_argument("--ingest", type=int, default=4894, help="stream lines ingested in parallel")
    ap.add_argument("--requests", type=int, default=200, help="per endpoint and concurrency")
    ap.add_argument("--concurrency", default="1,8,32")
    ap.add_argument("--stories", type=int, default=30, help="stories with reports to read")
    args = ap.parse_args()
    levels = [int(c) for c in args.concurrency.split(",")]
    header = f"Machine: {machine()}. Run {stamp()}."
    work = Path(tempfile.mkdtemp(prefix="storyweave-webload-"))
    try:
        db = args.db
        if db is None:
            db = work / "base.db"
            base = work / "base.jsonl"
            base.write_text("".join(stream_lines(0, args.base)), encoding="utf-8")
            subprocess.run([*storyweave_cmd(), "ingest", str(base), "--db", str(db)],
                           check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            args.skip = args.base
        top, queries = prepare(db, args.stories)
        with Store(db) as store:
            store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            n_articles, n_stories = store.count("articles"), store.count("stories")
        extra = work / "extra.jsonl"
        extra.write_text("".join(stream_lines(args.skip, args.ingest)), encoding="utf-8")
        alone_db, served_db = work / "alone.db", work / "served.db"
        shutil.copy(db, alone_db)
        shutil.copy(db, served_db)

        t0 = time.perf_counter()
        p = ingest_proc(extra, alone_db)
        out, _ = p.communicate()
        alone_s = time.perf_counter() - t0
        alone_new = new_count(out)
        print(f"ingest alone: {alone_new} new in {alone_s:.1f} s", file=sys.stderr)

        port = free_port()
        base_url = f"http://127.0.0.1:{port}"
        server_log = work / "server.log"
        with server_log.open("w") as log:
            server = subprocess.Popen(
                [*storyweave_cmd(), "serve", "--db", str(served_db), "--port", str(port),
                 "--no-reports", "--log-level", "warning"],
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            wait_up(base_url, server)
            for kind in KINDS:  # warm the caches once (searches: queries not measured)
                for path in urls_for(kind, top, queries[-5:], 5):
                    httpx.get(base_url + path, timeout=30)
            cells = [(c, kind) for c in levels for kind in KINDS]
            urls = Urls(top, queries[:-5])
            t0 = time.perf_counter()
            ing = ingest_proc(extra, served_db)
            ended: list[tuple[float, str]] = []  # (when it ended, what it printed)

            def wait_ingest() -> None:
                printed = ing.communicate()[0]
                ended.append((time.perf_counter(), printed))

            waiter = threading.Thread(target=wait_ingest)
            waiter.start()
            parts = during_ingest(base_url, cells, urls, args.requests, ing)
            waiter.join()
            served_s, out = ended[0][0] - t0, ended[0][1]
            served_new = new_count(out)
            results = {cell: summary(parts[cell]) for cell in cells}
            for (c, kind), r in results.items():
                print(f"{kind:10s} c={c:2d}: n {r['n']} p50 {r['p50']:.1f} ms p95 "
                      f"{r['p95']:.1f} ms {r['rps']:.0f}/s failed {r['failed']} "
                      f"during-ingest {r['during']:.0%}", file=sys.stderr)
            quiet: dict[str, dict] = {}  # the peer: the same cells at 8 clients, no ingest
            for kind in KINDS:
                quiet[kind] = summary([asyncio.run(run_cell(
                    base_url, urls.of(kind), 8, None, count=args.requests))])
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
        errors = collections.Counter(
            m.group(1) for m in re.finditer(r"^(\w+(?:\.\w+)*(?:Error|Exception)\b.*)$",
                                            server_log.read_text(errors="replace"), re.M))
    finally:
        shutil.rmtree(work, ignore_errors=True)

    alone_rate = alone_new / alone_s
    served_rate = served_new / served_s
    rows = ["| endpoint | clients | requests | p50 ms | p95 ms | req/s | failed | "
            "share run during the ingest |", "|---|---|---|---|---|---|---|---|"]
    for c in levels:
        for kind in KINDS:
            r = results[c, kind]
            rows.append(f"| {kind} | {c} | {r['n']} | {r['p50']:.1f} | {r['p95']:.1f} | "
                        f"{r['rps']:.0f} | {r['failed']} | {r['during']:.0%} |")
    for kind in KINDS:
        r = quiet[kind]
        rows.append(f"| {kind} | 8, no ingest | {r['n']} | {r['p50']:.1f} | {r['p95']:.1f} | "
                    f"{r['rps']:.0f} | {r['failed']} | 0% |")
    every = [*results.values(), *quiet.values()]
    total_failed = sum(r["failed"] for r in every)
    why: collections.Counter[str] = collections.Counter()
    for r in every:
        why.update(r["why"])
    failures = "; ".join(f"{n} x {w}" for w, n in why.most_common()) or "none"
    logged = "; ".join(f"{n} x `{e[:120]}`" for e, n in errors.most_common(5)) or "none"
    rounds = min(len(parts[cell]) for cell in cells)
    overlap = (f"it ran under load from start to end: the {len(cells)} cells took turns, "
               f"{SLICE_S:g} s each (two requests per client at least), for {rounds} or more "
               f"rounds while it ran; cells short of {args.requests} requests were then "
               "topped up with no ingest (last column)")
    body = f"""## Web desk under load (issue 10)

{header}

`python -m benchmarks.web_load --db STORE --skip {args.skip} --ingest {args.ingest} \
--requests {args.requests} --concurrency {args.concurrency} --stories {args.stories}`: a store
of {n_articles:,} articles
in {n_stories:,} stories (the first {args.skip:,} lines of the Multi-News stream, ingested with
`storyweave ingest`), served by `storyweave serve --no-reports` (one uvicorn process; the
{len(top)} top stories' reports computed beforehand, as the background worker would) on
127.0.0.1, loaded by httpx async clients from a second process while `storyweave ingest` adds
the next {args.ingest:,} stream lines to the same store in a third (server and ingest each in
a session of its own, as a service and a terminal or cron job would be: with Linux's
autogroup scheduling a session is one share of the CPU). Search queries are words,
two-word phrases and 4-letter prefixes of stored headlines ({len(queries)} distinct, taken
in turn over the whole run: {urls.searched} measured searches, so none is answered from the
server's 5-second result cache). Each cell has at least {args.requests} requests. The client,
the server and the ingest share the machine's cores.

{chr(10).join(rows)}

Ingest of the same {args.ingest:,} lines: **{alone_rate:.0f} articles/s alone**
({alone_new} new in {alone_s:.1f} s), **{served_rate:.0f} articles/s while serving**
({served_new} new in {served_s:.1f} s; {overlap}): **{served_rate / alone_rate:.0%} of
alone** (goal ≥ 70%). Failed requests: {total_failed} (goal 0; {failures}); errors in the
server's log: {logged}. Both ingest times include
the process start and the loading of the clustering state of a 50k-article store (about 7 s
on this machine). Goals at 8 clients: story pages and API reads p95 ≤ 50 ms, search p95 ≤
150 ms.
"""
    write_section("web-load", body)
    print(body)


if __name__ == "__main__":
    main()
