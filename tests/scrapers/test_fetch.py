"""The polite client: throttle, per-host cap, retries, Retry-After, size cap, errors in words."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable

import httpx
import pytest

from scrapers.fetch import USER_AGENT, FetchResult, PoliteClient, parse_retry_after


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
        async with PoliteClient(
            transport=transport, sleep=fake.sleep, clock=fake.clock, **kwargs
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
    assert loopback_site.requests == [("/page.html", USER_AGENT)]


def test_throttle_sleeps_only_the_time_left_per_host() -> None:
    fake = FakeTime()

    async def run() -> None:
        transport = httpx.MockTransport(lambda request: httpx.Response(200, text="ok"))
        async with PoliteClient(transport=transport, sleep=fake.sleep, clock=fake.clock) as client:
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
        async with PoliteClient(transport=httpx.MockTransport(handler)) as client:
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


@pytest.mark.parametrize(("retry_after", "expected_wait"), [("7", 7.0), ("3600", 60.0)])
def test_retry_after_is_honoured_and_capped(retry_after: str, expected_wait: float) -> None:
    replies = iter(
        [httpx.Response(429, headers={"Retry-After": retry_after}), httpx.Response(200, text="ok")]
    )
    (result,), fake = _get_all(lambda request: next(replies), ["https://a.gov.cn/x"], delay=2.0)
    assert result.status == 200
    assert fake.sleeps[0] == expected_wait


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
    assert looping.status is None and looping.error == "more than 5 redirects"


def test_client_must_be_entered_first() -> None:
    with pytest.raises(RuntimeError, match="async with"):
        asyncio.run(PoliteClient().get("https://a.gov.cn/", delay=0))
