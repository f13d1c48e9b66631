"""List pages of every profile -> canonical article links, list dates and the next page."""

from datetime import datetime
from pathlib import Path

import pytest

from scrapers.dates import SHANGHAI_TZ
from scrapers.encoding import decode_html
from scrapers.listing import ListPage, page_urls, parse_list_page
from scrapers.models import ArticleRules, ListRules
from scrapers.profiles import PROFILES, merge_rules
from scrapers.selectors import SelectorError, select_optional, select_required, validate_css

SITES = Path(__file__).parents[1] / "fixtures" / "sites"


def parse(name: str, page_url: str, cms: str) -> ListPage:
    html = decode_html((SITES / name).read_bytes(), None)
    return parse_list_page(html, page_url, PROFILES[cms][0])


def day(y: int, m: int, d: int) -> datetime:
    return datetime(y, m, d, tzinfo=SHANGHAI_TZ)


def test_shanghai_list_canonicalises_dedupes_and_keeps_attachments() -> None:
    page = parse("shanghai-zh-list.html", "https://www.shanghai.gov.cn/nw12344/index.html",
                 "shanghai")  # fmt: skip
    urls = [link.url for link in page.links]
    assert urls == [
        "https://www.shanghai.gov.cn/nw12344/20240801/5f0c3a9e2b7d4c1a8e6f9d0b1c2a3e4f.html",
        "https://www.shanghai.gov.cn/nw12344/20240729/6a1d4b0f3c8e5d2b9f7a0e1c2d3b4f5a.html",
        "https://www.shanghai.gov.cn/cmsres/8c/8c7d6e5f/2024年重点工作安排.pdf",
        "https://www.shanghai.gov.cn/nw12344/20240715/7b2e5c1a4d9f6e3c0a8b1f2d3e4c5a6b.html",
    ]
    first, _, attachment, last = page.links
    assert first.title == "本市发布推进长三角跨省公交线路互联互通工作方案"  # title attr, not "…"
    assert first.listed_date == day(2024, 8, 1) and not first.is_attachment
    assert attachment.is_attachment and attachment.listed_date == day(2024, 7, 20)
    assert last.listed_date == day(2024, 7, 15)  # not the "2024年6月30日" inside the title
    assert page.next_url is None  # shanghai paginates by template


def test_english_list_reads_month_name_dates_not_title_dates() -> None:
    page = parse(
        "shanghai-en-list.html",
        "https://english.shanghai.gov.cn/en-Latest-WhatsNew/index.html",
        "shanghai",
    )
    assert [link.listed_date for link in page.links] == [day(2024, 7, 31), day(2024, 7, 30)]
    assert page.links[0].title.startswith("Delta cities open shared booking platform")


def test_govcn_relative_links_and_separator_items() -> None:
    page = parse("govcn-list-relative-links.html", "https://www.gov.cn/yaowen/liebiao/home.htm",
                 "govcn")  # fmt: skip
    assert [link.url for link in page.links] == [
        "https://www.gov.cn/yaowen/liebiao/202408/content_6971234.htm",
        "https://www.gov.cn/zhengce/202407/content_6969001.htm",
        "https://www.gov.cn/yaowen/liebiao/202407/content_6968888.htm",
    ]  # li.line skipped; the non-article "图解" link filtered by url_pattern
    assert page.links[2].listed_date == day(2024, 7, 26)


def test_hanweb_cdata_records() -> None:
    page = parse(
        "hanweb-list-cdata-records.html",
        "https://www.jiangsu.gov.cn/col/col60096/index.html",
        "hanweb",
    )
    assert [link.url for link in page.links] == [
        "https://www.jiangsu.gov.cn/art/2024/8/3/art_60096_11300001.html",
        "https://www.jiangsu.gov.cn/art/2024/7/30/art_60096_11299876.html",
        "https://www.jiangsu.gov.cn/art/2024/7/28/art_60096_11298765.html",
    ]  # the dataproxy.jsp link in <nextgroup> is not an article
    assert page.links[0].title == "省政府召开长三角一体化发展推进会议部署下半年重点工作"
    assert page.links[0].listed_date == day(2024, 8, 3)


def test_hanweb_entity_escaped_records_with_spaced_dates() -> None:
    page = parse(
        "hanweb-list-escaped-records.html",
        "https://www.zj.gov.cn/col/col1229019364/index.html",
        "hanweb",
    )
    assert [(link.url, link.listed_date) for link in page.links] == [
        ("https://www.zj.gov.cn/art/2024/8/7/art_1229017138_2526807.html", day(2024, 8, 7)),
        ("https://www.zj.gov.cn/art/2024/1/26/art_1554467_60195319.html", day(2024, 1, 26)),
    ]


def test_hanweb_english_list() -> None:
    page = parse("hanweb-en-list.html", "http://en.jiangsu.gov.cn/col/col54128/index.html",
                 "hanweb")  # fmt: skip
    assert [link.url for link in page.links] == [
        "https://en.jiangsu.gov.cn/art/2024/2/21/art_54128_10987654.html"
    ]


def test_hanweb_empty_datastore_is_an_empty_list_not_an_error() -> None:
    html = '<div id="1"><script type="text/xml"><datastore><recordset></recordset></datastore>'
    page = parse_list_page(html + "</script></div>", "https://www.jiangsu.gov.cn/col/col1/",
                           PROFILES["hanweb"][0])  # fmt: skip
    assert page.links == []


def test_chinadaily_protocol_relative_links_and_next_pager() -> None:
    page = parse(
        "chinadaily-list-protocol-relative.html",
        "https://www.ezhejiang.gov.cn/latest/index.html",
        "chinadaily",
    )
    assert [link.url for link in page.links] == [
        "https://www.ezhejiang.gov.cn/2024-08/05/c_1001234.htm",
        "https://www.ezhejiang.gov.cn/2024-08/02/c_1001199.htm",
        "https://www.ezhejiang.gov.cn/2024-07/30/c_1001150.htm",
    ]
    assert page.next_url == "https://www.ezhejiang.gov.cn/latest/index_2.html"  # not "Prev"


def test_next_pager_on_last_page_gives_none() -> None:
    html = ('<ul><li><a href="/2024-08/05/c_1.htm">A</a></li></ul><div id="div_currpage">'
            '<a class="pagestyle" href="index_2.html">Prev</a></div>')  # fmt: skip
    page = parse_list_page(html, "https://www.ezhejiang.gov.cn/latest/index_3.html",
                           PROFILES["chinadaily"][0])  # fmt: skip
    assert page.next_url is None


def test_truecms_doubled_slash_links_are_normalised() -> None:
    page = parse(
        "truecms-zh-list-doubled-slash.html",
        "https://www.shio.gov.cn/TrueCMS/shxwbgs/ywts/ywts.html",
        "truecms",
    )
    assert [link.url for link in page.links] == [
        "https://www.shio.gov.cn/TrueCMS/shxwbgs/ywts/content/794bcf91-02a5-4666-bbeb-9ccfe23548ad.htm",
        "https://www.shio.gov.cn/TrueCMS/shxwbgs/ywts/content/44bee286-669a-48d3-adb0-6d046dc83fdd.htm",
    ]


def test_selector_drift_raises_a_named_error() -> None:
    html = "<html><body><div class='newlist'><a href='/x/1.html'>item</a></div></body></html>"
    with pytest.raises(SelectorError) as caught:
        parse_list_page(html, "https://www.shanghai.gov.cn/nw12344/index.html",
                        PROFILES["shanghai"][0])  # fmt: skip
    message = str(caught.value)
    assert "ul.tadaty-list li a[href]" in message and "nw12344/index.html" in message


def test_blank_page_is_empty_not_drift() -> None:
    page = parse_list_page(
        "<html><body> <script>var x=1;</script></body></html>",
        "https://www.shanghai.gov.cn/nw12344/index_9.html",
        ListRules(),
    )
    assert page.links == []


def test_page_urls_templates() -> None:
    shanghai, govcn = PROFILES["shanghai"][0], PROFILES["govcn"][0]
    assert page_urls("https://www.shanghai.gov.cn/nw12344/index.html", shanghai, 3) == [
        "https://www.shanghai.gov.cn/nw12344/index.html",
        "https://www.shanghai.gov.cn/nw12344/index_2.html",
        "https://www.shanghai.gov.cn/nw12344/index_3.html",
    ]
    assert page_urls("https://www.gov.cn/yaowen/liebiao/home.htm", govcn, 3) == [
        "https://www.gov.cn/yaowen/liebiao/home.htm",
        "https://www.gov.cn/yaowen/liebiao/home_1.htm",
        "https://www.gov.cn/yaowen/liebiao/home_2.htm",
    ]
    assert page_urls("https://www.ezhejiang.gov.cn/latest/index.html", PROFILES["chinadaily"][0],
                     3) is None  # fmt: skip
    hanweb_start = "https://www.jiangsu.gov.cn/col/col60096/index.html"
    assert page_urls(hanweb_start, PROFILES["hanweb"][0], 3) == [hanweb_start]


def test_page_urls_rejects_zero_pages() -> None:
    with pytest.raises(ValueError, match="max_pages"):
        page_urls("https://www.gov.cn/a/home.htm", PROFILES["govcn"][0], 0)


# --- profiles and selectors ---------------------------------------------------------------------


def test_merge_rules_overrides_profile_defaults() -> None:
    list_rules, article_rules = merge_rules(
        "shanghai", {"links": "ul.list li a"}, {"date": ".Article-time", "furniture": [".ad"]}
    )
    assert list_rules.links == "ul.list li a"
    assert list_rules.page_url == "index_{n}.html"  # untouched default
    assert article_rules == ArticleRules(
        title="#ivs_title", date=".Article-time", body="#ivs_content", furniture=(".ad",)
    )


def test_merge_rules_without_cms_uses_plain_defaults() -> None:
    assert merge_rules(None, {"links": "a.t"}, {}) == (ListRules(links="a.t"), ArticleRules())


def test_unknown_cms_names_the_known_ones() -> None:
    with pytest.raises(ValueError, match="unknown cms 'wordpress'.*chinadaily.*shanghai"):
        merge_rules("wordpress", {}, {})


def test_unknown_override_key_is_an_error() -> None:
    with pytest.raises(ValueError, match="'link' in \\[source.list\\]"):
        merge_rules("govcn", {"link": "a"}, {})


def test_every_profile_selector_is_valid_css() -> None:
    for list_rules, article_rules in PROFILES.values():
        for css in (list_rules.links, list_rules.next, list_rules.skip, article_rules.title,
                    article_rules.date, article_rules.body, article_rules.source,
                    *article_rules.furniture):  # fmt: skip
            assert css is None or validate_css(css) is None, css


def test_validate_css_reports_bad_selectors_in_one_line() -> None:
    assert validate_css("ul.list li a") is None
    reason = validate_css("ul.list li a[href")
    assert reason is not None and "\n" not in reason and "ul.list li a[href" in reason
    assert validate_css("  ") is not None


def test_select_required_and_optional() -> None:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup("<ul><li><a href='/a'>a</a></li></ul>", "lxml")
    assert len(select_required(soup, "li a", "https://x.gov.cn/")) == 1
    with pytest.raises(SelectorError, match="'div.none' matched nothing on https://x.gov.cn/"):
        select_required(soup, "div.none", "https://x.gov.cn/")
    with pytest.raises(SelectorError, match="invalid"):
        select_required(soup, "a[", "https://x.gov.cn/")
    assert select_optional(soup, "div.none") == []


def test_invalid_links_selector_is_reported_as_invalid() -> None:
    with pytest.raises(SelectorError, match="invalid"):
        parse_list_page("<a href='/x'>x</a>", "https://x.gov.cn/", ListRules(links="li a["))


def test_dates_in_html_comments_are_ignored() -> None:
    html = ("<ul class='tadaty-list'><li><a href='/nw1/20240801/" + "a" * 32 + ".html'>t</a>"
            "<!-- 2019-01-01 --><span class='time'>2024-08-01</span></li></ul>")  # fmt: skip
    page = parse_list_page(html, "https://www.shanghai.gov.cn/nw1/index.html",
                           PROFILES["shanghai"][0])  # fmt: skip
    assert page.links[0].listed_date == day(2024, 8, 1)
