"""Term lists and text matching shared by the linker and the evaluator.

Matching rules: Chinese text is converted Traditional->Simplified and segmented with jieba
(with the region's programme names added to its dictionary so they stay whole); a Chinese
term matches only where it starts and ends on token boundaries. English text is lower-cased,
hyphens and curly quotes are normalised, and terms match as whole words (plural -s allowed).
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

logger = logging.getLogger(__name__)

MAX_TEXT_CHARS = 40_000  # scraped text is hostile: cap what we segment and scan
USER_DICT = Path(__file__).with_name("yrd_dict.txt")  # jieba dictionary of programme names

# Names of the region itself: a release must be anchored in the delta to be a follow-up.
DELTA_NAMES_EN = ("yangtze river delta", "yangtze delta", "yrd")
DELTA_NAMES_ZH = ("长三角", "长江三角洲", "沪苏浙皖", "苏浙皖沪", "三省一市", "江浙沪皖")

# Programme names that only exist because of delta integration: each one anchors a release.
PROGRAMMES_EN = (
    "g60 science and technology innovation corridor",
    "g60 corridor",
    "ecological green integrated development demonstration zone",
    "green integrated development demonstration zone",
    "hongqiao international opening-up hub",
    "hongqiao international hub",
    "shanghai-suzhou-nantong",
    "shanghai-suzhou-huzhou",
    "nantong-suzhou-jiaxing-ningbo",
    "shanghai-nanjing-hefei",
    "region cooperation office",
    "regional cooperation office",
    "xin'an river",
)
PROGRAMMES_ZH = (
    "G60科创走廊",
    "长三角生态绿色一体化发展示范区",
    "生态绿色一体化发展示范区",
    "一体化示范区",
    "青吴嘉",
    "虹桥国际开放枢纽",
    "沪苏通铁路",
    "沪苏通",
    "沪苏湖铁路",
    "沪苏湖",
    "通苏嘉甬铁路",
    "通苏嘉甬",
    "沪宁合高铁",
    "沪宁合",
    "沪苏嘉城际",
    "长三角区域合作办公室",
    "主要领导座谈会",
    "沪苏浙皖",
    "新安江",
)
# Words of members acting together: two members named in one sentence with one of these is
# cooperation, not a passing mention of a neighbour.
COOPERATION_CUES_EN = (
    "joint",
    "jointly",
    "together",
    "agreement",
    "agreed",
    "signed",
    "pact",
    "cross-provincial",
    "cross-border",
    "inter-provincial",
    "interprovincial",
    "between",
    "linking",
    "connecting",
    "shared",
    "share",
    "sharing",
    "counterparts",
    "mutual",
    "mutually",
    "each other",
    # English counterparts of the Chinese cues below (合作, 协同, 一体化, 联动, 连接, 毗邻, 省界)
    "cooperation",
    "cooperate",
    "collaboration",
    "collaborative",
    "coordinated",
    "integration",
    "linkage",
    "connect",
    "connected",
    "link up",
    "adjacent",
    "provincial border",
    "provincial boundary",
)
COOPERATION_CUES_ZH = (
    "联合",
    "共建",
    "共同",
    "签署",
    "协议",
    "跨省",
    "省际",
    "两地",
    "三地",
    "四地",
    "互认",
    "互通",
    "联动",
    "协同",
    "合作",
    "连接",
    "共享",
    "一体化",
    "毗邻",
    "省界",
)
# Two members referred to as a pair of places ("the two cities", 两地): with another word of
# cooperation in the same sentence, this is the two named members acting together even when no
# one sentence names both. Pairs of parties ("the two sides", 双方) are left out: they are as
# often two companies signing a contract.
MEMBER_PAIR_EN = (
    "the two provinces",
    "both provinces",
    "the two cities",
    "both cities",
    "the two regions",
    "both regions",
    "the two places",
    "the two localities",
    "the two municipalities",
)
MEMBER_PAIR_ZH = ("两地", "两省", "两市", "两省市", "两区", "两县")
# Provincial-level places outside the delta. "The two sides" of a release that names one of them
# may be a member and that place (paired assistance to Xinjiang, a cross-Strait fair), so a
# pair word anchors a release only when it names none of them.
NON_MEMBER_PLACES_EN = (
    "beijing", "tianjin", "hebei", "shanxi", "inner mongolia", "liaoning", "jilin",
    "heilongjiang", "fujian", "jiangxi", "shandong", "henan", "hubei", "hunan", "guangdong",
    "guangxi", "hainan", "chongqing", "sichuan", "guizhou", "yunnan", "tibet", "xizang",
    "shaanxi", "gansu", "qinghai", "ningxia", "xinjiang", "taiwan", "hong kong", "macao",
    "macau", "cross-strait",
)  # fmt: skip
NON_MEMBER_PLACES_ZH = (
    "北京", "天津", "河北", "山西", "内蒙古", "辽宁", "吉林", "黑龙江", "福建", "江西", "山东",
    "河南", "湖北", "湖南", "广东", "广西", "海南", "重庆", "四川", "贵州", "云南", "西藏",
    "陕西", "甘肃", "青海", "宁夏", "新疆", "台湾", "香港", "澳门", "海峡两岸",
)  # fmt: skip
# The members named as a group ("the four provinces"): in a release that names the delta, this
# stands for all four members, as 三省一市 does in Chinese.
MEMBERS_COLLECTIVE_EN = (
    "four provinces",
    "four provincial-level",
    "three provinces and one city",
    "three provinces and one municipality",
)
MEMBERS_COLLECTIVE_ZH = ("三省一市", "沪苏浙皖", "苏浙皖沪", "江浙沪皖")

# The three parts of the demonstration zone named together stand for the zone itself.
DEMO_ZONE_PARTS = (("qingpu", "青浦"), ("wujiang", "吴江"), ("jiashan", "嘉善"))

# Other regional strategies: the usual near-misses.
OTHER_REGIONS_EN = (
    "beijing-tianjin-hebei",
    "jing-jin-ji",
    "xiong'an",
    "greater bay area",
    "guangdong-hong kong-macao",
    "pearl river delta",
    "yangtze river economic belt",
    "chengdu-chongqing",
    "yellow river",
    "hainan free trade port",
    "northeast china",
)
OTHER_REGIONS_ZH = (
    "京津冀",
    "雄安",
    "粤港澳大湾区",
    "大湾区",
    "珠三角",
    "长江经济带",
    "成渝",
    "川渝",
    "黄河流域",
    "黄河",
    "海南自由贸易港",
    "东北振兴",
)

# The four members and their main cities, districts and border counties (for "two or more
# members together"): English names, then Chinese names, space-separated. Chinese names count on
# jieba token boundaries (provinces_named), so 江宁 is not in 浙江宁波 nor 来安 in 带来安全; names
# that jieba may still cut wrongly, or that mean something else, are left out in Chinese: 淮北
# (also northern Jiangsu), 天长 (天长地久), 六合 (六合彩), 长兴 (also Shanghai's 长兴岛), 海安
# (上海安排), 如东 (比如东部); 金山 only as 金山区 (金山银山, Zhenjiang's 金山寺).
# Left out in English: Taizhou (泰州 in Jiangsu and 台州 in Zhejiang), Yangpu (also Hainan's port),
# Cixi (an empress), Jurong (also Singapore's), Huangpu (also Guangzhou's 黄埔), Baoshan (also
# Yunnan's 保山), Fuyang (富阳 in Zhejiang and 阜阳 in Anhui), Changning (also in Sichuan),
# Jingjiang (also Hubei's flood area), Danyang (also in Korea), Nanling (the mountains), Lujiang
# (also in Xiamen). 长宁 and 宝山 only as 长宁区 and 宝山区 (Sichuan's 长宁县, Taiwan's 宝山乡).
_PROVINCE_NAME_LISTS = {
    "shanghai": (
        "shanghai qingpu songjiang jiading pudong minhang hongqiao lin-gang jinshan fengxian "
        "chongming xuhui jing'an jingan hongkou",
        "上海 沪 青浦 松江 嘉定 浦东 闵行 虹桥 临港 金山区 奉贤 崇明 徐汇 杨浦 静安 长宁区 虹口 "
        "黄浦 宝山区",
    ),
    "jiangsu": (
        "jiangsu nanjing suzhou wuxi changzhou nantong wujiang kunshan yancheng yangzhou "
        "zhenjiang xuzhou lianyungang huai'an huaian suqian taicang changshu zhangjiagang jiangyin "
        "yixing liyang jiangning pukou gaochun qidong rugao xuyi jintan yizheng yangzhong "
        "taixing gaoyou",
        "江苏 南京 苏州 无锡 常州 南通 吴江 昆山 盐城 扬州 镇江 徐州 连云港 淮安 宿迁 泰州 "
        "太仓 常熟 张家港 江阴 溧阳 浦口 高淳 如皋 盱眙 金坛 江宁 宜兴 启东 仪征 句容 丹阳 扬中 "
        "泰兴 靖江 高邮",
    ),
    "zhejiang": (
        "zhejiang hangzhou ningbo jiaxing jiashan huzhou shaoxing jinhua wenzhou zhoushan "
        "quzhou lishui haining pinghu anji deqing tongxiang yuyao yiwu keqiao xiaoshan yuhang "
        "chun'an chunan nanxun xiuzhou lin'an linan jiande zhuji shangyu",
        "浙江 浙 杭州 宁波 嘉兴 嘉善 湖州 绍兴 金华 温州 舟山 衢州 丽水 海宁 平湖 台州 "
        "德清 桐乡 慈溪 余姚 义乌 柯桥 萧山 余杭 淳安 南浔 秀洲 临安 建德 富阳 诸暨 上虞",
    ),
    "anhui": (
        "anhui hefei wuhu xuancheng huangshan ma'anshan maanshan chuzhou anqing bengbu "
        "chizhou tongling lu'an langxi guangde dangtu quanjiao lai'an laian tianchang huainan "
        "huaibei bozhou bowang ningguo jingxian xiuning qimen feidong feixi chaohu fanchang "
        "fengyang",
        "安徽 皖 合肥 芜湖 宣城 黄山 马鞍山 滁州 安庆 蚌埠 池州 铜陵 六安 郎溪 当涂 全椒 "
        "淮南 亳州 宿州 歙县 绩溪 来安 广德 博望 宁国 泾县 休宁 祁门 肥东 肥西 巢湖 庐江 繁昌 "
        "南陵 凤阳",
    ),
}
PROVINCE_NAMES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    province: (tuple(en.split()), tuple(zh.split()))
    for province, (en, zh) in _PROVINCE_NAME_LISTS.items()
}

_CJK_RE = re.compile(r"[\u3400-\u9fff]")
_SENTENCE_RE = re.compile(r"[^。！？；!?\n]+?(?:[。！？；!?\n]|\.(?=\s|$)|$)", re.S)
_QUOTES = str.maketrans(
    {"’": "'", "‘": "'", "“": '"', "”": '"', "‐": "-", "‑": "-", "–": "-", "—": "-"}
)


def has_cjk(text: str) -> bool:
    return bool(_CJK_RE.search(text))


@lru_cache(maxsize=1)
def _converter():
    from opencc import OpenCC

    return OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Traditional->Simplified, so Big5 reprints link like the originals."""
    return _converter().convert(text) if has_cjk(text) else text


def prepare(text: str) -> str:
    """Cap, convert to Simplified Chinese and normalise quotes and dashes."""
    return to_simplified((text or "")[:MAX_TEXT_CHARS]).translate(_QUOTES)


def split_sentences(text: str) -> list[str]:
    """Split on 。！？；.!? and newlines; a period only ends a sentence before space or end."""
    return [s.strip() for s in _SENTENCE_RE.findall(text) if s.strip()]


# ------------------------------------------------------------------- English matching


# British and American spellings (recognise/recognize, organisation/organization) both match.
_IZE_RE = re.compile(r"i[sz](?:e|ed|es|ing|ation|ations)$")


def _word_pattern(word: str) -> str:
    found = _IZE_RE.search(word) if len(word) > 5 else None
    if not found:
        return re.escape(word)
    cut = found.start()
    return re.escape(word[:cut]) + "i[sz]" + re.escape(word[cut + 2 :])


def _english_pattern(term: str) -> str:
    words = re.split(r"[\s\-]+", term.lower().translate(_QUOTES).strip())
    body = r"[\s\-]+".join(_word_pattern(w) for w in words if w)
    return rf"(?<![a-z0-9]){body}(?:e?s)?(?![a-z0-9])"


@lru_cache(maxsize=4096)
def english_regex(term: str) -> re.Pattern[str]:
    """Whole-word, case-insensitive phrase match; hyphen and space are interchangeable."""
    return re.compile(_english_pattern(term), re.I)


@lru_cache(maxsize=4096)
def _english_key(term: str) -> str:
    """The longest word of a term, cut before any -ise/-ize ending: a cheap substring test
    before running the regex."""
    word = max(re.split(r"[\s\-]+", term.lower().translate(_QUOTES)), key=len)
    found = _IZE_RE.search(word) if len(word) > 5 else None
    return word[: found.start() + 1] if found else word


@lru_cache(maxsize=8192)
def match_key(term: str) -> str:
    """What a term matches, as one string: two terms with one key match the same text
    ("ultra-high voltage" / "ultra-high-voltage", "digitalisation" / "digitalization",
    "5G" / "5g", 長三角 / 长三角), so a commitment counts them as one term, not two."""
    return to_simplified(term) if has_cjk(term) else _english_pattern(term)


def count_english(term: str, text: str) -> int:
    """Whole-word occurrences of term in lower-cased text."""
    if _english_key(term) not in text:
        return 0
    return len(english_regex(term).findall(text))


# ------------------------------------------------------------------- Chinese matching

_TOKENIZER_LOCK = threading.Lock()
_tokenizer = None
_added_words: set[str] = set()


def _get_tokenizer():
    """A private jieba Tokenizer, so our dictionary additions never leak into other users."""
    global _tokenizer
    if _tokenizer is None:
        import jieba

        jieba.setLogLevel(logging.WARNING)
        _tokenizer = jieba.Tokenizer()
        _add_words([*_base_words(), *_user_dict_words()])
    return _tokenizer


def _base_words() -> list[str]:
    provinces = [name for _, zh in PROVINCE_NAMES.values() for name in zh if len(name) > 1]
    return [*DELTA_NAMES_ZH, *PROGRAMMES_ZH, *OTHER_REGIONS_ZH, *provinces]


def _user_dict_words() -> list[str]:
    """Programme names from yrd_dict.txt (jieba user-dictionary format: word freq tag)."""
    lines = USER_DICT.read_text(encoding="utf-8").splitlines() if USER_DICT.is_file() else []
    return [line.split()[0] for line in lines if line.strip() and not line.startswith("#")]


def _add_words(words: Iterable[str]) -> None:
    for word in words:
        if len(word) > 1 and word not in _added_words:
            _tokenizer.add_word(word, freq=200_000)
            _added_words.add(word)


def add_user_words(words: Iterable[str]) -> None:
    """Keep catalog terms whole when segmenting (the jieba user dictionary)."""
    with _TOKENIZER_LOCK:
        _get_tokenizer()
        _add_words(list(words))


@dataclass(frozen=True)
class Segmented:
    """A Chinese text with the character offsets where tokens start and end."""

    text: str
    starts: frozenset[int]
    ends: frozenset[int]


def segment(text: str) -> Segmented:
    """Segment with jieba (default and search mode, so dictionary sub-words also count)."""
    with _TOKENIZER_LOCK:
        tokenizer = _get_tokenizer()
        spans = list(tokenizer.tokenize(text)) + list(tokenizer.tokenize(text, mode="search"))
    return Segmented(text, frozenset(s for _, s, _ in spans), frozenset(e for _, _, e in spans))


@lru_cache(maxsize=8192)
def _simplified_term(term: str) -> str:
    return to_simplified(term)


# Chinese terms that a longer word with another meaning contains on a token boundary (jieba's
# search mode cuts 龙头企业 into 龙头/企业): there the term does not count. 龙头企业 are an
# industry's "leading enterprises", not Shanghai's leading role (龙头作用); 上海交通大学 is a
# university, not transport.
NOT_THE_TERM_ZH: dict[str, tuple[str, ...]] = {
    "龙头": ("龙头企业", "水龙头", "龙头股"),
    "交通": ("交通大学", "交通银行"),
}


def count_chinese(term: str, seg: Segmented) -> int:
    """Occurrences of term that start and end on token boundaries, outside the longer words
    in which it means something else."""
    term = _simplified_term(term)
    count, start = 0, seg.text.find(term)
    while start >= 0:
        on_boundaries = start in seg.starts and start + len(term) in seg.ends
        if on_boundaries and not _inside_other_word(term, seg.text, start):
            count += 1
        start = seg.text.find(term, start + 1)
    return count


def _inside_other_word(term: str, text: str, start: int) -> bool:
    """Whether the term at `start` is part of one of its NOT_THE_TERM_ZH words."""
    for word in NOT_THE_TERM_ZH.get(term, ()):
        offset = word.find(term)
        if start >= offset and text.startswith(word, start - offset):
            return True
    return False


def may_occur(term: str, lowered: str) -> bool:
    """A cheap substring test on a whole lower-cased document: False means the term cannot
    occur in any of its sentences, so they need not be searched."""
    if has_cjk(term):
        return _simplified_term(term).lower() in lowered
    return _english_key(term) in lowered


def count_term(term: str, text: str, seg: Segmented | None) -> int:
    """Count a term in prepared text, choosing the matcher by the term's script."""
    if has_cjk(term):
        return count_chinese(term, seg) if seg is not None else 0
    return count_english(term, text)


def _uses_any(text: str, words_zh: Iterable[str], words_en: Iterable[str], lowered: str) -> bool:
    """A prepared text holds one of the Chinese words, or one of the English words as a word."""
    return any(word in text for word in words_zh) or any(
        count_english(word, lowered) for word in words_en
    )


def names_cooperation(text: str) -> bool:
    """A prepared sentence uses a word of members acting together."""
    return _uses_any(text, COOPERATION_CUES_ZH, COOPERATION_CUES_EN, text.lower())


# Words of two members' shared boundary, or of treating each other's people and papers alike:
# in a release naming exactly two members, cooperation across their boundary even when no
# sentence names both ("the town on the other side of the boundary", 交界处, 互认).
BOUNDARY_CUES_EN = (
    "boundary",
    "provincial line",
    "provincial border",
    "either side",
    "other side",
    "reciprocal",
    "same terms",
    "same treatment",
)
BOUNDARY_CUES_ZH = ("毗邻", "交界", "省界", "对岸", "邻县", "互认", "同等待遇")
# 两岸, 两边 and 跨界 are left out: 黄浦江两岸, 道路两边 and 跨界融合 (cross-sector) are everyday
# words of one place; so are "the far side" and "the opposite bank" of a bay on a map. A
# sentence that denies the cue ("no reciprocal arrangement exists yet", 尚未互认) does not count.
NEGATIONS_EN = ("not", "no", "yet to", "without", "never")
NEGATIONS_ZH = ("尚未", "没有", "并未", "未能", "不能", "不享受", "不予", "无法")
# Phrases with "not" or "no" that deny nothing: "not only ... but also", "no longer wait".
_NOT_A_DENIAL_RE = re.compile(
    r"\b(?:not only|not just|not least|no longer|no more than|no less than|no fewer than"
    r"|no later than)\b"
)


def names_boundary(text: str) -> bool:
    """A prepared sentence speaks of a shared boundary or of reciprocal treatment, and does
    not deny it."""
    lowered = text.lower()
    cue = _uses_any(text, BOUNDARY_CUES_ZH, BOUNDARY_CUES_EN, lowered)
    return cue and not _negated(text, lowered)


def _negated(text: str, lowered: str) -> bool:
    """The sentence denies what it says ("has not signed", 尚未互认)."""
    return _uses_any(text, NEGATIONS_ZH, NEGATIONS_EN, _NOT_A_DENIAL_RE.sub(" ", lowered))


def names_pair_acting(text: str) -> bool:
    """A prepared sentence says two places act together ("the two cities jointly", 两地共建),
    and does not deny it. "Between" counts ("a bus line between the two cities"), so "the gap
    between the two cities" counts too: a known false positive."""
    lowered = text.lower()
    pairs_zh = [word for word in MEMBER_PAIR_ZH if word in text]
    pairs_en = [word for word in MEMBER_PAIR_EN if count_english(word, lowered)]
    if not pairs_zh and not pairs_en or _negated(text, lowered):
        return False
    rest = text
    for word in pairs_zh:
        rest = rest.replace(word, " ")
    return names_cooperation(rest)


def names_members_collectively(text: str) -> bool:
    """A prepared text refers to the members as a group ("the four provinces", 三省一市)."""
    return _uses_any(text, MEMBERS_COLLECTIVE_ZH, MEMBERS_COLLECTIVE_EN, text.lower())


# Names that contain a member's place but mean something else, which jieba's token boundaries
# do not rule out: Shanghai's Nanjing Road and Suzhou Creek, 太仓促 (too hasty), 复合肥
# (compound fertiliser), 应当涂 (should paint), 师德清单 (a list of teachers' ethics), Huangshan's
# 太平湖, Tianjin's 临港, the Shanghai and Shenzhen stock markets (沪深).
_NOT_A_MEMBER_RE = re.compile(
    r"苏州河|suzhou creek|太仓促|复合肥|应当涂|德清单|太平湖|天津临港|沪深",
    re.I,
)


def _street_pattern(names_zh: Iterable[str], names_en: Iterable[str]) -> re.Pattern:
    """Streets named after places (Shanghai's 南京东路, 宁波路, Nanjing Road) name no place."""
    zh = "|".join(sorted((n for n in names_zh if len(n) > 1), key=len, reverse=True))
    en = "|".join(sorted((re.escape(n) for n in names_en), key=len, reverse=True))
    return re.compile(
        rf"(?:{zh})(?:东|西|南|北|中)?路|\b(?i:{en}) (?:(?:East|West|North|South|Middle) )?Road\b"
    )


_MEMBER_STREET_RE = _street_pattern(
    [n for _, zh in PROVINCE_NAMES.values() for n in zh],
    [n for en, _ in PROVINCE_NAMES.values() for n in en],
)
# Shanghai's streets named after other provinces (四川北路, 西藏南路), and 隆重庆祝, which jieba
# may cut as 隆/重庆/祝: none names a place outside the delta.
_NOT_ELSEWHERE_RE = re.compile(
    "(?:" + "|".join(NON_MEMBER_PLACES_ZH) + r")(?:东|西|南|北|中)?路|隆重庆"
)


def provinces_named(text: str, seg: Segmented | None = None) -> set[str]:
    """Which of the four members (or their cities) a prepared text names. Chinese names of two
    or more characters count only on jieba token boundaries (南通 is not in 湖南通过); pass the
    text's segmentation when it is at hand."""
    if seg is None and has_cjk(text):
        seg = segment(text)
    masked = _mask_streets(_MEMBER_STREET_RE, _mask(_NOT_A_MEMBER_RE, text), seg)
    lowered = masked.lower()
    return {
        province
        for province, (names_en, names_zh) in PROVINCE_NAMES.items()
        if _names_one_of(names_zh, names_en, masked, lowered, seg)
    }


def demo_zone_parts_named(text: str, seg: Segmented | None) -> set[str]:
    """Which of Qingpu, Wujiang and Jiashan a prepared sentence names (not Shanghai's 吴江路
    or 嘉善路, not inside other words)."""
    masked = _mask_streets(_MEMBER_STREET_RE, text, seg)
    lowered = masked.lower()
    return {en for en, zh in DEMO_ZONE_PARTS if _names_one_of((zh,), (en,), masked, lowered, seg)}


def names_non_member_place(text: str, seg: Segmented | None) -> bool:
    """A prepared sentence names a province or region outside the delta (not a street)."""
    masked = _mask_streets(_NOT_ELSEWHERE_RE, text, seg)
    lowered = masked.lower()
    return _names_one_of(NON_MEMBER_PLACES_ZH, NON_MEMBER_PLACES_EN, masked, lowered, seg)


def _names_one_of(
    names_zh: Iterable[str],
    names_en: Iterable[str],
    masked: str,
    lowered: str,
    seg: Segmented | None,
) -> bool:
    """Masked text names one of these places: Chinese on token boundaries, English as words."""
    return any(_names_place(name, masked, seg) for name in names_zh) or any(
        count_english(name, lowered) for name in names_en
    )


def _mask(pattern: re.Pattern, text: str) -> str:
    """Blank out the matches, keeping every other character at its offset."""
    return pattern.sub(lambda m: " " * len(m.group()), text)


def _mask_streets(pattern: re.Pattern, text: str, seg: Segmented | None) -> str:
    """Blank out streets named after places, keeping offsets. A Chinese match counts only
    where a jieba token ends with it (南京/东路), not in 南京/路过 or 上海/路演. Every match
    holds 路 or Road (or is 隆重庆), so most sentences skip the search."""
    if "路" not in text and "Road" not in text and "隆重庆" not in text:
        return text

    def blank(match: re.Match) -> str:
        whole = seg is None or not has_cjk(match.group()) or match.end() in seg.ends
        return " " * len(match.group()) if whole else match.group()

    return pattern.sub(blank, text)


def _names_place(name: str, masked: str, seg: Segmented | None) -> bool:
    """A Chinese place name in masked text: on token boundaries, or anywhere for a one-character
    abbreviation (沪, 浙, 皖), which jieba keeps inside words like 沪苏."""
    if len(name) == 1 or seg is None:
        return name in masked
    start = masked.find(name)
    while start >= 0:
        if start in seg.starts and start + len(name) in seg.ends:
            return True
        start = masked.find(name, start + 1)
    return False


# ------------------------------------------------------------------- cross-language keys

# The same programme in both languages, so a Chinese release and its English translation can
# be recognised as one story. Key -> (English names, Chinese names).
PROGRAMME_KEYS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "g60": (("g60",), ("G60",)),
    "demo_zone": (("demonstration zone",), ("示范区",)),
    "hongqiao": (("hongqiao",), ("虹桥",)),
    "cooperation_office": (("cooperation office",), ("合作办公室",)),
    "leaders_symposium": (
        ("symposium of the region's main leaders", "leaders' symposium", "main leaders"),
        ("主要领导座谈会",),
    ),
    "joint_meeting": (("joint meeting",), ("联席会议",)),
    "xinan_river": (("xin'an river",), ("新安江",)),
    "taihu": (("taihu",), ("太湖",)),
    "dead_end_roads": (("dead-end road", "dead end road", "boundary road"), ("断头路",)),
    "medical_settlement": (("medical settlement", "settled directly"), ("直接结算",)),
    "social_security_card": (("social security card",), ("社保卡", "社会保障卡")),
    "hydrogen": (("hydrogen",), ("氢",)),
    "5g": (("5g",), ("5G",)),
    **{
        f"rail_{n}": ((en,), (zh,))
        for n, (en, zh) in enumerate(
            (
                ("shanghai-suzhou-nantong", "沪苏通"),
                ("shanghai-suzhou-huzhou", "沪苏湖"),
                ("nantong-suzhou-jiaxing-ningbo", "通苏嘉甬"),
                ("shanghai-nanjing-hefei", "沪宁合"),
            )
        )
    },
}


def programme_keys(text: str) -> frozenset[str]:
    """The language-neutral keys of the programmes a prepared text names."""
    lowered = text.lower()
    return frozenset(
        key
        for key, (names_en, names_zh) in PROGRAMME_KEYS.items()
        if any(name in text for name in names_zh)
        or any(count_english(name, lowered) for name in names_en)
    )


# ------------------------------------------------------------------- fingerprint


@lru_cache(maxsize=1)
def vocabulary_digest() -> str:
    """A fingerprint of every word list and pattern here and of our jieba user dictionary
    (yrd_dict.txt): editing one changes links, so it is part of the method version and makes
    the next run relink. jieba's and opencc's own dictionaries are pinned by their versions."""
    parts = [
        f"{name}={json.dumps(value, ensure_ascii=False, sort_keys=True, default=_pattern)}"
        for name, value in sorted(globals().items())
        if name.lstrip("_").isupper()
        and isinstance(value, tuple | list | set | frozenset | dict | re.Pattern | int)
    ]
    parts.append(USER_DICT.read_text(encoding="utf-8") if USER_DICT.is_file() else "")
    return hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()[:8]


def _pattern(value: object) -> object:
    """JSON for what json cannot write itself: a pattern's text, a set's sorted items."""
    if isinstance(value, re.Pattern):
        return value.pattern
    if isinstance(value, set | frozenset):
        return sorted(value, key=repr)
    return repr(value)
