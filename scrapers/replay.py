"""Serve a recorded site archive over real HTTP on loopback, and route httpx to it.

The demo and the tests run the live crawl code unchanged: `ReplayTransport` rewrites
`https://www.shanghai.gov.cn/nw4411/index.html` to
`http://127.0.0.1:PORT/www.shanghai.gov.cn/nw4411/index.html`, so only the transport differs
and every URL the crawler sees keeps its real host.

Two archive forms are served the same way (`open_replay(path)` picks by path):
- a WARC file (`.warc` / `.warc.gz`, see scrapers/warc.py): the latest stored response per URL
  (POST bodies matched too), with its stored status and headers;
- a folder `<root>/<host>/<path>` plus `<root>/_headers.json`, a map from `"<host>/<path>"` to
  `{"status": int, "content_type": str}` overrides (missing keys keep the defaults: 200 and
  "text/html; charset=utf-8").

`RecordingProxy` is the live twin of the archive server: it forwards each request to the real
site and writes the exchange to a WARC file, so `yrdwatch record` runs the unchanged crawl.
"""

from __future__ import annotations

import hashlib
import json
import logging
import posixpath
import re
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Self
from urllib.parse import unquote, urlsplit

import httpx

from scrapers.warc import (
    RecordingTransport,
    WarcArchive,
    WarcError,
    WarcRecorder,
    served_headers,
)

logger = logging.getLogger(__name__)

HEADERS_FILE = "_headers.json"
DEFAULT_CONTENT_TYPE = "text/html; charset=utf-8"
NOT_FOUND_BODY = b"<html><head><title>404 Not Found</title></head><body>Not Found</body></html>"
NOT_ALLOWED_BODY = b"<html><head><title>405 Method Not Allowed</title></head></html>"
ORIGINAL_URL_HEADER = "X-Yrdwatch-Original-Url"  # set by ReplayTransport, read by RecordingProxy
MAX_REQUEST_BODY = 1024 * 1024  # POST bodies the loopback servers accept
_DEMO_DIR = Path(__file__).resolve().parent / "demo"


def demo_archive_path() -> Path:
    """The bundled demo archive, a WARC file rendered by `python -m scrapers.demo.render`."""
    return _DEMO_DIR / "archive.warc.gz"


def demo_archive_root() -> Path:
    """Kept for callers of the folder era: now the WARC file (ArchiveServer serves both)."""
    return demo_archive_path()


def demo_sources_path() -> Path:
    """The source registry whose https URLs point at hosts in the demo archive."""
    return _DEMO_DIR / "sources.toml"


@dataclass(frozen=True)
class Reply:
    """What the archive answers for one request path."""

    status: int
    content_type: str
    body: bytes
    headers: tuple[tuple[str, str], ...] = ()  # further stored headers (Location, Set-Cookie…)


def load_header_overrides(root: Path) -> dict[str, dict[str, object]]:
    """Read `_headers.json`; a broken file is a clear error, not a silent default."""
    path = root / HEADERS_FILE
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}: not valid JSON ({exc}); regenerate the archive") from exc
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        raise ValueError(f"{path}: expected an object of objects; regenerate the archive")
    return data


def archive_key(request_path: str) -> str | None:
    """Map "/host/a//b/?q" to "host/a/b/index.html"; None when it names no host or escapes."""
    path = unquote(urlsplit(request_path).path)
    path = re.sub(r"/{2,}", "/", path)  # like nginx merge_slashes
    if path.endswith("/"):
        path += "index.html"
    normal = posixpath.normpath(path).lstrip("/")
    parts = normal.split("/")
    if len(parts) < 2 or parts[0].startswith((".", "_")) or ".." in parts:
        return None
    return normal


class ArchiveStore:
    """Answers request paths from an archive folder; pure lookup, no networking."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root).resolve()
        if not self.root.is_dir():
            raise ValueError(f"{root}: no archive folder; run python -m scrapers.demo.render")
        self.overrides = load_header_overrides(self.root)

    def reply(self, request_path: str, method: str = "GET", body: bytes = b"") -> Reply:
        """The file with its status and content type, a plain 404, or 405 for a POST."""
        if method.upper() not in ("GET", "HEAD"):
            return Reply(405, DEFAULT_CONTENT_TYPE, NOT_ALLOWED_BODY)
        key = archive_key(request_path)
        file = self._file_for(key) if key is not None else None
        if key is None or file is None:
            return Reply(404, DEFAULT_CONTENT_TYPE, NOT_FOUND_BODY)
        if file.name == "index.html" and not key.endswith("index.html"):
            key = f"{key}/index.html"
        override = self.overrides.get(key, {})
        status = int(override.get("status", 200))
        content_type = str(override.get("content_type", DEFAULT_CONTENT_TYPE))
        return Reply(status, content_type, file.read_bytes())

    def _file_for(self, key: str) -> Path | None:
        """Resolve a key to a file inside the root (a directory means its index.html)."""
        candidate = (self.root / key).resolve()
        if not candidate.is_relative_to(self.root):
            return None
        if candidate.is_dir():
            candidate = candidate / "index.html"
        return candidate if candidate.is_file() else None


class WarcStore:
    """Answers request paths from a WARC file: the stored status, headers and decoded body."""

    def __init__(self, path: Path) -> None:
        self.root = Path(path).resolve()
        self.archive = WarcArchive(self.root)

    def reply(self, request_path: str, method: str = "GET", body: bytes = b"") -> Reply:
        """The latest stored response for "/host/path?q" (and this POST body), or a 404."""
        url = warc_url_for(request_path)
        stored = self.archive.lookup(url, method, body) if url else None
        if stored is None:
            return Reply(404, DEFAULT_CONTENT_TYPE, NOT_FOUND_BODY)
        extra = tuple(
            (k, v) for k, v in served_headers(stored) if k.lower() not in ("content-type", "etag")
        )
        return Reply(stored.status, stored.content_type or DEFAULT_CONTENT_TYPE, stored.body, extra)


def warc_url_for(request_path: str) -> str | None:
    """ "/host/a//b?q" -> "http://host/a//b?q" (lookup ignores scheme); None without a host."""
    parts = urlsplit(request_path)
    host, _, rest = parts.path.lstrip("/").partition("/")
    if not host or host.startswith((".", "_")):
        return None
    query = f"?{parts.query}" if parts.query else ""
    return f"http://{host}/{rest}{query}"


def open_store(path: Path) -> ArchiveStore | WarcStore:
    """A folder archive or a WARC file, by what the path is; a clear error otherwise."""
    path = Path(path)
    if path.is_dir():
        return ArchiveStore(path)
    if path.is_file():
        try:
            return WarcStore(path)
        except WarcError as exc:
            raise ValueError(str(exc)) from exc
    raise ValueError(
        f"{path}: no archive folder or WARC file here; run python -m scrapers.demo.render "
        "or record one with `yrdwatch record`"
    )


def _handler_for(store: ArchiveStore | WarcStore) -> type[BaseHTTPRequestHandler]:
    """A request handler class bound to one archive store."""

    class ArchiveHandler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # noqa: N802 - http.server naming
            self._answer(with_body=True)

        def do_HEAD(self) -> None:  # noqa: N802 - http.server naming
            self._answer(with_body=False)

        def do_POST(self) -> None:  # noqa: N802 - http.server naming
            body = read_request_body(self)
            if body is None:
                self.send_error(HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
                return
            self._answer(with_body=True, method="POST", body=body)

        def _answer(self, *, with_body: bool, method: str = "GET", body: bytes = b"") -> None:
            reply = store.reply(self.path, method, body)
            etag = '"' + hashlib.sha1(reply.body).hexdigest()[:16] + '"'
            if reply.status == 200 and self.headers.get("If-None-Match") == etag:
                self._send_headers(HTTPStatus.NOT_MODIFIED, reply, etag, None)
                return
            self._send_headers(reply.status, reply, etag, len(reply.body))
            if with_body:
                self.wfile.write(reply.body)

        def _send_headers(self, status: int, reply: Reply, etag: str, length: int | None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", reply.content_type)
            self.send_header("ETag", etag)
            for name, value in reply.headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(length or 0))
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            logger.debug("replay %s - %s", self.address_string(), format % args)

    return ArchiveHandler


class _LoopbackHTTPServer(ThreadingHTTPServer):
    """A threading server whose accept backlog survives a burst of concurrent clients."""

    daemon_threads = True
    request_queue_size = 128


def read_request_body(handler: BaseHTTPRequestHandler) -> bytes | None:
    """The request body (Content-Length framed); None when it exceeds MAX_REQUEST_BODY."""
    length = int(handler.headers.get("Content-Length") or 0)
    if length > MAX_REQUEST_BODY:
        return None
    return handler.rfile.read(length) if length > 0 else b""


class _BackgroundServer:
    """A loopback HTTP server on a free port, served from a daemon thread; a context manager.

    Subclasses say which handler to serve (`_handler`) and what their URL path prefix is."""

    _path_prefix = ""

    def __init__(self) -> None:
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """Base URL such as "http://127.0.0.1:54321" (only while running)."""
        if self._httpd is None:
            name = type(self).__name__
            raise RuntimeError(f"{name} is not running; use it as a context manager")
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}{self._path_prefix}"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        raise NotImplementedError

    def start(self) -> Self:
        """Bind a free loopback port and serve in the background."""
        self._httpd = _LoopbackHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and release the port."""
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


class ArchiveServer(_BackgroundServer):
    """An archive (folder or WARC file) served on 127.0.0.1:<free port> from a daemon thread."""

    def __init__(self, root: Path) -> None:
        super().__init__()
        self.store = open_store(root)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        return _handler_for(self.store)

    def start(self) -> Self:
        super().start()
        logger.info("replaying %s at %s", self.store.root, self.url)
        return self


def replay_url(url: httpx.URL, server_url: str) -> httpx.URL:
    """https://host/path?q -> http://127.0.0.1:PORT/host/path?q (path and query kept raw)."""
    raw = url.raw_path.decode("ascii")
    return httpx.URL(f"{server_url.rstrip('/')}/{url.host}{raw}")


class ReplayTransport(httpx.AsyncBaseTransport):
    """Forwards every request to an ArchiveServer over real HTTP, keeping the original URL.

    Rewrites https://host/path?q -> http://127.0.0.1:PORT/host/path?q and forwards over
    httpx.AsyncHTTPTransport, so the live code path runs unchanged and URLs keep their real hosts.
    """

    def __init__(self, server_url: str) -> None:
        self.server_url = server_url
        self._inner = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        target = replay_url(request.url, self.server_url)
        headers = [(k, v) for k, v in request.headers.raw if k.lower() != b"host"]
        headers.insert(0, (b"Host", target.netloc))
        headers.append((ORIGINAL_URL_HEADER.encode("ascii"), str(request.url).encode("utf-8")))
        forwarded = httpx.Request(
            request.method,
            target,
            headers=headers,
            stream=request.stream,
            extensions=request.extensions,
        )
        response = await self._inner.handle_async_request(forwarded)
        return httpx.Response(
            response.status_code,
            headers=response.headers,
            stream=response.stream,
            extensions=response.extensions,
            request=request,
        )

    async def aclose(self) -> None:
        await self._inner.aclose()


@contextmanager
def open_replay(path: Path) -> Iterator[str]:
    """Serve a WARC file or an archive folder on loopback; yields the URL for ReplayTransport."""
    with ArchiveServer(Path(path)) as server:
        yield server.url


def replay_url_for(path: Path):
    """What `yrdwatch run --replay PATH` uses (the same as open_replay)."""
    return open_replay(path)


# --------------------------------------------------------------------------- recording proxy


_HOP_BY_HOP = frozenset(
    {
        "host",
        "connection",
        "keep-alive",
        "transfer-encoding",
        "te",
        "trailer",
        "upgrade",
        "proxy-connection",
        "content-length",
        ORIGINAL_URL_HEADER.lower(),
    }
)


def _forward_headers(headers) -> list[tuple[str, str]]:
    """The crawler's request headers as the live site should see them."""
    return [(k, v) for k, v in headers.items() if k.lower() not in _HOP_BY_HOP]


def _proxy_handler(client: httpx.Client, prefix: str, max_body: int):
    """A handler that forwards "/<prefix>/host/path" to the URL ReplayTransport named."""

    class ProxyHandler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # noqa: N802 - http.server naming
            self._forward("GET")

        def do_HEAD(self) -> None:  # noqa: N802 - http.server naming
            self._forward("HEAD")

        def do_POST(self) -> None:  # noqa: N802 - http.server naming
            self._forward("POST")

        def _forward(self, method: str) -> None:
            target = self._target()
            body = read_request_body(self)
            if target is None or body is None:
                self.send_error(HTTPStatus.FORBIDDEN, "not a request from ReplayTransport")
                return
            request = client.build_request(
                method, target, headers=_forward_headers(self.headers), content=body or None
            )
            try:
                response = client.send(request, stream=True)
            except httpx.HTTPError as exc:
                self._upstream_failed(target, exc)
                return
            try:
                self._relay(response, method, max_body)
            finally:
                response.close()

        def _target(self) -> str | None:
            """The original URL, only when the path carries this proxy's secret prefix."""
            original = self.headers.get(ORIGINAL_URL_HEADER)
            if not self.path.startswith(f"/{prefix}/") or not original:
                return None
            return original

        def _relay(self, response: httpx.Response, method: str, limit: int) -> None:
            raw = bytearray()
            for chunk in response.iter_raw():
                raw += chunk
                if len(raw) > limit:
                    break
            self.send_response(response.status_code, _reason_of(response))
            for name, value in response.headers.multi_items():
                if name.lower() not in _HOP_BY_HOP:
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            if method != "HEAD":
                self.wfile.write(bytes(raw))

        def _upstream_failed(self, target: str, exc: httpx.HTTPError) -> None:
            status = 504 if isinstance(exc, httpx.TimeoutException) else 502
            logger.info("record: %s failed: %s", target, exc)
            message = f"yrdwatch record: upstream {type(exc).__name__}: {exc}".encode()
            self.send_response(status)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(message)))
            self.end_headers()
            self.wfile.write(message)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            logger.debug("record %s - %s", self.address_string(), format % args)

    return ProxyHandler


def _reason_of(response: httpx.Response) -> str | None:
    phrase = response.extensions.get("reason_phrase", b"")
    return phrase.decode("latin-1") if isinstance(phrase, bytes) and phrase else None


class RecordingProxy(_BackgroundServer):
    """A loopback server that fetches each request live and records it to a WARC file.

    Point ReplayTransport at `.url`: the crawl runs unchanged (politeness, retries, redirects
    stay in the crawler, since the proxy never follows redirects), and every exchange lands in
    the WARC with its real URL, status line, headers and body.
    """

    def __init__(
        self, out: Path, *, timeout: float = 30.0, max_body: int = 20 * 1024 * 1024
    ) -> None:
        super().__init__()
        self.out = Path(out)
        self.timeout = timeout
        self.max_body = max_body
        self.recorder: WarcRecorder | None = None
        self._prefix = "rec-" + secrets.token_hex(8)
        self._path_prefix = f"/{self._prefix}"
        self._client: httpx.Client | None = None

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        return _proxy_handler(self._client, self._prefix, self.max_body)

    def start(self) -> Self:
        self.recorder = WarcRecorder(self.out)
        transport = RecordingTransport(httpx.HTTPTransport(), self.recorder, max_body=self.max_body)
        self._client = httpx.Client(transport=transport, timeout=self.timeout)
        super().start()
        logger.info("recording to %s through %s", self.out, self.url)
        return self

    def stop(self) -> None:
        super().stop()
        if self._client is not None:
            self._client.close()
        if self.recorder is not None:
            self.recorder.close()
