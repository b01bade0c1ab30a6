"""The REST API over a store of real articles (the example and AllSides stories)."""

from __future__ import annotations

import json
import shutil
import sqlite3
import time

import pytest
from fastapi.testclient import TestClient
from webdesk import ALLSIDES, EXAMPLE, allsides_records, build_store

from storyweave.store import MIGRATIONS, SCHEMA_VERSION, Store, _statements
from storyweave.web import create_app

pytestmark = pytest.mark.skipif(not (EXAMPLE.is_dir() and ALLSIDES.is_file()),
                                reason="../shared example or AllSides data missing")


@pytest.fixture(scope="module")
def built(tmp_path_factory, pipeline):
    path = tmp_path_factory.mktemp("web") / "stories.db"
    info = build_store(path, pipeline)
    return path, info


@pytest.fixture
def db(built, tmp_path):
    """A private copy of the built store, so a test may write to it."""
    path, info = built
    copy = tmp_path / "stories.db"
    with Store(path) as s:
        s.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    shutil.copy(path, copy)
    return copy, info


@pytest.fixture
def client(db, pipeline):
    path, info = db
    with TestClient(create_app(path, reports=False, pipeline=pipeline)) as c:
        c.info = info
        c.path = path
        yield c


def error_code(r) -> str:
    return r.json()["error"]["code"]


def test_cursor_pagination_walks_every_story_once(client):
    seen, cursor, pages = [], None, 0
    while True:
        r = client.get("/api/v1/stories", params={"limit": 7, **({"cursor": cursor}
                                                                  if cursor else {})})
        assert r.status_code == 200
        body = r.json()
        seen += [s["id"] for s in body["stories"]]
        pages += 1
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert len(seen) == len(set(seen)) == client.info["stories"]
    assert pages == -(-client.info["stories"] // 7)
    last = [s for s in client.get("/api/v1/stories?limit=200").json()["stories"]]
    assert [s["last_seen"] for s in last] == sorted((s["last_seen"] for s in last), reverse=True)
    assert error_code(client.get("/api/v1/stories?cursor=zz!")) == "bad_cursor"


def test_story_report_etag_and_not_modified(client):
    sid = client.info["example_story"]
    r = client.get(f"/api/v1/stories/{sid}")
    assert r.status_code == 200
    assert r.json()["schema"] == "storyweave.story/1" and len(r.json()["articles"]) == 5
    etag = r.headers["etag"]
    again = client.get(f"/api/v1/stories/{sid}", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    other = client.get(f"/api/v1/stories/{sid}", headers={"If-None-Match": 'W/"other"'})
    assert other.status_code == 200


def test_unknown_and_unprepared_stories(client):
    r = client.get("/api/v1/stories/no-such-story")
    assert r.status_code == 404 and error_code(r) == "story_not_found"
    r = client.get(f"/api/v1/stories/{client.info['unreported'][0]}")
    assert r.status_code == 202 and r.json()["status"] == "being prepared"
    assert error_code(client.get("/api/v1/articles/nope")) == "article_not_found"
    assert error_code(client.get("/api/v1/nothing-here")) == "not_found"


def test_post_is_idempotent_and_batches_commit_whole(client):
    recs = allsides_records(3, skip=200)
    before = client.get("/api/v1/health").json()["articles"]
    r = client.post("/api/v1/articles", json=recs)
    assert r.status_code == 200, r.text
    assert r.json()["new"] == len(recs)
    story = r.json()["outcomes"][0]["story"]
    again = client.post("/api/v1/articles", json=recs)
    assert again.json()["new"] == 0 and again.json()["duplicates"] == len(recs)
    one = client.post("/api/v1/articles", json=recs[0])
    assert one.json()["duplicates"] == 1
    assert client.get("/api/v1/health").json()["articles"] == before + len(recs)
    art = client.get(f"/api/v1/articles/{recs[0]['id']}").json()
    assert art["story_id"] == story and art["source"] == recs[0]["source"]
    # a record without text is rejected with its reason; the others go in
    mixed = client.post("/api/v1/articles", json=[{"title": "no text"}, *allsides_records(
        1, skip=210)])
    outs = mixed.json()["outcomes"]
    assert outs[0]["status"] == "rejected" and "text" in outs[0]["reason"]
    assert mixed.json()["new"] == len(outs) - 1


def test_bad_input_is_a_json_error_and_stores_nothing(client):
    before = client.get("/api/v1/health").json()["articles"]
    r = client.post("/api/v1/articles", content=b'{"text": "unterminated',
                    headers={"content-type": "application/json"})
    assert r.status_code == 400 and error_code(r) == "malformed_json"
    r = client.post("/api/v1/articles", content=b"\x89PNG\r\n\x1a\n\x00\x00\xff",
                    headers={"content-type": "application/json"})
    assert r.status_code == 400 and error_code(r) == "malformed_json"
    r = client.post("/api/v1/articles", json=[])
    assert error_code(r) == "no_articles"
    big = [{"text": "x " * 1000, "id": str(i)} for i in range(5000)]  # ~10 MB
    r = client.post("/api/v1/articles", content=json.dumps(big).encode(),
                    headers={"content-type": "application/json"})
    assert r.status_code == 413 and error_code(r) == "body_too_large"
    r = client.get("/api/v1/stories", params={"limit": 0})
    assert r.status_code == 422 and error_code(r) == "invalid_request"
    assert client.get("/api/v1/health").json()["articles"] == before


def test_binary_upload_is_rejected_by_name(client):
    before = client.get("/api/v1/health").json()["articles"]
    r = client.post("/add", files={"files": ("photo.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00",
                                             "text/plain")}, headers={"accept": "text/html"})
    assert r.status_code == 200
    assert "upload:photo.txt" in r.text and "binary file, not text" in r.text
    assert str(client.path.parent) not in r.text
    assert client.get("/api/v1/health").json()["articles"] == before


def test_token_guards_writes(db, pipeline):
    path, _ = db
    with TestClient(create_app(path, token="s3cret", reports=False)) as c:
        rec = allsides_records(1, skip=300)
        r = c.post("/api/v1/articles", json=rec)
        assert r.status_code == 401 and error_code(r) == "token_required"
        r = c.post("/add", data={"text": rec[0]["text"]})
        assert r.status_code == 401
        ok = c.post("/api/v1/articles", json=rec, headers={"Authorization": "Bearer s3cret"})
        assert ok.status_code == 200 and ok.json()["new"] == len(rec)
        assert c.get("/api/v1/stories").status_code == 200  # reads stay open


def test_search_pages_cut_the_full_ranking_in_order(client):
    from storyweave import desk

    with Store(client.path) as store:
        ranking = store.search("the", limit=1000)
        assert len(ranking) > 12  # the stored outlets' texts: a common word matches widely
        shown: set[str] = set()
        for page in (1, 2, 3):
            got = desk.search_results(store, "the", page, per_page=4)
            expect: list[str] = []
            for hit in ranking[4 * (page - 1):4 * page]:
                if hit["story_id"] not in shown and hit["story_id"] not in expect:
                    expect.append(hit["story_id"])
            assert [g["story"]["id"] for g in got["groups"]] == expect
            assert got["more"] == (len(ranking) > 4 * page)
            shown.update(h["story_id"] for h in ranking[:4 * page])
    first = client.get("/search", params={"q": "the"})
    assert first.status_code == 200 and 'rel="next"' in first.text
    assert 'rel="prev"' not in first.text
    second = client.get("/search", params={"q": "the", "page": 2})
    assert second.status_code == 200 and 'rel="prev"' in second.text
    assert client.get("/search", params={"q": "the", "page": 0}).status_code == 422


def test_search_phrases_prefixes_and_operators(client):
    sid = client.info["example_story"]
    hits = client.get("/api/v1/search", params={"q": '"Kim Jong Un"'}).json()
    assert hits and hits[0]["story"]["id"] == sid
    title = client.get(f"/api/v1/stories/{sid}").json()["title"]
    word = max(title.split(), key=len)
    whole = {g["story"]["id"] for g in client.get("/api/v1/search", params={"q": word}).json()}
    prefix = {g["story"]["id"] for g in client.get(
        "/api/v1/search", params={"q": word[:4] + "*"}).json()}
    assert sid in whole and whole <= prefix
    for q in ['"unbalanced', "a AND (b OR", "NEAR(", "*", "-"]:
        assert client.get("/api/v1/search", params={"q": q}).status_code == 200
    listed = client.get("/api/v1/stories", params={"q": '"Kim Jong Un"'}).json()
    assert listed["stories"][0]["id"] == sid


def test_entities_outlets_health_version_and_schema(client):
    ents = client.get("/api/v1/entities", params={"limit": 5}).json()
    assert ents and all(e["stories"] >= 1 for e in ents)
    start = ents[0]["name"][:3]
    pre = client.get("/api/v1/entities", params={"prefix": start}).json()
    assert pre and all(e["name"].startswith(start) for e in pre)
    assert client.get("/api/v1/entities", params={"prefix": "%_"}).json() == []
    one = client.get(f"/api/v1/entities/{ents[0]['name']}").json()
    assert one["stories"]
    outlets = client.get("/api/v1/outlets").json()
    names = {o["source"] for o in outlets}
    assert {a["source"] for a in allsides_records(2)} <= names
    h = client.get("/api/v1/health").json()
    assert h["status"] == "ok" and h["articles"] == client.info["articles"]
    assert str(client.path) not in json.dumps(h)
    assert client.get("/api/v1/version").json()["report_schema"] == "storyweave.story/1"
    spec = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/stories/{story_id}" in spec["paths"]
    body = spec["paths"]["/api/v1/articles"]["post"]["requestBody"]
    assert "text" in json.dumps(body)
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200 and "cdn" not in docs.text.lower()
    assert "script-src 'self'" in docs.headers["content-security-policy"]


def test_summarize_stores_nothing(client):
    from storyweave.ingest import read_paths

    arts = read_paths([EXAMPLE]).articles
    before = client.get("/api/v1/health").json()
    recs = [{"id": a.id, "title": a.title, "source": a.source, "text": a.body,
             "published": a.published} for a in arts]
    r = client.post("/api/v1/summarize", json=recs, params={"words": 60})
    assert r.status_code == 200
    rep = r.json()
    assert rep["schema"] == "storyweave.story/1" and len(rep["articles"]) == 5
    assert rep["summary"]["words"] <= 60
    after = client.get("/api/v1/health").json()
    assert (after["articles"], after["reports"]) == (before["articles"], before["reports"])


def test_background_worker_prepares_a_report(db, pipeline):
    path, info = db
    sid = info["unreported"][0]
    with TestClient(create_app(path, reports=True, pipeline=pipeline)) as c:
        assert c.get(f"/api/v1/stories/{sid}").status_code == 202
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            r = c.get(f"/api/v1/stories/{sid}")
            if r.status_code == 200:
                break
            time.sleep(0.5)
        assert r.status_code == 200 and r.json()["id"] == sid


def old_store(path, version: int) -> dict:
    """A store as schema ``version`` left it, holding one real article; returns the article."""
    conn = sqlite3.connect(path, isolation_level=None)
    for script in MIGRATIONS[:version]:
        for statement in _statements(script):
            conn.execute(statement)
    conn.execute("PRAGMA application_id = 1398240817")
    conn.execute(f"PRAGMA user_version = {version}")
    rec = allsides_records(1)[0]
    conn.execute("INSERT INTO stories (id, headline, first_seen, last_seen, created_at, "
                 "updated_at) VALUES ('s1', ?, '2024', '2024', '2024', '2024')", (rec["title"],))
    conn.execute("INSERT INTO articles (id, content_hash, source, title, body, published, "
                 "ingested_at, origin, story_id) VALUES (?, 'h', ?, ?, ?, '2024', '2024', 'x', "
                 "'s1')", (rec["id"], rec["source"], rec["title"], rec["text"]))
    conn.close()
    return rec


def test_migration_from_schema_1_indexes_existing_articles(tmp_path):
    path = tmp_path / "old.db"
    rec = old_store(path, 1)
    word = max(rec["text"].split(), key=len).strip(".,;:\"'")
    with Store(path) as store:
        assert store.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert [h["article_id"] for h in store.search(word)] == [rec["id"]]


def test_migration_from_schema_2_rebuilds_the_article_index_with_prefixes(tmp_path):
    path = tmp_path / "v2.db"
    rec = old_store(path, 2)
    word = max(rec["text"].split(), key=len).strip(".,;:\"'")
    with Store(path) as store:
        assert store.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 3
        sql = store.conn.execute("SELECT sql FROM sqlite_master WHERE name = 'articles_fts'")
        assert "prefix='3 4'" in sql.fetchone()[0]
        for q in (word, word[:4] + "*", word[:3] + "*"):
            assert [h["article_id"] for h in store.search(q)] == [rec["id"]], q
        store.conn.execute("INSERT INTO articles_fts(articles_fts) VALUES ('integrity-check')")


def test_desk_cache_makes_a_value_once_however_many_ask_at_once(tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    from storyweave.web.background import Desk

    desk_ = Desk(tmp_path / "s.db", reports=False)
    calls: list[str] = []

    def make(value: str):
        def slow() -> str:
            calls.append(value)
            time.sleep(0.3)
            return value
        return slow

    with ThreadPoolExecutor(8) as ex:
        got = list(ex.map(lambda _: desk_.cached("front", 60, make("new")), range(8)))
    assert got == ["new"] * 8 and calls == ["new"]
    desk_._cache["front"] = (0.0, "old")  # expired: one request makes it again, the rest
    with ThreadPoolExecutor(8) as ex:  # are answered with the old value meanwhile
        got = list(ex.map(lambda _: desk_.cached("front", 60, make("newer")), range(8)))
    assert calls == ["new", "newer"] and set(got) <= {"old", "newer"} and "newer" in got
