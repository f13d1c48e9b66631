"""Decoding: what the page says beats what the server guesses."""

from pathlib import Path

from scrapers.encoding import decode_html

SITES = Path(__file__).parents[1] / "fixtures" / "sites"
CHINESE = "长三角区域一体化发展"


def page(charset_meta: str = "") -> str:
    return f"<html><head>{charset_meta}<title>{CHINESE}</title></head><body>{CHINESE}</body></html>"


def test_utf8_page_without_charset_header_decodes_as_utf8() -> None:
    assert CHINESE in decode_html(page().encode("utf-8"), None)


def test_iso_8859_1_header_is_ignored_when_page_is_utf8() -> None:
    assert CHINESE in decode_html(page().encode("utf-8"), "ISO-8859-1")


def test_legacy_gbk_fixture_decodes_from_its_meta_tag() -> None:
    raw = (SITES / "shanghai-zh-article-gbk-legacy.html").read_bytes()
    text = decode_html(raw, None)
    assert "市政府关于加强长三角地区环境联防联控的若干意见" in text


def test_gbk_bytes_without_any_declaration_fall_back_to_gb18030() -> None:
    assert CHINESE in decode_html(page().encode("gbk"), None)


def test_gbk_header_label_decodes_as_gb18030() -> None:
    text = "€ 长三角 𠀀"  # characters outside GB2312/GBK still survive via gb18030
    assert decode_html(text.encode("gb18030"), "GBK") == text


def test_meta_charset_beats_header_charset() -> None:
    raw = page('<meta http-equiv="Content-Type" content="text/html; charset=gbk">').encode("gbk")
    assert CHINESE in decode_html(raw, "utf-8")


def test_meta_that_lies_about_gb2312_falls_back_to_utf8() -> None:
    raw = page('<meta charset="gb2312">').encode("utf-8")
    assert CHINESE in decode_html(raw, None)


def test_forced_encoding_wins_over_everything() -> None:
    raw = page('<meta charset="utf-8">').encode("gbk")
    assert CHINESE in decode_html(raw, "utf-8", forced="gbk")


def test_bom_wins_over_meta() -> None:
    raw = b"\xef\xbb\xbf" + page('<meta charset="gbk">').encode("utf-8")
    assert decode_html(raw, None).startswith("<html>")


def test_unknown_label_does_not_crash() -> None:
    assert CHINESE in decode_html(page('<meta charset="no-such-charset">').encode(), "bogus")
