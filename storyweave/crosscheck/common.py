"""Small helpers the cross-source analyses share: the sentence under an offset, citations."""

from __future__ import annotations

import bisect
import re
from typing import Any

from storyweave.model import AnalyzedArticle, Sentence

WORD = re.compile(r"[^\W_]+", re.UNICODE)


def sentence_at(article: AnalyzedArticle, offset: int) -> Sentence | None:
    """The sentence of ``article`` that contains (or, failing that, precedes) char ``offset``."""
    sents = article.sentences
    if not sents:
        return None
    # bisect by key: no list of starts built per call (hundreds of calls per story)
    i = bisect.bisect_right(sents, offset, key=lambda s: s.start) - 1
    return sents[max(i, 0)]


def cite(sentence: Sentence) -> dict[str, Any]:
    return {"article": sentence.article, "sentence": sentence.index}


def words(text: str) -> list[str]:
    return [w.lower() for w in WORD.findall(text)]


def jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0
