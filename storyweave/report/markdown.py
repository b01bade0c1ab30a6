"""The Markdown report: the summary with numbered citations, sources, facts and dropped text."""

from __future__ import annotations

from typing import Any

from storyweave.report.json import story_to_dict


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def citation_numbers(data: dict[str, Any]) -> dict[str, int]:
    """Articles numbered [1], [2], ... in the order the report lists them."""
    return {a["id"]: n for n, a in enumerate(data["articles"], start=1)}


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
        out.append(f"{s['text']} {''.join(marks)}")
        out.append("")
    out += ["## Sources", ""]
    for a in data["articles"]:
        date = f", {a['published'][:10]}" if a.get("published") else ""
        link = f" <{a['url']}>" if a.get("url") else ""
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
    exclusive = [f for f in data["facts"] if f.get("exclusive")]
    out += ["", f"{len(exclusive)} further facts are reported by one outlet only "
            "(see the JSON report).", ""]
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
