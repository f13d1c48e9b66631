"""Read-only SQL for analysts: named queries, refusal of writes, and output formats."""

import csv
import io
import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from warehouse_factories import make_release, make_result, make_source

from warehouse.load import load_source_result, upsert_sources
from warehouse.query import QueryError, format_rows, named_queries, run_query


@pytest.fixture
def loaded(db_path: Path, con) -> Path:
    upsert_sources(con, [make_source()])
    load_source_result(con, "run-1", make_result([make_release(1), make_release(2)]))
    con.close()
    return db_path


def test_named_queries_include_the_analyst_set() -> None:
    names = set(named_queries())
    assert {
        "followups_by_field",
        "recent_followups",
        "source_failures",
        "commitment_overview",
    } <= names


@pytest.mark.parametrize("name", sorted(named_queries()))
def test_every_named_query_runs_on_a_loaded_warehouse(loaded: Path, name: str) -> None:
    columns, _rows = run_query(loaded, name)
    assert columns


def test_plain_sql_returns_columns_and_rows(loaded: Path) -> None:
    columns, rows = run_query(loaded, "SELECT source_id, count(*) AS n FROM releases GROUP BY 1")
    assert (columns, rows) == (["source_id", "n"], [("sh-en-whatsnew", 2)])


@pytest.mark.parametrize(
    "sql",
    [
        "DELETE FROM release_current",
        "UPDATE settings SET value = '0' WHERE key = 'link_threshold'",
        "SELECT 1; DROP TABLE runs",
        "CREATE TABLE notes (a INTEGER)",
        "COPY release_current TO 'dump.csv'",
    ],
)
def test_write_statements_are_refused_and_change_nothing(loaded: Path, sql: str) -> None:
    with pytest.raises(QueryError, match="^read-only: "):
        run_query(loaded, sql)
    counts = run_query(
        loaded,
        "SELECT (SELECT count(*) FROM release_current), "
        "(SELECT value FROM settings WHERE key = 'link_threshold')",
    )[1]
    assert counts == [(2, "0.42")]


def test_bad_sql_and_empty_query_are_one_line_errors(loaded: Path) -> None:
    with pytest.raises(QueryError) as bad:
        run_query(loaded, "SELEC 1")
    assert "\n" not in str(bad.value) and "SELEC" in str(bad.value)
    with pytest.raises(QueryError, match="empty query"):
        run_query(loaded, "   ")


def test_a_mistyped_query_name_is_named_with_the_nearest_one(loaded: Path) -> None:
    with pytest.raises(
        QueryError,
        match=r"no named query 'recent_folowups' \(did you mean "
        r"recent_followups\?\)",
    ):
        run_query(loaded, "recent_folowups")


ROWS = [
    ("a,b", 1, 2.5, None, date(2024, 8, 1)),
    ('say "长三角"', -3, 0.0, True, datetime(2024, 8, 1, 2, tzinfo=UTC)),
]
COLUMNS = ["text", "n", "x", "flag", "when"]


def test_csv_round_trips_columns_and_values() -> None:
    parsed = list(csv.reader(io.StringIO(format_rows(COLUMNS, ROWS, "csv"))))
    assert parsed == [
        COLUMNS,
        ["a,b", "1", "2.5", "", "2024-08-01"],
        ['say "长三角"', "-3", "0.0", "True", "2024-08-01T02:00:00+00:00"],
    ]


def test_json_round_trips_to_records() -> None:
    records = json.loads(format_rows(COLUMNS, ROWS, "json"))
    assert records == [
        {"text": "a,b", "n": 1, "x": 2.5, "flag": None, "when": "2024-08-01"},
        {
            "text": 'say "长三角"',
            "n": -3,
            "x": 0.0,
            "flag": True,
            "when": "2024-08-01T02:00:00+00:00",
        },
    ]


def test_table_is_aligned_and_caps_long_values() -> None:
    rows = [("short", "长三角一体化"), ("x" * 200, "line one\nline two")]
    lines = format_rows(["name", "note"], rows, "table").splitlines()
    assert lines[0].index("note") == lines[2].index("长三角") == lines[3].index("line one")
    assert max(len(line) for line in lines) < 90
    assert lines[3].startswith("x" * 59 + "…")
    assert lines[-1] == "(2 rows)"


def test_unknown_format_names_the_choices() -> None:
    with pytest.raises(QueryError, match="unknown format 'xml': use one of table, csv, json"):
        format_rows(["a"], [(1,)], "xml")


def test_table_keeps_a_url_whole_so_it_can_be_pasted_into_explain() -> None:
    url = "https://english.shanghai.gov.cn/en-Latest-WhatsNew/20241225/" + "a" * 40 + ".html"
    table = format_rows(["url", "title"], [(url, "t" * 200)], "table")
    assert url in table
    assert "t" * 60 not in table  # other long values are still capped


def test_lists_and_json_columns_are_json_in_csv_and_nested_in_json(loaded: Path) -> None:
    sql = (
        "SELECT [{'quarter': '2026Q3', 'followups': 1}] AS last_4_quarters,"
        ' \'{"terms": ["长三角"], "parts": {"anchor": 1.0}}\'::JSON AS evidence,'
        " '[视频] not JSON' AS title"
    )
    columns, rows = run_query(loaded, sql)
    [record] = json.loads(format_rows(columns, rows, "json"))
    assert record["evidence"] == {"terms": ["长三角"], "parts": {"anchor": 1.0}}
    assert record["last_4_quarters"] == [{"quarter": "2026Q3", "followups": 1}]
    [row] = list(csv.DictReader(io.StringIO(format_rows(columns, rows, "csv"))))
    assert json.loads(row["last_4_quarters"]) == [{"quarter": "2026Q3", "followups": 1}]
    assert json.loads(row["evidence"])["terms"] == ["长三角"] and row["title"] == "[视频] not JSON"


def test_json_output_is_valid_json_for_nan_and_blobs(loaded: Path) -> None:
    columns, rows = run_query(loaded, "SELECT 'nan'::DOUBLE AS x, '\\xAB'::BLOB AS b")
    text = format_rows(columns, rows, "json")
    assert json.loads(text, parse_constant=lambda c: pytest.fail(c)) == [{"x": None, "b": "ab"}]
