"""The Markdown report: the summary with numbered citations, sources, facts and dropped text."""

from __future__ import annotations

import re
from typing import Any

from storyweave.report.json import story_to_dict, web_link

# Article text is untrusted: whatever a page says must reach the reader as text, never as a
# link, an image or HTML. Escaping the Markdown inline marks and the HTML metacharacters
# leaves nothing for a renderer to act on; a scheme's colon ("javascript:") and "www." are
# broken too, since linkifying renderers make links of those without any brackets.
_MD_SPECIAL = re.compile(r"([\\`*\[\]~|!#]|(?<![^\W_])_|_(?![^\W_]))")
_HTML_SPECIAL = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_SCHEME = re.compile(r"(?i)\b([a-z][a-z0-9+.-]{1,31}):(?=\S)")
_WWW = re.compile(r"(?i)\b(www)\.")


def _md(text: Any) -> str:
    """Article-derived text as inert Markdown on one line."""
    s = " ".join(str(text if text is not None else "").split())
    s = _MD_SPECIAL.sub(r"\\\1", s)
    s = "".join(_HTML_SPECIAL.get(ch, ch) for ch in s)
    s = _SCHEME.sub(r"\1\\:", s)
    return _WWW.sub(r"\1\\.", s)


def _cell(text: Any) -> str:
    return _md(text)


def _link(url: Any) -> str:
    """A source's address: a live link only for plain http(s), any other scheme as text."""
    url = str(url or "").strip()
    if web_link(url) and "`" not in url and "\\" not in url:
        return f"<{url}>"
    return _md(url)


def _code(text: Any) -> str:
    """A code span whose fence is longer than any backtick run inside, so none can close it."""
    s = " ".join(str(text).split())
    runs = [len(m) for m in re.findall(r"`+", s)]
    fence = "`" * (max(runs, default=0) + 1)
    pad = " " if runs else ""
    return f"{fence}{pad}{s}{pad}{fence}"


def citation_numbers(data: dict[str, Any]) -> dict[str, int]:
    """Articles numbered [1], [2], ... in the order the report lists them."""
    return {a["id"]: n for n, a in enumerate(data["articles"], start=1)}


def verification_lines(data: dict[str, Any]) -> list[str]:
    """What a reader must know about a verified summary: its share and any fallback note."""
    summary = data["summary"]
    lines = []
    if summary.get("method", "extractive") != "extractive":
        share = summary.get("verified_share")
        checked = len(summary["sentences"]) + len(summary.get("dropped", []))
        text = f"Written by a language model ({summary['method']}); "
        text += f"{100 * share:.0f}% of its {checked} sentences verified against the cited " \
            "sources" if share is not None else "not verified"
        dropped = summary.get("dropped", [])
        if dropped:
            text += f"; {len(dropped)} unsupported sentence(s) left out"
        lines.append(text + ".")
    if summary.get("note"):
        lines.append(f"Note: {summary['note']}.")
    return lines


def render_markdown(story: Any) -> str:
    data = story if isinstance(story, dict) else story_to_dict(story)
    num = citation_numbers(data)
    sentences = {a["id"]: a["sentences"] for a in data["articles"]}
    out: list[str] = [f"# {_md(data['title'])}", ""]
    out.append(f"*{len(data['articles'])} articles · story {_code(data['id'])} · "
               f"{data['summary']['words']} words*")
    out += ["", "## Summary", ""]
    notes: list[str] = []
    for s in data["summary"]["sentences"]:
        marks = []
        for c in s["citations"]:
            n = num[c["article"]]
            marks.append(f"[{n}.{c['sentence'] + 1}]")
            notes.append(f"- **[{n}.{c['sentence'] + 1}]** "
                         f"{_md(sentences[c['article']][c['sentence']])}")
        flag = f"**⚠ not supported by its sources ({_md(s['verification'])}):** " \
            if s.get("verified") is False else ""
        out.append(f"{flag}{_md(s['text'])} {''.join(marks)}")
        out.append("")
    out += [f"*{line}*\n" for line in verification_lines(data)]
    out += ["## Sources", ""]
    for a in data["articles"]:
        date = f", {a['published'][:10]}" if a.get("published") else ""
        link = f" {_link(a['url'])}" if a.get("url") else ""
        out.append(f"{num[a['id']]}. **{_md(a['source'])}**{_md(date)}: {_md(a['title'])}{link} "
                   f"({a['words']} words)")
    out += ["", "## Facts by support", "",
            "| fact | outlets | " + " | ".join(str(num[a["id"]]) for a in data["articles"]) + " |",
            "|---|---|" + "---|" * len(data["articles"])]
    for f in data["facts"]:
        if f["support"] < 2 and len(data["articles"]) > 1:
            continue
        row = " | ".join("●" if a["id"] in f["articles"] else "" for a in data["articles"])
        out.append(f"| {_cell(f['text'])} | {f['support']} | {row} |")
    out.append("")
    out += cross_source_markdown(data, num)
    if notes:
        out += ["## Cited sentences", "", *dict.fromkeys(notes), ""]
    if data["rejected"]:
        out += ["## Rejected inputs", ""]
        out += [f"- {_md(r['origin'])}: {_md(r['reason'])}" for r in data["rejected"]]
        out.append("")
    out += ["<details><summary>Dropped text ({} pieces)</summary>".format(len(data["dropped"])),
            ""]
    out += [f"- [{num.get(d['article'], '?')}] *{_md(d['reason'])}*: {_cell(d['text'])}"
            for d in data["dropped"]]
    out += ["", "</details>", ""]
    return "\n".join(out)


def _refs(items: list[dict[str, Any]], num: dict[str, int]) -> str:
    """Citation marks [n.m] for a list of {article, sentence} items, each once."""
    marks = dict.fromkeys(f"[{num.get(i['article'], '?')}.{i['sentence'] + 1}]" for i in items)
    return "".join(marks)


def cross_source_markdown(data: dict[str, Any], num: dict[str, int]) -> list[str]:
    """Exclusives, contradictions, quotes, timeline and entities (the cross-source analysis)."""
    out: list[str] = []
    groups = [g for g in data.get("exclusives", []) if g["facts"]]
    if groups:
        out += ["## Reported by one outlet only", ""]
        for g in groups:
            n = num.get(g["article"], "?")
            out.append(f"**[{n}] {_md(g['source'])}** ({len(g['facts'])})")
            out.append("")
            out += [f"- {_cell(f['text'])} [{n}.{f['sentence'] + 1}]" for f in g["facts"]]
            out.append("")
    if data.get("conflicts"):
        out += ["## Contradictions", ""]
        for c in data["conflicts"]:
            out.append(f"- **{_md(c['about'])}**")
            for k in c["claims"]:
                out.append(f"  - [{num.get(k['article'], '?')}.{k['sentence'] + 1}] "
                           f"**{_md(k['value'])}**: {_cell(k['text'])}")
        out.append("")
    if data.get("quotes"):
        out += ["## Quotes", ""]
        for q in data["quotes"]:
            who = _md(q["speaker"]) if q["speaker"] else "unknown speaker"
            out.append(f"- **{who}**: “{_cell(q['text'])}” {_refs(q['sources'], num)}")
        out.append("")
    if data.get("timeline"):
        out += ["## Timeline", ""]
        inferred = False
        for t in data["timeline"]:
            mark = "*" if t.get("reference_inferred") else ""
            inferred = inferred or bool(mark)
            out.append(f"- **{_md(t['date'])}**{mark} ({_md(t['expression'])}): {_cell(t['text'])} "
                       f"{_refs(t['sources'], num)}")
        if inferred:
            refs = [r for r in data.get("reference_dates", []) if r["how"] != "published"]
            how = "; ".join(f"[{num.get(r['article'], '?')}] {_md(r['date'] or 'unknown')} "
                            f"({_md(r['how'])})" for r in refs)
            out += ["", "\\* resolved against a reference date inferred from the text, not "
                        f"from publication metadata: {how}."]
        out.append("")
    if data.get("entities"):
        out += ["## People, organisations and places", "",
                "| name | type | also written | outlets | mentions |", "|---|---|---|---|---|"]
        for e in data["entities"]:
            outlets = " ".join(f"[{num.get(a, '?')}]" for a in e["articles"])
            aliases = _cell(", ".join(e["aliases"]))
            out.append(f"| {_cell(e['name'])} | {_md(e['type'])} | {aliases} "
                       f"| {outlets} | {len(e['mentions'])} |")
        out.append("")
    return out
