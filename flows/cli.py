"""The `yrdwatch` command line (DESIGN.md "CLI").

Usage errors exit 2 with one line on stderr (every problem of a labelled file gets a line
of its own; a mistyped option is named under the usage of its command); a run that
completed exits 0 even when some sources failed (they are recorded and reported); a run in
which nothing could run exits 1. Prefect is imported only by the commands that run flows,
so `sql`, `eval` and `sources list` start quickly.
"""

from __future__ import annotations

import argparse
import contextlib
import difflib
import os
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NoReturn

from flows.paths import default_db_path, digest_dir_for
from flows.serve import ServeError
from warehouse.db import MigrationError, WarehouseLockedError

EXIT_USAGE = 2


class UsageError(Exception):
    """A problem with what the user asked for; shown as one line, exit 2."""


def missing_warehouse(path: Path) -> UsageError:
    """The one message for a warehouse (or its snapshot) that does not exist yet."""
    return UsageError(
        f"{path}: no warehouse here yet; run `yrdwatch run` first "
        "(the demo's is data/demo.duckdb: add --db data/demo.duckdb)"
    )


def _prefect_env() -> None:
    """Quiet, offline-friendly Prefect defaults (the user's own settings win)."""
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "90")


class CommandParser(argparse.ArgumentParser):
    """argparse, except that a mistyped option is named, under the usage of its command.

    Plain argparse lets a command parse first and refuse unknown options afterwards: the
    command's own complaint comes first ("one of the arguments --confirm --reject is
    required", when --confirm was mistyped), and leftovers are refused by the top-level
    parser under the top-level usage. Subcommands are built with their parent's class, so
    this one class covers the commands of every flows/cli_*.py module."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.given: list[str] = []  # the arguments of this parser's last parse

    def parse_known_args(self, args=None, namespace=None):
        self.given = list(sys.argv[1:] if args is None else args)
        return super().parse_known_args(args, namespace)

    def parse_args(self, args=None, namespace=None):
        parsed, extras = self.parse_known_args(args, namespace)
        if extras:
            _owner(self, parsed, extras).error(f"unrecognized arguments: {' '.join(extras)}")
        return parsed

    def error(self, message: str) -> NoReturn:
        own = _own_args(self)
        unknown = unknown_options(self, own)
        dashed = [arg for arg in own if arg[:1] in _LONG_DASHES and len(arg) > 1]
        if unknown:
            message = _unknown_message(self, unknown) + _before_command_hint(self, unknown)
        elif dashed:
            message = _long_dash_message(dashed)
        super().error(message)


_LONG_DASHES = "\u2014\u2013\u2012\u2212"  # em, en and figure dashes, minus: pasted for "--"


def _long_dash_message(dashed: list[str]) -> str:
    """An option typed or pasted with a long dash (—confirm) is read as a value; name it."""
    fixed = ", ".join(f"{arg} (write --{arg.lstrip(_LONG_DASHES)})" for arg in dashed)
    return f"an option written with a long dash is not an option: {fixed}"


def _before_command_hint(parser: argparse.ArgumentParser, unknown: list[str]) -> str:
    """Options of a command given before its name (yrdwatch --db X sql …) belong after it."""
    commands = _commands(parser)
    if commands is None:
        return ""
    owned = {s for sub in commands.choices.values() for a in sub._actions for s in a.option_strings}
    if not any(name in owned for name in unknown):
        return ""
    return "; a command's options go after its name, e.g. `yrdwatch sql --db PATH QUERY`"


def _commands(parser: argparse.ArgumentParser) -> argparse._SubParsersAction | None:
    return next((a for a in parser._actions if isinstance(a, argparse._SubParsersAction)), None)


def _own_args(parser: CommandParser) -> list[str]:
    """The arguments this parser reads itself: up to its command's name, if it has commands
    (what follows is the command's to judge)."""
    commands = _commands(parser)
    if commands is None:
        return parser.given
    cut = next((i for i, arg in enumerate(parser.given) if arg in commands.choices), None)
    return parser.given[:cut]


def _owner(parser: CommandParser, parsed: argparse.Namespace, extras: list[str]) -> CommandParser:
    """The innermost command given the leftover arguments, whose usage fits the error."""
    commands = _commands(parser)
    chosen = commands.choices.get(getattr(parsed, commands.dest, None)) if commands else None
    if isinstance(chosen, CommandParser) and all(e in chosen.given for e in extras):
        return _owner(chosen, parsed, extras)
    return parser


_NUMBER = re.compile(r"^-\d+$|^-\d*\.\d+$")  # argparse reads these as values, not options


def unknown_options(parser: argparse.ArgumentParser, given: Sequence[str]) -> list[str]:
    """Option-like arguments the parser has no option for, read as argparse reads them: an
    unambiguous prefix of a long option is that option, `--opt=value` is `--opt`, and
    anything after `--` is a value."""
    known = [s for action in parser._actions for s in action.option_strings]
    found: list[str] = []
    for arg in given:
        if arg == "--":
            break
        if len(arg) < 2 or arg[0] not in parser.prefix_chars or " " in arg or _NUMBER.match(arg):
            continue
        name = arg.split("=", 1)[0] if arg.startswith("--") else arg
        abbreviated = parser.allow_abbrev and any(k.startswith(name) for k in known)
        if name not in known and arg[:2] not in known and not abbreviated:
            found.append(name)
    return list(dict.fromkeys(found))


def _unknown_message(parser: argparse.ArgumentParser, unknown: list[str]) -> str:
    """Name each unknown option, with the nearest option of this command when one is close."""
    options = [s for action in parser._actions for s in action.option_strings]
    named = []
    for name in unknown:
        close = difflib.get_close_matches(name, options, n=1)
        named.append(f"{name} (did you mean {close[0]}?)" if close else name)
    return f"unknown option{'s' if len(named) > 1 else ''} {', '.join(named)}"


def build_parser() -> argparse.ArgumentParser:
    parser = CommandParser(
        prog="yrdwatch",
        description="Watch Yangtze River Delta government news for follow-ups to the "
        "2018 symposium commitments.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_run(sub)
    _add_demo(sub)
    _add_serve(sub)
    _add_sql(sub)
    _add_digest(sub)
    _register_modules(sub)
    return parser


def _register_modules(sub) -> None:
    """Commands that live in their own modules (one per area)."""
    from flows import cli_linking, cli_ops, cli_record, cli_sources

    cli_sources.register(sub)
    cli_ops.register(sub)
    cli_record.register(sub)
    cli_linking.register(sub)


def db_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--db", type=Path, help="warehouse file (default $YRDWATCH_DB or data/yrdwatch.duckdb)"
    )


def source_args(p: argparse.ArgumentParser, verb: str) -> None:
    """`--sources FILE` and repeatable `--source ID`, shared by the commands that crawl."""
    p.add_argument("--sources", type=Path, help="source TOML file (replaces the built-in registry)")
    p.add_argument(
        "--source",
        action="append",
        dest="source_ids",
        metavar="ID",
        help=f"{verb} only this source (repeatable)",
    )


def _add_run(sub) -> None:
    p = sub.add_parser("run", help="one monitor run: crawl, load, link, digest")
    source_args(p, "run")
    p.add_argument("--replay-url", help="serve the crawl from an archive server at this URL")
    p.add_argument(
        "--replay",
        type=Path,
        metavar="FILE",
        help="serve the crawl from a WARC file (yrdwatch record) or an archive folder",
    )
    db_arg(p)
    p.set_defaults(handler=cmd_run)


def _add_demo(sub) -> None:
    p = sub.add_parser("demo", help="the whole pipeline on the bundled archive, offline")
    p.add_argument("--db", type=Path, help="warehouse file (default data/demo.duckdb)")
    start = p.add_mutually_exclusive_group()
    start.add_argument(
        "--keep",
        action="store_true",
        help="run again on the demo warehouse as it is (labels kept) instead of starting afresh",
    )
    start.add_argument(
        "--fresh",
        action="store_true",
        help="start afresh even though the warehouse holds analyst labels (they are discarded)",
    )
    p.set_defaults(handler=cmd_demo)


def _add_serve(sub) -> None:
    p = sub.add_parser("serve", help="run the monitor on a schedule (Prefect serve)")
    p.add_argument(
        "--interval-minutes", type=float, default=360.0, help="minutes between runs (default 360)"
    )
    p.add_argument("--cron", help="cron schedule instead of an interval, e.g. '0 */6 * * *'")
    p.add_argument("--sources", type=Path, help="source TOML file")
    db_arg(p)
    p.set_defaults(handler=cmd_serve)


def _add_sql(sub) -> None:
    p = sub.add_parser("sql", help="read-only SQL on the warehouse snapshot (or a named query)")
    p.add_argument("query", nargs="?", help="SQL text or the name of a query in sql/queries/")
    p.add_argument("--format", choices=["table", "csv", "json"], default="table")
    p.add_argument(
        "--live",
        action="store_true",
        help="open the live warehouse read-only instead of the published snapshot",
    )
    db_arg(p)
    p.set_defaults(handler=cmd_sql)


def _add_digest(sub) -> None:
    p = sub.add_parser("digest", help="print the digest of the latest (or a given) run")
    p.add_argument("--run", dest="run_id", help="run id (default: the latest run)")
    p.add_argument(
        "--write",
        action="store_true",
        help="also rewrite the run's digest files (.md, .html, .json) beside the warehouse",
    )
    db_arg(p)
    p.set_defaults(handler=cmd_digest)


def _load_sources(path: Path | None, ids: list[str] | None = None):
    from flows.selection import select_sources
    from scrapers.registry import RegistryError

    if path is not None and not path.is_file():
        raise UsageError(f"{path}: source file not found; pass an existing TOML file to --sources")
    try:
        return select_sources(str(path) if path else None, ids)
    except (RegistryError, ValueError) as exc:
        raise UsageError(str(exc)) from exc


def _print_details(snapshot_path: str) -> None:
    """Source health and follow-ups per field, read from the snapshot just published."""
    from warehouse.query import format_rows, run_query

    for name in ("source_brief", "followups_by_field"):
        print()
        print(format_rows(*run_query(Path(snapshot_path), name), "table"))


def _print_summary(summary) -> None:
    print(f"run {summary.run_id}: {summary.status}")
    print(f"  sources: {summary.sources_total} ({summary.sources_failed} failed or blocked)")
    print(f"  releases: {summary.releases_new} new, {summary.releases_changed} changed")
    print(f"  follow-up links: {summary.links_new} new")
    print(f"  warehouse: {summary.db_path}")
    print(f"  snapshot for SQL: {summary.snapshot_path}")
    print(f"  digest: {summary.digest_path}")
    _print_details(summary.snapshot_path)
    db_flag = "" if Path(summary.db_path) == default_db_path() else f" --db {summary.db_path}"
    print(f"\nNext: yrdwatch sql{db_flag} recent_followups   (or any SQL on the snapshot)")


def _run_monitor(**params):
    _prefect_env()
    import asyncio

    from flows.monitor import monitor
    from warehouse.runlock import run_lock

    with run_lock(Path(params["db_path"]), purpose=f"{params.get('mode', 'live')} run"):
        return asyncio.run(monitor(**params))


def check_field_model() -> None:
    """A run links with the field model `$YRDWATCH_FIELD_MODEL` may name: check it before the
    run starts, so a wrong path is one line, not a failed flow."""
    from warehouse.fieldmodel import FieldModelError, load_model

    try:
        load_model()
    except FieldModelError as exc:
        raise UsageError(str(exc)) from exc


def cmd_run(args) -> int:
    check_field_model()
    _load_sources(args.sources, args.source_ids)
    if args.replay is not None:
        return _run_replayed(args)
    summary = _run_monitor(
        sources_file=str(args.sources) if args.sources else None,
        source_ids=args.source_ids,
        db_path=str(args.db or default_db_path()),
        replay_url=args.replay_url,
        mode="replay" if args.replay_url else "live",
    )
    _print_summary(summary)
    return 0 if summary.status == "completed" else 1


def _run_replayed(args) -> int:
    """`run --replay FILE`: serve the WARC file (or archive folder) on loopback for the run."""
    from scrapers.replay import replay_url_for

    if args.replay_url:
        raise UsageError("pass either --replay or --replay-url, not both")
    if not args.replay.exists():
        raise UsageError(f"{args.replay}: not found; pass a WARC file from `yrdwatch record`")
    with contextlib.ExitStack() as stack:
        try:
            url = stack.enter_context(replay_url_for(args.replay))
        except ValueError as exc:
            raise UsageError(str(exc)) from exc
        summary = _run_monitor(
            sources_file=str(args.sources) if args.sources else None,
            source_ids=args.source_ids,
            db_path=str(args.db or default_db_path()),
            replay_url=url,
            mode="replay",
        )
    _print_summary(summary)
    return 0 if summary.status == "completed" else 1


def cmd_demo(args) -> int:
    check_field_model()
    from flows.demo import demo_labels, run_demo

    labels = 0 if args.keep else demo_labels(args.db)
    if labels and not args.fresh:
        raise UsageError(
            f"{args.db or 'the demo warehouse'} holds {labels} analyst label(s), which starting "
            "afresh would discard: add --keep to run on it as it is, or --fresh to discard them"
        )
    if labels:
        print(f"yrdwatch demo: discarding {labels} analyst label(s) (--fresh)", file=sys.stderr)
    summary = run_demo(args.db, fresh=not args.keep)
    _print_summary(summary)
    return 0 if summary.status == "completed" else 1


def cmd_serve(args) -> int:
    check_field_model()
    _load_sources(args.sources)
    _prefect_env()
    from flows.serve import serve_monitor

    return serve_monitor(
        interval_minutes=args.interval_minutes,
        cron=args.cron,
        sources_file=str(args.sources) if args.sources else None,
        db_path=str(args.db or default_db_path()),
        announce=lambda msg: print(msg, flush=True),
    )


def cmd_sql(args) -> int:
    from warehouse.query import QueryError, format_rows, named_queries, run_query
    from warehouse.snapshot import read_path

    if not args.query:
        for name, text in sorted(named_queries().items()):
            first = text.strip().splitlines()[0] if text.strip() else ""
            print(f"{name}\t{first.lstrip('- ')}")
        return 0
    path = read_path(args.db or default_db_path(), args.live)
    if not path.is_file():
        raise missing_warehouse(path)
    try:
        columns, rows = run_query(path, args.query)
    except QueryError as exc:
        raise UsageError(str(exc)) from exc
    output = format_rows(columns, rows, args.format)
    print(output, end="" if output.endswith("\n") else "\n")
    return 0


def cmd_digest(args) -> int:
    from warehouse import db, digest
    from warehouse.snapshot import is_snapshot_path

    path = args.db or default_db_path()
    if args.write and is_snapshot_path(path):
        raise UsageError(
            f"{path} is a published snapshot, without the labels made since it; --write "
            "rewrites the run's digest from the warehouse itself (--db without -latest)"
        )
    if not path.is_file():
        raise missing_warehouse(path)
    con = db.connect(path, read_only=True)
    try:
        content = digest.build_digest(con, digest.digest_run(con, args.run_id))
    except digest.DigestRunError as exc:
        raise UsageError(str(exc)) from exc
    finally:
        con.close()
    markdown = digest.render_markdown(content)
    print(markdown, end="")
    if args.write:
        _rewrite_digest_files(content, markdown, digest_dir_for(path))
    return 0


def _rewrite_digest_files(content, markdown: str, out_dir: Path) -> None:
    """Labels made since the run change the digest; --write brings the run's files up to date."""
    from warehouse.digest import write_digest
    from warehouse.digest_formats import write_formats

    written = [write_digest(markdown, out_dir, content.run_id)]
    written += write_formats(content, markdown, out_dir).values()
    print(f"wrote {', '.join(str(p) for p in written)}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        return handler(args)
    except UsageError as exc:
        print(f"yrdwatch: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except (WarehouseLockedError, MigrationError, ServeError) as exc:
        print(f"yrdwatch: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("yrdwatch: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        _silence_stdout()
        return 141


def _silence_stdout() -> None:
    """The reader (e.g. `| head`) went away: point stdout at /dev/null so the interpreter's
    final flush stays quiet, as other Unix tools do."""
    try:
        fd = sys.stdout.fileno()
    except (OSError, ValueError):
        return
    os.dup2(os.open(os.devnull, os.O_WRONLY), fd)


if __name__ == "__main__":
    sys.exit(main())
