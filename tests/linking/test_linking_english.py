"""English phrasings the linker must understand: spelling variants, the members named as a
group, cooperation cues, and English synonyms of catalog terms (invented releases)."""

import pytest

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


PAIR_REASON = "two members named, acting as a pair"


def test_two_members_named_apart_but_acting_as_a_pair_are_a_followup(catalog):
    title = "Shanghai specialists hold remote consultations for county hospitals"
    body = (
        "Doctors at two Shanghai hospitals now examine patients in county hospitals over a "
        "dedicated 5G network. The hospitals are in Lu'an, Anhui province. The link is part of "
        "medical cooperation between the two regions, which plan more remote clinics next year."
    )
    decision = link_text(title, body, "en", catalog)
    assert decision.anchor["reason"].startswith(PAIR_REASON)
    assert decision.is_followup


def test_chinese_pair_words_tie_two_members_named_in_different_sentences(catalog):
    title = "南京至马鞍山城际铁路隧道全线贯通"
    body = (
        "南京至马鞍山城际铁路隧道日前全线贯通，线路北起南京南站，终至马鞍山市区。"
        "项目由两地共同投资、统一标准建设，建成后通勤时间缩短到四十分钟以内。"
    )
    decision = link_text(title, body, "zh", catalog)
    assert decision.anchor["reason"].startswith(PAIR_REASON)
    assert decision.is_followup and "transport" in {link.field for link in decision.links}


@pytest.mark.parametrize(
    ("title", "body", "language"),
    [
        pytest.param(
            "Jiangsu opens a new bridge; Shanghai traffic unaffected",
            "A new bridge opened in Nantong on Monday. Traffic in Shanghai was normal. "
            "The two cities each reported record visitor numbers over the holiday.",
            "en",
            id="pair-without-cooperation",
        ),
        pytest.param(
            "合肥、苏州中欧班列开行量均创新高",
            "今年前十个月，合肥中欧班列开行700列，江苏苏州开行500列。"
            "两地班列货物以电子产品和汽车零部件为主，有关部门将加密至中亚的班次。",
            "zh",
            id="two-places-counted-side-by-side",
        ),
        pytest.param(
            "吴江一家面料企业与湖州企业签订采购合同",
            "苏州吴江一家面料企业与浙江湖州一家印染企业签订三年采购合同，金额约三亿元。"
            "双方表示还将携手开拓海外市场，在新工艺研发上开展合作。",
            "zh",
            id="two-companies-are-not-two-places",
        ),
        pytest.param(
            "上海企业参与海峡两岸经贸交流会",
            "上海多家企业参加在厦门举行的海峡两岸经贸交流会，双方签署合作协议。"
            "江苏代表团也到会参观。",
            "zh",
            id="cross-strait-two-sides",
        ),
        pytest.param(
            "上海专家谈公交规划",
            "上海一位交通专家表示，规划时间太仓促。两地将共同推进公交互联互通，开通跨省公交。",
            "zh",
            id="taicang-inside-too-hasty",
        ),
        pytest.param(
            "上海与喀什两地共建产业园",
            "上海援疆前方指挥部介绍，上海与新疆喀什两地共同建设的产业园新签约项目12个。"
            "江苏一家纺织企业也到会参展。",
            "zh",
            id="pair-with-a-place-outside-the-delta",
        ),
        pytest.param(
            "Shanghai aid team opens clinic in Kashgar",
            "A Shanghai medical team opened a clinic in Kashgar, Xinjiang. A Jiangsu company "
            "donated the equipment. The two cities signed a cooperation agreement on training.",
            "en",
            id="english-pair-with-xinjiang",
        ),
        pytest.param(
            "Yangtze River Economic Belt forum: Jiangsu and Anhui delegations attend",
            "Officials from Jiangsu spoke at the Yangtze River Economic Belt forum in Wuhan. "
            "Anhui sent a delegation, and the two sides signed an agreement on river shipping. "
            "The Yangtze River Economic Belt covers eleven provinces.",
            "en",
            id="other-regional-strategy",
        ),
    ],
)
def test_pair_words_without_members_acting_together_do_not_anchor(catalog, title, body, language):
    decision = link_text(title, body, language, catalog)
    assert not decision.anchor["reason"].startswith(PAIR_REASON)
    assert not decision.is_followup


def test_border_districts_and_counties_name_their_members(catalog):
    title = "Road between Jinshan and Pinghu opens to traffic"
    body = (
        "A road in Shanghai's Jinshan district that stopped short of the provincial line now "
        "joins an avenue in Pinghu. Drivers save a 9 km detour."
    )
    decision = link_text(title, body, "en", catalog)
    assert decision.anchor["provinces"] == ["shanghai", "zhejiang"]
    assert decision.is_followup and "transport" in {link.field for link in decision.links}


@pytest.mark.parametrize(
    ("text", "members"),
    [
        pytest.param("代表团先后到访浙江宁波和合肥", {"zhejiang", "anhui"}, id="zhejiang-ningbo"),
        pytest.param("该地块适宜兴建物流园区，带来安全隐患的仓库将搬迁", set(), id="common-words"),
        pytest.param("践行绿水青山就是金山银山理念", set(), id="jinshan-saying"),
        pytest.param("湖南通过审议，我对这里非常熟悉，美丽水乡", set(), id="token-boundaries"),
        pytest.param("时间太仓促，复合肥应当涂抹，师德清单", set(), id="masked-phrases"),
        pytest.param("上海苏州河畔，沪深两市上涨", {"shanghai"}, id="suzhou-creek-and-stocks"),
        pytest.param("马鞍山东站开通", {"anhui"}, id="maanshan-east-station"),
        pytest.param(
            "上海丹阳路和宁波路改造，Ningbo Road", {"shanghai"}, id="streets-named-after-cities"
        ),
        pytest.param("江宁区横溪街道至博望区的道路", {"jiangsu", "anhui"}, id="border-districts"),
        pytest.param(
            "代表团南京路过，上海路演，合肥路况", {"jiangsu", "shanghai", "anhui"}, id="not-streets"
        ),
        pytest.param(
            "Shanghai road show on the Nanjing road network", {"shanghai", "jiangsu"}, id="en-roads"
        ),
        pytest.param("Nanjing Road West and Ningbo Road", set(), id="en-streets"),
        pytest.param("四川长宁发生地震，局长宁某到场", set(), id="changning-elsewhere"),
        pytest.param("金山区与平湖市共建产业园", {"shanghai", "zhejiang"}, id="jinshan-district"),
    ],
)
def test_chinese_place_names_inside_other_words_name_no_member(text, members):
    assert lexicon.provinces_named(lexicon.prepare(text)) == members


def test_a_shanghai_street_named_after_a_province_is_not_a_place_outside_the_delta(catalog):
    title = "沪苏两地共建社区文化项目"
    body = (
        "上海交响乐团在四川北路社区举办公益演出。江苏一家文化企业提供赞助。"
        "两地将共同推进公共文化服务合作，明年联合举办更多演出。"
    )
    decision = link_text(title, body, "zh", catalog)
    assert decision.anchor["non_member_places"] == 0
    assert decision.anchor["reason"].startswith(PAIR_REASON)


def test_a_delta_release_with_a_pair_keeps_the_stronger_delta_anchor(catalog):
    title = "Kunshan bus line extended"
    body = (
        "A bus line now runs from Qingpu to Kunshan. It serves Yangtze River Delta integration. "
        "Officials of the two cities signed a cooperation agreement on fares."
    )
    decision = link_text(title, body, "en", catalog)
    assert decision.anchor["reason"] == "delta named once, with two or more members"
    assert decision.anchor["factor"] == 0.7


def test_explain_quotes_the_sentence_behind_the_anchor_and_the_near_miss(catalog):
    from warehouse.linking import explain

    lines = explain(
        "南京至马鞍山城际铁路隧道全线贯通",
        "南京至马鞍山城际铁路隧道日前全线贯通。项目由两地共同投资、统一标准建设。",
        "zh",
        catalog,
    )
    anchor_at = next(i for i, line in enumerate(lines) if line.startswith("anchor:"))
    assert PAIR_REASON in lines[anchor_at]
    assert lines[anchor_at + 1].strip() == "> 项目由两地共同投资、统一标准建设。"
    near_miss = explain(
        "Yangtze River Economic Belt forum held in Wuhan",
        "Officials from Jiangsu and Shanghai spoke about river shipping.",
        "en",
        catalog,
    )
    penalty_at = next(i for i, line in enumerate(near_miss) if line.startswith("near-miss"))
    assert "another regional strategy" in near_miss[penalty_at]
    assert near_miss[penalty_at + 1].strip() == "> Yangtze River Economic Belt forum held in Wuhan"


def test_the_demonstration_zone_named_by_its_three_parts_says_so(catalog):
    decision = link_text(
        "Intercity railway completes boundary tunnel",
        "Crews finished the tunnel where the line crosses from Qingpu into Wujiang. "
        "The next section runs on to Jiashan.",
        "en",
        catalog,
    )
    assert decision.anchor["reason"].startswith("Qingpu, Wujiang and Jiashan named")
    assert decision.anchor["sentence"].startswith("Crews finished the tunnel")
    assert decision.is_followup


BOUNDARY_REASON = "two members named, across their boundary"


@pytest.mark.parametrize(
    ("title", "body", "language", "witness"),
    [
        pytest.param(
            "Bus route now reaches the neighbouring town",
            "A bus route from Fengjing, in Shanghai's Jinshan district, now runs on to villages "
            "in Pinghu on the other side of the boundary. Buses run every 20 minutes.",
            "en",
            "A bus route from Fengjing, in Shanghai's Jinshan district, now runs on to villages "
            "in Pinghu on the other side of the boundary.",
            id="english-other-side",
        ),
        pytest.param(
            "特种作业操作证实现互认",
            "在上海取得的电工作业操作证，持证人到南通从业时无需重新考试。"
            "证书互认后，持证人在工作地就近复审，享受同等待遇。",
            "zh",
            "证书互认后，持证人在工作地就近复审，享受同等待遇。",
            id="chinese-mutual-recognition",
        ),
    ],
)
def test_two_members_across_their_boundary_are_a_followup(catalog, title, body, language, witness):
    decision = link_text(title, body, language, catalog)
    assert decision.anchor["reason"].startswith(BOUNDARY_REASON)
    assert decision.anchor["sentence"] == witness
    assert decision.is_followup


def test_a_boundary_word_beside_a_place_outside_the_delta_does_not_anchor(catalog):
    decision = link_text(
        "Flood crest passes the boundary",
        "The flood crest passed the provincial boundary between Anhui and Henan on Monday. "
        "Shanghai sent pumps to Wuhu, on the other side of the river.",
        "en",
        catalog,
    )
    assert not decision.anchor["reason"].startswith(BOUNDARY_REASON)


@pytest.mark.parametrize(
    ("title", "body", "language"),
    [
        pytest.param(
            "黄浦江两岸贯通工程完工",
            "上海黄浦江两岸45公里岸线全面贯通，市民可骑行漫步。杭州市考察团前来参观公共空间建设。",
            "zh",
            id="riverbanks-of-one-city",
        ),
        pytest.param(
            "南京推进跨界融合发展",
            "南京市出台政策推动文旅跨界融合，数字经济与制造业协同发展。合肥企业也参加了发布会。",
            "zh",
            id="cross-sector",
        ),
        pytest.param(
            "Shanghai hospital opens branch",
            "A Shanghai hospital opened a branch in Pudong for medical care. Patients insured in "
            "Hefei still pay in advance; no reciprocal settlement arrangement exists yet.",
            "en",
            id="denied",
        ),
        pytest.param(
            "Ningbo port sets cargo record",
            "Ningbo port handled a record volume of containers. Shanghai's Yangshan port, on the "
            "opposite bank of Hangzhou Bay, also grew its shipping.",
            "en",
            id="opposite-bank-on-a-map",
        ),
        pytest.param(
            "A new road opens",
            "A road crossing the boundary opened in Kunshan. Drivers from Shanghai and Zhejiang "
            "save a detour.",
            "en",
            id="three-members-named",
        ),
        pytest.param(
            "Pinghu villages on the other side of the boundary",
            "A bus route in Shanghai's Jinshan district opened. Pinghu residents watched.",
            "en",
            id="cue-only-in-the-title",
        ),
    ],
)
def test_boundary_words_that_are_not_two_members_across_a_boundary(catalog, title, body, language):
    decision = link_text(title, body, language, catalog)
    assert not decision.anchor["reason"].startswith(BOUNDARY_REASON)


def test_shanghai_streets_named_after_the_zone_s_parts_are_not_the_zone(catalog):
    decision = link_text(
        "街区改造启动",
        "静安区吴江路美食街和徐汇区嘉善路将改造，青浦区也将建设生态绿色街区。",
        "zh",
        catalog,
    )
    assert decision.anchor["demo_zone_parts"] == 0
    assert not decision.is_followup


@pytest.mark.parametrize(
    ("body", "language"),
    [
        pytest.param(
            "Patients from Jiaxing often see doctors in Suzhou. The two cities have not signed "
            "any agreement on medical insurance settlement.",
            "en",
            id="english",
        ),
        pytest.param("嘉兴患者常到苏州就医。两地尚未签署医保结算协议。", "zh", id="chinese"),
    ],
)
def test_a_denied_pair_sentence_does_not_anchor(catalog, body, language):
    decision = link_text("Medical insurance", body, language, catalog)
    assert decision.anchor["reason"] == "two members named"
    assert not decision.is_followup


def test_not_only_and_no_longer_deny_nothing(catalog):
    decision = link_text(
        "Medical reciprocity",
        "Patients from Jiaxing now see doctors in Suzhou hospitals. They no longer pay first, "
        "and receive not only treatment but also reimbursement on the same terms as locals.",
        "en",
        catalog,
    )
    assert decision.anchor["reason"].startswith(BOUNDARY_REASON)


def test_explain_says_when_a_commitment_carries_its_field_s_best_score(catalog):
    from warehouse.linking import explain

    lines = explain(
        "Leaders of delta provinces hold annual symposium in Wuhu",
        "Party secretaries and governors of Shanghai, Jiangsu, Zhejiang and Anhui met in Wuhu "
        "for the annual symposium of the region's main leaders. They reviewed progress on the "
        "integration plan and signed agreements.",
        "en",
        catalog,
    )
    carried = [line for line in lines if "carries the field's best score" in line]
    assert carried and all(line.startswith("LINK") for line in carried)
    assert "mechanism.leadership_forum" in carried[0]
