"""Crawl one source: list pages -> new article URLs -> fetch -> raw archive -> parse -> Releases.

The crawler is the only place that combines the polite client with the pure parsers. It never
raises for a site's problems: every request becomes a FetchRecord with a named outcome, and the
source gets a status (ok / partial / blocked / failed) with the reason in words.

Canonical URLs (https, see scrapers.canonical) are the keys; requests go out with the scheme
the source's own start URL uses for that host, so http-only sites and loopback replays work.

Incremental rules:
- known URLs are not fetched again; list paging stops at the first page with nothing new;
- `recheck` URLs (known, recently published) are fetched again so edits become new versions;
- list pages are requested conditionally (ETag / Last-Modified from `validators`); a 304 means
  "nothing new on this page", so paging stops there;
- a server that answers 304 wrongly is caught so: when a 304 arrives and the page's stored copy
  was last seen in full more than VERIFY_304_AFTER ago, the page is fetched once unconditionally;
  if its article links differ from the stored ones (links_sha256), the 304 was a lie, the host
  is marked `validators["host:<host>"]["conditional_broken"]` and never asked conditionally
  again, and the fresh page is crawled as usual.

A crawl never leaves the source's hosts (start URLs + allowed_hosts): links elsewhere are
dropped and redirects elsewhere refused hop by hop; loopback and private addresses are
reachable only when a start URL is on one.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol
from urllib.parse import urlsplit, urlunsplit

import httpx

from scrapers.blocks import BlockVerdict, detect_block
from scrapers.canonical import canonical_url, is_internal_host
from scrapers.encoding import decode_html
from scrapers.extract import ExtractionError, extract_article, join_pages
from scrapers.fetch import FetchResult, PoliteClient, site_key
from scrapers.listing import (
    ListedLink,
    ListPage,
    continuation_urls,
    hanweb_page_request,
    page_urls,
    parse_datastore,
    parse_list_page,
)
from scrapers.models import FetchRecord, Release, Source, SourceResult
from scrapers.selectors import SelectorError

logger = logging.getLogger(__name__)

CHARSET_PATTERN = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.IGNORECASE)
DEFAULT_SOURCE_BUDGET_S = 1500.0  # under the flow's 1800 s task timeout, so we stop first
VERIFY_304_AFTER = timedelta(days=1)
HANWEB_PER_PAGE = 15
MAX_CONTINUATION_PAGES = 10
SKIP_OUTCOMES = frozenset({"robots_disallowed", "duplicate", "budget_exceeded"})
Now = Callable[[], datetime]

NO_DATE_REASON = (
    "stored without a date: no parseable publication date in the page, its list item or its URL"
)


class RawStore(Protocol):
    """Where article responses are kept before parsing (scrapers.rawstore)."""

    def put(
        self,
        *,
        url: str,
        content: bytes,
        headers: dict[str, str],
        status: int,
        fetched_at: datetime,
    ) -> str: ...


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
class _ListRead:
    """A list page read: `page` None means "not modified" (nothing new on it)."""

    page: ListPage | None = None
    html: str = ""


NOT_MODIFIED = _ListRead()


@dataclass
class _Crawl:
    """State of one source's crawl: what is known or queued, and what was recorded."""

    source: Source
    client: PoliteClient
    now: Now
    seen: set[str]
    result: SourceResult
    hosts: frozenset[str]
    internal_ok: bool
    schemes: dict[str, str]
    validators: dict[str, dict]
    raw_store: RawStore | None
    budget: float | None
    deadline: float | None
    queue: list[tuple[ListedLink, str]] = field(default_factory=list)  # link, URL to request
    list_failures: list[PageFailure] = field(default_factory=list)
    article_failures: list[str] = field(default_factory=list)
    finals: set[str] = field(default_factory=set)  # canonical final URLs of fetched articles
    left_for_next_run: int = 0

    def allows(self, url: str) -> bool:
        """On the source's hosts, and internal addresses only for an internal source."""
        host = urlsplit(url).hostname or ""
        if is_internal_host(host) and not self.internal_ok:
            return False
        return site_key(url) in self.hosts

    def out_of_time(self) -> bool:
        return self.deadline is not None and self.client.clock() >= self.deadline


async def crawl_source(
    source: Source,
    client: PoliteClient,
    known_urls: set[str],
    now: Now = utc_now,
    *,
    validators: Mapping[str, dict] | None = None,
    recheck: Iterable[str] = frozenset(),
    raw_store: RawStore | None = None,
    time_budget: float | None = DEFAULT_SOURCE_BUDGET_S,
) -> SourceResult:
    """Crawl one source's list pages, its new articles and its `recheck` URLs.

    `validators` are the list pages' stored conditional-request validators (returned updated in
    `SourceResult.list_validators`); `raw_store.put(...)` receives every article response before
    it is parsed; after `time_budget` seconds the crawl stops cleanly, naming what it left.
    Never raises for a site's problems."""
    crawl = _new_crawl(source, client, known_urls, now, validators, raw_store, time_budget)
    for start_url in source.start_urls:
        if crawl.out_of_time():
            break
        await _discover(crawl, start_url)
    _queue_rechecks(crawl, recheck)
    await _fetch_queue(crawl)
    crawl.result.list_validators = crawl.validators
    _settle_status(crawl)
    return crawl.result


def _new_crawl(
    source: Source,
    client: PoliteClient,
    known_urls: set[str],
    now: Now,
    validators: Mapping[str, dict] | None,
    raw_store: RawStore | None,
    time_budget: float | None,
) -> _Crawl:
    deadline = None if time_budget is None else client.clock() + time_budget
    return _Crawl(
        source=source,
        client=client,
        now=now,
        seen=canonical_known(known_urls),
        result=SourceResult(source_id=source.id),
        hosts=source_hosts(source),
        internal_ok=starts_internal(source),
        schemes=start_schemes(source),
        validators={key: dict(value) for key, value in (validators or {}).items()},
        raw_store=raw_store,
        budget=time_budget,
        deadline=deadline,
    )


async def crawl_all(
    sources: list[Source],
    known_urls: dict[str, set[str]],
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    validators: Mapping[str, Mapping[str, dict]] | None = None,
    recheck: Mapping[str, Iterable[str]] | None = None,
    raw_store: RawStore | None = None,
    time_budget: float | None = DEFAULT_SOURCE_BUDGET_S,
    **client_kwargs: Any,
) -> list[SourceResult]:
    """Crawl sources concurrently over ONE client, so per-host politeness spans sources."""
    options = dict(raw_store=raw_store, time_budget=time_budget)
    async with PoliteClient(transport=transport, **client_kwargs) as client:
        jobs = [
            _crawl_guarded(
                source,
                client,
                known_urls.get(source.id, set()),
                validators=(validators or {}).get(source.id),
                recheck=(recheck or {}).get(source.id, ()),
                **options,
            )
            for source in sources
        ]
        return list(await asyncio.gather(*jobs))


async def _crawl_guarded(
    source: Source, client: PoliteClient, known_urls: set[str], **options: Any
) -> SourceResult:
    """One source's bug must not take the other sources of the run down with it."""
    try:
        return await crawl_source(source, client, known_urls, **options)
    except Exception as exc:  # noqa: BLE001 - reported as this source's failure, with traceback
        logger.exception("crawl of source %s crashed", source.id)
        return SourceResult(
            source_id=source.id,
            status="failed",
            error=f"internal error while crawling: {type(exc).__name__}: {exc}",
        )


def canonical_known(urls: Iterable[str]) -> set[str]:
    """Known URLs in canonical spelling; anything that is not an http(s) URL is ignored."""
    known: set[str] = set()
    for url in urls:
        try:
            known.add(canonical_url(url))
        except ValueError:
            logger.warning("ignoring known URL that is not http(s): %r", url)
    return known


def source_hosts(source: Source) -> frozenset[str]:
    """Sites a crawl may request (throttle keys, see fetch.site_key): those of the start URLs
    plus `allowed_hosts`."""
    hosts = {site_key(url) for url in source.start_urls}
    return frozenset(hosts | {host.lower() for host in source.allowed_hosts})


def starts_internal(source: Source) -> bool:
    """True when a start URL is itself on loopback or a private address (tests, replays)."""
    return any(is_internal_host(urlsplit(url).hostname or "") for url in source.start_urls)


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


async def _get(crawl: _Crawl, url: str, headers: dict[str, str] | None = None) -> FetchResult:
    return await crawl.client.get(
        url,
        delay=crawl.source.delay_seconds,
        headers=headers,
        allow=crawl.allows,
        deadline=crawl.deadline,
    )


# --- list pages ----------------------------------------------------------------------------


async def _discover(crawl: _Crawl, start_url: str) -> None:
    """Walk one start URL's list pages until max_pages or a page with nothing new."""
    rules = crawl.source.list
    if rules.datastore:
        await _discover_hanweb(crawl, start_url)
        return
    planned = page_urls(start_url, rules, crawl.source.max_pages)
    page_url: str | None = start_url
    visited: set[str] = set()
    for number in range(crawl.source.max_pages):
        if page_url is None or page_url in visited or crawl.out_of_time():
            return
        visited.add(page_url)
        read = await _read_list_page(crawl, page_url)
        if read is None or read.page is None:
            return
        if not _queue_new_links(crawl, read.page, urlsplit(page_url).scheme):
            return
        page_url = _next_page(crawl, read.page, planned, number + 1, page_url)


async def _discover_hanweb(crawl: _Crawl, start_url: str) -> None:
    """Hanweb JCMS: page 1 embeds a <datastore>; pages 2.. are POSTs to dataproxy.jsp."""
    first = await _read_list_page(crawl, start_url)
    scheme = urlsplit(start_url).scheme
    if first is None or first.page is None or not _queue_new_links(crawl, first.page, scheme):
        return
    for number in range(2, crawl.source.max_pages + 1):
        planned = hanweb_page_request(start_url, first.html, number, HANWEB_PER_PAGE)
        if planned is None or crawl.out_of_time() or not crawl.allows(planned[0]):
            return
        page = await _post_list_page(crawl, planned[0], planned[1])
        if page is None or not _queue_new_links(crawl, page, scheme):
            return


async def _post_list_page(crawl: _Crawl, url: str, form: dict[str, str]) -> ListPage | None:
    fetched = await crawl.client.post(
        url,
        data=form,
        delay=crawl.source.delay_seconds,
        allow=crawl.allows,
        deadline=crawl.deadline,
    )
    parsed = _parsed_list(crawl, url, fetched, parse_datastore)
    return parsed[0] if parsed else None


def _parsed_list(
    crawl: _Crawl, url: str, fetched: FetchResult, parser: Callable[..., ListPage]
) -> tuple[ListPage, str] | None:
    """Log one list response and parse it; a failure is recorded and gives None."""
    record = _record(crawl, fetched, "list")
    try:
        html = _usable_html(crawl.source, fetched)
        page = _parse_with(parser, html, fetched.final_url, crawl.source)
    except PageFailure as failure:
        _list_failed(crawl, record, url, failure)
        return None
    crawl.result.pages_crawled += 1
    return page, html


def _next_page(
    crawl: _Crawl, page: ListPage, planned: list[str] | None, index: int, page_url: str
) -> str | None:
    """Template pagination when the rules have one, else the page's `next` link (same hosts)."""
    if planned is not None:
        return planned[index] if index < len(planned) else None
    if page.next_url is None or not crawl.allows(page.next_url):
        return None
    return request_url(page.next_url, crawl.schemes, urlsplit(page_url).scheme)


async def _read_list_page(crawl: _Crawl, url: str) -> _ListRead | None:
    """One list page, conditionally when we hold validators; None when it failed."""
    key = canonical_url(url)
    stored = _usable_validator(crawl, key, url)
    fetched = await _get(crawl, url, conditional_headers(stored))
    if fetched.status == 304 and stored is not None:
        return await _after_not_modified(crawl, url, key, stored, fetched)
    return _list_read(crawl, url, key, fetched)


def _list_read(crawl: _Crawl, url: str, key: str, fetched: FetchResult) -> _ListRead | None:
    parsed = _parsed_list(crawl, url, fetched, parse_list_page)
    if parsed is None:
        return None
    page, html = parsed
    _remember_validator(crawl, key, fetched, page)
    return _ListRead(page, html)


async def _after_not_modified(
    crawl: _Crawl, url: str, key: str, stored: dict, fetched: FetchResult
) -> _ListRead | None:
    """A 304: nothing new, unless the periodic unconditional check shows the server lies."""
    record = _record(crawl, fetched, "list")
    record.outcome = "not_modified"
    crawl.result.pages_crawled += 1
    if not _due_for_check(stored, crawl.now()):
        return NOT_MODIFIED
    fresh = _list_read(crawl, url, key, await _get(crawl, url))
    if fresh is None or fresh.page is None:
        return fresh
    if links_sha256(fresh.page) == stored.get("links_sha256"):
        return NOT_MODIFIED
    _mark_conditional_broken(crawl, url)
    return fresh


def _parse_with(parser: Callable[..., ListPage], html: str, url: str, source: Source) -> ListPage:
    try:
        return parser(html, url, source.list)
    except SelectorError as exc:
        raise PageFailure("selector_error", str(exc)) from None


def _list_failed(crawl: _Crawl, record: FetchRecord, url: str, failure: PageFailure) -> None:
    _fail(record, failure)
    crawl.list_failures.append(_list_failure(url, failure))


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
        if link.is_attachment or not crawl.allows(link.url):
            continue
        crawl.result.links_found += 1
        if link.url in crawl.seen:
            continue
        crawl.seen.add(link.url)
        crawl.queue.append((link, request_url(link.url, crawl.schemes, page_scheme)))
        new_links += 1
    return new_links > 0


def _queue_rechecks(crawl: _Crawl, recheck: Iterable[str]) -> None:
    """Known, recently published articles go to the back of the queue to catch edits."""
    queued = {link.url for link, _ in crawl.queue}
    fallback = urlsplit(crawl.source.start_urls[0]).scheme if crawl.source.start_urls else "https"
    for url in sorted(canonical_known(recheck) - queued):
        if crawl.allows(url):
            link = ListedLink(url=url, title="", listed_date=None, is_attachment=False)
            crawl.queue.append((link, request_url(url, crawl.schemes, fallback)))


# --- conditional requests ------------------------------------------------------------------


def conditional_headers(stored: Mapping[str, Any] | None) -> dict[str, str] | None:
    """If-None-Match / If-Modified-Since from a stored validator, when it has them."""
    if not stored:
        return None
    headers = {}
    if stored.get("etag"):
        headers["If-None-Match"] = str(stored["etag"])
    if stored.get("last_modified"):
        headers["If-Modified-Since"] = str(stored["last_modified"])
    return headers or None


def links_sha256(page: ListPage) -> str:
    """What a list page says, for comparing copies: its article URLs in order."""
    return hashlib.sha256("\n".join(link.url for link in page.links).encode()).hexdigest()


def _host_entry(url: str) -> str:
    return f"host:{site_key(url)}"


def _usable_validator(crawl: _Crawl, key: str, url: str) -> dict | None:
    if crawl.validators.get(_host_entry(url), {}).get("conditional_broken"):
        return None
    stored = crawl.validators.get(key)
    return stored if stored and (stored.get("etag") or stored.get("last_modified")) else None


def _remember_validator(crawl: _Crawl, key: str, fetched: FetchResult, page: ListPage) -> None:
    crawl.validators[key] = {
        "etag": fetched.headers.get("etag"),
        "last_modified": fetched.headers.get("last-modified"),
        "body_sha256": hashlib.sha256(fetched.content).hexdigest(),
        "links_sha256": links_sha256(page),
        "verified_at": crawl.now().isoformat(),
    }


def _due_for_check(stored: Mapping[str, Any], now: datetime) -> bool:
    try:
        verified = datetime.fromisoformat(str(stored.get("verified_at")))
    except ValueError:
        return True
    if verified.tzinfo is None:
        verified = verified.replace(tzinfo=UTC)
    return now - verified >= VERIFY_304_AFTER


def _mark_conditional_broken(crawl: _Crawl, url: str) -> None:
    logger.warning("%s answered 304 but its list changed: conditional requests off", url)
    crawl.validators[_host_entry(url)] = {
        "conditional_broken": True,
        "since": crawl.now().isoformat(),
        "reason": f"answered 304 Not Modified for {url} while its article list had changed",
    }


# --- articles ------------------------------------------------------------------------------


async def _fetch_queue(crawl: _Crawl) -> None:
    """Fetch queued articles in list order; past the time budget, name what is left."""
    for index, (link, url) in enumerate(crawl.queue):
        if crawl.out_of_time():
            _leave_for_next_run(crawl, crawl.queue[index:])
            return
        await _fetch_article(crawl, link, url)


def _leave_for_next_run(crawl: _Crawl, rest: list[tuple[ListedLink, str]]) -> None:
    reason = f"not fetched: the source's time budget of {crawl.budget:g} s was used up"
    for _, url in rest:
        record = FetchRecord(
            crawl.source.id, url, "article", crawl.now(), outcome="budget_exceeded"
        )
        record.error = reason
        crawl.result.fetches.append(record)
    crawl.left_for_next_run += len(rest)


async def _fetch_article(crawl: _Crawl, link: ListedLink, url: str) -> None:
    """Fetch, archive and parse one article; a failure is recorded and the crawl goes on."""
    if link.url in crawl.finals:
        _skip_duplicate(crawl, url, link.url)
        return
    fetched = await _get(crawl, url)
    record = _record(crawl, fetched, "article")
    _archive(crawl, link.url, fetched, record)
    try:
        _refuse_duplicate(crawl, link, fetched)
        html = _usable_html(crawl.source, fetched)
        release = _extract(crawl, html, link, record.fetched_at)
        release = await _join_continuations(crawl, html, fetched, release)
    except PageFailure as failure:
        _article_failed(crawl, record, url, failure)
        return
    release.raw_sha256 = hashlib.sha256(fetched.content).hexdigest()
    crawl.result.releases.append(release)
    if release.published_at is None:
        _fail(record, PageFailure("bad_date", NO_DATE_REASON))
        crawl.article_failures.append(f"{url} : {NO_DATE_REASON}")


def _article_failed(crawl: _Crawl, record: FetchRecord, url: str, failure: PageFailure) -> None:
    _fail(record, failure)
    if failure.outcome == "budget_exceeded":
        crawl.left_for_next_run += 1
    elif failure.outcome not in SKIP_OUTCOMES:
        crawl.article_failures.append(f"{url} : {failure.reason}")


def _skip_duplicate(crawl: _Crawl, url: str, canonical: str) -> None:
    """An article an earlier URL of this run redirected to: recorded, not fetched again."""
    record = FetchRecord(crawl.source.id, url, "article", crawl.now(), outcome="duplicate")
    record.error = f"same article as an earlier URL of this run that redirected to {canonical}"
    crawl.result.fetches.append(record)


def _refuse_duplicate(crawl: _Crawl, link: ListedLink, fetched: FetchResult) -> None:
    """Two listed URLs landing on one page (a redirect) make one release, not two."""
    if fetched.status is None or fetched.outcome is not None:
        return
    final = canonical_url(fetched.final_url)
    if final != link.url and final in crawl.finals:
        raise PageFailure("duplicate", f"redirected to {final}, already fetched in this run")
    crawl.finals.update({final, link.url})


def _archive(crawl: _Crawl, url: str, fetched: FetchResult, record: FetchRecord) -> None:
    """Keep the raw response before parsing, so history can be re-parsed without a crawl."""
    if crawl.raw_store is None or fetched.status is None or fetched.outcome is not None:
        return
    try:
        crawl.raw_store.put(
            url=url,
            content=fetched.content,
            headers=fetched.headers,
            status=fetched.status,
            fetched_at=record.fetched_at,
        )
    except OSError as exc:
        logger.warning("raw archive could not keep %s: %s", url, exc)
        record.error = f"raw archive not written: {exc}"


async def _join_continuations(
    crawl: _Crawl, html: str, fetched: FetchResult, release: Release
) -> Release:
    """China Daily-style articles split over c_<id>_2.htm …: fetch the rest and join them."""
    urls = [url for url in continuation_urls(html, fetched.final_url) if crawl.allows(url)]
    bodies = []
    for url in urls[:MAX_CONTINUATION_PAGES]:
        page = await _get(crawl, request_url(url, crawl.schemes, urlsplit(fetched.url).scheme))
        record = _record(crawl, page, "article")
        _archive(crawl, url, page, record)
        try:
            bodies.append(_usable_html(crawl.source, page))
        except PageFailure as failure:
            _fail(record, failure)
    return join_pages(release, bodies) if bodies else release


def _extract(crawl: _Crawl, html: str, link: ListedLink, fetched_at: datetime) -> Release:
    try:
        return extract_article(html, link.url, crawl.source, fetched_at, listed=link)
    except ExtractionError as exc:
        raise PageFailure("extraction_failed", str(exc)) from None


# --- responses and records -----------------------------------------------------------------


def _usable_html(source: Source, fetched: FetchResult) -> str:
    """Decoded HTML of a good response; PageFailure naming the outcome otherwise."""
    if fetched.outcome is not None:
        raise PageFailure(fetched.outcome, fetched.error or fetched.outcome)
    if fetched.status is None:
        raise PageFailure("network_error", fetched.error or "no response")
    html = decode_html(fetched.content, header_charset(fetched.headers), forced=source.encoding)
    verdict = _block_verdict(fetched, html)
    if verdict is not None:
        vendor = f" ({verdict.vendor})" if verdict.vendor else ""
        raise PageFailure("blocked", f"blocked{vendor}: {verdict.reason}", verdict)
    if fetched.status >= 300:
        raise PageFailure("http_error", _http_error_words(fetched))
    return html


def _block_verdict(fetched: FetchResult, html: str) -> BlockVerdict | None:
    assert fetched.status is not None
    return detect_block(fetched.status, html, fetched.headers, final_url=fetched.final_url)


def _http_error_words(fetched: FetchResult) -> str:
    words = f"HTTP {fetched.status}"
    if fetched.status == 304:
        words += " to a request that was not conditional"
    return f"{words} ({fetched.error})" if fetched.error else words


def _record(crawl: _Crawl, fetched: FetchResult, kind: str) -> FetchRecord:
    if fetched.robots is not None:
        _record_robots(crawl, fetched.robots)
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


def _record_robots(crawl: _Crawl, fetched: FetchResult) -> None:
    """robots.txt is fetched once per origin per run; the source that asked first logs it."""
    record = FetchRecord(
        source_id=crawl.source.id,
        url=fetched.url,
        kind="robots",
        fetched_at=crawl.now(),
        status=fetched.status,
        bytes=len(fetched.content),
        elapsed_ms=fetched.elapsed_ms,
    )
    if fetched.status is None or fetched.status >= 500 or fetched.outcome is not None:
        record.outcome = fetched.outcome or "http_error"
        record.error = f"robots.txt unreachable, nothing fetched from it: {fetched.error or ''}"
    crawl.result.fetches.append(record)


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
        result.error = _no_list_reason(crawl)
    elif crawl.list_failures or crawl.article_failures or crawl.left_for_next_run:
        result.status, result.error = "partial", _partial_reason(crawl)


def _no_list_reason(crawl: _Crawl) -> str:
    if crawl.list_failures:
        return crawl.list_failures[0].reason
    if crawl.out_of_time():
        return f"time budget of {crawl.budget:g} s used up before a list page was read"
    return "no list page"


def _partial_reason(crawl: _Crawl) -> str:
    parts = [failure.reason for failure in crawl.list_failures[:1]]
    if crawl.article_failures:
        total = len(crawl.queue)
        parts.append(
            f"{len(crawl.article_failures)} of {total} articles failed, first: "
            f"{crawl.article_failures[0]}"
        )
    if crawl.left_for_next_run:
        parts.append(
            f"time budget of {crawl.budget:g} s used up: {crawl.left_for_next_run} article(s) "
            "not fetched (outcome budget_exceeded; pass them as recheck next run)"
        )
    return "; ".join(parts)
