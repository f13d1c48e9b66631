"""English phrasings the linker must understand: spelling variants, the members named as a
group, cooperation cues, and English synonyms of catalog terms (invented releases)."""

from warehouse import lexicon
from warehouse.linking import link_text


def test_british_and_american_spellings_match_the_same_term():
    assert lexicon.count_english("mutually recognized", "permits are mutually recognised") == 1
    assert lexicon.count_english("mutually recognised", "permits are mutually recognized") == 1
    assert lexicon.count_english("organization", "a new organisation and an organization") == 2
    assert lexicon.count_english("size", "sise") == 0  # short words are left alone


def test_four_provinces_of_the_delta_count_as_all_members_acting_together(catalog):
    title = "Electronic licences of four provinces now mutually recognised"
    body = (
        "Residents can show electronic licences issued in any of the four Yangtze River Delta "
        "provinces at service counters across the region."
    )
    decision = link_text(title, body, "en", catalog)
    assert decision.is_followup
    assert decision.anchor["provinces"] == ["anhui", "jiangsu", "shanghai", "zhejiang"]
    assert "public_service" in {link.field for link in decision.links}


def test_four_provinces_without_the_delta_name_all_members_only_when_delta_named(catalog):
    title = "Four provinces sign mutual recognition pact on electronic licences"
    body = "Hebei, Shanxi, Henan and Shandong will accept each other's electronic licences."
    decision = link_text(title, body, "en", catalog)
    assert not decision.is_followup
    assert decision.anchor["provinces"] == []


def test_two_member_cities_cooperating_anchor_a_release_without_the_delta(catalog):
    title = "Suzhou and Jiaxing open cross-border road link"
    body = "Suzhou and Jiaxing announced their cooperation on a new road link over the boundary."
    decision = link_text(title, body, "en", catalog)
    assert decision.is_followup
    assert decision.anchor["reason"].startswith("two or more members acting together")
    assert {link.field for link in decision.links} == {"transport"}


def test_technology_market_is_innovation_and_market(catalog):
    title = "Delta technology market lets patents be traded across provinces"
    body = (
        "Shanghai, Jiangsu, Zhejiang and Anhui launched a technology trading platform "
        "for the whole Yangtze River Delta."
    )
    decision = link_text(title, body, "en", catalog)
    assert {"innovation", "market"} <= {link.field for link in decision.links}


def test_implementation_plan_for_the_outline_is_a_mechanism_follow_up(catalog):
    title = "Press release for a media briefing"
    body = (
        "The city will implement the Outline of the Integrated Regional Development of the "
        "Yangtze River Delta with an implementation plan. It will work with Jiangsu, Zhejiang and "
        "Anhui through the Regional Cooperation Office."
    )
    decision = link_text(title, body, "en", catalog)
    assert decision.is_followup
    linked = {link.commitment_id for link in decision.links}
    assert "plan.three_year_action_plan" in linked and {link.field for link in decision.links} == {
        "mechanism"
    }
