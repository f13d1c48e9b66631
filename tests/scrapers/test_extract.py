"""Article pages of every profile -> Release with a clean body, the right date and its method."""

from datetime import datetime
from pathlib import Path

import pytest

from scrapers.dates import SHANGHAI_TZ
from scrapers.encoding import decode_html
from scrapers.extract import (
    MAX_BODY_CHARS,
    MAX_TITLE_CHARS,
    ExtractionError,
    extract_article,
    join_pages,
)
from scrapers.listing import ListedLink
from scrapers.models import Release, Source
from scrapers.profiles import merge_rules

SITES = Path(__file__).parents[1] / "fixtures" / "sites"
FETCHED = datetime(2024, 8, 10, 12, 0, tzinfo=SHANGHAI_TZ)
FURNITURE = ("当前位置", "字号", "打印", "关闭窗口", "分享到", "扫一扫", "责任编辑", "主办单位",
             "ICP", "政府网站标识码", "相关文件", "相关解读", "一图读懂",
             "公交线路调研", "Copyright", "L M S", "Editor:", "Home>",
             "The current position", "中文版", "\u3000", "\xa0", "\u200b")  # fmt: skip


def source(cms: str | None, language: str = "zh", **article: object) -> Source:
    list_rules, article_rules = merge_rules(cms, {}, article)
    return Source(id=f"test-{cms}", name="test", region="other", language=language,
                  start_urls=("https://example.gov.cn/",), list=list_rules,
                  article=article_rules, cms=cms)  # fmt: skip


def extract(name: str, url: str, src: Source, listed: ListedLink | None = None) -> Release:
    html = decode_html((SITES / name).read_bytes(), None)
    return extract_article(html, url, src, FETCHED, listed)


def at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=SHANGHAI_TZ)


def assert_clean(body: str) -> None:
    leftovers = [marker for marker in FURNITURE if marker in body]
    assert not leftovers, f"furniture in body: {leftovers}"
    assert "\n\n\n" not in body and body == body.strip()


SH_URL = "http://www.shanghai.gov.cn/nw12344/20240730/5f0c3a9e2b7d4c1a8e6f9d0b1c2a3e4f.html"


def test_shanghai_zh_article_with_ratio_colon_pubdate() -> None:
    release = extract("shanghai-zh-article-ratio-colon.html", SH_URL, source("shanghai"))
    assert release.url == SH_URL.replace("http://", "https://")
    assert release.title == "本市发布推进长三角跨省公交线路互联互通工作方案"
    assert release.published_at == at(2024, 8, 1, 10, 30)  # meta, not the URL's 20240730
    assert release.content_source == "市交通委"
    assert release.body.startswith("为落实长三角区域一体化发展战略，方便沪苏浙皖毗邻地区")
    assert "\n\n方案提出，到2025年底" in release.body
    assert_clean(release.body)
    assert release.attachments == (
        "https://www.shanghai.gov.cn/cmsres/2a/2a1b3c4d5e6f/工作方案.pdf",
    )
    assert release.methods == {"title": "selector", "date": "meta", "source": "meta",
                               "body": "selector"}  # fmt: skip
    assert release.source_id == "test-shanghai" and release.language == "zh"
    assert release.fetched_at == FETCHED


def test_shanghai_en_article_date_from_byline() -> None:
    url = ("https://english.shanghai.gov.cn/en-Latest-WhatsNew/20240731/"
           "3c9e1f7a2b4d4e8f9a0b1c2d3e4f5a6b.html")  # fmt: skip
    release = extract("shanghai-en-article-byline.html", url, source("shanghai", "en"))
    assert release.title == (
        "Delta cities open shared booking platform for cross-border river ferries"
    )
    assert release.published_at == at(2024, 7, 31)
    assert release.methods["date"] == "auto"
    assert release.body.startswith("Passengers travelling between Shanghai's Qingpu district")
    assert "english.shanghai.gov.cn|" not in release.body
    assert_clean(release.body)


def test_legacy_gbk_page_without_meta_falls_back_to_automatic_extraction() -> None:
    url = "http://www.shanghai.gov.cn/nw2/nw2314/nw2319/nw12344/u26aw62708.html"
    release = extract("shanghai-zh-article-gbk-legacy.html", url, source("shanghai"))
    assert release.title == "市政府关于加强长三角地区环境联防联控的若干意见"
    assert release.published_at == at(2017, 3, 2)
    assert release.body.startswith("各区县人民政府，市政府各委、办、局：")
    assert "二、完善跨界河流水质监测网络" in release.body
    assert_clean(release.body)
    assert release.methods == {"title": "auto", "date": "auto", "body": "auto"}


@pytest.mark.parametrize(
    ("name", "expected"),
    [("govcn-article-firstpublished-dash.html", at(2024, 8, 2, 10, 15)),
     ("govcn-article-firstpublished-space.html", at(2023, 11, 20, 16, 5, 30))],
)  # fmt: skip
def test_govcn_both_firstpublishedtime_formats(name: str, expected: datetime) -> None:
    url = "https://www.gov.cn/yaowen/liebiao/202408/content_6971234.htm"
    release = extract(name, url, source("govcn"))
    assert release.published_at == expected
    assert release.methods["date"] == "meta"
    assert release.title.startswith(("国务院有关部门部署", "长三角一体化示范区生态环境"))
    assert release.content_source in {"新华社", "国家发展改革委网站"}  # "来源：" stripped
    assert_clean(release.body)


def test_govcn_body_paragraphs() -> None:
    url = "https://www.gov.cn/yaowen/liebiao/202408/content_6971234.htm"
    release = extract("govcn-article-firstpublished-dash.html", url, source("govcn"))
    assert release.body.split("\n\n") == [
        "记者从有关部门获悉，长三角科技创新共同体建设下一阶段将聚焦联合攻关、设施共享和成果转化三项重点任务。",
        "按照部署，沪苏浙皖将共同编制重大科研设施开放目录，推动区域内创新券通用通兑，并在集成电路、生物医药等领域组织联合攻关项目。",
        "有关负责人表示，相关任务将纳入年度工作要点，按季度调度进展。",
    ]


def test_hanweb_zh_article_with_attachments() -> None:
    url = "https://www.jiangsu.gov.cn/art/2024/7/30/art_60096_11299876.html"
    release = extract("hanweb-zh-article.html", url, source("hanweb"))
    assert release.title == "苏皖两省签署跨界河湖联保共治协议"
    assert release.published_at == at(2024, 7, 30, 9, 12)
    assert release.content_source == "新华日报"
    assert release.body.startswith("近日，江苏、安徽两省水利部门在南京签署跨界河湖联保共治协议")
    assert_clean(release.body)
    assert release.attachments == (
        "https://www.jiangsu.gov.cn/module/download/downfile.jsp?classid=0&filename=abc.ofd",
        "https://www.jiangsu.gov.cn/attach/0/2024联保共治协议要点.docx",
    )


def test_hanweb_en_article_updated_on_line() -> None:
    url = "http://en.jiangsu.gov.cn/art/2024/2/21/art_54128_10987654.html"
    release = extract("hanweb-en-article-updated-on.html", url, source("hanweb", "en"))
    assert release.title == "Jiangsu and Shanghai agree on joint river inspection scheme"
    assert release.published_at == at(2024, 2, 21, 10, 34)
    assert release.methods == {"title": "meta", "date": "auto", "body": "selector"}
    assert release.body.startswith("Water authorities of Jiangsu province and Shanghai")
    assert_clean(release.body)


def test_chinadaily_article() -> None:
    url = "https://www.ezhejiang.gov.cn/2024-08/05/c_1001234.htm"
    release = extract("chinadaily-article-byline.html", url, source("chinadaily", "en"))
    assert release.title == "Zhejiang ports join Delta customs clearance pilot"
    assert release.published_at == at(2024, 8, 5)
    assert release.methods["date"] == "selector"
    assert release.body.startswith("Ports in Ningbo and Zhoushan have joined a customs clearance")
    assert_clean(release.body)
    assert release.attachments == ("https://www.ezhejiang.gov.cn/attachments/2024/pilot-rules.pdf",)


def test_truecms_en_article_without_meta_or_configured_body() -> None:
    url = "https://en.shio.gov.cn/TrueCMS/shxwbgs/newss/content/20240116180000123.html"
    release = extract("truecms-en-article-dotted-date.html", url, source("truecms", "en"))
    assert release.title == "Press Release for Media Briefing on January 16, 2024"
    assert release.published_at == at(2024, 1, 16)
    assert release.methods == {"title": "auto", "date": "auto", "body": "auto"}
    assert release.body.startswith("The Shanghai Municipal Government held a media briefing")
    assert "2024.01.16" not in release.body
    assert_clean(release.body)


def test_no_meta_page_uses_trafilatura() -> None:
    url = "https://www.ah.gov.cn/zwyw/jryw/565497491.html"
    release = extract("anhui-article-no-meta.html", url, source(None))
    assert release.title == "合肥都市圈与南京都市圈深化公共服务合作"
    assert release.published_at == at(2024, 6, 18, 16, 20)
    assert release.body.startswith("记者从省发展改革委了解到")
    assert release.body.endswith("协调解决合作中遇到的问题。")
    assert_clean(release.body)
    assert release.methods["body"] == "auto"


def test_drifted_body_selector_falls_back_to_auto() -> None:
    url = "https://www.jiangsu.gov.cn/art/2024/7/30/art_60096_11299876.html"
    release = extract("hanweb-zh-article.html", url, source("hanweb", body="#gone"))
    assert release.methods["body"] == "auto"
    assert "跨界河湖联保共治协议" in release.body
    assert_clean(release.body)


def test_date_falls_back_to_list_then_url() -> None:
    html = (
        "<html><head><title>示范区召开工作会议</title></head><body><div id='zoom'>"
        "<p>示范区执委会召开工作会议，研究部署下阶段跨区域项目建设。</p></div></body></html>"
    )
    url = "https://www.jiangsu.gov.cn/art/2024/6/22/art_60096_11277076.html"
    listed = ListedLink(url, "示范区召开工作会议", at(2024, 6, 23), False)
    with_list = extract_article(html, url, source("hanweb"), FETCHED, listed)
    assert (with_list.published_at, with_list.methods["date"]) == (at(2024, 6, 23), "list")
    without = extract_article(html, url, source("hanweb"), FETCHED)
    assert (without.published_at, without.methods["date"]) == (at(2024, 6, 22), "url")


def test_page_date_beats_list_date() -> None:
    listed = ListedLink(SH_URL, "x", at(2024, 1, 1), False)
    release = extract("shanghai-zh-article-ratio-colon.html", SH_URL, source("shanghai"), listed)
    assert release.published_at == at(2024, 8, 1, 10, 30)


@pytest.mark.parametrize(
    ("name", "reason"),
    [("hanweb-block-knownsec.html", "error page"),
     ("anhui-wzws-challenge.html", "error page"),
     ("shanghai-error-404.html", "error page"),
     ("hanweb-article-furniture-only.html", "furniture only")],
)  # fmt: skip
def test_pages_that_are_not_articles_raise(name: str, reason: str) -> None:
    url = "https://www.jiangsu.gov.cn/art/2024/8/1/art_60096_1.html"
    with pytest.raises(ExtractionError) as caught:
        extract(name, url, source("hanweb"))
    assert caught.value.reason == reason
    assert url in str(caught.value)


def test_short_body_is_a_failure() -> None:
    html = (
        "<html><head><meta name='ArticleTitle' content='标题'></head>"
        "<body><p>短。</p></body></html>"
    )
    with pytest.raises(ExtractionError, match="no body"):
        extract_article(html, "https://www.ah.gov.cn/a/123456789.html", source(None), FETCHED)


def test_missing_title_is_a_failure() -> None:
    html = "<html><body><div id='zoom'><p>" + "正文内容" * 20 + "</p></div></body></html>"
    with pytest.raises(ExtractionError, match="no title"):
        extract_article(html, "https://www.ah.gov.cn/a/123456789.html", source("hanweb"), FETCHED)


def test_title_and_body_are_capped() -> None:
    html = (f"<html><head><meta name='ArticleTitle' content='{'长' * 900}'></head><body>"
            f"<div id='zoom'><p>{'三角' * 150_000}</p></div></body></html>")  # fmt: skip
    release = extract_article(html, "https://www.jiangsu.gov.cn/art/2024/1/2/art_1_2.html",
                              source("hanweb"), FETCHED)  # fmt: skip
    assert len(release.title) == MAX_TITLE_CHARS
    assert len(release.body) == MAX_BODY_CHARS


def test_page_wrapped_in_a_form_still_yields_its_text() -> None:
    html = ("<html><head><title>Delta rail link opens</title></head><body><form id='aspnetForm'>"
            "<div class='header'>Site header</div><h1>Delta rail link opens</h1>"
            "<div class='text'><p>A new intercity rail link between Suzhou and Jiaxing opened on "
            "Monday, cutting the journey to forty minutes.</p><p>Trains will run every half hour "
            "in both directions.</p></div></form></body></html>")  # fmt: skip
    release = extract_article(html, "https://www.ah.gov.cn/a/123456789.html", source(None, "en"),
                              FETCHED)  # fmt: skip
    assert release.body.startswith("A new intercity rail link between Suzhou and Jiaxing")


def test_number_404_in_a_real_title_is_not_an_error_page() -> None:
    html = ("<html><head><title>404 projects start across the delta</title></head><body>"
            "<h1>404 projects start across the delta</h1><div id='zoom'><p>"
            + "Construction began on hundreds of projects across the region this week. " * 40
            + "</p></div></body></html>")  # fmt: skip
    release = extract_article(html, "https://en.jiangsu.gov.cn/art/2024/3/1/art_1_2.html",
                              source("hanweb", "en"), FETCHED)  # fmt: skip
    assert release.title == "404 projects start across the delta"


# --- multi-page articles, attachments outside the body, wave-2 families ------------------------

CD_URL = "https://www.ezhejiang.gov.cn/2024-08/12/c_1001300.htm"


def test_join_pages_appends_continuation_bodies_in_order() -> None:
    first = extract("chinadaily-article-multipage.html", CD_URL, source("chinadaily", "en"))
    more = [(SITES / f"chinadaily-article-multipage-{n}.html").read_text("utf-8") for n in (2, 3)]
    joined = join_pages(first, more)
    paragraphs = joined.body.split("\n\n")
    assert paragraphs[0].startswith("Zhejiang, Jiangsu and Shanghai have agreed")
    assert paragraphs[2].startswith("The second part of the plan")
    assert paragraphs[-2].startswith("The final part names")
    assert "Updated:" not in joined.body and "<" not in joined.body
    assert joined.attachments == (
        "https://www.ezhejiang.gov.cn/attachments/2024/corridor-plan.pdf",
    )
    assert (joined.title, joined.published_at) == (first.title, first.published_at)
    assert joined.methods["pages"] == "3" and joined.content_hash != first.content_hash


def test_join_pages_skips_an_empty_page_and_repeated_paragraphs() -> None:
    first = extract("chinadaily-article-multipage.html", CD_URL, source("chinadaily", "en"))
    repeated = first.body.split("\n\n")[0] + "\n\nA new closing line from the last page."
    joined = join_pages(first, ["<html><body><div id='Content'></div></body></html>", repeated])
    assert joined.body.count("Zhejiang, Jiangsu and Shanghai have agreed") == 1
    assert joined.body.endswith("A new closing line from the last page.")


def test_attachments_outside_the_body_are_recorded() -> None:
    url = "https://www.ndrc.gov.cn/fggz/dqjj/zdzl/202408/t20240809_1391234.html"
    release = extract("trs-zh-article-enclosure.html", url, source("trs"))
    assert release.attachments == (
        "https://www.ndrc.gov.cn/fggz/dqjj/zdzl/202408/P020240809512345678901.pdf",
    )
    assert "附件" not in release.body and release.methods["body"] == "selector"
    fgw = extract(
        "shanghai-fgw-article-attachments.html",
        "https://fgw.sh.gov.cn/fgw_fzggdt/20240806/2e3f4a5b6c7d4e8f0a1b2c3d4e5f6a7b.html",
        source("shanghai"),
    )
    assert [a.rsplit("/", 1)[1] for a in fgw.attachments] == ["季度任务清单.xlsx", "会议纪要.pdf"]


def test_govcn_english_article_with_abbreviated_updated_line() -> None:
    url = "https://english.www.gov.cn/news/202408/09/content_WS66b5a1c2c6d0a1b2c3d4e5f6.html"
    release = extract("govcn-en-article-updated-abbrev.html", url, source("govcn", "en"))
    assert release.title == "State Council calls for faster integration of delta transport networks"
    assert release.published_at == at(2024, 8, 9, 9, 20)
    assert release.content_source == "Xinhua"
    assert release.body.startswith("BEIJING, Aug. 9 -- The State Council")
    assert_clean(release.body)


def test_page_without_charset_header_or_meta_decodes_as_utf8() -> None:
    raw = (SITES / "truecms-zh-article-no-charset.html").read_bytes()
    html = decode_html(raw, "iso-8859-1")  # what a client guesses without a charset header
    url = "https://www.shio.gov.cn/TrueCMS/shxwbgs/ywts/content/794bcf91-02a5-4666-bbeb-9ccfe23548ad.htm"
    release = extract_article(html, url, source("truecms"), FETCHED)
    assert release.title == "市政府新闻发布会介绍长三角示范区建设最新进展"
    assert release.published_at == at(2024, 7, 25)
    assert release.body.startswith("市政府新闻办今天举行新闻发布会")
