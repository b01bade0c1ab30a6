"""Write the clustering reference that tests/test_cluster_reference.py holds the clusterer to.

The clusterer's memberships on the shared stream must not change when its code is only
reorganised. This script, run with the code whose behaviour is the reference, clusters the
first ``--articles`` articles of the Multi-News stream, saves the clusterer's state after
``--checkpoint`` of them (the saved-state format a store of that release holds), and writes
``tests/data/cluster_reference/``: ``labels.json`` (per article: its position and story label,
no text) and ``state.bin`` (the state blob: hashed term weights and frequency tables, no text).

    python -m benchmarks.cluster_reference            # ~30 s on 2 cores
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import subprocess
import sys

from benchmarks.common import ROOT, SHARED
from storyweave.cluster import StoryClusterer

STREAM = SHARED / "data" / "multi-news-stream" / "train-stream.jsonl.gz"
OUT = ROOT / "tests" / "data" / "cluster_reference"


def read_stream(n: int) -> list[dict]:
    items = []
    with gzip.open(STREAM, "rt", encoding="utf-8") as f:
        for line in f:
            rec = json.loads(line)
            items.append({"id": rec["id"], "text": rec["text"], "published": rec["published"]})
            if len(items) >= n:
                break
    return items


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--articles", type=int, default=4000)
    ap.add_argument("--checkpoint", type=int, default=3000)
    args = ap.parse_args()
    if not STREAM.is_file():
        print(f"{STREAM}: missing (the shared stream)", file=sys.stderr)
        return 1
    items = read_stream(args.articles)
    model = StoryClusterer()
    model.partial_fit(items[:args.checkpoint])
    labels = list(model.labels_)
    blob = model.dumps()
    model.partial_fit(items[args.checkpoint:])
    labels += model.labels_
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True, cwd=ROOT).stdout.strip()
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "state.bin").write_bytes(blob)
    (OUT / "labels.json").write_text(json.dumps({
        "stream": "multi-news-stream/train-stream.jsonl.gz", "articles": len(items),
        "checkpoint": args.checkpoint, "code": commit,
        "state_sha256": hashlib.sha256(blob).hexdigest(), "labels": labels}) + "\n")
    print(f"{len(items)} articles, {len(set(labels))} stories, state {len(blob) / 1e6:.1f} MB "
          f"-> {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
