"""`yrdwatch sources list` and `yrdwatch sources check`: the source registry and its health.

Hook: `flows/cli.py` build_parser calls `cli_sources.register(sub)` (in place of its own
`_add_sources`). `check` exits 0 when every source is readable, 1 when any is broken or
blocked, 2 on usage errors (one line, raised as flows.cli.UsageError).
"""

from __future__ import annotations

import argparse
from pathlib import Path

EXIT_PROBLEM = 1
REPLAY_DELAY = 0.0  # a loopback archive needs no politeness


def register(sub) -> None:
    """Add `sources list` and `sources check` to the `yrdwatch` subcommands."""
    p = sub.add_parser("sources", help="the source registry: list sources, check them")
    actions = p.add_subparsers(dest="sources_command", required=True, metavar="ACTION")
    _add_list(actions)
    _add_check(actions)


def _add_list(actions) -> None:
    p = actions.add_parser("list", help="id, region, language, profile, start URL, last health")
    p.add_argument("--sources", type=Path, help="source TOML file")
    p.add_argument(
        "--db", type=Path, help="warehouse file (default $YRDWATCH_DB or data/yrdwatch.duckdb)"
    )
    p.set_defaults(handler=cmd_sources_list)


def _add_check(actions) -> None:
    p = actions.add_parser(
        "check",
        help="fetch page 1 and one article of each source; exit 1 if any is broken or blocked",
    )
    p.add_argument("source_ids", nargs="*", metavar="ID", help="check only these sources")
    p.add_argument("--sources", type=Path, help="source TOML file (replaces the built-in one)")
    p.add_argument(
        "--replay",
        type=Path,
        metavar="FILE_OR_DIR",
        help="check against a WARC file or an archive folder instead of the live sites",
    )
    p.set_defaults(handler=cmd_sources_check)


def cmd_sources_list(args: argparse.Namespace) -> int:
    from flows.cli import _load_sources
    from flows.paths import default_db_path
    from flows.sources_view import source_rows

    sources = _load_sources(args.sources)
    for line in source_rows(sources, args.db or default_db_path()):
        print(line)
    return 0


def cmd_sources_check(args: argparse.Namespace) -> int:
    from flows.cli import _load_sources
    from scrapers.check import format_report

    sources = _load_sources(args.sources, args.source_ids or None)
    if args.replay is not None:
        checks = _check_replay(sources, args.replay)
    else:
        checks = _check_live(sources)
    for line in format_report(checks):
        print(line, flush=True)
    return 0 if all(check.verdict == "ok" for check in checks) else EXIT_PROBLEM


def _check_live(sources):
    import asyncio

    from scrapers.check import check_sources

    return asyncio.run(check_sources(sources))


def _check_replay(sources, path: Path):
    import asyncio

    from flows.cli import UsageError
    from scrapers.check import check_sources
    from scrapers.replay import ReplayTransport, open_replay

    if not path.exists():
        raise UsageError(f"{path}: no such WARC file or archive folder; check the --replay path")
    try:
        with open_replay(path) as server_url:
            transport = ReplayTransport(server_url)
            return asyncio.run(
                check_sources(sources, transport=transport, delay=REPLAY_DELAY, retries=0)
            )
    except ValueError as exc:  # an unreadable archive
        raise UsageError(str(exc)) from exc
