"""Evaluation of storyweave's summaries against human references, beside peer summarizers.

``data`` loads clusters (Multi-News or any ``{"id", "articles", "summaries"}`` JSONL), ``peers``
wraps every system behind one interface on the same sentences, ``rouge`` scores with
``rouge-score`` and bootstraps confidence intervals, ``harness`` runs it all (the
``storyweave eval`` command is its shell in :mod:`storyweave.cli.eval`). See
``docs/evaluation.md``.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {"Cluster": "data", "load_clusters": "data", "split_of": "data",
            "EvalResult": "harness", "evaluate": "harness"}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    """Load the scorer (rouge-score, nltk) only when it is used, not with the CLI."""
    if name in _EXPORTS:
        return getattr(import_module(f"storyweave.evaluate.{_EXPORTS[name]}"), name)
    raise AttributeError(name)
