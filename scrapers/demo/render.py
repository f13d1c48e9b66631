"""Render the demo replay archive from the article JSON Lines files.

`python -m scrapers.demo.render` rewrites `scrapers/demo/archive/` from `articles_en.jsonl`
and `articles_zh.jsonl` (whichever exist). Output is deterministic: URLs, ids and quirks come
from hashes of the article ids and from the data, never from the clock or randomness, so the
committed archive only changes when the articles do.

Each source is rendered in its CMS's real shape (profiles.md): URL scheme, list markup and
pagination, meta tags, and the page furniture a parser must keep out of bodies. The archive
also carries the quirks the live sites show: a "∶" PubDate, both gov.cn timestamp formats,
entity-escaped Hanweb records, protocol-relative links, pages without a charset header, a PDF
attachment, a dead list link (404) and an Anhui WZWS challenge page. The challenge page is the
list of ONE demo-only source, `ah-zh-notices` (DEMO_ONLY_SITES): it is not a built-in source and
exists so the demo shows a blocked source, while every built-in source reads cleanly.

Article line format (one JSON object per line):
{"id", "source_id", "title", "published": "YYYY-MM-DD HH:MM", "content_source",
 "paragraphs": [...], "kind": "followup|unrelated|near_miss", "fields": [...], "note"}
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import logging
import re
import shutil
import sys
import tomllib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from html import escape
from http import HTTPStatus
from pathlib import Path

from scrapers.registry import builtin_sources_path
from scrapers.replay import DEFAULT_CONTENT_TYPE, HEADERS_FILE
from scrapers.warc import Exchange, WarcRecorder, record_id, warc_date
from warehouse.catalog import FIELDS  # the eight field ids of DESIGN.md

logger = logging.getLogger(__name__)

DEMO_DIR = Path(__file__).resolve().parent
ARCHIVE_DIR = DEMO_DIR / "archive"  # the folder form, written only on request (--dir)
WARC_PATH = DEMO_DIR / "archive.warc.gz"
SOURCES_PATH = DEMO_DIR / "sources.toml"
ARTICLE_FILES = ("articles_en.jsonl", "articles_zh.jsonl")
PER_PAGE = 8
KINDS = ("followup", "unrelated", "near_miss")
REQUIRED_KEYS = (
    "id",
    "source_id",
    "title",
    "published",
    "content_source",
    "paragraphs",
    "kind",
    "fields",
    "note",
)
PUBLISHED_FORMAT = "%Y-%m-%d %H:%M"
MAX_TEXT = 20_000  # characters per title or paragraph; the data is ours, but keep it sane
PDF_ARTICLE_ID = "en-004"  # the article whose body links a PDF attachment
ID_EPOCH = date(2018, 1, 1)  # CMS ids below grow with the publication day, as on the live sites
NO_CHARSET = "text/html"
DEAD_LINK_SOURCE = "sh-en-whatsnew"  # its list links one page that was taken down (404)
RATIO_COLON_SOURCE = "sh-zh-news"  # its oldest page writes PubDate with U+2236 "∶"


class ArticleDataError(ValueError):
    """Article data (or the archive folder) is unusable; the message says how to fix it."""


@dataclass(frozen=True)
class Article:
    """One invented article with its gold label."""

    id: str
    source_id: str
    title: str
    published: datetime
    content_source: str
    paragraphs: tuple[str, ...]
    kind: str
    fields: tuple[str, ...]
    note: str


@dataclass(frozen=True)
class Site:
    """A demo source: where its list lives and which CMS shape it has."""

    source_id: str
    host: str
    list_path: str
    profile: str
    language: str
    site_name: str
    column: str
    scheme: str = "https"  # the scheme of the source's start URL (some hosts are http only)
    per_page: int = PER_PAGE  # list items per page (smaller where paging must show with few)

    @property
    def folder(self) -> str:
        """The list page's folder, e.g. "/nw4411/"."""
        return self.list_path.rsplit("/", 1)[0] + "/"


MORE_SITES = (
    Site(
        "sh-zh-yaowen",
        "www.shanghai.gov.cn",
        "/zzbshyw/index.html",
        "shanghai-yaowen",
        "zh",
        "上海市人民政府",
        "上海要闻",
    ),
    Site(
        "sh-en-policies",
        "english.shanghai.gov.cn",
        "/en-Policies/index.html",
        "shanghai",
        "en",
        "Shanghai Municipal People's Government",
        "Policies",
    ),
    Site(
        "sh-zh-fgw",
        "fgw.sh.gov.cn",
        "/fgw_fzggdt/index.html",
        "shanghai",
        "zh",
        "上海市发展和改革委员会",
        "要闻动态",
    ),
    Site(
        "shio-zh-ywts",
        "www.shio.gov.cn",
        "/TrueCMS/shxwbgs/ywts/ywts.html",
        "truecms-zh",
        "zh",
        "上海市人民政府新闻办公室",
        "要闻推送",
    ),
    Site(
        "js-en-bulletin",
        "en.jiangsu.gov.cn",
        "/col/col54128/index.html",
        "hanweb",
        "en",
        "Jiangsu Provincial People's Government",
        "Government Bulletin",
        "http",
    ),
    Site(
        "zj-zh-docs",
        "www.zj.gov.cn",
        "/col/col1229019364/index.html",
        "hanweb",
        "zh",
        "浙江省人民政府门户网站",
        "省政府其他文件",
    ),
    Site(
        "ah-en-news",
        "english.ah.gov.cn",
        "/",
        "anhui",
        "en",
        "Anhui Provincial People's Government",
        "News",
        "http",
    ),
    Site(
        "govcn-zhengce",
        "www.gov.cn",
        "/zhengce/zuixin/home.htm",
        "govcn",
        "zh",
        "中国政府网",
        "最新政策",
    ),
    Site(
        "govcn-jiedu",
        "www.gov.cn",
        "/zhengce/jiedu/ZCJD_QZ.json",
        "govcn-json",
        "zh",
        "中国政府网",
        "政策解读",
    ),
    Site(
        "govcn-en-news",
        "english.www.gov.cn",
        "/news/",
        "govcn-en",
        "en",
        "The State Council of the People's Republic of China",
        "News",
    ),
    Site(
        "govcn-en-policies",
        "english.www.gov.cn",
        "/policies/latestreleases/",
        "govcn-en",
        "en",
        "The State Council of the People's Republic of China",
        "Latest Releases",
    ),
    Site(
        "ndrc-zh-zdzl",
        "www.ndrc.gov.cn",
        "/fggz/dqjj/zdzl/",
        "trs",
        "zh",
        "国家发展和改革委员会",
        "重大战略",
    ),
    Site(
        "ndrc-zh-dffzgh",
        "www.ndrc.gov.cn",
        "/fggz/fzzlgh/dffzgh/",
        "trs",
        "zh",
        "国家发展和改革委员会",
        "地方发展规划",
    ),
    Site(
        "ndrc-en-press",
        "en.ndrc.gov.cn",
        "/news/pressreleases/",
        "trs",
        "en",
        "National Development and Reform Commission",
        "Press Releases",
    ),
)
# In the demo registry but NOT in builtin.toml: a source whose list page is the WZWS challenge,
# so that a demo run shows a blocked source (in source_health and in the digest).
DEMO_ONLY_SITES = (
    Site(
        "ah-zh-notices",
        "www.ah.gov.cn",
        "/zwyw/tzgg/index.html",
        "challenge",
        "zh",
        "安徽省人民政府",
        "通知公告",
    ),
)
SITES: dict[str, Site] = {
    s.source_id: s
    for s in (
        Site(
            "sh-zh-news",
            "www.shanghai.gov.cn",
            "/nw4411/index.html",
            "shanghai",
            "zh",
            "上海市人民政府",
            "要闻",
            per_page=5,
        ),
        Site(
            "sh-en-whatsnew",
            "english.shanghai.gov.cn",
            "/en-Latest-WhatsNew/index.html",
            "shanghai",
            "en",
            "Shanghai Municipal People's Government",
            "What's New",
        ),
        Site(
            "govcn-yaowen",
            "www.gov.cn",
            "/yaowen/liebiao/home.htm",
            "govcn",
            "zh",
            "中国政府网",
            "要闻",
            per_page=5,
        ),
        Site(
            "js-zh-news",
            "www.jiangsu.gov.cn",
            "/col/col60096/index.html",
            "hanweb",
            "zh",
            "江苏省人民政府",
            "要闻关注",
        ),
        Site(
            "zj-en-latest",
            "www.ezhejiang.gov.cn",
            "/latest/index.html",
            "chinadaily",
            "en",
            "ezhejiang.gov.cn",
            "Latest",
        ),
        Site(
            "shio-en-press",
            "en.shio.gov.cn",
            "/TrueCMS/shxwbgs/newss/index.html",
            "truecms",
            "en",
            "Information Office of Shanghai Municipality",
            "Press Releases",
        ),
        Site(
            "ah-zh-news",
            "www.ah.gov.cn",
            "/zwyw/jryw/index.html",
            "anhui",
            "zh",
            "安徽省人民政府",
            "安徽要闻",
        ),
        *MORE_SITES,
        *DEMO_ONLY_SITES,
    )
}
# Sources that take articles (a challenge page hides its articles, so it gets none).
ARTICLE_SOURCES = tuple(s.source_id for s in SITES.values() if s.profile != "challenge")


# --------------------------------------------------------------------------- loading


def load_articles(path: Path) -> list[Article]:
    """Parse one JSON Lines file; the first bad line raises ArticleDataError naming it."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [
        parse_article_line(line, f"{path.name}:{number}")
        for number, line in enumerate(lines, 1)
        if line.strip()
    ]


def load_all_articles(folder: Path = DEMO_DIR) -> list[Article]:
    """All articles of the demo folder (English and, once written, Chinese); ids unique."""
    articles = [
        a
        for name in ARTICLE_FILES
        if (folder / name).exists()
        for a in load_articles(folder / name)
    ]
    seen: set[str] = set()
    for article in articles:
        if article.id in seen:
            raise ArticleDataError(f"article id '{article.id}' occurs twice; ids must be unique")
        seen.add(article.id)
    return articles


def parse_article_line(line: str, where: str) -> Article:
    """One line -> Article, or a one-line error saying which key is wrong."""
    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ArticleDataError(f"{where}: not valid JSON ({exc.msg}); fix the line") from exc
    if not isinstance(data, dict):
        raise ArticleDataError(f"{where}: expected a JSON object per line")
    missing = [key for key in REQUIRED_KEYS if key not in data]
    if missing:
        raise ArticleDataError(f"{where}: missing key(s) {', '.join(missing)}")
    return Article(
        id=_text(data, "id", where),
        source_id=_choice(data, "source_id", ARTICLE_SOURCES, where),
        title=_text(data, "title", where),
        published=_published(data, where),
        content_source=_text(data, "content_source", where),
        paragraphs=_text_list(data, "paragraphs", where),
        kind=_choice(data, "kind", KINDS, where),
        fields=_fields(data, where),
        note=_text(data, "note", where),
    )


def _text(data: dict, key: str, where: str) -> str:
    value = data[key]
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_TEXT:
        raise ArticleDataError(f"{where}: key '{key}' must be a non-empty string")
    return value.strip()


def _text_list(data: dict, key: str, where: str) -> tuple[str, ...]:
    value = data[key]
    if not isinstance(value, list) or not value:
        raise ArticleDataError(f"{where}: key '{key}' must be a non-empty list of strings")
    return tuple(_text({key: item}, key, where) for item in value)


def _choice(data: dict, key: str, allowed: Iterable[str], where: str) -> str:
    value = data[key]
    options = tuple(allowed)
    if value not in options:
        choices = ", ".join(options)
        raise ArticleDataError(f"{where}: key '{key}' is {value!r}; use one of {choices}")
    return value


def _published(data: dict, where: str) -> datetime:
    try:
        return datetime.strptime(str(data["published"]), PUBLISHED_FORMAT)
    except ValueError as exc:
        raise ArticleDataError(
            f"{where}: key 'published' is {data['published']!r}; write 'YYYY-MM-DD HH:MM'"
        ) from exc


def _fields(data: dict, where: str) -> tuple[str, ...]:
    value = data["fields"]
    if not isinstance(value, list) or any(item not in FIELDS for item in value):
        raise ArticleDataError(f"{where}: key 'fields' must list only {', '.join(FIELDS)}")
    if (data["kind"] == "followup") != bool(value):
        raise ArticleDataError(f"{where}: key 'fields' must be non-empty exactly for follow-ups")
    return tuple(value)


# --------------------------------------------------------------------------- archive model


@dataclass
class Archive:
    """Rendered files keyed "<host>/<path>", plus status / content-type overrides."""

    files: dict[str, bytes] = field(default_factory=dict)
    headers: dict[str, dict[str, object]] = field(default_factory=dict)

    def add(self, host: str, path: str, content: str | bytes, **override: object) -> None:
        """Store one page; two pages on one URL means two ids hash alike."""
        key = f"{host}{path}"
        if key in self.files:
            raise ArticleDataError(f"two pages map to {key}; change one of the article ids")
        self.files[key] = content.encode("utf-8") if isinstance(content, str) else content
        if override:
            self.headers[key] = dict(override)


@dataclass(frozen=True)
class Entry:
    """One list item: an article at its site path, or (article None) a deliberately dead link."""

    title: str
    published: datetime
    path: str
    article: Article | None = None


@dataclass(frozen=True)
class PageContext:
    """What an article page needs beyond its own entry."""

    site: Site
    entry: Entry
    related: tuple[Entry, ...]
    index: int  # position in the newest-first list
    count: int

    @property
    def article(self) -> Article:
        """The page's article (article pages are only rendered for real entries)."""
        if self.entry.article is None:
            raise ValueError(f"{self.entry.path}: a dead link has no article page")
        return self.entry.article


def stable_int(text: str) -> int:
    """A number that depends only on the text (no Python hash randomisation)."""
    return int(hashlib.sha256(text.encode("utf-8")).hexdigest()[:12], 16)


def hex_id(text: str) -> str:
    """A 32-hex id in the Shanghai CMS style."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def day_number(when: datetime) -> int:
    """Days since ID_EPOCH: the live CMS ids grow with time, so ours do too."""
    return (when.date() - ID_EPOCH).days


def long_date(when: datetime) -> str:
    """ "July 31, 2024" as on English bylines."""
    return f"{when:%B} {when.day}, {when.year}"


def clock(when: datetime) -> str:
    return when.strftime(PUBLISHED_FORMAT)


# --------------------------------------------------------------------------- URL shapes


def shanghai_path(site: Site, article: Article) -> str:
    """/<column>/<creation YYYYMMDD>/<32hex>.html; creation is 1-3 days before publication."""
    created = article.published - timedelta(days=1 + stable_int(article.id) % 3)
    return f"{site.folder}{created:%Y%m%d}/{hex_id(article.id)}.html"


def govcn_path(site: Site, article: Article) -> str:
    """/yaowen/liebiao/YYYYMM/content_N.htm, about a third of items under /zhengce/ instead."""
    noise = stable_int(article.id)
    number = 5_300_000 + day_number(article.published) * 700 + noise % 700
    folder = "/zhengce/" if noise % 3 == 1 else site.folder
    return f"{folder}{article.published:%Y%m}/content_{number}.htm"


def hanweb_path(site: Site, article: Article) -> str:
    """/art/YYYY/M/D/art_<column>_<id>.html with month and day not zero-padded."""
    when = article.published
    number = 9_500_000 + day_number(when) * 800 + stable_int(article.id) % 800
    column = site.list_path.split("/")[2].removeprefix("col")
    return f"/art/{when.year}/{when.month}/{when.day}/art_{column}_{number}.html"


def chinadaily_path(site: Site, article: Article) -> str:
    """/YYYY-MM/DD/c_<id>.htm."""
    number = 390_000 + day_number(article.published) * 260 + stable_int(article.id) % 260
    return f"/{article.published:%Y-%m/%d}/c_{number}.htm"


def truecms_path(site: Site, article: Article) -> str:
    """/TrueCMS/shxwbgs/newss/content/<YYYYMMDDHHMMSS + 3 digits>.html."""
    noise = stable_int(article.id)
    stamp = f"{article.published:%Y%m%d%H%M}{noise % 60:02d}{noise // 60 % 1000:03d}"
    return f"{site.folder}content/{stamp}.html"


def attachment_path(article: Article) -> str:
    """Where the demo PDF attachment of an article lives (Shanghai cmsres style)."""
    digest = hex_id(f"attachment:{article.id}")
    return f"/cmsres/{digest[:2]}/{digest}.pdf"


def place_entries(site: Site, articles: Sequence[Article]) -> list[Entry]:
    """Newest-first list entries with their site paths (plus the dead link on one site)."""
    ordered = sorted(articles, key=lambda a: (a.published, a.id), reverse=True)
    entries = [Entry(a.title, a.published, _path_for(site, a), a) for a in ordered]
    if site.source_id == DEAD_LINK_SOURCE:
        entries.append(dead_link_entry(site))
        entries.sort(key=lambda e: e.published, reverse=True)
    return entries


def _path_for(site: Site, article: Article) -> str:
    from scrapers.demo import families

    shapes: dict[str, Callable[[Site, Article], str]] = {
        "shanghai": shanghai_path,
        "shanghai-yaowen": shanghai_path,
        "govcn": govcn_path,
        "govcn-json": govcn_path,
        "govcn-en": families.govcn_en_path,
        "hanweb": hanweb_path,
        "chinadaily": chinadaily_path,
        "truecms": truecms_path,
        "truecms-zh": families.truecms_uuid_path,
        "trs": families.trs_path,
        "anhui": families.anhui_path,
    }
    return shapes.get(site.profile, shanghai_path)(site, article)


def dead_link_entry(site: Site) -> Entry:
    """A list item whose page was taken down: the crawler must record a 404 and go on."""
    return Entry(
        "Notice on adjusted opening hours of municipal service centers during the holiday",
        datetime(2025, 4, 28, 17, 0),
        f"{site.folder}20250427/{hex_id('withdrawn-notice')}.html",
    )


def related_entries(articles: Sequence[Entry], index: int, size: int = 3) -> tuple[Entry, ...]:
    """Up to `size` OTHER articles of the same site, next in the list (wrapping round)."""
    others = [articles[(index + step) % len(articles)] for step in range(1, len(articles))]
    return tuple(others[:size])


# --------------------------------------------------------------------------- shared markup


def paragraphs_html(paragraphs: Iterable[str], language: str) -> str:
    """Body paragraphs; Chinese ones carry the usual full-width indent and inline style."""
    if language == "zh":
        style = ' style="text-indent: 2em; font-family: 宋体;"'
        return "\n".join(f"<p{style}>\u3000\u3000{escape(p)}</p>" for p in paragraphs)
    return "\n".join(f"<p>{escape(p)}</p>" for p in paragraphs)


def meta_tags(pairs: Iterable[tuple[str, str]]) -> str:
    return "\n".join(f'<meta name="{name}" content="{escape(value)}">' for name, value in pairs)


def page(head: str, body: str, *, lang: str, charset: bool = True) -> str:
    """A whole HTML document; `charset=False` for hosts that declare none anywhere."""
    charset_tag = '<meta charset="utf-8">\n' if charset else ""
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n{charset_tag}'
        '<meta http-equiv="X-UA-Compatible" content="IE=edge">\n'
        f"{head}\n</head>\n<body>\n{body}\n</body>\n</html>\n"
    )


def link_list(entries: Iterable[Entry], href: Callable[[Entry], str]) -> str:
    items = (
        f'<li><a href="{escape(href(e))}" title="{escape(e.title)}" target="_blank">'
        f"{escape(e.title)}</a><span>{e.published:%Y-%m-%d}</span></li>"
        for e in entries
    )
    return "<ul>\n" + "\n".join(items) + "\n</ul>"


def chunks(entries: Sequence[Entry], size: int = PER_PAGE) -> list[Sequence[Entry]]:
    """List pages of `size` items; an empty site still has one (empty) page."""
    return [entries[i : i + size] for i in range(0, len(entries), size)] or [[]]


def article_entries(entries: Sequence[Entry]) -> list[Entry]:
    return [e for e in entries if e.article is not None]


def render_articles(
    site: Site,
    entries: Sequence[Entry],
    archive: Archive,
    article_page: Callable[[PageContext], str],
    **override: object,
) -> None:
    """Render every article page of a site with its related-news neighbours."""
    pages = article_entries(entries)
    for index, entry in enumerate(pages):
        context = PageContext(site, entry, related_entries(pages, index), index, len(pages))
        archive.add(site.host, entry.path, article_page(context), **override)


# --------------------------------------------------------------------------- shanghai


SH_LABELS = {
    "zh": {
        "home": "首页",
        "crumb": "当前位置：",
        "size": "字号：<a>大</a> <a>中</a> <a>小</a>",
        "print": "打印本页",
        "close": "关闭窗口",
        "share": "分享到：<a>微信</a> <a>微博</a>",
        "qr": "扫一扫在手机打开当前页",
        "related": "相关新闻",
        "more": "相关稿件",
        "next": "下一页",
        "first": "首页",
        "last": "尾页",
        "source": "来源：",
    },
    "en": {
        "home": "Home",
        "crumb": "",
        "size": "Font size: <a>L</a> <a>M</a> <a>S</a>",
        "print": "Print",
        "close": "Close",
        "share": "Share to: <a>WeChat</a> <a>Weibo</a>",
        "qr": "Scan the QR code to open this page on your phone",
        "related": "Related News",
        "more": "Related Stories",
        "next": "Next",
        "first": "First",
        "last": "Last",
        "source": "Source: ",
    },
}


def shanghai_header(site: Site) -> str:
    labels = SH_LABELS[site.language]
    switch = "繁體 | 简体 | English" if site.language == "zh" else "中文 | English"
    return (
        f'<div class="header"><div class="top-bar">{switch} | 无障碍浏览</div>\n'
        f'<div class="nav"><a href="/">{labels["home"]}</a> '
        f'<a href="{site.list_path}">{escape(site.column)}</a></div></div>'
    )


def shanghai_crumb(site: Site) -> str:
    labels = SH_LABELS[site.language]
    if site.language == "en":
        return (
            f'<div class="crumb"><a href="/">Home</a>&gt; <a href="{site.list_path}">Latest</a>'
            f"&gt; {escape(site.column)}</div>"
        )
    return (
        f'<div class="crumb">{labels["crumb"]}<a href="/">首页</a> &gt; '
        f'<a href="{site.list_path}">{escape(site.column)}</a></div>'
    )


def shanghai_footer(site: Site) -> str:
    if site.language == "en":
        return (
            '<div class="footer"><p>Sponsored by the General Office of Shanghai Municipal '
            "People's Government | Copyright© Shanghai Municipal People's Government</p>"
            "<p>Website Identification Code: 3100000010 | 沪ICP备12001250号-1</p></div>"
        )
    return (
        '<div class="footer"><p><a href="/">网站地图</a> | 联系我们 | 网站声明</p>'
        "<p>主办单位：上海市人民政府办公厅　承办单位：上海市大数据中心</p>"
        "<p>政府网站标识码：3100000010　沪ICP备12001250号-1　沪公网安备31010102002201号</p></div>"
    )


def shanghai_meta(site: Site, extra: Iterable[tuple[str, str]] = ()) -> str:
    base = [
        ("SiteName", site.site_name),
        ("SiteDomain", site.host),
        ("SiteIDCode", "3100000010"),
        ("ColumnName", site.column),
        ("ColumnType", site.column),
    ]
    return meta_tags([*base, *extra])


def shanghai_list_pages(site: Site, entries: Sequence[Entry]) -> list[tuple[str, str]]:
    """index.html, index_2.html, ... with the tadaty-list ul."""
    pages = chunks(entries, site.per_page)
    names = [
        site.folder + ("index.html" if n == 1 else f"index_{n}.html")
        for n in range(1, len(pages) + 1)
    ]
    return [(names[i], shanghai_list_page(site, items, names, i)) for i, items in enumerate(pages)]


def shanghai_list_page(site: Site, items: Sequence[Entry], names: list[str], index: int) -> str:
    rows = "\n".join(
        f'<li><a href="{e.path}" title="{escape(e.title)}" target="_blank">{escape(e.title)}</a> '
        f'<span class="time">{e.published:%Y-%m-%d}</span></li>'
        for e in items
    )
    body = "\n".join(
        (
            shanghai_header(site),
            shanghai_crumb(site),
            '<div class="main-list"><ul class="tadaty-list uli14 nowrapli list-date">'
            f"\n{rows}\n</ul>",
            shanghai_pager(site, names, index) + "</div>",
            shanghai_footer(site),
        )
    )
    title = f"{site.column}_{site.site_name}"
    return page(f"<title>{escape(title)}</title>\n{shanghai_meta(site)}", body, lang=site.language)


def shanghai_pager(site: Site, names: list[str], index: int) -> str:
    labels = SH_LABELS[site.language]
    links = [f'<a href="{names[0]}">{labels["first"]}</a>']
    if index + 1 < len(names):
        links.append(f'<a href="{names[index + 1]}">{labels["next"]}</a>')
    links.append(f'<a href="{names[-1]}">{labels["last"]}</a>')
    return f'<div class="pagination" name="whj_nextPage">{" ".join(links)}</div>'


def shanghai_pubdate(context: PageContext) -> str:
    """Meta PubDate; the oldest Chinese page uses U+2236 "∶" as the live site sometimes does."""
    stamp = clock(context.entry.published)
    is_oldest_zh = (
        context.site.source_id == RATIO_COLON_SOURCE and context.index == context.count - 1
    )
    return stamp.replace(":", "\u2236") if is_oldest_zh else stamp


def shanghai_article(context: PageContext) -> str:
    site, article = context.site, context.article
    head = "\n".join(
        (
            f"<title>{escape(article.title)}</title>",
            shanghai_meta(
                site,
                [
                    ("ArticleTitle", article.title),
                    ("PubDate", shanghai_pubdate(context)),
                    ("ContentSource", article.content_source),
                    ("Keywords", ""),
                ],
            ),
        )
    )
    body = "\n".join(
        (
            shanghai_header(site),
            shanghai_crumb(site),
            '<div class="Article">',
            f'<div id="ivs_title" class="Article_title">{escape(article.title)}</div>',
            shanghai_byline(site, article),
            '<div id="ivs_content" class="trout-region-content">',
            shanghai_body(site, article),
            "</div>",
            shanghai_tools(site),
            "</div>",
            shanghai_related(site, context.related),
            shanghai_footer(site),
        )
    )
    return page(head, body, lang=site.language)


def shanghai_byline(site: Site, article: Article) -> str:
    labels = SH_LABELS[site.language]
    if site.language == "en":
        line = f"{escape(article.content_source)}| {long_date(article.published)}"
    else:
        line = f"{clock(article.published)}　{labels['source']}{escape(article.content_source)}"
    return (
        f'<div class="Article-time"><span>{line}</span> '
        f'<span class="fontsize">{labels["size"]}</span></div>'
    )


def shanghai_body(site: Site, article: Article) -> str:
    text = paragraphs_html(article.paragraphs, site.language)
    if article.id == PDF_ARTICLE_ID:
        href = attachment_path(article)
        text += (
            f'\n<p>Attachment: <a href="{href}" target="_blank">'
            f"{escape(article.title)} (full text).pdf</a></p>"
        )
    return text


def shanghai_tools(site: Site) -> str:
    labels = SH_LABELS[site.language]
    return (
        f'<div class="Article-tool"><a href="javascript:window.print()">{labels["print"]}</a> '
        f'<a href="javascript:window.close()">{labels["close"]}</a></div>\n'
        f'<div class="share">{labels["share"]}</div>\n<div class="qrcode">{labels["qr"]}</div>'
    )


def shanghai_related(site: Site, related: Sequence[Entry]) -> str:
    labels = SH_LABELS[site.language]
    box = link_list(related, lambda e: e.path)
    more = link_list(related[:1], lambda e: e.path)
    return (
        f'<div class="newsbox"><h3>{labels["related"]}</h3>\n{box}</div>\n'
        f'<div id="xggj"><h3>{labels["more"]}</h3>\n{more}</div>'
    )


def render_shanghai(site: Site, entries: Sequence[Entry], archive: Archive) -> None:
    for path, text in shanghai_list_pages(site, entries):
        archive.add(site.host, path, text)
    render_articles(site, entries, archive, shanghai_article)


# --------------------------------------------------------------------------- gov.cn


GOVCN_FOOTER = (
    '<div class="footer"><p>主办单位：国务院办公厅　运行维护单位：中国政府网运行中心</p>'
    "<p>版权所有：中国政府网　中文域名：中国政府网.政务　网站标识码bm01000001</p>"
    "<p>京ICP备05070218号　京公网安备11010202000001号</p></div>"
)
GOVCN_HEADER = (
    '<div class="header"><div class="header_logo"><a href="/" aria-label="中国政府网首页">'
    '<img class="wordlogo" src="/images/logo.png" alt="中国政府网"></a></div>'
    '<div class="nav">首页 | 简 | 繁 | EN | 登录 | 无障碍</div></div>'
)
EDITORS = ("王晓宁", "陈思远", "刘一帆", "张若溪", "赵文博")


def govcn_href(site: Site, entry: Entry, index: int) -> str:
    """The three link styles of gov.cn lists: ./ relative, ../../ relative, absolute."""
    if index % 5 == 2:
        return f"https://{site.host}{entry.path}"
    if entry.path.startswith("/zhengce/"):
        return "../.." + entry.path
    return "./" + entry.path.removeprefix(site.folder)


def govcn_list_pages(site: Site, entries: Sequence[Entry]) -> list[tuple[str, str]]:
    """home.htm, home_1.htm, ... with li.line separators every five items."""
    pages = chunks(entries, site.per_page)
    names = [site.folder + ("home.htm" if n == 0 else f"home_{n}.htm") for n in range(len(pages))]
    return [
        (names[i], govcn_list_page(site, items, names, i * site.per_page))
        for i, items in enumerate(pages)
    ]


def govcn_list_page(site: Site, items: Sequence[Entry], names: list[str], offset: int) -> str:
    rows: list[str] = []
    for number, entry in enumerate(items):
        href = govcn_href(site, entry, offset + number)
        rows.append(
            f'<li><h4><a href="{escape(href)}" target="_blank">{escape(entry.title)}</a>'
            f'<span class="date">{entry.published:%Y-%m-%d}</span></h4></li>'
        )
        if number % 5 == 4:
            rows.append('<li class="line"></li>')
    pager = " ".join(f'<a href="{n.rsplit("/", 1)[1]}">{i + 1}</a>' for i, n in enumerate(names))
    body = "\n".join(
        (
            GOVCN_HEADER,
            '<div class="BreadcrumbNav">当前位置：<a href="/">首页</a> &gt; 要闻</div>',
            '<div class="news_box"><div class="list list_1 list_2"><ul>\n'
            + "\n".join(rows)
            + "\n</ul></div></div>",
            f'<div class="pages">{pager}</div>',
            GOVCN_FOOTER,
        )
    )
    return page(
        f"<title>要闻_{site.site_name}</title>\n" + meta_tags([("lanmu", "要闻")]),
        body,
        lang="zh-CN",
    )


def govcn_timestamp(when: datetime, index: int) -> str:
    """Both observed firstpublishedtime shapes, alternating between pages."""
    return when.strftime("%Y-%m-%d-%H:%M:%S" if index % 2 == 0 else "%Y-%m-%d %H:%M:%S")


def govcn_article(context: PageContext) -> str:
    site, entry, article = context.site, context.entry, context.article
    stamp = govcn_timestamp(article.published, context.index)
    manuscript = entry.path.rsplit("_", 1)[1].removesuffix(".htm")
    head = f"<title>{escape(article.title)}_滚动新闻_{site.site_name}</title>\n" + meta_tags(
        [
            ("firstpublishedtime", stamp),
            ("lastmodifiedtime", stamp),
            ("author", article.content_source),
            ("keywords", ""),
            ("lanmu", site.column),
            ("manuscriptId", manuscript),
        ]
    )
    related = link_list(context.related, lambda e: f"https://{site.host}{e.path}")
    editor = EDITORS[stable_int(article.id) % len(EDITORS)]
    body = "\n".join(
        (
            GOVCN_HEADER,
            '<div class="BreadcrumbNav">当前位置：<a href="/">首页</a> &gt; '
            f'<a href="{site.list_path}">要闻</a></div>',
            '<div class="article oneColumn pub_border">',
            f'<div class="share-title">{escape(article.title)}</div>',
            f'<div class="pages-date">{article.published:%Y-%m-%d %H:%M} '
            f'<span class="font">来源：{escape(article.content_source)}</span> '
            '<span class="font index_switchsize">字号：默认 大 超大</span> | 打印 |</div>',
            '<div class="pages_content mhide" id="UCAP-CONTENT"><div class="TRS_UEDITOR TRS_WEB">\n'
            f"{paragraphs_html(article.paragraphs, 'zh')}\n</div></div>",
            f'<div class="editor">【我要纠错】 责任编辑：{editor}</div>',
            '<div class="share">分享到：微信 微博</div>',
            f'<div class="relatedNews"><h3>相关稿件</h3>\n{related}</div>',
            "</div>",
            GOVCN_FOOTER,
        )
    )
    return page(head, body, lang="zh-CN")


def render_govcn(site: Site, entries: Sequence[Entry], archive: Archive) -> None:
    for path, text in govcn_list_pages(site, entries):
        archive.add(site.host, path, text)
    render_articles(site, entries, archive, govcn_article)


# --------------------------------------------------------------------------- hanweb (Jiangsu)


HANWEB_UNIT = "356383"
HANWEB_FOOTER = (
    '<div class="footer"><p>主办单位：江苏省人民政府办公厅　承办单位：江苏省大数据管理中心</p>'
    "<p>政府网站标识码：3200000063　苏ICP备05002136号　苏公网安备32010202010001号</p>"
    "<p>网站地图 | 网站违法和不良信息举报</p></div>"
)
HANWEB_HEADER = (
    '<div class="header"><div class="top">繁體 | 简体 | 无障碍 | English</div>'
    '<div class="nav"><a href="/">首页</a> 省政府 政务公开 政务服务 互动交流</div></div>'
)


HANWEB_CHROME = {  # host -> (header, footer); Jiangsu's is the default
    "www.zj.gov.cn": (
        '<div class="header"><div class="top">无障碍 | 长者模式 | English</div>'
        '<div class="nav"><a href="/">首页</a> 要闻动态 政务公开 政务服务 互动交流</div></div>',
        '<div class="footer"><p>主办单位：浙江省人民政府办公厅</p>'
        "<p>政府网站标识码：3300000026　浙ICP备12003387号　浙公网安备33010002000001号</p></div>",
    ),
    "en.jiangsu.gov.cn": (
        '<div class="header"><div class="top">中文 | English</div>'
        '<div class="nav"><a href="/">Home</a> Provincial Government | Business | Travel</div>'
        "</div>",
        '<div class="footer"><p>Sponsored by the General Office of Jiangsu Provincial People\'s '
        "Government</p><p>苏ICP备05002136号 Website Identification Code: 3200000063</p></div>",
    ),
}
HANWEB_PROXY = {"www.zj.gov.cn": ("/module/jpage/dataproxy.jsp", "3096")}


def hanweb_chrome(site: Site) -> tuple[str, str]:
    return HANWEB_CHROME.get(site.host, (HANWEB_HEADER, HANWEB_FOOTER))


def hanweb_crumb(site: Site) -> str:
    if site.language == "en":
        return (
            '<div class="bt-position">The current position: <a href="/">Home page</a> &gt; '
            f'Provincial Government &gt; <a href="{site.list_path}">{escape(site.column)}</a></div>'
        )
    return (
        f'<div class="bt-position">当前位置：<a href="/">首页</a> &gt; '
        f'<a href="{site.list_path}">{escape(site.column)}</a></div>'
    )


def short_title(title: str, limit: int = 26) -> str:
    """Hanweb lists show a clipped title; the full one is in the title attribute."""
    return title if len(title) <= limit else title[: limit - 1] + "…"


def hanweb_record(entry: Entry, index: int) -> str:
    """One <record>: CDATA normally, entity-escaped every other item, a spaced date sometimes."""
    when = f"{entry.published:%Y-%m-%d}"
    if index % 4 == 3:
        when = when.replace("-", "- ", 1)
    item = (
        f'<li><a href="{escape(entry.path)}" title="{escape(entry.title)}" target="_blank">'
        f"{escape(short_title(entry.title))}</a><span>{when}</span></li>"
    )
    if index % 2 == 1:
        return f"<record>{escape(item, quote=True)}</record>"
    return f"<record><![CDATA[{item}]]></record>"


def hanweb_list_page(site: Site, entries: Sequence[Entry]) -> str:
    column = site.list_path.split("/")[2].removeprefix("col")
    proxy_path, webid = HANWEB_PROXY.get(site.host, ("/module/web/jpage/dataproxy.jsp", "1"))
    proxy = (
        f"{proxy_path}?page=1&appid=1&webid={webid}&path=/&columnid={column}"
        f"&unitid={HANWEB_UNIT}&webname={site.site_name}&permissiontype=0"
    )
    header, footer = hanweb_chrome(site)
    records = "\n".join(hanweb_record(e, i) for i, e in enumerate(entries))
    datastore = (
        f'<div id="{HANWEB_UNIT}"><script type="text/xml"><datastore>\n'
        f'<nextgroup><![CDATA[<a href="{proxy}"></a>]]></nextgroup>\n'
        f"<recordset>\n{records}\n</recordset>\n<totalrecord>{len(entries)}</totalrecord>\n"
        "</datastore></script>\n"
        '<script language="javascript" src="/module/web/jpage/jpage.js"></script></div>'
    )
    body = "\n".join(
        (header, hanweb_crumb(site), f'<div class="main-fr">{datastore}</div>', footer)
    )
    head = f"<title>{escape(site.column)} {escape(site.site_name)}</title>\n" + meta_tags(
        [("SiteName", site.site_name), ("SiteDomain", site.host), ("ColumnName", site.column)]
    )
    return page(head, body, lang="zh-CN" if site.language == "zh" else "en")


def hanweb_article(context: PageContext) -> str:
    site, article = context.site, context.article
    head = f"<title>{escape(article.title)} {site.column} {site.site_name}</title>\n" + meta_tags(
        [
            ("SiteName", site.site_name),
            ("SiteDomain", site.host),
            ("ColumnName", site.column),
            ("ColumnType", site.column),
            ("ArticleTitle", article.title),
            ("PubDate", clock(article.published)),
            ("ContentSource", article.content_source),
        ]
    )
    related = link_list(context.related, lambda e: e.path)
    if site.language == "en":
        return page(head, hanweb_english_body(context, related), lang="en")
    header, footer = hanweb_chrome(site)
    body = "\n".join(
        (
            header,
            hanweb_crumb(site),
            f'<div class="sp_title">{escape(article.title)}</div>',
            f'<div class="sp_time"><font>发布日期：{clock(article.published)}</font> '
            f"<font>来源：{escape(article.content_source)}</font> <font>浏览次数：</font> "
            "<font>字号：〖<a>大</a> <a>中</a> <a>小</a>〗</font></div>",
            f'<div id="zoom">\n{paragraphs_html(article.paragraphs, "zh")}\n</div>',
            '<div class="sp_print">【<a href="javascript:window.print()">打印本页</a>】'
            '【<a href="javascript:window.close()">关闭窗口</a>】</div>',
            '<div class="share">分享到：微信 微博 QQ空间</div>',
            f'<div class="xgxw"><h3>相关文章</h3>\n{related}</div>',
            footer,
        )
    )
    return page(head, body, lang="zh-CN")


def hanweb_english_body(context: PageContext, related: str) -> str:
    """en.jiangsu.gov.cn: breadcrumb, h2 title, "updated on:YYYY-MM-DD HH:MM", #zoom body."""
    site, article = context.site, context.article
    header, footer = hanweb_chrome(site)
    return "\n".join(
        (
            header,
            hanweb_crumb(site),
            f'<h2 class="title">{escape(article.title)}</h2>',
            f'<div class="time">updated on:{clock(article.published)}</div>',
            f'<div id="zoom">\n{paragraphs_html(article.paragraphs, "en")}\n</div>',
            '<div class="tools"><a href="javascript:window.print()">Print</a> '
            '<a href="javascript:window.close()">Close</a></div>',
            f'<div class="related"><h3>Related</h3>\n{related}</div>',
            footer,
        )
    )


def render_hanweb(site: Site, entries: Sequence[Entry], archive: Archive) -> None:
    archive.add(site.host, site.list_path, hanweb_list_page(site, entries))
    render_articles(site, entries, archive, hanweb_article)


# --------------------------------------------------------------------------- chinadaily (Zhejiang)


CD_FOOTER = (
    '<div class="footer"><p>Copyright © The Information Office of Zhejiang Provincial People\'s '
    "Government. All rights reserved.</p><p>Presented by China Daily. 浙ICP备12003387号</p></div>"
)


def chinadaily_header(site: Site) -> str:
    root = f"//{site.host}"
    return (
        f'<div class="header"><a href="{root}/">Home</a> | <a href="{root}{site.list_path}">'
        "Latest</a> | Business | Culture | Travel | Cities</div>"
    )


def chinadaily_list_pages(site: Site, entries: Sequence[Entry]) -> list[tuple[str, str]]:
    """index.html, index_2.html, ... chained by a "Next" link."""
    pages = chunks(entries, site.per_page)
    names = ["index.html" if n == 1 else f"index_{n}.html" for n in range(1, len(pages) + 1)]
    return [
        (site.folder + names[i], chinadaily_list_page(site, items, names, i))
        for i, items in enumerate(pages)
    ]


def chinadaily_list_page(site: Site, items: Sequence[Entry], names: list[str], index: int) -> str:
    rows = "\n".join(
        f'<li><h4><a href="//{site.host}{e.path}" target="_blank">{escape(e.title)}</a></h4>'
        f"<b>{e.published:%Y-%m-%d}</b></li>"
        for e in items
    )
    pager = [f'<a href="{names[index - 1]}">Previous</a>'] if index > 0 else []
    if index + 1 < len(names):
        pager.append(f'<a href="{names[index + 1]}" class="pagestyle">Next</a>')
    body = "\n".join(
        (
            chinadaily_header(site),
            f'<div class="crumb"><a href="//{site.host}/">Home</a>&gt; Latest</div>',
            f'<div class="tw3_01_2"><ul>\n{rows}\n</ul></div>',
            f'<div id="div_currpage">{" ".join(pager)}</div>',
            CD_FOOTER,
        )
    )
    return page("<title>Latest - ezhejiang.gov.cn</title>", body, lang="en")


def chinadaily_article(context: PageContext) -> str:
    site, article = context.site, context.article
    description = article.paragraphs[0][:160]
    head = f"<title>{escape(article.title)}</title>\n" + meta_tags(
        [("keywords", "Zhejiang"), ("description", description)]
    )
    related = link_list(context.related, lambda e: f"//{site.host}{e.path}")
    body = "\n".join(
        (
            chinadaily_header(site),
            f'<div class="crumb"><a href="//{site.host}/">Home</a>&gt; '
            f'<a href="//{site.host}{site.list_path}">Latest</a></div>',
            f"<h1>{escape(article.title)}</h1>",
            f'<div class="info">{escape(article.content_source)}| Updated: '
            f"{long_date(article.published)} "
            '<span class="fz"><a>L</a> <a>M</a> <a>S</a></span></div>',
            f'<div id="Content">\n{paragraphs_html(article.paragraphs, "en")}\n</div>',
            f'<div class="related"><h3>Related stories</h3>\n{related}</div>',
            CD_FOOTER,
        )
    )
    return page(head, body, lang="en")


def render_chinadaily(site: Site, entries: Sequence[Entry], archive: Archive) -> None:
    for path, text in chinadaily_list_pages(site, entries):
        archive.add(site.host, path, text)
    render_articles(site, entries, archive, chinadaily_article)


# --------------------------------------------------------------------------- truecms (SHIO)


TC_HEADER = (
    '<div class="top"><a href="https://www.shio.gov.cn/">| 中文版 |</a></div>'
    '<div class="nav">Home | Press Releases | Media Briefings | Shanghai Facts</div>'
)
TC_FOOTER = (
    '<div class="footer"><p>Copyright © Information Office of Shanghai Municipality. '
    "All rights reserved.</p><p>沪ICP备05011346号</p></div>"
)
TC_CHROME_ZH = (
    '<div class="top"><a href="https://en.shio.gov.cn/">| English |</a></div>'
    '<div class="nav">首页 | 要闻推送 | 新闻发布 | 上海概览</div>',
    '<div class="footer"><p>主办：上海市人民政府新闻办公室</p><p>沪ICP备05011346号</p></div>',
)


def truecms_chrome(site: Site) -> tuple[str, str]:
    return TC_CHROME_ZH if site.language == "zh" else (TC_HEADER, TC_FOOTER)


def truecms_href(site: Site, entry: Entry, index: int) -> str:
    """Relative hrefs as TrueCMS writes them, one with the doubled slash seen on the site."""
    tail = entry.path.removeprefix(site.folder)
    if index == 2:  # from /TrueCMS/shxwbgs/<column>/: "../..//shxwbgs/<column>/<tail>"
        return "../../" + site.folder.removeprefix("/TrueCMS") + tail
    return ("./" if index % 2 else "") + tail


def truecms_list_page(site: Site, entries: Sequence[Entry]) -> str:
    rows = "\n".join(
        f'<li><a href="{truecms_href(site, e, i)}" title="{escape(e.title)}" target="_blank">'
        f"{escape(short_title(e.title, 60))}</a><span>{e.published:%Y-%m-%d}</span></li>"
        for i, e in enumerate(entries)
    )
    header, footer = truecms_chrome(site)
    body = "\n".join(
        (header, f'<div class="newslist"><ul id="initData">\n{rows}\n</ul></div>', footer)
    )
    return page(f"<title>{site.column}</title>", body, lang=site.language, charset=False)


def truecms_article(context: PageContext) -> str:
    site, article = context.site, context.article
    header, footer = truecms_chrome(site)
    more = "更多要闻" if site.language == "zh" else "More Press Releases"
    head = f"<title>{escape(article.title)}</title>\n" + meta_tags(
        [
            ("ArticleTitle", article.title),
            ("PubDate", clock(article.published)),
            ("ContentSource", article.content_source),
        ]
    )
    related = link_list(context.related, lambda e: e.path.rsplit("/", 1)[1])
    body = "\n".join(
        (
            header,
            f'<div class="main"><h1>{escape(article.title)}</h1>',
            f'<div class="time">{article.published:%Y.%m.%d}</div>',
            f'<div class="con">\n{paragraphs_html(article.paragraphs, site.language)}\n</div>'
            "</div>",
            f'<div class="more"><h3>{more}</h3>\n{related}</div>',
            footer,
        )
    )
    return page(head, body, lang=site.language, charset=False)


def render_truecms_site(site: Site, entries: Sequence[Entry], archive: Archive) -> None:
    """List and articles of a TrueCMS site, all served without a charset (as the live host)."""
    render_truecms(site, entries, archive)


def render_truecms(site: Site, entries: Sequence[Entry], archive: Archive) -> None:
    archive.add(
        site.host, site.list_path, truecms_list_page(site, entries), content_type=NO_CHARSET
    )
    render_articles(site, entries, archive, truecms_article, content_type=NO_CHARSET)


# --------------------------------------------------------------------------- quirk pages


def challenge_page(path: str) -> str:
    """A WZWS JS challenge as www.ah.gov.cn serves it to clients without its cookies."""
    token = base64.b64encode(path.encode("ascii")).decode("ascii").rstrip("=")
    seed = hex_id("wzws" + path)
    script = (
        f'var wzwschallenge="{seed[:16].upper()}";var wzwschallengex="{seed[16:]}";'
        'var template=6;var encoderchars="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";'
        'function wzwsconfirm(){document.cookie="wzwsconfirm="+wzwschallenge+"; path=/";'
        f'location.href="/WZWSRE{token}?wzwschallenge="+wzwschallenge;}}'
        "setTimeout(wzwsconfirm,0);"
    )
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title></title>'
        f"<script>{script}</script></head>\n"
        "<body><noscript>请开启JavaScript并刷新该页。</noscript></body></html>\n"
    )


def render_challenge(site: Site, entries: Sequence[Entry], archive: Archive) -> None:
    """Only the challenge: the demo shows a blocked source (its articles stay unreachable)."""
    archive.add(site.host, site.list_path, challenge_page(site.list_path))


NOT_FOUND_PAGE = (
    '<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>404 Not Found</title></head>\n'
    '<body><div class="error"><h1>404</h1><p>Sorry, the page you requested does not exist '
    'or has been removed.</p><p>页面不存在</p><a href="/">Back to Home</a></div></body></html>\n'
)


def minimal_pdf(text: str) -> bytes:
    """A small valid one-page PDF showing `text` (ASCII), with a correct xref table."""
    stream = f"BT /F1 14 Tf 72 720 Td ({text}) Tj ET".encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def add_quirk_files(entries_by_site: dict[str, list[Entry]], archive: Archive) -> None:
    """The 404 page behind the dead list link and the PDF behind the attachment link."""
    for source_id, entries in entries_by_site.items():
        site = SITES[source_id]
        for entry in entries:
            if entry.article is None:
                archive.add(site.host, entry.path, NOT_FOUND_PAGE, status=404)
            elif entry.article.id == PDF_ARTICLE_ID:
                archive.add(
                    site.host,
                    attachment_path(entry.article),
                    minimal_pdf("yrdwatch demo attachment"),
                    content_type="application/pdf",
                )


# --------------------------------------------------------------------------- build and write


Renderer = Callable[[Site, Sequence[Entry], Archive], None]


def renderers() -> dict[str, Renderer]:
    """Page-shape name -> renderer (the newer families live in scrapers.demo.families)."""
    from scrapers.demo import families

    return {
        "shanghai": render_shanghai,
        "shanghai-yaowen": families.render_shanghai_yaowen,
        "govcn": render_govcn,
        "govcn-json": families.render_govcn_json,
        "govcn-en": families.render_govcn_en,
        "hanweb": render_hanweb,
        "chinadaily": render_chinadaily,
        "truecms": render_truecms,
        "truecms-zh": families.render_truecms_zh,
        "trs": families.render_trs,
        "anhui": families.render_anhui,
        "challenge": render_challenge,
    }


def build_archive(articles: Iterable[Article]) -> Archive:
    """Every site's list pages, article pages and quirk files, in memory (pure)."""
    by_source: dict[str, list[Article]] = {source_id: [] for source_id in SITES}
    for article in articles:
        by_source[article.source_id].append(article)
    archive = Archive()
    entries_by_site: dict[str, list[Entry]] = {}
    shapes = renderers()
    for source_id, site in SITES.items():
        entries = place_entries(site, by_source[source_id])
        shapes[site.profile](site, entries, archive)
        if site.profile != "challenge":
            entries_by_site[source_id] = entries
    add_quirk_files(entries_by_site, archive)
    return archive


def write_archive(archive: Archive, out: Path) -> None:
    """Replace `out` with the archive (refusing to wipe a folder that is not an archive)."""
    clear_output(out)
    for key in sorted(archive.files):
        target = out / (key + "index.html" if key.endswith("/") else key)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(archive.files[key])
    headers = json.dumps(archive.headers, indent=2, sort_keys=True, ensure_ascii=False)
    (out / HEADERS_FILE).write_text(headers + "\n", encoding="utf-8")


def clear_output(out: Path) -> None:
    if out.exists() and any(out.iterdir()) and not (out / HEADERS_FILE).exists():
        raise ArticleDataError(f"{out}: not empty and not a rendered archive; pick another --out")
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)


# --------------------------------------------------------------------------- WARC and sources


RENDER_DATE = datetime(2026, 11, 1, tzinfo=UTC)  # WARC-Date of every page: renders stay identical
PAGINATED_SHAPES = ("shanghai", "shanghai-yaowen", "govcn", "chinadaily", "trs")
DEMO_DELAY = 0.05
SOURCES_HEADER = """\
# Demo source registry, GENERATED by `python -m scrapers.demo.render` from
# scrapers/sources/builtin.toml: the same sources with short delays, and max_pages set to the
# number of list pages the demo archive (scrapers/demo/archive.warc.gz) holds for each, so a
# demo run neither misses a page nor asks for one past the end; plus ONE demo-only source at
# the end (ah-zh-notices, a blocked source). Do not edit: re-render.
"""
# Added explicitly after the built-in sources (DEMO_ONLY_SITES holds its pages' shape).
DEMO_ONLY_SOURCES = """
# ---------------------------------------------------------------------------------------------
# Demo only: NOT a built-in source. It exists to demonstrate a blocked source: the demo archive
# serves its list page as the WZWS (网站卫士) JS challenge that www.ah.gov.cn shows clients
# without its cookies, so a demo run shows it as blocked (not empty) in source_health and in
# the digest, while every built-in source reads cleanly.
# ---------------------------------------------------------------------------------------------
[[source]]
id = "ah-zh-notices"
name = "安徽省人民政府 通知公告 (www.ah.gov.cn)"
region = "anhui"
language = "zh"
start_urls = ["https://www.ah.gov.cn/zwyw/tzgg/index.html"]
cms = "anhui"
delay_seconds = 0.05
max_pages = 1
"""


def archive_url(key: str) -> str:
    """The real URL of an archive key, with the scheme its source's start URL uses."""
    host = key.split("/", 1)[0]
    scheme = next((s.scheme for s in SITES.values() if s.host == host), "https")
    return f"{scheme}://{key}"


def page_exchange(key: str, body: bytes, override: dict[str, object]) -> Exchange:
    """One rendered page as a GET exchange with fixed ids and date (reproducible bytes)."""
    status = int(override.get("status", 200))
    content_type = str(override.get("content_type", DEFAULT_CONTENT_TYPE))
    return Exchange(
        url=archive_url(key),
        method="GET",
        request_headers=[("Host", key.split("/", 1)[0]), ("User-Agent", "yrdwatch-demo-render")],
        request_body=b"",
        status=status,
        reason=HTTPStatus(status).phrase,
        response_headers=[("Content-Type", content_type), ("Content-Length", str(len(body)))],
        response_body=body,
        when=RENDER_DATE,
        record_id=record_id(f"yrdwatch-demo:{key}"),
    )


def write_warc(archive: Archive, out: Path) -> None:
    """The archive as a gzipped WARC file: one response (and request) record per page."""
    info = {
        "date": warc_date(RENDER_DATE),
        "description": "yrdwatch demo archive: pages rendered from invented articles, "
        "in the shapes of the real sites; not a recording",
    }
    tmp = out.with_name(out.name + ".tmp")
    with WarcRecorder(tmp, info=info, filename=WARC_PATH.name) as recorder:
        for key in sorted(archive.files):
            recorder.write(page_exchange(key, archive.files[key], archive.headers.get(key, {})))
    tmp.replace(out)


def list_page_counts(articles: Iterable[Article]) -> dict[str, int]:
    """How many list pages the archive holds per source (1 where there is no pagination)."""
    articles = list(articles)
    counts = {}
    for source_id, site in SITES.items():
        entries = place_entries(site, [a for a in articles if a.source_id == source_id])
        counts[source_id] = (
            len(chunks(entries, site.per_page)) if site.profile in PAGINATED_SHAPES else 1
        )
    return counts


def demo_sources_text(builtin_text: str, pages: dict[str, int]) -> str:
    """builtin.toml with short delays and archive-sized max_pages, comments kept, then the
    demo-only blocked source."""
    _check_sites_cover(tomllib.loads(builtin_text).get("source", []))
    blocks = builtin_text.split("[[source]]")
    body = "[[source]]".join([""] + [_demo_block(b, pages) for b in blocks[1:]])
    return SOURCES_HEADER + body.rstrip("\n") + "\n" + DEMO_ONLY_SOURCES


def _check_sites_cover(builtin_sources: list[dict]) -> None:
    """SITES must be exactly the built-in sources plus the demo-only ones, no more, no less."""
    ids = {s["id"] for s in builtin_sources}
    missing = sorted(ids - set(SITES))
    if missing:
        raise ArticleDataError(
            f"built-in source(s) {', '.join(missing)} have no demo site; add them to SITES in "
            "scrapers/demo/render.py"
        )
    extra = sorted(set(SITES) - ids - {s.source_id for s in DEMO_ONLY_SITES})
    if extra:
        raise ArticleDataError(
            f"demo site(s) {', '.join(extra)} are not built-in sources; remove them from SITES "
            "or add them to builtin.toml"
        )


def _demo_block(block: str, pages: dict[str, int]) -> str:
    """One [[source]] block: delay_seconds and max_pages set (added after id when absent)."""
    source_id = re.search(r'^id\s*=\s*"([^"]+)"', block, re.M).group(1)
    for key, value in (("delay_seconds", DEMO_DELAY), ("max_pages", pages[source_id])):
        line = f"{key} = {value}"
        pattern = re.compile(rf"^{key}\s*=.*$", re.M)
        if pattern.search(block):
            block = pattern.sub(line, block, count=1)
        else:
            block = re.sub(r"^(id\s*=.*)$", rf"\1\n{line}", block, count=1, flags=re.M)
    return block


def render(
    folder: Path = DEMO_DIR,
    out: Path = WARC_PATH,
    *,
    sources_out: Path | None = SOURCES_PATH,
    builtin: Path | None = None,
    directory: Path | None = None,
) -> Archive:
    """Render the articles of `folder` to the WARC file `out` and the demo sources file.

    `directory` also writes the folder form (handy for reading pages); the demo reads the WARC.
    """
    articles = load_all_articles(folder)
    archive = build_archive(articles)
    if sources_out is not None:
        builtin_text = (builtin or builtin_sources_path()).read_text(encoding="utf-8")
        text = demo_sources_text(builtin_text, list_page_counts(articles))
        sources_out.write_text(text, encoding="utf-8")
    write_warc(archive, out)
    if directory is not None:
        write_archive(archive, directory)
    return archive


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Render the yrdwatch demo replay archive.")
    parser.add_argument(
        "--articles",
        type=Path,
        default=DEMO_DIR,
        help="folder holding articles_en.jsonl / articles_zh.jsonl",
    )
    parser.add_argument("--out", type=Path, default=WARC_PATH, help="WARC file to write")
    parser.add_argument(
        "--sources-out", type=Path, default=SOURCES_PATH, help="demo sources file to write"
    )
    parser.add_argument("--dir", type=Path, help="also write the archive as a folder here")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        archive = render(args.articles, args.out, sources_out=args.sources_out, directory=args.dir)
    except (ArticleDataError, OSError) as exc:
        logger.error("render failed: %s", exc)
        return 2
    logger.info("wrote %d pages to %s and %s", len(archive.files), args.out, args.sources_out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
