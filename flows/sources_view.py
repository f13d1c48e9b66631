"""Rows for `yrdwatch sources list`: the registry joined with the last known health."""

from __future__ import annotations

from pathlib import Path

from scrapers.models import Source
from warehouse.snapshot import default_snapshot_path

HEADER = ("id", "region", "lang", "profile", "health", "start URL")


def last_health(db_path: Path) -> dict[str, str]:
    """source_id -> health word from the published snapshot; empty when there is none yet."""
    from warehouse import db

    snap = default_snapshot_path(db_path)
    if not snap.is_file():
        return {}
    con = db.connect(snap, read_only=True)
    try:
        rows = con.execute("SELECT source_id, health, last_error FROM source_health").fetchall()
    finally:
        con.close()
    return {
        sid: health + (f" ({err[:60]})" if err and health != "ok" else "")
        for sid, health, err in rows
    }


def source_rows(sources: list[Source], db_path: Path) -> list[str]:
    """Aligned text rows, one per source, header first."""
    health = last_health(db_path)
    table = [HEADER] + [
        (
            s.id,
            s.region,
            s.language,
            s.cms or "custom",
            health.get(s.id, "never run"),
            s.start_urls[0],
        )
        for s in sources
    ]
    widths = [max(len(row[i]) for row in table) for i in range(len(HEADER) - 1)]
    return [
        "  ".join(cell.ljust(w) for cell, w in zip(row[:-1], widths, strict=True)) + "  " + row[-1]
        for row in table
    ]
