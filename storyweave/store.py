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
SCHEMA_VERSION = 1

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
]
assert len(MIGRATIONS) == SCHEMA_VERSION


def default_db_path() -> Path:
    """``stories.db`` in the user's data folder (platformdirs), e.g. ~/.local/share/storyweave."""
    import platformdirs

    return Path(platformdirs.user_data_dir("storyweave", appauthor=False)) / "stories.db"


def now_iso() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


class Store:
    """An open story database. Use as a context manager, or call :meth:`close`."""

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path) if path is not None else default_db_path()
        self._lease: WriterLease | None = None  # taken by writers only (writer_lease)
        self.conn = self._open()

    # ---------------------------------------------------------------- opening

    def _open(self) -> sqlite3.Connection:
        path = self.path
        if path.is_dir():
            raise StoryweaveError(f"{path}: is a folder, not a database file")
        existed = path.exists() and path.stat().st_size > 0
        if existed:
            with path.open("rb") as f:
                head = f.read(16)
            if head != b"SQLite format 3\x00":
                raise StoryweaveError(f"{path}: not a storyweave database (not an SQLite file); "
                                      "nothing was changed")
        else:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as err:
                raise StoryweaveError(f"{path.parent}: cannot create: {err.strerror}") from None
        try:
            conn = sqlite3.connect(path, isolation_level=None, timeout=30.0)
        except sqlite3.Error as err:
            raise StoryweaveError(f"{path}: cannot open database: {err}") from None
        try:
            app = conn.execute("PRAGMA application_id").fetchone()[0]
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            tables = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        except sqlite3.DatabaseError as err:
            conn.close()
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
            for n in range(version, SCHEMA_VERSION):
                for statement in MIGRATIONS[n].split(";"):
                    if statement.strip():
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


def row_to_article(row: sqlite3.Row) -> Article:
    return Article(
        id=row["id"], source=row["source"], title=row["title"], body=row["body"],
        url=row["url"], published=row["published"], origin=row["origin"],
        source_inferred=bool(row["source_inferred"]), meta=json.loads(row["meta"]),
    )


def story_summary(row: dict[str, Any]) -> str:
    return (f"{row['id']}\t{row['size']} articles\t{row.get('outlets', '?')} outlets\t"
            f"{row['first_seen'][:16]} .. {row['last_seen'][:16]}\t{row['headline']}")
