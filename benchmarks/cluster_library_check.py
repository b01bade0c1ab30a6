"""Where the clusterer keeps hand-written code instead of a library call, and why.

Measures, on real stream articles, each hand-written hot spot of ``storyweave.cluster`` against
the library that does the same job, and checks the outputs agree:

* tokenising: the clusterer's regex + filter, scikit-learn's ``CountVectorizer`` analyser with
  the same pattern and stop words, and spaCy's tokenizer (a blank English pipeline);
* hashing words: cached CRC-32 (what stored states hold) and scikit-learn's ``murmurhash3_32``;
* the pair cosine over a candidate story's members: dict intersection per pair, and one
  scipy sparse matrix product over all members at once.

    python -m benchmarks.cluster_library_check [--articles 3000]
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import time
import zlib
from itertools import islice

import numpy as np

from benchmarks.common import SHARED, machine, stamp, write_section
from storyweave.cluster import STOP_WORDS, StoryClusterer, tokens
from storyweave.cluster.features import _TOKEN, extract_terms
from storyweave.cluster.pairs import pair_raw

STREAM = SHARED / "data" / "multi-news-stream" / "train-stream.jsonl.gz"


def per_article(fn, texts: list[str], repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        for t in texts:
            fn(t)
        best = min(best, time.perf_counter() - t0)
    return 1e6 * best / len(texts)  # microseconds per article


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--articles", type=int, default=3000)
    args = ap.parse_args()
    if not STREAM.is_file():
        print(f"{STREAM}: missing", file=sys.stderr)
        return 1
    with gzip.open(STREAM, "rt", encoding="utf-8") as f:
        items = [json.loads(line) for line in islice(f, args.articles)]
    texts = [r["text"] for r in items]
    rows = []

    # --- tokenising
    import spacy
    from sklearn.feature_extraction.text import CountVectorizer

    def regex_tokens(text: str) -> list[str]:  # the hand-written tokenizer it replaced
        return [t for t in _TOKEN.findall(text.lower())
                if t not in STOP_WORDS and len(t) > 1 and not t.isdigit()]

    analyzer = CountVectorizer(token_pattern=_TOKEN.pattern, stop_words=sorted(STOP_WORDS),
                               lowercase=True).build_analyzer()

    def sk_tokens(text: str) -> list[str]:
        return [t for t in analyzer(text) if len(t) > 1 and not t.isdigit()]

    nlp = spacy.blank("en")

    def spacy_tokens(text: str) -> list[str]:
        return [t.lower_ for t in nlp.tokenizer(text)
                if t.lower_ not in STOP_WORDS and len(t) > 1 and not t.is_digit]

    agree = sum(sk_tokens(t) == regex_tokens(t) for t in texts) / len(texts)
    agree_sp = sum(spacy_tokens(t) == regex_tokens(t) for t in texts) / len(texts)
    assert all(tokens(t) == sk_tokens(t) for t in texts[:50])  # what the clusterer uses
    ours = per_article(regex_tokens, texts)
    rows.append(("tokenise", "hand-written regex + filter (replaced)", ours, 1.0, "-"))
    sk = per_article(sk_tokens, texts)
    rows.append(("tokenise", "scikit-learn CountVectorizer analyser (used)", sk, sk / ours,
                 f"{agree:.1%} identical"))
    spt = per_article(spacy_tokens, texts, repeat=1)
    rows.append(("tokenise", "spaCy tokenizer (blank en)", spt, spt / ours,
                 f"{agree_sp:.1%} identical"))

    # --- hashing
    from sklearn.utils import murmurhash3_32

    words = [tokens(t) for t in texts]
    crc = per_article(lambda ws: [zlib.crc32(w.encode()) for w in ws], words)
    mm = per_article(lambda ws: [murmurhash3_32(w, positive=True) for w in ws], words)
    rows.append(("hash words", "CRC-32 (kept: stored states hold these ids)", crc, 1.0, "-"))
    rows.append(("hash words", "scikit-learn murmurhash3_32", mm, mm / crc,
                 "other ids: stored states unreadable"))

    # --- pair cosine against a story's members
    import scipy.sparse as sp

    model = StoryClusterer()
    probes = []
    for r in items:
        model.stats_.count(*extract_terms(r["text"], model.hash_bits, model.pair_bits)[1:])
    for r in items[:600]:
        probes.append(model.probe(model_doc(r), time=0.0))
    members = [p.member for p in probes]
    groups = [(probes[i], members[max(0, i - 16):i]) for i in range(16, len(probes))]

    def dict_way(g):
        p, ms = g
        return [pair_raw(p, m) for m in ms]

    def sparse_way(g):
        p, ms = g
        rows_, cols, vals = [], [], []
        for k, m in enumerate(ms):
            rows_ += [k] * len(m.weights)
            cols += list(m.weights)
            vals += list(m.weights.values())
        M = sp.csr_matrix((vals, (rows_, cols)), shape=(len(ms), 1 << model.hash_bits))
        q = sp.csr_matrix((list(p.member.weights.values()),
                           ([0] * len(p.member.weights), list(p.member.weights))),
                          shape=(1, 1 << model.hash_bits))
        return (M @ q.T).toarray().ravel()

    same = all(np.allclose([r[0] if r else 0.0 for r in dict_way(g)],
                           [c if c >= 0.05 else 0.0 for c in sparse_way(g)]) for g in groups)
    dw = per_article(dict_way, groups)
    sw = per_article(sparse_way, groups)
    rows.append(("cosine vs 16 members", "dict intersection, all 15 pair features (kept)", dw,
                 1.0, "-"))
    rows.append(("cosine vs 16 members", "scipy.sparse product, cosine only", sw, sw / dw,
                 "same cosines" if same else "cosines differ"))

    lines = [f"`python -m benchmarks.cluster_library_check --articles {args.articles}` · "
             f"{stamp()} · {machine()}", "",
             "Each hand-written hot spot of `storyweave/cluster/` against the library that does "
             "the same job, on real stream articles (best of 3 passes; µs per article, or per "
             "arriving article for the cosine; × is the time relative to the first row of the "
             "job). The clusterer uses the library where it is about as fast and gives the same "
             "output, and keeps its own code only where the library is slower or would change "
             "the stored ids.", "",
             "| job | implementation | µs | × first row | outputs |", "|---|---|---|---|---|"]
    lines += [f"| {job} | {impl} | {us:,.0f} | {ratio:.2f} | {note} |"
              for job, impl, us, ratio, note in rows]
    write_section("cluster-library-check", "## Clustering: library or hand-written\n\n"
                  + "\n".join(lines))
    print("\n".join(lines))
    return 0


def model_doc(r: dict):
    from storyweave.cluster import Doc

    return Doc(r["id"], r["text"], None)


if __name__ == "__main__":
    sys.exit(main())
