"""`yrdwatch serve`: the monitor flow on a schedule through Prefect's `serve`.

Schedules need a long-running Prefect server. When `PREFECT_API_URL` is not
set, a local `prefect server start` is launched on 127.0.0.1 and stopped on
exit. Overlapping runs are cancelled by a deployment concurrency limit of 1.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import timedelta

import httpx

LOCAL_HOST = "127.0.0.1"
LOCAL_PORT = 4200
STARTUP_TIMEOUT_S = 120.0
logger = logging.getLogger(__name__)


class ServeError(RuntimeError):
    """`serve` cannot start its local Prefect server; the CLI prints it as one line."""


def port_in_use(host: str, port: int) -> bool:
    """Whether another program already listens on host:port (the server would die at once)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(1.0)
        return probe.connect_ex((host, port)) == 0


class LocalPrefectServer:
    """A `prefect server start` child process, started and stopped by `serve`."""

    def __init__(self, host: str = LOCAL_HOST, port: int = LOCAL_PORT) -> None:
        self.api_url = f"http://{host}:{port}/api"
        self._address = (host, port)
        self._cmd = [
            sys.executable,
            "-m",
            "prefect",
            "server",
            "start",
            "--host",
            host,
            "--port",
            str(port),
        ]
        self._proc: subprocess.Popen | None = None

    def start(self, timeout: float = STARTUP_TIMEOUT_S) -> None:
        if is_healthy(self.api_url):
            raise ServeError(
                f"a Prefect server already answers at {self.api_url}; "
                f"set PREFECT_API_URL={self.api_url} to use it"
            )
        if port_in_use(*self._address):
            host, port = self._address
            raise ServeError(
                f"port {port} on {host} is in use by another program, so the local Prefect "
                "server cannot start there; stop that program, or set PREFECT_API_URL to a "
                "running Prefect server"
            )
        self._proc = subprocess.Popen(
            self._cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        wait_until_healthy(self.api_url, timeout, self._proc)

    def stop(self) -> None:
        if self._proc and self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self._proc.kill()


def is_healthy(api_url: str) -> bool:
    try:
        return httpx.get(f"{api_url}/health", timeout=2.0).status_code == 200
    except httpx.HTTPError:
        return False


def wait_until_healthy(api_url: str, timeout: float, proc: subprocess.Popen) -> None:
    """Poll the health endpoint until it answers, the process dies, or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise ServeError(
                f"the local Prefect server exited with code {proc.returncode} while starting at "
                f"{api_url}; run `prefect server start` to see why, or set PREFECT_API_URL"
            )
        if is_healthy(api_url):
            return
        time.sleep(0.5)
    raise ServeError(f"the local Prefect server did not answer at {api_url} within {timeout:.0f} s")


def schedule_kwargs(interval_minutes: float, cron: str | None) -> dict:
    """Prefect `serve` schedule arguments: a cron expression wins over the interval."""
    if cron:
        return {"cron": cron}
    if interval_minutes <= 0:
        raise ValueError("--interval-minutes must be positive")
    return {"interval": timedelta(minutes=interval_minutes)}


def serve_monitor(
    *,
    interval_minutes: float,
    cron: str | None,
    sources_file: str | None,
    db_path: str,
    announce: Callable[[str], None],
) -> int:
    """Register the monitor deployment and run it on its schedule until interrupted."""
    kwargs = schedule_kwargs(interval_minutes, cron)
    server = None
    if not os.environ.get("PREFECT_API_URL"):
        server = LocalPrefectServer()
        announce(
            f"PREFECT_API_URL is not set: starting a local Prefect server at "
            f"{server.api_url} (UI at http://{LOCAL_HOST}:{LOCAL_PORT})"
        )
        server.start()
        os.environ["PREFECT_API_URL"] = server.api_url
    previous = signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        _serve(kwargs, sources_file, db_path)
    finally:
        signal.signal(signal.SIGTERM, previous)
        if server:
            server.stop()
    return 0


def _exit_on_sigterm(signum: int, frame: object) -> None:
    """Turn SIGTERM into a normal exit so the local server we started is stopped too."""
    raise SystemExit(128 + signum)


def _serve(schedule: dict, sources_file: str | None, db_path: str) -> None:
    from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy

    from flows.monitor import monitor

    monitor.serve(
        name="yrdwatch-monitor",
        parameters={"sources_file": sources_file, "db_path": db_path, "mode": "live"},
        global_limit=ConcurrencyLimitConfig(
            limit=1, collision_strategy=ConcurrencyLimitStrategy.CANCEL_NEW
        ),
        tags=["yrdwatch"],
        **schedule,
    )
