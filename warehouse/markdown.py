"""Escaping scraped text for Markdown: every page-derived value goes through here."""

from __future__ import annotations

import re

MAX_TITLE = 200
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|~])")


def md_text(text: str | None, cap: int = MAX_TITLE) -> str:
    """Escape scraped text for Markdown and cap its length, on one line."""
    flat = " ".join((text or "").split())
    if len(flat) > cap:
        flat = flat[: cap - 1] + "…"
    return _MD_SPECIAL.sub(r"\\\1", flat)


def safe_url(url: str) -> str:
    """Only http(s) URLs become links; anything else is shown as text."""
    if re.match(r"^https?://[^\s<>()]+$", url):
        return url
    return ""
