"""WARC recording and lookup: what is stored is what the site said, and it can be found again."""

from __future__ import annotations

import asyncio
import gzip
from pathlib import Path

import httpx
import pytest
from warcio.archiveiterator import ArchiveIterator

from scrapers.warc import (
    RecordingTransport,
    WarcArchive,
    WarcError,
    WarcRecorder,
    body_key,
    fixture_name,
    replay_key,
    warc_to_fixtures,
)

PAGE = "<html><head><meta charset='utf-8'></head><body><p>长三角 page {n}</p></body></html>"


def site(request: httpx.Request) -> httpx.Response:
    """A mock site: gzip-encoded HTML, a POST echo, a PDF and a 404."""
    path = request.url.path
    if request.method == "POST":
        return httpx.Response(200, headers={"Content-Type": "text/xml"}, content=request.content)
    if path.endswith(".pdf"):
        return httpx.Response(200, headers={"Content-Type": "application/pdf"}, content=b"%PDF-1")
    if path.startswith("/missing"):
        return httpx.Response(
            404, headers={"Content-Type": "text/html"}, content=b"<html>404</html>"
        )
    body = gzip.compress(PAGE.format(n=request.url.params.get("n", "1")).encode(), mtime=0)
    headers = {"Content-Type": "text/html", "Content-Encoding": "gzip", "Set-Cookie": "sid=1"}
    return httpx.Response(200, headers=headers, content=body)


def record(path: Path, calls, *, max_body: int = 1_000_000) -> None:
    """Run `calls(client)` through a recording transport over the mock site."""

    async def go() -> None:
        with WarcRecorder(path) as recorder:
            transport = RecordingTransport(httpx.MockTransport(site), recorder, max_body=max_body)
            async with httpx.AsyncClient(transport=transport) as client:
                await calls(client)

    asyncio.run(go())


def test_recorded_response_keeps_url_status_headers_and_raw_body(tmp_path: Path) -> None:
    async def calls(client: httpx.AsyncClient) -> None:
        response = await client.get("https://www.example.gov.cn/news/a.html?n=7")
        assert "page 7" in response.text  # the crawler still gets the decoded page

    record(tmp_path / "a.warc.gz", calls)
    with (tmp_path / "a.warc.gz").open("rb") as handle:
        records = [
            (r.rec_type, r.rec_headers.get_header("WARC-Target-URI"), r)
            for r in ArchiveIterator(handle)
            if r.rec_type in ("response", "request")
        ]
        kinds = [(kind, uri) for kind, uri, _ in records]
    url = "https://www.example.gov.cn/news/a.html?n=7"
    assert kinds == [("response", url), ("request", url)]
    stored = WarcArchive(tmp_path / "a.warc.gz").lookup(url)
    assert stored.status == 200
    assert ("Content-Encoding", "gzip") in stored.headers or ("content-encoding", "gzip") in [
        (k.lower(), v) for k, v in stored.headers
    ]
    assert "page 7" in stored.body.decode("utf-8")  # decoded for serving


def test_lookup_ignores_scheme_port_fragment_and_doubled_slashes(tmp_path: Path) -> None:
    async def calls(client: httpx.AsyncClient) -> None:
        await client.get("https://www.example.gov.cn/news/a.html?n=2&b=1")

    record(tmp_path / "a.warc.gz", calls)
    archive = WarcArchive(tmp_path / "a.warc.gz")
    assert archive.lookup("http://WWW.example.gov.cn:8080//news/a.html?b=1&n=2#top") is not None
    assert archive.lookup("https://www.example.gov.cn/news/b.html") is None
    assert archive.lookup("https://www.example.gov.cn/news/a.html?n=3&b=1") is None


def test_post_is_found_by_its_form_body_in_any_field_order(tmp_path: Path) -> None:
    url = "https://www.jiangsu.gov.cn/module/web/jpage/dataproxy.jsp?startrecord=1"

    async def calls(client: httpx.AsyncClient) -> None:
        await client.post(url, data={"columnid": "60096", "unitid": "356383"})
        await client.post(url, data={"columnid": "60096", "unitid": "999"})

    record(tmp_path / "p.warc.gz", calls)
    archive = WarcArchive(tmp_path / "p.warc.gz")
    found = archive.lookup(url, "POST", b"unitid=356383&columnid=60096")
    assert found is not None and found.body == b"columnid=60096&unitid=356383"
    assert archive.lookup(url, "POST", b"unitid=1&columnid=60096") is None
    assert archive.lookup(url) is None  # a GET is not the POST


def test_the_latest_of_two_recordings_wins(tmp_path: Path) -> None:
    counter = {"n": 0}

    def changing(request: httpx.Request) -> httpx.Response:
        counter["n"] += 1
        return httpx.Response(
            200, headers={"Content-Type": "text/html"}, content=b"v%d" % counter["n"]
        )

    async def go() -> None:
        with WarcRecorder(tmp_path / "v.warc.gz") as recorder:
            transport = RecordingTransport(httpx.MockTransport(changing), recorder)
            async with httpx.AsyncClient(transport=transport) as client:
                await client.get("https://h.example/x.html")
                await client.get("https://h.example/x.html")

    asyncio.run(go())
    assert WarcArchive(tmp_path / "v.warc.gz").lookup("https://h.example/x.html").body == b"v2"


def test_a_body_over_the_cap_is_recorded_as_truncated(tmp_path: Path) -> None:
    async def calls(client: httpx.AsyncClient) -> None:
        await client.get("https://www.example.gov.cn/doc.pdf")

    record(tmp_path / "t.warc.gz", calls, max_body=3)
    with (tmp_path / "t.warc.gz").open("rb") as handle:
        response = next(r for r in ArchiveIterator(handle) if r.rec_type == "response")
        assert response.rec_headers.get_header("WARC-Truncated") == "length"
        assert response.content_stream().read() == b"%PD"


def test_sync_clients_record_too(tmp_path: Path) -> None:
    with WarcRecorder(tmp_path / "s.warc.gz") as recorder:
        transport = RecordingTransport(httpx.MockTransport(site), recorder)
        with httpx.Client(transport=transport) as client:
            client.get("https://www.example.gov.cn/missing/x.html")
    stored = WarcArchive(tmp_path / "s.warc.gz").lookup("https://www.example.gov.cn/missing/x.html")
    assert stored.status == 404


def test_damaged_or_missing_files_are_clear_errors(tmp_path: Path) -> None:
    (tmp_path / "bad.warc.gz").write_bytes(b"this is not a warc file at all")
    with pytest.raises(WarcError, match="bad.warc.gz: not a readable WARC"):
        WarcArchive(tmp_path / "bad.warc.gz")
    with pytest.raises(WarcError, match="no WARC file here"):
        WarcArchive(tmp_path / "none.warc.gz")


def test_fixtures_are_the_html_pages_named_by_host_and_path(tmp_path: Path) -> None:
    async def calls(client: httpx.AsyncClient) -> None:
        await client.get("https://www.gov.cn/yaowen/liebiao/home.htm")
        await client.get("https://www.gov.cn/doc.pdf")
        await client.post("https://www.gov.cn/x.jsp", data={"a": "1"})

    record(tmp_path / "f.warc.gz", calls)
    written = warc_to_fixtures(tmp_path / "f.warc.gz", tmp_path / "fx")
    assert [p.name for p in written] == ["www.gov.cn-yaowen-liebiao-home.html"]
    assert "长三角 page 1" in written[0].read_text(encoding="utf-8")
    assert "home.htm" in (tmp_path / "fx" / "index.json").read_text(encoding="utf-8")


def test_keys_and_names_are_plain_and_bounded() -> None:
    assert replay_key("https://www.gov.cn//a//b.htm?z=1&a=2#x") == "www.gov.cn/a/b.htm?a=2&z=1"
    assert body_key(b"b=2&a=1") == body_key(b"a=1&b=2") != body_key(b"a=1&b=3")
    assert fixture_name("http://en.shio.gov.cn/TrueCMS/x/content/2024.html") == (
        "en.shio.gov.cn-TrueCMS-x-content-2024.html"
    )
    assert len(fixture_name("https://h.cn/" + "a" * 500 + ".html")) < 140
