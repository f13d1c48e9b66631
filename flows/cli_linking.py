"""`yrdwatch eval`, `yrdwatch explain` and `yrdwatch label`: linking quality and feedback.

`eval` with no file measures the repo's own labeled sets (warehouse/labeled/*.jsonl) and,
when present, the shared dev set; `--labels` adds the analysts' labels from the warehouse.
`explain URL` shows why a release was linked or not; `label URL COMMITMENT --confirm|--reject`
stores an analyst's verdict that every later run respects.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from flows.cli import UsageError, check_field_model, missing_warehouse
from flows.paths import default_db_path

DEV_SET = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "followups-dev.jsonl"


def register(sub) -> None:
    """Add eval, explain and label to the `yrdwatch` subcommands."""
    _add_eval(sub)
    _add_explain(sub)
    _add_label(sub)
    _add_train_fields(sub)


def _db_args(p: argparse.ArgumentParser, live_help: str) -> None:
    p.add_argument(
        "--db", type=Path, help="warehouse file (default $YRDWATCH_DB or data/yrdwatch.duckdb)"
    )
    p.add_argument("--live", action="store_true", help=live_help)


def _add_eval(sub) -> None:
    p = sub.add_parser("eval", help="precision/recall/F1 of the linker on labeled JSONL files")
    p.add_argument(
        "files",
        nargs="*",
        type=Path,
        help="labeled files (default: warehouse/labeled/*.jsonl and the shared dev set)",
    )
    p.add_argument(
        "--labels", action="store_true", help="also evaluate on analysts' labels in the warehouse"
    )
    p.add_argument(
        "--by-field",
        choices=["held-out", "tune", "all"],
        nargs="?",
        const="held-out",
        help="also print per-field P/R/F1 for one part (default held-out)",
    )
    p.add_argument(
        "--errors",
        action="store_true",
        help="also list every linker error, held-out ones included (for your own files)",
    )
    p.add_argument(
        "--model",
        type=Path,
        help="measure with this field model (from train-fields --out) instead of the shipped one",
    )
    _db_args(p, "read labels from the live warehouse instead of the snapshot")
    p.set_defaults(handler=cmd_eval)


def _add_explain(sub) -> None:
    p = sub.add_parser("explain", help="why a release was linked to commitments, or why not")
    p.add_argument("url", help="release URL as stored in the warehouse")
    _db_args(p, "read the live warehouse instead of the published snapshot")
    p.set_defaults(handler=cmd_explain)


def _add_label(sub) -> None:
    p = sub.add_parser("label", help="confirm or reject a link; later runs respect it")
    p.add_argument("url", help="release URL as stored in the warehouse")
    p.add_argument("commitment", help="commitment id, e.g. transport.rail")
    verdict = p.add_mutually_exclusive_group(required=True)
    verdict.add_argument("--confirm", dest="verdict", action="store_const", const="confirmed")
    verdict.add_argument("--reject", dest="verdict", action="store_const", const="rejected")
    p.add_argument("--note", default="", help="why (kept with the label)")
    p.add_argument(
        "--story",
        action="store_true",
        help="label the link on every release of the story (copies and translations) too",
    )
    p.add_argument(
        "--db", type=Path, help="warehouse file (default $YRDWATCH_DB or data/yrdwatch.duckdb)"
    )
    p.set_defaults(handler=cmd_label)


def _add_train_fields(sub) -> None:
    p = sub.add_parser(
        "train-fields", help="retrain the field model on the tune parts of the labeled sets"
    )
    p.add_argument(
        "files",
        nargs="*",
        type=Path,
        help="labeled files (default: the repo's training sets and the shared dev set)",
    )
    p.add_argument(
        "--cv",
        action="store_true",
        help="only print 5-fold cross-validation on the tune parts; write nothing",
    )
    p.add_argument(
        "--set",
        dest="only_set",
        metavar="NAME",
        help="with --cv: score only this labeled set's tune items (e.g. followups-dev)",
    )
    p.add_argument("--out", type=Path, help="where to write the model (default: the shipped one)")
    p.add_argument(
        "--force",
        action="store_true",
        help="with your own files and no --out: replace the shipped model anyway",
    )
    p.set_defaults(handler=cmd_train_fields)


def default_eval_files() -> list[Path]:
    """The repo's labeled sets, plus the shared dev set when it is on this machine."""
    from warehouse.evaluate import LABELED_DIR

    files = sorted(LABELED_DIR.glob("*.jsonl"))
    return files + ([DEV_SET] if DEV_SET.is_file() else [])


def _warehouse(args) -> Path:
    from warehouse.snapshot import read_path

    path = read_path(args.db or default_db_path(), getattr(args, "live", False))
    if not path.is_file():
        raise missing_warehouse(path)
    return path


def cmd_eval(args) -> int:
    from warehouse.evaluate import (
        EvalInputError,
        evaluate_sets,
        format_errors,
        format_fields,
        format_report,
    )

    files = args.files or default_eval_files()
    _check_labeled_files(files)
    if args.model:
        _use_field_model(args.model)
    check_field_model()
    extra = _label_items(args) if args.labels else {}
    try:
        report = evaluate_sets(files, extra=extra)
    except EvalInputError as exc:
        raise UsageError(str(exc)) from exc
    print(format_report(report))
    if args.by_field:
        print("\n" + format_fields(report, args.by_field))
    if args.errors:
        print("\n" + format_errors(report))
    return 0


def _check_labeled_files(files: list[Path]) -> None:
    """Every unusable path, one a line, and then the bad lines of the files that are there:
    a second typo should not wait for a second run."""
    found = {path: _file_problem(path) for path in files}
    problems = [problem for problem in found.values() if problem]
    if problems:
        present = [path for path, problem in found.items() if not problem]
        raise UsageError("\n".join([*problems, *_content_problems(present)]))


def _content_problems(files: list[Path]) -> list[str]:
    """The bad lines of labelled files, as `eval` would report them once every file is found."""
    from warehouse.evaluate import EvalInputError, read_items

    problems = []
    for path in files:
        try:
            read_items(path)
        except EvalInputError as exc:
            problems.extend(exc.problems)
    return problems


def _file_problem(path: Path) -> str:
    if path.is_dir():
        return f"{path}: is a directory; pass a labeled JSONL file"
    if not path.is_file():
        return f"{path}: file not found; pass a labeled JSONL file"
    return ""


def _use_field_model(path: Path) -> None:
    """`eval --model PATH`: measure a model from `train-fields --out` (checked first, so a bad
    file is one clear line, not a failure halfway through)."""
    from warehouse import fieldmodel

    try:
        fieldmodel.load_model(path)
    except fieldmodel.FieldModelError as exc:
        raise UsageError(str(exc)) from exc
    os.environ[fieldmodel.MODEL_ENV] = str(path)


def _label_items(args) -> dict:
    from warehouse import db
    from warehouse.labels import label_items, unjudged_links

    path = _warehouse(args)
    con = db.connect(path, read_only=True)
    try:
        items, left_out = label_items(con), unjudged_links(con)
    finally:
        con.close()
    if left_out:
        print(f"yrdwatch eval: {_left_out_note(left_out)}", file=sys.stderr)
    if not items and not left_out:
        hint = (
            "" if getattr(args, "live", False) else "; labels made since the last run: add --live"
        )
        print(f"yrdwatch eval: no analyst labels in {path}{hint}", file=sys.stderr)
    return {"analyst labels": items}


def _left_out_note(left_out: list[tuple[str, list[str]]], shown: int = 3) -> str:
    """Which labelled releases eval leaves out and what is left to judge on them: a release
    counts once every link `followups` shows for it is judged."""
    todo = "; ".join(f"{url}: {', '.join(ids)}" for url, ids in left_out[:shown])
    more = f"; … and {len(left_out) - shown} more" if len(left_out) > shown else ""
    return (
        f"{len(left_out)} labelled release(s) left out until every link followups shows for "
        f"them is judged (label these, or use --story): {todo}{more}"
    )


def stored_url(con, url: str) -> str:
    """The URL as the warehouse keys it (a pasted http:// or utm_* variant finds it)."""
    from warehouse.lookup import ReleaseNotFound, find_release

    try:
        return find_release(con, url)
    except ReleaseNotFound as exc:
        raise UsageError(str(exc)) from exc


def cmd_explain(args) -> int:
    from warehouse import db
    from warehouse.catalog import load_catalog
    from warehouse.linking import explain, read_thresholds
    from warehouse.lookup import release_text, shown_links
    from warehouse.stories import story_lines

    con = db.connect(_warehouse(args), read_only=True)
    try:
        url = stored_url(con, args.url)
        title, body, language = release_text(con, url)
        thresholds = read_thresholds(con)
        stored = shown_links(con, url)
        labels = _label_lines(con, url)
        story = story_lines(con, url)
    finally:
        con.close()
    shown = ", ".join(f"{cid}{' (' + label + ')' if label else ''}" for cid, label in stored)
    verdict, *reasons = explain(title, body, language, load_catalog(), thresholds)
    print(f"{url}\n{title}\n{verdict}")
    print(f"in followups now: {shown or 'none'}" + (" (analyst labels below)" if labels else ""))
    print("\n".join([*reasons, *labels, *story]))
    return 0


def _label_lines(con, url: str) -> list[str]:
    """The analysts' verdicts on this release, which override the linker's in `followups`."""
    from warehouse.labels import labels_on

    rows = labels_on(con, url)
    if not rows:
        return []
    lines = ["analyst labels (they override the linker in followups):"]
    for commitment_id, verdict, labeled_at, note in rows:
        why = f": {note}" if note else ""
        lines.append(f"  {commitment_id}: {verdict} on {labeled_at:%Y-%m-%d}{why}")
    return lines


def cmd_label(args) -> int:
    from warehouse import db
    from warehouse.catalog import load_catalog
    from warehouse.labels import LabelError, add_label, add_story_label
    from warehouse.runlock import run_lock

    path = _label_warehouse(args)
    label = add_story_label if args.story else add_label
    # A label writes while no run does: a run's loads would otherwise find the file held.
    with run_lock(path, purpose="label"):
        con = db.connect(path)
        try:
            url = stored_url(con, args.url)
            before = _label_context(con, url, args.commitment, args.verdict, args.story)
            done = label(con, url, args.commitment, args.verdict, load_catalog(), args.note)
        except LabelError as exc:
            raise UsageError(str(exc)) from exc
        finally:
            con.close()
    _print_label_result(args, url, done, before)
    return 0


def _label_warehouse(args) -> Path:
    """Labels go to the live warehouse: a snapshot is replaced by the next run, label and all."""
    from warehouse.snapshot import is_snapshot_path

    path = args.db or default_db_path()
    if is_snapshot_path(path):
        raise UsageError(
            f"{path} is a published snapshot, which the next run replaces; "
            "label the warehouse itself (--db without -latest)"
        )
    if not path.is_file():
        raise missing_warehouse(path)
    return path


def _label_context(con, url: str, commitment_id: str, verdict: str, story: bool) -> list[str]:
    """What the new label changes: the verdict it replaces, whether the link was shown, and
    story mates left with another verdict."""
    from warehouse.labels import in_followups, previous_label, story_label_conflicts

    notes = []
    previous = previous_label(con, url, commitment_id)
    if previous is not None:
        was, day = previous[0], f"{previous[1]:%Y-%m-%d}"
        same = was == verdict
        notes.append(f"already {was} on {day}" if same else f"replaces the {was} label of {day}")
    if verdict == "rejected" and not in_followups(con, url, commitment_id):
        notes.append("the link was not in followups; the rejection keeps it out of later runs")
    if story:  # with --story these notes describe only the release pasted, not its story mates
        notes = [f"this release: {note}" for note in notes]
    mixed = [] if story else story_label_conflicts(con, url, commitment_id, verdict)
    if mixed:
        notes.append(
            f"{len(mixed)} other release(s) of its story carry another verdict "
            f"({', '.join(f'{u}: {v}' for u, v in mixed)}); add --story to judge them all"
            + _still_counts(mixed)
        )
    return notes


def _still_counts(mixed: list[tuple[str, str]]) -> str:
    """A rejection that leaves the linker's link on a story mate does not take the story out
    of the counts; say so, or the analyst believes it did."""
    from warehouse.labels import LINKER_LINK

    linked = any(verdict == LINKER_LINK for _url, verdict in mixed)
    return "; until then the story still counts in commitment_status" if linked else ""


def _print_label_result(args, url: str, done, notes: list[str]) -> None:
    if args.story:
        print(f"{args.verdict}: {args.commitment} on {len(done)} release(s) of the story:")
        print("\n".join(f"  {member}" for member in done))
    else:
        print(f"{args.verdict}: {url} -> {args.commitment} (terms: {_terms_line(args, done)})")
    for note in notes:
        print(f"note: {note}")
    print(
        "stored in the live warehouse: later runs respect it, and `sql`/`explain`/`eval --labels`"
        " see it with --live; the published snapshot shows it after the next run or reparse"
    )


def _terms_line(args, evidence: dict) -> str:
    if evidence["terms"]:
        return ", ".join(evidence["terms"])
    if args.verdict == "confirmed":
        return "none: the linker found no term of it, so this link rests on your label alone"
    return "none: the linker found no term of it"


def _check_training_target(args) -> None:
    """Your own files train a model of your own: the shipped one is replaced only on purpose."""
    if args.only_set and not args.cv:
        raise UsageError("--set only chooses what --cv scores; add --cv (training uses every set)")
    if args.out and args.cv:
        raise UsageError("--cv only prints cross-validation and writes nothing; drop --out")
    if args.files and not args.out and not args.cv and not args.force:
        raise UsageError(
            "training on your own files would replace the shipped model; pass --out PATH and "
            "measure it with `yrdwatch eval --model PATH`, or --force to replace it"
        )


def cmd_train_fields(args) -> int:
    from warehouse import fieldmodel
    from warehouse.evaluate import EvalInputError

    files = args.files or fieldmodel.training_files(default_eval_files())
    _check_labeled_files(files)
    _check_training_target(args)
    try:
        if args.cv:
            print(fieldmodel.format_cross_validation(files, only_set=args.only_set))
            return 0
        model = fieldmodel.train(files, args.out or fieldmodel.MODEL_PATH)
    except (EvalInputError, fieldmodel.FieldModelError) as exc:
        raise UsageError(str(exc)) from exc
    except OSError as exc:
        target = args.out or fieldmodel.MODEL_PATH
        why = f"{target}: cannot write the model ({exc.strerror}); pick a file path"
        raise UsageError(why) from exc
    trained = model["trained_on"]
    print(
        f"wrote {args.out or fieldmodel.MODEL_PATH}: {trained['rows']} further-field rows from "
        f"{trained['items']} tune items of {', '.join(trained['files'])} (held-out parts unused)"
    )
    return 0
