"""Cross-language keys: a Chinese release and its English translation name the same things."""

from datetime import date

import pytest

from warehouse.crosslang import name_keys, number_keys
from warehouse.lexicon import prepare
from warehouse.stories import make_release, same_story


@pytest.mark.parametrize(
    ("zh", "en", "key"),
    [
        ("覆盖1.5万家医疗机构", "covers 15,000 clinics", "15000"),
        ("共投资120亿元", "investment of 12 billion yuan", "12000000000"),
        ("经济总量达27.6万亿元", "GDP reached 27.6 trillion yuan", "27600000000000"),
        ("长江经济带11省市", "Eleven provinces along the belt", "11"),
        ("6月5日至6日举行", "held on June 5-6", "06-05"),
        ("12月26日开通", "opened on 26 December", "12-26"),
        ("时速350公里", "350 km an hour", "350"),
        ("总投资1千亿元", "a total of 100 bn yuan", "100000000000"),
        ("新增2.5万个岗位", "25 thousand new jobs", "25000"),
        ("投资4.1万亿元", "4,100 billion yuan invested", "4100000000000"),
        ("总投资300余亿元", "more than 30 billion yuan", "30000000000"),
        ("±800千伏特高压", "an 800 kV UHV line", "800"),
    ],
)
def test_numbers_are_written_differently_but_key_the_same(zh, en, key):
    assert key in number_keys(prepare(zh))
    assert key in number_keys(prepare(en))


def test_a_date_is_a_date_not_two_counts():
    assert number_keys(prepare("12月26日，沪苏湖铁路开通")) == {"12-26"}
    assert number_keys(prepare("On December 26 the railway opened")) == {"12-26"}


def test_a_run_of_digits_too_long_for_a_count_is_dropped_not_a_crash():
    assert number_keys(prepare("序列号" + "7" * 320 + "，共30项")) == {"30"}


def test_places_inside_other_names_are_not_places():
    assert name_keys(prepare("绿水青山就是金山银山；南京路步行街；苏州河")) == frozenset()
    assert name_keys(prepare("Nanjing Road and Suzhou Creek")) == frozenset()


def test_one_digit_counts_and_province_names_are_not_keys():
    assert number_keys(prepare("5 stations in 3 cities")) == frozenset()
    assert name_keys(prepare("上海、江苏、浙江和安徽")) == frozenset()
    assert name_keys(prepare("Shanghai, Jiangsu, Zhejiang and Anhui")) == frozenset()


def test_places_and_programmes_key_the_same_in_both_languages():
    zh = name_keys(prepare("沪苏湖铁路经吴江至湖州"))
    en = name_keys(prepare("The Shanghai-Suzhou-Huzhou railway runs via Wujiang to Huzhou"))
    assert zh == en >= {"place:huzhou", "place:wujiang"}


SUMMIT_ZH = (
    "2023年度长三角地区主要领导座谈会举行",
    "6月5日至6日，2023年度长三角地区主要领导座谈会在安徽举行。会议提出携手打造科技创新共同体，"
    "三省一市签署12项合作协议。",
)
SUMMIT_EN = (
    "Delta leaders' symposium held in Anhui",
    "The 2023 symposium of the region's main leaders was held in Anhui on June 5-6. It called "
    "for a joint sci-tech innovation community, and the four regions signed 12 agreements.",
)
OTHER_EN = (
    "Delta leaders' symposium: G60 corridor signs 30 projects",
    "On the sidelines of the symposium of the region's main leaders, held in 2023, the G60 "
    "corridor signed 30 projects worth 12 billion yuan on June 2.",
)


def release(url, language, text, day):
    return make_release(url, language, date(2023, 6, day), "", *text)


def test_translation_is_found_from_names_dates_and_numbers():
    zh = release("zh", "zh", SUMMIT_ZH, 7)
    assert same_story(release("en", "en", SUMMIT_EN, 7), zh) == "translation"
    assert same_story(release("late", "en", SUMMIT_EN, 15), zh) is None  # too far apart
    assert same_story(release("other", "en", OTHER_EN, 7), zh) is None  # other numbers


def test_same_day_story_starts_with_the_chinese_release_and_a_reprint_says_so():
    from warehouse.stories import cluster

    en = release("https://a.example/en", "en", SUMMIT_EN, 7)
    zh = release("https://z.example/zh", "zh", SUMMIT_ZH, 7)
    reprint = make_release("https://b.example/zh", "zh", date(2023, 6, 8), "", *SUMMIT_ZH)
    assigned = cluster([en, reprint, zh], {})
    assert assigned == {
        zh.url: (zh.url, "first"),
        en.url: (zh.url, "translation"),
        reprint.url: (zh.url, "copy"),  # it translates the English one too: copy is the finer
    }


def test_a_copy_is_looked_for_in_the_two_weeks_before_only():
    from warehouse.stories import cluster

    def zh(url, day):
        return make_release(url, "zh", day, "", *SUMMIT_ZH)

    original = zh("https://a.example/1", date(2023, 6, 1))
    reprint = zh("https://b.example/2", date(2023, 6, 14))
    months_later = zh("https://c.example/3", date(2023, 8, 1))
    undated = zh("https://d.example/4", None)
    assigned = cluster([months_later, undated, reprint, original], {})
    assert assigned[reprint.url] == (original.url, "copy")
    assert assigned[months_later.url] == (months_later.url, "first")  # a new story by now
    assert assigned[undated.url] == (original.url, "copy")  # no date: compared with all


def test_story_benchmark_agrees_with_all_pairs_on_nearby_reprints():
    from bench.bench_stories import all_pairs_cluster, sample_releases
    from warehouse.stories import cluster

    releases = sample_releases(60)  # fewer than the labeled items: nothing recurs
    windowed, every_pair = cluster(releases, {}), all_pairs_cluster(releases)
    assert windowed == every_pair
    assert sum(reason == "copy" for _, reason in windowed.values()) >= 6  # the reprints


def test_the_same_day_year_and_city_do_not_make_a_translation():
    """Two different events of one week share the year, the date and the city, nothing else."""
    zh = make_release(
        "zh", "zh", date(2024, 6, 5), "", "南京召开长三角养老服务合作推进会",
        "2024年6月5日，南京市召开长三角养老服务合作推进会，研究跨省养老服务协作。",
    )  # fmt: skip
    en = make_release(
        "en", "en", date(2024, 6, 6), "", "Nanjing opens a tourism fair",
        "On June 5, 2024, Nanjing opened a delta tourism fair with 30 exhibitors.",
    )  # fmt: skip
    assert same_story(en, zh) is None


def test_an_original_scraped_a_run_after_its_translation_joins_the_story():
    from warehouse.stories import cluster

    en = release("https://a.example/en", "en", SUMMIT_EN, 7)
    zh = release("https://z.example/zh", "zh", SUMMIT_ZH, 7)
    assert cluster([en, zh], {en.url: en.url}) == {  # the story now starts at the original
        zh.url: (zh.url, "first"),
        en.url: (zh.url, "translation"),
    }


def test_too_little_text_is_never_a_copy():
    a = make_release("a", "zh", date(2024, 6, 5), "", "图片", "")
    b = make_release("b", "zh", date(2024, 6, 5), "", "图片", "")
    assert same_story(a, b) is None


REAL_SHAPED_PAIRS = {  # invented releases in the shape of the sites' zh originals and en versions
    "leaders' symposium with signed projects": (
        (
            "2024年度长三角地区主要领导座谈会在芜湖召开",
            "6月5日，2024年度长三角地区主要领导座谈会在安徽芜湖召开。会议审议了相关文件。"
            "会上，三省一市签约了15个重大合作项目，总投资约1200亿元。",
        ),
        (
            "2024 leaders' symposium held in Wuhu",
            "The 2024 symposium of the region's main leaders of the Yangtze River Delta was held "
            "in Wuhu, Anhui province, on June 5. The three provinces and one city signed 15 major "
            "cooperation projects with a total investment of about 120 billion yuan.",
        ),
    ),
    "UHV line with approximate amounts": (
        (
            "长三角特高压工程投运",
            "6月5日，白鹤滩—浙江±800千伏特高压直流输电工程全面投运，该工程总投资300余亿元，"
            "每年可向浙江输送清洁电能300多亿千瓦时，湖州换流站同步投运。",
        ),
        (
            "UHV line to Zhejiang enters full operation",
            "On June 5, the ±800 kV Baihetan-Zhejiang ultra-high voltage direct current "
            "transmission project entered full operation. The project, with a total investment of "
            "more than 30 billion yuan, will deliver over 30 billion kWh of clean power to "
            "Zhejiang each year. The Huzhou converter station started operation at the same time.",
        ),
    ),
    "medical settlement figures in 万 and 亿": (
        (
            "长三角异地就医直接结算惠及更多群众",
            "记者从上海市医保局获悉，截至5月底，长三角地区门诊费用跨省直接结算累计达1800余万人次，"
            "涉及医疗费用40多亿元。青浦、吴江、嘉善三地已实现医保一卡通。",
        ),
        (
            "More YRD patients settle medical bills directly",
            "Outpatient expenses settled directly across provinces in the Yangtze River Delta had "
            "exceeded 18 million visits by the end of May, involving medical costs of more than 4 "
            "billion yuan, the Shanghai Medical Security Bureau said. Qingpu, Wujiang and Jiashan "
            "have integrated their medical insurance cards.",
        ),
    ),
    "short meeting brief: day, year and the body that met": (
        (
            "长三角区域合作办公室召开2024年第二季度工作会议",
            "6月5日，长三角区域合作办公室召开2024年第二季度工作会议，总结上半年工作，"
            "部署下一阶段重点任务。",
        ),
        (
            "YRD cooperation office holds Q2 work meeting",
            "The Yangtze River Delta Regional Cooperation Office held its work meeting for the "
            "second quarter of 2024 on June 5, reviewing work in the first half of the year and "
            "planning key tasks for the next stage.",
        ),
    ),
}


@pytest.mark.parametrize("name", sorted(REAL_SHAPED_PAIRS))
def test_translations_of_typical_releases_are_found(name):
    zh_text, en_text = REAL_SHAPED_PAIRS[name]
    zh = make_release("zh", "zh", date(2024, 6, 5), "", *zh_text)
    en = make_release("en", "en", date(2024, 6, 6), "", *en_text)
    assert same_story(en, zh) == "translation"
