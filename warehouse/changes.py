"""Edits to releases that follow up a commitment: what changed, for the digest.

Government sites quietly edit published articles (a date, a figure, a paragraph). When a
release the linker counts as a follow-up gets a new version in a run, readers should see it
with the title and date before and after and a short unified diff of the body. Scraped text:
the renderer escapes it and the diff is capped.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from datetime import date, datetime

import duckdb

from warehouse.markdown import md_text, safe_url

MAX_DIFF_LINES = 40
MAX_DIFF_LINE_CHARS = 200
MAX_CHANGES = 50
_SENTENCE_END = re.compile(r"(?<=[。！？.!?])\s*")

_CHANGED_SQL = """
WITH edited AS (
    SELECT url, min(version) AS first_new, max(version) AS last_new
    FROM release_versions
    WHERE run_id = ? AND version > 1
    GROUP BY url
),
linked AS (
    SELECT url, list(DISTINCT commitment_id ORDER BY commitment_id) AS commitments
    FROM links
    WHERE score >= (SELECT CAST(value AS DOUBLE) FROM settings WHERE key = 'link_threshold')
    GROUP BY url
)
SELECT e.url, r.source_id, b.title, a.title, b.published_at, a.published_at,
       b.body, a.body, b.version, a.version, k.commitments
FROM edited AS e
JOIN linked AS k USING (url)
JOIN release_current AS r USING (url)
JOIN release_versions AS b ON b.url = e.url AND b.version = e.first_new - 1
JOIN release_versions AS a ON a.url = e.url AND a.version = e.last_new
ORDER BY e.url
LIMIT ?
"""


@dataclass
class Change:
    """One edited follow-up release: before and after, and the body's diff."""

    url: str
    source_id: str
    title_before: str
    title_after: str
    date_before: date | None
    date_after: date | None
    version_before: int
    version_after: int
    diff: list[str] = field(default_factory=list)
    commitments: list[str] = field(default_factory=list)

    @property
    def title_changed(self) -> bool:
        return self.title_before != self.title_after

    @property
    def date_changed(self) -> bool:
        return self.date_before != self.date_after


def changed_linked_releases(con: duckdb.DuckDBPyConnection, run_id: str) -> list[Change]:
    """Follow-up releases that got a new version in this run, oldest stored text vs newest."""
    rows = con.execute(_CHANGED_SQL, [run_id, MAX_CHANGES]).fetchall()
    return [_change(row) for row in rows]


def _change(row: tuple) -> Change:
    url, source_id, t_before, t_after, d_before, d_after, b_before, b_after, v0, v1, cids = row
    return Change(
        url=url,
        source_id=source_id,
        title_before=t_before or "",
        title_after=t_after or "",
        date_before=_day(d_before),
        date_after=_day(d_after),
        version_before=v0,
        version_after=v1,
        diff=body_diff(b_before or "", b_after or ""),
        commitments=list(cids or []),
    )


def _day(moment: datetime | None) -> date | None:
    return None if moment is None else moment.date()


def body_diff(before: str, after: str) -> list[str]:
    """A unified diff by sentence-ish lines, without file headers, capped in lines and width."""
    lines = difflib.unified_diff(_lines(before), _lines(after), lineterm="", n=1)
    body = [line[:MAX_DIFF_LINE_CHARS] for line in lines if not line.startswith(("---", "+++"))]
    if len(body) > MAX_DIFF_LINES:
        hidden = len(body) - MAX_DIFF_LINES
        body = body[:MAX_DIFF_LINES] + [f"… {hidden} more diff line(s)"]
    return body


def _lines(text: str) -> list[str]:
    """Paragraphs, split further at sentence ends so a one-word edit shows as one line."""
    out: list[str] = []
    for paragraph in text.splitlines():
        out.extend(part.strip() for part in _SENTENCE_END.split(paragraph) if part.strip())
    return out


def change_lines(changes: list[Change]) -> list[str]:
    """Markdown for the digest: a section per edited follow-up (escaped, diff in a code block)."""
    if not changes:
        return []
    lines = ["## Edited follow-ups", ""]
    for change in changes:
        lines += _change_block(change)
    return lines


def _change_block(change: Change) -> list[str]:
    link = safe_url(change.url)
    title = md_text(change.title_after)
    head = f"- [{title}]({link})" if link else f"- {title}"
    lines = [f"{head} — `{md_text(change.source_id, 80)}`, version {change.version_before} → "
             f"{change.version_after}; follows up {', '.join(change.commitments)}"]  # fmt: skip
    if change.title_changed:
        lines.append(f"  - title was: {md_text(change.title_before)}")
    if change.date_changed:
        lines.append(f"  - date: {change.date_before or 'none'} → {change.date_after or 'none'}")
    if change.diff:
        fence = "  ```diff"
        safe = [line.replace("```", "'''") for line in change.diff]
        lines += [fence, *(f"  {line}" for line in safe), "  ```"]
    return lines + [""]
