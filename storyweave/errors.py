"""Errors meant for the user: one line each, no traceback.

A light module (it imports only the data model) so that every stage and command can raise or
catch these without loading spaCy or the evaluation stack.
"""

from __future__ import annotations

from storyweave.model import Rejected


class StoryweaveError(Exception):
    """An error meant for the user: one line, no traceback."""


class NoUsableArticles(StoryweaveError):
    """Raised when every input was rejected; carries the reasons."""

    def __init__(self, rejected: list[Rejected]) -> None:
        self.rejected = rejected
        detail = "; ".join(f"{r.origin}: {r.reason}" for r in rejected[:3])
        more = f" (and {len(rejected) - 3} more)" if len(rejected) > 3 else ""
        super().__init__(f"no usable articles{': ' + detail if detail else ''}{more}")
