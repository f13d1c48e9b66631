"""List pages of every profile -> canonical article links, list dates and the next page."""

from datetime import datetime
from pathlib import Path

import pytest

from scrapers.dates import SHANGHAI_TZ
from scrapers.encoding import decode_html
from scrapers.listing import (
    ListPage,
    continuation_urls,
    hanweb_page_request,
    page_urls,
    parse_datastore,
    parse_list_page,
)
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


# --- JSON lists (gov.cn) ------------------------------------------------------------------------


def test_govcn_json_list_reads_title_url_and_date() -> None:
    text = (SITES / "govcn-jiedu-json-list.json").read_text(encoding="utf-8")
    page = parse_list_page(text, "https://www.gov.cn/zhengce/jiedu/ZCJD_QZ.json",
                           PROFILES["govcn"][0])  # fmt: skip
    assert [(link.url, link.listed_date) for link in page.links] == [
        ("https://www.gov.cn/zhengce/202408/content_6971500.htm", day(2024, 8, 8)),
        ("https://www.gov.cn/zhengce/jiedu/202407/content_6969321.htm", day(2024, 7, 24)),
    ]  # the item without URL and the non-article index page are dropped
    assert page.links[1].title == "专家解读：长三角公共服务便利共享的制度安排"  # <em> stripped


def test_json_list_is_read_when_configured_even_without_a_json_url() -> None:
    text = '{"data": {"list": [{"title": "t", "url": "/zhengce/202401/content_1.htm"}]}}'
    rules = ListRules(links="a[href]", json=True, url_pattern=r"content_\d+\.htm$")
    page = parse_list_page(text, "https://www.gov.cn/zhengce/zuixin/list", rules)
    assert [link.url for link in page.links] == ["https://www.gov.cn/zhengce/202401/content_1.htm"]


def test_broken_json_list_is_a_named_error() -> None:
    with pytest.raises(SelectorError, match="not valid JSON.*ZCJD_QZ.json"):
        parse_list_page('[{"TITLE": "x",', "https://www.gov.cn/zhengce/jiedu/ZCJD_QZ.json",
                        PROFILES["govcn"][0])  # fmt: skip


# --- Hanweb datastore pages 2+ ------------------------------------------------------------------


def test_hanweb_page_request_for_jiangsu_uses_the_nextgroup_fields() -> None:
    html = (SITES / "hanweb-list-cdata-records.html").read_text(encoding="utf-8")
    url, form = hanweb_page_request(
        "https://www.jiangsu.gov.cn/col/col60096/index.html", html, 2, 15
    )
    assert url == (
        "https://www.jiangsu.gov.cn/module/web/jpage/dataproxy.jsp"
        "?startrecord=4&endrecord=18&perpage=15"
    )
    assert form == {
        "col": "1", "appid": "1", "webid": "1", "path": "/", "columnid": "60096",
        "sourceContentType": "3", "unitid": "356383", "webname": "江苏省人民政府",
        "permissiontype": "0",
    }  # fmt: skip


def test_hanweb_page_request_for_zhejiang_uses_its_own_proxy_path() -> None:
    html = (SITES / "hanweb-zj-list-nextgroup.html").read_text(encoding="utf-8")
    url, form = hanweb_page_request(
        "https://www.zj.gov.cn/col/col1229019364/index.html", html, 3, 10
    )
    assert url.startswith("https://www.zj.gov.cn/module/jpage/dataproxy.jsp?")
    assert "startrecord=13&endrecord=22&perpage=10" in url  # page 1 embedded 2 records
    assert (form["webid"], form["unitid"], form["columnid"]) == ("3096", "4780131", "1229019364")
    page_4, _ = hanweb_page_request(
        "https://www.zj.gov.cn/col/col1229019364/index.html", html, 4, 10
    )
    assert "startrecord=23&endrecord=32" in page_4  # windows follow on without overlap
    assert form["webname"] == "浙江省人民政府门户网站"


def test_hanweb_page_request_without_a_web_id_gives_none() -> None:
    html = (SITES / "hanweb-list-no-nextgroup.html").read_text(encoding="utf-8")
    start = "https://www.jiangsu.gov.cn/col/col60096/index.html"
    assert hanweb_page_request(start, html, 2, 15) is None
    assert hanweb_page_request(start, "<html><body>no datastore</body></html>", 2, 15) is None
    cdata = (SITES / "hanweb-list-cdata-records.html").read_text(encoding="utf-8")
    assert hanweb_page_request(start, cdata, 1, 15) is None  # page 1 is the page itself


def test_parse_datastore_reads_a_dataproxy_response() -> None:
    text = (SITES / "hanweb-dataproxy-response.xml").read_text(encoding="utf-8")
    page = parse_datastore(text, "https://www.jiangsu.gov.cn/module/web/jpage/dataproxy.jsp",
                           PROFILES["hanweb"][0])  # fmt: skip
    assert [(link.url, link.listed_date) for link in page.links] == [
        ("https://www.jiangsu.gov.cn/art/2024/7/12/art_60096_11290001.html", day(2024, 7, 12)),
        ("https://www.jiangsu.gov.cn/art/2024/7/9/art_60096_11288765.html", day(2024, 7, 9)),
    ]


def test_parse_datastore_past_the_end_is_empty_not_drift() -> None:
    text = (SITES / "hanweb-dataproxy-empty.xml").read_text(encoding="utf-8")
    page = parse_datastore(text, "https://www.jiangsu.gov.cn/module/web/jpage/dataproxy.jsp",
                           PROFILES["hanweb"][0])  # fmt: skip
    assert page.links == []


def test_parse_datastore_with_drifted_records_names_the_selector() -> None:
    text = (
        "<datastore><recordset><record><![CDATA[<p>changed</p>]]></record></recordset></datastore>"
    )
    with pytest.raises(SelectorError, match="'li a\\[href\\]'.*datastore"):
        parse_datastore(text, "https://www.zj.gov.cn/module/jpage/dataproxy.jsp",
                        PROFILES["hanweb"][0])  # fmt: skip


# --- multi-page articles (China Daily-built sites) ----------------------------------------------


def test_continuation_urls_in_page_order_without_the_current_page() -> None:
    html = (SITES / "chinadaily-article-multipage.html").read_text(encoding="utf-8")
    url = "https://www.ezhejiang.gov.cn/2024-08/12/c_1001300.htm"
    assert continuation_urls(html, url) == [
        "https://www.ezhejiang.gov.cn/2024-08/12/c_1001300_2.htm",
        "https://www.ezhejiang.gov.cn/2024-08/12/c_1001300_3.htm",
    ]


def test_single_page_article_has_no_continuation() -> None:
    html = (SITES / "chinadaily-article-byline.html").read_text(encoding="utf-8")
    assert continuation_urls(html, "https://www.ezhejiang.gov.cn/2024-08/05/c_1001234.htm") == []
    assert continuation_urls(html, "https://www.gov.cn/zhengce/202401/content_1.htm") == []


# --- list quirks per site ----------------------------------------------------------------------


def test_shanghai_news_green_titles_leave_out_the_summary() -> None:
    page = parse_list_page(
        (SITES / "shanghai-zh-yaowen-news-green.html").read_text(encoding="utf-8"),
        "https://www.shanghai.gov.cn/zzbshyw/index.html",
        ListRules(
            links="ul.news-green li a[href]", url_pattern=PROFILES["shanghai"][0].url_pattern
        ),
    )
    assert [(link.title, link.listed_date) for link in page.links] == [
        ("市政府与兄弟省份商定共建跨界生态廊道", day(2024, 8, 5)),
        ("本市推进虹桥国际开放枢纽南向拓展带建设", day(2024, 8, 2)),
    ]  # dotted YYYY.MM.DD dates


def test_trs_list_slash_dates_relative_links_and_ext_pages() -> None:
    page = parse("trs-zh-list-slash-dates.html", "https://www.ndrc.gov.cn/fggz/dqjj/zdzl/", "trs")
    assert [(link.url, link.listed_date) for link in page.links] == [
        ("https://www.ndrc.gov.cn/fggz/dqjj/zdzl/202408/t20240809_1391234.html", day(2024, 8, 9)),
        ("https://www.ndrc.gov.cn/fggz/dqjj/zdzl/202407/t20240726_1390876_ext.html",
         day(2024, 7, 26)),
        ("https://www.ndrc.gov.cn/xwdt/xwfb/202407/t20240715_1390101.html", day(2024, 7, 15)),
    ]  # fmt: skip
    assert page.links[0].title.endswith("研究年度重点任务")  # the title attribute, not "…"


def test_trs_pagination_starts_at_index_1() -> None:
    assert page_urls("https://www.ndrc.gov.cn/fggz/dqjj/zdzl/", PROFILES["trs"][0], 3) == [
        "https://www.ndrc.gov.cn/fggz/dqjj/zdzl/",
        "https://www.ndrc.gov.cn/fggz/dqjj/zdzl/index_1.html",
        "https://www.ndrc.gov.cn/fggz/dqjj/zdzl/index_2.html",
    ]


def test_anhui_doc_list_with_both_date_spans_and_next_pager() -> None:
    page = parse("anhui-list-doc-list.html", "https://www.ah.gov.cn/zwyw/jryw/index.html", "anhui")
    assert [(link.url, link.listed_date) for link in page.links] == [
        ("https://www.ah.gov.cn/zwyw/jryw/565501234.html", day(2024, 8, 8)),
        ("https://www.ah.gov.cn/zwyw/jryw/565500987.html", day(2024, 8, 6)),
        ("https://www.ah.gov.cn/zwyw/ztzl/2024cjsl/565499876.html", day(2024, 8, 1)),
    ]
    assert page.next_url == "https://www.ah.gov.cn/zwyw/jryw/index_2.html"


def test_anhui_legacy_navjz_layout_skips_separator_items() -> None:
    page = parse("anhui-list-navjz-separators.html", "https://www.ah.gov.cn/zwyw/jryw/index.html",
                 "anhui")  # fmt: skip
    assert len(page.links) == 6
    assert page.links[5].title == "长三角G60科创走廊联席会议在宣城召开"
    assert page.links[5].listed_date == day(2020, 5, 29)
    assert page.next_url is None  # a javascript: pager is no page


def test_fgw_list_keeps_attachment_links_as_attachments() -> None:
    page = parse_list_page(
        (SITES / "shanghai-fgw-list-nowrapli-attachment.html").read_text(encoding="utf-8"),
        "https://fgw.sh.gov.cn/fgw_fzggdt/index.html",
        ListRules(links="ul.nowrapli li a[href]", url_pattern=PROFILES["shanghai"][0].url_pattern),
    )
    assert [link.is_attachment for link in page.links] == [False, True, False]
    assert page.links[1].url.endswith("2024年区域合作重点事项.pdf")
