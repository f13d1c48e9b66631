"""Analyst feedback on links: confirm or reject a (release, commitment) pair.

Labels live in the `labels` table. The `followups` view honours them on every later run (a
rejected link never shows, a confirmed one always does, with score 1.0 and the linker's
evidence kept at labeling time), and `yrdwatch eval --labels` turns them into labelled items.
A label changes what `commitment_status` says at once, so each one is followed by a status
record (`commitment_status_changes` keeps it, run id `label:<UTC time>`).
"""

from __future__ import annotations

import difflib
import json
import logging
from datetime import datetime

import duckdb

from warehouse.catalog import Commitment
from warehouse.db import transaction
from warehouse.evaluate import Item
from warehouse.linking import commitment_evidence
from warehouse.lookup import release_text
from warehouse.status import event_run_id, record_status_now
from warehouse.stories import story_mates

logger = logging.getLogger(__name__)

VERDICTS = ("confirmed", "rejected")
MAX_NOTE_CHARS = 1000
_PREVIOUS_SQL = "SELECT verdict, labeled_at, note FROM labels WHERE url = ? AND commitment_id = ?"


class LabelError(ValueError):
    """The label names a release or commitment the warehouse does not know, or is malformed."""


def add_label(
    con, url: str, commitment_id: str, verdict: str, catalog: list[Commitment], note: str = ""
) -> dict:
    """Store (or replace) an analyst's verdict on one link; return the evidence kept with it.

    Without a note, the earlier label's note stays (a relabel should not wipe the reason)."""
    commitment, row = _checked(con, url, commitment_id, verdict, catalog, note)
    evidence = evidence_for(commitment, *row, catalog)
    with transaction(con):
        _store(con, url, commitment_id, verdict, _note(con, url, commitment_id, note), evidence)
    logger.info("label %s %s: %s", url, commitment_id, verdict)
    _record_status_after_label(con)
    return evidence


def add_story_label(
    con, url: str, commitment_id: str, verdict: str, catalog: list[Commitment], note: str = ""
) -> list[str]:
    """Label a link on every release of url's story (its copies and translations too), in one
    transaction; return the urls labelled. The story is counted once, so it is judged once."""
    commitment, row = _checked(con, url, commitment_id, verdict, catalog, note)
    releases = [(url, *row), *(_release_row(con, mate) for mate in story_mates(con, url))]
    evidence = [evidence_for(commitment, *release[1:], catalog) for release in releases]
    with transaction(con):
        for (member, *_), found in zip(releases, evidence, strict=True):
            why = _note(con, member, commitment_id, note, judged=url)
            _store(con, member, commitment_id, verdict, why, found)
    logger.info("label %s %s on %d releases of its story", url, verdict, len(releases))
    _record_status_after_label(con)
    return [release[0] for release in releases]


def _record_status_after_label(con) -> None:
    """The status history notes what a label changed; the label is stored either way, and a
    failure here is caught up by the next run's record_status."""
    try:
        record_status_now(con, event_run_id("label"))
    except duckdb.Error as exc:
        logger.warning("label stored, but its status change was not recorded: %s", exc)


def previous_label(con, url: str, commitment_id: str) -> tuple[str, datetime, str] | None:
    """(verdict, labeled_at, note) of the label a new one would replace, so the CLI can say so;
    None when the link has no label yet. A label without a note gives note ''."""
    row = con.execute(_PREVIOUS_SQL, [url, commitment_id]).fetchone()
    if row is None:
        return None
    verdict, labeled_at, note = row
    return verdict, labeled_at, note or ""


def labels_on(con, url: str) -> list[tuple[str, str, datetime, str]]:
    """(commitment_id, verdict, labeled_at, note) of every label on one release."""
    return con.execute(
        "SELECT commitment_id, verdict, labeled_at, coalesce(note, '') FROM labels"
        " WHERE url = ? ORDER BY commitment_id",
        [url],
    ).fetchall()


def in_followups(con, url: str, commitment_id: str) -> bool:
    """Whether the link shows in `followups` now (the linker's or an analyst's)."""
    row = con.execute(
        "SELECT 1 FROM followups WHERE url = ? AND commitment_id = ?", [url, commitment_id]
    ).fetchone()
    return row is not None


def count_labels(con) -> int:
    """How many analyst labels the warehouse holds (what a fresh demo would discard)."""
    return con.execute("SELECT count(*) FROM labels").fetchone()[0]


LINKER_LINK = "still linked by the linker"  # a mate's standing verdict when it has no label


def story_label_conflicts(con, url: str, commitment_id: str, verdict: str) -> list[tuple[str, str]]:
    """(url, verdict) of url's story mates that leave the story judged otherwise after a label
    without --story, so the CLI can name them: a mate labelled the other way, and on a
    rejection a mate whose unlabelled link still shows in `followups` (verdict LINKER_LINK),
    which keeps the story counted. On a confirmation a mate the linker did not link needs no
    warning: the story counts once either way."""
    conflicts = []
    for mate in story_mates(con, url):
        other = _mate_conflict(con, mate, commitment_id, verdict)
        if other is not None:
            conflicts.append((mate, other))
    return conflicts


def _mate_conflict(con, mate: str, commitment_id: str, verdict: str) -> str | None:
    """The mate's verdict where it differs in effect from the new one, else None."""
    previous = previous_label(con, mate, commitment_id)
    if previous is not None:
        return previous[0] if previous[0] != verdict else None
    if verdict == "rejected" and in_followups(con, mate, commitment_id):
        return LINKER_LINK
    return None


def _note(con, url: str, commitment_id: str, note: str, judged: str | None = None) -> str:
    """The note to store: the analyst's, else the earlier label's; on a story mate labelled
    through `judged`, the analyst's note says which release was judged."""
    mark = f"(story of {judged})" if judged not in (None, url) else ""
    typed = (note or "").strip()
    if typed:
        return f"{typed} {mark}".strip()
    previous = previous_label(con, url, commitment_id)
    return (previous[2] if previous else "") or mark


def _release_row(con, url: str) -> tuple:
    return (url, *release_text(con, url))


def _checked(con, url: str, commitment_id: str, verdict: str, catalog: list[Commitment], note: str):
    """(commitment, (title, body, language)) when the label makes sense, else a LabelError."""
    if len((note or "").strip()) > MAX_NOTE_CHARS:
        raise LabelError(
            f"note too long: {len(note.strip())} characters, the limit is {MAX_NOTE_CHARS}; "
            "shorten it (nothing was stored)"
        )
    if verdict not in VERDICTS:
        raise LabelError(f"verdict must be one of {', '.join(VERDICTS)}, not {verdict!r}")
    commitment = next((c for c in catalog if c.id == commitment_id), None)
    if commitment is None:
        close = difflib.get_close_matches(commitment_id, [c.id for c in catalog], n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        raise LabelError(
            f"{commitment_id}: no such commitment{hint}; see `yrdwatch sql commitments`"
        )
    row = release_text(con, url)
    if row is None:
        raise LabelError(f"{url}: no such release in the warehouse; check the URL")
    return commitment, row


_STORE_SQL = """
INSERT OR REPLACE INTO labels
    (url, commitment_id, verdict, note, evidence, labeled_at, content_hash)
SELECT ?, ?, ?, ?, ?, current_timestamp, content_hash FROM release_current WHERE url = ?
"""


def _store(con, url: str, commitment_id: str, verdict: str, note: str, evidence: dict) -> None:
    """Keep the release's content hash with the label: its evidence is current until the
    release changes."""
    con.execute(
        _STORE_SQL,
        [
            url,
            commitment_id,
            verdict,
            note or None,
            json.dumps(evidence, ensure_ascii=False),
            url,
        ],
    )


def evidence_for(
    commitment: Commitment, title: str, body: str, language: str, catalog: list[Commitment]
) -> dict:
    """The linker's evidence for exactly this commitment, even below the storage floor."""
    return commitment_evidence(title or "", body or "", language or "", catalog, commitment.id)


_LABEL_ITEMS_SQL = """
SELECT r.url, r.language, r.title, r.body,
       list(c.field) FILTER (WHERE lb.verdict = 'confirmed') AS fields,
       EXISTS (SELECT 1 FROM followups AS f WHERE f.url = r.url AND f.label IS NULL) AS unjudged
FROM labels AS lb
JOIN release_current AS r USING (url)
JOIN commitments AS c USING (commitment_id)
GROUP BY r.url, r.language, r.title, r.body
ORDER BY r.url
"""


_UNJUDGED_SQL = """
SELECT f.url, list(f.commitment_id ORDER BY f.commitment_id)
FROM followups AS f
WHERE f.label IS NULL AND f.url IN (SELECT url FROM labels)
GROUP BY f.url
ORDER BY f.url
"""


def unjudged_links(con) -> list[tuple[str, list[str]]]:
    """(url, commitment ids) of labelled releases that `label_items` leaves out: the links
    `followups` still shows for them that no analyst has judged, so eval can say what to label."""
    return [(url, list(ids)) for url, ids in con.execute(_UNJUDGED_SQL).fetchall()]


def label_items(con) -> list[Item]:
    """Labelled releases as eval items, once every link `followups` shows for them is judged:
    gold fields are those of the confirmed commitments, and a release whose links were all
    rejected is not a follow-up. While an unlabelled link is left, the analyst has judged only
    part of the release, and it is left out rather than scored against a guess."""
    items = []
    for url, language, title, body, fields, unjudged in con.execute(_LABEL_ITEMS_SQL).fetchall():
        gold = frozenset(fields or [])
        if unjudged:
            continue
        items.append(Item(url, language or "", title or "", body or "", bool(gold), gold))
    return items
