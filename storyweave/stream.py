"""Stories from a stream: clean, deduplicate, cluster and (optionally) store each new article.

:class:`StreamIngestor` is what ``storyweave ingest`` and ``storyweave cluster`` run. Per
article: clean it (an article with no story text left is rejected); give it the ingest time if
it carries no date (``meta["published_inferred"] = "ingest time"``); refuse it if the same
text is already known (same id or same content hash: re-ingesting is idempotent); look for
the article it copies (MinHash LSH, :mod:`storyweave.dedup`); then let the online clusterer
(:mod:`storyweave.cluster`) put it in a story. A copy joins its original's story while that
story is live.

With a :class:`~storyweave.store.Store`, every batch is one transaction that also saves the
clusterer's state; if anything fails inside it, the transaction rolls back and the in-memory
models are reloaded from the last commit, so memory and disk never disagree.

One writer at a time: every write sequence (a :meth:`StreamIngestor.run`, or one
:meth:`~StreamIngestor.add_batch` called on its own) holds the store's writer lease
(:mod:`storyweave.lease`). Each committed batch advances the store's write generation (a
``state`` row); a writer that finds the generation moved on since it loaded its models (another
process wrote in between) reloads them under the lease before it assigns anything, so two
processes feeding one store give the memberships of one writer that took their batches in turn.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from storyweave.clean import Cleaner
from storyweave.cluster import Doc, StoryClusterer, to_timestamp
from storyweave.dedup import NearDuplicates
from storyweave.ingest.records import too_long
from storyweave.model import Article, CleanArticle, Rejected
from storyweave.store import Store

STATE_NAME = "clusterer"
STATE_SEQ = "clusterer.seq"  # the last article (``articles.seq``) the saved state includes
STATE_GENERATION = "writes"  # batches committed that added articles: moves on with every write
_SPACE = re.compile(r"\s+")


@dataclass
class Outcome:
    """What happened to one input article."""

    article: str | None
    origin: str
    status: str  # "new", "duplicate" or "rejected"
    story: str | None = None
    reason: str | None = None
    copy_of: str | None = None


@dataclass
class IngestCounts:
    new: int = 0
    duplicates: int = 0
    rejected: int = 0
    copies: int = 0
    new_stories: int = 0
    dated_by_ingest: int = 0
    reasons: dict[str, int] = field(default_factory=dict)

    def add(self, o: Outcome, copy: bool = False) -> None:
        if o.status == "new":
            self.new += 1
            self.copies += int(copy)
        elif o.status == "duplicate":
            self.duplicates += 1
        else:
            self.rejected += 1
            key = o.reason or "?"
            self.reasons[key] = self.reasons.get(key, 0) + 1


def content_hash(title: str, body: str) -> str:
    norm = _SPACE.sub(" ", f"{title}\n{body}".lower()).strip()
    return hashlib.sha1(norm.encode("utf-8")).hexdigest()


def iso_from_ts(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat()


class StreamIngestor:
    """Runs articles through dedup and clustering, into a store if one is given."""

    def __init__(self, store: Store | None = None, clusterer: StoryClusterer | None = None,
                 dedup: NearDuplicates | None = None, cleaner: Cleaner | None = None,
                 batch_size: int = 200, batch_df: bool = True,
                 checkpoint_every: int = 5000, wait: bool = True,
                 wait_timeout: float | None = None,
                 on_wait: Callable[[str], None] | None = None, lease: bool = True) -> None:
        self.store = store
        # the writer lease: wait for another writer (telling ``on_wait``), or raise StoreBusy;
        # ``lease=False`` is only for measuring what the lease costs (benchmarks/reliability.py)
        self.wait = wait
        self.wait_timeout = wait_timeout
        self.on_wait = on_wait
        self.lease = lease
        self._generation = 0  # the store's write generation the models were loaded at
        self._writing_depth = 0
        self.checkpoint_every = checkpoint_every
        self._unsaved = 0  # articles committed since the clusterer's state was last saved
        self.batch_df = batch_df
        self._batch_df_now = False
        self.cleaner = cleaner or Cleaner()
        self.batch_size = batch_size
        self._given_clusterer = clusterer
        self._given_dedup = dedup
        self.counts = IngestCounts()
        self._load_models()

    # ------------------------------------------------------------- models

    def _load_models(self) -> None:
        """Clusterer and dedup index as of the last commit (fresh ones without a store)."""
        self.clusterer = self._given_clusterer or StoryClusterer()
        self.dedup = self._given_dedup or NearDuplicates()
        # in-memory (no store) idempotency: ids and hashes seen in this run
        self._seen_ids: dict[str, str] = {}
        self._seen_hashes: dict[str, str] = {}
        self._story_of: dict[str, str] = {}
        if self.store is None:
            return
        with self.store.snapshot():  # one committed state, even while another process writes
            self._load_from_store()

    def _load_from_store(self) -> None:
        assert self.store is not None
        self._generation = self._store_generation()
        blob = self.store.load_state(STATE_NAME)
        saved_seq = self.store.load_state(STATE_SEQ)
        if blob is None:
            seq = 0
        elif saved_seq is None:  # older versions saved the state with every batch
            seq = self.store.last_seq()
        else:
            try:
                seq = int(saved_seq.decode("ascii"))
            except (UnicodeDecodeError, ValueError):
                from storyweave.errors import StoryweaveError

                raise StoryweaveError(f"{self.store.path}: clustering checkpoint position "
                                      f"unreadable ({saved_seq[:20]!r})") from None
        if blob is not None:
            try:
                self.clusterer = StoryClusterer.loads(blob)
            except (ValueError, KeyError) as err:
                from storyweave.errors import StoryweaveError

                raise StoryweaveError(f"{self.store.path}: clustering state unreadable "
                                      f"({err})") from None
            keep = self.clusterer.max_members
            for story in self.clusterer.live_.values():
                if not story.members:  # saved by a version that kept no members
                    for article in self.store.articles_of(story.id)[-keep:]:
                        self.clusterer.remember(story.id, article)
        elif self._given_clusterer is not None:
            # a caller-supplied model starts fresh when the database has none yet
            self.clusterer = StoryClusterer(**self._given_clusterer.get_params())
        self._replay(seq)
        if self._given_dedup is not None:
            self.dedup = NearDuplicates(
                threshold=self._given_dedup.threshold, num_perm=self._given_dedup.num_perm,
                shingle=self._given_dedup.shingle, window_hours=self._given_dedup.window_hours)
        clock = self.clusterer.clock_
        if clock != float("-inf"):
            since = iso_from_ts(clock - self.dedup.window_hours * 3600)
            for aid, published, copy_of, sig in self.store.recent_signatures(since):
                ts = to_timestamp(published) or clock
                self.dedup.add(aid, self.dedup.signature_from_values(sig), ts, copy_of)

    def _store_generation(self) -> int:
        assert self.store is not None
        raw = self.store.load_state(STATE_GENERATION)
        try:
            return int(raw.decode("ascii")) if raw else 0
        except (UnicodeDecodeError, ValueError):
            return -1  # unreadable: never equal to ours, so the models are reloaded

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Hold the store's writer lease inside (re-entrant), with the models brought up to
        date first if another writer committed since they were loaded."""
        if self.store is None or self._writing_depth or not self.lease:
            self._writing_depth += 1
            try:
                yield
            finally:
                self._writing_depth -= 1
            return
        with self.store.writer_lease(wait=self.wait, timeout=self.wait_timeout,
                                     on_wait=self.on_wait):
            if self._store_generation() != self._generation:
                self._load_models()
            self._writing_depth += 1
            try:
                yield
            finally:
                self._writing_depth -= 1

    def _replay(self, seq: int) -> None:
        """Bring the clusterer from its checkpoint up to the last commit: the articles
        stored after ``seq`` go back into the stories they were put in, in arrival order."""
        assert self.store is not None
        n = 0
        for _, article, published, story_id in self.store.articles_after(seq):
            body = self.cleaner(article).body
            text = f"{article.title}\n{body}" if article.title else body
            self.clusterer.replay({"id": article.id, "text": text,
                                   "published": to_timestamp(published)}, story_id)
            n += 1
        self._unsaved = n

    def _save_state(self) -> None:
        assert self.store is not None
        self.store.save_state(STATE_NAME, self.clusterer.dumps())
        self.store.save_state(STATE_SEQ, str(self.store.last_seq()).encode("ascii"))
        self._unsaved = 0

    def checkpoint(self) -> None:
        """Save the clusterer's state now if articles were committed since the last save
        (one small transaction); :meth:`run` does it at the end of its input."""
        if self.store is not None and self._unsaved:
            with self.writing(), self.store.transaction():
                self._save_state()

    # ------------------------------------------------------------- per article

    def _story_of_article(self, article_id: str) -> str | None:
        if self.store is not None:
            row = self.store.has_article(article_id)
            return row["story_id"] if row else None
        return self._story_of.get(article_id)

    def _known(self, article: Article, chash: str) -> tuple[str | None, str | None]:
        """(status, detail): ``("duplicate", story)``, ``("rename", None)`` or ``(None, None)``."""
        if self.store is not None:
            row = self.store.has_article(article.id)
            if row is not None:
                if row["content_hash"] == chash:
                    return "duplicate", row["story_id"]
                return "rename", None
            row = self.store.find_hash(chash)
            if row is not None:
                return "duplicate-text", row["id"]
            return None, None
        if article.id in self._seen_ids:
            return ("duplicate", self._story_of.get(article.id)) \
                if self._seen_ids[article.id] == chash else ("rename", None)
        if chash in self._seen_hashes:
            return "duplicate-text", self._seen_hashes[chash]
        return None, None

    def add(self, article: Article, cleaned: CleanArticle | None = None) -> Outcome:
        """Process one article (inside the caller's transaction when there is a store)."""
        origin = article.origin or article.id
        cleaned = cleaned or self.cleaner(article)
        body = cleaned.body
        if too_long(body):  # an Article built by hand (a web form, a library caller)
            return Outcome(article.id, origin, "rejected", reason=too_long(body))
        if not body.strip():
            n = len(cleaned.dropped)
            reason = (f"no story text left after cleaning ({n} pieces of page furniture "
                      "removed)" if n else "empty article")
            return Outcome(article.id, origin, "rejected", reason=reason)
        chash = content_hash(article.title, body)
        status, detail = self._known(article, chash)
        if status == "rename":
            new_id = f"{article.id}~{chash[:6]}"
            article.meta.setdefault("renamed_from", article.id)
            article.id = new_id
            status, detail = self._known(article, chash)
        if status == "duplicate":
            return Outcome(article.id, origin, "duplicate", story=detail,
                           reason="already in the store" if self.store else "seen before")
        if status == "duplicate-text":
            return Outcome(article.id, origin, "duplicate", story=self._story_of_article(detail),
                           reason=f"same text as article '{detail}'")
        inferred = False
        ts = to_timestamp(article.published)
        if ts is None:
            ts = datetime.now(UTC).timestamp()
            inferred = True
            article.meta["published_inferred"] = "ingest time"
        published = article.published or iso_from_ts(ts)
        text = f"{article.title}\n{body}" if article.title else body
        copy, sig = self.dedup.check(article.id, body, ts)
        join = None
        if copy is not None:
            article.meta["copy_of"] = copy.original
            join = self._story_of_article(copy.original)
        match = self.clusterer.assign({"id": article.id, "text": text, "published": ts},
                                      join=join, learn=not self._batch_df_now)
        story = match.story
        assert story is not None
        if self.store is not None:
            headline = article.title or " ".join(body.split()[:12])
            self.store.touch_story(story, headline=headline, published=published,
                                   copy=copy is not None)
            self.store.insert_article(
                article, content_hash=chash, story_id=story, published=published,
                published_inferred=inferred, copy_of=copy.original if copy else None,
                copy_similarity=copy.similarity if copy else None,
                minhash=sig.hashvalues.tobytes() if sig is not None else None)
        else:
            self._seen_ids[article.id] = chash
            self._seen_hashes[chash] = article.id
            self._story_of[article.id] = story
        if inferred:
            self.counts.dated_by_ingest += 1
        return Outcome(article.id, origin, "new", story=story,
                       copy_of=copy.original if copy else None)

    # ------------------------------------------------------------- batches

    def _commit_extras(self) -> None:
        assert self.store is not None
        closed, self.clusterer.closed_ = self.clusterer.closed_, []
        if closed:
            self.store.close_stories(closed)
        # The state (frequency tables, live stories and their members: tens of MB) is saved
        # every ``checkpoint_every`` articles and at the end of a run, not with every batch;
        # after a crash, the articles committed since are replayed from the store.
        if self._unsaved >= self.checkpoint_every:
            self._save_state()

    def _add_all(self, articles: list[Article]) -> list[Outcome]:
        cleaned = [self.cleaner(a) for a in articles]
        # cold start: count the whole batch's document frequencies first (learn_df), so a
        # small collection's first articles get its IDF; later the IDF is stable anyway
        self._batch_df_now = self.batch_df and \
            self.clusterer.n_docs_ < self.clusterer.idf_docs
        if self._batch_df_now:
            self.clusterer.learn_df(Doc("", f"{c.article.title}\n{c.body}")
                                    for c in self._to_be_added(cleaned))
        return [self.add(a, c) for a, c in zip(articles, cleaned, strict=True)]

    def _to_be_added(self, cleaned: list[CleanArticle]) -> Iterator[CleanArticle]:
        """The batch's articles that :meth:`add` will store (not empty, not too long, not
        known yet, not repeated within the batch). Only these may count in the cold-start
        frequencies: a rerun after a crash re-reads what was committed, and counting it again
        would give later articles other stories than an uninterrupted run gave them."""
        seen: set[str] = set()
        for c in cleaned:
            if not c.body.strip() or too_long(c.body):
                continue
            chash = content_hash(c.article.title, c.body)
            status, _ = self._known(c.article, chash)
            if status in ("duplicate", "duplicate-text") or chash in seen:
                continue
            seen.add(chash)
            yield c

    def add_batch(self, articles: list[Article]) -> list[Outcome]:
        """One transaction for the whole batch: all of it is committed, or none of it."""
        if self.store is None:
            outs = self._add_all(articles)
            self.clusterer.closed_ = []
        else:
            with self.writing():
                try:
                    with self.store.transaction():
                        outs = self._add_all(articles)
                        self._unsaved += sum(o.status == "new" for o in outs)
                        self._commit_extras()
                        generation = self._generation
                        if any(o.status == "new" for o in outs):  # memberships changed
                            generation += 1
                            self.store.save_state(STATE_GENERATION, str(generation).encode())
                    self._generation = generation
                except BaseException:
                    self._load_models()  # back to the state of the last commit
                    raise
        for o in outs:
            self.counts.add(o, copy=o.copy_of is not None)
        return outs

    def run(self, articles: Iterable[Article]) -> Iterator[Outcome]:
        """Every article's outcome, in batches; the writer lease is held from the first batch
        to the end of the input (close the iterator early to let go of it)."""
        batch: list[Article] = []
        with self.writing():
            for a in articles:
                batch.append(a)
                if len(batch) >= self.batch_size:
                    yield from self.add_batch(batch)
                    batch = []
            if batch:
                yield from self.add_batch(batch)
            self.checkpoint()

    def reject(self, rejected: Iterable[Rejected]) -> list[Outcome]:
        outs = [Outcome(r.article, r.origin, "rejected", reason=r.reason) for r in rejected]
        for o in outs:
            self.counts.add(o)
        return outs


def arrival_order(articles: list[Article]) -> list[Article]:
    """Sorted by publication time; undated ones (given the ingest time) come last, in order."""
    keyed = [(to_timestamp(a.published), i, a) for i, a in enumerate(articles)]
    keyed.sort(key=lambda k: (k[0] is None, k[0] or 0.0, k[1]))
    return [a for _, _, a in keyed]


# ----------------------------------------------------------------- reports


def compute_report(pipeline: Any, story_id: str, articles: list[Article],
                   words: int = 150) -> dict[str, Any]:
    """The JSON report of a stored story's articles (nothing read from or written to a store:
    this is the part :func:`refresh_reports` fans out to workers)."""
    from storyweave.report.json import story_to_dict

    story = pipeline.run(articles, words=words, story_id=story_id)
    report = story_to_dict(story)
    report["copies"] = {a.id: a.meta["copy_of"] for a in articles if a.meta.get("copy_of")}
    return report


def story_report(store: Store, story_id: str, pipeline: Any = None, words: int = 150,
                 refresh: bool = False) -> dict[str, Any]:
    """The story's JSON report: the stored one if the story has not changed since, otherwise
    recomputed with the pipeline (and stored). Copies are listed under ``copies``; a fact's
    ``support`` already leaves out articles that copy another article of the fact."""
    from storyweave.errors import StoryweaveError
    from storyweave.pipeline import Pipeline

    if store.story(story_id) is None:
        raise StoryweaveError(f"no story '{story_id}' in {store.path}")
    if not refresh:
        cached = store.cached_report(story_id)
        if cached is not None:
            return cached
    articles = store.articles_of(story_id)
    report = compute_report(pipeline or Pipeline(), story_id, articles, words)
    store.save_report(story_id, report, len(articles))
    return report


@dataclass(frozen=True)
class _ReportWorker:
    """Picklable recipe: each worker builds one ``Pipeline`` and turns ``(story id, articles)``
    into ``(report or error record, number of articles)``."""

    words: int = 150

    def __call__(self) -> Any:
        from storyweave.pipeline import Pipeline

        pipeline = Pipeline()
        pipeline.nlp  # noqa: B018 - load the model before the first story
        return self.with_pipeline(pipeline)

    def with_pipeline(self, pipeline: Any) -> Any:
        from storyweave.batch import error_record
        from storyweave.errors import StoryweaveError

        words = self.words

        def work(item: tuple[str, list[Article]]) -> tuple[dict[str, Any], int]:
            story_id, articles = item
            try:
                return compute_report(pipeline, story_id, articles, words), len(articles)
            except StoryweaveError as err:
                return error_record(story_id, str(err), story_id), len(articles)
            except Exception as err:  # noqa: BLE001 - one story must not stop a refresh
                return error_record(story_id, f"internal error: {type(err).__name__}: {err}",
                                    story_id), len(articles)

        return work


def refresh_reports(store: Store, *, all_stories: bool = False,
                    story_ids: Iterable[str] | None = None, words: int = 150,
                    workers: int | None = None, engine: str = "process",
                    address: str | None = None,
                    pipeline: Any = None) -> Iterator[tuple[str, dict[str, Any]]]:
    """Recompute the reports of stale stories (every story with ``all_stories``; only those
    of ``story_ids`` that are stale when given) on the parallel map of
    :mod:`storyweave.batch`: this process reads the articles and writes the reports (SQLite
    keeps one writer), the workers only compute. A ``pipeline`` given with ``workers=1`` is
    used in this process (the web server's report thread keeps one loaded). Yields ``(story
    id, report or error record)`` in the store's story order; a story that fails keeps its
    old report and stays stale.
    """
    from storyweave.batch import parallel_map

    if story_ids is not None:
        ids = store.stale_among(list(dict.fromkeys(story_ids)))
    else:
        ids = [r["id"] for r in store.stories() if all_stories or r.get("stale")]
    items = ((sid, store.articles_of(sid)) for sid in ids)
    recipe = _ReportWorker(words)
    if pipeline is not None and workers == 1 and engine == "process":
        work = recipe.with_pipeline(pipeline)
        results: Any = (work(item) for item in items)  # (a generator: has close())
    else:
        results = parallel_map(recipe, items, workers=workers, engine=engine, address=address)
    try:
        for sid, (report, n) in zip(ids, results, strict=True):
            if "error" not in report:
                store.save_report(sid, report, n)
            yield sid, report
    finally:
        results.close()


__all__ = ["IngestCounts", "Outcome", "StreamIngestor", "arrival_order", "compute_report",
           "content_hash", "refresh_reports", "story_report"]
