"""Every built-in source parses a list page and an article page of its family through its rules.

Each source names the fixtures that stand in for its real pages (same shapes, invented text);
a source added to builtin.toml without fixtures here fails `test_every_builtin_source_has_fixtures`.
"""

from datetime import UTC, datetime
from pathlib import Path

import pytest

from scrapers.encoding import decode_html
from scrapers.extract import extract_article
from scrapers.listing import parse_list_page
from scrapers.models import Source
from scrapers.registry import builtin_sources_path, load_sources

SITES = Path(__file__).parents[1] / "fixtures" / "sites"
FETCHED = datetime(2024, 8, 20, tzinfo=UTC)
SOURCES = {source.id: source for source in load_sources(builtin_sources_path())}

# source id -> (list fixture, article fixture, article URL)
FIXTURES = {
    "sh-zh-news": (
        "shanghai-zh-list.html",
        "shanghai-zh-article-ratio-colon.html",
        "https://www.shanghai.gov.cn/nw4411/20240801/5f0c3a9e2b7d4c1a8e6f9d0b1c2a3e4f.html",
    ),
    "sh-zh-yaowen": (
        "shanghai-zh-yaowen-news-green.html",
        "shanghai-zh-article-no-charset.html",
        "https://www.shanghai.gov.cn/zzbshyw/20240805/0c1d2e3f4a5b4c6d8e9f0a1b2c3d4e5f.html",
    ),
    "sh-en-whatsnew": (
        "shanghai-en-list.html",
        "shanghai-en-article-byline.html",
        "https://english.shanghai.gov.cn/en-Latest-WhatsNew/20240731/3c9e1f7a2b4d4e8f9a0b1c2d3e4f5a6b.html",
    ),
    "sh-en-policies": (
        "shanghai-en-list-unknown-classes.html",
        "shanghai-en-article-byline.html",
        "https://english.shanghai.gov.cn/en-Policies/20240731/5b6c7d8e9f0a4b1c2d3e4f5a6b7c8d9e.html",
    ),
    "sh-zh-fgw": (
        "shanghai-fgw-list-nowrapli-attachment.html",
        "shanghai-fgw-article-attachments.html",
        "https://fgw.sh.gov.cn/fgw_fzggdt/20240806/2e3f4a5b6c7d4e8f0a1b2c3d4e5f6a7b.html",
    ),
    "shio-en-press": (
        "truecms-en-list-inferred.html",
        "truecms-en-article-dotted-date.html",
        "https://en.shio.gov.cn/TrueCMS/shxwbgs/newss/content/20240116150043300.html",
    ),
    "shio-zh-ywts": (
        "truecms-zh-list-doubled-slash.html",
        "truecms-zh-article-no-charset.html",
        "https://www.shio.gov.cn/TrueCMS/shxwbgs/ywts/content/794bcf91-02a5-4666-bbeb-9ccfe23548ad.htm",
    ),
    "js-zh-news": (
        "hanweb-list-cdata-records.html",
        "hanweb-zh-article.html",
        "https://www.jiangsu.gov.cn/art/2024/7/30/art_60096_11299876.html",
    ),
    "js-en-bulletin": (
        "hanweb-en-list.html",
        "hanweb-en-article-updated-on.html",
        "https://en.jiangsu.gov.cn/art/2024/2/21/art_54128_10987654.html",
    ),
    "zj-zh-docs": (
        "hanweb-zj-list-nextgroup.html",
        "hanweb-zj-article.html",
        "https://www.zj.gov.cn/art/2024/8/7/art_1229019364_2526900.html",
    ),
    "zj-en-latest": (
        "chinadaily-list-protocol-relative.html",
        "chinadaily-article-byline.html",
        "https://www.ezhejiang.gov.cn/2024-08/05/c_1001234.htm",
    ),
    "ah-zh-news": (
        "anhui-list-doc-list.html",
        "anhui-article-wzcon-meta.html",
        "https://www.ah.gov.cn/zwyw/jryw/565501234.html",
    ),
    "ah-en-news": (
        "anhui-en-home-inferred.html",
        "anhui-article-no-meta.html",
        "https://english.ah.gov.cn/content/column/6787001/565502468.html",
    ),
    "govcn-yaowen": (
        "govcn-list-relative-links.html",
        "govcn-article-firstpublished-dash.html",
        "https://www.gov.cn/yaowen/liebiao/202408/content_6971234.htm",
    ),
    "govcn-zhengce": (
        "govcn-list-relative-links.html",
        "govcn-article-firstpublished-space.html",
        "https://www.gov.cn/zhengce/202407/content_6969001.htm",
    ),
    "govcn-jiedu": (
        "govcn-jiedu-json-list.json",
        "govcn-article-firstpublished-dash.html",
        "https://www.gov.cn/zhengce/202408/content_6971500.htm",
    ),
    "govcn-en-news": (
        "govcn-en-list-protocol-relative.html",
        "govcn-en-article-updated-abbrev.html",
        "https://english.www.gov.cn/news/202408/09/content_WS66b5a1c2c6d0a1b2c3d4e5f6.html",
    ),
    "govcn-en-policies": (
        "govcn-en-list-protocol-relative.html",
        "govcn-en-article-updated-abbrev.html",
        "https://english.www.gov.cn/policies/latestreleases/202408/09/content_WS66b5a1c2c6d0a1b2c3d4e5f6.html",
    ),
    "ndrc-zh-zdzl": (
        "trs-zh-list-slash-dates.html",
        "trs-zh-article-enclosure.html",
        "https://www.ndrc.gov.cn/fggz/dqjj/zdzl/202408/t20240809_1391234.html",
    ),
    "ndrc-zh-dffzgh": (
        "trs-zh-list-slash-dates.html",
        "trs-zh-article-enclosure.html",
        "https://www.ndrc.gov.cn/fggz/fzzlgh/dffzgh/202408/t20240809_1391234.html",
    ),
    "ndrc-en-press": (
        "trs-en-list-unknown-classes.html",
        "trs-en-article-auto.html",
        "https://en.ndrc.gov.cn/news/pressreleases/202408/t20240812_1391300.html",
    ),
}


def read(name: str) -> str:
    return decode_html((SITES / name).read_bytes(), None)


def test_the_registry_covers_the_region_in_both_languages() -> None:
    assert len(SOURCES) >= 14
    regions = {(source.region, source.language) for source in SOURCES.values()}
    for region in ("shanghai", "jiangsu", "zhejiang", "anhui", "national"):
        assert {(region, "zh"), (region, "en")} <= regions, region
    profiles = {source.cms for source in SOURCES.values()}
    assert profiles == {"shanghai", "truecms", "hanweb", "trs", "govcn", "chinadaily", "anhui"}


def test_every_builtin_source_has_fixtures() -> None:
    assert set(FIXTURES) == set(SOURCES)


def test_jiangsu_sources_wait_at_least_five_seconds_between_requests() -> None:
    jiangsu = [source for source in SOURCES.values() if source.region == "jiangsu"]
    assert jiangsu and all(source.delay_seconds >= 5.0 for source in jiangsu)


@pytest.mark.parametrize("source_id", sorted(FIXTURES))
def test_list_fixture_yields_article_links(source_id: str) -> None:
    source = SOURCES[source_id]
    list_name, _, article_url = FIXTURES[source_id]
    page = parse_list_page(read(list_name), source.start_urls[0], source.list)
    articles = [link for link in page.links if not link.is_attachment]
    assert articles, f"{source_id}: no article links in {list_name}"
    assert all(link.title for link in articles)
    host = article_url.split("/")[2]
    assert all(link.url.split("/")[2] == host for link in articles)


@pytest.mark.parametrize("source_id", sorted(FIXTURES))
def test_article_fixture_extracts_title_date_and_body(source_id: str) -> None:
    source: Source = SOURCES[source_id]
    _, article_name, article_url = FIXTURES[source_id]
    release = extract_article(read(article_name), article_url, source, FETCHED)
    assert release.title and len(release.title) < 120
    assert release.published_at is not None and 2018 <= release.published_at.year <= 2026
    assert release.methods["date"] != "url"  # the page's own date, never the URL's
    assert len(release.body) >= 40
    for furniture in ("ICP备", "主办单位", "Copyright", "当前位置", "打印本页", "L M S"):
        assert furniture not in release.body, (source_id, furniture)
