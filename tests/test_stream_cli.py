"""The stream commands end to end: ingest a mixed folder, list and show across restarts,
cluster with assignments, and one-line errors on bad input."""

from __future__ import annotations

import json
import random

import pytest

from storyweave.cli import main


def text(topic: int, seed: int, sentences: int = 10) -> str:
    rng = random.Random(seed)
    own = [f"topic{topic}word{i}" for i in range(25)]
    shared = [f"filler{i}" for i in range(300)]
    return " ".join(
        " ".join(rng.choice(own) if rng.random() < 0.6 else rng.choice(shared)
                 for _ in range(12)).capitalize() + "." for _ in range(sentences))


RSS = """<?xml version="1.0"?>
<rss version="2.0"><channel><title>Feed Outlet</title><link>https://feed.example</link>
{items}
</channel></rss>"""
ITEM = """<item><title>{title}</title><link>https://feed.example/{id}</link><guid>{id}</guid>
<pubDate>{date}</pubDate><description><![CDATA[<p>{body}</p>]]></description></item>"""


@pytest.fixture()
def mixed(tmp_path):
    """Three events: two in a JSONL file (dated), one spread over a feed and .txt files."""
    folder = tmp_path / "in"
    folder.mkdir()
    with (folder / "wire.jsonl").open("w") as f:
        for t in (0, 1):
            for i in range(3):
                f.write(json.dumps({"id": f"j{t}{i}", "title": f"Event {t} report {i}",
                                    "text": text(t, 10 * t + i), "source": f"outlet{i}",
                                    "published": f"2024-05-0{1 + t}T0{i}:00:00Z"}) + "\n")
        f.write("{not json\n")
    items = "\n".join(ITEM.format(title=f"Event 2 item {i}", id=f"f2{i}", body=text(2, 20 + i),
                                  date=f"Fri, 03 May 2024 0{i}:00:00 GMT") for i in range(2))
    (folder / "feed.xml").write_text(RSS.format(items=items))
    (folder / "broken.rss").write_text("<rss><channel><item><title>cut off")
    (folder / "late.txt").write_text("Event 2 late report\n\n" + text(2, 29))
    return folder


def test_ingest_mixed_folder_then_stories_and_show_across_restarts(mixed, tmp_path, capsys):
    db = tmp_path / "s.db"
    assert main(["ingest", str(mixed), "--db", str(db)]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("9 new, 0 duplicates, 2 rejected")
    assert "broken.rss: rejected: feed does not parse" in err
    assert "malformed JSON" in err and "given the ingest time" in out

    assert main(["stories", "--db", str(db), "--json"]) == 0
    stories = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    sizes = sorted(s["size"] for s in stories)
    # the undated .txt file is dated by ingest time, far from May 2024: its own story
    assert sizes == [1, 2, 3, 3], stories
    by_head = {s["headline"]: s for s in stories}
    assert by_head["Event 2 item 0"]["outlets"] == 1

    # a restart: ingesting the same folder again adds nothing
    assert main(["ingest", str(mixed), "--db", str(db)]) == 0
    assert capsys.readouterr().out.startswith("0 new, 9 duplicates")

    sid = by_head["Event 0 report 0"]["id"]
    assert main(["show", sid, "--db", str(db), "--format", "md"]) == 0
    md = capsys.readouterr().out
    assert md.startswith("# ") and "3 articles" in md
    assert main(["show", sid, "--db", str(db)]) == 0  # cached report, same story
    report = json.loads(capsys.readouterr().out)
    assert report["id"] == sid and len(report["articles"]) == 3 and report["copies"] == {}


def test_cluster_writes_every_input_once(mixed, tmp_path, capsys):
    src = mixed / "wire.jsonl"
    with src.open("a") as f:
        f.write(json.dumps({"id": "notext", "title": "x"}) + "\n")
        f.write(json.dumps({"id": "j00", "title": "Event 0 report 0", "text": text(0, 0),
                            "source": "outlet0", "published": "2024-05-01T00:00:00Z"}) + "\n")
    out_path = tmp_path / "assign.jsonl"
    assert main(["cluster", str(src), "--assignments", str(out_path)]) == 0
    rows = [json.loads(line) for line in out_path.read_text().splitlines()]
    assert len(rows) == 9  # 6 articles, 1 malformed line, 1 without text, 1 repeat
    rejected = [r for r in rows if r["story"] is None]
    assert len(rejected) == 2 and all(r["reason"] for r in rejected)
    stories = {r["article"]: r["story"] for r in rows if r["story"]}
    assert len({stories[f"j0{i}"] for i in range(3)}) == 1
    assert len({stories[f"j1{i}"] for i in range(3)}) == 1
    assert stories["j00"] != stories["j10"]
    assert [r for r in rows if r.get("duplicate")][0]["story"] == stories["j00"]


def test_bad_database_is_a_one_line_error(tmp_path, mixed, capsys):
    bad = tmp_path / "bad.db"
    bad.write_text("not a database at all\n")
    assert main(["ingest", str(mixed), "--db", str(bad)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("storyweave: error:") and "not a storyweave database" in err[-1]
    assert bad.read_text() == "not a database at all\n"
    assert main(["stories", "--db", str(tmp_path / "missing.db")]) == 1
    assert main(["show", "s0", "--db", str(tmp_path / "missing.db")]) == 1


def test_ingest_real_look_alike_events_into_the_right_stories(tmp_path, capsys):
    """ECB+ (read at test time): five topics, each with two look-alike events (two rehab
    check-ins, two bank bombings...), as a folder of .txt files; the store must keep the ten
    events apart and mostly whole."""
    from pathlib import Path

    from storyweave.evaluate.clustering import bcubed
    from storyweave.store import Store

    ecb = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "ecbplus" / \
        "ecbplus_docs.jsonl"
    if not ecb.is_file():
        pytest.skip("../shared/data/ecbplus is not beside the project")
    gold = {}
    folder = tmp_path / "events"
    for line in ecb.open(encoding="utf-8"):
        r = json.loads(line)
        if r["topic"] in (1, 3, 4, 6, 8) and len(r["sentences"]) > 1:
            sub = folder / str(r["topic"])
            sub.mkdir(parents=True, exist_ok=True)
            name = r["doc_name"].replace(".xml", "")
            (sub / f"{name}.txt").write_text(r["sentences"][0] + "\n\n" +
                                             " ".join(r["sentences"][1:]))
            gold[name] = r["event_cluster"]
    db = tmp_path / "s.db"
    assert main(["ingest", str(folder), "--db", str(db)]) == 0
    capsys.readouterr()
    with Store(db) as store:
        rows = store.conn.execute("SELECT id, story_id FROM articles").fetchall()
    assert len(rows) >= 0.95 * len(gold)
    p, r, f = bcubed([gold[a] for a, _ in rows], [s for _, s in rows])
    assert p >= 0.95 and f >= 0.85, (p, r, f)


def test_ingest_that_adds_nothing_because_cleaning_rejected_all_fails(tmp_path, capsys):
    page = tmp_path / "furniture.txt"
    page.write_text("Headline only\n\nFont Size:\n\nShare this article\n")
    assert main(["ingest", str(page), "--db", str(tmp_path / "s.db")]) == 1
    out, err = capsys.readouterr()
    assert out.startswith("0 new, 0 duplicates, 1 rejected")
    assert f"{page}: rejected: no story text left after cleaning" in err


@pytest.mark.parametrize("option,value,message", [
    ("--threshold", "nan", "give a finite number"),
    ("--threshold", "1.5", "must be between 0 and 1"),
    ("--quiet-hours", "-3", "must be more than 0"),
    ("--quiet-hours", "inf", "give a finite number"),
])
def test_clustering_options_out_of_range_are_refused(tmp_path, capsys, option, value, message):
    with pytest.raises(SystemExit) as stop:
        main(["cluster", str(tmp_path), option, value])
    assert stop.value.code == 2
    assert message in capsys.readouterr().err


def test_clusterer_refuses_a_threshold_that_matches_nothing():
    from storyweave.cluster import StoryClusterer

    with pytest.raises(ValueError, match="threshold"):
        StoryClusterer(threshold=float("nan"))
    with pytest.raises(ValueError, match="quiet_hours"):
        StoryClusterer(quiet_hours=0)
