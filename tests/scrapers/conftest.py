"""A real HTTP server on 127.0.0.1 serving a dict of routes, for crawler and client tests."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


@dataclass
class Route:
    """One canned response; `reset` closes the connection without answering."""

    body: bytes
    status: int = 200
    headers: dict[str, str] = field(
        default_factory=lambda: {"Content-Type": "text/html; charset=utf-8"}
    )
    reset: bool = False


@dataclass
class LoopbackSite:
    """The routes a test serves, and the requests the server saw (path, User-Agent).

    `requests` records (path, User-Agent); `seen` records (method, path, headers, body)."""

    base_url: str = ""
    routes: dict[str, Route] = field(default_factory=dict)
    requests: list[tuple[str, str]] = field(default_factory=list)
    seen: list[tuple[str, str, dict[str, str], bytes]] = field(default_factory=list)

    def url(self, path: str) -> str:
        return self.base_url + path

    def add(self, path: str, html: str | bytes, status: int = 200, **headers: str) -> None:
        body = html.encode("utf-8") if isinstance(html, str) else html
        route = Route(body, status)
        route.headers.update({name.replace("_", "-"): value for name, value in headers.items()})
        self.routes[path] = route

    def add_reset(self, path: str) -> None:
        """A path whose every request is dropped without an answer."""
        self.routes[path] = Route(b"", reset=True)

    @property
    def paths(self) -> list[str]:
        return [path for path, _ in self.requests]


def _handler_for(site: LoopbackSite) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            self._answer(b"")

        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            length = int(self.headers.get("Content-Length") or 0)
            self._answer(self.rfile.read(length))

        def _answer(self, body: bytes) -> None:
            site.requests.append((self.path, self.headers.get("User-Agent", "")))
            site.seen.append((self.command, self.path, dict(self.headers), body))
            route = site.routes.get(self.path, Route(b"<html><body>not found</body></html>", 404))
            if route.reset:
                self.close_connection = True
                return
            self.send_response(route.status)
            for name, value in route.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(route.body)))
            self.end_headers()
            self.wfile.write(route.body)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            """Keep test output quiet."""

    return Handler


@pytest.fixture
def loopback_site() -> Iterator[LoopbackSite]:
    """A LoopbackSite whose server runs in a thread for the duration of one test."""
    site = LoopbackSite()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(site))
    site.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
