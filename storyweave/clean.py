"""Clean: keep the story, drop the page around it, and record every removal.

News text copied from the web carries the outlet's furniture: logos, bylines, "Font Size:",
share and subscribe prompts, photo captions and credits, agency image ids, embedded posts,
"related" links, newsletter and about-the-author blocks, repeated lines. The rules below are
written against those *kinds* of furniture (their shape and vocabulary across outlets), never
against one outlet's exact string.

Cleaning works line by line (a line is a paragraph in plain-text and extracted-HTML news), then
inside the lines that stay (inline "related" links, link annotations, URLs, agency datelines).
Every removed piece becomes a :class:`~storyweave.model.Dropped` with its reason.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from storyweave.model import Article, CleanArticle, Dropped

_WS = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u205f\u3000]+")
_BULLET = re.compile(r"^\s*(?:[•·▪●◦‣∙*]|[-–—](?=\s))\s*")
_TERMINAL = re.compile(r"[.!?…\"”’')\]]$")
_WORD = re.compile(r"[\w'’-]+")


def _rx(*patterns: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)


# Whole-line rules: (reason, pattern, longest line in words the rule may remove).
LINE_RULES: list[tuple[str, re.Pattern[str], int]] = [
    ("embedded social post", _rx(r"pic\.twitter\.com/", r"https?://t\.co/",
                                 r"(?:twitter|x)\.com/\w+/status/", r"instagram\.com/p/"), 80),
    ("embedded-post attribution",
     _rx(r"^[—–-]?\s*.{0,80}\(@\w{1,30}\)\s*(?:\w+\.?\s+\d{1,2},?\s+\d{4})?\s*$"), 25),
    ("photo caption or credit",
     _rx(r"\b(?:photograph|photo|picture|image|credit|photo credit|illustration|video)s?\s*:"
         r"\s*[^.]{1,80}\.?\s*$",
         r"\((?:photo|image|picture)s?\s+(?:by|credit|courtesy)[^)]*\)\s*$",
         r"\bin this (?:undated |handout |file )*(?:photo|picture|image|handout)\b",
         r"\.\.\.\s+(?:[A-Z][\w.&-]*(?:/| |$)){1,5}\s*$",
         r"(?:^|\s)(?:getty images|afp via getty|ap photo|reuters/[\w ]+|epa-efe)\s*\.?$"), 80),
    ("image or agency id", re.compile(r"^(?=[A-Z0-9_-]*\d)(?=[A-Z0-9_-]*[A-Z])[A-Z0-9_-]{6,}$"), 1),
    ("logo", _rx(r"\blogo\s*$"), 8),
    ("section heading of a page block",
     _rx(r"^(?:about the (?:writer|author|reporter)s?|related(?: articles| stories| content)?|"
         r"read more|more from [\w .]+|recommended(?: for you)?|most (?:read|popular)|"
         r"trending(?: now)?|sponsored(?: content)?|topics|tags|you may also like)\s*:?\s*$"), 6),
    ("page control", _rx(r"^(?:font size|text size|print|share|email|comments?|listen|"
                         r"save|copy link|advertisement|ad|skip to content|menu|close)\s*:?\s*$"),
     3),
    ("byline", _rx(r"^by\s+[A-Z][\w.'-]+(?:\s+[A-Z][\w.'-]+){0,3}\s*(?:,.*)?$",
                   r"\b(?:reporter|correspondent|editor|writer|contributor|columnist|"
                   r"staff writer|bureau chief)\s*$"), 10),
    ("related-link line", _rx(r"^(?:read more|related|see also|watch|listen|also read)\s*:"), 25),
    ("social or subscription prompt",
     _rx(r"^follow\b.*\bon (?:twitter|facebook|instagram|x|linkedin|tiktok|threads|bluesky)\b",
         r"\bfollow us\b", r"\bsend (?:us )?(?:your )?tips?\b", r"\bsign up\b",
         r"\bsubscribe\b", r"\bnewsletters?\b", r"\bclick here\b",
         r"\bdownload (?:our|the) app\b", r"\bad-free\b", r"\bcomment on (?:this|articles)\b",
         r"\bshare (?:this|on)\b", r"\bdelivered to your (?:door|inbox)\b",
         r"\bapp updates\b", r"\bsupport (?:our|independent) journalism\b",
         r"\bunlimited (?:digital )?access\b", r"\bdiverse audio\b"), 30),
    ("licensing or copyright notice",
     _rx(r"\ball rights reserved\b", r"^©", r"\bcopyright\s+(?:©\s*)?\d{4}\b",
         r"\bavailable without charge\b", r"\blicensing opportunities\b",
         r"\bmay not be (?:published|reproduced|redistributed)\b"), 60),
]

# Pieces removed from inside lines that otherwise stay.
INLINE_RULES: list[tuple[str, re.Pattern[str]]] = [
    ("related-link fragment",
     _rx(r"\s*\(\s*(?:related|read more|see also|watch|also read|listen)\s*:[^)]*(?:\)|$)")),
    ("link annotation",
     _rx(r"\s*\((?:paywall|subscription required|subscriber only|registration required|"
         r"video|audio|pdf|link|in (?:chinese|english|korean|japanese|russian|french|german|"
         r"spanish|arabic|portuguese|italian|hebrew|persian|turkish|hindi))\)")),
    ("URL", _rx(r"\s*<?https?://\S+>?", r"\s*\bwww\.[\w-]+\.\w[\w./?=&%-]*")),
    ("agency dateline",
     _rx(r"^(?:[A-Z][\w.'-]*(?:[ ,]+[A-Z][\w.'-]*){0,4}\s*)?\(\s*(?:reuters|ap|afp|upi|cnn|"
         r"bloomberg|xinhua|yonhap|dpa|ians|pti|the associated press|associated press)\s*\)"
         r"\s*[-—–:]+\s*")),
]


@dataclass
class Cleaner:
    """Configured cleaning rules; call it on an :class:`Article` to get a :class:`CleanArticle`.

    ``fragment_words``: a line this short with no sentence punctuation is page furniture (a
    label, logo text or byline), not story. ``block_words`` and ``block_tail``: a short line
    with removed furniture on both sides, in the last part of the article, is part of that
    furniture (an outlet's mission statement inside its footer, say).
    """

    fragment_words: int = 6
    block_words: int = 30
    block_tail: float = 0.4
    line_rules: tuple[tuple[str, re.Pattern[str], int], ...] = tuple(LINE_RULES)
    inline_rules: tuple[tuple[str, re.Pattern[str]], ...] = tuple(INLINE_RULES)

    def __call__(self, article: Article) -> CleanArticle:
        return self.clean(article)

    def line_reason(self, line: str) -> str | None:
        words = len(_WORD.findall(line))
        for reason, pattern, max_words in self.line_rules:
            if words <= max_words and pattern.search(line):
                return reason
        if words == 0:
            return "no words"
        if words <= self.fragment_words and not _TERMINAL.search(line):
            return "short fragment without sentence punctuation (label, logo or byline)"
        return None

    def clean(self, article: Article) -> CleanArticle:
        dropped: list[Dropped] = []

        def drop(text: str, reason: str) -> None:
            if text.strip():
                dropped.append(Dropped(article.id, text.strip(), reason))

        lines = [_BULLET.sub("", _WS.sub(" ", raw)).strip() for raw in article.body.splitlines()]
        lines = [line for line in lines if line]
        headline = _key(article.title) if article.title else None
        reasons: list[str | None] = [
            "repeats the headline" if _key(line) == headline else self.line_reason(line)
            for line in lines
        ]
        seen: set[str] = set()
        for i, line in enumerate(lines):
            if reasons[i] is not None:
                continue
            key = _key(line)
            if key in seen:
                reasons[i] = "duplicate line"
            seen.add(key)

        n = len(lines)
        total = sum(len(line.split()) for line in lines) or 1
        done = 0
        for i, line in enumerate(lines):
            done += len(line.split())
            in_tail = done / total >= 1 - self.block_tail
            if reasons[i] is None and i > 0 and in_tail:
                before = reasons[i - 1] is not None
                after = i + 1 >= n or reasons[i + 1] is not None
                if before and after and i + 1 < n and len(line.split()) <= self.block_words:
                    reasons[i] = "inside a block of page furniture"

        paragraphs: list[str] = []
        for line, reason in zip(lines, reasons, strict=True):
            if reason is not None:
                drop(line, reason)
                continue
            kept = self._clean_inline(line, drop)
            if _WORD.search(kept):
                paragraphs.append(kept)
            else:
                drop(kept, "nothing left after inline cleaning")
        return CleanArticle(article=article, body="\n\n".join(paragraphs), dropped=dropped)

    def _clean_inline(self, line: str, drop: Callable[[str, str], None]) -> str:
        for reason, pattern in self.inline_rules:
            def _cut(m: re.Match[str], reason: str = reason) -> str:
                drop(m.group(0), reason)
                return " " if m.group(0)[:1].isspace() and m.end() < len(m.string) else ""

            line = pattern.sub(_cut, line)
        return re.sub(r"\s+([,.;:!?])", r"\1", _WS.sub(" ", line)).strip()


def _key(text: str) -> str:
    return " ".join(_WORD.findall(text.lower()))


DEFAULT_CLEANER = Cleaner()


def clean(article: Article) -> CleanArticle:
    """Clean one article with the default rules."""
    return DEFAULT_CLEANER(article)
