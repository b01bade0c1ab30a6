"""Evaluation of storyweave's summaries against human references, beside peer summarizers.

``data`` loads clusters (Multi-News or any ``{"id", "articles", "summaries"}`` JSONL), ``peers``
wraps every system behind one interface on the same sentences, ``rouge`` scores with
``rouge-score`` and bootstraps confidence intervals, ``harness`` runs it all and ``cli`` is the
``storyweave eval`` subcommand. See ``docs/evaluation.md``.
"""

from storyweave.evaluate.data import Cluster, load_clusters, split_of
from storyweave.evaluate.harness import EvalResult, evaluate

__all__ = ["Cluster", "EvalResult", "evaluate", "load_clusters", "split_of"]
