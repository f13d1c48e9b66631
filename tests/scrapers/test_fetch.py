"""The polite client: throttle, per-host cap, retries, Retry-After, size cap, errors in words."""

from __future__ import annotations

import asyncio
import gzip
from collections import Counter
from collections.abc import Callable

import httpx
import pytest

from scrapers.fetch import (
    USER_AGENT,
    FetchResult,
    PoliteClient,
    parse_retry_after,
    site_key,
)


class FakeTime:
    """A clock that only moves when the client sleeps or the test says so."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def _get_all(handler: Callable, urls: list[str], delay: float = 0.0, **kwargs) -> tuple:
    """Run client.get for each URL in order with a fake clock; return results and fake time."""
    fake = FakeTime()

    async def run() -> list[FetchResult]:
        transport = httpx.MockTransport(handler)
        options = {"obey_robots": False, "jitter": 0.0} | kwargs
        async with PoliteClient(
            transport=transport, sleep=fake.sleep, clock=fake.clock, **options
        ) as client:
            return [await client.get(url, delay=delay) for url in urls]

    return asyncio.run(run()), fake


def test_sends_identifying_user_agent(loopback_site) -> None:
    loopback_site.add("/page.html", "<html><body>hello</body></html>")

    async def run() -> FetchResult:
        async with PoliteClient() as client:
            return await client.get(loopback_site.url("/page.html"), delay=0)

    result = asyncio.run(run())
    assert result.status == 200 and result.content.endswith(b"hello</body></html>")
    assert result.error is None and result.headers["content-type"].startswith("text/html")
    assert loopback_site.requests == [("/robots.txt", USER_AGENT), ("/page.html", USER_AGENT)]


def test_throttle_sleeps_only_the_time_left_per_host() -> None:
    fake = FakeTime()

    async def run() -> None:
        transport = httpx.MockTransport(lambda request: httpx.Response(200, text="ok"))
        async with PoliteClient(
            transport=transport, sleep=fake.sleep, clock=fake.clock, obey_robots=False
        ) as client:
            await client.get("https://a.gov.cn/1", delay=2.0)  # first request: no wait
            await client.get("https://a.gov.cn/2", delay=2.0)  # immediately after: full 2 s
            fake.now += 1.5  # 1.5 s of other work passes
            await client.get("https://a.gov.cn/3", delay=2.0)  # only 0.5 s left
            await client.get("https://b.gov.cn/1", delay=2.0)  # another host: no wait
            fake.now += 5.0
            await client.get("https://a.gov.cn/4", delay=2.0)  # delay long past: no wait

    asyncio.run(run())
    assert fake.sleeps == [pytest.approx(2.0), pytest.approx(0.5)]


def test_one_request_per_host_in_flight_while_hosts_overlap() -> None:
    in_flight: Counter[str] = Counter()
    most_per_host: Counter[str] = Counter()
    most_overall = 0

    async def handler(request: httpx.Request) -> httpx.Response:
        nonlocal most_overall
        host = request.url.host
        in_flight[host] += 1
        most_per_host[host] = max(most_per_host[host], in_flight[host])
        most_overall = max(most_overall, sum(in_flight.values()))
        for _ in range(5):
            await asyncio.sleep(0)  # yield so other requests could start meanwhile
        in_flight[host] -= 1
        return httpx.Response(200, text="ok")

    async def run() -> list[FetchResult]:
        async with PoliteClient(
            transport=httpx.MockTransport(handler), obey_robots=False
        ) as client:
            urls = [f"https://{host}/{n}" for n in range(3) for host in ("a.gov.cn", "b.gov.cn")]
            return await asyncio.gather(*(client.get(url, delay=0) for url in urls))

    results = asyncio.run(run())
    assert [result.status for result in results] == [200] * 6
    assert most_per_host == {"a.gov.cn": 1, "b.gov.cn": 1}
    assert most_overall == 2


def test_retries_a_500_then_succeeds_with_backoff() -> None:
    replies = iter([httpx.Response(500, text="busy"), httpx.Response(200, text="fine")])
    (result,), fake = _get_all(lambda request: next(replies), ["https://a.gov.cn/x"])
    assert (result.status, result.content) == (200, b"fine")
    assert fake.sleeps == [1.0]


def test_gives_up_after_retries_and_returns_the_last_status() -> None:
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(str(request.url))
        return httpx.Response(503, text="down")

    (result,), fake = _get_all(handler, ["https://a.gov.cn/x"], retries=2, backoff=1.5)
    assert result.status == 503 and result.error is None
    assert len(calls) == 3
    assert fake.sleeps == [1.5, 3.0]


def test_404_is_not_retried() -> None:
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(str(request.url))
        return httpx.Response(404, text="gone")

    (result,), fake = _get_all(handler, ["https://a.gov.cn/x"])
    assert result.status == 404 and len(calls) == 1 and fake.sleeps == []


def test_retry_after_is_honoured() -> None:
    replies = iter([httpx.Response(429, headers={"Retry-After": "7"}), httpx.Response(200)])
    (result,), fake = _get_all(lambda request: next(replies), ["https://a.gov.cn/x"], delay=2.0)
    assert result.status == 200
    assert fake.sleeps == [7.0]


def test_retry_after_beyond_the_cap_is_not_retried_early() -> None:
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        return httpx.Response(503, headers={"Retry-After": "3600"})

    (result,), fake = _get_all(handler, ["https://a.gov.cn/x"])
    assert len(calls) == 1 and fake.sleeps == []
    assert result.status == 503
    assert result.error == (
        "server asked to retry after 3600 s, more than the 60 s cap: not retried this run"
    )


def test_backoff_is_exponential_with_jitter() -> None:
    (result,), fake = _get_all(
        lambda request: httpx.Response(502),
        ["https://a.gov.cn/x"],
        retries=3,
        backoff=1.0,
        jitter=0.5,
        rng=lambda: 0.5,
    )
    assert result.status == 502
    assert fake.sleeps == [1.25, 2.5, 5.0]  # 1, 2, 4 s, each stretched by 0.5 * 0.5


def test_retry_after_holds_back_other_requests_to_the_host() -> None:
    """While one request waits out a 429, its neighbours on that host wait too."""
    fake = FakeTime()
    starts: list[tuple[str, float]] = []
    first_reply = {"done": False}

    def handler(request: httpx.Request) -> httpx.Response:
        starts.append((request.url.path, fake.now))
        if request.url.path == "/a" and not first_reply["done"]:
            first_reply["done"] = True
            return httpx.Response(429, headers={"Retry-After": "30"})
        return httpx.Response(200)

    async def run() -> None:
        transport = httpx.MockTransport(handler)
        async with PoliteClient(
            transport=transport, sleep=fake.sleep, clock=fake.clock, obey_robots=False
        ) as client:
            await client.get("https://a.gov.cn/a", delay=1.0)
            await client.get("https://a.gov.cn/b", delay=1.0)

    asyncio.run(run())
    assert starts == [("/a", 1000.0), ("/a", 1030.0), ("/b", 1031.0)]


def test_retry_after_http_date_is_understood() -> None:
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # in the past: no wait
    assert parse_retry_after("soon") is None
    assert parse_retry_after("120") == 120.0


def test_body_over_the_cap_is_refused_with_declared_length() -> None:
    (result,), _ = _get_all(
        lambda request: httpx.Response(200, content=b"x" * 2000),
        ["https://a.gov.cn/big"],
        max_bytes=1000,
    )
    assert result.too_large and result.content == b""
    assert result.error == "response larger than 1000 bytes"


def test_streamed_body_over_the_cap_stops_reading() -> None:
    chunks_sent: list[int] = []

    async def endless_body():
        for n in range(100):
            chunks_sent.append(n)
            yield b"y" * 400

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=endless_body())  # no Content-Length

    (result,), _ = _get_all(handler, ["https://a.gov.cn/stream"], max_bytes=1000)
    assert result.too_large and result.error == "response larger than 1000 bytes"
    assert len(chunks_sent) < 10


def test_network_error_is_recorded_retried_and_the_next_request_goes_on() -> None:
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        if request.url.path == "/down":
            raise httpx.ConnectError("[Errno 111] Connection refused", request=request)
        return httpx.Response(200, text="ok")

    (down, up), fake = _get_all(handler, ["https://a.gov.cn/down", "https://a.gov.cn/up"])
    assert down.status is None and down.content == b""
    assert down.error == "connection failed: [Errno 111] Connection refused"
    assert calls == ["/down", "/down", "/down", "/up"]
    assert up.status == 200


def test_timeout_is_described_in_words() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    (result,), _ = _get_all(handler, ["https://a.gov.cn/slow"], retries=0, timeout=7.0)
    assert result.status is None and result.error == "timeout: no response within 7 s"


def test_redirects_are_followed_up_to_five(loopback_site) -> None:
    loopback_site.add("/old", "", status=301, Location="/new")
    loopback_site.add("/new", "<html>moved here</html>")
    for n in range(7):
        loopback_site.add(f"/loop{n}", "", status=302, Location=f"/loop{n + 1}")

    async def run() -> tuple[FetchResult, FetchResult]:
        async with PoliteClient(retries=0) as client:
            moved = await client.get(loopback_site.url("/old"), delay=0)
            looping = await client.get(loopback_site.url("/loop0"), delay=0)
            return moved, looping

    moved, looping = asyncio.run(run())
    assert moved.status == 200 and moved.final_url == loopback_site.url("/new")
    assert (looping.outcome, looping.error) == ("redirect_error", "more than 5 redirects")
    assert looping.content == b"" and len(looping.redirects) == 6
    assert loopback_site.paths.count("/loop6") == 0


def test_client_must_be_entered_first() -> None:
    with pytest.raises(RuntimeError, match="async with"):
        asyncio.run(PoliteClient().get("https://a.gov.cn/", delay=0))


def _run_client(coro_factory: Callable, **kwargs):
    """Run `coro_factory(client)` inside a PoliteClient with no real sleeping."""
    fake = FakeTime()

    async def run():
        async with PoliteClient(sleep=fake.sleep, clock=fake.clock, **kwargs) as client:
            return await coro_factory(client)

    return asyncio.run(run()), fake


def test_redirect_loop_is_named_before_the_limit(loopback_site) -> None:
    loopback_site.add("/a", "", status=302, Location="/b")
    loopback_site.add("/b", "", status=302, Location="/a")
    result, _ = _run_client(lambda c: c.get(loopback_site.url("/a"), delay=0), retries=0)
    assert result.outcome == "redirect_error"
    assert result.error == f"redirect loop back to {loopback_site.url('/a')}"
    assert loopback_site.paths == ["/robots.txt", "/a", "/b"]


def test_redirect_leaving_the_allowed_hosts_is_refused_unfetched() -> None:
    requested: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        requested.append(str(request.url))
        if request.url.host == "www.a.gov.cn":
            return httpx.Response(301, headers={"Location": "https://evil.example/x"})
        return httpx.Response(200, text="elsewhere")

    def on_a(url: str) -> bool:
        return url.startswith("https://www.a.gov.cn/")

    result, _ = _run_client(
        lambda c: c.get("https://www.a.gov.cn/n", delay=0, allow=on_a),
        transport=httpx.MockTransport(handler),
        obey_robots=False,
    )
    assert requested == ["https://www.a.gov.cn/n"]
    assert (result.outcome, result.status) == ("offsite_redirect", 301)
    assert result.error == "redirect to https://evil.example/x leaves the source's hosts"


def test_each_redirect_hop_waits_its_turn_on_the_host() -> None:
    fake = FakeTime()
    starts: list[float] = []

    def handler(request: httpx.Request) -> httpx.Response:
        starts.append(fake.now)
        if request.url.scheme == "http":
            return httpx.Response(301, headers={"Location": "https://www.a.gov.cn/n"})
        return httpx.Response(200, text="here")

    async def run() -> FetchResult:
        async with PoliteClient(
            transport=httpx.MockTransport(handler),
            sleep=fake.sleep,
            clock=fake.clock,
            obey_robots=False,
        ) as client:
            return await client.get("http://www.a.gov.cn/n", delay=3.0)

    result = asyncio.run(run())
    assert result.status == 200 and result.final_url == "https://www.a.gov.cn/n"
    assert result.url == "http://www.a.gov.cn/n" and result.redirects == ("https://www.a.gov.cn/n",)
    assert starts == [1000.0, 1003.0]


def test_gzip_body_is_decoded_and_a_gzip_bomb_stops_at_the_cap(loopback_site) -> None:
    page = "<html><body>" + "长三角" * 200 + "</body></html>"
    loopback_site.add("/small.html", gzip.compress(page.encode()), Content_Encoding="gzip")
    bomb = gzip.compress(b"\0" * 20_000_000)  # ~20 KB on the wire, 20 MB decoded
    loopback_site.add("/bomb.html", bomb, Content_Encoding="gzip")

    async def both(client: PoliteClient) -> tuple[FetchResult, FetchResult]:
        small = await client.get(loopback_site.url("/small.html"), delay=0)
        return small, await client.get(loopback_site.url("/bomb.html"), delay=0)

    (small, big), _ = _run_client(both, max_bytes=100_000)
    assert small.status == 200 and small.content.decode() == page
    assert len(bomb) < 100_000
    assert (big.outcome, big.too_large, big.content) == ("too_large", True, b"")
    assert big.error == "response larger than 100000 bytes"


def test_robots_txt_is_fetched_once_and_obeyed(loopback_site) -> None:
    loopback_site.add(
        "/robots.txt", "User-agent: *\nDisallow: /private/\n", Content_Type="text/plain"
    )
    loopback_site.add("/open.html", "<p>open</p>")
    loopback_site.add("/private/secret.html", "<p>secret</p>")

    async def three(client: PoliteClient) -> list[FetchResult]:
        urls = ["/open.html", "/private/secret.html", "/open.html"]
        return await asyncio.gather(*(client.get(loopback_site.url(u), delay=0) for u in urls))

    (opened, refused, again), _ = _run_client(three)
    assert loopback_site.paths == ["/robots.txt", "/open.html", "/open.html"]
    assert opened.status == 200 and again.status == 200
    assert [r.robots is not None for r in (opened, refused, again)].count(True) == 1
    assert (refused.outcome, refused.status) == ("robots_disallowed", None)
    assert refused.error == f"disallowed by {loopback_site.url('/robots.txt')}"


def test_robots_crawl_delay_wins_when_larger_than_the_configured_delay() -> None:
    fake = FakeTime()
    starts: list[tuple[str, float]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        starts.append((request.url.path, fake.now))
        if request.url.path == "/robots.txt":
            return httpx.Response(200, text="User-agent: yrdwatch\nCrawl-delay: 5\n")
        return httpx.Response(200, text="ok")

    async def run() -> None:
        async with PoliteClient(
            transport=httpx.MockTransport(handler), sleep=fake.sleep, clock=fake.clock
        ) as client:
            for path in ("/1", "/2"):
                await client.get(f"https://a.gov.cn{path}", delay=2.0)
            await client.get("https://a.gov.cn/3", delay=8.0)  # a larger configured delay wins

    asyncio.run(run())
    assert starts == [("/robots.txt", 1000.0), ("/1", 1005.0), ("/2", 1010.0), ("/3", 1018.0)]


@pytest.mark.parametrize(
    ("robots_status", "allowed"), [(404, True), (403, True), (503, False), (429, False)]
)
def test_robots_status_decides_as_rfc_9309(robots_status: int, allowed: bool) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/robots.txt":
            return httpx.Response(robots_status)
        return httpx.Response(200, text="page")

    result, _ = _run_client(
        lambda c: c.get("https://a.gov.cn/x", delay=0),
        transport=httpx.MockTransport(handler),
        retries=0,
    )
    assert (result.status == 200) is allowed
    if not allowed:
        assert result.outcome == "robots_disallowed"
        assert f"robots.txt answered HTTP {robots_status}" in result.error


def test_a_wait_past_the_deadline_is_refused_without_sleeping() -> None:
    async def two(client: PoliteClient) -> tuple[FetchResult, FetchResult]:
        first = await client.get("https://a.gov.cn/1", delay=30.0)
        deadline = client.clock() + 10.0
        return first, await client.get("https://a.gov.cn/2", delay=30.0, deadline=deadline)

    (first, second), fake = _run_client(
        two, transport=httpx.MockTransport(lambda r: httpx.Response(200)), obey_robots=False
    )
    assert first.status == 200 and fake.sleeps == []
    assert second.outcome == "budget_exceeded" and second.status is None
    assert "next slot on this host is 30.0 s away" in second.error


def test_post_sends_the_form_and_a_303_continues_as_get(loopback_site) -> None:
    loopback_site.add("/proxy.jsp?startrecord=16", "", status=303, Location="/page2.xml")
    loopback_site.add("/page2.xml", "<datastore><record>x</record></datastore>")

    result, _ = _run_client(
        lambda c: c.post(
            loopback_site.url("/proxy.jsp?startrecord=16"), data={"col": "1", "webid": "3"}, delay=0
        ),
        obey_robots=False,
    )
    assert result.status == 200 and b"<record>x</record>" in result.content
    (post_method, _, post_headers, post_body), (get_method, get_path, _, _) = loopback_site.seen
    assert (post_method, post_body) == ("POST", b"col=1&webid=3")
    assert post_headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert (get_method, get_path) == ("GET", "/page2.xml")


def test_site_key_separates_loopback_ports_but_not_public_schemes() -> None:
    assert site_key("http://127.0.0.2:8001/a") != site_key("http://127.0.0.2:8002/a")
    assert site_key("http://www.a.gov.cn/a") == site_key("https://WWW.a.gov.cn:443/b")
