"""List pages -> article links (canonical, deduplicated, in page order) and the next page."""

from __future__ import annotations

import html as html_lib
import json
import logging
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from bs4 import BeautifulSoup, Comment, Tag

from scrapers.canonical import canonical_url, is_attachment, resolve_link
from scrapers.dates import parse_date
from scrapers.models import ListRules
from scrapers.selectors import SelectorError, select_optional, validate_css

logger = logging.getLogger(__name__)

MAX_TITLE_CHARS = 500
MAX_ITEM_TEXT_CHARS = 2_000
MAX_JSON_ITEMS = 2_000
MAX_CONTINUATION_PAGES = 20
JSON_URL_KEYS = ("url", "link", "href", "sourcelink")
JSON_TITLE_KEYS = ("title", "name")
JSON_DATE_KEYS = ("docrelpubtime", "pubtime", "pubtimestr", "publishtime", "date", "createdate")
HANWEB_FORM_KEYS = ("col", "appid", "webid", "path", "columnid", "sourceContentType", "unitid",
                    "webname", "permissiontype")  # fmt: skip
_HANWEB_PROXY = {"zj.gov.cn": "/module/jpage/dataproxy.jsp"}  # host suffix -> proxy path
_HANWEB_DEFAULT_PROXY = "/module/web/jpage/dataproxy.jsp"
_NEXTGROUP = re.compile(r"<nextgroup>(.*?)</nextgroup>", re.S | re.I)
_HREF = re.compile(r"""href\s*=\s*["']([^"']+)["']""", re.I)
_UNIT_ID = re.compile(r"""<div[^>]*\bid\s*=\s*["']?(\d+)["']?[^>]*>\s*<script[^>]*text/xml""", re.I)
_COLUMN_ID = re.compile(r"/col/col(\d+)/")
_CONTINUATION = re.compile(r"/c_(\d+)(?:_(\d+))?\.htm$")
_RECORD = re.compile(r"<record>(.*?)</record>", re.S | re.I)
_CDATA = re.compile(r"^\s*<!\[CDATA\[(.*)\]\]>\s*$", re.S)
_DATASTORE = re.compile(r"<datastore>|&lt;datastore&gt;", re.I)
_WHITESPACE = re.compile(r"\s+")
_NEXT_WORDS = re.compile(r"next|下一?页|后页|[>›»]", re.I)
_PREV_WORDS = re.compile(r"prev|上一?页|前页|首页|尾页|[<‹«]", re.I)


@dataclass
class ListedLink:
    """One article (or attachment) link found on a list page."""

    url: str  # canonical
    title: str
    listed_date: datetime | None
    is_attachment: bool


@dataclass
class ListPage:
    links: list[ListedLink]
    next_url: str | None


def parse_list_page(html: str, page_url: str, rules: ListRules) -> ListPage:
    """Resolve + canonicalise links, dedupe in page order, keep only url_pattern matches
    (attachments are kept with is_attachment=True regardless of the pattern), skip `skip` items,
    datastore mode for Hanweb (CDATA records, entity-escaped records), date from the list item
    text when present, next_url from `next` CSS.
    Raises SelectorError when `rules.links` matches nothing on a page that is not empty."""
    if rules.json or _looks_like_json(html, page_url):
        return parse_json_list(html, page_url, rules)
    problem = validate_css(rules.links)
    if problem is not None:
        raise SelectorError(rules.links, page_url, f"is invalid ({problem})")
    page = _parse(html)
    scope = _records_soup(html) if rules.datastore else None
    anchors = _anchors(scope if scope is not None else page, rules)
    if not anchors and scope is None:
        anchors = _anchors(_parse(html, "html.parser"), rules)  # lxml trips on some gov.cn lists
    if not anchors and not _is_empty(page, scope):
        raise SelectorError(rules.links, page_url)
    links = _links(anchors, page_url, rules.url_pattern)
    return ListPage(links=links, next_url=_next_url(page, page_url, rules.next))


def parse_datastore(xml_or_html: str, page_url: str, rules: ListRules) -> ListPage:
    """Hanweb records from a list page or a dataproxy.jsp POST response (a bare <datastore>).

    An empty recordset is the end of the list, not selector drift; records whose links the
    `links` selector misses raise SelectorError as on any list page."""
    records = _records_soup(xml_or_html)
    if records is None or not records.get_text(strip=True):
        return ListPage(links=[], next_url=None)
    anchors = _anchors(records, rules)
    if not anchors:
        raise SelectorError(rules.links, page_url, "matched nothing in the <datastore> records")
    return ListPage(links=_links(anchors, page_url, rules.url_pattern), next_url=None)


def hanweb_page_request(
    list_url: str, html: str, page: int, per_page: int
) -> tuple[str, dict[str, str]] | None:
    """The POST (URL, form) that fetches list page `page` (>= 2) of a Hanweb column.

    Form fields come from page 1's <nextgroup> link, else from the column id in the URL and the
    unit id of the <div> around the datastore. Page 2 starts right after the records page 1
    embedded (sites embed 15 to 45), then per_page records a page, so windows never overlap.
    None when the page is not a Hanweb datastore page or the web id cannot be found."""
    if page < 2 or per_page < 1 or not _DATASTORE.search(html):
        return None
    proxy_path, form = _nextgroup_fields(html)
    form.setdefault("columnid", _first_group(_COLUMN_ID, list_url))
    form.setdefault("unitid", _first_group(_UNIT_ID, html))
    if not all(form.get(key) for key in ("columnid", "unitid", "webid")):
        logger.info("no Hanweb paging fields on %s; reading page 1 only", list_url)
        return None
    form = _hanweb_form(form)
    embedded = _record_count(html) or per_page
    start = embedded + per_page * (page - 2) + 1
    end = start + per_page - 1
    query = urlencode({"startrecord": start, "endrecord": end, "perpage": per_page})
    proxy = urljoin(list_url, proxy_path or _hanweb_proxy_path(list_url))
    return f"{proxy}?{query}", form


def continuation_urls(html: str, url: str) -> list[str]:
    """China Daily-style multi-page article: the URLs of pages 2.. (c_<id>_2.htm, c_<id>_3.htm …)
    linked from page 1's pager, in page order; [] for a one-page article or another URL shape."""
    current = _CONTINUATION.search(urlsplit(url).path)
    if current is None:
        return []
    pages: dict[int, str] = {}
    for anchor in _parse(html).find_all("a", href=True):
        resolved = resolve_link(str(anchor["href"]), url)
        number = _continuation_number(resolved, current.group(1)) if resolved else None
        if number is not None and number != int(current.group(2) or 1):
            pages.setdefault(number, canonical_url(resolved))
    return [pages[number] for number in sorted(pages)][:MAX_CONTINUATION_PAGES]


def parse_json_list(text: str, page_url: str, rules: ListRules) -> ListPage:
    """gov.cn JSON lists: an array of {TITLE, URL, DOCRELPUBTIME} (keys in any case), or an object
    holding such an array. Invalid JSON or no usable items raise SelectorError naming the URL."""
    try:
        data = json.loads(text.strip().lstrip("\ufeff"))
    except ValueError as exc:
        raise SelectorError("JSON list", page_url, f"is not valid JSON ({exc})") from None
    items = _json_items(data)
    if items is None:
        raise SelectorError("JSON list", page_url, "has no array of items with a URL")
    pattern = re.compile(rules.url_pattern) if rules.url_pattern else None
    links: dict[str, ListedLink] = {}
    for item in items[:MAX_JSON_ITEMS]:
        link = _json_link(item, page_url, pattern)
        if link is not None:
            links.setdefault(link.url, link)
    return ListPage(links=list(links.values()), next_url=None)


def page_urls(start_url: str, rules: ListRules, max_pages: int) -> list[str] | None:
    """Template pagination (page_url): [start, page2, page3...]; None when the profile paginates
    by `next`. Without either, just [start_url]."""
    if max_pages < 1:
        raise ValueError(f"max_pages must be at least 1, got {max_pages}")
    if rules.page_url is None:
        return None if rules.next else [start_url]
    pages = [start_url]
    for number in range(2, max_pages + 1):
        relative = rules.page_url.replace("{n}", str(number)).replace("{i}", str(number - 1))
        pages.append(urljoin(start_url, relative))
    return pages


def _looks_like_json(text: str, page_url: str) -> bool:
    """A .json URL, or a body that opens like JSON (no HTML page starts with '[' or '{')."""
    opening = text.lstrip("\ufeff \r\n\t")[:1]
    return urlsplit(page_url).path.lower().endswith(".json") or opening in ("[", "{")


def _json_items(data: Any) -> list[dict[str, Any]] | None:
    """The list of item objects: the document itself, or the first list of objects inside it."""
    if isinstance(data, list):
        items = [item for item in data if isinstance(item, dict)]
        return items if items or not data else None
    if isinstance(data, dict):
        for value in data.values():
            found = _json_items(value) if isinstance(value, list | dict) else None
            if found:
                return found
    return None


def _json_link(
    item: dict[str, Any], page_url: str, pattern: re.Pattern[str] | None
) -> ListedLink | None:
    fields = {str(key).lower(): value for key, value in item.items()}
    href = next((str(fields[k]) for k in JSON_URL_KEYS if isinstance(fields.get(k), str)), "")
    resolved = resolve_link(href, page_url)
    if resolved is None:
        return None
    url = canonical_url(resolved)
    attachment = is_attachment(url)
    if not attachment and pattern is not None and not _matches(pattern, url):
        return None
    title = next((str(fields[k]) for k in JSON_TITLE_KEYS if fields.get(k)), "")
    when = next((str(fields[k]) for k in JSON_DATE_KEYS if fields.get(k)), "")
    title = _squash(BeautifulSoup(title, "html.parser").get_text())  # titles may carry <em>
    return ListedLink(url, title[:MAX_TITLE_CHARS], parse_date(when[:100]), attachment)


def _nextgroup_fields(html: str) -> tuple[str | None, dict[str, str]]:
    """Proxy path and query fields of the <nextgroup> link (CDATA or entity-escaped)."""
    match = _NEXTGROUP.search(html) or _NEXTGROUP.search(html_lib.unescape(html))
    href = _HREF.search(html_lib.unescape(match.group(1))) if match else None
    if href is None:
        return None, {}
    parts = urlsplit(href.group(1))
    fields = {key: value for key, value in parse_qsl(parts.query) if value}
    return (parts.path or None), fields


def _record_count(html: str) -> int:
    return len(_RECORD.findall(html) or _RECORD.findall(html_lib.unescape(html)))


def _hanweb_form(fields: dict[str, str]) -> dict[str, str]:
    """The dataproxy form, in the order the site's own pager sends it."""
    defaults = {"col": "1", "appid": "1", "path": "/", "sourceContentType": "3",
                "permissiontype": "0"}  # fmt: skip
    merged = {**defaults, **fields}
    return {key: merged[key] for key in HANWEB_FORM_KEYS if merged.get(key)}


def _hanweb_proxy_path(list_url: str) -> str:
    host = (urlsplit(list_url).hostname or "").lower()
    for suffix, path in _HANWEB_PROXY.items():
        if host == suffix or host.endswith("." + suffix):
            return path
    return _HANWEB_DEFAULT_PROXY


def _first_group(pattern: re.Pattern[str], text: str) -> str | None:
    match = pattern.search(text)
    return match.group(1) if match else None


def _continuation_number(url: str, article_id: str) -> int | None:
    match = _CONTINUATION.search(urlsplit(url).path)
    if match is None or match.group(1) != article_id:
        return None
    return int(match.group(2) or 1)


def _parse(html: str, parser: str = "lxml") -> BeautifulSoup:
    return BeautifulSoup(html, parser)


def _anchors(soup: BeautifulSoup, rules: ListRules) -> list[Tag]:
    if rules.skip:
        for item in select_optional(soup, rules.skip):
            item.decompose()
    return [tag for tag in select_optional(soup, rules.links) if tag.name == "a"]


def _records_soup(html: str) -> BeautifulSoup | None:
    """Hanweb: the <record> items of an embedded <datastore>, parsed as one fragment.

    Records come as CDATA, or entity-escaped (whole datastore or record contents).
    None when the page has no datastore, so the normal page is used instead.
    """
    if not _DATASTORE.search(html):
        return None
    records = _RECORD.findall(html) or _RECORD.findall(html_lib.unescape(html))
    fragments = [_record_markup(record) for record in records]
    return BeautifulSoup("<ul>" + "".join(fragments) + "</ul>", "lxml")


def _record_markup(record: str) -> str:
    cdata = _CDATA.match(record)
    markup = cdata.group(1) if cdata else record
    if "<" not in markup and "&lt;" in markup:
        markup = html_lib.unescape(markup)
    return markup


def _is_empty(page: BeautifulSoup, scope: BeautifulSoup | None) -> bool:
    """An empty list (no records, or a page without visible text) is not selector drift."""
    if scope is not None:
        return not scope.get_text(strip=True)
    body = page.body or page
    for hidden in body.find_all(["script", "style", "noscript", "template"]):
        hidden.decompose()
    return not body.get_text(strip=True)


def _links(anchors: list[Tag], page_url: str, url_pattern: str | None) -> list[ListedLink]:
    pattern = re.compile(url_pattern) if url_pattern else None
    by_url: dict[str, ListedLink] = {}
    for anchor in anchors:
        link = _listed_link(anchor, page_url, pattern)
        if link is None:
            continue
        seen = by_url.get(link.url)
        if seen is None:
            by_url[link.url] = link
        elif not seen.title or (seen.listed_date is None and link.listed_date):
            seen.title = seen.title or link.title
            seen.listed_date = seen.listed_date or link.listed_date
    return list(by_url.values())


def _listed_link(anchor: Tag, page_url: str, pattern: re.Pattern[str] | None) -> ListedLink | None:
    resolved = resolve_link(str(anchor.get("href") or ""), page_url)
    if resolved is None:
        return None
    url = canonical_url(resolved)
    attachment = is_attachment(url)
    if not attachment and pattern is not None and not _matches(pattern, url):
        return None
    return ListedLink(url, _title(anchor), _item_date(anchor), attachment)


def _matches(pattern: re.Pattern[str], url: str) -> bool:
    """Patterns are written against the path ('…\\.html$'), so a query string must not hide it."""
    parts = urlsplit(url)
    bare = urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
    return bool(pattern.search(url) or pattern.search(bare))


def _title(anchor: Tag) -> str:
    """The full title: the title attribute when the visible text is shortened, or when the
    anchor also wraps a summary (Shanghai 上海要闻: title in .aa, abstract in .bb)."""
    text = _squash(anchor.get_text(" "))
    attribute = _squash(str(anchor.get("title") or ""))
    use_attribute = attribute and (len(attribute) >= len(text) or attribute in text)
    return (attribute if use_attribute else text)[:MAX_TITLE_CHARS]


def _item_date(anchor: Tag) -> datetime | None:
    """The date printed next to the link in its list item, ignoring dates inside the title."""
    item = anchor.find_parent("li") or anchor.parent
    if item is None:
        return None
    return parse_date(_text_outside(item, anchor)[:MAX_ITEM_TEXT_CHARS])


def _text_outside(item: Tag, anchor: Tag) -> str:
    inside = {id(string) for string in anchor.find_all(string=True)}
    pieces = [
        str(string)
        for string in item.find_all(string=True)
        if id(string) not in inside and not isinstance(string, Comment)
    ]
    return " ".join(pieces)


def _next_url(page: BeautifulSoup, page_url: str, css: str | None) -> str | None:
    """The next-page link; when a pager matches prev and next alike, the one that says next."""
    if not css:
        return None
    candidates = [tag for tag in select_optional(page, css) if tag.get("href")]
    ordered = [tag for tag in candidates if _NEXT_WORDS.search(tag.get_text())] or [
        tag for tag in candidates if not _PREV_WORDS.search(tag.get_text())
    ]
    current = canonical_url(page_url)
    for tag in ordered:
        resolved = resolve_link(str(tag["href"]), page_url)
        if resolved and canonical_url(resolved) != current:
            return resolved
    return None


def _squash(text: str) -> str:
    return _WHITESPACE.sub(" ", text.replace("\u200b", "")).strip()
