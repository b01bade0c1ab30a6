"""Dates: an article's reference date, and date expressions resolved against it.

The parsing and the calendar arithmetic are dateparser's; this module decides *what* to ask it:
which expressions are points in time at all (durations such as "three months" or "two-day" are
not), which reference a relative expression counts from, and which year a month without one
falls in.

Reference date, in order of trust:
1. ``published`` from the article's metadata, when it parses;
2. ``inferred from text``: the full dates (day, month and year) written in the article, raw body
   and title included, since photo captions and embedded posts carry them and the cleaner drops
   them: the most frequent, the latest on a tie;
3. ``inferred from text (weekday)``: a weekday written with a month and day ("Tuesday, June 19")
   fixes the year among those the article mentions;
4. ``inferred from story``: the median reference date of the story's other articles.
Without any of these, only expressions that carry their own year are placed.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from statistics import median_low

MONTHS = {m.lower(): i for i, m in enumerate(calendar.month_name) if m}
MONTHS.update({m.lower(): i for i, m in enumerate(calendar.month_abbr) if m})
MONTHS["sept"] = 9
WEEKDAYS = {d.lower(): i for i, d in enumerate(calendar.day_name)}
_MONTH_RE = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
FULL_DATE = re.compile(
    rf"\b(?:{_MONTH_RE}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+(?:19|20)\d\d"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH_RE},?\s+(?:19|20)\d\d"
    r"|(?:19|20)\d\d-[01]\d-[0-3]\d)\b", re.I)
WEEKDAY_DATE = re.compile(
    rf"\b(mon|tues|wednes|thurs|fri|satur|sun)day,?\s+\(?({_MONTH_RE})\s+(\d{{1,2}})\b", re.I)
YEAR = re.compile(r"\b(19[5-9]\d|20[0-4]\d)\b")
#: Any year written out inside a date expression ("15 September 1903"). Reference-year
#: inference keeps the narrow YEAR, where a bare four-digit number is more often a count.
WRITTEN_YEAR = re.compile(r"\b(1[0-9]\d\d|20\d\d)\b")
QUALIFIERS = re.compile(
    r"^(?:(?:the\s+)?(?:end|beginning|start|middle|close)\s+of\s+|(?:a\s+little\s+)?over\s+|"
    r"early\s+|late\s+|mid-?\s*|nearly\s+|almost\s+|about\s+|around\s+|more\s+than\s+|"
    r"less\s+than\s+|some\s+|just\s+|only\s+|on\s+|in\s+|since\s+|by\s+|until\s+|from\s+|"
    r"the\s+)+", re.I)
POINT_WORDS = re.compile(
    rf"\b(?:{_MONTH_RE}|(?:mon|tues|wednes|thurs|fri|satur|sun)day|yesterday|today|tonight|"
    r"tomorrow|ago|(?:last|next|this|past)\s+(?:week|month|year|weekend)|"
    r"\d{1,2}(?:st|nd|rd|th)|(?:19|20)\d\d)\b", re.I)
LATER = re.compile(
    r"^(?:just\s+|only\s+|about\s+|some\s+)?(a|an|one|two|three|four|five|six|seven|eight|nine|"
    r"ten|eleven|twelve|\d+)\s+(day|week|month|year)s?\s+(later|earlier|afterwards?)$", re.I)
DURATION = re.compile(
    r"\b(?:(?:the\s+)?(?:first|last|past|next|coming|upcoming|previous|recent)\s+)?"
    r"(?:\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|several|few|many)"
    r"[\s-]+(?:day|week|month|year|decade|hour|minute|night)s?\b(?!\s+ago)", re.I)

PRECISION = {"day": "day", "week": "week", "month": "month", "year": "year"}


@dataclass(frozen=True)
class Reference:
    date: date | None
    how: str  # "published", "inferred from text", ..., or "none"
    evidence: str = ""

    @property
    def inferred(self) -> bool:
        return self.how.startswith("inferred")


@lru_cache(maxsize=4096)
def _parse(text: str, base: date | None, prefer: str = "past") -> tuple[date, str] | None:
    """dateparser's reading of ``text`` relative to ``base``: (date, period) or None."""
    from dateparser.date import DateDataParser

    settings = {"PREFER_DATES_FROM": prefer, "STRICT_PARSING": False,
                "REQUIRE_PARTS": [], "PREFER_DAY_OF_MONTH": "first"}
    if base is not None:
        settings["RELATIVE_BASE"] = datetime(base.year, base.month, base.day)
    try:
        data = DateDataParser(languages=["en"], settings=settings).get_date_data(text)
    except Exception:  # dateparser raises on a few odd strings; they are simply not dates
        return None
    if data is None or data.date_obj is None:
        return None
    return data.date_obj.date(), PRECISION.get(data.period or "day", "day")


def parse_published(value: str | None) -> date | None:
    if not value or not str(value).strip():
        return None
    value = str(value).strip()
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).date()
    except ValueError:
        pass
    got = _parse(value, None)
    return got[0] if got and got[1] == "day" else None


def full_dates(text: str) -> list[date]:
    out = []
    for m in FULL_DATE.finditer(text):
        got = _parse(m.group(), None)
        if got and got[1] == "day":
            out.append(got[0])
    return out


def infer_reference(text: str) -> Reference:
    """The reference date an article's own text implies, or ``Reference(None, "none")``."""
    dates = full_dates(text)
    if dates:
        counts: dict[date, int] = {}
        for d in dates:
            counts[d] = counts.get(d, 0) + 1
        best = max(counts, key=lambda d: (counts[d], d))
        return Reference(best, "inferred from text", best.isoformat())
    years = sorted({int(y) for y in YEAR.findall(text)})
    for m in WEEKDAY_DATE.finditer(text):
        weekday = WEEKDAYS[m.group(1).lower() + "day"]
        month = MONTHS.get(m.group(2).lower().rstrip("."))
        day = int(m.group(3))
        if not month or not years:
            continue
        for year in range(years[-1], years[-1] + 8):
            try:
                d = date(year, month, day)
            except ValueError:
                break
            if d.weekday() == weekday:
                return Reference(d, "inferred from text (weekday)", m.group())
    return Reference(None, "none")


def story_references(articles: list[tuple[str, str | None, str]]) -> dict[str, Reference]:
    """Reference dates for ``(article id, published, text)``; the story fills the gaps."""
    refs: dict[str, Reference] = {}
    for aid, published, text in articles:
        d = parse_published(published)
        refs[aid] = Reference(d, "published", str(published)) if d else infer_reference(text)
    known = sorted(r.date for r in refs.values() if r.date)
    if known:
        mid = median_low(known)
        for aid, r in refs.items():
            if r.date is None:
                refs[aid] = Reference(mid, "inferred from story", mid.isoformat())
    return refs


def _nearest_year(d: date, ref: date) -> date:
    """A month (and day) written without a year, put in the year nearest the reference.

    A date after the reference counts double: news more often reports the past.
    """
    best, best_cost = d, None
    for year in (ref.year - 1, ref.year, ref.year + 1):
        try:
            cand = d.replace(year=year)
        except ValueError:
            continue
        delta = (cand - ref).days
        cost = -delta if delta <= 0 else 2 * delta
        if best_cost is None or cost < best_cost:
            best, best_cost = cand, cost
    return best


def iso(d: date, precision: str) -> str:
    if precision == "year":
        return f"{d.year:04d}"
    if precision == "month":
        return f"{d.year:04d}-{d.month:02d}"
    return d.isoformat()


def resolve(expression: str, ref: date | None, anchor: date | None = None
            ) -> tuple[str, str] | None:
    """``(ISO date, precision)`` of a date expression, or None when it is not a point in time.

    ``anchor`` is the last date placed before the expression in the same article, used by
    "two months later" and its kind.
    """
    # "Tuesday's" is Tuesday, but "the 1930's" is a decade, not the year 1930
    text = " ".join(re.sub(r"(?<=\D)['’]s\b", "", expression).split())
    text = re.split(r"\s+(?:to|until|through|and)\s+|\s*[–-]\s+", text)[0]
    if re.search(r"\b\d{3}0['’]?s\b", text):  # a decade is a span, not a point in time
        return None
    later = LATER.match(text.strip())
    if later:
        if anchor is None:
            return None
        n, unit, direction = later.groups()
        phrase = f"in {n} {unit}s" if direction.lower() != "earlier" else f"{n} {unit}s ago"
        got = _parse(phrase, anchor, "future" if direction.lower() != "earlier" else "past")
        return (iso(got[0], unit.lower()), unit.lower()) if got else None
    if not POINT_WORDS.search(text):
        return None
    if DURATION.search(text) and not re.search(r"\bago\b", text, re.I):
        return None
    core = QUALIFIERS.sub("", text).strip(" ,.")
    if not core:
        return None
    has_year = bool(WRITTEN_YEAR.search(core))
    if ref is None and not has_year:
        return None
    wd = re.fullmatch(r"(mon|tues|wednes|thurs|fri|satur|sun)day", core, re.I)
    if wd and ref is not None:
        weekday = WEEKDAYS[core.lower()]
        back = (ref.weekday() - weekday) % 7
        return (ref - timedelta(days=back)).isoformat(), "day"
    got = _parse(core, ref)
    if got is None:
        return None
    d, precision = got
    words_ = {w.strip(".,").lower() for w in core.split()}
    absolute = any(w in MONTHS for w in words_)
    if absolute and not has_year and ref is not None:
        d = _nearest_year(d, ref)
    return iso(d, precision), precision
