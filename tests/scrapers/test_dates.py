"""Dates as the YRD sites print them, read as Asia/Shanghai times."""

from datetime import datetime

import pytest

from scrapers.dates import SHANGHAI_TZ, date_from_url, parse_date


def at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=SHANGHAI_TZ)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2018-06-04", at(2018, 6, 4)),
        ("2018/06/04", at(2018, 6, 4)),
        ("2018.06.04", at(2018, 6, 4)),
        ("2018年6月4日", at(2018, 6, 4)),
        ("June 04, 2018", at(2018, 6, 4)),
        ("Jun 4, 2018", at(2018, 6, 4)),
        ("Updated: Dec 08,2019 09:20    CGTN", at(2019, 12, 8, 9, 20)),
        ("Updated: February 18, 2021 17:13 english.www.gov.cn", at(2021, 2, 18, 17, 13)),
        ("updated on:2024-02-21 10:34", at(2024, 2, 21, 10, 34)),
        ("2026-06-13 14∶06", at(2026, 6, 13, 14, 6)),
        ("2024-08-02-10:15:00", at(2024, 8, 2, 10, 15)),
        ("2024-08-02 10:15:00", at(2024, 8, 2, 10, 15)),
        ("2024- 08-03", at(2024, 8, 3)),
        ("发布时间：2024-07-31 10:00", at(2024, 7, 31, 10, 0)),
        ("english.shanghai.gov.cn| July 31, 2024", at(2024, 7, 31)),
        ("Sept 3, 2020", at(2020, 9, 3)),
        ("2018年6月4日 10时30分", at(2018, 6, 4, 10, 30)),
    ],
)
def test_every_documented_format_is_read(text: str, expected: datetime) -> None:
    assert parse_date(text) == expected


def test_result_is_shanghai_time() -> None:
    value = parse_date("2024-08-01 10:30")
    assert value is not None and value.utcoffset().total_seconds() == 8 * 3600


def test_explicit_utc_offset_is_converted_to_shanghai() -> None:
    assert parse_date("2024-08-02T02:15:00Z") == at(2024, 8, 2, 10, 15)


@pytest.mark.parametrize(
    "text",
    ["2024-02-30", "1989-12-31", "2101-01-01", "no date here", "", "3100000010",
     "三年行动计划（2024—2026年）", "2024-13-01"],
)  # fmt: skip
def test_impossible_or_absent_dates_give_none(text: str) -> None:
    assert parse_date(text) is None


def test_first_date_in_text_wins() -> None:
    assert parse_date("发布日期：2024-08-01 相关：2023-01-01") == at(2024, 8, 1)
    assert parse_date("Briefing on July 25, 2024, published 2024-07-26") == at(2024, 7, 25)


def test_invalid_date_is_skipped_for_a_later_valid_one() -> None:
    assert parse_date("2024-02-30 corrected to 2024-03-01") == at(2024, 3, 1)


def test_bad_time_keeps_the_date() -> None:
    assert parse_date("2024-08-01 25:61") == at(2024, 8, 1)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://www.jiangsu.gov.cn/art/2024/8/3/art_60096_11300001.html", at(2024, 8, 3)),
        ("https://www.ezhejiang.gov.cn/2024-08/05/c_1001234.htm", at(2024, 8, 5)),
        ("https://www.shanghai.gov.cn/nw12344/20240801/5f0c3a9e2b7d4c1a8e6f9d0b1c2a3e4f.html",
         at(2024, 8, 1)),
        ("https://www.ndrc.gov.cn/fggz/dqjj/202209/t20220909_1368749.html", at(2022, 9, 9)),
        ("https://en.shio.gov.cn/TrueCMS/shxwbgs/newss/content/20240725233654352.html",
         at(2024, 7, 25)),
        ("https://www.gov.cn/yaowen/liebiao/202408/content_6971234.htm", None),
        ("https://www.ah.gov.cn/zwyw/jryw/565497491.html", None),
    ],
)  # fmt: skip
def test_date_from_url(url: str, expected: datetime | None) -> None:
    assert date_from_url(url) == expected
