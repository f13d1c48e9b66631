"""Ad hoc and named read-only SQL over a warehouse file, and formatting of the results.

`yrdwatch sql` runs here. The connection is opened read-only and statements are checked
before they run, so an analyst's query can never change the warehouse it reads.
"""

from __future__ import annotations

import contextlib
import csv
import difflib
import io
import json
import logging
import math
import re
import unicodedata
from collections.abc import Sequence
from datetime import date, datetime, time
from decimal import Decimal
from importlib import resources
from pathlib import Path

import duckdb

from warehouse.db import connect

log = logging.getLogger(__name__)

QUERY_PACKAGE = "sql"
QUERY_FOLDER = "queries"
FORMATS = ("table", "csv", "json")
TABLE_CELL_CHARS = 60
URL_CELL_CHARS = 400
_URL_RE = re.compile(r"https?://\S+")
READ_STATEMENTS = {
    duckdb.StatementType.SELECT,
    duckdb.StatementType.EXPLAIN,
    duckdb.StatementType.CALL,
    duckdb.StatementType.PRAGMA,
    duckdb.StatementType.SET,
    duckdb.StatementType.VARIABLE_SET,
}


class QueryError(ValueError):
    """The query could not run: a write statement, bad SQL or an unknown name."""


def named_queries() -> dict[str, str]:
    """The analysis queries shipped in sql/queries, by file stem."""
    folder = resources.files(QUERY_PACKAGE).joinpath(QUERY_FOLDER)
    return {
        entry.name.removesuffix(".sql"): entry.read_text("utf-8")
        for entry in folder.iterdir()
        if entry.name.endswith(".sql") and entry.is_file()
    }


_BARE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def resolve_query(query_or_name: str) -> str:
    """A bare name of a shipped query means that query; anything else is SQL. A bare name that
    is no query's is a mistyped name (one word is no SQL statement), not a parser error."""
    text = query_or_name.strip()
    queries = named_queries()
    if not text:
        raise QueryError("empty query: give SQL or one of " + ", ".join(sorted(queries)))
    if _BARE_NAME.match(text) and text not in queries:
        close = difflib.get_close_matches(text, list(queries), n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        raise QueryError(
            f"no named query {text!r}{hint}; give SQL or one of " + ", ".join(sorted(queries))
        )
    return queries.get(text, text)


def run_query(path: Path, query_or_name: str) -> tuple[list[str], list[tuple]]:
    """Run SQL (or a named query) read-only; return column names and rows of the last statement."""
    sql = resolve_query(query_or_name)
    con = connect(path, read_only=True)
    try:
        return _execute_read_only(con, sql)
    finally:
        con.close()


def _execute_read_only(con: duckdb.DuckDBPyConnection, sql: str) -> tuple[list[str], list[tuple]]:
    statements = _parse(con, sql)
    _reject_writes(statements)
    try:
        for statement in statements[:-1]:
            con.execute(statement)
        cursor = con.execute(statements[-1])
        description = cursor.description or []
        rows = cursor.fetchall() if description else []
    except duckdb.Error as error:
        raise _query_error(error) from error
    json_columns = [i for i, column in enumerate(description) if str(column[1]) == "JSON"]
    return [column[0] for column in description], [_decoded(r, json_columns) for r in rows]


def _decoded(row: tuple, json_columns: list[int]) -> tuple:
    """JSON columns (a link's evidence) as objects, so --format json nests them rather than
    quoting them as strings; a value that is not valid JSON stays as it is."""
    if not json_columns:
        return row
    values = list(row)
    for i in json_columns:
        if isinstance(values[i], str):
            with contextlib.suppress(ValueError):
                values[i] = json.loads(values[i])
    return tuple(values)


def _parse(con: duckdb.DuckDBPyConnection, sql: str) -> list[duckdb.Statement]:
    try:
        statements = con.extract_statements(sql)
    except duckdb.Error as error:
        raise _query_error(error) from error
    if not statements:
        raise QueryError("no SQL statement found in the query")
    return statements


def _reject_writes(statements: Sequence[duckdb.Statement]) -> None:
    for statement in statements:
        if statement.type not in READ_STATEMENTS:
            kind = statement.type.name.replace("_", " ")
            raise QueryError(f"read-only: {kind} statements are not allowed; this only reads")


def _query_error(error: duckdb.Error) -> QueryError:
    message = " ".join(str(error).split())
    if "read-only" in message or "read only" in message:
        return QueryError(f"read-only: {message}")
    return QueryError(message)


# --- formatting -----------------------------------------------------------------------------


def format_rows(columns: Sequence[str], rows: Sequence[Sequence[object]], fmt: str) -> str:
    """Render rows as an aligned plain-text table, CSV, or a JSON array of objects."""
    formatters = {"table": _as_table, "csv": _as_csv, "json": _as_json}
    if fmt not in formatters:
        raise QueryError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
    return formatters[fmt](list(columns), rows)


def _plain(value: object) -> str:
    """A value as one text cell; lists, structs and JSON as JSON text (not Python's repr)."""
    if value is None:
        return ""
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, list | tuple | dict):
        return json.dumps(_json_value(value), ensure_ascii=False)
    return str(value)


def _json_value(value: object) -> object:
    """A value JSON can carry: NaN and infinities become null, bytes hex, the rest text."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    if isinstance(value, list | tuple):
        return [_json_value(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _json_value(item) for key, item in value.items()}
    if isinstance(value, Decimal):
        return float(value)
    return _plain(value)


def _width(text: str) -> int:
    """Display width: CJK characters take two terminal columns."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def _cell(value: object) -> str:
    """One table cell: a single line, capped so one long body cannot flood the terminal. A URL
    is kept whole (up to URL_CELL_CHARS): analysts paste it into `yrdwatch explain`."""
    text = " ".join(_plain(value).split())
    cap = URL_CELL_CHARS if _URL_RE.fullmatch(text) else TABLE_CELL_CHARS
    return text if len(text) <= cap else text[: cap - 1] + "…"


def _as_table(columns: list[str], rows: Sequence[Sequence[object]]) -> str:
    cells = [[_cell(value) for value in row] for row in rows]
    widths = [
        max([_width(name), *(_width(row[i]) for row in cells)]) for i, name in enumerate(columns)
    ]
    lines = [_aligned(columns, widths), _aligned(["-" * width for width in widths], widths)]
    lines += [_aligned(row, widths) for row in cells]
    lines.append(f"({len(cells)} row{'' if len(cells) == 1 else 's'})")
    return "\n".join(lines)


def _aligned(values: Sequence[str], widths: Sequence[int]) -> str:
    pairs = zip(values, widths, strict=True)
    return "  ".join(value + " " * (width - _width(value)) for value, width in pairs).rstrip()


def _as_csv(columns: list[str], rows: Sequence[Sequence[object]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows([_plain(value) for value in row] for row in rows)
    return buffer.getvalue()


def _as_json(columns: list[str], rows: Sequence[Sequence[object]]) -> str:
    records = [dict(zip(columns, map(_json_value, row), strict=True)) for row in rows]
    return json.dumps(records, ensure_ascii=False, indent=2)
