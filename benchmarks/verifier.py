"""The citation verifier as a factual-consistency detector, on real news (issue 12).

Pairs (claim, cited sentences, supported?) are built from the shared Multi-News and ECB+ data by
:mod:`storyweave.evaluate.consistency`:

- supported: source sentences cited by themselves; fact-keeping rewrites of them (digits,
  name forms, a dropped trailing clause, "said" -> "stated"); Multi-News human summary
  sentences whose best source sentence is at least ``--human-sim`` similar (TF-IDF, the
  alignment's own measure), citing their two best source sentences; ECB+ sentences cited by
  the most similar sentence of *another* article of the same gold event (similarity at least
  ``--other-sim``). The last two are labelled by alignment, not by a person: some of them are
  not fully supported, which lowers the measured recall, not the precision of a rejection.
- unsupported: one-fact edits of the supported claims (number, name, date, speaker swapped for
  another of the same story, negation inserted) and off-topic claims (a sentence of another
  story citing a sentence of this one).

Stories are split by a hash of their id: the overlap threshold is chosen on the ``dev`` part
(best mean balanced accuracy over the error types with precision on "supported" >= 0.95), and
every figure is reported on the ``test`` part. Time per sentence is the claim's parse plus the
checks, in CPU time of the one process (the machine is shared; wall time would measure the
neighbours).

    python benchmarks/verifier.py                       # writes docs/benchmarks.md
    python benchmarks/verifier.py --stories 20 --no-write   # a quick look
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import SHARED, machine, stamp, write_section  # noqa: E402
from storyweave.align import similarity_matrix  # noqa: E402
from storyweave.analyze import sentences_from_doc  # noqa: E402
from storyweave.evaluate.consistency import Pair, story_pairs  # noqa: E402
from storyweave.evaluate.data import load_clusters, split_of  # noqa: E402
from storyweave.model import Article, Sentence  # noqa: E402
from storyweave.pipeline import Pipeline  # noqa: E402
from storyweave.verify import Verifier  # noqa: E402

THRESHOLDS = [0.3, 0.4, 0.5, 0.55, 0.6, 0.65, 0.7, 0.8]
ERRORS = ["number", "name", "date", "negation", "speaker", "off-topic"]


def detok(sentence: str) -> str:
    """ECB+'s tokenised text back to ordinary prose (quotes, spaces before punctuation)."""
    s = sentence.replace("`` ", '"').replace(" ''", '"').replace("``", '"').replace("''", '"')
    s = re.sub(r" ([.,;:!?%)])", r"\1", s)
    s = re.sub(r"([($]) ", r"\1", s)
    return re.sub(r" (n't|'s|'re|'ve|'ll|'d|'m)\b", r"\1", s)


def ecb_stories(limit_topics: int, docs_per_event: int = 8) -> list[tuple[str, list[Article]]]:
    path = SHARED / "data" / "ecbplus" / "ecbplus_docs.jsonl"
    events: dict[str, list[Article]] = defaultdict(list)
    topics: list[int] = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            d = json.loads(line)
            if d["topic"] not in topics:
                if len(topics) >= limit_topics:
                    continue
                topics.append(d["topic"])
            ev = str(d["event_cluster"])
            if len(events[ev]) < docs_per_event:
                body = " ".join(detok(s) for s in d["sentences"])
                events[ev].append(Article(id=d["doc_name"], source=d["doc_name"], title="",
                                          body=body, origin=d["doc_name"]))
    return [(f"ecb:{ev}", arts) for ev, arts in events.items() if len(arts) >= 2]


def human_bases(pool: list[Sentence], reference: str, nlp: Any, min_sim: float
                ) -> list[tuple[Sentence, list, str]]:
    """Human summary sentences that alignment ties to source sentences."""
    ref = re.sub(r"^[\s–—-]+", "", reference)
    human = [s for s in sentences_from_doc("human", nlp(ref)) if 8 <= s.words <= 45]
    if not human or not pool:
        return []
    sim = similarity_matrix(pool + human)
    out = []
    for k, h in enumerate(human):
        row = sim[len(pool) + k, : len(pool)]
        order = row.argsort()[::-1]
        if row[order[0]] >= min_sim:
            refs = [pool[i].ref for i in order[:2] if row[i] >= 0.3]
            out.append((h, refs, "human summary"))
    return out


def other_outlet_bases(pool: list[Sentence], rng: random.Random, min_sim: float, n: int
                       ) -> list[tuple[Sentence, list, str]]:
    """ECB+ sentences cited by the most similar sentence of another article of the event."""
    sim = similarity_matrix(pool)
    cands = []
    for i, s in enumerate(pool):
        if not (8 <= s.words <= 45):
            continue
        best, best_j = 0.0, -1
        for j, o in enumerate(pool):
            if o.article != s.article and sim[i, j] > best:
                best, best_j = float(sim[i, j]), j
        if best >= min_sim:
            cands.append((s, [pool[best_j].ref], "other outlet"))
    rng.shuffle(cands)
    return cands[:n]


def build(args: argparse.Namespace, pipeline: Pipeline) -> dict[str, list[tuple]]:
    """{split: [(pairs, sentences of the story)]}"""
    rng = random.Random(args.seed)
    out: dict[str, list[tuple]] = {"dev": [], "test": []}
    stories: list[tuple[str, list[Article], list[str]]] = []
    for c in load_clusters(split="all", limit=args.stories):
        stories.append((c.id, c.articles, c.references))
    for sid, arts in ecb_stories(args.ecb_topics):
        stories.append((sid, arts, []))
    previous: list[Sentence] = []
    for sid, arts, refs in stories:
        analyzed, _, _ = pipeline.prepare(arts)
        pool = [s for a in analyzed for s in a.sentences]
        if len(pool) < 4:
            continue
        extra: list[tuple] = []
        if refs:
            extra += human_bases(pool, refs[0], pipeline.nlp, args.human_sim)[: args.per_story]
        if sid.startswith("ecb:"):
            extra += other_outlet_bases(pool, rng, args.other_sim, args.per_story // 2)
        pairs = story_pairs(pool, rng, args.per_story, sid, extra)
        foreign = [s for s in previous if 8 <= s.words <= 45]
        targets = [s for s in pool if 8 <= s.words <= 45]
        for s in rng.sample(foreign, min(2, len(foreign))) if targets else []:
            pairs.append(Pair(s.text, [rng.choice(targets).ref], False, "off-topic", sid,
                              s.text))
        previous = pool
        out[split_of(sid)].append((pairs, pool))
    return out


_CLAIMS: dict[tuple[int, int], tuple[list[Any], float]] = {}


def run(data: list[tuple], nlp: Any, threshold: float) -> tuple[list[tuple[Pair, bool, str]],
                                                                  float, float]:
    """Verdicts, and CPU ms per sentence for the claim's parse and for the checks.

    CPU time of this process, not wall time: the machine is shared, and a busy neighbour
    stretches wall time without changing the work done on one core."""
    results = []
    parse_s = check_s = 0.0
    n = 0
    for k, (pairs, pool) in enumerate(data):
        v = Verifier(pool, nlp, overlap=threshold)
        key = (id(data), k)
        if key not in _CLAIMS:  # a claim is parsed once, whatever the threshold
            t0 = time.process_time()
            claims = v.claims([p.claim for p in pairs])
            _CLAIMS[key] = (claims, time.process_time() - t0)
        claims, parse = _CLAIMS[key]
        t1 = time.process_time()
        for p, c in zip(pairs, claims, strict=True):
            verdict = v.check(c, p.citations)
            results.append((p, verdict.verified, verdict.reason))
        parse_s += parse
        check_s += time.process_time() - t1
        n += len(pairs)
    return results, 1000 * parse_s / max(n, 1), 1000 * check_s / max(n, 1)


def metrics(results: list[tuple[Pair, bool, str]]) -> dict[str, Any]:
    pos = [r for r in results if r[0].supported]
    neg = [r for r in results if not r[0].supported]
    tp = sum(1 for _, ok, _ in pos if ok)
    fp = sum(1 for _, ok, _ in neg if ok)
    recall = tp / max(len(pos), 1)
    precision = tp / max(tp + fp, 1)
    f1 = 2 * precision * recall / max(precision + recall, 1e-9)
    spec = 1 - fp / max(len(neg), 1)
    per: dict[str, Any] = {}
    for kind in ERRORS:
        k = [r for r in neg if r[0].kind == kind]
        if k:
            rej = sum(1 for _, ok, _ in k if not ok) / len(k)
            per[kind] = {"n": len(k), "rejected": rej, "balanced_accuracy": (recall + rej) / 2}
    accepted: dict[str, Any] = {}
    for kind in sorted({r[0].kind for r in pos}):
        k = [r for r in pos if r[0].kind == kind]
        accepted[kind] = {"n": len(k), "accepted": sum(1 for _, ok, _ in k if ok) / len(k)}
    mean_ba = sum(v["balanced_accuracy"] for v in per.values()) / max(len(per), 1)
    return {"n": len(results), "supported": len(pos), "unsupported": len(neg),
            "precision": precision, "recall": recall, "f1": f1,
            "balanced_accuracy": (recall + spec) / 2, "mean_ba_per_error": mean_ba,
            "per_error": per, "supported_kinds": accepted}


def reasons(results: list[tuple[Pair, bool, str]]) -> dict[str, int]:
    out: dict[str, int] = defaultdict(int)
    for p, ok, why in results:
        if p.supported and not ok:
            out[re.sub(r"'.*'|\d+(\.\d+)?", "…", why.split(" (")[0])] += 1
    return dict(sorted(out.items(), key=lambda kv: -kv[1]))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--stories", type=int, default=150, help="Multi-News clusters (both parts)")
    ap.add_argument("--ecb-topics", type=int, default=20, help="ECB+ topics (two events each)")
    ap.add_argument("--per-story", type=int, default=6)
    ap.add_argument("--human-sim", type=float, default=0.5)
    ap.add_argument("--other-sim", type=float, default=0.6)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()
    started = machine()
    pipeline = Pipeline()
    nlp = pipeline.nlp
    t = time.perf_counter()
    data = build(args, pipeline)
    build_s = time.perf_counter() - t
    tuning = []
    for th in THRESHOLDS:
        res, _, _ = run(data["dev"], nlp, th)
        m = metrics(res)
        tuning.append((th, m))
        print(f"dev threshold {th:.2f}: P {m['precision']:.3f} R {m['recall']:.3f} "
              f"BA {m['balanced_accuracy']:.3f} mean BA/error {m['mean_ba_per_error']:.3f}",
              file=sys.stderr)
    ok = [x for x in tuning if x[1]["precision"] >= 0.95] or tuning
    chosen = max(ok, key=lambda x: (x[1]["mean_ba_per_error"], -x[0]))[0]
    res, parse_ms, check_ms = run(data["test"], nlp, chosen)
    m = metrics(res)
    print(json.dumps({"threshold": chosen, **m, "parse_ms": parse_ms, "check_ms": check_ms},
                     indent=1))
    print(json.dumps(reasons(res), indent=1), file=sys.stderr)
    if args.no_write:
        return
    n_dev = sum(len(p) for p, _ in data["dev"])
    lines = [
        "## Citation verifier (issue 12)", "",
        f"*{stamp()} · {started} · `python benchmarks/verifier.py --stories {args.stories} "
        f"--ecb-topics {args.ecb_topics}` · pairs built in {build_s:.0f} s*", "",
        f"Pairs from {args.stories} Multi-News clusters and the events of {args.ecb_topics} "
        f"ECB+ topics (`storyweave/evaluate/consistency.py`): {n_dev} tuning pairs "
        f"({len(data['dev'])} stories), **{m['n']} held-out pairs** ({len(data['test'])} "
        f"stories; {m['supported']} supported, {m['unsupported']} unsupported). Overlap "
        f"threshold chosen on the tuning part: **{chosen:.2f}** "
        f"(tuning: " + ", ".join(f"{th:.2f} → BA {x['mean_ba_per_error']:.3f} / P "
                                 f"{x['precision']:.3f}" for th, x in tuning) + ").", "",
        "Held-out part, \"supported\" as the positive class:", "",
        "| precision | recall | F1 | balanced accuracy (all edits) | CPU ms/sentence (parse "
        "+ checks, one core) |", "|---|---|---|---|---|",
        f"| {m['precision']:.3f} | {m['recall']:.3f} | {m['f1']:.3f} | "
        f"{m['balanced_accuracy']:.3f} | {parse_ms + check_ms:.2f} ({parse_ms:.2f} + "
        f"{check_ms:.2f}) |", "",
        "| error type | unsupported pairs | rejected | balanced accuracy |", "|---|---|---|---|",
    ]
    for kind, v in m["per_error"].items():
        lines.append(f"| {kind} | {v['n']} | {v['rejected']:.3f} | "
                     f"{v['balanced_accuracy']:.3f} |")
    lines += ["", "| supported kind | pairs | accepted |", "|---|---|---|"]
    for kind, v in m["supported_kinds"].items():
        lines.append(f"| {kind} | {v['n']} | {v['accepted']:.3f} |")
    rs = reasons(res)
    lines += ["", "Why supported pairs were rejected (held-out): " + "; ".join(
        f"{k} ({n})" for k, n in list(rs.items())[:6]) + ".", "",
        "CPU time of the benchmark process; on this shared machine (load 7–10 from other "
        "sessions) wall time per sentence was about four times higher.", "",
        "Balanced accuracy per error type = (recall on supported + rejection rate of that "
        "type) / 2. The human-summary and other-outlet pairs are labelled supported by "
        "alignment, not by a reader: a human sentence that adds a fact its two best source "
        "sentences lack is counted as a wrongly rejected supported pair. No public "
        "factual-consistency benchmark is reported: the search tools found the SummaC "
        "benchmark's loaders (github.com/tingofurro/summac), but its six sets (and FRANK, "
        "AggreFact) need the CNN/DailyMail and XSum articles, which cannot be downloaded "
        "on this offline machine."]
    write_section("verifier", "\n".join(lines))


if __name__ == "__main__":
    main()
