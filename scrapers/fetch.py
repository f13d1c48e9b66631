"""One polite HTTP client for every crawl: robots.txt, per-host throttle, retries, hard limits.

Government sites are small servers behind touchy firewalls, so politeness is enforced here,
once, for all sources sharing the client (a run shares one): robots.txt is read once per origin
and obeyed on every hop; requests to one host start at least max(delay, Crawl-delay) seconds
apart (sleeping only the time left) and at most `per_host_concurrency` run at a time; a 429/503
with Retry-After holds the whole host back, not just the one request.

Network and HTTP problems never raise: they come back as a FetchResult whose `outcome` names
what happened (network_error, too_large, robots_disallowed, offsite_redirect, redirect_error,
budget_exceeded) and whose `error` says it in words; the crawler records both in the fetch log.
Redirects are followed by hand so every hop is checked (`allow`), throttled and robots-checked.
Bodies are decoded here, counting DECODED bytes against `max_bytes`, so a gzip bomb stops early.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit

import httpx

from scrapers.canonical import is_internal_host
from scrapers.robots import MAX_ROBOTS_BYTES, RobotsRules, origin_of, robots_url
from scrapers.robots import rules_from_response as robots_rules_from_response

logger = logging.getLogger(__name__)

USER_AGENT = "yrdwatch/0.1 (+https://github.com/yrdwatch/yrdwatch; government-news monitor)"
DEFAULT_HEADERS = {
    "User-Agent": USER_AGENT,
    "Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8",
    "Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8",
    "Accept-Encoding": "gzip, deflate",  # the encodings _CappedBody can decode with a cap
}
MAX_REDIRECTS = 5
RETRY_AFTER_CAP = 60.0
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504, 520, 521, 522, 523, 524})
_RETRYABLE_ERRORS = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)
_KEEP_METHOD_REDIRECTS = frozenset({307, 308})

Sleep = Callable[[float], Awaitable[None]]
Clock = Callable[[], float]
UrlCheck = Callable[[str], bool]


@dataclass
class FetchResult:
    """What one GET/POST produced; `outcome` and `error` explain anything but a plain response."""

    url: str
    final_url: str
    status: int | None
    headers: dict[str, str]
    content: bytes
    elapsed_ms: float
    error: str | None
    too_large: bool = False  # the body passed max_bytes; content is empty
    outcome: str | None = None  # set when the client failed or refused (see module doc)
    robots: FetchResult | None = None  # the robots.txt fetch this request triggered, if any
    redirects: tuple[str, ...] = ()  # the hops followed, in order


@dataclass(frozen=True)
class _Request:
    """One logical request as the caller asked for it (redirect hops share it)."""

    method: str
    url: str
    delay: float
    headers: Mapping[str, str] | None
    data: Mapping[str, str] | None
    allow: UrlCheck | None
    deadline: float | None
    max_bytes: int
    check_robots: bool = True


class BudgetExceeded(Exception):
    """The host's next free slot comes after the caller's deadline."""


class BodyDecodeError(ValueError):
    """A Content-Encoding we cannot decode, or a corrupt compressed body."""


class _HostGate:
    """Throttle for one host: spaced request starts, a cap on requests in flight, hold-offs."""

    def __init__(self, concurrency: int, clock: Clock, sleep: Sleep) -> None:
        self._slots = asyncio.Semaphore(concurrency)
        self._start_lock = asyncio.Lock()
        self._last_start: float | None = None
        self._not_before = float("-inf")
        self._clock = clock
        self._sleep = sleep

    @asynccontextmanager
    async def slot(self, delay: float, deadline: float | None) -> AsyncIterator[None]:
        """Hold a slot for one request that starts at least `delay` s after the previous one."""
        async with self._slots:
            await self._wait_turn(delay, deadline)
            yield

    def hold_off(self, until: float) -> None:
        """No request to this host starts before `until` (Retry-After, backoff)."""
        self._not_before = max(self._not_before, until)

    def _ready_at(self, delay: float) -> float:
        spaced = float("-inf") if self._last_start is None else self._last_start + delay
        return max(spaced, self._not_before)

    async def _wait_turn(self, delay: float, deadline: float | None) -> None:
        """Sleep only the time left; again if a hold-off arrived meanwhile (bounded)."""
        async with self._start_lock:
            for _ in range(3):
                ready_at = self._ready_at(delay)
                wait = ready_at - self._clock()
                if wait <= 0:
                    break
                if deadline is not None and ready_at > deadline:
                    raise BudgetExceeded(f"next slot on this host is {wait:.1f} s away")
                await self._sleep(wait)
                if self._ready_at(delay) <= ready_at:
                    break
            self._last_start = self._clock()


class _CappedBody:
    """Decode a streamed body (identity, gzip, deflate), stopping once it passes max_bytes."""

    def __init__(self, content_encoding: str, max_bytes: int) -> None:
        encoding = content_encoding.strip().lower()
        self._max = max_bytes
        self._size = 0
        self._parts: list[bytes] = []
        self._raw_deflate_tried = False
        self._inflater = _inflater_for(encoding)

    def feed(self, data: bytes) -> bool:
        """Take raw bytes; False as soon as the decoded body is larger than the cap."""
        if self._inflater is None:
            return self._keep(data)
        while data:
            out = self._inflate(data)
            if not self._keep(out):
                return False
            data = self._inflater.unconsumed_tail
        return True

    def finish(self) -> bytes:
        if self._inflater is not None:
            self._keep(self._inflater.flush())
        return b"".join(self._parts)

    def _inflate(self, data: bytes) -> bytes:
        assert self._inflater is not None
        try:
            return self._inflater.decompress(data, self._max - self._size + 1)
        except zlib.error as exc:
            if self._size == 0 and not self._raw_deflate_tried:  # "deflate" sent raw, not zlib
                self._raw_deflate_tried = True
                self._inflater = zlib.decompressobj(-zlib.MAX_WBITS)
                return self._inflate(data)
            raise BodyDecodeError(f"corrupt compressed body: {exc}") from None

    def _keep(self, data: bytes) -> bool:
        self._size += len(data)
        if self._size > self._max:
            return False
        self._parts.append(data)
        return True


def _inflater_for(encoding: str) -> zlib._Decompress | None:
    if encoding in ("", "identity"):
        return None
    if encoding in ("gzip", "x-gzip"):
        return zlib.decompressobj(16 + zlib.MAX_WBITS)
    if encoding == "deflate":
        return zlib.decompressobj()
    raise BodyDecodeError(f"unsupported Content-Encoding {encoding!r} (we ask for gzip/deflate)")


class PoliteClient:
    """Async context manager wrapping one httpx.AsyncClient shared by all sources of a run."""

    def __init__(
        self,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 20.0,
        total_timeout: float | None = None,
        max_bytes: int = 5_000_000,
        retries: int = 2,
        backoff: float = 1.0,
        jitter: float = 0.5,
        retry_after_cap: float = RETRY_AFTER_CAP,
        max_redirects: int = MAX_REDIRECTS,
        sleep: Sleep = asyncio.sleep,
        clock: Clock = time.monotonic,
        rng: Callable[[], float] = random.random,
        per_host_concurrency: int = 1,
        obey_robots: bool = True,
    ) -> None:
        if per_host_concurrency < 1 or max_bytes < 1 or retries < 0 or max_redirects < 0:
            raise ValueError(
                "per_host_concurrency and max_bytes must be >= 1, retries and max_redirects >= 0"
            )
        self._transport = transport
        self._timeout = timeout
        self._total_timeout = total_timeout if total_timeout is not None else 3 * timeout
        self._max_bytes = max_bytes
        self._retries = retries
        self._backoff = backoff
        self._jitter = jitter
        self._retry_after_cap = retry_after_cap
        self._max_redirects = max_redirects
        self._sleep = sleep
        self._clock = clock
        self._rng = rng
        self._per_host = per_host_concurrency
        self._obey_robots = obey_robots
        self._gates: dict[str, _HostGate] = {}
        self._robots: dict[str, asyncio.Future[RobotsRules | None]] = {}
        self._client: httpx.AsyncClient | None = None

    async def __aenter__(self) -> PoliteClient:
        self._client = httpx.AsyncClient(
            transport=self._transport,
            timeout=httpx.Timeout(self._timeout),
            follow_redirects=False,  # followed by hand: every hop is checked and throttled
            headers=DEFAULT_HEADERS,
            http2=False,
        )
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    def clock(self) -> float:
        """The client's clock (monotonic seconds), for deadlines the caller passes back."""
        return self._clock()

    async def get(
        self,
        url: str,
        *,
        delay: float,
        headers: Mapping[str, str] | None = None,
        allow: UrlCheck | None = None,
        deadline: float | None = None,
    ) -> FetchResult:
        """GET `url` politely; `allow` vets every redirect target, `deadline` bounds waiting."""
        request = _Request("GET", url, delay, headers, None, allow, deadline, self._max_bytes)
        return await self._follow(request)

    async def post(
        self,
        url: str,
        *,
        data: Mapping[str, str],
        delay: float,
        allow: UrlCheck | None = None,
        deadline: float | None = None,
    ) -> FetchResult:
        """POST a form politely (Hanweb list pages 2+): same throttle, robots and limits."""
        request = _Request("POST", url, delay, None, data, allow, deadline, self._max_bytes)
        return await self._follow(request)

    # --- redirects -------------------------------------------------------------------------

    async def _follow(self, request: _Request) -> FetchResult:
        """Follow redirects by hand: each hop robots-checked, vetted by `allow`, throttled."""
        self._require_open()
        hop_url, method, data = request.url, request.method, request.data
        visited, hops = {request.url}, []
        robots_fetch: FetchResult | None = None
        for _ in range(self._max_redirects + 1):
            result = await self._hop(request, hop_url, method, data)
            robots_fetch = robots_fetch or result.robots
            target = _redirect_target(result)
            refusal = None if target is None else _redirect_refusal(request, target, visited)
            if target is None or refusal is not None:
                return _finish(result, request.url, hops, robots_fetch, refusal)
            visited.add(target)
            hops.append(target)
            method, data = _redirected_method(result.status, method, data)
            hop_url = target
        too_many = ("redirect_error", f"more than {self._max_redirects} redirects")
        return _finish(result, request.url, hops, robots_fetch, too_many)

    async def _hop(
        self, request: _Request, url: str, method: str, data: Mapping[str, str] | None
    ) -> FetchResult:
        """One URL of a redirect chain: robots first, then the request with retries."""
        rules, robots_fetch = await self._robots_for(url, request)
        if rules is not None and not rules.allows(url):
            if rules.parser is None:
                refused = _refused(url, rules.outcome, rules.note)
            else:
                refused = _refused(url, "robots_disallowed", f"disallowed by {robots_url(url)}")
            refused.robots = robots_fetch
            return refused
        crawl_delay = rules.crawl_delay() if rules is not None else None
        delay = max(request.delay, crawl_delay or 0.0)
        result = await self._with_retries(request, url, method, data, delay)
        result.robots = robots_fetch
        return result

    # --- robots.txt ------------------------------------------------------------------------

    async def _robots_for(
        self, url: str, request: _Request
    ) -> tuple[RobotsRules | None, FetchResult | None]:
        """The origin's rules, fetched once per run; the fetch is returned to its first asker."""
        if not (self._obey_robots and request.check_robots):
            return None, None
        origin = origin_of(url)
        while origin in self._robots:
            rules = await asyncio.shield(self._robots[origin])
            if rules is not None:
                return rules, None
        future: asyncio.Future[RobotsRules | None] = asyncio.get_running_loop().create_future()
        self._robots[origin] = future
        try:
            fetched = await self._fetch_robots(url, request.delay)
        except BaseException:
            del self._robots[origin]
            future.set_result(None)  # waiters try again themselves
            raise
        rules = robots_rules_from_response(fetched.status, fetched.content, fetched.error)
        logger.info("%s: %s", robots_url(url), rules.note)
        future.set_result(rules)
        return rules, fetched

    async def _fetch_robots(self, url: str, delay: float) -> FetchResult:
        """GET /robots.txt of url's origin; redirects only on the same host (RFC 9309: 5 hops)."""
        host = urlsplit(url).hostname

        def same_host(target: str) -> bool:
            return urlsplit(target).hostname == host

        target = robots_url(url)
        request = _Request(
            "GET", target, delay, None, None, same_host, None, MAX_ROBOTS_BYTES, check_robots=False
        )
        return await self._follow(request)

    # --- one URL with retries --------------------------------------------------------------

    async def _with_retries(
        self,
        request: _Request,
        url: str,
        method: str,
        data: Mapping[str, str] | None,
        delay: float,
    ) -> FetchResult:
        """Retry timeouts, dropped connections, 429 and 5xx with jittered exponential backoff."""
        for attempt in range(self._retries + 1):
            result, retryable = await self._attempt(request, url, method, data, delay)
            if not retryable or attempt == self._retries:
                return result
            wait = self._retry_wait(result, attempt)
            if wait is None or self._past_deadline(request, wait):
                return result
            logger.info("retrying %s in %.1f s (%s)", url, wait, result.error or result.status)
            self._gate(url).hold_off(self._clock() + wait)
        raise AssertionError("unreachable: the loop returns on its last attempt")

    def _past_deadline(self, request: _Request, wait: float) -> bool:
        return request.deadline is not None and self._clock() + wait > request.deadline

    def _retry_wait(self, result: FetchResult, attempt: int) -> float | None:
        """Retry-After when given (None = it asks for more than the cap), else backoff + jitter."""
        retry_after = parse_retry_after(result.headers.get("retry-after"))
        if retry_after is not None:
            if retry_after > self._retry_after_cap:
                result.error = (
                    f"server asked to retry after {retry_after:.0f} s, more than the "
                    f"{self._retry_after_cap:g} s cap: not retried this run"
                )
                return None
            return retry_after
        base = self._backoff * 2**attempt
        return base * (1.0 + self._jitter * self._rng())

    def _gate(self, url: str) -> _HostGate:
        key = site_key(url)
        if key not in self._gates:
            self._gates[key] = _HostGate(self._per_host, self._clock, self._sleep)
        return self._gates[key]

    async def _attempt(
        self,
        request: _Request,
        url: str,
        method: str,
        data: Mapping[str, str] | None,
        delay: float,
    ) -> tuple[FetchResult, bool]:
        """One request inside the host's gate; returns the result and whether to retry it."""
        try:
            async with self._gate(url).slot(delay, request.deadline):
                return await self._timed_send(request, url, method, data)
        except BudgetExceeded as exc:
            return _refused(url, "budget_exceeded", f"source time budget used up ({exc})"), False

    async def _timed_send(
        self, request: _Request, url: str, method: str, data: Mapping[str, str] | None
    ) -> tuple[FetchResult, bool]:
        started = self._clock()
        try:
            async with asyncio.timeout(self._total_timeout):
                result = await self._send(request, url, method, data, started)
        except (TimeoutError, *_RETRYABLE_ERRORS) as exc:
            return self._failure(url, started, exc), True
        except (httpx.HTTPError, httpx.InvalidURL, BodyDecodeError) as exc:
            return self._failure(url, started, exc), False
        return result, result.status in RETRY_STATUSES

    async def _send(
        self,
        request: _Request,
        url: str,
        method: str,
        data: Mapping[str, str] | None,
        started: float,
    ) -> FetchResult:
        client = self._require_open()
        outgoing = client.build_request(method, url, headers=request.headers, data=data)
        response = await client.send(outgoing, stream=True)
        try:
            if response.is_redirect:
                content, too_large = b"", False
            else:
                content, too_large = await self._read_capped(response, request.max_bytes)
        finally:
            await response.aclose()
        return FetchResult(
            url=url,
            final_url=url,
            status=response.status_code,
            headers=flatten_headers(response.headers),
            content=content,
            elapsed_ms=self._elapsed_ms(started),
            error=f"response larger than {request.max_bytes} bytes" if too_large else None,
            too_large=too_large,
            outcome="too_large" if too_large else None,
        )

    async def _read_capped(self, response: httpx.Response, max_bytes: int) -> tuple[bytes, bool]:
        """Read and decode the body, giving up as soon as the DECODED size passes max_bytes."""
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > max_bytes:
            return b"", True
        if response.is_stream_consumed:  # a transport that handed over a decoded body (mocks)
            content = response.content
            return (b"", True) if len(content) > max_bytes else (content, False)
        body = _CappedBody(response.headers.get("content-encoding", ""), max_bytes)
        async for chunk in response.aiter_raw():
            if not body.feed(chunk):
                return b"", True
        return body.finish(), False

    def _require_open(self) -> httpx.AsyncClient:
        if self._client is None:
            raise RuntimeError("use PoliteClient as 'async with PoliteClient() as client'")
        return self._client

    def _failure(self, url: str, started: float, exc: BaseException) -> FetchResult:
        error = describe_network_error(exc, self._timeout, self._total_timeout)
        failed = _refused(url, "network_error", error)
        failed.elapsed_ms = self._elapsed_ms(started)
        return failed

    def _elapsed_ms(self, started: float) -> float:
        return max(0.0, (self._clock() - started) * 1000.0)


def _refused(url: str, outcome: str, error: str) -> FetchResult:
    """A result with no response: the client failed or declined to make the request."""
    return FetchResult(
        url=url,
        final_url=url,
        status=None,
        headers={},
        content=b"",
        elapsed_ms=0.0,
        error=error,
        outcome=outcome,
    )


def _redirect_target(result: FetchResult) -> str | None:
    if result.status is None or not 300 <= result.status < 400 or result.status == 304:
        return None
    location = result.headers.get("location", "").strip()
    return urljoin(result.final_url, location) if location else None


def _redirect_refusal(request: _Request, target: str, visited: set[str]) -> tuple[str, str] | None:
    """Why a redirect hop must not be followed, as (outcome, words); None when it may."""
    if urlsplit(target).scheme.lower() not in ("http", "https"):
        return "redirect_error", f"redirect to a non-web URL {target[:200]}"
    if target in visited:
        return "redirect_error", f"redirect loop back to {target[:200]}"
    if request.allow is not None and not request.allow(target):
        return "offsite_redirect", f"redirect to {target[:200]} leaves the source's hosts"
    return None


def _redirected_method(
    status: int | None, method: str, data: Mapping[str, str] | None
) -> tuple[str, Mapping[str, str] | None]:
    """307/308 keep the method and body; other redirects continue as a GET (as browsers do)."""
    if status in _KEEP_METHOD_REDIRECTS:
        return method, data
    return "GET", None


def _finish(
    result: FetchResult,
    requested: str,
    hops: list[str],
    robots_fetch: FetchResult | None,
    refusal: tuple[str, str] | None,
) -> FetchResult:
    """The last hop's result, told as the answer to the URL first requested."""
    final = replace(result, url=requested, redirects=tuple(hops), robots=robots_fetch)
    if refusal is not None:
        final.outcome, final.error = refusal
        final.content = b""
    return final


def site_key(url: str) -> str:
    """Who a request lands on, for the throttle: the host name; for loopback/private IP
    literals and localhost also the port (each port is a separate test or replay site)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if is_internal_host(host) and parts.port is not None:
        return f"{host}:{parts.port}"
    return host


def flatten_headers(headers: httpx.Headers) -> dict[str, str]:
    """Lower-case names; repeated headers (Set-Cookie) joined with ', ' so none is lost."""
    return {name: ", ".join(headers.get_list(name)) for name in headers}


def parse_retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header ("120" or an HTTP date); None if unusable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def describe_network_error(exc: BaseException, timeout: float, total: float | None = None) -> str:
    """Say what went wrong on the wire in words a person can act on."""
    detail = str(exc) or type(exc).__name__
    if isinstance(exc, httpx.ConnectTimeout):
        return f"connect timeout: no connection within {timeout:g} s"
    if isinstance(exc, httpx.TimeoutException):
        return f"timeout: no response within {timeout:g} s"
    if isinstance(exc, TimeoutError):
        return f"timeout: the whole response took longer than {total or timeout:g} s"
    if isinstance(exc, httpx.ConnectError):
        return f"connection failed: {detail}"
    if isinstance(exc, httpx.RemoteProtocolError):
        return _describe_broken_response(detail)
    if isinstance(exc, httpx.ReadError):
        return f"connection reset while reading the response: {detail}"
    if isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL):
        return f"unusable URL: {detail}"
    if isinstance(exc, BodyDecodeError):
        return f"undecodable body: {detail}"
    return f"network error ({type(exc).__name__}): {detail}"


def _describe_broken_response(detail: str) -> str:
    lowered = detail.lower()
    if "without sending a response" in lowered or "disconnected" in lowered:
        return "connection reset: the server closed the connection without a response"
    if "incomplete" in lowered or "complete message body" in lowered:
        return f"truncated body: the server closed the connection mid-response ({detail})"
    return f"broken response: {detail}"
