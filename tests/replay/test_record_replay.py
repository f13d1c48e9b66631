"""Record a live (loopback) site through the recording proxy, then replay it from the WARC."""

from __future__ import annotations

import argparse
import asyncio
import json
import urllib.error
import urllib.request
from pathlib import Path

import httpx
import pytest

from flows import cli, cli_record
from scrapers.crawl import crawl_all
from scrapers.registry import load_sources
from scrapers.replay import RecordingProxy, ReplayTransport, open_replay


@pytest.fixture(autouse=True)
def record_commands(monkeypatch) -> None:
    """Until flows/cli.py hooks cli_record (one line in build_parser), hook it here."""
    original = cli.build_parser

    def build() -> argparse.ArgumentParser:
        parser = original()
        sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        if "record" not in sub.choices:
            cli_record.register(sub)
        return parser

    monkeypatch.setattr(cli, "build_parser", build)


def crawl(sources_file: Path, server_url: str):
    sources = load_sources(sources_file)
    return asyncio.run(crawl_all(sources, {}, transport=ReplayTransport(server_url)))


def release_view(results) -> list[tuple]:
    """What a reader of the warehouse would see of each release."""
    return sorted(
        (r.url, r.title, r.published_at, r.body, r.content_source)
        for result in results
        for r in result.releases
    )


def test_recorded_run_replays_to_identical_releases(live_site, sources_file, tmp_path) -> None:
    warc = tmp_path / "run.warc.gz"
    with RecordingProxy(warc) as proxy:
        live = crawl(sources_file, proxy.url)
    assert len(release_view(live)) == 2
    assert "/news/20240801/a1.html" in live_site.hits  # it really went to the site
    hits_before = len(live_site.hits)
    with open_replay(warc) as url:
        replayed = crawl(sources_file, url)
    assert release_view(replayed) == release_view(live)
    assert len(live_site.hits) == hits_before  # replay never touched the site


def test_proxy_passes_redirects_and_posts_through_and_records_them(live_site, tmp_path) -> None:
    warc = tmp_path / "r.warc.gz"

    async def calls(url: str) -> tuple[httpx.Response, httpx.Response]:
        transport = ReplayTransport(url)
        async with httpx.AsyncClient(transport=transport, follow_redirects=True) as client:
            moved = await client.get(f"{live_site.url}/moved.html")
            posted = await client.post(f"{live_site.url}/dataproxy.jsp", data={"page": "2"})
            return moved, posted

    with RecordingProxy(warc) as proxy:
        moved, posted = asyncio.run(calls(proxy.url))
    assert moved.history[0].status_code == 301 and "要闻" in moved.text
    assert posted.text == "<datastore>page=2</datastore>"
    with open_replay(warc) as url:
        again_moved, again_posted = asyncio.run(calls(url))
    assert again_moved.history[0].status_code == 301 and again_moved.text == moved.text
    assert again_posted.text == posted.text


def test_proxy_refuses_requests_that_do_not_come_from_replay_transport(tmp_path) -> None:
    with RecordingProxy(tmp_path / "x.warc.gz") as proxy:
        base = proxy.url.rsplit("/", 1)[0]
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"{base}/www.example.gov.cn/index.html", timeout=5)
    assert refused.value.code == 403


def test_unreachable_site_is_recorded_by_the_crawler_as_a_gateway_error(tmp_path) -> None:
    async def get(url: str) -> httpx.Response:
        async with httpx.AsyncClient(transport=ReplayTransport(url)) as client:
            return await client.get("http://127.0.0.1:9/nothing-listens-here.html")

    with RecordingProxy(tmp_path / "u.warc.gz") as proxy:
        response = asyncio.run(get(proxy.url))
    assert response.status_code == 502
    assert "upstream ConnectError" in response.text


def fake_monitor(sources_file: Path):
    """Stands in for the Prefect flow: the crawl through the URL the command serves."""
    seen: dict[str, object] = {}

    def run(**params):
        seen.update(params)
        seen["views"] = release_view(crawl(sources_file, params["replay_url"]))

        class Summary:
            status = "completed"

        return Summary()

    return seen, run


def test_record_command_writes_a_warc_and_fixtures(
    live_site, sources_file, tmp_path, monkeypatch
) -> None:
    seen, run = fake_monitor(sources_file)
    monkeypatch.setattr(cli, "_run_monitor", run)
    monkeypatch.setattr(cli, "_print_summary", lambda summary: None)
    out, fixtures = tmp_path / "snap.warc.gz", tmp_path / "fixtures"
    args = [
        "record",
        "--sources",
        str(sources_file),
        "--out",
        str(out),
        "--fixtures",
        str(fixtures),
    ]
    assert cli.main(args) == 0
    assert seen["mode"] == "live" and len(seen["views"]) == 2
    index = json.loads((fixtures / "index.json").read_text(encoding="utf-8"))
    assert "127.0.0.1-news-index.html" in index
    assert "示范区公交线路" in (fixtures / "127.0.0.1-news-20240801-a1.html").read_text("utf-8")
    recorded = seen["views"]

    seen.clear()
    assert cli.main(["run", "--sources", str(sources_file), "--replay", str(out)]) == 0
    assert seen["mode"] == "replay" and seen["views"] == recorded


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["record", "--out", "snap.txt"], "must end in .warc.gz"),
        (["record", "--out", "snap.warc.gz"], "exists; pick another --out or pass --force"),
        (["run", "--replay", "nope.warc.gz"], "nope.warc.gz: not found"),
        (["run", "--replay", "bad.warc.gz"], "not a readable WARC file"),
        (["run", "--replay", "snap.warc.gz", "--replay-url", "http://x"], "not both"),
        (["fixtures", "nope.warc.gz", "out"], "no WARC file here"),
    ],
)
def test_bad_record_and_replay_arguments_exit_2_with_one_line(
    argv, message, tmp_path, monkeypatch, capsys
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bad.warc.gz").write_bytes(b"not a warc file")
    (tmp_path / "snap.warc.gz").write_bytes(b"")
    assert cli.main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and "\n" not in err
