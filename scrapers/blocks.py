"""Recognise block and challenge pages, so they are recorded as "blocked", never parsed as news.

Vendors are named only on strong evidence (their own text, challenge tokens or cookies next
to a refusal); otherwise the verdict says what was seen and leaves the vendor empty.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

CHALLENGE_MAX_CHARS = 20_000  # challenge and block pages are small; articles are not
SCAN_CHARS = 200_000
_KNOWNSEC_TEXT = ("知道创宇云防御", "创宇盾", "jiasule", "加速乐")
_WZWS_TOKENS = ("wzwschallenge", "wzwsre", "wzwsconfirm", "wzwsquestion")
_RIVERS_TOKENS = ("$_ts", "_$ts")
_COOKIE_SCRIPT = re.compile(r"document\.cookie\s*=", re.I)
_RELOAD_SCRIPT = re.compile(
    r"location\.(?:reload|replace|href\s*=)|window\.location\s*=|location\s*=\s*['\"]", re.I
)
_TAGS = re.compile(r"<script\b.*?</script>|<style\b.*?</style>|<[^>]+>", re.S | re.I)
_REFUSAL_STATUSES = {403: "HTTP 403 Forbidden", 405: "HTTP 405 Method Not Allowed",
                     521: "HTTP 521 (origin refused; WAF)"}  # fmt: skip


@dataclass
class BlockVerdict:
    vendor: str | None  # "knownsec" | "wzws" | "rivers" | None
    reason: str


def detect_block(
    status: int, html: str, headers: Mapping[str, str], final_url: str | None = None
) -> BlockVerdict | None:
    """Knownsec cloud-defence block page (text "知道创宇云防御"/"创宇盾", cookie __jsluid_s), WZWS
    challenge (wzwschallenge / WZWSRE / wzws_sessionid), HTTP 412 + cookie-setting script, 200
    challenge pages (tiny page that only runs JS to set document.cookie and reload), generic
    403/405/521. Name the vendor only on strong evidence.

    `final_url` is where redirects ended: a client that follows the WZWS redirect never sees its
    Location header, only a final URL under /WZWSRE…"""
    page = (html or "")[:SCAN_CHARS]
    lowered = page.lower()
    cookies = _header(headers, "set-cookie").lower()
    location = " ".join((_header(headers, "location"), final_url or "")).lower()
    small = len(page) <= CHALLENGE_MAX_CHARS
    for check in (_knownsec, _wzws, _rivers):
        verdict = check(status, lowered, cookies, location, small)
        if verdict is not None:
            return verdict
    return _generic(status, page, small)


def _header(headers: Mapping[str, str], name: str) -> str:
    """A header value from httpx.Headers or a plain dict, whatever the key's case."""
    value = headers.get(name)
    if value is None:
        value = next((v for k, v in headers.items() if k.lower() == name), "")
    return str(value)


def _knownsec(status: int, page: str, cookies: str, location: str, small: bool):
    if (small or status >= 400) and any(marker in page for marker in _KNOWNSEC_TEXT):
        return BlockVerdict("knownsec", "Knownsec cloud-defence (知道创宇云防御) block page")
    refused = status in _REFUSAL_STATUSES or (small and _is_cookie_challenge(page))
    if "__jsluid" in cookies and refused:
        return BlockVerdict("knownsec", f"Knownsec challenge (__jsluid cookie, HTTP {status})")
    return None


def _wzws(status: int, page: str, cookies: str, location: str, small: bool):
    if any(token in location for token in _WZWS_TOKENS):
        return BlockVerdict("wzws", "WZWS (网站卫士) challenge redirect")
    if small and any(token in page for token in _WZWS_TOKENS):
        return BlockVerdict("wzws", "WZWS (网站卫士) JS challenge page")
    if "wzws_" in cookies and small and _is_cookie_challenge(page):
        return BlockVerdict("wzws", "WZWS (网站卫士) challenge (wzws cookie and cookie script)")
    return None


def _rivers(status: int, page: str, cookies: str, location: str, small: bool):
    if status != 412:
        return None
    if any(token in page for token in _RIVERS_TOKENS):
        return BlockVerdict("rivers", "HTTP 412 Rivers-style (瑞数) WAF challenge")
    if _COOKIE_SCRIPT.search(page) or "<script" in page:
        return BlockVerdict(None, "HTTP 412 with a cookie-setting script (WAF challenge)")
    return None


def _generic(status: int, page: str, small: bool) -> BlockVerdict | None:
    if status in _REFUSAL_STATUSES:
        return BlockVerdict(None, _REFUSAL_STATUSES[status])
    if status == 200 and small and _is_cookie_challenge(page.lower()):
        return BlockVerdict(None, "JS challenge page (sets document.cookie and reloads)")
    return None


def _is_cookie_challenge(page: str) -> bool:
    """A page whose only job is to set a cookie by script and reload: little visible text."""
    if not (_COOKIE_SCRIPT.search(page) and _RELOAD_SCRIPT.search(page)):
        return False
    visible = _TAGS.sub(" ", page)
    return len("".join(visible.split())) < 200
