"""The rendered demo archive: deterministic, current, complete, and in the real sites' shapes."""

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

from scrapers.demo.render import (
    DEMO_DIR,
    SITES,
    ArticleDataError,
    load_all_articles,
    main,
    place_entries,
    render,
)
from scrapers.replay import ArchiveServer, ReplayTransport, demo_archive_root, demo_sources_path

ARTICLE_URL = re.compile(
    r"/\d{8}/[0-9a-f]{32}\.html$"  # shanghai
    r"|content_\d+\.htm$"  # gov.cn
    r"|/art/\d{4}/\d{1,2}/\d{1,2}/art_\d+_\d+\.html$"  # hanweb
    r"|/\d{4}-\d{2}/\d{2}/c_\d+\.htm$"  # chinadaily
    r"|/content/\d{17}\.html$"  # truecms
)
LIST_PAGE = re.compile(r"/(index(_\d+)?\.html|home(_\d+)?\.htm)$")
BODY_SELECTORS = {
    "shanghai": "#ivs_content",
    "govcn": "#UCAP-CONTENT",
    "hanweb": "#zoom",
    "chinadaily": "#Content",
    "truecms": "div.con",
}
ROOT = demo_archive_root()


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def archive_keys() -> list[str]:
    return sorted(tree(ROOT))


@pytest.fixture(scope="module")
def articles():
    return load_all_articles(DEMO_DIR)


@pytest.fixture(scope="module")
def server():
    with ArchiveServer(ROOT) as running:
        yield running


def test_render_is_deterministic(tmp_path: Path) -> None:
    render(DEMO_DIR, tmp_path / "one")
    render(DEMO_DIR, tmp_path / "two")
    assert tree(tmp_path / "one") == tree(tmp_path / "two")


def test_committed_archive_matches_the_article_files(tmp_path: Path) -> None:
    render(DEMO_DIR, tmp_path / "fresh")
    fresh, committed = tree(tmp_path / "fresh"), tree(ROOT)
    stale = sorted(set(fresh) ^ set(committed) | {k for k in fresh if fresh[k] != committed.get(k)})
    assert stale == [], "archive is stale: run python -m scrapers.demo.render"


def test_archive_holds_enough_article_pages() -> None:
    pages = [k for k in archive_keys() if ARTICLE_URL.search(k)]
    english_hosts = {s.host for s in SITES.values() if s.language == "en"}
    english = [k for k in pages if k.split("/", 1)[0] in english_hosts]
    assert len(english) >= 40
    if (DEMO_DIR / "articles_zh.jsonl").exists():
        assert len(pages) >= 80


def test_sources_file_starts_at_archived_list_pages() -> None:
    sources = tomllib.loads(demo_sources_path().read_text(encoding="utf-8"))["source"]
    assert {s["id"] for s in sources} == set(SITES)
    keys = set(archive_keys())
    for source in sources:
        parts = urlsplit(source["start_urls"][0])
        assert parts.scheme == "https"
        assert parts.netloc + parts.path in keys, source["id"]
        assert source["delay_seconds"] == 0.05
    anhui = next(s for s in sources if s["id"] == "ah-zh-news")
    assert anhui["list"]["links"] == "ul.doc_list li a"


def test_template_paginated_sources_stop_at_the_last_archived_page() -> None:
    sources = tomllib.loads(demo_sources_path().read_text(encoding="utf-8"))["source"]
    for source in sources:
        if source.get("cms") not in ("shanghai", "govcn"):
            continue
        parts = urlsplit(source["start_urls"][0])
        folder = parts.netloc + parts.path.rsplit("/", 1)[0] + "/"
        pages = [k for k in archive_keys() if k.startswith(folder) and LIST_PAGE.search(k)]
        assert source["max_pages"] == len(pages), f"{source['id']}: set max_pages = {len(pages)}"


def list_links(key: str) -> list[str]:
    """Absolute article-shaped URLs on one list page (entity-escaped records included)."""
    text = html.unescape((ROOT / key).read_text(encoding="utf-8"))
    page_url = "https://" + key
    found = []
    for href in re.findall(r'href="([^"]+)"', text):
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


def test_article_bodies_hold_exactly_the_article_text(articles) -> None:
    for site, entries in entries_by_site(articles):
        for entry in entries:
            soup = BeautifulSoup((ROOT / (site.host + entry.path)).read_bytes(), "lxml")
            body = soup.select_one(BODY_SELECTORS[site.profile])
            texts = [p.get_text().strip("\u3000 ") for p in body.find_all("p")]
            texts = [t for t in texts if not t.startswith("Attachment:")]
            assert texts == list(entry.article.paragraphs), entry.path


def test_related_boxes_link_other_existing_articles(articles) -> None:
    keys = set(archive_keys())
    for site, entries in entries_by_site(articles):
        for entry in entries[:3]:
            page_url = f"https://{site.host}{entry.path}"
            text = (ROOT / (site.host + entry.path)).read_text(encoding="utf-8")
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
        for m in re.findall(pattern, (ROOT / k).read_text(encoding="utf-8"))
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
    hrefs = [h for k in pages for h in re.findall(r'<h4><a href="([^"]+)"', (ROOT / k).read_text())]
    if len(hrefs) >= 8:
        assert any(h.startswith("./") for h in hrefs)
        assert any(h.startswith("../../zhengce/") for h in hrefs)
        assert any(h.startswith("https://www.gov.cn/") for h in hrefs)
    if len(hrefs) >= 5:  # separators every five items, as on the live list
        assert '<li class="line"></li>' in (ROOT / pages[0]).read_text(encoding="utf-8")


def test_hanweb_list_mixes_cdata_and_escaped_records() -> None:
    text = (ROOT / "www.jiangsu.gov.cn/col/col60096/index.html").read_text(encoding="utf-8")
    assert "<datastore>" in text and "<recordset>" in text
    if text.count("<record>") >= 4:
        assert "<record><![CDATA[<li>" in text and "<record>&lt;li&gt;" in text
        assert re.search(r"\d{4}- \d\d-\d\d", text)


def test_chinadaily_list_uses_protocol_relative_links_and_next_pages() -> None:
    pages = sorted(k for k in archive_keys() if k.startswith("www.ezhejiang.gov.cn/latest/"))
    first = (ROOT / pages[0]).read_text(encoding="utf-8")
    assert 'href="//www.ezhejiang.gov.cn/' in first
    nexts = [k for k in pages if 'class="pagestyle">Next' in (ROOT / k).read_text("utf-8")]
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
        for m in re.findall(r'href="([^"]+\.pdf)"', (ROOT / k).read_text("utf-8"))
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


def test_anhui_list_is_a_wzws_challenge() -> None:
    text = (ROOT / "www.ah.gov.cn/zwyw/jryw/index.html").read_text(encoding="utf-8")
    assert "wzwschallenge" in text and "WZWSRE" in text
    assert "doc_list" not in text and "<li" not in text


def test_render_refuses_to_wipe_a_folder_that_is_not_an_archive(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("keep me", encoding="utf-8")
    with pytest.raises(ArticleDataError, match="not a rendered archive"):
        render(DEMO_DIR, tmp_path)
    assert (tmp_path / "notes.txt").exists()


def test_cli_reports_bad_data_with_exit_2(tmp_path: Path, caplog) -> None:
    (tmp_path / "articles_en.jsonl").write_text('{"id": "x"}\n', encoding="utf-8")
    assert main(["--articles", str(tmp_path), "--out", str(tmp_path / "out")]) == 2
    assert "articles_en.jsonl:1: missing key(s)" in caplog.text
