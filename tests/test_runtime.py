"""Process settings of the processes storyweave owns: applied where they can be, refused where
asked (that they leave the output unchanged is what the batch identity tests check: their
pool workers run with them)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

CALL = "from storyweave.runtime import steady_allocator; print(steady_allocator())"


def _glibc() -> bool:
    try:
        return bool(os.confstr("CS_GNU_LIBC_VERSION"))
    except (ValueError, OSError):
        return False


def _run(env: dict[str, str]) -> str:
    return subprocess.run([sys.executable, "-c", CALL], capture_output=True, text=True,
                          check=True, env={**os.environ, **env}).stdout.strip()


@pytest.mark.skipif(not sys.platform.startswith("linux") or not _glibc(), reason="glibc only")
def test_allocator_settings_apply_on_glibc_and_can_be_refused() -> None:
    assert _run({}) == "True"
    assert _run({"STORYWEAVE_MALLOC": "default"}) == "False"
