"""Speed and memory of the main job on the example, end to end.

* cold: a fresh process runs ``storyweave summarize <example>`` (imports, model load, report);
* warm: per story in batch mode (``summarize --jsonl`` over N copies of the example story, the
  model loaded once), and the same inside one Python process, per stage;
* peak memory of the cold process;
* in the same run, spaCy alone parsing the same five cleaned texts: the floor any
  spaCy-based pipeline pays, so the ratio says what storyweave adds on top.

    python benchmarks/example_speed.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import EXAMPLE, machine, stamp, write_section  # noqa: E402


def cold_runs(repeat: int) -> tuple[list[float], float]:
    times: list[float] = []
    peak = 0.0
    for _ in range(repeat):
        t0 = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-c",
             "import resource,sys;from storyweave.cli import main;rc=main(sys.argv[1:]);"
             "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,file=sys.stderr);"
             "sys.exit(rc)",
             "summarize", str(EXAMPLE), "-o", "/dev/null"],
            capture_output=True, text=True, check=True)
        times.append(time.perf_counter() - t0)
        peak = max(peak, int(proc.stderr.strip().splitlines()[-1]) / 1024)
    return times, peak


def batch_run(copies: int) -> tuple[float, float]:
    """Wall time of one batch process over ``copies`` stories, and of one over a single story."""
    from storyweave.ingest import read_paths

    articles = [{"text": a.body, "title": a.title, "source": a.source, "id": a.id}
                for a in read_paths([EXAMPLE]).articles]
    walls = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in (1, copies):
            path = Path(tmp) / f"batch{n}.jsonl"
            path.write_text("\n".join(json.dumps({"id": f"s{i}", "articles": articles})
                                      for i in range(n)))
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-m", "storyweave", "summarize", "--jsonl",
                            str(path), "-o", "/dev/null", "--no-progress", "--workers", "1"],
                           check=True)
            walls.append(time.perf_counter() - t0)
    return walls[0], walls[1]


def warm_stages(repeat: int) -> dict[str, float]:
    from storyweave.align import FactAligner
    from storyweave.analyze import analyze, load_nlp
    from storyweave.clean import Cleaner
    from storyweave.ingest import read_paths
    from storyweave.pipeline import Pipeline
    from storyweave.summarizers import SupportSummarizer

    nlp = load_nlp()
    articles = read_paths([EXAMPLE]).articles
    pipeline = Pipeline()
    pipeline.run(articles)  # warm-up
    timings: dict[str, list[float]] = {k: [] for k in
                                       ("clean", "analyze", "align", "summarize", "total",
                                        "spacy-only")}
    cleaner, aligner, summarizer = Cleaner(), FactAligner(), SupportSummarizer()
    for _ in range(repeat):
        t0 = time.perf_counter()
        cleaned = [cleaner(a) for a in articles]
        t1 = time.perf_counter()
        analyzed = analyze(cleaned, nlp)
        t2 = time.perf_counter()
        alignment = aligner(analyzed)
        t3 = time.perf_counter()
        summarizer.summarize(alignment, 150)
        t4 = time.perf_counter()
        pipeline.run(articles)
        t5 = time.perf_counter()
        list(nlp.pipe(c.body for c in cleaned))
        t6 = time.perf_counter()
        for key, dt in zip(timings, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4, t6 - t5),
                           strict=True):
            timings[key].append(dt)
    return {k: statistics.median(v) for k, v in timings.items()}


def spacy_components(repeat: int) -> tuple[dict[str, float], float]:
    """CPU time per story of each spaCy component on the example's cleaned texts (median), and
    of ``Pipeline.run`` as a whole, with ``time.process_time`` so the machine's load does not
    count: which part of the parse is worth cutting, and which later stage reads it."""
    from storyweave.clean import Cleaner
    from storyweave.ingest import read_paths
    from storyweave.pipeline import Pipeline

    pipeline = Pipeline()
    nlp = pipeline.nlp
    articles = read_paths([EXAMPLE]).articles
    texts = [Cleaner()(a).body for a in articles]
    pipeline.run(articles)
    per: dict[str, list[float]] = {"tokenizer": [], **{name: [] for name in nlp.pipe_names},
                                   "run": []}
    for _ in range(repeat):
        t = time.process_time()
        docs = [nlp.make_doc(x) for x in texts]
        per["tokenizer"].append(time.process_time() - t)
        for name, proc in nlp.pipeline:
            t = time.process_time()
            docs = list(proc.pipe(docs)) if hasattr(proc, "pipe") else [proc(d) for d in docs]
            per[name].append(time.process_time() - t)
        t = time.process_time()
        pipeline.run(articles)
        per["run"].append(time.process_time() - t)
    med = {k: statistics.median(v) for k, v in per.items()}
    return {k: v for k, v in med.items() if k != "run"}, med["run"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--copies", type=int, default=20)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()

    cold, peak = cold_runs(args.repeat)
    one, many = batch_run(args.copies)
    per_story_batch = (many - one) / (args.copies - 1)
    stages = warm_stages(args.repeat)
    lines = [
        "## The example, end to end",
        "",
        f"`python benchmarks/example_speed.py --repeat {args.repeat} --copies {args.copies}` · "
        f"{stamp()} · {machine()}",
        "",
        "| measure | value | target |",
        "|---|---|---|",
        f"| cold: process start to report, `storyweave summarize` on the example "
        f"(median of {args.repeat}) | {statistics.median(cold):.2f} s "
        f"(min {min(cold):.2f}, max {max(cold):.2f}) | ≤ 10 s |",
        f"| warm, batch mode: per 5-article story, (t({args.copies} stories) − t(1 story)) / "
        f"{args.copies - 1} | {per_story_batch:.3f} s | ≤ 1 s |",
        f"| warm, in process: `Pipeline.run` per story (median) | {stages['total']:.3f} s | |",
        f"| peak memory (max RSS) of the cold process | {peak:.0f} MiB | |",
        "",
        "Warm time by stage (median per story, same process):",
        "",
        "| clean | analyze (spaCy) | align | summarize | spaCy alone on the same texts |",
        "|---|---|---|---|---|",
        f"| {stages['clean'] * 1000:.1f} ms | {stages['analyze'] * 1000:.0f} ms | "
        f"{stages['align'] * 1000:.1f} ms | {stages['summarize'] * 1000:.1f} ms | "
        f"{stages['spacy-only'] * 1000:.0f} ms |",
        "",
        f"Whole pipeline / spaCy alone: **{stages['total'] / stages['spacy-only']:.2f}×** — "
        "parsing is most of the cost; everything storyweave adds is the rest.",
    ]
    comps, run_cpu = spacy_components(args.repeat)
    spacy_cpu = sum(comps.values())
    lines += [
        "",
        f"CPU time (`time.process_time`, so the load does not count; median of {args.repeat}) "
        f"per story: `Pipeline.run` **{run_cpu * 1000:.0f} ms**; the spaCy components, timed "
        f"one by one on the same texts, {spacy_cpu * 1000:.0f} ms "
        f"({100 * spacy_cpu / run_cpu:.0f}% of it):",
        "",
        "| " + " | ".join(comps) + " |",
        "|" + "---|" * len(comps),
        "| " + " | ".join(f"{v * 1000:.1f} ms" for v in comps.values()) + " |",
        "",
        "Every component is read by a later stage: the parser's sentences and dependencies "
        "(sentences, quotes' speakers, conflicts' heads), the tagger and attribute ruler's "
        "POS (lemmas, quotes), the lemmas (alignment, conflicts), the entities (alignment, "
        "entities, conflicts). `ner` carries its own tok2vec in this model, hence its cost.",
    ]
    print("\n".join(lines))
    if not args.no_write:
        write_section("example-speed", "\n".join(lines))


if __name__ == "__main__":
    main()
