"""Shared fixtures: the example folder (read from ../shared, never copied) and one pipeline."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
EXAMPLE = SHARED / "examples" / "kim-beijing-2018"


@pytest.fixture(scope="session")
def example_dir() -> Path:
    if not EXAMPLE.is_dir():
        pytest.skip("../shared/examples/kim-beijing-2018 is not beside the project")
    return EXAMPLE


@pytest.fixture(scope="session")
def pipeline():
    from storyweave.pipeline import Pipeline

    return Pipeline()


@pytest.fixture(scope="session")
def example_story(example_dir, pipeline):
    from storyweave.ingest import read_paths

    ingested = read_paths([example_dir])
    return pipeline.run(ingested.articles, words=150, rejected=ingested.rejected)
