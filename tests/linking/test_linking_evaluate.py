"""`yrdwatch eval` on tiny hand-made files with numbers worked out by hand."""

import json

import pytest

from warehouse.evaluate import (
    ALL,
    BASELINE,
    HELD_OUT,
    LINKER,
    TUNE,
    EvalInputError,
    evaluate_file,
    format_report,
    read_items,
    split_part,
)

ITEMS = [
    # A clear follow-up: both methods detect it. Gold fields transport + mechanism.
    {
        "id": "t1",
        "language": "zh",
        "title": "沪苏湖铁路全线铺轨贯通",
        "body": "沪苏湖铁路连接上海、江苏和浙江，将织密长三角高铁网络。",
        "followup": True,
        "fields": ["transport", "mechanism"],
    },
    # A follow-up without the delta's name: the baseline misses it, the linker finds it.
    {
        "id": "t2",
        "language": "en",
        "title": "G60 corridor cities sign technology transfer deal",
        "body": "Nine cities of the G60 Science and Technology Innovation Corridor in Shanghai, "
        "Zhejiang and Anhui signed a technology transfer agreement.",
        "followup": True,
        "fields": ["innovation"],
    },
    # A passing mention: the baseline raises a false alarm, the linker does not.
    {
        "id": "t3",
        "language": "en",
        "title": "Shanghai firm opens office",
        "body": "A Shanghai company that sells across the Yangtze River Delta opened an office.",
        "followup": False,
        "fields": [],
    },
    # A follow-up nobody can see (no anchor, no terms): both miss it.
    {
        "id": "t4",
        "language": "en",
        "title": "Officials meet",
        "body": "They talked.",
        "followup": True,
        "fields": ["mechanism"],
    },
]


def write_jsonl(tmp_path, rows, extra_lines=()):
    path = tmp_path / "labelled.jsonl"
    lines = [json.dumps(row, ensure_ascii=False) for row in rows] + list(extra_lines)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_metrics_match_hand_computed_numbers(tmp_path, catalog):
    report = evaluate_file(write_jsonl(tmp_path, ITEMS), catalog)
    linker = report.results[(ALL, "all", LINKER)]
    baseline = report.results[(ALL, "all", BASELINE)]
    # Linker: detects t1, t2; misses t4; no false alarm.
    assert (linker.detection.tp, linker.detection.fp, linker.detection.fn) == (2, 0, 1)
    assert linker.detection.precision == 1.0
    assert linker.detection.recall == pytest.approx(2 / 3)
    assert linker.detection.f1 == pytest.approx(0.8)
    # Fields over gold positives: t1 predicts {transport} (gold + mechanism), t2 {innovation},
    # t4 nothing (gold mechanism): tp 2, fp 0, fn 2.
    assert (linker.fields.tp, linker.fields.fp, linker.fields.fn) == (2, 0, 2)
    assert linker.fields.f1 == pytest.approx(2 / 3)
    # Baseline: detects t1 and t3 (names the delta), misses t2 and t4.
    assert (baseline.detection.tp, baseline.detection.fp, baseline.detection.fn) == (1, 1, 2)
    assert baseline.detection.f1 == pytest.approx(0.4)
    english = report.results[(ALL, "en", LINKER)]
    assert (english.items, english.detection.tp, english.detection.fn) == (3, 1, 1)


def test_parts_follow_a_stable_hash_split(tmp_path, catalog):
    report = evaluate_file(write_jsonl(tmp_path, ITEMS), catalog)
    tune_ids = [row["id"] for row in ITEMS if split_part(row["id"]) == TUNE]
    assert report.results[(TUNE, "all", LINKER)].items == len(tune_ids)
    assert report.results[(HELD_OUT, "all", LINKER)].items == len(ITEMS) - len(tune_ids)
    ids = [f"d{n:03d}" for n in range(1, 201)]
    share = sum(split_part(i) == TUNE for i in ids) / len(ids)
    assert 0.5 < share < 0.7
    assert [split_part(i) for i in ids] == [split_part(i) for i in ids]


def test_report_names_both_parts_and_baselines(tmp_path, catalog):
    text = format_report(evaluate_file(write_jsonl(tmp_path, ITEMS), catalog))
    assert "[tune]" in text and "[held-out]" in text and "[all]" in text
    assert "never used for tuning" in text
    assert "baseline" in text and "threshold" in text
    assert "0.800" in text  # the linker's detection F1 on all items


@pytest.mark.parametrize(
    ("bad_line", "message"),
    [
        ("{not json", "not valid JSON"),
        (
            '{"id": "x", "language": "en", "title": "t", "body": "b", "followup": "yes"}',
            "'followup' must be true or false",
        ),
        (
            '{"id": "x", "language": "en", "title": "t", "body": "b", "followup": true,'
            ' "fields": ["roads"]}',
            "'fields' must be a list",
        ),
        ("[1, 2]", "expected a JSON object"),
    ],
)
def test_bad_line_is_reported_with_file_and_line(tmp_path, catalog, bad_line, message):
    path = write_jsonl(tmp_path, ITEMS[:2], [bad_line])
    with pytest.raises(EvalInputError, match=message) as caught:
        evaluate_file(path, catalog)
    assert f"{path}:3:" in str(caught.value)
    assert "\n" not in str(caught.value)


def test_missing_or_empty_file_is_a_clear_error(tmp_path, catalog):
    with pytest.raises(EvalInputError, match="cannot read"):
        evaluate_file(tmp_path / "nope.jsonl", catalog)
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n", encoding="utf-8")
    with pytest.raises(EvalInputError, match="no labelled items"):
        evaluate_file(empty, catalog)


def _pair(item_id, followup, predicted, gold=(), got=()):
    from warehouse.evaluate import Item, Prediction

    item = Item(item_id, "en", "t", "b", followup, frozenset(gold))
    return item, Prediction(predicted, frozenset(got))


def test_bootstrap_interval_brackets_the_estimate_and_is_reproducible():
    from warehouse.evaluate import bootstrap_interval, score

    pairs = [_pair(f"p{i}", True, i % 4 != 0) for i in range(20)]  # 15 of 20 found
    pairs += [_pair(f"n{i}", False, i == 0) for i in range(10)]  # one false alarm
    estimate = score(pairs).detection.f1
    low, high = bootstrap_interval(pairs, lambda m: m.detection.f1)
    assert low < estimate < high
    assert (low, high) == bootstrap_interval(pairs, lambda m: m.detection.f1)
    perfect = [_pair(f"q{i}", True, True) for i in range(5)]
    assert bootstrap_interval(perfect, lambda m: m.detection.f1) == (1.0, 1.0)


def test_field_scores_split_the_micro_counts_by_field():
    from warehouse.evaluate import field_scores

    pairs = [
        _pair("a", True, True, gold=("transport", "market"), got=("transport", "mechanism")),
        _pair("b", True, True, gold=("transport",), got=("transport",)),
        _pair("c", False, True, got=("energy",)),  # negatives do not count for fields
    ]
    scores = field_scores(pairs)
    assert (scores["transport"].tp, scores["transport"].fp, scores["transport"].fn) == (2, 0, 0)
    assert (scores["market"].tp, scores["market"].fn) == (0, 1)
    assert (scores["mechanism"].fp, scores["energy"].fp) == (1, 0)


def test_report_prints_held_out_intervals_and_by_field_table(tmp_path, catalog):
    from warehouse.evaluate import format_fields

    report = evaluate_file(write_jsonl(tmp_path, ITEMS), catalog)
    text = format_report(report)
    assert "95% bootstrap intervals" in text
    table = format_fields(report, ALL)
    assert table.splitlines()[0].startswith("per field, all part")
    assert sum(line.startswith("transport ") for line in table.splitlines()) == 2  # en + zh


def test_translation_pairs_are_counted_once_with_their_agreement(tmp_path, catalog):
    rows = [
        {**ITEMS[0], "id": "p-zh", "pair": "p-en"},
        {
            "id": "p-en",
            "language": "en",
            "title": "Track laying completed on the Shanghai-Suzhou-Huzhou railway",
            "body": "The Shanghai-Suzhou-Huzhou railway links Shanghai, Jiangsu and Zhejiang and "
            "will densify the high-speed rail network of the Yangtze River Delta.",
            "followup": True,
            "fields": ["transport", "mechanism"],
            "pair": "p-zh",
        },
        ITEMS[2],
    ]
    report = evaluate_file(write_jsonl(tmp_path, rows), catalog)
    text = format_report(report)
    assert "translation pairs (zh/en items labelled as one story): 1; same verdict 1/1" in text


def test_intervals_are_printed_for_all_sets_and_for_each_set(tmp_path, catalog):
    from warehouse.evaluate import evaluate_sets

    first, second = tmp_path / "one", tmp_path / "two"
    first.mkdir(), second.mkdir()
    many = [{**row, "id": f"{row['id']}-{k}"} for k in range(12) for row in ITEMS]
    paths = [write_jsonl(first, many), write_jsonl(second, many).rename(second / "other.jsonl")]
    report = evaluate_sets(paths, catalog)
    rows = {
        (line[2:20].strip(), line[21:25].strip()): line[26:].split()
        for line in format_report(report).splitlines()
        if line.startswith("  ") and line[21:25].strip() in ("en", "zh")
    }
    held_out = [i for i in read_items(paths[0]) if split_part(i.id) == HELD_OUT]
    for language in ("en", "zh"):
        n = sum(i.language == language for i in held_out)
        for set_name, expected in (("all sets", 2 * n), ("labelled", n), ("other", n)):
            count, det, low, high = rows[(set_name, language)][:4]
            assert int(count) == expected
            assert 0.0 <= float(low.strip("[,")) <= float(det) <= float(high.strip("]")) <= 1.0


def test_an_empty_slice_shows_dashes_not_zero_scores(tmp_path, catalog):
    english_only = [row for row in ITEMS if row["language"] == "en"]
    text = format_report(evaluate_file(write_jsonl(tmp_path, english_only), catalog))
    zh_rows = [
        line for line in text.splitlines() if line.startswith("labelled ") and " zh " in line
    ]
    assert zh_rows and all("—" in line and "0.000" not in line for line in zh_rows)
