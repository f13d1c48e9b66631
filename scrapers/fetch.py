"""One polite HTTP client for every crawl: identifying User-Agent, per-host throttle, retries.

Government sites are small servers behind touchy firewalls, so politeness is enforced here,
once, for all sources sharing the client: requests to one host start at least `delay` seconds
apart and at most `per_host_concurrency` run at a time. Network and HTTP problems never raise:
they come back as a FetchResult that the crawler records in the fetch log.

Seams left for later issues: robots.txt (a check before `_attempt`), conditional requests
(`headers=` on `get`), and cross-host redirect policing (on `FetchResult.final_url`).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

import httpx

logger = logging.getLogger(__name__)

USER_AGENT = "yrdwatch/0.1 (+https://github.com/yrdwatch/yrdwatch; government-news monitor)"
DEFAULT_HEADERS = {
    "User-Agent": USER_AGENT,
    "Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8",
    "Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8",
}
MAX_REDIRECTS = 5
RETRY_AFTER_CAP = 60.0
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504, 520, 521, 522, 523, 524})

Sleep = Callable[[float], Awaitable[None]]
Clock = Callable[[], float]


@dataclass
class FetchResult:
    """What one GET produced; `error` explains network failures and size caps in words."""

    url: str
    final_url: str
    status: int | None
    headers: dict[str, str]
    content: bytes
    elapsed_ms: float
    error: str | None
    too_large: bool = False  # the body passed max_bytes; content is empty


class _HostGate:
    """Throttle for one host: spaced request starts and a cap on requests in flight."""

    def __init__(self, concurrency: int, clock: Clock, sleep: Sleep) -> None:
        self._slots = asyncio.Semaphore(concurrency)
        self._start_lock = asyncio.Lock()
        self._last_start: float | None = None
        self._clock = clock
        self._sleep = sleep

    @asynccontextmanager
    async def slot(self, delay: float) -> AsyncIterator[None]:
        """Hold a slot for one request that starts at least `delay` s after the previous one."""
        async with self._slots:
            await self._wait_turn(delay)
            yield

    async def _wait_turn(self, delay: float) -> None:
        async with self._start_lock:
            if self._last_start is not None:
                remaining = self._last_start + delay - self._clock()
                if remaining > 0:
                    await self._sleep(remaining)
            self._last_start = self._clock()


class PoliteClient:
    """Async context manager wrapping one httpx.AsyncClient shared by all sources of a run."""

    def __init__(
        self,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 20.0,
        max_bytes: int = 5_000_000,
        retries: int = 2,
        backoff: float = 1.0,
        sleep: Sleep = asyncio.sleep,
        clock: Clock = time.monotonic,
        per_host_concurrency: int = 1,
    ) -> None:
        if per_host_concurrency < 1 or max_bytes < 1 or retries < 0:
            raise ValueError("per_host_concurrency and max_bytes must be >= 1, retries >= 0")
        self._transport = transport
        self._timeout = timeout
        self._max_bytes = max_bytes
        self._retries = retries
        self._backoff = backoff
        self._sleep = sleep
        self._clock = clock
        self._per_host = per_host_concurrency
        self._gates: dict[str, _HostGate] = {}
        self._client: httpx.AsyncClient | None = None

    async def __aenter__(self) -> PoliteClient:
        self._client = httpx.AsyncClient(
            transport=self._transport,
            timeout=httpx.Timeout(self._timeout),
            follow_redirects=True,
            max_redirects=MAX_REDIRECTS,
            headers=DEFAULT_HEADERS,
            http2=False,
        )
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def get(
        self, url: str, *, delay: float, headers: Mapping[str, str] | None = None
    ) -> FetchResult:
        """GET `url` politely, retrying timeouts, connect errors, 429 and 5xx with backoff."""
        for attempt in range(self._retries + 1):
            result, retryable = await self._attempt(url, delay, headers)
            if not retryable or attempt == self._retries:
                return result
            wait = self._retry_wait(result, attempt)
            logger.info("retrying %s in %.1f s (%s)", url, wait, result.error or result.status)
            await self._sleep(wait)
        raise AssertionError("unreachable: the loop returns on its last attempt")

    def _gate(self, url: str) -> _HostGate:
        host = (urlsplit(url).hostname or "").lower()
        if host not in self._gates:
            self._gates[host] = _HostGate(self._per_host, self._clock, self._sleep)
        return self._gates[host]

    def _retry_wait(self, result: FetchResult, attempt: int) -> float:
        """Retry-After (seconds or HTTP date, capped) when the server gives one, else backoff."""
        retry_after = parse_retry_after(result.headers.get("retry-after"))
        if retry_after is not None:
            return min(retry_after, RETRY_AFTER_CAP)
        return self._backoff * 2**attempt

    async def _attempt(
        self, url: str, delay: float, headers: Mapping[str, str] | None
    ) -> tuple[FetchResult, bool]:
        """One request inside the host's gate; returns the result and whether to retry it."""
        if self._client is None:
            raise RuntimeError("use PoliteClient as 'async with PoliteClient() as client'")
        async with self._gate(url).slot(delay):
            started = self._clock()
            try:
                result = await self._stream(url, headers, started)
            except (httpx.TimeoutException, httpx.ConnectError) as exc:
                return self._failure(url, started, exc), True
            except (httpx.HTTPError, httpx.InvalidURL) as exc:
                return self._failure(url, started, exc), False
        return result, result.status in RETRY_STATUSES

    async def _stream(
        self, url: str, headers: Mapping[str, str] | None, started: float
    ) -> FetchResult:
        assert self._client is not None
        async with self._client.stream("GET", url, headers=headers) as response:
            content, too_large = await self._read_capped(response)
        error = f"response larger than {self._max_bytes} bytes" if too_large else None
        return FetchResult(
            url=url,
            final_url=str(response.url),
            status=response.status_code,
            headers=flatten_headers(response.headers),
            content=content,
            elapsed_ms=self._elapsed_ms(started),
            error=error,
            too_large=too_large,
        )

    async def _read_capped(self, response: httpx.Response) -> tuple[bytes, bool]:
        """Read the (decompressed) body, giving up as soon as it passes max_bytes."""
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self._max_bytes:
            return b"", True
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > self._max_bytes:
                return b"", True
            chunks.append(chunk)
        return b"".join(chunks), False

    def _failure(self, url: str, started: float, exc: Exception) -> FetchResult:
        error = describe_network_error(exc, self._timeout)
        return FetchResult(
            url=url,
            final_url=url,
            status=None,
            headers={},
            content=b"",
            elapsed_ms=self._elapsed_ms(started),
            error=error,
        )

    def _elapsed_ms(self, started: float) -> float:
        return max(0.0, (self._clock() - started) * 1000.0)


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


def describe_network_error(exc: Exception, timeout: float) -> str:
    """Say what went wrong on the wire in words a person can act on."""
    detail = str(exc) or type(exc).__name__
    if isinstance(exc, httpx.ConnectTimeout):
        return f"connect timeout: no connection within {timeout:g} s"
    if isinstance(exc, httpx.TimeoutException):
        return f"timeout: no response within {timeout:g} s"
    if isinstance(exc, httpx.ConnectError):
        return f"connection failed: {detail}"
    if isinstance(exc, httpx.TooManyRedirects):
        return f"more than {MAX_REDIRECTS} redirects"
    if isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL):
        return f"unusable URL: {detail}"
    return f"network error ({type(exc).__name__}): {detail}"
