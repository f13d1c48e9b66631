"""`yrdwatch demo`: the whole pipeline, offline, on the bundled archive.

The archive is served by a real HTTP server on 127.0.0.1 and reached through a
transport that keeps each article's real host in its URL, so the demo runs the
same crawl code as a live run.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from flows.paths import demo_db_path


def reset_demo_warehouse(db_path: Path) -> None:
    """Each demo starts from an empty warehouse of its own (never the live one)."""
    for suffix in ("", ".wal"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)


def demo_labels(db_path: Path | None = None) -> int:
    """Analyst labels a fresh demo would discard (0 when there is no readable demo warehouse)."""
    import duckdb

    from warehouse.labels import count_labels

    db_file = Path(db_path or demo_db_path())
    if not db_file.is_file():
        return 0
    try:
        con = duckdb.connect(str(db_file), read_only=True)
    except duckdb.Error:
        return 0  # locked by a running demo or not a warehouse: the run itself will say so
    try:
        return count_labels(con)
    except duckdb.Error:
        return 0  # a warehouse from before labels existed
    finally:
        con.close()


def run_demo(db_path: Path | None = None, *, fresh: bool = True):
    """Serve the demo archive on loopback and run the monitor flow against it."""
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    from flows.monitor import monitor
    from scrapers.replay import ArchiveServer, demo_archive_root, demo_sources_path
    from warehouse.runlock import run_lock

    db_file = Path(db_path or demo_db_path())
    with run_lock(db_file, purpose="demo run"), ArchiveServer(demo_archive_root()) as server:
        if fresh:
            reset_demo_warehouse(db_file)
        return asyncio.run(
            monitor(
                sources_file=str(demo_sources_path()),
                db_path=str(db_file),
                replay_url=server.url,
                mode="demo",
            )
        )
