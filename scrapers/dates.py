"""Dates as government sites write them, read into tz-aware Asia/Shanghai datetimes.

Hand-written patterns instead of a general date guesser: the formats are few and known
(see briefs/profiles.md), and a guesser would happily read "2024-2026" or a phone number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

SHANGHAI_TZ = ZoneInfo("Asia/Shanghai")
MIN_YEAR, MAX_YEAR = 1990, 2100
MAX_SCAN_CHARS = 20_000  # a date line sits near the top; never scan megabytes

MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip

_MONTH_NAME = (
    r"(?P<mon>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_TIME = (
    r"(?:(?:\s*|-|T)(?P<hour>\d{1,2})\s*[:时]\s*(?P<minute>\d{2})"
    r"(?:\s*[:分]\s*(?P<second>\d{2}))?(?:\s*秒)?"
    r"(?P<tz>Z|[+-]\d{2}:?\d{2})?)?"
)
_PATTERNS = (
    # 2018-06-04, 2018/06/04, 2018.06.04, "2024- 08-03", "2024-08-02-10:15:00"
    re.compile(
        r"(?<!\d)(?P<year>\d{4})\s*(?P<sep>[-/.])\s*(?P<month>\d{1,2})\s*(?P=sep)\s*"
        r"(?P<day>\d{1,2})(?!\d)" + _TIME
    ),
    # 2018年6月4日
    re.compile(
        r"(?<!\d)(?P<year>\d{4})\s*年\s*(?P<month>\d{1,2})\s*月\s*(?P<day>\d{1,2})\s*日" + _TIME
    ),
    # June 04, 2018 / Jun 4, 2018 / Dec 08,2019 09:20
    re.compile(
        r"\b"
        + _MONTH_NAME
        + r"\s*(?P<day>\d{1,2})(?:st|nd|rd|th)?\s*,\s*(?P<year>\d{4})(?!\d)"
        + _TIME,
        re.IGNORECASE,
    ),
    # 4 June 2018
    re.compile(
        r"(?<!\d)(?P<day>\d{1,2})\s+" + _MONTH_NAME + r",?\s+(?P<year>\d{4})(?!\d)" + _TIME,
        re.IGNORECASE,
    ),
)

# Dates carried in article URLs, for the last-resort fallback only.
_URL_PATTERNS = (
    re.compile(r"/art/(?P<year>\d{4})/(?P<month>\d{1,2})/(?P<day>\d{1,2})/"),  # Hanweb
    re.compile(r"/(?P<year>\d{4})-(?P<month>\d{2})/(?P<day>\d{2})/"),  # China Daily
    re.compile(r"/(?P<year>\d{4})(?P<month>\d{2})(?P<day>\d{2})/"),  # Shanghai CMS (creation)
    re.compile(r"/t(?P<year>\d{4})(?P<month>\d{2})(?P<day>\d{2})_\d+"),  # TRS / NDRC
    re.compile(r"/content/(?P<year>\d{4})(?P<month>\d{2})(?P<day>\d{2})\d{9}\.html"),  # en.shio
    re.compile(r"/(?P<year>\d{4})(?P<month>\d{2})/(?P<day>\d{2})/content_WS"),  # english.www.gov.cn
)


@dataclass(frozen=True)
class _Found:
    start: int
    value: datetime


def normalise_date_text(text: str) -> str:
    """Replace the look-alike colons sites use in times (U+2236 RATIO, full-width colon)."""
    return text.replace("\u2236", ":").replace("\uff1a", ":").replace("\xa0", " ")


def parse_date(text: str) -> datetime | None:
    """Find the first date (and time if present) in text; tz-aware Asia/Shanghai; None if none."""
    if not text:
        return None
    text = normalise_date_text(text[:MAX_SCAN_CHARS])
    found = [hit for pattern in _PATTERNS for hit in _valid_matches(pattern, text)]
    if not found:
        return None
    return min(found, key=lambda hit: hit.start).value


def date_from_url(url: str) -> datetime | None:
    """The day a URL's path encodes (Hanweb, China Daily, Shanghai, TRS, en.shio); None if none.

    Month-only paths (www.gov.cn `/202408/`) are ignored on purpose: they are wrong by weeks.
    """
    for pattern in _URL_PATTERNS:
        match = pattern.search(url)
        if match is None:
            continue
        year, month, day = (int(match[name]) for name in ("year", "month", "day"))
        value = _build(year, month, day, None, None, None, None)
        if value is not None:
            return value
    return None


def _valid_matches(pattern: re.Pattern[str], text: str) -> list[_Found]:
    """Every match of pattern that is a real calendar date; the first valid one is enough."""
    for match in pattern.finditer(text):
        value = _from_match(match)
        if value is not None:
            return [_Found(match.start(), value)]
    return []


def _from_match(match: re.Match[str]) -> datetime | None:
    parts = match.groupdict()
    month = MONTHS[parts["mon"].lower()[:3]] if parts.get("mon") else int(parts["month"])
    return _build(
        int(parts["year"]),
        month,
        int(parts["day"]),
        parts.get("hour"),
        parts.get("minute"),
        parts.get("second"),
        parts.get("tz"),
    )


def _build(
    year: int,
    month: int,
    day: int,
    hour: str | None,
    minute: str | None,
    second: str | None,
    tz: str | None,
) -> datetime | None:
    """A tz-aware datetime, or None when the date is impossible or out of range."""
    if not MIN_YEAR <= year <= MAX_YEAR:
        return None
    try:
        day_start = datetime(year, month, day, tzinfo=SHANGHAI_TZ)
    except ValueError:
        return None
    clock = _clock(hour, minute, second)
    if clock is None:
        return day_start
    value = day_start.replace(hour=clock[0], minute=clock[1], second=clock[2])
    return _apply_offset(value, tz)


def _clock(hour: str | None, minute: str | None, second: str | None) -> tuple[int, int, int] | None:
    """Hour/minute/second when present and sane; a bad time keeps the date, not the time."""
    if hour is None or minute is None:
        return None
    h, m, s = int(hour), int(minute), int(second or 0)
    if h > 23 or m > 59 or s > 59:
        return None
    return h, m, s


def _apply_offset(value: datetime, tz: str | None) -> datetime:
    """Honour an explicit UTC offset (ISO meta tags), expressed in Shanghai time."""
    if not tz:
        return value
    if tz == "Z":
        offset = timedelta(0)
    else:
        sign = -1 if tz[0] == "-" else 1
        digits = tz[1:].replace(":", "")
        offset = sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    naive = value.replace(tzinfo=None)
    return naive.replace(tzinfo=timezone(offset)).astimezone(SHANGHAI_TZ)
