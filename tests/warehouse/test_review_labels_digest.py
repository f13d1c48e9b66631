"""A user review of `label` and the digest: each test is what the user saw go wrong.

Warehouses are real DuckDB files built by the shipped migrations, loaded with the factories'
releases and linked by the shipped linker and catalog; no network, no Prefect.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from warehouse_factories import RAIL, T0, WEATHER, crawl, make_result, release

from warehouse.catalog import load_catalog
from warehouse.db import connect
from warehouse.digest import FIELD_TITLES, _digest_item, build_digest, render_markdown
from warehouse.digest_formats import render_html, render_json
from warehouse.labels import LINKER_LINK, LabelError, add_label, story_label_conflicts
from warehouse.stories import story_mates

# the demo's release whose only link to jiangsu.infrastructure is the headline's "rail"
TOURISM = (
    "Delta tourism pass adds museums and <b>free</b> rail discounts",
    "Residents of Shanghai, Jiangsu, Zhejiang and Anhui can now use the Yangtze River Delta "
    "tourism annual pass to visit 30 more museums and heritage sites, the cultural and tourism "
    "departments of the four regions announced on Tuesday.\n\nThe pass, which costs 198 yuan a "
    "year, now covers more than 500 attractions across the region, including the ancient water "
    "towns of Wuzhen and Zhouzhuang and the Huangshan mountain area. Holders also get discounts "
    "on some intercity trains at weekends.\n\nSince its launch, more than 2 million passes have "
    "been sold. Officials said the pass encourages short trips within the region and helps "
    "smaller towns attract visitors from big cities.\n\nThe pass can be bought and activated "
    "through the tourism apps of any of the four regions.",
)
REPRINTED = datetime(2024, 8, 1, 9, tzinfo=UTC)


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


def rail_followups(con) -> int:
    """What `commitment_status.followups` says for transport.rail: stories, not pages."""
    return con.execute(
        "SELECT followups FROM commitment_status WHERE commitment_id = 'transport.rail'"
    ).fetchone()[0]


def linked_story(con, catalog) -> tuple:
    """An original and two reprints, all linked to transport.rail by the linker."""
    story = [release(1, RAIL), release(2, RAIL, published_at=REPRINTED)]
    story.append(release(3, RAIL, published_at=REPRINTED + timedelta(hours=1)))
    crawl(con, catalog, "run-1", story)
    assert sorted(story_mates(con, story[0].url)) == sorted(r.url for r in story[1:])
    assert rail_followups(con) == 1
    return tuple(story)


# --- 1. rejecting one release of a story the linker linked on its other releases -----------


def test_rejecting_one_release_of_a_linked_story_names_the_releases_that_keep_it_counted(
    db_path, con, catalog, capsys
):
    from flows import cli

    original, reprint, second = linked_story(con, catalog)
    con.close()
    argv = ["label", original.url, "transport.rail", "--reject", "--db", str(db_path)]
    assert cli.main(argv) == 0
    out = capsys.readouterr().out
    assert "2 other release(s) of its story" in out and "add --story" in out
    assert "the story still counts in commitment_status" in out
    assert f"{reprint.url}: {LINKER_LINK}" in out and f"{second.url}: {LINKER_LINK}" in out

    con = connect(db_path)
    assert rail_followups(con) == 1  # what the note warns of: the reprints still count it
    con.close()
    assert cli.main([*argv, "--story"]) == 0
    out = capsys.readouterr().out
    assert "carry another verdict" not in out
    assert "this release: already rejected on" in out  # the pasted release, not its story
    con = connect(db_path)
    assert rail_followups(con) == 0
    con.close()


def test_a_confirmation_or_a_rejection_the_story_already_agrees_with_gives_no_warning(con, catalog):
    original, reprint, second = linked_story(con, catalog)
    # confirming: the linker's links on the reprints agree, and the story counts once anyway
    assert story_label_conflicts(con, original.url, "transport.rail", "confirmed") == []
    con.execute(
        "DELETE FROM links WHERE url = ? AND commitment_id = 'transport.rail'", [second.url]
    )  # the linker did not link the second reprint
    assert story_label_conflicts(con, original.url, "transport.rail", "confirmed") == []

    add_label(con, reprint.url, "transport.rail", "rejected", catalog)
    # rejecting: the reprint is rejected too and the second one is not in followups
    assert story_label_conflicts(con, original.url, "transport.rail", "rejected") == []
    # rejecting the second reprint: the original's link still counts the story
    assert story_label_conflicts(con, second.url, "transport.rail", "rejected") == [
        (original.url, LINKER_LINK)
    ]
    # and a confirmation still names a mate labelled the other way
    assert story_label_conflicts(con, second.url, "transport.rail", "confirmed") == [
        (reprint.url, "rejected")
    ]


# --- 2. an empty digest: its counts are of the run's new follow-ups -------------------------


def test_an_empty_digest_says_its_counts_are_of_new_follow_ups_in_every_format(con, catalog):
    crawl(con, catalog, "run-1", [release(1, RAIL)])
    crawl(con, catalog, "run-2", [release(2, WEATHER)], hour=1)
    assert rail_followups(con) == 1  # there is a follow-up, from the earlier run

    digest = build_digest(con, "run-2")
    markdown = render_markdown(digest)
    summary = "New in this run: 0 stories (0 releases, 0 links) following up"
    assert summary in markdown
    assert "Follow-ups of earlier runs are not listed again" in markdown
    assert summary in render_html(markdown, "digest")
    counts = {"stories": 0, "releases": 0, "links": 0}
    assert json.loads(render_json(digest))["new_followups"] == counts

    first = build_digest(con, "run-1")
    counts = json.loads(render_json(first))["new_followups"]
    assert counts["stories"] == 1 and counts["links"] == len(first.items) > 0
    expected = (
        f"New in this run: 1 stories ({counts['releases']} releases, {counts['links']} links)"
    )
    assert expected in render_markdown(first)


# --- 3. a link matched only in its headline says so -----------------------------------------


def item_line(markdown: str, field: str, title_start: str) -> str:
    """The digest's item line (with its quotes) of the release whose title starts so."""
    section = markdown.split(f"## {FIELD_TITLES[field]} (`{field}`)")[1].split("\n## ")[0]
    return next(
        part for part in section.split("\n- ") if part.lstrip("- [").startswith(title_start)
    )


def test_a_link_matched_only_in_its_headline_says_headline_only_in_every_format(con, catalog):
    crawl(con, catalog, "run-1", [release(1, TOURISM), release(2, RAIL)])
    digest = build_digest(con, "run-1")
    markdown = render_markdown(digest)

    tourism = item_line(markdown, "transport", "Delta tourism pass")
    assert "terms: rail (headline only)" in tourism and "  > " not in tourism
    rail = item_line(markdown, "transport", "Shanghai-Suzhou-Huzhou")
    assert "headline only" not in rail  # its body names the railway: quoted, no note
    assert "  > The Shanghai-Suzhou-Huzhou railway links" in rail
    assert f"  > {RAIL[0]}" not in rail  # the headline is still not repeated as a quote

    page = render_html(markdown, "digest")
    assert "terms: rail (headline only)" in page
    assert "<b>free</b>" not in page and "&lt;b&gt;free&lt;/b&gt;" in page
    items = json.loads(render_json(digest))["items"]
    notes = {(i["url"], i["commitment_id"]): i["evidence_note"] for i in items}
    assert notes[(release(1, TOURISM).url, "jiangsu.infrastructure")] == "headline only"
    assert notes[(release(2, RAIL).url, "transport.rail")] == ""


def digest_row(title: str, terms: list[str], sentences: list[str]) -> tuple:
    evidence = json.dumps({"terms": terms, "sentences": sentences})
    row = ("https://a.gov.cn/1.html", title, "src", date(2024, 5, 1), "transport.rail")
    return row + ("Rail", "transport", 0.6, evidence, None, "first", False)


@pytest.mark.parametrize(
    ("title", "terms", "sentences", "note"),
    [
        # the linker quotes a Traditional headline in Simplified characters
        ("長三角鐵路新線開通", ["铁路"], ["长三角铁路新线开通"], "headline only"),
        (
            "Rail plan",
            ["rail"],
            ["Rail plan", "Attachment: rail plan.pdf"],
            "headline and attachment names only",
        ),
        ("Plan", ["rail"], ["Attachment: rail plan.pdf"], "attachment names only"),
        ("Rail plan", ["rail"], ["Rail plan", "The rail line opens in Jiaxing."], ""),
        ("Weather", [], [], ""),  # a confirmation resting on the label alone: nothing to say
    ],
)
def test_the_evidence_says_where_the_terms_were_when_no_sentence_is_quoted(
    title, terms, sentences, note
):
    item = _digest_item(digest_row(title, terms, sentences))
    assert item.evidence_note == note
    assert bool(item.sentences) == (sentences[-1:] == ["The rail line opens in Jiaxing."])


def test_a_mistyped_commitment_is_refused_with_the_nearest_id(con, catalog):
    rail = release(1, RAIL)
    crawl(con, catalog, "run-1", [rail])
    with pytest.raises(
        LabelError, match=r"enviroment: no such commitment \(did you mean environment\?\)"
    ):
        add_label(con, rail.url, "enviroment", "confirmed", catalog)
    assert con.execute("SELECT count(*) FROM labels").fetchone() == (0,)


# --- a digest says when its counts are partial ------------------------------------------------


def test_a_digest_read_during_a_run_says_the_run_has_not_finished(con, catalog):
    from warehouse.load import load_source_result, start_run

    start_run(con, "run-1", "live", T0, 1)
    load_source_result(con, "run-1", make_result([release(1, RAIL)]))
    by_reader = render_markdown(build_digest(con, "run-1"))
    assert "**This run has not finished:**" in by_reader
    by_the_run = render_markdown(build_digest(con, "run-1", by_the_run=True))
    assert "not finished" not in by_the_run


def test_the_run_after_a_killed_one_says_it_linked_what_that_one_loaded(con, catalog):
    from warehouse.load import load_source_result, mark_interrupted_runs, start_run

    start_run(con, "run-1", "live", T0, 1)  # killed after loading one release
    load_source_result(con, "run-1", make_result([release(1, RAIL)]))
    later = T0 + timedelta(hours=2)
    assert mark_interrupted_runs(con, "run-2", later) == ["run-1"]
    crawl(con, catalog, "run-2", [], hour=2)
    markdown = render_markdown(build_digest(con, "run-2"))
    assert (
        "Run `run-1` was interrupted before it finished; the 1 new releases it had loaded "
        "were linked in this run"
    ) in markdown
    assert json.loads(render_json(build_digest(con, "run-2")))["interrupted"] == [["run-1", 1]]


def test_a_source_that_lost_list_pages_is_listed_under_a_heading_that_says_so(con, catalog):
    from warehouse_factories import make_source

    from warehouse.load import load_source_result, start_run, upsert_sources

    upsert_sources(con, [make_source()])
    start_run(con, "run-1", "live", T0, 1)
    error = "list page https://english.shanghai.gov.cn/list_2.html : HTTP 404"
    load_source_result(con, "run-1", make_result([], status="partial", error=error))
    markdown = render_markdown(build_digest(con, "run-1", by_the_run=True))
    assert "## Sources that failed, were blocked or lost pages" in markdown
    assert "**sh-en-whatsnew** — partial: list page" in markdown
