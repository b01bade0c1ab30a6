"""Tune the fact-alignment threshold on ECB+ (real articles, gold event clusters).

Each ECB+ topic holds articles about two different events of the same kind (two earthquakes,
two celebrity rehab stays). We run the aligner over all articles of a topic, as if they were one
story, and look at the facts that join several articles: a fact whose articles come from
*different* gold events is certainly a false alignment (same words, different happening). Purity
(share of multi-article facts within one event) is therefore an upper bound on alignment
precision, and links per article measure how much the aligner finds. We pick the lowest threshold
whose purity reaches the target, and record the whole curve.

    python benchmarks/tune_alignment.py [--target 0.9] [--limit-topics N]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import SHARED, machine, stamp, write_section  # noqa: E402
from storyweave.align import FactAligner  # noqa: E402
from storyweave.analyze import analyze, load_nlp  # noqa: E402
from storyweave.clean import clean  # noqa: E402
from storyweave.model import Article  # noqa: E402

DATA = SHARED / "data" / "ecbplus" / "ecbplus_docs.jsonl"
GRID = [0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5]
EXTEND_GRID = [0.3, 0.35, 0.4, 0.45, 0.5, 1.01]  # 1.01: no extension


def detokenize(sentence: str) -> str:
    s = sentence.replace("``", '"').replace("''", '"')
    s = re.sub(r"\s+([,.;:!?%)\]'])", r"\1", s)
    s = re.sub(r"([(\[$])\s+", r"\1", s)
    return re.sub(r"\s+(n't|'s|'re|'ve|'ll|'d)\b", r"\1", s)


def load_topics(limit: int | None) -> dict[int, list[tuple[Article, str]]]:
    topics: dict[int, list[tuple[Article, str]]] = defaultdict(list)
    with DATA.open(encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            body = "\n\n".join(detokenize(s) for s in row["sentences"])
            art = Article(id=row["doc_name"], source=row["doc_name"], title="", body=body)
            topics[row["topic"]].append((art, row["event_cluster"]))
    keys = sorted(topics)[:limit] if limit else sorted(topics)
    return {k: topics[k] for k in keys}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--target", type=float, default=0.9)
    parser.add_argument("--limit-topics", type=int)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()

    nlp = load_nlp()
    topics = load_topics(args.limit_topics)
    t0 = time.perf_counter()
    prepared = []
    for items in topics.values():
        analyzed = analyze([clean(a) for a, _ in items], nlp, keep_docs=False)
        event = {a.id: ev for a, ev in items}
        prepared.append((analyzed, event))
    parse_s = time.perf_counter() - t0

    def score(t: float, e: float) -> tuple[float, int, float]:
        pure = mixed = links = n_articles = 0
        for analyzed, event in prepared:
            n_articles += len(analyzed)
            aligner = FactAligner(threshold=t, extend_threshold=e)
            for fact in aligner.align(analyzed).facts:
                if fact.support < 2:
                    continue
                links += fact.support
                if len({event[a] for a in fact.articles}) == 1:
                    pure += 1
                else:
                    mixed += 1
        total = pure + mixed
        return (pure / total if total else 1.0, total, links / max(n_articles, 1))

    grid = {(t, e): score(t, e) for t in GRID for e in EXTEND_GRID if e >= t}
    # Best pair: most links among those whose purity reaches the target.
    ok = {k: v for k, v in grid.items() if v[0] >= args.target}
    chosen_t, chosen_e = max(ok, key=lambda k: ok[k][2]) if ok else (GRID[-1], 1.01)

    lines = [
        "## Fact-alignment threshold (ECB+)",
        "",
        f"`python benchmarks/tune_alignment.py` · {stamp()} · {machine()}",
        "",
        f"{sum(len(e) for _, e in prepared)} real articles in {len(prepared)} ECB+ topics, each "
        "topic aligned as one story although it holds two look-alike events. A multi-article "
        "fact is *pure* when all its articles belong to one gold event; cross-event facts are "
        "certain errors, so purity bounds alignment precision from above. Parsing took "
        f"{parse_s:.0f} s. The extension step lets a fact count another article whose "
        "sentence is at least the extension threshold similar to all of the fact's sentences "
        "(one long sentence often reports several facts); `none` is clustering alone.",
        "",
        "| cluster threshold | extension threshold | purity | multi-article facts | "
        "links per article |",
        "|---|---|---|---|---|",
        *[f"| {t:.2f} | {'none' if e > 1 else f'{e:.2f}'} | {v[0]:.3f} | {v[1]} | {v[2]:.2f} |"
          for (t, e), v in sorted(grid.items())],
        "",
        f"Chosen: clustering **{chosen_t:.2f}**, extension "
        f"**{'none' if chosen_e > 1 else f'{chosen_e:.2f}'}**: the pair that links the most "
        f"while purity stays ≥ {args.target:.2f} (`DEFAULT_THRESHOLD` and "
        "`DEFAULT_EXTEND_THRESHOLD` in `storyweave/align.py`).",
    ]
    print("\n".join(lines))
    if not args.no_write:
        write_section("alignment-threshold", "\n".join(lines))


if __name__ == "__main__":
    main()
