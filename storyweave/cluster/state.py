"""The clusterer's saved state: everything needed to carry on after a restart, as bytes.

Format (version 2): an 8-byte length and a JSON header (parameters, counters, the live
stories' sizes and times, each member's time and term counts), then seven length-prefixed
numpy arrays (centroid terms and weights, member terms and weights, member word pairs and
figures, the two frequency tables as float16), zlib-compressed. No pickle, so a foreign
database cannot run code. Version 1 (before pair scoring: no members, integer frequencies)
still loads; its stories get their members back through ``StoryClusterer.remember``.
"""

from __future__ import annotations

import json
import math
import zlib
from typing import Any

import numpy as np

from storyweave.cluster.pairs import PairModel
from storyweave.cluster.vectors import Member

# The clusterer is passed in (``model``, ``cls``) rather than imported: it calls these functions
# from its ``dumps``/``loads``, and the format module stays below it.
StoryClusterer = Any

STATE_VERSION = 2
_ARRAYS = (np.int64, np.float64, np.int64, np.float64, np.int64, np.float16, np.float16)


def _concat(arrays: list[np.ndarray], dtype: Any) -> np.ndarray:
    return np.concatenate(arrays).astype(dtype, copy=False) if arrays else np.zeros(0, dtype)


def dumps(model: StoryClusterer) -> bytes:
    stories = list(model.live_.values())
    stats = model.stats_
    params = model.get_params()
    if model.pair_model is not None:
        params["pair_model"] = model.pair_model.to_dict()
    members = [m for st in stories for m in st.members]
    header = {
        "version": STATE_VERSION,
        "params": params,
        "n_docs": stats.n_docs,
        "df_total": stats.total / stats.weight,
        "next_id": model.next_id_,
        "clock": model.clock_ if math.isfinite(model.clock_) else None,
        "live": [{"id": st.id, "size": st.size, "first": st.first, "last": st.last,
                  "n": len(st.centroid), "members": len(st.members)} for st in stories],
        "member_times": [m.time for m in members],
        "member_sizes": [[len(m.weights), len(m.bigrams), len(m.numbers)] for m in members],
    }
    hs = np.fromiter((h for st in stories for h in st.centroid), dtype=np.int64)
    ws = np.fromiter((w for st in stories for w in st.centroid.values()), dtype=np.float64)
    # one small array per member, then one concatenation: a generator over every term
    # of every member costs ~10x more, and this runs at every checkpoint
    mh = _concat([np.array(list(m.weights), dtype=np.int64) for m in members], np.int64)
    mw = _concat([np.array(list(m.weights.values())) for m in members], np.float64)
    mp = _concat([np.array([*m.bigrams, *m.numbers], dtype=np.int64) for m in members],
                 np.int64)
    # the frequency tables as faded counts in float16 (3 significant digits, as much as
    # "rare" and the IDF need): half the bytes to compress at every checkpoint
    w = stats.weight
    df16 = (stats.df / np.float32(w)).astype(np.float16)
    pdf16 = (stats.pair_df / np.float32(w)).astype(np.float16)
    head = json.dumps(header).encode("utf-8")
    parts = [len(head).to_bytes(8, "little"), head]
    for arr in (hs, ws, mh, mw, mp, df16, pdf16):
        parts += [arr.nbytes.to_bytes(8, "little"), arr.tobytes()]
    return zlib.compress(b"".join(parts), 1)


def loads(blob: bytes, cls: Any) -> StoryClusterer:
    try:
        raw = zlib.decompress(blob)
        n_head = int.from_bytes(raw[:8], "little")
        state = json.loads(raw[8:8 + n_head].decode("utf-8"))
    except (zlib.error, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ValueError(f"clustering state is corrupt ({err})") from None
    version = state.get("version") if isinstance(state, dict) else None
    if version == 1:
        return _loads_v1(raw, n_head, state, cls)
    if version != STATE_VERSION:
        raise ValueError(f"clustering state version {version} is not {STATE_VERSION}")
    pos = 8 + n_head
    arrays = []
    for dtype in _ARRAYS:
        nbytes = int.from_bytes(raw[pos:pos + 8], "little")
        pos += 8
        arrays.append(np.frombuffer(raw, dtype=dtype, count=nbytes // np.dtype(dtype).itemsize,
                                    offset=pos))
        pos += nbytes
    hs, ws, mh, mw, mp, df, pdf = arrays
    params = dict(state["params"])
    if params.get("pair_model") is not None:
        params["pair_model"] = PairModel.from_dict(params["pair_model"])
    model = cls(**params)
    stats = model.stats_
    stats.df, stats.pair_df = df.astype(np.float32), pdf.astype(np.float32)
    stats.n_docs = int(state["n_docs"])
    stats.total = float(state["df_total"])  # (weight 1 again: faded counts)
    model.next_id_ = int(state["next_id"])
    model.clock_ = state["clock"] if state["clock"] is not None else float("-inf")
    members = []
    at = pat = 0
    hl, wl, pl = mh.tolist(), mw.tolist(), mp.tolist()
    for t, (nw, nb, nn) in zip(state["member_times"], state["member_sizes"], strict=True):
        members.append(Member(dict(zip(hl[at:at + nw], wl[at:at + nw], strict=True)),
                              frozenset(pl[pat:pat + nb]),
                              frozenset(pl[pat + nb:pat + nb + nn]), float(t)))
        at += nw
        pat += nb + nn
    at = m_at = 0
    for s in state["live"]:
        k, nm = int(s["n"]), int(s["members"])
        model.restore_story(s["id"], dict(zip(hs[at:at + k].tolist(), ws[at:at + k].tolist(),
                                              strict=True)),
                            int(s["size"]), float(s["first"]), float(s["last"]),
                            members[m_at:m_at + nm])
        at += k
        m_at += nm
    return model


def _loads_v1(raw: bytes, n_head: int, state: dict[str, Any], cls: Any) -> StoryClusterer:
    known = set(cls._PARAMS)
    model = cls(**{k: v for k, v in state["params"].items() if k in known and
                   k != "threshold"})
    stats = model.stats_
    pos = 8 + n_head
    n = int.from_bytes(raw[pos:pos + 8], "little")
    pos += 8
    hs = np.frombuffer(raw, dtype=np.int64, count=n, offset=pos)
    ws = np.frombuffer(raw, dtype=np.float64, count=n, offset=pos + 8 * n)
    df = np.frombuffer(raw, dtype=np.int32, offset=pos + 16 * n)
    if len(df) == len(stats.df):
        stats.df = df.astype(np.float32)  # plain counts: weight 1 each
    stats.n_docs = int(state["n_docs"])
    stats.total = float(stats.n_docs)
    model.next_id_ = int(state["next_id"])
    model.clock_ = state["clock"] if state["clock"] is not None else float("-inf")
    at = 0
    for s in state["live"]:
        k = int(s["n"])
        model.restore_story(s["id"], dict(zip(hs[at:at + k].tolist(), ws[at:at + k].tolist(),
                                              strict=True)),
                            int(s["size"]), float(s["first"]), float(s["last"]))
        at += k
    return model
