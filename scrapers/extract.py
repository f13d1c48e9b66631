"""Article pages -> Release: title, date, source and clean body, each with the method that found it.

Order per field: the source's configured selectors, then the government meta tags every page
carries, then automatic extraction (trafilatura on the page without its furniture); the date
alone may then fall back to the list page and, last of all, to the date in the URL.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TypeVar

import trafilatura
from bs4 import BeautifulSoup, Comment, Tag
from trafilatura.settings import use_config

from scrapers.blocks import detect_block
from scrapers.canonical import canonical_url, is_attachment, resolve_link
from scrapers.dates import date_from_url, parse_date
from scrapers.listing import ListedLink
from scrapers.models import ArticleRules, Release, Source
from scrapers.selectors import select_optional, split_selector_group

logger = logging.getLogger(__name__)

MAX_HTML_CHARS = 5_000_000
MAX_TITLE_CHARS = 500
MAX_BODY_CHARS = 200_000
MAX_SOURCE_CHARS = 100
MIN_BODY_CHARS = 20
HEADER_LINES = 3  # the title and date line repeat at most this far into the body
AUTO_FURNITURE_MAX_CHARS = 3_000  # page-wide furniture removal never drops a big text block

META_TITLE = ("articletitle", "og:title")
META_DATE = ("pubdate", "firstpublishedtime", "article:published_time", "publishdate",
             "lastmodifiedtime")  # fmt: skip
META_SOURCE = ("contentsource", "source")

DEFAULT_FURNITURE = (
    "script", "style", "noscript", "iframe", "nav", "header", "footer", "select",
    "button", "input", "textarea", ".breadcrumb", ".crumb", ".crumbs", ".bread", ".position",
    ".location", ".dqwz", ".current-position", ".share", ".bdsharebuttonbox", ".bshare",
    ".fontsize", ".font-size", ".fz", ".print", ".qrcode", ".ewm", ".newsbox", "#xggj",
    ".related", ".xgxw", ".xglj", ".relnews", "#footer", ".footer", ".foot", "#header",
    ".header", ".edit", ".editor", ".info", "#div_currpage",
)  # fmt: skip
# Where sites list a release's documents outside its body text (NDRC table.enclosure, fgw.sh
# div.xgfj / div.pdf-content): read before furniture removal, recorded as attachments.
ATTACHMENT_CONTAINERS = "table.enclosure, div.xgfj, div.pdf-content, .fujian, .attachment"
CONTINUATION_BODY = "#Content"  # China Daily-built sites: the body on pages 2.. of an article
BLOCK_TAGS = (
    "p", "div", "section", "article", "li", "tr", "td", "th", "h1", "h2", "h3", "h4", "h5",
    "h6", "table", "ul", "ol", "blockquote", "pre", "dd", "dt", "center",
)  # fmt: skip

_FURNITURE_LINE = re.compile(
    r"""^(?:当前位置|您现在的位置|您的位置|现在位置|the\s+current\s+position|current\s+position
    |home\s*>|首页\s*>|字号|【?\s*字体\s*[:：]|【?打印本页|【打印】|\[打印\]|打印\s*关闭|【?关闭窗口
    |关闭本页|分享到|扫一扫|用手机扫|手机扫一扫|责任编辑|编辑\s*[:：]|editor\s*:|主办单位|承办单位
    |协办单位|运行维护单位|版权所有|技术支持|网站地图|政府网站标识码|网站标识码|copyright|©
    |website\s+identification\s+code|registration\s+number|相关链接|相关新闻|相关阅读|相关文件
    |related\s+(?:news|stories|links|articles)|l\s*m\s*s$|大\s*中\s*小$|【\s*大\s*中\s*小\s*】
    |[\w.-]+\.(?:gov\.cn|com\.cn|cn|com)\s*\||\|?\s*(?:中文版|english|繁体|繁體|简体)\s*(?:\||$))""",
    re.I | re.X,
)
_FURNITURE_ANYWHERE = re.compile(r"ICP备|公网安备|政府网站标识码|copyright\s*©|版权所有", re.I)
_CUT_MARKER = re.compile(
    r"^(?:责任编辑|编辑\s*[:：]|editor\s*:|相关链接|相关新闻|相关阅读|主办单位|copyright)", re.I
)
_ERROR_TITLE = re.compile(r"\b404\b|not\s+found|页面不存在|页面未找到|找不到页面|访问出错", re.I)
_ERROR_TEXT = re.compile(
    r"页面不存在|页面未找到|您访问的页面|页面找不到|页面已删除|信息已删除|\b404\b|page\s+not\s+found",
    re.I,
)
_DATE_LABEL = re.compile(
    r"(?:发布时间|发布日期|发文日期|成文日期|时间|日期|updated(?:\s+on)?|pub(?:lished)?\s*date"
    r"|published|release\s+date|date)\s*[:：∶]",
    re.I,
)
_DATE_HINT_CSS = (
    '[class*="time"], [class*="date"], [id*="time"], [id*="date"], [class*="info"], '
    '[class*="pubtime"]'
)
_SOURCE_TEXT = re.compile(r"(?:来源|source)\s*[:：]\s*([^\s|，,:：]{2,40})", re.I)
_SOURCE_LABEL = re.compile(r"^\s*(?:来源|source)\s*[:：]\s*", re.I)
_TITLE_SPLIT = re.compile(r"\s*(?:_|\||｜| - | — |——)\s*")
_WHITESPACE = re.compile(r"[\s\u3000\xa0]+")
_INVISIBLE = re.compile(r"[\u200b\u200c\u200d\ufeff]")
_TABLE_RULE = re.compile(r"^[|\-\s:]+$")  # trafilatura's markdown table separators
_DATE_ONLY_LINE = re.compile(r"^[\d\s年月日./:\-∶：]{8,25}$")

T = TypeVar("T")


class ExtractionError(Exception):
    """An article page that yields no usable release: no title / no body / furniture only / error
    page. `reason` is the short name the fetch log records; the message adds the URL."""

    def __init__(self, reason: str, url: str, detail: str = "") -> None:
        message = f"{reason}: {url}" + (f" ({detail})" if detail else "")
        super().__init__(message)
        self.reason = reason
        self.url = url


@dataclass
class _Body:
    text: str
    attachments: tuple[str, ...]


def _trafilatura_config():
    config = use_config()
    config.set("DEFAULT", "MIN_EXTRACTED_SIZE", "20")
    config.set("DEFAULT", "MIN_OUTPUT_SIZE", "20")
    config.set("DEFAULT", "EXTRACTION_TIMEOUT", "0")
    return config


_TRAFILATURA_CONFIG = _trafilatura_config()


def extract_article(
    html: str, url: str, source: Source, fetched_at: datetime, listed: ListedLink | None = None
) -> Release:
    """Fields in order: configured selectors (source.article) -> standard government meta tags ->
    automatic extraction -> for the date only, the list-page date, then the URL date.
    Raises ExtractionError for error, block and furniture-only pages and for missing title/body."""
    if len(html) > MAX_HTML_CHARS:
        logger.warning("page %s is %d chars; parsing the first %d", url, len(html), MAX_HTML_CHARS)
        html = html[:MAX_HTML_CHARS]
    soup = BeautifulSoup(html, "lxml")
    _refuse_error_page(soup, html, url)
    metas = _meta_tags(soup)
    rules = source.article
    methods: dict[str, str] = {}
    title = _title(soup, metas, rules, methods, url)
    published_at = _date(soup, metas, rules, methods, url, listed)
    content_source = _content_source(soup, metas, rules, methods)
    listed_attachments = _attachments_in(soup, ATTACHMENT_CONTAINERS, url)
    body = _body(soup, rules, methods, url, title)
    return Release(
        url=canonical_url(url),
        source_id=source.id,
        language=source.language,
        title=title,
        body=body.text,
        published_at=published_at,
        fetched_at=fetched_at,
        content_source=content_source,
        methods=methods,
        attachments=tuple(dict.fromkeys(body.attachments + listed_attachments)),
    )


def join_pages(
    first: Release, more_bodies: list[str], rules: ArticleRules | None = None
) -> Release:
    """A multi-page article (China Daily-style c_<id>_2.htm …) as one release: page 1's fields with
    the bodies of the continuation pages appended in order.

    `more_bodies` are the decoded HTML responses of pages 2.. (see
    scrapers.listing.continuation_urls); text without markup is taken as it is. A page that
    yields no body is skipped and logged; paragraphs page 1 already has are not repeated."""
    rules = rules or ArticleRules(body=CONTINUATION_BODY)
    paragraphs = first.body.split("\n\n") if first.body else []
    attachments = list(first.attachments)
    for number, page in enumerate(more_bodies, start=2):
        extra = _continuation_body(page, rules, first, number)
        if extra is None:
            continue
        seen = set(paragraphs)
        paragraphs.extend(p for p in extra.text.split("\n\n") if p not in seen)
        attachments.extend(a for a in extra.attachments if a not in attachments)
    body = "\n\n".join(paragraphs)[:MAX_BODY_CHARS]
    methods = {**first.methods, "pages": str(1 + len(more_bodies))}
    return replace(first, body=body, attachments=tuple(attachments), methods=methods)


def _continuation_body(page: str, rules: ArticleRules, first: Release, number: int) -> _Body | None:
    if "<" not in page:
        text = _clean_body([_squash(line) for line in page.split("\n") if line.strip()], "")
        return _Body(text, ()) if text else None
    soup = BeautifulSoup(page[:MAX_HTML_CHARS], "lxml")
    try:
        return _body(soup, rules, {}, first.url, first.title)
    except ExtractionError as exc:
        logger.info("page %d of %s has no body (%s); skipped", number, first.url, exc)
        return None


# --- error pages -------------------------------------------------------------------------------


def _refuse_error_page(soup: BeautifulSoup, html: str, url: str) -> None:
    """Block pages and 404 pages served with status 200 must never become releases."""
    verdict = detect_block(200, html, {})
    if verdict is not None:
        raise ExtractionError("error page", url, f"block page: {verdict.reason}")
    page_title = _squash(soup.title.get_text()) if soup.title else ""
    visible = _visible_text(soup)
    if _ERROR_TITLE.search(page_title) and len(visible) < 2_000:
        raise ExtractionError("error page", url, f"page title {page_title[:80]!r}")
    if len(visible) < 600 and _ERROR_TEXT.search(visible):
        raise ExtractionError("error page", url, f"page says {visible[:80]!r}")


def _visible_text(soup: BeautifulSoup) -> str:
    root = soup.body or soup
    hidden = {"script", "style", "noscript", "template"}
    strings = (
        s
        for s in root.find_all(string=True)
        if s.parent.name not in hidden and not isinstance(s, Comment)
    )
    return _squash(" ".join(strings))


# --- fields ------------------------------------------------------------------------------------


def _first(methods: dict[str, str], name: str, steps: list[tuple[str, Callable[[], T | None]]]):
    """Run the steps in order; the first non-empty value wins and its method is recorded."""
    for method, step in steps:
        value = step()
        if value:
            methods[name] = method
            return value
    return None


Metas = dict[str, str]


def _title(soup: BeautifulSoup, metas: Metas, rules: ArticleRules, methods: Metas, url: str) -> str:
    title = _first(methods, "title", [
        ("selector", lambda: _selected_text(soup, rules.title)),
        ("meta", lambda: _meta_first(metas, META_TITLE)),
        ("auto", lambda: _auto_title(soup)),
    ])  # fmt: skip
    if not title:
        raise ExtractionError("no title", url)
    return title[:MAX_TITLE_CHARS]


def _date(
    soup: BeautifulSoup,
    metas: Metas,
    rules: ArticleRules,
    methods: Metas,
    url: str,
    listed: ListedLink | None,
) -> datetime | None:
    return _first(methods, "date", [
        ("selector", lambda: parse_date(_selected_text(soup, rules.date) or "")),
        ("meta", lambda: _meta_date(metas)),
        ("auto", lambda: _auto_date(soup)),
        ("list", lambda: listed.listed_date if listed else None),
        ("url", lambda: date_from_url(url)),
    ])  # fmt: skip


def _content_source(
    soup: BeautifulSoup, metas: Metas, rules: ArticleRules, methods: Metas
) -> str | None:
    return _first(methods, "source", [
        ("selector", lambda: _clean_source(_selected_text(soup, rules.source))),
        ("meta", lambda: _clean_source(_meta_first(metas, META_SOURCE))),
        ("auto", lambda: _auto_source(soup)),
    ])  # fmt: skip


def _selected_text(soup: BeautifulSoup, css: str | None) -> str | None:
    """Text of the first non-empty match of css; a configured selector that misses is logged."""
    if not css:
        return None
    for tag in select_optional(soup, css):
        text = _squash(tag.get_text(" "))
        if text:
            return text
    logger.info("selector %r matched no text; falling back", css)
    return None


def _meta_tags(soup: BeautifulSoup) -> dict[str, str]:
    """<meta name|property=…> contents keyed by lower-cased name; the first of each wins."""
    metas: dict[str, str] = {}
    for tag in soup.find_all("meta"):
        key = str(tag.get("name") or tag.get("property") or "").strip().lower()
        content = _squash(str(tag.get("content") or ""))
        if key and content and key not in metas:
            metas[key] = content
    return metas


def _meta_first(metas: dict[str, str], names: tuple[str, ...]) -> str | None:
    return next((metas[name] for name in names if metas.get(name)), None)


def _meta_date(metas: dict[str, str]) -> datetime | None:
    for name in META_DATE:
        value = parse_date(metas.get(name, ""))
        if value is not None:
            return value
    return None


def _auto_title(soup: BeautifulSoup) -> str | None:
    """The page's <h1>, else the article part of <title> ("Title_Site name")."""
    heading = soup.find("h1")
    if heading is not None and _squash(heading.get_text(" ")):
        return _squash(heading.get_text(" "))
    if soup.title is None:
        return None
    parts = [part for part in _TITLE_SPLIT.split(_squash(soup.title.get_text())) if part]
    return parts[0] if parts else None


def _auto_date(soup: BeautifulSoup) -> datetime | None:
    """A date line near the title: an element named like a date, else a labelled or lone date."""
    for tag in select_optional(soup, _DATE_HINT_CSS):
        text = _squash(tag.get_text(" "))
        if text and len(text) < 200 and tag.find_parent(["li", "a"]) is None:
            value = parse_date(text)
            if value is not None:
                return value
    return _labelled_date(soup)


def _labelled_date(soup: BeautifulSoup) -> datetime | None:
    root = soup.body or soup
    for line in root.get_text("\n").split("\n"):
        line = _squash(line)
        if not line or len(line) > 120:
            continue
        if _DATE_LABEL.search(line) or _DATE_ONLY_LINE.match(line) or "|" in line:
            value = parse_date(line)
            if value is not None:
                return value
    return None


def _clean_source(text: str | None) -> str | None:
    if not text:
        return None
    cleaned = _SOURCE_LABEL.sub("", text).strip()
    return cleaned[:MAX_SOURCE_CHARS] or None


def _auto_source(soup: BeautifulSoup) -> str | None:
    match = _SOURCE_TEXT.search(_visible_text(soup)[:20_000])
    return _clean_source(match.group(1)) if match else None


# --- body --------------------------------------------------------------------------------------


def _body(
    soup: BeautifulSoup, rules: ArticleRules, methods: dict[str, str], url: str, title: str
) -> _Body:
    """Configured body selector, else trafilatura on the page without furniture."""
    furniture = DEFAULT_FURNITURE + rules.furniture
    raw_seen = False
    if rules.body:
        element = _body_element(soup, rules.body)
        if element is not None:
            _drop_furniture(element, furniture, max_chars=None)
            lines = _element_lines(element)
            raw_seen = bool(lines)
            text = _clean_body(lines, title)
            if len(text) >= MIN_BODY_CHARS:
                methods["body"] = "selector"
                return _Body(text, _attachments(element, url))
        logger.info(
            "body selector %r gave no body on %s; trying automatic extraction", rules.body, url
        )
    _drop_furniture(soup, furniture, max_chars=AUTO_FURNITURE_MAX_CHARS)
    _unwrap_layout_tables(soup)
    lines = _trafilatura_lines(soup, url)
    text = _clean_body(lines, title)
    if len(text) >= MIN_BODY_CHARS:
        methods["body"] = "auto"
        return _Body(text, _attachments(soup.body or soup, url))
    raise ExtractionError("furniture only" if raw_seen or lines else "no body", url)


def _body_element(soup: BeautifulSoup, css: str) -> Tag | None:
    """The first alternative of a selector group that matches an element with text."""
    for alternative in split_selector_group(css):
        for tag in select_optional(soup, alternative):
            if tag.get_text(strip=True):
                return tag
    return None


def _drop_furniture(root: Tag, furniture: tuple[str, ...], max_chars: int | None) -> None:
    """Remove page chrome; page-wide (max_chars set) spares blocks too big to be chrome: more
    than max_chars, or more than half the page (a wrapper that happens to match)."""
    limit = None
    if max_chars is not None:
        limit = min(max_chars, len(root.get_text(strip=True)) // 2)
    for css in furniture:
        for tag in select_optional(root, css):
            if tag.decomposed:
                continue
            if limit is not None and len(tag.get_text(strip=True)) > limit:
                continue
            tag.decompose()


def _unwrap_layout_tables(soup: BeautifulSoup) -> None:
    """Legacy pages lay out whole articles in tables; trafilatura would print them as table rows."""
    for table in soup.find_all("table"):
        if table.find(["p", "div", "table"]) is None:
            continue  # a data table: keep it
        for tag in [table, *table.find_all(["tbody", "thead", "tfoot", "tr", "td", "th"])]:
            tag.name = "div"


def _element_lines(element: Tag) -> list[str]:
    """The element's text, one entry per block or <br>-separated line."""
    for br in element.find_all("br"):
        br.replace_with("\n")
    for block in element.find_all(BLOCK_TAGS):
        block.insert_before("\n")
        block.insert_after("\n")
    return [line for line in (_squash(raw) for raw in element.get_text().split("\n")) if line]


def _trafilatura_lines(soup: BeautifulSoup, url: str) -> list[str]:
    text = trafilatura.extract(
        str(soup), url=url, include_comments=False, include_tables=True, favor_recall=True,
        config=_TRAFILATURA_CONFIG,
    )  # fmt: skip
    if not text:
        return []
    lines = []
    for raw in text.split("\n"):
        cells = raw.strip().strip("|").split(" | ") if raw.strip().startswith("|") else [raw]
        lines.extend(_squash(cell) for cell in cells)
    return [line for line in lines if line and not _TABLE_RULE.match(line)]


def _clean_body(lines: list[str], title: str) -> str:
    """Paragraphs without furniture lines, cut at the editor line / related box / footer, and
    without the repeated title and date line at the top."""
    kept: list[str] = []
    for line in lines:
        if kept and _CUT_MARKER.match(line):
            break
        if _FURNITURE_LINE.match(line) or _FURNITURE_ANYWHERE.search(line):
            continue
        if len(kept) < HEADER_LINES and _is_header_line(line, title):
            continue
        kept.append(line)
    return "\n\n".join(kept)[:MAX_BODY_CHARS]


def _is_header_line(line: str, title: str) -> bool:
    """The title, or a short date/source line, printed again above the text."""
    if line == title or (title and title in line and len(line) <= len(title) + 12):
        return True
    if len(line) > 80:
        return False
    dated = _DATE_LABEL.search(line) or _DATE_ONLY_LINE.match(line)
    return bool(dated and parse_date(line))


def _attachments_in(soup: BeautifulSoup, css: str, url: str) -> tuple[str, ...]:
    found: dict[str, None] = {}
    for container in select_optional(soup, css):
        found.update(dict.fromkeys(_attachments(container, url)))
    return tuple(found)


def _attachments(root: Tag, url: str) -> tuple[str, ...]:
    """Canonical URLs of document links (PDF, DOC, OFD…) inside root, in order, once each."""
    found: dict[str, None] = {}
    for anchor in root.find_all("a", href=True):
        resolved = resolve_link(str(anchor["href"]), url)
        if resolved and is_attachment(resolved):
            found[canonical_url(resolved)] = None
    return tuple(found)


def _squash(text: str) -> str:
    """Whitespace normalised: \\u3000 and \\xa0 as spaces, zero-width characters removed."""
    return _WHITESPACE.sub(" ", _INVISIBLE.sub("", text)).strip()
