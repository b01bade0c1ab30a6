"""What the clusterer reads of an article: stemmed content words, word pairs and figures,
hashed into fixed-size tables, plus the article's time.

Words are split by scikit-learn's ``CountVectorizer`` analyser, and stemmed by nltk's Snowball.
They are hashed with CRC-32 rather than scikit-learn's ``murmurhash3_32``: the hashed ids are
what a saved clustering state holds, so another hash would make every stored state unreadable
and move memberships, and murmur is no faster here (5 vs 7 µs per article on the stream,
``python -m benchmarks.cluster_library_check``, docs/benchmarks.md).
"""

from __future__ import annotations

import functools
import re
import zlib
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple

import numpy as np

from storyweave.model import Article

_TOKEN = re.compile(r"[a-z0-9]+(?:['’.-][a-z0-9]+)*")
_NUMBER = re.compile(r"\b\d[\d,.]*\d\b|\b\d\b")

_STOP_TEXT = """
    a about above after again against all also am an and any are aren't as at be because been
    before being below between both but by can can't cannot could couldn't did didn't do
    does doesn't doing don't down during each few for from further had hadn't has hasn't
    have haven't having he he'd he'll he's her here here's hers herself him himself his how
    how's i i'd i'll i'm i've if in into is isn't it it's its itself let's me more most
    mustn't my myself no nor not of off on once only or other ought our ours ourselves out
    over own same shan't she she'd she'll she's should shouldn't so some such than that
    that's the their theirs them themselves then there there's these they they'd they'll
    they're they've this those through to too under until up very was wasn't we we'd we'll
    we're we've were weren't what what's when when's where where's which while who who's
    whom why why's will with won't would wouldn't you you'd you'll you're you've your yours
    yourself yourselves said says say told just like one two three new also us mr mrs ms
    many much may might must now even still well back get got go going make made year years
    time first last people according including since however another around way would could
    week day days today yesterday monday tuesday wednesday thursday friday saturday sunday s
    t re ve ll d m reuters ap associated press news reported report reports percent"""
STOP_WORDS = frozenset(_STOP_TEXT.split())


@functools.cache
def _analyzer() -> Any:
    from sklearn.feature_extraction.text import CountVectorizer

    return CountVectorizer(token_pattern=_TOKEN.pattern, stop_words=sorted(STOP_WORDS),
                           lowercase=True).build_analyzer()


def tokens(text: str) -> list[str]:
    """Lowercased content words (stop words and bare numbers dropped), through
    scikit-learn's analyser with the clusterer's word pattern."""
    return [t for t in _analyzer()(text) if len(t) > 1 and not t.isdigit()]


@functools.cache
def _stemmer() -> Any:
    from nltk.stem.snowball import SnowballStemmer

    return functools.lru_cache(maxsize=200_000)(SnowballStemmer("english").stem)


def stemmed_tokens(text: str) -> list[str]:
    """:func:`tokens`, Snowball-stemmed, so that "protest", "protests" and "protesters"
    count as shared words between two reports."""
    stem = _stemmer()
    return [stem(t) for t in tokens(text)]


def numbers(text: str) -> list[str]:
    """Figures of two characters or more ("1,200", "3.5", "2018"): two reports giving the
    same figures very likely tell the same story."""
    return [t for t in _NUMBER.findall(text) if len(t) >= 2]


_TERM_CRC: dict[str, int] = {}


def term_hash(term: str, bits: int) -> int:
    """CRC-32 of a word, cut to ``bits``; words recur, so their hashes are cached."""
    h = _TERM_CRC.get(term)
    if h is None:
        if len(_TERM_CRC) > 1_000_000:  # bounded: a cache, not a vocabulary
            _TERM_CRC.clear()
        h = _TERM_CRC[term] = zlib.crc32(term.encode("utf-8"))
    return h & ((1 << bits) - 1)


def term_hashes(terms: Iterable[str], bits: int) -> np.ndarray:
    return np.fromiter((term_hash(t, bits) for t in terms), dtype=np.int64)


class Terms(NamedTuple):
    """An article's words (counts, and their hashes in the same order), hashed word pairs
    and hashed figures."""

    counts: Counter[str]
    words: np.ndarray
    pairs: np.ndarray
    numbers: np.ndarray


def extract_terms(text: str, hash_bits: int, pair_bits: int) -> Terms:
    words = stemmed_tokens(text)
    counts = Counter(words)
    hs = term_hashes(counts, hash_bits)
    # word pairs and figures are hashed directly, not through the cache: most are seen
    # once, and caching them would fill it with a million one-off strings
    mask, crc = (1 << pair_bits) - 1, zlib.crc32
    pairs = {crc(f"{a} {b}".encode()) & mask for a, b in zip(words, words[1:], strict=False)}
    nums = {crc(f"#{n}".encode()) & mask for n in numbers(text)}
    return Terms(counts, hs, np.fromiter(pairs, dtype=np.int64, count=len(pairs)),
                 np.fromiter(nums, dtype=np.int64, count=len(nums)))


def to_timestamp(value: Any) -> float | None:
    """Seconds since the epoch from an ISO string, a datetime or a number; ``None`` if unknown."""
    if value is None or value == "":
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, datetime):
        dt = value
    else:
        try:
            dt = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.timestamp()


@dataclass
class Doc:
    """What the clusterer needs of an article: id, text, optional time (epoch seconds)."""

    id: str
    text: str
    time: float | None = None
    title: str = ""

    @classmethod
    def of(cls, item: Any) -> Doc:
        if isinstance(item, Doc):
            return item
        if isinstance(item, Article):
            return cls(item.id, f"{item.title}\n{item.body}", to_timestamp(item.published),
                       item.title)
        if isinstance(item, Mapping):
            title = str(item.get("title") or "")
            text = str(item.get("text") or item.get("body") or "")
            return cls(str(item.get("id")), f"{title}\n{text}" if title else text,
                       to_timestamp(item.get("published")), title)
        if isinstance(item, str):
            return cls("", item, None)
        raise TypeError(f"cannot cluster a {type(item).__name__}")
