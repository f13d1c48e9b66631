"""Finding a stored release from the URL an analyst pastes into `explain` or `label`.

The warehouse keys releases by canonical URL (scrapers.canonical), but a URL copied from a
browser may be http, carry an upper-case host, a #fragment or utm_* parameters. When no
release matches, the fetch log may still say why: a 404, a block page, a timeout.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from scrapers.canonical import canonical_url

MAX_REASON_CHARS = 200
_LAST_FETCH_SQL = """
SELECT run_id, status, outcome, error FROM fetch_log
WHERE url IN (SELECT unnest(?))
ORDER BY fetched_at DESC
LIMIT 1
"""


class ReleaseNotFound(LookupError):
    """No stored release has this URL; the message says how its last fetch ended, if any."""


def find_release(con, url: str) -> str:
    """The stored URL of the release `url` names, as given or as the crawler canonicalised it."""
    spellings = _spellings(url)
    for spelling in spellings:
        if con.execute("SELECT 1 FROM release_current WHERE url = ?", [spelling]).fetchone():
            return spelling
    raise ReleaseNotFound(f"{url}: no such release in the warehouse{_last_fetch(con, spellings)}")


def _spellings(url: str) -> list[str]:
    """The URL as given, then canonicalised (a scheme-less `www.x.gov.cn/…` read as https)."""
    with_scheme = url if urlsplit(url).scheme else f"https://{url.lstrip('/')}"
    try:
        canonical = canonical_url(with_scheme)
    except ValueError:
        return [url]
    return [url] if canonical == url else [url, canonical]


def _last_fetch(con, urls: list[str]) -> str:
    """Why a URL the crawler did fetch is not stored, or the usual hint when it never did."""
    row = con.execute(_LAST_FETCH_SQL, [urls]).fetchone()
    if row is None:
        return "; check the URL"
    run_id, status, outcome, error = row
    said: list[str] = []
    for part in (f"HTTP {status}" if status else "", outcome or "", error or ""):
        if part and not any(part in earlier for earlier in said):
            said.append(part)
    return f"; its last fetch (run {run_id}) ended: {'; '.join(said)[:MAX_REASON_CHARS]}"


def release_text(con, url: str) -> tuple[str, str, str] | None:
    """(title, body, language) of a stored release, for re-linking it; None when not stored."""
    row = con.execute(
        "SELECT title, body, language FROM release_current WHERE url = ?", [url]
    ).fetchone()
    return None if row is None else (row[0] or "", row[1] or "", row[2] or "")


def shown_links(con, url: str) -> list[tuple[str, str | None]]:
    """(commitment_id, label) of the release's rows in `followups` now."""
    return con.execute(
        "SELECT commitment_id, label FROM followups WHERE url = ? ORDER BY commitment_id", [url]
    ).fetchall()
