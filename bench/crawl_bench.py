"""The crawl benchmark: a loopback farm crawled concurrently, sequentially, then again with
nothing new. Measures span against the politeness lower bound, requests and bytes of the
incremental run, and peak memory. Numbers, not assertions: this is never a timed unit test.
"""

from __future__ import annotations

import asyncio
import resource
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bench.farm import Farm, FarmPlan
from scrapers.crawl import crawl_source
from scrapers.fetch import PoliteClient, site_key
from scrapers.models import Source, SourceResult
from scrapers.registry import parse_sources

NEWEST = datetime(2024, 9, 1, 4, 0, tzinfo=UTC)
RUN_AT = NEWEST + timedelta(hours=1)
RECHECK_WINDOW = timedelta(days=7)


@dataclass(frozen=True)
class Settings:
    articles: int
    hosts: int
    delay: float
    latency: float

    @classmethod
    def full(cls) -> Settings:
        return cls(articles=1500, hosts=6, delay=0.08, latency=0.02)

    @classmethod
    def quick(cls) -> Settings:
        return cls(articles=150, hosts=6, delay=0.08, latency=0.02)


@dataclass
class Crawl:
    """One run over every source: results and wall-clock span."""

    results: list[SourceResult]
    seconds: float

    def requests_per_host(self) -> Counter[str]:
        """Requests that reached a server (robots, list, article), per throttle key."""
        return Counter(
            site_key(record.url)
            for result in self.results
            for record in result.fetches
            if record.status is not None
        )

    @property
    def requests(self) -> int:
        return sum(self.requests_per_host().values())

    @property
    def body_bytes(self) -> int:
        return sum(record.bytes for result in self.results for record in result.fetches)

    @property
    def releases(self) -> int:
        return sum(len(result.releases) for result in self.results)


@dataclass
class Report:
    settings: Settings
    sources: int
    lower_bound: float
    concurrent: Crawl
    sequential: Crawl
    second: Crawl
    second_target: int
    recheck: int
    peak_rss_mib: float


def farm_plan(settings: Settings) -> FarmPlan:
    return FarmPlan(
        hosts=settings.hosts,
        columns_on_first_host=2,  # two sources share one host: its throttle must hold across them
        articles=settings.articles,
        latency=settings.latency,
        newest=NEWEST,
        days_between=0.5,
    )


def bench_sources(farm: Farm, delay: float) -> list[Source]:
    blocks = [
        f"""
[[source]]
id = "bench-h{host}-c{column}"
name = "Bench host {host} column {column}"
region = "other"
language = "zh"
start_urls = ["{farm.column_url(host, column)}"]
delay_seconds = {delay}
max_pages = 100

[source.list]
links = "ul.news li a"
next = "a.next"

[source.article]
title = "h1"
body = "#body"
"""
        for host, column in farm.plan.columns()
    ]
    return parse_sources("".join(blocks), "bench.toml")


async def crawl_once(
    sources: list[Source],
    *,
    concurrent: bool,
    known: dict[str, set[str]] | None = None,
    validators: dict[str, dict] | None = None,
    recheck: dict[str, set[str]] | None = None,
) -> Crawl:
    """One run over one polite client, all sources at once or one after another."""

    def job(source: Source):
        return crawl_source(
            source,
            client,
            (known or {}).get(source.id, set()),
            now=lambda: RUN_AT,
            validators=(validators or {}).get(source.id),
            recheck=(recheck or {}).get(source.id, set()),
            time_budget=None,
        )

    async with PoliteClient(timeout=10.0) as client:
        started = time.perf_counter()
        if concurrent:
            results = list(await asyncio.gather(*(job(source) for source in sources)))
        else:
            results = [await job(source) for source in sources]
        return Crawl(results, time.perf_counter() - started)


def politeness_lower_bound(crawl: Crawl, delay: float) -> float:
    """max over hosts of (requests on the host - 1) x delay: no polite crawl can beat it."""
    return max((count - 1) * delay for count in crawl.requests_per_host().values())


def recent_urls(crawl: Crawl) -> dict[str, set[str]]:
    """The re-check window: articles published within RECHECK_WINDOW of the run."""
    cutoff = RUN_AT - RECHECK_WINDOW
    return {
        result.source_id: {
            r.url for r in result.releases if r.published_at and r.published_at >= cutoff
        }
        for result in crawl.results
    }


def run(settings: Settings) -> Report:
    with Farm(farm_plan(settings)) as farm:
        sources = bench_sources(farm, settings.delay)
        concurrent = asyncio.run(crawl_once(sources, concurrent=True))
        sequential = asyncio.run(crawl_once(sources, concurrent=False))
        known = {r.source_id: {release.url for release in r.releases} for r in concurrent.results}
        validators = {r.source_id: r.list_validators for r in concurrent.results}
        recheck = recent_urls(concurrent)
        second = asyncio.run(
            crawl_once(
                sources, concurrent=True, known=known, validators=validators, recheck=recheck
            )
        )
    rechecks = sum(len(urls) for urls in recheck.values())
    return Report(
        settings=settings,
        sources=len(sources),
        lower_bound=politeness_lower_bound(concurrent, settings.delay),
        concurrent=concurrent,
        sequential=sequential,
        second=second,
        second_target=len(sources) + settings.hosts + rechecks,
        recheck=rechecks,
        peak_rss_mib=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    )


def markdown_table(report: Report) -> str:
    """The four measures (a)-(d), with their targets, as a Markdown table."""
    lines = ["| measure | value | target |", "|---|---|---|"]
    lines += [f"| {name} | {value} | {target} |" for name, value, target in _rows(report)]
    return "\n".join(lines)


def _rows(report: Report) -> list[tuple[str, str, str]]:
    s, c, q, n = report.settings, report.concurrent, report.sequential, report.second
    ratio = c.seconds / report.lower_bound if report.lower_bound else float("nan")
    busiest = max(c.requests_per_host().values())
    target_words = (
        f"<= {report.second_target} (page 1 x {report.sources} + robots.txt x {s.hosts}"
        f" + re-check {report.recheck})"
    )
    return [
        ("farm", f"{s.hosts} hosts, {report.sources} sources, {s.articles} articles", ""),
        ("per-host delay / latency", f"{s.delay * 1000:.0f} ms / {s.latency * 1000:.0f} ms", ""),
        ("releases (concurrent / sequential)", f"{c.releases} / {q.releases}", f"{s.articles}"),
        ("requests, first run", f"{c.requests} (busiest host {busiest})", ""),
        ("(a) politeness lower bound", f"{report.lower_bound:.2f} s", ""),
        ("(a) concurrent crawl span", f"{c.seconds:.2f} s = {ratio:.3f} x bound", "<= 1.15 x"),
        ("(b) sequential crawl span", f"{q.seconds:.2f} s = {q.seconds / c.seconds:.1f} x", ""),
        ("(c) second run, nothing new: requests", f"{n.requests}", target_words),
        ("(c) second run: body bytes", f"{n.body_bytes:,} (list pages: 304, 0 B)", ""),
        (
            "(c) second run: new releases / span",
            f"{n.releases - report.recheck} / {n.seconds:.2f} s",
            "0",
        ),
        ("(d) peak memory (ru_maxrss, crawler)", f"{report.peak_rss_mib:.0f} MiB", ""),
    ]
