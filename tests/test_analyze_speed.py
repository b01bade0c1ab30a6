"""The per-story speed work must not change a single annotation: the attribute ruler's indexed
matching finds exactly the matches spaCy's Matcher finds, on real articles; the thinc backend
storyweave loads is the one it claims; the entity table is built once per story."""

from __future__ import annotations

from shared_data import dev_clusters

from storyweave.analyze import IndexedAttributeMatch, load_nlp


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
    compared = matched = 0
    with nlp.select_pipes(enable=before):  # the ruler sees what it sees in the pipeline
        for doc in nlp.pipe(texts):
            stock = type(ruler).match(ruler, doc)  # spaCy's own method, the Matcher
            assert ruler.match(doc) == stock
            compared += 1
            matched += len(stock)
    assert compared == len(texts) and matched > 1000  # real work was compared


def test_indexed_attribute_ruler_leaves_the_tags_of_the_pipeline_unchanged(example_dir) -> None:
    """Whole pipeline, token by token: POS, morphology and lemmas with and without the index."""
    from storyweave.clean import Cleaner
    from storyweave.ingest import read_paths

    nlp = load_nlp()
    ruler = nlp.get_pipe("attribute_ruler")
    texts = [Cleaner()(a).body for a in read_paths([example_dir]).articles]

    def annotations() -> list[tuple[str, str, str, str]]:
        return [(t.tag_, t.pos_, str(t.morph), t.lemma_) for d in nlp.pipe(texts) for t in d]

    indexed = annotations()
    try:
        del ruler.match  # back to the class's method: spaCy's Matcher
        assert not isinstance(ruler.match, IndexedAttributeMatch)
        stock = annotations()
    finally:
        ruler.match = IndexedAttributeMatch(ruler)
    assert indexed == stock and len(stock) > 2000


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
