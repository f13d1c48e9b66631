"""`yrdwatch sources check`: page 1 and one article per source, verdicts and exit codes."""

import argparse
import asyncio
from pathlib import Path

from flows import cli_sources
from flows.cli import UsageError
from scrapers.check import BLOCKED, BROKEN, OK, check_sources, format_report
from scrapers.models import Source
from scrapers.profiles import merge_rules
from scrapers.registry import builtin_sources_path, load_sources
from scrapers.replay import demo_archive_path

SITES = Path(__file__).parents[1] / "fixtures" / "sites"
SH_ARTICLE = "/nw12344/20240801/5f0c3a9e2b7d4c1a8e6f9d0b1c2a3e4f.html"


def fixture(name: str) -> bytes:
    return (SITES / name).read_bytes()


def source(source_id: str, start_url: str, cms: str = "shanghai", **list_rules) -> Source:
    rules, article = merge_rules(cms, list_rules, {})
    return Source(id=source_id, name=source_id, region="shanghai", language="zh",
                  start_urls=(start_url,), list=rules, article=article, cms=cms,
                  delay_seconds=0.0)  # fmt: skip


def run_cli(argv: list[str]) -> int:
    """The way flows.cli.main runs a handler once the lead hooks cli_sources in."""
    parser = argparse.ArgumentParser(prog="yrdwatch")
    cli_sources.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    try:
        return args.handler(args)
    except UsageError:
        return 2


def check(sources: list[Source]):
    return asyncio.run(check_sources(sources, retries=0, obey_robots=False))


def test_good_blocked_drifted_and_missing_sources(loopback_site) -> None:
    site = loopback_site
    site.add("/nw12344/index.html", fixture("shanghai-zh-list.html"))
    site.add(SH_ARTICLE, fixture("shanghai-zh-article-ratio-colon.html"))
    site.add("/blocked/index.html", fixture("hanweb-block-knownsec.html"))
    site.add("/drift/index.html", "<html><body><div class='new'><a href='/x.html'>x</a></div>")
    good, blocked, drifted, gone = check([
        source("good", site.url("/nw12344/index.html")),
        source("blocked", site.url("/blocked/index.html")),
        source("drifted", site.url("/drift/index.html")),
        source("gone", site.url("/gone/index.html")),
    ])  # fmt: skip
    assert (good.verdict, good.status, good.links_found) == (OK, 200, 2)  # own host only
    assert good.sample is not None and good.sample.title.startswith("本市发布推进长三角")
    assert good.sample.methods["body"] == "selector" and good.sample.body_chars > 100
    assert blocked.verdict == BLOCKED and blocked.block.vendor == "knownsec"
    assert drifted.verdict == BROKEN and drifted.unmatched == [
        "list.links 'ul.tadaty-list li a[href]'"
    ]
    assert gone.verdict == BROKEN and "HTTP 404" in gone.error


def test_article_failure_and_unmatched_article_selectors_are_reported(loopback_site) -> None:
    site = loopback_site
    site.add("/nw12344/index.html", fixture("shanghai-zh-list.html"))
    site.add(SH_ARTICLE, fixture("shanghai-error-404.html"))
    (broken,) = check([source("s", site.url("/nw12344/index.html"))])
    assert broken.verdict == BROKEN and "error page" in broken.sample.error
    site.add(SH_ARTICLE, fixture("anhui-article-wzcon-meta.html"))  # a redesign: no #ivs_*
    (drifted,) = check([source("s", site.url("/nw12344/index.html"))])
    assert drifted.verdict == OK  # meta tags and automatic extraction still read it
    assert drifted.unmatched == ["article.title '#ivs_title'", "article.body '#ivs_content'"]
    lines = format_report([broken, drifted])
    assert "FAILED: error page" in "\n".join(lines)
    assert "matched nothing: article.title '#ivs_title', article.body '#ivs_content'" in lines[3]
    assert lines[-1] == "2 source(s) checked: 1 ok, 1 broken, 0 blocked"


def test_cli_check_against_an_archive_folder(tmp_path, capsys) -> None:
    root = tmp_path / "archive"
    page = root / "www.shanghai.gov.cn" / "nw4411" / "index.html"
    page.parent.mkdir(parents=True)
    page.write_bytes(fixture("shanghai-zh-list.html"))
    article = root / "www.shanghai.gov.cn" / SH_ARTICLE.lstrip("/")
    article.parent.mkdir(parents=True)
    article.write_bytes(fixture("shanghai-zh-article-ratio-colon.html"))
    blocked = root / "www.jiangsu.gov.cn" / "col" / "col60096" / "index.html"
    blocked.parent.mkdir(parents=True)
    blocked.write_bytes(fixture("hanweb-block-knownsec.html"))
    registry = str(builtin_sources_path())
    assert run_cli(["sources", "check", "sh-zh-news", "--sources", registry,
                    "--replay", str(root)]) == 0  # fmt: skip
    out = capsys.readouterr().out
    assert "sh-zh-news  OK" in out  # the list links to nw12344 articles, served here too
    assert run_cli(["sources", "check", "js-zh-news", "--replay", str(root)]) == 1
    out = capsys.readouterr().out
    assert "BLOCKED" in out and "Knownsec" in out and "[knownsec]" in out


def test_cli_usage_errors() -> None:
    assert run_cli(["sources", "check", "--replay", "/nonexistent/archive.warc.gz"]) == 2
    assert run_cli(["sources", "check", "no-such-source"]) == 2


def test_sources_list_keeps_its_output(tmp_path, capsys) -> None:
    assert run_cli(["sources", "list", "--db", str(tmp_path / "w.duckdb")]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["id", "region", "lang", "profile", "health", "start", "URL"]
    assert any(line.startswith("ndrc-zh-zdzl") and "never run" in line for line in lines)


def test_every_builtin_source_is_readable_in_the_demo_archive(capsys) -> None:
    code = run_cli(["sources", "check", "--replay", str(demo_archive_path())])
    out = capsys.readouterr().out
    sources = load_sources(builtin_sources_path())
    assert f"{len(sources)} source(s) checked: {len(sources)} ok, 0 broken, 0 blocked" in out
    assert "BLOCKED" not in out
    assert code == 0
