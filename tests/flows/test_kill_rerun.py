"""Nothing lost, nothing twice: SIGKILL a monitor run at several points, rerun, compare.

A small invented news site (three sources, own text) is served on loopback. The reference is
one uninterrupted run on a fresh warehouse. Each case runs the monitor flow in a child process
that is killed with SIGKILL — by the test when the site sees its Nth request (mid-crawl), or by
the child itself inside its Kth write transaction before COMMIT, or between writing the snapshot
and renaming it — then reruns on the same warehouse and compares every stored row that does
not name a run or a clock with the reference.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import duckdb
import pytest

ROOT = Path(__file__).resolve().parents[2]

ARTICLES = {
    "a": [
        (
            "Yangtze River Delta intercity railway opens a new line",
            "The Shanghai-Suzhou-Nantong railway joins the Yangtze River Delta rail network. "
            "Trains between Shanghai and Nantong now take one hour. "
            "The intercity railway was part of the delta's integration plan.",
        ),
        (
            "Delta provinces sign a power grid interconnection deal",
            "Shanghai, Jiangsu, Zhejiang and Anhui agreed on grid interconnection and mutual "
            "assistance in energy supply across the Yangtze River Delta. "
            "New transmission lines will carry power between the provinces.",
        ),
        (
            "City library extends its opening hours",
            "The municipal library will open until nine in the evening on weekdays. "
            "Readers welcomed the change.",
        ),
        (
            "G60 Science and Technology Innovation Corridor adds laboratories",
            "Nine cities on the G60 Science and Technology Innovation Corridor opened shared "
            "laboratories as part of Yangtze River Delta integration. "
            "The corridor links research institutes across the delta.",
        ),
    ],
    "b": [
        (
            "Yangtze River Delta patients settle medical expenses across provinces",
            "Direct settlement of outpatient medical expenses now covers every city of the "
            "Yangtze River Delta. Social security cards work in hospitals across the three "
            "provinces and Shanghai.",
        ),
        (
            "Joint environmental protection for Taihu water quality",
            "Jiangsu, Zhejiang and Shanghai set up joint prevention and control of water "
            "pollution in the Taihu river basin, an integration project of the Yangtze River "
            "Delta. Water quality will be published monthly.",
        ),
        (
            "Weather service warns of heavy rain",
            "Heavy rain is expected over the weekend. Residents should avoid low-lying roads.",
        ),
    ],
    "c": [
        (
            "5G network covers the Yangtze River Delta demonstration zone",
            "Operators finished 5G coverage of the ecological green integrated development "
            "demonstration zone of Qingpu, Wujiang and Jiashan. Big data centers of the Yangtze "
            "River Delta will share computing power.",
        ),
        (
            "Yangtze River Delta joint office holds its annual meeting",
            "The Yangtze River Delta regional cooperation office met in Shanghai to review the "
            "three-year action plan with Jiangsu, Zhejiang and Anhui. The joint meeting agreed "
            "on a to-do list for the coming year.",
        ),
        (
            "Night market reopens downtown",
            "The night market reopened with forty stalls selling snacks and crafts.",
        ),
    ],
}


def _list_page(section: str) -> bytes:
    items = "".join(
        f'<li><a href="/{section}/art{n}.html">{title}</a></li>'
        for n, (title, _) in enumerate(ARTICLES[section], start=1)
    )
    return f"<html><body><ul class='news'>{items}</ul></body></html>".encode()


def _article_page(section: str, number: int) -> bytes:
    title, body = ARTICLES[section][number - 1]
    paragraphs = "".join(f"<p>{sentence.strip()}.</p>" for sentence in body.split(". ") if sentence)
    day = 10 + number
    return (
        f"<html><head><title>{title}</title></head><body><h1 class='title'>{title}</h1>"
        f"<span class='date'>2024-03-{day:02d}</span><div class='content'>{paragraphs}</div>"
        "</body></html>"
    ).encode()


def site_pages() -> dict[str, bytes]:
    pages = {}
    for section, articles in ARTICLES.items():
        pages[f"/{section}/index.html"] = _list_page(section)
        for number in range(1, len(articles) + 1):
            pages[f"/{section}/art{number}.html"] = _article_page(section, number)
    return pages


class Site:
    """The invented site on 127.0.0.1; `on_request(n)` is called with each request's number."""

    def __init__(self) -> None:
        self.pages = site_pages()
        self.requests = 0
        self.on_request = lambda number: None
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def count(self) -> int:
        with self._lock:
            self.requests += 1
            return self.requests

    def _handler(self):
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server naming
                site.on_request(site.count())
                body = site.pages.get(self.path.split("?")[0])
                self.send_response(200 if body else 404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body or b"")))
                self.end_headers()
                self.wfile.write(body or b"")

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                return

        return Handler


def sources_toml(base: str) -> str:
    blocks = []
    for section in ARTICLES:
        blocks.append(
            f"""[[source]]
id = "site-{section}"
name = "Invented site {section}"
region = "shanghai"
language = "en"
start_urls = ["{base}/{section}/index.html"]
delay_seconds = 0.0
max_pages = 1

[source.list]
links = "ul.news li a"

[source.article]
title = "h1.title"
date = "span.date"
body = "div.content"
"""
        )
    return "\n".join(blocks)


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    served = Site()
    served.thread.start()
    yield served
    served.server.shutdown()
    served.server.server_close()


@pytest.fixture(scope="module")
def sources_file(site: Site, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("sources") / "sources.toml"
    path.write_text(sources_toml(site.base), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def api_url(prefect_server) -> str:
    """The session's Prefect test server, so child processes need not start their own."""
    from prefect.settings import PREFECT_API_URL

    return PREFECT_API_URL.value()


def run_in_process(sources_file: Path, db_path: Path):
    from flows.monitor import monitor

    return asyncio.run(monitor(sources_file=str(sources_file), db_path=str(db_path), mode="live"))


# The child: run the monitor flow; optionally SIGKILL itself at a chosen write.
CHILD = r"""
import asyncio, contextlib, json, os, signal, sys
sys.path.insert(0, sys.argv[1])
cfg = json.loads(sys.argv[2])
from warehouse import db, linking, load, snapshot

def die():
    os.kill(os.getpid(), signal.SIGKILL)

def die_on_call(module, name, number):
    real, calls = getattr(module, name), {"n": 0}
    def wrapper(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == number:
            die()
        return real(*args, **kwargs)
    setattr(module, name, wrapper)

if cfg.get("kill_in_load"):  # inside a source's load transaction, releases written, no COMMIT
    die_on_call(load, "_upsert_source_run", cfg["kill_in_load"])

if cfg.get("kill_in_link"):  # inside the Nth link transaction, before its COMMIT
    real, seen = linking.transaction, {"n": 0}
    @contextlib.contextmanager
    def killing_transaction(con):
        with real(con) as inner:
            yield inner
            seen["n"] += 1
            if seen["n"] == cfg["kill_in_link"]:
                die()
    linking.transaction = killing_transaction

if cfg.get("kill_before_snapshot_rename"):  # the snapshot copy is written, not yet renamed
    real_replace = snapshot.os.replace
    def killing_replace(src, dst, *a, **k):
        if str(dst).endswith("-latest.duckdb"):
            die()
        return real_replace(src, dst, *a, **k)
    snapshot.os.replace = killing_replace

from flows.monitor import monitor
asyncio.run(monitor(sources_file=cfg["sources"], db_path=cfg["db"], mode="live"))
print("finished", flush=True)
"""


def run_child(api_url: str, sources_file: Path, db_path: Path, **kill) -> subprocess.Popen:
    env = {**os.environ, "PREFECT_API_URL": api_url, "PYTHONPATH": str(ROOT)}
    config = json.dumps({"sources": str(sources_file), "db": str(db_path), **kill})
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, str(ROOT), config],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def kill_after_requests(site: Site, child: subprocess.Popen, n: int) -> None:
    """SIGKILL the child from the server as soon as its Nth request of the site arrives."""
    start = site.requests

    def maybe_kill(number: int) -> None:
        if number - start == n and child.poll() is None:
            child.send_signal(signal.SIGKILL)

    site.on_request = maybe_kill


def warehouse_state(db_path: Path) -> dict[str, list[tuple]]:
    """Every stored fact of releases, versions, links and commitments (no run ids, no clocks)."""
    queries = {
        "release_current": "SELECT url, source_id, language, title, body, published_at, "
        "published_on, content_source, content_hash, methods::VARCHAR, attachments, raw_sha256, "
        "version FROM release_current ORDER BY url",
        "release_versions": "SELECT url, version, content_hash, title, body, published_at "
        "FROM release_versions ORDER BY url, version",
        "links": "SELECT url, commitment_id, content_hash, round(score, 9), evidence::VARCHAR, "
        "method_version FROM links ORDER BY url, commitment_id",
        "linked_releases": "SELECT url, content_hash, method_version, is_followup, "
        "round(best_score, 9) FROM linked_releases ORDER BY url",
        "commitments": "SELECT * FROM commitments ORDER BY commitment_id",
        "sources": "SELECT source_id, name, start_urls FROM sources ORDER BY source_id",
    }
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        return {name: con.execute(sql).fetchall() for name, sql in queries.items()}
    finally:
        con.close()


def run_statuses(db_path: Path) -> list[str]:
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        rows = con.execute("SELECT status FROM runs ORDER BY started_at").fetchall()
        return [status for (status,) in rows]
    finally:
        con.close()


@pytest.fixture(scope="module")
def reference(prefect_server, site, sources_file, tmp_path_factory) -> dict:
    """One uninterrupted run on a fresh warehouse."""
    db_path = tmp_path_factory.mktemp("reference") / "yrdwatch.duckdb"
    site.on_request = lambda number: None
    summary = run_in_process(sources_file, db_path)
    assert summary.status == "completed"
    state = warehouse_state(db_path)
    assert len(state["release_current"]) == 10
    assert len(state["links"]) >= 5, "the invented follow-ups must link, or the test proves little"
    return state


def _kill_then_rerun(site, api_url, sources_file, db_path, *, requests=None, **kill) -> None:
    site.on_request = lambda number: None
    child = run_child(api_url, sources_file, db_path, **kill)
    if requests is not None:
        kill_after_requests(site, child, requests)
    _out, err = child.communicate(timeout=120)
    site.on_request = lambda number: None
    assert child.returncode == -signal.SIGKILL, f"the child was not killed:\n{err[-2000:]}"
    summary = run_in_process(sources_file, db_path)
    assert summary.status == "completed"


@pytest.mark.parametrize(
    ("kill", "killed_status"),
    [
        pytest.param({"requests": 6}, "interrupted", id="mid-crawl-after-6-requests"),
        pytest.param({"kill_in_load": 2}, "interrupted", id="inside-the-second-source-load"),
        pytest.param({"kill_in_link": 4}, "interrupted", id="inside-linking"),
        # the run was recorded complete; only its snapshot copy was not renamed into place
        pytest.param(
            {"kill_before_snapshot_rename": True}, "completed", id="before-snapshot-rename"
        ),
    ],
)
def test_killed_run_then_rerun_equals_an_uninterrupted_run(
    kill, killed_status, reference, site, api_url, sources_file, tmp_path
):
    db_path = tmp_path / "data" / "yrdwatch.duckdb"
    _kill_then_rerun(site, api_url, sources_file, db_path, **kill)
    assert warehouse_state(db_path) == reference
    assert run_statuses(db_path) == [killed_status, "completed"]
    assert warehouse_state(db_path.with_name("yrdwatch-latest.duckdb")) == reference
    leftovers = [p.name for p in db_path.parent.iterdir() if ".tmp" in p.name]
    assert leftovers == []


def test_rerun_after_a_complete_run_changes_nothing(reference, site, sources_file, tmp_path):
    db_path = tmp_path / "yrdwatch.duckdb"
    run_in_process(sources_file, db_path)
    second = run_in_process(sources_file, db_path)
    assert (second.releases_new, second.releases_changed, second.links_new) == (0, 0, 0)
    assert warehouse_state(db_path) == reference


def test_reparse_of_a_crawled_warehouse_changes_nothing(reference, site, sources_file, tmp_path):
    """The raw archive a real run keeps rebuilds exactly the releases that run stored."""
    from flows.selection import select_sources
    from warehouse.reparse import reparse

    db_path = tmp_path / "yrdwatch.duckdb"
    run_in_process(sources_file, db_path)
    summary = reparse(db_path, select_sources(str(sources_file), None))
    assert (summary.records, summary.unchanged, summary.changed, summary.new) == (10, 10, 0, 0)
    assert warehouse_state(db_path) == reference
