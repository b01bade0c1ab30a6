"""A local news site for the feed tests: an RSS feed and article pages built at test time from
real AllSides articles (shared data, never copied into the project), served on 127.0.0.1."""

from __future__ import annotations

import html
import threading
import time
from collections import Counter
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from webdesk import allsides_records


class Site:
    def __init__(self, stories: int = 2, skip: int = 400) -> None:
        self.records = allsides_records(stories, skip=skip)
        self.version = 1
        self.hits: Counter[str] = Counter()
        self.times: list[tuple[str, float]] = []
        self.flaky_left = 1
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> Site:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def add_story(self, skip: int) -> None:
        self.records += allsides_records(1, skip=skip)
        self.version += 1

    def rss(self) -> bytes:
        items = []
        for r in self.records:
            first = r["text"].split(". ")[0] + "."
            items.append(
                f"<item><title>{html.escape(r['title'])}</title>"
                f"<link>{self.base}/a/{r['id']}.html</link><guid>{r['id']}</guid>"
                f"<source url=\"{self.base}/\">{html.escape(r['source'])}</source>"
                f"<description>{html.escape(first)}</description></item>")
        return ("<?xml version=\"1.0\" encoding=\"utf-8\"?><rss version=\"2.0\"><channel>"
                f"<title>Test desk</title><link>{self.base}/</link>"
                f"<description>AllSides articles</description>{''.join(items)}"
                "</channel></rss>").encode()

    def page(self, aid: str) -> bytes | None:
        for r in self.records:
            if r["id"] == aid:
                paras = "".join(f"<p>{html.escape(p)}</p>" for p in r["text"].split("\n")
                                if p.strip())
                return (f"<!doctype html><html><head><title>{html.escape(r['title'])}</title>"
                        "</head><body><nav><a href='/'>Home</a></nav><article>"
                        f"<h1>{html.escape(r['title'])}</h1>{paras}</article>"
                        "<footer>Test desk</footer></body></html>").encode()
        return None

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        site = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def send(self, status: int, body: bytes = b"", ctype: str = "text/html",
                     headers: dict[str, str] | None = None) -> None:
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", ctype)
                    self.send_header("Content-Length", str(len(body)))
                    for k, v in (headers or {}).items():
                        self.send_header(k, v)
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (the timeout test)

            def do_GET(self) -> None:  # noqa: N802 - the http.server API
                path = self.path
                site.hits[path] += 1
                site.times.append((path, time.monotonic()))
                if path in ("/feed.xml", "/slow.xml", "/flaky.xml"):
                    if path == "/slow.xml":
                        time.sleep(2.0)
                    if path == "/flaky.xml" and site.flaky_left:
                        site.flaky_left -= 1
                        self.send(503, b"busy")
                        return
                    etag = f'"v{site.version}"'
                    if self.headers.get("If-None-Match") == etag:
                        self.send(304, headers={"ETag": etag})
                        return
                    self.send(200, site.rss(), "application/rss+xml", {
                        "ETag": etag, "Last-Modified": formatdate(usegmt=True)})
                elif path == "/garbage.xml":
                    self.send(200, b"\x00\x1f\x8b garbage <html><p>not a feed", "text/xml")
                elif path.startswith("/a/") and path.endswith(".html"):
                    body = site.page(path[3:-5])
                    self.send(200 if body else 404, body or b"missing")
                else:
                    self.send(404, b"missing")

        return Handler
