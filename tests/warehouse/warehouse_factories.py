"""Crawl results for warehouse tests, built from the scrapers' own record types."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import duckdb

from scrapers.models import ArticleRules, FetchRecord, ListRules, Release, Source, SourceResult

T0 = datetime(2024, 8, 1, 2, 0, tzinfo=UTC)


def make_source(source_id: str = "sh-en-whatsnew", name: str = "Shanghai What's New") -> Source:
    return Source(
        id=source_id,
        name=name,
        region="shanghai",
        language="en",
        start_urls=("https://english.shanghai.gov.cn/en-Latest-WhatsNew/index.html",),
        list=ListRules(links="ul li a"),
        article=ArticleRules(),
        cms="shanghai",
    )


def make_release(
    number: int = 1,
    *,
    title: str | None = None,
    body: str | None = None,
    fetched_at: datetime = T0,
    source_id: str = "sh-en-whatsnew",
    published_at: datetime = datetime(2024, 7, 31, 23, 30, tzinfo=UTC),
) -> Release:
    return Release(
        url=f"https://english.shanghai.gov.cn/en-Latest-WhatsNew/20240801/{number:032x}.html",
        source_id=source_id,
        language="en",
        title=title if title is not None else f"Delta rail link {number} opens",
        body=body if body is not None else f"An invented body about rail link {number}.",
        published_at=published_at,  # the default is 1 August in Shanghai
        fetched_at=fetched_at,
        content_source="Shanghai Observer",
        methods={"title": "selector", "body": "selector"},
        attachments=("https://x/a.pdf",),
        raw_sha256="ab" * 32,
    )


def make_result(
    releases: list[Release],
    *,
    source_id: str = "sh-en-whatsnew",
    status: str = "ok",
    error: str | None = None,
    links_found: int | None = None,
    failed_urls: tuple[str, ...] = (),
) -> SourceResult:
    fetches = [
        FetchRecord(source_id, r.url, "article", r.fetched_at, 200, 1000, 12.5) for r in releases
    ]
    fetches += [
        FetchRecord(source_id, url, "article", T0, 500, 0, 3.0, "http_error", "HTTP 500")
        for url in failed_urls
    ]
    fetches.append(
        FetchRecord(
            source_id, "https://english.shanghai.gov.cn/list.html", "list", T0, 200, 5000, 20.0
        )
    )
    return SourceResult(
        source_id=source_id,
        releases=releases,
        fetches=fetches,
        links_found=len(releases) if links_found is None else links_found,
        pages_crawled=1,
        status=status,
        error=error,
    )


def table_contents(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple]]:
    """Every row of every warehouse table, in a stable order, for before/after comparisons."""
    tables = [
        row[0]
        for row in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE NOT temporary ORDER BY table_name"
        ).fetchall()
    ]
    return {
        name: sorted(con.execute(f"SELECT * FROM {name}").fetchall(), key=repr)
        for name in tables
        if name != "schema_migrations"
    }


def later(hours: int) -> datetime:
    return T0 + timedelta(hours=hours)


# Releases of the shape the linker links (RAIL) or leaves alone (WEATHER), as (title, body).
RAIL = (
    "Shanghai-Suzhou-Huzhou railway completes track laying",
    "The Shanghai-Suzhou-Huzhou railway links Shanghai, Jiangsu and Zhejiang and densifies the "
    "Yangtze River Delta high-speed network. Investment in 2024 was 12 billion yuan "
    "for 12 stations.",
)
WEATHER = ("Sunny weekend in Shanghai", "Forecasters expect sunshine in Shanghai this weekend.")


def release(number: int, text: tuple[str, str], **kwargs) -> Release:
    return make_release(number, title=text[0], body=text[1], **kwargs)


def crawl(con, catalog, run_id: str, releases: list, hour: int = 0) -> None:
    """One completed run as the monitor makes it: load, link, stories, finish."""
    from warehouse.catalog import sync_catalog
    from warehouse.linking import link_pending
    from warehouse.load import finish_run, load_source_result, start_run, upsert_sources
    from warehouse.stories import assign_stories

    upsert_sources(con, [make_source()])
    start_run(con, run_id, "live", T0 + timedelta(hours=hour), 1)
    load_source_result(con, run_id, make_result(releases))
    sync_catalog(con, catalog)
    link_pending(con, run_id, catalog)
    assign_stories(con, run_id)
    finish_run(
        con,
        run_id,
        status="completed",
        finished_at=T0 + timedelta(hours=hour),
        sources_failed=0,
        releases_new=len(releases),
        releases_changed=0,
        links_new=0,
        digest_path=None,
    )
