"""Readers of the store (search, front page) while another process ingests into it: a bounded
hunt for read errors such as ``database disk image is malformed``.

    python -m benchmarks.search_stress --db STORE --skip N [--ingest 3000] [--threads 16]
                                       [--seconds 60] [--mode pool|own]

``--db`` is copied first (the copy is what both sides use; the original stays untouched).
``--threads`` reader threads, each searching queries made from stored headlines and reading
the front page, run until ``--seconds`` pass or the ingest of the next ``--ingest`` stream
lines (after ``--skip``) ends; ``--mode pool`` borrows connections the way the web server
does (:class:`storyweave.web.background.Desk` checkout/checkin), ``own`` gives each thread
its own. The ingest runs as ``--parts`` processes one after the other: a writer that closes
its last connection while the readers are open is what deleted the WAL under them before
``Store`` stopped reading the file's header itself (see ``Store._open``). Prints the count
of each error, then runs SQLite's ``integrity_check`` and FTS5's own ``integrity-check`` on
the copy. Exit status 1 when any read failed.
"""

from __future__ import annotations

import argparse
import collections
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from benchmarks.common import machine, stamp, write_section
from benchmarks.web_load import stream_lines
from storyweave import desk
from storyweave.store import Store
from storyweave.web.background import Desk


def queries_of(store: Store, n: int = 200) -> list[str]:
    rng = random.Random(3)
    out: list[str] = []
    for (h,) in store.conn.execute("SELECT headline FROM stories ORDER BY random() LIMIT ?",
                                   (n,)):
        words = re.findall(r"[A-Za-z]{4,}", h)
        if len(words) < 2:
            continue
        k = rng.randrange(3)
        out.append(words[0] if k == 0 else f'"{words[0]} {words[1]}"' if k == 1
                   else words[-1][:4] + "*")
    return out


def check(db: Path) -> list[str]:
    problems = []
    with Store(db) as store:
        problems += [r[0] for r in store.conn.execute("PRAGMA integrity_check") if r[0] != "ok"]
        for table in ("articles_fts", "stories_fts"):
            try:
                store.conn.execute(f"INSERT INTO {table}({table}) VALUES ('integrity-check')")
            except Exception as err:  # noqa: BLE001 - what it says is the finding
                problems.append(f"{table}: {err}")
    return problems


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--db", type=Path, required=True)
    ap.add_argument("--skip", type=int, required=True, help="stream lines already in --db")
    ap.add_argument("--ingest", type=int, default=3000)
    ap.add_argument("--threads", type=int, default=16)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--mode", choices=("pool", "own"), default="pool")
    ap.add_argument("--parts", type=int, default=2,
                    help="ingest processes run one after the other over the --ingest lines")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="storyweave-stress-"))
    try:
        db = work / "store.db"
        shutil.copy(args.db, db)
        lines = stream_lines(args.skip, args.ingest)
        step = -(-len(lines) // args.parts)
        parts = []
        for i in range(0, len(lines), step):
            parts.append(work / f"extra{i}.jsonl")
            parts[-1].write_text("".join(lines[i:i + step]), encoding="utf-8")
        with Store(db) as store:
            queries = queries_of(store)
            n_articles = store.count("articles")
        desk_ = Desk(db, reports=False)
        errors: collections.Counter[str] = collections.Counter()
        done = [0]
        stop = threading.Event()
        lock = threading.Lock()

        def reader(n: int) -> None:
            rng = random.Random(n)
            own = Store(db) if args.mode == "own" else None
            while not stop.is_set():
                st = None
                try:
                    st = own or desk_.checkout()
                    if rng.random() < 0.8:
                        desk.search_view(st, rng.choice(queries))
                    else:
                        desk.front_page(st)
                    ok = None
                except Exception as err:  # noqa: BLE001 - counted, the point of the run
                    ok = f"{type(err).__name__}: {err}"
                finally:
                    if own is None and st is not None:
                        desk_.checkin(st)
                with lock:
                    done[0] += 1
                    if ok:
                        errors[ok] += 1

        def ingest(part: Path) -> subprocess.Popen:
            return subprocess.Popen([sys.executable, "-m", "storyweave", "ingest", str(part),
                                     "--db", str(db)], stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL)

        ing = ingest(parts.pop(0))
        finished = 0
        threads = [threading.Thread(target=reader, args=(i,)) for i in range(args.threads)]
        t0 = time.monotonic()
        for t in threads:
            t.start()
        while time.monotonic() - t0 < args.seconds:
            if ing.poll() is not None:
                finished += ing.returncode == 0
                if not parts:
                    break
                ing = ingest(parts.pop(0))  # a writer process that comes and goes
            time.sleep(0.2)
        stop.set()
        for t in threads:
            t.join()
        ing.kill()
        ing.wait()
        wall = time.monotonic() - t0
        print(f"{args.mode}: {done[0]} reads by {args.threads} threads in {wall:.0f} s, "
              f"{finished} of {args.parts} ingest processes finished; "
              f"{sum(errors.values())} failed")
        for msg, n in errors.most_common():
            print(f"  {n} x {msg}")
        problems = check(db)
        print("integrity:", "ok" if not problems else "; ".join(problems[:5]))
        failed = "".join(f"\n* {n} × `{msg[:150]}`" for msg, n in errors.most_common(5))
        write_section("web-stress", f"""## Store readers beside a writer process (issue 10)

Machine: {machine()}. Run {stamp()}.

`python -m benchmarks.search_stress --db STORE --skip {args.skip} --ingest {args.ingest} \
--parts {args.parts} --threads {args.threads} --seconds {args.seconds:g} --mode {args.mode}`:
{args.threads} reader threads (searches and front pages, connections borrowed as the web
server does: `{args.mode}`) over a copy of a {n_articles:,}-article store while
`storyweave ingest` adds the next {args.ingest:,} stream lines in {args.parts} processes one
after the other ({finished} of them finished within the time). **{done[0]:,} reads in
{wall:.0f} s, {sum(errors.values())} failed**{failed}

Afterwards SQLite's `integrity_check` and FTS5's `integrity-check`: {"ok" if not problems
else "; ".join(problems[:3])}. Before `Store` stopped opening the database file itself, a
run with 8 threads and 1,500 lines in 3 processes failed 18,329 of 20,122 reads with
`database disk image is malformed` (each ingest process, closing its last connection, took
itself for the only user and deleted the WAL under the readers).
""")
        sys.exit(1 if errors or problems else 0)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
