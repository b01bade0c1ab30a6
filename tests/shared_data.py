"""The shared Multi-News dev sample, read from ../shared (never copied into the project)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from itertools import islice
from pathlib import Path

import pytest

DEV = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "multi-news" / "dev.jsonl"


def dev_clusters(n: int | None = None) -> Iterator[dict]:
    """The first ``n`` clusters of the sample (all without ``n``); skips the test when the
    sample is not beside the project."""
    if not DEV.is_file():
        pytest.skip("../shared/data/multi-news/dev.jsonl is not beside the project")
    with DEV.open(encoding="utf-8") as fh:
        yield from (json.loads(line) for line in islice(fh, n))
