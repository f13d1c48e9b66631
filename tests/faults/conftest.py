"""Fixtures for the fault tests: scripted sites on 127.0.0.1 and, as "another host", 127.0.0.2."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import ThreadingHTTPServer

import pytest
from faultsite import FaultSite, handler_for


@pytest.fixture
def serve_site() -> Iterator:
    """Start FaultSites on given loopback addresses; all are stopped after the test."""
    servers: list[tuple[ThreadingHTTPServer, threading.Thread]] = []

    def start(address: str = "127.0.0.1") -> FaultSite:
        site = FaultSite()
        server = ThreadingHTTPServer((address, 0), handler_for(site))
        server.daemon_threads = True
        site.base_url = f"http://{address}:{server.server_address[1]}"
        thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
        thread.start()
        servers.append((server, thread))
        return site

    yield start
    for server, thread in servers:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def site(serve_site) -> FaultSite:
    """The column under test on 127.0.0.1, with two healthy articles already listed."""
    column = serve_site("127.0.0.1")
    column.add_article("/news/ok1.html", 1)
    column.add_article("/news/ok2.html", 2)
    return column


@pytest.fixture
def other_host(serve_site) -> FaultSite:
    """Another host (127.0.0.2) that a crawl of `site` must never touch."""
    return serve_site("127.0.0.2")
