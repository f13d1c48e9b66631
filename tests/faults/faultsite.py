"""Misbehaving HTTP servers on loopback, a crawl against them, and a load into a fresh warehouse.

Each fault test serves a small news column (list page + healthy articles + one faulty URL) from
a real server on 127.0.0.1, crawls it through the real client, then loads the result into a
new DuckDB warehouse: the faulty URL must be named in the fetch log and the healthy articles
must be in `releases`. A second server on 127.0.0.2 plays "another host". Sleeps are patched
(the client's sleep only records); only the slow-response case waits, for a fraction of a second.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path

from scrapers.crawl import crawl_source
from scrapers.fetch import PoliteClient
from scrapers.models import Source, SourceResult
from scrapers.registry import parse_sources
from warehouse import db, load

NOW = datetime(2024, 9, 2, 1, 0, tzinfo=UTC)
HTML = {"Content-Type": "text/html; charset=utf-8"}


@dataclass
class Reply:
    """One scripted answer. Several replies for a path are served in order, the last repeats."""

    body: bytes = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=lambda: dict(HTML))
    delay: float = 0.0  # seconds before answering
    reset: bool = False  # drop the connection with a TCP reset, no answer
    declared_length: int | None = None  # claim this Content-Length (truncated bodies)
    stream_bytes: int = 0  # send this many filler bytes, no Content-Length (huge bodies)


@dataclass
class FaultSite:
    """A scripted site: routes, the paths it was asked for, and helpers to build a column."""

    base_url: str = ""
    routes: dict[str, list[Reply]] = field(default_factory=dict)
    hits: Counter[str] = field(default_factory=Counter)
    listed: list[str] = field(default_factory=list)

    def url(self, path: str) -> str:
        return self.base_url + path

    def add(self, path: str, *replies: Reply) -> None:
        self.routes[path] = list(replies)

    def add_article(self, path: str, number: int, listed: bool = True) -> None:
        self.add(path, Reply(article_html(number)))
        if listed:
            self.listed.append(path)

    def list_too(self, href: str) -> None:
        self.listed.append(href)

    def publish_list(self) -> None:
        items = "".join(
            f'<li><a href="{href}">示例稿件 {n}</a><span>2024-08-{n % 28 + 1:02d}</span></li>'
            for n, href in enumerate(self.listed, 1)
        )
        page = f'<html><body><ul class="news">{items}</ul></body></html>'
        self.add("/news/index.html", Reply(page.encode()))

    def next_reply(self, path: str) -> Reply | None:
        replies = self.routes.get(path)
        if not replies:
            return None
        return replies.pop(0) if len(replies) > 1 else replies[0]


def article_html(number: int) -> bytes:
    """An invented article with enough body text to be extracted."""
    text = (
        f"<html><head><meta charset='utf-8'><meta name='PubDate' content='2024-08-{number:02d} "
        f"09:00'></head><body><h1>示例标题第{number}号</h1><div id='body'><p>示例正文：这是第"
        f"{number}号编写的测试稿件，讲述长三角一体化示范区的虚构进展，用于检验抓取程序。</p>"
        "<p>第二段文字同样是为测试而编写的内容，并非真实新闻。</p></div></body></html>"
    )
    return text.encode("utf-8")


def handler_for(site: FaultSite) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            site.hits[self.path] += 1
            reply = site.next_reply(self.path) or Reply(b"<html>not found</html>", 404)
            time.sleep(reply.delay)
            if reply.reset:
                self._reset()
                return
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self._send(reply)  # a client that stops reading is what a size cap does

        def _reset(self) -> None:
            linger = struct.pack("ii", 1, 0)
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)
            self.close_connection = True

        def _send(self, reply: Reply) -> None:
            self.send_response(reply.status)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            if not reply.stream_bytes:
                length = reply.declared_length or len(reply.body)
                self.send_header("Content-Length", str(length))
            self.end_headers()
            self.wfile.write(reply.body)
            self._stream_filler(reply.stream_bytes)

        def _stream_filler(self, total: int) -> None:
            chunk = b"<p>" + b"x" * 65_530 + b"</p>"
            sent = 0
            while sent < total:
                self.wfile.write(chunk)
                sent += len(chunk)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            """Keep test output quiet."""

    return Handler


def column_source(site: FaultSite) -> Source:
    text = f"""
[[source]]
id = "faulty"
name = "A faulty column"
region = "other"
language = "zh"
start_urls = ["{site.url("/news/index.html")}"]
delay_seconds = 0.0

[source.list]
links = "ul.news li a"

[source.article]
title = "h1"
body = "#body"
"""
    return parse_sources(text, "faults.toml")[0]


class SleepLog:
    """The client's sleep, patched: it records and returns at once."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@dataclass
class Outcome:
    """What one crawl did, and what a fresh warehouse holds after loading it."""

    result: SourceResult
    sleeps: list[float]
    loaded_urls: set[str]

    def outcome_of(self, url: str) -> tuple[str, str | None]:
        records = [r for r in self.result.fetches if r.url == url]
        assert records, f"no fetch record for {url}"
        return records[-1].outcome, records[-1].error


def crawl_and_load(site: FaultSite, tmp_path: Path, **client_options) -> Outcome:
    """Publish the column's list page, crawl it, load the result into a new warehouse."""
    site.publish_list()
    source = column_source(site)
    sleeps = SleepLog()
    options = {"timeout": 2.0, "sleep": sleeps} | client_options

    async def run() -> SourceResult:
        async with PoliteClient(**options) as client:
            return await crawl_source(source, client, set(), now=lambda: NOW)

    result = asyncio.run(run())
    return Outcome(result, sleeps.waits, _load(tmp_path / "faults.duckdb", source, result))


def _load(path: Path, source: Source, result: SourceResult) -> set[str]:
    con = db.connect(path)
    try:
        load.start_run(con, "fault-run", "live", NOW, 1)
        load.upsert_sources(con, [source])
        load.load_source_result(con, "fault-run", result)
        return {row[0] for row in con.execute("SELECT url FROM releases").fetchall()}
    finally:
        con.close()
