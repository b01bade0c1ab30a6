"""The HTML report: one self-contained file (inline CSS, no scripts or network assets).

Each citation marker reveals the cited source sentence on hover or keyboard focus and links to
that sentence in the full article text further down, where it is highlighted when targeted.
"""

from __future__ import annotations

from html import escape
from typing import Any

from storyweave.report.json import story_to_dict, web_link
from storyweave.report.markdown import citation_numbers, verification_lines

CSS = """
:root{--ink:#1d232a;--muted:#5b6672;--line:#d9dee3;--accent:#1f5fa8;--soft:#eef4fb}
*{box-sizing:border-box}
body{font:17px/1.55 Georgia,'Times New Roman',serif;color:var(--ink);max-width:52rem;
margin:2rem auto;padding:0 1rem}
h1{font-size:1.8rem;line-height:1.25;margin-bottom:.2rem}
h2{font:600 1.05rem/1.3 system-ui,sans-serif;text-transform:uppercase;letter-spacing:.05em;
color:var(--muted);border-bottom:1px solid var(--line);padding-bottom:.3rem;margin-top:2.2rem}
.meta,.small{font:14px/1.4 system-ui,sans-serif;color:var(--muted)}
.summary p{margin:.6rem 0}
.cite{position:relative;font:600 11px system-ui,sans-serif;vertical-align:super;
color:var(--accent);text-decoration:none;padding:0 1px}
.cite .pop{display:none;position:absolute;left:0;top:1.4em;z-index:5;width:24rem;
max-width:80vw;background:#fff;border:1px solid var(--line);border-radius:6px;
box-shadow:0 4px 14px rgba(0,0,0,.12);padding:.6rem .7rem;
font:400 14px/1.45 system-ui,sans-serif;color:var(--ink);vertical-align:baseline}
.cite:hover .pop,.cite:focus .pop{display:block}
.pop b{display:block;color:var(--muted);font-size:12px;margin-bottom:.2rem}
table{border-collapse:collapse;width:100%;font:14px/1.4 system-ui,sans-serif}
th,td{border-bottom:1px solid var(--line);padding:.35rem .4rem;text-align:left;
vertical-align:top}
td.dot{text-align:center;color:var(--accent)}
ol.sources li{margin:.25rem 0;font:15px/1.45 system-ui,sans-serif}
details{margin:.6rem 0;font:14px/1.45 system-ui,sans-serif}
summary{cursor:pointer;color:var(--accent)}
.article p{margin:.4rem 0}
.article span:target{background:#fff3b0;outline:2px solid #f0c000}
.reason{color:var(--muted);font-style:italic}
.ref{font:600 11px system-ui,sans-serif;vertical-align:super;color:var(--accent);
text-decoration:none;padding:0 1px}
.claim{margin:.2rem 0 .2rem 1rem}.val{font-weight:600;color:#a33}
.tl td:first-child{white-space:nowrap;font-variant-numeric:tabular-nums}
.unverified{background:#fff4e5;border-left:3px solid #c25e00;padding-left:.5rem}
.flag{font:600 12px system-ui,sans-serif;color:#a34700}
.tag{display:inline-block;background:var(--soft);border-radius:4px;padding:0 .35rem;
font-size:12px;color:var(--accent)}
"""


def _anchor(article_no: int, sentence: int) -> str:
    return f"a{article_no}-s{sentence + 1}"


def render_html(story: Any) -> str:
    data = story if isinstance(story, dict) else story_to_dict(story)
    num = citation_numbers(data)
    by_id = {a["id"]: a for a in data["articles"]}
    e = escape
    parts: list[str] = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{e(data['title'])} · storyweave</title>",
        f"<style>{CSS}</style></head><body>",
        f"<h1>{e(data['title'])}</h1>",
        f'<p class="meta">Woven from {len(data["articles"])} articles by '
        f'{e(", ".join(dict.fromkeys(a["source"] for a in data["articles"])))} · '
        f'story <code>{e(data["id"])}</code> · {data["summary"]["words"]} words</p>',
        "<h2>Summary</h2>",
        '<div class="summary">',
    ]
    for s in data["summary"]["sentences"]:
        marks = []
        for c in s["citations"]:
            n = num[c["article"]]
            art = by_id[c["article"]]
            text = art["sentences"][c["sentence"]]
            label = f"{n}.{c['sentence'] + 1}"
            marks.append(
                f'<a class="cite" href="#{_anchor(n, c["sentence"])}" '
                f'aria-label="source {label}: {e(art["source"])}">[{label}]'
                f'<span class="pop"><b>{e(art["source"])} · sentence {c["sentence"] + 1}</b>'
                f"{e(text)}</span></a>"
            )
        if s.get("verified") is False:
            parts.append(f'<p class="unverified"><span class="flag" title="'
                         f'{e(s.get("verification") or "")}">⚠ not supported by its sources '
                         f'({e(s.get("verification") or "")}):</span> '
                         f"{e(s['text'])}{''.join(marks)}</p>")
        else:
            parts.append(f"<p>{e(s['text'])}{''.join(marks)}</p>")
    parts.append("</div>")
    parts += [f'<p class="small">{e(line)}</p>' for line in verification_lines(data)]

    parts.append("<h2>Sources</h2><ol class=\"sources\">")
    for a in data["articles"]:
        date = f" · {e(a['published'][:10])}" if a.get("published") else ""
        title = e(a["title"] or "(untitled)")
        if web_link(a.get("url")):  # never a javascript: or data: link from the input
            title = f'<a href="{e(a["url"])}">{title}</a>'
        inferred = ' <span class="tag">name inferred</span>' if a.get("source_inferred") else ""
        parts.append(f"<li><b>{e(a['source'])}</b>{inferred}{date}: {title} "
                     f'<span class="small">({a["words"]} words)</span></li>')
    parts.append("</ol>")

    shared = [f for f in data["facts"] if f["support"] > 1]
    parts.append(f"<h2>Facts reported by several outlets ({len(shared)})</h2>")
    if shared:
        head = "".join(f'<th title="{e(a["source"])}">{num[a["id"]]}</th>'
                       for a in data["articles"])
        parts.append(f"<table><thead><tr><th>fact</th>{head}</tr></thead><tbody>")
        for f in shared:
            cells = "".join(
                f'<td class="dot">{"●" if a["id"] in f["articles"] else ""}</td>'
                for a in data["articles"]
            )
            parts.append(f"<tr><td>{e(f['text'])}</td>{cells}</tr>")
        parts.append("</tbody></table>")
    else:
        parts.append('<p class="small">No fact is reported by more than one outlet.</p>')

    parts += cross_source_html(data, num)

    parts.append("<h2>Articles</h2>")
    for a in data["articles"]:
        n = num[a["id"]]
        parts.append(f'<details class="article"><summary>[{n}] {e(a["source"])}: '
                     f"{e(a['title'] or '(untitled)')}</summary>")
        sents = "".join(f'<span id="{_anchor(n, i)}">{e(t)}</span> '
                        for i, t in enumerate(a["sentences"]))
        parts.append(f"<p>{sents}</p></details>")

    if data["rejected"]:
        parts.append(f"<h2>Rejected inputs ({len(data['rejected'])})</h2><ul>")
        parts += [f"<li><code>{e(r['origin'])}</code>: {e(r['reason'])}</li>"
                  for r in data["rejected"]]
        parts.append("</ul>")

    parts.append(f"<details><summary>Dropped text ({len(data['dropped'])} pieces)</summary>"
                 "<table><thead><tr><th>#</th><th>text</th><th>reason</th></tr></thead><tbody>")
    for d in data["dropped"]:
        parts.append(f"<tr><td>{num.get(d['article'], '?')}</td><td>{e(d['text'])}</td>"
                     f'<td class="reason">{e(d["reason"])}</td></tr>')
    parts.append("</tbody></table></details>")
    made = "written by a language model and checked against" \
        if data["summary"].get("method", "extractive") != "extractive" else "taken from"
    parts.append(f'<p class="small">Made by storyweave. Every summary sentence is {made} the '
                 "articles; markers [n.m] cite sentence m of source n.</p>")
    parts.append("</body></html>")
    return "\n".join(parts)


def _marks(items: list[dict[str, Any]], num: dict[str, int]) -> str:
    """Linked citation marks for {article, sentence} items, each once."""
    seen = dict.fromkeys((num.get(i["article"], 0), i["sentence"]) for i in items)
    return "".join(f'<a class="ref" href="#{_anchor(n, k)}">[{n}.{k + 1}]</a>'
                   for n, k in seen)


def cross_source_html(data: dict[str, Any], num: dict[str, int]) -> list[str]:
    """Exclusives per outlet, contradictions, quotes, timeline and entities."""
    e = escape
    parts: list[str] = []
    groups = [g for g in data.get("exclusives", []) if g["facts"]]
    if groups:
        total = sum(len(g["facts"]) for g in groups)
        parts.append(f"<h2>Reported by one outlet only ({total})</h2>")
        for g in groups:
            n = num.get(g["article"], 0)
            parts.append(f"<details><summary>[{n}] {e(g['source'])} ({len(g['facts'])})"
                         "</summary><ul>")
            for f in g["facts"]:
                ref = {"article": g["article"], "sentence": f["sentence"]}
                parts.append(f"<li>{e(f['text'])}{_marks([ref], num)}</li>")
            parts.append("</ul></details>")
    if data.get("conflicts"):
        parts.append(f"<h2>Contradictions ({len(data['conflicts'])})</h2>")
        for c in data["conflicts"]:
            parts.append(f"<p><b>{e(c['about'])}</b></p>")
            for k in c["claims"]:
                parts.append(f'<p class="claim"><span class="val">{e(k["value"])}</span>: '
                             f"{e(k['text'])}{_marks([k], num)}</p>")
    if data.get("quotes"):
        parts.append(f"<h2>Quotes ({len(data['quotes'])})</h2><ul>")
        for q in data["quotes"]:
            who = e(q["speaker"]) if q["speaker"] else '<span class="reason">unknown</span>'
            parts.append(f"<li><b>{who}</b>: “{e(q['text'])}”{_marks(q['sources'], num)}</li>")
        parts.append("</ul>")
    if data.get("timeline"):
        parts.append('<h2>Timeline</h2><table class="tl"><thead><tr><th>date</th><th>as written'
                     "</th><th>event</th></tr></thead><tbody>")
        for t in data["timeline"]:
            star = (' <span class="tag" title="reference date inferred from the text">'
                    "inferred</span>") if t.get("reference_inferred") else ""
            parts.append(f"<tr><td>{e(t['date'])}{star}</td><td>{e(t['expression'])}</td>"
                         f"<td>{e(t['text'])}{_marks(t['sources'], num)}</td></tr>")
        parts.append("</tbody></table>")
        refs = [r for r in data.get("reference_dates", []) if r["how"] != "published"]
        if refs:
            parts.append('<p class="small">Reference dates not from metadata: ' + "; ".join(
                f"[{num.get(r['article'], '?')}] {e(r['date'] or 'unknown')} ({e(r['how'])})"
                for r in refs) + ".</p>")
    if data.get("entities"):
        parts.append(f"<h2>People, organisations and places ({len(data['entities'])})</h2>"
                     "<table><thead><tr><th>name</th><th>type</th><th>also written</th>"
                     "<th>outlets</th><th>mentions</th></tr></thead><tbody>")
        for ent in data["entities"]:
            outlets = " ".join(f"[{num.get(a, '?')}]" for a in ent["articles"])
            parts.append(f"<tr><td>{e(ent['name'])}</td><td>{e(ent['type'])}</td>"
                         f"<td>{e(', '.join(ent['aliases']))}</td><td>{outlets}</td>"
                         f"<td>{len(ent['mentions'])}</td></tr>")
        parts.append("</tbody></table>")
    return parts

