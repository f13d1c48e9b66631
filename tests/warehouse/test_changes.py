"""Edits to follow-up releases, surfaced with what changed (for the digest)."""

from __future__ import annotations

from datetime import UTC, datetime

from warehouse_factories import T0, later, make_release, make_result

from warehouse.changes import body_diff, change_lines, changed_linked_releases
from warehouse.load import load_source_result, start_run

OLD_BODY = "The delta rail link opens in May. Trains run every hour.\nTickets cost 20 yuan."
NEW_BODY = "The delta rail link opens in June. Trains run every hour.\nTickets cost 20 yuan."


def _link(con, url: str, score: float, commitment: str = "transport.rail") -> None:
    con.execute(
        "INSERT INTO links (url, commitment_id, content_hash, score, evidence, method_version,"
        " run_id, linked_at) VALUES (?, ?, 'h', ?, '{}', 'lex-1', 'run-1', ?)",
        [url, commitment, score, T0],
    )


def _edit_in_run_2(con, release_number: int, **changes) -> str:
    start_run(con, "run-1", "live", T0, 1)
    first = make_release(release_number, body=OLD_BODY)
    load_source_result(con, "run-1", make_result([first]))
    start_run(con, "run-2", "live", later(1), 1)
    edited = make_release(release_number, fetched_at=later(1), **{"body": NEW_BODY, **changes})
    load_source_result(con, "run-2", make_result([edited]))
    return first.url


def test_an_edited_followup_shows_title_date_and_body_before_and_after(con) -> None:
    new_date = datetime(2024, 8, 3, 2, 0, tzinfo=UTC)
    url = _edit_in_run_2(con, 1, title="Delta rail link opening delayed", published_at=new_date)
    _link(con, url, 0.9)
    (change,) = changed_linked_releases(con, "run-2")
    assert change.url == url and change.commitments == ["transport.rail"]
    assert (change.title_before, change.title_after) == (
        "Delta rail link 1 opens",
        "Delta rail link opening delayed",
    )
    assert (str(change.date_before), str(change.date_after)) == ("2024-07-31", "2024-08-03")
    assert (change.version_before, change.version_after) == (1, 2)
    assert change.diff == [
        "@@ -1,2 +1,2 @@",
        "-The delta rail link opens in May.",
        "+The delta rail link opens in June.",
        " Trains run every hour.",
    ]
    assert changes_in_other_runs(con) == []


def changes_in_other_runs(con) -> list:
    return changed_linked_releases(con, "run-1")


def test_edits_to_releases_without_followup_links_are_not_surfaced(con) -> None:
    url = _edit_in_run_2(con, 2)
    _link(con, url, 0.1)  # a stored candidate below the follow-up threshold
    assert changed_linked_releases(con, "run-2") == []


def test_the_diff_is_capped() -> None:
    before = "\n".join(f"Line {n}." for n in range(200))
    after = "\n".join(f"Changed line {n}." for n in range(200))
    diff = body_diff(before, after)
    assert len(diff) == 41 and diff[-1].startswith("… ")


def test_markdown_escapes_scraped_text_and_fences_the_diff(con) -> None:
    url = _edit_in_run_2(con, 3, title="New *title* [x](javascript:alert(1))")
    _link(con, url, 0.9)
    lines = change_lines(changed_linked_releases(con, "run-2"))
    text = "\n".join(lines)
    assert lines[0] == "## Edited follow-ups"
    assert "New \\*title\\* \\[x\\]\\(javascript:alert\\(1\\)\\)" in text
    assert "  ```diff" in lines and "  -The delta rail link opens in May." in lines
    assert "title was: Delta rail link 3 opens" in text
    assert change_lines([]) == []
