"""What a user review of `yrdwatch eval` and the CLI's usage errors found, pinned:

- held-out parts that informed a decision say so (once), and the generic held-out line claims
  no more than is true;
- every number against a target says `met` or `below target`; an undefined ratio is a dash,
  and a slice too small to resample gets no interval;
- a bad labelled file is checked whole, every bad line named, nothing measured;
- a mistyped option is named under the usage of its own command, for every command."""

import json
import re
from pathlib import Path

import pytest

from flows.cli import build_parser, main
from flows.cli_linking import DEV_SET
from warehouse.evaluate import (
    HELD_OUT,
    HELD_OUT_USES,
    LABELED_DIR,
    LINKER,
    MAX_SHOWN_PROBLEMS,
    MIN_INTERVAL_ITEMS,
    EvalReport,
    Item,
    MethodScores,
    Scores,
    _target_lines,
    evaluate_sets,
    format_report,
    split_part,
)

NOTED = ["yrd-two-members", "yrd-fields-blind"]  # held-out parts the README says were used
UNNOTED = "yrd-invented"


def held_out_ids(prefix: str, count: int) -> list[str]:
    """Ids the hash split puts in the held-out part, so they show in the held-out rows."""
    ids = (f"{prefix}{n}" for n in range(1000))
    return [i for i in ids if split_part(i) == HELD_OUT][:count]


@pytest.fixture(scope="module")
def report_text() -> str:
    files = [LABELED_DIR / f"{name}.jsonl" for name in [*NOTED, UNNOTED]]
    files += [DEV_SET] if DEV_SET.is_file() else []
    return format_report(evaluate_sets(files))


# ------------------------------------------------------------------ 1. held-out caveats


def test_each_held_out_part_that_informed_a_decision_says_so_once(report_text):
    lines = report_text.splitlines()
    present = [*NOTED, *(["followups-dev"] if DEV_SET.is_file() else [])]
    for name in present:
        assert sum(line.startswith(f"  [held-out] {name}: ") for line in lines) == 1, name
    assert not any(line.startswith(f"  [held-out] {UNNOTED}: ") for line in lines)
    assert "the honest estimate" not in report_text
    assert "errors not inspected" not in report_text
    generic = next(line for line in lines if line.startswith("  [held-out] held-out: "))
    assert "their scores are read" in generic


def test_held_out_caveats_name_real_sets_and_say_what_the_part_was_used_for():
    names = {p.stem for p in LABELED_DIR.glob("*.jsonl")} | {"followups-dev"}
    assert set(HELD_OUT_USES) <= names
    assert {"followups-dev", "yrd-fields-blind", "yrd-two-members"} <= set(HELD_OUT_USES)
    assert "0.870 → 0.826" in HELD_OUT_USES["followups-dev"]
    assert "errors were never listed" in HELD_OUT_USES["yrd-two-members"]


def test_a_set_without_a_caveat_prints_none(tmp_path, capsys):
    own = tmp_path / "mine.jsonl"
    row = {"id": "m1", "language": "en", "title": "t", "body": "b", "followup": False}
    own.write_text(json.dumps(row) + "\n", encoding="utf-8")
    assert main(["eval", str(own)]) == 0
    out = capsys.readouterr().out
    assert [line for line in out.splitlines() if line.startswith("  [held-out]")] == [
        next(line for line in out.splitlines() if line.startswith("  [held-out] held-out: "))
    ]
    assert "in your own files it was never used for tuning" in out


# ------------------------------------------------------------------ 2. targets, dashes, intervals


def test_every_target_number_says_met_or_below_target(report_text):
    targets = [line for line in report_text.splitlines() if line.startswith("targets (held-out")]
    assert targets
    for line in targets:
        verdicts = line.split("): ", 1)[1]
        numbers = re.findall(r"\d\.\d{3,4}(?: \((?:met|below target)\))?", verdicts)
        assert numbers and all(n.endswith(("(met)", "(below target)")) for n in numbers), line
    assert "(met)" in "".join(targets)


def test_a_miss_that_rounds_to_the_target_is_below_and_an_empty_slice_is_neither():
    report = EvalReport(Path("x"), 0.42, "m", 28, sets=["followups-dev"])
    en = MethodScores(Scores(16, 0, 1), Scores(10, 0, 0), 25)  # 32/33 = 0.9697
    zh = MethodScores(Scores(0, 0, 0), Scores(0, 0, 0), 3)  # three correct negatives
    report.results[("followups-dev", HELD_OUT, "en", LINKER)] = en
    report.results[("followups-dev", HELD_OUT, "zh", LINKER)] = zh
    (line,) = _target_lines(report)
    assert "en detection 0.9697 (below target), fields 1.000 (met)" in line
    assert "zh detection — (nothing to score), fields — (nothing to score)" in line


def _analyst_report() -> str:
    """One missed English follow-up and one rejected link in each language, all held-out."""
    en_missed, en_no = held_out_ids("u:en", 2)
    (zh_no,) = held_out_ids("u:zh", 1)
    weather = ("Sunny weekend in Shanghai", "Forecasters expect sunshine in Shanghai.")
    labels = [
        Item(en_missed, "en", *weather, True, frozenset({"energy"})),
        Item(en_no, "en", *weather, False, frozenset()),
        Item(zh_no, "zh", "上海周末晴", "上海本周末天气晴好。", False, frozenset()),
    ]
    files = [LABELED_DIR / f"{UNNOTED}.jsonl"]
    return format_report(evaluate_sets(files, extra={"analyst labels": labels}))


def test_undefined_precision_is_a_dash_not_zero_and_columns_stay_aligned():
    text = _analyst_report()
    lines = text.splitlines()
    header = next(line for line in lines if line.startswith("set "))
    table = [line for line in lines if line.startswith(("analyst labels ", f"{UNNOTED} "))]
    assert table and all(len(line) == len(header) for line in table)
    cells = {
        (line[19:27].strip(), line[28:32].strip()): line[33:].split()
        for line in table
        if line.startswith("analyst labels")
    }
    # n, det P, det R, det F1, base, fld P, fld R, fld F1, base
    assert cells[(HELD_OUT, "en")][:4] == ["2", "—", "0.000", "0.000"]  # nothing predicted
    assert cells[(HELD_OUT, "en")][5:8] == ["—", "0.000", "0.000"]
    assert cells[(HELD_OUT, "zh")][1:4] == ["—", "—", "—"]  # no follow-up at all


def test_a_slice_too_small_to_resample_gets_no_interval():
    lines = _analyst_report().splitlines()
    rows = [line for line in lines if line.startswith("  analyst labels")]
    assert rows and all("[" not in line for line in rows)
    en = next(line for line in rows if " en " in line)
    assert "0.000 (n too small)" in en
    zh = next(line for line in rows if " zh " in line)
    assert zh.split()[-2:] == ["—", "—"]
    invented = [line for line in lines if line.startswith(f"  {UNNOTED} ")]
    assert invented and all(line.count("[") == 2 for line in invented)  # n >= 5: intervals
    assert MIN_INTERVAL_ITEMS == 5


# ------------------------------------------------------------------ 3. a bad file, checked whole

GOOD = {"id": "x1", "language": "en", "title": "t", "body": "b", "followup": False}


def write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_bad_file_names_every_bad_line_and_measures_nothing(tmp_path, capsys):
    bad = write_lines(
        tmp_path / "bad.jsonl",
        [json.dumps(GOOD), json.dumps({**GOOD, "language": "fr"}), "{not json"],
    )
    assert main(["eval", str(bad)]) == 2
    out, err = capsys.readouterr()
    assert out == ""  # nothing evaluated
    problems = [line for line in err.splitlines() if line.startswith(f"{bad}:")]
    assert problems[0].startswith(f"{bad}:2: 'language' is 'fr'")
    assert problems[1].startswith(f"{bad}:2: id 'x1' is also on line 1")
    assert problems[2].startswith(f"{bad}:3: not valid JSON")
    assert len(problems) == 3
    assert err.startswith("yrdwatch: 3 problems in the labelled files")


def test_many_bad_lines_across_files_are_capped_with_a_count(tmp_path, capsys):
    good = write_lines(tmp_path / "good.jsonl", [json.dumps(GOOD)])
    first = write_lines(tmp_path / "first.jsonl", ["{bad"] * 25)
    second = write_lines(tmp_path / "second.jsonl", [json.dumps({**GOOD, "followup": "no"})])
    assert main(["eval", str(good), str(first), str(second)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    lines = err.strip().splitlines()
    assert lines[0] == "yrdwatch: 26 problems in the labelled files; fix them and run again:"
    assert len(lines) == 1 + MAX_SHOWN_PROBLEMS + 1
    assert lines[-1] == f"… and {26 - MAX_SHOWN_PROBLEMS} more"
    assert all(line.startswith(f"{first}:") for line in lines[1:-1])


def test_every_missing_file_is_named_not_just_the_first(tmp_path, capsys):
    missing = [tmp_path / "one.jsonl", tmp_path / "two.jsonl"]
    assert main(["eval", *map(str, missing), str(tmp_path)]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert lines == [
        f"yrdwatch: {missing[0]}: file not found; pass a labeled JSONL file",
        f"{missing[1]}: file not found; pass a labeled JSONL file",
        f"{tmp_path}: is a directory; pass a labeled JSONL file",
    ]


def test_a_missing_file_does_not_hide_the_bad_lines_of_the_files_that_are_there(tmp_path, capsys):
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({**GOOD, "language": "fr"}) + "\n{bad\n", encoding="utf-8")
    missing = tmp_path / "missing.jsonl"
    assert main(["eval", str(bad), str(missing)]) == 2
    err = capsys.readouterr().err
    assert f"{missing}: file not found" in err
    assert f"{bad}:1: 'language' is 'fr'" in err and f"{bad}:2: not valid JSON" in err


def test_a_line_that_is_not_utf8_does_not_hide_the_other_lines(tmp_path):
    from warehouse.evaluate import EvalInputError, read_items

    path = tmp_path / "mixed.jsonl"
    path.write_bytes(b'{"id": "\xd6\xd0"}\n{bad\n' + json.dumps(GOOD).encode() + b"\n")
    with pytest.raises(EvalInputError) as caught:
        read_items(path)
    assert [p.split(": ", 1)[0] for p in caught.value.problems] == [f"{path}:1", f"{path}:2"]
    assert "not UTF-8 (byte 0xd6 at offset 8)" in caught.value.problems[0]


# ------------------------------------------------------------------ 4. mistyped options


def usage_error(capsys, argv: list[str]) -> str:
    with pytest.raises(SystemExit) as caught:
        main(argv)
    assert caught.value.code == 2
    return capsys.readouterr().err


def test_a_mistyped_required_choice_is_named_not_reported_missing(capsys):
    err = usage_error(capsys, ["label", "https://x.example/a", "environment", "--confrim"])
    assert err.startswith("usage: yrdwatch label ")
    assert "unknown option --confrim (did you mean --confirm?)" in err
    assert "is required" not in err


def test_a_mistyped_option_after_a_valid_one_gets_the_commands_usage(capsys):
    argv = ["label", "https://x.example/a", "environment", "--reject", "--notes", "x"]
    err = usage_error(capsys, argv)
    assert err.startswith("usage: yrdwatch label ")
    assert "COMMAND ..." not in err
    assert "unknown option --notes (did you mean --note?)" in err


def test_an_option_pasted_with_a_long_dash_is_named_with_its_spelling(capsys):
    err = usage_error(capsys, ["label", "https://x.example/a", "environment", "\u2014confirm"])
    assert "\u2014confirm (write --confirm)" in err
    assert "is required" not in err


def test_a_command_s_option_before_the_command_says_where_it_goes(capsys):
    err = usage_error(capsys, ["--db", "x.duckdb", "sql", "SELECT 1"])
    assert "unknown option --db; a command's options go after its name" in err


def _commands(parser, path=()):
    """Every leaf command, as the words that name it (`sources list`, …)."""
    for action in parser._actions:
        if action.__class__.__name__ == "_SubParsersAction":
            for name, sub in action.choices.items():
                yield from _commands(sub, (*path, name))
            return
    yield path


@pytest.mark.parametrize("command", list(_commands(build_parser())), ids=" ".join)
def test_every_command_names_an_unknown_option_under_its_own_usage(capsys, command):
    err = usage_error(capsys, [*command, "--no-such-option"])
    assert err.startswith(f"usage: yrdwatch {' '.join(command)} ")
    assert "unknown option --no-such-option" in err


def test_what_argparse_accepts_is_not_called_unknown():
    parser = build_parser()
    args = parser.parse_args(["label", "u", "environment", "--conf", "--note=why"])
    assert (args.verdict, args.note) == ("confirmed", "why")  # an abbreviation, an = value
    args = parser.parse_args(["serve", "--interval-minutes", "-5"])  # a negative number
    assert args.interval_minutes == -5
    args = parser.parse_args(["sql", "SELECT -1 AS x"])
    assert args.query == "SELECT -1 AS x"
