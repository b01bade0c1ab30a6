"""What every ``storyweave`` command shares: messages, output files, progress, the store.

Kept free of heavy imports (no spaCy, no evaluation stack) so that ``storyweave --help`` and
the store commands start fast.
"""

from __future__ import annotations

import argparse
import errno
import math
import os
import sys
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
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


def _is_input(out: Path, inputs: Iterable[str | Path]) -> str | None:
    """The input that ``out`` would overwrite: one of the input files, or a file inside an
    input folder (it would be read as input next time, and this run reads it now)."""
    if not out.exists():
        return None
    for raw in inputs:
        p = Path(raw)
        try:
            if p.is_dir():
                if out.resolve().is_relative_to(p.resolve()):
                    return str(p)
            elif p.exists() and os.path.samefile(p, out):
                return str(p)
        except OSError:
            continue
    return None


def check_output(path: str | None, inputs: Iterable[str | Path]) -> None:
    """Refuse an output path that names one of the inputs (call before reading them)."""
    if path in (None, "-"):
        return
    out = Path(path)
    clash = _is_input(out, inputs)
    if clash is not None:
        where = "is the input" if Path(clash).is_file() else "is inside the input folder"
        raise StoryweaveError(f"{out}: refusing to write the output over an input (it {where} "
                              f"{clash}); choose another output file")


@contextmanager
def output_file(path: str | None, inputs: Iterable[str | Path] = ()) -> Iterator[TextIO]:
    """Where a command writes its ``-o``/``--output``/``--assignments``: stdout for ``None`` or
    ``-``, else a temporary file beside ``path`` that replaces it only when the command
    finishes, so an interrupted or failed run leaves the old file (or none), never half of
    one. A ``path`` that is one of ``inputs`` is refused before anything is read."""
    if path in (None, "-"):
        yield sys.stdout
        return
    out = Path(path)
    check_output(path, inputs)
    if out.is_dir():
        raise StoryweaveError(f"{out}: is a folder; give a file name for the output")
    if out.exists() and not out.is_file():  # /dev/null, a pipe, a terminal: written to as it
        try:  # is; a rename over it would put a plain file in the device's place
            with open(out, "w", encoding="utf-8") as stream:
                yield stream
        except OSError as err:
            raise StoryweaveError(f"{out}: cannot write: {err.strerror or err}") from None
        return
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp",
                                   dir=out.parent if str(out.parent) else ".")
    except OSError as err:
        raise StoryweaveError(f"{out}: cannot write: {err.strerror}") from None
    f = os.fdopen(fd, "w", encoding="utf-8")
    try:
        yield f
        f.flush()
        os.fsync(f.fileno())
        f.close()
        os.replace(tmp, out)
    except OSError as err:
        with suppress(OSError):
            f.close()
        _unlink(tmp)
        if err.errno in _WRITE_ERRNOS or err.filename is None:
            raise StoryweaveError(f"{out}: cannot write: {err.strerror or err}; "
                                  "nothing was written") from None
        raise
    except BaseException:
        with suppress(OSError):
            f.close()
        _unlink(tmp)
        raise


_WRITE_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO, errno.EROFS}


def _unlink(path: str) -> None:
    with suppress(OSError):
        os.unlink(path)


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


def probability(value: str) -> float:
    """A number from 0 to 1 (``nan`` and ``inf`` are numbers to ``float`` but not here)."""
    x = _finite(value)
    if not 0.0 <= x <= 1.0:
        raise argparse.ArgumentTypeError("must be between 0 and 1")
    return x


def positive_float(value: str) -> float:
    x = _finite(value)
    if x <= 0:
        raise argparse.ArgumentTypeError("must be more than 0")
    return x


def _finite(value: str) -> float:
    try:
        x = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError("give a number") from None
    if not math.isfinite(x):
        raise argparse.ArgumentTypeError("give a finite number")
    return x


def positive_int(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError("give a whole number") from None
    if n < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return n
