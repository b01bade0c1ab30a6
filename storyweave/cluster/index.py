"""The candidate index: which live stories an arriving article should be scored against.

An inverted index from a term to the live stories whose centroid has it among its top
``index_terms`` terms, with the centroid weight. Looking up an article's heaviest terms gives
each story's partial dot product with it, so the cost per article depends on the live window,
not on how much history has been seen; a story leaves the index when it closes.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator


class CandidateIndex:
    """Term -> {story id: centroid weight} over live stories' top centroid terms."""

    def __init__(self, index_terms: int = 40, query_terms: int = 30,
                 max_candidates: int = 8) -> None:
        self.index_terms = index_terms
        self.query_terms = query_terms
        self.max_candidates = max_candidates
        self.postings: dict[int, dict[str, float]] = {}

    def __len__(self) -> int:
        return len(self.postings)

    def __iter__(self) -> Iterator[int]:
        return iter(self.postings)

    def update(self, story_id: str, centroid: dict[int, float],
               indexed: tuple[int, ...]) -> tuple[int, ...]:
        """Index the story under its current top terms (``indexed``: those it was under);
        returns the terms it is now indexed under."""
        top = tuple(heapq.nlargest(self.index_terms, centroid, key=centroid.__getitem__))
        new = set(top)
        postings = self.postings
        for h in set(indexed) - new:
            posting = postings.get(h)
            if posting is not None:
                posting.pop(story_id, None)
                if not posting:
                    del postings[h]
        for h in top:
            posting = postings.get(h)
            if posting is None:
                postings[h] = {story_id: centroid[h]}
            else:
                posting[story_id] = centroid[h]
        return top

    def remove(self, story_id: str, indexed: tuple[int, ...]) -> None:
        for h in indexed:
            posting = self.postings.get(h)
            if posting is not None:
                posting.pop(story_id, None)
                if not posting:
                    del self.postings[h]

    def candidates(self, vec: dict[int, float]) -> dict[str, float]:
        """Live stories sharing indexed terms with the article's ``query_terms`` heaviest
        terms, with their partial dot product; the ``max_candidates`` best only."""
        acc: dict[str, float] = {}
        postings = self.postings
        query = vec.items()
        if len(vec) > self.query_terms:
            query = heapq.nlargest(self.query_terms, query, key=lambda kv: kv[1])
        get = acc.get
        for h, w in query:
            posting = postings.get(h)
            if posting:
                for sid, cw in posting.items():
                    acc[sid] = get(sid, 0.0) + w * cw
        if len(acc) > self.max_candidates:
            return {sid: acc[sid] for sid in heapq.nlargest(self.max_candidates, acc, key=get)}
        return acc
