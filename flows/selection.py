"""Choosing which sources a run covers (kept free of Prefect so the CLI can validate fast)."""

from __future__ import annotations

from scrapers.models import Source
from scrapers.registry import builtin_sources_path, load_sources


def select_sources(sources_file: str | None, source_ids: list[str] | None) -> list[Source]:
    """The registry to run: a user file replaces the built-in one; `--source` narrows it."""
    sources = load_sources(sources_file or builtin_sources_path())
    if not source_ids:
        return sources
    known = {s.id for s in sources}
    unknown = [sid for sid in source_ids if sid not in known]
    if unknown:
        raise ValueError(f"unknown source id(s) {', '.join(unknown)}; see `yrdwatch sources list`")
    return [s for s in sources if s.id in source_ids]
