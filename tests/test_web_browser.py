"""The desk in a real browser: Debian's chromium driven by Playwright, against a live server
on 127.0.0.1 over a store of real articles. Set STORYWEAVE_SCREENSHOTS=DIR to save the front
and story pages as PNGs (docs/screenshots/ holds the ones the README shows)."""

from __future__ import annotations

import os
import socket
import threading
import time
from pathlib import Path

import pytest
from webdesk import ALLSIDES, EXAMPLE, allsides_records, build_store

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium missing "
                       "(apt-get install chromium)"),
    pytest.mark.skipif(not (EXAMPLE.is_dir() and ALLSIDES.is_file()),
                       reason="../shared data missing"),
]
# attack strings carried by real articles' fields (the articles themselves are AllSides')
SCRIPT = "<script>window.__pwned = 1</script>"
ONERROR = '<img src=x onerror="window.__pwned = 2">'
JS_URL = "javascript:window.__pwned = 3"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory, pipeline):
    import uvicorn

    from storyweave.web import create_app

    db = tmp_path_factory.mktemp("browser") / "stories.db"
    info = build_store(db, pipeline, reports=2)
    port = free_port()
    app = create_app(db, reports=False, pipeline=pipeline)
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    t = threading.Thread(target=srv.run, daemon=True)
    t.start()
    deadline = time.monotonic() + 30
    while not srv.started and time.monotonic() < deadline:
        time.sleep(0.05)
    info["base"] = f"http://127.0.0.1:{port}"
    info["db"] = db
    yield info
    srv.should_exit = True
    t.join(timeout=10)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    ctx = browser.new_context(viewport={"width": 1200, "height": 900})
    pg = ctx.new_page()
    pg.errors = []
    pg.on("console", lambda m: pg.errors.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))
    yield pg
    ctx.close()


def shoot(pg, name: str) -> None:
    out = os.environ.get("STORYWEAVE_SCREENSHOTS")
    if out:
        Path(out).mkdir(parents=True, exist_ok=True)
        pg.screenshot(path=str(Path(out) / name))


def test_front_to_story_hover_and_click_a_citation(server, page):
    page.goto(server["base"] + "/?window=all")
    shoot(page, "front.png")
    sid = server["example_story"]
    page.click(f"a[href$='/stories/{sid}']")
    page.wait_for_url(f"**/stories/{sid}")
    assert page.locator("section.summary .ss").count() >= 1
    cite = page.locator("section.summary a.cite").first
    target_id = cite.get_attribute("data-cite")
    cited = page.locator(f"#{target_id}").inner_text()
    cite.hover()
    tip = page.locator("#cite-tip")
    tip.wait_for(state="visible")
    assert cited.split(None, 1)[1][:60] in tip.inner_text()
    shoot(page, "story.png")
    cite.click()
    assert page.url.endswith("#" + target_id)
    assert "flash" in (page.locator(f"#{target_id}").get_attribute("class") or "")
    assert page.evaluate("document.activeElement.id") == target_id
    # outlet names head the facts grid
    heads = page.locator("table.grid thead th").all_inner_texts()[1:]
    assert "Daily Caller" in heads or "Newsweek" in heads
    assert page.errors == []


def test_search_and_entity_and_outlet_pages(server, page):
    page.goto(server["base"] + "/")
    page.fill("header input[name=q]", '"Kim Jong"')
    page.press("header input[name=q]", "Enter")
    page.wait_for_url("**/search?q=*")
    assert page.locator(f"a[href$='/stories/{server['example_story']}']").count() >= 1
    assert page.locator(".hits mark").count() >= 1
    page.goto(server["base"] + f"/stories/{server['example_story']}")
    page.locator("p.entities a.ent").first.click()
    page.wait_for_url("**/entities/**")
    assert page.locator(".card").count() >= 1
    page.goto(server["base"] + "/entities")
    page.locator("ul.outlets a").first.click()
    page.wait_for_url("**/outlets/**")
    assert "first to report" in page.locator(".sub").inner_text()
    assert page.errors == []


def test_add_form_ingests_and_reports_what_was_known(server, page):
    rec = allsides_records(1, skip=600)[0]
    for expect in ("1 new", "1 already known"):
        page.goto(server["base"] + "/add")
        page.fill("input[name=title]", rec["title"])
        page.fill("input[name=source]", rec["source"])
        page.fill("textarea[name=text]", rec["text"])
        page.click("form.add button[type=submit]")
        page.wait_for_selector("section.outcomes")
        assert expect in page.locator("section.outcomes").inner_text()
    page.locator("section.outcomes a").first.click()
    assert rec["title"] in page.locator("main").inner_text()
    assert page.errors == []


def test_story_page_works_without_javascript(server, browser):
    ctx = browser.new_context(java_script_enabled=False)
    pg = ctx.new_page()
    pg.goto(server["base"] + f"/stories/{server['example_story']}")
    cite = pg.locator("section.summary a.cite").first
    target = cite.get_attribute("href")
    assert cite.get_attribute("title")  # the cited sentence, shown by the browser itself
    cite.click()
    assert pg.url.endswith(target)
    assert pg.locator("#cite-tip").count() == 0
    assert pg.locator("table.grid").count() == 1
    ctx.close()


def hostile_story(db, pipeline) -> tuple[str, list[dict]]:
    """Real AllSides articles whose title, text, link and outlet carry attack strings."""
    from storyweave.ingest import records_to_articles
    from storyweave.store import Store
    from storyweave.stream import StreamIngestor, story_report

    hostile = allsides_records(1, skip=500)
    for n, r in enumerate(hostile):
        r["title"] = f"{r['title']} {SCRIPT}"
        r["text"] = r["text"].replace(". ", f". {ONERROR} ", 1) if n == 0 else \
            f"{r['text']}\n\n{SCRIPT}"
        r["url"] = JS_URL
        r["source"] = f"{r['source']} \"><script>window.__pwned=4</script>"
    with Store(db) as store:
        arts = records_to_articles([(f"x{i}", r) for i, r in enumerate(hostile)], "x").articles
        sid = StreamIngestor(store).add_batch(arts)[0].story
        story_report(store, sid, pipeline=pipeline)
    return sid, hostile


def test_hostile_article_text_executes_nothing(server, page, pipeline):
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    sid, hostile = hostile_story(server["db"], pipeline)
    for path in ("/?window=all", f"/stories/{sid}", "/search?q=pwned",
                 "/entities", "/api/v1/docs"):
        page.goto(server["base"] + path)
        assert page.evaluate("window.__pwned") is None, path
        assert page.locator("a[href^='javascript:']").count() == 0, path
        assert page.locator("main script, main img[onerror]").count() == 0, path
    page.goto(server["base"] + f"/stories/{sid}")
    text = page.locator("main").inner_text()
    assert "<script>" in text  # shown as text, not run
    assert dialogs == [] and page.errors == []
    outlet = hostile[0]["source"]
    from urllib.parse import quote

    page.goto(server["base"] + "/outlets/" + quote(outlet, safe=""))
    assert page.evaluate("window.__pwned") is None
    assert outlet in page.locator("h1").inner_text()


def test_story_page_refreshes_itself_when_its_account_is_ready(server, page, pipeline):
    from storyweave.store import Store
    from storyweave.stream import story_report

    sid = server["unreported"][0]
    page.goto(server["base"] + f"/stories/{sid}")
    assert page.locator("#pending").is_visible()
    assert page.locator("section.summary").count() == 0
    # no report yet, so no "updated" part: the metadata line must not end in a separator
    assert not page.locator("p.meta").first.inner_text().strip().endswith("·")
    with Store(server["db"]) as store:  # what the server's report thread would do
        story_report(store, sid, pipeline=pipeline)
    page.wait_for_selector("section.summary", timeout=20000)
    assert page.locator("#pending").count() == 0
    assert page.errors == []
