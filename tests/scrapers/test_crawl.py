"""Crawling a small Shanghai-shaped site served on loopback (all text below is invented)."""

from __future__ import annotations

import asyncio
import hashlib
import socket
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from scrapers.crawl import crawl_all, crawl_source, request_url
from scrapers.fetch import USER_AGENT, PoliteClient
from scrapers.models import Source, SourceResult
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


def list_records(result: SourceResult) -> list:
    return [record for record in result.fetches if record.kind == "list"]


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
    site.add_reset(article_path("G", 8))
    other_port = f"http://127.0.0.1:{closed_port()}{article_path('E', 8)}"
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
        (article_path("G", 8), "服务器无响应的稿件", "2024-08-08"),
        (other_port, "另一端口上的稿件", "2024-08-08"),
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
    assert len(dead) == 1 and dead[0].error.startswith("connection reset")
    assert not any(article_path("E", 8) in r.url for r in result.fetches)  # another port
    assert [r.error for r in result.fetches if r.outcome == "http_error"] == ["HTTP 404"]
    assert [r.kind for r in result.fetches].count("list") == 3
    assert [r.kind for r in result.fetches].count("robots") == 1
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
    assert site.paths == ["/robots.txt", "/nw4411/index.html"]  # robots.txt: once per run
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
    assert [(r.kind, r.outcome, r.status) for r in result.fetches] == [
        ("robots", "ok", 404),
        ("list", "http_error", 500),
    ]


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
    assert list_records(result)[0].outcome == "selector_error"


def test_block_page_on_the_list_marks_the_source_blocked(loopback_site) -> None:
    site = loopback_site
    site.add("/nw4411/index.html", KNOWNSEC_PAGE)
    result = crawl(site, source_for(site))
    assert result.status == "blocked"
    assert "knownsec" in result.error and site.url("/nw4411/index.html") in result.error
    assert list_records(result)[0].outcome == "blocked"
    assert result.releases == []


def test_unreachable_list_page_is_a_network_failure(loopback_site) -> None:
    site = loopback_site
    site.base_url = f"http://127.0.0.1:{closed_port()}"
    result = crawl(site, source_for(site), retries=0)
    assert result.status == "failed"
    assert result.error.startswith(f"list page {site.url('/nw4411/index.html')} : connection")
    assert [(r.kind, r.outcome, r.status) for r in result.fetches] == [
        ("robots", "network_error", None),
        ("list", "network_error", None),
    ]


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
        return httpx.Response(200, text=pages.get(request.url.path, "User-agent: *\nAllow: /"))

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
    assert len(starts) == 5  # robots.txt once, 2 list pages, 2 articles
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
        if request.url.path == "/robots.txt":
            return httpx.Response(404)
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
        if request.url.path == "/robots.txt":
            return httpx.Response(404)
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


# --- conditional list requests, re-checks, raw archive, budget, hosts -----------------------

SH_LIST = "https://www.shanghai.gov.cn/nw4411/index.html"


def public_source(max_pages: int = 2, **extra: str) -> Source:
    lines = "".join(f"{key} = {value}\n" for key, value in extra.items())
    text = f"""
[[source]]
id = "sh-public"
name = "Shanghai news"
region = "shanghai"
language = "zh"
start_urls = ["{SH_LIST}"]
cms = "shanghai"
max_pages = {max_pages}
{lines}"""
    return parse_sources(text, "t.toml")[0]


class EtagSite:
    """A MockTransport site answering If-None-Match like a real server, or (lying) always 304."""

    def __init__(self, pages: dict[str, str], lying: bool = False) -> None:
        self.pages = pages
        self.lying = lying
        self.log: list[tuple[str, str | None]] = []  # path, If-None-Match sent

    def handler(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        self.log.append((path, request.headers.get("if-none-match")))
        if path not in self.pages:
            return httpx.Response(404, text="<html><body>不存在</body></html>")
        body = self.pages[path]
        etag = '"' + hashlib.sha256(body.encode()).hexdigest()[:16] + '"'
        asked = request.headers.get("if-none-match")
        if asked and (asked == etag or self.lying):
            return httpx.Response(304, headers={"ETag": asked})
        return httpx.Response(200, text=body, headers={"ETag": etag})

    def crawl(self, source: Source, known=(), now: datetime = FIXED_NOW, **options):
        async def run() -> SourceResult:
            transport = httpx.MockTransport(self.handler)
            async with PoliteClient(transport=transport, sleep=SleepLog()) as client:
                return await crawl_source(source, client, set(known), now=lambda: now, **options)

        return asyncio.run(run())


def sh_site(names: str, lying: bool = False) -> EtagSite:
    pages = {
        article_path(name, ARTICLES[name][1]): article_html(*ARTICLES[name]) for name in "ABCD"
    }
    items = [(article_path(n, ARTICLES[n][1]), ARTICLES[n][0], "2024-08-01") for n in names]
    pages["/nw4411/index.html"] = list_html(items)
    pages["/nw4411/index_2.html"] = list_html([])
    return EtagSite(pages, lying)


def add_to_front_page(site: EtagSite, name: str) -> None:
    items = [(article_path(n, ARTICLES[n][1]), ARTICLES[n][0], "2024-08-01") for n in name + "AB"]
    site.pages["/nw4411/index.html"] = list_html(items)


def test_a_304_on_page_one_means_nothing_new_and_stops_there() -> None:
    site = sh_site("AB")
    first = site.crawl(public_source())
    stored = first.list_validators[SH_LIST]
    assert stored["etag"] and stored["verified_at"] == FIXED_NOW.isoformat()
    assert {"body_sha256", "links_sha256", "last_modified"} <= set(stored)

    site.log.clear()
    known = {release.url for release in first.releases}
    second = site.crawl(public_source(), known, validators=first.list_validators)
    assert site.log == [("/robots.txt", None), ("/nw4411/index.html", stored["etag"])]
    assert [(r.kind, r.outcome, r.bytes) for r in second.fetches] == [
        ("robots", "ok", len("<html><body>不存在</body></html>".encode())),
        ("list", "not_modified", 0),
    ]
    assert second.status == "ok" and second.releases == []
    assert second.list_validators[SH_LIST] == stored


def test_a_server_that_answers_304_wrongly_is_caught_and_asked_plainly_from_then_on() -> None:
    site = sh_site("AB", lying=True)
    first = site.crawl(public_source())
    known = {release.url for release in first.releases}
    add_to_front_page(site, "C")  # a new article, yet the server keeps saying 304

    soon = site.crawl(public_source(), known, FIXED_NOW + timedelta(hours=2),
                      validators=first.list_validators)  # fmt: skip
    assert soon.releases == []  # within a day of the last full copy, a 304 is believed

    site.log.clear()
    later = site.crawl(public_source(), known, FIXED_NOW + timedelta(days=2),
                       validators=first.list_validators)  # fmt: skip
    assert [r.title for r in later.releases] == [ARTICLES["C"][0]]
    assert site.log[1:3] == [
        ("/nw4411/index.html", first.list_validators[SH_LIST]["etag"]),
        ("/nw4411/index.html", None),
    ]
    broken = later.list_validators["host:www.shanghai.gov.cn"]
    assert broken["conditional_broken"] is True and "answered 304" in broken["reason"]

    site.log.clear()
    known |= {release.url for release in later.releases}
    site.crawl(public_source(), known, FIXED_NOW + timedelta(days=2, hours=1),
               validators=later.list_validators)  # fmt: skip
    assert ("/nw4411/index.html", None) in site.log
    assert all(sent is None for _, sent in site.log)


def test_recheck_refetches_known_articles_so_edits_come_back_as_releases() -> None:
    site = sh_site("AB")
    first = site.crawl(public_source())
    known = {release.url for release in first.releases}
    edited = (
        "长三角示范区发布绿色交通试点方案（更新）",
        1,
        ["示例正文：更正后的线路数量为八条，首批站点改造已在本月完成。", "其余内容与原稿相同。"],
    )
    site.pages[article_path("A", 1)] = article_html(*edited)
    recheck = {
        next(url for url in known if HEX["A"] in url),
        "https://elsewhere.example/nw4411/20240801/" + HEX["A"] + ".html",
    }
    second = site.crawl(public_source(), known, recheck=recheck, validators=first.list_validators)
    assert [r.title for r in second.releases] == [edited[0]]
    assert second.releases[0].body.startswith("示例正文：更正后")
    assert not any("elsewhere" in path for path, _ in site.log)


class FakeRawStore:
    """Records what the crawler archived, in the shape of scrapers.rawstore."""

    def __init__(self) -> None:
        self.kept: list[dict] = []

    def put(self, *, url, content, headers, status, fetched_at) -> str:
        self.kept.append(dict(url=url, content=content, status=status, fetched_at=fetched_at))
        return hashlib.sha256(content).hexdigest()


def test_every_article_response_is_archived_before_parsing(shanghai_site) -> None:
    site = shanghai_site
    store = FakeRawStore()
    result = None

    async def run() -> SourceResult:
        async with PoliteClient(sleep=SleepLog()) as client:
            return await crawl_source(
                source_for(site), client, set(), now=lambda: FIXED_NOW, raw_store=store
            )

    result = asyncio.run(run())
    archived = {entry["url"]: entry for entry in store.kept}
    error_page = site.url(article_path("F", 7))
    assert archived[error_page]["content"] == site.routes[article_path("F", 7)].body
    assert archived[site.url(article_path("H", 3))]["status"] == 404
    assert site.url(article_path("G", 8)) not in archived  # no response, nothing to keep
    assert {r.url for r in result.releases} <= set(archived)
    assert all(entry["fetched_at"] == FIXED_NOW for entry in store.kept)


def test_a_source_over_its_time_budget_stops_cleanly_and_names_what_it_left() -> None:
    site = sh_site("ABCD")
    clock = {"now": 0.0}

    def slow_handler(request: httpx.Request) -> httpx.Response:
        clock["now"] += 10.0  # every request takes ten seconds
        return site.handler(request)

    async def run() -> SourceResult:
        async with PoliteClient(
            transport=httpx.MockTransport(slow_handler),
            sleep=SleepLog(),
            clock=lambda: clock["now"],
        ) as client:
            return await crawl_source(
                public_source(), client, set(), now=lambda: FIXED_NOW, time_budget=45
            )

    result = asyncio.run(run())
    assert len(result.releases) == 2  # robots, page 1, page 2, two articles: 50 s
    left = [r for r in result.fetches if r.outcome == "budget_exceeded"]
    assert len(left) == 2 and all(r.status is None for r in left)
    assert result.status == "partial"
    assert "time budget of 45 s used up: 2 article(s) not fetched" in result.error


def test_links_to_internal_addresses_are_never_followed_from_a_public_source() -> None:
    hidden = [
        f"http://127.0.0.1:8080{article_path('A', 1)}",
        f"http://10.1.2.3{article_path('B', 2)}",
        f"http://169.254.169.254{article_path('C', 5)}",
    ]
    site = sh_site("D")
    site.pages["/nw4411/index.html"] = list_html(
        [(url, "内部地址", "2024-08-01") for url in hidden]
        + [(article_path("D", 6), ARTICLES["D"][0], "2024-08-06")]
    )
    requested: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        requested.append(str(request.url))
        return site.handler(request)

    source = public_source(allowed_hosts='["127.0.0.1", "10.1.2.3"]')
    result = asyncio.run(
        crawl_all([source], {}, transport=httpx.MockTransport(handler), sleep=SleepLog())
    )[0]
    assert [r.title for r in result.releases] == [ARTICLES["D"][0]]
    assert all(url.startswith("https://www.shanghai.gov.cn/") for url in requested)


def test_china_daily_article_pages_are_fetched_and_joined() -> None:
    base = "https://www.ezhejiang.gov.cn"
    first = chinadaily_article(300).replace(
        "</div></body>",
        '</div><div id="div_currpage"><span>1</span> <a href="c_300_2.htm">2</a></div></body>',
    )
    second = (
        '<html><body><h1>Zhejiang sample story number 300</h1><div id="Content"><p>Second page '
        "of the invented story, with its own closing paragraph.</p></div></body></html>"
    )
    pages = {
        "/latest/index.html": chinadaily_list([300], None),
        "/2024-08/05/c_300.htm": first,
        "/2024-08/05/c_300_2.htm": second,
    }

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path not in pages:
            return httpx.Response(404)
        return httpx.Response(200, text=pages[request.url.path])

    source = parse_sources(
        f"""
[[source]]
id = "zj-en"
name = "Zhejiang English"
region = "zhejiang"
language = "en"
start_urls = ["{base}/latest/index.html"]
cms = "chinadaily"
""",
        "t.toml",
    )[0]
    result = asyncio.run(
        crawl_all([source], {}, transport=httpx.MockTransport(handler), sleep=SleepLog())
    )[0]
    (release,) = result.releases
    assert "story 300" in release.body and "Second page of the invented story" in release.body
    article_urls = [r.url for r in result.fetches if r.kind == "article"]
    assert article_urls == [f"{base}/2024-08/05/c_300.htm", f"{base}/2024-08/05/c_300_2.htm"]


def test_hanweb_pages_after_the_first_are_posted_to_the_data_proxy() -> None:
    def record(n: int) -> str:
        return (
            f'<record><![CDATA[<li><a href="/art/2024/8/{n}/art_1229019364_25269{n:02d}.html" '
            f'title="浙江示例要闻{n}">浙江示例要闻{n}</a><span>2024-08-{n:02d}</span></li>]]></record>'
        )

    nextgroup = (
        '<nextgroup><![CDATA[<a href="/module/jpage/dataproxy.jsp?page=1&appid=1&webid=3096'
        '&path=/&columnid=1229019364&unitid=4780131&permissiontype=0"></a>]]></nextgroup>'
    )
    first_page = (
        '<html><body><div id="4780131"><script type="text/xml"><datastore>'
        f"{nextgroup}<recordset>{record(1)}{record(2)}</recordset></datastore></script></div>"
        "</body></html>"
    )
    proxy_reply = f"<datastore><recordset>{record(3)}</recordset></datastore>"
    posts: list[tuple[str, bytes]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if request.method == "POST":
            posts.append((str(request.url), request.content))
            return httpx.Response(200, text=proxy_reply if len(posts) == 1 else "<datastore/>")
        if path.endswith("index.html"):
            return httpx.Response(200, text=first_page)
        if path.startswith("/art/"):
            n = int(path.split("/")[4])
            return httpx.Response(
                200,
                text=f"""<html><head><meta charset="utf-8">
<meta name="ArticleTitle" content="浙江示例要闻{n}"><meta name="PubDate" content="2024-08-{n:02d}">
</head><body><div id="zoom"><p>示例正文：浙江省第{n}号示例稿件，内容为编写的测试文字。</p></div>
</body></html>""",
            )
        return httpx.Response(404)

    source = parse_sources(
        """
[[source]]
id = "zj"
name = "Zhejiang"
region = "zhejiang"
language = "zh"
start_urls = ["https://www.zj.gov.cn/col/col1229019364/index.html"]
cms = "hanweb"
max_pages = 3
""",
        "t.toml",
    )[0]
    result = asyncio.run(
        crawl_all([source], {}, transport=httpx.MockTransport(handler), sleep=SleepLog())
    )[0]
    assert sorted(r.title for r in result.releases) == [f"浙江示例要闻{n}" for n in (1, 2, 3)]
    assert posts[0][0].startswith("https://www.zj.gov.cn/module/jpage/dataproxy.jsp?startrecord=3")
    assert b"columnid=1229019364" in posts[0][1] and b"webid=3096" in posts[0][1]
    assert len(posts) == 2 and result.status == "ok"  # page 3 was empty: the list ended
