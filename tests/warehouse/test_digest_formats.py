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


def story_item(url, title, story_reason, score, commitment="transport.rail", language="zh"):
    return DigestItem(
        url=url,
        title=title,
        source_id=f"{language}-site",
        published_on=date(2024, 12, 26),
        commitment_id=commitment,
        commitment_title="Inter-provincial railways",
        field="transport",
        score=score,
        terms=["沪苏湖铁路"],
        sentences=[f"evidence of {url}"],
        story_id="https://a.cn/zh",
        story_reason=story_reason,
    )


def test_markdown_lists_a_story_once_with_its_translation_and_reprint():
    items = [
        story_item("https://b.cn/en", "Railway opens", "translation", 0.95, "transport", "en"),
        story_item("https://a.cn/zh", "沪苏湖铁路开通", "first", 0.80),
        story_item("https://c.cn/zh", "沪苏湖铁路开通！", "copy", 0.80),
    ]
    markdown = render_markdown(Digest("run-1", "live", date(2024, 12, 27), items, [], 3, 0))
    assert "1 stories (3 releases, 3 links)" in markdown
    section = markdown.split("(`transport.rail`)")[1]
    assert section.count("\n- ") == 1 and "evidence of https://a.cn/zh" in section
    assert "evidence of https://b.cn/en" not in markdown  # one story, quoted once
    assert (
        "  - translation: [Railway opens](https://b.cn/en) — en-site, 2024-12-26; also: `transport`"
        in section
    )  # the translation alone links the field-level commitment: it is named, not dropped
    assert "  - reprint: [沪苏湖铁路开通！](https://c.cn/zh)" in section


def test_a_translation_whose_original_came_earlier_says_what_it_translates():
    late = story_item("https://b.cn/en", "Railway opens", "translation", 0.9, language="en")
    markdown = render_markdown(Digest("run-2", "live", date(2024, 12, 28), [late], [], 1, 0))
    assert "- [Railway opens](https://b.cn/en)" in markdown
    assert "; translation of [https://a.cn/zh](https://a.cn/zh)" in markdown


def test_releases_of_a_story_begun_in_an_earlier_run_are_not_mislabelled():
    items = [
        story_item("https://b.cn/en", "Railway opens", "translation", 0.9, language="en"),
        story_item("https://c.cn/zh", "沪苏湖铁路开通！", "copy", 0.8),
    ]
    markdown = render_markdown(Digest("run-2", "live", date(2024, 12, 28), items, [], 2, 0))
    assert "; translation of [https://a.cn/zh](https://a.cn/zh)" in markdown
    assert "  - same story: [沪苏湖铁路开通！](https://c.cn/zh)" in markdown  # not "reprint"


def test_stories_under_a_commitment_are_listed_newest_first():
    old = story_item("https://o.cn/1", "Old news", "first", 0.99)
    new = story_item("https://n.cn/2", "New news", "first", 0.50)
    old.story_id, new.story_id = old.url, new.url
    old.published_on = date(2020, 1, 1)
    markdown = render_markdown(Digest("run-1", "live", date(2024, 12, 28), [old, new], [], 2, 0))
    assert markdown.index("New news") < markdown.index("Old news")


def test_evidence_skips_the_headline_and_attachment_lines_and_terms_show_whole():
    from warehouse.digest import _digest_item

    title = "Delta  demonstration zone marks five years"
    evidence = {
        "terms": ["ecological green integrated development demonstration zone"],
        "sentences": [
            "Delta demonstration zone marks five years",
            "Attachment: plan of the zone (full text).pdf",
            "附件1：示范区规划.pdf",
            "Qingpu, Wujiang and Jiashan opened 12 cross-boundary bus routes.",
        ],
    }
    row = ("https://a.gov.cn/1.html", title, "src", date(2024, 5, 1), "environment.zone")
    row += ("Zone", "environment", 0.8, json.dumps(evidence), None, "first", False)
    item = _digest_item(row)
    assert item.sentences == ["Qingpu, Wujiang and Jiashan opened 12 cross-boundary bus routes."]
    text = render_markdown(Digest("run-1", "live", date(2024, 5, 2), [item], [], 1, 0))
    assert "ecological green integrated development demonstration zone" in text


def test_terms_that_match_the_same_words_show_once():
    from warehouse.digest import _distinct_terms

    terms = ["grids", "ultra-high voltage", "ultra-high-voltage", "digitalisation"]
    assert _distinct_terms([*terms, "digitalization", "長三角", "长三角"]) == [
        "grids",
        "ultra-high voltage",
        "digitalisation",
        "長三角",
    ]
