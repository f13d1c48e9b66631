"""Loading crawl results: idempotent, versioned, deduplicated, and safe with hostile text."""

from datetime import date

import pytest
from warehouse_factories import T0, later, make_release, make_result, make_source, table_contents

from warehouse.load import (
    LoadCounts,
    finish_run,
    known_urls,
    load_source_result,
    start_run,
    upsert_sources,
)


def _current(con, url):
    return con.execute(
        "SELECT title, body, version, first_seen_at, last_seen_at, last_changed_at, first_run_id, "
        "last_run_id, published_on FROM release_current WHERE url = ?",
        [url],
    ).fetchone()


def test_first_load_stores_version_one_with_everything_the_scraper_found(con) -> None:
    release = make_release(1)
    counts = load_source_result(con, "run-1", make_result([release, make_release(2)]))
    assert counts == LoadCounts(new=2, changed=0, unchanged=0, changed_urls=[])
    row = con.execute(
        "SELECT source_id, language, content_hash, methods->>'$.body', attachments, raw_sha256, "
        "version, published_on, content_source FROM release_current WHERE url = ?",
        [release.url],
    ).fetchone()
    assert row == (
        "sh-en-whatsnew",
        "en",
        release.content_hash,
        "selector",
        ["https://x/a.pdf"],
        "ab" * 32,
        1,
        date(2024, 8, 1),
        "Shanghai Observer",
    )
    assert con.execute("SELECT count(*) FROM release_versions").fetchone() == (2,)


def test_loading_the_same_result_twice_changes_nothing(con) -> None:
    start_run(con, "run-1", "demo", T0, 1)
    result = make_result([make_release(1), make_release(2)], failed_urls=("https://x/404",))
    load_source_result(con, "run-1", result)
    before = table_contents(con)
    again = load_source_result(con, "run-1", result)
    assert again == LoadCounts(new=0, changed=0, unchanged=2, changed_urls=[])
    assert table_contents(con) == before
    assert con.execute(
        "SELECT articles_fetched, articles_failed, releases_new FROM source_runs"
    ).fetchall() == [(2, 1, 2)]


def test_rerun_of_unchanged_article_only_updates_when_it_was_seen(con) -> None:
    load_source_result(con, "run-1", make_result([make_release(1)]))
    counts = load_source_result(con, "run-2", make_result([make_release(1, fetched_at=later(24))]))
    assert counts.unchanged == 1
    title, _, version, first_seen, last_seen, last_changed, first_run, last_run, _ = _current(
        con, make_release(1).url
    )
    assert (version, first_seen, last_changed, first_run) == (1, T0, T0, "run-1")
    assert (last_seen, last_run) == (later(24), "run-2")
    assert con.execute("SELECT count(*) FROM release_versions").fetchone() == (1,)


def test_edited_article_becomes_version_two_and_keeps_history(con) -> None:
    original = make_release(1)
    load_source_result(con, "run-1", make_result([original]))
    edited = make_release(1, body="A corrected body.", fetched_at=later(5))
    counts = load_source_result(con, "run-2", make_result([edited]))
    assert counts == LoadCounts(new=0, changed=1, unchanged=0, changed_urls=[original.url])
    _, body, version, first_seen, _, last_changed, first_run, last_run, _ = _current(
        con, original.url
    )
    assert (body, version, first_seen, last_changed) == ("A corrected body.", 2, T0, later(5))
    assert (first_run, last_run) == ("run-1", "run-2")
    history = con.execute(
        "SELECT version, body, content_hash, run_id FROM release_versions ORDER BY version"
    ).fetchall()
    assert history == [
        (1, original.body, original.content_hash, "run-1"),
        (2, "A corrected body.", edited.content_hash, "run-2"),
    ]
    assert con.execute(
        "SELECT releases_changed FROM source_runs WHERE run_id = 'run-2'"
    ).fetchone() == (1,)


def test_older_copy_loaded_after_an_edit_does_not_revert_it(con) -> None:
    load_source_result(con, "run-1", make_result([make_release(1)]))
    edited = make_release(1, body="New", fetched_at=later(5))
    load_source_result(con, "run-2", make_result([edited]))
    counts = load_source_result(con, "run-1", make_result([make_release(1)]))
    assert counts.unchanged == 1 and counts.changed == 0
    assert _current(con, make_release(1).url)[1:3] == ("New", 2)


def test_duplicate_url_in_one_batch_keeps_the_latest_fetch(con) -> None:
    newest = make_release(1, title="Final title", fetched_at=later(2))
    batch = [
        make_release(1, title="Early title"),
        newest,
        make_release(1, title="Middle title", fetched_at=later(1)),
    ]
    counts = load_source_result(con, "run-1", make_result(batch))
    assert counts.new == 1
    assert _current(con, newest.url)[0] == "Final title"
    assert con.execute("SELECT count(*) FROM release_versions").fetchone() == (1,)


def test_hostile_text_is_stored_verbatim_and_capped(con) -> None:
    hostile = "Robert'); DROP TABLE release_current; -- 长三角 \x00?"
    release = make_release(1, title=hostile, body="x" * 600_000)
    load_source_result(con, "run-1", make_result([release]))
    title, body = con.execute("SELECT title, body FROM release_current").fetchone()
    assert title == hostile
    assert len(body) == 500_000


def test_fetch_log_is_one_batch_per_source_and_replaced_on_reload(con) -> None:
    result = make_result([make_release(1)], failed_urls=("https://x/timeout",))
    load_source_result(con, "run-1", result)
    load_source_result(con, "run-1", result)
    rows = con.execute("SELECT kind, outcome, status, error FROM fetch_log ORDER BY url").fetchall()
    assert sorted(rows, key=repr) == sorted(
        [
            ("article", "ok", 200, None),
            ("list", "ok", 200, None),
            ("article", "http_error", 500, "HTTP 500"),
        ],
        key=repr,
    )


def test_known_urls_groups_stored_urls_by_source(con) -> None:
    assert known_urls(con) == {}
    load_source_result(con, "run-1", make_result([make_release(1), make_release(2)]))
    other = make_release(3, source_id="zj-en-latest")
    load_source_result(con, "run-1", make_result([other], source_id="zj-en-latest"))
    assert known_urls(con) == {
        "sh-en-whatsnew": {make_release(1).url, make_release(2).url},
        "zj-en-latest": {other.url},
    }


def test_sources_upsert_keeps_one_row_with_the_latest_config(con) -> None:
    upsert_sources(con, [make_source(name="Old name")])
    upsert_sources(con, [make_source(name="New name"), make_source("zj-en-latest", "Zhejiang")])
    rows = con.execute("SELECT source_id, name, start_urls FROM sources ORDER BY 1").fetchall()
    assert [row[:2] for row in rows] == [
        ("sh-en-whatsnew", "New name"),
        ("zj-en-latest", "Zhejiang"),
    ]
    assert rows[0][2] == ["https://english.shanghai.gov.cn/en-Latest-WhatsNew/index.html"]


def test_run_lifecycle_records_totals(con) -> None:
    start_run(con, "run-1", "live", T0, 7)
    finish_run(
        con,
        "run-1",
        status="completed",
        finished_at=later(1),
        sources_failed=1,
        releases_new=5,
        releases_changed=2,
        links_new=3,
        digest_path="data/d.md",
    )
    row = con.execute(
        "SELECT mode, status, sources_total, sources_failed, releases_new, "
        "releases_changed, links_new, digest_path, finished_at FROM runs"
    ).fetchone()
    assert row == ("live", "completed", 7, 1, 5, 2, 3, "data/d.md", later(1))


def test_finishing_an_unknown_run_or_bad_mode_is_a_clear_error(con) -> None:
    with pytest.raises(ValueError, match="run 'ghost' was never started"):
        finish_run(
            con,
            "ghost",
            status="completed",
            finished_at=T0,
            sources_failed=0,
            releases_new=0,
            releases_changed=0,
            links_new=0,
            digest_path=None,
        )
    with pytest.raises(ValueError, match="run mode 'nightly'"):
        start_run(con, "run-1", "nightly", T0, 1)


def test_a_failed_load_leaves_nothing_behind(con, monkeypatch) -> None:
    from warehouse import load

    def explode(*_args):
        raise RuntimeError("disk full")

    monkeypatch.setattr(load, "_upsert_source_run", explode)
    with pytest.raises(RuntimeError):
        load_source_result(con, "run-1", make_result([make_release(1)]))
    counts = con.execute(
        "SELECT (SELECT count(*) FROM release_current), "
        "(SELECT count(*) FROM release_versions), "
        "(SELECT count(*) FROM fetch_log)"
    ).fetchone()
    assert counts == (0, 0, 0)


def test_a_non_finite_timing_is_stored_as_null(con) -> None:
    result = make_result([make_release(1)])
    result.fetches[0].elapsed_ms = float("nan")
    load_source_result(con, "run-1", result)
    assert con.execute("SELECT count(*) FROM fetch_log WHERE elapsed_ms IS NULL").fetchone() == (1,)
