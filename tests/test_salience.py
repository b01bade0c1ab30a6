"""The learned summarizer's salience model: features, the exported trees, the shipped file.

Real articles only: the example story from ../shared. The trees are checked against
scikit-learn's own predictions, so the JSON export cannot drift from what was fitted.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from storyweave.align import FactAligner
from storyweave.evaluate.salience_training import fit_salience_model, reference_bigram_hits
from storyweave.salience import FEATURES, TreeModel, load_salience_model, sentence_features
from storyweave.summarizers import LearnedSummarizer


@pytest.fixture(scope="module")
def alignment(example_dir, pipeline):
    from storyweave.ingest import read_paths

    analyzed, _, _ = pipeline.prepare(read_paths([example_dir]).articles)
    return FactAligner()(analyzed)


def test_features_one_row_per_sentence_and_position_is_relative(alignment) -> None:
    x = sentence_features(alignment)
    assert x.shape == (len(alignment.sentences), len(FEATURES))
    assert np.isfinite(x).all()
    col = FEATURES.index
    pos = x[:, col("relative_position")]
    assert ((pos >= 0) & (pos < 1)).all()
    first = np.array([s.index == 0 for s in alignment.sentences])
    assert (pos[first] == 0).all() and (x[first, col("first")] == 1).all()
    assert (x[:, col("words")] == [s.words for s in alignment.sentences]).all()
    assert (x[:, col("articles")] == len({s.article for s in alignment.sentences})).all()


def test_exported_trees_predict_what_sklearn_predicts(alignment) -> None:
    from sklearn.ensemble import HistGradientBoostingRegressor

    x = sentence_features(alignment)
    # a target that depends on several features, so the trees really split
    y = x[:, FEATURES.index("centrality_other")] * 3 + (x[:, FEATURES.index("first")] > 0)
    sk = HistGradientBoostingRegressor(random_state=0, early_stopping=False, max_iter=30,
                                       min_samples_leaf=3).fit(x, y)
    mine = TreeModel.from_sklearn(sk)
    assert np.allclose(mine.predict(x), sk.predict(x))
    again = TreeModel.from_dict(json.loads(json.dumps(mine.to_dict())))
    assert np.array_equal(again.predict(x), mine.predict(x))


def test_fitting_is_deterministic(alignment) -> None:
    x = sentence_features(alignment)
    y = reference_bigram_hits([s.text for s in alignment.sentences],
                              [alignment.sentences[0].text + " " + alignment.sentences[5].text])
    assert y.max() > 0
    a = fit_salience_model(x, y, max_iter=20, min_samples_leaf=3)
    b = fit_salience_model(x, y, max_iter=20, min_samples_leaf=3)
    assert a.to_dict() == b.to_dict()


def test_reference_hits_count_shared_bigrams() -> None:
    hits = reference_bigram_hits(["The talks ended on Tuesday.", "Nothing in common here."],
                                 ["Talks ended on Tuesday in Beijing."])
    assert hits.tolist() == [3.0, 0.0]  # talk-end, end-on, on-tuesday (stemmed)


def test_shipped_model_ranks_the_example(alignment) -> None:
    model = load_salience_model()
    assert model.features == FEATURES and len(model.trees) > 10
    assert "dev" in model.meta["trained_on"]
    worth = LearnedSummarizer().worth(alignment)
    assert (worth > 0).all() and np.ptp(worth) > 0.5
    lengths = np.array([s.words for s in alignment.sentences])
    assert np.corrcoef(worth, lengths)[0, 1] > 0  # longer sentences hold more bigrams


def test_model_with_other_features_is_refused() -> None:
    bad = TreeModel(("a", "b"), 0.0, [], {})
    with pytest.raises(ValueError, match="features"):
        bad.predict(np.zeros((2, len(FEATURES))))


def _tree_by_tree(model: TreeModel, x: np.ndarray) -> np.ndarray:
    """The plain reading of the trees: one tree after the other, each from its node lists."""
    out = np.full(len(x), model.baseline)
    for t in model.trees:
        node = np.zeros(len(x), dtype=int)
        while True:
            active = ~np.asarray(t["leaf"], dtype=bool)[node]
            if not active.any():
                break
            feature = np.asarray(t["feature"], dtype=int)[node]
            v = x[np.arange(len(x)), feature]
            go_left = np.where(np.isnan(v), np.asarray(t["missing_left"], dtype=bool)[node],
                               v <= np.asarray(t["threshold"])[node])
            child = np.where(go_left, np.asarray(t["left"], dtype=int)[node],
                             np.asarray(t["right"], dtype=int)[node])
            node = np.where(active, child, node)
        out += np.asarray(t["value"])[node]
    return out


def test_shipped_model_predicts_bit_for_bit_what_its_trees_say(alignment) -> None:
    """The all-trees-at-once walk is a speed-up only: same numbers to the last bit, here on
    the example's rows and on the same rows with missing values and shuffled features."""
    model = load_salience_model()
    x = sentence_features(alignment)
    rng = np.random.default_rng(0)
    odd = x[rng.permutation(len(x))][:, rng.permutation(x.shape[1])]
    odd[rng.random(odd.shape) < 0.1] = np.nan
    for rows in (x, odd, x[:1], x[:0]):
        assert np.array_equal(model.predict(rows), _tree_by_tree(model, rows))
    assert np.ptp(model.predict(x)) > 0
