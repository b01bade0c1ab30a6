"""Ingest: every format, every kind of bad input, nothing lost."""

from __future__ import annotations

import json
from pathlib import Path

from storyweave.ingest import read_paths


def write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def test_txt_headline_body_and_stem_id(tmp_path: Path) -> None:
    write(tmp_path / "alpha.txt", "\n\n  Storm hits coast  \n\nThe storm made landfall at dawn.\n")
    result = read_paths([tmp_path])
    (article,) = result.articles
    assert article.id == "alpha"
    assert article.title == "Storm hits coast"
    assert article.body.strip() == "The storm made landfall at dawn."
    assert article.source == "alpha" and article.source_inferred
    assert article.origin.endswith("alpha.txt")


def test_source_inferred_from_outlets_own_boilerplate(tmp_path: Path) -> None:
    body = "Harbour Herald logo\n\nThe council voted on Monday.\n\nHarbour Herald is committed to "\
           "reporting the facts.\n"
    write(tmp_path / "x.txt", "Council votes\n" + body)
    (article,) = read_paths([tmp_path]).articles
    assert article.source == "Harbour Herald"
    assert article.source_inferred


def test_json_jsonl_fields_and_aliases(tmp_path: Path) -> None:
    write(tmp_path / "one.json", json.dumps({
        "id": "j1", "text": "A bridge opened today in the city.", "title": "Bridge opens",
        "source": "City Times", "url": "https://example.org/a", "published": "2024-03-02"}))
    write(tmp_path / "many.jsonl", "\n".join([
        json.dumps({"headline": "H2", "body": "Second text here.", "link": "https://www.news.example.com/x"}),
        json.dumps({"text": "Third text here.", "date": "2024-03-04T10:00:00Z"}),
    ]))
    result = read_paths([tmp_path])
    by_id = {a.id: a for a in result.articles}
    assert set(by_id) == {"j1", "many-1", "many-2"}
    assert by_id["j1"].source == "City Times" and by_id["j1"].published == "2024-03-02T00:00:00"
    assert by_id["many-1"].title == "H2"
    assert by_id["many-1"].source == "news.example.com"
    assert by_id["many-2"].published.startswith("2024-03-04T10:00:00")
    assert not result.rejected


def test_html_through_trafilatura(tmp_path: Path) -> None:
    para = " ".join(["The museum reopened its east wing after a two-year renovation."] * 4)
    html = f"""<html><head><title>Museum reopens</title>
    <meta property="og:site_name" content="Gazette Online">
    <meta property="article:published_time" content="2023-05-06"></head>
    <body><nav>Home | World | Sport</nav><article><h1>Museum reopens</h1>
    <p>{para}</p><p>{para}</p></article><footer>Subscribe now</footer></body></html>"""
    write(tmp_path / "page.html", html)
    result = read_paths([tmp_path])
    (article,) = result.articles
    assert article.title == "Museum reopens"
    assert article.source == "Gazette Online"
    assert article.published and article.published.startswith("2023-05-06")
    assert "east wing" in article.body and "Home | World" not in article.body


def test_bad_inputs_become_rejections_with_reasons(tmp_path: Path) -> None:
    write(tmp_path / "good.txt", "Title\nA real sentence about the event.\n")
    write(tmp_path / "binary.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00IHDR")
    write(tmp_path / "latin1.txt", "Caf\xe9 story\nText.".encode("latin-1"))
    write(tmp_path / "broken.jsonl", '{"text": "ok line."}\n{"text": oops}\n')
    write(tmp_path / "notext.json", json.dumps({"title": "no body"}))
    write(tmp_path / "photo.png", b"\x89PNG")
    result = read_paths([tmp_path, tmp_path / "missing.txt"])
    reasons = {Path(r.origin).name: r.reason for r in result.rejected}
    assert reasons["binary.txt"] == "binary file, not text"
    assert reasons["latin1.txt"].startswith("not UTF-8 text (byte 0xe9")
    assert reasons["broken.jsonl:2"].startswith("malformed JSON")
    assert reasons["notext.json"] == "record has no 'text' field"
    assert reasons["photo.png"].startswith("unsupported file type")
    assert reasons["missing.txt"] == "no such file or directory"
    assert sorted(a.id for a in result.articles) == ["broken-1", "good"]


def test_empty_folder_and_hidden_files(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    write(tmp_path / "h" / ".hidden.txt", "T\nbody.")
    result = read_paths([tmp_path / "empty", tmp_path / "h"])
    assert [r.reason for r in result.rejected] == ["folder holds no files", "folder holds no files"]


def test_duplicate_ids_identical_rejected_different_renamed(tmp_path: Path) -> None:
    write(tmp_path / "a" / "same.txt", "T\nIdentical body text.")
    write(tmp_path / "b" / "same.txt", "T\nIdentical body text.")
    write(tmp_path / "c" / "same.txt", "T\nA different body text.")
    result = read_paths([tmp_path])
    assert len(result.articles) == 2
    assert len({a.id for a in result.articles}) == 2
    (dup,) = result.rejected
    assert dup.reason.startswith("duplicate of article 'same'")
    assert result.warnings and "renamed" in result.warnings[0]


def test_example_folder_reads_five_articles(example_dir: Path) -> None:
    result = read_paths([example_dir])
    assert len(result.articles) == 5 and not result.rejected
    assert all(a.title and a.body for a in result.articles)
