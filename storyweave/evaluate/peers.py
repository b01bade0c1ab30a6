"""Every evaluated system behind one interface, on the same sentences.

A cluster is cleaned and split into sentences once, by storyweave's own stages (the cleaner and
spaCy); every system then chooses among exactly those sentences. A system returns sentence
indices in its output order, adding sentences until the word budget is reached (the last one
may overflow); the harness then truncates every output to the budget in the same way
(:func:`truncate`). Systems:

- ``storyweave``: alignment (similarity and facts) plus storyweave's summarizer, producing the
  cited :class:`~storyweave.model.Summary` the reports use;
- ``lead``: round robin over the articles' first sentences (:class:`LeadSummarizer`);
- ``lexrank``, ``textrank``, ``lsa``, ``kl``, ``sumbasic``, ``luhn``: sumy's summarizers with
  sumy's English stop words and Snowball stemmer, fed through :class:`SumyTokenizer` (our
  sentences and spaCy's tokens; sumy's NLTK punkt data is never needed);
- ``llm`` (only when asked for): the language-model summarizer, scored on its own verified
  sentences;
- ``oracle``: a greedy extract maximising ROUGE-1 + ROUGE-2 recall against the reference, the
  ceiling for any extractive system on these sentences.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from storyweave.align import Alignment, FactAligner
from storyweave.evaluate.data import Cluster
from storyweave.model import AnalyzedArticle, Sentence
from storyweave.summarizers import SUMMARIZERS, BaseSummarizer, LeadSummarizer

# sumy's own word filter (sumy.nlp.tokenizers.Tokenizer._WORD_PATTERN): letters, ' and - only.
_SUMY_WORD = re.compile(r"^[^\W\d_](?:[^\W\d_]|['-])*$", re.UNICODE)
_FALLBACK_WORD = re.compile(r"[^\W_]+(?:-[^\W_]+)*|'[^\W_]+", re.UNICODE)


@dataclass
class Prepared:
    """A cluster after cleaning and spaCy analysis: the sentences every system chooses from."""

    cluster: Cluster
    analyzed: list[AnalyzedArticle]
    sentences: list[Sentence]
    tokens: list[list[str]] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def texts(self) -> list[str]:
        return [s.text for s in self.sentences]


def sentence_tokens(analyzed: Sequence[AnalyzedArticle]) -> list[list[str]]:
    """spaCy's word tokens (no punctuation or spaces) of every sentence, in sentence order."""
    out: list[list[str]] = []
    for art in analyzed:
        doc = art.doc
        for s in art.sentences:
            span = doc.char_span(s.start, s.end, alignment_mode="expand") if doc is not None \
                else None
            if span is None:
                out.append(_FALLBACK_WORD.findall(s.text))
            else:
                out.append([t.text for t in span if not (t.is_punct or t.is_space)])
    return out


def word_count(text: str) -> int:
    return len(text.split())


def truncate(texts: Sequence[str], words: int) -> str:
    """The texts joined by spaces, cut after ``words`` whitespace-separated words."""
    return " ".join(" ".join(texts).split()[:words])


def fill(ranked: Sequence[int], sentences: Sequence[str], words: int) -> list[int]:
    """Take sentences in ``ranked`` order until at least ``words`` words are taken."""
    chosen: list[int] = []
    used = 0
    for i in ranked:
        if used >= words:
            break
        chosen.append(int(i))
        used += word_count(sentences[int(i)])
    return chosen


class System:
    """A summarizer under evaluation: ``select`` returns sentence indices in output order."""

    name = "system"
    kind = "peer"

    def select(self, prepared: Prepared, words: int) -> list[int]:
        raise NotImplementedError


def _alignment_without_facts(sentences: list[Sentence]) -> Alignment:
    n = len(sentences)
    return Alignment(sentences, np.eye(n), [], [0] * n)


class StoryweaveSystem(System):
    """storyweave's summarizer. ``select`` is the timed step: the summarizer choosing from the
    split sentences alone (it computes its own similarities). ``cited`` is what
    :meth:`Pipeline.run` does after analysis (align into facts, then summarize with
    citations); it is timed separately, and its sentences must be the same."""

    kind = "storyweave"

    def __init__(self, summarizer: BaseSummarizer | None = None,
                 aligner: FactAligner | None = None, name: str = "storyweave") -> None:
        self.summarizer = summarizer or SUMMARIZERS["storyweave"]()
        self.aligner = aligner or FactAligner()
        self.name = name
        self.last_summary: Any = None

    def select(self, prepared: Prepared, words: int) -> list[int]:
        choose = getattr(self.summarizer, "choose", None)
        if choose is not None:
            return list(choose(prepared.sentences, words, fill=True))
        return self.cited(prepared, words)

    def cited(self, prepared: Prepared, words: int) -> list[int]:
        alignment = self.aligner(prepared.analyzed)
        summary = self.summarizer.summarize(alignment, words, fill=True)
        self.last_summary = summary
        where = {s.ref: i for i, s in enumerate(prepared.sentences)}
        return [where[s.citations[0]] for s in summary.sentences]


class LeadSystem(System):
    """First sentences of each article, round robin (storyweave's :class:`LeadSummarizer`)."""

    name = "lead"
    kind = "baseline"

    def __init__(self) -> None:
        self.summarizer = LeadSummarizer()

    def select(self, prepared: Prepared, words: int) -> list[int]:
        alignment = _alignment_without_facts(prepared.sentences)
        return self.summarizer.select(alignment, words, fill=True)


class SumyTokenizer:
    """A sumy tokenizer backed by storyweave's sentence splitting (spaCy), not NLTK punkt.

    ``to_sentences`` splits with the same spaCy pipeline and rules as storyweave's analysis;
    ``to_words`` returns spaCy's tokens of a sentence already analysed (``known``), else a
    regular-expression split, filtered by sumy's own word rule (letters, ``'`` and ``-``).
    """

    def __init__(self, nlp: Any = None, known: dict[str, list[str]] | None = None,
                 language: str = "english") -> None:
        self._nlp = nlp
        self.known = known if known is not None else {}
        self.language = language

    def to_sentences(self, paragraph: str) -> tuple[str, ...]:
        from storyweave.analyze import load_nlp, sentences_from_doc

        nlp = self._nlp or load_nlp()
        doc = nlp(paragraph)
        return tuple(s.text for s in sentences_from_doc("p", doc))

    def to_words(self, sentence: str) -> tuple[str, ...]:
        words = self.known.get(sentence)
        if words is None:
            words = _FALLBACK_WORD.findall(sentence)
        return tuple(w for w in words if _SUMY_WORD.match(w))


def sumy_document(prepared: Prepared, tokenizer: SumyTokenizer) -> tuple[Any, dict[int, int]]:
    """A sumy document of the prepared sentences (one paragraph per article) and a map from
    each sumy sentence object's id to our sentence index."""
    from sumy.models.dom import ObjectDocumentModel, Paragraph
    from sumy.models.dom import Sentence as SumySentence

    paragraphs = []
    where: dict[int, int] = {}
    current: str | None = None
    group: list[Any] = []
    for i, s in enumerate(prepared.sentences):
        if s.article != current and group:
            paragraphs.append(Paragraph(group))
            group = []
        current = s.article
        obj = SumySentence(s.text, tokenizer)
        where[id(obj)] = i
        group.append(obj)
    if group:
        paragraphs.append(Paragraph(group))
    return ObjectDocumentModel(tuple(paragraphs)), where


SUMY_PEERS: dict[str, tuple[str, str]] = {
    "lexrank": ("sumy.summarizers.lex_rank", "LexRankSummarizer"),
    "textrank": ("sumy.summarizers.text_rank", "TextRankSummarizer"),
    "lsa": ("sumy.summarizers.lsa", "LsaSummarizer"),
    "kl": ("sumy.summarizers.kl", "KLSummarizer"),
    "sumbasic": ("sumy.summarizers.sum_basic", "SumBasicSummarizer"),
    "luhn": ("sumy.summarizers.luhn", "LuhnSummarizer"),
}


class SumySystem(System):
    """One of sumy's summarizers; it ranks all sentences, we take the best until the budget
    is reached and keep sumy's output order (document order)."""

    kind = "peer"

    def __init__(self, name: str) -> None:
        import importlib

        from sumy.nlp.stemmers import Stemmer
        from sumy.utils import get_stop_words

        module, cls = SUMY_PEERS[name]
        self.name = name
        self.summarizer = getattr(importlib.import_module(module), cls)(Stemmer("english"))
        self.summarizer.stop_words = get_stop_words("english")

    def select(self, prepared: Prepared, words: int) -> list[int]:
        known = dict(zip(prepared.texts, prepared.tokens, strict=True))
        document, where = sumy_document(prepared, SumyTokenizer(known=known))
        texts = prepared.texts

        def budget(infos: list[Any]) -> list[Any]:  # infos arrive best first
            taken, used = [], 0
            for info in infos:
                if used >= words:
                    break
                taken.append(info)
                used += word_count(texts[where[id(info.sentence)]])
            return taken

        if not prepared.sentences:
            return []
        chosen = self.summarizer(document, budget)
        return [where[id(s)] for s in chosen]


class OracleSystem(System):
    """Greedy extract maximising ROUGE-1 + ROUGE-2 recall against the (first best) reference,
    with rouge-score's tokens; sentences in document order. An upper reference, not a system."""

    name = "oracle"
    kind = "ceiling"

    def __init__(self, tokenize: Callable[[str], list[str]] | None = None) -> None:
        if tokenize is None:
            from storyweave.evaluate.rouge import StemmingTokenizer

            tokenize = StemmingTokenizer().tokenize
        self.tokenize = tokenize

    @staticmethod
    def _grams(tokens: list[str]) -> tuple[Counter[Any], Counter[Any]]:
        return Counter(tokens), Counter(zip(tokens, tokens[1:], strict=False))

    def select(self, prepared: Prepared, words: int) -> list[int]:
        texts = prepared.texts
        best: list[int] = []
        best_value = -1.0
        for ref in prepared.cluster.references:
            chosen, value = self._greedy(texts, ref, words)
            if value > best_value:
                best, best_value = chosen, value
        return best

    def _greedy(self, texts: list[str], reference: str, words: int) -> tuple[list[int], float]:
        ref1, ref2 = self._grams(self.tokenize(reference))
        n1, n2 = max(sum(ref1.values()), 1), max(sum(ref2.values()), 1)
        toks = [self.tokenize(t) for t in texts]
        sizes = [word_count(t) for t in texts]
        chosen: list[int] = []
        tokens: list[str] = []
        value, used = 0.0, 0
        while used < words:
            pick, pick_value = -1, value
            for i in range(len(texts)):
                if i in chosen:
                    continue
                cand = tokens + toks[i]
                keep = max(1, round(len(cand) * min(1.0, (words) / max(used + sizes[i], 1))))
                c1, c2 = self._grams(cand[:keep])
                v = (sum((c1 & ref1).values()) / n1) + (sum((c2 & ref2).values()) / n2)
                if v > pick_value + 1e-12:
                    pick, pick_value = i, v
            if pick < 0:
                break
            chosen.append(pick)
            tokens += toks[pick]
            used += sizes[pick]
            value = pick_value
        return sorted(chosen), value


class LLMSystem(System):
    """storyweave's language-model summarizer (:mod:`storyweave.llm`), verified sentences only.

    It writes new text, so the harness scores :meth:`texts` (its sentences), not source
    sentences; :meth:`details` adds the verified share, the dropped sentences' reasons and any
    fallback note to each cluster's row. Not warmed up: a model call is not a cache to fill.
    """

    name = "llm"
    kind = "llm"
    warm_up = False

    def __init__(self, summarizer: Any = None, aligner: FactAligner | None = None,
                 **options: Any) -> None:
        from storyweave.llm import llm_summarizer

        self.summarizer = summarizer or llm_summarizer(**options)
        self.aligner = aligner or FactAligner()
        self.last_summary: Any = None

    def select(self, prepared: Prepared, words: int) -> list[int]:
        alignment = self.aligner(prepared.analyzed)
        self.last_summary = self.summarizer.summarize(alignment, words, fill=True,
                                                      articles=prepared.analyzed)
        where = {s.ref: i for i, s in enumerate(prepared.sentences)}
        return [where[s.citations[0]] for s in self.last_summary.sentences
                if s.citations and s.citations[0] in where]

    def texts(self, prepared: Prepared, chosen: list[int]) -> list[str]:
        return [s.text for s in self.last_summary.sentences] if self.last_summary else []

    def details(self) -> dict[str, Any]:
        summary = self.last_summary
        if summary is None:
            return {}
        if summary.method == "llm":
            generated, share = len(summary.sentences) + len(summary.dropped), \
                summary.verified_share
        else:  # a fallback: the extractive sentences were not generated
            generated, share = len(summary.dropped), 0.0 if summary.dropped else None
        return {"method": summary.method, "verified_share": share, "generated": generated,
                "dropped": [s.verification for s in summary.dropped], "note": summary.note}


ALL_SYSTEMS = ("storyweave", "lead", *SUMY_PEERS, "oracle")
#: Systems run only when asked for (``--systems storyweave,llm``): they need an endpoint.
OPTIONAL_SYSTEMS = ("llm",)
#: storyweave's alternative summarizers (``--summarizer NAME``), run only when named.
SUMMARIZER_SYSTEMS = tuple(n for n in SUMMARIZERS if n not in ("storyweave", "lead"))


def make_system(name: str, **llm_options: Any) -> System:
    if name == "llm":
        return LLMSystem(**llm_options)
    if name == "storyweave":
        return StoryweaveSystem()
    if name == "lead":
        return LeadSystem()
    if name in SUMY_PEERS:
        return SumySystem(name)
    if name == "oracle":
        return OracleSystem()
    if name in SUMMARIZERS:  # storyweave's other summarizers, on the same footing
        return StoryweaveSystem(SUMMARIZERS[name](), name=name)
    raise ValueError(f"unknown system {name!r} (known: "
                     f"{', '.join([*ALL_SYSTEMS, *SUMMARIZER_SYSTEMS, *OPTIONAL_SYSTEMS])})")
