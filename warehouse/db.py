"""DuckDB connections and forward-only migrations for the yrdwatch warehouse.

DuckDB allows one writing process per file, so connections here are meant to be short:
open, write in a transaction, close. Migrations live in the `sql` package as
`NNN_name.sql` and are applied in order, each in its own transaction, with a checksum
so that an edited, already-applied migration is caught instead of silently diverging.
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import duckdb

log = logging.getLogger(__name__)

MIGRATION_PACKAGE = "sql"
MIGRATION_NAME = re.compile(r"^(\d{3})_(\w+)\.sql$")
# Seconds between attempts to open a file another process holds (15.7 s in all): a run's
# loads outlast a brief holder, e.g. `sql --live` or a DuckDB shell, instead of failing.
LOCK_RETRY_DELAYS = (0.2, 0.5, 1.0, 2.0, 4.0, 8.0)
LOCK_MESSAGE = "Could not set lock"

SCHEMA_MIGRATIONS_DDL = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    name VARCHAR NOT NULL,
    checksum VARCHAR NOT NULL,
    applied_at TIMESTAMPTZ NOT NULL
)
"""


class WarehouseLockedError(RuntimeError):
    """The warehouse file is held by another process."""


class MigrationError(RuntimeError):
    """The recorded migrations and the shipped migration files disagree."""


@dataclass(frozen=True)
class Migration:
    """One numbered SQL file of the `sql` package."""

    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        """Hash of the file text, recorded so later edits are detected."""
        return hashlib.sha256(self.sql.encode("utf-8")).hexdigest()


def shipped_migrations() -> list[Migration]:
    """The migrations bundled with the package, in version order."""
    found = []
    for entry in resources.files(MIGRATION_PACKAGE).iterdir():
        match = MIGRATION_NAME.match(entry.name)
        if match and entry.is_file():
            found.append(Migration(int(match.group(1)), entry.name, entry.read_text("utf-8")))
    found.sort(key=lambda migration: migration.version)
    _reject_duplicate_versions(found)
    return found


def _reject_duplicate_versions(migrations: Sequence[Migration]) -> None:
    versions = [migration.version for migration in migrations]
    if len(versions) != len(set(versions)):
        names = ", ".join(migration.name for migration in migrations)
        raise MigrationError(f"two migrations share a version number in: {names}")


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """BEGIN, then COMMIT on success or ROLLBACK on any exception (which is re-raised)."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


def migrate(
    con: duckdb.DuckDBPyConnection, migrations: Sequence[Migration] | None = None
) -> list[str]:
    """Apply pending migrations in order; return the names applied now."""
    con.execute(SCHEMA_MIGRATIONS_DDL)
    recorded = _recorded_checksums(con)
    applied = []
    for migration in shipped_migrations() if migrations is None else migrations:
        if migration.version in recorded:
            _check_unchanged(migration, recorded[migration.version])
            continue
        _apply(con, migration)
        applied.append(migration.name)
    return applied


def _recorded_checksums(con: duckdb.DuckDBPyConnection) -> dict[int, tuple[str, str]]:
    rows = con.execute("SELECT version, name, checksum FROM schema_migrations").fetchall()
    return {version: (name, checksum) for version, name, checksum in rows}


def _check_unchanged(migration: Migration, recorded: tuple[str, str]) -> None:
    name, checksum = recorded
    if checksum != migration.checksum:
        raise MigrationError(
            f"migration {name} was changed after it was applied (checksum mismatch); "
            "restore the file and put the change in a new numbered migration"
        )


def _apply(con: duckdb.DuckDBPyConnection, migration: Migration) -> None:
    log.info("applying migration %s", migration.name)
    with transaction(con):
        con.execute(migration.sql)
        con.execute(
            "INSERT INTO schema_migrations VALUES (?, ?, ?, now())",
            [migration.version, migration.name, migration.checksum],
        )


def connect(path: str | Path, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the warehouse; a writable connection creates the file and applies migrations."""
    db_path = Path(path)
    if read_only and not db_path.exists():
        raise FileNotFoundError(
            f"warehouse {db_path} does not exist; run `yrdwatch run` or `yrdwatch demo` first"
        )
    if not read_only:
        db_path.parent.mkdir(parents=True, exist_ok=True)
    con = _open_with_retry(db_path, read_only)
    if not read_only:
        _migrate_or_close(con, db_path)
    return con


def _migrate_or_close(con: duckdb.DuckDBPyConnection, db_path: Path) -> None:
    try:
        migrate(con)
    except MigrationError as exc:
        con.close()
        raise MigrationError(f"warehouse {db_path}: {exc}") from exc
    except BaseException:
        con.close()
        raise


def _open_with_retry(db_path: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
    """Open the file, waiting a little while another process holds its lock."""
    for delay in (*LOCK_RETRY_DELAYS, None):
        try:
            return duckdb.connect(str(db_path), read_only=read_only)
        except duckdb.IOException as error:
            if LOCK_MESSAGE not in str(error):
                raise
            if delay is None:
                raise _locked_error(db_path, str(error), read_only) from error
            log.info("warehouse %s is locked; retrying in %.1f s", db_path, delay)
            time.sleep(delay)
    raise AssertionError("unreachable")  # the loop always returns or raises


def _locked_error(db_path: Path, message: str, read_only: bool) -> WarehouseLockedError:
    """Readers can go to the snapshot; a writer (a run, a label) has to wait for the holder."""
    pid = re.search(r"PID (\d+)", message)
    holder = f"process {pid.group(1)}" if pid else "another process"
    advice = (
        "close that session (analysts should open the -latest snapshot instead) and retry"
        if read_only
        else "wait for it to finish or close that session, then retry"
    )
    return WarehouseLockedError(f"warehouse {db_path} is in use by {holder}; {advice}")
