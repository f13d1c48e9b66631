"""Fresh warehouses on tmp_path, no lock waits, and a second process holding a file."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from warehouse import db
from warehouse.db import connect

HOLD_LOCK = """
import sys, duckdb
con = duckdb.connect(sys.argv[1])
print("holding", flush=True)
sys.stdin.read()
"""


@pytest.fixture(autouse=True)
def no_lock_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    """Lock retries must not make the tests slow."""
    monkeypatch.setattr(db.time, "sleep", lambda _seconds: None)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "yrdwatch.duckdb"


@pytest.fixture
def con(db_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = connect(db_path)
    yield connection
    connection.close()


@pytest.fixture
def spawn_holder():
    """Start helper processes that print "holding" once they hold something, and keep
    holding until their stdin closes (or they are killed); all are ended after the test."""
    processes: list[subprocess.Popen] = []

    def spawn(script: str, path: Path) -> subprocess.Popen:
        process = subprocess.Popen(
            [sys.executable, "-c", script, str(path)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        processes.append(process)
        assert process.stdout.readline().strip() == "holding"
        return process

    yield spawn
    for process in processes:
        if process.poll() is None:
            process.communicate(input="\n", timeout=30)


@pytest.fixture
def lock_holder(spawn_holder):
    """Start another process that opens a DuckDB file read-write and keeps it open."""
    return lambda path: spawn_holder(HOLD_LOCK, path)
