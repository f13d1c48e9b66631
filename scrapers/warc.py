"""Record HTTP exchanges into WARC files and look responses up again (warcio).

A WARC file is the evidence of what a site said on a date: `WarcRecorder` writes one
`response` record (status line, headers, body exactly as received, content encoding kept) and
one `request` record (method, headers, body) per exchange. `RecordingTransport` wraps any httpx
transport so a live run records itself without the crawler knowing. `WarcArchive` indexes a
file and answers "the latest response for this URL" (scheme and port ignored, POST bodies
compared as forms), which is what replay and the regression-fixture export need.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import re
import threading
import uuid
from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from http import HTTPStatus
from pathlib import Path
from types import TracebackType
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

logger = logging.getLogger(__name__)

MAX_RECORDED_BODY = 20 * 1024 * 1024  # bytes kept per response; more is marked truncated
MAX_READ_BODY = 50 * 1024 * 1024  # bytes read back per record (a hostile WARC can't exhaust RAM)
SOFTWARE = "yrdwatch (https://github.com/yrdwatch/yrdwatch)"
# Headers that describe the wire, not the stored body: the body is kept de-chunked.
_WIRE_HEADERS = frozenset({"transfer-encoding", "connection", "keep-alive"})
_SLASHES = re.compile(r"/{2,}")


class WarcError(ValueError):
    """A WARC file that cannot be read; the message names the file and what to do."""


# --------------------------------------------------------------------------- keys


def replay_key(url: str) -> str:
    """ "host/path?sorted-query": scheme, port, fragment and doubled slashes never matter."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower().rstrip(".")
    path = _SLASHES.sub("/", parts.path or "/")
    query = urlencode(sorted(parse_qsl(parts.query, keep_blank_values=True)))
    return f"{host}{path}" + (f"?{query}" if query else "")


def body_key(body: bytes) -> str:
    """POST bodies compared as forms (field order ignored), else byte for byte."""
    if not body:
        return ""
    try:
        fields = parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=True)
    except (UnicodeDecodeError, ValueError):
        fields = None
    if fields:
        return "form:" + urlencode(sorted(fields))
    return "sha1:" + hashlib.sha1(body).hexdigest()


# --------------------------------------------------------------------------- writing


@dataclass(frozen=True)
class Exchange:
    """One request/response pair as it went over the wire (bodies de-chunked)."""

    url: str
    method: str
    request_headers: list[tuple[str, str]]
    request_body: bytes
    status: int
    reason: str
    response_headers: list[tuple[str, str]]
    response_body: bytes
    http_version: str = "HTTP/1.1"
    truncated: bool = False
    when: datetime | None = None
    record_id: str | None = None  # fixed ids make rendered archives reproducible


def warc_date(when: datetime | None) -> str:
    """ISO 8601 UTC as WARC wants it (second precision)."""
    moment = (when or datetime.now(UTC)).astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def record_id(seed: str) -> str:
    """A stable <urn:uuid:…> for a seed; random ids otherwise break reproducible files."""
    return f"<urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, seed)}>"


def stored_headers(headers: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """Response headers minus the wire-only ones (the stored body is not chunked)."""
    return [(k, v) for k, v in headers if k.lower() not in _WIRE_HEADERS]


class WarcRecorder:
    """Appends exchanges to a gzipped WARC file; safe to share between threads."""

    def __init__(
        self, path: Path, *, info: dict[str, str] | None = None, filename: str | None = None
    ) -> None:
        self.path = Path(path)
        self.filename = filename or self.path.name  # the name recorded inside the file
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file = self.path.open("wb")
        self._writer = WARCWriter(self._file, gzip=True)
        self._lock = threading.Lock()
        self.count = 0
        self._write_info(info or {})

    def _write_info(self, info: dict[str, str]) -> None:
        fields = {"software": SOFTWARE, "format": "WARC File Format 1.0", **info}
        payload = "".join(f"{k}: {v}\r\n" for k, v in fields.items()).encode("utf-8")
        record = self._writer.create_warc_record(
            "",
            "warcinfo",
            payload=io.BytesIO(payload),
            warc_content_type="application/warc-fields",
            warc_headers_dict={
                "WARC-Filename": self.filename,
                "WARC-Record-ID": record_id(f"warcinfo:{self.filename}:{sorted(fields.items())}"),
                "WARC-Date": info.get("date", warc_date(None)),
            },
        )
        self._writer.write_record(record)

    def write(self, exchange: Exchange) -> None:
        """One response record, then its request record pointing at it."""
        response_id = exchange.record_id or record_id(uuid.uuid4().hex)
        date = warc_date(exchange.when)
        response = self._response_record(exchange, response_id, date)
        request = self._request_record(exchange, response_id, date)
        with self._lock:
            self._writer.write_record(response)
            self._writer.write_record(request)
            self._file.flush()
            self.count += 1

    def _response_record(self, exchange: Exchange, rid: str, date: str):
        status_line = f"{exchange.status} {exchange.reason}".strip()
        http_headers = StatusAndHeaders(
            status_line, stored_headers(exchange.response_headers), protocol=exchange.http_version
        )
        warc_headers = {"WARC-Record-ID": rid, "WARC-Date": date}
        if exchange.truncated:
            warc_headers["WARC-Truncated"] = "length"
        return self._writer.create_warc_record(
            exchange.url,
            "response",
            payload=io.BytesIO(exchange.response_body),
            length=len(exchange.response_body),
            http_headers=http_headers,
            warc_headers_dict=warc_headers,
        )

    def _request_record(self, exchange: Exchange, response_id: str, date: str):
        parts = urlsplit(exchange.url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        http_headers = StatusAndHeaders(
            f"{exchange.method} {target} {exchange.http_version}",
            list(exchange.request_headers),
            is_http_request=True,
        )
        return self._writer.create_warc_record(
            exchange.url,
            "request",
            payload=io.BytesIO(exchange.request_body),
            length=len(exchange.request_body),
            http_headers=http_headers,
            warc_headers_dict={
                "WARC-Record-ID": record_id(f"request:{response_id}"),
                "WARC-Date": date,
                "WARC-Concurrent-To": response_id,
            },
        )

    def close(self) -> None:
        with self._lock:
            if not self._file.closed:
                self._file.close()

    def __enter__(self) -> WarcRecorder:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


# --------------------------------------------------------------------------- recording transport


def _reason(response: httpx.Response) -> str:
    phrase = response.extensions.get("reason_phrase", b"")
    if isinstance(phrase, bytes) and phrase:
        return phrase.decode("latin-1")
    try:
        return HTTPStatus(response.status_code).phrase
    except ValueError:
        return ""


def _http_version(response: httpx.Response) -> str:
    version = response.extensions.get("http_version", b"HTTP/1.1")
    return version.decode("ascii") if isinstance(version, bytes) else str(version)


def _decoded_headers(headers: httpx.Headers) -> list[tuple[str, str]]:
    return [(k.decode("latin-1"), v.decode("latin-1")) for k, v in headers.raw]


class _Tee:
    """Collects the raw body as the consumer streams it; records the exchange once, at close."""

    def __init__(self, on_done, limit: int) -> None:
        self._on_done = on_done
        self._limit = limit
        self._chunks: list[bytes] = []
        self._size = 0
        self._truncated = False
        self._done = False

    def keep(self, chunk: bytes) -> None:
        room = self._limit - self._size
        if len(chunk) > room:
            self._truncated = True
            chunk = chunk[: max(room, 0)]
        self._chunks.append(chunk)
        self._size += len(chunk)

    def finish(self, *, complete: bool) -> None:
        if self._done:
            return
        self._done = True
        self._on_done(b"".join(self._chunks), self._truncated or not complete)


class _TeeSyncStream(httpx.SyncByteStream):
    def __init__(self, inner: httpx.SyncByteStream, tee: _Tee) -> None:
        self._inner, self._tee, self._complete = inner, tee, False

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self._inner:
            self._tee.keep(chunk)
            yield chunk
        self._complete = True

    def close(self) -> None:
        self._inner.close()
        self._tee.finish(complete=self._complete)


class _TeeAsyncStream(httpx.AsyncByteStream):
    def __init__(self, inner: httpx.AsyncByteStream, tee: _Tee) -> None:
        self._inner, self._tee, self._complete = inner, tee, False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._inner:
            self._tee.keep(chunk)
            yield chunk
        self._complete = True

    async def aclose(self) -> None:
        await self._inner.aclose()
        self._tee.finish(complete=self._complete)


class RecordingTransport(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """Wraps a sync or async httpx transport; every exchange also lands in the recorder.

    The body is recorded as it streams past (raw, still content-encoded), so size caps and early
    closes of the consumer still hold: a body closed early is recorded as WARC-Truncated.
    """

    def __init__(
        self,
        inner: httpx.BaseTransport | httpx.AsyncBaseTransport,
        recorder: WarcRecorder,
        *,
        max_body: int = MAX_RECORDED_BODY,
    ) -> None:
        self.inner = inner
        self.recorder = recorder
        self.max_body = max_body

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if not isinstance(self.inner, httpx.BaseTransport):
            raise TypeError("RecordingTransport wraps an async transport; use an AsyncClient")
        body = request.read()
        response = self.inner.handle_request(request)
        tee = self._tee(request, body, response)
        return self._rewrap(response, _TeeSyncStream(response.stream, tee))

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if not isinstance(self.inner, httpx.AsyncBaseTransport):
            raise TypeError("RecordingTransport wraps a sync transport; use a Client")
        body = await request.aread()
        response = await self.inner.handle_async_request(request)
        tee = self._tee(request, body, response)
        return self._rewrap(response, _TeeAsyncStream(response.stream, tee))

    def _tee(self, request: httpx.Request, body: bytes, response: httpx.Response) -> _Tee:
        def record(raw: bytes, truncated: bool) -> None:
            self.recorder.write(
                Exchange(
                    url=str(request.url),
                    method=request.method,
                    request_headers=_decoded_headers(request.headers),
                    request_body=body,
                    status=response.status_code,
                    reason=_reason(response),
                    response_headers=_decoded_headers(response.headers),
                    response_body=raw,
                    http_version=_http_version(response),
                    truncated=truncated,
                )
            )

        return _Tee(record, self.max_body)

    @staticmethod
    def _rewrap(response: httpx.Response, stream) -> httpx.Response:
        return httpx.Response(
            response.status_code,
            headers=response.headers,
            stream=stream,
            extensions=response.extensions,
        )

    def close(self) -> None:
        if isinstance(self.inner, httpx.BaseTransport):
            self.inner.close()

    async def aclose(self) -> None:
        if isinstance(self.inner, httpx.AsyncBaseTransport):
            await self.inner.aclose()


# --------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class WarcResponse:
    """A stored response, body decoded from its content encoding, ready to serve again."""

    url: str
    method: str
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    date: str
    truncated: bool = False

    @property
    def content_type(self) -> str:
        return next((v for k, v in self.headers if k.lower() == "content-type"), "")


@dataclass(frozen=True)
class _Entry:
    offset: int
    url: str
    date: str
    order: int


class WarcArchive:
    """An index of a WARC file's responses: the latest one per (method, URL, POST body)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise WarcError(f"{path}: no WARC file here; record one with `yrdwatch record`")
        self._lock = threading.Lock()
        self._index: dict[tuple[str, str, str], _Entry] = {}
        self._build_index()

    def __len__(self) -> int:
        return len(self._index)

    def keys(self) -> list[tuple[str, str, str]]:
        """(method, replay_key, body_key) of every stored response."""
        return sorted(self._index)

    def _build_index(self) -> None:
        responses: dict[str, _Entry] = {}
        requests: dict[str, tuple[str, str]] = {}
        try:
            self._scan(responses, requests)
        except Exception as exc:  # warcio raises assorted errors on damaged files
            raise WarcError(f"{self.path}: not a readable WARC file ({exc}); re-record it") from exc
        for rid, entry in responses.items():
            method, body = requests.get(rid, ("GET", ""))
            key = (method, replay_key(entry.url), body)
            current = self._index.get(key)
            if current is None or (entry.date, entry.order) >= (current.date, current.order):
                self._index[key] = entry

    def _scan(self, responses: dict[str, _Entry], requests: dict[str, tuple[str, str]]) -> None:
        with self.path.open("rb") as handle:
            records = ArchiveIterator(handle)
            for order, record in enumerate(records):
                if record.format != "warc":
                    raise WarcError(f"a {record.format} record, not WARC")
                headers = record.rec_headers
                if record.rec_type == "response":
                    rid = headers.get_header("WARC-Record-ID")
                    responses[rid] = _Entry(
                        records.get_record_offset(),
                        headers.get_header("WARC-Target-URI"),
                        headers.get_header("WARC-Date") or "",
                        order,
                    )
                elif record.rec_type == "request":
                    body = record.content_stream().read(MAX_READ_BODY)
                    method = record.http_headers.protocol if record.http_headers else "GET"
                    requests[headers.get_header("WARC-Concurrent-To")] = (
                        method.upper(),
                        body_key(body),
                    )

    def lookup(self, url: str, method: str = "GET", body: bytes = b"") -> WarcResponse | None:
        """The latest response for the URL; a trailing "/" also finds ".../index.html"."""
        method = "GET" if method.upper() == "HEAD" else method.upper()
        for key in _candidate_keys(replay_key(url)):
            entry = self._index.get((method, key, body_key(body)))
            if entry is not None:
                return self._read(entry, method)
        return None

    def _read(self, entry: _Entry, method: str) -> WarcResponse:
        with self._lock, self.path.open("rb") as handle:
            record = self._record_at(handle, entry.offset)
            status = int(record.http_headers.get_statuscode() or 0)
            truncated = bool(record.rec_headers.get_header("WARC-Truncated"))
            headers = list(record.http_headers.headers)
            try:
                body = record.content_stream().read(MAX_READ_BODY)
            except Exception as exc:  # a truncated or damaged gzip body: serve it as stored
                logger.warning("%s: body of %s not decodable (%s)", self.path, entry.url, exc)
                body = self._record_at(handle, entry.offset).raw_stream.read(MAX_READ_BODY)
                headers = [(k, v) for k, v in headers if k.lower() != "content-encoding"]
                truncated = True
        return WarcResponse(entry.url, method, status, headers, body, entry.date, truncated)

    @staticmethod
    def _record_at(handle, offset: int):
        handle.seek(offset)
        return next(iter(ArchiveIterator(handle)))

    def responses(self) -> Iterator[WarcResponse]:
        """Every indexed (latest) response, in key order."""
        for key in self.keys():
            yield self._read(self._index[key], key[0])


def _candidate_keys(key: str) -> list[str]:
    path, _, query = key.partition("?")
    suffix = f"?{query}" if query else ""
    if path.endswith("/"):
        return [key, f"{path}index.html{suffix}"]
    if path.endswith("/index.html"):
        return [key, path.removesuffix("index.html") + suffix]
    return [key]


def served_headers(response: WarcResponse) -> list[tuple[str, str]]:
    """Headers to send with the decoded body: no encoding, length or wire headers."""
    dropped = _WIRE_HEADERS | {"content-encoding", "content-length"}
    return [(k, v) for k, v in response.headers if k.lower() not in dropped]


# --------------------------------------------------------------------------- regression fixtures


MAX_SLUG = 100
_NOT_SLUG = re.compile(r"[^A-Za-z0-9._]+")


def fixture_name(url: str) -> str:
    """ "https://www.gov.cn/yaowen/liebiao/home.htm" -> "www.gov.cn-yaowen-liebiao-home.html"."""
    parts = urlsplit(url)
    path = parts.path + (f"-{parts.query}" if parts.query else "")
    slug = _NOT_SLUG.sub("-", path).strip("-.") or "index"
    slug = re.sub(r"\.(s?html?|jsp|php|aspx?)$", "", slug)
    if len(slug) > MAX_SLUG:
        slug = slug[:MAX_SLUG] + "-" + hashlib.sha1(path.encode()).hexdigest()[:8]
    host = _NOT_SLUG.sub("-", (parts.hostname or "host").lower())
    return f"{host}-{slug}.html"


def is_html(response: WarcResponse) -> bool:
    """HTML by content type, or by its first bytes when the server declared none."""
    if "html" in response.content_type.lower():
        return True
    head = response.body[:512].lstrip().lower()
    return not response.content_type and head.startswith((b"<!doctype html", b"<html"))


def warc_to_fixtures(warc: Path, out_dir: Path) -> list[Path]:
    """Write each HTML response (latest per URL, bytes as served) as <host>-<path-slug>.html.

    Also writes `index.json` mapping each file to its URL, status, content type and date, so
    a parser test can say where the page came from and when.
    """
    archive = WarcArchive(warc)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    index: dict[str, dict[str, object]] = {}
    for response in archive.responses():
        if response.method != "GET" or not is_html(response):
            continue
        name = fixture_name(response.url)
        if name in index:
            name = (
                name.removesuffix(".html")
                + f"-{hashlib.sha1(response.url.encode()).hexdigest()[:8]}.html"
            )
        (out_dir / name).write_bytes(response.body)
        index[name] = {
            "url": response.url,
            "status": response.status,
            "content_type": response.content_type,
            "date": response.date,
        }
    (out_dir / "index.json").write_text(
        json.dumps(index, indent=2, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8"
    )
    return [out_dir / name for name in sorted(index)]
