"""Stories, not copies: group republished and translated releases into one story cluster.

The same announcement is often reprinted by several portals (same source line, near-identical
text) and published in English and Chinese. Counting each copy would inflate statuses and
digests, so every release gets a `story_id` (the url of the story's earliest release) and
counts are made per story. Rules, checked in order:

* copy: same language, published at most WINDOW_DAYS after the original (a release without a
  date is compared with all), and character 4-gram Jaccard similarity >= COPY_SIMILARITY after
  normalisation (Traditional->Simplified, lower case, no spaces or punctuation), or
  >= SOURCE_COPY_SIMILARITY when both name the same source line;
* translation: English and Chinese, published within TRANSLATION_DAYS of each other, naming
  the same programme or place (at least one), sharing most of their numbers, and sharing
  enough (`translation_evidence`: counts and dates 1, years 0.5, a programme or two places
  0.5, at least TRANSLATION_EVIDENCE), with numbers and dates normalised across the languages
  (`warehouse/crosslang.py`: 1.5万 = 15,000, 6月5日 = June 5).
"""

from __future__ import annotations

import bisect
import logging
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from warehouse import crosslang, lexicon
from warehouse.db import transaction

logger = logging.getLogger(__name__)

COPY_SIMILARITY = 0.8
SOURCE_COPY_SIMILARITY = 0.6
TRANSLATION_DAYS = 3
TRANSLATION_EVIDENCE = 2.0  # see translation_evidence
SHARED_NUMBER_SHARE = 0.6  # of the smaller release's numbers
_YEAR_RE = re.compile(r"(?:19|20)\d\d")
WINDOW_DAYS = 14  # a copy is looked for among the releases of the 14 days before
SHINGLE = 4
MIN_COPY_CHARS = 20  # a release with less text (an image caption, an empty page) is no copy
_NOISE_RE = re.compile(r"[\W_]+", re.UNICODE)


@dataclass(frozen=True)
class StoryRelease:
    """What the story rules need to know about one release."""

    url: str
    language: str
    published_on: date | None
    content_source: str
    shingles: frozenset[str]
    names: frozenset[str]  # programmes and places, as keys shared by both languages
    numbers: frozenset[str]  # counts and dates, normalised across the languages


def make_release(url: str, language: str, published_on, source: str, title: str, body: str):
    """Normalise a release once: shingles for copies, names and numbers for translations."""
    text = lexicon.prepare(f"{title or ''}\n{body or ''}")
    squashed = _NOISE_RE.sub("", text.lower())
    return StoryRelease(
        url,
        language or "",
        published_on,
        (source or "").strip().lower(),
        _shingles(squashed),
        crosslang.name_keys(text),
        crosslang.number_keys(text),
    )


def _shingles(squashed: str) -> frozenset[str]:
    """Character 4-grams; none for a text too short to call a copy (an image caption)."""
    if len(squashed) < MIN_COPY_CHARS:
        return frozenset()
    return frozenset(squashed[i : i + SHINGLE] for i in range(len(squashed) - SHINGLE + 1))


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def same_story(a: StoryRelease, b: StoryRelease) -> str | None:
    """'copy', 'translation' or None: why two releases are (or are not) one story."""
    if a.language == b.language:
        similarity = _jaccard(a.shingles, b.shingles)
        same_source = bool(a.content_source) and a.content_source == b.content_source
        threshold = SOURCE_COPY_SIMILARITY if same_source else COPY_SIMILARITY
        return "copy" if similarity >= threshold else None
    return "translation" if _is_translation(a, b) else None


def _is_translation(a: StoryRelease, b: StoryRelease) -> bool:
    if {a.language, b.language} != {"en", "zh"} or not (a.published_on and b.published_on):
        return False
    if abs((a.published_on - b.published_on).days) > TRANSLATION_DAYS:
        return False
    names, shared = a.names & b.names, a.numbers & b.numbers
    smaller = min(len(a.numbers), len(b.numbers))
    if not names or len(shared) < SHARED_NUMBER_SHARE * smaller:
        return False
    return translation_evidence(names, shared) >= TRANSLATION_EVIDENCE


def translation_evidence(names: frozenset[str], numbers: frozenset[str]) -> float:
    """How much two releases share beyond chance in the same week. A count (`350`, `15000`) or
    an event date (`06-05`) weighs 1; a year 0.5; the names 0.5 when they include a programme
    or two places. Two different stories of one week often share the year, the day and a
    city, which is not enough; a meeting report and its translation share the day, the year
    and the body that met, which is."""
    weight = sum(0.5 if _YEAR_RE.fullmatch(n) else 1.0 for n in numbers)
    places = sum(1 for n in names if n.startswith("place:"))
    return weight + (0.5 if places < len(names) or places >= 2 else 0.0)


def cluster(releases: list[StoryRelease], known: dict[str, str]) -> dict[str, tuple[str, str]]:
    """Story id and reason for every release not in `known` (url -> story id already kept),
    and for a stored story's first release when a new one turns out to be older.

    Releases are visited oldest first (on the same day the Chinese one first: the English
    release is usually its translation); each joins the story of the earliest release it
    copies (published up to WINDOW_DAYS before), else of the earliest it translates (up to
    TRANSLATION_DAYS before), else of stored releases published after it that copy or
    translate it. When every story so matched began after it (the original was scraped a run
    late), it becomes their first release and their ids move to it. Else it starts its own
    story. Only those days are searched, so the work grows with the releases, not with all
    their pairs. Undated releases sort last: they are compared with every release given."""
    ordered = sorted(releases, key=_story_order)
    days = [r.published_on or date.max for r in ordered]
    by_url = {r.url: r for r in ordered}
    story = dict(known)
    assigned: dict[str, tuple[str, str]] = {}
    for index, release in enumerate(ordered):
        if release.url in known:
            continue
        match = _match_before(release, ordered, days, index)
        later = [] if match else _matches_stored_after(release, ordered, days, index, known)
        begun = {story[c.url] for c, _ in later}
        if later and all(_published_before(release, by_url.get(sid)) for sid in begun):
            for old_id in sorted(begun):
                _move_story(release, by_url[old_id], story, assigned)
            continue
        match = match or (later[0] if later else None)
        story_id, reason = (story[match[0].url], match[1]) if match else (release.url, "first")
        story[release.url] = story_id
        assigned[release.url] = (story_id, reason)
    return assigned


def _published_before(a: StoryRelease, b: StoryRelease | None) -> bool:
    """a is the older release (same day: the Chinese one). An undated release, or one not
    loaded, is never known to be newer."""
    if b is None or not (a.published_on and b.published_on):
        return False
    return _story_order(a) < _story_order(b)


def _move_story(original: StoryRelease, old_first: StoryRelease, story, assigned) -> None:
    """An older release of a stored story arrived: it becomes the story's first release, the
    old first release becomes its copy or translation, and every member follows the new id."""
    old_id = story[old_first.url]
    for url, story_id in list(story.items()):
        if story_id == old_id:
            story[url] = original.url
            if url in assigned:
                assigned[url] = (original.url, assigned[url][1])
    story[original.url] = original.url
    assigned[original.url] = (original.url, "first")
    same_language = "copy" if old_first.language == original.language else "translation"
    assigned[old_first.url] = (original.url, same_story(old_first, original) or same_language)


def _match_before(release, ordered, days, index):
    """(earlier release, 'copy' | 'translation') among the WINDOW_DAYS before, or None."""
    since = bisect.bisect_left(days, _days_before(release, WINDOW_DAYS), 0, index)
    earlier = ordered[since:index]
    return _copy_of(release, earlier) or _translation_of(release, earlier)


def _matches_stored_after(release, ordered, days, index, known) -> list:
    """[(stored release published after this one, or undated, that it copies or translates,
    why)]: copies first. Undated releases sort last, so they are searched whatever the date."""
    undated = bisect.bisect_left(days, date.max)
    last_day = release.published_on and release.published_on + timedelta(days=WINDOW_DAYS)
    until = min(bisect.bisect_right(days, last_day), undated) if last_day else undated
    later = [*ordered[index + 1 : until], *ordered[max(undated, index + 1) :]]
    stored = [r for r in later if r.url in known]
    copies = [(c, "copy") for c in stored if _copies(release, c)]
    return copies + [(c, "translation") for c in stored if _is_translation(release, c)]


def _story_order(release: StoryRelease) -> tuple:
    return (release.published_on or date.max, release.language != "zh", release.url)


def _days_before(release: StoryRelease, days: int) -> date:
    """The first day a release's original could have been published on (undated: any day)."""
    if release.published_on is None:
        return date.min
    return release.published_on - timedelta(days=days)


def _copy_of(release: StoryRelease, earlier: list[StoryRelease]):
    """(the earliest release this one copies, 'copy'), or None."""
    for candidate in earlier:
        if _copies(release, candidate):
            return candidate, "copy"
    return None


def _copies(a: StoryRelease, b: StoryRelease) -> bool:
    return _could_copy(a, b) and same_story(a, b) == "copy"


def _could_copy(a: StoryRelease, b: StoryRelease) -> bool:
    """Same language, and sizes within the lowest copy similarity of each other (a Jaccard of
    t needs that): a cheap test before the set intersection."""
    small, large = sorted((len(a.shingles), len(b.shingles)))
    return a.language == b.language and small >= SOURCE_COPY_SIMILARITY * large


def _translation_of(release: StoryRelease, earlier: list[StoryRelease]):
    """(the earliest release of the last TRANSLATION_DAYS this one translates, 'translation')."""
    first_day = _days_before(release, TRANSLATION_DAYS)
    recent = (c for c in earlier if (c.published_on or date.max) >= first_day)
    for candidate in recent:
        if _is_translation(release, candidate):
            return candidate, "translation"
    return None


_RELEASE_COLUMNS = "SELECT r.url, r.language, r.published_on, r.content_source, r.title, r.body"
_RELEASES_SQL = f"""
{_RELEASE_COLUMNS}
FROM release_current AS r
WHERE r.url NOT IN (SELECT url FROM stories)
   OR r.published_on BETWEEN ? AND ?
   OR r.published_on BETWEEN ? AND ?
   OR (r.published_on IS NULL AND coalesce(r.first_seen_at, now()) >= ?)
"""
# The first releases of the stories the loaded releases belong to, when not loaded themselves:
# a late original is compared with them to know whether it is older.
_FIRSTS_SQL = f"""
{_RELEASE_COLUMNS}
FROM release_current AS r
WHERE r.url IN (SELECT DISTINCT s.story_id FROM stories AS s WHERE list_contains(?, s.url))
  AND NOT list_contains(?, r.url)
"""
_UNASSIGNED_SQL = """
SELECT count(published_on), count(*) - count(published_on), min(published_on), max(published_on)
FROM release_current WHERE url NOT IN (SELECT url FROM stories)
"""


def assign_stories(con, run_id: str) -> int:
    """Put every release without a story into one; return how many joined an existing story.

    Only releases published within WINDOW_DAYS of an unassigned release are compared (for an
    undated one, those of the last WINDOW_DAYS and the undated ones first seen then), so an
    incremental run stays cheap. Already assigned releases keep their story; its id moves to
    an older release that arrives late."""
    dated, undated, low, high = con.execute(_UNASSIGNED_SQL).fetchone()
    if not dated and not undated:
        return 0
    today = datetime.now(UTC).date()
    windows = [*_window(low, high, today), *_window(today if undated else low, None, today)]
    rows = con.execute(_RELEASES_SQL, [*windows, today - timedelta(days=WINDOW_DAYS)]).fetchall()
    urls = [row[0] for row in rows]
    rows += con.execute(_FIRSTS_SQL, [urls, urls]).fetchall()
    known = dict(con.execute("SELECT url, story_id FROM stories").fetchall())
    releases = [make_release(*row) for row in rows]
    assigned = cluster(releases, {r.url: known[r.url] for r in releases if r.url in known})
    _store_stories(con, run_id, assigned, known)
    joined = sum(1 for url, (_, why) in assigned.items() if url not in known and why != "first")
    logger.info("stories: %d releases assigned, %d joined a story", len(assigned), joined)
    return joined


def _store_stories(con, run_id: str, assigned: dict, known: dict) -> None:
    """Write the assignments; a story whose id moved takes all its members along."""
    moved = {url: sid for url, (sid, _) in assigned.items() if known.get(url) == url != sid}
    with transaction(con):
        for old_id, new_id in moved.items():  # members outside the window follow the new id
            con.execute("UPDATE stories SET story_id = ? WHERE story_id = ?", [new_id, old_id])
        con.executemany(
            "INSERT OR REPLACE INTO stories VALUES (?, ?, ?, ?, current_timestamp)",
            [(url, story_id, reason, run_id) for url, (story_id, reason) in assigned.items()],
        )


def _window(low: date | None, high: date | None, today: date) -> tuple[date, date]:
    """The days whose stored releases are compared with new ones published from low to high
    (high defaults to low; no dates at all: around today)."""
    low = low or today
    high = high or low
    return low - timedelta(days=WINDOW_DAYS), high + timedelta(days=WINDOW_DAYS)


_STORY_MEMBERS_SQL = """
SELECT m.url, m.reason, r.language, r.source_id, r.published_on
FROM release_stories AS s
JOIN release_stories AS m ON m.story_id = s.story_id
JOIN release_current AS r ON r.url = m.url
WHERE s.url = ?
ORDER BY m.url <> m.story_id, r.published_on NULLS LAST, m.url
"""


def story_mates(con, url: str) -> list[str]:
    """The other releases of url's story (its first release, copies and translations)."""
    return [row[0] for row in con.execute(_STORY_MEMBERS_SQL, [url]).fetchall() if row[0] != url]


def story_lines(con, url: str) -> list[str]:
    """What `explain` says of a release's story: alone, or which pages tell it too and why."""
    members = con.execute(_STORY_MEMBERS_SQL, [url]).fetchall()
    if len(members) <= 1:
        return ["story: no copy or translation found (a story of its own)"]
    lines = [f"story: {len(members)} releases tell this story (counted once)"]
    for member_url, reason, language, source_id, published in members:
        role = "first release" if reason == "first" else reason
        here = "  <- this release" if member_url == url else ""
        lines.append(f"  {role}: {member_url} ({language}, {source_id}, {published}){here}")
    return lines
