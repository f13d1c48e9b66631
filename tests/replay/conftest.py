"""A tiny "live" government site on loopback, for recording and replaying it."""

from __future__ import annotations

import gzip
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

LIST_PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>要闻</title></head>
<body><ul class="list">
<li><a href="/news/20240801/a1.html">示范区公交线路再添新线</a><span>2024-08-01</span></li>
<li><a href="/news/20240802/a2.html">Delta data hub opens a shared lab</a>
<span>2024-08-02</span></li>
</ul></body></html>"""

ARTICLE = """<!DOCTYPE html><html><head><meta charset="utf-8">
<meta name="ArticleTitle" content="{title}"><meta name="PubDate" content="{date}">
<meta name="ContentSource" content="本网"><title>{title}</title></head>
<body><div class="crumb">当前位置：首页 &gt; 要闻</div><h1>{title}</h1>
<div id="ivs_content"><p>{text}</p><p>{text2}</p></div>
<div class="footer">主办单位：示范办公室</div></body></html>"""

PAGES = {
    "/news/index.html": LIST_PAGE,
    "/news/20240801/a1.html": ARTICLE.format(
        title="示范区公交线路再添新线",
        date="2024-08-01 09:30",
        text="本网讯 示范区今天开通第十二条跨省公交线路，连接两地三个镇的换乘枢纽。",
        text2="运营单位表示，新线路每二十分钟一班，沿线居民可刷同一张交通卡乘车。",
    ),
    "/news/20240802/a2.html": ARTICLE.format(
        title="Delta data hub opens a shared lab",
        date="2024-08-02 16:05",
        text="A shared data laboratory opened in the demonstration zone this week for researchers.",
        text2="Teams from the three provinces will book time on its computing cluster online.",
    ),
}


@dataclass
class Site:
    """A running loopback site: its base URL and the paths it was asked for."""

    url: str
    hits: list[str] = field(default_factory=list)


def _handler(site: Site, pages: dict[str, str]):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # noqa: N802
            site.hits.append(self.path)
            if self.path == "/moved.html":
                self._send(301, b"", {"Location": "/news/index.html"})
            elif self.path in pages:
                body = gzip.compress(pages[self.path].encode("utf-8"), mtime=0)
                self._send(200, body, {"Content-Type": "text/html", "Content-Encoding": "gzip"})
            else:
                self._send(404, b"<html><body>not here</body></html>", {})

        def do_POST(self) -> None:  # noqa: N802
            length = int(self.headers.get("Content-Length") or 0)
            form = self.rfile.read(length)
            site.hits.append(f"POST {self.path} {form.decode()}")
            self._send(200, b"<datastore>" + form + b"</datastore>", {"Content-Type": "text/xml"})

        def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

    return Handler


@pytest.fixture()
def live_site() -> Iterator[Site]:
    """The site above, served gzip-encoded (as real servers do) on a free loopback port."""
    site = Site(url="")
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(site, PAGES))
    httpd.daemon_threads = True
    site.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield site
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=5)


@pytest.fixture()
def sources_file(live_site: Site, tmp_path) -> Path:
    """A source file for the loopback site (loopback start URLs are allowed to be crawled)."""
    path = tmp_path / "sources.toml"
    path.write_text(_SOURCE_TOML.replace("SITE", live_site.url), encoding="utf-8")
    return path


_SOURCE_TOML = """
[[source]]
id = "loop-news"
name = "Loopback news"
region = "other"
language = "zh"
start_urls = ["SITE/news/index.html"]
delay_seconds = 0
max_pages = 1

[source.list]
links = "ul.list li a[href]"

[source.article]
body = "#ivs_content"
"""
