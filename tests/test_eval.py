"""The evaluation harness: loaders, peers on shared sentences, ROUGE, bootstrap, CLI slice."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from storyweave.evaluate.data import Cluster, cluster_from_record, load_clusters, split_of
from storyweave.evaluate.harness import evaluate, prepare
from storyweave.evaluate.peers import (
    ALL_SYSTEMS,
    LeadSystem,
    SumyTokenizer,
    fill,
    make_system,
    truncate,
)
from storyweave.evaluate.rouge import Rouge, bootstrap, bootstrap_indices, paired_difference
from storyweave.ingest import read_paths

MULTI_NEWS = Path(__file__).resolve().parents[2] / "shared" / "data" / "multi-news" / "dev.jsonl"

def real_record() -> dict:
    """The first tuning-split Multi-News cluster of 3+ short articles, in the loader's three forms.

    Real articles, read from ../shared (never copied): the first article as a bare string, the
    second as an object with its own id, the rest as objects without one; its reference summary
    under the one-summary key.
    """
    if not MULTI_NEWS.is_file():
        pytest.skip("../shared/data/multi-news is not beside the project")
    with MULTI_NEWS.open(encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            lengths = [len(a["text"].split()) for a in record["articles"]]
            if (split_of(record["id"]) == "dev" and len(lengths) >= 3
                    and min(lengths) >= 60 and max(lengths) <= 300):
                break
        else:
            pytest.skip("no short tuning-split cluster in the Multi-News sample")
    first, second, *rest = record["articles"]
    return {"id": record["id"],
            "articles": [first["text"], {"id": "b", "text": second["text"]},
                         *({"text": a["text"]} for a in rest)],
            "summary": record["summaries"][0]}


@pytest.fixture(scope="module")
def record() -> dict:
    return real_record()


@pytest.fixture(scope="module")
def cluster(pipeline, record):
    return prepare(cluster_from_record(record), pipeline)


def test_loader_accepts_strings_objects_and_one_summary(record) -> None:
    cluster = cluster_from_record(record)
    rid = record["id"]
    assert [a.id for a in cluster.articles][:3] == [f"{rid}-0", "b", f"{rid}-2"]
    assert len(cluster.articles) == len(record["articles"])
    assert cluster.references == [record["summary"]]
    with pytest.raises(ValueError, match="summaries"):
        cluster_from_record({"id": "x", "articles": ["text"]})
    votes = {"id": "v", "articles": ["one two.", "three four."], "summaries": ["s"],
             "irrelevant_votes": {"1": 4}}
    assert len(cluster_from_record(votes, drop_irrelevant=True).articles) == 1
    assert len(cluster_from_record(votes).articles) == 2


def test_split_is_deterministic_and_disjoint(tmp_path) -> None:
    ids = [f"c{i}" for i in range(200)]
    splits = [split_of(i) for i in ids]
    assert splits == [split_of(i) for i in ids]
    assert 0.25 < splits.count("test") / len(ids) < 0.55
    path = tmp_path / "c.jsonl"
    path.write_text("".join(json.dumps({"id": i, "articles": ["Some words here."],
                                        "summaries": ["words"]}) + "\n" for i in ids))
    dev = {c.id for c in load_clusters(path, "dev")}
    test = {c.id for c in load_clusters(path, "test")}
    assert dev and test and not dev & test and dev | test == set(ids)
    assert len(load_clusters(path, "all", limit=7)) == 7


def test_lead_returns_first_sentences_round_robin(cluster) -> None:
    texts = cluster.texts
    firsts = [i for i, s in enumerate(cluster.sentences) if s.index == 0]
    assert len(firsts) == len(cluster.analyzed) >= 3
    budget = sum(len(texts[i].split()) for i in firsts[:2]) + 1
    chosen = LeadSystem().select(cluster, budget)
    # every article's opening before any second sentence, filling until the budget is reached
    assert chosen == firsts[:3]
    assert sum(len(texts[i].split()) for i in chosen[:-1]) < budget


def test_truncate_and_fill_are_the_same_for_everyone() -> None:
    texts = ["one two three", "four five", "six seven eight nine"]
    assert fill([2, 0, 1], texts, 5) == [2, 0]
    assert truncate([texts[2], texts[0]], 5) == "six seven eight nine one"
    assert truncate([], 5) == ""


def test_sumy_tokenizer_splits_like_storyweave(pipeline, cluster) -> None:
    body = cluster.analyzed[0].clean.body
    tok = SumyTokenizer(pipeline.nlp)
    assert list(tok.to_sentences(body)) == [s.text for s in cluster.analyzed[0].sentences]
    assert tok.to_words("The mayor's boats, 4 of them, sank.") == (
        "The", "mayor", "boats", "of", "them", "sank")
    known = SumyTokenizer(known={"x y": ["x", "y", "2"]})
    assert known.to_words("x y") == ("x", "y")


@pytest.mark.parametrize("name", [s for s in ALL_SYSTEMS if s != "oracle"])
def test_every_system_picks_existing_sentences_within_budget(name, cluster) -> None:
    chosen = make_system(name).select(cluster, 25)
    assert chosen and len(set(chosen)) == len(chosen)
    assert all(0 <= i < len(cluster.sentences) for i in chosen)
    words = [len(cluster.texts[i].split()) for i in chosen]
    assert sum(words[:-1]) < 25  # stops once the budget is reached


def test_storyweave_in_eval_still_cites(example_dir, pipeline) -> None:
    # the example: five outlets on one event, so some summary sentence is told by several
    cluster = prepare(Cluster("example", read_paths([example_dir]).articles, []), pipeline)
    system = make_system("storyweave")
    chosen = system.select(cluster, 40)  # the timed step: sentences alone
    assert system.cited(cluster, 40) == chosen  # the pipeline's way: align, then cite
    summary = system.last_summary
    assert [s.text for s in summary.sentences] == [cluster.texts[i] for i in chosen]
    for s in summary.sentences:
        assert s.citations and cluster.sentences[chosen[summary.sentences.index(s)]].ref == \
            s.citations[0]
    assert any(len({c.article for c in s.citations}) > 1 for s in summary.sentences)


def test_rouge_and_bootstrap() -> None:
    rouge = Rouge()
    same = rouge.score("The boats were torn away.", ["the boat were torn away"])
    assert same["rouge1"]["recall"] == pytest.approx(1.0)  # stemming on: boats -> boat
    none = rouge.score("nothing alike", ["completely different"])
    assert none["rouge2"]["f1"] == 0.0
    best = rouge.score("storm town", ["storm town", "nothing"])
    assert best["rouge1"]["f1"] == pytest.approx(1.0)
    idx = bootstrap_indices(50, 200, seed=1)
    values = np.linspace(0, 1, 50)
    iv = bootstrap(values, idx)
    assert iv.low <= iv.mean <= iv.high and iv.high - iv.low < 0.3
    assert bootstrap(np.full(50, 0.4), idx).low == pytest.approx(0.4)
    diff, p = paired_difference(values + 0.1, values, idx)
    assert diff.mean == pytest.approx(0.1) and p == 0.0


@pytest.fixture(scope="module")
def slice_result(pipeline):
    if not MULTI_NEWS.is_file():
        pytest.skip("../shared/data/multi-news/dev.jsonl is not beside the project")
    clusters = load_clusters(MULTI_NEWS, split="dev", limit=5)
    return evaluate(clusters, ALL_SYSTEMS, words=230, pipeline=pipeline, progress=False,
                    resamples=200)


def test_slice_scores_are_sane(slice_result) -> None:
    summary = slice_result.summary()
    assert summary["n"] == 5 and set(summary["systems"]) == set(ALL_SYSTEMS)
    oracle = summary["systems"]["oracle"]["rouge2_recall"]["mean"]
    for name, row in summary["systems"].items():
        for key, iv in row.items():
            if key.startswith("rouge"):
                assert 0.0 <= iv["low"] <= iv["mean"] <= iv["high"] <= 1.0, (name, key)
        assert row["rouge2_recall"]["mean"] <= oracle + 1e-9, name
        assert row["rouge1_recall"]["mean"] > 0.2, name  # real text, not empty output
        assert 0 < row["words_mean"] <= 230
        assert row["ms_mean"] >= 0
    assert summary["storyweave_vs"]["lexrank"]["speedup"] > 0


def test_cli_slice_writes_table_and_files(tmp_path, capsys) -> None:
    if not MULTI_NEWS.is_file():
        pytest.skip("../shared/data/multi-news/dev.jsonl is not beside the project")
    from storyweave.cli import main

    code = main(["eval", "--limit", "2", "--systems", "storyweave,lead,lexrank",
                 "--resamples", "50", "--no-progress", "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 0 and "storyweave" in out and "lexrank" in out
    data = json.loads((tmp_path / "results.json").read_text())
    assert data["n"] == 2 and set(data["systems"]) == {"storyweave", "lead", "lexrank"}
    assert "| **storyweave** |" in (tmp_path / "results.md").read_text()
    rows = [json.loads(line) for line in (tmp_path / "clusters.jsonl").open()]
    assert len(rows) == 2 and all("text" in r["systems"]["lead"] for r in rows)
    assert main(["eval", "--systems", "nope", "--no-progress"]) == 1
    code = main(["eval", "--limit", "1", "--systems", "lead", "--words", "ref", "--split", "all",
                 "--drop-irrelevant", "--resamples", "20", "--no-progress"])
    assert code == 0 and "lead" in capsys.readouterr().out
