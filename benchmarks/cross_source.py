"""Cross-source analysis: its added time per story, and quotes, dates and conflicts scored
against hand annotations of real ECB+ articles (tests/data/annotations/, see its README).

    python benchmarks/cross_source.py             # score, time, write docs/benchmarks.md
    python benchmarks/cross_source.py --dump-conflicts out.jsonl   # candidates to annotate
    python benchmarks/cross_source.py --quotes-only [--fresh]  # quote speakers alone (~2 min)
    python benchmarks/cross_source.py --only conflicts [--mn-limit 0]   # conflicts alone

Every ECB+ event cluster is run as one story through the full pipeline (articles built from the
given sentences joined into one paragraph; no publication metadata, as for plain text files), so
reference dates are inferred exactly as they would be in use.
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

from benchmarks.common import EXAMPLE, ROOT, SHARED, machine, stamp, write_section  # noqa: E402

ECB = SHARED / "data" / "ecbplus" / "ecbplus_docs.jsonl"
ANN = ROOT / "tests" / "data" / "annotations"


def load_ecb() -> list[dict]:
    return [json.loads(line) for line in ECB.open(encoding="utf-8")]


_DETOK = re.compile(r"(?<=\d)(?:, (?=\d{3}\b)|\. (?=\d)|: (?=\d\d\b))")


def detok(sentence: str) -> tuple[str, list[int]]:
    """Undo ECB+'s tokenisation inside numbers ("1, 000", "6. 1", "2: 09" -> "1,000", ...).

    Returns the sentence and, for each original character, its offset in the new one.
    """
    out, mapping, pos = [], [], 0
    for m in _DETOK.finditer(sentence):
        for ch in sentence[pos:m.start()]:
            mapping.append(sum(len(x) for x in out))
            out.append(ch)
        sep = m.group()[0]
        mapping.append(sum(len(x) for x in out))
        out.append(sep)
        mapping.append(sum(len(x) for x in out))  # the removed space maps to the next char
        pos = m.end()
    for ch in sentence[pos:]:
        mapping.append(sum(len(x) for x in out))
        out.append(ch)
    return "".join(out), mapping


def sentences_of(doc: dict) -> list[tuple[int, str, list[int]]]:
    """(ECB+ index, detokenised text, offset map) of the document's sentences, URL lines out."""
    return [(i, *detok(s)) for i, s in enumerate(doc["sentences"]) if not s.startswith("http")]


def article_of(doc: dict, layout: str = "lines"):
    """An article from the given sentences: ``lines`` puts each on its own line (the cleaner
    then keeps or drops it as a paragraph, as it does in use: datelines and headers go);
    ``paragraph`` joins them into one paragraph (ECB+ has no paragraph breaks, so quotations
    that run over sentences stay whole). ECB+ keeps no paragraph structure: the two layouts
    bracket what real articles look like, and both are measured."""
    from storyweave.model import Article

    sep = "\n" if layout == "lines" else " "
    body = sep.join(text for _, text, _ in sentences_of(doc))
    return Article(id=doc["doc_name"], source=doc["doc_name"], title="", body=body,
                   url=doc.get("url"), origin=doc["doc_name"])


def sentence_map(doc: dict, body: str) -> list[tuple[int, int, int]]:
    """(ECB+ sentence index, start, end) of each given sentence inside the clean body."""
    out, pos = [], 0
    for i, text, _ in sentences_of(doc):
        at = body.find(text, pos)
        if at < 0:
            continue
        out.append((i, at, at + len(text)))
        pos = at + 1
    return out


def locate(smap: list[tuple[int, int, int]], offset: int) -> tuple[int, int] | None:
    for i, a, b in smap:
        if a <= offset < b:
            return i, offset - a
    return None


def run_clusters(docs: list[dict], pipeline, clusters: set[str] | None = None):
    """Yield (cluster, story, alignment-free timing) for each ECB+ event cluster."""
    by = defaultdict(list)
    for d in docs:
        by[d["event_cluster"]].append(d)
    for name in sorted(by):
        if clusters is not None and name not in clusters:
            continue
        yield name, by[name]


class TimedEnrichers:
    def __init__(self, enrichers):
        self.enrichers = enrichers
        self.seconds = 0.0

    def wrap(self):
        def make(fn):
            def run(story, alignment):
                t = time.perf_counter()
                fn(story, alignment)
                self.seconds += time.perf_counter() - t
            return run
        return [make(fn) for fn in self.enrichers]


def name_match(gold: str, system: str | None) -> bool:
    if not system:
        return False
    g = re.findall(r"[a-z]+", gold.lower())
    s = re.findall(r"[a-z]+", system.lower())
    return bool(g and s) and (g[-1] in s or s[-1] in g)


def score_quotes(gold: list[dict], found: dict[tuple[str, int, int], str | None],
                 scope: set[str]) -> dict:
    gold_by = {(g["doc"], g["sentence"], g["mark"]): g for g in gold}
    sys_keys = {k for k in found if k[0] in scope}
    matched = sys_keys & set(gold_by)
    det_p = len(matched) / len(sys_keys) if sys_keys else 0.0
    det_r = len(matched) / len(gold_by) if gold_by else 0.0

    def correct(key) -> bool:
        g, s = gold_by[key], found[key]
        if g["speaker"] and name_match(g["speaker"], s):
            return True
        desc = g.get("describe")
        if desc and s and desc in s.lower():
            return True
        return not g["speaker"] and not desc and s is None

    attributed = [k for k in sys_keys if found[k]]
    right = [k for k in matched if correct(k)]
    right_attr = [k for k in attributed if k in gold_by and correct(k)]
    named_gold = [k for k in gold_by if gold_by[k]["speaker"]]
    return {
        "gold": len(gold_by), "system": len(sys_keys), "matched": len(matched),
        "detection_precision": det_p, "detection_recall": det_r,
        "speaker_precision": len(right_attr) / len(attributed) if attributed else 0.0,
        "speaker_recall": sum(1 for k in named_gold if k in found and correct(k))
        / len(named_gold) if named_gold else 0.0,
        "speaker_accuracy_on_matched": len(right) / len(matched) if matched else 0.0,
    }


QUOTE_DEV_TOPICS = 12  # quote rules of issue 13 were developed looking at topics 1-12 only


def quote_keys(story, index, doc_by: dict, docs_in: set[str], by_offset: bool = False
               ) -> dict[tuple[str, int, int], str | None]:
    """The system's quotes in the scoped documents of a story, keyed as the annotations are:
    (doc, ECB+ sentence, n-th opening mark of that sentence), or with ``by_offset`` (the fresh
    set, whose straight marks a regex cannot count) the offset of the opening mark in the
    detokenised sentence."""
    from storyweave.crosscheck.quotes import quotes_in_article

    out: dict[tuple[str, int, int], str | None] = {}
    for art in story.articles:
        if art.id not in docs_in:
            continue
        smap = sentence_map(doc_by[art.id], art.clean.body)
        texts = {j: t for j, t, _ in sentences_of(doc_by[art.id])}
        for f in quotes_in_article(art, index):
            if by_offset:
                loc = locate(smap, f.extra["open_at"])
                if loc is not None:
                    out[(art.id, loc[0], loc[1])] = f.speaker
                continue
            loc = locate(smap, f.start)
            if loc is None:
                continue
            i, off = loc
            mark = len(re.findall(r"``|“|(?<![\w,.!?])\"", texts[i][:max(off - 1, 0)]))
            out[(art.id, i, mark)] = f.speaker
    return out


def fresh_gold(doc_by: dict) -> list[dict]:
    """The fresh quote set keyed like ``quote_keys(..., by_offset=True)``: its offsets are
    into the ECB+ sentence as given, mapped here to the detokenised one."""
    gold = [json.loads(x) for x in (ANN / "quotes_fresh.jsonl").open(encoding="utf-8")]
    for g in gold:
        maps = {j: m for j, _, m in sentences_of(doc_by[g["doc"]])}
        g["mark"] = maps[g["sentence"]][g["at"]]
    return gold


FRESH_PARTS = (("topics 13–34, never examined", lambda t: t > QUOTE_DEV_TOPICS),
               ("topics 1–12", lambda t: t <= QUOTE_DEV_TOPICS))


def quotes_only(fresh: bool) -> dict:
    """Quote speakers alone: only the event clusters that hold an annotated quote document,
    in both layouts (a few minutes instead of the full run's 15-20)."""
    from storyweave.crosscheck import build_entities
    from storyweave.pipeline import Pipeline

    docs = load_ecb()
    doc_by = {d["doc_name"]: d for d in docs}
    scope = json.loads((ANN / "scope.json").read_text())
    gold_q = [json.loads(x) for x in (ANN / "quotes.jsonl").open()]
    old_docs = set(scope["quotes"])
    fresh_docs = set(scope["quotes_fresh"]) if fresh else set()
    clusters = {doc_by[d]["event_cluster"] for d in old_docs | fresh_docs}
    pipe = Pipeline()
    out: dict = {}
    for layout in ("lines", "paragraph"):
        found: dict = {}
        found_f: dict = {}
        for name, members in run_clusters(docs, pipe, clusters):
            story = pipe.run([article_of(d, layout) for d in members], words=100,
                             story_id=name)
            index = build_entities(story)
            found.update(quote_keys(story, index, doc_by, old_docs))
            found_f.update(quote_keys(story, index, doc_by, fresh_docs, by_offset=True))
        out[f"{layout} all"] = score_quotes(gold_q, found, old_docs)
        for part, keep in (("1–12, examined", lambda t: t <= QUOTE_DEV_TOPICS),
                           ("13–34", lambda t: t > QUOTE_DEV_TOPICS)):
            docs_in = {d for d in old_docs if keep(int(d.split("_")[0]))}
            out[f"{layout} {part}"] = score_quotes(
                [g for g in gold_q if g["doc"] in docs_in], found, docs_in)
        if fresh:
            gold_f = fresh_gold(doc_by)
            out[f"{layout} fresh all"] = score_quotes(gold_f, found_f, fresh_docs)
            for part, keep in FRESH_PARTS:
                docs_in = {d for d in fresh_docs if keep(int(d.split("_")[0]))}
                out[f"{layout} fresh {part}"] = score_quotes(
                    [g for g in gold_f if g["doc"] in docs_in], found_f, docs_in)
    return out


def _same_date(g: dict, s: dict) -> bool:
    if g["precision"] == "week" or s["precision"] == "week":
        from datetime import date

        if g["precision"] != s["precision"]:
            return False
        return abs((date.fromisoformat(g["date"]) - date.fromisoformat(s["date"])).days) <= 3
    return g["date"] == s["date"] and g["precision"] == s["precision"]


def score_dates(gold: list[dict], system: list[dict], scope: set[str]) -> dict:
    system = [s for s in system if s["doc"] in scope]
    used = set()
    right = 0
    for g in gold:
        for n, s in enumerate(system):
            if n in used or s["doc"] != g["doc"] or s["sentence"] != g["sentence"]:
                continue
            if s["start"] < g["end"] and g["start"] < s["end"]:
                used.add(n)
                right += _same_date(g, s)
                break
    return {"gold": len(gold), "system": len(system), "overlapping": len(used),
            "correct": right, "precision": right / len(system) if system else 0.0,
            "recall": right / len(gold) if gold else 0.0}


# the figures of the run before issue 13 (2026-11-23 13:15 UTC), shown beside the new ones
BEFORE = {
    "quote detection (lines)": (0.92, 0.80), "quote → speaker (lines)": (0.83, 0.64),
    "timeline dates (lines)": (0.89, 0.75), "quote detection (paragraph)": (0.93, 0.94),
    "quote → speaker (paragraph)": (0.79, 0.75), "timeline dates (paragraph)": (0.87, 0.84),
    "conflicts (ECB+ lines; held-out topics 23–45)": (0.33, 0.45),
    "conflicts (Multi-News dev, tuning split)": (0.25, 0.20),
    # the third development set's "before": the detector at the start of issue 13's third pass
    "conflicts (Multi-News training stories; development)": (0.36, 0.19),
    # the sports development set's "before": the detector at the start of the fourth pass
    "conflicts (Multi-News sports training stories; development)": (1.00, 0.20),
    # the fresh held-out sets' "before": the hand-set detector of main at 478e73b, scored once
    # when the sets were committed (2026-12-01 00:27 and 00:42 UTC)
    "conflicts (held-out: Multi-News dev, test split)": (0.00, 0.00),  # 0 of 1 reported
    "conflicts (held-out: stream, sports-word band)": (0.00, 0.00),
    "conflicts (held-out: stream, general)": (0.67, 0.20),
}
# quote → speaker by topic split in the run before the third quote pass of issue 13
# (2026-11-30 21:59 UTC; code of main at 6f34318)
SPLIT_BEFORE = {("lines", "1–12"): (1.00, 0.89), ("lines", "13–34"): (0.89, 0.83),
                ("paragraph", "1–12"): (1.00, 0.89), ("paragraph", "13–34"): (0.89, 0.83)}
# the fresh quote set scored with that same code (benchmarks/cross_source.py --quotes-only
# --fresh, run once with main's quotes.py before the new one was scored): detection P / R and
# speaker P / R
FRESH_BEFORE = {
    ("lines", "all"): ((0.94, 0.25), (0.93, 0.23)),
    ("lines", "topics 13–34, never examined"): ((1.00, 0.26), (1.00, 0.24)),
    ("lines", "topics 1–12"): ((0.80, 0.25), (0.75, 0.20)),
    ("paragraph", "all"): ((0.94, 0.25), (0.88, 0.20)),
    ("paragraph", "topics 13–34, never examined"): ((1.00, 0.26), (0.94, 0.20)),
    ("paragraph", "topics 1–12"): ((0.80, 0.25), (0.75, 0.20)),
}
HELD_OUT = 23  # conflict rules were developed on ECB+ topics 1-22; topics 23-45 are scored


def _pairs(c: dict, key: str) -> frozenset[tuple[str, int]]:
    return frozenset((k["article"], k[key]) for k in c["claims"])


def score_conflicts(found: list[dict], gold: list[dict], pool: list[dict]):
    """Precision over every held-out conflict found (each judged by hand), recall in the pool."""
    held = [c for c in found if int(c["cluster"].split("_")[0]) >= HELD_OUT]
    labels = {(g["cluster"], g["about"], _pairs(g, "sentence")): g["label"] for g in gold}
    judged = [labels[k] for c in held
              if (k := (c["cluster"], c["about"], _pairs(c, "ecb_sentence"))) in labels]
    tp = sum(judged)

    def detected(p: dict) -> bool:
        want = _pairs(p, "sentence")
        for c in held:
            if c["cluster"] != p["cluster"]:
                continue
            got = _pairs(c, "ecb_sentence") & want
            if len({a for a, _ in got}) >= 2:
                return True
        return False

    true_pool = [p for p in pool if p["label"]]
    missed = sum(1 for p in true_pool if not detected(p))
    hit = len(true_pool) - missed
    precision = tp / len(judged) if judged else 0.0
    recall = hit / len(true_pool) if true_pool else 0.0
    return precision, recall, tp, missed, judged, len(held) - len(judged)


def held_out_conflicts() -> dict[str, tuple[dict, int]]:
    """Scores on the three conflict sets judged after every development set and never used
    to write or fit anything (issue 13): the Multi-News dev sample's test split and two
    Multi-News stream selections. Each value: (score, judged records)."""
    from benchmarks import conflicts_mn_train as mt
    from benchmarks.conflicts_multinews import TEST_ANN
    from benchmarks.conflicts_multinews import run as run_mn
    from benchmarks.conflicts_multinews import score as score_mn

    out = {}
    sets = (
        ("conflicts (held-out: Multi-News dev, test split)", TEST_ANN,
         lambda only: run_mn(1000, split="test", only=only)),
        ("conflicts (held-out: stream, sports-word band)", mt.HELD_OUT_ANN,
         lambda only: mt.run(mt.HELD_OUT_STORIES, only=only, sports=True,
                             band=mt.HELD_OUT_BAND)),
        ("conflicts (held-out: stream, general)", mt.GENERAL_ANN,
         lambda only: mt.run(mt.GENERAL_STORIES, only=only, general=True)),
    )
    for name, ann, run in sets:
        gold = [json.loads(x) for x in ann.open()]
        result = score_mn(run({g["cluster"] for g in gold}), gold)
        result.pop("unjudged_items")
        out[name] = (result, len(gold))
    return out


def example_timing(pipeline_cls, runs: int = 5) -> tuple[float, float]:
    from storyweave.crosscheck import ENRICHERS
    from storyweave.ingest import read_paths

    arts = read_paths([EXAMPLE]).articles
    base = pipeline_cls(enrichers=[])
    timed = TimedEnrichers(ENRICHERS)
    full = pipeline_cls(enrichers=timed.wrap())
    base.run(arts)
    full.run(arts)  # warm: model, dateparser, caches
    timed.seconds = 0.0
    t = time.perf_counter()
    for _ in range(runs):
        base.run(arts)
    t_base = (time.perf_counter() - t) / runs
    for _ in range(runs):
        full.run(arts)
    return t_base, timed.seconds / runs


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--dump-conflicts", type=Path)
    ap.add_argument("--no-write", action="store_true")
    ap.add_argument("--mn-limit", type=int, default=584,
                    help="Multi-News dev (tuning split) clusters for the judged conflict set")
    ap.add_argument("--quotes-only", action="store_true",
                    help="score quote speakers alone (both layouts), print, write nothing")
    ap.add_argument("--fresh", action="store_true",
                    help="with --quotes-only: also score the fresh (held-out) quote set")
    ap.add_argument("--only", choices=["conflicts"],
                    help="score the conflicts alone (held-out ECB+ topics in the lines layout "
                    "and the Multi-News set; a few minutes); prints, writes nothing")
    args = ap.parse_args()
    if args.quotes_only:
        print(json.dumps(quotes_only(args.fresh), indent=1))
        return

    from storyweave.crosscheck import ENRICHERS, build_entities
    from storyweave.crosscheck.timeline import dated_mentions, references
    from storyweave.pipeline import Pipeline

    docs = load_ecb()
    doc_by = {d["doc_name"]: d for d in docs}
    gold_q = [json.loads(x) for x in (ANN / "quotes.jsonl").open()]
    gold_d = [json.loads(x) for x in (ANN / "dates.jsonl").open()]
    for g in gold_d:  # offsets are into the ECB+ sentence as given; map them to detokenised
        maps = {j: m for j, _, m in sentences_of(doc_by[g["doc"]])}
        m = maps[g["sentence"]]
        g["start"], g["end"] = m[g["start"]], m[g["end"] - 1] + 1
    gold_c = [json.loads(x) for x in (ANN / "conflicts.jsonl").open()] if (
        ANN / "conflicts.jsonl").exists() else []
    pool = [json.loads(x) for x in (ANN / "conflict_pool.jsonl").open()] if (
        ANN / "conflict_pool.jsonl").exists() else []
    scope = json.loads((ANN / "scope.json").read_text())

    def run_layout(layout: str, only: set[str] | None):
        timed = TimedEnrichers(ENRICHERS)
        pipe = Pipeline(enrichers=timed.wrap())
        found_q: dict[tuple[str, int, int], str | None] = {}
        found_f: dict[tuple[str, int, int], str | None] = {}
        found_d: list[dict] = []
        conflicts: list[dict] = []
        n_stories = n_articles = 0
        t0 = time.perf_counter()
        for name, members in run_clusters(docs, pipe, only):
            story = pipe.run([article_of(d, layout) for d in members], words=100,
                             story_id=name)
            n_stories += 1
            n_articles += len(story.articles)
            collect(story, name, found_q, found_f, found_d, conflicts)
        elapsed = time.perf_counter() - t0
        return (found_q, found_f, found_d, conflicts, n_stories, n_articles, elapsed,
                timed.seconds)

    def collect(story, name, found_q, found_f, found_d, conflicts) -> None:
        index = build_entities(story)
        smaps = {a.id: sentence_map(doc_by[a.id], a.clean.body) for a in story.articles}
        found_q.update(quote_keys(story, index, doc_by, set(scope["quotes"])))
        found_f.update(quote_keys(story, index, doc_by, set(scope["quotes_fresh"]),
                                  by_offset=True))
        if any(a.id in scope["dates"] for a in story.articles):
            for m in dated_mentions(story, references(story)):
                if m["article"] not in scope["dates"]:
                    continue
                loc = locate(smaps[m["article"]], m["start"])
                if loc is None:
                    continue
                i, off = loc
                found_d.append({"doc": m["article"], "sentence": i, "start": off,
                                "end": off + m["end"] - m["start"], "date": m["date"],
                                "precision": m["precision"]})
        for c in story.conflicts:
            claims = []
            for k in c["claims"]:
                sent = story.article(k["article"]).sentences[k["sentence"]]
                loc = locate(smaps[k["article"]], sent.start)
                claims.append({"article": k["article"], "sentence": k["sentence"],
                               "ecb_sentence": loc[0] if loc else -1, "value": k["value"],
                               "text": k["text"]})
            conflicts.append({"cluster": name, "about": c["about"], "kind": c["kind"],
                              "claims": claims})

    if args.only == "conflicts":
        held = {d["event_cluster"] for d in docs
                if int(d["event_cluster"].split("_")[0]) >= HELD_OUT}
        conflicts = run_layout("lines", held)[3]
        if args.dump_conflicts:
            with args.dump_conflicts.open("w", encoding="utf-8") as fh:
                for c in conflicts:
                    fh.write(json.dumps(c, ensure_ascii=False) + "\n")
        c_prec, c_rec, tp, missed, judged, unjudged = score_conflicts(conflicts, gold_c, pool)
        out = {"ecb_held_out": {"found": len(conflicts), "judged": len(judged),
                                "unjudged": unjudged, "true": tp, "precision": c_prec,
                                "pool_true": sum(p["label"] for p in pool),
                                "pool_true_missed": missed, "recall_vs_pool": c_rec}}
        if args.mn_limit:
            from benchmarks.conflicts_multinews import ANN as MN_ANN
            from benchmarks.conflicts_multinews import run as run_mn
            from benchmarks.conflicts_multinews import score as score_mn

            mn = score_mn(run_mn(args.mn_limit), [json.loads(x) for x in MN_ANN.open()])
            mn.pop("unjudged_items")
            out["multinews_tuning"] = mn
        out.update({k: v[0] for k, v in held_out_conflicts().items()})
        print(json.dumps(out, indent=1))
        return

    scoped = set(scope["quotes"]) | set(scope["dates"]) | set(scope["quotes_fresh"])
    para_clusters = {doc_by[d]["event_cluster"] for d in scoped}
    pq, pf, pd, _, _, _, _, _ = run_layout("paragraph", para_clusters)
    (found_q, found_f, found_d, conflicts, n_stories, n_articles, elapsed,
     enrich_s) = run_layout("lines", None)

    if args.dump_conflicts:
        with args.dump_conflicts.open("w", encoding="utf-8") as fh:
            for c in conflicts:
                fh.write(json.dumps(c, ensure_ascii=False) + "\n")
        print(f"{len(conflicts)} candidate conflicts written to {args.dump_conflicts}")

    q = score_quotes(gold_q, found_q, set(scope["quotes"]))
    d = score_dates(gold_d, found_d, set(scope["dates"]))
    qp = score_quotes(gold_q, pq, set(scope["quotes"]))
    dp = score_dates(gold_d, pd, set(scope["dates"]))
    c_prec, c_rec, tp, missed, judged, unjudged = score_conflicts(conflicts, gold_c, pool)

    from benchmarks.conflicts_multinews import ANN as MN_ANN
    from benchmarks.conflicts_multinews import run as run_mn
    from benchmarks.conflicts_multinews import score as score_mn

    mn_gold = [json.loads(x) for x in MN_ANN.open()]
    mn = score_mn(run_mn(args.mn_limit), mn_gold)
    mn.pop("unjudged_items")
    from benchmarks import conflicts_mn_train as mt

    mt_gold = [json.loads(x) for x in mt.ANN.open()]
    mtr = score_mn(mt.run(3000, only={g["cluster"] for g in mt_gold}), mt_gold)
    mtr.pop("unjudged_items")
    sp_gold = [json.loads(x) for x in mt.SPORTS_ANN.open()]
    spr = score_mn(mt.run(1000, only={g["cluster"] for g in sp_gold}, sports=True), sp_gold)
    spr.pop("unjudged_items")
    held = held_out_conflicts()
    q_split = {}
    for tag, found in (("lines", found_q), ("paragraph", pq)):
        for part, keep in (("1–12", lambda t: t <= QUOTE_DEV_TOPICS),
                           ("13–34", lambda t: t > QUOTE_DEV_TOPICS)):
            docs_in = {d for d in scope["quotes"] if keep(int(d.split("_")[0]))}
            q_split[(tag, part)] = score_quotes([g for g in gold_q if g["doc"] in docs_in],
                                                found, docs_in)
    gold_f = fresh_gold(doc_by)
    fresh_docs = set(scope["quotes_fresh"])
    q_fresh = {}
    for tag, found in (("lines", found_f), ("paragraph", pf)):
        q_fresh[(tag, "all")] = score_quotes(gold_f, found, fresh_docs)
        for part, keep in FRESH_PARTS:
            docs_in = {d for d in fresh_docs if keep(int(d.split("_")[0]))}
            q_fresh[(tag, part)] = score_quotes([g for g in gold_f if g["doc"] in docs_in],
                                                found, docs_in)
    t_base, t_added = example_timing(Pipeline)
    per_story = enrich_s / max(n_stories, 1)
    print(json.dumps({"quotes": q, "dates": d, "quotes_paragraph": qp, "dates_paragraph": dp,
                      "conflicts": {
        "system": len(conflicts), "judged": len(judged), "unjudged": unjudged, "true": tp,
        "precision": c_prec,
        "pool_true": sum(p["label"] for p in pool), "pool_true_missed": missed,
        "recall_vs_pool": c_rec},
        "conflicts_multinews": mn, "conflicts_mn_train": mtr, "conflicts_mn_sports": spr,
        "conflicts_held_out": {k: v[0] for k, v in held.items()},
        "quotes_by_topic": {f"{a} {b}": v for (a, b), v in q_split.items()},
        "quotes_fresh": {f"{a} {b}": v for (a, b), v in q_fresh.items()},
        "example": {"pipeline_s": t_base, "added_s": t_added},
        "ecb": {"stories": n_stories, "articles": n_articles, "seconds": elapsed,
                "added_per_story_s": per_story}}, indent=1))
    if args.no_write:
        return
    named = sum(1 for g in gold_q if g["speaker"])
    rows = []
    for tag, qq, dd in (("lines", q, d), ("paragraph", qp, dp)):
        rows += [
            (f"quote detection ({tag})", qq["gold"], qq["system"], qq["detection_precision"],
             qq["detection_recall"]),
            (f"quote → speaker ({tag})", f"{named} named", f"{qq['matched']} matched",
             qq["speaker_precision"], qq["speaker_recall"]),
            (f"timeline dates ({tag})", dd["gold"], dd["system"], dd["precision"],
             dd["recall"]),
        ]
    named_f = sum(1 for g in gold_f if g["speaker"])
    for tag in ("lines", "paragraph"):
        qf = q_fresh[(tag, "all")]
        (dp_, dr_), (sp_, sr_) = FRESH_BEFORE[(tag, "all")]
        BEFORE[f"quote detection, fresh set ({tag})"] = (dp_, dr_)
        BEFORE[f"quote → speaker, fresh set ({tag})"] = (sp_, sr_)
        rows += [
            (f"quote detection, fresh set ({tag})", qf["gold"], qf["system"],
             qf["detection_precision"], qf["detection_recall"]),
            (f"quote → speaker, fresh set ({tag})", f"{named_f} named",
             f"{qf['matched']} matched", qf["speaker_precision"], qf["speaker_recall"]),
        ]
    rows += [
        ("conflicts (ECB+ lines; held-out topics 23–45)",
         f"{sum(p['label'] for p in pool)} true in pool", f"{len(judged)} found", c_prec,
         c_rec),
        ("conflicts (Multi-News dev, tuning split)",
         f"{mn['true_in_pool']} true in {len(mn_gold)} judged", f"{mn['judged']} found",
         mn["precision"], mn["recall_vs_pool"]),
        ("conflicts (Multi-News training stories; development)",
         f"{mtr['true_in_pool']} true in {len(mt_gold)} judged", f"{mtr['judged']} found",
         mtr["precision"], mtr["recall_vs_pool"]),
        ("conflicts (Multi-News sports training stories; development)",
         f"{spr['true_in_pool']} true in {len(sp_gold)} judged", f"{spr['judged']} found",
         spr["precision"], spr["recall_vs_pool"]),
    ] + [(name, f"{r['true_in_pool']} true in {n} judged", f"{r['judged']} found",
          r["precision"], r["recall_vs_pool"]) for name, (r, n) in held.items()]

    def precision(row: tuple) -> str:
        """No precision when nothing was reported (a conflict row's system column says "0
        found"), not a zero."""
        return "–" if str(row[2]).startswith("0 found") else f"{row[3]:.2f}"

    def before(name: str) -> str:
        b = BEFORE.get(name)
        return f"{b[0]:.2f} / {b[1]:.2f}" if b else ""

    table = "\n".join(["| analysis | gold | system | precision | recall | before (P / R) |",
                       "|---|---|---|---|---|---|"] + [
        f"| {r[0]} | {r[1]} | {r[2]} | {precision(r)} | {r[4]:.2f} | {before(r[0])} |"
        for r in rows])
    split_rows = "\n".join(
        f"| {tag} | topics {part} | {v['gold']} | {v['speaker_precision']:.2f} | "
        f"{v['speaker_recall']:.2f} | {SPLIT_BEFORE[(tag, part)][0]:.2f} / "
        f"{SPLIT_BEFORE[(tag, part)][1]:.2f} |" for (tag, part), v in q_split.items())
    fresh_rows = "\n".join(
        f"| {tag} | {part} | {v['gold']} | {v['detection_precision']:.2f} / "
        f"{v['detection_recall']:.2f} | {v['speaker_precision']:.2f} / "
        f"{v['speaker_recall']:.2f} | {FRESH_BEFORE[(tag, part)][0][0]:.2f} / "
        f"{FRESH_BEFORE[(tag, part)][0][1]:.2f} | {FRESH_BEFORE[(tag, part)][1][0]:.2f} / "
        f"{FRESH_BEFORE[(tag, part)][1][1]:.2f} |" for (tag, part), v in q_fresh.items())
    fl, fp = (q_fresh[(t, "topics 13–34, never examined")] for t in ("lines", "paragraph"))
    fal, fap = (q_fresh[(t, "all")] for t in ("lines", "paragraph"))
    body = f"""## Cross-source analysis (quotes, dates, conflicts, entities)

`python benchmarks/cross_source.py` · {stamp()} · {machine()}

**Added time per story (warm).** On the example (5 articles), the cross-source enrichers add
{t_added * 1000:.0f} ms to a {t_base * 1000:.0f} ms pipeline run (mean of 5 warm runs). Over all
{n_stories} ECB+ event clusters ({n_articles} articles) they add {per_story * 1000:.0f} ms per
story on average ({enrich_s:.1f} s of {elapsed:.1f} s in all).

**Scored against hand annotations** of real ECB+ articles (`tests/data/annotations/`, method in
its README; none of them from the example):

{table}

"before": the run of 2026-11-23 13:15 UTC, before issue 13 (the Multi-News conflict set is
new: its "before" is the unchanged detector scored on the same judgements, 1 true of 4; the
training-story set is newer still: its "before" is the detector at the start of the third
pass). Conflicts, three issue-13 passes: the first (verb and subject only) measured 0.31 / 0.27
on ECB+ and 1.00 / 0.20 on Multi-News; the second (the slot read from the parse and a
confidence cut) 0.43 / 0.36 and 1.00 / 0.60, its held-out topics scored five times while it was
written, one choice made knowing their score (two rules removed after the held-out recall
fell), so not entirely clean. The third pass (the figures above, docs/cross-source.md) fixed
token comparisons by identity (spaCy makes a new Token on every access) and wrote its rules on
a third development set, 3,000 Multi-News training stories whose every reported conflict and
loose candidate was judged by hand (`conflicts_mn_train.jsonl`, method in the annotations
README), checked on ECB+ topics 1–22 and the Multi-News tuning split; the held-out topics were
scored once, at the end, and its two newly reported conflicts judged (both false). A
fourth pass, with rules from the sports set, was not kept (docs/cross-source.md).
Quote → speaker by ECB+ topic, on `quotes.jsonl`: the first two issue-13 passes wrote their
rules looking at the errors of topics 1–12 only; the third pass (this run) looked at the
errors of all annotated topics, 1–34, so neither group is held out any more. "before" is the
run before the third pass (21:59 UTC):

| layout | topics | gold quotes | speaker precision | speaker recall | before (P / R) |
|---|---|---|---|---|---|
{split_rows}

**Fresh quote set, never examined** (`quotes_fresh.jsonl`, {len(gold_f)} quotes in
{len(fresh_docs)} ECB+ *ecbplus* documents, one per topic 1–34; method in the annotations
README): annotated by reading before the system was run on any of them, then scored once with
the final rules of the third pass. Topics 13–34 are the clean held-out figure; the documents
of topics 1–12 belong to topics whose other documents' output was looked at in the first
pass. Their text differs from `quotes.jsonl` (straight and curly marks, often with a space
before the closing one, long quotations that reopen at each paragraph, where `quotes.jsonl`
has ECB-style backticks), so "before" (the code before the third pass, on the same set)
shows most of all that the earlier code paired those marks wrongly:

| layout | part | gold | detection P / R | speaker P / R | before: detection | before: speaker |
|---|---|---|---|---|---|---|
{fresh_rows}

Issue 13's goal (speaker precision ≥ 0.95, recall ≥ 0.85), unrounded, on the never-examined
fresh topics 13–34: lines {fl['speaker_precision']:.3f} / {fl['speaker_recall']:.3f},
paragraph {fp['speaker_precision']:.3f} / {fp['speaker_recall']:.3f}; on the whole fresh set:
lines {fal['speaker_precision']:.3f} / {fal['speaker_recall']:.3f}, paragraph
{fap['speaker_precision']:.3f} / {fap['speaker_recall']:.3f}.

ECB+ gives sentences without paragraph breaks, so each article is built two ways, which bracket
real articles: **lines** (each sentence its own line, as plain text arrives: the cleaner drops
header and dateline lines, but a quotation running over two sentences is cut, since paragraphs
end at line breaks) and **paragraph** (the sentences joined into one paragraph: multi-sentence
quotations stay whole, headers stay in). Numbers that ECB+ tokenised ("1, 000", "6. 1", "2: 09")
are joined back first.

Speaker precision: of the quotes the system attributes, those whose speaker is right (the
annotated speaker's surname matches; an unnamed speaker, "a Western diplomat", is right as a
description containing the annotated word). Speaker recall: of the annotated quotes with a
named speaker, those found with the right one. Quotes are annotated in {len(scope['quotes'])}
articles. Dates: a resolved date is right when its ISO value and precision equal the annotation
(weeks: within 3 days), over {len(scope['dates'])} articles whose every point-in-time expression
was annotated. Conflicts: the rules were developed on ECB+ topics 1–22; precision is over every
conflict reported on topics 23–45 ({len(judged)}), each judged by hand; recall is against a pool
of {len(pool)} candidate disagreements that a looser first version of the detector reported on
the same topics, each judged by hand ({sum(p['label'] for p in pool)} true): recall *within
that pool*, an upper bound; conflicts the detector reports that were never judged are judged by
the same method when first reported and added to the file. Multi-News conflicts: a hand-judged
set from the first {args.mn_limit} tuning-split clusters of `../shared/data/multi-news/dev.jsonl`
(`tests/data/annotations/conflicts_multinews.jsonl`, {len(mn_gold)} candidates from a loose
pass of the detector, method in the annotations README); precision over the judged conflicts
reported ({mn['judged']}), recall within the judged pool. Multi-News training stories: the
judged stories among the first 3,000 of `../shared/data/multi-news-stream/` (development data
of the third pass: where its rules stand, not how they generalise; `python
benchmarks/conflicts_mn_train.py` runs all 3,000). Fresh held-out conflict sets (issue 13,
annotations README): every reported conflict and loose candidate of the 416 test-split clusters
of the Multi-News dev sample, of 600 stream stories with exactly two sports words, and of 3,000
general stream stories (after the first 3,000, in neither sports set), each selection
committed before a candidate was read and judged by someone who wrote no rule; no rule or model
was written or fitted on them, and they are scored here only ("before": the detector before the
fifth pass, scored once when each set was committed). The fifth pass was written from a
6,000-story development set judged the same way (`conflicts_mn_dev2.jsonl`; 0.27 / 0.12 →
0.89 / 0.16 there, docs/cross-source.md); on ECB+ it splits the one true fall of 23_ecbplus into
two groups (both judged true), so 7 of 16 counts that disagreement twice (once: 6 of 15).
Conflicts remain the weak figure: values to check, not verdicts; the issue-13 goal (precision
0.80 at recall 0.45) is not met on any held-out set.
"""
    write_section("cross-source", body)


if __name__ == "__main__":
    main()
