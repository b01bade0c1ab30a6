"""Loading evaluation clusters: articles about one event plus human reference summaries.

Any JSONL file of ``{"id", "articles": [...], "summaries": [...]}`` works; an article is a string
or an object with ``"text"`` (and optionally ``"id"``, ``"title"``, ``"source"``). A
``"summary"`` string is accepted in place of ``"summaries"``. Multi-News files (as in
``../shared/data/multi-news/``) also carry ``irrelevant_votes`` (document index -> LLM votes,
0-5, that the document is unrelated to the summary); ``drop_irrelevant`` removes documents with
at least ``IRRELEVANT_VOTES`` votes, for every system alike.

The tuning/test split is deterministic: a cluster belongs to ``test`` when the first byte of the
SHA-1 of its id is below 102 (40%), else to ``dev``. Only ``dev`` is used while tuning.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from storyweave.ingest.files import iter_jsonl
from storyweave.model import Article

DEFAULT_WORDS = 230  # ~ mean Multi-News reference length (227.8 words on the dev sample)

IRRELEVANT_VOTES = 3
SPLITS = ("dev", "test", "all")
TEST_BYTE_BELOW = 102  # of 256: about 40% of clusters are held out as "test"


def default_multi_news() -> Path:
    """``../shared/data/multi-news/dev.jsonl`` beside the project checkout."""
    root = Path(__file__).resolve().parents[2]
    return root.parent / "shared" / "data" / "multi-news" / "dev.jsonl"


@dataclass
class Cluster:
    """One evaluation item: the articles of a story and its human reference summaries."""

    id: str
    articles: list[Article]
    references: list[str]
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def reference_words(self) -> int:
        """Mean length of the references in whitespace words."""
        if not self.references:
            return 0
        return round(sum(len(r.split()) for r in self.references) / len(self.references))


def split_of(cluster_id: str) -> str:
    """``"test"`` or ``"dev"``, from a hash of the cluster id (stable across runs and machines)."""
    digest = hashlib.sha1(str(cluster_id).encode("utf-8")).digest()
    return "test" if digest[0] < TEST_BYTE_BELOW else "dev"


def _article(item: Any, cluster_id: str, k: int) -> Article | None:
    if isinstance(item, str):
        text, obj = item, {}
    elif isinstance(item, dict):
        obj = item
        text = obj.get("text") or obj.get("body") or ""
    else:
        raise ValueError(f"article {k + 1} is neither a string nor an object with 'text'")
    if not isinstance(text, str) or not text.strip():
        return None
    return Article(
        id=str(obj.get("id") or f"{cluster_id}-{k}"),
        source=str(obj.get("source") or f"document {k + 1}"),
        title=str(obj.get("title") or ""),
        body=text,
        url=obj.get("url"),
        origin=f"{cluster_id} article {k + 1}",
        source_inferred=not obj.get("source"),
    )


def cluster_from_record(obj: dict[str, Any], line: int = 0,
                        drop_irrelevant: bool = False) -> Cluster:
    """A :class:`Cluster` from one JSON object; raises ``ValueError`` on a malformed record."""
    if not isinstance(obj, dict) or not isinstance(obj.get("articles"), list):
        raise ValueError("record is not an object with an 'articles' list")
    cid = str(obj.get("id") if obj.get("id") is not None else f"line{line}")
    refs = obj.get("summaries", obj.get("summary"))
    if isinstance(refs, str):
        refs = [refs]
    if not isinstance(refs, list) or not all(isinstance(r, str) for r in refs):
        raise ValueError("record has no 'summaries' list of strings")
    refs = [r for r in refs if r.strip()]
    if not refs:
        raise ValueError("record has no non-empty reference summary")
    votes = obj.get("irrelevant_votes") or {}
    dropped = []
    articles = []
    for k, item in enumerate(obj["articles"]):
        if drop_irrelevant and int(votes.get(str(k), 0)) >= IRRELEVANT_VOTES:
            dropped.append(k)
            continue
        art = _article(item, cid, k)
        if art is not None:
            articles.append(art)
    ids = [a.id for a in articles]
    if len(set(ids)) != len(ids):  # duplicate article ids would confuse citations
        for k, a in enumerate(articles):
            a.id = f"{cid}-{k}"
    return Cluster(cid, articles, refs, {"dropped_irrelevant": dropped})


def iter_clusters(path: str | Path, drop_irrelevant: bool = False) -> Iterator[Cluster]:
    path = Path(path)
    where = str(path)
    try:  # the ingest reader: BOMs, gzip, JSON nested too deeply is malformed (not a crash)
        for where, obj in iter_jsonl(path):
            if isinstance(obj, ValueError):
                raise obj
            yield cluster_from_record(obj, int(where.rsplit(":", 1)[1]), drop_irrelevant)
    except ValueError as err:
        raise ValueError(f"{where}: {err}") from None


def load_clusters(path: str | Path | None = None, split: str = "all", limit: int | None = None,
                  drop_irrelevant: bool = False) -> list[Cluster]:
    """Clusters of ``path`` (default: the Multi-News dev sample) in file order.

    ``split`` keeps ``dev`` (tuning), ``test`` (held out) or ``all``; ``limit`` keeps the first
    N clusters after the split is applied.
    """
    if split not in SPLITS:
        raise ValueError(f"split must be one of {', '.join(SPLITS)}")
    out = []
    for cluster in iter_clusters(path or default_multi_news(), drop_irrelevant):
        if not cluster.articles:
            continue
        if split != "all" and split_of(cluster.id) != split:
            continue
        out.append(cluster)
        if limit is not None and len(out) >= limit:
            break
    return out
