"""What `yrdwatch eval` / `train-fields` say about the labelled files they are given.

Every refusal is one line naming the file (and line) and saying what to do; the files the repo
ships, the demo articles and the shared dev set still load exactly as they did."""

import json
from pathlib import Path

import pytest

from warehouse.evaluate import LABELED_DIR, MAX_LINE_CHARS, EvalInputError, read_items

REPO = Path(__file__).resolve().parents[2]
DEV_SET = Path("/work/shared/data/followups-dev.jsonl")

GOOD = {
    "id": "x1",
    "language": "en",
    "title": "Qingpu and Kunshan open a cross-border road",
    "body": "The road joins Shanghai and Jiangsu.",
    "followup": True,
    "fields": ["transport"],
}


def write(tmp_path: Path, rows: list, name: str = "set.jsonl") -> Path:
    """One JSON object (or raw string) a line, as json.dumps(ensure_ascii=False) writes it."""
    lines = [r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in rows]
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def refusal(path: Path) -> str:
    with pytest.raises(EvalInputError) as caught:
        read_items(path)
    message = str(caught.value)
    assert "\n" not in message and str(path) in message
    return message


# ------------------------------------------------------------------ shipped files load as before

# (file, items) as the reader gave them before the input checks were added.
SHIPPED = [
    ("warehouse/labeled/demo-articles.jsonl", 90),
    ("warehouse/labeled/fields-corpus.jsonl", 360),
    ("warehouse/labeled/yrd-blind-2.jsonl", 150),
    ("warehouse/labeled/yrd-blind.jsonl", 120),
    ("warehouse/labeled/yrd-fields-blind.jsonl", 100),
    ("warehouse/labeled/yrd-invented.jsonl", 84),
    ("warehouse/labeled/yrd-two-members-2.jsonl", 96),
    ("warehouse/labeled/yrd-two-members.jsonl", 96),
    ("scrapers/demo/articles_en.jsonl", 47),
    ("scrapers/demo/articles_zh.jsonl", 49),
]


def _reference_items(path: Path) -> list[tuple]:
    """The old reader's result, restated: splitlines, defaults, demo conversion."""
    found = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        body = row.get("body", "\n\n".join(str(p) for p in row.get("paragraphs", [])))
        followup = row["followup"] if "followup" in row else row["kind"] == "followup"
        language = row.get("language", row["id"].split("-", 1)[0])
        pair = row.get("pair") if isinstance(row.get("pair"), str) else None
        fields = frozenset(row.get("fields", []))
        found.append((row["id"], language, row["title"], body, followup, fields, pair))
    return found


def _as_tuples(path: Path) -> list[tuple]:
    return [
        (i.id, i.language, i.title, i.body, i.followup, i.fields, i.pair) for i in read_items(path)
    ]


@pytest.mark.parametrize(("name", "count"), SHIPPED)
def test_every_shipped_file_loads_as_before(name, count):
    path = REPO / name
    assert _as_tuples(path) == _reference_items(path)
    assert len(read_items(path)) == count


def test_the_labeled_dir_holds_only_the_files_checked_here():
    listed = {n for n, _ in SHIPPED if n.startswith("warehouse/labeled/")}
    assert {f"warehouse/labeled/{p.name}" for p in LABELED_DIR.glob("*.jsonl")} == listed


def test_shared_dev_set_loads_as_before():
    if not DEV_SET.is_file():
        pytest.skip("shared dev set not on this machine")
    items = _as_tuples(DEV_SET)
    assert items == _reference_items(DEV_SET)
    assert len(items) == 100


# ------------------------------------------------------------------ reading the file


@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\x85"])
def test_unicode_line_separators_inside_a_body_are_text(tmp_path, separator):
    body = f"First paragraph.{separator}Second paragraph."
    path = write(tmp_path, [{**GOOD, "body": body}, {**GOOD, "id": "x2"}])
    items = read_items(path)
    assert [i.id for i in items] == ["x1", "x2"]
    assert items[0].body == body


def test_bom_and_crlf_are_accepted(tmp_path):
    path = tmp_path / "windows.jsonl"
    lines = [json.dumps(GOOD, ensure_ascii=False), json.dumps({**GOOD, "id": "x2"})]
    path.write_bytes(b"\xef\xbb\xbf" + "\r\n".join(lines).encode("utf-8") + b"\r\n")
    items = read_items(path)
    assert [i.id for i in items] == ["x1", "x2"]
    assert items[1].fields == frozenset({"transport"})


def test_a_gbk_file_is_named_with_its_line_and_the_fix(tmp_path):
    path = tmp_path / "gbk.jsonl"
    zh = {**GOOD, "id": "zh-1", "language": "zh", "title": "长三角", "body": "沪苏通铁路"}
    text = json.dumps(GOOD) + "\n" + json.dumps(zh, ensure_ascii=False) + "\n"
    path.write_bytes(text.encode("gbk"))
    message = refusal(path)
    assert message.startswith(f"{path}:2: not UTF-8 (byte 0x")
    assert message.endswith("; re-save it as UTF-8")


def test_not_utf8_after_a_bom_names_the_right_byte(tmp_path):
    path = tmp_path / "bom-gbk.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(GOOD).encode() + b"\n{\xd6\xd0}\n")
    message = refusal(path)
    offset = 3 + len(json.dumps(GOOD)) + 2
    assert f"{path}:2: not UTF-8 (byte 0xd6 at offset {offset})" in message


def test_a_directory_is_refused(tmp_path):
    assert refusal(tmp_path) == f"{tmp_path}: is a directory; pass a JSONL file"


def test_a_missing_file_says_to_check_the_path(tmp_path):
    path = tmp_path / "nope.jsonl"
    assert refusal(path) == (
        f"{path}: cannot read labelled file (No such file or directory);"
        " check the path and permissions"
    )


def test_an_over_long_line_says_what_to_do(tmp_path):
    path = write(tmp_path, [GOOD, {**GOOD, "id": "x2", "body": "a" * MAX_LINE_CHARS}])
    message = refusal(path)
    assert message.startswith(f"{path}:2: line is ")
    assert f"over the {MAX_LINE_CHARS} limit; split or shorten the item's body" in message


def test_deep_nesting_is_bad_json_not_a_traceback(tmp_path):
    path = write(tmp_path, [GOOD, "[" * 100_000])
    assert refusal(path) == (
        f"{path}:2: not valid JSON (nested too deeply); fix or remove the line"
    )


# ------------------------------------------------------------------ checking the items


def test_duplicate_ids_name_both_lines(tmp_path):
    path = write(tmp_path, [GOOD, {**GOOD, "id": "x2"}, "", {**GOOD, "title": "again"}])
    assert refusal(path) == (
        f"{path}:4: id 'x1' is also on line 1; give each item its own id or remove the copy"
    )


@pytest.mark.parametrize("language", ["EN", "en-US", "zh-CN", " zh", "fr", ""])
def test_a_language_other_than_en_or_zh_is_refused(tmp_path, language):
    path = write(tmp_path, [GOOD, {**GOOD, "id": "x2", "language": language}])
    assert refusal(path) == f'{path}:2: \'language\' is {language!r}; write "en" or "zh"'


def test_a_demo_line_whose_id_has_no_language_prefix_is_refused(tmp_path):
    demo = {"id": "ah-001", "title": "t", "paragraphs": ["p"], "kind": "unrelated", "fields": []}
    path = write(tmp_path, [demo])
    assert refusal(path) == (
        f'{path}:1: id \'ah-001\' does not start with en- or zh-; add "language": "en" or "zh"'
    )


@pytest.mark.parametrize("empty", [True, False])
def test_a_follow_up_without_fields_is_refused(tmp_path, empty):
    row = {k: v for k, v in GOOD.items() if k != "fields"}
    path = write(tmp_path, [{**row, "fields": []} if empty else row])
    message = refusal(path)
    assert message.startswith(f"{path}:1: followup true but no fields; list its fields (transport")
    assert message.endswith(" or mark it not a follow-up")


def test_a_demo_follow_up_without_fields_names_its_kind(tmp_path):
    demo = {"id": "en-9", "title": "t", "paragraphs": ["p"], "kind": "followup", "fields": []}
    message = refusal(write(tmp_path, [demo]))
    assert ":1: kind 'followup' but no fields; list its fields (" in message


def test_a_non_follow_up_with_fields_is_refused(tmp_path):
    row = {**GOOD, "followup": False, "fields": ["energy", "transport", "energy"]}
    path = write(tmp_path, [row])
    assert refusal(path) == (
        f"{path}:1: followup false but 'fields' lists energy, transport;"
        " remove the fields or mark it a follow-up"
    )


def test_a_demo_near_miss_with_fields_names_its_kind(tmp_path):
    demo = {
        "id": "zh-9",
        "title": "标题",
        "paragraphs": ["正文"],
        "kind": "near_miss",
        "fields": ["market"],
    }
    path = write(tmp_path, [demo])
    assert refusal(path) == (
        f"{path}:1: kind 'near_miss' but 'fields' lists market;"
        " remove the fields or mark it a follow-up"
    )


@pytest.mark.parametrize(("title", "body"), [("", ""), ("  ", "\n\t")])
def test_an_item_with_no_text_is_refused(tmp_path, title, body):
    path = write(tmp_path, [{**GOOD, "title": title, "body": body}])
    assert refusal(path) == (
        f"{path}:1: title and body are both empty; add the text or remove the line"
    )


def test_an_item_with_only_a_title_or_only_a_body_is_fine(tmp_path):
    path = write(tmp_path, [{**GOOD, "body": ""}, {**GOOD, "id": "x2", "title": ""}])
    assert [i.id for i in read_items(path)] == ["x1", "x2"]


def test_repeated_fields_are_folded_silently(tmp_path):
    path = write(tmp_path, [{**GOOD, "fields": ["transport", "energy", "transport"]}])
    assert read_items(path)[0].fields == frozenset({"transport", "energy"})


def test_a_demo_article_line_still_loads(tmp_path):
    demo = {
        "id": "zh-002",
        "title": "沪苏湖铁路开工",
        "paragraphs": ["第一段。", "第二段。"],
        "kind": "followup",
        "fields": ["transport"],
    }
    (item,) = read_items(write(tmp_path, [demo]))
    assert (item.language, item.body, item.followup) == ("zh", "第一段。\n\n第二段。", True)
