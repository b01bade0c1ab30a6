"""Feed polling against a local site (127.0.0.1) serving a real feed and real article pages."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient
from feedsite import Site
from webdesk import ALLSIDES

from storyweave.cli import main
from storyweave.errors import StoryweaveError
from storyweave.feeds import FeedPoller, parse_every, read_feed_list
from storyweave.store import Store
from storyweave.web import create_app

pytestmark = pytest.mark.skipif(not ALLSIDES.is_file(), reason="../shared AllSides missing")
FAST = {"timeout": 0.5, "retries": 1, "backoff": 0.05, "politeness": 0.0}


def test_new_items_are_ingested_once_and_a_304_costs_nothing(tmp_path):
    db = tmp_path / "s.db"
    with Site(stories=2) as site:
        poller = FeedPoller(db, **FAST)
        first = poller.poll(f"{site.base}/feed.xml")
        n = len(site.records)
        assert first.status == "new items" and first.new == n, first
        pages = {p for p in site.hits if p.startswith("/a/")}
        assert len(pages) == n and all(site.hits[p] == 1 for p in pages)
        with Store(db) as store:
            art = store.article(site.records[0]["id"])
            assert art["meta"].get("extracted_by") == "trafilatura"
            assert len(art["body"].split()) > len(site.records[0]["text"].split(". ")[0].split())
            assert art["source"] == site.records[0]["source"]
        second = poller.poll(f"{site.base}/feed.xml")
        assert second.status == "not modified" and second.new == 0
        assert {p for p in site.hits if p.startswith("/a/")} == pages
        assert all(site.hits[p] == 1 for p in pages)
        site.add_story(skip=420)
        third = poller.poll(f"{site.base}/feed.xml")
        assert third.new == len(site.records) - n
        assert all(site.hits[p] == 1 for p in site.hits if p.startswith("/a/"))
        with Store(db) as store:
            assert store.count("articles") == len(site.records)
            state = store.feed_state(f"{site.base}/feed.xml")
        assert state["polls"] == 3 and state["items"] == len(site.records)
        assert state["last_error"] is None and state["etag"] == f'"v{site.version}"'
        poller.close()


def test_a_failing_feed_is_reported_and_the_others_go_on(tmp_path):
    db = tmp_path / "s.db"
    with Site(stories=1) as site:
        urls = [f"{site.base}/garbage.xml", f"{site.base}/slow.xml",
                f"{site.base}/gone.xml", f"{site.base}/feed.xml", "http://127.0.0.1:9/x.xml"]
        poller = FeedPoller(db, **FAST)
        results = {r.url: r for r in poller.poll_all(urls)}
        poller.close()
    assert results[urls[3]].new == len(site.records)
    assert "parse" in results[urls[0]].error or "feed" in results[urls[0]].error
    assert "timed out" in results[urls[1]].error and "2 tries" in results[urls[1]].error
    assert results[urls[2]].error == "HTTP 404"
    assert results[urls[4]].status == "error"
    with Store(db) as store:
        states = {s["url"]: s for s in store.feed_states()}
    assert set(states) == set(urls)
    assert states[urls[3]]["last_error"] is None
    assert all(states[u]["last_error"] for u in urls if u != urls[3])


def test_retry_with_backoff_and_politeness_delay(tmp_path):
    with Site(stories=1) as site:
        poller = FeedPoller(tmp_path / "s.db", timeout=2, retries=2, backoff=0.05,
                            politeness=0.2)
        r = poller.poll(f"{site.base}/flaky.xml")
        poller.close()
    assert r.status == "new items" and site.hits["/flaky.xml"] == 2
    stamps = [t for _, t in site.times]
    gaps = [b - a for a, b in zip(stamps, stamps[1:], strict=False)]
    assert gaps and min(gaps) >= 0.15, gaps


def test_watch_and_feeds_commands(tmp_path, capsys):
    db = tmp_path / "s.db"
    with Site(stories=1) as site:
        lst = tmp_path / "feeds.txt"
        lst.write_text(f"# test desk\n{site.base}/feed.xml\n{site.base}/garbage.xml\n")
        rc = main(["watch", str(lst), "--db", str(db), "--rounds", "2", "--every", "0.1s",
                   "--timeout", "2"])
    out, err = capsys.readouterr()
    assert rc == 0
    assert f"{site.base}/feed.xml: new items; {len(site.records)} new" in out
    assert f"{site.base}/feed.xml: not modified" in out
    assert "garbage.xml" in err
    assert main(["feeds", "--db", str(db)]) == 0
    out, _ = capsys.readouterr()
    assert "2 polls" in out and "error:" in out


def test_feed_list_and_interval_errors(tmp_path):
    bad = tmp_path / "feeds.txt"
    bad.write_text("ftp://example.org/feed\n")
    with pytest.raises(StoryweaveError, match="feeds.txt:1"):
        read_feed_list(bad)
    assert parse_every("15m") == 900 and parse_every("2h") == 7200 and parse_every("30") == 30
    with pytest.raises(StoryweaveError):
        parse_every("soon")


def test_serve_polls_feeds_and_shows_their_state(tmp_path):
    db = tmp_path / "s.db"
    with Site(stories=1) as site:
        urls = [f"{site.base}/feed.xml", f"{site.base}/garbage.xml"]
        app = create_app(db, reports=False, feeds=urls, every=3600, poller_options=FAST)
        with TestClient(app) as c:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and len(c.get("/api/v1/feeds").json()) < 2:
                time.sleep(0.2)
            feeds = {f["url"]: f for f in c.get("/api/v1/feeds").json()}
            page = c.get("/admin").text
            stories = c.get("/api/v1/stories").json()["stories"]
    assert feeds[urls[0]]["items"] == len(site.records) and feeds[urls[1]]["last_error"]
    assert urls[1] in page and feeds[urls[1]]["last_error"].split(" (")[0][:20] in page
    assert stories

