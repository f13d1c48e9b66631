"""Alert selection and the Markdown digest of one run.

The digest answers two questions for a reader: which releases newly follow up
which commitment (with the evidence), and which sources could not be read. Its items are rows
of the `followups` view, so its counts are the ones an analyst gets in SQL, confirmed labels
included (a link an analyst confirmed shows as such, not with the linker's score).
Scraped text is hostile, so every value that came from a web page is escaped
and capped before it reaches the Markdown.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb

from warehouse import lexicon
from warehouse.catalog import FIELDS
from warehouse.changes import change_lines, changed_linked_releases
from warehouse.health import health_lines
from warehouse.markdown import md_text, safe_url

FIELD_TITLES = {
    "transport": "Transport connection",
    "energy": "Energy guarantee",
    "innovation": "Industrial and technological innovation",
    "information": "Information network",
    "environment": "Joint environmental protection",
    "public_service": "Inclusive public services",
    "market": "Orderly market opening",
    "mechanism": "Coordination mechanism",
}
MAX_SENTENCE = 300
MAX_TERM = 64  # the catalog's longest term (58 characters) shows whole
STORY_KINDS = {"copy": "reprint", "translation": "translation"}  # stories.reason, in words


@dataclass
class DigestItem:
    """One new follow-up link, ready to render."""

    url: str
    title: str
    source_id: str
    published_on: date | None
    commitment_id: str
    commitment_title: str
    field: str
    score: float
    terms: list[str] = field(default_factory=list)
    sentences: list[str] = field(default_factory=list)
    story_id: str = ""
    story_reason: str = "first"  # first | copy | translation (of the story's first release)
    confirmed: bool = False  # an analyst confirmed the link: it rests on the label, not a score
    # why no sentence is quoted although terms matched: "headline only", "attachment names
    # only" or "headline and attachment names only"; "" when a sentence is quoted
    evidence_note: str = ""


@dataclass
class SourceProblem:
    """A source that failed or was blocked in the run, with the reason in words."""

    source_id: str
    status: str
    error: str
    failed_urls: int


@dataclass
class Digest:
    run_id: str
    mode: str
    run_date: date
    items: list[DigestItem]
    problems: list[SourceProblem]
    releases_new: int
    releases_changed: int
    edited: list[str] = field(default_factory=list)  # Markdown of edited follow-ups
    health: list[str] = field(default_factory=list)  # Markdown of source health
    status: str = "completed"  # the run's status when the digest was built
    # (run id, new releases it loaded) of earlier runs a killed process left, marked
    # interrupted when this run started: this run linked what they had loaded
    interrupted: list[tuple[str, int]] = field(default_factory=list)


_NEW_FOLLOWUPS_SQL = """
SELECT f.url, f.title, f.source_id, f.published_on, f.commitment_id,
       f.commitment_title, f.field, f.score, f.evidence, coalesce(f.story_id, f.url),
       coalesce(st.reason, 'first'), coalesce(f.label = 'confirmed', false)
FROM followups AS f
JOIN release_current AS r USING (url)
LEFT JOIN links AS l USING (url, commitment_id)
LEFT JOIN linked_releases AS lr USING (url)
LEFT JOIN release_stories AS st USING (url)
WHERE coalesce(l.followup_since_run, l.run_id, lr.run_id, r.first_run_id) = ?
ORDER BY f.field, f.commitment_id, f.published_on DESC NULLS LAST, f.url
"""


class DigestRunError(LookupError):
    """The run asked for is not in the warehouse (or there is no run yet)."""


def digest_run(con: duckdb.DuckDBPyConnection, run_id: str | None) -> str:
    """The run whose digest to rebuild: the one named, else the latest crawl (not a reparse)."""
    if run_id is not None:
        if con.execute("SELECT 1 FROM runs WHERE run_id = ?", [run_id]).fetchone() is None:
            raise DigestRunError(f'{run_id}: no such run; `yrdwatch sql "SELECT run_id FROM runs"`')
        return run_id
    row = con.execute(
        "SELECT run_id FROM runs WHERE mode <> 'reparse' ORDER BY started_at DESC LIMIT 1"
    ).fetchone()
    if row is None:
        raise DigestRunError("the warehouse has no runs yet; run `yrdwatch run` first")
    return row[0]


def select_new_followups(con: duckdb.DuckDBPyConnection, run_id: str) -> list[DigestItem]:
    """The run's rows of the `followups` view, newest first: links the run made, and links an
    analyst confirmed on a release the run linked (even where the linker scored none)."""
    return [_digest_item(row) for row in con.execute(_NEW_FOLLOWUPS_SQL, [run_id]).fetchall()]


def _digest_item(row: tuple) -> DigestItem:
    url, title, source_id, published_on, cid, ctitle, fld, score, evidence, *rest = row
    story_id, reason, confirmed = rest
    ev = json.loads(evidence) if isinstance(evidence, str) else (evidence or {})
    terms = _distinct_terms(ev.get("terms", []))[:8]
    sentences = _telling_sentences(ev.get("sentences", []), title)
    return DigestItem(
        url=url,
        title=title,
        source_id=source_id,
        published_on=published_on,
        commitment_id=cid,
        commitment_title=ctitle,
        field=fld,
        score=float(score),
        terms=terms,
        sentences=sentences,
        story_id=story_id,
        story_reason=reason,
        confirmed=bool(confirmed),
        evidence_note="" if sentences or not terms else _unquoted(ev.get("sentences", []), title),
    )


def _distinct_terms(terms: list[str]) -> list[str]:
    """Terms as a reader sees them: "ultra-high voltage" and "ultra-high-voltage" match the same
    words, so the digest shows one of them."""
    shown: dict[str, str] = {}
    for term in terms:
        shown.setdefault(lexicon.match_key(term), term)
    return list(shown.values())


_ATTACHMENT_LINE = re.compile(r"^\s*(attachments?|附件)\s*\d*\s*[:：]", re.IGNORECASE)


def _telling_sentences(sentences: list[str], title: str | None) -> list[str]:
    """Up to two evidence sentences that add to the headline shown above them: the headline
    itself and attachment lines ("Attachment: ....pdf") tell the reader nothing more."""
    headline = _headline_keys(title)
    kept = [s for s in sentences if _key(s) not in headline and not _ATTACHMENT_LINE.match(s)]
    return kept[:2]


def _unquoted(sentences: list[str], title: str | None) -> str:
    """Where the terms of a link with no quoted sentence were found, so the reader can judge
    how weak it is: "headline only" says no body sentence names any of them."""
    headline = _headline_keys(title)
    places = []
    if any(_key(s) in headline for s in sentences):
        places.append("headline")
    if any(_ATTACHMENT_LINE.match(s) and _key(s) not in headline for s in sentences):
        places.append("attachment names")
    return " and ".join(places) + " only" if places else ""


def _headline_keys(title: str | None) -> set[str]:
    """The headline as the linker quotes it: whole, or its sentences after the linker's
    normalisation (Simplified Chinese, straight quotes), so none is repeated as evidence."""
    prepared = lexicon.prepare(title or "")
    parts = [title or "", prepared, *lexicon.split_sentences(prepared)]
    return {_key(part) for part in parts if part.strip()}


def _key(sentence: str) -> str:
    return " ".join(sentence.split())


def select_source_problems(con: duckdb.DuckDBPyConnection, run_id: str) -> list[SourceProblem]:
    """Sources whose crawl in this run failed, was blocked or lost articles."""
    rows = con.execute(
        """
        SELECT source_id, status, coalesce(error, ''), coalesce(articles_failed, 0)
        FROM source_runs
        WHERE run_id = ? AND status <> 'ok'
        ORDER BY CASE status WHEN 'blocked' THEN 0 WHEN 'failed' THEN 1 ELSE 2 END, source_id
        """,
        [run_id],
    ).fetchall()
    return [SourceProblem(*row) for row in rows]


def build_digest(
    con: duckdb.DuckDBPyConnection, run_id: str, *, by_the_run: bool = False
) -> Digest:
    """Gather everything the digest shows for one run (counts come from its sources' loads).
    `by_the_run`: the run writes its own digest as its last step, while its status still says
    running; anyone else reading a running run's digest is told it has not finished."""
    row = con.execute(
        """
        SELECT r.mode, r.started_at, r.status,
               coalesce(sum(s.releases_new), 0), coalesce(sum(s.releases_changed), 0)
        FROM runs r LEFT JOIN source_runs s USING (run_id)
        WHERE r.run_id = ?
        GROUP BY r.mode, r.started_at, r.status
        """,
        [run_id],
    ).fetchone()
    if row is None:
        raise ValueError(
            f'run {run_id!r} is not in the warehouse; see `yrdwatch sql "SELECT * FROM runs"`'
        )
    mode, started_at, status, new, changed = row
    return Digest(
        status="completed" if by_the_run and status == "running" else status,
        interrupted=select_interrupted_before(con, started_at),
        run_id=run_id,
        mode=mode,
        run_date=started_at.date(),
        items=select_new_followups(con, run_id),
        problems=select_source_problems(con, run_id),
        releases_new=int(new),
        releases_changed=int(changed),
        edited=change_lines(changed_linked_releases(con, run_id)),
        health=health_lines(con),
    )


_INTERRUPTED_SQL = """
SELECT r.run_id, CAST(coalesce(sum(s.releases_new), 0) AS INTEGER)
FROM runs AS r
LEFT JOIN source_runs AS s USING (run_id)
WHERE r.status = 'interrupted' AND r.finished_at = ?
GROUP BY r.run_id
ORDER BY r.run_id
"""


def select_interrupted_before(con: duckdb.DuckDBPyConnection, started_at) -> list[tuple[str, int]]:
    """Runs a killed process left, which the run starting at `started_at` marked interrupted
    (it marks them with its own start time): the reader should know their releases were loaded
    then and are linked, and listed, in this run."""
    return [(run_id, new) for run_id, new in con.execute(_INTERRUPTED_SQL, [started_at]).fetchall()]


def _run_state_lines(digest: Digest) -> list[str]:
    """Say when the counts are partial: this run has not finished or was cut short, or an
    earlier run was, whose loaded releases this run linked."""
    lines = []
    if digest.status == "running":
        lines.append("**This run has not finished:** the counts below are what it has done so far.")
    elif digest.status == "interrupted":
        lines.append("**This run was interrupted** before it finished: its counts are partial.")
    for run_id, new in digest.interrupted:
        lines.append(
            f"Run `{run_id}` was interrupted before it finished; the {new} new releases it had "
            "loaded were linked in this run, and their follow-ups are listed here."
        )
    return [line for text in lines for line in (text, "")]


def render_markdown(digest: Digest) -> str:
    """The digest as Markdown: follow-ups by field and commitment, then failing sources."""
    lines = _header_lines(digest)
    for fld in FIELDS:
        lines += _field_section(fld, [i for i in digest.items if i.field == fld])
    lines += digest.edited
    lines += _problem_section(digest.problems)
    lines += ["## Source health", "", *digest.health, ""]
    return "\n".join(lines).rstrip() + "\n"


def new_followup_counts(digest: Digest) -> dict[str, int]:
    """Stories, releases and links among the run's new follow-ups (the only ones the digest
    lists), counted once for every rendering."""
    return {
        "stories": len({i.story_id or i.url for i in digest.items}),
        "releases": len({i.url for i in digest.items}),
        "links": len(digest.items),
    }


def _header_lines(digest: Digest) -> list[str]:
    """Title, demo warning and the summary; the counts say "new in this run", since earlier
    follow-ups are not listed again and 0 must not read as "nothing follows up"."""
    counts = new_followup_counts(digest)
    lines = [f"# yrdwatch digest — {digest.run_date.isoformat()}", ""]
    if digest.mode == "demo":
        lines += [
            "> Demo run on the bundled archive: invented articles in the shape of real "
            "government sites. Nothing here is real news.",
            "",
        ]
    lines += _run_state_lines(digest)
    lines += [
        f"Run `{digest.run_id}`: {digest.releases_new} new and {digest.releases_changed} "
        f"changed releases. New in this run: {counts['stories']} stories "
        f"({counts['releases']} releases, {counts['links']} links) following up the 2018 "
        "symposium commitments. Links are evidence of activity, not verdicts on implementation.",
        "",
    ]
    if not digest.items:
        lines += [
            "No new follow-ups in this run. Follow-ups of earlier runs are not listed again; "
            "`commitment_status` counts them all.",
            "",
        ]
    return lines


def _field_section(fld: str, items: list[DigestItem]) -> list[str]:
    """Each story once per field, under its first release's best commitment: the release with
    its evidence, then the story's copies and translations as one line each."""
    if not items:
        return []
    lines = [f"## {FIELD_TITLES[fld]} (`{fld}`)", ""]
    for cid, stories in _group_stories_by_commitment(items).items():
        lines += [f"### {md_text(stories[0][0][0].commitment_title)} (`{cid}`)", ""]
        for (head, also), *others in stories:
            lines.append(_item_line(head, also))
            lines += _same_story_lines(head, also, others)
        lines.append("")
    return lines


Ranked = tuple[DigestItem, list[str]]  # a release's best link, and its other commitments


def _best_links(items: list[DigestItem]) -> list[Ranked]:
    """Each release once: its best-scoring link and the ids of its other commitments."""
    by_url: dict[str, list[DigestItem]] = {}
    for item in items:
        by_url.setdefault(item.url, []).append(item)
    ranked = []
    for links in by_url.values():
        best = max(links, key=lambda i: (i.score, i.commitment_id))
        ranked.append((best, sorted(i.commitment_id for i in links if i is not best)))
    return ranked


def _group_stories_by_commitment(items: list[DigestItem]) -> dict[str, list[list[Ranked]]]:
    """Stories (first release first) under the best commitment of their first release,
    newest first."""
    stories: dict[str, list[Ranked]] = {}
    for entry in _best_links(items):
        stories.setdefault(entry[0].story_id or entry[0].url, []).append(entry)
    groups: dict[str, list[list[Ranked]]] = {}
    for story_id, entries in stories.items():
        entries.sort(key=lambda e: (e[0].url != story_id, e[0].published_on or date.max, e[0].url))
        groups.setdefault(entries[0][0].commitment_id, []).append(entries)
    for stories_of in groups.values():  # newest story first
        stories_of.sort(key=lambda e: (-_ordinal(e[0][0].published_on), e[0][0].url))
    return dict(sorted(groups.items()))


def _ordinal(day: date | None) -> int:
    return day.toordinal() if day else 0


def _same_story_lines(head: DigestItem, also: list[str], others: list[Ranked]) -> list[str]:
    """The story's other releases under its first listed one, each naming any commitment of
    this field that the listed one does not, so no link goes unmentioned."""
    shown = {head.commitment_id, *also}
    lines = []
    for best, best_also in others:
        extra = sorted({best.commitment_id, *best_also} - shown)
        lines.append(_same_story_line(best, extra, head.url == head.story_id))
    return lines


def _same_story_line(item: DigestItem, extra: list[str], under_original: bool) -> str:
    """A copy or translation of the story above: where else it ran, without repeating it."""
    kind = STORY_KINDS.get(item.story_reason, "same story") if under_original else "same story"
    return f"  - {kind}: {_release_ref(item)}{_also(extra)}"


def _release_ref(item: DigestItem) -> str:
    """The linked title, source and date of a release, escaped for Markdown."""
    when = item.published_on.isoformat() if item.published_on else "date unknown"
    url = safe_url(item.url)
    title = md_text(item.title)
    head = f"[{title}]({url})" if url else title
    return f"{head} — {md_text(item.source_id, 60)}, {when}"


def _also(commitment_ids: list[str] | None) -> str:
    return "; also: " + ", ".join(f"`{cid}`" for cid in commitment_ids) if commitment_ids else ""


def _item_line(item: DigestItem, also: list[str] | None = None) -> str:
    terms = ", ".join(md_text(t, MAX_TERM) for t in item.terms) or "—"
    where = f" ({item.evidence_note})" if item.evidence_note else ""
    line = f"- {_release_ref(item)}; {_basis(item)}; terms: {terms}{where}{_also(also)}"
    line += _earlier_story(item)
    quotes = [f"  > {md_text(sentence, MAX_SENTENCE)}" for sentence in item.sentences]
    if quotes:
        line += "\n" + "\n  >\n".join(quotes)  # one quoted paragraph per evidence sentence
    return line


def _basis(item: DigestItem) -> str:
    """What the link rests on: an analyst's confirmation (its 1.0 is no linker score) or the
    linker's score."""
    return "confirmed by an analyst" if item.confirmed else f"score {item.score:.2f}"


def _earlier_story(item: DigestItem) -> str:
    """For a reprint or translation listed on its own (its story began in an earlier run)."""
    if item.story_reason not in ("copy", "translation") or item.story_id == item.url:
        return ""
    kind = STORY_KINDS[item.story_reason]
    original = safe_url(item.story_id)
    where = f"[{md_text(item.story_id, 120)}]({original})" if original else "an earlier release"
    return f"; {kind} of {where}"


def _problem_section(problems: list[SourceProblem]) -> list[str]:
    if not problems:
        return ["## Sources", "", "Every source was read without errors.", ""]
    lines = ["## Sources that failed, were blocked or lost pages", ""]
    for p in problems:
        extra = f" ({p.failed_urls} article(s) failed)" if p.failed_urls else ""
        reason = md_text(p.error, 300) or "no reason recorded"
        lines.append(f"- **{md_text(p.source_id, 60)}** — {p.status}{extra}: {reason}")
    lines.append("")
    return lines


def write_digest(markdown: str, out_dir: Path, run_id: str) -> Path:
    """Write the digest under out_dir, named by run, and return the path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"digest-{run_id}.md"
    path.write_text(markdown, encoding="utf-8")
    return path
