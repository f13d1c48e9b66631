"""The rendered demo archive (a WARC file): deterministic, current, complete, real-shaped."""

from __future__ import annotations

import asyncio
import html
import re
import tomllib
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import httpx
import pytest
from bs4 import BeautifulSoup

from scrapers.crawl import crawl_all
from scrapers.demo.render import (
    DEMO_DIR,
    DEMO_ONLY_SITES,
    SITES,
    ArticleDataError,
    build_archive,
    load_all_articles,
    main,
    place_entries,
    render,
    write_archive,
)
from scrapers.listing import page_urls
from scrapers.registry import builtin_sources_path, load_sources
from scrapers.replay import (
    ArchiveServer,
    ReplayTransport,
    demo_archive_path,
    demo_sources_path,
    open_replay,
)
from scrapers.warc import WarcArchive, replay_key

ARTICLE_URL = re.compile(
    r"/\d{8}/[0-9a-f]{32}\.html$"  # shanghai
    r"|content_\d+\.htm$"  # gov.cn
    r"|/art/\d{4}/\d{1,2}/\d{1,2}/art_\d+_\d+\.html$"  # hanweb
    r"|/\d{4}-\d{2}/\d{2}/c_\d+\.htm$"  # chinadaily
    r"|/content/\d{17}\.html$"  # truecms (en)
    r"|/content/[0-9a-f-]{36}\.htm$"  # truecms (zh)
    r"|content_WS[0-9a-f]{24}\.html$"  # english.www.gov.cn
    r"|/t\d{8}_\d+\.html$"  # trs (NDRC)
    r"|/(?:News|zwyw/jryw)/\d{9}\.html$"  # anhui platform (English, www.ah.gov.cn)
)
LIST_PAGE = re.compile(r"(/(index(_\d+)?\.html|home(_\d+)?\.htm|ywts\.html|\w+\.json)|/)$")
BODY_SELECTORS = {
    "shanghai": "#ivs_content",
    "govcn": "#UCAP-CONTENT",
    "hanweb": "#zoom",
    "chinadaily": "#Content",
    "truecms": "div.con",
    "truecms-zh": "div.con",
    "shanghai-yaowen": "#ivs_content",
    "govcn-json": "#UCAP-CONTENT",
    "govcn-en": "div.Artical_Content",
    "trs": "div.TRS_Editor",
    "anhui": "div.wzcon",
}
NO_RELATED_BOX = ("anhui",)
WARC = demo_archive_path()


def pages_of(warc: Path) -> dict[str, bytes]:
    """ "host/path" -> body of every stored page."""
    return {replay_key(r.url): r.body for r in WarcArchive(warc).responses()}


PAGES = pages_of(WARC)


def archive_keys() -> list[str]:
    return sorted(PAGES)


def page_text(key: str) -> str:
    return PAGES[key].decode("utf-8")


@pytest.fixture(scope="module")
def articles():
    return load_all_articles(DEMO_DIR)


@pytest.fixture(scope="module")
def server():
    with ArchiveServer(WARC) as running:
        yield running


def test_render_is_deterministic(tmp_path: Path) -> None:
    render(DEMO_DIR, tmp_path / "one.warc.gz", sources_out=tmp_path / "one.toml")
    render(DEMO_DIR, tmp_path / "two.warc.gz", sources_out=tmp_path / "two.toml")
    assert (tmp_path / "one.warc.gz").read_bytes() == (tmp_path / "two.warc.gz").read_bytes()
    assert (tmp_path / "one.toml").read_text() == (tmp_path / "two.toml").read_text()


def test_committed_archive_and_sources_match_articles_and_builtin_registry(tmp_path) -> None:
    render(DEMO_DIR, tmp_path / "fresh.warc.gz", sources_out=tmp_path / "sources.toml")
    stale = "demo is stale: run python -m scrapers.demo.render"
    assert (tmp_path / "fresh.warc.gz").read_bytes() == WARC.read_bytes(), stale
    fresh = (tmp_path / "sources.toml").read_text(encoding="utf-8")
    assert fresh == demo_sources_path().read_text(encoding="utf-8"), stale


def test_committed_warc_is_small() -> None:
    assert WARC.stat().st_size < 2 * 1024 * 1024


def test_demo_sources_are_the_builtin_sources_with_short_delays() -> None:
    """Exactly one extra source, ah-zh-notices: demo-only, to show a blocked source."""
    builtin = {s.id: s for s in load_sources(builtin_sources_path())}
    demo = {s.id: s for s in load_sources(demo_sources_path())}
    assert set(demo) - set(builtin) == {"ah-zh-notices"} == {s.source_id for s in DEMO_ONLY_SITES}
    assert set(builtin) <= set(demo) and set(demo) == set(SITES)
    notices = demo.pop("ah-zh-notices")
    assert notices.start_urls == ("https://www.ah.gov.cn/zwyw/tzgg/index.html",)
    assert (notices.region, notices.language, notices.cms) == ("anhui", "zh", "anhui")
    assert notices.delay_seconds == 0.05
    text = demo_sources_path().read_text(encoding="utf-8")
    assert "exists to demonstrate a blocked source" in text.split('id = "ah-zh-notices"')[0]
    for source_id, source in demo.items():
        assert source.start_urls == builtin[source_id].start_urls
        assert source.cms == builtin[source_id].cms
        assert source.delay_seconds == 0.05


def test_every_builtin_source_crawls_from_the_warc() -> None:
    """The real crawl over the WARC: every source yields releases, except the two quirks."""
    sources = load_sources(demo_sources_path())
    with open_replay(WARC) as url:
        results = asyncio.run(crawl_all(sources, {}, transport=ReplayTransport(url)))
    status = {r.source_id: (r.status, len(r.releases)) for r in results}
    assert status.pop("ah-zh-notices") == ("blocked", 0)  # the demo-only WZWS challenge
    assert status["ah-zh-news"] == ("ok", 3)  # www.ah.gov.cn itself reads cleanly
    assert status.pop("sh-en-whatsnew")[0] == "partial"  # its one dead (404) list link
    assert {k: v for k, v in status.items() if v[0] != "ok" or v[1] < 1} == {}
    assert sum(len(r.releases) for r in results) >= 80


def test_folder_form_is_still_written_on_request(tmp_path: Path) -> None:
    write_archive(build_archive(load_all_articles(DEMO_DIR)), tmp_path / "dir")
    with open_replay(tmp_path / "dir") as url:
        response = asyncio.run(_statuses(url, ["https://www.gov.cn/yaowen/liebiao/home.htm"]))
    assert list(response.values()) == [200]


def test_archive_holds_enough_article_pages() -> None:
    pages = [k for k in archive_keys() if ARTICLE_URL.search(k)]
    english_hosts = {s.host for s in SITES.values() if s.language == "en"}
    english = [k for k in pages if k.split("/", 1)[0] in english_hosts]
    assert len(english) >= 40
    if (DEMO_DIR / "articles_zh.jsonl").exists():
        assert len(pages) >= 80


def test_sources_file_starts_at_archived_list_pages() -> None:
    sources = tomllib.loads(demo_sources_path().read_text(encoding="utf-8"))["source"]
    keys = set(archive_keys())
    for source in sources:
        parts = urlsplit(source["start_urls"][0])
        assert parts.scheme == SITES[source["id"]].scheme
        assert parts.netloc + parts.path in keys, source["id"]


def test_template_paginated_sources_stop_at_the_last_archived_page() -> None:
    for source in load_sources(demo_sources_path()):
        urls = page_urls(source.start_urls[0], source.list, source.max_pages + 1)
        if urls is None or len(urls) < 2:
            continue
        present = [replay_key(u) in PAGES for u in urls]
        assert present == [True] * source.max_pages + [False], source.id


def list_links(key: str) -> list[str]:
    """Absolute article-shaped URLs on one list page (entity-escaped records included)."""
    text = html.unescape(page_text(key))
    page_url = "https://" + key
    found = []
    for href in re.findall(r'(?:href="|"URL": ")([^"]+)"', text):
        url = urljoin(page_url, href)
        parts = urlsplit(url)
        url = f"https://{parts.netloc}{re.sub(r'/{2,}', '/', parts.path)}"
        if ARTICLE_URL.search(parts.path):
            found.append(url)
    return found


async def _statuses(server_url: str, urls: list[str]) -> dict[str, int]:
    async with httpx.AsyncClient(transport=ReplayTransport(server_url)) as client:
        responses = await asyncio.gather(*(client.get(u) for u in urls))
    return {str(r.url): r.status_code for r in responses}


def test_list_pages_link_only_to_existing_articles_or_the_one_dead_link(server) -> None:
    linked = sorted({u for k in archive_keys() if LIST_PAGE.search(k) for u in list_links(k)})
    statuses = asyncio.run(_statuses(server.url, linked))
    dead = [u for u, status in statuses.items() if status != 200]
    assert len(dead) == 1 and statuses[dead[0]] == 404
    dead_key = dead[0].removeprefix("https://")
    served = {u.removeprefix("https://") for u in linked} - {dead_key}
    on_disk = {k for k in archive_keys() if ARTICLE_URL.search(k)} - {dead_key}
    assert served == on_disk  # every archived article is reachable from a list


def entries_by_site(articles):
    for site in SITES.values():
        if site.profile != "challenge":
            mine = [a for a in articles if a.source_id == site.source_id]
            yield site, [e for e in place_entries(site, mine) if e.article is not None]


def sites_with_related_boxes(articles):
    return ((s, e) for s, e in entries_by_site(articles) if s.profile not in NO_RELATED_BOX)


def test_article_bodies_hold_exactly_the_article_text(articles) -> None:
    for site, entries in entries_by_site(articles):
        for entry in entries:
            soup = BeautifulSoup(PAGES[site.host + entry.path], "lxml")
            body = soup.select_one(BODY_SELECTORS[site.profile])
            texts = [p.get_text().strip("\u3000 ") for p in body.find_all("p")]
            texts = [t for t in texts if not t.startswith("Attachment:")]
            assert texts == list(entry.article.paragraphs), entry.path


def test_related_boxes_link_other_existing_articles(articles) -> None:
    keys = set(archive_keys())
    for site, entries in sites_with_related_boxes(articles):
        for entry in entries[:3]:
            page_url = f"https://{site.host}{entry.path}"
            text = page_text(site.host + entry.path)
            links = {urljoin(page_url, h) for h in re.findall(r'href="([^"]+)"', text)}
            related = {u for u in links if ARTICLE_URL.search(urlsplit(u).path)}
            assert related and page_url not in related, entry.path
            assert {u.split("://", 1)[1] for u in related} <= keys


def test_shanghai_url_dates_are_creation_dates_before_publication(articles) -> None:
    for site, entries in entries_by_site(articles):
        if site.profile != "shanghai":
            continue
        for entry in entries:
            created = datetime.strptime(entry.path.split("/")[-2], "%Y%m%d").date()
            gap = entry.article.published.date() - created
            assert timedelta(days=1) <= gap <= timedelta(days=3), entry.path


def meta_values(host: str, name: str) -> list[str]:
    """The content of one meta tag on every article page of a host."""
    pattern = f'name="{name}" content="([^"]+)"'
    return [
        m
        for k in archive_keys()
        if k.startswith(host + "/") and ARTICLE_URL.search(k)
        for m in re.findall(pattern, page_text(k))
    ]


def test_exactly_one_shanghai_chinese_page_uses_a_ratio_colon() -> None:
    stamps = meta_values("www.shanghai.gov.cn", "PubDate")
    marked = [s for s in stamps if re.fullmatch(r"\d{4}-\d\d-\d\d \d\d\u2236\d\d", s)]
    assert len(marked) == (1 if stamps else 0)
    assert all(":" in s for s in meta_values("english.shanghai.gov.cn", "PubDate"))


def test_govcn_pages_use_both_timestamp_formats() -> None:
    stamps = meta_values("www.gov.cn", "firstpublishedtime")
    if len(stamps) >= 2:
        assert any(re.fullmatch(r"\d{4}-\d\d-\d\d-\d\d:\d\d:\d\d", s) for s in stamps)
        assert any(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", s) for s in stamps)


def test_govcn_lists_use_relative_parent_and_absolute_links() -> None:
    pages = [k for k in archive_keys() if k.startswith("www.gov.cn/") and LIST_PAGE.search(k)]
    hrefs = [h for k in pages for h in re.findall(r'<h4><a href="([^"]+)"', page_text(k))]
    if len(hrefs) >= 8:
        assert any(h.startswith("./") for h in hrefs)
        assert any(h.startswith("../../zhengce/") for h in hrefs)
        assert any(h.startswith("https://www.gov.cn/") for h in hrefs)
    if len(hrefs) >= 5:  # separators every five items, as on the live list
        assert '<li class="line"></li>' in page_text(pages[0])


def test_hanweb_list_mixes_cdata_and_escaped_records() -> None:
    text = page_text("www.jiangsu.gov.cn/col/col60096/index.html")
    assert "<datastore>" in text and "<recordset>" in text
    if text.count("<record>") >= 4:
        assert "<record><![CDATA[<li>" in text and "<record>&lt;li&gt;" in text
        assert re.search(r"\d{4}- \d\d-\d\d", text)


def test_chinadaily_list_uses_protocol_relative_links_and_next_pages() -> None:
    pages = sorted(k for k in archive_keys() if k.startswith("www.ezhejiang.gov.cn/latest/"))
    first = page_text(pages[0])
    assert 'href="//www.ezhejiang.gov.cn/' in first
    nexts = [k for k in pages if 'class="pagestyle">Next' in page_text(k)]
    assert len(nexts) == len(pages) - 1


def test_shio_pages_are_served_without_any_charset(server) -> None:
    urls = ["https://en.shio.gov.cn/TrueCMS/shxwbgs/newss/index.html"]
    urls += [u for u in list_links("en.shio.gov.cn/TrueCMS/shxwbgs/newss/index.html")][:2]

    async def heads() -> list[httpx.Response]:
        async with httpx.AsyncClient(transport=ReplayTransport(server.url)) as client:
            return [await client.get(u) for u in urls]

    for response in asyncio.run(heads()):
        assert response.headers["content-type"] == "text/html"
        assert b"charset" not in response.content.lower()


def test_one_article_links_a_pdf_served_as_pdf(server) -> None:
    pdf_links = [
        (k, m)
        for k in archive_keys()
        if ARTICLE_URL.search(k)
        for m in re.findall(r'href="([^"]+\.pdf)"', page_text(k))
    ]
    assert len(pdf_links) == 1
    key, href = pdf_links[0]

    async def get() -> httpx.Response:
        async with httpx.AsyncClient(transport=ReplayTransport(server.url)) as client:
            return await client.get(urljoin("https://" + key, href))

    response = asyncio.run(get())
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-") and response.content.rstrip().endswith(b"%%EOF")


def test_demo_only_anhui_notices_list_is_a_wzws_challenge() -> None:
    text = page_text("www.ah.gov.cn/zwyw/tzgg/index.html")
    assert "wzwschallenge" in text and "WZWSRE" in text
    assert "doc_list" not in text and "<li" not in text
    assert not [k for k in archive_keys() if k.startswith("www.ah.gov.cn/zwyw/tzgg/") and
                k != "www.ah.gov.cn/zwyw/tzgg/index.html"]  # fmt: skip


def test_anhui_news_list_is_in_the_platform_shape(articles) -> None:
    """ul.doc_list li with a[title] and span.date; 9-digit ids beside the list, no date."""
    soup = BeautifulSoup(PAGES["www.ah.gov.cn/zwyw/jryw/index.html"], "lxml")
    items = soup.select("ul.doc_list li")
    mine = sorted((a for a in articles if a.source_id == "ah-zh-news"), key=lambda a: a.published)
    assert len(items) == len(mine) == 3
    assert [li.select_one("a")["title"] for li in items] == [a.title for a in reversed(mine)]
    assert [li.select_one("span.date").get_text() for li in items] == [
        f"{a.published:%Y-%m-%d}" for a in reversed(mine)
    ]
    hrefs = [li.select_one("a")["href"] for li in items]
    assert all(re.fullmatch(r"/zwyw/jryw/\d{9}\.html", h) for h in hrefs)


def test_anhui_news_articles_carry_platform_meta_and_wzcon_body(articles) -> None:
    for entry in place_entries(SITES["ah-zh-news"], [a for a in articles if a.source_id ==
                                                      "ah-zh-news"]):  # fmt: skip
        soup = BeautifulSoup(PAGES["www.ah.gov.cn" + entry.path], "lxml")
        meta = {m["name"]: m["content"] for m in soup.select("meta[name]")}
        assert meta["ArticleTitle"] == entry.article.title
        assert meta["PubDate"] == f"{entry.published:%Y-%m-%d %H:%M}"
        assert meta["ContentSource"] == entry.article.content_source
        assert meta["HtmlGenerateTime"] > meta["PubDate"]
        assert soup.select_one("div.wzcon p") is not None
        assert "打印本页" not in soup.select_one("div.wzcon").get_text()


def test_render_refuses_to_wipe_a_folder_that_is_not_an_archive(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("keep me", encoding="utf-8")
    with pytest.raises(ArticleDataError, match="not a rendered archive"):
        render(DEMO_DIR, tmp_path / "a.warc.gz", sources_out=None, directory=tmp_path)
    assert (tmp_path / "notes.txt").exists()


def test_cli_reports_bad_data_with_exit_2(tmp_path: Path, caplog) -> None:
    (tmp_path / "articles_en.jsonl").write_text('{"id": "x"}\n', encoding="utf-8")
    assert main(["--articles", str(tmp_path), "--out", str(tmp_path / "out")]) == 2
    assert "articles_en.jsonl:1: missing key(s)" in caplog.text
