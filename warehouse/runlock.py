"""One writing run per warehouse: an advisory lock on `<db>.lock` held for the whole run.

DuckDB itself only refuses a second writer while a connection is open, and runs hold
connections only for short transactions, so two runs could interleave their writes. The run
lock (fcntl.flock, released by the kernel when the process dies, SIGKILL included) makes the
second run wait up to a bound and then give up with one line naming the holder's PID and
start time, which the holder writes into the lock file.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from warehouse.db import WarehouseLockedError

log = logging.getLogger(__name__)

WAIT_ENV = "YRDWATCH_RUN_LOCK_WAIT"
DEFAULT_WAIT_S = 60.0
POLL_S = 0.5
_HELD: dict[str, int] = {}  # lock files this process holds, with their nesting depth
_HELD_GUARD = threading.Lock()


class RunLockedError(WarehouseLockedError):
    """Another run holds the warehouse's run lock (the CLI prints it in one line, exit 1)."""


def lock_path_for(db_path: Path) -> Path:
    """data/yrdwatch.duckdb -> data/yrdwatch.duckdb.lock"""
    db_path = Path(db_path)
    return db_path.with_name(db_path.name + ".lock")


def default_wait_s() -> float:
    """How long a run waits for another: $YRDWATCH_RUN_LOCK_WAIT seconds, else 60."""
    raw = os.environ.get(WAIT_ENV, "").strip()
    if not raw:
        return DEFAULT_WAIT_S
    try:
        return max(0.0, float(raw))
    except ValueError:
        raise ValueError(f"{WAIT_ENV}={raw!r} is not a number of seconds; set e.g. 60") from None


@contextmanager
def run_lock(
    db_path: Path,
    *,
    wait_s: float | None = None,
    purpose: str = "run",
    sleep: Callable[[float], None] | None = None,
    clock: Callable[[], float] | None = None,
) -> Iterator[Path]:
    """Hold the warehouse's run lock for the body; RunLockedError after `wait_s` seconds.

    Re-entrant within one process: the CLI may take the lock before starting the flow (so a
    busy warehouse is one clean line) and the flow takes it again without waiting on itself."""
    path = lock_path_for(db_path)
    key = str(path.resolve())
    with _HELD_GUARD:
        if _HELD.get(key, 0) > 0:
            _HELD[key] += 1
            nested = True
        else:
            nested = False
    if nested:
        try:
            yield path
        finally:
            _release_nested(key)
        return
    with _exclusive(path, db_path, wait_s, purpose, sleep or time.sleep, clock or time.monotonic):
        yield path


@contextmanager
def _exclusive(
    path: Path,
    db_path: Path,
    wait_s: float | None,
    purpose: str,
    sleep: Callable[[float], None],
    clock: Callable[[], float],
) -> Iterator[None]:
    """The first holder in this process: flock the file and say who we are in it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    key = str(path.resolve())
    try:
        _acquire(fd, path, db_path, default_wait_s() if wait_s is None else wait_s, sleep, clock)
        _write_holder(fd, purpose)
        with _HELD_GUARD:
            _HELD[key] = 1
        try:
            yield
        finally:
            with _HELD_GUARD:
                _HELD.pop(key, None)
    finally:
        os.close(fd)  # closing the descriptor releases the flock


def _release_nested(key: str) -> None:
    with _HELD_GUARD:
        _HELD[key] -= 1


def _acquire(
    fd: int,
    path: Path,
    db_path: Path,
    wait_s: float,
    sleep: Callable[[float], None],
    clock: Callable[[], float],
) -> None:
    deadline = clock() + wait_s
    announced = False
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if clock() >= deadline:
                raise _locked_error(path, db_path, wait_s) from None
            if not announced:
                log.info("warehouse %s: waiting up to %.0f s for %s", db_path, wait_s, holder(path))
                announced = True
            sleep(min(POLL_S, max(0.0, deadline - clock())))


def _write_holder(fd: int, purpose: str) -> None:
    """PID and start time, for the message another run prints while we hold the lock."""
    info = {"pid": os.getpid(), "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "purpose": purpose}  # fmt: skip
    os.ftruncate(fd, 0)
    os.pwrite(fd, (json.dumps(info) + "\n").encode("utf-8"), 0)


def holder(path: Path) -> str:
    """Who holds the lock, in words (best effort: the file may be mid-rewrite)."""
    try:
        info = json.loads(Path(path).read_text(encoding="utf-8") or "{}")
    except (OSError, ValueError):
        return "another yrdwatch run"
    if not isinstance(info, dict) or "pid" not in info:
        return "another yrdwatch run"
    purpose = info.get("purpose", "run")
    return f"another yrdwatch {purpose} (PID {info['pid']}, started {info.get('started_at', '?')})"


def _locked_error(path: Path, db_path: Path, wait_s: float) -> RunLockedError:
    return RunLockedError(
        f"warehouse {db_path} is busy: {holder(path)} holds {path.name}; waited {wait_s:g} s. "
        f"Try again when it finishes (or raise {WAIT_ENV})"
    )
