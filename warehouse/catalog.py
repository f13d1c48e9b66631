"""The commitment catalog: what the 2018 symposium promised, as data.

The catalog lives in `commitments.toml` next to this module so that the same engine can track
another policy event by swapping the file. Loading validates it strictly, because a typo in a
field id or a quote that is not in the seed would silently corrupt every link built on it.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tomllib
from dataclasses import asdict, dataclass
from functools import cached_property
from pathlib import Path

from warehouse.db import transaction

FIELDS = (
    "transport",
    "energy",
    "innovation",
    "information",
    "environment",
    "public_service",
    "market",
    "mechanism",
)
KINDS = ("key_field", "mechanism", "mission", "province_role", "plan")
PROVINCES = ("shanghai", "jiangsu", "zhejiang", "anhui")
DEFAULT_CATALOG = Path(__file__).with_name("commitments.toml")
SEED_ENV = "YRDWATCH_SEED"
_SEED_PLACES = (  # where a copy of the seed press release may be shipped
    Path(__file__).with_name("symposium-2018.txt"),
    Path(__file__).resolve().parent.parent / "seed" / "symposium-2018.txt",
)
_ID_RE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$")
_REQUIRED = ("id", "field", "kind", "title_en", "title_zh", "description", "seed_quote")


class CatalogError(ValueError):
    """The catalog file is malformed; the message names the file and the entry."""


@dataclass(frozen=True)
class Commitment:
    """One commitment of the symposium with the terms that reveal a follow-up."""

    id: str
    field: str
    kind: str
    title_en: str
    title_zh: str
    description: str
    terms_en: tuple[str, ...]
    terms_zh: tuple[str, ...]
    seed_quote: str
    region: str | None = None
    # Broad words of the field (written from the field definitions): they count for the
    # field and for detection at BROAD_TERM_WEIGHT, so a specific commitment outranks them.
    broad_terms_en: tuple[str, ...] = ()
    broad_terms_zh: tuple[str, ...] = ()

    @cached_property
    def broad_keys(self) -> frozenset[str]:
        """Lower-cased broad words that are not also one of the commitment's own terms: a
        match counts as broad when `term.lower()` is in here, whatever its spelling."""
        own = {t.lower() for t in (*self.terms_en, *self.terms_zh)}
        broad = {t.lower() for t in (*self.broad_terms_en, *self.broad_terms_zh)}
        return frozenset(broad - own)

    @cached_property
    def all_terms(self) -> tuple[str, ...]:
        """Every term, each spelling once: "5G" in the Chinese list and "5g" in the English
        one are one term (matching ignores case), not two that double its points."""
        by_spelling: dict[str, str] = {}
        for term in (*self.terms_en, *self.terms_zh, *self.broad_terms_en, *self.broad_terms_zh):
            kept = by_spelling.setdefault(term.lower(), term)
            if kept.islower() and not term.islower():  # show "5G", not "5g"
                by_spelling[term.lower()] = term
        return tuple(by_spelling.values())


def load_catalog(path: Path | None = None, seed_path: Path | None = None) -> list[Commitment]:
    """Read and validate the catalog; check seed quotes when the seed text is available."""
    path = Path(path) if path else DEFAULT_CATALOG
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise CatalogError(f"{path}: cannot read catalog: {exc}") from exc
    entries = data.get("commitment")
    if not isinstance(entries, list) or not entries:
        raise CatalogError(f"{path}: no [[commitment]] entries found")
    catalog = [_parse_entry(path, index, entry) for index, entry in enumerate(entries, 1)]
    _check_unique(path, catalog)
    seed = _read_seed(seed_path)
    if seed is not None:
        _check_quotes(path, catalog, seed)
    return catalog


def _parse_entry(path: Path, index: int, entry: dict) -> Commitment:
    """Turn one TOML table into a Commitment, naming the entry on any problem."""
    where = f"{path}: commitment #{index} ({entry.get('id', '?')})"
    missing = [key for key in _REQUIRED if not isinstance(entry.get(key), str) or not entry[key]]
    if missing:
        raise CatalogError(f"{where}: missing or empty {', '.join(missing)}")
    if not _ID_RE.match(entry["id"]):
        raise CatalogError(f"{where}: id must be dotted lower-case words")
    if entry["field"] not in FIELDS:
        raise CatalogError(f"{where}: field must be one of {', '.join(FIELDS)}")
    if entry["kind"] not in KINDS:
        raise CatalogError(f"{where}: kind must be one of {', '.join(KINDS)}")
    region = entry.get("region")
    if region is not None and region not in PROVINCES:
        raise CatalogError(f"{where}: region must be one of {', '.join(PROVINCES)}")
    terms_en, terms_zh = _terms(where, entry, "terms_en"), _terms(where, entry, "terms_zh")
    if not terms_en and not terms_zh:
        raise CatalogError(f"{where}: needs at least one term in terms_en or terms_zh")
    fields = {key: entry[key] for key in _REQUIRED}
    broad = {key: _terms(where, entry, key) for key in ("broad_terms_en", "broad_terms_zh")}
    terms = {"terms_en": terms_en, "terms_zh": terms_zh}
    return Commitment(**fields, **terms, region=region, **broad)


def _terms(where: str, entry: dict, key: str) -> tuple[str, ...]:
    """Validate a term list: non-empty strings, duplicates dropped, order kept."""
    raw = entry.get(key, [])
    if not isinstance(raw, list) or not all(isinstance(t, str) and t.strip() for t in raw):
        raise CatalogError(f"{where}: {key} must be a list of non-empty strings")
    return tuple(dict.fromkeys(t.strip() for t in raw))


def _check_unique(path: Path, catalog: list[Commitment]) -> None:
    """Ids are primary keys in the warehouse; a duplicate would overwrite silently."""
    seen: set[str] = set()
    for commitment in catalog:
        if commitment.id in seen:
            raise CatalogError(f"{path}: duplicate commitment id {commitment.id!r}")
        seen.add(commitment.id)


def _read_seed(seed_path: Path | None) -> str | None:
    """Find the seed press release: explicit path, $YRDWATCH_SEED, then a shipped copy."""
    candidates = [seed_path] if seed_path else [os.environ.get(SEED_ENV), *_SEED_PLACES]
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            return Path(candidate).read_text(encoding="utf-8")
    if seed_path:
        raise CatalogError(f"{seed_path}: seed text not found")
    return None


def _squash(text: str) -> str:
    return " ".join(text.split())


def _check_quotes(path: Path, catalog: list[Commitment], seed: str) -> None:
    """Every seed_quote must be verbatim seed text (whitespace-insensitive)."""
    squashed = _squash(seed)
    for commitment in catalog:
        if _squash(commitment.seed_quote) not in squashed:
            raise CatalogError(f"{path}: seed_quote of {commitment.id!r} is not in the seed text")


def catalog_digest(catalog: list[Commitment]) -> str:
    """A short fingerprint of the catalog, so a changed catalog triggers relinking."""
    payload = json.dumps([asdict(c) for c in catalog], ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:10]


def sync_catalog(con, catalog: list[Commitment]) -> None:
    """Make the `commitments` table equal to the catalog: upsert every entry, drop stale ids."""
    with transaction(con):
        con.executemany(_UPSERT_SQL, [_row(c) for c in catalog])
        con.execute(
            "DELETE FROM commitments WHERE NOT list_contains(?, commitment_id)",
            [[c.id for c in catalog]],
        )


_UPSERT_SQL = """
INSERT INTO commitments (commitment_id, field, kind, title_en, title_zh, description,
                         terms_en, terms_zh, seed_quote, region)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (commitment_id) DO UPDATE SET
    field = excluded.field, kind = excluded.kind, title_en = excluded.title_en,
    title_zh = excluded.title_zh, description = excluded.description,
    terms_en = excluded.terms_en, terms_zh = excluded.terms_zh,
    seed_quote = excluded.seed_quote, region = excluded.region
"""


def _row(c: Commitment) -> tuple:
    return (
        c.id,
        c.field,
        c.kind,
        c.title_en,
        c.title_zh,
        c.description,
        list(c.terms_en),
        list(c.terms_zh),
        c.seed_quote,
        c.region,
    )
