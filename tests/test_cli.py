"""The CLI: formats, output file, batch mode, and one-line errors for bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from storyweave.cli import main


def run(argv: list[str], capsys) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_summarize_example_all_formats(example_dir, tmp_path, capsys) -> None:
    code, out, err = run(["summarize", str(example_dir), "--words", "80"], capsys)
    assert code == 0 and err == ""
    data = json.loads(out)
    assert data["schema"] == "storyweave.story/1" and data["summary"]["words"] <= 80
    target = tmp_path / "r.html"
    code, out, _ = run(["summarize", str(example_dir), "-f", "html", "-o", str(target)], capsys)
    assert code == 0 and out == "" and target.read_text().startswith("<!DOCTYPE html>")
    code, out, _ = run(["summarize", str(example_dir), "-f", "md"], capsys)
    assert code == 0 and out.startswith("# ")


def test_missing_path_is_one_line_nonzero(capsys) -> None:
    code, out, err = run(["summarize", "/no/such/place"], capsys)
    assert code == 1 and out == ""
    lines = err.strip().splitlines()
    assert lines[-1] == ("storyweave: error: no usable articles: /no/such/place: "
                         "no such file or directory")
    assert "Traceback" not in err


def test_partly_bad_input_warns_and_still_reports(example_dir, tmp_path, capsys) -> None:
    # (FF FE would be a UTF-16 byte-order mark, i.e. text: binary has NULs and no mark)
    (tmp_path / "bad.txt").write_bytes(b"\x89PNG\x00\x01binary")
    code, out, err = run(["summarize", str(example_dir / "000_5d9469a384ff9c36.txt"),
                          str(tmp_path / "bad.txt")], capsys)
    assert code == 0
    assert err.strip() == f"storyweave: {tmp_path / 'bad.txt'}: skipped: binary file, not text"
    data = json.loads(out)
    assert data["rejected"] == [{"origin": str(tmp_path / "bad.txt"), "article": None,
                                 "reason": "binary file, not text"}]


def test_batch_mode_one_report_per_line(tmp_path: Path, capsys) -> None:
    stories = [
        {"id": "s1", "articles": [
            {"text": "The bridge over the bay reopened on Friday after repairs.", "source": "A"},
            {"text": "After repairs, the bay bridge reopened on Friday to traffic.",
             "source": "B"}]},
        "not json {",
        {"id": "s3", "articles": [{"text": "Font Size:"}]},
    ]
    path = tmp_path / "batch.jsonl"
    path.write_text("\n".join(s if isinstance(s, str) else json.dumps(s) for s in stories))
    code, out, err = run(["summarize", "--jsonl", str(path), "--no-progress"], capsys)
    assert code == 0
    lines = [json.loads(x) for x in out.strip().splitlines()]
    assert [x["id"] for x in lines] == ["s1", None, "s3"]
    assert lines[0]["facts"][0]["support"] == 2
    assert lines[1]["error"].startswith("malformed JSON")
    assert lines[2]["error"].startswith("no usable articles")
    assert f"{path}:2: malformed JSON" in err and "Traceback" not in err


def test_batch_with_nothing_usable_fails(tmp_path: Path, capsys) -> None:
    path = tmp_path / "b.jsonl"
    path.write_text("{broken\n")
    code, _, err = run(["summarize", "--jsonl", str(path), "--no-progress"], capsys)
    assert code == 1 and "no story could be summarised" in err


def test_bad_words_is_usage_error(example_dir) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["summarize", str(example_dir), "--words", "0"])
    assert exc.value.code == 2


def test_output_to_a_pipe_writes_into_it_and_leaves_it_a_pipe(example_dir, tmp_path,
                                                              capsys) -> None:
    """``-o /dev/null`` (or a named pipe) is written to as it is: renaming a finished temporary
    file over it, as for a plain file, used to replace the device by a plain file."""
    import os
    import stat
    import threading

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    try:
        code, out, _ = run(["summarize", str(example_dir), "-f", "md", "-o", str(fifo)], capsys)
    finally:
        if reader.is_alive():  # unblock the reader if the command failed before opening it
            with open(fifo, "wb"):
                pass
        reader.join(timeout=30)
    assert code == 0 and out == ""
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert got and got[0].decode().startswith("# ")
    assert [p.name for p in tmp_path.iterdir()] == ["pipe"]  # no temporary file left beside
