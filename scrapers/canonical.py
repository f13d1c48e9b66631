"""One spelling per article URL, so a release is stored once however it was linked.

Gov sites serve one article under http and https, with tracking parameters, doubled
slashes ("../..//x" on TrueCMS) and dot segments; all of those collapse here.
"""

from __future__ import annotations

import ipaddress
import posixpath
import re
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

TRACKING_PARAMS = frozenset(
    {"spm", "from", "isappinstalled", "scene", "clicktime", "enterid", "wfr", "fbclid",
     "gclid", "srcid", "sharer_shareid", "sharer_sharetime", "share_token"}
)  # fmt: skip
TRACKING_PREFIXES = ("utm_", "share", "_pk_")
ATTACHMENT_EXTENSIONS = (".pdf", ".doc", ".docx", ".ofd", ".xls", ".xlsx", ".wps", ".zip", ".rar")
DEFAULT_PORTS = {"http": 80, "https": 443}
_NOT_LINKS = ("javascript:", "mailto:", "tel:", "data:", "#", "about:", "vbscript:")
_URL_WHITESPACE = re.compile(r"[\t\r\n]")
_DOUBLED_SLASHES = re.compile(r"/{2,}")


def canonical_url(url: str, drop_params: frozenset[str] = TRACKING_PARAMS) -> str:
    """https scheme (http and https of one article are one), lower-case host, drop fragment, drop
    tracking params (utm_*, spm, from, share..., a configurable set), sort the rest, collapse '//'
    in the path, resolve '/./' and '/../', drop default ports.

    Loopback and private hosts keep their scheme: they are test and replay servers, where
    rewriting http to https would point at a port that speaks no TLS.
    """
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise ValueError(f"not an http(s) URL: {url!r}; give an absolute http:// or https:// URL")
    host = (parts.hostname or "").lower()
    port = None if parts.port == DEFAULT_PORTS[scheme] else parts.port
    if not is_internal_host(host):
        scheme = "https"
    netloc = _netloc(host, port, scheme)
    query = _clean_query(parts.query, drop_params)
    return urlunsplit((scheme, netloc, _clean_path(parts.path), query, ""))


def resolve_link(href: str, page_url: str) -> str | None:
    """Join a relative / root-relative / protocol-relative (//host/x) href against the page URL;
    fix the TrueCMS doubled slash ("../..//x"); None for javascript:, mailto:, '#', empty."""
    href = _URL_WHITESPACE.sub("", href or "").strip()
    if not href or href.lower().startswith(_NOT_LINKS):
        return None
    if not href.startswith("//") and "://" not in href:
        href = _collapse_path_slashes(href)
    joined = urljoin(page_url, href)
    if urlsplit(joined).scheme.lower() not in DEFAULT_PORTS:
        return None
    return joined


def is_attachment(url: str) -> bool:
    """True when the URL names a document file (PDF, Word, OFD, spreadsheet, archive), in its
    path or, for download scripts ("downfile.jsp?filename=x.pdf"), in a query value."""
    parts = urlsplit(url)
    if parts.path.lower().endswith(ATTACHMENT_EXTENSIONS):
        return True
    values = (value for _, value in parse_qsl(parts.query))
    return any(value.lower().endswith(ATTACHMENT_EXTENSIONS) for value in values)


def is_internal_host(host: str) -> bool:
    """localhost or a loopback / private / link-local / unspecified IP literal.

    Such hosts keep their scheme when canonicalised, and a crawl reaches them only when the
    source itself lives there."""
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return (
        address.is_loopback or address.is_private or address.is_link_local or address.is_unspecified
    )


def _netloc(host: str, port: int | None, scheme: str) -> str:
    if ":" in host:
        host = f"[{host}]"  # IPv6 literal
    if port is None or port == DEFAULT_PORTS[scheme]:
        return host
    return f"{host}:{port}"


def _clean_path(path: str) -> str:
    """Collapse '//', resolve dot segments, keep a trailing slash (it names a different page)."""
    if not path:
        return "/"
    collapsed = _DOUBLED_SLASHES.sub("/", path)
    normal = posixpath.normpath(collapsed)
    if normal.startswith("//"):
        normal = "/" + normal.lstrip("/")
    if collapsed.endswith("/") and not normal.endswith("/"):
        normal += "/"
    return normal


def _clean_query(query: str, drop_params: frozenset[str]) -> str:
    pairs = parse_qsl(query, keep_blank_values=True)
    kept = [(key, value) for key, value in pairs if not _is_tracking(key, drop_params)]
    return urlencode(sorted(kept))


def _is_tracking(key: str, drop_params: frozenset[str]) -> bool:
    lowered = key.lower()
    return lowered in drop_params or lowered.startswith(TRACKING_PREFIXES)


def _collapse_path_slashes(href: str) -> str:
    """Collapse repeated slashes in a relative href's path, leaving its query alone."""
    path, sep, rest = href.partition("?")
    return _DOUBLED_SLASHES.sub("/", path) + sep + rest
