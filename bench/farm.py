"""A loopback farm of news sites for the crawl benchmark, served from a child process.

Each host is its own loopback address (127.0.0.2, 127.0.0.3, …) with its own port, so the
client's throttle (keyed on host and port for loopback, see scrapers.fetch.site_key) sees
separate sites. Every answer waits a fixed latency first. List pages carry ETags and answer
If-None-Match with 304, like a well-behaved server. All text is invented.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PER_PAGE = 25
ROBOTS = b"User-agent: *\nAllow: /\n"


@dataclass(frozen=True)
class FarmPlan:
    """What the farm serves: hosts, columns per host, articles, latency and dates."""

    hosts: int
    columns_on_first_host: int
    articles: int
    latency: float
    newest: datetime
    days_between: float

    def columns(self) -> list[tuple[int, int]]:
        """(host index, column index) of every column."""
        first = [(0, c) for c in range(self.columns_on_first_host)]
        return first + [(h, 0) for h in range(1, self.hosts)]

    def articles_of(self, host: int, column: int) -> int:
        """Articles are spread evenly over hosts, then over the columns of a host."""
        per_host = self.articles // self.hosts + (host < self.articles % self.hosts)
        columns = self.columns_on_first_host if host == 0 else 1
        return per_host // columns + (column < per_host % columns)

    def published(self, index: int) -> datetime:
        return self.newest - timedelta(days=index * self.days_between)


def address_of(host: int) -> str:
    return f"127.0.0.{host + 2}"


def list_page(plan: FarmPlan, host: int, column: int, page: int) -> bytes | None:
    count = plan.articles_of(host, column)
    start = (page - 1) * PER_PAGE
    if page < 1 or start >= count:
        return None
    items = "".join(
        f'<li><a href="/c{column}/a{i}.html">稿件 {column}-{i}</a>'
        f"<span>{plan.published(i):%Y-%m-%d}</span></li>"
        for i in range(start, min(start + PER_PAGE, count))
    )
    more = f'<a class="next" href="/c{column}/index_{page + 1}.html">下一页</a>'
    pager = more if start + PER_PAGE < count else ""
    return f'<html><body><ul class="news">{items}</ul>{pager}</body></html>'.encode()


def article_page(plan: FarmPlan, column: int, index: int) -> bytes:
    when = plan.published(index)
    paragraphs = "".join(
        f"<p>示例正文：第{column}栏第{index}号稿件的第{n}段，描写长三角示范区的虚构进展，"
        "仅用于基准测试。</p>"
        for n in range(1, 7)
    )
    return (
        f"<html><head><meta charset='utf-8'><meta name='PubDate' content='{when:%Y-%m-%d %H:%M}'>"
        f"</head><body><h1>基准稿件 {column}-{index}</h1><div id='body'>{paragraphs}</div>"
        "</body></html>"
    ).encode()


def _route(plan: FarmPlan, host: int, path: str) -> bytes | None:
    if path == "/robots.txt":
        return ROBOTS
    parts = path.strip("/").split("/")
    if len(parts) != 2 or not parts[0].startswith("c") or not parts[0][1:].isdigit():
        return None
    column, name = int(parts[0][1:]), parts[1]
    if name == "index.html" or name.startswith("index_"):
        page = 1 if name == "index.html" else int(name[6:-5] or 0)
        return list_page(plan, host, column, page)
    if name.startswith("a") and name.endswith(".html") and name[1:-5].isdigit():
        index = int(name[1:-5])
        return article_page(plan, column, index) if index < plan.articles_of(host, column) else None
    return None


def _handler(plan: FarmPlan, host: int) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # else headers and body wait on delayed ACKs (40 ms)

        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            time.sleep(plan.latency)
            body = _route(plan, host, self.path)
            if body is None:
                self._answer(404, b"<html>not found</html>", {})
                return
            etag = '"' + hashlib.sha256(body).hexdigest()[:20] + '"'
            if self.headers.get("If-None-Match") == etag:
                self._answer(304, b"", {"ETag": etag})
                return
            self._answer(200, body, {"ETag": etag})

        def _answer(self, status: int, body: bytes, headers: dict[str, str]) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            """Quiet."""

    return Handler


def _serve(plan: FarmPlan, ports: multiprocessing.Queue, stop: multiprocessing.Event) -> None:
    """Child process: one threaded server per host; report the ports, serve until told."""
    servers = []
    for host in range(plan.hosts):
        server = ThreadingHTTPServer((address_of(host), 0), _handler(plan, host))
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
        servers.append(server)
    ports.put([server.server_address[1] for server in servers])
    stop.wait()
    for server in servers:
        server.shutdown()


class Farm:
    """Context manager: the farm runs in a child process so it takes no CPU from the crawler."""

    def __init__(self, plan: FarmPlan) -> None:
        self.plan = plan
        self.ports: list[int] = []
        context = multiprocessing.get_context("fork")
        self._ports_queue = context.Queue()
        self._stop = context.Event()
        self._process = context.Process(
            target=_serve, args=(plan, self._ports_queue, self._stop), daemon=True
        )

    def __enter__(self) -> Farm:
        self._process.start()
        self.ports = self._ports_queue.get(timeout=30)
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._process.join(timeout=10)
        if self._process.is_alive():
            self._process.terminate()

    def column_url(self, host: int, column: int) -> str:
        return f"http://{address_of(host)}:{self.ports[host]}/c{column}/index.html"
