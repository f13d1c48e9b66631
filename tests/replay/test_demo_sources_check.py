"""`sources check` over the demo WARC: every built-in source reads cleanly through replay."""

from __future__ import annotations

import asyncio

import pytest

from scrapers.check import BLOCKED, OK, check_sources
from scrapers.registry import builtin_sources_path, load_sources
from scrapers.replay import ReplayTransport, demo_archive_path, demo_sources_path, open_replay


def check_through_demo_archive(sources):
    with open_replay(demo_archive_path()) as url:
        return asyncio.run(
            check_sources(
                sources, transport=ReplayTransport(url), delay=0.0, retries=0, obey_robots=False
            )
        )


@pytest.fixture(scope="module")
def builtin_checks():
    return check_through_demo_archive(load_sources(builtin_sources_path()))


def test_every_builtin_source_passes_the_check_on_the_demo_archive(builtin_checks) -> None:
    sources = load_sources(builtin_sources_path())
    assert len(builtin_checks) == len(sources) >= 14
    verdicts = {
        c.source_id: (c.verdict, c.error, c.sample and c.sample.error) for c in builtin_checks
    }
    assert {k: v for k, v in verdicts.items() if v[0] != OK} == {}


def test_every_builtin_source_yields_links_and_a_dated_sample(builtin_checks) -> None:
    for check in builtin_checks:
        assert check.status == 200 and check.links_found >= 1, check.source_id
        assert check.sample.title and check.sample.published_at, check.source_id
        assert check.sample.body_chars >= 150, check.source_id


def test_anhui_news_reads_through_its_profile(builtin_checks) -> None:
    (anhui,) = [c for c in builtin_checks if c.source_id == "ah-zh-news"]
    assert anhui.links_found == 3 and anhui.block is None
    assert anhui.sample.methods["body"] == "selector"  # div.wzcon
    assert anhui.sample.methods["title"] == "meta"  # ArticleTitle


def test_the_demo_only_source_is_blocked_by_a_wzws_challenge() -> None:
    (notices,) = [s for s in load_sources(demo_sources_path()) if s.id == "ah-zh-notices"]
    (check,) = check_through_demo_archive([notices])
    assert check.verdict == BLOCKED and check.block.vendor == "wzws"
    assert check.links_found == 0 and check.sample is None
