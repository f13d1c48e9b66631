"""The loopback replay server and transport: what a crawler sees when it replays an archive."""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request
from pathlib import Path

import httpx
import pytest

from scrapers.replay import ArchiveServer, ArchiveStore, ReplayTransport, archive_key

PAGE = "<html><body><p>示范区 demo page</p></body></html>"


@pytest.fixture()
def archive(tmp_path: Path) -> Path:
    """A tiny archive: one page, one directory index, one 404 override, one no-charset page."""
    files = {
        "www.example.gov.cn/news/20240801/abc.html": PAGE,
        "www.example.gov.cn/news/index.html": "<html><body>list</body></html>",
        "www.example.gov.cn/news/gone.html": "<html><body>页面不存在</body></html>",
        "en.example.gov.cn/plain.html": "<html><body>plain</body></html>",
    }
    for key, text in files.items():
        (tmp_path / key).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / key).write_text(text, encoding="utf-8")
    (tmp_path / "secret.txt").write_text("outside any host", encoding="utf-8")
    headers = {
        "www.example.gov.cn/news/gone.html": {"status": 404},
        "en.example.gov.cn/plain.html": {"content_type": "text/html"},
    }
    (tmp_path / "_headers.json").write_text(json.dumps(headers), encoding="utf-8")
    return tmp_path


def fetch(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    """Plain urllib GET that returns error statuses instead of raising."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_serves_file_with_default_headers(archive: Path) -> None:
    with ArchiveServer(archive) as server:
        status, headers, body = fetch(f"{server.url}/www.example.gov.cn/news/20240801/abc.html")
    assert status == 200
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert body.decode("utf-8") == PAGE


def test_query_is_ignored_and_directory_serves_index(archive: Path) -> None:
    with ArchiveServer(archive) as server:
        with_query = fetch(f"{server.url}/www.example.gov.cn/news/20240801/abc.html?from=list")
        directory = fetch(f"{server.url}/www.example.gov.cn/news/")
    assert with_query[0] == 200 and with_query[2].decode("utf-8") == PAGE
    assert directory[0] == 200 and b"list" in directory[2]


def test_unknown_path_is_404(archive: Path) -> None:
    with ArchiveServer(archive) as server:
        status, _, _ = fetch(f"{server.url}/www.example.gov.cn/news/missing.html")
    assert status == 404


def test_header_overrides_set_status_and_content_type(archive: Path) -> None:
    with ArchiveServer(archive) as server:
        gone = fetch(f"{server.url}/www.example.gov.cn/news/gone.html")
        plain = fetch(f"{server.url}/en.example.gov.cn/plain.html")
    assert gone[0] == 404 and "页面不存在" in gone[2].decode("utf-8")
    assert plain[0] == 200 and plain[1]["Content-Type"] == "text/html"


def test_doubled_slashes_are_merged_like_nginx(archive: Path) -> None:
    with ArchiveServer(archive) as server:
        status, _, _ = fetch(f"{server.url}/www.example.gov.cn//news//20240801/abc.html")
    assert status == 200


def test_nothing_outside_a_host_folder_is_served(archive: Path) -> None:
    assert archive_key("/_headers.json") is None
    store = ArchiveStore(archive)
    assert store.reply("/secret.txt").status == 404
    assert store.reply("/www.example.gov.cn/../../secret.txt").status == 404
    assert store.reply("/_headers.json").status == 404


def test_etag_answers_conditional_request_with_304(archive: Path) -> None:
    url_path = "/www.example.gov.cn/news/20240801/abc.html"
    with ArchiveServer(archive) as server:
        _, headers, _ = fetch(server.url + url_path)
        status, _, body = fetch(server.url + url_path, {"If-None-Match": headers["ETag"]})
    assert status == 304 and body == b""


def test_missing_archive_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no archive folder"):
        ArchiveServer(tmp_path / "nope")


def test_server_stops_and_frees_its_port(archive: Path) -> None:
    with ArchiveServer(archive) as server:
        url = server.url
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(f"{url}/www.example.gov.cn/news/index.html", timeout=2)


async def _get_through_replay(server_url: str, url: str) -> httpx.Response:
    async with httpx.AsyncClient(transport=ReplayTransport(server_url)) as client:
        response = await client.get(url)
        await response.aread()
        return response


def test_replay_transport_keeps_the_real_url(archive: Path) -> None:
    with ArchiveServer(archive) as server:
        url = "https://www.example.gov.cn/news/20240801/abc.html?id=7"
        response = asyncio.run(_get_through_replay(server.url, url))
    assert response.status_code == 200
    assert response.text == PAGE
    assert str(response.url) == url
    assert response.url.host == "www.example.gov.cn"


def test_replay_transport_passes_status_and_headers(archive: Path) -> None:
    with ArchiveServer(archive) as server:
        gone = asyncio.run(
            _get_through_replay(server.url, "https://www.example.gov.cn/news/gone.html")
        )
        plain = asyncio.run(_get_through_replay(server.url, "http://en.example.gov.cn/plain.html"))
    assert gone.status_code == 404
    assert plain.headers["content-type"] == "text/html"
    assert plain.url.host == "en.example.gov.cn"
