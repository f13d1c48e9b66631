"""Records passed between the scrapers and the warehouse.

These dataclasses are the contract between `scrapers/` (which produces them
without touching DuckDB) and `warehouse/` (which stores them without making
HTTP requests). Keep them plain and serialisable.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime

REGIONS = ("shanghai", "jiangsu", "zhejiang", "anhui", "national", "other")
LANGUAGES = ("en", "zh")


@dataclass(frozen=True)
class ListRules:
    """How to find article links on a list page (`[source.list]`)."""

    links: str = "a[href]"
    next: str | None = None
    url_pattern: str | None = None
    page_url: str | None = None  # template for page N>=2: "{n}" = N, "{i}" = N-1
    datastore: bool = False  # Hanweb: records embedded as <datastore> XML
    skip: str | None = None  # CSS of list items to ignore (separator <li>s)
    json: bool = False  # gov.cn: the list is a JSON array of {TITLE, URL, DOCRELPUBTIME}


@dataclass(frozen=True)
class ArticleRules:
    """Selectors for an article page (`[source.article]`); None = not configured."""

    title: str | None = None
    date: str | None = None
    body: str | None = None
    source: str | None = None
    furniture: tuple[str, ...] = ()  # extra CSS of page chrome to drop from the body


@dataclass(frozen=True)
class Source:
    """One configured news source: a row of config served by a CMS profile."""

    id: str
    name: str
    region: str
    language: str
    start_urls: tuple[str, ...]
    list: ListRules
    article: ArticleRules
    cms: str | None = None
    delay_seconds: float = 2.0
    max_pages: int = 3
    allowed_hosts: tuple[str, ...] = ()
    encoding: str | None = None  # force a charset when the site lies or says nothing


@dataclass
class Release:
    """One parsed article, keyed on its canonical URL."""

    url: str
    source_id: str
    language: str
    title: str
    body: str
    published_at: datetime | None  # timezone-aware, Asia/Shanghai
    fetched_at: datetime
    content_source: str | None = None  # the "来源" line / ContentSource meta
    methods: dict[str, str] = field(default_factory=dict)  # field -> selector|meta|auto|list|url
    attachments: tuple[str, ...] = ()
    raw_sha256: str | None = None  # hash of the raw response bytes

    @property
    def content_hash(self) -> str:
        """Hash of what a reader sees; a change means the article was edited."""
        stamp = self.published_at.isoformat() if self.published_at else ""
        text = "\x1f".join((self.title.strip(), stamp, self.body.strip()))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass
class FetchRecord:
    """One HTTP request and what became of it (the fetch log)."""

    source_id: str
    url: str
    kind: str  # list | article | robots
    fetched_at: datetime
    status: int | None = None
    bytes: int = 0
    elapsed_ms: float = 0.0
    outcome: str = "ok"  # ok | not_modified | http_error | network_error | blocked |
    #                      extraction_failed | bad_date | too_large | skipped |
    #                      robots_disallowed | offsite_redirect | redirect_error |
    #                      budget_exceeded | duplicate | selector_error
    error: str | None = None


@dataclass
class SourceResult:
    """What crawling one source produced in one run."""

    source_id: str
    releases: list[Release] = field(default_factory=list)
    fetches: list[FetchRecord] = field(default_factory=list)
    links_found: int = 0
    pages_crawled: int = 0
    status: str = "ok"  # ok | partial | failed | blocked
    error: str | None = None  # the source-level reason, in words
    # conditional-request state of list pages, {canonical page URL: {etag, last_modified,
    # body_sha256, links_sha256, verified_at}} plus {"host:<host>": {conditional_broken: ...}};
    # the warehouse stores it and passes it back to the next crawl (see scrapers.crawl)
    list_validators: dict[str, dict] = field(default_factory=dict)
