"""CPU time of one search in a big store: schema 2's way against schema 3's, in one run.

    python -m benchmarks.search_speed --db STORE [--queries 90]

``--db`` is a storyweave store (schema 3, e.g. the ``web_load`` store). It is copied; in the
copy the article index is built a second time the schema 2 way (no prefix indexes) beside
the current one. For the same queries (words, two-word phrases and 4-letter prefixes of
stored headlines, a third each) the script times, on one connection, what
:meth:`Store.search` does for the articles, both ways: schema 2 (bm25 over every match, no
prefix index) and schema 3 (prefix indexes, bm25 among the 2,000 newest matches), each
with the snippets of the kept rows, CPU time of the first run of each query. Writes the
``search-speed`` section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import re
import shutil
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

from benchmarks.common import machine, stamp, write_section
from storyweave.store import SEARCH_NEWEST, Store, fts_query

OLD = ("SELECT rowid, rank FROM plain_fts WHERE plain_fts MATCH ? ORDER BY rank LIMIT 50",
       "plain_fts")
NEW = (f"SELECT rowid, rank FROM (SELECT rowid, rank FROM articles_fts WHERE articles_fts "
       f"MATCH ? ORDER BY rowid DESC LIMIT {SEARCH_NEWEST}) ORDER BY rank LIMIT 50",
       "articles_fts")


def queries(conn: sqlite3.Connection, n: int) -> list[str]:
    out: list[str] = []
    for (h,) in conn.execute("SELECT headline FROM stories WHERE rowid % 53 = 0 LIMIT ?",
                             (4 * n,)):
        words = re.findall(r"[A-Za-z]{4,}", h)
        if len(words) < 2:
            continue
        k = len(out) % 3
        out.append(words[0] if k == 0 else f'"{words[0]} {words[1]}"' if k == 1
                   else words[-1][:4] + "*")
    return out[:n]


def one(conn: sqlite3.Connection, way: tuple[str, str], match: str) -> float:
    sql, table = way
    t = time.process_time()
    ids = [r[0] for r in conn.execute(sql, (match,))]
    if ids:
        marks = ",".join("?" * len(ids))
        conn.execute(f"SELECT rowid, snippet({table}, 1, '[', ']', ' … ', 16) FROM {table} "
                     f"WHERE {table} MATCH ? AND rowid IN ({marks})", (match, *ids)).fetchall()
    return (time.process_time() - t) * 1000


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--db", type=Path, required=True)
    ap.add_argument("--queries", type=int, default=90)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="storyweave-searchspeed-"))
    try:
        db = work / "s.db"
        with Store(args.db) as store:  # (migrates to schema 3 first if needed)
            store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        shutil.copy(args.db, db)
        conn = sqlite3.connect(db, isolation_level=None)
        t0 = time.perf_counter()
        conn.execute("CREATE VIRTUAL TABLE plain_fts USING fts5(title, body, "
                     "content='articles', content_rowid='seq', tokenize='porter unicode61')")
        conn.execute("INSERT INTO plain_fts(plain_fts) VALUES ('rebuild')")
        build_s = time.perf_counter() - t0
        sizes = {t: conn.execute(f"SELECT sum(length(block)) FROM {t}_data").fetchone()[0]
                 for t in ("plain_fts", "articles_fts")}
        n_articles = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
        qs = queries(conn, args.queries)
        times: dict[str, dict[str, list[float]]] = {"2": {}, "3": {}}
        kinds = ("word", "phrase", "prefix")
        for i, q in enumerate(qs):
            match = fts_query(q)
            for name, way in (("2", OLD), ("3", NEW)):  # alternate: same cache state
                times[name].setdefault(kinds[i % 3], []).append(one(conn, way, match))
        conn.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)

    def cell(xs: list[float]) -> str:
        xs = sorted(xs)
        return (f"{statistics.mean(xs):.1f} / {xs[min(len(xs) - 1, int(0.95 * len(xs)))]:.1f} "
                f"/ {xs[-1]:.1f}")

    rows = ["| queries | schema 2: mean / p95 / max ms | schema 3: mean / p95 / max ms | "
            "mean ratio |", "|---|---|---|---|"]
    for kind in (*kinds, "all"):
        old = [x for k, v in times["2"].items() if kind in (k, "all") for x in v]
        new = [x for k, v in times["3"].items() if kind in (k, "all") for x in v]
        rows.append(f"| {kind} ({len(old)}) | {cell(old)} | {cell(new)} | "
                    f"{statistics.mean(old) / statistics.mean(new):.1f}× |")
    body = f"""## Search CPU per query, schema 2 vs 3 (issue 10)

Machine: {machine()}. Run {stamp()}.

`python -m benchmarks.search_speed --db STORE --queries {args.queries}` on a store of
{n_articles:,} articles: CPU time of one article search (ranked rows, then snippets of the 50
kept) on one connection, the first run of each query, the two ways alternating. Schema 2:
bm25 over every match, no prefix index (index {sizes['plain_fts'] / 2**20:.0f} MiB, rebuilt
here in {build_s:.0f} s). Schema 3: prefix indexes for 3 and 4 letters (index
{sizes['articles_fts'] / 2**20:.0f} MiB) and bm25 among the {SEARCH_NEWEST:,} newest matches.
Queries: words, two-word phrases and 4-letter prefixes of stored headlines.

{chr(10).join(rows)}
"""
    write_section("search-speed", body)
    print(body)


if __name__ == "__main__":
    main()
