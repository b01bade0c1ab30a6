"""Property-based tests over every input path and report format (issue 14): random bytes,
encodings, JSON shapes and nesting, HTML, feed XML and Unicode never make an internal error,
lose an input or break a report. Fixed seed (derandomize) and a small budget so that CI runs
the same cases every time in well under a minute; benchmarks/fuzz.py runs the long version."""

from __future__ import annotations

import pytest
from fuzz_inputs import (
    check_batch,
    check_ingest,
    check_reports,
    check_summarize,
    hostile_text,
    input_files,
    json_values,
)
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

CI = settings(derandomize=True, deadline=None, database=None, print_blob=True,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                     HealthCheck.large_base_example])


@settings(CI, max_examples=60)
@given(input_files)
@example([(".jsonl", b'{"id": "s\\ud800", "text": "Lone \\udfff surrogate. And more words."}')])
@example([(".json", b"[" * 100_000 + b"]" * 100_000)])
@example([(".txt", "Title\n\nText in UTF-16 from a Windows tool.".encode("utf-16"))])
@example([(".rss", b"<rss><channel><item><title>cut")])
def test_any_input_is_ingested_or_rejected_never_an_internal_error(files):
    check_ingest(files)


@settings(CI, max_examples=12)
@given(input_files, st.sampled_from(["json", "md", "html"]))
def test_any_input_summarises_or_fails_in_one_line(files, fmt):
    check_summarize(files, fmt)


@pytest.fixture(scope="module")
def bodies(example_dir):
    """The example's real articles (read at run time, never copied)."""
    return [p.read_text(encoding="utf-8") for p in sorted(example_dir.glob("*.txt"))[:3]]


def test_reports_stay_valid_with_hostile_text_woven_into_real_articles(pipeline, bodies):
    extras = st.lists(st.tuples(hostile_text, hostile_text, hostile_text,
                                st.one_of(st.just(""), st.just("javascript:alert(1)"),
                                          hostile_text)),
                      min_size=3, max_size=3)

    @settings(CI, max_examples=8)
    @given(extras)
    @example([("<script>alert(1)</script>", '"><img src=x onerror=alert(1)>',
               "<fzq fzattr=1>", "javascript:alert(1)"),
              ("\u202e\u0301\x00", "<b>bold</b>", "", "data:text/html,<script>"),
              ("<fzq>", "", "x\" onmouseover=\"alert(1)", "https://ok.example/a b")])
    def run(extra):
        check_reports(pipeline, bodies, extra)

    run()


@settings(CI, max_examples=30)
@given(st.lists(json_values, min_size=1, max_size=4), st.sampled_from([0, 0, 5000]))
def test_batch_lines_of_any_shape_are_reported_line_by_line(values, depth):
    check_batch(values, depth)
