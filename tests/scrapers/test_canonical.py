"""One spelling per article URL; list hrefs resolved the way browsers (and TrueCMS) need."""

import pytest

from scrapers.canonical import canonical_url, is_attachment, resolve_link

ARTICLE = "https://www.shanghai.gov.cn/nw12344/20240801/5f0c3a9e2b7d4c1a8e6f9d0b1c2a3e4f.html"


@pytest.mark.parametrize(
    "variant",
    [
        "http://www.shanghai.gov.cn/nw12344/20240801/5f0c3a9e2b7d4c1a8e6f9d0b1c2a3e4f.html",
        "https://WWW.Shanghai.GOV.cn/nw12344/20240801/5f0c3a9e2b7d4c1a8e6f9d0b1c2a3e4f.html",
        ARTICLE + "#ivs_content",
        ARTICLE + "?utm_source=wechat&spm=a.b.c&from=timeline&share_id=9",
        "https://www.shanghai.gov.cn:443/nw12344//20240801/5f0c3a9e2b7d4c1a8e6f9d0b1c2a3e4f.html",
        "http://www.shanghai.gov.cn:80/nw12344/./x/../20240801/5f0c3a9e2b7d4c1a8e6f9d0b1c2a3e4f.html",
    ],
)
def test_variants_of_one_article_share_one_canonical_url(variant: str) -> None:
    assert canonical_url(variant) == ARTICLE


def test_meaningful_query_is_kept_and_sorted() -> None:
    url = "https://www.jiangsu.gov.cn/col/col60096/index.html?uid=356383&pageNum=2&utm_medium=x"
    assert canonical_url(url) == (
        "https://www.jiangsu.gov.cn/col/col60096/index.html?pageNum=2&uid=356383"
    )


def test_non_default_port_is_kept() -> None:
    assert canonical_url("https://example.gov.cn:8443/a") == "https://example.gov.cn:8443/a"


def test_loopback_keeps_http_so_test_servers_stay_reachable() -> None:
    assert canonical_url("http://127.0.0.1:8123/a//b.html#x") == "http://127.0.0.1:8123/a/b.html"


def test_non_http_url_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="not an http"):
        canonical_url("ftp://www.gov.cn/file")


PAGE = "https://www.shio.gov.cn/TrueCMS/shxwbgs/ywts/ywts.html"


@pytest.mark.parametrize(
    ("href", "expected"),
    [
        ("content/a.htm", "https://www.shio.gov.cn/TrueCMS/shxwbgs/ywts/content/a.htm"),
        ("./content/a.htm", "https://www.shio.gov.cn/TrueCMS/shxwbgs/ywts/content/a.htm"),
        ("../..//shxwbgs/wxdtt/content/b.htm",
         "https://www.shio.gov.cn/TrueCMS/shxwbgs/wxdtt/content/b.htm"),
        ("/TrueCMS/x.htm", "https://www.shio.gov.cn/TrueCMS/x.htm"),
        ("//en.shio.gov.cn/TrueCMS/y.html", "https://en.shio.gov.cn/TrueCMS/y.html"),
        ("http://other.gov.cn/z.htm", "http://other.gov.cn/z.htm"),
        ("  content/\na.htm ", "https://www.shio.gov.cn/TrueCMS/shxwbgs/ywts/content/a.htm"),
    ],
)  # fmt: skip
def test_resolve_link(href: str, expected: str) -> None:
    assert resolve_link(href, PAGE) == expected


@pytest.mark.parametrize(
    "href", ["", "   ", "#", "#top", "javascript:void(0)", "JavaScript:window.print()",
             "mailto:office@shio.gov.cn", "tel:12345"],
)  # fmt: skip
def test_non_links_resolve_to_none(href: str) -> None:
    assert resolve_link(href, PAGE) is None


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://www.gov.cn/files/plan.PDF", True),
        ("https://www.jiangsu.gov.cn/attach/0/notice.ofd", True),
        ("https://www.jiangsu.gov.cn/module/download/downfile.jsp?classid=0&filename=a.docx", True),
        ("https://www.gov.cn/zhengce/202408/content_6971234.htm", False),
        ("https://www.gov.cn/pdf/index.html", False),
    ],
)
def test_is_attachment(url: str, expected: bool) -> None:
    assert is_attachment(url) is expected
