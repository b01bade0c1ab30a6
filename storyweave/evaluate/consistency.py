"""Factual-consistency pairs from real news: supported sentences and controlled false edits.

The verifier (:mod:`storyweave.verify`) is measured, and unit-tested, on pairs built from real
articles: a claim, the sentences it cites, and whether they support it. Supported claims are
source sentences themselves, fact-preserving rewrites of them (digits for number words, a
hyphenated or shortened name, a dropped trailing clause, a synonym for "said") and human
summary sentences that alignment ties to source sentences. Unsupported claims are one-fact
edits of supported ones: a number, a name, a date or a speaker swapped for another one *of the
same story*, a negation inserted, or a citation pointing at an unrelated sentence.

Every edit is a function ``(sentence, pool, rng) -> str | None`` (``None``: it does not apply),
so tests and benchmarks make the same edits.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from storyweave.model import Mention, Sentence, SentenceRef
from storyweave.verify import _QUOTE, name_tokens, numbers, words

_NUM_WORDS = ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
              "eleven", "twelve"]
_MONTH_LIST = ["January", "February", "March", "April", "June", "July", "August", "September",
               "October", "November", "December"]
_WEEKDAY_LIST = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
_AUX = re.compile(r"\b(is|was|are|were|will|would|can|could|has|have|had|should|must|did|does"
                  r"|do)\b(?! not\b| n't\b)", re.I)
_NAMES = ("PERSON", "ORG", "GPE", "NORP")


@dataclass
class Pair:
    """One claim and what it cites; ``kind`` is ``supported`` or the edit that broke it."""

    claim: str
    citations: list[SentenceRef]
    supported: bool
    kind: str
    origin: str = ""
    base: str = ""
    meta: dict[str, str] = field(default_factory=dict)


Edit = Callable[[Sentence, Sequence[Sentence], random.Random], str | None]


def _local(s: Sentence, m: Mention) -> tuple[int, int] | None:
    a, b = m.start - s.start, m.end - s.start
    if 0 <= a < b <= len(s.text) and s.text[a:b] == m.text:
        return a, b
    return None


def _replace(text: str, a: int, b: int, new: str) -> str:
    return text[:a] + new + text[b:]


def _quoted(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in _QUOTE.finditer(text)]


def _inside(i: int, spans: list[tuple[int, int]]) -> bool:
    return any(a <= i < b for a, b in spans)


# ---------------------------------------------------------------- false edits


def swap_number(s: Sentence, pool: Sequence[Sentence], rng: random.Random) -> str | None:
    """A number (digits or a number word) changed to another value."""
    have = numbers(s.text)
    m = next(iter(re.finditer(r"(?<![\w.,])\d+(?:,\d{3})*(?:\.\d+)?(?![\w])", s.text)), None)
    if m is not None:
        v = float(m.group().replace(",", ""))
        if 1900 <= v <= 2100 and "." not in m.group():
            return None  # a year: that is a date edit
        for new in (v + rng.randint(1, 9), v * 2, v + 10):
            if new not in have:
                shown = f"{int(new):,}" if "," in m.group() else (
                    str(int(new)) if new.is_integer() else f"{new:.1f}")
                return _replace(s.text, m.start(), m.end(), shown)
        return None
    for w in re.finditer(r"\b(" + "|".join(_NUM_WORDS[1:]) + r")\b", s.text, re.I):
        old = _NUM_WORDS.index(w.group().lower())
        choices = [n for i, n in enumerate(_NUM_WORDS) if abs(i - old) >= 1
                   and float(i + 1) not in have and i != 0]
        if choices:
            new = rng.choice(choices)
            if w.group()[0].isupper():
                new = new.capitalize()
            return _replace(s.text, w.start(), w.end(), new)
    return None


def _other_names(s: Sentence, pool: Sequence[Sentence], label: str) -> list[str]:
    mine = words(s.text)
    out = []
    for other in pool:
        for m in other.entities:
            toks = name_tokens(m.text)
            if m.label == label and toks and not toks & set(mine) and m.text not in out:
                out.append(m.text)
    return out


def swap_name(s: Sentence, pool: Sequence[Sentence], rng: random.Random) -> str | None:
    """A person, organisation or place replaced by another of the same kind from the story."""
    ents = [m for m in s.entities if m.label in _NAMES and _local(s, m)]
    rng.shuffle(ents)
    for m in ents:
        others = _other_names(s, pool, m.label)
        if others:
            a, b = _local(s, m)  # type: ignore[misc]
            return _replace(s.text, a, b, rng.choice(others))
    return None


def swap_date(s: Sentence, pool: Sequence[Sentence], rng: random.Random) -> str | None:
    """A month, weekday or year changed to another one."""
    low = s.text.lower()
    for names in (_MONTH_LIST, _WEEKDAY_LIST):
        for name in names:
            m = re.search(rf"\b{name}\b", s.text, re.I)
            if m:
                choices = [n for n in names if n.lower() not in low]
                new = rng.choice(choices)
                if m.group().islower():
                    new = new.lower()
                return _replace(s.text, m.start(), m.end(), new)
    m = re.search(r"\b(19[5-9]\d|20[0-4]\d)\b", s.text)
    if m:
        year = int(m.group())
        for new in (year - 1, year + 1, year - 2):
            if str(new) not in s.text:
                return _replace(s.text, m.start(), m.end(), str(new))
    return None


def negate(s: Sentence, pool: Sequence[Sentence], rng: random.Random) -> str | None:
    """"not" inserted after the first auxiliary verb outside quotations."""
    quoted = [m.span() for m in _QUOTE.finditer(s.text)]
    for m in _AUX.finditer(s.text):
        if any(a <= m.start() < b for a, b in quoted):
            continue
        return _replace(s.text, m.end(), m.end(), " not")
    return None


def swap_speaker(s: Sentence, pool: Sequence[Sentence], rng: random.Random) -> str | None:
    """A quotation attributed to another person of the story."""
    quoted = [m.span() for m in _QUOTE.finditer(s.text)]
    if not quoted:
        return None
    people = [m for m in s.entities if m.label == "PERSON" and _local(s, m)
              and not any(a <= _local(s, m)[0] < b for a, b in quoted)]  # type: ignore[index]
    for m in people:
        others = _other_names(s, pool, "PERSON")
        if others:
            a, b = _local(s, m)  # type: ignore[misc]
            return _replace(s.text, a, b, rng.choice(others))
    return None


FALSE_EDITS: dict[str, Edit] = {
    "number": swap_number,
    "name": swap_name,
    "date": swap_date,
    "negation": negate,
    "speaker": swap_speaker,
}


# ---------------------------------------------------------------- fact-preserving rewrites


def digits_words(s: Sentence, pool: Sequence[Sentence], rng: random.Random) -> str | None:
    """"three" written "3", or "3" written "three"."""
    quoted = _quoted(s.text)
    for w in re.finditer(r"\b(" + "|".join(_NUM_WORDS[1:]) + r")\b", s.text, re.I):
        if not _inside(w.start(), quoted):
            return _replace(s.text, w.start(), w.end(),
                            str(_NUM_WORDS.index(w.group().lower()) + 1))
    for m in re.finditer(r"(?<![\w.,$£€])([2-9]|1[0-2])(?![\w.,%])", s.text):
        if not _inside(m.start(), quoted):
            return _replace(s.text, m.start(), m.end(), _NUM_WORDS[int(m.group()) - 1])
    return None


def name_variant(s: Sentence, pool: Sequence[Sentence], rng: random.Random) -> str | None:
    """A multi-word name hyphenated ("Kim Jong Un" -> "Kim Jong-un") or shortened to one of
    its words ("Xi Jinping" -> "Xi")."""
    quoted = _quoted(s.text)
    for m in s.entities:
        loc = _local(s, m)
        parts = m.text.split()
        if m.label == "PERSON" and loc and len(parts) >= 2 and not _inside(loc[0], quoted):
            if len(parts) == 3:
                new = f"{parts[0]} {parts[1]}-{parts[2].lower()}"
            else:
                new = parts[-1] if rng.random() < 0.5 else parts[0]
            return _replace(s.text, loc[0], loc[1], new)
    return None


def drop_clause(s: Sentence, pool: Sequence[Sentence], rng: random.Random) -> str | None:
    """The sentence cut before a trailing clause (it then says less, nothing new)."""
    text = s.text
    quoted = [m.span() for m in _QUOTE.finditer(text)]
    for m in re.finditer(r", (?:which|who|where|while|after|as|but|and|according)\b", text):
        if len(text[: m.start()].split()) >= 6 and not any(a <= m.start() < b for a, b in quoted):
            return text[: m.start()].rstrip() + "."
    return None


def said_synonym(s: Sentence, pool: Sequence[Sentence], rng: random.Random) -> str | None:
    """"said" replaced with "stated"."""
    m = re.search(r"\bsaid\b", s.text)
    if m and not any(a <= m.start() < b for a, b in (q.span() for q in _QUOTE.finditer(s.text))):
        return _replace(s.text, m.start(), m.end(), "stated")
    return None


REWRITES: dict[str, Edit] = {
    "digits": digits_words,
    "name form": name_variant,
    "shorter": drop_clause,
    "synonym": said_synonym,
}


# ---------------------------------------------------------------- pairs of one story


def _eligible(s: Sentence) -> bool:
    return 8 <= s.words <= 45 and not s.text.rstrip().endswith("?")


def story_pairs(sentences: Sequence[Sentence], rng: random.Random, per_story: int = 6,
                origin: str = "", extra_bases: Sequence[tuple[Sentence, list[SentenceRef],
                                                                str]] = ()) -> list[Pair]:
    """Pairs from one story: ``per_story`` source sentences (each cited by itself, rewritten,
    and falsely edited) plus ``extra_bases`` (claim, citations, kind), e.g. human summary
    sentences that alignment ties to sources, supported and falsely edited."""
    pool = list(sentences)
    bases = [s for s in pool if _eligible(s)]
    rng.shuffle(bases)
    items = [(s, [s.ref], "source") for s in bases[:per_story]] + list(extra_bases)
    pairs: list[Pair] = []
    for s, refs, kind in items:
        pairs.append(Pair(s.text, refs, True, kind, origin, s.text))
        if kind == "source":
            for name, edit in REWRITES.items():
                text = edit(s, pool, rng)
                if text and text != s.text:
                    pairs.append(Pair(text, refs, True, f"rewrite: {name}", origin, s.text))
        for name, edit in FALSE_EDITS.items():
            text = edit(s, pool, rng)
            if text and text != s.text:
                pairs.append(Pair(text, refs, False, name, origin, s.text,
                                  {"from": kind}))
    return pairs
