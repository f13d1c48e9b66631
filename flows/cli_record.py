"""`yrdwatch record` and `yrdwatch fixtures`: keep what the sites said, as WARC evidence.

`record` is a live monitor run whose every response is also written to a WARC file (through a
loopback recording proxy, so the crawl code is the live one); `run --replay FILE.warc.gz`
serves a later run from that file. `fixtures` turns a WARC file into HTML regression fixtures.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from flows.cli import db_arg, source_args

WARC_SUFFIXES = (".warc", ".warc.gz")


def register(sub) -> None:
    """Add `record` and `fixtures` to the yrdwatch subcommands."""
    _add_record(sub)
    _add_fixtures(sub)


def _add_record(sub) -> None:
    p = sub.add_parser(
        "record", help="a live monitor run that also stores every response in a WARC file"
    )
    source_args(p, "record")
    p.add_argument("--out", type=Path, required=True, help="WARC file to write (.warc.gz)")
    p.add_argument("--fixtures", type=Path, metavar="DIR", help="also write each HTML page to DIR")
    p.add_argument("--force", action="store_true", help="overwrite an existing --out file")
    db_arg(p)
    p.set_defaults(handler=cmd_record)


def _add_fixtures(sub) -> None:
    p = sub.add_parser("fixtures", help="write the HTML pages of a WARC file as test fixtures")
    p.add_argument("warc", type=Path, help="a WARC file from `yrdwatch record`")
    p.add_argument("out_dir", type=Path, help="folder for <host>-<path>.html files")
    p.set_defaults(handler=cmd_fixtures)


def check_warc_out(path: Path, *, force: bool) -> None:
    """Refuse a name that is not a WARC file, or one that would silently lose evidence."""
    from flows.cli import UsageError

    if not path.name.endswith(WARC_SUFFIXES):
        raise UsageError(f"{path}: --out must end in .warc.gz (or .warc)")
    if path.exists() and not force:
        raise UsageError(f"{path}: exists; pick another --out or pass --force to overwrite it")
    if path.exists() and not path.is_file():
        raise UsageError(f"{path}: not a file; pick another --out")


def cmd_record(args: argparse.Namespace) -> int:
    from flows.cli import _load_sources, _print_summary, _run_monitor
    from flows.paths import default_db_path
    from scrapers.replay import RecordingProxy

    check_warc_out(args.out, force=args.force)
    _load_sources(args.sources, args.source_ids)
    with RecordingProxy(args.out) as proxy:
        summary = _run_monitor(
            sources_file=str(args.sources) if args.sources else None,
            source_ids=args.source_ids,
            db_path=str(args.db or default_db_path()),
            replay_url=proxy.url,
            mode="live",
        )
        exchanges = proxy.recorder.count if proxy.recorder else 0
    _print_summary(summary)
    print(f"  recorded: {exchanges} responses in {args.out}")
    if args.fixtures:
        _write_fixtures(args.out, args.fixtures)
    return 0 if summary.status == "completed" else 1


def cmd_fixtures(args: argparse.Namespace) -> int:
    from flows.cli import UsageError

    if not args.warc.is_file():
        raise UsageError(f"{args.warc}: no WARC file here; record one with `yrdwatch record`")
    _write_fixtures(args.warc, args.out_dir)
    return 0


def _write_fixtures(warc: Path, out_dir: Path) -> None:
    from flows.cli import UsageError
    from scrapers.warc import WarcError, warc_to_fixtures

    try:
        written = warc_to_fixtures(warc, out_dir)
    except WarcError as exc:
        raise UsageError(str(exc)) from exc
    print(f"  fixtures: {len(written)} HTML pages in {out_dir} (index.json says where from)")
