"""Language-neutral keys of a release, so a Chinese release and its English translation can be
recognised as one story without a translation model.

Two kinds of keys:

* names: the programmes (`lexicon.PROGRAMME_KEYS`) and the places below the provinces (cities,
  districts, counties) a release names, as the same key in both languages;
* numbers: what a release counts, written the way each language writes it. `1.5万`,
  `15,000` and `15 thousand` are all `15000`; `120亿元` and `12 billion yuan` are both
  `12000000000`; `11省市` and `Eleven provinces` are both `11`; `6月5日` and `June 5` are both
  the date key `06-05`. One-digit counts say little and are dropped.

A province name is not a key: nearly every delta release names one.
"""

from __future__ import annotations

import re
from decimal import Decimal

from warehouse import lexicon

# Places below the provinces, key -> (English names, Chinese names). Two cities share an English
# name twice in the region (Suzhou 苏州/宿州, Taizhou 泰州/台州), so those share a key.
_PLACE_LISTS = (
    ("nanjing", "nanjing", "南京"),
    ("suzhou", "suzhou", "苏州 宿州"),
    ("wuxi", "wuxi", "无锡"),
    ("changzhou", "changzhou", "常州"),
    ("nantong", "nantong", "南通"),
    ("yangzhou", "yangzhou", "扬州"),
    ("zhenjiang", "zhenjiang", "镇江"),
    ("taizhou", "taizhou", "泰州 台州"),
    ("yancheng", "yancheng", "盐城"),
    ("huaian", "huai'an huaian", "淮安"),
    ("lianyungang", "lianyungang", "连云港"),
    ("xuzhou", "xuzhou", "徐州"),
    ("suqian", "suqian", "宿迁"),
    ("hangzhou", "hangzhou", "杭州"),
    ("ningbo", "ningbo", "宁波"),
    ("wenzhou", "wenzhou", "温州"),
    ("jiaxing", "jiaxing", "嘉兴"),
    ("huzhou", "huzhou", "湖州"),
    ("shaoxing", "shaoxing", "绍兴"),
    ("jinhua", "jinhua", "金华"),
    ("quzhou", "quzhou", "衢州"),
    ("zhoushan", "zhoushan", "舟山"),
    ("lishui", "lishui", "丽水"),
    ("hefei", "hefei", "合肥"),
    ("wuhu", "wuhu", "芜湖"),
    ("bengbu", "bengbu", "蚌埠"),
    ("huainan", "huainan", "淮南"),
    ("maanshan", "ma'anshan maanshan", "马鞍山"),
    ("huaibei", "huaibei", "淮北"),
    ("tongling", "tongling", "铜陵"),
    ("anqing", "anqing", "安庆"),
    ("huangshan", "huangshan", "黄山"),
    ("chuzhou", "chuzhou", "滁州"),
    ("fuyang", "fuyang", "阜阳"),
    ("luan", "lu'an", "六安"),
    ("bozhou", "bozhou", "亳州"),
    ("chizhou", "chizhou", "池州"),
    ("xuancheng", "xuancheng", "宣城"),
    ("qingpu", "qingpu", "青浦"),
    ("wujiang", "wujiang", "吴江"),
    ("jiashan", "jiashan", "嘉善"),
    ("pudong", "pudong", "浦东"),
    ("lingang", "lingang lin-gang", "临港"),
    ("songjiang", "songjiang", "松江"),
    ("jiading", "jiading", "嘉定"),
    ("minhang", "minhang", "闵行"),
    ("jinshan", "jinshan", "金山"),
    ("kunshan", "kunshan", "昆山"),
    ("taicang", "taicang", "太仓"),
    ("haining", "haining", "海宁"),
    ("pinghu", "pinghu", "平湖"),
    ("wuhan", "wuhan", "武汉"),
)
PLACE_KEYS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    key: (tuple(en.split()), tuple(zh.split())) for key, en, zh in _PLACE_LISTS
}
# Names that contain a place but are not that place: Shanghai's Nanjing Road and Suzhou Creek,
# and the "金山银山" (mountains of gold and silver) of the green-development slogan.
_NOT_PLACES_RE = re.compile(
    r"南京(?:东|西)?路|苏州河|金山银山|nanjing (?:east |west )?road|suzhou creek", re.I
)

_MONTHS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
_MONTH_INDEX = {name: i for i, name in enumerate(_MONTHS, start=1)}
_MONTH_ALT = "|".join(_MONTHS)
_DATE_ZH_RE = re.compile(r"(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_DATE_EN_RE = re.compile(rf"\b({_MONTH_ALT})\s+(\d{{1,2}})(?:st|nd|rd|th)?\b", re.I)
_DATE_EN_DAY_FIRST_RE = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+({_MONTH_ALT})\b", re.I)
_UNITS = {
    unit: Decimal(f"1e{power}")
    for unit, power in (
        ("万亿", 12),
        ("千亿", 11),
        ("亿", 8),
        ("万", 4),
        ("千", 3),
        ("trillion", 12),
        ("billion", 9),
        ("million", 6),
        ("thousand", 3),
        ("bn", 9),
        ("mn", 6),
    )
}
MAX_DIGITS = 18  # a longer run of digits is an id or junk, not a count
_NUMBER_RE = re.compile(  # 300余亿 = 300亿; the 千 of 千瓦/千米/千伏 is a unit of measure
    r"(?<![\d.])(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?\s*(?:余|多)?"
    r"(万亿|千亿|亿|万|千(?![瓦米伏克帕卡兆])|(?:trillion|billion|million|thousand|bn|mn)(?![a-z]))?",
    re.I,
)
_NUMBER_WORDS = {  # English counts from ten up, as written out in running text
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
_NUMBER_WORD_RE = re.compile(r"\b(" + "|".join(_NUMBER_WORDS) + r")\b", re.I)


def name_keys(text: str) -> frozenset[str]:
    """Programmes and sub-provincial places a prepared text names, as language-neutral keys.
    Places are looked for outside programme names: "Shanghai-Suzhou-Huzhou railway" names no
    city, as its Chinese name 沪苏湖铁路 does not."""
    lowered = _NOT_PLACES_RE.sub(" ", _without_programme_names(text.lower()))
    places = {
        f"place:{key}"
        for key, (names_en, names_zh) in PLACE_KEYS.items()
        if any(name in lowered for name in names_zh)
        or any(lexicon.count_english(name, lowered) for name in names_en)
    }
    return lexicon.programme_keys(text) | places


def _without_programme_names(lowered: str) -> str:
    for names_en, names_zh in lexicon.PROGRAMME_KEYS.values():
        for name in (*names_en, *names_zh):
            lowered = lowered.replace(name.lower(), " ")
    return lowered


def number_keys(text: str) -> frozenset[str]:
    """Dates (MM-DD) and counts of a prepared text, normalised across the two languages (the
    60 of "G60" is a name, not a count)."""
    dates, rest = _date_keys(_without_programme_names(text.lower()))
    counts = {_canonical(m) for m in _NUMBER_RE.finditer(rest)}
    counts |= {str(_NUMBER_WORDS[w.lower()]) for w in _NUMBER_WORD_RE.findall(rest)}
    return frozenset(dates | {c for c in counts if len(c) >= 2})


def _date_keys(text: str) -> tuple[set[str], str]:
    """Month-day keys, and the text with those dates cut out (their digits are not counts)."""
    found: set[str] = set()

    def keep(month: int, day: str) -> str:
        if 1 <= month <= 12 and 1 <= int(day) <= 31:
            found.add(f"{month:02d}-{int(day):02d}")
        return " "

    text = _DATE_ZH_RE.sub(lambda m: keep(int(m[1]), m[2]), text)
    text = _DATE_EN_RE.sub(lambda m: keep(_MONTH_INDEX[m[1].lower()], m[2]), text)
    text = _DATE_EN_DAY_FIRST_RE.sub(lambda m: keep(_MONTH_INDEX[m[2].lower()], m[1]), text)
    return found, text


def _canonical(match: re.Match) -> str:
    """`1.5万` -> `15000`, `4.1万亿` -> `4100000000000`, `2.50` -> `2.5`; exact (Decimal), and
    empty for a run of digits too long to be a count."""
    whole, fraction, unit = match.groups()
    digits = whole.replace(",", "")
    if len(digits) > MAX_DIGITS:
        return ""
    value = Decimal(digits + (fraction or "")) * (_UNITS[unit.lower()] if unit else 1)
    return format(value.normalize(), "f")
