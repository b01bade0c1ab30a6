"""The per-story speed work must not change a single annotation: the attribute ruler's indexed
matching finds exactly the matches spaCy's Matcher finds, on real articles; sentences read from
the doc's arrays are those read token by token; the thinc backend storyweave loads is the one
it claims; the entity table is built once per story."""

from __future__ import annotations

from shared_data import dev_clusters
from spacy.tokens import Doc

from storyweave.analyze import (
    _TITLES,
    ENTITY_LABELS,
    IndexedAttributeMatch,
    _paragraph_starts,
    load_nlp,
    sentences_from_doc,
)
from storyweave.model import Mention, Sentence


def _dev_texts(clusters: int) -> list[str]:
    return [a.get("text") or "" for rec in dev_clusters(clusters) for a in rec["articles"]]


def test_indexed_attribute_ruler_matches_exactly_what_the_matcher_matches(example_dir) -> None:
    from storyweave.clean import Cleaner
    from storyweave.ingest import read_paths

    nlp = load_nlp()
    ruler = nlp.get_pipe("attribute_ruler")
    assert isinstance(ruler.match, IndexedAttributeMatch)
    texts = [Cleaner()(a).body for a in read_paths([example_dir]).articles] + _dev_texts(25)
    before = nlp.pipe_names[:nlp.pipe_names.index("attribute_ruler")]
    compared = matched = fixed = 0
    with nlp.select_pipes(enable=before):  # the ruler sees what it sees in the pipeline
        for doc in nlp.pipe(texts):
            stock = type(ruler).match(ruler, doc)  # spaCy's own method, the Matcher
            assert ruler.match(doc) == stock
            compared += 1
            matched += len(stock)
            fixed += len(ruler.match.fixed(doc))
    assert compared == len(texts) and matched > 1000  # real work was compared
    # the dependency, set, regex and two-token patterns: all evaluated on arrays, and found
    assert ruler.match.fixed.patterns and not len(ruler.match.rest) and fixed > 100


def test_indexed_ruler_and_remembered_lemmas_leave_every_annotation_unchanged(
        example_dir) -> None:
    """Whole pipeline, token by token, with the ruler's index and the lemma memo and without
    (spaCy's Matcher and its lemmatizer as loaded): tags, POS, morphology, lemmas, sentence
    starts, dependencies and entities."""
    from storyweave.analyze import MemoLemmatize
    from storyweave.clean import Cleaner
    from storyweave.ingest import read_paths

    nlp = load_nlp()
    ruler = nlp.get_pipe("attribute_ruler")
    lemmatizer = nlp.get_pipe("lemmatizer")
    assert isinstance(lemmatizer.lemmatize, MemoLemmatize)
    texts = [Cleaner()(a).body for a in read_paths([example_dir]).articles] + _dev_texts(10)

    def annotations() -> list[tuple[str, str, str, str, bool, str, int, str, str]]:
        return [(t.tag_, t.pos_, str(t.morph), t.lemma_, bool(t.is_sent_start), t.dep_,
                 t.head.i, t.ent_iob_, t.ent_type_) for d in nlp.pipe(texts) for t in d]

    fast = annotations()
    memo = lemmatizer.lemmatize
    try:
        del ruler.match  # back to the class's method: spaCy's Matcher
        assert not isinstance(ruler.match, IndexedAttributeMatch)
        lemmatizer.lemmatize = memo.lemmatize  # spaCy's rule_lemmatize
        stock = annotations()
    finally:
        ruler.match = IndexedAttributeMatch(ruler)
        lemmatizer.lemmatize = memo
    assert fast == stock and len(stock) > 5000
    assert len(memo.memo) > 1000  # the memo was used


def test_paragraph_breaks_found_from_offsets_are_the_tokens_holding_a_break(example_dir) -> None:
    from storyweave.analyze import _tokens_with_newline
    from storyweave.clean import Cleaner
    from storyweave.ingest import read_paths

    nlp = load_nlp()
    texts = [Cleaner()(a).body for a in read_paths([example_dir]).articles] + _dev_texts(25)
    texts += ["", "\n", "one\n\ntwo", "a \nb\n", "tail\n\n"]
    breaks = 0
    for text in texts:
        doc = nlp.make_doc(text)
        plain = [t.i for t in doc if "\n" in t.text_with_ws]
        assert _tokens_with_newline(doc) == plain
        breaks += len(plain)
    assert breaks > 40


def test_spacy_layers_use_numpy_blas_for_gemm() -> None:
    from thinc.api import Model

    nlp = load_nlp()
    for _, proc in nlp.pipeline:
        if isinstance(getattr(proc, "model", None), Model):
            assert all(node.ops.use_blis is False for node in proc.model.walk())


def test_entity_table_is_built_once_per_story(example_dir, monkeypatch) -> None:
    import storyweave.crosscheck as cc
    from storyweave.ingest import read_paths
    from storyweave.pipeline import Pipeline

    calls: list[int] = []
    real = cc.build_entities

    def counting(story):  # noqa: ANN001, ANN202
        calls.append(1)
        return real(story)

    monkeypatch.setattr(cc, "build_entities", counting)
    articles = read_paths([example_dir]).articles
    first = Pipeline().run(articles)
    second = Pipeline().run(articles)  # a new story object: its own table
    assert len(calls) == 2
    assert first.entities and first.quotes is not None and first.entities == second.entities


def test_blas_threads_limits_inside_and_restores_after() -> None:
    from threadpoolctl import threadpool_info

    from storyweave.analyze import blas_threads

    def counts() -> list[int]:
        return [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]

    before = counts()
    with blas_threads(1):
        assert counts() and set(counts()) == {1}
    assert counts() == before


def _sentences_token_by_token(article_id: str, doc: Doc) -> list[Sentence]:
    """The plain reading of ``sentences_from_doc`` through spaCy's ``Token`` and ``Span``
    objects (storyweave's code before it read the doc's arrays)."""
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
        lemmas = [
            t.lemma_.lower()
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


def test_sentences_read_from_arrays_equal_the_token_by_token_reading(example_dir) -> None:
    """Texts, offsets, paragraphs, word counts, entities and lemmas of every sentence, on the
    example and real Multi-News articles (entities crossing a sentence end included)."""
    from storyweave.clean import Cleaner
    from storyweave.ingest import read_paths

    nlp = load_nlp()
    texts = [Cleaner()(a).body for a in read_paths([example_dir]).articles] + _dev_texts(25)
    sentences = entities = 0
    for n, doc in enumerate(nlp.pipe(texts)):
        fast = sentences_from_doc(f"a{n}", doc)
        assert fast == _sentences_token_by_token(f"a{n}", doc)
        sentences += len(fast)
        entities += sum(len(s.entities) for s in fast)
    assert sentences > 500 and entities > 500
