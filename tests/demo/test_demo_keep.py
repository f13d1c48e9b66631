"""`yrdwatch demo` starts afresh, so it will not discard analyst labels unless told --fresh."""

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


def test_a_demo_refuses_to_discard_labels_unless_told_fresh(labelled_demo, runs, capsys):
    assert cli.main(["demo", "--db", str(labelled_demo)]) == 2
    err = capsys.readouterr().err
    assert "holds 1 analyst label(s), which starting afresh would discard" in err
    assert "add --keep" in err and "--fresh" in err
    assert runs == []  # nothing ran, nothing was deleted
    assert cli.main(["demo", "--fresh", "--db", str(labelled_demo)]) == 0
    assert "discarding 1 analyst label(s) (--fresh)" in capsys.readouterr().err
    assert runs == [True]


def test_demo_keep_runs_on_the_warehouse_as_it_is(labelled_demo, runs, capsys):
    assert cli.main(["demo", "--keep", "--db", str(labelled_demo)]) == 0
    assert capsys.readouterr().err == ""
    assert runs == [False]


def test_no_warning_without_labels_or_without_a_warehouse(tmp_path, runs, capsys):
    assert cli.main(["demo", "--db", str(tmp_path / "none.duckdb")]) == 0
    assert capsys.readouterr().err == ""
