"""Near-duplicate detection: wire copies and republished articles.

Each article's text becomes a MinHash signature over word 5-gram shingles (datasketch); a
MinHash LSH index finds earlier articles whose estimated Jaccard similarity reaches
``threshold``. A match is a *copy*: it is kept and counted as coverage by its own outlet, but
linked to its original (``Article.meta["copy_of"]``) so that fact support can count the pair
once. The original is the earliest indexed article of the match's copy chain (a copy of a copy
links to the first one).

The index holds only the last ``window_hours`` of articles (by arrival time), so memory follows
the live window, not the history. Signatures are plain integer arrays and can be stored and
reloaded (:meth:`NearDuplicates.add` takes one).
"""

from __future__ import annotations

import re
import zlib
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from datasketch import MinHash

_WORD = re.compile(r"\w+")


@dataclass
class Copy:
    """``article`` is a near-duplicate of ``original`` (estimated Jaccard ``similarity``)."""

    article: str
    original: str
    similarity: float


def shingles(text: str, size: int = 5) -> set[bytes]:
    """Word ``size``-grams of the lowercased text (the set MinHash estimates Jaccard over)."""
    words = _WORD.findall(text.lower())
    if len(words) < size:
        return {" ".join(words).encode("utf-8")} if words else set()
    return {" ".join(words[i:i + size]).encode("utf-8") for i in range(len(words) - size + 1)}


_MULT = np.uint32(0x01000193)
_WORD_CRC: dict[str, int] = {}


def shingle_hashes(text: str, size: int = 5) -> np.ndarray:
    """32-bit hashes of the word ``size``-grams, computed with numpy (crc32 per word, then a
    polynomial combination over each window): the hashing MinHash needs, without a Python-level
    hash call per shingle."""
    words = _WORD.findall(text.lower())
    if not words:
        return np.zeros(0, dtype=np.uint32)
    cache = _WORD_CRC
    if len(cache) > 1_000_000:  # bounded: a word cache, not a history
        cache.clear()
    wh = np.fromiter((cache.get(w) or cache.setdefault(w, zlib.crc32(w.encode("utf-8")))
                      for w in words), dtype=np.uint32, count=len(words))
    k = min(size, len(wh))
    n = len(wh) - k + 1
    h = np.zeros(n, dtype=np.uint32)
    with np.errstate(over="ignore"):
        for j in range(k):
            h = h * _MULT + wh[j:j + n]
    return np.unique(h)


def _identity(x: object) -> object:
    return x


class NearDuplicates:
    """A sliding-window MinHash LSH index of recent articles."""

    def __init__(self, threshold: float = 0.5, num_perm: int = 64, shingle: int = 5,
                 window_hours: float = 168.0, min_words: int = 20, seed: int = 1) -> None:
        self.threshold = threshold
        self.num_perm = num_perm
        self.shingle = shingle
        self.window_hours = window_hours
        self.min_words = min_words
        self.seed = seed
        from datasketch import MinHash, MinHashLSH  # scipy underneath: load when used

        proto = MinHash(num_perm=num_perm, seed=seed)
        self._perms = proto.permutations
        self._scheme = getattr(proto, "scheme", None)
        self._extra = {"scheme": self._scheme} if self._scheme else {}
        self._dtype = proto.hashvalues.dtype
        self.lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
        self._sigs: dict[str, MinHash] = {}
        self._root: dict[str, str] = {}
        self._order: dict[str, int] = {}
        self._queue: deque[tuple[float, str]] = deque()
        self._n = 0

    def __len__(self) -> int:
        return len(self._sigs)

    def signature(self, text: str) -> MinHash | None:
        """The MinHash of ``text``, or ``None`` when it is too short to judge."""
        if len(_WORD.findall(text)) < self.min_words:
            return None  # too short to tell a copy from a shared stock phrase
        hs = shingle_hashes(text, self.shingle)
        a, b = self._perms
        with np.errstate(over="ignore"):  # affine permutations mod 2^32, as datasketch's
            values = (hs[:, None] * a[None, :].astype(np.uint32)
                      + b[None, :].astype(np.uint32)).min(axis=0)
        return self.signature_from_values(values.astype(self._dtype))

    def signature_from_values(self, values: bytes | np.ndarray) -> MinHash:
        arr = np.frombuffer(values, dtype=self._dtype) if isinstance(values, bytes) else values
        from datasketch import MinHash

        return MinHash(num_perm=self.num_perm, seed=self.seed, hashfunc=_identity,
                       permutations=self._perms, hashvalues=arr.copy(), **self._extra)

    def find(self, sig: MinHash | None) -> Copy | None:
        """The original that ``sig`` copies, if any (nothing is added)."""
        if sig is None or not self._sigs:
            return None
        best: tuple[int, str, float] | None = None
        for key in self.lsh.query(sig):
            sim = sig.jaccard(self._sigs[key])
            if sim < self.threshold:
                continue
            root = self._root.get(key, key)
            order = self._order.get(root, self._order[key])
            if best is None or order < best[0]:
                best = (order, root, sim)
        if best is None:
            return None
        return Copy("", best[1], best[2])

    def add(self, key: str, sig: MinHash | None, time: float, copy_of: str | None = None) -> None:
        """Index ``key``; ``copy_of`` records its original so later copies link to the root."""
        self._evict(time)
        if sig is None or key in self._sigs:
            return
        self.lsh.insert(key, sig, check_duplication=False)
        self._sigs[key] = sig
        self._order[key] = self._n
        self._n += 1
        if copy_of is not None:
            self._root[key] = self._root.get(copy_of, copy_of)
        self._queue.append((time, key))

    def check(self, key: str, text: str, time: float) -> tuple[Copy | None, MinHash | None]:
        """Find the original of ``text`` (if it is a copy), then index it."""
        sig = self.signature(text)
        found = self.find(sig)
        if found is not None:
            found.article = key
        self.add(key, sig, time, found.original if found else None)
        return found, sig

    def _evict(self, now: float) -> None:
        horizon = now - self.window_hours * 3600.0
        q = self._queue
        while q and q[0][0] < horizon:
            _, key = q.popleft()
            if key in self._sigs:
                self.lsh.remove(key)
                del self._sigs[key]
                self._order.pop(key, None)
                self._root.pop(key, None)
