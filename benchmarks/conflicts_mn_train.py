"""Contradictions on Multi-News *training* stories (the stream in
``../shared/data/multi-news-stream/``): the third development set of issue 13, where the
detector's remaining false alarms show (the other two development sets are at precision 1.00).

    python benchmarks/conflicts_mn_train.py --stories 3000                  # score
    python benchmarks/conflicts_mn_train.py --stories 3000 --dump c.jsonl   # candidates to judge
    python benchmarks/conflicts_mn_train.py --stories 3000 --dump c.jsonl --loose
    python benchmarks/conflicts_mn_train.py --sports --stories 1000          # sports set

Stories: the stream's articles grouped by ``story``, the first ``--stories`` stories with at
least two articles in order of their first article (the stream is sorted by its simulated
arrival time), each run as one story through the full pipeline with no publication dates (as
the Multi-News dev benchmark does; the stream's times are simulated). The judgements are in
``tests/data/annotations/conflicts_mn_train.jsonl`` (ids and labels only; method in that
folder's README); a conflict is keyed as in ``benchmarks/conflicts_multinews.py``. A dump
holds the sentences, for judging by hand: keep it outside the project.

``--sports`` (issue 13, fourth pass): the stories after those first 3,000 whose articles
together use at least ``SPORTS_MIN`` distinct words of ``SPORTS_WORDS`` (597 of them), judged
in ``conflicts_mn_sports.jsonl``. ``--skip-sports N`` leaves out the first N stories of a sports
selection (in this stream nothing follows the 597: ``--sports --skip-sports 597`` runs none).

``--held-out`` (issue 13, held-out sets): the sports-word band just under that selection, so
disjoint from every development set: the first ``HELD_OUT_STORIES`` stories after the first
3,000 whose articles together use exactly ``HELD_OUT_BAND`` distinct words of the list, judged
in ``conflicts_mn_sports_test.jsonl``:

    python benchmarks/conflicts_mn_train.py --held-out --dump c.jsonl --loose   # to judge
    python benchmarks/conflicts_mn_train.py --held-out                          # score

``--held-out-general`` (issue 13, general held-out set): the first ``GENERAL_STORIES`` stories
after the first 3,000 that are in neither sports set (not the ``--sports`` selection, not the
first ``HELD_OUT_STORIES`` of the band), judged in ``conflicts_mn_general_test.jsonl``:

    python benchmarks/conflicts_mn_train.py --held-out-general --dump c.jsonl --loose
    python benchmarks/conflicts_mn_train.py --held-out-general                  # score

``--dev2`` (issue 13, second general development set, judged in ``conflicts_mn_dev2.jsonl``):
the next ``DEV2_STORIES`` stories of the general selection's rule after its first
``GENERAL_STORIES`` (same order, same sports sets left out), in three chunks of 2,000;
``--stories N`` takes a prefix, ``--dev2-skip N`` leaves out its first N (a later chunk alone):

    python benchmarks/conflicts_mn_train.py --dev2 --stories 2000 --loose --dump c.jsonl
    python benchmarks/conflicts_mn_train.py --dev2 --dev2-skip 2000 --stories 2000 --loose \
        --dump c.jsonl
    python benchmarks/conflicts_mn_train.py --dev2                              # score
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import ROOT, SHARED  # noqa: E402

STREAM = SHARED / "data" / "multi-news-stream" / "train-stream.jsonl.gz"
ANN = ROOT / "tests" / "data" / "annotations" / "conflicts_mn_train.jsonl"
SPORTS_ANN = ROOT / "tests" / "data" / "annotations" / "conflicts_mn_sports.jsonl"
HELD_OUT_ANN = ROOT / "tests" / "data" / "annotations" / "conflicts_mn_sports_test.jsonl"
# the sports selection (issue 13, fourth pass), fixed before any of its stories was read: the
# held-out false alarms left after the third pass were about games, seasons and players'
# totals, and the first 3,000 stories held almost no sport
SPORTS_WORDS = frozenset({
    "game", "games", "season", "seasons", "quarterback", "touchdown", "touchdowns", "rebounds",
    "innings", "inning", "goals", "match", "coach", "playoff", "playoffs", "league",
    "championship", "tournament", "yards", "assists", "pitcher", "striker", "midfielder", "nba",
    "nfl", "mlb", "nhl", "fifa", "points", "scored", "score", "win", "wins", "victory", "defeat",
    "team", "teams", "player", "players", "rookie", "homer", "homers", "halftime", "overtime"})
SPORTS_MIN = 3  # distinct words of the list in the story's articles together
SPORTS_SKIP = 3000  # the first 3,000 stories are the third pass's set
# the held-out sports set (issue 13), fixed before any of its stories was read: the ">= 3
# words" selection is all development data and the stream holds no more of it, so the band
# under it (exactly two distinct words), the first 600 of them after the first 3,000 stories
HELD_OUT_BAND = (2, 2)
HELD_OUT_STORIES = 600
GENERAL_ANN = ROOT / "tests" / "data" / "annotations" / "conflicts_mn_general_test.jsonl"
# the general held-out set (issue 13), fixed before any of its stories was read: the stream
# after the first 3,000 stories, less the sports development set and the sports held-out band
GENERAL_STORIES = 3000
DEV2_ANN = ROOT / "tests" / "data" / "annotations" / "conflicts_mn_dev2.jsonl"
# the second general development set (issue 13), fixed before any of its stories was read:
# the general held-out set's rule continued, its next 6,000 stories (judged in chunks of 2,000)
DEV2_STORIES = 6000


def sporty(items: list[dict], band: tuple[int, int | None] = (SPORTS_MIN, None)) -> bool:
    """A story whose articles together use at least ``band[0]`` (and at most ``band[1]``)
    distinct sports words."""
    words = set(re.findall(r"[a-z]+", " ".join(i["text"] for i in items).lower()))
    n = len(words & SPORTS_WORDS)
    return n >= band[0] and (band[1] is None or n <= band[1])


def stories(limit: int, path: Path = STREAM, sports: bool = False, skip_sports: int = 0,
            band: tuple[int, int | None] = (SPORTS_MIN, None),
            general: bool = False, general_skip: int = 0) -> Iterator[tuple[str, list]]:
    """(story id, articles) of the first ``limit`` stories with two articles or more; with
    ``sports``, of the first ``limit`` sports stories (``band``: how many distinct sports
    words) after the first ``SPORTS_SKIP`` stories and the first ``skip_sports`` of them; with
    ``general``, of the first ``limit`` stories after the first ``SPORTS_SKIP`` that are in
    neither sports set (the whole ``--sports`` selection, the first ``HELD_OUT_STORIES`` of
    the ``HELD_OUT_BAND`` one), less the first ``general_skip`` of those (``--dev2``: the
    general held-out set's ``GENERAL_STORIES``, and a chunk's offset)."""
    from storyweave.model import Article

    by: dict[str, list[dict]] = {}
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            item = json.loads(line)
            by.setdefault(item["story"], []).append(item)
    n = seen = skipped = in_band = general_seen = 0
    for sid, items in by.items():  # insertion order: the order of each story's first article
        if len(items) < 2:
            continue
        seen += 1
        if general:
            if seen <= SPORTS_SKIP or sporty(items):
                continue  # the first 3,000, then the sports development set (all of it)
            if sporty(items, HELD_OUT_BAND):
                in_band += 1
                if in_band <= HELD_OUT_STORIES:
                    continue  # the sports held-out set
            general_seen += 1
            if general_seen <= general_skip:
                continue  # e.g. the general held-out set, for --dev2
        if sports and (seen <= SPORTS_SKIP or not sporty(items, band)):
            continue
        if sports and skipped < skip_sports:
            skipped += 1
            continue
        yield sid, [Article(id=i["id"], source=i["id"], title="", body=i["text"],
                            origin=i["id"]) for i in items]
        n += 1
        if n >= limit:
            return


def _rows(story_id: str, conflicts: list[dict]) -> list[dict]:
    return [{"cluster": story_id, "about": c["about"], "kind": c["kind"],
             "confidence": c.get("confidence"),
             "claims": [{"article": k["article"], "sentence": k["sentence"],
                         "value": k["value"], "text": k["text"]} for k in c["claims"]]}
            for c in conflicts]


def run(limit: int, loose: bool = False, only: set[str] | None = None,
        sports: bool = False, skip_sports: int = 0,
        band: tuple[int, int | None] = (SPORTS_MIN, None), general: bool = False,
        general_skip: int = 0) -> list[dict]:
    """Conflicts reported on the stories (``loose``: the wide candidate pool as well, after the
    reported ones, for judging recall candidates; ``only``: these stories alone, e.g. the ones
    with a judgement, which is all a score needs; ``sports``, ``general``: the selections, with
    ``skip_sports``, ``band`` and ``general_skip`` as in ``stories``)."""
    from storyweave.crosscheck import ENRICHERS
    from storyweave.crosscheck.conflicts import find_conflicts
    from storyweave.pipeline import NoUsableArticles, Pipeline

    wide: list[dict] = []

    def gather(story, alignment) -> None:  # noqa: ANN001
        try:
            wide[:] = find_conflicts(story, alignment, loose=True) if loose else []
        except Exception as err:  # as the guarded enrichers do: one story's failure is logged
            wide[:] = []
            print(f"loose conflicts failed on story {story.id}: {err}", file=sys.stderr)

    pipe = Pipeline(enrichers=[*ENRICHERS, gather])
    out: list[dict] = []
    ran = 0
    for sid, arts in stories(limit, sports=sports, skip_sports=skip_sports, band=band,
                             general=general, general_skip=general_skip):
        if only is not None and sid not in only:
            continue
        ran += 1
        if ran % 250 == 0:
            print(f"{ran} stories run", file=sys.stderr, flush=True)
        try:
            story = pipe.run(arts, words=100, story_id=sid)
        except NoUsableArticles:
            continue
        out += _rows(sid, story.conflicts)
        if loose:
            out += [{**r, "loose": True} for r in _rows(sid, wide)]
    print(f"{ran} stories run", file=sys.stderr)
    return out


def main() -> None:
    from benchmarks.conflicts_multinews import dump_or_score

    ap = argparse.ArgumentParser()
    ap.add_argument("--stories", type=int, help="how many (default 3000; --dev2: all 6000)")
    ap.add_argument("--dump", type=Path)
    ap.add_argument("--loose", action="store_true", help="add the wide pool (with --dump)")
    ap.add_argument("--sports", action="store_true",
                    help="the sports stories after the first 3,000 (judged in "
                    "conflicts_mn_sports.jsonl)")
    ap.add_argument("--skip-sports", type=int, default=0,
                    help="with --sports: leave out the first N stories of the selection")
    ap.add_argument("--sports-min", type=int, default=SPORTS_MIN,
                    help="with --sports: at least this many distinct sports words")
    ap.add_argument("--sports-max", type=int, help="with --sports: at most this many")
    ap.add_argument("--held-out", action="store_true",
                    help=f"the held-out sports set: --sports --sports-min {HELD_OUT_BAND[0]} "
                    f"--sports-max {HELD_OUT_BAND[1]} --stories {HELD_OUT_STORIES}, judged in "
                    "conflicts_mn_sports_test.jsonl")
    ap.add_argument("--held-out-general", action="store_true",
                    help=f"the general held-out set: the first {GENERAL_STORIES} stories after "
                    "the first 3,000 in neither sports set, judged in "
                    "conflicts_mn_general_test.jsonl (--stories smaller: a prefix of it)")
    ap.add_argument("--dev2", action="store_true",
                    help=f"the second general development set: the {DEV2_STORIES} stories of "
                    f"the general rule after its first {GENERAL_STORIES}, judged in "
                    "conflicts_mn_dev2.jsonl (--stories smaller: a prefix of it)")
    ap.add_argument("--dev2-skip", type=int, default=0,
                    help="with --dev2: leave out its first N stories (a later chunk alone)")
    ap.add_argument("--ann", type=Path, help="judgements to score against")
    args = ap.parse_args()
    if args.stories is None:
        args.stories = DEV2_STORIES if args.dev2 else 3000
    if args.held_out:
        args.sports, args.stories = True, HELD_OUT_STORIES
        args.sports_min, args.sports_max = HELD_OUT_BAND
    if args.held_out_general:
        args.stories = min(args.stories, GENERAL_STORIES)
    skip = 0
    if args.dev2:
        args.stories = min(args.stories, DEV2_STORIES - args.dev2_skip)
        skip = GENERAL_STORIES + args.dev2_skip
    found = run(args.stories, args.loose, sports=args.sports, skip_sports=args.skip_sports,
                band=(args.sports_min, args.sports_max),
                general=args.held_out_general or args.dev2, general_skip=skip)
    ann = args.ann or (DEV2_ANN if args.dev2 else GENERAL_ANN if args.held_out_general
                       else HELD_OUT_ANN if args.held_out else SPORTS_ANN if args.sports
                       else ANN)
    dump_or_score(found, ann, args.dump)


if __name__ == "__main__":
    main()
