"""The raw archive: content-addressed, compressed, atomic, latest per URL, with retention."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from scrapers.rawstore import RawStore, raw_root_for

T0 = datetime(2026, 1, 10, 8, 0, tzinfo=UTC)
PAGE = "<html><body><h1>长三角一体化</h1><p>An invented page.</p></body></html>"


def _put(store, url: str, body: bytes, when: datetime, **extra) -> str:
    headers = extra.pop("headers", {"Content-Type": "text/html; charset=gbk"})
    return store.put(url=url, content=body, headers=headers, status=200, fetched_at=when, **extra)


def test_identical_bodies_are_stored_once_and_every_fetch_is_indexed(tmp_path: Path) -> None:
    store = RawStore(tmp_path)
    body = PAGE.encode("gb18030") * 20
    first = _put(store, "https://a.gov.cn/1.html", body, T0)
    second = _put(store, "https://a.gov.cn/2.html", body, T0 + timedelta(minutes=1))
    assert first == second and len(first) == 64
    blobs = list((tmp_path / "objects").glob("*/*.gz"))
    assert [blob.name for blob in blobs] == [f"{first}.gz"]
    assert blobs[0].stat().st_size < len(body) / 4, "bodies are compressed"
    assert gzip.decompress(blobs[0].read_bytes()) == store.read(first) == body
    assert len(list(store.records())) == 2


def test_the_index_keeps_what_a_reparse_needs(tmp_path: Path) -> None:
    store = RawStore(tmp_path).for_source("js-zh-news")
    _put(store, "https://a.gov.cn/1.html", b"x", T0)
    (record,) = RawStore(tmp_path).records()
    assert record.url == "https://a.gov.cn/1.html"
    assert record.fetched_at == T0 and record.status == 200
    assert record.headers == {"content-type": "text/html; charset=gbk"}
    assert record.source_id == "js-zh-news"


def test_latest_response_per_url_wins(tmp_path: Path) -> None:
    store = RawStore(tmp_path)
    _put(store, "https://a.gov.cn/1.html", b"old", T0)
    newest = _put(store, "https://a.gov.cn/1.html", b"new", T0 + timedelta(days=2))
    _put(store, "https://a.gov.cn/1.html", b"in between", T0 + timedelta(days=1))
    _put(store, "https://a.gov.cn/2.html", b"other", T0)
    latest = {record.url: record.sha256 for record in store.iter_latest()}
    assert latest["https://a.gov.cn/1.html"] == newest
    assert store.read(newest) == b"new"
    assert len(latest) == 2


def test_a_torn_last_line_from_a_killed_writer_is_skipped(tmp_path: Path) -> None:
    store = RawStore(tmp_path)
    _put(store, "https://a.gov.cn/1.html", b"kept", T0)
    with store.index_path.open("a", encoding="utf-8") as handle:
        handle.write('{"url": "https://a.gov.cn/2.html", "fetched_')
    assert [record.url for record in store.iter_latest()] == ["https://a.gov.cn/1.html"]


def test_prune_drops_superseded_old_responses_but_keeps_the_latest_of_every_url(
    tmp_path: Path,
) -> None:
    store = RawStore(tmp_path, retention_days=30)
    old = _put(store, "https://a.gov.cn/1.html", b"old version", T0)
    new = _put(store, "https://a.gov.cn/1.html", b"new version", T0 + timedelta(days=40))
    lone = _put(store, "https://a.gov.cn/2.html", b"only version", T0)
    removed = store.prune(T0 + timedelta(days=60))
    assert removed == 1
    assert {record.sha256 for record in store.records()} == {new, lone}
    assert not store.blob_path(old).exists()
    assert store.read(lone) == b"only version"


def test_prune_without_keep_latest_is_a_plain_retention_window(tmp_path: Path) -> None:
    store = RawStore(tmp_path, retention_days=30)
    _put(store, "https://a.gov.cn/1.html", b"old", T0)
    assert store.prune(T0 + timedelta(days=31), keep_latest=False) == 1
    assert list(store.records()) == []
    assert RawStore(tmp_path, retention_days=None).prune(T0 + timedelta(days=999)) == 0


def test_hostile_headers_are_capped(tmp_path: Path) -> None:
    store = RawStore(tmp_path)
    headers = {f"x-h{i}": "v" * 10_000 for i in range(200)}
    _put(store, "https://a.gov.cn/1.html", b"x", T0, headers=headers)
    (record,) = store.records()
    assert len(record.headers) == 50
    assert max(len(value) for value in record.headers.values()) == 2_000


def test_retention_must_be_positive(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="retention_days"):
        RawStore(tmp_path, retention_days=0)


def test_each_warehouse_has_its_own_archive_beside_it() -> None:
    assert raw_root_for(Path("data/yrdwatch.duckdb")) == Path("data/raw/yrdwatch")
    assert raw_root_for(Path("data/demo.duckdb")) == Path("data/raw/demo")
