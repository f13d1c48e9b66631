"""`explain` and `label` as an analyst uses them: pasted URLs, snapshots, what a label changes."""

import argparse

import pytest
from release_texts import RAIL_EN, RAIL_ZH

from flows import cli_linking
from flows.cli import UsageError
from warehouse.catalog import sync_catalog
from warehouse.db import connect
from warehouse.linking import link_pending
from warehouse.snapshot import default_snapshot_path, publish_snapshot
from warehouse.stories import assign_stories

URL = "https://www.jiangsu.gov.cn/art/2024/5/1/art_60096_1.html"
FISHING_BAN = (
    "Fishing ban on the Yangtze enters its fifth year",
    "Fishermen who left the river have found new jobs, and the ecological recovery of the "
    "river continues, officials in Wuhan said.",
)


@pytest.fixture
def db_path(tmp_path, catalog):
    path = tmp_path / "w.duckdb"
    con = connect(path)
    sync_catalog(con, catalog)
    put(con, URL, "zh", RAIL_ZH, "2024-05-01")
    put(con, "https://english.shanghai.gov.cn/en-News/20240502/a.html", "en", RAIL_EN, "2024-05-02")
    put(con, "https://www.gov.cn/fish.html", "en", FISHING_BAN, "2024-05-02")
    assign_stories(con, "run-1")
    link_pending(con, "run-1", catalog)
    con.close()
    return path


def put(con, url, language, text, published):
    con.execute(
        "INSERT INTO release_current (url, source_id, language, title, body, published_on,"
        " content_source, content_hash, version) VALUES (?, 'test', ?, ?, ?, ?, '', 'h1', 1)",
        [url, language, *text, published],
    )


def run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    cli_linking.register(parser.add_subparsers())
    args = parser.parse_args(argv)
    return args.handler(args)


@pytest.mark.parametrize(
    "pasted",
    [
        "http://www.jiangsu.gov.cn/art/2024/5/1/art_60096_1.html",
        "https://WWW.JIANGSU.GOV.CN/art/2024/5/1/art_60096_1.html",
        URL + "#top",
        URL + "?utm_source=wechat",
    ],
)
def test_a_url_pasted_from_a_browser_finds_the_stored_release(db_path, pasted, capsys):
    assert run(["explain", pasted, "--db", str(db_path), "--live"]) == 0
    assert capsys.readouterr().out.startswith(URL + "\n")
    assert run(["label", pasted, "transport.rail", "--confirm", "--db", str(db_path)]) == 0
    con = connect(db_path, read_only=True)
    assert con.execute("SELECT url FROM labels").fetchall() == [(URL,)]
    con.close()


def test_an_unknown_or_malformed_url_is_one_clear_error(db_path):
    for url in ("https://www.jiangsu.gov.cn/art/other.html", "not a url"):
        with pytest.raises(UsageError, match="no such release in the warehouse; check the URL"):
            run(["explain", url, "--db", str(db_path), "--live"])


def test_a_snapshot_passed_as_db_is_read_as_it_is_but_never_labelled(db_path, capsys):
    snapshot = publish_snapshot(db_path, default_snapshot_path(db_path))
    assert run(["explain", URL, "--db", str(snapshot)]) == 0
    assert "verdict: FOLLOW-UP" in capsys.readouterr().out
    with pytest.raises(UsageError, match="is a published snapshot, which the next run replaces"):
        run(["label", URL, "transport.rail", "--confirm", "--db", str(snapshot)])


def test_explain_shows_the_analysts_verdicts(db_path, capsys):
    run(["label", URL, "transport.rail", "--reject", "--note", "old news", "--db", str(db_path)])
    run(["explain", URL, "--db", str(db_path), "--live"])
    out = capsys.readouterr().out
    assert "analyst labels (they override the linker in followups):" in out
    assert "  transport.rail: rejected on " in out and ": old news" in out


def test_label_says_what_it_replaces_and_what_it_leaves_mixed(db_path, capsys):
    db = ["--db", str(db_path)]
    run(["label", URL, "transport.rail", "--reject", "--story", *db])
    capsys.readouterr()
    run(["label", URL, "transport.rail", "--confirm", *db])
    out = capsys.readouterr().out
    assert "note: replaces the rejected label of " in out
    assert "1 other release(s) of its story carry another verdict" in out
    assert "add --story to judge them all" in out


def test_rejecting_a_link_that_was_not_shown_says_so_without_claiming_it_rests_on_the_label(
    db_path, capsys
):
    assert run(["label", URL, "energy", "--reject", "--db", str(db_path)]) == 0
    out = capsys.readouterr().out
    assert "(terms: none: the linker found no term of it)" in out
    assert "rests on your label" not in out
    assert "note: the link was not in followups" in out


def test_why_not_names_terms_that_the_missing_anchor_zeroes(db_path, capsys):
    run(["explain", "https://www.gov.cn/fish.html", "--db", str(db_path), "--live"])
    out = capsys.readouterr().out
    assert "verdict: not a follow-up" in out
    assert "terms found, but the anchor of 0 zeroes them" in out


def test_a_url_the_crawler_fetched_but_did_not_store_says_how_its_fetch_ended(db_path):
    gone = "https://www.jiangsu.gov.cn/art/2024/5/1/art_60096_2.html"
    con = connect(db_path)
    con.execute(
        "INSERT INTO fetch_log (run_id, source_id, url, kind, status, outcome, error, fetched_at)"
        " VALUES ('run-7', 'js', ?, 'article', 404, 'error', 'not found', current_timestamp)",
        [gone],
    )
    con.close()
    with pytest.raises(UsageError, match=r"its last fetch \(run run-7\) ended: HTTP 404; error"):
        run(["explain", gone.replace("https", "http"), "--db", str(db_path), "--live"])


def test_fetch_reason_says_each_thing_once_and_a_scheme_less_url_is_found(db_path, capsys):
    gone = "https://www.jiangsu.gov.cn/art/2024/5/1/art_60096_3.html"
    con = connect(db_path)
    con.execute(
        "INSERT INTO fetch_log (run_id, source_id, url, kind, status, outcome, error, fetched_at)"
        " VALUES ('run-8', 'js', ?, 'article', 404, 'http_error', 'HTTP 404', current_timestamp)",
        [gone],
    )
    con.close()
    with pytest.raises(UsageError) as failed:
        run(["explain", gone, "--db", str(db_path), "--live"])
    assert str(failed.value).endswith("its last fetch (run run-8) ended: HTTP 404; http_error")
    assert run(["explain", URL.removeprefix("https://"), "--db", str(db_path), "--live"]) == 0
    assert capsys.readouterr().out.startswith(URL + "\n")


def test_label_story_does_not_warn_of_the_verdicts_it_just_replaced(db_path, capsys):
    db = ["--db", str(db_path)]
    run(["label", URL, "transport.rail", "--reject", "--story", *db])
    run(["label", URL, "transport.rail", "--confirm", "--story", *db])
    out = capsys.readouterr().out
    assert "carry another verdict" not in out
    con = connect(db_path, read_only=True)
    verdicts = con.execute("SELECT DISTINCT verdict FROM labels").fetchall()
    con.close()
    assert verdicts == [("confirmed",)]


def test_a_label_keeps_the_terms_the_anchor_zeroed_and_a_further_field_s_real_support(
    db_path, catalog, capsys
):
    run(["label", "https://www.gov.cn/fish.html", "environment", "--confirm", "--db", str(db_path)])
    out = capsys.readouterr().out
    assert "found no term" not in out and "fishing ban" in out
    from warehouse.linking import commitment_evidence, link_text

    decision = link_text(*RAIL_EN, "en", catalog, store_floor=0.0)
    further = next(c for c in decision.candidates if c.field != decision.candidates[0].field)
    evidence = commitment_evidence(*RAIL_EN, "en", catalog, further.commitment_id)
    assert evidence["parts"]["field_support"] == further.parts["field_support"] < 1.0


def test_explain_puts_what_followups_shows_next_to_the_linker_s_verdict(db_path, capsys):
    fish = "https://www.gov.cn/fish.html"
    run(["label", fish, "environment", "--confirm", "--db", str(db_path)])
    capsys.readouterr()
    run(["explain", fish, "--db", str(db_path), "--live"])
    lines = capsys.readouterr().out.splitlines()
    assert lines[2].startswith("linker's verdict: not a follow-up")
    assert lines[3] == "in followups now: environment (confirmed) (analyst labels below)"


def test_a_release_is_scored_in_eval_only_once_every_shown_link_is_judged(db_path):
    from warehouse.labels import label_items
    from warehouse.lookup import shown_links

    con = connect(db_path)
    shown = [cid for cid, _ in shown_links(con, URL)]
    assert len(shown) > 1
    con.close()
    run(["label", URL, shown[0], "--reject", "--db", str(db_path)])
    run(["label", URL, shown[1], "--confirm", "--db", str(db_path)])
    con = connect(db_path)
    assert label_items(con) == []  # judged in part: its truth is not known yet
    con.close()
    for commitment in shown[1:]:
        run(["label", URL, commitment, "--reject", "--db", str(db_path)])
    con = connect(db_path)
    [item] = label_items(con)
    assert (item.id, item.followup) == (URL, False)  # every link rejected: a negative
    con.close()
    run(["label", URL, shown[1], "--confirm", "--db", str(db_path)])
    con = connect(db_path)
    [item] = label_items(con)  # every link judged, one confirmed: its field is the gold
    assert item.followup and len(item.fields) == 1
    con.close()
