"""Clustering speed of two versions of the code on the same articles, interleaved.

Times ``StoryClusterer().partial_fit`` (features, statistics, candidate search, pair scoring,
story life-cycle: the clusterer alone, no store) over the first ``--articles`` articles of the
Multi-News stream, for this checkout and for another source tree given with ``--against DIR``
(for example a ``git worktree`` of an earlier commit), alternating runs so that both see the
same machine load. Each run is its own process; reading the stream is outside the timing.
Speed is articles per CPU-second of the process (``time.process_time``): on a shared machine
the wall time swings with the other processes' load, the CPU time much less; the wall times
are listed too.

    git worktree add /tmp/before <commit>
    python -m benchmarks.clustering_speed --against /tmp/before [--articles 20000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

from benchmarks.common import ROOT, SHARED, machine, stamp, write_section

STREAM = SHARED / "data" / "multi-news-stream" / "train-stream.jsonl.gz"

RUN = """
import gzip, json, sys, time
from itertools import islice
sys.path.insert(0, {code!r})
import storyweave.cluster as c
assert c.__file__.startswith({code!r}), c.__file__
with gzip.open({stream!r}, "rt", encoding="utf-8") as f:
    items = [{{"id": r["id"], "text": r["text"], "published": r["published"]}}
             for r in map(json.loads, islice(f, {n}))]
t0, c0 = time.perf_counter(), time.process_time()
model = c.StoryClusterer().partial_fit(items)
dt, cpu = time.perf_counter() - t0, time.process_time() - c0
print(json.dumps({{"seconds": dt, "cpu": cpu, "stories": len(set(model.labels_))}}))
"""


def run(code: Path, n: int) -> dict:
    out = subprocess.run([sys.executable, "-c", RUN.format(code=str(code), stream=str(STREAM),
                                                           n=n)],
                         capture_output=True, text=True, check=True, cwd="/")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--against", type=Path, required=True, help="the other source tree")
    ap.add_argument("--label", default="before", help="what to call it in the table")
    ap.add_argument("--articles", type=int, default=20_000)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    if not (args.against / "storyweave").is_dir():
        print(f"{args.against}: no storyweave package there", file=sys.stderr)
        return 2
    times: dict[str, list[float]] = {args.label: [], "this checkout": []}
    walls: dict[str, list[float]] = {args.label: [], "this checkout": []}
    stories = {}
    for _ in range(args.rounds):
        for label, code in ((args.label, args.against.resolve()), ("this checkout", ROOT)):
            r = run(code, args.articles)
            times[label].append(r["cpu"])
            walls[label].append(r["seconds"])
            stories[label] = r["stories"]
            print(f"{label}: {r['cpu']:.1f} s CPU, {r['seconds']:.1f} s wall, "
                  f"{r['stories']} stories", file=sys.stderr)
    best = {k: min(v) for k, v in times.items()}
    rate = {k: args.articles / v for k, v in best.items()}
    ratio = rate["this checkout"] / rate[args.label]
    commit = subprocess.run(["git", "-C", str(args.against), "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True).stdout.strip() or "?"
    lines = [f"`python -m benchmarks.clustering_speed --against <worktree of {commit}> "
             f"--articles {args.articles} --rounds {args.rounds}` · {stamp()} · {machine()}", "",
             f"`StoryClusterer().partial_fit` alone on the first {args.articles:,} stream "
             "articles, the two versions alternating; articles per CPU-second, best of the "
             "rounds:", "",
             "| code | articles per CPU-s | stories | CPU s per run | wall s per run |",
             "|---|---|---|---|---|"]
    for k in times:
        lines.append(f"| {k if k != args.label else f'{k} ({commit})'} | {rate[k]:,.0f} | "
                     f"{stories[k]:,} | {', '.join(f'{t:.1f}' for t in times[k])} | "
                     f"{', '.join(f'{t:.1f}' for t in walls[k])} |")
    lines += ["", f"This checkout runs at {ratio:.2f}× the speed of {commit}."]
    write_section("clustering-speed", "## Clustering speed against an earlier version\n\n"
                  + "\n".join(lines))
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
