"""The digest's HTML and JSON renderings: hostile scraped text stays inert."""

import json
from datetime import date

from warehouse.digest import Digest, DigestItem, SourceProblem, render_markdown
from warehouse.digest_formats import render_html, write_formats

HOSTILE = 'Plan <script>alert("x")</script> [click](javascript:alert(1)) <img src=x onerror=y>'


def hostile_digest() -> Digest:
    item = DigestItem(
        url="https://www.gov.cn/yaowen/liebiao/202408/content_1234567.htm",
        title=HOSTILE,
        source_id="govcn-yaowen",
        published_on=date(2024, 8, 2),
        commitment_id="transport.rail",
        commitment_title="Inter-provincial railways",
        field="transport",
        score=0.71,
        terms=["沪苏湖铁路", "<b>bold</b>"],
        sentences=["沪苏湖铁路开通运营。<iframe src=//evil></iframe>"],
        story_id="s1",
    )
    problem = SourceProblem("js-zh-news", "blocked", "Knownsec <div>block</div> page", 0)
    return Digest("run-1", "live", date(2024, 8, 3), [item], [problem], 1, 0)


def test_html_escapes_scraped_markup_and_keeps_safe_links():
    digest = hostile_digest()
    page = render_html(render_markdown(digest), "yrdwatch digest")
    assert "<script" not in page and "<iframe" not in page and "<img" not in page
    assert "&lt;script&gt;" in page
    assert 'href="javascript:' not in page
    assert 'href="https://www.gov.cn/yaowen/liebiao/202408/content_1234567.htm"' in page
    assert "沪苏湖铁路" in page and "Transport connection" in page


def test_json_has_items_evidence_and_problems(tmp_path):
    digest = hostile_digest()
    paths = write_formats(digest, render_markdown(digest), tmp_path)
    data = json.loads(paths["json"].read_text(encoding="utf-8"))
    assert data["run_id"] == "run-1" and data["run_date"] == "2024-08-03"
    assert data["items"][0]["title"] == HOSTILE  # data stays exact; escaping is the renderer's job
    assert data["items"][0]["published_on"] == "2024-08-02"
    assert data["problems"][0]["status"] == "blocked"
    assert paths["html"].name == "digest-run-1.html"
