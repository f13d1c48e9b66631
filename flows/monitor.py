"""The `monitor` flow: crawl every source, load, link, digest — one recorded run.

Tasks are coarse (one per source, then one each for link and digest) and thin: the
work lives in `scrapers/` and `warehouse/`. Crawl tasks are async and run concurrently
in the flow's event loop over one shared polite client, so the per-host throttle holds
across sources that share a host. Each source's result is loaded in its own short
transaction as soon as its crawl ends, and the whole run holds the warehouse's run lock,
so a kill at any point loses at most the sources still crawling, and a rerun redoes
exactly those (DESIGN.md "Nothing lost, nothing twice").
"""

from __future__ import annotations

import asyncio
import threading
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
from scrapers.rawstore import RawStore, raw_root_for
from scrapers.replay import ReplayTransport
from warehouse import db, digest, load, snapshot
from warehouse.catalog import load_catalog, sync_catalog
from warehouse.digest_formats import write_formats
from warehouse.linking import link_pending
from warehouse.runlock import run_lock
from warehouse.status import record_status_now
from warehouse.stories import assign_stories

_CLIENTS: dict[str, PoliteClient] = {}
_LOAD_LOCK = threading.Lock()
SOURCE_TIME_BUDGET_S = 1800
RECHECK_DAYS = 7
RAW_RETENTION_DAYS = 180


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


@dataclass
class RunInputs:
    """What the warehouse tells a run before it crawls (read in one short connection)."""

    known: dict[str, set[str]]
    recheck: dict[str, set[str]]
    validators: dict[str, dict[str, dict]]
    raw_root: str
    raw_retention_days: int


@dataclass
class SourceLoad:
    """One source's crawl, as loaded: small, so results are not held until the run ends."""

    source_id: str
    status: str
    new: int
    changed: int


def _merge(*maps: dict[str, set[str]]) -> dict[str, set[str]]:
    """Union of per-source URL sets."""
    merged: dict[str, set[str]] = {}
    for mapping in maps:
        for key, urls in mapping.items():
            merged.setdefault(key, set()).update(urls)
    return merged


@task(name="start-run", cache_policy=NO_CACHE)
def start_run_task(db_path: str, run_id: str, mode: str, sources: list[Source]) -> RunInputs:
    """Record the run and the sources (marking runs a killed process left 'running' as
    interrupted); return the stored URLs, the re-check window and the list validators."""
    con = db.connect(db_path)
    try:
        now = datetime.now(UTC)
        load.mark_interrupted_runs(con, run_id, now)
        load.start_run(con, run_id, mode, now, len(sources))
        load.upsert_sources(con, sources)
        days = load.read_setting(con, "recheck_days", RECHECK_DAYS)
        return RunInputs(
            known=load.known_urls(con),
            recheck=_merge(
                load.recheck_urls(con, days=days, now=now), load.retry_urls(con, now=now)
            ),
            validators=load.list_validators(con),
            raw_root=str(raw_root_for(Path(db_path))),
            raw_retention_days=int(
                load.read_setting(con, "raw_retention_days", RAW_RETENTION_DAYS)
            ),
        )
    finally:
        con.close()


@task(
    name="crawl-source",
    task_run_name="crawl-{source.id}",
    cache_policy=NO_CACHE,
    timeout_seconds=SOURCE_TIME_BUDGET_S,
)
async def crawl_source_task(
    source: Source, inputs: RunInputs, client_key: str, db_path: str, run_id: str
) -> SourceLoad:
    """Crawl one source, then load its result at once in its own short transaction, so a
    kill later in the run loses nothing this source found; a crawler crash is recorded."""
    logger = get_run_logger()
    try:
        result = await crawl_source(source, _CLIENTS[client_key], **_crawl_kwargs(source, inputs))
    except Exception as exc:  # noqa: BLE001 - any crawler bug becomes a named source failure
        logger.exception("crawler error on %s", source.id)
        result = SourceResult(source.id, status="failed", error=f"crawler error: {exc!r}"[:500])
    counts = await asyncio.to_thread(load_one_source, db_path, run_id, result)
    logger.info(
        "%s: %s, %d page(s), %d new and %d changed release(s)",
        source.id,
        result.status,
        result.pages_crawled,
        counts.new,
        counts.changed,
    )
    return SourceLoad(source.id, result.status, counts.new, counts.changed)


def _crawl_kwargs(source: Source, inputs: RunInputs) -> dict:
    """crawl_source's per-source arguments: known URLs, the re-check set, list validators
    and the raw archive every article response is written to before parsing."""
    store = RawStore(Path(inputs.raw_root), inputs.raw_retention_days)
    return {
        "known_urls": inputs.known.get(source.id, set()),
        "recheck": frozenset(inputs.recheck.get(source.id, set())),
        "validators": inputs.validators.get(source.id, {}),
        "raw_store": store.for_source(source.id),
    }


def load_one_source(db_path: str, run_id: str, result: SourceResult) -> load.LoadCounts:
    """One source's result in one transaction; loads of a run never overlap."""
    with _LOAD_LOCK:
        con = db.connect(db_path)
        try:
            return load.load_source_result(con, run_id, result)
        finally:
            con.close()


@task(name="link", cache_policy=NO_CACHE)
def link_task(db_path: str, run_id: str) -> int:
    """Score new and changed releases against the commitment catalog."""
    catalog = load_catalog()
    con = db.connect(db_path)
    try:
        sync_catalog(con, catalog)
        links_new = link_pending(con, run_id, catalog)
        assign_stories(con, run_id)
        return links_new
    finally:
        con.close()


@task(name="digest", cache_policy=NO_CACHE)
def digest_task(db_path: str, run_id: str, digest_dir: str) -> str:
    """Write the run's digest (Markdown, HTML, JSON) and publish it as a Prefect artifact."""
    con = db.connect(db_path)
    try:
        content = digest.build_digest(con, run_id, by_the_run=True)
    finally:
        con.close()
    markdown = digest.render_markdown(content)
    path = digest.write_digest(markdown, Path(digest_dir), run_id)
    write_formats(content, markdown, Path(digest_dir))
    create_markdown_artifact(
        markdown=markdown, key="yrdwatch-digest", description=f"yrdwatch digest for run {run_id}"
    )
    return str(path)


@task(name="finish-run", cache_policy=NO_CACHE)
def finish_task(db_path: str, run_id: str, totals: dict, raw_root: str, retention: int) -> str:
    """Close the run record, record what changed in commitment status, prune the raw archive,
    publish the read-only snapshot. Status is recorded as of the day `commitment_status`
    reports, after the run is closed: a failed run read no site, so it moves no "as of" and
    records nothing, where recording as of today would write trends the view never shows."""
    con = db.connect(db_path)
    try:
        load.finish_run(con, run_id, finished_at=datetime.now(UTC), **totals)
        record_status_now(con, run_id)
    finally:
        con.close()
    RawStore(Path(raw_root), retention).prune(datetime.now(UTC))
    target = snapshot.default_snapshot_path(Path(db_path))
    return str(snapshot.publish_snapshot(Path(db_path), target))


async def crawl_concurrently(
    sources: list[Source],
    inputs: RunInputs,
    replay_url: str | None,
    *,
    db_path: str,
    run_id: str,
) -> list[SourceLoad]:
    """One crawl task per source, all sharing one polite client (and its per-host throttle);
    each source is loaded as soon as its crawl ends."""
    transport = ReplayTransport(replay_url) if replay_url else None
    client_key = uuid.uuid4().hex
    async with PoliteClient(transport=transport) as client:
        _CLIENTS[client_key] = client
        try:
            jobs = (crawl_source_task(s, inputs, client_key, db_path, run_id) for s in sources)
            return list(await asyncio.gather(*jobs))
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
    with run_lock(Path(db_file), purpose=f"{mode} run"):
        run_id = new_run_id(datetime.now(UTC))
        logger.info("run %s: %d source(s) into %s", run_id, len(sources), db_file)
        inputs = start_run_task(db_file, run_id, mode, sources)
        loads = await crawl_concurrently(
            sources, inputs, replay_url, db_path=db_file, run_id=run_id
        )
        new, changed = sum(x.new for x in loads), sum(x.changed for x in loads)
        failed = sum(1 for x in loads if x.status in ("failed", "blocked"))
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
        snapshot_path = finish_task(
            db_file, run_id, totals, inputs.raw_root, inputs.raw_retention_days
        )
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
