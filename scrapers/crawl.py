"""Crawl one source: list pages -> new article URLs -> fetch -> parse -> Releases + fetch log.

The crawler is the only place that combines the polite client with the pure parsers. It never
raises for a site's problems: every request becomes a FetchRecord with a named outcome, and the
source gets a status (ok / partial / blocked / failed) with the reason in words.

Canonical URLs (https, see scrapers.canonical) are the keys; requests go out with the scheme
the source's own start URL uses for that host, so http-only sites and loopback replays work.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

from scrapers.blocks import BlockVerdict, detect_block
from scrapers.canonical import canonical_url
from scrapers.encoding import decode_html
from scrapers.extract import ExtractionError, extract_article
from scrapers.fetch import FetchResult, PoliteClient
from scrapers.listing import ListedLink, ListPage, page_urls, parse_list_page
from scrapers.models import FetchRecord, Release, Source, SourceResult
from scrapers.selectors import SelectorError

logger = logging.getLogger(__name__)

CHARSET_PATTERN = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.IGNORECASE)
Now = Callable[[], datetime]


NO_DATE_REASON = (
    "stored without a date: no parseable publication date in the page, its list item or its URL"
)


def utc_now() -> datetime:
    """Fetch times are stored timezone-aware in UTC."""
    return datetime.now(UTC)


class PageFailure(Exception):
    """A fetched page that cannot be used; `outcome` is the fetch-log name for why."""

    def __init__(self, outcome: str, reason: str, verdict: BlockVerdict | None = None) -> None:
        super().__init__(reason)
        self.outcome = outcome
        self.reason = reason
        self.verdict = verdict


@dataclass
class _Crawl:
    """State of one source's crawl: what is known or queued, and what was recorded."""

    source: Source
    client: PoliteClient
    now: Now
    seen: set[str]
    result: SourceResult
    hosts: frozenset[str]
    schemes: dict[str, str]
    queue: list[tuple[ListedLink, str]] = field(default_factory=list)  # link, URL to request
    list_failures: list[PageFailure] = field(default_factory=list)
    article_failures: list[str] = field(default_factory=list)


async def crawl_source(
    source: Source, client: PoliteClient, known_urls: set[str], now: Now = utc_now
) -> SourceResult:
    """Crawl one source's list pages and its new articles; never raises for site problems."""
    crawl = _Crawl(
        source=source,
        client=client,
        now=now,
        seen=canonical_known(known_urls),
        result=SourceResult(source_id=source.id),
        hosts=source_hosts(source),
        schemes=start_schemes(source),
    )
    for start_url in source.start_urls:
        await _discover(crawl, start_url)
    for link, url in crawl.queue:
        await _fetch_article(crawl, link, url)
    _settle_status(crawl)
    return crawl.result


async def crawl_all(
    sources: list[Source],
    known_urls: dict[str, set[str]],
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    **client_kwargs: Any,
) -> list[SourceResult]:
    """Crawl sources concurrently over ONE client, so per-host politeness spans sources."""
    async with PoliteClient(transport=transport, **client_kwargs) as client:
        jobs = [_crawl_guarded(s, client, known_urls.get(s.id, set())) for s in sources]
        return list(await asyncio.gather(*jobs))


async def _crawl_guarded(
    source: Source, client: PoliteClient, known_urls: set[str]
) -> SourceResult:
    """One source's bug must not take the other sources of the run down with it."""
    try:
        return await crawl_source(source, client, known_urls)
    except Exception as exc:  # noqa: BLE001 - reported as this source's failure, with traceback
        logger.exception("crawl of source %s crashed", source.id)
        return SourceResult(
            source_id=source.id,
            status="failed",
            error=f"internal error while crawling: {type(exc).__name__}: {exc}",
        )


def canonical_known(urls: set[str]) -> set[str]:
    """Known URLs in canonical spelling; anything that is not an http(s) URL is ignored."""
    known: set[str] = set()
    for url in urls:
        try:
            known.add(canonical_url(url))
        except ValueError:
            logger.warning("ignoring known URL that is not http(s): %r", url)
    return known


def source_hosts(source: Source) -> frozenset[str]:
    """Hosts a crawl may request: those of the start URLs plus `allowed_hosts`."""
    hosts = {(urlsplit(url).hostname or "").lower() for url in source.start_urls}
    return frozenset(hosts | {host.lower() for host in source.allowed_hosts})


def start_schemes(source: Source) -> dict[str, str]:
    """The scheme each start-URL host is served on (first start URL wins)."""
    schemes: dict[str, str] = {}
    for url in source.start_urls:
        parts = urlsplit(url)
        schemes.setdefault((parts.hostname or "").lower(), parts.scheme)
    return schemes


def request_url(url: str, schemes: dict[str, str], fallback_scheme: str) -> str:
    """Turn a canonical (https) URL back into the URL to request on the source's scheme."""
    parts = urlsplit(url)
    scheme = schemes.get((parts.hostname or "").lower(), fallback_scheme)
    return urlunsplit((scheme, *parts[1:]))


def header_charset(headers: dict[str, str]) -> str | None:
    """The charset named in Content-Type, if any."""
    match = CHARSET_PATTERN.search(headers.get("content-type", ""))
    return match.group(1) if match else None


async def _discover(crawl: _Crawl, start_url: str) -> None:
    """Walk one start URL's list pages until max_pages or a page with nothing new."""
    rules = crawl.source.list
    limit = 1 if rules.datastore else crawl.source.max_pages  # Hanweb pages 2+ are POSTs
    planned = page_urls(start_url, rules, limit)
    page_url: str | None = start_url
    visited: set[str] = set()
    for number in range(limit):
        if page_url is None or page_url in visited:
            return
        visited.add(page_url)
        page = await _read_list_page(crawl, page_url)
        if page is None or not _queue_new_links(crawl, page, urlsplit(page_url).scheme):
            return
        page_url = _next_page(crawl, page, planned, number + 1, page_url)


def _next_page(
    crawl: _Crawl, page: ListPage, planned: list[str] | None, index: int, page_url: str
) -> str | None:
    """Template pagination when the rules have one, else the page's `next` link (same hosts)."""
    if planned is not None:
        return planned[index] if index < len(planned) else None
    if page.next_url is None or not _on_source_hosts(crawl, page.next_url):
        return None
    return request_url(page.next_url, crawl.schemes, urlsplit(page_url).scheme)


async def _read_list_page(crawl: _Crawl, url: str) -> ListPage | None:
    fetched = await crawl.client.get(url, delay=crawl.source.delay_seconds)
    record = _record(crawl, fetched, "list")
    try:
        html = _usable_html(crawl.source, fetched)
        page = _parse_list(html, fetched.final_url, crawl.source)
    except PageFailure as failure:
        _fail(record, failure)
        crawl.list_failures.append(_list_failure(url, failure))
        return None
    crawl.result.pages_crawled += 1
    return page


def _parse_list(html: str, page_url: str, source: Source) -> ListPage:
    try:
        return parse_list_page(html, page_url, source.list)
    except SelectorError as exc:
        raise PageFailure("selector_error", str(exc)) from None


def _list_failure(url: str, failure: PageFailure) -> PageFailure:
    """The source-level reason: a selector error names its URL already, others get it here."""
    if failure.outcome == "selector_error":
        return failure
    return PageFailure(failure.outcome, f"list page {url} : {failure.reason}", failure.verdict)


def _queue_new_links(crawl: _Crawl, page: ListPage, page_scheme: str) -> bool:
    """Queue article links not known or queued yet; True when the page had any.

    `links_found` counts every article link on the source's hosts, page by page."""
    new_links = 0
    for link in page.links:
        if link.is_attachment or not _on_source_hosts(crawl, link.url):
            continue
        crawl.result.links_found += 1
        if link.url in crawl.seen:
            continue
        crawl.seen.add(link.url)
        crawl.queue.append((link, request_url(link.url, crawl.schemes, page_scheme)))
        new_links += 1
    return new_links > 0


def _on_source_hosts(crawl: _Crawl, url: str) -> bool:
    return (urlsplit(url).hostname or "").lower() in crawl.hosts


async def _fetch_article(crawl: _Crawl, link: ListedLink, url: str) -> None:
    """Fetch and parse one article; a failure is recorded and the crawl goes on."""
    fetched = await crawl.client.get(url, delay=crawl.source.delay_seconds)
    record = _record(crawl, fetched, "article")
    try:
        html = _usable_html(crawl.source, fetched)
        release = _extract(crawl, html, link, record.fetched_at)
    except PageFailure as failure:
        _fail(record, failure)
        crawl.article_failures.append(f"{url} : {failure.reason}")
        return
    release.raw_sha256 = hashlib.sha256(fetched.content).hexdigest()
    crawl.result.releases.append(release)
    if release.published_at is None:
        _fail(record, PageFailure("bad_date", NO_DATE_REASON))
        crawl.article_failures.append(f"{url} : {NO_DATE_REASON}")


def _extract(crawl: _Crawl, html: str, link: ListedLink, fetched_at: datetime) -> Release:
    try:
        return extract_article(html, link.url, crawl.source, fetched_at, listed=link)
    except ExtractionError as exc:
        raise PageFailure("extraction_failed", str(exc)) from None


def _usable_html(source: Source, fetched: FetchResult) -> str:
    """Decoded HTML of a good response; PageFailure naming the outcome otherwise."""
    if fetched.status is None:
        raise PageFailure("network_error", fetched.error or "no response")
    if fetched.too_large:
        raise PageFailure("too_large", fetched.error or "response too large")
    html = decode_html(fetched.content, header_charset(fetched.headers), forced=source.encoding)
    verdict = detect_block(fetched.status, html, fetched.headers)
    if verdict is not None:
        vendor = f" ({verdict.vendor})" if verdict.vendor else ""
        raise PageFailure("blocked", f"blocked{vendor}: {verdict.reason}", verdict)
    if fetched.status >= 400:
        raise PageFailure("http_error", f"HTTP {fetched.status}")
    return html


def _record(crawl: _Crawl, fetched: FetchResult, kind: str) -> FetchRecord:
    record = FetchRecord(
        source_id=crawl.source.id,
        url=fetched.url,
        kind=kind,
        fetched_at=crawl.now(),
        status=fetched.status,
        bytes=len(fetched.content),
        elapsed_ms=fetched.elapsed_ms,
    )
    crawl.result.fetches.append(record)
    return record


def _fail(record: FetchRecord, failure: PageFailure) -> None:
    record.outcome = failure.outcome
    record.error = failure.reason


def _settle_status(crawl: _Crawl) -> None:
    """ok / partial / blocked / failed, with the source-level reason in words."""
    result = crawl.result
    blocked = [f for f in crawl.list_failures if f.outcome == "blocked"]
    if blocked:
        result.status, result.error = "blocked", blocked[0].reason
    elif result.pages_crawled == 0:
        result.status = "failed"
        result.error = crawl.list_failures[0].reason if crawl.list_failures else "no list page"
    elif crawl.list_failures or crawl.article_failures:
        result.status, result.error = "partial", _partial_reason(crawl)


def _partial_reason(crawl: _Crawl) -> str:
    parts = [failure.reason for failure in crawl.list_failures[:1]]
    if crawl.article_failures:
        total = len(crawl.queue)
        parts.append(
            f"{len(crawl.article_failures)} of {total} articles failed, first: "
            f"{crawl.article_failures[0]}"
        )
    return "; ".join(parts)
