"""robots.txt rules for one origin, read with protego and judged the RFC 9309 way.

The polite client fetches robots.txt once per origin per run and asks these rules before every
request (redirect hops included). What the answer means follows RFC 9309 section 2.3.1:
a 2xx body is parsed; any other 4xx (no file, forbidden) means no rules, everything allowed;
5xx, 429 or no answer at all means the host is unreachable, so nothing may be fetched.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from protego import Protego

logger = logging.getLogger(__name__)

ROBOTS_AGENT = "yrdwatch"  # the product token our User-Agent starts with
MAX_ROBOTS_BYTES = 500_000  # RFC 9309: parse at least 500 KiB; more is ignored
UNREACHABLE_STATUSES = frozenset({429})


@dataclass(frozen=True)
class RobotsRules:
    """The rules one origin gave us; `note` says in words where they came from."""

    parser: Protego | None
    allow_all: bool
    note: str
    outcome: str = "robots_disallowed"  # what a refused request is recorded as

    def allows(self, url: str) -> bool:
        """May `url` (on this origin) be fetched?"""
        if self.parser is None:
            return self.allow_all
        return bool(self.parser.can_fetch(url, ROBOTS_AGENT))

    def crawl_delay(self) -> float | None:
        """The Crawl-delay asked of us, in seconds, when there is a usable one."""
        if self.parser is None:
            return None
        delay = self.parser.crawl_delay(ROBOTS_AGENT)
        return float(delay) if delay is not None and delay >= 0 else None


def robots_url(url: str) -> str:
    """The robots.txt of the origin (scheme, host and port) that serves `url`."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/robots.txt", "", ""))


def origin_of(url: str) -> str:
    """scheme://host:port, the unit robots.txt rules apply to."""
    parts = urlsplit(url)
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}"


def rules_from_response(status: int | None, content: bytes, error: str | None) -> RobotsRules:
    """Judge one robots.txt answer (after redirects) as RFC 9309 says."""
    if status is None:
        why = f"{error or 'no response'} (while fetching robots.txt)"
        return RobotsRules(None, False, why, outcome="network_error")
    if status >= 500 or status in UNREACHABLE_STATUSES:
        why = f"robots.txt answered HTTP {status}: the site counts as unreachable (RFC 9309)"
        return RobotsRules(None, False, why)
    if 200 <= status < 300:
        return parse_robots(content)
    return RobotsRules(None, True, f"no robots.txt (HTTP {status}): everything allowed")


def parse_robots(content: bytes) -> RobotsRules:
    """Parse a robots.txt body; bytes past MAX_ROBOTS_BYTES and undecodable bytes are ignored."""
    text = content[:MAX_ROBOTS_BYTES].decode("utf-8", errors="replace")
    try:
        parser = Protego.parse(text)
    except (ValueError, TypeError) as exc:  # protego is lenient; a failure means garbage
        logger.warning("unparseable robots.txt treated as allowing everything: %s", exc)
        return RobotsRules(None, True, "robots.txt unparseable: everything allowed")
    return RobotsRules(parser, True, "robots.txt rules")
