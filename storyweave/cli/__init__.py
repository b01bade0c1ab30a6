"""The ``storyweave`` command: thin shells over the library, one module per command group.

* :mod:`~storyweave.cli.summarize`: ``summarize`` (one story, or a ``--jsonl`` batch);
* :mod:`~storyweave.cli.stream`: the store commands ``ingest``, ``cluster``, ``stories``,
  ``show``;
* :mod:`~storyweave.cli.eval`: ``eval``;
* :mod:`~storyweave.cli.refresh`: ``refresh`` (stale story reports of a store, in parallel);
* :mod:`~storyweave.cli.serve`: ``serve``, ``watch``, ``feeds`` (the web desk and live feeds);
* :mod:`~storyweave.cli.common`: messages, output files, progress bars, exit codes.

Each command parses its arguments, calls the library and prints. User-facing problems are one
line on stderr (``storyweave: FILE: problem``), never a traceback; set ``STORYWEAVE_DEBUG=1`` to
see one anyway.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from typing import Any

from storyweave import __version__
from storyweave.cli import eval as eval_cmd
from storyweave.cli import refresh, serve, stream, summarize
from storyweave.cli.common import EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_USER, warn
from storyweave.errors import StoryweaveError

Registrar = Callable[[Any], None]

#: Every command group's ``register(subparsers)``, in the order ``--help`` lists them.
REGISTRARS: list[Registrar] = [summarize.register, eval_cmd.register, stream.register,
                               refresh.register, serve.register]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="storyweave",
        description="Group news articles into stories and weave each into one cited account.",
    )
    parser.add_argument("--version", action="version", version=f"storyweave {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for register in REGISTRARS:
        register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    from storyweave.runtime import steady_allocator

    steady_allocator()  # the CLI's process is ours: no page faults per story (see runtime)
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "words", 1) is not None and getattr(args, "words", 1) < 1:
        parser.error("--words must be at least 1")
    try:
        return int(args.func(args) or 0)
    except StoryweaveError as err:
        warn(f"error: {err}")
        return EXIT_USER
    except KeyboardInterrupt:
        warn("interrupted")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return 0
    except Exception as err:  # noqa: BLE001 - last line of defence: one line, not a traceback
        if os.environ.get("STORYWEAVE_DEBUG"):
            raise
        warn(f"internal error: {type(err).__name__}: {err} (STORYWEAVE_DEBUG=1 shows details)")
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
