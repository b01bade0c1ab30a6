"""The Markdown report: the summary with numbered citations, sources, facts and dropped text."""

from __future__ import annotations

from typing import Any

from storyweave.report.json import story_to_dict, web_link


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


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
    out: list[str] = [f"# {data['title']}", ""]
    out.append(f"*{len(data['articles'])} articles · story `{data['id']}` · "
               f"{data['summary']['words']} words*")
    out += ["", "## Summary", ""]
    notes: list[str] = []
    for s in data["summary"]["sentences"]:
        marks = []
        for c in s["citations"]:
            n = num[c["article"]]
            marks.append(f"[{n}.{c['sentence'] + 1}]")
            notes.append(f"- **[{n}.{c['sentence'] + 1}]** "
                         f"{sentences[c['article']][c['sentence']]}")
        flag = f"**⚠ not supported by its sources ({s['verification']}):** " \
            if s.get("verified") is False else ""
        out.append(f"{flag}{s['text']} {''.join(marks)}")
        out.append("")
    out += [f"*{line}*\n" for line in verification_lines(data)]
    out += ["## Sources", ""]
    for a in data["articles"]:
        date = f", {a['published'][:10]}" if a.get("published") else ""
        link = f" <{a['url']}>" if web_link(a.get("url")) else ""
        out.append(f"{num[a['id']]}. **{a['source']}**{date}: {a['title']}{link} "
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
        out += [f"- `{r['origin']}`: {r['reason']}" for r in data["rejected"]]
        out.append("")
    out += ["<details><summary>Dropped text ({} pieces)</summary>".format(len(data["dropped"])),
            ""]
    out += [f"- [{num.get(d['article'], '?')}] *{d['reason']}*: {_cell(d['text'])}"
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
            out.append(f"**[{n}] {g['source']}** ({len(g['facts'])})")
            out.append("")
            out += [f"- {_cell(f['text'])} [{n}.{f['sentence'] + 1}]" for f in g["facts"]]
            out.append("")
    if data.get("conflicts"):
        out += ["## Contradictions", ""]
        for c in data["conflicts"]:
            out.append(f"- **{c['about']}**")
            for k in c["claims"]:
                out.append(f"  - [{num.get(k['article'], '?')}.{k['sentence'] + 1}] "
                           f"**{k['value']}**: {_cell(k['text'])}")
        out.append("")
    if data.get("quotes"):
        out += ["## Quotes", ""]
        for q in data["quotes"]:
            who = q["speaker"] or "unknown speaker"
            out.append(f"- **{who}**: “{_cell(q['text'])}” {_refs(q['sources'], num)}")
        out.append("")
    if data.get("timeline"):
        out += ["## Timeline", ""]
        inferred = False
        for t in data["timeline"]:
            mark = "*" if t.get("reference_inferred") else ""
            inferred = inferred or bool(mark)
            out.append(f"- **{t['date']}**{mark} ({t['expression']}): {_cell(t['text'])} "
                       f"{_refs(t['sources'], num)}")
        if inferred:
            refs = [r for r in data.get("reference_dates", []) if r["how"] != "published"]
            how = "; ".join(f"[{num.get(r['article'], '?')}] {r['date'] or 'unknown'} "
                            f"({r['how']})" for r in refs)
            out += ["", "\\* resolved against a reference date inferred from the text, not "
                        f"from publication metadata: {how}."]
        out.append("")
    if data.get("entities"):
        out += ["## People, organisations and places", "",
                "| name | type | also written | outlets | mentions |", "|---|---|---|---|---|"]
        for e in data["entities"]:
            outlets = " ".join(f"[{num.get(a, '?')}]" for a in e["articles"])
            out.append(f"| {_cell(e['name'])} | {e['type']} | {_cell(', '.join(e['aliases']))} "
                       f"| {outlets} | {len(e['mentions'])} |")
        out.append("")
    return out
