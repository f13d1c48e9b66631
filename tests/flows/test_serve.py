"""`yrdwatch serve` wiring: schedule, no overlapping runs, local server when none is configured."""

from datetime import timedelta

import pytest

from flows import serve


class FakeServer:
    started = stopped = False
    api_url = "http://127.0.0.1:4200/api"

    def start(self):
        FakeServer.started = True

    def stop(self):
        FakeServer.stopped = True


@pytest.fixture
def captured(monkeypatch):
    calls = {}
    monkeypatch.setattr(serve, "_serve", lambda sched, src, db: calls.update(sched=sched, db=db))
    monkeypatch.setattr(serve, "LocalPrefectServer", FakeServer)
    return calls


def test_starts_and_stops_a_local_server_without_api_url(monkeypatch, captured):
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    messages = []
    serve.serve_monitor(
        interval_minutes=60,
        cron=None,
        sources_file=None,
        db_path="w.duckdb",
        announce=messages.append,
    )
    assert FakeServer.started and FakeServer.stopped
    assert "starting a local Prefect server" in messages[0]
    assert captured["sched"] == {"interval": timedelta(minutes=60)}
    monkeypatch.delenv("PREFECT_API_URL", raising=False)


def test_uses_configured_api_url(monkeypatch, captured):
    FakeServer.started = False
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:9/api")
    messages = []
    serve.serve_monitor(
        interval_minutes=5,
        cron="0 */6 * * *",
        sources_file=None,
        db_path="w.duckdb",
        announce=messages.append,
    )
    assert not FakeServer.started and messages == []
    assert captured["sched"] == {"cron": "0 */6 * * *"}


def test_deployment_cancels_overlapping_runs(monkeypatch):
    from prefect.client.schemas.objects import ConcurrencyLimitStrategy

    from flows.monitor import monitor

    seen = {}
    monkeypatch.setattr(type(monitor), "serve", lambda self, **kw: seen.update(kw))
    serve._serve({"interval": timedelta(hours=6)}, None, "w.duckdb")
    assert seen["global_limit"].limit == 1
    assert seen["global_limit"].collision_strategy == ConcurrencyLimitStrategy.CANCEL_NEW
    assert seen["name"] == "yrdwatch-monitor"
    assert seen["parameters"]["db_path"] == "w.duckdb"


def test_interval_must_be_positive():
    with pytest.raises(ValueError, match="interval"):
        serve.schedule_kwargs(0, None)


def test_a_port_held_by_another_program_is_one_line_naming_it_and_starts_nothing(
    monkeypatch, capsys
):
    import socket

    from flows import cli

    started = []
    monkeypatch.setattr(serve.subprocess, "Popen", lambda *a, **k: started.append(a))
    with socket.socket() as other_program:
        other_program.bind(("127.0.0.1", 0))
        other_program.listen()
        port = other_program.getsockname()[1]
        with pytest.raises(serve.ServeError, match=f"port {port} on 127.0.0.1 is in use"):
            serve.LocalPrefectServer(port=port).start(timeout=1)
        assert started == []

        def busy(**_kwargs):
            serve.LocalPrefectServer(port=port).start(timeout=1)

        monkeypatch.setattr(serve, "serve_monitor", busy)
        monkeypatch.delenv("PREFECT_API_URL", raising=False)
        assert cli.main(["serve"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"yrdwatch: port {port} on 127.0.0.1 is in use") and "\n" not in err
