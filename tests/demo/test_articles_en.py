"""The English demo articles: well-formed, labelled, and spread the way the demo needs."""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest

from scrapers.demo.render import (
    DEMO_DIR,
    FIELDS,
    ArticleDataError,
    load_all_articles,
    load_articles,
)

EN_FILE = DEMO_DIR / "articles_en.jsonl"
EN_SOURCES = {  # every English built-in source has a few articles in the demo archive
    "sh-en-whatsnew": 10,
    "zj-en-latest": 12,
    "shio-en-press": 10,
    "sh-en-policies": 3,
    "js-en-bulletin": 2,
    "ah-en-news": 2,
    "govcn-en-news": 2,
    "govcn-en-policies": 2,
    "ndrc-en-press": 2,
}


@pytest.fixture(scope="module")
def articles():
    return load_articles(EN_FILE)


def words(article) -> int:
    return sum(len(p.split()) for p in article.paragraphs)


def test_at_least_forty_english_articles_with_unique_ids(articles) -> None:
    assert len(articles) >= 40
    assert len({a.id for a in articles}) == len(articles)


def test_each_article_is_80_to_300_words(articles) -> None:
    outside = [(a.id, words(a)) for a in articles if not 80 <= words(a) <= 300]
    assert outside == []


def test_articles_sit_on_english_sources_in_the_agreed_spread(articles) -> None:
    counts = Counter(a.source_id for a in articles)
    assert set(counts) == set(EN_SOURCES)
    for source_id, expected in EN_SOURCES.items():
        assert abs(counts[source_id] - expected) <= 2 and counts[source_id] >= 2, source_id


def test_every_field_has_three_followups(articles) -> None:
    per_field = Counter(f for a in articles if a.kind == "followup" for f in a.fields)
    assert {f: per_field[f] for f in FIELDS if per_field[f] < 3} == {}
    assert sum(1 for a in articles if len(a.fields) > 1) >= 5


def test_negatives_include_unrelated_news_and_near_misses(articles) -> None:
    kinds = Counter(a.kind for a in articles)
    assert kinds["unrelated"] >= 6 and kinds["near_miss"] >= 6
    assert all(a.fields == () for a in articles if a.kind != "followup")


def test_dates_span_the_monitoring_period(articles) -> None:
    dates = sorted(a.published for a in articles)
    assert datetime(2018, 6, 1) <= dates[0] < datetime(2019, 1, 1)
    assert datetime(2026, 1, 1) <= dates[-1] < datetime(2026, 11, 1)


def test_near_misses_name_the_delta_or_another_regional_strategy(articles) -> None:
    markers = (
        "Yangtze River Delta",
        "Greater Bay Area",
        "Beijing-Tianjin-Hebei",
        "Yangtze River Economic Belt",
        "Chengdu-Chongqing",
    )
    for article in (a for a in articles if a.kind == "near_miss"):
        text = " ".join(article.paragraphs)
        assert any(m in text for m in markers), article.id


def _write_line(tmp_path: Path, record: dict) -> Path:
    path = tmp_path / "articles_en.jsonl"
    path.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def _valid_record() -> dict:
    return json.loads(EN_FILE.read_text(encoding="utf-8").splitlines()[0])


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"published": "2024/08/01"}, "key 'published'"),
        ({"source_id": "nowhere"}, "key 'source_id'"),
        ({"kind": "maybe"}, "key 'kind'"),
        ({"fields": ["roads"]}, "key 'fields'"),
        ({"fields": []}, "non-empty exactly for follow-ups"),
        ({"paragraphs": []}, "key 'paragraphs'"),
    ],
)
def test_bad_lines_are_named_with_the_key_to_fix(tmp_path, change, message) -> None:
    record = _valid_record() | change
    with pytest.raises(ArticleDataError, match=message) as info:
        load_articles(_write_line(tmp_path, record))
    assert str(info.value).startswith("articles_en.jsonl:1:")
    assert "\n" not in str(info.value)


def test_missing_keys_and_broken_json_are_reported(tmp_path) -> None:
    record = _valid_record()
    del record["note"]
    with pytest.raises(ArticleDataError, match="missing key"):
        load_articles(_write_line(tmp_path, record))
    (tmp_path / "articles_en.jsonl").write_text("{not json\n", encoding="utf-8")
    with pytest.raises(ArticleDataError, match="not valid JSON"):
        load_articles(tmp_path / "articles_en.jsonl")


def test_duplicate_ids_across_files_are_refused(tmp_path) -> None:
    line = json.dumps(_valid_record(), ensure_ascii=False)
    (tmp_path / "articles_en.jsonl").write_text(line + "\n", encoding="utf-8")
    (tmp_path / "articles_zh.jsonl").write_text(line + "\n", encoding="utf-8")
    with pytest.raises(ArticleDataError, match="occurs twice"):
        load_all_articles(tmp_path)
