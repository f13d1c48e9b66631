"""Checks on the Chinese demo articles (scrapers/demo/articles_zh.jsonl).

The renderer turns these lines into site pages and the classifier is judged against their gold
labels, so a malformed line, an unknown field id or a label gap would silently skew the demo.
"""

import json
import re
from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest

from warehouse.catalog import FIELDS

ARTICLES_PATH = Path(__file__).resolve().parents[2] / "scrapers" / "demo" / "articles_zh.jsonl"

FIELD_IDS = set(FIELDS)
KINDS = {"followup", "unrelated", "near_miss"}
ZH_SOURCES = {  # the Chinese built-in sources (the demo-only blocked ah-zh-notices takes none)
    "sh-zh-news",
    "sh-zh-yaowen",
    "sh-zh-fgw",
    "shio-zh-ywts",
    "js-zh-news",
    "zj-zh-docs",
    "govcn-yaowen",
    "govcn-zhengce",
    "govcn-jiedu",
    "ndrc-zh-zdzl",
    "ndrc-zh-dffzgh",
    "ah-zh-news",
}
REQUIRED_KEYS = {
    "id": str,
    "source_id": str,
    "title": str,
    "published": str,
    "content_source": str,
    "paragraphs": list,
    "kind": str,
    "fields": list,
    "note": str,
}
EARLIEST = datetime(2018, 6, 1)
LATEST = datetime(2026, 10, 31, 23, 59)
CJK = re.compile(r"[\u4e00-\u9fff]")


def load_articles() -> list[dict]:
    """Parse every line, naming the line number when one is not a JSON object."""
    articles = []
    lines = ARTICLES_PATH.read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines, start=1):
        assert line.strip(), f"{ARTICLES_PATH.name}:{number} is blank"
        record = json.loads(line)
        assert isinstance(record, dict), f"{ARTICLES_PATH.name}:{number} is not an object"
        articles.append(record)
    return articles


@pytest.fixture(scope="module")
def articles() -> list[dict]:
    return load_articles()


def body_length(article: dict) -> int:
    """Characters of body text, the unit the brief's 200–600 bound is stated in."""
    return sum(len(paragraph) for paragraph in article["paragraphs"])


def test_file_has_at_least_forty_articles(articles):
    assert len(articles) >= 40


def test_ids_are_unique_and_well_formed(articles):
    ids = [article["id"] for article in articles]
    duplicates = [item for item, count in Counter(ids).items() if count > 1]
    assert not duplicates
    assert all(re.fullmatch(r"zh-\d{3}", item) for item in ids)


def test_required_keys_present_with_types(articles):
    for article in articles:
        for key, expected_type in REQUIRED_KEYS.items():
            assert isinstance(article.get(key), expected_type), (article.get("id"), key)
        assert article["title"].strip() and article["note"].strip(), article["id"]
        assert all(isinstance(p, str) and p.strip() for p in article["paragraphs"]), article["id"]


def test_kinds_and_sources_are_known(articles):
    for article in articles:
        assert article["kind"] in KINDS, article["id"]
        assert article["source_id"] in ZH_SOURCES, article["id"]


def test_field_ids_are_valid_and_match_kind(articles):
    for article in articles:
        fields = article["fields"]
        assert set(fields) <= FIELD_IDS, (article["id"], fields)
        assert len(fields) == len(set(fields)), article["id"]
        if article["kind"] == "followup":
            assert fields, f"{article['id']}: a follow-up needs at least one gold field"
        else:
            assert fields == [], f"{article['id']}: only follow-ups carry gold fields"


def test_every_field_has_three_followups(articles):
    per_field = Counter(
        field
        for article in articles
        if article["kind"] == "followup"
        for field in article["fields"]
    )
    thin = {field: per_field[field] for field in FIELD_IDS if per_field[field] < 3}
    assert not thin, f"fields with fewer than 3 zh follow-ups: {thin}"


def test_label_mix_has_negatives_of_both_kinds(articles):
    kinds = Counter(article["kind"] for article in articles)
    assert kinds["near_miss"] >= 6 and kinds["unrelated"] >= 6
    assert sum(1 for article in articles if len(article["fields"]) > 1) >= 4


def test_body_lengths_within_bounds(articles):
    out_of_bounds = {
        article["id"]: body_length(article)
        for article in articles
        if not 200 <= body_length(article) <= 600
    }
    assert not out_of_bounds


def test_published_parses_and_lies_in_demo_window(articles):
    for article in articles:
        published = datetime.strptime(article["published"], "%Y-%m-%d %H:%M")
        assert EARLIEST <= published <= LATEST, article["id"]


def test_text_is_chinese(articles):
    for article in articles:
        body = "".join(article["paragraphs"])
        assert len(CJK.findall(body)) > 0.7 * len(body), article["id"]
        assert CJK.search(article["title"]), article["id"]


def test_no_paragraph_is_reused(articles):
    paragraphs = Counter(p for article in articles for p in article["paragraphs"])
    assert not [p for p, count in paragraphs.items() if count > 1]


def test_listed_sources_fill_more_than_one_list_page(articles):
    """The paginated sources need more items than one list page holds to show paging."""
    from scrapers.demo.render import SITES

    per_source = Counter(article["source_id"] for article in articles)
    for source_id in ("sh-zh-news", "govcn-yaowen"):
        assert per_source[source_id] > SITES[source_id].per_page, source_id
    assert per_source["js-zh-news"] >= 8 and all(per_source[s] >= 2 for s in ZH_SOURCES)
