"""`python -m bench [--quick]` (or `make bench`): the crawl benchmark as a Markdown table.

The full run (6 loopback hosts, 1,500 articles) takes about two minutes; `--quick` is a
smoke run of a few seconds. See bench/crawl_bench.py for what is measured and how.
"""

from __future__ import annotations

import argparse
import logging
import sys

from bench.crawl_bench import Settings, markdown_table, run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a small smoke run (seconds)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    settings = Settings.quick() if args.quick else Settings.full()
    sys.stdout.write(markdown_table(run(settings)) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
