"""Built-in CMS profiles: list, pagination and article rules shared by every site of one family.

Facts come from /work/shared/reference/gov-sites.md; where the reference marks a class
name unknown, the profile keeps a generic selector and a source overrides it in TOML.
"""

from __future__ import annotations

from dataclasses import fields, replace
from typing import Any

from scrapers.models import ArticleRules, ListRules

# Shanghai municipal CMS (www, english, fgw): policy lists ul.tadaty-list [seen]; fgw's
# ul.nowrapli, the "上海要闻" ul.news-green and the English lists ([unknown] class names) are
# set per source in the registry.
_SHANGHAI = (
    ListRules(
        links="ul.tadaty-list li a[href]",
        url_pattern=r"/\d{8}/[0-9a-f]{32}\.html$",
        page_url="index_{n}.html",
    ),
    ArticleRules(
        title="#ivs_title",
        body="#ivs_content",
        furniture=("div.newsbox", "#xggj", ".Article-title-zw", ".fontsize", ".share"),
    ),
)
# www.gov.cn (zh, content_N.htm) and english.www.gov.cn (content_WS<24 hex>.html) [seen];
# the JSON lists behind some columns are read when `json = true` or the URL ends in .json.
_GOVCN = (
    ListRules(
        links=".news_box .list li h4 a[href]",
        skip="li.line",
        url_pattern=r"content_\d+\.htm$|content_WS[0-9a-f]{24}\.html$",
        page_url="home_{i}.htm",
    ),
    ArticleRules(
        title="div.share-title",
        body="#UCAP-CONTENT, .pages_content, div.Artical_Content",
        source="div.pages-date .font",
        furniture=("img.wordlogo", "div.header_logo", ".editor", ".pages_print", "div.edit"),
    ),
)
# Hanweb JCMS: page 1 embeds <datastore>; pages 2+ are POSTs (scrapers.listing.hanweb_page_request).
_HANWEB = (
    ListRules(
        links="li a[href]",
        datastore=True,
        url_pattern=r"/art/\d{4}/\d{1,2}/\d{1,2}/art_\d+_\d+\.html$",
    ),
    ArticleRules(
        body="#zoom, .article_content, .Custom_UnionStyle, .bt-content, .zc_article_con, "
        "div.article-conter"
    ),
)
_CHINADAILY = (
    ListRules(
        links="a[href]",
        url_pattern=r"/\d{4}-\d{2}/\d{2}/c_\d+\.htm$",
        next="#div_currpage a.pagestyle",
    ),
    ArticleRules(title="h1", date="div.info", body="#Content", furniture=("#div_currpage",)),
)
_TRUECMS = (
    ListRules(
        links="#initData li a[href], .newslist li a[href]",
        url_pattern=r"/content/[0-9a-f-]{36}\.htm$|/content/\d{17}\.html$",
    ),
    ArticleRules(title="h1"),
)
# TRS (NDRC): list ul.u-list, date "YYYY/MM/DD", body div.TRS_Editor [seen]; pagination
# index_1.html, index_2.html ... is the TRS convention [inferred], so page 2 = index_1.html.
_TRS = (
    ListRules(
        links="ul.u-list li a[href]",
        url_pattern=r"/t\d{8}_\d+(?:_ext)?\.html$",
        page_url="index_{i}.html",
    ),
    ArticleRules(
        body="div.TRS_Editor, div.article_con, .article_l .article_con",
        furniture=("div.logo", "table.enclosure"),
    ),
)
# Anhui site-group platform: sub-sites ul.doc_list li + span.date, body div.wzcon [seen];
# www.ah.gov.cn's ≈2020 div.navjz layout (every 6th li a separator) kept as a fallback.
_ANHUI = (
    ListRules(
        links="ul.doc_list li a[href], div.navjz ul li a[href]",
        url_pattern=r"/\d{9}\.html$",
        next="a.default_pgNext",
    ),
    ArticleRules(body="div.wzcon"),
)

PROFILES: dict[str, tuple[ListRules, ArticleRules]] = {
    "shanghai": _SHANGHAI,
    "govcn": _GOVCN,
    "hanweb": _HANWEB,
    "chinadaily": _CHINADAILY,
    "truecms": _TRUECMS,
    "trs": _TRS,
    "anhui": _ANHUI,
}


def merge_rules(
    cms: str | None, list_overrides: dict[str, Any], article_overrides: dict[str, Any]
) -> tuple[ListRules, ArticleRules]:
    """Profile defaults overridden by the source's keys; unknown cms -> ValueError naming the known
    ones. Without a cms the plain defaults apply (links 'a[href]', automatic extraction)."""
    list_rules, article_rules = _profile(cms)
    return (
        _override(list_rules, list_overrides or {}, "[source.list]"),
        _override(article_rules, article_overrides or {}, "[source.article]"),
    )


def _profile(cms: str | None) -> tuple[ListRules, ArticleRules]:
    if cms is None:
        return ListRules(), ArticleRules()
    if cms not in PROFILES:
        known = ", ".join(sorted(PROFILES))
        raise ValueError(f"unknown cms {cms!r}; use one of: {known} (or omit cms)")
    return PROFILES[cms]


def _override(rules: ListRules | ArticleRules, overrides: dict[str, Any], table: str):
    """A copy of rules with the given keys replaced; unknown keys are an error, not ignored."""
    known = {field.name for field in fields(rules)}
    unknown = sorted(set(overrides) - known)
    if unknown:
        raise ValueError(
            f"unknown key {unknown[0]!r} in {table}; known keys: {', '.join(sorted(known))}"
        )
    values = dict(overrides)
    if "furniture" in values:
        values["furniture"] = tuple(values["furniture"])
    return replace(rules, **values)
