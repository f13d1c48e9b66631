"""Snapshots: analysts read a complete copy even while the live file is held by a writer."""

from pathlib import Path

import duckdb
import pytest
from warehouse_factories import make_release, make_result

from warehouse.db import WarehouseLockedError, connect
from warehouse.load import load_source_result
from warehouse.query import run_query
from warehouse.snapshot import default_snapshot_path, publish_snapshot


def test_default_snapshot_sits_next_to_the_warehouse() -> None:
    assert default_snapshot_path(Path("data/yrdwatch.duckdb")) == Path(
        "data/yrdwatch-latest.duckdb"
    )


def test_snapshot_holds_tables_views_and_settings(db_path: Path, con) -> None:
    load_source_result(con, "run-1", make_result([make_release(1), make_release(2)]))
    snapshot = publish_snapshot(db_path, default_snapshot_path(db_path))
    reader = duckdb.connect(str(snapshot), read_only=True)
    assert reader.execute("SELECT count(*) FROM releases").fetchone() == (2,)
    assert reader.execute("SELECT value FROM settings WHERE key = 'link_threshold'").fetchone() == (
        "0.42",
    )
    assert reader.execute("SELECT count(*) FROM source_health").fetchone() == (0,)
    reader.close()
    assert sorted(p.name for p in db_path.parent.iterdir() if "latest" in p.name) == [
        "yrdwatch-latest.duckdb"
    ]  # no temp file left behind


def test_republishing_replaces_the_snapshot(db_path: Path, con) -> None:
    snapshot = default_snapshot_path(db_path)
    load_source_result(con, "run-1", make_result([make_release(1)]))
    publish_snapshot(db_path, snapshot)
    load_source_result(con, "run-2", make_result([make_release(2)]))
    publish_snapshot(db_path, snapshot)
    assert run_query(snapshot, "SELECT count(*) FROM releases")[1] == [(2,)]


def test_snapshot_is_readable_while_another_process_holds_the_live_file(
    db_path: Path, con, lock_holder
) -> None:
    load_source_result(con, "run-1", make_result([make_release(1)]))
    snapshot = publish_snapshot(db_path, default_snapshot_path(db_path))
    con.close()
    lock_holder(db_path)
    with pytest.raises(WarehouseLockedError):
        connect(db_path, read_only=True)
    assert run_query(snapshot, "SELECT count(*) FROM releases")[1] == [(1,)]


def test_snapshot_cannot_overwrite_the_warehouse(db_path: Path, con) -> None:
    with pytest.raises(ValueError, match="is the warehouse itself"):
        publish_snapshot(db_path, db_path)
