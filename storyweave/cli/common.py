"""What every ``storyweave`` command shares: messages, output files, progress, the store.

Kept free of heavy imports (no spaCy, no evaluation stack) so that ``storyweave --help`` and
the store commands start fast.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, TextIO

from storyweave.errors import StoryweaveError
from storyweave.model import Rejected

#: Exit codes: success, nothing usable (or a user error), usage, internal error, Ctrl-C.
EXIT_OK, EXIT_USER, EXIT_USAGE, EXIT_INTERNAL, EXIT_INTERRUPTED = 0, 1, 2, 3, 130


def warn(message: str) -> None:
    """One line on stderr, prefixed with the program's name."""
    print(f"storyweave: {message}", file=sys.stderr)


def report_rejected(rejected: list[Rejected], verb: str = "skipped") -> None:
    for r in rejected:
        warn(f"{r.origin}: {verb}: {r.reason}")


def open_output(path: str | None) -> TextIO:
    if path in (None, "-"):
        return sys.stdout
    try:
        return open(path, "w", encoding="utf-8")  # noqa: SIM115 - closed by the caller
    except OSError as err:
        raise StoryweaveError(f"{path}: cannot write: {err.strerror}") from None


def progress(iterable: Any, total: int | None, desc: str, enabled: bool | None,
             unit: str = "story") -> Any:
    from tqdm import tqdm

    return tqdm(iterable, total=total, desc=desc, unit=unit, file=sys.stderr,
                disable=(not enabled) if enabled is not None else None, leave=False)


def db_help() -> str:
    from storyweave.store import default_db_path

    return f"story database (default: {default_db_path()})"


def open_store(db: str | None) -> Any:
    from storyweave.store import Store, default_db_path

    return Store(db if db else default_db_path())


def existing_db(db: str | None) -> str:
    """The store to read; reading never creates one (a typo should not look like no stories)."""
    from storyweave.store import default_db_path

    path = Path(db) if db else default_db_path()
    if not path.exists():
        raise StoryweaveError(f"{path}: no such database (run 'storyweave ingest' first)")
    return str(path)


def add_scale_options(p: Any, what: str = "stories") -> None:
    """``--workers``, ``--engine``, ``--address``: shared by every command that maps stories."""
    from storyweave.batch import ENGINES

    p.add_argument("--workers", "-j", type=positive_int, metavar="N",
                   help=f"{what} in parallel on N processes (default: all cores; 1: in this "
                   "process) or, with --engine ray, N Ray actors (default: the cluster's CPUs)")
    p.add_argument("--engine", choices=ENGINES, default="process",
                   help="process: a local process pool (default); ray: a Ray Data pipeline "
                   "(pip install -e '.[ray]')")
    p.add_argument("--address", metavar="ADDR",
                   help="with --engine ray: an existing Ray cluster (e.g. 127.0.0.1:6379; "
                   "default: start a local Ray)")


def positive_int(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError("give a whole number") from None
    if n < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return n
