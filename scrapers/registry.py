"""Source registry: load `[[source]]` TOML files into validated `Source` records.

A registry file is user input. Every problem is reported as ONE line naming the file, the
source and the key, and a file with any problem loads nothing, so a run never starts on a
half-understood configuration.
"""

from __future__ import annotations

import codecs
import re
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from scrapers.models import LANGUAGES, REGIONS, Source
from scrapers.profiles import PROFILES, merge_rules
from scrapers.selectors import validate_css

SOURCE_KEYS = frozenset(
    {
        "id",
        "name",
        "region",
        "language",
        "start_urls",
        "cms",
        "delay_seconds",
        "max_pages",
        "allowed_hosts",
        "encoding",
        "list",
        "article",
    }
)
REQUIRED_KEYS = ("id", "name", "region", "language", "start_urls")
LIST_KEYS = frozenset({"links", "next", "url_pattern", "page_url", "datastore", "skip", "json"})
ARTICLE_KEYS = frozenset({"title", "date", "body", "source", "furniture"})
CSS_KEYS = frozenset({"links", "next", "skip", "title", "date", "body", "source"})
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
HOST_PATTERN = re.compile(r"^[a-z0-9.-]+$|^\[[0-9a-f:.]+\]$")


class RegistryError(ValueError):
    """A registry file that cannot be used; the message is one line naming file, source, key."""


class _Where:
    """Formats error messages for one source of one file."""

    def __init__(self, origin: str, label: str) -> None:
        self.origin = origin
        self.label = label

    def error(self, key: str, problem: str) -> RegistryError:
        return RegistryError(f"{self.origin}: source '{self.label}': key '{key}': {problem}")


def builtin_sources_path() -> Path:
    """The registry shipped with yrdwatch (the real sites the demo archive imitates)."""
    return Path(__file__).parent / "sources" / "builtin.toml"


def load_sources(path: str | Path) -> list[Source]:
    """Read and validate a registry file; raise RegistryError (one line) if it is unusable."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RegistryError(f"{path}: no such file; check the path to the sources file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise RegistryError(f"{path}: cannot read ({exc}); save it as UTF-8 text") from None
    return parse_sources(text, str(path))


def parse_sources(text: str, origin: str) -> list[Source]:
    """Validate registry TOML text; `origin` names the file in error messages."""
    document = _parse_toml(text, origin)
    extra = sorted(set(document) - {"source"})
    if extra:
        raise RegistryError(
            f"{origin}: key '{extra[0]}': unknown top-level key; only [[source]] tables are allowed"
        )
    tables = document.get("source", [])
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        raise RegistryError(f"{origin}: key 'source': write each source as a [[source]] table")
    if not tables:
        raise RegistryError(f"{origin}: no [[source]] tables; add at least one source")
    sources = [_build_source(table, origin, index) for index, table in enumerate(tables, 1)]
    _reject_duplicate_ids(sources, origin)
    return sources


def _parse_toml(text: str, origin: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        reason = str(exc).splitlines()[0]
        raise RegistryError(f"{origin}: TOML syntax error: {reason}") from None


def _reject_duplicate_ids(sources: list[Source], origin: str) -> None:
    seen: set[str] = set()
    for source in sources:
        if source.id in seen:
            raise _Where(origin, source.id).error("id", "duplicate id; give each source its own id")
        seen.add(source.id)


def _build_source(table: dict[str, Any], origin: str, index: int) -> Source:
    label = table["id"] if isinstance(table.get("id"), str) else f"#{index}"
    where = _Where(origin, label)
    _check_keys(table, SOURCE_KEYS, "", where)
    for key in REQUIRED_KEYS:
        if key not in table:
            raise where.error(
                key, "missing; every source needs id, name, region, language, start_urls"
            )
    cms = _optional(table, "cms", str, where)
    list_table = _section(table, "list", LIST_KEYS, where, required=cms is None)
    article_table = _section(table, "article", ARTICLE_KEYS, where, required=False)
    list_rules, article_rules = _merge_profile(cms, list_table, article_table, where)
    return Source(
        id=_source_id(table, where),
        name=_text(table, "name", where),
        region=_choice(table, "region", REGIONS, where),
        language=_choice(table, "language", LANGUAGES, where),
        start_urls=_start_urls(table, where),
        list=list_rules,
        article=article_rules,
        cms=cms,
        delay_seconds=_delay(table, where),
        max_pages=_max_pages(table, where),
        allowed_hosts=_allowed_hosts(table, where),
        encoding=_encoding(table, where),
    )


def _check_keys(table: dict[str, Any], allowed: frozenset[str], prefix: str, where: _Where) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        known = ", ".join(sorted(allowed))
        raise where.error(prefix + unknown[0], f"unknown key; known keys here: {known}")


def _section(
    table: dict[str, Any], name: str, allowed: frozenset[str], where: _Where, *, required: bool
) -> dict[str, Any]:
    """Validate `[source.<name>]`: a table of known keys with well-typed, valid values."""
    if name not in table:
        if required:
            raise where.error(name, f"missing [source.{name}]; add it or set cms to a profile")
        return {}
    section = table[name]
    if not isinstance(section, dict):
        raise where.error(name, f"must be a table: write it as [source.{name}]")
    _check_keys(section, allowed, f"{name}.", where)
    return {key: _section_value(section, key, f"{name}.{key}", where) for key in section}


def _section_value(section: dict[str, Any], key: str, path: str, where: _Where) -> Any:
    value = section[key]
    if key in ("datastore", "json"):
        return _expect(value, bool, path, where)
    if key == "furniture":
        return tuple(_css(item, path, where) for item in _string_list(value, path, where))
    text = _expect(value, str, path, where)
    if key in CSS_KEYS:
        return _css(text, path, where)
    if key == "url_pattern":
        return _regex(text, path, where)
    return _page_template(text, path, where)


def _merge_profile(
    cms: str | None, list_table: dict[str, Any], article_table: dict[str, Any], where: _Where
) -> tuple[Any, Any]:
    if cms is not None and cms not in PROFILES:
        known = ", ".join(sorted(PROFILES))
        raise where.error("cms", f"unknown CMS profile '{cms}'; known profiles: {known}")
    try:
        return merge_rules(cms, list_table, article_table)
    except (ValueError, TypeError) as exc:
        raise where.error("cms", f"cannot apply profile: {exc}") from None


def _expect(value: Any, kind: type, path: str, where: _Where) -> Any:
    """Check a TOML value's type (bool is not a number here)."""
    names = {str: "a string", bool: "true or false", list: "a list"}
    if isinstance(value, bool) and kind is not bool or not isinstance(value, kind):
        raise where.error(path, f"must be {names.get(kind, kind.__name__)}, got {value!r}")
    return value


def _optional(table: dict[str, Any], key: str, kind: type, where: _Where) -> Any:
    return _expect(table[key], kind, key, where) if key in table else None


def _text(table: dict[str, Any], key: str, where: _Where) -> str:
    value = _expect(table[key], str, key, where).strip()
    if not value:
        raise where.error(key, "must not be empty")
    return value


def _string_list(value: Any, path: str, where: _Where) -> list[str]:
    items = _expect(value, list, path, where)
    for item in items:
        if not isinstance(item, str) or not item.strip():
            raise where.error(path, f"must be a list of non-empty strings, got {item!r}")
    return [item.strip() for item in items]


def _css(css: str, path: str, where: _Where) -> str:
    reason = validate_css(css)
    if reason is not None:
        raise where.error(path, f"invalid CSS selector {css!r}: {reason}")
    return css


def _regex(pattern: str, path: str, where: _Where) -> str:
    try:
        re.compile(pattern)
    except re.error as exc:
        raise where.error(path, f"invalid regular expression {pattern!r}: {exc}") from None
    return pattern


def _page_template(template: str, path: str, where: _Where) -> str:
    """`page_url` must name the page number as {n} (N) or {i} (N-1), and nothing else."""
    try:
        rendered = template.format(n=2, i=1)
    except (KeyError, IndexError, ValueError) as exc:
        raise where.error(path, f"bad template {template!r} ({exc}); use {{n}} or {{i}}") from None
    if rendered == template:
        raise where.error(path, f"template {template!r} has no {{n}} or {{i}} page number")
    return template


def _source_id(table: dict[str, Any], where: _Where) -> str:
    value = _expect(table["id"], str, "id", where)
    if not ID_PATTERN.match(value):
        raise where.error(
            "id", "use a slug of lower-case letters, digits, '-' or '_' (at most 64 characters)"
        )
    return value


def _choice(table: dict[str, Any], key: str, allowed: tuple[str, ...], where: _Where) -> str:
    value = _expect(table[key], str, key, where)
    if value not in allowed:
        raise where.error(key, f"{value!r} is not one of: {', '.join(allowed)}")
    return value


def _start_urls(table: dict[str, Any], where: _Where) -> tuple[str, ...]:
    urls = _string_list(table["start_urls"], "start_urls", where)
    if not urls:
        raise where.error("start_urls", "must list at least one URL")
    for url in urls:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise where.error("start_urls", f"{url!r} is not an http(s) URL with a host")
    return tuple(urls)


def _number(
    table: dict[str, Any],
    key: str,
    default: float,
    where: _Where,
    check: Callable[[float], bool],
    need: str,
) -> float:
    if key not in table:
        return default
    value = table[key]
    if isinstance(value, bool) or not isinstance(value, int | float) or not check(value):
        raise where.error(key, f"must be {need}, got {value!r}")
    return value


def _delay(table: dict[str, Any], where: _Where) -> float:
    return float(
        _number(table, "delay_seconds", 2.0, where, lambda v: v >= 0, "a number of seconds >= 0")
    )


def _max_pages(table: dict[str, Any], where: _Where) -> int:
    value = _number(
        table, "max_pages", 3, where, lambda v: isinstance(v, int) and v >= 1, "a whole number >= 1"
    )
    return int(value)


def _allowed_hosts(table: dict[str, Any], where: _Where) -> tuple[str, ...]:
    if "allowed_hosts" not in table:
        return ()
    hosts = [host.lower() for host in _string_list(table["allowed_hosts"], "allowed_hosts", where)]
    for host in hosts:
        if not HOST_PATTERN.match(host):
            raise where.error(
                "allowed_hosts",
                f"{host!r} is not a bare host name (write 'www.example.gov.cn', no scheme or path)",
            )
    return tuple(hosts)


def _encoding(table: dict[str, Any], where: _Where) -> str | None:
    name = _optional(table, "encoding", str, where)
    if name is None:
        return None
    try:
        codecs.lookup(name)
    except LookupError:
        raise where.error(
            "encoding", f"unknown character encoding {name!r} (try 'utf-8' or 'gb18030')"
        ) from None
    return name
