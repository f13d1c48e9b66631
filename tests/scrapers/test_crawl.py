"""Crawling a small Shanghai-shaped site served on loopback (all text below is invented)."""

from __future__ import annotations

import asyncio
import hashlib
import socket
from datetime import UTC, datetime

import httpx
import pytest

from scrapers.crawl import crawl_all, crawl_source, request_url
from scrapers.fetch import USER_AGENT, PoliteClient
from scrapers.models import SourceResult
from scrapers.registry import parse_sources

FIXED_NOW = datetime(2024, 8, 10, 2, 0, tzinfo=UTC)
HEX = {name: hashlib.md5(name.encode()).hexdigest() for name in "ABCDEFGHIJK"}  # noqa: S324


def article_path(name: str, day: int) -> str:
    return f"/nw4411/202408{day:02d}/{HEX[name]}.html"


def article_html(title: str, day: int, paragraphs: list[str]) -> str:
    body = "".join(f"<p>{text}</p>" for text in paragraphs)
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8">
<meta name="ArticleTitle" content="{title}">
<meta name="PubDate" content="2024-08-{day:02d} 10:30">
<meta name="ContentSource" content="市政府办公厅">
<title>{title}_上海市人民政府</title></head><body>
<div class="breadcrumb">当前位置：首页 &gt; 要闻动态</div>
<div id="ivs_title">{title}</div>
<div class="fontsize">字号：大 中 小</div>
<div id="ivs_content" class="trout-region-content">{body}</div>
<div class="share">分享到：微信 微博</div>
<div class="footer">主办单位：示例办公厅 政府网站标识码：3100000010 沪ICP备00000000号</div>
</body></html>"""


def list_html(items: list[tuple[str, str, str]]) -> str:
    rows = "".join(
        f'<li><a href="{href}" title="{title}">{title}</a> <span class="time">{date}</span></li>'
        for href, title, date in items
    )
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>要闻动态</title></head>
<body><div class="main"><ul class="tadaty-list uli14 nowrapli list-date">{rows}</ul></div>
<div class="pager">共 4 页</div></body></html>"""


ARTICLES = {
    "A": (
        "长三角示范区发布绿色交通试点方案",
        1,
        [
            "示例正文：示范区将在青浦、吴江、嘉善三地试行跨省公交一卡通。",
            "试点首批开通六条线路，年内完成站点改造。",
        ],
    ),
    "B": (
        "沪苏浙皖联合召开科技创新协同推进会",
        2,
        [
            "示例正文：四地科技部门约定共建共享大型科研仪器平台。",
            "会议明确了下一阶段的十项重点任务。",
        ],
    ),
    "C": (
        "上海发布数据要素流通三年行动",
        5,
        ["示例正文：行动提出建设长三角数据交易协作网络。", "到二〇二六年形成统一的数据登记规则。"],
    ),
    "D": (
        "长三角生态环境联防联治工作会议举行",
        6,
        ["示例正文：三省一市将联合开展太浦河水质监测。", "会议通报了跨界水体治理的阶段成果。"],
    ),
}
ERROR_PAGE = """<html><head><meta charset="utf-8"><title>页面不存在</title></head>
<body><div class="error">抱歉，您访问的页面不存在或已被删除！</div>
<a href="/">返回首页</a></body></html>"""
KNOWNSEC_PAGE = """<html><head><meta charset="utf-8"><title>访问被拦截</title></head><body>
<p>当前访问疑似黑客攻击，已被网站管理员设置为拦截。</p>
<p>如果您是网站管理员，请登录知道创宇云防御</p></body></html>"""


def closed_port() -> int:
    """A loopback port with nothing listening, for a connection that is refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def source_for(site, max_pages: int = 4, source_id: str = "sh-test", path: str = "/nw4411/"):
    text = f"""
[[source]]
id = "{source_id}"
name = "Loopback Shanghai"
region = "shanghai"
language = "zh"
start_urls = ["{site.url(path + "index.html")}"]
cms = "shanghai"
max_pages = {max_pages}
"""
    return parse_sources(text, "test.toml")[0]


class SleepLog:
    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def crawl(site, source, known: set[str] | None = None, **client_kwargs) -> SourceResult:
    async def run() -> SourceResult:
        async with PoliteClient(sleep=SleepLog(), **client_kwargs) as client:
            return await crawl_source(source, client, known or set(), now=lambda: FIXED_NOW)

    return asyncio.run(run())


@pytest.fixture
def shanghai_site(loopback_site):
    """2+ list pages, 4 good articles, a 404, an error page, a foreign host, a dead port."""
    site = loopback_site
    for name, (title, day, paragraphs) in ARTICLES.items():
        site.add(article_path(name, day), article_html(title, day, paragraphs))
    site.add(article_path("F", 7), ERROR_PAGE)
    dead = f"http://127.0.0.1:{closed_port()}{article_path('G', 8)}"
    page1 = [
        (article_path("A", 1), ARTICLES["A"][0], "2024-08-01"),
        (article_path("B", 2), ARTICLES["B"][0], "2024-08-02"),
        (article_path("H", 3), "一篇已被删除的旧闻", "2024-08-03"),
        (f"http://other.example{article_path('I', 4)}", "外站转载的消息", "2024-08-04"),
        ("/nw4411/files/plan.pdf", "行动方案全文（PDF）", "2024-08-04"),
    ]
    page2 = [
        (article_path("C", 5), ARTICLES["C"][0], "2024-08-05"),
        (article_path("D", 6), ARTICLES["D"][0], "2024-08-06"),
        (article_path("F", 7), "一则失效链接", "2024-08-07"),
        (dead, "服务器无响应的稿件", "2024-08-08"),
        (article_path("J", 9), "上次运行已收录的稿件", "2024-07-30"),
        (article_path("A", 1), ARTICLES["A"][0], "2024-08-01"),
    ]
    page3 = [
        (article_path("A", 1), ARTICLES["A"][0], "2024-08-01"),
        (article_path("C", 5), ARTICLES["C"][0], "2024-08-05"),
    ]
    page4 = [(article_path("K", 10), "不应被请求的第四页稿件", "2024-07-01")]
    for number, items in enumerate([page1, page2, page3, page4], 1):
        name = "index.html" if number == 1 else f"index_{number}.html"
        site.add(f"/nw4411/{name}", list_html(items))
    site.add(article_path("J", 9), article_html("已收录", 9, ["不应再次抓取的正文内容示例文字。"]))
    return site


def test_crawl_collects_new_articles_and_names_every_failure(shanghai_site) -> None:
    site = shanghai_site
    known = {site.url(article_path("J", 9))}
    result = crawl(site, source_for(site), known)

    titles = sorted(release.title for release in result.releases)
    assert titles == sorted(title for title, _, _ in ARTICLES.values())
    assert result.status == "partial"
    assert "3 of 7 articles failed" in result.error
    assert result.pages_crawled == 3

    outcomes = {record.url.replace(site.base_url, ""): record.outcome for record in result.fetches}
    assert outcomes[article_path("H", 3)] == "http_error"
    assert outcomes[article_path("F", 7)] == "extraction_failed"
    dead = [r for r in result.fetches if r.outcome == "network_error"]
    assert len(dead) == 1 and "connection failed" in dead[0].error
    assert [r.error for r in result.fetches if r.outcome == "http_error"] == ["HTTP 404"]
    assert [r.kind for r in result.fetches].count("list") == 3
    assert all(r.fetched_at == FIXED_NOW and r.source_id == "sh-test" for r in result.fetches)


def test_crawl_stays_on_source_hosts_and_skips_known_and_attachments(shanghai_site) -> None:
    site = shanghai_site
    crawl(site, source_for(site), {site.url(article_path("J", 9))})
    requested = site.paths
    assert article_path("I", 4) not in requested  # other.example: dropped, not even tried
    assert article_path("J", 9) not in requested  # known from an earlier run
    assert "/nw4411/files/plan.pdf" not in requested
    assert requested.count(article_path("A", 1)) == 1  # listed three times, fetched once
    assert "/nw4411/index_4.html" not in requested  # page 3 had nothing new: stop
    assert {agent for _, agent in site.requests} == {USER_AGENT}


def test_release_fields_come_from_the_page(shanghai_site) -> None:
    site = shanghai_site
    result = crawl(site, source_for(site))
    release = next(r for r in result.releases if r.title == ARTICLES["B"][0])
    served = site.routes[article_path("B", 2)].body
    assert release.raw_sha256 == hashlib.sha256(served).hexdigest()
    assert release.url == site.url(article_path("B", 2))
    assert release.source_id == "sh-test" and release.language == "zh"
    assert release.published_at.date().isoformat() == "2024-08-02"
    assert release.body.startswith("示例正文：四地科技部门")
    assert "主办单位" not in release.body and "分享到" not in release.body
    assert release.fetched_at == FIXED_NOW


def test_second_run_with_everything_known_fetches_only_page_one(shanghai_site) -> None:
    site = shanghai_site
    first = crawl(site, source_for(site))
    known = {release.url for release in first.releases} | {
        record.url for record in first.fetches if record.kind == "article"
    }
    site.requests.clear()
    second = crawl(site, source_for(site), known)
    assert site.paths == ["/nw4411/index.html"]
    assert second.releases == [] and second.status == "ok"


def test_max_pages_bounds_the_list_walk(shanghai_site) -> None:
    site = shanghai_site
    result = crawl(site, source_for(site, max_pages=1))
    assert result.pages_crawled == 1
    assert not any("index_2" in path for path in site.paths)


def test_list_page_http_error_fails_the_source(loopback_site) -> None:
    site = loopback_site
    site.add("/nw4411/index.html", "<html><body>Internal error</body></html>", status=500)
    result = crawl(site, source_for(site))
    assert result.status == "failed"
    assert result.error == f"list page {site.url('/nw4411/index.html')} : HTTP 500"
    assert site.paths.count("/nw4411/index.html") == 3  # two retries, one fetch record
    assert [(r.kind, r.outcome, r.status) for r in result.fetches] == [("list", "http_error", 500)]


def test_list_selector_drift_fails_the_source_with_the_selector(loopback_site) -> None:
    site = loopback_site
    site.add(
        "/nw4411/index.html",
        "<html><body><div class='new-layout'><a href='/x'>新版</a></div></body></html>",
    )
    result = crawl(site, source_for(site))
    assert result.status == "failed"
    assert result.error == (
        f"selector 'ul.tadaty-list li a[href]' matched nothing on {site.url('/nw4411/index.html')}"
    )
    assert result.fetches[0].outcome == "selector_error"


def test_block_page_on_the_list_marks_the_source_blocked(loopback_site) -> None:
    site = loopback_site
    site.add("/nw4411/index.html", KNOWNSEC_PAGE)
    result = crawl(site, source_for(site))
    assert result.status == "blocked"
    assert "knownsec" in result.error and site.url("/nw4411/index.html") in result.error
    assert result.fetches[0].outcome == "blocked"
    assert result.releases == []


def test_unreachable_list_page_is_a_network_failure(loopback_site) -> None:
    site = loopback_site
    site.base_url = f"http://127.0.0.1:{closed_port()}"
    result = crawl(site, source_for(site), retries=0)
    assert result.status == "failed"
    assert result.error.startswith(f"list page {site.url('/nw4411/index.html')} : connection")
    assert result.fetches[0].outcome == "network_error" and result.fetches[0].status is None


def test_crawl_all_runs_sources_over_one_client_and_isolates_failures(shanghai_site) -> None:
    site = shanghai_site
    site.add("/broken/index.html", "<html><body>oops</body></html>", status=404)
    good = source_for(site, source_id="good")
    broken = source_for(site, source_id="broken", path="/broken/")
    known = {"good": {site.url(article_path("J", 9))}}
    results = asyncio.run(crawl_all([good, broken], known, sleep=SleepLog()))
    assert [r.source_id for r in results] == ["good", "broken"]
    assert results[0].status == "partial" and len(results[0].releases) == 4
    assert results[1].status == "failed" and results[1].error.endswith(": HTTP 404")


def test_oversized_article_is_recorded_too_large(loopback_site) -> None:
    site = loopback_site
    title, day, paragraphs = ARTICLES["A"]
    site.add(article_path("A", day), article_html(title, day, paragraphs * 400))
    site.add("/nw4411/index.html", list_html([(article_path("A", day), title, "2024-08-01")]))
    result = crawl(site, source_for(site), max_bytes=20_000)
    article = next(r for r in result.fetches if r.kind == "article")
    assert (article.outcome, article.error) == ("too_large", "response larger than 20000 bytes")
    assert result.status == "partial"


def test_request_url_keeps_the_scheme_the_source_is_served_on() -> None:
    schemes = {"en.shio.gov.cn": "http"}
    url = "https://en.shio.gov.cn/TrueCMS/shxwbgs/newss/content/20240725233654352.html"
    assert request_url(url, schemes, "https").startswith("http://en.shio.gov.cn/TrueCMS/")
    assert request_url("https://static.shio.gov.cn/a.html", schemes, "https").startswith("https:")


def test_sources_sharing_a_host_share_its_throttle() -> None:
    """Two sources on one host: every request starts >= delay after the previous one."""
    clock = {"now": 0.0}
    starts: list[float] = []
    pages = {
        f"/col{n}/index.html": list_html([(article_path(name, 1), name * 12, "2024-08-01")])
        for n, name in ((1, "A"), (2, "B"))
    }
    pages |= {
        article_path(name, 1): article_html(f"标题{name}示例文字", 1, ARTICLES[name][2])
        for name in ("A", "B")
    }

    def handler(request: httpx.Request) -> httpx.Response:
        starts.append(clock["now"])
        return httpx.Response(200, text=pages[request.url.path])

    async def fake_sleep(seconds: float) -> None:
        clock["now"] += seconds

    sources = [
        parse_sources(
            f"""
[[source]]
id = "s{n}"
name = "Column {n}"
region = "shanghai"
language = "zh"
start_urls = ["https://www.shanghai.gov.cn/col{n}/index.html"]
cms = "shanghai"
max_pages = 1
""",
            "t.toml",
        )[0]
        for n in (1, 2)
    ]
    results = asyncio.run(
        crawl_all(
            sources,
            {},
            transport=httpx.MockTransport(handler),
            sleep=fake_sleep,
            clock=lambda: clock["now"],
        )
    )
    assert [len(result.releases) for result in results] == [1, 1]
    assert len(starts) == 4
    assert all(later - earlier >= 2.0 for earlier, later in zip(starts, starts[1:], strict=False))


def test_source_encoding_overrides_a_lying_charset_header(loopback_site) -> None:
    site = loopback_site
    title, day, paragraphs = ARTICLES["C"]
    legacy = article_html(title, day, paragraphs).encode("gbk")  # header and meta say utf-8
    site.add(article_path("C", day), legacy)
    site.add("/nw4411/index.html", list_html([(article_path("C", day), title, "2024-08-05")]))
    source = parse_sources(
        f"""
[[source]]
id = "legacy"
name = "Legacy GBK column"
region = "shanghai"
language = "zh"
start_urls = ["{site.url("/nw4411/index.html")}"]
cms = "shanghai"
encoding = "gbk"
""",
        "t.toml",
    )[0]
    result = crawl(site, source)
    assert [release.title for release in result.releases] == [title]
    assert result.releases[0].body.startswith("示例正文：行动提出")


def test_malformed_known_urls_are_ignored(shanghai_site) -> None:
    site = shanghai_site
    known = {"ftp://files.example.org/x", "not a url", site.url(article_path("J", 9))}
    result = crawl(site, source_for(site), known)
    assert len(result.releases) == 4


def chinadaily_list(ids: list[int], next_href: str | None) -> str:
    items = "".join(
        f'<li><h4><a href="//www.ezhejiang.gov.cn/2024-08/05/c_{n}.htm">Zhejiang item '
        f"{n}</a></h4><b>2024-08-05</b></li>"
        for n in ids
    )
    pager = f'<div id="div_currpage"><a href="{next_href}" class="pagestyle">Next</a></div>'
    return (
        f'<html><body><div class="tw3_01_2"><ul>{items}</ul></div>'
        f"{pager if next_href else ''}</body></html>"
    )


def chinadaily_article(n: int) -> str:
    return (
        f'<html><head><meta charset="utf-8"></head><body><div>Home&gt; Latest</div>'
        f"<h1>Zhejiang sample story number {n}</h1>"
        f'<div class="info">ezhejiang.gov.cn| Updated: August 5, 2024 '
        f'<span class="fz">L M S</span></div><div id="Content"><p>Invented sample text about '
        f"river delta cooperation, story {n}, long enough to count as a body.</p></div>"
        f"</body></html>"
    )


def test_next_link_pagination_stays_on_the_source_hosts() -> None:
    pages = {
        "/latest/index.html": chinadaily_list([101, 102], "index_2.html"),
        "/latest/index_2.html": chinadaily_list([103], "https://elsewhere.example/latest/3.html"),
    } | {f"/2024-08/05/c_{n}.htm": chinadaily_article(n) for n in (101, 102, 103)}
    requested: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        requested.append(str(request.url))
        return httpx.Response(200, text=pages[request.url.path])

    source = parse_sources(
        """
[[source]]
id = "zj-en"
name = "Zhejiang English"
region = "zhejiang"
language = "en"
start_urls = ["https://www.ezhejiang.gov.cn/latest/index.html"]
cms = "chinadaily"
max_pages = 5
""",
        "t.toml",
    )[0]
    result = asyncio.run(
        crawl_all([source], {}, transport=httpx.MockTransport(handler), sleep=SleepLog())
    )[0]
    assert result.status == "ok" and result.pages_crawled == 2
    assert sorted(r.title for r in result.releases) == [
        f"Zhejiang sample story number {n}" for n in (101, 102, 103)
    ]
    assert not any("elsewhere.example" in url for url in requested)


def test_hanweb_datastore_reads_only_the_first_list_page() -> None:
    records = "".join(
        f'<record><![CDATA[<li><a href="/art/2024/8/{d}/art_60096_1130000{d}.html" '
        f'title="江苏示例要闻{d}">江苏示例要闻{d}</a><span>2024-08-0{d}</span></li>]]></record>'
        for d in (3, 4)
    )
    list_page = (
        f'<html><body><div id="356383"><script type="text/xml"><datastore>'
        f"<recordset>{records}</recordset></datastore></script></div></body></html>"
    )
    requested: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        requested.append(request.url.path)
        if request.url.path.endswith("index.html"):
            return httpx.Response(200, text=list_page)
        day = request.url.path.split("/")[4]
        return httpx.Response(
            200,
            text=f"""<html><head><meta charset="utf-8">
<meta name="ArticleTitle" content="江苏示例要闻{day}">
<meta name="PubDate" content="2024-08-0{day} 09:12"></head><body>
<div id="zoom"><p>示例正文：江苏省与沪浙皖共同推进长三角一体化示例项目第{day}号。</p></div>
</body></html>""",
        )

    source = parse_sources(
        """
[[source]]
id = "js"
name = "Jiangsu"
region = "jiangsu"
language = "zh"
start_urls = ["https://www.jiangsu.gov.cn/col/col60096/index.html"]
cms = "hanweb"
""",
        "t.toml",
    )[0]
    result = asyncio.run(
        crawl_all([source], {}, transport=httpx.MockTransport(handler), sleep=SleepLog())
    )[0]
    assert result.status == "ok" and result.pages_crawled == 1
    assert sorted(r.title for r in result.releases) == ["江苏示例要闻3", "江苏示例要闻4"]
    assert [p for p in requested if "/col/" in p] == ["/col/col60096/index.html"]


def test_undated_article_is_stored_and_named_bad_date(loopback_site) -> None:
    site = loopback_site
    site.add(
        "/news/index.html",
        '<html><body><ul class="news"><li><a href="/news/a1.html">无日期的通知</a></li></ul>'
        "</body></html>",
    )
    site.add(
        "/news/a1.html",
        "<html><head><meta charset='utf-8'><title>无日期的通知</title></head><body>"
        "<h1>无日期的通知</h1><div id='body'><p>示例正文：这是一则没有任何发布日期信息的通知，"
        "用于检验日期缺失时的记录方式。</p></div></body></html>",
    )
    text = f"""
[[source]]
id = "undated"
name = "Undated"
region = "other"
language = "zh"
start_urls = ["{site.url("/news/index.html")}"]
[source.list]
links = "ul.news li a"
[source.article]
title = "h1"
body = "#body"
"""
    result = crawl(site, parse_sources(text, "t.toml")[0])
    assert [r.title for r in result.releases] == ["无日期的通知"]
    assert result.releases[0].published_at is None
    article = [f for f in result.fetches if f.kind == "article"][0]
    assert article.outcome == "bad_date" and "no parseable publication date" in article.error
    assert result.status == "partial"
