"""Run storyweave and its peers on clusters, score with ROUGE, time them, and tabulate.

For each cluster: clean and split the articles once (storyweave's cleaner and spaCy; timed as
``prepare``), then let every system choose among those sentences under the same word budget
(timed per system: the ``select`` call only, warm, on already-split sentences), truncate every
output to the budget the same way and score it with rouge-score. Means come with bootstrap
95% intervals over clusters; storyweave is compared with every other system by a paired
bootstrap of the per-cluster differences.
"""

from __future__ import annotations

import json
import re
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from storyweave.evaluate.data import DEFAULT_WORDS, Cluster
from storyweave.evaluate.peers import (
    ALL_SYSTEMS,
    Prepared,
    System,
    make_system,
    sentence_tokens,
    truncate,
)
from storyweave.evaluate.rouge import (
    MEASURES,
    METRICS,
    Rouge,
    bootstrap,
    bootstrap_indices,
    paired_difference,
)

LABELS = {"rouge1": "R-1", "rouge2": "R-2", "rougeL": "R-L", "recall": "R", "f1": "F"}


@dataclass
class EvalResult:
    """Per-cluster scores and timings of every system, plus their aggregates."""

    systems: list[str]
    words: int | str
    clusters: list[dict[str, Any]] = field(default_factory=list)
    prepare_seconds: list[float] = field(default_factory=list)
    resamples: int = 1000
    seed: int = 0
    settings: dict[str, Any] = field(default_factory=dict)

    def values(self, system: str, metric: str, measure: str) -> list[float]:
        return [c["systems"][system]["rouge"][metric][measure] for c in self.clusters]

    def seconds(self, system: str) -> list[float]:
        return [c["systems"][system]["seconds"] for c in self.clusters]

    def summary(self) -> dict[str, Any]:
        idx = bootstrap_indices(len(self.clusters), self.resamples, self.seed)
        out: dict[str, Any] = {"systems": {}, "n": len(self.clusters), "words": self.words,
                               "resamples": self.resamples, "settings": self.settings}
        for name in self.systems:
            row: dict[str, Any] = {}
            for metric in METRICS:
                for measure in MEASURES:
                    row[f"{metric}_{measure}"] = bootstrap(
                        self.values(name, metric, measure), idx).as_dict()
            secs = self.seconds(name)
            row["ms_mean"] = 1000 * statistics.fmean(secs) if secs else float("nan")
            row["ms_median"] = 1000 * statistics.median(secs) if secs else float("nan")
            row["words_mean"] = statistics.fmean(
                c["systems"][name]["words"] for c in self.clusters) if self.clusters else 0.0
            checked = [c["systems"][name] for c in self.clusters
                       if "verified_share" in c["systems"][name]]
            if checked:
                row["verification"] = verification_summary(checked)
            out["systems"][name] = row
        if self.prepare_seconds:
            out["prepare_ms_mean"] = 1000 * statistics.fmean(self.prepare_seconds)
        if "storyweave" in self.systems:
            sw = out["systems"]["storyweave"]
            cited = [c["systems"]["storyweave"].get("cited_seconds") for c in self.clusters]
            cited = [x for x in cited if x is not None]
            if cited:
                sw["cited_ms_mean"] = 1000 * statistics.fmean(cited)
            if self.prepare_seconds:
                sw["end_to_end_ms_mean"] = out["prepare_ms_mean"] + sw.get(
                    "cited_ms_mean", sw["ms_mean"])
            diffs: dict[str, Any] = {}
            for name in self.systems:
                if name == "storyweave":
                    continue
                d: dict[str, Any] = {}
                for metric in ("rouge1", "rouge2"):
                    for measure in MEASURES:
                        interval, p = paired_difference(
                            self.values("storyweave", metric, measure),
                            self.values(name, metric, measure), idx)
                        d[f"{metric}_{measure}"] = {**interval.as_dict(), "p_not_better": p}
                speed = out["systems"][name]["ms_mean"] / max(sw["ms_mean"], 1e-9)
                d["speedup"] = speed
                diffs[name] = d
            out["storyweave_vs"] = diffs
        return out


def verification_summary(entries: list[dict[str, Any]]) -> dict[str, Any]:
    """Over the clusters of a verified system: mean verified share (of the generated
    sentences), dropped share by reason, and how many clusters fell back to extractive."""
    generated = sum(e.get("generated", 0) for e in entries)
    reasons: dict[str, int] = {}
    for e in entries:
        for why in e.get("dropped", []):
            key = re.sub(r"'[^']*'|\d+(?:\.\d+)?", "…", (why or "").split(" (")[0])
            reasons[key] = reasons.get(key, 0) + 1
    shares = [e["verified_share"] for e in entries if e.get("verified_share") is not None]
    return {
        "clusters": len(entries),
        "verified_share_mean": statistics.fmean(shares) if shares else None,
        "generated_sentences": generated,
        "dropped_share": sum(reasons.values()) / generated if generated else 0.0,
        "dropped_by_reason": {k: v / max(generated, 1) for k, v in
                              sorted(reasons.items(), key=lambda kv: -kv[1])},
        "fallbacks": sum(1 for e in entries if e.get("method") != "llm"),
        "fallback_notes": sorted({e["note"] for e in entries if e.get("note")})[:5],
    }


def prepare(cluster: Cluster, pipeline: Any) -> Prepared:
    start = time.perf_counter()
    analyzed, _, _ = pipeline.prepare(cluster.articles)
    sentences = [s for a in analyzed for s in a.sentences]
    prepared = Prepared(cluster, analyzed, sentences, sentence_tokens(analyzed))
    prepared.seconds = time.perf_counter() - start
    return prepared


class ClusterScorer:
    """Scores one cluster at a time with every system; built once per worker process.

    The first cluster with sentences warms every system up untimed (imports and caches), so a
    worker's timings are warm from its first timed call, whichever clusters it gets.
    """

    def __init__(self, systems: Sequence[str | System], words: int | str,
                 pipeline: Any = None, keep_outputs: bool = False) -> None:
        from storyweave.pipeline import Pipeline

        self.pipeline = pipeline or Pipeline()
        self.systems = [make_system(s) if isinstance(s, str) else s for s in systems]
        self.words = words
        self.keep_outputs = keep_outputs
        self.rouge = Rouge()
        self.warmed = False
        self.pipeline.nlp  # load spaCy before timing anything  # noqa: B018

    def __call__(self, cluster: Cluster) -> dict[str, Any]:
        prepared = prepare(cluster, self.pipeline)
        budget = cluster.reference_words if self.words == "ref" else int(self.words)
        if not self.warmed and prepared.sentences:  # first calls pay imports: not timed
            for system in self.systems:
                if getattr(system, "warm_up", True):
                    system.select(prepared, budget)
            self.warmed = True
        row: dict[str, Any] = {"id": cluster.id, "budget": budget,
                               "sentences": len(prepared.sentences),
                               "source_words": sum(s.words for s in prepared.sentences),
                               "prepare_seconds": prepared.seconds, "systems": {}}
        for system in self.systems:
            start = time.perf_counter()
            chosen = system.select(prepared, budget) if prepared.sentences else []
            seconds = time.perf_counter() - start
            texts = getattr(system, "texts", None)  # a system that writes its own text
            text = truncate(texts(prepared, chosen) if texts else
                            [prepared.sentences[i].text for i in chosen], budget)
            cited = getattr(system, "cited", None)
            cited_seconds = None
            if cited is not None and prepared.sentences:
                start = time.perf_counter()
                again = cited(prepared, budget)
                cited_seconds = time.perf_counter() - start
                if again != chosen:
                    raise RuntimeError(f"{system.name}: cited summary differs from the "
                                       f"timed selection on {cluster.id}")
            entry: dict[str, Any] = {
                "rouge": self.rouge.score(text, cluster.references),
                "seconds": seconds,
                "words": len(text.split()),
            }
            if cited_seconds is not None:
                entry["cited_seconds"] = cited_seconds
            if hasattr(system, "details"):
                entry.update(system.details())
            if self.keep_outputs:
                entry["selected"] = chosen
                entry["text"] = text
            row["systems"][system.name] = entry
        return row


@dataclass(frozen=True)
class _ScorerRecipe:
    """Picklable: each worker process builds its own :class:`ClusterScorer`."""

    systems: tuple[str, ...]
    words: int | str
    keep_outputs: bool

    def __call__(self) -> ClusterScorer:
        return ClusterScorer(self.systems, self.words, keep_outputs=self.keep_outputs)


def evaluate(
    clusters: Sequence[Cluster],
    systems: Sequence[str | System] = ALL_SYSTEMS,
    words: int | str = DEFAULT_WORDS,
    pipeline: Any = None,
    progress: bool | None = None,
    resamples: int = 1000,
    seed: int = 0,
    keep_outputs: bool = False,
    workers: int | None = 1,
    engine: str = "process",
    address: str | None = None,
) -> EvalResult:
    """Score ``systems`` on ``clusters`` at ``words`` words (or ``"ref"``: each cluster's
    reference length).

    ``workers`` > 1 (or ``None``: all cores) or ``engine="ray"`` score the clusters in
    parallel (:func:`storyweave.batch.parallel_map`); scores and their order are the same as
    with one worker, only the timings differ (each is still one warm call on one core, but
    the cores are shared). Parallel runs need the systems by name.
    """
    from tqdm import tqdm

    if words != "ref" and (not isinstance(words, int) or words < 1):
        raise ValueError("words must be a positive integer or 'ref'")
    names = [s if isinstance(s, str) else s.name for s in systems]
    if len(set(names)) != len(names):
        raise ValueError("a system is listed twice")
    for s in systems:
        if isinstance(s, str):
            make_system(s)  # unknown names fail here, before any worker starts
    result = EvalResult(names, words, resamples=resamples, seed=seed)
    parallel = engine != "process" or workers != 1
    if parallel and (pipeline is not None or not all(isinstance(s, str) for s in systems)):
        raise ValueError("parallel evaluation takes systems by name and the default pipeline")
    if parallel:
        from storyweave.batch import parallel_map

        rows = parallel_map(_ScorerRecipe(tuple(names), words, keep_outputs), clusters,
                            workers=workers, engine=engine, address=address)
    else:
        scorer = ClusterScorer(systems, words, pipeline, keep_outputs)
        rows = (scorer(c) for c in clusters)
    bar = tqdm(rows, total=len(clusters), desc="eval", unit="cluster", file=sys.stderr,
               leave=False, disable=(not progress) if progress is not None else None)
    for row in bar:
        result.clusters.append(row)
        result.prepare_seconds.append(row["prepare_seconds"])
    bar.close()
    return result


# ---------------------------------------------------------------- tables


def _pct(x: float) -> str:
    return f"{100 * x:.2f}"


def _ci(iv: dict[str, float]) -> str:
    return f"{_pct(iv['mean'])} [{_pct(iv['low'])}, {_pct(iv['high'])}]"


def markdown_table(summary: dict[str, Any]) -> str:
    """Scores (x100, mean [95% CI]) and per-cluster time of each system, as Markdown."""
    cols = [(m, ms) for m in METRICS for ms in ("f1", "recall")]
    head = ["system"] + [f"{LABELS[m]} {LABELS[ms]}" for m, ms in cols] + [
        "ms/cluster", "time ÷ storyweave's"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    systems = summary["systems"]
    sw_ms = systems.get("storyweave", {}).get("ms_mean")
    order = sorted(systems, key=lambda s: (s == "oracle", -systems[s]["rouge2_f1"]["mean"]))
    for name in order:
        row = systems[name]
        cells = [f"**{name}**" if name == "storyweave" else name]
        cells += [_ci(row[f"{m}_{ms}"]) for m, ms in cols]
        cells.append(f"{row['ms_mean']:.2f}")
        cells.append("" if not sw_ms or name == "storyweave"
                     else f"{row['ms_mean'] / sw_ms:.1f}")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def markdown_differences(summary: dict[str, Any]) -> str:
    diffs = summary.get("storyweave_vs")
    if not diffs:
        return ""
    head = ["storyweave minus", "R-1 F", "R-1 R", "R-2 F", "R-2 R"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name, d in diffs.items():
        cells = [name]
        for key in ("rouge1_f1", "rouge1_recall", "rouge2_f1", "rouge2_recall"):
            iv = d[key]
            cells.append(f"{100 * iv['mean']:+.2f} [{100 * iv['low']:+.2f}, "
                         f"{100 * iv['high']:+.2f}]")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def text_table(summary: dict[str, Any]) -> str:
    """A plain table for the terminal (means x100; intervals in the Markdown/JSON files)."""
    systems = summary["systems"]
    cols = [(m, ms) for m in METRICS for ms in ("f1", "recall")]
    head = f"{'system':<12}" + "".join(f"{LABELS[m] + ' ' + LABELS[ms]:>14}" for m, ms in cols)
    head += f"{'ms/cluster':>12}"
    lines = [head]
    order = sorted(systems, key=lambda s: (s == "oracle", -systems[s]["rouge2_f1"]["mean"]))
    for name in order:
        row = systems[name]
        line = f"{name:<12}"
        for m, ms in cols:
            iv = row[f"{m}_{ms}"]
            line += f"{_pct(iv['mean']):>7}±{100 * (iv['high'] - iv['low']) / 2:<6.2f}"
        line += f"{row['ms_mean']:>12.2f}"
        lines.append(line)
    for name in order:
        v = systems[name].get("verification")
        if v:
            share = v["verified_share_mean"]
            lines.append(f"{name}: verified share {'n/a' if share is None else f'{share:.2f}'}"
                         f" of {v['generated_sentences']} generated sentences; dropped "
                         f"{v['dropped_share']:.2f}; fell back to extractive on "
                         f"{v['fallbacks']}/{v['clusters']} clusters")
    budget = summary["words"]
    lines.append(f"{summary['n']} clusters, budget {budget} words; ROUGE x100 (rouge-score, "
                 f"stemmed), ± half the 95% bootstrap interval; ms/cluster = select step only")
    if "prepare_ms_mean" in summary:
        line = f"prepare (clean + spaCy split, shared by all) {summary['prepare_ms_mean']:.1f} ms"
        sw = systems.get("storyweave", {})
        if "cited_ms_mean" in sw:
            line += (f"; storyweave align + cited summary {sw['cited_ms_mean']:.2f} ms"
                     f"; storyweave end to end {sw['end_to_end_ms_mean']:.1f} ms (per cluster)")
        lines.append(line)
    return "\n".join(lines)


def write_outputs(result: EvalResult, out: str | Path, command: str = "",
                  extra: dict[str, Any] | None = None) -> dict[str, Any]:
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    summary = result.summary()
    summary["command"] = command
    summary.update(extra or {})
    (out / "results.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    with (out / "clusters.jsonl").open("w", encoding="utf-8") as fh:
        for row in result.clusters:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    md = [f"# storyweave eval: {summary['n']} clusters, {summary['words']} words", ""]
    if command:
        md += [f"Command: `{command}`", ""]
    md += [markdown_table(summary), "", markdown_differences(summary), ""]
    (out / "results.md").write_text("\n".join(md), encoding="utf-8")
    return summary
