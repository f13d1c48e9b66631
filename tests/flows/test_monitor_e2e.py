"""The monitor flow end to end against the demo archive served on loopback."""

import asyncio
from pathlib import Path

import duckdb
import pytest

from scrapers.replay import demo_sources_path


@pytest.fixture(scope="module")
def two_runs(prefect_server, demo_server, tmp_path_factory):
    """Run the monitor twice on one fresh warehouse; the second run finds nothing new."""
    from flows.monitor import monitor

    db_path = tmp_path_factory.mktemp("wh") / "yrdwatch.duckdb"

    def run():
        return asyncio.run(
            monitor(
                sources_file=str(demo_sources_path()),
                db_path=str(db_path),
                replay_url=demo_server.url,
                mode="demo",
            )
        )

    first = run()
    tables_after_first = _table_counts(first.snapshot_path)
    second = run()
    return db_path, first, second, tables_after_first


def _table_counts(path):
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {
            t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("release_current", "release_versions", "links", "commitments")
        }
    finally:
        con.close()


def test_first_run_loads_releases_and_links_followups(two_runs):
    _, first, _, counts = two_runs
    assert first.status == "completed"
    assert first.releases_new >= 70
    assert counts["release_versions"] == counts["release_current"] == first.releases_new
    assert first.links_new > 20
    con = duckdb.connect(first.snapshot_path, read_only=True)
    fields = {r[0] for r in con.execute("SELECT DISTINCT field FROM followups").fetchall()}
    languages = {r[0] for r in con.execute("SELECT DISTINCT language FROM followups").fetchall()}
    con.close()
    assert len(fields) == 8
    assert languages == {"en", "zh"}


def test_rerun_duplicates_nothing(two_runs):
    _, first, second, counts = two_runs
    assert second.releases_new == 0 and second.releases_changed == 0 and second.links_new == 0
    assert _table_counts(second.snapshot_path) == counts


def test_blocked_source_is_reported_not_empty(two_runs):
    """The demo-only ah-zh-notices serves a WZWS challenge; www.ah.gov.cn news reads fine."""
    _, first, _, _ = two_runs
    con = duckdb.connect(first.snapshot_path, read_only=True)
    health = dict(con.execute("SELECT source_id, health FROM source_health").fetchall())
    con.close()
    assert health["ah-zh-notices"] == "blocked"
    assert health["ah-zh-news"] == "ok"
    digest = Path(first.digest_path).read_text(encoding="utf-8")
    blocked_lines = [line for line in digest.splitlines() if "blocked" in line]
    assert any("ah-zh-notices" in line for line in blocked_lines)
    assert not any("ah-zh-news" in line for line in blocked_lines)


def test_digest_groups_followups_by_field_with_evidence(two_runs):
    _, first, _, _ = two_runs
    digest = Path(first.digest_path).read_text(encoding="utf-8")
    assert "## Transport connection (`transport`)" in digest
    assert "## Coordination mechanism (`mechanism`)" in digest
    assert "terms:" in digest and "\n  > " in digest
    assert "Nothing here is real news" in digest


def test_run_is_recorded_with_fetch_log(two_runs):
    db_path, first, second, _ = two_runs
    con = duckdb.connect(second.snapshot_path, read_only=True)
    runs = con.execute("SELECT run_id, status FROM runs ORDER BY started_at").fetchall()
    outcomes = dict(
        con.execute(
            "SELECT outcome, count(*) FROM fetch_log WHERE run_id = ? GROUP BY 1", [first.run_id]
        ).fetchall()
    )
    con.close()
    assert [r[0] for r in runs] == [first.run_id, second.run_id]
    assert {r[1] for r in runs} == {"completed"}
    assert outcomes["ok"] >= 70
    assert outcomes.get("http_error", 0) >= 1  # the deliberate 404 in the archive


def test_digest_is_also_written_as_html_and_json(two_runs):
    import json

    _, first, _, _ = two_runs
    md_path = Path(first.digest_path)
    page = md_path.with_suffix(".html").read_text(encoding="utf-8")
    data = json.loads(md_path.with_suffix(".json").read_text(encoding="utf-8"))
    assert page.startswith("<!DOCTYPE html>") and "<h2>Transport connection" in page
    assert data["run_id"] == first.run_id
    assert {item["field"] for item in data["items"]} == {
        "transport", "energy", "innovation", "information",
        "environment", "public_service", "market", "mechanism",
    }  # fmt: skip


def test_reprints_and_translations_count_once(two_runs):
    """The archive holds one reprint and two English translations of Chinese releases: they
    join their originals' stories, nothing else does, and the digest lists each story once."""
    _, first, _, _ = two_runs
    con = duckdb.connect(first.snapshot_path, read_only=True)
    joined = con.execute(
        "SELECT r.language, r.source_id, s.reason, h.source_id FROM stories s"
        " JOIN release_current r USING (url) JOIN release_current h ON h.url = s.story_id"
        " WHERE s.reason <> 'first' ORDER BY ALL"
    ).fetchall()
    rail = con.execute(
        "SELECT followups, releases FROM commitment_status WHERE commitment_id = 'transport.rail'"
    ).fetchone()
    con.close()
    assert joined == [
        ("en", "sh-en-whatsnew", "translation", "js-zh-news"),
        ("en", "sh-en-whatsnew", "translation", "sh-zh-yaowen"),
        ("zh", "sh-zh-news", "copy", "js-zh-news"),
    ]
    assert rail[1] - rail[0] == 2  # three pages of the railway's opening, one story
    digest = Path(first.digest_path).read_text(encoding="utf-8")
    assert digest.count("  - translation: [Shanghai-Suzhou-Huzhou railway opens") == 1
    assert digest.count("  - reprint: [沪苏湖铁路今天开通运营") == 1
    assert "- [沪苏湖铁路今天开通运营" in digest


def test_named_queries_count_stories_and_mark_copies(two_runs):
    from warehouse.query import run_query

    _, first, _, _ = two_runs
    columns, rows = run_query(Path(first.snapshot_path), "recent_followups")
    story = {row[columns.index("url")]: row[columns.index("story")] for row in rows}
    assert sorted(v for v in story.values() if v) == [
        "copy", "first of 2", "first of 3", "translation", "translation",
    ]  # fmt: skip
    columns, rows = run_query(Path(first.snapshot_path), "followups_by_field")
    transport = dict(zip(columns, next(r for r in rows if r[0] == "transport"), strict=True))
    assert transport["releases"] - transport["stories"] == 2  # the railway story told 3 times


def test_story_followups_give_a_story_one_set_of_commitments(two_runs):
    """The railway story (Chinese original, reprint, English translation) is one row per
    commitment, in both languages; and commitment_status counts exactly these stories."""
    _, first, _, _ = two_runs
    con = duckdb.connect(first.snapshot_path, read_only=True)
    rail = con.execute(
        "SELECT releases, languages FROM story_followups sf JOIN release_current r"
        " ON r.url = sf.story_id WHERE r.source_id = 'js-zh-news'"
        " AND r.title LIKE '沪苏湖铁路今天%' AND commitment_id = 'transport.rail'"
    ).fetchall()
    mismatched = con.execute(
        "SELECT s.commitment_id FROM commitment_status s LEFT JOIN (SELECT commitment_id,"
        " count(*) AS n FROM story_followups GROUP BY 1) f USING (commitment_id)"
        " WHERE s.followups <> coalesce(f.n, 0)"
    ).fetchall()
    con.close()
    assert rail == [(3, ["en", "zh"])]
    assert mismatched == []
