"""`yrdwatch demo` starts afresh, so it says when that discards analyst labels; --keep doesn't."""

from types import SimpleNamespace

import pytest

from flows import cli, demo
from warehouse.db import connect


@pytest.fixture
def labelled_demo(tmp_path):
    path = tmp_path / "demo.duckdb"
    con = connect(path)
    con.execute(
        "INSERT INTO labels (url, commitment_id, verdict, note, evidence, labeled_at)"
        " VALUES ('https://a.gov.cn/1.html', 'energy', 'confirmed', '', '{}', current_timestamp)"
    )
    con.close()
    return path


@pytest.fixture
def runs(monkeypatch):
    calls = []

    def fake_run_demo(db_path=None, *, fresh=True):
        calls.append(fresh)
        return SimpleNamespace(status="completed")

    monkeypatch.setattr(demo, "run_demo", fake_run_demo)
    monkeypatch.setattr(cli, "_print_summary", lambda summary: None)
    return calls


def test_a_fresh_demo_warns_that_it_discards_labels(labelled_demo, runs, capsys):
    assert cli.main(["demo", "--db", str(labelled_demo)]) == 0
    assert "discards the 1 analyst label(s) in the demo warehouse" in capsys.readouterr().err
    assert runs == [True]


def test_demo_keep_runs_on_the_warehouse_as_it_is(labelled_demo, runs, capsys):
    assert cli.main(["demo", "--keep", "--db", str(labelled_demo)]) == 0
    assert capsys.readouterr().err == ""
    assert runs == [False]


def test_no_warning_without_labels_or_without_a_warehouse(tmp_path, runs, capsys):
    assert cli.main(["demo", "--db", str(tmp_path / "none.duckdb")]) == 0
    assert capsys.readouterr().err == ""
