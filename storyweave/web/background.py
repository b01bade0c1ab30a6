"""The server's two background threads: one writer (every ingest goes through it, so the
server is one writer however many requests add articles) and one report worker (stale reports
are recomputed here, never in a request).

Each thread and each request thread has its own SQLite connection (:meth:`Desk.store`).
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from storyweave import desk
from storyweave.errors import StoryweaveError
from storyweave.ingest import IngestResult
from storyweave.store import Store
from storyweave.stream import Outcome, StreamIngestor, arrival_order, refresh_reports

log = logging.getLogger("storyweave.web")

#: ``refresh(store, story_ids, pipeline)`` -> number recomputed: what the report worker calls.
Refresher = Callable[[Store, list[str], Any], int]


def default_refresh(store: Store, ids: list[str], pipeline: Any) -> int:
    """Stale ones of ``ids``, one at a time in this thread, with the server's loaded pipeline
    (the report worker loads it once, before its first story)."""
    done = 0
    for _, report in refresh_reports(store, story_ids=ids, pipeline=pipeline, workers=1):
        if "error" in report:  # (the story stays stale; the worker records why)
            raise StoryweaveError(report["error"])
        done += 1
    return done


class PooledStore(Store):
    """A store connection that may move between threads (never used by two at once)."""

    check_same_thread = False


class Desk:
    """The server's state: the store path, per-thread connections and the background work."""

    def __init__(self, db: str | Path, *, reports: bool = True, pipeline: Any = None,
                 refresh: Refresher = default_refresh, front_reports: int = 30) -> None:
        self.db = Path(db)
        Store(self.db).close()  # create or migrate once, before any thread opens it
        self._local = threading.local()
        self._pool: queue.LifoQueue[Store] = queue.LifoQueue()
        self._writes: queue.Queue[tuple[Callable[[Store], Any], Future] | None] = queue.Queue()
        self._wanted: list[str] = []
        self._wanted_lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.reports = reports
        self.pipeline = pipeline
        self.refresh = refresh
        self.front_reports = front_reports
        self.report_errors: dict[str, str] = {}
        self.reports_done = 0
        self._ingestor: StreamIngestor | None = None
        self._ingestor_seq = -1
        self.version = 0  # bumped by every write of this server (ingest, report)
        self._cache: dict[Any, tuple[float, Any]] = {}  # key -> (good until, value)
        self._making: dict[Any, threading.Lock] = {}  # key -> held while one thread makes it
        self._making_lock = threading.Lock()

    # ------------------------------------------------------------- connections

    def store(self) -> Store:
        """This thread's connection to the store (background threads, tests)."""
        st = getattr(self._local, "store", None)
        if st is None:
            st = Store(self.db)
            self._local.store = st
        return st

    def checkout(self) -> Store:
        """A connection for one request: FastAPI may resolve a dependency on one thread and
        run the route on another, so requests borrow pooled connections, one at a time."""
        try:
            return self._pool.get_nowait()
        except queue.Empty:
            return PooledStore(self.db)

    def checkin(self, store: Store) -> None:
        if store.conn.in_transaction:
            store.conn.execute("ROLLBACK")
        self._pool.put(store)

    def cached(self, key: Any, ttl: float, make: Callable[[], Any]) -> Any:
        """``make()``, kept for ``ttl`` seconds under ``key`` (callers put the store's
        version in the key, so a write is seen at once; ``ttl`` bounds what another process
        wrote). One thread makes a missing or expired value while the others wait for it,
        or, when an older value is there, are answered with that one meanwhile: 32 requests
        arriving as the front page expires cost one ranking, not 32. When full, the expired
        go first (many short-lived searches do not push out the rendered story pages), then
        the oldest."""
        hit = self._cache.get(key)
        if hit is not None and time.monotonic() < hit[0]:
            return hit[1]
        with self._making_lock:
            making = self._making.setdefault(key, threading.Lock())
        if hit is not None and not making.acquire(blocking=False):
            return hit[1]
        if hit is None:
            making.acquire()
        try:
            hit = self._cache.get(key)
            now = time.monotonic()
            if hit is not None and now < hit[0]:
                return hit[1]
            value = make()
            self._cache[key] = (now + ttl, value)
        finally:
            making.release()
            with self._making_lock:
                if self._making.get(key) is making:
                    del self._making[key]
        if len(self._cache) > 1000:
            items = list(self._cache.items())
            gone = [k for k, (until, _) in items if until <= now] or [k for k, _ in items[:200]]
            for old in gone:
                self._cache.pop(old, None)
        return value

    # ------------------------------------------------------------- lifecycle

    def start(self) -> None:
        self._stop.clear()
        t = threading.Thread(target=self._writer, name="storyweave-writer", daemon=True)
        t.start()
        self._threads.append(t)
        if self.reports:
            r = threading.Thread(target=self._reporter, name="storyweave-reports", daemon=True)
            r.start()
            self._threads.append(r)

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        self._writes.put(None)
        for t in self._threads:
            t.join(timeout=30)
        self._threads = []

    # ------------------------------------------------------------- writes

    def submit(self, job: Callable[[Store], Any]) -> Future:
        """Run ``job(store)`` on the writer thread; the future carries its result."""
        fut: Future = Future()
        if not self._threads:  # not started (a test without lifespan): run here
            try:
                fut.set_result(job(self.store()))
            except BaseException as err:  # noqa: BLE001 - handed to the caller
                fut.set_exception(err)
            return fut
        self._writes.put((job, fut))
        return fut

    def _writer(self) -> None:
        store = Store(self.db)
        try:
            while True:
                item = self._writes.get()
                if item is None:
                    return
                job, fut = item
                if not fut.set_running_or_notify_cancel():
                    continue
                try:
                    fut.set_result(job(store))
                except BaseException as err:  # noqa: BLE001 - handed to the caller
                    fut.set_exception(err)
                self.version += 1
        finally:
            store.close()

    def ingestor(self, store: Store) -> StreamIngestor:
        """The writer's ingestor; rebuilt from the store when another process (or anything
        else) wrote articles since this one last committed."""
        if self._ingestor is None or self._ingestor.store is not store \
                or store.last_seq() != self._ingestor_seq:
            self._ingestor = StreamIngestor(store)
        return self._ingestor

    def ingest(self, result: IngestResult, timeout: float = 600) -> list[Outcome]:
        """Ingest what a reader produced, through the writer; the rejected come back too."""
        def job(store: Store) -> list[Outcome]:
            ing = self.ingestor(store)
            outs = ing.reject(result.rejected)
            try:
                if result.articles:  # one transaction: a posted batch goes in whole or not
                    outs += ing.add_batch(arrival_order(result.articles))
                    ing.checkpoint()
            except BaseException:
                self._ingestor = None
                raise
            self._ingestor_seq = store.last_seq()
            return outs

        outs = self.submit(job).result(timeout=timeout)
        self.want([o.story for o in outs if o.status == "new" and o.story])
        return outs

    # ------------------------------------------------------------- reports

    def want(self, ids: list[str]) -> None:
        """Ask for these stories' reports to be brought up to date soon."""
        if not ids or not self.reports:
            return
        with self._wanted_lock:
            for i in ids:
                if i not in self._wanted:
                    self._wanted.append(i)
        self._wake.set()

    def _reporter(self) -> None:
        store = Store(self.db)
        last_front = 0.0
        try:
            while not self._stop.is_set():
                self._wake.wait(timeout=5.0)
                self._wake.clear()
                if self._stop.is_set():
                    return
                with self._wanted_lock:
                    ids, self._wanted = self._wanted, []
                if time.monotonic() - last_front > 30:
                    last_front = time.monotonic()
                    top = desk.ranked_stories(store)[: self.front_reports]
                    ids += [s["id"] for s in top if s["id"] not in ids]
                for sid in ids:
                    if self._stop.is_set():
                        return
                    try:
                        if self.pipeline is None:
                            from storyweave.pipeline import Pipeline

                            self.pipeline = Pipeline()
                        done = self.refresh(store, [sid], self.pipeline)
                        self.reports_done += done
                        self.version += done
                        self.report_errors.pop(sid, None)
                    except Exception as err:  # noqa: BLE001 - one story never stops the rest
                        self.report_errors[sid] = f"{type(err).__name__}: {err}"
                        log.warning("report of %s failed: %s", sid, err)
        finally:
            store.close()
