"""Loads that survive kills and feed incremental crawls: interrupted runs, re-check window,
list validators stored with the result they vouch for."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from warehouse_factories import T0, make_release, make_result

from warehouse.load import (
    finish_run,
    list_validators,
    load_source_result,
    mark_interrupted_runs,
    read_setting,
    recheck_urls,
    save_validators,
    start_run,
)

NOW = datetime(2024, 8, 5, 12, 0, tzinfo=UTC)


def test_runs_left_running_are_marked_interrupted_by_the_next_run(con) -> None:
    start_run(con, "killed", "live", T0, 3)
    start_run(con, "current", "live", NOW, 3)
    assert mark_interrupted_runs(con, "current", NOW) == ["killed"]
    rows = con.execute("SELECT run_id, status, finished_at FROM runs ORDER BY run_id").fetchall()
    assert rows == [("current", "running", None), ("killed", "interrupted", NOW)]
    assert mark_interrupted_runs(con, "current", NOW) == []


def test_reparse_mode_and_interrupted_status_are_valid(con) -> None:
    start_run(con, "rp", "reparse", T0, 0)
    finish_run(con, "rp", status="interrupted", finished_at=T0, sources_failed=0,
               releases_new=0, releases_changed=0, links_new=0, digest_path=None)  # fmt: skip
    with pytest.raises(ValueError, match="run mode 'backfill'"):
        start_run(con, "x", "backfill", T0, 0)


def test_recheck_window_holds_recently_published_releases(con) -> None:
    recent = make_release(1, published_at=NOW - timedelta(days=2))
    old = make_release(2, published_at=NOW - timedelta(days=30))
    load_source_result(con, "run-1", make_result([recent, old]))
    assert recheck_urls(con, days=7, now=NOW) == {"sh-en-whatsnew": {recent.url}}
    assert recheck_urls(con, days=60, now=NOW) == {"sh-en-whatsnew": {recent.url, old.url}}
    assert read_setting(con, "recheck_days", 1) == 7


def test_validators_round_trip_and_a_broken_server_switches_conditionals_off(con) -> None:
    page = "https://english.shanghai.gov.cn/list.html"
    save_validators(con, "sh-en-whatsnew", {
        page: {"etag": '"abc"', "last_modified": "Mon, 05 Aug 2024 01:00:00 GMT",
               "body_sha256": "ef" * 32, "checked_at": T0},
    })  # fmt: skip
    stored = list_validators(con)["sh-en-whatsnew"][page]
    assert stored["etag"] == '"abc"' and stored["last_modified"].startswith("Mon, 05 Aug")
    assert (stored["body_sha256"], stored["checked_at"]) == ("ef" * 32, T0)
    assert stored["conditional_ok"] is True
    save_validators(con, "sh-en-whatsnew", {page: {"etag": '"abd"', "conditional_broken": True}})
    stored = list_validators(con)["sh-en-whatsnew"][page]
    assert stored["etag"] == '"abd"' and stored["conditional_ok"] is False


def test_validators_are_saved_with_the_result_in_one_transaction(con, monkeypatch) -> None:
    from warehouse import load

    result = make_result([make_release(1)])
    result.list_validators = {"https://english.shanghai.gov.cn/list.html": {"etag": '"v1"'}}

    def crash(*args, **kwargs):
        raise RuntimeError("killed before commit")

    monkeypatch.setattr(load, "_upsert_source_run", crash)
    with pytest.raises(RuntimeError):
        load_source_result(con, "run-1", result)
    assert list_validators(con) == {}
    assert con.execute("SELECT count(*) FROM release_current").fetchone() == (0,)
    monkeypatch.undo()
    load_source_result(con, "run-1", result)
    assert list(list_validators(con)["sh-en-whatsnew"]) == [
        "https://english.shanghai.gov.cn/list.html"
    ]


def test_the_crawlers_own_validator_records_survive_a_round_trip(con) -> None:
    """What scrapers/crawl.py keeps per list page and per host comes back as it was saved."""
    page = "https://english.shanghai.gov.cn/list.html"
    host = "host:english.shanghai.gov.cn"
    saved = {
        page: {"etag": '"e1"', "last_modified": None, "body_sha256": "ab" * 32,
               "links_sha256": "cd" * 32, "verified_at": "2024-08-01T02:00:00+00:00"},
        host: {"conditional_broken": True, "since": "2024-08-01T02:00:00+00:00",
               "reason": "answered 304 Not Modified while its article list had changed"},
    }  # fmt: skip
    save_validators(con, "sh-en-whatsnew", saved)
    loaded = list_validators(con)["sh-en-whatsnew"]
    for url, record in saved.items():
        assert {key: loaded[url][key] for key in record} == record
    assert loaded[host]["conditional_ok"] is False
    assert loaded[page]["conditional_broken"] is False
    verified = con.execute("SELECT verified_at FROM list_validators WHERE url = ?", [page])
    assert verified.fetchone()[0] == T0


def test_transient_article_failures_are_retried_until_stored(con) -> None:
    from scrapers.models import FetchRecord
    from warehouse.load import retry_urls

    stored = make_release(1)
    result = make_result([stored], failed_urls=("https://english.shanghai.gov.cn/x/500.html",))
    result.fetches.append(
        FetchRecord(
            "sh-en-whatsnew",
            "https://english.shanghai.gov.cn/x/net.html",
            "article",
            T0,
            None,
            0,
            1.0,
            "network_error",
            "connection reset",
        )  # fmt: skip
    )
    result.fetches.append(
        FetchRecord(
            "sh-en-whatsnew",
            "https://english.shanghai.gov.cn/x/404.html",
            "article",
            T0,
            404,
            0,
            1.0,
            "http_error",
            "HTTP 404",
        )  # fmt: skip
    )
    load_source_result(con, "run-1", result)
    pending = retry_urls(con, now=T0 + timedelta(days=1))
    assert pending == {
        "sh-en-whatsnew": {
            "https://english.shanghai.gov.cn/x/500.html",
            "https://english.shanghai.gov.cn/x/net.html",
        }
    }
    assert retry_urls(con, now=T0 + timedelta(days=30)) == {}
