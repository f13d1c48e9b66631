"""`yrdwatch reparse`: releases rebuilt from the raw archive, offline, with today's rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

import flows.cli
from flows import cli_ops
from scrapers.extract import extract_article
from scrapers.listing import ListedLink
from scrapers.models import ArticleRules, ListRules, Source, SourceResult
from scrapers.rawstore import RawStore, raw_root_for
from warehouse.db import connect
from warehouse.load import load_source_result
from warehouse.reparse import reparse

T0 = datetime(2024, 3, 12, 2, 0, tzinfo=UTC)
HOST = "https://inv.gov.cn"
OLD_RULES = ArticleRules(title="h1.title", date="span.date", body="div.wrapper")
NEW_RULES = ArticleRules(title="h1.title", date="span.date", body="div.content")
PROMO = "Visit the autumn fair in the old town this weekend for free snacks and music."


def source(rules: ArticleRules) -> Source:
    return Source(
        id="inv-en",
        name="Invented government site",
        region="shanghai",
        language="en",
        start_urls=(f"{HOST}/news/index.html",),
        list=ListRules(links="ul.news li a"),
        article=rules,
    )


def page(title: str, body: str, *, day: int | None = 11, promo: bool = True) -> bytes:
    date = f"<span class='date'>2024-03-{day:02d}</span>" if day else ""
    extra = f"<p class='promo'>{PROMO}</p>" if promo else ""
    return (
        f"<html><head><title>{title}</title></head><body><h1 class='title'>{title}</h1>{date}"
        f"<div class='wrapper'><div class='content'><p>{body}</p></div>{extra}</div>"
        "</body></html>"
    ).encode()


PAGES = {
    f"{HOST}/news/1.html": page(
        "Delta intercity railway opens",
        "The Shanghai-Suzhou-Nantong intercity railway of the Yangtze River Delta opened; "
        "trains now link the delta's cities within one hour.",
    ),
    f"{HOST}/news/2.html": page(
        "Delta power grid interconnection agreed",
        "Shanghai, Jiangsu, Zhejiang and Anhui agreed on power grid interconnection for the "
        "Yangtze River Delta energy supply.",
    ),
    f"{HOST}/news/3.html": page(
        "Library hours extended", "The library now opens later on weekdays.", promo=False
    ),
    f"{HOST}/news/4.html": page(
        "Joint office meets", "The joint office met to plan the year.", day=None, promo=False
    ),
}
LIST_DATE = datetime(2024, 3, 9, tzinfo=UTC)


def crawl_into(db_path: Path, rules: ArticleRules, pages: dict[str, bytes]) -> None:
    """What a crawl does: keep each response raw, parse it, load the source's result."""
    raw = RawStore(raw_root_for(db_path)).for_source("inv-en")
    releases = []
    for url, body in pages.items():
        sha = raw.put(url=url, content=body, headers=HTML, status=200, fetched_at=T0)
        listed = ListedLink(url=url, title="", listed_date=LIST_DATE, is_attachment=False)
        release = extract_article(body.decode(), url, source(rules), T0, listed=listed)
        release.raw_sha256 = sha
        releases.append(release)
    con = connect(db_path)
    try:
        load_source_result(con, "crawl-1", SourceResult("inv-en", releases=releases))
    finally:
        con.close()


HTML = {"content-type": "text/html; charset=utf-8"}


def state(db_path: Path) -> dict[str, list[tuple]]:
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        return {
            "current": con.execute("SELECT * FROM release_current ORDER BY url").fetchall(),
            "versions": con.execute("SELECT * FROM release_versions ORDER BY ALL").fetchall(),
        }
    finally:
        con.close()


def query(db_path: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    path = tmp_path / "data" / "yrdwatch.duckdb"
    crawl_into(path, OLD_RULES, PAGES)
    return path


def test_reparsing_with_the_same_parser_changes_nothing(db_path: Path) -> None:
    before = state(db_path)
    first = reparse(db_path, [source(OLD_RULES)], relink=False)
    second = reparse(db_path, [source(OLD_RULES)], relink=False)
    for summary in (first, second):
        assert (summary.new, summary.changed, summary.unchanged) == (0, 0, 4)
    assert state(db_path) == before


def test_a_better_parser_applies_to_history(db_path: Path) -> None:
    bodies = query(db_path, "SELECT body FROM release_current ORDER BY url")
    assert [PROMO in body for (body,) in bodies] == [True, True, False, False]
    summary = reparse(db_path, [source(NEW_RULES)])
    assert (summary.new, summary.changed, summary.unchanged) == (0, 2, 2)
    bodies = query(db_path, "SELECT body, version FROM release_current ORDER BY url")
    assert all(PROMO not in body for body, _ in bodies)
    assert [version for _, version in bodies] == [2, 2, 1, 1]
    assert query(db_path, "SELECT count(*) FROM release_versions") == [(6,)]
    stale_links = query(
        db_path,
        "SELECT count(*) FROM release_current r JOIN linked_releases l USING (url) "
        "WHERE l.content_hash <> r.content_hash",
    )
    assert stale_links == [(0,)], "changed releases are relinked"
    runs = query(db_path, "SELECT run_id, mode, status FROM runs WHERE mode = 'reparse'")
    assert runs == [(summary.run_id, "reparse", "completed")]
    assert Path(summary.snapshot_path).is_file()
    again = reparse(db_path, [source(NEW_RULES)])
    assert (again.changed, again.new) == (0, 0)


def test_a_date_that_came_from_the_list_page_is_kept(db_path: Path) -> None:
    before = query(db_path, "SELECT published_at, methods->>'$.date' FROM release_current "
                            "WHERE url LIKE '%4.html'")  # fmt: skip
    assert before[0][1] == "list"
    reparse(db_path, [source(NEW_RULES)])
    after = query(db_path, "SELECT published_at FROM release_current WHERE url LIKE '%4.html'")
    assert after[0][0] == before[0][0]


def test_a_page_that_never_became_a_release_does_now(db_path: Path) -> None:
    raw = RawStore(raw_root_for(db_path)).for_source("inv-en")
    body = page("Delta ports agree on shipping", "Ports of the delta agreed on shipping rules.")
    raw.put(url=f"{HOST}/news/5.html", content=body, headers=HTML, status=200, fetched_at=T0)
    summary = reparse(db_path, [source(NEW_RULES)])
    assert summary.new == 1
    assert query(db_path, "SELECT title FROM release_current WHERE url LIKE '%5.html'") == [
        ("Delta ports agree on shipping",)
    ]


def test_block_pages_and_http_errors_never_become_releases(db_path: Path) -> None:
    raw = RawStore(raw_root_for(db_path)).for_source("inv-en")
    challenge = (
        b"<html><script>document.cookie='wzws_sessionid=1';location.reload()</script></html>"
    )
    raw.put(url=f"{HOST}/news/6.html", content=challenge, headers=HTML, status=200, fetched_at=T0)
    raw.put(url=f"{HOST}/news/7.html", content=PAGES[f"{HOST}/news/1.html"], headers=HTML,
            status=404, fetched_at=T0)  # fmt: skip
    summary = reparse(db_path, [source(NEW_RULES)])
    assert summary.failed == 2 and summary.new == 0
    assert any("6.html : blocked" in failure for failure in summary.failures)
    assert any("7.html : HTTP 404" in failure for failure in summary.failures)


def test_an_archived_response_older_than_the_stored_release_is_not_applied(tmp_path) -> None:
    db_path = tmp_path / "yrdwatch.duckdb"
    url = f"{HOST}/news/1.html"
    crawl_into(db_path, OLD_RULES, {url: PAGES[url]})
    con = connect(db_path)
    con.execute("UPDATE release_current SET raw_sha256 = ?, last_changed_at = ?",
                ["cd" * 32, T0 + timedelta(days=1)])  # fmt: skip
    con.close()
    summary = reparse(db_path, [source(NEW_RULES)], relink=False)
    assert (summary.stale, summary.changed) == (1, 0)


def test_records_of_sources_not_configured_are_skipped(db_path: Path) -> None:
    other = source(NEW_RULES)
    other = Source(**{**other.__dict__, "id": "someone-else"})
    summary = reparse(db_path, [other], relink=False)
    assert summary.unknown_source == 4 and summary.records == 0


@pytest.fixture
def main(monkeypatch):
    """flows.cli.main with `reparse` registered (as the lead's build_parser will do)."""
    original = flows.cli.build_parser

    def build_parser():
        parser = original()
        commands = parser._subparsers._group_actions[0]
        if "reparse" not in commands.choices:
            cli_ops.register(commands)
        return parser

    monkeypatch.setattr(flows.cli, "build_parser", build_parser)
    return flows.cli.main


SOURCES_TOML = f"""
[[source]]
id = "inv-en"
name = "Invented government site"
region = "shanghai"
language = "en"
start_urls = ["{HOST}/news/index.html"]

[source.list]
links = "ul.news li a"

[source.article]
title = "h1.title"
date = "span.date"
body = "div.content"
"""


def test_cli_reparse_prints_what_changed(db_path: Path, tmp_path: Path, capsys, main) -> None:
    sources = tmp_path / "sources.toml"
    sources.write_text(SOURCES_TOML, encoding="utf-8")
    code = main(["reparse", "--db", str(db_path), "--sources", str(sources)])
    out = capsys.readouterr().out
    assert code == 0
    assert "4 archived page(s) re-parsed" in out
    assert "0 new, 2 changed, 2 unchanged" in out


def test_cli_reparse_usage_errors_are_one_line(db_path, tmp_path, capsys, main) -> None:
    sources = tmp_path / "sources.toml"
    sources.write_text(SOURCES_TOML, encoding="utf-8")
    missing = tmp_path / "nowhere.duckdb"
    assert main(["reparse", "--db", str(missing), "--sources", str(sources)]) == 2
    assert main(["reparse", "--db", str(db_path), "--raw", str(tmp_path / "none")]) == 2
    args = ["reparse", "--db", str(db_path), "--sources", str(sources), "--source", "nope"]
    assert main(args) == 2
    errors = capsys.readouterr().err.strip().splitlines()
    assert len(errors) == 3
    assert "no warehouse here" in errors[0]
    assert "no raw archive here" in errors[1]
    assert "unknown source id(s) nope" in errors[2]
