"""The catalog file: complete, valid, and faithful to the seed press release."""

from pathlib import Path

import pytest

from warehouse.catalog import FIELDS, KINDS, CatalogError, load_catalog, sync_catalog
from warehouse.db import connect

ENTRY = """
[[commitment]]
id = "{id}"
field = "{field}"
kind = "key_field"
title_en = "Rail"
title_zh = "铁路"
description = "Trains."
terms_en = ["railway"]
terms_zh = ["铁路"]
seed_quote = "{quote}"
"""


def write_catalog(tmp_path: Path, *entries: str) -> Path:
    path = tmp_path / "c.toml"
    path.write_text("".join(entries), encoding="utf-8")
    return path


def test_catalog_covers_every_field_and_kind(catalog):
    assert {c.field for c in catalog} == set(FIELDS)
    assert {c.kind for c in catalog} == set(KINDS)


def test_catalog_has_the_commitments_the_product_promises(catalog):
    ids = {c.id for c in catalog}
    for expected in (
        "transport",
        "transport.rail",
        "mechanism.cooperation_office",
        "anhui.green_backyard",
        "plan.three_year_action_plan",
        "mission.wellbeing_projects",
        "shanghai.leading_role",
    ):
        assert expected in ids
    assert {c.region for c in catalog if c.kind == "province_role"} == {
        "shanghai",
        "jiangsu",
        "zhejiang",
        "anhui",
    }


def test_programme_names_are_catalog_terms(catalog):
    zh = {t for c in catalog for t in c.terms_zh}
    en = {t for c in catalog for t in c.terms_en}
    for term in (
        "G60科创走廊",
        "长三角生态绿色一体化发展示范区",
        "虹桥国际开放枢纽",
        "沪苏通铁路",
        "通苏嘉甬",
        "省际断头路",
        "一网通办",
        "异地就医",
        "社保卡",
        "长三角区域合作办公室",
        "主要领导座谈会",
        "联席会议",
        "三年行动计划",
    ):
        assert term in zh
    assert {"dead-end road", "g60 corridor", "demonstration zone"} <= en


def test_every_seed_quote_is_verbatim_seed_text(catalog, seed_path):
    seed = " ".join(seed_path.read_text(encoding="utf-8").split())
    assert all(" ".join(c.seed_quote.split()) in seed for c in catalog)


def test_quote_missing_from_seed_is_rejected(tmp_path):
    seed = tmp_path / "seed.txt"
    seed.write_text("We will build railways together.", encoding="utf-8")
    good = write_catalog(
        tmp_path,
        ENTRY.format(id="rail", field="transport", quote="We will build railways together."),
    )
    assert load_catalog(good, seed_path=seed)[0].terms_en == ("railway",)
    bad = write_catalog(
        tmp_path, ENTRY.format(id="rail", field="transport", quote="We never said this.")
    )
    with pytest.raises(CatalogError, match="seed_quote of 'rail'"):
        load_catalog(bad, seed_path=seed)


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        ((ENTRY.format(id="a", field="rail", quote="q"),), "field must be one of"),
        (
            (
                ENTRY.format(id="a", field="transport", quote="q"),
                ENTRY.format(id="a", field="energy", quote="q"),
            ),
            "duplicate commitment id 'a'",
        ),
        ((ENTRY.format(id="Bad Id", field="transport", quote="q"),), "id must be"),
        (("[[commitment]]\nid = 'x'\n",), "missing or empty"),
        (("not toml [",), "cannot read catalog"),
    ],
)
def test_malformed_catalog_names_the_problem(tmp_path, entries, message):
    with pytest.raises(CatalogError, match=message):
        load_catalog(write_catalog(tmp_path, *entries))


def test_sync_catalog_upserts_and_drops_stale_rows(tmp_path, catalog):
    con = connect(tmp_path / "w.duckdb")
    con.execute("INSERT INTO commitments (commitment_id, field) VALUES ('gone', 'energy')")
    con.execute(
        "INSERT INTO commitments (commitment_id, field, title_en)"
        " VALUES ('transport', 'energy', 'stale')"
    )
    sync_catalog(con, catalog)
    sync_catalog(con, catalog)
    rows = dict(con.execute("SELECT commitment_id, field FROM commitments").fetchall())
    assert len(rows) == len(catalog) and "gone" not in rows
    assert rows["transport"] == "transport"
    terms = con.execute(
        "SELECT terms_zh FROM commitments WHERE commitment_id = 'transport.rail'"
    ).fetchone()[0]
    assert "沪苏通铁路" in terms
    con.close()


def test_a_term_spelt_in_two_lists_counts_once(catalog):
    """ "5G" (Chinese list) and "5g" (English list) are one term: matching ignores case, so
    counting both doubled the information field's points."""
    from warehouse.linking import link_text

    body = "上海、江苏、浙江、安徽四地签署协议，共建长三角5G网络和政务APP。"
    best = link_text("长三角5G网络共建", body, "zh", catalog).candidates[0]
    assert best.commitment_id == "information"
    assert [t for t in best.terms if t.lower() in ("5g", "app")] == ["5G", "APP"]
