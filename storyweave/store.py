"""The story store: one SQLite file (WAL) holding articles, stories, membership and reports.

Schema (``PRAGMA user_version`` = :data:`SCHEMA_VERSION`, ``PRAGMA application_id`` =
:data:`APPLICATION_ID`; see docs/stream.md):

* ``articles``: every kept article (raw text as read, so a report can be recomputed), its
  content hash (exact duplicates are refused), its story (``story_id``: the membership) and,
  for a near-duplicate, the article it copies (``copy_of``) and its MinHash signature;
* ``stories``: one row per story, with size, first/last seen, headline, ``closed`` (quiet for
  longer than the clustering window) and ``stale`` (changed since its report was computed);
* ``reports``: the latest JSON report per story;
* ``state``: the clustering model's state, saved in the same transaction as the articles it
  has seen, so a restart carries on exactly where the last commit left off.

Writes happen in explicit transactions (:meth:`Store.transaction`): a batch of articles is
committed whole or not at all, so a kill mid-ingest loses nothing committed and leaves no
half-added story.
"""

from __future__ import annotations

import errno
import json
import re
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from storyweave.errors import StoryweaveError
from storyweave.lease import WriterLease
from storyweave.model import Article

APPLICATION_ID = 0x53577631  # "SWv1"
SCHEMA_VERSION = 3
#: A search ranks (bm25) the best matches among this many newest matching rows of each index:
#: ranking every match of a common word or prefix in a 50,000-article store costs tens of
#: milliseconds of CPU; the newest few thousand cost one or two (docs/benchmarks.md, web-load).
SEARCH_NEWEST = 2000

# MIGRATIONS[n] takes a database from user_version n to n + 1.
MIGRATIONS: list[str] = [
    """
    CREATE TABLE articles (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        content_hash TEXT NOT NULL,
        source TEXT NOT NULL,
        source_inferred INTEGER NOT NULL DEFAULT 0,
        title TEXT NOT NULL,
        body TEXT NOT NULL,
        url TEXT,
        published TEXT NOT NULL,
        published_inferred INTEGER NOT NULL DEFAULT 0,
        ingested_at TEXT NOT NULL,
        origin TEXT NOT NULL,
        meta TEXT NOT NULL DEFAULT '{}',
        story_id TEXT NOT NULL REFERENCES stories(id),
        copy_of TEXT,
        copy_similarity REAL,
        minhash BLOB
    );
    CREATE INDEX articles_story ON articles(story_id);
    CREATE INDEX articles_hash ON articles(content_hash);
    CREATE TABLE stories (
        id TEXT PRIMARY KEY,
        headline TEXT NOT NULL,
        size INTEGER NOT NULL DEFAULT 0,
        copies INTEGER NOT NULL DEFAULT 0,
        first_seen TEXT NOT NULL,
        last_seen TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        closed INTEGER NOT NULL DEFAULT 0,
        stale INTEGER NOT NULL DEFAULT 1
    );
    CREATE INDEX stories_last ON stories(last_seen);
    CREATE TABLE reports (
        story_id TEXT PRIMARY KEY REFERENCES stories(id),
        computed_at TEXT NOT NULL,
        articles INTEGER NOT NULL,
        report TEXT NOT NULL
    );
    CREATE TABLE state (
        name TEXT PRIMARY KEY,
        data BLOB NOT NULL,
        updated_at TEXT NOT NULL
    );
    """,
    # 2: full-text search (FTS5) over articles and story summaries, an entity index read from
    # the reports, and the feed poller's state. Triggers keep the indexes in step with the
    # tables, so the writers (ingest, save_report) need no change.
    """
    CREATE VIRTUAL TABLE articles_fts USING fts5(
        title, body, content='articles', content_rowid='seq', tokenize='porter unicode61');
    CREATE TRIGGER articles_fts_ai AFTER INSERT ON articles BEGIN
        INSERT INTO articles_fts(rowid, title, body) VALUES (new.seq, new.title, new.body);
    END;
    CREATE TRIGGER articles_fts_ad AFTER DELETE ON articles BEGIN
        INSERT INTO articles_fts(articles_fts, rowid, title, body)
        VALUES ('delete', old.seq, old.title, old.body);
    END;
    CREATE TRIGGER articles_fts_au AFTER UPDATE OF title, body ON articles BEGIN
        INSERT INTO articles_fts(articles_fts, rowid, title, body)
        VALUES ('delete', old.seq, old.title, old.body);
        INSERT INTO articles_fts(rowid, title, body) VALUES (new.seq, new.title, new.body);
    END;
    INSERT INTO articles_fts(articles_fts) VALUES ('rebuild');
    CREATE VIRTUAL TABLE stories_fts USING fts5(
        story_id UNINDEXED, title, summary, tokenize='porter unicode61');
    CREATE TABLE report_entities (
        story_id TEXT NOT NULL,
        name TEXT NOT NULL,
        type TEXT NOT NULL,
        articles INTEGER NOT NULL
    );
    CREATE INDEX report_entities_name ON report_entities(name);
    CREATE INDEX report_entities_story ON report_entities(story_id);
    CREATE TRIGGER reports_index_ai AFTER INSERT ON reports BEGIN
        INSERT INTO stories_fts(rowid, story_id, title, summary) VALUES (new.rowid,
            new.story_id, coalesce(json_extract(new.report, '$.title'), ''),
            coalesce(json_extract(new.report, '$.summary.text'), ''));
        INSERT INTO report_entities (story_id, name, type, articles)
        SELECT new.story_id, json_extract(value, '$.name'), json_extract(value, '$.type'),
               coalesce(json_array_length(json_extract(value, '$.articles')), 0)
        FROM json_each(new.report, '$.entities') WHERE json_extract(value, '$.name') IS NOT NULL;
    END;
    CREATE TRIGGER reports_index_au AFTER UPDATE ON reports BEGIN
        DELETE FROM stories_fts WHERE rowid = old.rowid;
        INSERT INTO stories_fts(rowid, story_id, title, summary) VALUES (new.rowid,
            new.story_id, coalesce(json_extract(new.report, '$.title'), ''),
            coalesce(json_extract(new.report, '$.summary.text'), ''));
        DELETE FROM report_entities WHERE story_id = old.story_id;
        INSERT INTO report_entities (story_id, name, type, articles)
        SELECT new.story_id, json_extract(value, '$.name'), json_extract(value, '$.type'),
               coalesce(json_array_length(json_extract(value, '$.articles')), 0)
        FROM json_each(new.report, '$.entities') WHERE json_extract(value, '$.name') IS NOT NULL;
    END;
    INSERT INTO stories_fts(rowid, story_id, title, summary)
    SELECT rowid, story_id, coalesce(json_extract(report, '$.title'), ''),
           coalesce(json_extract(report, '$.summary.text'), '') FROM reports;
    INSERT INTO report_entities (story_id, name, type, articles)
    SELECT r.story_id, json_extract(e.value, '$.name'), json_extract(e.value, '$.type'),
           coalesce(json_array_length(json_extract(e.value, '$.articles')), 0)
    FROM reports r, json_each(r.report, '$.entities') e
    WHERE json_extract(e.value, '$.name') IS NOT NULL;
    CREATE INDEX articles_source ON articles(source);
    CREATE TABLE feeds (
        url TEXT PRIMARY KEY,
        etag TEXT,
        last_modified TEXT,
        last_poll TEXT,
        last_ok TEXT,
        last_status TEXT,
        last_error TEXT,
        polls INTEGER NOT NULL DEFAULT 0,
        items INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE feed_items (
        feed TEXT NOT NULL,
        item TEXT NOT NULL,
        article_id TEXT,
        outcome TEXT NOT NULL,
        seen_at TEXT NOT NULL,
        PRIMARY KEY (feed, item)
    );
    """,
    # 3: the article index gets prefix indexes for 3- and 4-letter prefixes, so ``word*``
    # reads one index entry instead of merging every term that starts so (a 4-letter prefix
    # in a 50,000-article store: 27 -> 10 ms). FTS5 options cannot be altered: the table is
    # made again and rebuilt from ``articles`` (about 10 s per 50,000 articles, once); the
    # triggers name it and need no change.
    """
    DROP TABLE articles_fts;
    CREATE VIRTUAL TABLE articles_fts USING fts5(
        title, body, content='articles', content_rowid='seq', tokenize='porter unicode61',
        prefix='3 4');
    INSERT INTO articles_fts(articles_fts) VALUES ('rebuild');
    """,
]
assert len(MIGRATIONS) == SCHEMA_VERSION


def _statements(script: str) -> Iterator[str]:
    """The script's statements one by one (``;`` inside a trigger body does not end one)."""
    current = ""
    for line in script.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            if current.strip():
                yield current
            current = ""
    if current.strip():
        yield current


def default_db_path() -> Path:
    """``stories.db`` in the user's data folder (platformdirs), e.g. ~/.local/share/storyweave."""
    import platformdirs

    return Path(platformdirs.user_data_dir("storyweave", appauthor=False)) / "stories.db"


def now_iso() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


class Store:
    """An open story database. Use as a context manager, or call :meth:`close`."""

    #: sqlite3's same-thread check; a connection pool that hands one connection to one
    #: request at a time across threads turns it off (``storyweave.web``).
    check_same_thread = True

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path) if path is not None else default_db_path()
        self._lease: WriterLease | None = None  # taken by writers only (writer_lease)
        self.conn = self._open()

    # ---------------------------------------------------------------- opening

    def _open(self) -> sqlite3.Connection:
        path = self.path
        if path.is_dir():
            raise StoryweaveError(f"{path}: is a folder, not a database file")
        # The file is never opened here but by SQLite: closing any descriptor of a database
        # file drops every POSIX lock this process holds on it (SQLite's connections
        # included), and another process closing its last connection then takes this one
        # for the only user, checkpoints and deletes the WAL and its index under our readers,
        # which then read "database disk image is malformed". SQLite itself tells a foreign
        # file apart (SQLITE_NOTADB) without changing it.
        if not path.exists():
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as err:
                raise StoryweaveError(f"{path.parent}: cannot create: {err.strerror}") from None
        try:
            conn = sqlite3.connect(path, isolation_level=None, timeout=30.0,
                                   check_same_thread=self.check_same_thread)
        except sqlite3.Error as err:
            raise StoryweaveError(f"{path}: cannot open database: {err}") from None
        try:
            # one statement, so one snapshot: another process may be creating the same new
            # file, and three separate reads could see its tables but not yet its id
            app, version, tables = conn.execute(
                "SELECT (SELECT application_id FROM pragma_application_id),"
                " (SELECT user_version FROM pragma_user_version),"
                " (SELECT count(*) FROM sqlite_master)").fetchone()
        except sqlite3.DatabaseError as err:
            conn.close()
            if getattr(err, "sqlite_errorcode", None) == sqlite3.SQLITE_NOTADB:
                raise StoryweaveError(f"{path}: not a storyweave database (not an SQLite "
                                      "file); nothing was changed") from None
            raise StoryweaveError(f"{path}: not a readable database ({err}); "
                                  "nothing was changed") from None
        if app != APPLICATION_ID and (tables or version):
            conn.close()
            raise StoryweaveError(f"{path}: not a storyweave database (it belongs to another "
                                  "program); nothing was changed")
        if version > SCHEMA_VERSION:
            conn.close()
            raise StoryweaveError(
                f"{path}: written by a newer storyweave (schema {version}; this version reads "
                f"up to {SCHEMA_VERSION}); upgrade storyweave. Nothing was changed")
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
        self._migrate(conn, version)
        return conn

    @staticmethod
    def _migrate(conn: sqlite3.Connection, version: int) -> None:
        if version >= SCHEMA_VERSION:
            return
        conn.execute("BEGIN IMMEDIATE")
        try:
            # read again under the write lock: another process opening the same new file
            # may have migrated it between our first look and now
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            for n in range(version, SCHEMA_VERSION):
                for statement in _statements(MIGRATIONS[n]):
                    conn.execute(statement)
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    def close(self) -> None:
        self.conn.close()
        while self._lease is not None and self._lease.held:
            self._lease.release()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """All writes inside commit together, or (on any exception) not at all. A full disk
        or a locked database is a one-line :class:`StoryweaveError`; what was committed
        before stays."""
        try:
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
            except BaseException:
                if self.conn.in_transaction:  # SQLite may have rolled back already
                    self.conn.execute("ROLLBACK")
                raise
            self.conn.execute("COMMIT")
        except (sqlite3.OperationalError, OSError) as err:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise StoryweaveError(f"{self.path}: cannot write: {write_problem(err)}; "
                                  "this batch was not stored, everything stored before it "
                                  "is kept") from None

    @contextmanager
    def snapshot(self) -> Iterator[sqlite3.Connection]:
        """Reads inside see one committed state of the store, even while a writer commits
        (WAL): how a writer's models load without taking the writer lease."""
        if self.conn.in_transaction:
            yield self.conn
            return
        self.conn.execute("BEGIN DEFERRED")
        try:
            yield self.conn
        finally:
            if self.conn.in_transaction:
                self.conn.execute("COMMIT")

    @contextmanager
    def writer_lease(self, wait: bool = True, timeout: float | None = None,
                     on_wait: Callable[[str], None] | None = None) -> Iterator[None]:
        """Hold the store's writer lease (:mod:`storyweave.lease`) inside: every writer of
        memberships takes it; readers never do. Re-entrant within this :class:`Store`."""
        if self._lease is None:
            self._lease = WriterLease(self.path)
        self._lease.acquire(wait=wait, timeout=timeout, on_wait=on_wait)
        try:
            yield
        finally:
            self._lease.release()

    # ---------------------------------------------------------------- articles

    def has_article(self, article_id: str) -> sqlite3.Row | None:
        return self.conn.execute("SELECT id, content_hash, story_id FROM articles WHERE id = ?",
                                 (article_id,)).fetchone()

    def find_hash(self, content_hash: str) -> sqlite3.Row | None:
        return self.conn.execute("SELECT id, story_id FROM articles WHERE content_hash = ? "
                                 "LIMIT 1", (content_hash,)).fetchone()

    def insert_article(self, article: Article, *, content_hash: str, story_id: str,
                       published: str, published_inferred: bool, copy_of: str | None,
                       copy_similarity: float | None, minhash: bytes | None) -> None:
        meta = dict(article.meta)
        if copy_of:
            meta["copy_of"] = copy_of
        self.conn.execute(
            "INSERT INTO articles (id, content_hash, source, source_inferred, title, body, url,"
            " published, published_inferred, ingested_at, origin, meta, story_id, copy_of,"
            " copy_similarity, minhash) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (article.id, content_hash, article.source, int(article.source_inferred),
             article.title, article.body, article.url, published, int(published_inferred),
             now_iso(), article.origin, json.dumps(meta, ensure_ascii=False), story_id,
             copy_of, copy_similarity, minhash),
        )

    def touch_story(self, story_id: str, *, headline: str, published: str,
                    copy: bool) -> None:
        """Add one article to the story's counts (creating the row), and mark it stale."""
        stamp = now_iso()
        self.conn.execute(
            "INSERT INTO stories (id, headline, size, copies, first_seen, last_seen, created_at,"
            " updated_at, stale) VALUES (?, ?, 1, ?, ?, ?, ?, ?, 1)"
            " ON CONFLICT(id) DO UPDATE SET size = size + 1, copies = copies + excluded.copies,"
            " first_seen = min(first_seen, excluded.first_seen),"
            " last_seen = max(last_seen, excluded.last_seen),"
            " headline = CASE WHEN headline = '' THEN excluded.headline ELSE headline END,"
            " updated_at = excluded.updated_at, stale = 1",
            (story_id, headline, int(copy), published, published, stamp, stamp),
        )

    def close_stories(self, story_ids: list[str]) -> None:
        self.conn.executemany("UPDATE stories SET closed = 1 WHERE id = ?",
                              [(s,) for s in story_ids])

    def articles_of(self, story_id: str) -> list[Article]:
        rows = self.conn.execute(
            "SELECT * FROM articles WHERE story_id = ? ORDER BY published, seq", (story_id,))
        return [row_to_article(r) for r in rows]

    def last_seq(self) -> int:
        row = self.conn.execute("SELECT MAX(seq) FROM articles").fetchone()
        return int(row[0] or 0)

    def articles_after(self, seq: int) -> Iterator[tuple[int, Article, str, str]]:
        """``(seq, article, published, story_id)`` of the articles stored after ``seq``, in
        arrival order: what a clustering checkpoint taken at ``seq`` has not seen."""
        rows = self.conn.execute(
            "SELECT * FROM articles WHERE seq > ? ORDER BY seq", (seq,))
        for r in rows:
            yield int(r["seq"]), row_to_article(r), r["published"], r["story_id"]

    def recent_signatures(self, since: str) -> Iterator[tuple[str, str, str | None, bytes]]:
        """``(id, published, copy_of, minhash)`` of articles published since ``since``."""
        yield from self.conn.execute(
            "SELECT id, published, copy_of, minhash FROM articles WHERE published >= ? AND "
            "minhash IS NOT NULL ORDER BY seq", (since,))

    def count(self, table: str) -> int:
        assert table in {"articles", "stories", "reports"}
        return self.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]

    # ---------------------------------------------------------------- stories

    def stories(self, limit: int | None = None, include_closed: bool = True) -> list[dict]:
        sql = ("SELECT s.*, (SELECT count(DISTINCT a.source) FROM articles a "
               "WHERE a.story_id = s.id) AS outlets FROM stories s")
        if not include_closed:
            sql += " WHERE s.closed = 0"
        sql += " ORDER BY s.last_seen DESC, s.id"
        if limit:
            sql += f" LIMIT {int(limit)}"
        return [dict(r) for r in self.conn.execute(sql)]

    def story(self, story_id: str) -> dict | None:
        row = self.conn.execute("SELECT * FROM stories WHERE id = ?", (story_id,)).fetchone()
        return dict(row) if row else None

    def cached_report(self, story_id: str) -> dict | None:
        """The stored report, or ``None`` if there is none or the story changed since."""
        row = self.conn.execute(
            "SELECT r.report FROM reports r JOIN stories s ON s.id = r.story_id "
            "WHERE r.story_id = ? AND s.stale = 0", (story_id,)).fetchone()
        return json.loads(row[0]) if row else None

    def save_report(self, story_id: str, report: dict, articles: int) -> None:
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO reports (story_id, computed_at, articles, report) VALUES (?,?,?,?)"
                " ON CONFLICT(story_id) DO UPDATE SET computed_at = excluded.computed_at,"
                " articles = excluded.articles, report = excluded.report",
                (story_id, now_iso(), articles, json.dumps(report, ensure_ascii=False)))
            conn.execute("UPDATE stories SET stale = 0 WHERE id = ?", (story_id,))

    # ---------------------------------------------------------------- reading (web, API)

    def last_report(self, story_id: str) -> tuple[dict, str, bool] | None:
        """``(report, computed_at, stale)``: the latest report even if the story changed since,
        so a reader sees the last account while the new one is prepared."""
        row = self.conn.execute(
            "SELECT r.report, r.computed_at, s.stale FROM reports r JOIN stories s "
            "ON s.id = r.story_id WHERE r.story_id = ?", (story_id,)).fetchone()
        return (json.loads(row[0]), row[1], bool(row[2])) if row else None

    def latest_seen(self) -> str | None:
        """The newest ``last_seen``: the store's own "now" (a replayed stream lives in its
        own time)."""
        return self.conn.execute("SELECT MAX(last_seen) FROM stories").fetchone()[0]

    def stories_seen_since(self, since: str, until: str | None = None) -> list[dict]:
        sql, args = "SELECT * FROM stories WHERE last_seen >= ?", [since]
        if until:
            sql += " AND first_seen <= ?"
            args.append(until)
        return [dict(r) for r in self.conn.execute(sql, args)]

    def stories_by_id(self, ids: list[str]) -> dict[str, dict]:
        out: dict[str, dict] = {}
        for chunk in _chunks(ids):
            marks = ",".join("?" * len(chunk))
            for r in self.conn.execute(f"SELECT * FROM stories WHERE id IN ({marks})", chunk):
                out[r["id"]] = dict(r)
        return out

    def coverage(self, ids: list[str]) -> dict[str, dict]:
        """Per story: independent ``outlets`` (distinct sources of articles that copy no other
        article), ``copies`` (near-duplicate wire copies) and ``sources``."""
        out: dict[str, dict] = {}
        for chunk in _chunks(ids):
            marks = ",".join("?" * len(chunk))
            for r in self.conn.execute(
                    "SELECT story_id, group_concat(DISTINCT CASE WHEN copy_of IS NULL "
                    "THEN source END), SUM(copy_of IS NOT NULL) FROM articles "
                    f"WHERE story_id IN ({marks}) GROUP BY story_id", chunk):
                sources = sorted(set((r[1] or "").split(","))) if r[1] else []
                out[r[0]] = {"outlets": len(sources), "copies": int(r[2] or 0),
                             "sources": sources}
        return out

    def page_stories(self, limit: int, after: tuple[str, str] | None = None,
                     since: str | None = None) -> list[dict]:
        """Most recently updated first, keyset-paginated on ``(last_seen, id)``."""
        sql, args = "SELECT * FROM stories WHERE 1=1", []
        if since:
            sql += " AND last_seen >= ?"
            args.append(since)
        if after:
            sql += " AND (last_seen < ? OR (last_seen = ? AND id > ?))"
            args += [after[0], after[0], after[1]]
        sql += " ORDER BY last_seen DESC, id LIMIT ?"
        args.append(int(limit))
        return [dict(r) for r in self.conn.execute(sql, args)]

    def article(self, article_id: str) -> dict | None:
        row = self.conn.execute(
            "SELECT id, source, source_inferred, title, body, url, published, "
            "published_inferred, ingested_at, story_id, copy_of, copy_similarity, meta "
            "FROM articles WHERE id = ?", (article_id,)).fetchone()
        if row is None:
            return None
        out = dict(row)
        out["meta"] = json.loads(out["meta"])
        return out

    def article_rows(self, story_id: str) -> list[dict]:
        return [dict(r) for r in self.conn.execute(
            "SELECT id, source, title, url, published, copy_of, copy_similarity FROM articles "
            "WHERE story_id = ? ORDER BY published, seq", (story_id,))]

    def search(self, query: str, limit: int = 50, newest: int = SEARCH_NEWEST) -> list[dict]:
        """Articles and story summaries matching an FTS5 query (:func:`fts_query` makes one
        from what a person types), best first: ``{story_id, article_id, title, snippet, rank}``
        (``article_id`` is None for a match in a story's summary). The best are ranked among
        the ``newest`` latest matches of each index (all of them when fewer match): FTS5 can
        stop early in rowid order, never in bm25 order, and a news desk wants the recent."""
        match = fts_query(query)
        if not match:
            return []
        # rank first, then snippets for the kept rows only (a snippet for every match of a
        # common word costs more than the search itself)
        hits: list[dict] = []
        for table, text_col, join in (
                ("articles_fts", 1, "SELECT seq AS rowid, story_id, id AS article_id, title, "
                 "source FROM articles WHERE seq IN ({})"),
                ("stories_fts", 2, "SELECT rowid, story_id, NULL AS article_id, title, "
                 "NULL AS source FROM stories_fts WHERE rowid IN ({})")):
            ranked = self.conn.execute(
                f"SELECT rowid, rank FROM (SELECT rowid, rank FROM {table} WHERE {table} "
                "MATCH ? ORDER BY rowid DESC LIMIT ?) ORDER BY rank LIMIT ?",
                (match, int(newest), int(limit))).fetchall()
            if not ranked:
                continue
            ids = [r[0] for r in ranked]
            marks = ",".join("?" * len(ids))
            snippets = dict(self.conn.execute(
                f"SELECT rowid, snippet({table}, {text_col}, '\x02', '\x03', ' … ', 16) "
                f"FROM {table} WHERE {table} MATCH ? AND rowid IN ({marks})",
                (match, *ids)).fetchall())
            rows = {r["rowid"]: dict(r) for r in self.conn.execute(join.format(marks), ids)}
            for rowid, rank in ranked:
                if rowid in rows:
                    row = rows[rowid]
                    row.pop("rowid")
                    hits.append({**row, "snippet": snippets.get(rowid, ""), "rank": rank})
        hits.sort(key=lambda h: h["rank"])
        return hits

    def entities(self, limit: int = 100, prefix: str | None = None) -> list[dict]:
        sql, args = ("SELECT name, type, count(DISTINCT story_id) AS stories FROM "
                     "report_entities", [])
        if prefix:
            sql += " WHERE name LIKE ? ESCAPE '\\'"
            args.append(prefix.replace("\\", "\\\\").replace("%", "\\%")
                        .replace("_", "\\_") + "%")
        sql += " GROUP BY name, type ORDER BY stories DESC, name LIMIT ?"
        args.append(int(limit))
        return [dict(r) for r in self.conn.execute(sql, args)]

    def entity_story_ids(self, name: str, limit: int = 200) -> list[str]:
        return [r[0] for r in self.conn.execute(
            "SELECT e.story_id FROM report_entities e JOIN stories s ON s.id = e.story_id "
            "WHERE e.name = ? GROUP BY e.story_id ORDER BY max(s.last_seen) DESC LIMIT ?",
            (name, int(limit)))]

    def outlets(self, limit: int = 200) -> list[dict]:
        return [dict(r) for r in self.conn.execute(
            "SELECT source, count(*) AS articles, count(DISTINCT story_id) AS stories, "
            "SUM(copy_of IS NOT NULL) AS copies FROM articles GROUP BY source "
            "ORDER BY stories DESC, source LIMIT ?", (int(limit),))]

    def outlet_stories(self, source: str, limit: int = 200) -> list[dict]:
        """The outlet's stories, newest first, with whether it was first to report each."""
        return [dict(r) for r in self.conn.execute(
            "SELECT s.*, min(a.published) AS outlet_first, "
            "(min(a.published) <= s.first_seen) AS first_to_report "
            "FROM articles a JOIN stories s ON s.id = a.story_id WHERE a.source = ? "
            "GROUP BY s.id ORDER BY s.last_seen DESC LIMIT ?", (source, int(limit)))]

    def reports_of(self, ids: list[str]) -> dict[str, dict]:
        out: dict[str, dict] = {}
        for chunk in _chunks(ids):
            marks = ",".join("?" * len(chunk))
            for r in self.conn.execute(
                    f"SELECT story_id, report FROM reports WHERE story_id IN ({marks})", chunk):
                out[r[0]] = json.loads(r[1])
        return out

    def summary_leads(self, ids: list[str]) -> dict[str, str]:
        """Each report's first summary sentence, read inside SQLite (no report parsed)."""
        out: dict[str, str] = {}
        for chunk in _chunks(ids):
            marks = ",".join("?" * len(chunk))
            for r in self.conn.execute(
                    "SELECT story_id, json_extract(report, '$.summary.sentences[0].text') "
                    f"FROM reports WHERE story_id IN ({marks})", chunk):
                out[r[0]] = r[1] or ""
        return out

    def report_computed_at(self, story_id: str) -> str | None:
        row = self.conn.execute("SELECT computed_at FROM reports WHERE story_id = ?",
                                (story_id,)).fetchone()
        return row[0] if row else None

    def report_json(self, story_id: str) -> tuple[str, str, bool] | None:
        """``(report JSON text, computed_at, stale)``: for the API, which sends it as stored."""
        row = self.conn.execute(
            "SELECT r.report, r.computed_at, s.stale FROM reports r JOIN stories s "
            "ON s.id = r.story_id WHERE r.story_id = ?", (story_id,)).fetchone()
        return (row[0], row[1], bool(row[2])) if row else None

    def stale_among(self, ids: list[str]) -> list[str]:
        """Those of ``ids`` whose report is missing or older than the story."""
        out: list[str] = []
        for chunk in _chunks(ids):
            marks = ",".join("?" * len(chunk))
            found = {r[0] for r in self.conn.execute(
                f"SELECT id FROM stories WHERE stale = 1 AND id IN ({marks})", chunk)}
            out += [i for i in chunk if i in found]
        return out

    # ---------------------------------------------------------------- feed state

    def feed_state(self, url: str) -> dict | None:
        row = self.conn.execute("SELECT * FROM feeds WHERE url = ?", (url,)).fetchone()
        return dict(row) if row else None

    def feed_states(self) -> list[dict]:
        return [dict(r) for r in self.conn.execute("SELECT * FROM feeds ORDER BY url")]

    def save_feed_poll(self, url: str, *, status: str, error: str | None = None,
                       etag: str | None = None, last_modified: str | None = None,
                       new_items: int = 0) -> None:
        """Record one poll; validators (etag, last-modified) are kept unless new ones came."""
        stamp = now_iso()
        ok = stamp if error is None else None
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO feeds (url, etag, last_modified, last_poll, last_ok, last_status, "
                "last_error, polls, items) VALUES (?,?,?,?,?,?,?,1,?) ON CONFLICT(url) DO "
                "UPDATE SET etag = coalesce(excluded.etag, etag), last_modified = "
                "coalesce(excluded.last_modified, last_modified), last_poll = "
                "excluded.last_poll, last_ok = coalesce(excluded.last_ok, last_ok), "
                "last_status = excluded.last_status, last_error = excluded.last_error, "
                "polls = polls + 1, items = items + excluded.items",
                (url, etag, last_modified, stamp, ok, status, error, new_items))

    def feed_items_seen(self, feed: str, items: list[str]) -> set[str]:
        seen: set[str] = set()
        for chunk in _chunks(items):
            marks = ",".join("?" * len(chunk))
            seen |= {r[0] for r in self.conn.execute(
                f"SELECT item FROM feed_items WHERE feed = ? AND item IN ({marks})",
                [feed, *chunk])}
        return seen

    def mark_feed_items(self, feed: str, items: list[tuple[str, str | None, str]]) -> None:
        """``(item, article_id, outcome)`` per item handled (ingested, duplicate, rejected)."""
        stamp = now_iso()
        with self.transaction() as conn:
            conn.executemany(
                "INSERT OR REPLACE INTO feed_items (feed, item, article_id, outcome, seen_at) "
                "VALUES (?,?,?,?,?)", [(feed, i, a, o, stamp) for i, a, o in items])

    # ---------------------------------------------------------------- state

    def load_state(self, name: str) -> bytes | None:
        row = self.conn.execute("SELECT data FROM state WHERE name = ?", (name,)).fetchone()
        return bytes(row[0]) if row else None

    def save_state(self, name: str, data: bytes) -> None:
        self.conn.execute(
            "INSERT INTO state (name, data, updated_at) VALUES (?,?,?) ON CONFLICT(name) DO "
            "UPDATE SET data = excluded.data, updated_at = excluded.updated_at",
            (name, data, now_iso()))


def write_problem(err: BaseException) -> str:
    """A write failure in words: what SQLite or the OS said, disk-full named as such."""
    if isinstance(err, OSError):
        return "disk full" if err.errno in (errno.ENOSPC, errno.EDQUOT) else \
            (err.strerror or str(err))
    text = str(err)
    if "full" in text:
        return "disk full (database or disk is full)"
    if "locked" in text or "busy" in text:
        return "the database stayed locked by another process"
    return text
def _chunks(ids: list[str], size: int = 500) -> Iterator[list[str]]:
    for i in range(0, len(ids), size):
        yield list(ids[i:i + size])


_FTS_TOKEN = re.compile(r'"([^"]*)"|(\w[\w\'.-]*\*?)', re.UNICODE)


def fts_query(text: str) -> str:
    """A safe FTS5 query from what a person types: ``"a phrase"`` stays a phrase, ``word*`` a
    prefix, every other word must occur; FTS5 operators and punctuation lose their meaning, so
    no input is a syntax error."""
    parts: list[str] = []
    for phrase, word in _FTS_TOKEN.findall(text or ""):
        if phrase:
            words = re.findall(r"\w+", phrase)
            if words:
                parts.append('"' + " ".join(words) + '"')
        elif word:
            star = word.endswith("*")
            for w in re.findall(r"\w+", word):
                parts.append(f'"{w}"')
            if star and parts:
                parts[-1] += "*"
    return " ".join(parts)


def row_to_article(row: sqlite3.Row) -> Article:
    return Article(
        id=row["id"], source=row["source"], title=row["title"], body=row["body"],
        url=row["url"], published=row["published"], origin=row["origin"],
        source_inferred=bool(row["source_inferred"]), meta=json.loads(row["meta"]),
    )


def story_summary(row: dict[str, Any]) -> str:
    return (f"{row['id']}\t{row['size']} articles\t{row.get('outlets', '?')} outlets\t"
            f"{row['first_seen'][:16]} .. {row['last_seen'][:16]}\t{row['headline']}")
