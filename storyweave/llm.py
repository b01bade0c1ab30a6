"""An abstractive summary from any OpenAI-compatible language model, every sentence verified.

:class:`LLMSummarizer` sits behind the summarizer interface (``summarize(alignment, words)``).
It shows the model the story's best candidate sentences, numbered, each with how many outlets
report its fact (not whole articles: the prompt stays within a token budget), asks for JSON (a
list of sentences, each with the numbers of the sentences it rests on), enforces the word
budget, and hands every sentence to :mod:`storyweave.verify`. Unsupported sentences are dropped
(kept and marked with ``keep_unverified``).

It talks through the official ``openai`` client, so OpenAI, vLLM, llama.cpp's server, Ollama
and LM Studio all work unchanged. Whatever goes wrong (the ``openai`` package missing, an
unreachable endpoint, a timeout after the client's retries with backoff, an HTTP error, an
answer that is not the requested JSON, no sentence that survives verification), the result is
the extractive summary with ``Summary.note`` saying why, never an exception and never an empty
summary. The API key is never part of any message or ``repr``.
"""

from __future__ import annotations

import json
import logging
import os
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from storyweave.align import Alignment
from storyweave.model import AnalyzedArticle, SentenceRef, Summary, SummarySentence
from storyweave.summarizers import DEFAULT_SUMMARIZER, BaseSummarizer, SupportSummarizer
from storyweave.verify import Verifier

log = logging.getLogger(__name__)

ENV_URL, ENV_MODEL, ENV_KEY = "STORYWEAVE_LLM_URL", "STORYWEAVE_LLM_MODEL", "STORYWEAVE_LLM_KEY"

SYSTEM_PROMPT = (
    "You are a news editor. Write a short, neutral news brief using ONLY facts stated in the "
    "numbered source sentences. Do not add names, numbers, dates or quotes that the sources do "
    "not contain. Answer with JSON only, in this form: "
    '{"sentences": [{"text": "one sentence of the brief", "cites": [1, 4]}]} '
    "where cites lists the numbers of the source sentences that sentence rests on."
)

_OBJECT = re.compile(r'\{\s*"text"\s*:\s*"((?:[^"\\]|\\.)*)"\s*'
                     r'(?:,\s*"(?:cites|citations|sources)"\s*:\s*\[([^\]]*)\]\s*)?\}')
_MARKERS = re.compile(r"\s*\[(\d+(?:\s*,\s*\d+)*)\]")
_SENTENCE_END = re.compile(r"(?:(?<=[.!?])|(?<=[.!?][\"”’)]))(?<!\bMr\.)(?<!\bMrs\.)(?<!\bMs\.)"
                           r"(?<!\bDr\.)(?<!\bSt\.)(?<![A-Z]\.[A-Z]\.)\s+(?=[\"“‘(]?[A-Z])")


class LLMError(Exception):
    """Why the language model gave no usable answer (one line, no secrets)."""


def redact_url(url: str) -> str:
    """The URL without any user:password part."""
    parts = urlsplit(url)
    if parts.username or parts.password:
        host = parts.hostname or ""
        if parts.port:
            host += f":{parts.port}"
        return urlunsplit(parts._replace(netloc=host))
    return url


@dataclass
class LLMSummarizer(BaseSummarizer):
    """Abstractive, verified summaries from an OpenAI-compatible chat-completions endpoint.

    ``prompt_tokens`` bounds the candidate sentences shown (estimated at 4 characters a token);
    ``timeout`` is per request, and the client retries connection errors, timeouts, 429 and
    5xx ``retries`` times with exponential backoff; an answer that is not the JSON asked for is
    asked for again ``garbage_retries`` times.
    """

    url: str = ""
    model: str = ""
    key: str | None = field(default=None, repr=False)
    keep_unverified: bool = False
    timeout: float = 60.0
    retries: int = 2
    garbage_retries: int = 1
    temperature: float = 0.0
    prompt_tokens: int = 1200
    max_candidates: int = 40
    json_mode: bool = True
    fallback: BaseSummarizer = field(default_factory=DEFAULT_SUMMARIZER)
    nlp: Any = field(default=None, repr=False)
    wants_articles = True
    _client: Any = field(default=None, init=False, repr=False)

    # ------------------------------------------------------------------ prompt

    def candidates(self, alignment: Alignment, words: int) -> list[int]:
        """The sentences the model sees: the most central, in story order, within budget."""
        ranker = self.fallback if isinstance(self.fallback, SupportSummarizer) \
            else SupportSummarizer()
        scores = ranker.scores(alignment.sentences, alignment.similarity)
        budget = self.prompt_tokens * 4
        chosen: list[int] = []
        used = 0
        for i in sorted(range(len(scores)), key=lambda k: (-scores[k], k)):
            if scores[i] < 0 or len(chosen) >= self.max_candidates:
                break
            n = len(alignment.sentences[i].text) + 24
            if used + n > budget:
                continue
            chosen.append(i)
            used += n
        return sorted(chosen)

    def prompt(self, alignment: Alignment, cand: list[int], words: int,
               outlets: dict[str, str]) -> str:
        lines = []
        for n, i in enumerate(cand, start=1):
            s = alignment.sentences[i]
            support = 1
            if alignment.facts and alignment.fact_of:
                support = max(1, alignment.facts[alignment.fact_of[i]].support)
            who = outlets.get(s.article, s.article)
            also = f"; {support} outlets report this" if support > 1 else ""
            lines.append(f"[{n}] ({who}{also}) {s.text}")
        return ("Source sentences:\n" + "\n".join(lines) +
                f"\n\nWrite the brief in at most {words} words, 3 to 6 sentences, as JSON.")

    # ------------------------------------------------------------------ model call

    def client(self) -> Any:
        if self._client is None:
            try:
                import openai
            except ImportError:
                raise LLMError("the 'openai' package is not installed "
                               "(pip install 'storyweave[llm]')") from None
            self._client = openai.OpenAI(base_url=self.url, api_key=self.key or "no-key",
                                         timeout=self.timeout, max_retries=self.retries)
        return self._client

    def ask(self, prompt: str, max_tokens: int) -> str:
        """The model's answer text; :class:`LLMError` with a one-line reason otherwise."""
        import openai

        where = redact_url(self.url)
        kwargs: dict[str, Any] = {
            "model": self.model,
            "messages": [{"role": "system", "content": SYSTEM_PROMPT},
                         {"role": "user", "content": prompt}],
            "temperature": self.temperature,
            "max_tokens": max_tokens,
        }
        if self.json_mode:
            kwargs["response_format"] = {"type": "json_object"}
        client = self.client()
        try:
            try:
                resp = client.chat.completions.create(**kwargs)
            except openai.BadRequestError:
                if "response_format" not in kwargs:
                    raise
                del kwargs["response_format"]  # a server without JSON mode: ask plainly
                resp = client.chat.completions.create(**kwargs)
        except openai.APITimeoutError:
            raise LLMError(f"language model at {where} timed out after {self.timeout:g} s "
                           f"({self.retries} retries)") from None
        except openai.APIConnectionError:
            raise LLMError(f"cannot reach the language model at {where} "
                           f"({self.retries} retries)") from None
        except openai.APIStatusError as err:
            raise LLMError(f"language model at {where} answered HTTP {err.status_code}") \
                from None
        except (openai.OpenAIError, ValueError) as err:  # a body that is not the protocol's
            raise LLMError(f"language model at {where} gave an unusable answer "
                           f"({type(err).__name__})") from None
        try:
            text = resp.choices[0].message.content
        except (AttributeError, IndexError, TypeError):
            raise LLMError(f"language model at {where} answered without a message") from None
        if not isinstance(text, str) or not text.strip():
            raise LLMError(f"language model at {where} answered an empty message")
        return text

    @staticmethod
    def parse(answer: str) -> list[tuple[str, list[int]]]:
        """``(text, cited numbers)`` per sentence of a JSON answer; ValueError if garbage."""
        text = answer.strip()
        if text.startswith("```"):
            text = text.strip("`").removeprefix("json").strip()
        try:
            data = json.loads(text)
        except json.JSONDecodeError:
            start, end = text.find("{"), text.rfind("}")
            try:
                data = json.loads(text[start:end + 1]) if 0 <= start < end else None
            except json.JSONDecodeError:
                data = None
            if data is None:  # cut off at max_tokens: keep the complete sentence objects
                data = [{"text": json.loads(f'"{m.group(1)}"'),
                         "cites": re.findall(r"\d+", m.group(2) or "")}
                        for m in _OBJECT.finditer(text)]
                if not data:
                    raise ValueError("not JSON") from None
        if isinstance(data, dict):
            data = next((data[k] for k in ("sentences", "summary", "brief") if k in data), None)
        if not isinstance(data, list):
            raise ValueError("JSON without a list of sentences")
        out: list[tuple[str, list[int]]] = []
        for item in data:
            cites: list[int] = []
            if isinstance(item, str):
                sentence = item
            elif isinstance(item, dict) and isinstance(item.get("text"), str):
                sentence = item["text"]
                raw = next((item[k] for k in ("cites", "citations", "sources") if k in item), [])
                raw = raw if isinstance(raw, list) else [raw]
                for c in raw:
                    try:
                        cites.append(int(str(c).strip("[] ")))
                    except ValueError:
                        continue
            else:
                continue
            for part in _SENTENCE_END.split(" ".join(sentence.split())):  # verified alone
                own = list(cites)
                for m in _MARKERS.finditer(part):  # "[3]" markers written into the text
                    own += [int(x) for x in m.group(1).split(",")]
                part = _MARKERS.sub("", part).strip()
                if part:
                    out.append((part, list(dict.fromkeys(own))))
        if not out:
            raise ValueError("JSON without any sentence")
        return out

    # ------------------------------------------------------------------ summary

    def summarize(self, alignment: Alignment, words: int = 150, fill: bool = False,
                  articles: list[AnalyzedArticle] | None = None) -> Summary:
        if not alignment.sentences:
            return self.fallback.summarize(alignment, words, fill)
        try:
            summary = self._generate(alignment, words, fill, articles or [])
        except LLMError as err:
            log.info("%s", err)  # the note carries it to the report and the CLI
            return self._fallback(alignment, words, fill, str(err))
        if not summary.sentences:
            reasons = sorted({s.verification or "" for s in summary.dropped})
            why = f"; reasons: {', '.join(reasons[:3])}" if reasons else ""
            return self._fallback(alignment, words, fill, f"no sentence of the language "
                                  f"model's summary was supported by its sources{why}",
                                  dropped=summary.dropped)
        return summary

    def _fallback(self, alignment: Alignment, words: int, fill: bool, why: str,
                  dropped: list[SummarySentence] | None = None) -> Summary:
        summary = self.fallback.summarize(alignment, words, fill)
        summary.note = f"{why}; extractive summary shown instead"
        summary.dropped = dropped or []
        return summary

    def _generate(self, alignment: Alignment, words: int, fill: bool,
                  articles: list[AnalyzedArticle]) -> Summary:
        if not self.url or not self.model:
            raise LLMError(f"no language model configured (--llm-url/--llm-model or "
                           f"{ENV_URL}/{ENV_MODEL})")
        outlets = {a.id: a.article.source for a in articles if a.article.source}
        cand = self.candidates(alignment, words)
        prompt = self.prompt(alignment, cand, words, outlets)
        max_tokens = max(64, int(words * 1.6) + 80)  # ~1.3 tokens a word, plus the JSON
        parsed: list[tuple[str, list[int]]] | None = None
        problem = ""
        for _ in range(1 + max(0, self.garbage_retries)):
            answer = self.ask(prompt, max_tokens)
            try:
                parsed = self.parse(answer)
                break
            except ValueError as err:
                problem = str(err)
        if parsed is None:
            raise LLMError(f"language model at {redact_url(self.url)} answered garbage "
                           f"({problem}) after {1 + self.garbage_retries} tries")
        sentences = []
        for text, cites in parsed:
            refs = [alignment.sentences[cand[n - 1]].ref for n in cites if 1 <= n <= len(cand)]
            sentences.append(SummarySentence(text=text, citations=list(dict.fromkeys(refs))))
        summary = Summary(sentences=sentences, words_budget=words, method="llm")
        Verifier(alignment.sentences, self.nlp).verify(summary, self.keep_unverified)
        self._budget(summary, words, fill)
        for s in summary.sentences:
            s.fact = _fact_of(alignment, s.citations)
        return summary

    @staticmethod
    def _budget(summary: Summary, words: int, fill: bool) -> None:
        """Whole sentences in order until the budget (verified ones first in line)."""
        kept: list[SummarySentence] = []
        used = 0
        for s in summary.sentences:
            n = len(s.text.split())
            if used + n <= words or (fill and used < words):
                kept.append(s)
                used += n
        summary.sentences = kept


def _fact_of(alignment: Alignment, refs: list[SentenceRef]) -> str | None:
    if not refs or not alignment.facts or not alignment.fact_of:
        return None
    try:
        return alignment.facts[alignment.fact_of[alignment.index_of(refs[0])]].id
    except KeyError:
        return None


def llm_summarizer(url: str | None = None, model: str | None = None, key: str | None = None,
                   keep_unverified: bool = False, **options: Any) -> LLMSummarizer:
    """An :class:`LLMSummarizer` from explicit settings, else the ``STORYWEAVE_LLM_*``
    environment variables."""
    return LLMSummarizer(url=url or os.environ.get(ENV_URL, ""),
                         model=model or os.environ.get(ENV_MODEL, ""),
                         key=key or os.environ.get(ENV_KEY) or None,
                         keep_unverified=keep_unverified, **options)
