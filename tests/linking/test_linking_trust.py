"""Issue 5 behaviour on fresh warehouses: labels, stories, status history, explain, CLI."""

import json
from datetime import date, timedelta

import pytest
from release_texts import RAIL_EN, RAIL_ZH, WEATHER

from flows import cli_linking
from warehouse.catalog import sync_catalog
from warehouse.db import connect
from warehouse.evaluate import LABELED_DIR, read_items
from warehouse.labels import LabelError, add_label, label_items
from warehouse.linking import explain, link_pending, link_text
from warehouse.status import quarter_starts, record_status
from warehouse.stories import assign_stories

RAIL_ZH_COPY = (RAIL_ZH[0] + "！", RAIL_ZH[1])  # a reprint that adds only an exclamation


@pytest.fixture
def con(tmp_path, catalog):
    con = connect(tmp_path / "w.duckdb")
    sync_catalog(con, catalog)
    yield con
    con.close()


def put(con, url, language, text, published="2024-05-01", source="xinhua"):
    con.execute(
        "INSERT OR REPLACE INTO release_current (url, source_id, language, title, body,"
        " published_on, content_source, content_hash, version)"
        " VALUES (?, 'test', ?, ?, ?, ?, ?, 'h1', 1)",
        [url, language, *text, published, source],
    )


def followup_ids(con, url):
    rows = con.execute("SELECT commitment_id FROM followups WHERE url = ?", [url]).fetchall()
    return {r[0] for r in rows}


def test_rejected_link_never_shows_and_confirmed_always_does(con, catalog):
    put(con, "u:rail", "zh", RAIL_ZH)
    put(con, "u:weather", "en", WEATHER)
    link_pending(con, "run-1", catalog)
    assert "transport.rail" in followup_ids(con, "u:rail")
    add_label(con, "u:rail", "transport.rail", "rejected", catalog, note="not a new section")
    add_label(con, "u:weather", "energy", "confirmed", catalog)
    con.execute("UPDATE linked_releases SET method_version = 'old'")  # force a relink
    link_pending(con, "run-2", catalog)
    assert "transport.rail" not in followup_ids(con, "u:rail")
    row = con.execute(
        "SELECT label, evidence FROM followups WHERE url = 'u:weather' AND commitment_id = 'energy'"
    ).fetchone()
    assert row[0] == "confirmed" and set(json.loads(row[1])) == {"terms", "sentences", "parts"}


def test_labels_name_bad_input_and_become_eval_items(con, catalog):
    put(con, "u:rail", "zh", RAIL_ZH)
    with pytest.raises(LabelError, match="no such release"):
        add_label(con, "u:nope", "transport.rail", "confirmed", catalog)
    with pytest.raises(LabelError, match="no such commitment"):
        add_label(con, "u:rail", "transport.nope", "confirmed", catalog)
    add_label(con, "u:rail", "transport.rail", "confirmed", catalog)
    [item] = label_items(con)
    assert item.followup and item.fields == {"transport"}


def test_copies_and_translations_form_one_story(con):
    put(con, "u:zh", "zh", RAIL_ZH, "2024-05-01", "xinhua")
    put(con, "u:zh-copy", "zh", RAIL_ZH_COPY, "2024-05-02", "xinhua")
    put(con, "u:en", "en", RAIL_EN, "2024-05-02", "shio")
    put(con, "u:other", "en", WEATHER, "2024-05-02", "shio")
    assert assign_stories(con, "run-1") == 2
    stories = dict(con.execute("SELECT url, story_id || '/' || reason FROM stories").fetchall())
    assert stories == {
        "u:zh": "u:zh/first",
        "u:zh-copy": "u:zh/copy",
        "u:en": "u:zh/translation",
        "u:other": "u:other/first",
    }
    assert assign_stories(con, "run-2") == 0  # idempotent


def test_status_counts_stories_and_history_keeps_only_changes(con, catalog):
    put(con, "u:zh", "zh", RAIL_ZH, "2024-05-01")
    put(con, "u:zh-copy", "zh", RAIL_ZH_COPY, "2024-05-02")
    link_pending(con, "run-1", catalog)
    assign_stories(con, "run-1")
    assert record_status(con, "run-1", date(2024, 7, 15)) == len(catalog)
    assert record_status(con, "run-2", date(2024, 7, 16)) == 0  # only the as-of day moved
    row = con.execute(
        "SELECT followups, releases, trend, status FROM commitment_status_history"
        " WHERE commitment_id = 'transport.rail'"
    ).fetchone()
    assert row == (1, 2, "few", "1 follow-up found, latest 2024-05-02")
    quiet = con.execute(
        "SELECT status, trend FROM commitment_status_history WHERE commitment_id = 'energy'"
    ).fetchone()
    assert quiet == ("no follow-up found as of 2024-07-15", "quiet")


def test_the_trend_window_is_the_four_complete_quarters_before_the_as_of_day():
    assert quarter_starts(date(2024, 5, 1)) == [
        date(2023, 4, 1),
        date(2023, 7, 1),
        date(2023, 10, 1),
        date(2024, 1, 1),
    ]
    assert quarter_starts(date(2024, 4, 1)) == quarter_starts(date(2024, 6, 30))


def test_explain_says_why_and_why_not(catalog):
    linked = "\n".join(explain(*RAIL_ZH, "zh", catalog))
    assert "FOLLOW-UP" in linked and "LINK" in linked and "沪苏湖铁路" in linked
    passing = "\n".join(explain(*WEATHER, "en", catalog))
    assert "not a follow-up" in passing and "no delta anchor" in passing


def test_translation_pairs_link_to_the_same_fields(catalog):
    items = {i.id: i for i in read_items(LABELED_DIR / "yrd-invented.jsonl")}
    same = 0
    pairs = [(items[f"lab-en{n:02d}"], items[f"lab-zh{n:02d}"]) for n in range(1, 29)]
    for en, zh in pairs:
        fields_en = {c.field for c in link_text(en.title, en.body, "en", catalog).links}
        fields_zh = {c.field for c in link_text(zh.title, zh.body, "zh", catalog).links}
        same += fields_en == fields_zh
    assert same >= 0.6 * len(pairs)


def test_cli_explain_and_label(tmp_path, con, catalog, capsys):
    put(con, "u:rail", "zh", RAIL_ZH)
    link_pending(con, "run-1", catalog)
    db_path = con.execute("SELECT path FROM duckdb_databases() WHERE NOT internal").fetchone()[0]
    con.close()
    parser = cli_parser()
    args = parser.parse_args(["label", "u:rail", "transport.rail", "--reject", "--db", db_path])
    assert args.handler(args) == 0
    args = parser.parse_args(["explain", "u:rail", "--db", db_path, "--live"])
    assert args.handler(args) == 0
    out = capsys.readouterr().out
    assert "rejected: u:rail -> transport.rail" in out and "verdict: FOLLOW-UP" in out
    assert "transport.rail (rejected)" not in out  # a rejected link is not in followups


def test_cli_label_says_when_a_confirmed_link_has_no_linker_evidence(con, catalog, capsys):
    put(con, "u:rail", "zh", RAIL_ZH)
    link_pending(con, "run-1", catalog)
    db_path = con.execute("SELECT path FROM duckdb_databases() WHERE NOT internal").fetchone()[0]
    con.close()
    args = cli_parser().parse_args(["label", "u:rail", "energy", "--confirm", "--db", db_path])
    assert args.handler(args) == 0
    out = capsys.readouterr().out
    assert "confirmed: u:rail -> energy (terms: none: the linker found no term of it" in out


def cli_parser():
    import argparse

    parser = argparse.ArgumentParser()
    cli_linking.register(parser.add_subparsers())
    return parser


def test_cli_explain_names_the_other_releases_of_the_story(con, catalog, capsys):
    put(con, "u:zh", "zh", RAIL_ZH, "2024-05-01")
    put(con, "u:en", "en", RAIL_EN, "2024-05-02", "shio")
    put(con, "u:other", "en", WEATHER, "2024-05-02", "shio")
    assign_stories(con, "run-1")
    db_path = con.execute("SELECT path FROM duckdb_databases() WHERE NOT internal").fetchone()[0]
    con.close()
    parser = cli_parser()
    for url in ("u:en", "u:other"):
        args = parser.parse_args(["explain", url, "--db", db_path, "--live"])
        assert args.handler(args) == 0
    out = capsys.readouterr().out
    assert "story: 2 releases tell this story (counted once)" in out
    assert "  first release: u:zh (zh, test, 2024-05-01)" in out
    assert "  translation: u:en (en, test, 2024-05-02)  <- this release" in out
    assert "story: no copy or translation found" in out  # the weather item stands alone


def test_cli_label_story_judges_every_release_of_the_story_at_once(con, catalog, capsys):
    put(con, "u:zh", "zh", RAIL_ZH, "2024-05-01")
    put(con, "u:en", "en", RAIL_EN, "2024-05-02", "shio")
    put(con, "u:other", "en", WEATHER, "2024-05-02", "shio")
    assign_stories(con, "run-1")
    link_pending(con, "run-1", catalog)
    db_path = con.execute("SELECT path FROM duckdb_databases() WHERE NOT internal").fetchone()[0]
    con.close()
    args = cli_parser().parse_args(
        ["label", "u:en", "transport.rail", "--reject", "--story", "--note", "old news"]
        + ["--db", db_path]
    )
    assert args.handler(args) == 0
    assert "rejected: transport.rail on 2 release(s) of the story:" in capsys.readouterr().out
    con = connect(db_path)
    labels = con.execute("SELECT url, verdict, note FROM labels ORDER BY url").fetchall()
    assert labels == [
        ("u:en", "rejected", "old news"),
        ("u:zh", "rejected", "old news (story of u:en)"),
    ]
    assert "transport.rail" not in followup_ids(con, "u:zh") | followup_ids(con, "u:en")
    con.close()


def test_an_older_original_arriving_late_becomes_the_story_s_first_release(con):
    put(con, "u:en", "en", RAIL_EN, "2024-05-03", "shio")
    put(con, "u:en-copy", "en", RAIL_EN, "2024-05-04", "other")
    assert assign_stories(con, "run-1") == 1
    put(con, "u:zh", "zh", RAIL_ZH, "2024-05-01")  # scraped a run later, published first
    assign_stories(con, "run-2")
    stories = dict(con.execute("SELECT url, story_id || '/' || reason FROM stories").fetchall())
    assert stories == {
        "u:zh": "u:zh/first",
        "u:en": "u:zh/translation",
        "u:en-copy": "u:zh/copy",
    }


def test_undated_reprints_are_found_whenever_they_arrive(con):
    put(con, "u:zh", "zh", RAIL_ZH, None)
    assign_stories(con, "run-1")
    put(con, "u:zh-copy", "zh", RAIL_ZH_COPY, None, "other")
    put(con, "u:zh-dated", "zh", RAIL_ZH_COPY, "2024-05-02", "other")
    assign_stories(con, "run-2")
    stories = dict(con.execute("SELECT url, story_id || '/' || reason FROM stories").fetchall())
    assert stories == {  # without dates nothing says which is older: the stored one stays first
        "u:zh": "u:zh/first",
        "u:zh-copy": "u:zh/copy",
        "u:zh-dated": "u:zh/copy",
    }


def test_cli_eval_labels_says_when_there_are_none(con, capsys):
    from warehouse.evaluate import LABELED_DIR

    db_path = con.execute("SELECT path FROM duckdb_databases() WHERE NOT internal").fetchone()[0]
    con.close()
    labeled = str(LABELED_DIR / "yrd-invented.jsonl")
    args = cli_parser().parse_args(["eval", labeled, "--labels", "--db", db_path, "--live"])
    assert args.handler(args) == 0
    assert f"no analyst labels in {db_path}" in capsys.readouterr().err


def drifted(k: int, step: int) -> tuple[str, str]:
    """A 120-word text whose first k*step words are rewritten: near-copies at small k."""
    words = [f"w{(i * 37) % 400:03d}" for i in range(120)]
    return "Some title", " ".join(f"new{k}x{i}" if i < k * step else w for i, w in enumerate(words))


def test_a_late_release_joining_a_long_story_does_not_need_its_first_release_loaded(con):
    """A story grown over 20 days by copies of copies: its first release lies outside a new
    release's window, and clustering must still work (it used to raise KeyError)."""
    for url, k, day in (("u:A", 0, "03-01"), ("u:B", 1, "03-11"), ("u:C", 2, "03-21")):
        put(con, url, "en", drifted(k, 6), f"2024-{day}", url)
    assign_stories(con, "run-1")
    put(con, "u:D", "en", drifted(3, 6), "2024-03-16", "u:D")  # copies C, published before it
    assign_stories(con, "run-2")
    story = con.execute("SELECT story_id FROM stories WHERE url = 'u:D'").fetchone()[0]
    assert story == con.execute("SELECT story_id FROM stories WHERE url = 'u:C'").fetchone()[0]
    assert assign_stories(con, "run-3") == 0


def test_an_older_release_copied_by_two_stored_stories_becomes_their_first(con):
    put(con, "u:A", "en", drifted(0, 10), "2024-03-10", "s1")
    put(con, "u:B", "en", drifted(2, 10), "2024-03-11", "s2")  # too far from A: its own story
    assign_stories(con, "run-1")
    put(con, "u:N", "en", drifted(1, 10), "2024-03-05", "s2")  # between them, published first
    assign_stories(con, "run-2")
    stories = dict(con.execute("SELECT url, story_id || '/' || reason FROM stories").fetchall())
    assert stories == {"u:N": "u:N/first", "u:A": "u:N/copy", "u:B": "u:N/copy"}


def test_an_undated_copy_finds_a_recent_original_even_beside_a_backfill(con):
    today = date.today()
    put(con, "u:zh", "zh", RAIL_ZH, str(today - timedelta(days=3)))
    assign_stories(con, "run-1")
    put(con, "u:undated-copy", "zh", RAIL_ZH_COPY, None, "other")
    put(con, "u:backfill", "en", WEATHER, "2023-01-10")
    assign_stories(con, "run-2")
    row = con.execute("SELECT story_id, reason FROM stories WHERE url = 'u:undated-copy'")
    assert row.fetchone() == ("u:zh", "copy")


def test_cli_eval_labels_names_labelled_releases_left_out_and_what_to_judge(con, catalog, capsys):
    put(con, "u:zh", "zh", RAIL_ZH)
    link_pending(con, "run-1", catalog)
    shown = sorted(followup_ids(con, "u:zh"))
    assert len(shown) >= 2  # a release with more than one link shown
    add_label(con, "u:zh", shown[0], "confirmed", catalog)
    db_path = con.execute("SELECT path FROM duckdb_databases() WHERE NOT internal").fetchone()[0]
    con.close()
    labeled = str(LABELED_DIR / "yrd-invented.jsonl")
    args = cli_parser().parse_args(["eval", labeled, "--labels", "--db", db_path, "--live"])
    assert args.handler(args) == 0
    err = capsys.readouterr().err
    assert "no analyst labels" not in err
    assert "1 labelled release(s) left out until every link followups shows" in err
    assert f"u:zh: {', '.join(shown[1:])}" in err
