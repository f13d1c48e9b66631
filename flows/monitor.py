"""The `monitor` flow: crawl every source, load, link, digest — one recorded run.

Tasks are coarse (one per source, then one each for load, link and digest) and
thin: the work lives in `scrapers/` and `warehouse/`. Crawl tasks are async and
run concurrently in the flow's event loop over one shared polite client, so the
per-host throttle holds across sources that share a host.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from flows.paths import default_db_path, digest_dir_for
from flows.selection import select_sources
from scrapers.crawl import crawl_source
from scrapers.fetch import PoliteClient
from scrapers.models import Source, SourceResult
from scrapers.replay import ReplayTransport
from warehouse import db, digest, load, snapshot
from warehouse.catalog import load_catalog, sync_catalog
from warehouse.linking import link_pending

_CLIENTS: dict[str, PoliteClient] = {}
SOURCE_TIME_BUDGET_S = 1800


@dataclass
class RunSummary:
    """What one monitor run did, for the CLI and for tests."""

    run_id: str
    mode: str
    db_path: str
    snapshot_path: str
    digest_path: str
    sources_total: int
    sources_failed: int
    releases_new: int
    releases_changed: int
    links_new: int
    status: str


def new_run_id(now: datetime) -> str:
    """Sortable and unique: UTC timestamp plus a short random suffix."""
    return now.strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:6]


@task(name="start-run", cache_policy=NO_CACHE)
def start_run_task(
    db_path: str, run_id: str, mode: str, sources: list[Source]
) -> dict[str, set[str]]:
    """Record the run and the sources; return the URLs already stored per source."""
    con = db.connect(db_path)
    try:
        load.start_run(con, run_id, mode, datetime.now(UTC), len(sources))
        load.upsert_sources(con, sources)
        return load.known_urls(con)
    finally:
        con.close()


@task(
    name="crawl-source",
    task_run_name="crawl-{source.id}",
    cache_policy=NO_CACHE,
    timeout_seconds=SOURCE_TIME_BUDGET_S,
)
async def crawl_source_task(source: Source, known: set[str], client_key: str) -> SourceResult:
    """Crawl one source; a crash in one source is recorded, never fatal to the run."""
    logger = get_run_logger()
    try:
        result = await crawl_source(source, _CLIENTS[client_key], known)
    except Exception as exc:  # noqa: BLE001 - any crawler bug becomes a named source failure
        logger.exception("crawler error on %s", source.id)
        return SourceResult(source.id, status="failed", error=f"crawler error: {exc!r}"[:500])
    logger.info(
        "%s: %s, %d page(s), %d new release(s)",
        source.id,
        result.status,
        result.pages_crawled,
        len(result.releases),
    )
    return result


@task(name="load", cache_policy=NO_CACHE)
def load_task(db_path: str, run_id: str, results: list[SourceResult]) -> tuple[int, int, int]:
    """Load every source's result; returns (new, changed, sources_failed)."""
    con = db.connect(db_path)
    try:
        counts = [load.load_source_result(con, run_id, r) for r in results]
    finally:
        con.close()
    failed = sum(1 for r in results if r.status in ("failed", "blocked"))
    return sum(c.new for c in counts), sum(c.changed for c in counts), failed


@task(name="link", cache_policy=NO_CACHE)
def link_task(db_path: str, run_id: str) -> int:
    """Score new and changed releases against the commitment catalog."""
    catalog = load_catalog()
    con = db.connect(db_path)
    try:
        sync_catalog(con, catalog)
        return link_pending(con, run_id, catalog)
    finally:
        con.close()


@task(name="digest", cache_policy=NO_CACHE)
def digest_task(db_path: str, run_id: str, digest_dir: str) -> str:
    """Write the run's Markdown digest and publish it as a Prefect artifact."""
    con = db.connect(db_path)
    try:
        markdown = digest.render_markdown(digest.build_digest(con, run_id))
    finally:
        con.close()
    path = digest.write_digest(markdown, Path(digest_dir), run_id)
    create_markdown_artifact(
        markdown=markdown, key="yrdwatch-digest", description=f"yrdwatch digest for run {run_id}"
    )
    return str(path)


@task(name="finish-run", cache_policy=NO_CACHE)
def finish_task(db_path: str, run_id: str, totals: dict) -> str:
    """Close the run record and publish the read-only snapshot analysts open."""
    con = db.connect(db_path)
    try:
        load.finish_run(con, run_id, finished_at=datetime.now(UTC), **totals)
    finally:
        con.close()
    target = snapshot.default_snapshot_path(Path(db_path))
    return str(snapshot.publish_snapshot(Path(db_path), target))


async def crawl_concurrently(
    sources: list[Source], known: dict[str, set[str]], replay_url: str | None
) -> list[SourceResult]:
    """One crawl task per source, all sharing one polite client (and its per-host throttle)."""
    transport = ReplayTransport(replay_url) if replay_url else None
    client_key = uuid.uuid4().hex
    async with PoliteClient(transport=transport) as client:
        _CLIENTS[client_key] = client
        try:
            return list(
                await asyncio.gather(
                    *(crawl_source_task(s, known.get(s.id, set()), client_key) for s in sources)
                )
            )
        finally:
            del _CLIENTS[client_key]


@flow(name="monitor", log_prints=False)
async def monitor(
    sources_file: str | None = None,
    source_ids: list[str] | None = None,
    db_path: str | None = None,
    replay_url: str | None = None,
    mode: str = "live",
    digest_dir: str | None = None,
) -> RunSummary:
    """Crawl the sources, load the releases, link them to commitments, write the digest."""
    logger = get_run_logger()
    db_file = str(db_path or default_db_path())
    sources = select_sources(sources_file, source_ids)
    run_id = new_run_id(datetime.now(UTC))
    logger.info("run %s: %d source(s) into %s", run_id, len(sources), db_file)
    known = start_run_task(db_file, run_id, mode, sources)
    results = await crawl_concurrently(sources, known, replay_url)
    new, changed, failed = load_task(db_file, run_id, results)
    links_new = link_task(db_file, run_id)
    out_dir = digest_dir or str(digest_dir_for(Path(db_file)))
    digest_path = digest_task(db_file, run_id, out_dir)
    status = "failed" if failed == len(sources) else "completed"
    totals = dict(
        status=status,
        sources_failed=failed,
        releases_new=new,
        releases_changed=changed,
        links_new=links_new,
        digest_path=digest_path,
    )
    snapshot_path = finish_task(db_file, run_id, totals)
    return RunSummary(
        run_id=run_id,
        mode=mode,
        db_path=db_file,
        snapshot_path=snapshot_path,
        digest_path=digest_path,
        sources_total=len(sources),
        sources_failed=failed,
        releases_new=new,
        releases_changed=changed,
        links_new=links_new,
        status=status,
    )
