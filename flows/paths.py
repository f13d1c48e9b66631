"""Where yrdwatch keeps its files unless told otherwise (DESIGN.md "Defaults")."""

from __future__ import annotations

import os
from pathlib import Path

DB_ENV = "YRDWATCH_DB"


def default_db_path() -> Path:
    """The warehouse: `$YRDWATCH_DB`, else `data/yrdwatch.duckdb` under the working directory."""
    return Path(os.environ.get(DB_ENV) or "data/yrdwatch.duckdb")


def digest_dir_for(db_path: Path) -> Path:
    """Digests live in `digests/` beside the warehouse (`data/digests/` by default)."""
    return db_path.parent / "digests"


def demo_db_path() -> Path:
    """The demo keeps its own warehouse so invented articles never mix with live data."""
    return Path("data/demo.duckdb")
