"""Hostile input found in issue 14: each case reproduced through the command line, as a user
would meet it. None may end in an internal error (exit 3) or lose an input."""

from __future__ import annotations

import json
import random

import pytest

from storyweave.cli import main
from storyweave.cli.common import EXIT_INTERNAL
from storyweave.ingest import read_inputs, read_paths
from storyweave.ingest.records import MAX_ARTICLE_CHARS
from storyweave.store import Store


def words(seed: int, sentences: int = 8) -> str:
    """Made-up sentences (no news text): distinct topic words, so they cluster apart."""
    rng = random.Random(seed)
    own = [f"topic{seed}word{i}" for i in range(20)]
    return " ".join(" ".join(rng.choice(own) for _ in range(10)).capitalize() + "."
                    for _ in range(sentences))


DEEP = "[" * 100_000 + "]" * 100_000


# ------------------------------------------------------------------ 3. deeply nested JSON


@pytest.mark.parametrize("name, content", [
    ("deep.json", DEEP),
    ("deep.jsonl", json.dumps({"text": words(1)}) + "\n" + DEEP + "\n"),
    ("obj.jsonl", '{"text": ' + "{\"a\": " * 50_000 + "1" + "}" * 50_000 + "}\n"),
])
def test_deeply_nested_json_is_malformed_input(tmp_path, capsys, name, content):
    path = tmp_path / name
    path.write_text(content)
    result = read_paths([path])
    assert any(r.reason == "malformed JSON (nested too deeply)" for r in result.rejected)
    inputs = content.count("\n") if name.endswith(".jsonl") else 1
    assert len(result.articles) + len(result.rejected) == inputs  # every input accounted for
    code = main(["ingest", str(path), "--db", str(tmp_path / "s.db")])
    err = capsys.readouterr().err
    assert code != EXIT_INTERNAL
    assert "nested too deeply" in err and "internal error" not in err


def test_deeply_nested_batch_line_is_reported_and_the_rest_goes_on(tmp_path, capsys,
                                                                    example_dir):
    batch = tmp_path / "batch.jsonl"
    texts = [p.read_text() for p in sorted(example_dir.glob("*.txt"))[:2]]
    story = {"id": "s1", "articles": [{"text": t} for t in texts]}
    batch.write_text(DEEP + "\n" + json.dumps(story) + "\n")
    out = tmp_path / "out.jsonl"
    code = main(["summarize", "--jsonl", str(batch), "-o", str(out)])
    err = capsys.readouterr().err
    assert code == 0, err
    lines = [json.loads(x) for x in out.read_text().splitlines()]
    assert lines[0]["error"] == "malformed JSON (nested too deeply)"
    assert lines[1]["id"] == "s1" and lines[1]["summary"]


# ------------------------------------------------------------------ 4. UTF-16/UTF-32 with a BOM


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-32", "utf-32-be",
                                      "utf-8-sig"])
def test_text_with_a_byte_order_mark_is_decoded(tmp_path, encoding):
    body = "Headline with accents: café, Zürich\n\n" + words(2)
    raw = body.encode(encoding)
    if encoding.endswith("-be"):  # the plain -be codecs write no BOM: add it
        raw = ("\ufeff" + body).encode(encoding)
    for name, data in (("a.txt", raw),
                       ("a.json", json.dumps({"text": body}, ensure_ascii=False)
                        .encode(encoding) if not encoding.endswith("-be")
                        else ("\ufeff" + json.dumps({"text": body})).encode(encoding))):
        path = tmp_path / name
        path.write_bytes(data)
        result = read_paths([path])
        assert not result.rejected, result.rejected
        a = result.articles[0]
        assert "Headline with accents: café, Zürich" in f"{a.title}\n{a.body}"


def test_bom_utf16_with_bad_surrogate_is_a_reason_not_a_crash(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_bytes(b"\xff\xfe" + "ok text".encode("utf-16-le") + b"\x00\xd8")  # lone surrogate
    result = read_paths([path])
    assert not result.articles and "UTF-16-LE" in result.rejected[0].reason


def test_binary_is_still_rejected(tmp_path):
    path = tmp_path / "x.txt"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    assert read_paths([path]).rejected[0].reason == "binary file, not text"


# ------------------------------------------------------------------ 2. very long article


@pytest.fixture()
def long_file(tmp_path, example_dir):
    """One real article of the example repeated past the limit (built at run time)."""
    one = sorted(example_dir.glob("*.txt"))[0].read_text()
    path = tmp_path / "long.txt"
    path.write_text(one * (MAX_ARTICLE_CHARS // len(one) + 2))
    return path


def test_very_long_article_is_rejected_with_a_reason_and_the_rest_summarised(
        tmp_path, capsys, example_dir, long_file):
    out = tmp_path / "r.json"
    code = main(["summarize", str(example_dir), str(long_file), "-o", str(out)])
    err = capsys.readouterr().err
    assert code == 0, err
    assert f"{long_file}: skipped: article too long" in err
    report = json.loads(out.read_text())
    assert len(report["articles"]) == 5
    assert any("too long" in r["reason"] for r in report["rejected"])


def test_very_long_article_in_ingest_and_feed_is_rejected(tmp_path, capsys, long_file):
    record = tmp_path / "r.jsonl"
    record.write_text(json.dumps({"id": "big", "text": "x " * (MAX_ARTICLE_CHARS // 2 + 5)})
                      + "\n" + json.dumps({"id": "small", "text": words(3)}) + "\n")
    feed = tmp_path / "f.rss"
    feed.write_text('<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>'
                    f"<item><title>a</title><description>{'y ' * 600_000}</description></item>"
                    f"<item><title>b</title><description>{words(4)}</description></item>"
                    "</channel></rss>")
    result = read_inputs([str(long_file), str(record), str(feed)])
    assert sorted(a.id for a in result.articles if a.id == "small") == ["small"]
    assert len(result.articles) == 2
    assert sum("article too long" in r.reason for r in result.rejected) == 3
    db = tmp_path / "s.db"
    code = main(["ingest", str(long_file), str(record), str(feed), "--db", str(db)])
    err = capsys.readouterr().err
    assert code == 0 and err.count("article too long") == 3
    with Store(db) as store:
        assert store.count("articles") == 2


def test_long_article_given_as_an_object_is_rejected_by_the_stream(tmp_path):
    from storyweave.model import Article
    from storyweave.stream import StreamIngestor

    big = Article(id="big", source="s", title="t", body="word " * (MAX_ARTICLE_CHARS // 4))
    with Store(tmp_path / "s.db") as store:
        out = StreamIngestor(store).add_batch([big])
    assert out[0].status == "rejected" and "too long" in (out[0].reason or "")


# ------------------------------------------------------------------ 5. -o naming an input


def test_output_naming_an_input_is_refused_and_the_input_kept(tmp_path, capsys, example_dir):
    files = sorted(example_dir.glob("*.txt"))[:2]
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_bytes(files[0].read_bytes())
    b.write_bytes(files[1].read_bytes())
    before = a.read_bytes()
    code = main(["summarize", str(a), str(b), "-o", str(a)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1 and len(err) == 1 and "refusing to write the output over an input" in err[0]
    assert a.read_bytes() == before
    # a file inside an input folder is an input too
    code = main(["summarize", str(tmp_path), "-o", str(b)])
    assert code == 1 and b.read_bytes() == files[1].read_bytes()
    capsys.readouterr()
    jsonl = tmp_path / "in.jsonl"
    jsonl.write_text(json.dumps({"id": "x", "text": words(5)}) + "\n")
    for argv in (["summarize", "--jsonl", str(jsonl), "-o", str(jsonl)],
                 ["cluster", str(jsonl), "--assignments", str(jsonl)]):
        code = main(argv)
        assert code == 1 and "refusing" in capsys.readouterr().err
        assert json.loads(jsonl.read_text())["id"] == "x"


def test_interrupted_output_leaves_the_old_file_whole(tmp_path):
    from storyweave.cli.common import output_file

    out = tmp_path / "r.json"
    out.write_text("previous report\n")
    with pytest.raises(KeyboardInterrupt), output_file(str(out)) as f:
        f.write("half of a new report")
        raise KeyboardInterrupt
    assert out.read_text() == "previous report\n"
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]  # no temporary file left
    with output_file(str(out)) as f:
        f.write("new report\n")
    assert out.read_text() == "new report\n"


def test_output_write_failure_is_one_line(tmp_path, capsys, monkeypatch):
    import errno
    import os

    def full(*args):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    jsonl = tmp_path / "in.jsonl"
    jsonl.write_text(json.dumps({"id": "x", "text": words(6)}) + "\n")
    out = tmp_path / "a.jsonl"
    code = main(["cluster", str(jsonl), "--assignments", str(out)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1 and err == [f"storyweave: error: {out}: cannot write: No space left on "
                                 "device; nothing was written"]
    assert not out.exists() and [p.name for p in tmp_path.iterdir()] == ["in.jsonl"]


# ------------------------------------------------------------------ found while fuzzing


def test_jsonl_lines_end_at_newline_only(tmp_path):
    """U+2028, U+0085 and friends may stand unescaped inside JSON strings (scraped text holds
    them); they are not line ends."""
    path = tmp_path / "a.jsonl"
    body = words(7).replace(". ", ".\u2028", 1).replace(". ", ".\x85", 1)
    path.write_text(json.dumps({"id": "a", "text": body}, ensure_ascii=False) + "\r\n"
                    + json.dumps({"id": "b", "text": words(8)}) + "\n", encoding="utf-8")
    result = read_paths([path])
    assert not result.rejected and [a.id for a in result.articles] == ["a", "b"]
    assert "\u2028" in result.articles[0].body


def test_lone_surrogate_escapes_become_replacement_characters(tmp_path, capsys):
    path = tmp_path / "s.jsonl"
    line = json.dumps({"id": "sXX", "title": "TYY", "text": words(9) + " ZZ end."})
    path.write_text(line.replace("XX", "\\ud800").replace("YY", "\\udfff")
                    .replace("ZZ", "\\udc80") + "\n")
    db = tmp_path / "s.db"
    for argv in (["ingest", str(path), "--db", str(db)],
                 ["cluster", str(path), "--assignments", str(tmp_path / "a.jsonl")]):
        assert main(argv) == 0, capsys.readouterr().err
    with Store(db) as store:
        assert store.has_article("s\ufffd") is not None


def test_eval_data_nested_too_deeply_is_one_line(tmp_path, capsys):
    path = tmp_path / "e.jsonl"
    path.write_text(DEEP + "\n")
    code = main(["eval", "--data", str(path), "--split", "all", "--systems", "lead",
                 "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1 and err == [f"storyweave: error: {path}:1: malformed JSON (nested too "
                                 "deeply)"]
