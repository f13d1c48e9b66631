"""The CLI as a user meets it: one-line errors with exit 2, read-only SQL, source listing."""

import json

import pytest

from flows.cli import main


def run_cli(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_missing_sources_file_is_one_line_usage_error(capsys, tmp_path):
    code, _, err = run_cli(capsys, "run", "--sources", str(tmp_path / "nope.toml"))
    assert code == 2
    assert err.count("\n") == 1 and "nope.toml" in err


def test_source_file_with_unknown_key_names_file_source_and_key(capsys, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(
        '[[source]]\nid = "x"\nname = "X"\nregion = "shanghai"\nlanguage = "en"\n'
        'start_urls = ["https://example.org/"]\ncms = "shanghai"\nspeed = 3\n',
        encoding="utf-8",
    )
    code, _, err = run_cli(capsys, "run", "--sources", str(bad), "--db", str(tmp_path / "w.duckdb"))
    assert code == 2
    assert err.count("\n") == 1
    assert "bad.toml" in err and "'x'" in err and "speed" in err
    assert not (tmp_path / "w.duckdb").exists()


def test_unknown_source_id_is_usage_error(capsys):
    code, _, err = run_cli(capsys, "run", "--source", "no-such-source")
    assert code == 2 and "no-such-source" in err


def test_sql_without_warehouse_says_what_to_do(capsys, tmp_path):
    code, _, err = run_cli(capsys, "sql", "SELECT 1", "--db", str(tmp_path / "w.duckdb"))
    assert code == 2 and "yrdwatch run" in err


@pytest.fixture
def published(tmp_path):
    """A fresh, migrated warehouse with its snapshot published."""
    from warehouse import db, snapshot

    path = tmp_path / "w.duckdb"
    db.connect(path).close()
    snapshot.publish_snapshot(path, snapshot.default_snapshot_path(path))
    return path


def test_sql_is_read_only(capsys, published):
    code, _, err = run_cli(capsys, "sql", "DELETE FROM commitments", "--db", str(published))
    assert code == 2 and "read-only" in err


def test_sql_json_output_and_named_queries(capsys, published):
    code, out, _ = run_cli(
        capsys, "sql", "SELECT 1 AS one, 'a' AS letter", "--db", str(published), "--format", "json"
    )
    assert code == 0 and json.loads(out) == [{"one": 1, "letter": "a"}]
    code, out, _ = run_cli(capsys, "sql")
    assert code == 0 and "recent_followups" in out
    code, out, _ = run_cli(capsys, "sql", "followups_by_field", "--db", str(published))
    assert code == 0


def test_eval_missing_file_is_usage_error(capsys, tmp_path):
    code, _, err = run_cli(capsys, "eval", str(tmp_path / "x.jsonl"))
    assert code == 2 and "x.jsonl" in err


def test_eval_by_field_prints_a_row_per_field_and_language(capsys):
    from warehouse.evaluate import LABELED_DIR

    code, out, _ = run_cli(capsys, "eval", str(LABELED_DIR / "yrd-invented.jsonl"), "--by-field")
    assert code == 0
    table = out.split("per field, held-out part")[1].splitlines()
    assert sum(line.startswith(("market ", "energy ")) for line in table) == 4
    assert "95% bootstrap intervals" in out


def test_sources_list_shows_builtin_registry(capsys, tmp_path):
    code, out, _ = run_cli(capsys, "sources", "list", "--db", str(tmp_path / "w.duckdb"))
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("id")
    assert any(line.startswith("sh-en-whatsnew") and "never run" in line for line in lines)


def test_output_cut_short_by_the_reader_exits_quietly(monkeypatch, published):
    import io

    class ClosedPipe(io.StringIO):
        def write(self, text):
            raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr("sys.stdout", ClosedPipe())
    assert main(["sql", "SELECT 1", "--db", str(published)]) == 141
