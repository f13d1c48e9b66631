"""Block and challenge pages are recognised, and ordinary pages are not."""

from pathlib import Path

import httpx
import pytest

from scrapers.blocks import detect_block

SITES = Path(__file__).parents[1] / "fixtures" / "sites"


def fixture(name: str) -> str:
    return (SITES / name).read_text(encoding="utf-8")


def test_knownsec_block_page() -> None:
    verdict = detect_block(200, fixture("hanweb-block-knownsec.html"), {})
    assert verdict is not None and verdict.vendor == "knownsec"


def test_knownsec_cookie_with_refusal_status() -> None:
    headers = httpx.Headers({"Set-Cookie": "__jsluid_s=abc123; path=/"})
    verdict = detect_block(521, "<html><script>var x=1</script></html>", headers)
    assert verdict is not None and verdict.vendor == "knownsec"


def test_wzws_challenge_page() -> None:
    verdict = detect_block(200, fixture("anhui-wzws-challenge.html"), {})
    assert verdict is not None and verdict.vendor == "wzws"


def test_wzws_redirect_location() -> None:
    headers = {"Location": "/WZWSREL3p3eXcv?wzwschallenge=V1pXU19DT05GSVJN"}
    verdict = detect_block(302, "", headers)
    assert verdict is not None and verdict.vendor == "wzws"


def test_http_412_with_cookie_script_names_no_vendor_without_its_marks() -> None:
    html = "<html><script>document.cookie='a1=x';location.reload()</script></html>"
    verdict = detect_block(412, html, {})
    assert verdict is not None and verdict.vendor is None and "412" in verdict.reason


def test_http_412_rivers_signature() -> None:
    html = "<html><meta id='abc'><script>$_ts=window['$_ts'];</script></html>"
    verdict = detect_block(412, html, {})
    assert verdict is not None and verdict.vendor == "rivers"


def test_tiny_200_page_that_only_sets_a_cookie_and_reloads() -> None:
    html = ("<html><body><script>document.cookie='token=1f2e; path=/';"
            "window.location.reload();</script></body></html>")  # fmt: skip
    verdict = detect_block(200, html, {})
    assert verdict is not None and verdict.vendor is None and "challenge" in verdict.reason


@pytest.mark.parametrize("status", [403, 405, 521])
def test_generic_refusals(status: int) -> None:
    verdict = detect_block(status, "<html><body>Forbidden</body></html>", {})
    assert verdict is not None and verdict.vendor is None and str(status) in verdict.reason


@pytest.mark.parametrize(
    "name",
    ["shanghai-zh-article-ratio-colon.html", "hanweb-zh-article.html",
     "chinadaily-list-protocol-relative.html", "govcn-article-firstpublished-dash.html"],
)  # fmt: skip
def test_ordinary_pages_are_not_blocks(name: str) -> None:
    headers = {"set-cookie": "__jsluid_s=abc; path=/", "content-type": "text/html"}
    assert detect_block(200, fixture(name), headers) is None


def test_article_with_a_cookie_banner_script_is_not_a_challenge() -> None:
    body = "<p>" + "长三角一体化发展规划纲要提出推进公共服务便利共享。" * 20 + "</p>"
    html = f"<html><body>{body}<script>document.cookie='zh_choose=s';location.href='#';</script>"
    assert detect_block(200, html + "</body></html>", {}) is None


def test_not_found_is_not_a_block() -> None:
    assert detect_block(404, "<html><body>页面不存在</body></html>", {}) is None


def test_wzws_redirect_recognised_from_the_final_url_alone() -> None:
    final = "https://www.ah.gov.cn/WZWSREL3p3eXcvanJ5dy9pbmRleC5odG1s?wzwschallenge=V1pXUw"
    verdict = detect_block(200, "<html><body></body></html>", {}, final_url=final)
    assert verdict is not None and verdict.vendor == "wzws" and "redirect" in verdict.reason


def test_ordinary_final_url_changes_nothing() -> None:
    final = "https://www.ah.gov.cn/zwyw/jryw/565501234.html"
    assert detect_block(200, fixture("anhui-article-wzcon-meta.html"), {}, final_url=final) is None


def test_412_cookie_script_fixture_is_blocked_without_a_vendor_name() -> None:
    verdict = detect_block(412, fixture("generic-412-cookie-script.html"), {})
    assert verdict is not None and verdict.vendor is None and "412" in verdict.reason


def test_200_challenge_fixture_is_blocked() -> None:
    verdict = detect_block(200, fixture("generic-200-cookie-reload.html"), {})
    assert verdict is not None and "challenge" in verdict.reason


def test_wzws_cookie_with_challenge_script_names_wzws() -> None:
    html = "<html><script>document.cookie='a=1';location.reload();</script></html>"
    headers = {"Set-Cookie": "wzws_sessionid=gXyz; path=/"}
    verdict = detect_block(200, html, headers)
    assert verdict is not None and verdict.vendor == "wzws"


@pytest.mark.parametrize(
    "name",
    ["trs-zh-article-enclosure.html", "anhui-list-doc-list.html", "hanweb-zj-list-nextgroup.html",
     "govcn-en-article-updated-abbrev.html", "chinadaily-article-multipage.html"],
)  # fmt: skip
def test_wave2_family_pages_are_not_blocks(name: str) -> None:
    assert detect_block(200, fixture(name), {"set-cookie": "wzws_sessionid=abc"}) is None
