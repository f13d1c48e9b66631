"""Demo page shapes for the CMS families added with the full built-in registry (issue 3).

TRS (NDRC zh/en), the Anhui platform (www.ah.gov.cn and english.ah.gov.cn), the gov.cn
JSON lists and the english.www.gov.cn pages, TrueCMS in Chinese (www.shio.gov.cn) and the
Shanghai "上海要闻" list. Shapes follow gov-sites.md; everything it marks unknown is kept
plain and generic.
`scrapers.demo.render` calls these through its SHAPES and RENDERERS tables.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import timedelta
from html import escape

from scrapers.demo.render import (
    Archive,
    Article,
    Entry,
    PageContext,
    Site,
    clock,
    day_number,
    hex_id,
    link_list,
    long_date,
    meta_tags,
    page,
    paragraphs_html,
    render_articles,
    render_truecms_site,
    shanghai_article,
    shanghai_crumb,
    shanghai_footer,
    shanghai_header,
    shanghai_meta,
    shanghai_pager,
    stable_int,
)
from scrapers.demo.render import chunks as list_chunks

JSON_TYPE = "application/json; charset=utf-8"

# --------------------------------------------------------------------------- URL shapes


def trs_path(site: Site, article: Article) -> str:
    """<column>/YYYYMM/tYYYYMMDD_<7 digits>.html (NDRC, both languages)."""
    when = article.published
    number = 1_300_000 + day_number(when) * 40 + stable_int(article.id) % 40
    return f"{site.folder}{when:%Y%m}/t{when:%Y%m%d}_{number}.html"


def anhui_path(site: Site, article: Article) -> str:
    """/<column>/<9-digit id>.html: no date in the URL, ids growing with time.

    www.ah.gov.cn puts articles beside their list (/zwyw/jryw/565497491.html); the English
    site's column is unknown, so its pages live under /News/."""
    number = 550_000_000 + day_number(article.published) * 300 + stable_int(article.id) % 300
    column = "/News/" if site.folder == "/" else site.folder
    return f"{column}{number}.html"


def govcn_en_path(site: Site, article: Article) -> str:
    """/<column>/YYYYMM/DD/content_WS<24 hex>.html (english.www.gov.cn)."""
    when = article.published
    return f"{site.folder}{when:%Y%m}/{when:%d}/content_WS{hex_id(article.id)[:24]}.html"


def truecms_uuid_path(site: Site, article: Article) -> str:
    """/TrueCMS/shxwbgs/<column>/content/<UUID v4>.htm (www.shio.gov.cn)."""
    digest = hex_id(f"uuid:{article.id}")
    return f"{site.folder}content/{uuid.UUID(hex=digest, version=4)}.htm"


# --------------------------------------------------------------------------- TRS (NDRC)

TRS_LABELS = {
    "zh": ("首页", "发布时间：", "来源：", "国家发展和改革委员会", "打印", "关闭"),
    "en": (
        "Home",
        "Release time: ",
        "Source: ",
        "National Development and Reform Commission",
        "Print",
        "Close",
    ),
}


def trs_header(site: Site) -> str:
    home, *_rest, name, _print, _close = TRS_LABELS[site.language]
    return (
        f'<div class="logo"><a href="/"><img src="/images/logo.png" alt="{name}"></a></div>'
        f'<div class="nav"><a href="/">{home}</a> | <a href="{site.list_path}">'
        f"{escape(site.column)}</a></div>"
    )


def trs_footer(site: Site) -> str:
    if site.language == "en":
        return (
            '<div class="footer"><p>Copyright © National Development and Reform Commission '
            "(NDRC). All Rights Reserved.</p><p>京ICP备05052393号</p></div>"
        )
    return (
        '<div class="footer"><p>主办单位：国家发展和改革委员会　网站标识码：bm04000007</p>'
        "<p>京ICP备05052393号　京公网安备11010202000001号</p></div>"
    )


def trs_list_page(site: Site, items: Sequence[Entry], names: list[str], index: int) -> str:
    rows = "\n".join(
        f'<li><a href="./{e.path.removeprefix(site.folder)}" title="{escape(e.title)}" '
        f'target="_blank">{escape(e.title)}</a><span>{e.published:%Y/%m/%d}</span></li>'
        for e in items
    )
    pager = " ".join(
        f'<a href="{n.rsplit("/", 1)[1] or "./"}">{i + 1}</a>' for i, n in enumerate(names)
    )
    body = "\n".join(
        (
            trs_header(site),
            f'<div class="list"><ul class="u-list">\n{rows}\n</ul></div>',
            f'<div class="page">{pager}</div>',
            trs_footer(site),
        )
    )
    head = f"<title>{escape(site.column)}</title>\n" + meta_tags(
        [("SiteName", site.site_name), ("ColumnName", site.column)]
    )
    return page(head, body, lang=site.language)


def trs_article(context: PageContext) -> str:
    site, article = context.site, context.article
    _home, released, source_label, *_rest, print_label, close_label = TRS_LABELS[site.language]
    head = f"<title>{escape(article.title)}</title>\n" + meta_tags(
        [
            ("SiteName", site.site_name),
            ("ColumnName", site.column),
            ("ColumnType", site.column),
            ("ArticleTitle", article.title),
            ("PubDate", f"{clock(article.published)}:00"),
            ("ContentSource", article.content_source),
        ]
    )
    related = link_list(context.related, lambda e: f"https://{site.host}{e.path}")
    body = "\n".join(
        (
            trs_header(site),
            '<div class="article">',
            f'<div class="article_title">{escape(article.title)}</div>',
            f'<div class="article_time">{released}{article.published:%Y/%m/%d} '
            f"{source_label}{escape(article.content_source)}</div>",
            '<div class="article_con"><div class="TRS_Editor">\n'
            f"{paragraphs_html(article.paragraphs, site.language)}\n</div></div>",
            f'<div class="tools"><a>{print_label}</a> <a>{close_label}</a></div>',
            f'<div class="related">\n{related}</div>',
            "</div>",
            trs_footer(site),
        )
    )
    return page(head, body, lang=site.language)


def trs_list_names(site: Site, count: int) -> list[str]:
    """Page 1 is the column URL itself; page N is index_{N-1}.html (TRS convention)."""
    return [site.list_path if n == 0 else f"{site.folder}index_{n}.html" for n in range(count)]


def render_trs(site: Site, entries: Sequence[Entry], archive: Archive) -> None:
    pages = list_chunks(entries, site.per_page)
    names = trs_list_names(site, len(pages))
    for index, items in enumerate(pages):
        archive.add(site.host, names[index], trs_list_page(site, items, names, index))
    render_articles(site, entries, archive, trs_article)


# --------------------------------------------------------------------------- Anhui platform

AH_ZH_HEADER = (
    '<div class="header"><div class="top">无障碍 | 长者版 | English | 登录</div>'
    '<div class="nav"><a href="/">首页</a> 政务要闻 政务公开 政务服务 互动交流 走进安徽</div></div>'
)
AH_ZH_FOOTER = (
    '<div class="footer"><p>主办单位：安徽省人民政府办公厅　承办单位：安徽省数据资源管理局</p>'
    "<p>政府网站标识码：3400000060　皖ICP备05001224号　皖公网安备34010402700001号</p></div>"
)


def anhui_chrome(site: Site) -> tuple[str, str]:
    if site.language == "zh":
        return AH_ZH_HEADER, AH_ZH_FOOTER
    header = (
        '<div class="header"><div class="top">中文 | English</div><div class="nav">'
        '<a href="/">Home</a> News Government Invest Travel</div></div>'
    )
    footer = (
        '<div class="footer"><p>Sponsored by the General Office of Anhui Provincial People\'s '
        "Government</p><p>皖ICP备05001224号 Website Identification Code: 3400000060</p></div>"
    )
    return header, footer


def anhui_list_page(site: Site, entries: Sequence[Entry]) -> str:
    header, footer = anhui_chrome(site)
    rows = "\n".join(
        f'<li><a href="{e.path}" title="{escape(e.title)}" target="_blank">{escape(e.title)}</a>'
        f'<span class="date">{e.published:%Y-%m-%d}</span></li>'
        for e in entries
    )
    body = f'{header}\n<div class="navjz"><ul class="doc_list">\n{rows}\n</ul></div>\n{footer}'
    return page(f"<title>{escape(site.site_name)}</title>", body, lang="en")


def anhui_article(context: PageContext) -> str:
    site, article = context.site, context.article
    header, footer = anhui_chrome(site)
    head = f"<title>{escape(article.title)}</title>\n" + meta_tags(
        [
            ("SiteName", site.site_name),
            ("ColumnName", site.column),
            ("ArticleTitle", article.title),
            ("PubDate", clock(article.published)),
            ("ContentSource", article.content_source),
            ("HtmlGenerateTime", clock(article.published)),
        ]
    )
    body = "\n".join(
        (
            header,
            f'<div class="crumb"><a href="/">Home</a> &gt; {escape(site.column)}</div>',
            f'<div class="wztit">{escape(article.title)}</div>',
            f'<div class="wzinfo">Date: {article.published:%Y-%m-%d} Source: '
            f"{escape(article.content_source)}</div>",
            f'<div class="wzcon">\n{paragraphs_html(article.paragraphs, "en")}\n</div>',
            footer,
        )
    )
    return page(head, body, lang="en")


def anhui_zh_list_page(site: Site, entries: Sequence[Entry]) -> str:
    """www.ah.gov.cn in the current platform shape: ul.doc_list li, a[title], span.date."""
    header, footer = anhui_chrome(site)
    rows = "\n".join(
        f'<li><a href="{e.path}" title="{escape(e.title)}" target="_blank">{escape(e.title)}</a>'
        f'<span class="date">{e.published:%Y-%m-%d}</span></li>'
        for e in entries
    )
    column = site.list_path.split("/")[2]
    body = "\n".join(
        (
            header,
            f'<div class="position">当前位置：<a href="/">首页</a> &gt; 政务要闻 &gt; '
            f"{escape(site.column)}</div>",
            f'<div class="navjz_right"><ul class="doc_list list-{column}">\n{rows}\n</ul></div>',
            footer,
        )
    )
    head = f"<title>{escape(site.column)}_{escape(site.site_name)}</title>\n" + meta_tags(
        [("SiteName", site.site_name), ("SiteDomain", site.host), ("ColumnName", site.column)]
    )
    return page(head, body, lang="zh-CN")


def anhui_zh_article(context: PageContext) -> str:
    """Meta tags of the platform (PubDate, ContentSource, HtmlGenerateTime), body div.wzcon."""
    site, article = context.site, context.article
    header, footer = anhui_chrome(site)
    generated = article.published + timedelta(minutes=3, seconds=stable_int(article.id) % 60)
    head = f"<title>{escape(article.title)}_{escape(site.site_name)}</title>\n" + meta_tags(
        [
            ("SiteName", site.site_name),
            ("SiteDomain", site.host),
            ("ColumnName", site.column),
            ("ColumnType", site.column),
            ("ArticleTitle", article.title),
            ("PubDate", clock(article.published)),
            ("ContentSource", article.content_source),
            ("HtmlGenerateTime", f"{generated:%Y-%m-%d %H:%M:%S}"),
        ]
    )
    body = "\n".join(
        (
            header,
            f'<div class="position">当前位置：<a href="/">首页</a> &gt; '
            f'<a href="{site.list_path}">{escape(site.column)}</a></div>',
            f'<div class="wztit">{escape(article.title)}</div>',
            f'<div class="wzbjxx"><span>发布时间：{clock(article.published)}</span>'
            f"<span>来源：{escape(article.content_source)}</span><span>字号：大 中 小</span></div>",
            f'<div class="wzcon">\n{paragraphs_html(article.paragraphs, "zh")}\n</div>',
            '<div class="wzbot">【<a href="javascript:window.print()">打印本页</a>】'
            '【<a href="javascript:window.close()">关闭窗口</a>】</div>',
            '<div class="share">分享到：微信 微博</div>',
            footer,
        )
    )
    return page(head, body, lang="zh-CN")


def render_anhui(site: Site, entries: Sequence[Entry], archive: Archive) -> None:
    """www.ah.gov.cn (zh) or english.ah.gov.cn (en): one list page and its articles."""
    if site.language == "zh":
        archive.add(site.host, site.list_path, anhui_zh_list_page(site, entries))
        render_articles(site, entries, archive, anhui_zh_article)
        return
    archive.add(site.host, site.list_path, anhui_list_page(site, entries))
    render_articles(site, entries, archive, anhui_article)


# --------------------------------------------------------------------------- gov.cn JSON list


def govcn_json_list(site: Site, entries: Sequence[Entry]) -> str:
    """The JSON array behind a gov.cn column: {TITLE, URL, DOCRELPUBTIME, SUB_TITLE}."""
    items = [
        {
            "TITLE": e.title,
            "SUB_TITLE": "",
            "URL": f"https://{site.host}{e.path}",
            "DOCRELPUBTIME": f"{e.published:%Y-%m-%d}",
        }
        for e in entries
    ]
    return json.dumps(items, ensure_ascii=False, indent=1) + "\n"


def render_govcn_json(site: Site, entries: Sequence[Entry], archive: Archive) -> None:
    from scrapers.demo.render import govcn_article

    archive.add(site.host, site.list_path, govcn_json_list(site, entries), content_type=JSON_TYPE)
    render_articles(site, entries, archive, govcn_article)


# --------------------------------------------------------------------------- english.www.gov.cn

GOVCN_EN_HEADER = (
    '<div class="header"><div class="top">App | <a href="https://www.gov.cn/">中文</a> |</div>'
    '<div class="nav">HOME NEWS POLICIES STATE COUNCIL PREMIER SERVICES ARCHIVE</div></div>'
)
GOVCN_EN_FOOTER = (
    '<div class="footer"><p>Copyright© www.gov.cn | About us | Contact us</p>'
    "<p>Website Identification Code bm01000001</p><p>Registration Number: 05070218</p>"
    "<p>Mobile | Desktop</p></div>"
)


def govcn_en_list_page(site: Site, entries: Sequence[Entry]) -> str:
    rows = "\n".join(
        f'<li><a href="//{site.host}{e.path}" target="_blank">{escape(e.title)}</a>'
        f'<span class="date">{e.published:%Y-%m-%d}</span></li>'
        for e in entries
    )
    body = (
        f'{GOVCN_EN_HEADER}\n<div class="list-container"><ul>\n{rows}\n</ul></div>\n'
        f"{GOVCN_EN_FOOTER}"
    )
    return page(f"<title>{escape(site.column)}</title>", body, lang="en")


def govcn_en_article(context: PageContext) -> str:
    site, article = context.site, context.article
    head = f"<title>{escape(article.title)}</title>\n" + meta_tags(
        [("source", article.content_source), ("keywords", "Yangtze River Delta")]
    )
    related = link_list(context.related, lambda e: f"//{site.host}{e.path}")
    editor = ("Wang Xin", "Liu Qian", "Zhang Min")[stable_int(article.id) % 3]
    body = "\n".join(
        (
            GOVCN_EN_HEADER,
            f'<div class="crumb"><a href="/">HOME</a> &gt; {escape(site.column)}</div>',
            f'<div class="article"><h1 class="title">{escape(article.title)}</h1>',
            f'<div class="info">Updated: {long_date(article.published)} '
            f"{article.published:%H:%M}    {escape(article.content_source)}</div>",
            f'<div class="Artical_Content">\n{paragraphs_html(article.paragraphs, "en")}\n</div>',
            f'<div class="edit">Editor: {editor}</div></div>',
            f'<div class="related"><h3>Related stories</h3>\n{related}</div>',
            GOVCN_EN_FOOTER,
        )
    )
    return page(head, body, lang="en")


def render_govcn_en(site: Site, entries: Sequence[Entry], archive: Archive) -> None:
    archive.add(site.host, site.list_path, govcn_en_list_page(site, entries))
    render_articles(site, entries, archive, govcn_en_article)


# --------------------------------------------------------------------------- TrueCMS (Chinese)


def render_truecms_zh(site: Site, entries: Sequence[Entry], archive: Archive) -> None:
    """Same list and page chrome as the English TrueCMS site, in Chinese, UUID article ids."""
    render_truecms_site(site, entries, archive)


# --------------------------------------------------------------------------- 上海要闻 (news-green)


def yaowen_list_page(site: Site, items: Sequence[Entry], names: list[str], index: int) -> str:
    """`ul.news-green` items: title in .aa, abstract in .bb, date "YYYY.MM.DD" in .data01."""
    rows = "\n".join(
        f'<li><a href="{e.path}" title="{escape(e.title)}" target="_blank">'
        f'<p class="aa">{escape(e.title)}</p>'
        f'<p class="bb">{escape(_abstract(e))}</p></a>'
        f'<span class="data01">{e.published:%Y.%m.%d}</span></li>'
        for e in items
    )
    body = "\n".join(
        (
            shanghai_header(site),
            shanghai_crumb(site),
            f'<div class="main-list"><ul class="news-green">\n{rows}\n</ul>',
            shanghai_pager(site, names, index) + "</div>",
            shanghai_footer(site),
        )
    )
    title = f"{site.column}_{site.site_name}"
    return page(f"<title>{escape(title)}</title>\n{shanghai_meta(site)}", body, lang="zh")


def _abstract(entry: Entry) -> str:
    text = entry.article.paragraphs[0] if entry.article else ""
    return text[:60] + ("…" if len(text) > 60 else "")


def render_shanghai_yaowen(site: Site, entries: Sequence[Entry], archive: Archive) -> None:
    pages = list_chunks(entries, site.per_page)
    names = [
        site.folder + ("index.html" if n == 1 else f"index_{n}.html")
        for n in range(1, len(pages) + 1)
    ]
    for index, items in enumerate(pages):
        archive.add(site.host, names[index], yaowen_list_page(site, items, names, index))
    render_articles(site, entries, archive, shanghai_article)
