"""Rebuild releases from the raw archive with today's parser: no network, history included.

Every article response was kept before parsing (scrapers/rawstore.py). A re-parse takes the
latest response per URL, decodes it, refuses block pages, extracts the article with the
source's *current* rules and loads the result as a run of mode 'reparse': a better parse
becomes the next version of the release (then relinked), the same parse changes nothing, and a
page that failed to parse before but parses now becomes a new release. The only fact a page
cannot give back is a date that came from its list page; that one is taken from the stored
release. The run holds the warehouse's run lock like any other run.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from scrapers.blocks import detect_block
from scrapers.canonical import canonical_url
from scrapers.encoding import decode_html
from scrapers.extract import ExtractionError, extract_article, join_pages
from scrapers.listing import ListedLink, continuation_urls
from scrapers.models import Release, Source
from scrapers.rawstore import RawRecord, RawStore, raw_root_for
from warehouse import db, load, snapshot
from warehouse.runlock import run_lock
from warehouse.status import record_status_now

log = logging.getLogger(__name__)

CHARSET = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.IGNORECASE)
MAX_LISTED_FAILURES = 20


@dataclass(frozen=True)
class StoredRelease:
    """What the warehouse already knows about a URL, as far as a re-parse needs it."""

    source_id: str
    raw_sha256: str | None
    last_changed_at: datetime | None
    list_date: datetime | None  # the published_at, when it came from the list page


@dataclass
class Rebuilt:
    """Releases rebuilt from the archive, per source, and what could not be rebuilt."""

    releases: dict[str, list[Release]] = field(default_factory=dict)
    records: int = 0
    failed: list[str] = field(default_factory=list)  # "URL : reason"
    stale: int = 0
    unknown_source: int = 0


@dataclass
class ReparseSummary:
    """What one `yrdwatch reparse` did."""

    run_id: str
    records: int
    parsed: int
    failed: int
    stale: int
    unknown_source: int
    new: int
    changed: int
    unchanged: int
    links_new: int
    snapshot_path: str
    failures: list[str] = field(default_factory=list)


# --- pure part: raw records -> releases ----------------------------------------------------


def rebuild_releases(
    store: RawStore,
    sources: dict[str, Source],
    stored: dict[str, StoredRelease],
    only: set[str] | None = None,
) -> Rebuilt:
    """Parse the latest raw response of every URL with its source's current rules."""
    latest = {canonical_or_none(r.url): r for r in store.iter_latest()}
    latest.pop(None, None)
    rebuilt = Rebuilt()
    consumed: set[str] = set()
    for url, record in sorted(latest.items()):
        source = _source_for(record, url, sources, stored)
        if source is None:
            rebuilt.unknown_source += 1
            continue
        if only is not None and source.id not in only:
            continue
        rebuilt.records += 1
        _rebuild_one(rebuilt, store, source, url, record, stored.get(url), latest, consumed)
    _drop_continuation_pages(rebuilt, consumed)
    return rebuilt


def canonical_or_none(url: str) -> str | None:
    try:
        return canonical_url(url)
    except ValueError:
        log.warning("raw archive URL %r is not http(s); skipped", url)
        return None


def _source_for(
    record: RawRecord, url: str, sources: dict[str, Source], stored: dict[str, StoredRelease]
) -> Source | None:
    """The source recorded with the response, else the one the stored release belongs to."""
    source_id = record.source_id or (stored[url].source_id if url in stored else None)
    return sources.get(source_id) if source_id else None


def _rebuild_one(
    rebuilt: Rebuilt,
    store: RawStore,
    source: Source,
    url: str,
    record: RawRecord,
    known: StoredRelease | None,
    latest: dict[str | None, RawRecord],
    consumed: set[str],
) -> None:
    if _is_stale(record, known):
        rebuilt.stale += 1
        return
    try:
        html = page_html(store, source, record)
        release = _extract(html, url, source, record, known)
        release = _join_continuations(release, html, record, store, source, latest, consumed)
    except ReparseFailure as failure:
        rebuilt.failed.append(f"{url} : {failure}")
        return
    release.raw_sha256 = record.sha256
    rebuilt.releases.setdefault(source.id, []).append(release)


class ReparseFailure(Exception):
    """A stored response that yields no release now (block page, HTTP error, no article)."""


def _is_stale(record: RawRecord, known: StoredRelease | None) -> bool:
    """The stored release came from a later response than the archive still has."""
    if known is None or known.raw_sha256 in (None, record.sha256) or known.last_changed_at is None:
        return False
    return record.fetched_at < known.last_changed_at


def page_html(store: RawStore, source: Source, record: RawRecord) -> str:
    """The stored body decoded as the crawler decodes it; block pages and errors refused."""
    try:
        content = store.read(record.sha256)
    except FileNotFoundError:
        raise ReparseFailure("raw body missing from the archive (pruned?)") from None
    match = CHARSET.search(record.headers.get("content-type", ""))
    html = decode_html(content, match.group(1) if match else None, forced=source.encoding)
    verdict = detect_block(record.status, html, record.headers)
    if verdict is not None:
        raise ReparseFailure(f"blocked: {verdict.reason}")
    if record.status >= 400:
        raise ReparseFailure(f"HTTP {record.status}")
    return html


def _extract(
    html: str, url: str, source: Source, record: RawRecord, known: StoredRelease | None
) -> Release:
    listed = None
    if known is not None and known.list_date is not None:
        listed = ListedLink(url=url, title="", listed_date=known.list_date, is_attachment=False)
    try:
        return extract_article(html, url, source, record.fetched_at, listed=listed)
    except ExtractionError as exc:
        raise ReparseFailure(str(exc)) from None


def _join_continuations(
    release: Release,
    html: str,
    record: RawRecord,
    store: RawStore,
    source: Source,
    latest: dict[str | None, RawRecord],
    consumed: set[str],
) -> Release:
    """Pages 2.. of a multi-page article come from the archive too, or the URL is skipped:
    a body from page 1 alone would pass for an edit."""
    pages = [canonical_or_none(u) for u in continuation_urls(html, record.url)]
    if not pages:
        return release
    missing = [u for u in pages if u not in latest]
    if missing:
        raise ReparseFailure(f"continuation page {missing[0]} is not in the raw archive")
    consumed.update(u for u in pages if u is not None)
    bodies = [page_html(store, source, latest[u]) for u in pages]
    return join_pages(release, bodies)


def _drop_continuation_pages(rebuilt: Rebuilt, consumed: set[str]) -> None:
    for source_id, releases in rebuilt.releases.items():
        rebuilt.releases[source_id] = [r for r in releases if r.url not in consumed]


# --- the run: lock, load per source, relink, snapshot --------------------------------------


def reparse(
    db_path: Path,
    sources: Iterable[Source],
    *,
    raw_root: Path | None = None,
    only: set[str] | None = None,
    relink: bool = True,
    lock_wait_s: float | None = None,
) -> ReparseSummary:
    """Rebuild releases from the raw archive into the warehouse as one 'reparse' run."""
    db_path = Path(db_path)
    by_id = {source.id: source for source in sources}
    with run_lock(db_path, wait_s=lock_wait_s, purpose="reparse"):
        run_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + "-reparse-" + uuid.uuid4().hex[:6]
        stored = _start(db_path, run_id, len(by_id))
        store = RawStore(raw_root or raw_root_for(db_path), retention_days=None)
        rebuilt = rebuild_releases(store, by_id, stored, only)
        counts = [_load(db_path, run_id, batch) for batch in rebuilt.releases.values()]
        links_new = _relink(db_path, run_id) if relink else 0
        total = load.LoadCounts(
            new=sum(c.new for c in counts),
            changed=sum(c.changed for c in counts),
            unchanged=sum(c.unchanged for c in counts),
        )
        _finish(db_path, run_id, total, links_new)
        _record_status(db_path, run_id)
        snap = snapshot.publish_snapshot(db_path, snapshot.default_snapshot_path(db_path))
    return _summary(run_id, rebuilt, total, links_new, snap)


def _start(db_path: Path, run_id: str, sources_total: int) -> dict[str, StoredRelease]:
    con = db.connect(db_path)
    try:
        now = datetime.now(UTC)
        load.mark_interrupted_runs(con, run_id, now)
        load.start_run(con, run_id, "reparse", now, sources_total)
        return stored_releases(con)
    finally:
        con.close()


def stored_releases(con) -> dict[str, StoredRelease]:
    """Per URL: source, raw hash, last change, and the date when the list page supplied it."""
    rows = con.execute(
        "SELECT url, source_id, raw_sha256, last_changed_at, published_at, methods "
        "FROM release_current"
    ).fetchall()
    return {url: _stored(*rest) for url, *rest in rows}


def _stored(source_id, raw_sha256, last_changed_at, published_at, methods) -> StoredRelease:
    methods = json.loads(methods) if isinstance(methods, str) else (methods or {})
    list_date = published_at if methods.get("date") == "list" else None
    return StoredRelease(source_id, raw_sha256, last_changed_at, list_date)


def _load(db_path: Path, run_id: str, releases: list[Release]) -> load.LoadCounts:
    con = db.connect(db_path)
    try:
        return load.load_reparsed(con, run_id, releases)
    finally:
        con.close()


def _relink(db_path: Path, run_id: str) -> int:
    """Changed releases have a new content hash, so the linker picks exactly them up."""
    from warehouse.catalog import load_catalog, sync_catalog
    from warehouse.linking import link_pending

    catalog = load_catalog()
    con = db.connect(db_path)
    try:
        sync_catalog(con, catalog)
        return link_pending(con, run_id, catalog)
    finally:
        con.close()


def _finish(db_path: Path, run_id: str, total: load.LoadCounts, links_new: int) -> None:
    con = db.connect(db_path)
    try:
        load.finish_run(
            con,
            run_id,
            status="completed",
            finished_at=datetime.now(UTC),
            sources_failed=0,
            releases_new=total.new,
            releases_changed=total.changed,
            links_new=links_new,
            digest_path=None,
        )
    finally:
        con.close()


def _record_status(db_path: Path, run_id: str) -> None:
    """A re-parse can change what commitment_status says (new text, new links, new dates), so
    its changes go into the status history under the re-parse's run id, like a crawl's."""
    con = db.connect(db_path)
    try:
        record_status_now(con, run_id)
    finally:
        con.close()


def _summary(
    run_id: str, rebuilt: Rebuilt, total: load.LoadCounts, links_new: int, snap: Path
) -> ReparseSummary:
    return ReparseSummary(
        run_id=run_id,
        records=rebuilt.records,
        parsed=sum(len(batch) for batch in rebuilt.releases.values()),
        failed=len(rebuilt.failed),
        stale=rebuilt.stale,
        unknown_source=rebuilt.unknown_source,
        new=total.new,
        changed=total.changed,
        unchanged=total.unchanged,
        links_new=links_new,
        snapshot_path=str(snap),
        failures=rebuilt.failed[:MAX_LISTED_FAILURES],
    )
