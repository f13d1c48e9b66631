"""`yrdwatch sources check`: is each source still readable the way its rules say?

For each source: fetch list page 1 through the polite client, parse it exactly as the crawl
does, then fetch and parse one article. The report names the HTTP status, the links found, the
configured selectors that matched nothing, any block or challenge page, and the sample article's
title, date, body length and methods, so a layout change or a block shows up before a run is
wasted on it. Live by default; the CLI passes a replay transport for archives.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import httpx
from bs4 import BeautifulSoup

from scrapers.blocks import BlockVerdict, detect_block
from scrapers.crawl import header_charset, request_url, start_schemes
from scrapers.encoding import decode_html
from scrapers.extract import ExtractionError, extract_article
from scrapers.fetch import FetchResult, PoliteClient
from scrapers.listing import ListedLink, ListPage, parse_list_page
from scrapers.models import Source
from scrapers.selectors import SelectorError, select_optional, split_selector_group

logger = logging.getLogger(__name__)

OK, BROKEN, BLOCKED = "ok", "broken", "blocked"
MAX_TITLE_SHOWN = 60


@dataclass
class ArticleSample:
    """The one article a check parses: what came out, and how."""

    url: str
    status: int | None = None
    title: str = ""
    published_at: datetime | None = None
    body_chars: int = 0
    methods: dict[str, str] = field(default_factory=dict)
    attachments: int = 0
    error: str | None = None


@dataclass
class SourceCheck:
    """What checking one source found; `verdict` is ok, broken or blocked."""

    source_id: str
    url: str
    status: int | None = None
    links_found: int = 0
    unmatched: list[str] = field(default_factory=list)  # "list.next 'a.next'"
    block: BlockVerdict | None = None
    error: str | None = None
    sample: ArticleSample | None = None

    @property
    def verdict(self) -> str:
        if self.block is not None:
            return BLOCKED
        if self.error or self.links_found == 0 or self.sample is None or self.sample.error:
            return BROKEN
        return OK


class _Unusable(Exception):
    """A response that cannot be parsed; the message says why in words."""

    def __init__(self, reason: str, block: BlockVerdict | None = None) -> None:
        super().__init__(reason)
        self.block = block


async def check_sources(
    sources: list[Source],
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    delay: float | None = None,
    **client_kwargs: Any,
) -> list[SourceCheck]:
    """Check sources concurrently over one polite client (per-host spacing holds across them).

    `delay` replaces every source's delay_seconds (0 for a loopback replay)."""
    async with PoliteClient(transport=transport, **client_kwargs) as client:
        jobs = [check_source(source, client, delay=delay) for source in sources]
        return list(await asyncio.gather(*jobs))


async def check_source(
    source: Source, client: PoliteClient, *, delay: float | None = None
) -> SourceCheck:
    """Page 1 of the source's first start URL and one article from it."""
    wait = source.delay_seconds if delay is None else delay
    url = source.start_urls[0]
    check = SourceCheck(source_id=source.id, url=url)
    try:
        fetched = await client.get(url, delay=wait)
        check.status = fetched.status
        html = _usable_html(source, fetched)
        page = _parse_list(html, fetched.final_url, source, check)
    except _Unusable as problem:
        check.error, check.block = str(problem), problem.block
        return check
    links = _article_links(source, page)
    check.links_found = len(links)
    if links:
        scheme = urlsplit(url).scheme
        target = request_url(links[0].url, start_schemes(source), scheme)
        check.sample = await _sample(source, client, links[0], target, wait, check)
    return check


def _parse_list(html: str, page_url: str, source: Source, check: SourceCheck) -> ListPage:
    """The crawl's own list parsing; a selector that finds nothing is noted, then raised."""
    try:
        page = parse_list_page(html, page_url, source.list)
    except SelectorError as exc:
        check.unmatched.append(f"list.links {exc.css!r}")
        raise _Unusable(str(exc)) from None
    if source.list.next and page.next_url is None:
        check.unmatched.append(f"list.next {source.list.next!r}")
    return page


def _article_links(source: Source, page: ListPage) -> list[ListedLink]:
    """Article links on the source's own hosts (the crawl never leaves them either)."""
    hosts = {(urlsplit(url).hostname or "").lower() for url in source.start_urls}
    hosts.update(host.lower() for host in source.allowed_hosts)
    return [
        link
        for link in page.links
        if not link.is_attachment and (urlsplit(link.url).hostname or "") in hosts
    ]


async def _sample(
    source: Source,
    client: PoliteClient,
    link: ListedLink,
    target: str,
    wait: float,
    check: SourceCheck,
) -> ArticleSample:
    sample = ArticleSample(url=link.url)
    try:
        fetched = await client.get(target, delay=wait)
        sample.status = fetched.status
        html = _usable_html(source, fetched)
        release = extract_article(html, link.url, source, datetime.now(UTC), listed=link)
    except _Unusable as problem:
        sample.error = str(problem)
        check.block = check.block or problem.block
        return sample
    except ExtractionError as exc:
        sample.error = str(exc)
        return sample
    check.unmatched.extend(unmatched_article_selectors(html, source))
    sample.title, sample.published_at = release.title, release.published_at
    sample.body_chars, sample.methods = len(release.body), dict(release.methods)
    sample.attachments = len(release.attachments)
    return sample


def unmatched_article_selectors(html: str, source: Source) -> list[str]:
    """Configured article selectors (profile or source) with no text on this page."""
    soup = BeautifulSoup(html, "lxml")
    rules = source.article
    configured = {"title": rules.title, "date": rules.date, "body": rules.body,
                  "source": rules.source}  # fmt: skip
    return [
        f"article.{name} {css!r}"
        for name, css in configured.items()
        if css and not _has_text(soup, css)
    ]


def _has_text(soup: BeautifulSoup, css: str) -> bool:
    return any(
        tag.get_text(strip=True)
        for alternative in split_selector_group(css)
        for tag in select_optional(soup, alternative)
    )


def _usable_html(source: Source, fetched: FetchResult) -> str:
    """Decoded page text, or _Unusable naming the network error, refusal, block or HTTP status."""
    if fetched.status is None:
        raise _Unusable(fetched.error or "no response")
    html = decode_html(fetched.content, header_charset(fetched.headers), forced=source.encoding)
    verdict = detect_block(fetched.status, html, fetched.headers, final_url=fetched.final_url)
    if verdict is not None:
        vendor = f" ({verdict.vendor})" if verdict.vendor else ""
        raise _Unusable(f"blocked{vendor}: {verdict.reason}", verdict)
    outcome = getattr(fetched, "outcome", None)
    if outcome is not None:
        raise _Unusable(fetched.error or outcome)
    if fetched.status >= 400:
        raise _Unusable(f"HTTP {fetched.status} for {fetched.url}")
    return html


# --- report ------------------------------------------------------------------------------------


def format_report(checks: list[SourceCheck]) -> list[str]:
    """Plain-text lines: one header line per source, indented details, a closing tally."""
    lines: list[str] = []
    width = max((len(check.source_id) for check in checks), default=2)
    for check in checks:
        lines.append(_headline(check, width))
        lines.extend("    " + detail for detail in _details(check))
    counts = {verdict: 0 for verdict in (OK, BROKEN, BLOCKED)}
    for check in checks:
        counts[check.verdict] += 1
    tally = ", ".join(f"{number} {verdict}" for verdict, number in counts.items())
    lines.append(f"{len(checks)} source(s) checked: {tally}")
    return lines


def _headline(check: SourceCheck, width: int) -> str:
    status = f"HTTP {check.status}" if check.status is not None else "no response"
    return (
        f"{check.source_id.ljust(width)}  {check.verdict.upper():<7}  {status:<11}  "
        f"links {check.links_found:<4}  {check.url}"
    )


def _details(check: SourceCheck) -> list[str]:
    details = []
    if check.block is not None:
        vendor = check.block.vendor or "vendor not identified"
        details.append(f"block page: {check.block.reason} [{vendor}]")
    if check.error and check.block is None:
        details.append(f"error: {check.error}")
    if check.unmatched:
        details.append("matched nothing: " + ", ".join(check.unmatched))
    if check.sample is not None:
        details.append(_sample_line(check.sample))
    elif check.error is None and check.links_found == 0:
        details.append("no article links on page 1")
    return details


def _sample_line(sample: ArticleSample) -> str:
    if sample.error:
        return f"sample article {sample.url}: FAILED: {sample.error}"
    title = sample.title[:MAX_TITLE_SHOWN] + ("…" if len(sample.title) > MAX_TITLE_SHOWN else "")
    when = sample.published_at.strftime("%Y-%m-%d %H:%M") if sample.published_at else "no date"
    methods = " ".join(f"{name}={method}" for name, method in sorted(sample.methods.items()))
    extra = f", {sample.attachments} attachment(s)" if sample.attachments else ""
    return (
        f"sample: {title!r} | {when} | body {sample.body_chars} chars{extra} | {methods} | "
        f"{sample.url}"
    )
