"""The long fuzz run (issue 14): the properties of tests/test_fuzz.py with many more inputs.

Usage: ``python -m benchmarks.fuzz [--ingest 1000] [--summarize 150] [--reports 60]
[--batch 150] [--seed 14]``

Each property gets its own budget of generated inputs (hypothesis, seeded, so a run can be
repeated); an input that breaks a property (an internal error, a lost input, an invalid report)
fails the run and is printed, shrunk, with what it takes to reproduce it. The count of inputs
checked and of failures goes into docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import sys
import time
import traceback
from pathlib import Path

from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from benchmarks.common import EXAMPLE, ROOT, machine, stamp, write_section

sys.path.insert(0, str(ROOT / "tests"))
import fuzz_inputs  # noqa: E402  (the strategies and properties live beside the tests)


def budget(n: int) -> settings:
    return settings(max_examples=n, deadline=None, database=None, print_blob=True,
                    suppress_health_check=list(HealthCheck))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--ingest", type=int, default=1000)
    ap.add_argument("--summarize", type=int, default=150)
    ap.add_argument("--reports", type=int, default=60)
    ap.add_argument("--batch", type=int, default=150)
    ap.add_argument("--seed", type=int, default=14)
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()
    import logging
    import warnings

    logging.disable(logging.WARNING)  # trafilatura logs every unparseable page
    warnings.simplefilter("ignore")
    from storyweave.pipeline import Pipeline

    pipeline = Pipeline()
    bodies = [p.read_text(encoding="utf-8") for p in sorted(Path(EXAMPLE).glob("*.txt"))[:3]]
    extras = st.lists(st.tuples(fuzz_inputs.hostile_text, fuzz_inputs.hostile_text,
                                fuzz_inputs.hostile_text,
                                st.one_of(st.just("javascript:alert(1)"),
                                          fuzz_inputs.hostile_text)), min_size=3, max_size=3)

    @seed(args.seed)
    @budget(args.ingest)
    @given(fuzz_inputs.input_files)
    def ingest(files):
        fuzz_inputs.check_ingest(files)

    @seed(args.seed)
    @budget(args.summarize)
    @given(fuzz_inputs.input_files, st.sampled_from(["json", "md", "html"]))
    def summarize(files, fmt):
        fuzz_inputs.check_summarize(files, fmt)

    @seed(args.seed)
    @budget(args.reports)
    @given(extras)
    def reports(extra):
        fuzz_inputs.check_reports(pipeline, bodies, extra)

    @seed(args.seed)
    @budget(args.batch)
    @given(st.lists(fuzz_inputs.json_values, min_size=1, max_size=4),
           st.sampled_from([0, 0, 5000]))
    def batch(values, depth):
        fuzz_inputs.check_batch(values, depth)

    failures: list[str] = []
    times: dict[str, float] = {}
    for name, prop in (("ingest", ingest), ("summarize", summarize), ("reports", reports),
                       ("batch", batch)):
        t = time.perf_counter()
        try:
            prop()
        except Exception:  # noqa: BLE001 - a property broken: record it, run the rest
            failures.append(f"{name}: {traceback.format_exc(limit=3)}")
            print(failures[-1], file=sys.stderr)
        times[name] = time.perf_counter() - t
        print(name, fuzz_inputs.CHECKED[name], f"{times[name]:.0f}s", flush=True)
    total = sum(fuzz_inputs.CHECKED.values())
    cmd = (f"python -m benchmarks.fuzz --ingest {args.ingest} --summarize {args.summarize} "
           f"--reports {args.reports} --batch {args.batch} --seed {args.seed}")
    rows = "\n".join(
        f"| {name} | {what} | {fuzz_inputs.CHECKED[name]:,} | {times[name]:.0f} s |"
        for name, what in (
            ("ingest", "1-4 files of random bytes, encodings, JSON, HTML, feed XML: read, "
             "clustered in memory and `storyweave ingest` into a store"),
            ("summarize", "the same through `storyweave summarize -f json/md/html -o`"),
            ("reports", "the example's 3 real articles with hostile text, titles, outlets, "
             "URLs woven in; all three report formats checked"),
            ("batch", "`summarize --jsonl` over random JSON lines and stories, nested up "
             "to 5,000 deep")))
    body = f"""## Fuzzing: hostile input (issue 14)

`{cmd}` — {stamp()}; {machine()}.

**{total:,} inputs fuzzed, {len(failures)} internal errors** (or lost inputs, or invalid
reports). Properties and strategies: `tests/fuzz_inputs.py`; the CI test
(`tests/test_fuzz.py`) runs the same properties with a fixed seed and a budget of ~110 inputs.

| property | inputs | checked | time |
|---|---|---|---|
{rows}
"""
    print(body)
    if not args.no_write:
        write_section("fuzz", body)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
