"""Operations commands: `yrdwatch reparse` (rebuild releases from the raw archive, offline).

Hook: `flows/cli.py` build_parser calls `cli_ops.register(sub)`. Usage errors are one line,
exit 2 (raised as flows.cli.UsageError); a busy warehouse is one line, exit 1 (the run lock's
error is a WarehouseLockedError, which `main` already reports that way).
"""

from __future__ import annotations

import argparse
from pathlib import Path


def register(sub) -> None:
    """Add `reparse` to the `yrdwatch` subcommands."""
    p = sub.add_parser(
        "reparse",
        help="rebuild releases from the raw archive with the current parser (no network)",
    )
    p.add_argument(
        "--db", type=Path, help="warehouse file (default $YRDWATCH_DB or data/yrdwatch.duckdb)"
    )
    p.add_argument("--sources", type=Path, help="source TOML file (default: the built-in registry)")
    p.add_argument(
        "--source", action="append", dest="source_ids", metavar="ID", help="only this source"
    )
    p.add_argument("--raw", type=Path, help="raw archive folder (default data/raw/<db name>/)")
    p.set_defaults(handler=cmd_reparse)


def cmd_reparse(args: argparse.Namespace) -> int:
    from flows.cli import UsageError
    from flows.paths import default_db_path
    from scrapers.rawstore import raw_root_for
    from warehouse.reparse import reparse

    db_path = args.db or default_db_path()
    if not db_path.is_file():
        raise UsageError(f"{db_path}: no warehouse here; pass --db or run `yrdwatch run` first")
    raw_root = args.raw or raw_root_for(db_path)
    if not (raw_root / "index.jsonl").is_file():
        raise UsageError(
            f"{raw_root}: no raw archive here (runs keep one beside the warehouse); pass --raw"
        )
    sources = _sources(args.sources, UsageError)
    only = set(args.source_ids) if args.source_ids else None
    unknown = sorted((only or set()) - {source.id for source in sources})
    if unknown:
        raise UsageError(f"unknown source id(s) {', '.join(unknown)}; see `yrdwatch sources list`")
    summary = reparse(db_path, sources, raw_root=raw_root, only=only)
    _print_summary(summary)
    return 0


def _sources(path: Path | None, usage_error: type[Exception]):
    """The registry whose current rules the re-parse applies (a bad file is a usage error)."""
    from flows.selection import select_sources
    from scrapers.registry import RegistryError

    if path is not None and not path.is_file():
        raise usage_error(f"{path}: source file not found; pass an existing TOML file to --sources")
    try:
        return select_sources(str(path) if path else None, None)
    except (RegistryError, ValueError) as exc:
        raise usage_error(str(exc)) from exc


def _print_summary(summary) -> None:
    print(f"reparse {summary.run_id}: {summary.records} archived page(s) re-parsed")
    print(
        f"  releases: {summary.new} new, {summary.changed} changed, "
        f"{summary.unchanged} unchanged; {summary.links_new} new follow-up links"
    )
    skipped = summary.failed + summary.stale + summary.unknown_source
    if skipped:
        print(
            f"  skipped: {summary.failed} without an article, {summary.stale} older than the "
            f"stored release, {summary.unknown_source} of no configured source"
        )
    for failure in summary.failures[:5]:
        print(f"    {failure}")
    print(f"  snapshot for SQL: {summary.snapshot_path}")
