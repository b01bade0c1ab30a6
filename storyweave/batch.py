"""Many stories at once: one ordered parallel map, on all local cores or on a Ray cluster.

``summarize --jsonl``, ``eval`` and ``refresh`` all push a long list of independent stories
through the same per-story work. :func:`parallel_map` runs that work

* in this process (``workers=1``): no start-up cost, the reference output;
* in a pool of local processes (``engine="process"``, the default, all cores): the standard
  library's :mod:`concurrent.futures`, nothing to install or start;
* on Ray (``engine="ray"``): a Ray Data pipeline whose ``map_batches`` runs on a pool of actors,
  on a local Ray or on an existing cluster (``address``).

Every engine builds the per-story worker once per process or actor (``make_worker()``: loading
spaCy costs seconds, a story a fraction of one) and hands results back **in input order**, so
the output of every engine is the same, byte for byte, as the sequential one. Inputs and
results travel pickled, so any picklable item works and Arrow never sees (or retypes) a report.

:func:`map_stories` is the story-report map on top of it: one JSON report dict per input story,
or that story's error record; a story that fails never stops the run.
"""

from __future__ import annotations

import contextlib
import gc
import os
import pickle
import signal
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sized
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any

from storyweave.analyze import blas_threads
from storyweave.errors import StoryweaveError
from storyweave.model import SCHEMA
from storyweave.runtime import steady_allocator

ENGINES = ("process", "ray")
RAY_INSTALL = "the ray engine needs Ray: pip install -e '.[ray]' (or pip install 'ray[data]')"

Worker = Callable[[Any], Any]
WorkerFactory = Callable[[], Worker]


def default_workers() -> int:
    """All cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


# ----------------------------------------------------------------- the generic map


def parallel_map(
    make_worker: WorkerFactory,
    items: Iterable[Any],
    *,
    workers: int | None = None,
    engine: str = "process",
    address: str | None = None,
    chunksize: int = 1,
) -> Iterator[Any]:
    """``make_worker()(item)`` for every item, in input order, on the chosen engine.

    ``make_worker`` must be picklable (a module-level function or class, or a
    :func:`functools.partial` of one) for the parallel engines; it is called once per worker.
    """
    if engine not in ENGINES:
        raise StoryweaveError(f"unknown engine {engine!r}; known: {', '.join(ENGINES)}")
    if workers is not None and workers < 1:
        raise StoryweaveError("workers must be at least 1")
    if address and engine != "ray":
        raise StoryweaveError("an address is for the ray engine (--engine ray --address ADDR)")
    if engine == "ray":
        _import_ray()  # a missing extra is reported before any output is opened
        return _ray_map(make_worker, items, workers=workers, address=address,
                        chunksize=chunksize)
    n = workers or default_workers()
    if isinstance(items, Sized):  # no idle processes to start for a short input
        n = min(n, max(1, len(items)))
    if n == 1:
        return _sequential_map(make_worker, items)
    return _process_map(make_worker, items, workers=n, chunksize=chunksize)


def _sequential_map(make_worker: WorkerFactory, items: Iterable[Any]) -> Iterator[Any]:
    """One worker is one core here too: BLAS threads are limited to one while the map runs
    (and restored after), so ``--workers 1`` measures and behaves like one pool worker; the
    heap is settled after the first item as in a pool worker, and unsettled at the end."""
    work = make_worker()
    settled = False
    try:
        with blas_threads(1):
            for n, item in enumerate(items):
                yield work(item)
                if n == 0:
                    settled = _settle_heap()
    finally:
        if settled:
            gc.unfreeze()


def _settle_heap() -> bool:
    """Everything alive after the first item (the model, the vocabulary, the libraries the
    first story imported: some 220,000 objects) moves out of the cyclic garbage collector's
    sight with :func:`gc.freeze`. Otherwise every full collection, about every 20 stories of
    the example, walks them all again: 0.12 s each, 6 ms per story (40 stories in one
    process: 235 ms of full collections, 1.4 ms settled). Reference counting still frees
    whatever dies; only a cycle that is garbage at this moment stays until unfrozen. Not done
    when someone else froze objects in this process (their freeze is theirs to undo). True
    when frozen here."""
    if gc.get_freeze_count():
        return False
    gc.freeze()
    return True


# -- process pool

_WORK: Worker | None = None


def _init_process(make_worker: WorkerFactory, lifeline: Any) -> None:
    """Pool initializer: the worker is built once per process. Ctrl-C goes to the parent only,
    which stops the pool itself (no tracebacks from every child); if the parent dies without
    stopping it (kill -9), the lifeline pipe breaks and the worker exits instead of waiting
    forever on the pool's queue (whose writing end every worker holds)."""
    global _WORK
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def watch() -> None:
        with contextlib.suppress(EOFError, OSError):
            lifeline.recv()
        os._exit(1)

    threading.Thread(target=watch, name="storyweave-lifeline", daemon=True).start()
    _one_blas_thread()
    steady_allocator()
    _WORK = make_worker()


def _one_blas_thread() -> None:
    """Each worker is one core's worth of work: NumPy's BLAS threads on top (OpenBLAS spins
    while it waits) would only fight the other workers for the same cores. Ray does the same
    for its actors (``OMP_NUM_THREADS=1``). The results do not depend on it (tested)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # scikit-learn's dependency; without it, BLAS keeps its default
        return
    import numpy  # noqa: F401 - threadpoolctl limits only the BLAS libraries already loaded

    threadpool_limits(1)


_SETTLED = False


def _run_chunk(chunk: list[Any]) -> list[Any]:
    global _SETTLED
    assert _WORK is not None, "pool initializer did not run"
    out = [_WORK(item) for item in chunk]
    if not _SETTLED:  # a worker process is ours for its whole life: settled once, for good
        _SETTLED = _settle_heap() or True
    return out


def _chunks(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


def _pool_context() -> Any:
    """``forkserver`` where it exists: children start from a clean, single-threaded server
    (forking a parent that runs threads, such as tqdm's monitor, can deadlock) yet do not
    re-import storyweave each (the server preloads it)."""
    import multiprocessing as mp

    if "forkserver" in mp.get_all_start_methods():
        ctx = mp.get_context("forkserver")
        ctx.set_forkserver_preload(["storyweave.batch", "storyweave.pipeline"])
        return ctx
    return mp.get_context("spawn")


def _process_map(make_worker: WorkerFactory, items: Iterable[Any], *, workers: int,
                 chunksize: int) -> Iterator[Any]:
    """A bounded window of chunks in flight (memory stays flat on a 56k-story input), results
    taken in submission order."""
    ctx = _pool_context()
    lifeline_r, lifeline_w = ctx.Pipe(duplex=False)  # the writing end lives only here
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx,
                               initializer=_init_process, initargs=(make_worker, lifeline_r))
    window: deque[Future[list[Any]]] = deque()
    ahead = 4 * workers
    finished = False
    try:
        for chunk in _chunks(items, chunksize):
            window.append(pool.submit(_run_chunk, chunk))
            if len(window) >= ahead:
                yield from window.popleft().result()
        while window:
            yield from window.popleft().result()
        finished = True
    finally:
        # on Ctrl-C, an error or an abandoned generator: drop queued work, stop the children
        for future in window:
            future.cancel()
        if not finished:
            for proc in list(getattr(pool, "_processes", {}).values()):
                proc.terminate()
        pool.shutdown(wait=True, cancel_futures=True)
        lifeline_w.close()
        lifeline_r.close()


# -- Ray

_RAY_BLOCK = 16  # stories per Ray Data block
# stories per Ray Data pipeline: the input is read lazily, one window at a time, so the
# driver and the object store hold a window of stories, never the whole file (each window
# starts its actor pool again: at 4,096 stories that is a few seconds in several minutes)
_RAY_WINDOW = 4096


class _RayMapper:
    """Ray Data actor: holds one worker (one ``Pipeline``) for the actor's life."""

    def __init__(self, make_worker: WorkerFactory) -> None:
        _one_blas_thread()  # Ray sets OMP_NUM_THREADS=1 for an actor; the same, explicitly
        steady_allocator()
        self.work = make_worker()
        self.settled = False

    def __call__(self, batch: dict[str, Any]) -> dict[str, Any]:
        results = [pickle.dumps(self.work(pickle.loads(blob)), protocol=5)
                   for blob in batch["item"]]
        if not self.settled:  # the actor's process is Ray's worker, ours while it lives
            self.settled = _settle_heap() or True
        return {"seq": batch["seq"], "result": results}


def _import_ray() -> Any:
    try:
        import ray
        import ray.data  # noqa: F401 - the Data library is a separate extra of ray
    except ImportError:
        raise StoryweaveError(RAY_INSTALL) from None
    return ray


def _ray_map(make_worker: WorkerFactory, items: Iterable[Any], *, workers: int | None,
             address: str | None, chunksize: int, window: int = _RAY_WINDOW) -> Iterator[Any]:
    import logging

    ray = _import_ray()
    from ray.data import ActorPoolStrategy

    logging.getLogger("ray.data").setLevel(logging.ERROR)  # one line per dataset otherwise
    started = False
    if not ray.is_initialized():
        os.environ.setdefault("RAY_BACKEND_LOG_LEVEL", "fatal")
        # Ray starts its workers at niceness 15, below every other process: on a machine
        # shared with anything else the map actors, which are the whole job, then lose
        # their cores (the process pool's workers run at 0). A user's setting still wins.
        os.environ.setdefault("RAY_worker_niceness", "0")
        kwargs: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False,
                                  "logging_level": "ERROR"}
        if address:
            kwargs["address"] = address
        else:  # a new local Ray, never one a previous ``ray start`` left in /tmp/ray
            kwargs["address"] = "local"
            if workers:
                kwargs["num_cpus"] = workers
        try:
            ray.init(**kwargs)
        except (ConnectionError, RuntimeError, ValueError) as err:
            where = f"at {address}" if address else "locally"
            hint = ("; a cluster with token authentication (the default of 'ray start' in "
                    "Ray 2.60) needs RAY_AUTH_MODE=token and its token (~/.ray/auth_token or "
                    "RAY_AUTH_TOKEN)"
                    if address and not os.environ.get("RAY_AUTH_MODE") else "")
            raise StoryweaveError(f"cannot start or reach Ray {where}: "
                                  f"{str(err).splitlines()[0]}{hint}") from None
        started = True
    try:
        size = workers or max(1, int(ray.cluster_resources().get("CPU", 1)))
        ctx = ray.data.DataContext.get_current()
        ctx.execution_options.preserve_order = True  # results in input order
        ctx.enable_progress_bars = False
        expected = 0
        for part in _chunks(enumerate(items), max(1, window)):
            rows = [{"seq": i, "item": pickle.dumps(item, protocol=5)} for i, item in part]
            # small blocks: results stream back a few stories at a time, not a quarter at once
            blocks = max(1, min(len(rows), max(4 * size, -(-len(rows) // _RAY_BLOCK))))
            ds = ray.data.from_items(rows, override_num_blocks=blocks)
            del rows
            ds = ds.map_batches(_RayMapper, fn_constructor_args=(make_worker,),
                                compute=ActorPoolStrategy(size=size),
                                batch_size=max(chunksize, _RAY_BLOCK),  # one call per block
                                num_cpus=1, batch_format="numpy")
            for row in ds.iter_rows():
                if int(row["seq"]) != expected:  # preserve_order guarantees it; check anyway
                    raise RuntimeError(f"ray returned story {row['seq']} before {expected}")
                expected += 1
                yield pickle.loads(row["result"])
    finally:
        if started:
            ray.shutdown()


# ----------------------------------------------------------------- stories


def story_inputs(path: str | Path) -> Iterator[tuple[str, dict[str, Any] | str]]:
    """``(origin, story record or error message)`` for every line of a batch file."""
    from storyweave.ingest.files import iter_jsonl

    path = Path(path)
    if not path.is_file():
        raise StoryweaveError(f"{path}: no such file")
    try:
        lines = iter_jsonl(path)
        for origin, obj in lines:
            if isinstance(obj, ValueError):
                yield origin, str(obj)
            elif not isinstance(obj, dict) or not isinstance(obj.get("articles"), list):
                yield origin, "line is not a story object with an 'articles' list"
            else:
                yield origin, obj
    except ValueError as err:  # unreadable file (encoding, size): the whole input fails
        raise StoryweaveError(f"{path}: {err}") from None


def error_record(origin: str, message: str, story_id: Any = None) -> dict[str, Any]:
    return {"schema": SCHEMA, "id": story_id, "origin": origin, "error": message}


def _default_pipeline() -> Any:
    from storyweave.pipeline import Pipeline

    return Pipeline()


@dataclass(frozen=True)
class StoryWorker:
    """Picklable recipe for the per-story work: builds its ``Pipeline`` once, in the worker."""

    words: int = 150
    pipeline_factory: Callable[[], Any] = _default_pipeline

    def __call__(self) -> Callable[[tuple[str, dict[str, Any] | str]], dict[str, Any]]:
        pipeline = self.pipeline_factory()
        pipeline.nlp  # load the model now, not inside the first story  # noqa: B018
        words = self.words

        def work(entry: tuple[str, dict[str, Any] | str]) -> dict[str, Any]:
            return summarize_record(pipeline, entry, words)

        return work


def summarize_record(pipeline: Any, entry: tuple[str, dict[str, Any] | str],
                     words: int = 150) -> dict[str, Any]:
    """One story's JSON report, or its error record: a failure never escapes."""
    from storyweave.ingest import records_to_articles
    from storyweave.report.json import story_to_dict

    origin, item = entry
    if isinstance(item, str):
        return error_record(origin, item)
    story_id = item.get("id")
    ingested = records_to_articles(
        [(f"{origin} article {n}", a) for n, a in enumerate(item["articles"], 1)],
        stem=str(story_id or origin),
    )
    try:
        story = pipeline.run(ingested.articles, words=words, rejected=ingested.rejected,
                             story_id=str(story_id) if story_id else None)
        return story_to_dict(story)
    except StoryweaveError as err:
        return error_record(origin, str(err), story_id)
    except Exception as err:  # noqa: BLE001 - one broken story must not end a 56k-story run
        return error_record(origin, f"internal error: {type(err).__name__}: {err}", story_id)


def map_stories(
    records: Iterable[tuple[str, dict[str, Any] | str]],
    *,
    words: int = 150,
    workers: int | None = None,
    engine: str = "process",
    address: str | None = None,
    pipeline_factory: Callable[[], Any] = _default_pipeline,
    chunksize: int = 1,
) -> Iterator[dict[str, Any]]:
    """Each story's JSON report dict (or error record), in input order.

    ``records`` are ``(origin, story record)`` pairs as :func:`story_inputs` yields them (a
    string in place of the record is an input error, passed through as the error line).
    ``pipeline_factory`` must be picklable for the parallel engines.
    """
    return parallel_map(StoryWorker(words, pipeline_factory), records, workers=workers,
                        engine=engine, address=address, chunksize=chunksize)


def to_line(record: dict[str, Any]) -> str:
    """The JSONL line of one report: every engine's output goes through here."""
    import json

    return json.dumps(record, ensure_ascii=False) + "\n"


__all__ = ["ENGINES", "RAY_INSTALL", "StoryWorker", "default_workers", "error_record",
           "map_stories", "parallel_map", "story_inputs", "summarize_record", "to_line"]
