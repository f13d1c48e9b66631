"""source_health v2: failures, zero-yield list pages, extraction-yield drops and block pages
combine into one state per source, with the reason in words; thresholds live in settings."""

from __future__ import annotations

from warehouse_factories import later, make_release, make_result, make_source

from scrapers.models import FetchRecord
from warehouse.health import health_counts, health_lines
from warehouse.load import finish_run, load_source_result, start_run, upsert_sources


def _run(con, run_id: str, hour: int, result, mode: str = "live") -> None:
    start_run(con, run_id, mode, later(hour), 1)
    load_source_result(con, run_id, result)
    finish_run(con, run_id, status="completed", finished_at=later(hour), sources_failed=0,
               releases_new=0, releases_changed=0, links_new=0, digest_path=None)  # fmt: skip


def _health(con, source_id: str = "sh-en-whatsnew") -> tuple:
    return con.execute(
        "SELECT health, health_reason, zero_yield_runs FROM source_health WHERE source_id = ?",
        [source_id],
    ).fetchone()


def _zero_yield():
    return make_result([], links_found=0)


def _with_failures(ok: int, failed: int):
    """A run that fetched `ok + failed` articles and could extract only `ok` of them."""
    releases = [make_release(n) for n in range(1, ok + 1)]
    urls = tuple(f"https://english.shanghai.gov.cn/bad/{n}.html" for n in range(failed))
    result = make_result(releases, failed_urls=urls, links_found=ok + failed)
    for fetch in result.fetches:
        if fetch.outcome == "http_error":
            fetch.outcome, fetch.error = "extraction_failed", "no body"
    return result


def test_one_zero_yield_run_degrades_and_three_in_a_row_break_the_source(con) -> None:
    upsert_sources(con, [make_source()])
    _run(con, "r0", 0, make_result([make_release(1)]))
    _run(con, "r1", 1, _zero_yield())
    health, reason, runs = _health(con)
    assert (health, runs) == ("degraded", 1)
    assert reason == (
        "list pages gave no article links in the last 1 run "
        "(the list selectors may no longer match the site)"
    )
    _run(con, "r2", 2, _zero_yield())
    _run(con, "r3", 3, _zero_yield())
    assert _health(con)[0] == "broken" and _health(con)[2] == 3
    assert "in the last 3 runs" in _health(con)[1]


def test_a_not_modified_list_page_is_not_zero_yield(con) -> None:
    upsert_sources(con, [make_source()])
    _run(con, "r0", 0, make_result([make_release(1)]))
    unchanged = _zero_yield()
    unchanged.fetches[-1].outcome = "not_modified"
    unchanged.fetches[-1].status = 304
    _run(con, "r1", 1, unchanged)
    assert _health(con) == ("ok", None, 0)


def test_an_extraction_yield_drop_against_history_degrades(con) -> None:
    upsert_sources(con, [make_source()])
    _run(con, "r0", 0, _with_failures(ok=4, failed=0))
    _run(con, "r1", 1, _with_failures(ok=5, failed=0))
    assert _health(con)[0] == "ok"
    _run(con, "r2", 2, _with_failures(ok=0, failed=2))
    assert _health(con)[0] == "ok", "two articles are below health_min_articles (3)"
    _run(con, "r3", 3, _with_failures(ok=1, failed=4))
    health, reason, _ = _health(con)
    assert health == "degraded"
    assert reason.startswith("extraction yield fell to 20% of fetched articles (usually 82%)")


def test_yield_drop_reason_in_words_when_the_run_itself_is_ok(con) -> None:
    upsert_sources(con, [make_source()])
    _run(con, "r0", 0, _with_failures(ok=5, failed=0))
    dropped = _with_failures(ok=1, failed=4)
    dropped.status = "ok"
    _run(con, "r1", 1, dropped)
    assert _health(con)[:2] == (
        "degraded",
        "extraction yield fell to 20% of fetched articles (usually 100%): "
        "the article selectors may no longer match",
    )


def test_thresholds_are_read_from_settings(con) -> None:
    upsert_sources(con, [make_source()])
    _run(con, "r0", 0, make_result([make_release(1)]))
    _run(con, "r1", 1, _zero_yield())
    con.execute("UPDATE settings SET value = '1' WHERE key = 'health_zero_yield_runs'")
    assert _health(con)[0] == "broken"


def test_reparse_runs_do_not_count_as_crawls(con) -> None:
    upsert_sources(con, [make_source()])
    _run(con, "r0", 0, make_result([make_release(1)]))
    start_run(con, "rp", "reparse", later(1), 1)
    con.execute(
        "INSERT INTO source_runs VALUES ('rp', 'sh-en-whatsnew', 'ok', NULL, 0, 0, 0, 0, 0, 0)"
    )
    assert _health(con) == ("ok", None, 0)
    assert con.execute("SELECT runs FROM source_health").fetchone() == (1,)


def test_blocked_and_failing_sources_say_why(con) -> None:
    upsert_sources(con, [make_source(), make_source("js-zh-news", "Jiangsu news")])
    _run(con, "r0", 0, make_result([], status="blocked", error="blocked (wzws): challenge page"))
    failing = make_result([], source_id="js-zh-news", status="failed", error="HTTP 503")
    for hour in (1, 2, 3):
        _run(con, f"f{hour}", hour, failing)
    assert _health(con)[:2] == ("blocked", "blocked by the site: blocked (wzws): challenge page")
    assert _health(con, "js-zh-news")[:2] == (
        "broken",
        "3 runs in a row failed; last error: HTTP 503",
    )


def test_health_lines_for_the_digest_list_what_needs_attention(con) -> None:
    upsert_sources(con, [make_source(), make_source("js-zh-news", "J"), make_source("ok-1", "O")])
    _run(con, "r0", 0, make_result([], status="blocked", error="blocked: 403 *page*"))
    _run(con, "r1", 1, make_result([make_release(1)], source_id="ok-1"))
    assert health_counts(con) == {"blocked": 1, "broken": 0, "degraded": 0, "unknown": 1, "ok": 1}
    lines = health_lines(con)
    assert lines[0] == "Source health: 1 blocked, 1 unknown, 1 ok."
    assert lines[1:] == [
        "- `sh-en-whatsnew` **blocked**: blocked by the site: blocked: 403 \\*page\\*"
    ]


def test_list_fetch_records_are_counted_per_run_and_source(con) -> None:
    upsert_sources(con, [make_source()])
    result = _zero_yield()
    result.fetches.append(
        FetchRecord(
            "sh-en-whatsnew",
            "https://english.shanghai.gov.cn/2.html",
            "list",
            later(0),
            304,
            0,
            1.0,
            "not_modified",
        )  # fmt: skip
    )
    _run(con, "r0", 0, result)
    assert _health(con)[0] == "ok"
