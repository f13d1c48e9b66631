"""`eval` and `train-fields` on an analyst's own files: nothing shipped is replaced by
accident, a model of their own can be measured, and their errors can be read."""

import argparse
import json
import os

import pytest

from flows import cli_linking
from flows.cli import UsageError
from warehouse import fieldmodel
from warehouse.evaluate import LABELED_DIR, Item, Prediction, evaluate_sets, format_errors

OWN = [
    {
        "id": "mine-1",
        "language": "en",
        "title": "Shanghai, Jiangsu, Zhejiang and Anhui open a cross-provincial rail line",
        "body": "The Yangtze River Delta railway links the four members and carries freight.",
        "followup": True,
        "fields": ["energy"],  # labelled wrongly on purpose: the linker cannot agree
    },
    {
        "id": "mine-2",
        "language": "en",
        "title": "Sunny weekend in Shanghai",
        "body": "Forecasters expect sunshine in Shanghai this weekend.",
        "followup": False,
    },
]


def write(path, rows):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    return path


def run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    cli_linking.register(parser.add_subparsers())
    args = parser.parse_args(argv)
    return args.handler(args)


@pytest.fixture
def shipped_model_untouched():
    before = fieldmodel.MODEL_PATH.read_bytes()
    yield
    assert fieldmodel.MODEL_PATH.read_bytes() == before


@pytest.fixture
def model_env(monkeypatch):
    """eval --model sets $YRDWATCH_FIELD_MODEL for the process; undo it after the test."""
    monkeypatch.delenv(fieldmodel.MODEL_ENV, raising=False)
    yield
    os.environ.pop(fieldmodel.MODEL_ENV, None)


def test_training_on_your_own_files_never_replaces_the_shipped_model_by_accident(
    tmp_path, shipped_model_untouched
):
    own = write(tmp_path / "mine.jsonl", OWN)
    with pytest.raises(UsageError, match="would replace the shipped model; pass --out PATH"):
        run(["train-fields", str(own)])
    with pytest.raises(UsageError, match="cannot write the model"):
        run(["train-fields", str(LABELED_DIR / "demo-articles.jsonl"), "--out", str(tmp_path)])
    with pytest.raises(UsageError, match="--set only chooses what --cv scores"):
        run(["train-fields", "--set", "followups-dev"])


def test_a_model_of_your_own_is_measured_with_eval_model(tmp_path, capsys, model_env):
    out = tmp_path / "m.json"
    training = str(LABELED_DIR / "demo-articles.jsonl")
    assert run(["train-fields", training, "--out", str(out)]) == 0
    assert json.loads(out.read_text())["trained_on"]["files"] == ["demo-articles.jsonl"]
    assert fieldmodel.active_model_path() == fieldmodel.MODEL_PATH
    labeled = str(LABELED_DIR / "yrd-invented.jsonl")
    shipped_digest = fieldmodel.model_digest()
    assert run(["eval", labeled, "--model", str(out)]) == 0
    assert f"field model {out} (" in capsys.readouterr().out  # the report says which model
    assert fieldmodel.active_model_path() == out
    assert fieldmodel.model_digest() != shipped_digest  # so runs with it relink
    broken = tmp_path / "broken.json"
    broken.write_text("{}")
    with pytest.raises(
        UsageError, match="features differ from the code; retrain it: use a model written by"
    ):
        run(["eval", labeled, "--model", str(broken)])


def test_two_files_with_one_name_are_refused_not_merged(tmp_path):
    (tmp_path / "sub").mkdir()
    first = write(tmp_path / "mine.jsonl", OWN)
    second = write(tmp_path / "sub" / "mine.jsonl", OWN[:1])
    with pytest.raises(UsageError, match="are both named 'mine'.*rename one"):
        run(["eval", str(first), str(second)])
    with pytest.raises(UsageError, match="is a directory; pass a labeled JSONL file"):
        run(["eval", str(tmp_path / "sub")])


def test_errors_lists_every_mistake_with_its_set_and_part(tmp_path, capsys):
    own = write(tmp_path / "mine.jsonl", OWN)
    assert run(["eval", str(own), "--errors"]) == 0
    out = capsys.readouterr().out
    assert "linker errors (set, part, id: what went wrong); held-out errors included:" in out
    assert "mine " in out and "mine-1: fields: labelled [energy], linked [" in out
    assert "mine-2" not in out.split("linker errors (set")[1]  # a right call is not an error


def test_analyst_labels_have_rows_of_their_own_and_stay_out_of_all_sets():
    files = [LABELED_DIR / "yrd-invented.jsonl", LABELED_DIR / "demo-articles.jsonl"]
    without = evaluate_sets(files)
    wrong = Item("u:1", "en", OWN[1]["title"], OWN[1]["body"], True, frozenset({"energy"}))
    report = evaluate_sets(files, extra={"analyst labels": [wrong]})
    key = ("all sets", "held-out", "en", "linker")
    assert report.results[key] == without.results[key]
    assert "analyst labels" in report.sets
    assert "u:1: missed follow-up" in format_errors(report)


def test_format_errors_says_none_when_the_linker_was_right():
    report = evaluate_sets([LABELED_DIR / "yrd-invented.jsonl"])
    report.set_predictions = {
        "x": [(Item("a", "en", "t", "b", False, frozenset()), Prediction(False, frozenset()))]
    }
    report.sets = ["x"]
    assert format_errors(report).endswith("\n  none")


def test_target_lines_never_round_a_miss_up_to_the_target():
    from warehouse.evaluate import _against

    assert _against(32 / 33, "detection") == "0.9697 (below target)"
    assert _against(0.8696, "fields") == "0.870 (below target)"
    assert _against(0.978, "detection") == "0.978"


def test_a_field_model_env_var_naming_a_bad_file_is_one_line_naming_the_variable(
    tmp_path, monkeypatch
):
    from flows.cli import check_field_model

    monkeypatch.setenv(fieldmodel.MODEL_ENV, str(tmp_path / "missing.json"))
    with pytest.raises(UsageError, match=r"\$YRDWATCH_FIELD_MODEL names it"):
        check_field_model()
    with pytest.raises(UsageError, match="YRDWATCH_FIELD_MODEL"):
        run(["eval", str(LABELED_DIR / "yrd-invented.jsonl")])


def test_cv_with_out_is_refused_since_cv_writes_nothing(tmp_path):
    with pytest.raises(UsageError, match="--cv only prints cross-validation"):
        run(["train-fields", "--cv", "--out", str(tmp_path / "m.json")])
