"""Throughput and memory of ingest + clustering into the SQLite store, over 100k+ articles.

    python -m benchmarks.throughput [--articles 112788] [--batch 200]

Replays the Multi-News stream (56,394 articles) as many times as needed: replay ``k`` shifts
every ``published`` by ``k`` x 100 days and every id by ``~rk``, and prefixes the text with
``"Replay k."`` so that it is new content (otherwise the store rightly refuses it as an exact
duplicate). Each article goes through the full ``storyweave ingest`` path: record -> Article,
cleaning, exact-duplicate check against the store, MinHash near-duplicate search, online
clustering, SQLite insert, one transaction per batch; the clustering state is saved every
5,000 articles and at the end (``StreamIngestor.checkpoint_every``).
Memory is the process's resident set at 10k, 50k and 100k articles. Writes the
``stream-throughput`` section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

from benchmarks.common import SHARED, machine, peak_rss_mib, stamp, write_section
from storyweave.ingest.records import article_from_record
from storyweave.model import Article
from storyweave.store import Store
from storyweave.stream import StreamIngestor

STREAM = SHARED / "data" / "multi-news-stream" / "train-stream.jsonl.gz"
CHECKPOINTS = (10_000, 50_000, 100_000)


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def replay(limit: int) -> Iterator[Article]:
    n = 0
    k = 0
    while True:
        with gzip.open(STREAM, "rt", encoding="utf-8") as f:
            for line in f:
                r = json.loads(line)
                if k:
                    when = datetime.fromisoformat(r["published"]) + timedelta(days=100 * k)
                    r["published"] = when.isoformat()
                    r["id"] = f"{r['id']}~r{k}"
                    r["text"] = f"Replay {k}. {r['text']}"
                yield article_from_record(r, f"{STREAM.name}:{n + 1}", r["id"])
                n += 1
                if n >= limit:
                    return
        k += 1


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--articles", type=int, default=112_788)
    ap.add_argument("--batch", type=int, default=200)
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()
    if not STREAM.is_file():
        print(f"{STREAM} not found", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="sw-throughput-") as tmp:
        db = Path(tmp) / "stories.db"
        store = Store(db)
        ing = StreamIngestor(store, batch_size=args.batch)
        rows = []
        t0 = time.perf_counter()
        last_t, last_n = t0, 0
        marks = set(CHECKPOINTS) - {args.articles}

        def mark(n: int) -> None:
            nonlocal last_t, last_n
            now = time.perf_counter()
            rows.append({
                "n": n, "elapsed": now - t0, "rate": n / (now - t0),
                "rate_since": (n - last_n) / (now - last_t), "rss": rss_mib(),
                "live": ing.clusterer.n_live, "index_terms": len(ing.clusterer.index_),
                "dedup": len(ing.dedup), "stories": store.count("stories"),
            })
            last_t, last_n = now, n
            print(rows[-1], flush=True)

        n = 0
        for n, _ in enumerate(ing.run(replay(args.articles)), start=1):
            if n in marks:
                mark(n)
        mark(n)  # after run() has ended, so its final state checkpoint counts
        counts = ing.counts
        db_mib = db.stat().st_size / 2**20
        store.close()
    total = rows[-1]
    body = [
        "## Stream throughput (ingest + clustering into the store)",
        "",
        f"`python -m benchmarks.throughput --articles {args.articles} --batch {args.batch}` · "
        f"{stamp()} · {machine()}",
        "",
        "One Python process (single-threaded; the machine's 2 cores were shared with other "
        "work). Full `storyweave ingest` path per article: record → Article, cleaning, exact-"
        "duplicate check against the store, MinHash LSH near-duplicate search, online "
        f"clustering, SQLite (WAL) insert; one transaction per batch of {args.batch}; the "
        f"clustering state saved every {ing.checkpoint_every:,} articles and at the end "
        "(a restart replays the articles after the last save). The 56,394-article "
        "Multi-News stream is replayed with "
        "times shifted by 100 days, ids suffixed `~rk` and the text prefixed `Replay k.` "
        "(new content, else the store refuses it as a duplicate).",
        "",
        "| articles | elapsed s | articles/s (cumulative) | articles/s (this stretch) | "
        "RSS MiB | live stories | indexed terms | dedup window | stories in store |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        body.append(f"| {r['n']:,} | {r['elapsed']:.0f} | **{r['rate']:.0f}** | "
                    f"{r['rate_since']:.0f} | {r['rss']:.0f} | {r['live']:,} | "
                    f"{r['index_terms']:,} | {r['dedup']:,} | {r['stories']:,} |")
    body += [
        "",
        f"Outcome: {counts.new:,} new ({counts.copies:,} near-duplicate copies), "
        f"{counts.duplicates:,} duplicates, {counts.rejected:,} rejected; database "
        f"{db_mib:,.0f} MiB; peak RSS {peak_rss_mib():,.0f} MiB. Overall "
        f"**{total['rate']:.0f} articles/s**.",
    ]
    text = "\n".join(body)
    print(text)
    if not args.no_write:
        write_section("stream-throughput", text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
