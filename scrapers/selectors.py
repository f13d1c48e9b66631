"""CSS selection that fails loudly, so a site redesign shows up as a named error, not zero items."""

from __future__ import annotations

import soupsieve
from bs4 import BeautifulSoup, Tag


class SelectorError(Exception):
    """A required selector matched nothing (or is not valid CSS); names the selector and the URL."""

    def __init__(self, css: str, url: str, reason: str = "matched nothing") -> None:
        super().__init__(f"selector {css!r} {reason} on {url}")
        self.css = css
        self.url = url


def select_required(soup_or_tag: BeautifulSoup | Tag, css: str, url: str) -> list[Tag]:
    """All matches of css; raises SelectorError when nothing matches or css is invalid."""
    problem = validate_css(css)
    if problem is not None:
        raise SelectorError(css, url, f"is invalid ({problem})")
    found = soup_or_tag.select(css)
    if not found:
        raise SelectorError(css, url)
    return found


def select_optional(soup_or_tag: BeautifulSoup | Tag, css: str) -> list[Tag]:
    """All matches of css, or [] (also for invalid CSS, which validate_css reports at load time)."""
    if validate_css(css) is not None:
        return []
    return soup_or_tag.select(css)


def validate_css(css: str) -> str | None:
    """None if css is a valid selector, else a one-line reason (used by the registry)."""
    if not isinstance(css, str) or not css.strip():
        return "empty selector; give a CSS selector such as 'ul.list li a'"
    try:
        soupsieve.compile(css)
    except soupsieve.SelectorSyntaxError as error:
        first_line = str(error).splitlines()[0]
        return f"invalid CSS {css!r}: {first_line}"
    return None


def split_selector_group(css: str) -> list[str]:
    """Split 'a, b:is(c, d)' into ['a', 'b:is(c, d)']: a group's members in priority order."""
    parts: list[str] = []
    depth, quote, start = 0, "", 0
    for index, char in enumerate(css):
        if quote:
            quote = "" if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append(css[start:index].strip())
            start = index + 1
    parts.append(css[start:].strip())
    return [part for part in parts if part]
