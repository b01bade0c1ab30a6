"""Stories per second over real Multi-News clusters, one engine after the other, same input.

Four runs of ``storyweave summarize --jsonl`` over the first ``--limit`` dev clusters (their
articles only), each a fresh process measured from the outside:

* sequential (``--workers 1``): the reference output;
* ``--workers 2``: the standard library's process pool;
* ``--engine ray --workers 2``: a local Ray started by the command (2 CPUs);
* ``--engine ray --address 127.0.0.1:PORT``: a real 2-node Ray cluster on loopback, started
  here with ``ray start --head --num-cpus 1`` and ``ray start --address ... --num-cpus 1``
  (both ``--block``, stopped by their process ids at the end; nothing else is touched).

For each: wall time, stories/s over the whole run and after the first story is written
(start-up excluded), time to the first story (start-up overhead), peak RSS per worker (sampled
from /proc), and whether the output is byte-identical to the sequential run.

    python benchmarks/scale.py [--limit 1000] [--skip-cluster] [--section NAME] [--no-write]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import contextlib

from benchmarks.common import SHARED, machine, stamp, write_section  # noqa: E402

DEV = SHARED / "data" / "multi-news" / "dev.jsonl"
WORKER_MARKS = ("multiprocessing.forkserver", "_RayMapper")
# Ray's own processes: daemons (GCS, raylet, agents, log monitor) and helper workers (idle
# prestarted workers, Ray Data's stats actor); not the map actors, which WORKER_MARKS find
RAY_MARKS = ("raylet", "gcs_server", "ray::", "ray/_private", "ray/dashboard", "ray/autoscaler",
             "default_worker.py")


def write_batch(path: Path, limit: int) -> tuple[int, int]:
    stories = articles = 0
    with DEV.open(encoding="utf-8") as src, path.open("w", encoding="utf-8") as out:
        for line in src:
            if stories >= limit:
                break
            rec = json.loads(line)
            out.write(json.dumps({"id": rec["id"], "articles": rec["articles"]}) + "\n")
            stories += 1
            articles += len(rec["articles"])
    return stories, articles


def _rss(entry: Path) -> float:
    for line in (entry / "status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


_TICK = os.sysconf("SC_CLK_TCK")


def _cpu(entry: Path) -> float:
    """User + system CPU seconds the process has used so far."""
    fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICK


def _workers() -> dict[int, tuple[float, float, str]]:
    """(RSS MiB, CPU s, kind) of every pool worker or Ray map actor (kind ``worker``) and every
    other Ray process (kind ``ray``) right now."""
    found: dict[int, tuple[float, float, str]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            if any(m in cmd for m in WORKER_MARKS):
                found[int(entry.name)] = (_rss(entry), _cpu(entry), "worker")
            elif any(m in cmd for m in RAY_MARKS):
                found[int(entry.name)] = (_rss(entry), _cpu(entry), "ray")
        except OSError:
            continue
    return found


def _written(out: Path) -> bool:
    """Whether the command has written a line: to ``out`` or to the temporary file beside it
    that the CLI renames to ``out`` only at the end (``cli.common.output_file``)."""
    for path in (out, *out.parent.glob(f".{out.name}.*.tmp")):
        with contextlib.suppress(OSError):
            if path.stat().st_size > 0:
                return True
    return False


def timed_run(cmd: list[str], out: Path, env: dict[str, str]) -> dict[str, float]:
    """Wall time, time to the first output line, peak RSS per worker process, and CPU: of the
    command and its workers, and of Ray's other processes during the run."""
    peak: dict[int, float] = {}
    cpu: dict[int, float] = {}  # last CPU seconds seen per worker (sampled, so a lower bound)
    ray_cpu: dict[int, float] = {}  # the same for Ray's own processes
    deadline = time.monotonic() + 30  # let a previous run's actors finish shutting down
    while any(k == "worker" for *_, k in _workers().values()) and time.monotonic() < deadline:
        time.sleep(0.5)
    before = _workers()  # any still there are not ours
    ray_before = {pid: used for pid, (_, used, kind) in before.items() if kind == "ray"}
    driver = [0.0, 0.0]
    first: list[float] = []
    stop = threading.Event()
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)

    def sample() -> None:
        while not stop.is_set():
            for pid, (rss, used, kind) in _workers().items():
                if kind == "worker":
                    if pid in before:
                        continue
                    peak[pid] = max(peak.get(pid, 0.0), rss)
                    cpu[pid] = used
                else:
                    ray_cpu[pid] = used
            with contextlib.suppress(OSError):
                driver[0] = max(driver[0], _rss(Path(f"/proc/{proc.pid}")))
                driver[1] = _cpu(Path(f"/proc/{proc.pid}"))
            if not first and _written(out):
                first.append(time.perf_counter() - t0)
            stop.wait(0.2)

    watcher = threading.Thread(target=sample, daemon=True)
    watcher.start()
    _, err = proc.communicate()
    wall = time.perf_counter() - t0
    stop.set()
    watcher.join()
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{err[-3000:]}")
    # workers big enough to hold a spaCy model (the forkserver itself and Ray's helpers are not)
    big = [pid for pid, r in peak.items() if r > 150]
    rss = [peak[pid] for pid in big]
    total = driver[1] + sum(cpu[pid] for pid in big)
    return {"wall": wall, "first": first[0] if first else wall,
            "worker_rss": max(rss) if rss else float("nan"), "workers_seen": len(rss),
            "driver_rss": driver[0], "cpu": total,
            "ray_cpu": sum(used - ray_before.get(pid, 0.0) for pid, used in ray_cpu.items())}


def _marginal(full: dict[str, float], short: dict[str, float], n_full: int,
              n_short: int) -> None:
    """CPU per story with start-up taken out: the same engine on the first ``n_short`` stories
    and on all ``n_full``; the difference in CPU over the difference in stories (start-up
    costs the same in both)."""
    full["cpu_story"] = (full["cpu"] - short["cpu"]) / (n_full - n_short)
    full["ray_story"] = (full["ray_cpu"] - short["ray_cpu"]) / (n_full - n_short)
    full["cpu_start"] = full["cpu"] - full["cpu_story"] * n_full
    full["ray_start"] = full["ray_cpu"] - full["ray_story"] * n_full


def _autogroup() -> str:
    try:
        return Path("/proc/sys/kernel/sched_autogroup_enabled").read_text().strip()
    except OSError:
        return "unknown"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_two_node_cluster(env: dict[str, str]) -> tuple[str, list[subprocess.Popen[str]]]:
    """Head (1 CPU) and a second node (1 CPU) on loopback, as real ``ray start`` processes."""
    ray = str(Path(sys.executable).with_name("ray"))
    port = free_port()
    address = f"127.0.0.1:{port}"
    common = ["--num-cpus", "1", "--node-ip-address", "127.0.0.1", "--block",
              "--disable-usage-stats", "--object-store-memory", str(500 * 2**20)]
    head = subprocess.Popen([ray, "start", "--head", "--port", str(port),
                             "--include-dashboard=false", *common], env=env, text=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    procs = [head]
    probe = ("import ray,sys,time;ray.init(address=sys.argv[1],logging_level='ERROR',"
             "log_to_driver=False);"
             "n=int(sys.argv[2]);t=time.time()\n"
             "while len([x for x in ray.nodes() if x['Alive']])<n and time.time()-t<120:"
             " time.sleep(0.5)\n"
             "print(len([x for x in ray.nodes() if x['Alive']]))")
    for want in (1, 2):
        if want == 2:
            procs.append(subprocess.Popen([ray, "start", "--address", address, *common],
                                          env=env, text=True, stdout=subprocess.DEVNULL,
                                          stderr=subprocess.DEVNULL, start_new_session=True))
        deadline = time.monotonic() + 90
        while True:
            got = subprocess.run([sys.executable, "-c", probe, address, str(want)], env=env,
                                 capture_output=True, text=True)
            if got.returncode == 0 and got.stdout.strip().isdigit() and \
                    int(got.stdout.strip()) >= want:
                break
            if time.monotonic() > deadline:
                stop_cluster(procs)
                raise SystemExit(f"the {want}-node Ray cluster did not come up: "
                                 f"{got.stderr[-1000:]}")
            time.sleep(1)
    return address, procs


def stop_cluster(procs: list[subprocess.Popen[str]]) -> None:
    """Stop the two ``ray start --block`` processes (and their session) we started."""
    for p in reversed(procs):
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGTERM)
    for p in reversed(procs):
        try:
            p.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--limit", type=int, default=1000, help="dev clusters (default 1000)")
    parser.add_argument("--skip-ray", action="store_true", help="no Ray runs at all")
    parser.add_argument("--skip-cluster", action="store_true", help="no 2-node Ray cluster")
    parser.add_argument("--section", default="scale-out",
                        help="section of docs/benchmarks.md to (re)write (default scale-out)")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    where = machine()
    # a throw-away cluster on this machine: no usage report, no token (Ray 2.60 asks for
    # one by default; a real cluster keeps its own setting)
    # workers at the pool's priority (Ray's default niceness is 15), as the README starts nodes
    env = {**os.environ, "RAY_USAGE_STATS_ENABLED": "0", "RAY_AUTH_MODE": "disabled",
           "PYTHONUNBUFFERED": "1", "RAY_worker_niceness": "0"}
    sw = [sys.executable, "-m", "storyweave", "summarize", "--no-progress", "--jsonl"]
    rows: list[tuple[str, dict[str, float], Path]] = []
    loads: list[float] = []
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        batch = tmp / "batch.jsonl"
        stories, articles = write_batch(batch, args.limit)
        head = tmp / "head.jsonl"
        head_n, _ = write_batch(head, max(1, args.limit // 10))
        runs: list[tuple[str, list[str]]] = [
            ("sequential (`--workers 1`)", ["--workers", "1"]),
            ("process pool (`--workers 2`)", ["--workers", "2"]),
        ]
        if not args.skip_ray:
            runs.append(("Ray local, 2 CPUs (`--engine ray --workers 2`)",
                         ["--engine", "ray", "--workers", "2"]))
        cluster: list[subprocess.Popen[str]] = []
        try:
            for n, (label, extra) in enumerate(runs):
                out = tmp / f"out{n}.jsonl"
                print(f"{label} ...", file=sys.stderr, flush=True)
                loads.append(os.getloadavg()[0])
                rows.append((label, timed_run([*sw, str(batch), "-o", str(out), *extra], out,
                                              env), out))
                short = timed_run([*sw, str(head), "-o", str(tmp / f"head{n}.jsonl"), *extra],
                                  tmp / f"head{n}.jsonl", env)
                _marginal(rows[-1][1], short, stories, head_n)
            if not args.skip_ray and not args.skip_cluster:
                print("2-node Ray cluster ...", file=sys.stderr, flush=True)
                t0 = time.perf_counter()
                address, cluster = start_two_node_cluster(env)
                cluster_start = time.perf_counter() - t0
                out = tmp / "out-cluster.jsonl"
                loads.append(os.getloadavg()[0])
                res = timed_run([*sw, str(batch), "-o", str(out), "--engine", "ray",
                                 "--address", address], out, env)
                short = timed_run([*sw, str(head), "-o", str(tmp / "head-cluster.jsonl"),
                                   "--engine", "ray", "--address", address],
                                  tmp / "head-cluster.jsonl", env)
                _marginal(res, short, stories, head_n)
                res["cluster_start"] = cluster_start
                rows.append(("Ray cluster, 2 nodes × 1 CPU on loopback (`--engine ray "
                             "--address 127.0.0.1:PORT`)", res, out))
        finally:
            stop_cluster(cluster)
        reference = rows[0][2].read_bytes()
        same = [out.read_bytes() == reference for _, _, out in rows]
        errors = sum(json.loads(line).get("error") is not None
                     for line in reference.decode().splitlines())
    seq = rows[0][1]
    lines = [
        "## Scale-out: many stories on all cores and on Ray"
        + ("" if args.section == "scale-out" else f" ({args.limit} clusters)"),
        "",
        f"`python benchmarks/scale.py --limit {args.limit}"
        f"{' --skip-cluster' if args.skip_cluster else ''}"
        f"{'' if args.section == 'scale-out' else ' --section ' + args.section}` · "
        f"{stamp()} · {where}",
        "",
        f"Input: the first {stories} Multi-News dev clusters ({articles} articles; "
        f"{errors} of them give an error line, the same in every run). Each row is one "
        "`storyweave summarize --jsonl` process, timed from the outside; load average "
        f"(1 min) when each run started: {', '.join(f'{x:.1f}' for x in loads)} — the 2 cores "
        "are shared with other work, so ratios measured in this same run are the figures "
        "to read.",
        "",
        "| engine | wall s | stories/s | speed-up | stories/s after the first | "
        "time to first story s | CPU s per story | CPU s per story, start-up out | "
        "start-up CPU s | Ray's own processes: CPU s at start-up + per story | "
        "peak RSS per worker MiB | command's RSS MiB | output identical |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for (label, res, _), ok in zip(rows, same, strict=True):
        rate = stories / res["wall"]
        steady = (stories - 1) / max(res["wall"] - res["first"], 1e-9)
        lines.append(
            f"| {label} | {res['wall']:.1f} | {rate:.2f} | "
            f"{seq['wall'] / res['wall']:.2f}× | {steady:.2f} | {res['first']:.1f} | "
            f"{res['cpu'] / stories:.3f} | {res['cpu_story']:.3f} | {res['cpu_start']:.1f} | "
            + (f"{res['ray_start']:.1f} + {res['ray_story']:.3f} | " if res["ray_cpu"] else
               "– | ")
            + f"{res['worker_rss']:.0f} ({res['workers_seen']:.0f} seen) | "
            f"{res['driver_rss']:.0f} | {'yes' if ok else '**NO**'} |")
    if any("cluster_start" in r for _, r, _ in rows):
        start = next(r["cluster_start"] for _, r, _ in rows if "cluster_start" in r)
        lines += ["", f"Starting the 2-node cluster itself (`ray start` ×2 until both nodes "
                  f"are alive) took {start:.1f} s, not counted above."]
    seq_cpu = seq["cpu"] / stories
    pool = rows[1][1]
    lines += ["", "CPU s per story: user + system time of the command and its workers (pool "
              "processes or Ray map actors; Ray's own processes not counted), read from /proc "
              "every 0.2 s, divided by the stories; start-up included. It hardly depends on the "
              "load: "
              + "; ".join(f"{label.split(' (')[0]} {res['cpu'] / stories / seq_cpu:.2f}× "
                          "the sequential run's" for label, res, _ in rows[1:])
              + ". On 2 otherwise idle cores the 2-worker engines could at best reach "
              + ", ".join(f"{2 * seq_cpu / (res['cpu'] / stories):.2f}×"
                          for _, res, _ in rows[1:])
              + " over this whole run (computed from these CPU times, not measured)."]
    lines += ["", f"Start-up taken out: each engine also ran on the first {head_n} stories; CPU "
              f"per story = (CPU({stories}) − CPU({head_n})) / {stories - head_n}, start-up CPU "
              "= the rest (imports, starting or joining Ray, every worker loading the model). "
              "Per story: "
              + "; ".join(f"{label.split(' (')[0]} {res['cpu_story'] / seq['cpu_story']:.2f}× "
                          "the sequential run's"
                          + ("" if res is pool else
                             f", {res['cpu_story'] / pool['cpu_story']:.2f}× the pool's")
                          for label, res, _ in rows[1:])
              + "."]
    if rows[2:]:
        lines[-1] += (" Ray's own processes (GCS, raylet, dashboard and runtime-env agents, log "
                      "monitor, Ray Data's helper actors; not the map actors, and counted only "
                      "in their column) used "
                      + ", ".join(f"{res['ray_cpu']:.1f} s" for _, res, _ in rows[2:])
                      + " of CPU during the Ray runs.")
    lines += ["", "Why the wall-clock ratios of a loaded machine mislead: Linux schedules by "
              "*autogroup* (one share per session, `/proc/sys/kernel/sched_autogroup_enabled` "
              f"= {_autogroup()}). The pool's workers live in the command's session and split "
              "its one share; Ray's daemons and actors run in sessions of their own and get "
              "shares of their own. Under load the Ray rows therefore get more of the machine, "
              "whatever the engines cost; on idle cores it should not matter (not measured "
              "here). The CPU "
              "column is the comparison between engines."]
    lines += ["", "RSS is sampled every 0.2 s from /proc: workers are the pool's processes "
              "and Ray's map actors (over 150 MiB, i.e. holding the model); the sequential "
              "run has none, its model lives in the command's own process."]
    print("\n".join(lines))
    if not args.no_write:
        write_section(args.section, "\n".join(lines))


if __name__ == "__main__":
    main()
