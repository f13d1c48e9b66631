"""CMS profiles: article URL shapes, pagination and overrides per family (gov-sites.md)."""

import re

import pytest

from scrapers.listing import page_urls
from scrapers.profiles import PROFILES, merge_rules
from scrapers.registry import parse_sources

ARTICLE_URLS = {
    "shanghai": [
        "https://www.shanghai.gov.cn/nw12344/20221110/87151565cd6246c99854c129797d178c.html",
        "https://english.shanghai.gov.cn/en-Policies/20240731/538a0a5b68dd47c8bbc1e107b32bfaaa.html",
        "https://fgw.sh.gov.cn/fgw_fzggdt/20231019/440820b253814ef9929fb9cb6aa99e8f.html",
    ],
    "truecms": [
        "https://www.shio.gov.cn/TrueCMS/shxwbgs/ywts/content/794bcf91-02a5-4666-bbeb-9ccfe23548ad.htm",
        "https://en.shio.gov.cn/TrueCMS/shxwbgs/newss/content/20240725233654352.html",
    ],
    "hanweb": [
        "https://www.jiangsu.gov.cn/art/2024/6/22/art_60096_11277076.html",
        "https://www.zj.gov.cn/art/2024/1/26/art_1554467_60195319.html",
        "http://en.jiangsu.gov.cn/art/2024/2/21/art_54128_10987654.html",
    ],
    "trs": [
        "https://www.ndrc.gov.cn/fggz/dqjj/202209/t20220909_1368749.html",
        "https://www.ndrc.gov.cn/xwdt/xwfb/202404/t20240416_1365703_ext.html",
        "https://en.ndrc.gov.cn/news/mediarusources/202506/t20250626_1404387.html",
    ],
    "govcn": [
        "https://www.gov.cn/yaowen/liebiao/202408/content_6971234.htm",
        "https://www.gov.cn/zhengce/2019-12/01/content_5457442.htm",
        "https://english.www.gov.cn/policies/latestreleases/202102/18/content_WS602e2f4bc6d0719374af8ae6.html",
    ],
    "chinadaily": ["https://www.ezhejiang.gov.cn/2026-03/17/c_1168994.htm"],
    "anhui": [
        "https://www.ah.gov.cn/zwyw/jryw/565497491.html",
        "https://www.ah.gov.cn/public/1681/565487271.html",
    ],
}
LIST_URLS = {
    "shanghai": "https://www.shanghai.gov.cn/nw12344/index_2.html",
    "truecms": "https://www.shio.gov.cn/TrueCMS/shxwbgs/ywts/ywts.html",
    "hanweb": "https://www.jiangsu.gov.cn/col/col60096/index.html",
    "trs": "https://www.ndrc.gov.cn/fggz/dqjj/zdzl/index_1.html",
    "govcn": "https://www.gov.cn/yaowen/liebiao/home_1.htm",
    "chinadaily": "https://www.ezhejiang.gov.cn/latest/index_2.html",
    "anhui": "https://www.ah.gov.cn/zwyw/jryw/index.html",
}


def test_one_profile_per_family_of_the_design() -> None:
    assert set(PROFILES) == {"shanghai", "truecms", "hanweb", "trs", "govcn", "chinadaily", "anhui"}


@pytest.mark.parametrize("cms", sorted(ARTICLE_URLS))
def test_profile_url_pattern_takes_articles_and_leaves_list_pages(cms: str) -> None:
    pattern = re.compile(PROFILES[cms][0].url_pattern or "")
    for url in ARTICLE_URLS[cms]:
        assert pattern.search(url), url
    assert not pattern.search(LIST_URLS[cms])


def test_pagination_per_family() -> None:
    expected_page_2 = {
        "shanghai": "https://x.gov.cn/col/index_2.html",
        "govcn": "https://x.gov.cn/col/home_1.htm",
        "trs": "https://x.gov.cn/col/index_1.html",
    }
    for cms, page_2 in expected_page_2.items():
        assert page_urls("https://x.gov.cn/col/index.html", PROFILES[cms][0], 2)[1] == page_2
    assert PROFILES["chinadaily"][0].next and PROFILES["anhui"][0].next  # pager links
    assert PROFILES["hanweb"][0].datastore  # pages 2+ are POSTs, see hanweb_page_request


def test_body_fallbacks_cover_every_seen_body_container() -> None:
    bodies = {cms: rules[1].body or "" for cms, rules in PROFILES.items()}
    for container in ("#zoom", ".article_content", ".Custom_UnionStyle", "div.article-conter"):
        assert container in bodies["hanweb"]
    for container in ("div.TRS_Editor", "div.article_con"):
        assert container in bodies["trs"]
    for container in ("#UCAP-CONTENT", ".pages_content", "div.Artical_Content"):
        assert container in bodies["govcn"]
    assert bodies["anhui"] == "div.wzcon" and bodies["shanghai"] == "#ivs_content"


def test_source_override_keeps_the_rest_of_the_profile() -> None:
    list_rules, article_rules = merge_rules("shanghai", {"links": "a[href]"}, {})
    assert list_rules.links == "a[href]"
    assert list_rules.url_pattern == PROFILES["shanghai"][0].url_pattern
    assert list_rules.page_url == "index_{n}.html"
    assert article_rules == PROFILES["shanghai"][1]


def test_registry_accepts_json_lists_and_rejects_a_non_boolean() -> None:
    base = """[[source]]
id = "govcn-json"
name = "n"
region = "national"
language = "zh"
start_urls = ["https://www.gov.cn/zhengce/jiedu/ZCJD_QZ.json"]
cms = "govcn"
[source.list]
"""
    (source,) = parse_sources(base + "json = true\n", "t.toml")
    assert source.list.json is True and source.list.links == PROFILES["govcn"][0].links
    with pytest.raises(ValueError, match="t.toml: source 'govcn-json': key 'list.json'"):
        parse_sources(base + 'json = "yes"\n', "t.toml")
