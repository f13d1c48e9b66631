"""Commitment status over time, in the manner of promise trackers: evidence, never verdicts.

After each run `record_status` writes one dated row per commitment whose evidence changed
(stories found, latest follow-up, trend over the last four quarters) into
`commitment_status_history`, so an analyst can see when a commitment went quiet or picked up.
Labels and re-parses change the evidence outside a crawl, so they record too
(`record_status_now`), under run ids like `label:<UTC time>` or the re-parse's run id.
A status says what was found and when ("3 follow-ups found, latest 2025-03-09", "no follow-up
found as of 2025-06-30"); it never says whether a commitment was kept.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime

from warehouse.db import transaction
from warehouse.load import SHANGHAI  # status dates are calendar days as seen in the delta

logger = logging.getLogger(__name__)

TREND_QUARTERS = 4
MIN_TREND_FOLLOWUPS = 3  # in the window; fewer is 'few', not a direction


@dataclass(frozen=True)
class Status:
    """One commitment's evidence as of a day."""

    commitment_id: str
    followups: int
    releases: int
    last_followup: date | None
    trend: str

    def wording(self, as_of: date) -> str:
        if not self.followups:
            return f"no follow-up found as of {as_of:%Y-%m-%d}"
        plural = "" if self.followups == 1 else "s"
        latest = f"{self.last_followup:%Y-%m-%d}" if self.last_followup else "undated"
        return f"{self.followups} follow-up{plural} found, latest {latest}"


def quarter_starts(as_of: date, count: int = TREND_QUARTERS) -> list[date]:
    """First days of the `count` complete calendar quarters before the one containing as_of:
    a quarter only days old would make every trend lean to falling."""
    index = as_of.year * 4 + (as_of.month - 1) // 3
    return [date(i // 4, (i % 4) * 3 + 1, 1) for i in range(index - count, index)]


def trend(per_quarter: list[int]) -> str:
    """The later half of the window against the earlier half, with enough follow-ups to have
    a direction: one follow-up after none is not a rising trend. The same rule as the
    `followup_trend` macro that `commitment_status` uses (sql/014)."""
    half = len(per_quarter) // 2
    early, late = sum(per_quarter[:half]), sum(per_quarter[half:])
    if early + late == 0:
        return "quiet"
    if early + late < MIN_TREND_FOLLOWUPS:
        return "few"
    if late >= 2 * early and late - early >= 2:
        return "rising"
    if early >= 2 * late and early - late >= 2:
        return "falling"
    return "steady"


def current_statuses(con, as_of: date) -> list[Status]:
    """Every commitment's counts from the views, with the trend computed up to as_of."""
    starts = quarter_starts(as_of)
    quarters = con.execute(
        "SELECT commitment_id, quarter_start, followups FROM commitment_quarters"
        " WHERE quarter_start BETWEEN ? AND ?",
        [starts[0], starts[-1]],
    ).fetchall()
    counts: dict[str, dict[date, int]] = {}
    for commitment_id, start, followups in quarters:
        counts.setdefault(commitment_id, {})[start] = followups
    rows = con.execute(
        "SELECT commitment_id, followups, releases, last_followup FROM commitment_status"
        " ORDER BY commitment_id"
    ).fetchall()
    return [
        Status(cid, n, releases, last, trend([counts.get(cid, {}).get(s, 0) for s in starts]))
        for cid, n, releases, last in rows
    ]


_LATEST_SQL = """
SELECT commitment_id, followups, releases, last_followup, trend
FROM commitment_status_history
QUALIFY row_number() OVER (PARTITION BY commitment_id ORDER BY recorded_at DESC, as_of DESC) = 1
"""


def record_status(con, run_id: str, as_of: date) -> int:
    """Append a dated history row for each commitment whose evidence changed; return the count.

    A status that only differs by its as-of date is not a change."""
    latest = {row[0]: row[1:] for row in con.execute(_LATEST_SQL).fetchall()}
    changed = [
        s
        for s in current_statuses(con, as_of)
        if latest.get(s.commitment_id) != (s.followups, s.releases, s.last_followup, s.trend)
    ]
    rows = [
        (
            s.commitment_id,
            as_of,
            run_id,
            s.followups,
            s.releases,
            s.last_followup,
            s.trend,
            s.wording(as_of),
        )
        for s in changed
    ]
    if not rows:
        return 0
    with transaction(con):
        con.executemany(
            "INSERT OR REPLACE INTO commitment_status_history VALUES"
            " (?, ?, ?, ?, ?, ?, ?, ?, current_timestamp)",
            rows,
        )
    logger.info("status: %d commitment(s) changed as of %s", len(rows), as_of)
    return len(rows)


def event_run_id(kind: str, at: datetime | None = None) -> str:
    """A history run id for a change made outside a crawl, e.g.
    `label:2025-03-09T08:00:00.123456+00:00`; microseconds keep two labels made in one second
    apart (the history is keyed on commitment and run id)."""
    moment = (at or datetime.now(UTC)).astimezone(UTC)
    return f"{kind}:{moment.isoformat(timespec='microseconds')}"


def record_status_now(con, run_id: str) -> int:
    """record_status for evidence changed outside a crawl (a label, a re-parse): the history
    would otherwise miss the change until the next crawl. As of the day `commitment_status`
    says (the last completed run's), so the recorded trend is the one the view shows; today in
    Shanghai before any run has completed."""
    row = con.execute("SELECT as_of FROM commitment_status LIMIT 1").fetchone()
    as_of = row[0] if row and row[0] else datetime.now(SHANGHAI).date()
    return record_status(con, run_id, as_of)
