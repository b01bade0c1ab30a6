"""The store's writer lease: one process at a time changes story memberships.

Each writer clusters against its own in-memory model of the store (:mod:`storyweave.stream`);
two of them writing at once would each put articles into story ids the other also hands out,
silently merging unrelated stories. The lease is an exclusive ``flock`` on a file beside the
database (``stories.db-writer.lock``):

* the kernel releases it when its holder exits, however it exits (``kill -9`` included), so a
  crashed writer never leaves a stale lease to clean up by hand;
* it is taken per write sequence (one ``ingest`` run, one web request's batch), not for a
  process's lifetime, so a long-running server and a command-line ingest take turns;
* readers (``stories``, ``show``, web pages) never take it: SQLite's WAL gives them a
  consistent snapshot while a writer works.

The lock file also records who holds it (pid, command, since when), for the message a waiting
writer prints. The file itself is never removed: removing a lock file while another process
waits on it would let a third process lock a new file of the same name.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import socket
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from storyweave.errors import StoryweaveError


class StoreBusy(StoryweaveError):
    """Another process holds the store's writer lease (and the caller chose not to wait)."""


def lease_path(db: Path) -> Path:
    return db.with_name(db.name + "-writer.lock")


class WriterLease:
    """An exclusive, re-entrant lease on ``db``'s lock file; see the module's docstring."""

    def __init__(self, db: Path) -> None:
        self.db = db
        self.path = lease_path(db)
        self._fd: int | None = None
        self._depth = 0
        self.waited = 0.0  # seconds the last acquisition waited for another writer

    @property
    def held(self) -> bool:
        return self._depth > 0

    def holder(self) -> str:
        """Who holds the lease, as recorded in the lock file (best effort)."""
        try:
            info = json.loads(self.path.read_text(encoding="utf-8") or "{}")
        except (OSError, ValueError):
            return "another process"
        if not isinstance(info, dict) or "pid" not in info:
            return "another process"
        host = "" if info.get("host") == socket.gethostname() else f" on {info.get('host')}"
        what = info.get("command") or "storyweave"
        return f"pid {info['pid']}{host}, '{what}', since {info.get('since', '?')}"

    def acquire(self, wait: bool = True, timeout: float | None = None,
                on_wait: Callable[[str], None] | None = None) -> None:
        """Take the lease. If another process holds it: raise :class:`StoreBusy` when
        ``wait`` is false (or after ``timeout`` seconds), else tell ``on_wait`` and wait."""
        if self._depth:
            self._depth += 1
            return
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except OSError as err:
            raise StoryweaveError(f"{self.path}: cannot create the writer lock: "
                                  f"{err.strerror}") from None
        start = time.monotonic()
        try:
            if not self._try(fd):
                if not wait:
                    raise StoreBusy(f"{self.db}: another writer is using this store "
                                    f"({self.holder()}); try again when it is done")
                if on_wait is not None:
                    on_wait(f"{self.db}: waiting for the writer that is using this store "
                            f"({self.holder()})")
                if timeout is None:
                    fcntl.flock(fd, fcntl.LOCK_EX)
                else:
                    while not self._try(fd):
                        if time.monotonic() - start > timeout:
                            raise StoreBusy(f"{self.db}: another writer is using this store "
                                            f"({self.holder()}); gave up after {timeout:g} s")
                        time.sleep(0.05)
        except BaseException:
            os.close(fd)
            raise
        self.waited = time.monotonic() - start
        self._fd = fd
        self._depth = 1
        self._record(fd)

    @staticmethod
    def _try(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except OSError as err:
            if err.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                return False
            raise

    @staticmethod
    def _record(fd: int) -> None:
        info = {"pid": os.getpid(), "host": socket.gethostname(),
                "command": " ".join(["storyweave", *sys.argv[1:3]]),
                "since": datetime.now(UTC).replace(microsecond=0).isoformat()}
        try:
            os.ftruncate(fd, 0)
            os.pwrite(fd, json.dumps(info).encode("utf-8"), 0)
        except OSError:
            pass  # the record is a courtesy for the waiting side's message

    def release(self) -> None:
        if not self._depth:
            return
        self._depth -= 1
        if self._depth or self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)
