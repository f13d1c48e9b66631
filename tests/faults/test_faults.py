"""One test per fault a government server can throw at the crawler (see conftest.py).

Every test asserts the outcome recorded for the faulty URL AND that the healthy articles of
the same run still end up in the warehouse's `releases` view.
"""

from __future__ import annotations

import gzip

import pytest
from faultsite import HTML, FaultSite, Reply, article_html, crawl_and_load


@pytest.fixture
def healthy(site: FaultSite) -> set[str]:
    return {site.url("/news/ok1.html"), site.url("/news/ok2.html")}


def test_500_then_success_is_retried_and_loaded(site, healthy, tmp_path) -> None:
    site.add("/news/flaky.html", Reply(b"<html>busy</html>", 500), Reply(article_html(3)))
    site.list_too("/news/flaky.html")
    run = crawl_and_load(site, tmp_path)
    assert run.outcome_of(site.url("/news/flaky.html")) == ("ok", None)
    assert site.hits["/news/flaky.html"] == 2
    assert run.loaded_urls == healthy | {site.url("/news/flaky.html")}
    assert run.result.status == "ok"


def test_429_with_retry_after_waits_as_asked(site, healthy, tmp_path) -> None:
    site.add(
        "/news/busy.html",
        Reply(b"slow down", 429, {"Retry-After": "5", **HTML}),
        Reply(article_html(3)),
    )
    site.list_too("/news/busy.html")
    run = crawl_and_load(site, tmp_path)
    assert run.outcome_of(site.url("/news/busy.html")) == ("ok", None)
    assert max(run.sleeps) == pytest.approx(5.0, abs=0.5)
    assert run.loaded_urls == healthy | {site.url("/news/busy.html")}


def test_response_slower_than_the_timeout_is_a_named_timeout(site, healthy, tmp_path) -> None:
    site.add("/news/slow.html", Reply(article_html(3), delay=1.5))
    site.list_too("/news/slow.html")
    run = crawl_and_load(site, tmp_path, timeout=0.25, retries=1)
    outcome, error = run.outcome_of(site.url("/news/slow.html"))
    assert outcome == "network_error" and error.startswith("timeout:")
    assert run.loaded_urls == healthy
    assert run.result.status == "partial" and "1 of 3 articles failed" in run.result.error


def test_connection_reset_is_retried_then_named(site, healthy, tmp_path) -> None:
    site.add("/news/reset.html", Reply(reset=True))
    site.list_too("/news/reset.html")
    run = crawl_and_load(site, tmp_path)
    outcome, error = run.outcome_of(site.url("/news/reset.html"))
    assert outcome == "network_error" and error.startswith("connection reset")
    assert site.hits["/news/reset.html"] == 3  # first try and two retries
    assert run.loaded_urls == healthy


def test_truncated_body_is_not_parsed_as_a_short_article(site, healthy, tmp_path) -> None:
    site.add("/news/cut.html", Reply(article_html(3)[:200], declared_length=5_000))
    site.list_too("/news/cut.html")
    run = crawl_and_load(site, tmp_path)
    outcome, error = run.outcome_of(site.url("/news/cut.html"))
    assert outcome == "network_error" and error.startswith("truncated body")
    assert run.loaded_urls == healthy


def test_huge_body_stops_at_the_size_cap(site, healthy, tmp_path) -> None:
    site.add("/news/huge.html", Reply(b"<html><body>", stream_bytes=50_000_000))
    site.list_too("/news/huge.html")
    run = crawl_and_load(site, tmp_path, max_bytes=300_000)
    assert run.outcome_of(site.url("/news/huge.html")) == (
        "too_large",
        "response larger than 300000 bytes",
    )
    assert run.loaded_urls == healthy


def test_gzip_bomb_is_caught_by_decoded_size(site, healthy, tmp_path) -> None:
    bomb = gzip.compress(b"<html><body>" + b" " * 40_000_000)
    assert len(bomb) < 300_000  # small on the wire; only the decoded size gives it away
    site.add("/news/bomb.html", Reply(bomb, headers={"Content-Encoding": "gzip", **HTML}))
    site.list_too("/news/bomb.html")
    run = crawl_and_load(site, tmp_path, max_bytes=300_000)
    assert run.outcome_of(site.url("/news/bomb.html"))[0] == "too_large"
    assert run.loaded_urls == healthy


def test_redirect_loop_is_named(site, healthy, tmp_path) -> None:
    site.add("/news/loop-a.html", Reply(status=302, headers={"Location": "/news/loop-b.html"}))
    site.add("/news/loop-b.html", Reply(status=302, headers={"Location": "/news/loop-a.html"}))
    site.list_too("/news/loop-a.html")
    run = crawl_and_load(site, tmp_path)
    outcome, error = run.outcome_of(site.url("/news/loop-a.html"))
    assert outcome == "redirect_error" and error.startswith("redirect loop back to")
    assert site.hits["/news/loop-a.html"] == 1
    assert run.loaded_urls == healthy


def test_redirects_and_links_to_another_host_are_not_followed(
    site, other_host, healthy, tmp_path
) -> None:
    other_host.add_article("/news/there.html", 7, listed=False)
    elsewhere = {"Location": other_host.url("/news/there.html")}
    site.add("/news/moved.html", Reply(status=301, headers=elsewhere))
    site.list_too("/news/moved.html")
    site.list_too(other_host.url("/news/linked.html"))
    run = crawl_and_load(site, tmp_path)
    outcome, error = run.outcome_of(site.url("/news/moved.html"))
    assert outcome == "offsite_redirect" and "leaves the source's hosts" in error
    assert sum(other_host.hits.values()) == 0  # not robots.txt, not the redirect, not the link
    assert run.loaded_urls == healthy


def test_robots_disallowed_path_is_never_requested(site, healthy, tmp_path) -> None:
    rules = b"User-agent: *\nDisallow: /news/private/\n"
    site.add("/robots.txt", Reply(rules, headers={"Content-Type": "text/plain"}))
    site.add_article("/news/private/memo.html", 3)
    run = crawl_and_load(site, tmp_path)
    assert run.outcome_of(site.url("/news/private/memo.html")) == (
        "robots_disallowed",
        f"disallowed by {site.url('/robots.txt')}",
    )
    assert site.hits["/news/private/memo.html"] == 0 and site.hits["/robots.txt"] == 1
    assert run.loaded_urls == healthy
    assert run.result.status == "ok"  # the site's wish, not a failure


def test_challenge_page_is_blocked_not_an_article(site, healthy, tmp_path) -> None:
    challenge = (
        b"<html><head><script>document.cookie='wzws_cid=abc123; path=/';"
        b"location.reload();</script></head><body></body></html>"
    )
    site.add("/news/guarded.html", Reply(challenge))
    site.list_too("/news/guarded.html")
    run = crawl_and_load(site, tmp_path)
    outcome, error = run.outcome_of(site.url("/news/guarded.html"))
    assert outcome == "blocked" and error.startswith("blocked")
    assert run.loaded_urls == healthy


def test_invalid_bytes_in_a_page_still_load(site, healthy, tmp_path) -> None:
    damaged = article_html(3).replace("测试稿件".encode(), b"\xff\xfe\xfa\xc3")
    site.add("/news/damaged.html", Reply(damaged))
    site.list_too("/news/damaged.html")
    run = crawl_and_load(site, tmp_path)
    assert run.outcome_of(site.url("/news/damaged.html")) == ("ok", None)
    release = next(r for r in run.result.releases if r.url.endswith("/news/damaged.html"))
    assert release.title == "示例标题第3号" and "长三角一体化示范区" in release.body
    assert run.loaded_urls == healthy | {site.url("/news/damaged.html")}


def test_the_same_article_under_two_urls_is_one_release(site, healthy, tmp_path) -> None:
    site.list_too("/news/ok1.html?utm_source=weibo&spm=a1.b2")  # tracking parameters
    site.add("/news/legacy-ok2.html", Reply(status=301, headers={"Location": "/news/ok2.html"}))
    site.list_too("/news/legacy-ok2.html")  # an old address that redirects
    run = crawl_and_load(site, tmp_path)
    assert site.hits["/news/ok1.html"] == 1
    assert not any("utm_source" in path for path in site.hits)
    outcome, error = run.outcome_of(site.url("/news/legacy-ok2.html"))
    assert outcome == "duplicate" and "already fetched" in error
    assert sorted(r.url for r in run.result.releases) == sorted(healthy)
    assert run.loaded_urls == healthy
