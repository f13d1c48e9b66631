"""Analyst views: they always select, and they say what a user needs to know."""

import json
from datetime import UTC, date, datetime

import pytest
from warehouse_factories import T0, later, make_release, make_result, make_source

from warehouse.load import finish_run, load_source_result, start_run, upsert_sources

VIEWS = ("releases", "followups", "commitment_status", "source_health")


def _add_commitment(con, commitment_id: str, field: str) -> None:
    con.execute(
        "INSERT INTO commitments VALUES (?, ?, 'key_field', ?, ?, 'd', ['rail'], ['铁路'], "
        "'quote', NULL)",
        [commitment_id, field, f"{commitment_id} title", "标题"],
    )


def _add_link(con, url: str, commitment_id: str, score: float) -> None:
    evidence = json.dumps({"terms": ["rail"], "sentences": ["A rail link."], "parts": {}})
    con.execute(
        "INSERT INTO links (url, commitment_id, content_hash, score, evidence, method_version,"
        " run_id, linked_at) VALUES (?, ?, 'h', ?, ?, 'lex-1', 'run-1', ?)",
        [url, commitment_id, score, evidence, T0],
    )


def _run(con, run_id: str, hour: int, *results, status: str = "completed") -> None:
    start_run(con, run_id, "demo", later(hour), len(results))
    for result in results:
        load_source_result(con, run_id, result)
    finish_run(
        con,
        run_id,
        status=status,
        finished_at=later(hour),
        sources_failed=0,
        releases_new=0,
        releases_changed=0,
        links_new=0,
        digest_path=None,
    )


def _loaded(con) -> None:
    upsert_sources(con, [make_source()])
    _run(con, "run-1", 0, make_result([make_release(1), make_release(2)]))
    _add_commitment(con, "transport.rail", "transport")
    _add_commitment(con, "energy", "energy")
    _add_link(con, make_release(1).url, "transport.rail", 0.9)
    _add_link(con, make_release(2).url, "transport.rail", 0.2)


@pytest.mark.parametrize("view", VIEWS)
def test_every_view_selects_on_an_empty_warehouse(con, view: str) -> None:
    assert con.execute(f"SELECT * FROM {view}").fetchall() == []


@pytest.mark.parametrize("view", VIEWS)
def test_every_view_selects_on_a_loaded_warehouse(con, view: str) -> None:
    _loaded(con)
    assert con.execute(f"SELECT * FROM {view}").fetchall()


def test_contract_columns_are_present(con) -> None:
    expected = {
        "releases": [
            "url",
            "source_id",
            "title",
            "published_on",
            "language",
            "body",
            "first_seen_at",
            "content_source",
            "version",
            "last_changed_at",
        ],
        "followups": [
            "url",
            "source_id",
            "title",
            "published_on",
            "language",
            "commitment_id",
            "field",
            "score",
            "evidence",
        ],
        "commitment_status": [
            "commitment_id",
            "field",
            "title_en",
            "followups",
            "first_followup",
            "last_followup",
            "status",
        ],
        "source_health": [
            "source_id",
            "name",
            "region",
            "language",
            "last_run_at",
            "last_success_at",
            "consecutive_failures",
            "items_last_run",
            "avg_items_per_run",
            "last_status",
            "last_error",
            "health",
        ],
    }
    for view, columns in expected.items():
        found = [row[0] for row in con.execute(f"DESCRIBE {view}").fetchall()]
        assert found[: len(columns)] == columns, view


def test_followups_use_the_threshold_from_settings(con) -> None:
    _loaded(con)
    rows = con.execute(
        "SELECT url, field, score, evidence->>'$.sentences[0]' FROM followups"
    ).fetchall()
    assert rows == [(make_release(1).url, "transport", 0.9, "A rail link.")]
    con.execute("UPDATE settings SET value = '0.1' WHERE key = 'link_threshold'")
    assert con.execute("SELECT count(*) FROM followups").fetchone() == (2,)


def test_commitment_status_is_worded_as_evidence(con) -> None:
    _loaded(con)
    statuses = dict(con.execute("SELECT commitment_id, status FROM commitment_status").fetchall())
    assert statuses == {
        "transport.rail": "1 follow-up found, latest 2024-08-01",
        "energy": "no follow-up found as of 2024-08-01",
    }
    row = con.execute(
        "SELECT followups, first_followup, last_followup FROM commitment_status "
        "WHERE commitment_id = 'energy'"
    ).fetchone()
    assert row == (0, None, None)


def test_status_date_is_the_last_completed_run_day_in_shanghai(con) -> None:
    _add_commitment(con, "energy", "energy")
    assert con.execute("SELECT status FROM commitment_status").fetchone() == (
        "no follow-up found (no completed run yet)",
    )
    start_run(con, "late", "live", T0, 0)
    # 20:00 UTC on 2 August is already 3 August in Shanghai
    finish_run(
        con,
        "late",
        status="completed",
        finished_at=datetime(2024, 8, 2, 20, tzinfo=UTC),
        sources_failed=0,
        releases_new=0,
        releases_changed=0,
        links_new=0,
        digest_path=None,
    )
    start_run(con, "crashed", "live", later(72), 0)
    finish_run(
        con,
        "crashed",
        status="failed",
        finished_at=later(73),
        sources_failed=1,
        releases_new=0,
        releases_changed=0,
        links_new=0,
        digest_path=None,
    )
    status, as_of = con.execute("SELECT status, as_of FROM commitment_status").fetchone()
    assert (status, as_of) == ("no follow-up found as of 2024-08-03", date(2024, 8, 3))


def test_plural_wording_and_dates_span_all_followups(con) -> None:
    _loaded(con)
    con.execute("UPDATE links SET score = 0.7 WHERE score = 0.2")
    later_release = make_release(3, published_at=datetime(2025, 3, 9, 8, tzinfo=UTC))
    load_source_result(con, "run-1", make_result([later_release]))
    _add_link(con, later_release.url, "transport.rail", 0.55)
    row = con.execute(
        "SELECT followups, first_followup, last_followup, status "
        "FROM commitment_status WHERE commitment_id = 'transport.rail'"
    ).fetchone()
    assert row == (3, date(2024, 8, 1), date(2025, 3, 9), "3 follow-ups found, latest 2025-03-09")


def _health(con, source_id: str = "sh-en-whatsnew") -> tuple:
    return con.execute(
        "SELECT health, consecutive_failures, last_status, last_error "
        "FROM source_health WHERE source_id = ?",
        [source_id],
    ).fetchone()


def test_three_failed_runs_make_a_source_broken(con) -> None:
    upsert_sources(con, [make_source()])
    _run(con, "run-0", 0, make_result([make_release(1)]))
    assert _health(con) == ("ok", 0, "ok", None)
    failed = make_result([], status="failed", error="list page returned HTTP 503")
    _run(con, "run-1", 1, failed)
    assert _health(con) == ("degraded", 1, "failed", "list page returned HTTP 503")
    _run(con, "run-2", 2, failed)
    _run(con, "run-3", 3, failed)
    assert _health(con) == ("broken", 3, "failed", "list page returned HTTP 503")
    last_success = con.execute("SELECT last_success_at FROM source_health").fetchone()[0]
    assert last_success == T0


def test_a_blocked_run_makes_a_source_blocked(con) -> None:
    upsert_sources(con, [make_source()])
    _run(con, "run-0", 0, make_result([make_release(1)]))
    _run(con, "run-1", 1, make_result([], status="blocked", error="WZWS challenge page"))
    assert _health(con) == ("blocked", 1, "blocked", "WZWS challenge page")


def test_zero_yield_and_partial_runs_are_degraded(con) -> None:
    upsert_sources(con, [make_source()])
    _run(con, "run-0", 0, make_result([make_release(1)]))
    _run(con, "run-1", 1, make_result([], links_found=0))
    assert _health(con)[:2] == ("degraded", 0)
    items = con.execute("SELECT items_last_run, avg_items_per_run FROM source_health").fetchone()
    assert items == (0, 0.5)
    _run(con, "run-2", 2, make_result([make_release(2)], status="partial"))
    assert _health(con)[:2] == ("degraded", 0)


def test_a_source_that_never_ran_is_unknown(con) -> None:
    upsert_sources(con, [make_source()])
    assert _health(con) == ("unknown", 0, None, None)
