"""Analyst feedback on links: confirm or reject a (release, commitment) pair.

Labels live in the `labels` table. The `followups` view honours them on every later run (a
rejected link never shows, a confirmed one always does, with the linker's evidence kept at
labeling time), and `yrdwatch eval --labels` turns them into labelled items.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict

from warehouse.catalog import Commitment
from warehouse.db import transaction
from warehouse.evaluate import Item
from warehouse.linking import link_text
from warehouse.stories import story_mates

logger = logging.getLogger(__name__)

VERDICTS = ("confirmed", "rejected")
MAX_NOTE_CHARS = 1000
_RELEASE_SQL = "SELECT title, body, language FROM release_current WHERE url = ?"


class LabelError(ValueError):
    """The label names a release or commitment the warehouse does not know."""


def add_label(
    con, url: str, commitment_id: str, verdict: str, catalog: list[Commitment], note: str = ""
) -> dict:
    """Store (or replace) an analyst's verdict on one link; return the evidence kept with it."""
    commitment, row = _checked(con, url, commitment_id, verdict, catalog)
    evidence = evidence_for(commitment, *row)
    with transaction(con):
        _store(con, url, commitment_id, verdict, note, evidence)
    logger.info("label %s %s: %s", url, commitment_id, verdict)
    return evidence


def add_story_label(
    con, url: str, commitment_id: str, verdict: str, catalog: list[Commitment], note: str = ""
) -> list[str]:
    """Label a link on every release of url's story (its copies and translations too), in one
    transaction; return the urls labelled. The story is counted once, so it is judged once."""
    commitment, row = _checked(con, url, commitment_id, verdict, catalog)
    releases = [(url, *row), *(_release_row(con, mate) for mate in story_mates(con, url))]
    evidence = [evidence_for(commitment, *release[1:]) for release in releases]
    with transaction(con):
        for (member, *_), found in zip(releases, evidence, strict=True):
            why = note if member == url else f"{note} (story of {url})"
            _store(con, member, commitment_id, verdict, why, found)
    logger.info("label %s %s on %d releases of its story", url, verdict, len(releases))
    return [release[0] for release in releases]


def _release_row(con, url: str) -> tuple:
    return (url, *con.execute(_RELEASE_SQL, [url]).fetchone())


def _checked(con, url: str, commitment_id: str, verdict: str, catalog: list[Commitment]):
    """(commitment, (title, body, language)) when the label makes sense, else a LabelError."""
    if verdict not in VERDICTS:
        raise LabelError(f"verdict must be one of {', '.join(VERDICTS)}, not {verdict!r}")
    commitment = next((c for c in catalog if c.id == commitment_id), None)
    if commitment is None:
        raise LabelError(f"{commitment_id}: no such commitment; see `yrdwatch sql commitments`")
    row = con.execute(_RELEASE_SQL, [url]).fetchone()
    if row is None:
        raise LabelError(f"{url}: no such release in the warehouse; check the URL")
    return commitment, row


def _store(con, url: str, commitment_id: str, verdict: str, note: str, evidence: dict) -> None:
    con.execute(
        "INSERT OR REPLACE INTO labels VALUES (?, ?, ?, ?, ?, current_timestamp)",
        [
            url,
            commitment_id,
            verdict,
            (note or "").strip()[:MAX_NOTE_CHARS] or None,
            json.dumps(evidence, ensure_ascii=False),
        ],
    )


def evidence_for(commitment: Commitment, title: str, body: str, language: str) -> dict:
    """The linker's evidence for exactly this commitment, even below the storage floor."""
    decision = link_text(title or "", body or "", language or "", [commitment], store_floor=0.0)
    if not decision.candidates:
        return {"terms": [], "sentences": [], "parts": {"anchor": decision.anchor["factor"]}}
    chosen = asdict(decision.candidates[0])
    return {key: chosen[key] for key in ("terms", "sentences", "parts")}


_LABEL_ITEMS_SQL = """
SELECT r.url, r.language, r.title, r.body,
       list(c.field) FILTER (WHERE lb.verdict = 'confirmed') AS fields
FROM labels AS lb
JOIN release_current AS r USING (url)
JOIN commitments AS c USING (commitment_id)
GROUP BY r.url, r.language, r.title, r.body
ORDER BY r.url
"""


def label_items(con) -> list[Item]:
    """Labelled releases as eval items: gold fields are those of confirmed commitments; a
    release whose labels are all rejections counts as not a follow-up."""
    items = []
    for url, language, title, body, fields in con.execute(_LABEL_ITEMS_SQL).fetchall():
        gold = frozenset(fields or [])
        items.append(Item(url, language or "", title or "", body or "", bool(gold), gold))
    return items
