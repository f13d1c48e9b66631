"""Serve a recorded site archive over real HTTP on loopback, and route httpx to it.

The demo and the tests run the live crawl code unchanged: `ReplayTransport` rewrites
`https://www.shanghai.gov.cn/nw4411/index.html` to
`http://127.0.0.1:PORT/www.shanghai.gov.cn/nw4411/index.html`, so only the transport differs
and every URL the crawler sees keeps its real host.

Archive layout: `<root>/<host>/<path>` plus `<root>/_headers.json`, a map from
`"<host>/<path>"` to `{"status": int, "content_type": str}` overrides (missing keys keep the
defaults: 200 and "text/html; charset=utf-8").
"""

from __future__ import annotations

import hashlib
import json
import logging
import posixpath
import re
import threading
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from urllib.parse import unquote, urlsplit

import httpx

logger = logging.getLogger(__name__)

HEADERS_FILE = "_headers.json"
DEFAULT_CONTENT_TYPE = "text/html; charset=utf-8"
NOT_FOUND_BODY = b"<html><head><title>404 Not Found</title></head><body>Not Found</body></html>"
_DEMO_DIR = Path(__file__).resolve().parent / "demo"


def demo_archive_root() -> Path:
    """The bundled replay archive rendered by `python -m scrapers.demo.render`."""
    return _DEMO_DIR / "archive"


def demo_sources_path() -> Path:
    """The source registry whose https URLs point at hosts in the demo archive."""
    return _DEMO_DIR / "sources.toml"


@dataclass(frozen=True)
class Reply:
    """What the archive answers for one request path."""

    status: int
    content_type: str
    body: bytes


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

    def reply(self, request_path: str) -> Reply:
        """The file with its status and content type, or a plain 404."""
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


def _handler_for(store: ArchiveStore) -> type[BaseHTTPRequestHandler]:
    """A request handler class bound to one archive store."""

    class ArchiveHandler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # noqa: N802 - http.server naming
            self._answer(with_body=True)

        def do_HEAD(self) -> None:  # noqa: N802 - http.server naming
            self._answer(with_body=False)

        def _answer(self, *, with_body: bool) -> None:
            reply = store.reply(self.path)
            etag = '"' + hashlib.sha1(reply.body).hexdigest()[:16] + '"'
            if reply.status == 200 and self.headers.get("If-None-Match") == etag:
                self._send_headers(HTTPStatus.NOT_MODIFIED, reply.content_type, etag, None)
                return
            self._send_headers(reply.status, reply.content_type, etag, len(reply.body))
            if with_body:
                self.wfile.write(reply.body)

        def _send_headers(self, status: int, ctype: str, etag: str, length: int | None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("ETag", etag)
            self.send_header("Content-Length", str(length or 0))
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            logger.debug("replay %s - %s", self.address_string(), format % args)

    return ArchiveHandler


class _LoopbackHTTPServer(ThreadingHTTPServer):
    """A threading server whose accept backlog survives a burst of concurrent clients."""

    daemon_threads = True
    request_queue_size = 128


class ArchiveServer:
    """An archive served on 127.0.0.1:<free port> from a daemon thread, as a context manager."""

    def __init__(self, root: Path) -> None:
        self.store = ArchiveStore(root)
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """Base URL such as "http://127.0.0.1:54321" (only while running)."""
        if self._httpd is None:
            raise RuntimeError("ArchiveServer is not running; use it as a context manager")
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> ArchiveServer:
        """Bind a free loopback port and serve in the background."""
        self._httpd = _LoopbackHTTPServer(("127.0.0.1", 0), _handler_for(self.store))
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()
        logger.info("replaying %s at %s", self.store.root, self.url)
        return self

    def stop(self) -> None:
        """Stop serving and release the port."""
        if self._httpd is None:
            return
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = None

    def __enter__(self) -> ArchiveServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


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
