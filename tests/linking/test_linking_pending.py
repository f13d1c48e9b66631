"""link_pending against a fresh warehouse: links once, relinks only what changed."""

import json

import pytest

from warehouse.catalog import sync_catalog
from warehouse.db import connect
from warehouse.linking import link_pending, method_version

RAIL = (
    "https://example.gov.cn/a/rail.html",
    "zh",
    "沪苏湖铁路全线铺轨贯通",
    "沪苏湖铁路连接上海、江苏和浙江，将织密长三角高铁网络。沿线城市加快站城融合。",
)
OFFICE = (
    "https://example.gov.cn/a/office.html",
    "en",
    "Yangtze River Delta Region Cooperation Office reviews action plan",
    "The Yangtze River Delta Region Cooperation Office met officials of Shanghai, Jiangsu, "
    "Zhejiang and Anhui to review the three-year action plan.",
)
WEATHER = (
    "https://example.gov.cn/a/weather.html",
    "en",
    "Sunny weekend in Shanghai",
    "Forecasters expect sunshine in Shanghai this weekend.",
)


@pytest.fixture
def con(tmp_path, catalog):
    con = connect(tmp_path / "w.duckdb")
    sync_catalog(con, catalog)
    con.execute("UPDATE settings SET value = '0.42' WHERE key = 'link_threshold'")
    for release in (RAIL, OFFICE, WEATHER):
        put_release(con, *release, content_hash="h1")
    yield con
    con.close()


def put_release(con, url, language, title, body, content_hash):
    con.execute(
        "INSERT OR REPLACE INTO release_current (url, source_id, language, title, body,"
        " content_hash, version) VALUES (?, 'test', ?, ?, ?, ?, 1)",
        [url, language, title, body, content_hash],
    )


def links_of(con, url):
    return con.execute(
        "SELECT commitment_id, score, evidence, run_id, linked_at FROM links WHERE url = ?"
        " ORDER BY commitment_id",
        [url],
    ).fetchall()


def test_link_pending_links_followups_with_evidence(con, catalog):
    new = link_pending(con, "run-1", catalog)
    followups = con.execute(
        "SELECT url, commitment_id, field FROM followups ORDER BY url, commitment_id"
    ).fetchall()
    assert new == len(followups) > 0
    assert (RAIL[0], "transport.rail", "transport") in followups
    assert (OFFICE[0], "mechanism.cooperation_office", "mechanism") in followups
    assert WEATHER[0] not in {row[0] for row in followups}
    evidence = json.loads(
        next(row[2] for row in links_of(con, RAIL[0]) if row[0] == "transport.rail")
    )
    assert "沪苏湖铁路" in evidence["terms"]
    assert any("沪苏湖铁路" in s for s in evidence["sentences"])
    assert evidence["parts"]["anchor"] == 1.0
    assert evidence["parts"]["anchor_reason"] == "delta or programme named in the title"
    assert evidence["parts"]["anchor_sentence"] == RAIL[2]
    marks = dict(con.execute("SELECT url, is_followup FROM linked_releases").fetchall())
    assert marks == {RAIL[0]: True, OFFICE[0]: True, WEATHER[0]: False}


def test_second_call_links_nothing_and_changes_nothing(con, catalog):
    link_pending(con, "run-1", catalog)
    before = {url: links_of(con, url) for url in (RAIL[0], OFFICE[0])}
    assert link_pending(con, "run-2", catalog) == 0
    assert {url: links_of(con, url) for url in (RAIL[0], OFFICE[0])} == before


def test_edited_release_is_relinked_and_old_links_replaced(con, catalog):
    link_pending(con, "run-1", catalog)
    put_release(con, RAIL[0], "zh", "上海周末天气晴好", "上海本周末以晴为主。", content_hash="h2")
    assert link_pending(con, "run-2", catalog) == 0
    assert links_of(con, RAIL[0]) == []
    row = con.execute(
        "SELECT content_hash, run_id, is_followup FROM linked_releases WHERE url = ?", [RAIL[0]]
    ).fetchone()
    assert row == ("h2", "run-2", False)
    assert {r[3] for r in links_of(con, OFFICE[0])} == {"run-1"}


def test_release_that_becomes_a_followup_counts_its_new_links(con, catalog):
    link_pending(con, "run-1", catalog)
    put_release(con, WEATHER[0], *RAIL[1:], content_hash="h3")
    new = link_pending(con, "run-2", catalog)
    assert (
        new
        == con.execute("SELECT count(*) FROM followups WHERE url = ?", [WEATHER[0]]).fetchone()[0]
        > 0
    )


def test_changed_catalog_relinks_everything(con, catalog):
    link_pending(con, "run-1", catalog)
    smaller = [c for c in catalog if c.id != "transport.rail"]
    sync_catalog(con, smaller)
    link_pending(con, "run-2", smaller)
    versions = {
        row[0] for row in con.execute("SELECT method_version FROM linked_releases").fetchall()
    }
    assert versions == {method_version(smaller)}
    assert "transport.rail" not in {row[0] for row in links_of(con, RAIL[0])}


@pytest.fixture
def fresh_vocabulary_digest():
    from warehouse import lexicon

    lexicon.vocabulary_digest.cache_clear()
    yield
    lexicon.vocabulary_digest.cache_clear()


def test_an_edited_word_list_relinks_everything(con, catalog, monkeypatch, fresh_vocabulary_digest):
    from warehouse import lexicon

    link_pending(con, "run-1", catalog)
    before = method_version(catalog)
    monkeypatch.setattr(lexicon, "MEMBER_PAIR_ZH", (*lexicon.MEMBER_PAIR_ZH, "两镇"))
    lexicon.vocabulary_digest.cache_clear()
    after = method_version(catalog)
    assert after != before
    link_pending(con, "run-2", catalog)
    versions = {r[0] for r in con.execute("SELECT method_version FROM linked_releases").fetchall()}
    assert versions == {after}
