"""List pages -> article links (canonical, deduplicated, in page order) and the next page."""

from __future__ import annotations

import html as html_lib
import logging
import re
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urljoin, urlsplit, urlunsplit

from bs4 import BeautifulSoup, Comment, Tag

from scrapers.canonical import canonical_url, is_attachment, resolve_link
from scrapers.dates import parse_date
from scrapers.models import ListRules
from scrapers.selectors import SelectorError, select_optional, validate_css

logger = logging.getLogger(__name__)

MAX_TITLE_CHARS = 500
MAX_ITEM_TEXT_CHARS = 2_000
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
    """The full title: the title attribute when the visible text is shortened."""
    text = _squash(anchor.get_text(" "))
    attribute = _squash(str(anchor.get("title") or ""))
    return (attribute if len(attribute) >= len(text) else text)[:MAX_TITLE_CHARS]


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
