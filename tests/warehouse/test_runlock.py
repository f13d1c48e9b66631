"""The run lock: one writing run per warehouse; a waiting run gives up with the holder named."""

from __future__ import annotations

import json
import signal
from pathlib import Path

import pytest

from warehouse.runlock import RunLockedError, default_wait_s, lock_path_for, run_lock

HOLD = r"""
import sys
from pathlib import Path
from warehouse.runlock import run_lock
with run_lock(Path(sys.argv[1]), purpose="live run"):
    print("holding", flush=True)
    sys.stdin.readline()
"""


@pytest.fixture
def holder(spawn_holder):
    """Another process holding the run lock of a warehouse."""
    return lambda db_path: spawn_holder(HOLD, db_path)


def test_the_lock_file_names_the_holder(tmp_path: Path) -> None:
    db_path = tmp_path / "yrdwatch.duckdb"
    with run_lock(db_path, wait_s=0, purpose="reparse") as path:
        info = json.loads(path.read_text())
    assert path == lock_path_for(db_path) == tmp_path / "yrdwatch.duckdb.lock"
    assert info["purpose"] == "reparse" and info["pid"] > 0 and info["started_at"]


def test_a_second_run_gives_up_after_its_wait_naming_pid_and_start(tmp_path, holder) -> None:
    db_path = tmp_path / "yrdwatch.duckdb"
    process = holder(db_path)
    waited: list[float] = []
    clock = iter(range(100))
    locking = run_lock(db_path, wait_s=3, sleep=waited.append, clock=lambda: next(clock))
    with pytest.raises(RunLockedError) as caught, locking:
        pytest.fail("the lock was held by another process")
    message = str(caught.value)
    assert "\n" not in message
    assert f"another yrdwatch live run (PID {process.pid}, started " in message
    assert "waited 3 s" in message
    assert waited, "it waited before giving up"


def test_the_kernel_releases_the_lock_of_a_killed_run(tmp_path, holder) -> None:
    db_path = tmp_path / "yrdwatch.duckdb"
    process = holder(db_path)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    with run_lock(db_path, wait_s=5):
        pass


def test_the_lock_is_reentrant_within_one_process(tmp_path: Path) -> None:
    db_path = tmp_path / "yrdwatch.duckdb"
    with run_lock(db_path, wait_s=0), run_lock(db_path, wait_s=0):
        pass
    with run_lock(db_path, wait_s=0):  # released after the outer block
        pass


def test_the_wait_comes_from_the_environment(monkeypatch) -> None:
    monkeypatch.setenv("YRDWATCH_RUN_LOCK_WAIT", "2.5")
    assert default_wait_s() == 2.5
    monkeypatch.setenv("YRDWATCH_RUN_LOCK_WAIT", "soon")
    with pytest.raises(ValueError, match="YRDWATCH_RUN_LOCK_WAIT='soon' is not a number"):
        default_wait_s()


def test_a_label_during_a_run_waits_for_it_and_stores_nothing_when_it_gives_up(
    db_path: Path, holder, monkeypatch, capsys
) -> None:
    """A label while a run writes would make the run's loads find the file held and fail;
    the label takes the run lock instead, and says which run it waited for."""
    from flows import cli
    from warehouse.db import connect

    connect(db_path).close()
    process = holder(db_path)
    monkeypatch.setenv("YRDWATCH_RUN_LOCK_WAIT", "0")
    argv = ["label", "--db", str(db_path), "https://example.gov.cn/a.html", "energy", "--confirm"]
    assert cli.main(argv) == 1
    err = capsys.readouterr().err
    assert f"another yrdwatch live run (PID {process.pid}, started " in err
    con = connect(db_path)
    assert con.execute("SELECT count(*) FROM labels").fetchone() == (0,)
    con.close()
