"""Verify: does each summary sentence say only what the sentences it cites say?

A language model writes fluent sentences that no source says; an extractive summary cannot, but
its citations can still point at the wrong place. This stage checks any :class:`Summary`
sentence against its cited source sentences, cheaply and openly, with reasons a reader can
follow:

1. every **number** in the sentence ("three" = "3", "1,200" = "1200") appears in the cited
   sentences;
2. every **date** word (month, weekday, year; "Sept." = "September") appears in them;
3. every **name** spaCy finds in the sentence appears in them, compared as lower-cased word
   sets with hyphens and titles removed ("Kim Jong-un" = "Kim Jong Un", "Mr Kim" = "Kim");
4. every **quotation** appears in a cited sentence, and a person the sentence names as its
   speaker is named in (or just before) the cited sentence that holds it;
5. **negation** agrees: the sentence and its closest cited sentence have as many negation words
   ("not", "n't", "never", "no", ...);
6. **content overlap**: the share of the sentence's content words found in the cited sentences
   reaches a threshold chosen on data (``benchmarks/verifier.py``, tuning half of the pairs).

When the cited sentences do not support the sentence (or it cites none), the story's other
sentences are searched: the ones most similar to it are added as citations and the checks run
again, so a right sentence with a wrong citation is repaired rather than rejected.

Source sentences are read from the story's analysis (their text, entities and lemmas), never
parsed again; only the summary sentence is parsed, without the dependency parser.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from storyweave.model import Sentence, SentenceRef, Summary, SummarySentence

#: Share of content words that must be found in the cited sentences (benchmarks/verifier.py:
#: chosen on the tuning half of the pairs; see docs/benchmarks.md).
DEFAULT_OVERLAP = 0.7
#: How many of the story's most similar sentences the citation search adds.
SEARCH_TOP = 3

_NAME_LABELS = {"PERSON", "ORG", "GPE", "LOC", "NORP", "FAC", "EVENT", "PRODUCT", "WORK_OF_ART",
                "LAW"}
_UNITS = {"zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
          "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
          "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
          "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
          "seventy": 70, "eighty": 80, "ninety": 90, "dozen": 12, "first": 1, "second": 2,
          "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
          "ninth": 9, "tenth": 10, "once": 1, "twice": 2, "thrice": 3, "half": 0.5,
          "hundred": 100, "thousand": 1000, "million": 1e6, "billion": 1e9, "trillion": 1e12}
_SCALES = {"hundred": 100, "thousand": 1000, "million": 1e6, "billion": 1e9, "trillion": 1e12,
           "k": 1000, "m": 1e6, "bn": 1e9}
_MONTHS = {"jan": "january", "feb": "february", "mar": "march", "apr": "april", "may": "may",
           "jun": "june", "jul": "july", "aug": "august", "sep": "september",
           "sept": "september", "oct": "october", "nov": "november", "dec": "december"}
_MONTH_NAMES = set(_MONTHS.values())
_WEEKDAYS = {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}
_NEGATION = re.compile(r"\b(?:not|no|never|nobody|nothing|none|neither|nor|cannot|without)\b"
                       r"|n't\b|n’t\b", re.I)
_WORD = re.compile(r"[^\W_]+(?:[.,][0-9]+)*", re.UNICODE)
_NUMBER = re.compile(r"(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)(?:\s*(hundred|thousand|"
                     r"million|billion|trillion|bn|k|m)\b)?", re.I)
_QUOTE = re.compile(r"[\"“”]([^\"“”]{3,}?)[\"“”]|``\s*(.+?)\s*''"
                    r"|(?<!\w)[‘']([^‘’']{12,}?)[’'](?!\w)")
_TITLES = {"mr", "mrs", "ms", "dr", "sir", "president", "prime", "minister", "leader", "the",
           "of", "and", "'s", "s", "gen", "sen", "rep", "gov", "lord", "lady", "king", "queen"}
_STOP = {"the", "a", "an", "and", "or", "but", "of", "to", "in", "on", "at", "for", "with", "by",
         "from", "as", "is", "was", "are", "were", "be", "been", "being", "has", "have", "had",
         "that", "this", "these", "those", "it", "its", "he", "she", "they", "his", "her",
         "their", "them", "him", "who", "which", "what", "said", "say", "says", "also", "will",
         "would", "could", "can", "may", "might", "do", "does", "did", "about", "after",
         "before", "into", "over", "than", "then", "there", "here", "not", "so", "up", "out",
         "more", "most", "some", "such", "s", "we", "i", "you", "our", "us", "new", "just"}


def words(text: str) -> list[str]:
    """Lower-cased word tokens; hyphens, apostrophes and punctuation split words."""
    return _WORD.findall(text.lower().replace("’", "'").replace("'s", " "))


def _value(token: str) -> float | None:
    token = token.replace(",", "")
    try:
        return float(token)
    except ValueError:
        return None


def numbers(text: str) -> set[float]:
    """Numbers written in digits or words, as values: "three" = "3", "1,200" = "1200",
    "2.5 million" = "2,500,000". Years count (a changed year is a changed fact)."""
    out: set[float] = set()
    lowered = text.lower()
    for m in _NUMBER.finditer(lowered):
        v = _value(m.group(1))
        if v is None:
            continue
        if m.group(2):
            out.add(v)  # "1.5 million" may be cited as "1.5m" or "1,500,000"
            v *= _SCALES[m.group(2)]
        out.add(v)
    toks = re.findall(r"[a-z]+", lowered.replace("-", " "))
    i = 0
    while i < len(toks):
        t = toks[i]
        if t in _UNITS and t not in _SCALES:
            v = float(_UNITS[t])
            j = i + 1
            # "twenty five", "two hundred", "three million"
            if j < len(toks) and v >= 20 and v < 100 and toks[j] in _UNITS and \
                    _UNITS[toks[j]] < 10:
                v += _UNITS[toks[j]]
                j += 1
            while j < len(toks) and toks[j] in _SCALES:
                v *= _SCALES[toks[j]]
                j += 1
            out.add(v)
            i = j
        else:
            i += 1
    return out


def date_words(text: str) -> set[str]:
    """Month and weekday names (abbreviations expanded) and four-digit years."""
    out: set[str] = set()
    for w in words(text):
        w = w.rstrip(".")
        if w in _MONTHS:
            out.add(_MONTHS[w])
        elif w in _MONTH_NAMES or w in _WEEKDAYS or (
                len(w) == 4 and w.isdigit() and w[:2] in ("19", "20")):
            out.add(w)
    out.discard("may")  # the verb "may" is far more common than the month
    return out


def quotes(text: str) -> list[str]:
    """The quoted passages of a sentence, normalised to lower-case words."""
    found = []
    for m in _QUOTE.finditer(text):
        q = next(g for g in m.groups() if g)
        ws = words(q)
        if len(ws) >= 2:
            found.append(" ".join(ws))
    return found


def outside_quotes(text: str) -> str:
    return _QUOTE.sub(" ", text)


def name_tokens(name: str) -> set[str]:
    """The words of a name that identify it: lower-cased, without titles and articles."""
    return {w for w in words(name) if w not in _TITLES}


@dataclass
class _Source:
    """What the checks need from one source sentence, computed once per story."""

    sentence: Sentence
    tokens: set[str]
    content: set[str]
    numbers: set[float]
    dates: set[str]
    negations: int
    quote_text: str
    outside: set[str]


def _source(s: Sentence) -> _Source:
    toks = words(s.text)
    return _Source(
        sentence=s,
        tokens=set(toks),
        content=set(s.lemmas) | {t for t in toks if t not in _STOP},
        numbers=numbers(s.text),
        dates=date_words(s.text),
        negations=len(_NEGATION.findall(s.text)),
        quote_text=" ".join(toks),
        outside=set(words(outside_quotes(s.text))),
    )


@dataclass
class Claim:
    """A summary sentence, parsed once: what it asserts that its citations must carry."""

    text: str
    content: list[str]
    names: list[tuple[str, set[str], str]]
    numbers: set[float]
    dates: set[str]
    negations: int
    quotes: list[str]
    speakers: list[set[str]]


@dataclass
class Verdict:
    """The verifier's decision on one sentence; ``reason`` names the first failed check."""

    verified: bool
    reason: str
    citations: list[SentenceRef]
    overlap: float = 0.0
    searched: bool = False
    failed: list[str] = field(default_factory=list)


class Verifier:
    """Checks sentences against the sentences of one story.

    ``sentences`` are the story's analysed sentences (the alignment's, or every article's);
    ``nlp`` parses the claims (default: the analysis model, without its parser).
    """

    def __init__(self, sentences: Sequence[Sentence], nlp: Any = None,
                 overlap: float = DEFAULT_OVERLAP, search: bool = True) -> None:
        self.sentences = list(sentences)
        self.overlap = overlap
        self.search = search
        self._nlp = nlp
        self._by_ref = {s.ref: i for i, s in enumerate(self.sentences)}
        self._sources: dict[int, _Source] = {}

    @property
    def nlp(self) -> Any:
        if self._nlp is None:
            from storyweave.analyze import load_nlp

            self._nlp = load_nlp()
        return self._nlp

    def source(self, i: int) -> _Source:
        src = self._sources.get(i)
        if src is None:
            src = self._sources[i] = _source(self.sentences[i])
        return src

    def claim(self, text: str) -> Claim:
        disable = [p for p in ("parser", "paragraph_boundaries") if p in self.nlp.pipe_names]
        with self.nlp.select_pipes(disable=disable):
            doc = self.nlp(text)
        return self._claim(text, doc)

    def claims(self, texts: Sequence[str]) -> list[Claim]:
        """Many claims, parsed in one batch."""
        disable = [p for p in ("parser", "paragraph_boundaries") if p in self.nlp.pipe_names]
        with self.nlp.select_pipes(disable=disable):
            docs = list(self.nlp.pipe(texts, batch_size=64))
        return [self._claim(t, d) for t, d in zip(texts, docs, strict=True)]

    def _claim(self, text: str, doc: Any) -> Claim:
        content = [t.lemma_.lower() for t in doc
                   if (t.is_alpha or t.like_num) and not t.is_stop and t.lower_ not in _STOP]
        names = []
        people = []
        for e in doc.ents:
            if e.label_ in _NAME_LABELS:
                toks = name_tokens(e.text)
                if toks:
                    names.append((e.text, toks, e.label_))
                    if e.label_ == "PERSON":
                        people.append((e.start_char, e.end_char, toks))
        named = set().union(*(toks for _, toks, _ in names)) if names else set()
        for t in doc[1:]:  # proper nouns the entity recogniser missed ("Dalian", "Glaser")
            low = t.lower_
            if (t.pos_ == "PROPN" or t.is_title) and t.is_alpha and not t.is_stop \
                    and low not in named and low not in _TITLES and low not in _STOP \
                    and not doc[t.i - 1].is_punct | doc[t.i - 1].is_quote:
                names.append((t.text, {low}, "PROPN"))
                named.add(low)
        spans = [m.span() for m in _QUOTE.finditer(text)]
        speakers = []
        for qs_, qe in spans:  # the speaker: the person named nearest the quotation
            outside = [(min(abs(ps - qe), abs(qs_ - pe)), toks) for ps, pe, toks in people
                       if pe <= qs_ or ps >= qe]
            if outside:
                speakers.append(min(outside, key=lambda x: x[0])[1])
        return Claim(text=text, content=content, names=names, numbers=numbers(text),
                     dates=date_words(text), negations=len(_NEGATION.findall(text)),
                     quotes=quotes(text), speakers=speakers)

    # ------------------------------------------------------------------ checks

    def _indices(self, refs: Iterable[SentenceRef]) -> list[int]:
        return [self._by_ref[r] for r in refs if r in self._by_ref]

    def _overlap(self, claim: Claim, idx: list[int]) -> float:
        if not claim.content:
            return 1.0
        pool: set[str] = set()
        for i in idx:
            src = self.source(i)
            pool |= src.content | src.tokens
        return sum(1 for w in claim.content if w in pool) / len(claim.content)

    def failures(self, claim: Claim, idx: list[int]) -> tuple[list[str], float]:
        """Every failed check (empty when the cited sentences support the claim)."""
        if not idx:
            return ["no citation"], 0.0
        srcs = [self.source(i) for i in idx]
        failed: list[str] = []
        nums = set().union(*(s.numbers for s in srcs))
        missing = [n for n in claim.numbers if n not in nums]
        if missing:
            failed.append(f"number {_fmt(missing[0])} not in the cited sentences")
        dates = set().union(*(s.dates for s in srcs))
        missing_d = sorted(claim.dates - dates)
        if missing_d:
            failed.append(f"date '{missing_d[0]}' not in the cited sentences")
        tokens = set().union(*(s.tokens for s in srcs))
        for name, toks, _ in claim.names:
            if not toks <= tokens:
                failed.append(f"name '{name}' not in the cited sentences")
                break
        for q in claim.quotes:
            holders = [s for s in srcs if q in s.quote_text]
            if not holders:
                failed.append(f"quote '{_short(q)}' not in the cited sentences")
                break
            for who in claim.speakers:
                if not any(self._names_speaker(s, who) for s in holders):
                    failed.append("quote attributed to someone the cited sentences do not "
                                  "name as its speaker")
                    break
        score = self._overlap(claim, idx)
        closest = max(srcs, key=lambda s: len(s.content & set(claim.content)))
        if claim.negations > closest.negations or (
                claim.negations < closest.negations and self._negates_claim(closest, claim)):
            failed.append("negation differs from the cited sentences")
        if score < self.overlap:
            failed.append(f"content overlap {score:.2f} below {self.overlap:.2f}")
        return failed, score

    @staticmethod
    def _negates_claim(src: _Source, claim: Claim) -> bool:
        """Whether a negation the claim lacks bears on what the claim says: a content word
        just after the source's negation word is in the claim ("did not meet" vs "met")."""
        said = set(claim.content) | set(words(claim.text))
        for m in _NEGATION.finditer(src.sentence.text):
            after = [w for w in words(src.sentence.text[m.end():])[:4] if w not in _STOP]
            if any(w in said for w in after):
                return True
        return False

    def _names_speaker(self, src: _Source, who: set[str]) -> bool:
        if who <= src.outside:
            return True
        s = src.sentence  # "he said": the speaker is named in the sentences just before
        for back in (1, 2):
            j = self._by_ref.get(SentenceRef(s.article, s.index - back))
            if j is not None and who <= self.source(j).tokens:
                return True
        return False

    def _search(self, claim: Claim, exclude: set[int]) -> list[int]:
        want = set(claim.content) | {t for _, toks, _ in claim.names for t in toks}
        if not want:
            return []
        scored = []
        for i in range(len(self.sentences)):
            if i in exclude:
                continue
            src = self.source(i)
            hit = len(want & (src.content | src.tokens))
            if hit:
                scored.append((-hit, i))
        scored.sort()
        return [i for _, i in scored[:SEARCH_TOP]]

    def check(self, text: str | Claim, citations: Sequence[SentenceRef] = ()) -> Verdict:
        claim = self.claim(text) if isinstance(text, str) else text
        idx = self._indices(citations)
        failed, score = self.failures(claim, idx)
        if not failed:
            return Verdict(True, "supported", list(citations), score)
        if self.search:
            # Another sentence of the story may be the right citation. It must carry the claim
            # by itself, or be close enough to it on its own (overlap above the threshold) to
            # be cited beside the given ones: a name or number picked from an unrelated
            # sentence must not rescue a false claim.
            for i in self._search(claim, set(idx)):
                alone, score_alone = self.failures(claim, [i])
                if not alone:
                    return Verdict(True, "supported (citation found in the story)",
                                   [self.sentences[i].ref], score_alone, searched=True)
                if idx and score_alone >= self.overlap:
                    both, score_both = self.failures(claim, idx + [i])
                    if not both:
                        refs = [*citations, self.sentences[i].ref]
                        return Verdict(True, "supported (citation found in the story)", refs,
                                       score_both, searched=True)
        if not idx and self.search:
            best = self._search(claim, set())
            if best:
                failed = self.failures(claim, best[:1])[0]
                nearest = failed[0].replace(" not in the cited sentences", " missing")
                failed[0] = f"no citation, and no story sentence supports it (the nearest: " \
                    f"{nearest})"
        return Verdict(False, failed[0], list(citations), score, failed=failed)

    def verify(self, summary: Summary, keep_unverified: bool = True) -> Summary:
        """The summary with every sentence's ``verified`` and ``verification`` set; without
        ``keep_unverified`` the unsupported sentences move to ``summary.dropped``."""
        kept: list[SummarySentence] = []
        claims = self.claims([s.text for s in summary.sentences])
        for s, claim in zip(summary.sentences, claims, strict=True):
            v = self.check(claim, s.citations)
            s.verified = v.verified
            s.verification = v.reason
            if v.verified:
                s.citations = v.citations
            if v.verified or keep_unverified:
                kept.append(s)
            else:
                summary.dropped.append(s)
        summary.sentences = kept
        return summary


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def _short(q: str, n: int = 8) -> str:
    ws = q.split()
    return " ".join(ws[:n]) + (" ..." if len(ws) > n else "")


def verify_summary(summary: Summary, sentences: Sequence[Sentence], nlp: Any = None,
                   keep_unverified: bool = True) -> Summary:
    """Check any summary (extractive or not) against the story's sentences."""
    return Verifier(sentences, nlp).verify(summary, keep_unverified)
