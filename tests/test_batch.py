"""The parallel map over stories: every engine writes the sequential run's output, byte for
byte, on real Multi-News clusters with broken lines in the middle; interrupted runs leave only
whole lines; ``eval`` and ``refresh`` give the same results on many cores as on one."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from shared_data import DEV, dev_clusters

from storyweave.batch import map_stories, parallel_map, story_inputs, to_line
from storyweave.cli import main

BAD_LINES = ['{"id": "empty", "articles": [{"text": ""}]}', "{not json", '["a", "list"]']


def write_slice(path: Path, n: int, bad_after: int | None = 3) -> Path:
    """The first ``n`` dev clusters as a batch file (no summaries), with broken lines in the
    middle; the articles are read from ../shared, never copied into the project."""
    lines: list[str] = []
    for i, rec in enumerate(dev_clusters(n)):
        lines.append(json.dumps({"id": rec["id"], "articles": rec["articles"]}))
        if bad_after is not None and i + 1 == bad_after:
            lines += BAD_LINES
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def batch(tmp_path_factory) -> Path:
    return write_slice(tmp_path_factory.mktemp("batch") / "mn.jsonl", 6)


@pytest.fixture(scope="module")
def sequential(batch) -> str:
    """The reference: one process, one story after the other."""
    return "".join(to_line(r) for r in map_stories(list(story_inputs(batch)), workers=1))


def test_sequential_reference_has_error_lines_in_place(sequential) -> None:
    records = [json.loads(line) for line in sequential.splitlines()]
    assert len(records) == 6 + len(BAD_LINES)
    errors = [i for i, r in enumerate(records) if "error" in r]
    assert errors == [3, 4, 5]  # right after the third story, in input order
    assert records[3]["id"] == "empty" and "no usable articles" in records[3]["error"]
    assert "malformed JSON" in records[4]["error"]
    assert "not a story object" in records[5]["error"]
    good = [r for r in records if "error" not in r]
    assert all(r["summary"] and r["facts"] for r in good)


def test_cli_two_workers_is_byte_identical(batch, sequential, tmp_path, capsys) -> None:
    out = tmp_path / "w2.jsonl"
    assert main(["summarize", "--jsonl", str(batch), "--workers", "2", "-o", str(out),
                 "--no-progress"]) == 0
    assert out.read_text(encoding="utf-8") == sequential
    err = capsys.readouterr().err
    assert err.count("storyweave: ") == len(BAD_LINES)  # one warning per broken line


def test_process_map_keeps_order_with_uneven_work() -> None:
    """Later items finish first (they sleep less); results still come in input order."""
    items = [0.2, 0.0, 0.1, 0.0, 0.15, 0.0, 0.05]
    got = list(parallel_map(_sleeper, items, workers=2, chunksize=1))
    assert got == [f"slept {s}" for s in items]


def _sleeper():  # module level: picklable
    def work(seconds: float) -> str:
        time.sleep(seconds)
        return f"slept {seconds}"
    return work


def _freeze_counter():  # module level: picklable
    import gc

    def work(item: int) -> tuple[int, int]:
        return item, gc.get_freeze_count()
    return work


def test_sequential_map_settles_the_heap_after_the_first_item_and_restores_it() -> None:
    """After the first story the objects alive are frozen out of the cyclic collector's
    walks; when the map ends they are unfrozen, and a freeze the caller made is left alone."""
    import gc

    assert gc.get_freeze_count() == 0
    got = list(parallel_map(_freeze_counter, range(4), workers=1))
    assert got[0][1] == 0 and all(frozen > 0 for _, frozen in got[1:])
    assert gc.get_freeze_count() == 0
    abandoned = parallel_map(_freeze_counter, range(4), workers=1)
    next(abandoned), next(abandoned)
    assert gc.get_freeze_count() > 0
    abandoned.close()  # a consumer that stops early (Ctrl-C, an error) unfreezes too
    assert gc.get_freeze_count() == 0
    gc.freeze()  # someone else's freeze
    try:
        theirs = gc.get_freeze_count()  # frozen objects may die meanwhile, none are added
        assert all(0 < f <= theirs for _, f in parallel_map(_freeze_counter, range(3),
                                                             workers=1))
        assert 0 < gc.get_freeze_count() <= theirs
    finally:
        gc.unfreeze()


def test_ray_engine_without_ray_says_how_to_install(batch, tmp_path, capsys,
                                                    monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray -> ImportError
    out = tmp_path / "never.jsonl"
    assert main(["summarize", "--jsonl", str(batch), "--engine", "ray", "-o", str(out)]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "pip install -e '.[ray]'" in err
    assert not out.exists()  # nothing opened before the engine was known to work


def test_address_without_ray_engine_is_one_line(batch, capsys) -> None:
    assert main(["summarize", "--jsonl", str(batch), "--address", "127.0.0.1:1"]) == 1
    assert "--engine ray" in capsys.readouterr().err


@pytest.mark.slow
def test_interrupted_parallel_run_leaves_no_half_output(tmp_path) -> None:
    """Ctrl-C (SIGINT) and kill -9 in the middle of a --workers 2 run: the output is written
    to a temporary file beside it, whole lines at a time, and takes the output's name only
    when the run completes, so an interrupted run leaves the earlier output (here: none),
    never part of one. Ctrl-C exits 130, stops the workers and removes the temporary file."""
    big = write_slice(tmp_path / "big.jsonl", 40, bad_after=None)
    for sig in (signal.SIGINT, signal.SIGKILL):
        out = tmp_path / f"out-{sig.name}.jsonl"
        proc = subprocess.Popen(
            [sys.executable, "-m", "storyweave", "summarize", "--jsonl", str(big),
             "--workers", "2", "-o", str(out), "--no-progress"],
            stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 120
        partial: list[Path] = []
        while time.monotonic() < deadline and proc.poll() is None:
            partial = list(tmp_path.glob(f".{out.name}.*.tmp"))
            if partial and partial[0].read_text(encoding="utf-8").count("\n") >= 3:
                break
            time.sleep(0.05)
        assert proc.poll() is None, "the run ended before it could be interrupted"
        lines = partial[0].read_text(encoding="utf-8").splitlines()
        assert all("summary" in json.loads(line) for line in lines[:3])  # whole reports
        proc.send_signal(sig)
        try:
            _, err = proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
        assert not out.exists()
        if sig == signal.SIGINT:
            assert proc.returncode == 130 and "Traceback" not in err
            assert not list(tmp_path.glob(f".{out.name}.*.tmp"))


def test_eval_on_two_workers_scores_the_same(tmp_path) -> None:
    from storyweave.evaluate.data import load_clusters
    from storyweave.evaluate.harness import evaluate

    if not DEV.is_file():
        pytest.skip("../shared/data/multi-news/dev.jsonl is not beside the project")
    clusters = load_clusters(DEV, split="all", limit=4)
    systems = ["storyweave", "lead", "textrank"]
    one = evaluate(clusters, systems, words=100, resamples=50, workers=1, keep_outputs=True)
    two = evaluate(clusters, systems, words=100, resamples=50, workers=2, keep_outputs=True)

    def scores(result):
        return [(c["id"], {name: (s["rouge"], s["selected"], s["text"])
                           for name, s in c["systems"].items()}) for c in result.clusters]

    assert scores(two) == scores(one)
    assert [c["id"] for c in one.clusters] == [c.id for c in clusters]


def test_refresh_on_two_workers_stores_the_sequential_reports(tmp_path, capsys) -> None:
    from storyweave.store import Store

    if not DEV.is_file():
        pytest.skip("../shared/data/multi-news/dev.jsonl is not beside the project")
    articles = tmp_path / "articles.jsonl"
    with DEV.open(encoding="utf-8") as fh, articles.open("w", encoding="utf-8") as out:
        for day, line in enumerate(fh):
            if day >= 3:
                break
            for a in json.loads(line)["articles"]:
                out.write(json.dumps({"id": a["id"], "text": a["text"],
                                      "published": f"2024-03-0{day + 1}T12:00:00Z"}) + "\n")
    one, two = tmp_path / "one.db", tmp_path / "two.db"
    assert main(["ingest", str(articles), "--db", str(one)]) == 0
    two.write_bytes(one.read_bytes())
    capsys.readouterr()
    assert main(["refresh", "--db", str(one), "--workers", "1", "--no-progress"]) == 0
    first = capsys.readouterr().out
    assert main(["refresh", "--db", str(two), "--workers", "2", "--no-progress"]) == 0
    assert capsys.readouterr().out.split(",")[0] == first.split(",")[0]
    n = int(first.split()[0])
    assert n >= 1

    def reports(db: Path) -> dict[str, str]:
        with Store(db) as store:
            rows = store.conn.execute("SELECT story_id, report FROM reports").fetchall()
            assert store.conn.execute("SELECT COUNT(*) FROM stories WHERE stale = 1"
                                      ).fetchone()[0] == 0
        return {r[0]: r[1] for r in rows}

    assert reports(two) == reports(one) and len(reports(one)) == n
    # ingest --refresh: the same reports, computed right after the articles are stored
    three = tmp_path / "three.db"
    assert main(["ingest", str(articles), "--db", str(three), "--refresh", "--workers", "2",
                 "--no-progress"]) == 0
    assert capsys.readouterr().out.splitlines()[-1].startswith(f"{n} reports recomputed")
    assert reports(three) == reports(one)
    # nothing is stale any more: a second refresh recomputes nothing, --all everything
    assert main(["refresh", "--db", str(two), "--workers", "2", "--no-progress"]) == 0
    assert capsys.readouterr().out.startswith("0 reports recomputed")
    assert main(["refresh", "--db", str(two), "--all", "--workers", "1",
                 "--no-progress"]) == 0
    assert capsys.readouterr().out.startswith(f"{n} reports recomputed")


@pytest.mark.slow
def test_ray_engine_is_byte_identical(batch, sequential, tmp_path) -> None:
    """A local Ray (2 CPUs, no dashboard) through the CLI: same lines as the sequential run."""
    pytest.importorskip("ray.data")
    out = tmp_path / "ray.jsonl"
    env = {**os.environ, "RAY_USAGE_STATS_ENABLED": "0"}
    proc = subprocess.run(
        [sys.executable, "-m", "storyweave", "summarize", "--jsonl", str(batch), "--engine",
         "ray", "--workers", "2", "-o", str(out), "--no-progress"],
        capture_output=True, text=True, env=env, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert out.read_text(encoding="utf-8") == sequential


@pytest.mark.slow
def test_ray_reads_its_input_one_window_at_a_time() -> None:
    """The Ray map takes ``window`` stories from the input before it runs them and the next
    window only after their results are out, so a 56k-story file is never held whole; order
    and error lines run on across windows. The items are error entries: the worker passes
    them through as their error lines, so no story needs parsing."""
    pytest.importorskip("ray.data")
    from storyweave.batch import StoryWorker, _ray_map

    taken: list[int] = []

    def entries():
        for n in range(12):
            taken.append(n)
            yield f"line {n + 1}", f"problem {n + 1}"

    got = []
    for record in _ray_map(StoryWorker(), entries(), workers=2, address=None, chunksize=1,
                           window=5):
        got.append(record)
        assert len(taken) <= 5 * (1 + (len(got) - 1) // 5)  # at most the current window read
    assert [r["origin"] for r in got] == [f"line {n}" for n in range(1, 13)]
    assert [r["error"] for r in got] == [f"problem {n}" for n in range(1, 13)]

