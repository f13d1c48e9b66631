"""Source registry: valid files load with profile defaults; every bad input is one clear line."""

from __future__ import annotations

import pytest

from scrapers.models import ArticleRules, ListRules
from scrapers.profiles import PROFILES
from scrapers.registry import RegistryError, builtin_sources_path, load_sources, parse_sources

ORIGIN = "mysources.toml"

VALID = """
[[source]]
id = "sh-zh-test"
name = "上海 test column"
region = "shanghai"
language = "zh"
start_urls = ["https://www.shanghai.gov.cn/nw4411/index.html"]
cms = "shanghai"
delay_seconds = 3.5
max_pages = 2

[source.article]
date = ".Article-time"
furniture = ["div.ad"]

[[source]]
id = "plain-en"
name = "A plain English list"
region = "other"
language = "en"
start_urls = ["http://news.example.org/list.html"]
allowed_hosts = ["static.example.org"]
encoding = "gb18030"

[source.list]
links = "ul.news li a"
next = "a.next"
url_pattern = '/\\d{4}/\\d+\\.html$'
"""

MINIMAL = """
[[source]]
id = "s1"
name = "Source one"
region = "jiangsu"
language = "zh"
start_urls = ["https://www.jiangsu.gov.cn/col/col60096/index.html"]
cms = "hanweb"
"""


def _error(text: str) -> str:
    with pytest.raises(RegistryError) as caught:
        parse_sources(text, ORIGIN)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(ORIGIN + ":")
    return message


def _with(extra: str, base: str = MINIMAL) -> str:
    return base + extra


def test_valid_file_merges_profile_defaults_with_overrides() -> None:
    shanghai, plain = parse_sources(VALID, ORIGIN)
    profile_list, profile_article = PROFILES["shanghai"]
    assert shanghai.list == profile_list
    assert shanghai.article.body == profile_article.body == "#ivs_content"
    assert shanghai.article.date == ".Article-time"
    assert shanghai.article.furniture == ("div.ad",)
    assert (shanghai.delay_seconds, shanghai.max_pages) == (3.5, 2)
    assert shanghai.start_urls == ("https://www.shanghai.gov.cn/nw4411/index.html",)


def test_source_without_cms_uses_its_own_list_rules_and_defaults() -> None:
    plain = parse_sources(VALID, ORIGIN)[1]
    assert plain.cms is None
    assert plain.list == ListRules(
        links="ul.news li a", next="a.next", url_pattern=r"/\d{4}/\d+\.html$"
    )
    assert plain.article == ArticleRules()
    assert (plain.delay_seconds, plain.max_pages) == (2.0, 3)
    assert plain.allowed_hosts == ("static.example.org",)
    assert plain.encoding == "gb18030"


def test_builtin_registry_keeps_the_six_original_sites() -> None:
    sources = load_sources(builtin_sources_path())
    by_id = {source.id: source for source in sources}
    assert {
        "sh-zh-news",
        "sh-en-whatsnew",
        "govcn-yaowen",
        "js-zh-news",
        "zj-en-latest",
        "shio-en-press",
    } <= set(by_id)
    assert by_id["js-zh-news"].delay_seconds >= 5.0
    assert by_id["js-zh-news"].list.datastore is True
    assert by_id["govcn-yaowen"].list.page_url == "home_{i}.htm"
    assert all(source.start_urls[0].startswith(("https://", "http://")) for source in sources)


def test_load_sources_reads_a_file(tmp_path) -> None:
    path = tmp_path / "sources.toml"
    path.write_text(MINIMAL, encoding="utf-8")
    assert [source.id for source in load_sources(path)] == ["s1"]


def test_missing_file_names_the_path(tmp_path) -> None:
    with pytest.raises(RegistryError, match=r"nope\.toml: no such file"):
        load_sources(tmp_path / "nope.toml")


def test_toml_syntax_error_gives_the_line() -> None:
    message = _error('[[source]]\nid = "a"\nname = "unterminated\n')
    assert "TOML syntax error" in message and "line 3" in message


@pytest.mark.parametrize(
    ("extra", "key", "words"),
    [
        ('colour = "red"\n', "colour", "unknown key"),
        ('\n[source.list]\nlinks = "a"\nnext_link = "a.n"\n', "list.next_link", "unknown key"),
        ('\n[source.article]\nheadline = "h1"\n', "article.headline", "unknown key"),
        ("delay_seconds = -1\n", "delay_seconds", ">= 0"),
        ('delay_seconds = "2"\n', "delay_seconds", ">= 0"),
        ("max_pages = 0\n", "max_pages", ">= 1"),
        ("max_pages = 2.5\n", "max_pages", "whole number"),
        ('encoding = "klingon-8"\n', "encoding", "unknown character encoding"),
        ('allowed_hosts = ["https://x.gov.cn/"]\n', "allowed_hosts", "bare host name"),
        ('\n[source.list]\nlinks = "ul li a[href"\n', "list.links", "invalid CSS"),
        (
            '\n[source.list]\nurl_pattern = "art_(\\\\d+"\n',
            "list.url_pattern",
            "invalid regular expression",
        ),
        ('\n[source.list]\npage_url = "index.html"\n', "list.page_url", "no {n} or {i}"),
        ('\n[source.list]\ndatastore = "yes"\n', "list.datastore", "true or false"),
        ('\n[source.article]\nfurniture = "div.ad"\n', "article.furniture", "a list"),
    ],
)
def test_bad_values_name_file_source_and_key(extra: str, key: str, words: str) -> None:
    message = _error(_with(extra))
    assert f"source 's1': key '{key}'" in message
    assert words in message


def test_wrong_region_and_language_list_the_allowed_values() -> None:
    message = _error(MINIMAL.replace('"jiangsu"', '"guangdong"'))
    assert "key 'region'" in message and "shanghai" in message and "anhui" in message
    message = _error(MINIMAL.replace('language = "zh"', 'language = "fr"'))
    assert "key 'language'" in message and "en, zh" in message


def test_unknown_cms_lists_the_known_profiles() -> None:
    message = _error(MINIMAL.replace('"hanweb"', '"wordpress"'))
    assert "key 'cms'" in message and "wordpress" in message and "govcn" in message


def test_missing_required_key_is_named() -> None:
    message = _error(MINIMAL.replace('name = "Source one"\n', ""))
    assert "source 's1': key 'name': missing" in message


def test_missing_id_names_the_source_by_position() -> None:
    message = _error(MINIMAL + MINIMAL.replace('id = "s1"\n', ""))
    assert "source '#2': key 'id': missing" in message


def test_list_table_required_without_cms() -> None:
    message = _error(MINIMAL.replace('cms = "hanweb"\n', ""))
    assert "key 'list': missing [source.list]" in message


@pytest.mark.parametrize("url", ["ftp://files.example.org/x", "www.gov.cn/home.htm", "file:///etc"])
def test_start_urls_must_be_http(url: str) -> None:
    message = _error(MINIMAL.replace("https://www.jiangsu.gov.cn/col/col60096/index.html", url))
    assert "key 'start_urls'" in message and "http(s)" in message


def test_start_urls_must_be_a_non_empty_list() -> None:
    text = MINIMAL.replace('["https://www.jiangsu.gov.cn/col/col60096/index.html"]', "[]")
    assert "at least one URL" in _error(text)
    text = MINIMAL.replace(
        '["https://www.jiangsu.gov.cn/col/col60096/index.html"]', '"https://www.jiangsu.gov.cn/"'
    )
    assert "key 'start_urls': must be a list" in _error(text)


def test_duplicate_ids_are_rejected_and_nothing_loads() -> None:
    message = _error(MINIMAL + MINIMAL)
    assert "source 's1': key 'id': duplicate id" in message


def test_id_must_be_a_slug() -> None:
    assert "key 'id'" in _error(MINIMAL.replace('"s1"', '"Shanghai News!"'))


def test_unknown_top_level_key_and_empty_file() -> None:
    assert "key 'sources'" in _error('[[sources]]\nid = "x"\n')
    assert "no [[source]] tables" in _error("# nothing here\n")
