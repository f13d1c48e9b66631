"""Migrations apply once, are recorded with checksums, and a tampered history is refused."""

from pathlib import Path

import pytest

from warehouse.db import (
    Migration,
    MigrationError,
    WarehouseLockedError,
    connect,
    migrate,
    shipped_migrations,
    transaction,
)


def test_fresh_warehouse_applies_every_migration_once_and_records_it(db_path: Path) -> None:
    con = connect(db_path)
    recorded = con.execute(
        "SELECT version, name, checksum FROM schema_migrations ORDER BY version"
    ).fetchall()
    shipped = shipped_migrations()
    assert [(m.version, m.name, m.checksum) for m in shipped] == recorded
    assert [m.name for m in shipped][:2] == ["001_core_tables.sql", "002_analyst_views.sql"]
    assert db_path.exists()  # parent folder was created
    con.close()


def test_second_connect_applies_nothing(db_path: Path) -> None:
    connect(db_path).close()
    con = connect(db_path)
    assert migrate(con) == []
    assert con.execute("SELECT count(*) FROM schema_migrations").fetchone()[0] == len(
        shipped_migrations()
    )
    con.close()


def test_changed_migration_after_apply_is_refused(db_path: Path) -> None:
    con = connect(db_path)
    con.execute("UPDATE schema_migrations SET checksum = 'edited' WHERE version = 1")
    con.close()
    with pytest.raises(MigrationError, match="001_core_tables.sql was changed"):
        connect(db_path)


def test_a_changed_migration_is_one_line_naming_the_warehouse_not_a_traceback(
    db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from flows import cli

    con = connect(db_path)
    con.execute("UPDATE schema_migrations SET checksum = 'x' WHERE version = 14")
    con.close()
    argv = ["label", "--db", str(db_path), "https://example.gov.cn/a.html", "energy", "--confirm"]
    assert cli.main(argv) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"yrdwatch: warehouse {db_path}: migration 014_")
    assert "\n" not in err and "Traceback" not in err


def test_new_migration_is_applied_in_its_own_transaction(con) -> None:
    extra = Migration(900, "900_extra.sql", "CREATE TABLE extra (a INTEGER);")
    assert migrate(con, [*shipped_migrations(), extra]) == ["900_extra.sql"]
    broken = Migration(901, "901_broken.sql", "CREATE TABLE half (a INTEGER); SELEC oops;")
    with pytest.raises(Exception, match="SELEC"):
        migrate(con, [*shipped_migrations(), extra, broken])
    tables = {row[0] for row in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    assert "extra" in tables and "half" not in tables
    versions = {row[0] for row in con.execute("SELECT version FROM schema_migrations").fetchall()}
    assert 900 in versions and 901 not in versions


def test_transaction_rolls_back_on_error(con) -> None:
    with pytest.raises(RuntimeError), transaction(con):
        con.execute("DELETE FROM settings")
        raise RuntimeError("boom")
    assert con.execute("SELECT count(*) FROM settings").fetchone()[0] > 0


def test_default_link_threshold_is_the_linkers_tuned_value(con) -> None:
    from warehouse.linking import LINK_THRESHOLD

    value = con.execute("SELECT value FROM settings WHERE key = 'link_threshold'").fetchone()
    assert float(value[0]) == LINK_THRESHOLD


def test_read_only_open_of_a_missing_warehouse_names_the_file(tmp_path: Path) -> None:
    missing = tmp_path / "nope.duckdb"
    with pytest.raises(FileNotFoundError, match="nope.duckdb does not exist"):
        connect(missing, read_only=True)
    assert not missing.exists()


def test_file_held_by_another_process_raises_locked_error_with_pid(db_path, lock_holder) -> None:
    connect(db_path).close()
    holder = lock_holder(db_path)
    with pytest.raises(WarehouseLockedError, match=f"in use by process {holder.pid}") as writer:
        connect(db_path)
    assert "wait for it to finish" in str(writer.value)
    assert "snapshot" not in str(writer.value)  # a writer cannot label or run on the snapshot
    with pytest.raises(WarehouseLockedError, match="open the -latest snapshot") as reader:
        connect(db_path, read_only=True)
    assert "wait for it" not in str(reader.value)
