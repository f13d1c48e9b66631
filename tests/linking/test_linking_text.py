"""link_text on invented releases: real follow-ups link with evidence, near-misses do not."""

import pytest

from warehouse.linking import LINK_THRESHOLD, link_text

ZH_RAIL_TITLE = "沪苏湖铁路全线铺轨贯通 长三角轨道网再添新通道"
ZH_RAIL_BODY = (
    "记者从有关部门获悉，沪苏湖铁路日前实现全线铺轨贯通。这条铁路连接上海、江苏苏州和浙江湖州，"
    "设计时速350公里。建成后湖州至上海约半小时可达，将进一步织密长三角高铁网络。"
    "沿线各地表示，将加快站城融合建设。"
)
# The same release as a Big5 portal would reprint it, in Traditional characters.
ZH_RAIL_TITLE_TRAD = "滬蘇湖鐵路全線鋪軌貫通 長三角軌道網再添新通道"
ZH_RAIL_BODY_TRAD = (
    "記者從有關部門獲悉，滬蘇湖鐵路日前實現全線鋪軌貫通。這條鐵路連接上海、江蘇蘇州和浙江湖州，"
    "設計時速350公里。建成後湖州至上海約半小時可達，將進一步織密長三角高鐵網絡。"
    "沿線各地表示，將加快站城融合建設。"
)
EN_MEDICAL_TITLE = "Yangtze River Delta expands cross-provincial medical settlement"
EN_MEDICAL_BODY = (
    "Residents insured in Shanghai, Jiangsu, Zhejiang and Anhui can now settle outpatient bills "
    "directly at 5,000 more hospitals across the Yangtze River Delta. Officials said the direct "
    "settlement of medical expenses will reach every county of the region by next year. "
    "The weather in the city was sunny on the day of the announcement."
)
EN_MULTI_TITLE = "Delta leaders' symposium approves new three-year action plan"
EN_MULTI_BODY = (
    "The leaders of Shanghai, Jiangsu, Zhejiang and Anhui met in Hefei for the annual leaders' "
    "symposium on the integrated development of the Yangtze River Delta. They approved a new "
    "three-year action plan. The plan commits the four governments to open 12 more dead-end "
    "roads on their borders this year, with new bus routes on the opened roads. They will also "
    "sign a joint agreement on air quality and water quality monitoring in the Taihu basin."
)


def fields(decision):
    return {link.field for link in decision.links}


def test_chinese_rail_release_links_to_transport_with_evidence(catalog):
    decision = link_text(ZH_RAIL_TITLE, ZH_RAIL_BODY, "zh", catalog)
    assert decision.is_followup and decision.best_score >= LINK_THRESHOLD
    rail = next(link for link in decision.links if link.commitment_id == "transport.rail")
    assert rail.field == "transport"
    assert "沪苏湖铁路" in rail.terms
    assert any("沪苏湖铁路" in sentence for sentence in rail.sentences)
    assert not any("站城融合" in sentence for sentence in rail.sentences)
    assert rail.parts["title_terms"] and rail.parts["anchor"] == 1.0


def test_english_medical_release_links_to_public_service(catalog):
    decision = link_text(EN_MEDICAL_TITLE, EN_MEDICAL_BODY, "en", catalog)
    assert decision.is_followup
    assert fields(decision) == {"public_service"}
    link = decision.links[0]
    assert "cross-provincial medical settlement" in link.terms
    assert any("outpatient bills" in s for s in link.sentences)
    assert not any("weather" in s for s in link.sentences)


def test_one_release_can_link_several_fields(catalog):
    decision = link_text(EN_MULTI_TITLE, EN_MULTI_BODY, "en", catalog)
    assert {"mechanism", "transport", "environment"} <= fields(decision)
    ids = {link.commitment_id for link in decision.links}
    assert {"mechanism.leadership_forum", "plan.three_year_action_plan", "transport.roads"} <= ids


def test_traditional_characters_link_like_simplified(catalog):
    simplified = link_text(ZH_RAIL_TITLE, ZH_RAIL_BODY, "zh", catalog)
    traditional = link_text(ZH_RAIL_TITLE_TRAD, ZH_RAIL_BODY_TRAD, "zh", catalog)
    assert traditional.is_followup
    assert [(c.commitment_id, c.score) for c in traditional.candidates] == [
        (c.commitment_id, c.score) for c in simplified.candidates
    ]


def test_title_match_weighs_more_than_body_match(catalog):
    body = "Officials of Shanghai and Zhejiang met on the Yangtze River Delta. They talked."
    in_title = link_text("Delta railway opens", body + " A railway opens.", "en", catalog)
    in_body = link_text("Officials meet", body + " A railway opens.", "en", catalog)
    assert in_title.best_score > in_body.best_score


NEAR_MISSES = [
    pytest.param(
        "京津冀轨道交通一体化提速：城际铁路新线开通",
        "京津冀协同发展持续推进，新开通的城际铁路把北京、天津和河北廊坊串联起来，"
        "通勤时间缩短到半小时。有关部门表示，将借鉴长三角等地经验，继续加密京津冀铁路网。",
        "zh",
        id="beijing-tianjin-hebei",
    ),
    pytest.param(
        "Greater Bay Area rolls out cross-boundary medical settlement",
        "Residents of Hong Kong and Macao living in Guangdong can now settle medical bills "
        "directly at hospitals in nine Greater Bay Area cities, officials said. The direct "
        "settlement scheme covers outpatient care and will expand next year.",
        "en",
        id="greater-bay-area",
    ),
    pytest.param(
        "Shanghai company opens new headquarters in Minhang",
        "A Shanghai logistics company opened a new headquarters building in Minhang District "
        "on Monday. The firm, which serves customers across the Yangtze River Delta, plans to "
        "hire 300 staff and expand its fleet of trucks and its railway freight business.",
        "en",
        id="passing-mention",
    ),
    pytest.param(
        "Yangtze River Economic Belt provinces sign river-protection pledge",
        "Eleven provinces along the Yangtze River Economic Belt signed a pledge on water quality "
        "and ecological protection. The Yangtze River Economic Belt strategy covers the upper, "
        "middle and lower reaches; officials from Sichuan and Hubei spoke.",
        "en",
        id="economic-belt",
    ),
    pytest.param(
        "成渝地区双城经济圈共建铁路网",
        "四川和重庆两地签署协议，共同推进成渝地区双城经济圈铁路建设，成渝中线高铁加快建设。",
        "zh",
        id="chengdu-chongqing",
    ),
]


@pytest.mark.parametrize(("title", "body", "language"), NEAR_MISSES)
def test_near_misses_are_not_followups(catalog, title, body, language):
    decision = link_text(title, body, language, catalog)
    assert not decision.is_followup
    assert decision.links == []


def test_single_province_release_is_not_a_followup(catalog):
    decision = link_text(
        "Jiangsu opens new railway station",
        "A new railway station opened in Nanjing, Jiangsu province, serving high-speed trains.",
        "en",
        catalog,
    )
    assert not decision.is_followup and decision.anchor["factor"] == 0.0


def test_hostile_huge_input_is_capped_and_still_scored(catalog):
    body = "长三角沪苏湖铁路建设推进。" * 20_000
    decision = link_text("标题", body, "zh", catalog)
    assert decision.is_followup
    assert all(len(s) <= 300 for link in decision.links for s in link.sentences)


def test_empty_release_is_not_a_followup(catalog):
    decision = link_text("", "", "zh", catalog)
    assert not decision.is_followup and decision.best_score == 0.0


def test_short_delta_headline_counts_only_with_the_delta_named_in_the_body(catalog):
    body = "Officials of Shanghai and Zhejiang opened a railway. Trains run hourly."
    named = link_text(
        "Delta railway opens", body + " It serves the Yangtze River Delta.", "en", catalog
    )
    unnamed = link_text("Delta railway opens", body, "en", catalog)
    assert named.anchor["delta_in_title"] and not unnamed.anchor["delta_in_title"]
    assert named.best_score > unnamed.best_score


def test_a_term_inside_a_longer_word_that_means_something_else_does_not_count(catalog):
    """龙头企业 are an industry's leading enterprises, not Shanghai's leading role (龙头作用);
    上海交通大学 is a university, not transport."""
    body = "上海、江苏、浙江、安徽的龙头企业在长三角一体化框架下签署合作协议，推动产业链协同。"
    linked = {link.commitment_id for link in link_text("龙头企业签约", body, "zh", catalog).links}
    assert linked and "shanghai.leading_role" not in linked
    role = "推进长三角一体化，上海发挥龙头带动作用，与江苏、浙江、安徽共同推进区域合作。"
    linked = {
        link.commitment_id for link in link_text("上海发挥龙头作用", role, "zh", catalog).links
    }
    assert "shanghai.leading_role" in linked
    from warehouse import lexicon

    seg = lexicon.segment("上海交通大学与长三角交通部门合作")
    assert lexicon.count_chinese("交通", seg) == 1  # the transport department, not the university
