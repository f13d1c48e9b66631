"""Two runs at once, and an analyst's session during a run.

The run lock makes a second run wait for the first, or give up after its wait with one line
naming the holder; an analyst who keeps the published snapshot open never blocks a run (and
is never blocked by one), because runs write the live file and replace the snapshot by rename.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from test_kill_rerun import ROOT, Site, run_in_process, sources_toml

from flows.cli import main
from warehouse.runlock import RunLockedError

HOLD_RUN_LOCK = r"""
import sys
sys.path.insert(0, sys.argv[1])
from pathlib import Path
from warehouse.runlock import run_lock
with run_lock(Path(sys.argv[2]), purpose="live run"):
    print("holding", flush=True)
    sys.stdin.readline()
print("released", flush=True)
"""

ANALYST = r"""
import sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
for line in sys.stdin:
    if line.strip() == "quit":
        break
    count = con.execute("SELECT count(*) FROM releases").fetchone()[0]
    print(count, flush=True)
con.close()
print("closed", flush=True)
"""


@pytest.fixture
def site() -> Iterator[Site]:
    import threading

    served = Site()
    thread = threading.Thread(target=served.server.serve_forever, daemon=True)
    thread.start()
    yield served
    served.server.shutdown()
    served.server.server_close()


@pytest.fixture
def sources_file(site: Site, tmp_path: Path) -> Path:
    path = tmp_path / "sources.toml"
    path.write_text(sources_toml(site.base), encoding="utf-8")
    return path


def _start(script: str, *args: str) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-c", script, *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    return process


def _say(process: subprocess.Popen, line: str) -> str:
    process.stdin.write(line + "\n")
    process.stdin.flush()
    return process.stdout.readline().strip()


def test_second_run_gives_up_after_its_wait_with_one_line_naming_the_holder(
    prefect_server, sources_file, tmp_path, monkeypatch, capsys
):
    db_path = tmp_path / "yrdwatch.duckdb"
    holder = _start(HOLD_RUN_LOCK, str(ROOT), str(db_path))
    try:
        assert holder.stdout.readline().strip() == "holding"
        monkeypatch.setenv("YRDWATCH_RUN_LOCK_WAIT", "0.2")
        code = main(["run", "--sources", str(sources_file), "--db", str(db_path)])
    finally:
        assert _say(holder, "done") == "released"
        holder.wait(timeout=30)
    assert code == 1
    last_line = capsys.readouterr().err.strip().splitlines()[-1]
    assert last_line.startswith(f"yrdwatch: warehouse {db_path} is busy: another yrdwatch")
    assert f"live run (PID {holder.pid}" in last_line
    assert not db_path.exists(), "a run that did not get the lock must not touch the warehouse"


def test_a_waiting_run_starts_when_the_first_releases_the_lock(
    prefect_server, sources_file, tmp_path, monkeypatch
):
    db_path = tmp_path / "yrdwatch.duckdb"
    holder = _start(HOLD_RUN_LOCK, str(ROOT), str(db_path))
    assert holder.stdout.readline().strip() == "holding"
    from warehouse import runlock

    waits: list[float] = []

    def release_holder_while_waiting(seconds: float) -> None:
        waits.append(seconds)
        if len(waits) == 1:  # the run is waiting: the first run finishes now
            assert _say(holder, "done") == "released"
            holder.wait(timeout=30)

    monkeypatch.setattr(runlock.time, "sleep", release_holder_while_waiting)
    summary = run_in_process(sources_file, db_path)
    assert waits, "the second run should have waited for the lock"
    assert summary.status == "completed" and summary.releases_new == 10


def test_run_lock_error_is_one_line():
    error = RunLockedError("warehouse x is busy: another yrdwatch run (PID 1) holds x.lock")
    assert "\n" not in str(error)


def test_an_analyst_session_on_the_snapshot_and_a_run_both_succeed(
    prefect_server, site, sources_file, tmp_path
):
    db_path = tmp_path / "yrdwatch.duckdb"
    first = run_in_process(sources_file, db_path)
    analyst = _start(ANALYST, first.snapshot_path)
    try:
        assert _say(analyst, "count") == "10"
        site.pages["/a/index.html"] = site.pages["/a/index.html"].replace(
            b"</ul>", b'<li><a href="/a/art5.html">Added</a></li></ul>'
        )
        site.pages["/a/art5.html"] = site.pages["/a/art4.html"].replace(b"G60", b"Fifth G60")
        second = run_in_process(sources_file, db_path)  # the analyst still has the file open
        assert second.status == "completed" and second.releases_new == 1
        assert _say(analyst, "count") == "10", "the open session keeps reading its snapshot"
    finally:
        assert _say(analyst, "quit") == "closed"
        analyst.wait(timeout=30)
    fresh = duckdb.connect(second.snapshot_path, read_only=True)
    try:
        assert fresh.execute("SELECT count(*) FROM releases").fetchone()[0] == 11
    finally:
        fresh.close()
