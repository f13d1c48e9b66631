"""The raw archive: every article response, kept before parsing, so history can be re-parsed.

Bodies are content-addressed (sha256 of the bytes as received) and gzip-compressed under
`objects/ab/<sha>.gz`; identical bodies are stored once. Each response also gets one JSON line
in `index.jsonl` (URL, fetch time, sha, status, headers, source), which is what a re-parse
needs to decode the page (charset) and apply the right source's rules. Writes are atomic
(temp file + rename; one `write` per index line), so a killed process leaves at worst a torn
last line, which readers skip. Filesystem only: no DuckDB, no network.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

log = logging.getLogger(__name__)

INDEX_NAME = "index.jsonl"
OBJECTS_DIR = "objects"
MAX_HEADERS = 50
MAX_HEADER_CHARS = 2_000
MAX_URL_CHARS = 2_000
DEFAULT_RETENTION_DAYS = 180


@dataclass(frozen=True)
class RawRecord:
    """One stored response: where it came from, when, and the hash of its body."""

    url: str
    fetched_at: datetime
    sha256: str
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    source_id: str | None = None


def raw_root_for(db_path: Path) -> Path:
    """`data/yrdwatch.duckdb` -> `data/raw/yrdwatch/`: beside the warehouse, one per warehouse,
    so the demo's invented pages never mix with a live archive."""
    db_path = Path(db_path)
    return db_path.parent / "raw" / db_path.stem


class RawStore:
    """Content-addressed, compressed store of raw responses with a retention window."""

    def __init__(self, root: Path, retention_days: int | None = DEFAULT_RETENTION_DAYS) -> None:
        if retention_days is not None and retention_days < 1:
            raise ValueError(
                f"retention_days must be >= 1 or None (keep forever), not {retention_days}"
            )
        self.root = Path(root)
        self.retention_days = retention_days

    @property
    def index_path(self) -> Path:
        return self.root / INDEX_NAME

    def blob_path(self, sha256: str) -> Path:
        """Two-level fan-out keeps directories small."""
        return self.root / OBJECTS_DIR / sha256[:2] / f"{sha256}.gz"

    def put(
        self,
        *,
        url: str,
        content: bytes,
        headers: dict,
        status: int,
        fetched_at: datetime,
        source_id: str | None = None,
    ) -> str:
        """Store one response (body once per distinct content) and return the body's sha256."""
        sha = hashlib.sha256(content).hexdigest()
        self._write_blob(sha, content)
        record = RawRecord(
            url=url[:MAX_URL_CHARS],
            fetched_at=_aware(fetched_at),
            sha256=sha,
            status=int(status),
            headers=_capped_headers(headers),
            source_id=source_id,
        )
        self._append_index(record)
        return sha

    def for_source(self, source_id: str) -> SourceRawStore:
        """A view whose `put` also records the source, so a re-parse knows which rules apply."""
        return SourceRawStore(self, source_id)

    def read(self, sha256: str) -> bytes:
        """The body with this hash; FileNotFoundError when it was pruned or never stored."""
        with gzip.open(self.blob_path(sha256), "rb") as handle:
            return handle.read()

    def records(self) -> Iterator[RawRecord]:
        """Every index line in write order; torn or foreign lines are skipped with a warning."""
        if not self.index_path.exists():
            return
        with self.index_path.open("r", encoding="utf-8", errors="replace") as handle:
            for number, line in enumerate(handle, start=1):
                record = _parse_line(line)
                if record is None and line.strip():
                    log.warning(
                        "raw index %s line %d is unreadable; skipped", self.index_path, number
                    )
                elif record is not None:
                    yield record

    def iter_latest(self) -> Iterator[RawRecord]:
        """The latest stored response per URL (by fetch time; the later line wins a tie)."""
        latest: dict[str, RawRecord] = {}
        for record in self.records():
            kept = latest.get(record.url)
            if kept is None or record.fetched_at >= kept.fetched_at:
                latest[record.url] = record
        yield from sorted(latest.values(), key=lambda record: record.url)

    def prune(self, now: datetime, *, keep_latest: bool = True) -> int:
        """Drop responses older than the retention window; return how many index lines went.

        With `keep_latest` (the default) the newest response of every URL is kept whatever
        its age, so `yrdwatch reparse` can always rebuild every release; what retention
        removes is superseded history. Bodies no longer referenced are deleted."""
        if self.retention_days is None or not self.index_path.exists():
            return 0
        cutoff = _aware(now) - timedelta(days=self.retention_days)
        records = list(self.records())
        newest = {record.url: record for record in self.iter_latest()} if keep_latest else {}
        kept = [r for r in records if r.fetched_at >= cutoff or newest.get(r.url) == r]
        self._rewrite_index(kept)
        self._delete_unreferenced({record.sha256 for record in kept})
        removed = len(records) - len(kept)
        log.info("raw archive %s: pruned %d response(s) older than %s", self.root, removed, cutoff)
        return removed

    def _write_blob(self, sha: str, content: bytes) -> None:
        target = self.blob_path(sha)
        if target.exists():
            return
        _atomic_write(target, gzip.compress(content, compresslevel=6, mtime=0))

    def _append_index(self, record: RawRecord) -> None:
        line = json.dumps(_record_json(record), ensure_ascii=False, separators=(",", ":")) + "\n"
        self.root.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.index_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line.encode("utf-8"))
        finally:
            os.close(fd)

    def _rewrite_index(self, records: list[RawRecord]) -> None:
        lines = [
            json.dumps(_record_json(r), ensure_ascii=False, separators=(",", ":")) + "\n"
            for r in records
        ]
        _atomic_write(self.index_path, "".join(lines).encode("utf-8"))

    def _delete_unreferenced(self, referenced: set[str]) -> None:
        objects = self.root / OBJECTS_DIR
        if not objects.exists():
            return
        for blob in objects.glob("*/*.gz"):
            if blob.name.removesuffix(".gz") not in referenced:
                blob.unlink(missing_ok=True)
        for leftover in objects.glob("*/.*.tmp"):  # a killed writer's temp file
            leftover.unlink(missing_ok=True)


@dataclass(frozen=True)
class SourceRawStore:
    """`RawStore.for_source(id)`: the same store, with every response tagged by its source."""

    store: RawStore
    source_id: str

    def put(
        self, *, url: str, content: bytes, headers: dict, status: int, fetched_at: datetime
    ) -> str:
        """Store one response of this source; returns the body's sha256."""
        return self.store.put(
            url=url,
            content=content,
            headers=headers,
            status=status,
            fetched_at=fetched_at,
            source_id=self.source_id,
        )


def _aware(moment: datetime) -> datetime:
    """Naive times are taken as UTC (fetch times are recorded in UTC)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _capped_headers(headers: dict) -> dict[str, str]:
    """Headers come from the server: keep at most MAX_HEADERS, each value capped."""
    items = list((headers or {}).items())[:MAX_HEADERS]
    return {str(name).lower()[:200]: str(value)[:MAX_HEADER_CHARS] for name, value in items}


def _record_json(record: RawRecord) -> dict:
    return {
        "url": record.url,
        "fetched_at": record.fetched_at.isoformat(),
        "sha256": record.sha256,
        "status": record.status,
        "headers": record.headers,
        "source_id": record.source_id,
    }


def _parse_line(line: str) -> RawRecord | None:
    """One index line -> RawRecord, or None when it is torn or not ours."""
    try:
        data = json.loads(line)
        return RawRecord(
            url=str(data["url"]),
            fetched_at=_aware(datetime.fromisoformat(data["fetched_at"])),
            sha256=str(data["sha256"]),
            status=int(data["status"]),
            headers=dict(data.get("headers") or {}),
            source_id=data.get("source_id"),
        )
    except (ValueError, KeyError, TypeError):
        return None


def _atomic_write(target: Path, data: bytes) -> None:
    """Write beside the target, then rename: readers see the old file or the new, never half."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(temp_name, target)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
