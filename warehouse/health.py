"""Source health for the digest: one line per source that needs attention, in words.

The state itself is computed in SQL (the `source_health` view, thresholds in `settings`), so
analysts, `sources list` and the digest agree; this module only renders it. Error text comes
from web pages and servers, so it is escaped and capped like any scraped text.
"""

from __future__ import annotations

import duckdb

from warehouse.markdown import md_text

HEALTH_ORDER = ("blocked", "broken", "degraded", "unknown", "ok")
MAX_REASON = 300

_HEALTH_SQL = """
SELECT source_id, health, coalesce(health_reason, last_error, ''), consecutive_failures
FROM source_health
ORDER BY CASE health WHEN 'blocked' THEN 0 WHEN 'broken' THEN 1 WHEN 'degraded' THEN 2
                     WHEN 'unknown' THEN 3 ELSE 4 END, source_id
"""


def health_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """How many sources are in each health state (every state present, zero or not)."""
    rows = con.execute("SELECT health, count(*) FROM source_health GROUP BY health").fetchall()
    counts = dict.fromkeys(HEALTH_ORDER, 0)
    counts.update({health: int(n) for health, n in rows})
    return counts


def health_lines(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Markdown lines: a one-line tally, then every source that is not ok, with the reason."""
    counts = health_counts(con)
    tally = ", ".join(f"{counts[h]} {h}" for h in HEALTH_ORDER if counts[h])
    lines = [f"Source health: {tally or 'no sources yet'}."]
    for source_id, health, reason, _failures in con.execute(_HEALTH_SQL).fetchall():
        if health in ("ok", "unknown"):
            continue
        lines.append(f"- `{md_text(source_id, 80)}` **{health}**: {md_text(reason, MAX_REASON)}")
    return lines
