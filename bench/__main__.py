"""`python -m bench [--quick]` (or `make bench`): crawl, linking and story benchmarks as Markdown
tables.

The full run (6 loopback hosts, 1,500 articles) takes about four minutes; `--quick` is a
smoke run of about 25 seconds. See bench/crawl_bench.py for what is measured and how.
"""

from __future__ import annotations

import argparse
import logging
import sys

from bench.bench_linking import run_linking_bench
from bench.bench_stories import run_stories_bench
from bench.crawl_bench import Settings, markdown_table, run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a small smoke run (seconds)")
    parser.add_argument("--only", choices=["crawl", "linking", "stories"], help="run one benchmark")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    if args.only in (None, "crawl"):
        settings = Settings.quick() if args.quick else Settings.full()
        sys.stdout.write(markdown_table(run(settings)) + "\n")
    if args.only in (None, "linking"):
        linking = run_linking_bench(1_000 if args.quick else 10_000)
        sys.stdout.write("\n" + linking_table(linking) + "\n")
    if args.only in (None, "stories"):
        stories = run_stories_bench(*((1_000, 500) if args.quick else (10_000, 2_000)))
        sys.stdout.write("\n" + linking_table(stories, "story clustering benchmark") + "\n")
    return 0


def linking_table(result: dict, title: str = "linking benchmark") -> str:
    """A benchmark's measurements as a two-column Markdown table."""
    rows = [f"| {key.replace('_', ' ')} | {value} |" for key, value in result.items()]
    return "\n".join([f"| {title} | value |", "|---|---|", *rows])


if __name__ == "__main__":
    raise SystemExit(main())
