"""The hand annotations used by benchmarks/cross_source.py are well formed and hold no text."""

from __future__ import annotations

import json
import re
from pathlib import Path

ANN = Path(__file__).resolve().parent / "data" / "annotations"


def _rows(name: str) -> list[dict]:
    return [json.loads(line) for line in (ANN / name).read_text().splitlines() if line]


def test_annotations_are_ids_and_labels() -> None:
    scope = json.loads((ANN / "scope.json").read_text())
    quotes, dates = _rows("quotes.jsonl"), _rows("dates.jsonl")
    assert len(quotes) >= 60 and len(dates) >= 60
    assert {q["doc"] for q in quotes} <= set(scope["quotes"])
    assert {d["doc"] for d in dates} <= set(scope["dates"])
    for q in quotes:
        assert set(q) <= {"doc", "sentence", "mark", "speaker", "describe"}
    for d in dates:
        assert set(d) == {"doc", "sentence", "start", "end", "date", "precision"}
        assert re.fullmatch(r"\d{4}(-\d\d(-\d\d)?)?", d["date"]) and d["start"] < d["end"]
    for name in ("conflicts.jsonl", "conflict_pool.jsonl"):
        rows = _rows(name)
        assert len(rows) >= 20
        for r in rows:
            assert set(r) == {"cluster", "about", "claims", "label", "note"}
            assert all(set(c) == {"article", "sentence"} for c in r["claims"])


def test_fresh_quote_set_is_ids_offsets_and_labels() -> None:
    scope = json.loads((ANN / "scope.json").read_text())
    rows = _rows("quotes_fresh.jsonl")
    assert len(rows) >= 80
    assert {q["doc"] for q in rows} <= set(scope["quotes_fresh"])
    assert not set(scope["quotes_fresh"]) & set(scope["quotes"])
    assert len({(q["doc"], q["sentence"], q["at"]) for q in rows}) == len(rows)
    for q in rows:
        assert set(q) <= {"doc", "sentence", "at", "speaker", "describe"}
        assert isinstance(q["at"], int) and q["at"] >= 0
        assert q["speaker"] is None or len(q["speaker"]) < 40  # a name, never a quotation


def test_multinews_conflict_set_is_ids_and_labels() -> None:
    rows = _rows("conflicts_multinews.jsonl")
    assert len(rows) >= 50  # issue 13: at least 50 judged candidates
    assert any(r["label"] for r in rows) and not all(r["label"] for r in rows)
    for r in rows:
        assert set(r) == {"cluster", "about", "claims", "label", "note"}
        assert re.fullmatch(r"mn\d+", r["cluster"])
        assert all(set(c) == {"article", "sentence"} for c in r["claims"])
        assert len(r["note"]) < 80  # a reason in a few words, never article text


def test_multinews_training_conflict_set_is_ids_and_labels() -> None:
    """Issue 13's third development set: Multi-News training stories of the stream."""
    rows = _rows("conflicts_mn_train.jsonl")
    assert len(rows) >= 250
    assert sum(r["label"] for r in rows) >= 20 and not all(r["label"] for r in rows)
    for r in rows:
        assert set(r) == {"cluster", "about", "claims", "label", "note"}
        assert re.fullmatch(r"mn\d+", r["cluster"])
        assert all(set(c) == {"article", "sentence"} for c in r["claims"])
        assert all(c["article"].startswith(r["cluster"] + "-") for c in r["claims"])
        assert len(r["note"]) < 80


def test_entity_type_sample_is_hashes_and_labels() -> None:
    rows = _rows("entity_types.jsonl")
    assert len(rows) >= 50
    for r in rows:
        assert set(r) == {"cluster", "name_sha1", "type"}
        assert re.fullmatch(r"[0-9a-f]{12}", r["name_sha1"])
        assert r["type"] in {"person", "organisation", "place", "event", "other"}
