"""Online story clustering, one job per module, in the order the data flows:

* :mod:`.features`: an article's stemmed words, word pairs and figures, hashed; ``Doc``;
* :mod:`.statistics`: the stream's faded document frequencies (IDF);
* :mod:`.vectors`: an article's TF-IDF vectors against those statistics (``Probe``,
  ``Member``);
* :mod:`.index`: the candidate index over live stories' top centroid terms;
* :mod:`.pairs`: the pair measurements and the ``PairModel`` (P(same story));
* :mod:`.clusterer`: ``StoryClusterer``: arrival, matching, story life-cycle and the
  scikit-learn surface (``partial_fit`` / ``predict``);
* :mod:`.state`: the saved-state format (version 2, and the version 1 reader);
* :mod:`.training`: fitting the pair model on a labelled stream (``fit_pair_model``).

Clustering metrics (B³, pairwise) are in :mod:`storyweave.evaluate.clustering`.
"""

from storyweave.cluster.clusterer import LiveStory, Match, StoryClusterer
from storyweave.cluster.features import (
    STOP_WORDS,
    Doc,
    numbers,
    stemmed_tokens,
    to_timestamp,
    tokens,
)
from storyweave.cluster.pairs import PAIR_RAW, PairModel, pair_inputs
from storyweave.cluster.state import STATE_VERSION
from storyweave.cluster.training import fit_pair_model, training_pairs
from storyweave.cluster.vectors import Member, Probe

__all__ = [
    "PAIR_RAW",
    "STATE_VERSION",
    "STOP_WORDS",
    "Doc",
    "LiveStory",
    "Match",
    "Member",
    "PairModel",
    "Probe",
    "StoryClusterer",
    "fit_pair_model",
    "numbers",
    "pair_inputs",
    "stemmed_tokens",
    "to_timestamp",
    "tokens",
    "training_pairs",
]
