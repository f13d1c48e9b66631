"""Analyst feedback and status, as a user found them wrong: each test is what they would see.

Warehouses are real DuckDB files built by the shipped migrations, loaded with the factories'
releases and linked by the shipped linker and catalog; no network, no Prefect.
"""

from __future__ import annotations

import itertools
import json
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from warehouse_factories import (
    RAIL,
    T0,
    WEATHER,
    crawl,
    release,
)

from scrapers.extract import extract_article
from scrapers.listing import ListedLink
from scrapers.models import ArticleRules, ListRules, Source, SourceResult
from scrapers.rawstore import RawStore, raw_root_for
from warehouse.catalog import load_catalog, sync_catalog
from warehouse.db import connect, migrate, shipped_migrations
from warehouse.digest import FIELD_TITLES, build_digest, render_markdown
from warehouse.digest_formats import render_html, render_json
from warehouse.labels import (
    MAX_NOTE_CHARS,
    LabelError,
    add_label,
    add_story_label,
    previous_label,
    story_label_conflicts,
)
from warehouse.linking import link_pending
from warehouse.load import finish_run, load_source_result, start_run
from warehouse.query import named_queries
from warehouse.reparse import reparse
from warehouse.status import SHANGHAI, record_status, trend

RAIL_EDITED = (
    RAIL[0],
    RAIL[1] + " The Yangtze River Delta railway adds two more stations next year.",
)


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


def followup(con, url: str, commitment_id: str) -> tuple:
    return con.execute(
        "SELECT score, evidence, method_version, evidence_is_current, label FROM followups"
        " WHERE url = ? AND commitment_id = ?",
        [url, commitment_id],
    ).fetchone()


def today_in_shanghai() -> date:
    return datetime.now(SHANGHAI).date()


# --- 1. a confirmed link: score 1.0, the evidence kept at labeling time ---------------------


def test_a_confirmed_link_shows_score_1_and_keeps_the_evidence_of_labeling_time(con, catalog):
    rail = release(1, RAIL)
    crawl(con, catalog, "run-1", [rail])
    linker_score = con.execute(
        "SELECT score FROM links WHERE url = ? AND commitment_id = 'transport.rail'", [rail.url]
    ).fetchone()[0]
    assert linker_score < 1.0

    kept = add_label(con, rail.url, "transport.rail", "confirmed", catalog)
    score, evidence, method, current, label = followup(con, rail.url, "transport.rail")
    assert (score, method, current, label) == (1.0, "analyst", True, "confirmed")
    assert json.loads(evidence) == kept
    stored = con.execute("SELECT content_hash FROM labels").fetchone()[0]
    assert stored == con.execute("SELECT content_hash FROM release_current").fetchone()[0]

    edited = release(1, RAIL_EDITED, fetched_at=T0 + timedelta(hours=5))
    crawl(con, catalog, "run-2", [edited], hour=5)  # the linker rescores the edited text
    new_link = con.execute(
        "SELECT evidence FROM links WHERE url = ? AND commitment_id = 'transport.rail'",
        [rail.url],
    ).fetchone()[0]
    assert json.loads(new_link) != kept
    score, evidence, method, current, _ = followup(con, rail.url, "transport.rail")
    assert (score, method, json.loads(evidence)) == (1.0, "analyst", kept)
    assert current is False  # the label judged the release before its edit

    story = con.execute(
        "SELECT best_score, confirmed FROM story_followups WHERE commitment_id = 'transport.rail'"
    ).fetchone()
    assert story == (1.0, True)
    for view in ("commitment_quarters", "commitment_status", "commitment_status_changes"):
        con.execute(f"SELECT * FROM {view}").fetchall()


def test_a_label_made_before_the_content_hash_was_kept_falls_back_to_the_link_s(tmp_path):
    """A warehouse labelled under migration 011 migrates, and its old label still works."""
    con = duckdb.connect(str(tmp_path / "old.duckdb"))
    migrate(con, [m for m in shipped_migrations() if m.version < 12])
    con.execute(
        "INSERT INTO commitments (commitment_id, field, title_en) VALUES ('energy', 'energy', 'E')"
    )
    for url, content_hash in (("u:same", "h1"), ("u:edited", "h2")):
        con.execute(
            "INSERT INTO release_current (url, source_id, content_hash, version)"
            " VALUES (?, 's', ?, 1)",
            [url, content_hash],
        )
        con.execute(
            "INSERT INTO links VALUES (?, 'energy', 'h1', 0.3, '{\"terms\": [\"grid\"]}',"
            " 'lex-1', 'run-1', now())",
            [url],
        )
        con.execute(
            "INSERT INTO labels VALUES (?, 'energy', 'confirmed', NULL, '{\"terms\": []}', now())",
            [url],
        )
    assert "012_analyst_feedback_fixes.sql" in migrate(con)
    rows = con.execute(
        "SELECT url, score, evidence, evidence_is_current FROM followups ORDER BY url"
    ).fetchall()
    assert rows == [
        ("u:edited", 1.0, '{"terms": []}', False),
        ("u:same", 1.0, '{"terms": []}', True),
    ]
    con.close()


# --- 2. the digest lists exactly the followups view, confirmed labels included --------------


def test_the_digest_counts_what_sql_counts_and_says_which_links_an_analyst_confirmed(con, catalog):
    rail, weather = release(1, RAIL), release(2, WEATHER)
    crawl(con, catalog, "run-1", [rail, weather])
    assert con.execute("SELECT count(*) FROM links WHERE url = ?", [weather.url]).fetchone() == (0,)
    add_label(con, weather.url, "energy", "confirmed", catalog, note="a grid story after all")

    digest = build_digest(con, "run-1")
    links, releases, stories = con.execute(
        "SELECT count(*), count(DISTINCT url), count(DISTINCT story_id) FROM followups"
    ).fetchone()
    markdown = render_markdown(digest)
    assert f"{stories} stories ({releases} releases, {links} links)" in markdown
    assert len(digest.items) == links == 4
    for field, field_stories, *_ in con.execute(named_queries()["followups_by_field"]).fetchall():
        assert len(re.findall(r"^- ", section(markdown, field), re.MULTILINE)) == field_stories

    energy = section(markdown, "energy")
    assert "Sunny weekend in Shanghai" in energy and "confirmed by an analyst" in energy
    assert "score 1.00" not in markdown
    assert "confirmed by an analyst" in render_html(markdown, "digest")
    items = {i["url"]: i for i in json.loads(render_json(digest))["items"]}
    assert items[weather.url]["confirmed"] is True and items[rail.url]["confirmed"] is False


def section(markdown: str, field: str) -> str:
    """A field's section of the Markdown digest."""
    return markdown.split(f"## {FIELD_TITLES[field]} (`{field}`)")[1].split("\n## ")[0]


# --- 3. labels and re-parses write the status history ---------------------------------------


def history(con) -> list[tuple]:
    return con.execute(
        "SELECT commitment_id, run_id, as_of, followups FROM commitment_status_changes"
        " ORDER BY recorded_at, commitment_id"
    ).fetchall()


def test_a_label_that_changes_a_status_is_in_the_status_history(con, catalog):
    rail, weather = release(1, RAIL), release(2, WEATHER)
    crawl(con, catalog, "run-1", [rail, weather])
    record_status(con, "run-1", T0.date())  # as the monitor does when the run finishes
    before = len(history(con))

    add_label(con, weather.url, "energy", "confirmed", catalog)
    [(commitment, run_id, as_of, followups)] = history(con)[before:]
    # as of the day commitment_status says (the last run finished on T0's day), so the
    # recorded trend is the view's, even across a quarter's end
    assert (commitment, as_of, followups) == ("energy", T0.date(), 1)
    assert re.fullmatch(r"label:\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00", run_id)
    status = con.execute(
        "SELECT status FROM commitment_status_changes WHERE run_id = ?", [run_id]
    ).fetchone()[0]
    assert status.startswith("1 follow-up found")

    add_label(con, weather.url, "energy", "confirmed", catalog, note="same verdict again")
    assert len(history(con)) == before + 1  # nothing changed, nothing recorded

    add_story_label(con, rail.url, "transport.rail", "rejected", catalog)
    assert [row[0] for row in history(con)[before + 1 :]] == ["transport.rail"]


PAGE_URL = "https://inv.gov.cn/news/1.html"
LEAD = "The library now opens later on weekdays, and the museum adds a night tour on Fridays."
PAGE = (
    "<html><head><title>News of the day</title></head><body><h1 class='title'>News of the day"
    "</h1><span class='date'>2024-03-11</span>"
    f"<div class='lead'><p>{LEAD}</p></div><div class='content'><p>{RAIL[1]}</p></div>"
    "</body></html>"
).encode()


def inv_source(body: str) -> Source:
    return Source(
        id="inv-en",
        name="Invented government site",
        region="shanghai",
        language="en",
        start_urls=("https://inv.gov.cn/news/index.html",),
        list=ListRules(links="ul.news li a"),
        article=ArticleRules(title="h1.title", date="span.date", body=body),
    )


def test_a_reparse_that_changes_a_status_is_in_the_status_history(db_path: Path, catalog):
    """The old rules read the page's lead, the new ones its article: a rail follow-up appears."""
    raw = RawStore(raw_root_for(db_path)).for_source("inv-en")
    headers = {"content-type": "text/html; charset=utf-8"}
    sha = raw.put(url=PAGE_URL, content=PAGE, headers=headers, status=200, fetched_at=T0)
    listed = ListedLink(url=PAGE_URL, title="", listed_date=None, is_attachment=False)
    parsed = extract_article(PAGE.decode(), PAGE_URL, inv_source("div.lead"), T0, listed=listed)
    parsed.raw_sha256 = sha
    con = connect(db_path)
    load_source_result(con, "crawl-1", SourceResult("inv-en", releases=[parsed]))
    sync_catalog(con, catalog)
    link_pending(con, "crawl-1", catalog)
    record_status(con, "crawl-1", today_in_shanghai())
    con.close()

    summary = reparse(db_path, [inv_source("div.content")])
    con = connect(db_path, read_only=True)
    rows = con.execute(
        "SELECT commitment_id, followups FROM commitment_status_changes WHERE run_id = ?",
        [summary.run_id],
    ).fetchall()
    status = con.execute(
        "SELECT followups FROM commitment_status WHERE commitment_id = 'transport.rail'"
    ).fetchone()
    con.close()
    assert ("transport.rail", 1) in rows and status == (1,)
    assert summary.changed == 1


# --- 4. relabelling: what it replaces, notes kept, mixed stories, long notes ----------------


def test_a_relabel_says_what_it_replaces_and_keeps_the_note_when_none_is_given(con, catalog):
    rail = release(1, RAIL)
    crawl(con, catalog, "run-1", [rail])
    assert previous_label(con, rail.url, "transport.rail") is None
    add_label(con, rail.url, "transport.rail", "rejected", catalog, note="an old section")
    verdict, labeled_at, note = previous_label(con, rail.url, "transport.rail")
    assert (verdict, note) == ("rejected", "an old section") and isinstance(labeled_at, datetime)

    add_label(con, rail.url, "transport.rail", "confirmed", catalog)  # no --note
    assert previous_label(con, rail.url, "transport.rail")[::2] == ("confirmed", "an old section")
    add_label(con, rail.url, "transport.rail", "confirmed", catalog, note="new reason")
    assert previous_label(con, rail.url, "transport.rail")[2] == "new reason"


def test_a_note_over_the_limit_is_refused_not_cut(con, catalog):
    rail = release(1, RAIL)
    crawl(con, catalog, "run-1", [rail])
    with pytest.raises(LabelError, match=str(MAX_NOTE_CHARS)):
        add_label(con, rail.url, "transport.rail", "rejected", catalog, "x" * (MAX_NOTE_CHARS + 1))
    assert con.execute("SELECT count(*) FROM labels").fetchone() == (0,)
    add_label(con, rail.url, "transport.rail", "rejected", catalog, "x" * MAX_NOTE_CHARS)
    assert len(previous_label(con, rail.url, "transport.rail")[2]) == MAX_NOTE_CHARS


def test_story_mates_labelled_otherwise_are_named(con, catalog):
    original = release(1, RAIL)
    reprint = release(2, RAIL, published_at=datetime(2024, 8, 1, 9, tzinfo=UTC))
    alone = release(3, WEATHER)
    crawl(con, catalog, "run-1", [original, reprint, alone])
    assert story_label_conflicts(con, original.url, "transport.rail", "confirmed") == []
    add_label(con, reprint.url, "transport.rail", "rejected", catalog)
    add_label(con, original.url, "transport.rail", "confirmed", catalog)
    assert story_label_conflicts(con, original.url, "transport.rail", "confirmed") == [
        (reprint.url, "rejected")
    ]
    assert story_label_conflicts(con, reprint.url, "transport.rail", "rejected") == [
        (original.url, "confirmed")
    ]
    assert story_label_conflicts(con, original.url, "transport.rail", "rejected") == []
    assert story_label_conflicts(con, alone.url, "transport.rail", "confirmed") == []


# --- 5. the trend window: four complete quarters, every one listed, a story counted once ---


def status_row(con, commitment_id: str) -> tuple:
    return con.execute(
        "SELECT [q.followups FOR q IN last_4_quarters], followups_last_4_quarters, trend,"
        " followups_this_quarter, followups FROM commitment_status WHERE commitment_id = ?",
        [commitment_id],
    ).fetchone()


def test_last_4_quarters_lists_every_complete_quarter_of_the_window_for_every_commitment(
    con, catalog
):
    """The run finished 2024-08-01, so the window is 2023Q3-2024Q2; a story reprinted across
    the quarter boundary counts once, in the quarter of its first release."""
    original = release(1, RAIL, published_at=datetime(2024, 6, 30, 2, tzinfo=UTC))
    reprint = release(2, RAIL, published_at=datetime(2024, 7, 1, 2, tzinfo=UTC))
    crawl(con, catalog, "run-1", [original, reprint])
    rows = con.execute("SELECT commitment_id, last_4_quarters FROM commitment_status").fetchall()
    assert len(rows) == len(catalog)
    window = ["2023Q3", "2023Q4", "2024Q1", "2024Q2"]
    for commitment_id, quarters in rows:
        assert [q["quarter"] for q in quarters] == window, commitment_id
    assert status_row(con, "transport.rail") == ([0, 0, 0, 1], 1, "few", 0, 1)
    assert status_row(con, "energy") == ([0, 0, 0, 0], 0, "quiet", 0, 0)


def test_the_quarter_so_far_is_counted_apart_from_the_trend(con, catalog):
    crawl(con, catalog, "run-1", [release(1, RAIL)])  # published 2024-07-31, finished 08-01
    assert status_row(con, "transport.rail") == ([0, 0, 0, 0], 0, "quiet", 1, 1)


def test_a_reparse_does_not_move_the_as_of_day(con, catalog):
    """'No follow-up found as of DATE' dates the last run that read the sites."""
    crawl(con, catalog, "run-1", [release(1, RAIL)])
    start_run(con, "reparse-1", "reparse", T0 + timedelta(days=60), 1)
    finish_run(
        con,
        "reparse-1",
        status="completed",
        finished_at=T0 + timedelta(days=60),
        sources_failed=0,
        releases_new=0,
        releases_changed=0,
        links_new=0,
        digest_path=None,
    )
    status = con.execute(
        "SELECT status, as_of FROM commitment_status WHERE commitment_id = 'energy'"
    ).fetchone()
    assert status == ("no follow-up found as of 2024-08-01", date(2024, 8, 1))


def test_the_view_and_the_status_history_apply_one_trend_rule_to_every_window(con):
    """Every window of 0-3 follow-ups per quarter gets the same trend from the SQL macro that
    commitment_status uses and from the Python rule the status history records."""
    for window in itertools.product(range(4), repeat=4):
        early, late = sum(window[:2]), sum(window[2:])
        sql = con.execute("SELECT followup_trend(?, ?)", [early, late]).fetchone()[0]
        assert sql == trend(list(window)), window


@pytest.mark.parametrize(
    ("window", "expected"),
    [
        ([0, 0, 0, 0], "quiet"),
        ([0, 0, 0, 1], "few"),
        ([2, 0, 0, 0], "few"),
        ([1, 0, 0, 2], "steady"),  # 1 then 2 is not a direction
        ([3, 3, 4, 4], "steady"),
        ([0, 0, 1, 2], "rising"),
        ([1, 1, 3, 3], "rising"),
        ([2, 2, 1, 0], "falling"),
    ],
)
def test_a_trend_needs_follow_ups_enough_to_have_a_direction(window, expected):
    assert trend(window) == expected


def test_the_new_trend_rule_is_recorded_once_as_a_migration_not_as_news(con, catalog):
    """A warehouse whose history says 'rising' for one follow-up (the old rule) gets one row
    naming the rule change; the next run records nothing for it, as nothing happened."""
    crawl(con, catalog, "run-1", [release(1, RAIL, published_at=datetime(2024, 5, 2, tzinfo=UTC))])
    record_status(con, "run-1", date(2024, 8, 1))
    con.execute("UPDATE commitment_status_history SET trend = 'rising' WHERE trend = 'few'")
    con.execute("DELETE FROM schema_migrations WHERE version IN (14, 15)")
    assert migrate(con) == ["014_trend_needs_followups.sql", "015_status_window.sql"]
    rows = con.execute(
        "SELECT run_id, followups, trend, status FROM commitment_status_history"
        " WHERE commitment_id = 'transport.rail' ORDER BY recorded_at"
    ).fetchall()
    assert rows == [
        ("run-1", 1, "rising", "1 follow-up found, latest 2024-05-02"),
        ("migration:014 trend rule", 1, "few", "1 follow-up found, latest 2024-05-02"),
    ]
    assert record_status(con, "run-2", date(2024, 8, 1)) == 0


def history_rows(con, run_id: str) -> int:
    query = "SELECT count(*) FROM commitment_status_history WHERE run_id = ?"
    return con.execute(query, [run_id]).fetchone()[0]


def test_a_failed_run_records_no_status_change_and_a_completed_one_does(
    db_path, con, catalog, tmp_path, monkeypatch
):
    """A run that read no site moves no "as of", so the history gets nothing from it; were it
    recorded as of its own day, the next label would flip every trend back."""
    from flows import monitor

    crawl(con, catalog, "run-1", [release(1, RAIL)])  # published 2024-07-31, in 2024Q3
    record_status(con, "run-1", date(2024, 8, 1))
    start_run(con, "run-2", "live", T0 + timedelta(days=70), 1)
    start_run(con, "run-3", "live", T0 + timedelta(days=71), 1)
    con.close()  # finish_task opens the warehouse itself
    totals = dict(sources_failed=1, releases_new=0, releases_changed=0, links_new=0)
    for run_id, days, status in (("run-2", 70, "failed"), ("run-3", 71, "completed")):
        clock = T0 + timedelta(days=days)  # October 2024: 2024Q3 is a complete quarter
        monkeypatch.setattr(
            monitor, "datetime", type("Clock", (datetime,), {"now": lambda tz, at=clock: at})
        )
        monitor.finish_task.fn(
            str(db_path),
            run_id,
            {**totals, "status": status, "digest_path": None},
            str(tmp_path / "raw"),
            30,
        )
    con = connect(db_path)
    assert history_rows(con, "run-2") == 0
    assert history_rows(con, "run-3") > 0
    trend = con.execute(
        "SELECT trend FROM commitment_status_history WHERE run_id = 'run-3'"
        " AND commitment_id = 'transport.rail'"
    ).fetchone()
    assert trend == ("few",)
    con.close()


def test_digest_write_rewrites_the_run_s_files_after_a_label_and_names_an_unknown_run(
    db_path, con, catalog, capsys
):
    from flows import cli

    weather = release(2, WEATHER)
    crawl(con, catalog, "run-1", [release(1, RAIL), weather])
    add_label(con, weather.url, "energy", "confirmed", catalog)
    con.close()
    argv = ["digest", "--run", "run-1", "--write", "--db", str(db_path)]
    assert cli.main(argv) == 0
    written = db_path.parent / "digests" / "digest-run-1.md"
    assert "confirmed by an analyst" in written.read_text(encoding="utf-8")
    assert "confirmed by an analyst" in written.with_suffix(".html").read_text(encoding="utf-8")
    assert str(written) in capsys.readouterr().err
    assert cli.main(["digest", "--run", "run-9", "--db", str(db_path)]) == 2
    assert "run-9: no such run" in capsys.readouterr().err


def test_digest_write_refuses_a_snapshot_which_lacks_the_labels_made_since(db_path, con, capsys):
    from flows import cli
    from warehouse.snapshot import default_snapshot_path, publish_snapshot

    con.close()
    snapshot = publish_snapshot(db_path, default_snapshot_path(db_path))
    assert cli.main(["digest", "--write", "--db", str(snapshot)]) == 2
    assert "is a published snapshot, without the labels made since it" in capsys.readouterr().err
    assert not (db_path.parent / "digests").exists()


def test_labels_from_before_012_are_judged_against_the_version_the_analyst_saw(tmp_path):
    con = duckdb.connect(str(tmp_path / "old.duckdb"))
    migrate(con, [m for m in shipped_migrations() if m.version < 12])
    con.execute(
        "INSERT INTO commitments (commitment_id, field, title_en) VALUES ('energy', 'energy', 'E')"
    )
    con.execute(
        "INSERT INTO release_current (url, source_id, content_hash, version)"
        " VALUES ('u:1', 's', 'h2', 2)"
    )
    for version, content_hash, fetched in ((1, "h1", T0), (2, "h2", T0 + timedelta(days=9))):
        con.execute(
            "INSERT INTO release_versions (url, version, content_hash, fetched_at)"
            " VALUES ('u:1', ?, ?, ?)",
            [version, content_hash, fetched],
        )
    con.execute(  # edited and relinked after the label: the link's hash is the new one
        "INSERT INTO links VALUES ('u:1', 'energy', 'h2', 0.3, '{}', 'lex-1', 'run-2', now())"
    )
    con.execute(
        "INSERT INTO labels VALUES ('u:1', 'energy', 'confirmed', NULL, '{\"terms\": [\"grid\"]}',"
        " ?)",
        [T0 + timedelta(days=1)],
    )
    migrate(con)
    row = con.execute("SELECT evidence, evidence_is_current FROM followups").fetchone()
    assert row == ('{"terms": ["grid"]}', False)  # the evidence is of version 1
    con.close()


def test_a_relink_under_a_new_method_does_not_list_old_follow_ups_as_new(con, catalog):
    rail = release(1, RAIL)
    crawl(con, catalog, "run-1", [rail])
    first = len(build_digest(con, "run-1").items)
    assert first > 0
    con.execute("UPDATE linked_releases SET method_version = 'an older method'")
    start_run(con, "run-2", "live", T0 + timedelta(hours=1), 1)
    link_pending(con, "run-2", catalog)  # every release is relinked under the new version
    assert con.execute("SELECT DISTINCT run_id FROM links").fetchall() == [("run-2",)]
    assert build_digest(con, "run-2").items == []
    assert len(build_digest(con, "run-1").items) == first
