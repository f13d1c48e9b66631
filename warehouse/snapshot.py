"""Read-only snapshots of the warehouse for analysts.

DuckDB lets no other process open a file while a writer holds it, so analysts (and
`yrdwatch sql`) read a copy published after each run. The copy is written next to the
target and renamed into place, so a reader never sees a half-written snapshot.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from warehouse.db import connect

log = logging.getLogger(__name__)

SNAPSHOT_ALIAS = "yrdwatch_snapshot"


SNAPSHOT_SUFFIX = "-latest"


def default_snapshot_path(db_path: Path) -> Path:
    """data/yrdwatch.duckdb -> data/yrdwatch-latest.duckdb"""
    db_path = Path(db_path)
    return db_path.with_name(f"{db_path.stem}{SNAPSHOT_SUFFIX}{db_path.suffix or '.duckdb'}")


def is_snapshot_path(db_path: Path) -> bool:
    """A `-latest` file is a published snapshot already (not the base of another one)."""
    return Path(db_path).stem.endswith(SNAPSHOT_SUFFIX)


def read_path(db_path: Path, live: bool) -> Path:
    """What read-only commands open: the warehouse itself with --live, else its snapshot; a
    snapshot passed as --db is read as it is."""
    if live or is_snapshot_path(db_path):
        return Path(db_path)
    return default_snapshot_path(db_path)


def publish_snapshot(db_path: Path, snapshot_path: Path) -> Path:
    """Copy the whole database (tables, views, settings) and atomically replace the snapshot."""
    db_path, snapshot_path = Path(db_path), Path(snapshot_path)
    if db_path.resolve() == snapshot_path.resolve():
        raise ValueError(f"snapshot path {snapshot_path} is the warehouse itself; choose another")
    snapshot_path.parent.mkdir(parents=True, exist_ok=True)
    temp_path = snapshot_path.with_name(f".{snapshot_path.name}.{os.getpid()}.tmp")
    _remove_dead_publishers_leftovers(snapshot_path)
    _remove_leftovers(temp_path)
    try:
        _copy_database(db_path, temp_path)
        os.replace(temp_path, snapshot_path)
    finally:
        _remove_leftovers(temp_path)
    log.info("published snapshot %s", snapshot_path)
    return snapshot_path


def _copy_database(db_path: Path, temp_path: Path) -> None:
    con = connect(db_path)
    try:
        source_catalog = con.execute("SELECT current_database()").fetchone()[0]
        con.execute(f"ATTACH {_sql_string(temp_path)} AS {SNAPSHOT_ALIAS}")
        try:
            con.execute(f'COPY FROM DATABASE "{source_catalog}" TO {SNAPSHOT_ALIAS}')
        finally:
            con.execute(f"DETACH {SNAPSHOT_ALIAS}")
    finally:
        con.close()


def _sql_string(path: Path) -> str:
    """ATTACH takes no bound parameters; quote the path as an SQL string literal."""
    return "'" + str(path).replace("'", "''") + "'"


def _remove_leftovers(temp_path: Path) -> None:
    """A crashed earlier publish may have left its temp file (and WAL) behind."""
    for path in (temp_path, temp_path.with_name(temp_path.name + ".wal")):
        path.unlink(missing_ok=True)


def _remove_dead_publishers_leftovers(snapshot_path: Path) -> None:
    """Temp copies of publishers that were killed (their PID is gone) are removed; a live
    publisher's file is left alone."""
    prefix = f".{snapshot_path.name}."
    for path in snapshot_path.parent.glob(f"{prefix}*.tmp*"):
        pid = path.name[len(prefix) :].split(".", 1)[0]
        if pid.isdigit() and not _process_alive(int(pid)):
            path.unlink(missing_ok=True)


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # alive, owned by someone else
    return True
