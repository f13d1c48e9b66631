"""`yrdwatch eval FILE.jsonl`: measure the linker against labelled releases.

The labelled set is split deterministically by a hash of each item's id into a *tune* part
(~60 %), the only part used to choose terms and the threshold, and a *held-out* part (~40 %)
that estimates how the linker does on releases it was not tuned on. Two naive baselines are
measured in the same run so every number has something to beat.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from warehouse.catalog import FIELDS, Commitment, load_catalog
from warehouse.fieldmodel import model_note as fieldmodel_note
from warehouse.lexicon import count_english, has_cjk, prepare
from warehouse.linking import LINK_THRESHOLD, METHOD_VERSION, link_text

TUNE, HELD_OUT, ALL = "tune", "held-out", "all"
PARTS = (TUNE, HELD_OUT, ALL)
LANGUAGES = ("all", "en", "zh")
LINKER, BASELINE = "linker", "baseline"
TUNE_PERCENT = 60
SPLIT_SALT = "yrdwatch-split:"
MAX_LINE_CHARS = 200_000
MAX_SHOWN_PROBLEMS = 20  # a file in the wrong format is bad on every line; show the start
UTF8_BOM = b"\xef\xbb\xbf"
ITEM_LANGUAGES = ("en", "zh")  # an item's own language; "all" is only a report row

# Baseline detection: the delta is named at all.
BASELINE_DELTA = ("长三角", "长江三角洲", "yangtze river delta", "yangtze delta")
# Baseline fields: one short keyword list per field, matched anywhere in title or body.
BASELINE_FIELD_KEYWORDS: dict[str, tuple[str, ...]] = {
    "transport": ("railway", "rail", "road", "highway", "bus", "交通", "铁路", "高铁", "公路"),
    "energy": ("energy", "power", "electricity", "gas", "能源", "电力", "电网", "天然气"),
    "innovation": ("innovation", "science", "technology", "创新", "科技", "科创"),
    "information": ("5g", "data", "digital", "information", "信息", "数据", "数字", "算力"),
    "environment": ("environment", "ecological", "pollution", "green", "生态", "环境", "污染"),
    "public_service": (
        "medical",
        "hospital",
        "education",
        "tourism",
        "social security",
        "医疗",
        "教育",
        "旅游",
        "社保",
        "政务服务",
    ),
    "market": ("market", "trade", "customs", "free trade zone", "市场", "贸易", "海关", "自贸"),
    "mechanism": ("meeting", "mechanism", "action plan", "office", "会议", "机制", "行动计划"),
}


class EvalInputError(ValueError):
    """The labelled files are unusable. Each problem names the file (and line) and says what to
    do; all of them are in `problems`, and the message lists the first MAX_SHOWN_PROBLEMS one a
    line, so fixing a file takes one run instead of one run per bad line."""

    def __init__(self, *problems: str) -> None:
        self.problems: tuple[str, ...] = problems
        super().__init__(_listed(problems))


def _listed(problems: Sequence[str]) -> str:
    """One problem is the message itself (one line); several get a count, then one a line."""
    if len(problems) == 1:
        return problems[0]
    shown = list(problems[:MAX_SHOWN_PROBLEMS])
    if len(problems) > MAX_SHOWN_PROBLEMS:
        shown.append(f"… and {len(problems) - MAX_SHOWN_PROBLEMS} more")
    return "\n".join(
        [f"{len(problems)} problems in the labelled files; fix them and run again:"] + shown
    )


@dataclass(frozen=True)
class Item:
    id: str
    language: str
    title: str
    body: str
    followup: bool
    fields: frozenset[str]
    pair: str | None = None  # id of the same story in the other language, when labelled


@dataclass(frozen=True)
class Prediction:
    followup: bool
    fields: frozenset[str]
    commitments: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Scores:
    """Precision/recall/F1 from raw counts (kept so numbers can be checked by hand)."""

    tp: int
    fp: int
    fn: int

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    # The properties above give 0.0 where a ratio has no denominator, which suits arithmetic;
    # a report must not print that 0.0 as if it were a measured score.
    @property
    def has_precision(self) -> bool:
        """Precision is defined only when something was predicted positive."""
        return self.tp + self.fp > 0

    @property
    def has_recall(self) -> bool:
        """Recall is defined only when something is positive in the gold labels."""
        return self.tp + self.fn > 0

    @property
    def has_f1(self) -> bool:
        """F1 is 0 when positives were all missed or all wrong, undefined when there are none."""
        return self.tp + self.fp + self.fn > 0


@dataclass(frozen=True)
class MethodScores:
    detection: Scores
    fields: Scores
    items: int


@dataclass
class EvalReport:
    path: Path
    threshold: float
    method: str
    items: int
    results: dict[tuple, MethodScores] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)  # linker mistakes by part
    predictions: dict[str, list[tuple[Item, Prediction]]] = field(default_factory=dict)
    sets: list[str] = field(default_factory=list)
    set_items: dict[str, list[Item]] = field(default_factory=dict)
    # the linker's (item, prediction) per set, analyst labels included: for `eval --errors`
    set_predictions: dict[str, list[tuple[Item, Prediction]]] = field(default_factory=dict)


# ------------------------------------------------------------------ input


def split_part(item_id: str) -> str:
    """Deterministic tune/held-out assignment from a hash of the id (stable across runs)."""
    digest = hashlib.sha256((SPLIT_SALT + item_id).encode("utf-8")).hexdigest()
    return TUNE if int(digest[:8], 16) % 100 < TUNE_PERCENT else HELD_OUT


def read_items(path: Path) -> list[Item]:
    """Parse the JSON Lines file. Every line is checked and every problem is raised together
    (EvalInputError, each naming file and line); a file with any bad line yields no items, so
    nothing is measured on half a file."""
    path = Path(path)
    seen: dict[str, int] = {}
    items: list[Item] = []
    problems: list[str] = []
    for line in _read_lines(path):
        item, found = _check_line(path, line, seen)
        problems += found
        if item is not None:
            items.append(item)
    if problems:
        raise EvalInputError(*problems)
    if not items:
        raise EvalInputError(f"{path}: no labelled items found; expected one JSON object a line")
    return items


@dataclass(frozen=True)
class _Line:
    number: int
    text: str
    problem: str = ""  # set when the line is not UTF-8 (its text is then empty)


def _read_lines(path: Path) -> list[_Line]:
    """The file's lines, split at line feeds only: a JSON string may hold U+2028/U+2029 raw
    (json.dumps with ensure_ascii=False), which str.splitlines() would cut in two.
    A UTF-8 BOM and CRLF endings, as Windows editors write them, are accepted. Each line is
    decoded on its own, so a stray byte spoils its own line, not the check of the others."""
    data = _read_bytes(path)
    offset = len(UTF8_BOM) if data.startswith(UTF8_BOM) else 0
    lines = []
    for number, chunk in enumerate(data[offset:].split(b"\n"), 1):
        try:
            lines.append(_Line(number, chunk.decode("utf-8").removesuffix("\r")))
        except UnicodeDecodeError as exc:
            lines.append(_Line(number, "", _not_utf8(path, number, chunk, exc.start, offset)))
        offset += len(chunk) + 1
    return lines


def _read_bytes(path: Path) -> bytes:
    if path.is_dir():
        raise EvalInputError(f"{path}: is a directory; pass a JSONL file")
    try:
        return path.read_bytes()
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        message = f"{path}: cannot read labelled file ({reason}); check the path and permissions"
        raise EvalInputError(message) from exc


def _not_utf8(path: Path, number: int, chunk: bytes, start: int, line_offset: int) -> str:
    """Name the line and the file offset of its first undecodable byte, so the user finds it."""
    bad = chunk[start : start + 1].hex()
    offset = line_offset + start
    return f"{path}:{number}: not UTF-8 (byte 0x{bad} at offset {offset}); re-save it as UTF-8"


def _check_line(path: Path, line: _Line, seen: dict[str, int]) -> tuple[Item | None, list[str]]:
    """The line's item, or every problem found on it. `seen` (id -> first line) records ids of
    bad lines too: a later copy is a duplicate whichever of the two is fixed first."""
    if line.problem:
        return None, [line.problem]
    if not line.text.strip():
        return None, []
    where = f"{path}:{line.number}"
    raw, problem = _parse_line(where, line.text)
    if raw is None:
        return None, [problem]
    row = _from_demo_format(raw)
    problems = _item_problems(where, raw, row)
    problems += _duplicate_id(where, row.get("id"), line.number, seen)
    return (None if problems else _item(row)), problems


def _parse_line(where: str, line: str) -> tuple[dict | None, str]:
    """The line's JSON object, or why there is none."""
    if len(line) > MAX_LINE_CHARS:
        return None, (
            f"{where}: line is {len(line)} characters, over the {MAX_LINE_CHARS} limit;"
            " split or shorten the item's body"
        )
    try:
        row = json.loads(line)
    except json.JSONDecodeError as exc:
        return None, f"{where}: not valid JSON ({exc.msg}); fix or remove the line"
    except RecursionError:
        return None, f"{where}: not valid JSON (nested too deeply); fix or remove the line"
    if not isinstance(row, dict):
        return None, f"{where}: expected a JSON object, one item a line; fix the line"
    return row, ""


def _duplicate_id(where: str, item_id: object, number: int, seen: dict[str, int]) -> list[str]:
    if not isinstance(item_id, str):
        return []
    if item_id in seen:
        return [
            f"{where}: id {item_id!r} is also on line {seen[item_id]};"
            " give each item its own id or remove the copy"
        ]
    seen[item_id] = number
    return []


def _from_demo_format(row: dict) -> dict:
    """Accept the demo archive's article lines (paragraphs + kind) as labelled items too."""
    if "body" not in row and isinstance(row.get("paragraphs"), list):
        row = {**row, "body": "\n\n".join(str(p) for p in row["paragraphs"])}
    if "followup" not in row and isinstance(row.get("kind"), str):
        row = {**row, "followup": row["kind"] == "followup"}
    if "language" not in row and isinstance(row.get("id"), str):
        row = {**row, "language": row["id"].split("-", 1)[0]}
    return row


def _item_problems(where: str, raw: dict, row: dict) -> list[str]:
    """Every problem of one item; a check that needs a well-typed value waits for it."""
    problems = [
        f"{where}: field {key!r} must be a string; write it in quotes"
        for key in ("id", "language", "title", "body")
        if not isinstance(row.get(key), str)
    ]
    followup = row.get("followup")
    if not isinstance(followup, bool):
        problems.append(f"{where}: field 'followup' must be true or false (no quotes)")
    fields = row.get("fields", [])
    fields_ok = isinstance(fields, list) and all(f in FIELDS for f in fields)
    if not fields_ok:
        problems.append(f"{where}: 'fields' must be a list of {', '.join(FIELDS)}")
    if isinstance(row.get("language"), str):
        problems += _language_problem(where, raw, row["language"])
    if isinstance(followup, bool) and fields_ok:
        problems += _fields_verdict_problem(where, raw, followup, fields)
    title, body = row.get("title"), row.get("body")
    if isinstance(title, str) and isinstance(body, str) and not (title.strip() or body.strip()):
        problems.append(f"{where}: title and body are both empty; add the text or remove the line")
    return problems


def _item(row: dict) -> Item:
    pair = row.get("pair") if isinstance(row.get("pair"), str) else None
    return Item(
        row["id"],
        row["language"],
        row["title"],
        row["body"],
        row["followup"],
        frozenset(row.get("fields", [])),
        pair,
    )


def _language_problem(where: str, raw: dict, language: str) -> list[str]:
    """Any other language would silently drop out of the en and zh rows of the report."""
    if language in ITEM_LANGUAGES:
        return []
    if "language" in raw:  # demo lines have none: it comes from the id's prefix
        return [f'{where}: \'language\' is {language!r}; write "en" or "zh"']
    return [
        f"{where}: id {raw.get('id')!r} does not start with en- or zh-;"
        ' add "language": "en" or "zh"'
    ]


def _fields_verdict_problem(where: str, raw: dict, followup: bool, fields: list) -> list[str]:
    """Gold fields are scored only on follow-ups: none on one, or some on a non-follow-up,
    is a labelling slip that would skew the field scores. Both accepted formats carry fields
    (the demo archive requires them non-empty exactly for follow-ups)."""
    verdict = f"kind {raw['kind']!r}" if "followup" not in raw else f"followup {followup}".lower()
    if followup and not fields:
        return [
            f"{where}: {verdict} but no fields; list its fields ({', '.join(FIELDS)})"
            " or mark it not a follow-up"
        ]
    if not followup and fields:
        return [
            f"{where}: {verdict} but 'fields' lists {', '.join(dict.fromkeys(fields))};"
            " remove the fields or mark it a follow-up"
        ]
    return []


# ------------------------------------------------------------------ predictors


def linker_predictor(catalog: Sequence[Commitment], threshold: float) -> Callable:
    def predict(item: Item) -> Prediction:
        decision = link_text(item.title, item.body, item.language, catalog, threshold)
        fields = frozenset(c.field for c in decision.links)
        commitments = frozenset(c.commitment_id for c in decision.links)
        return Prediction(decision.is_followup, fields, commitments)

    return predict


def baseline_predict(item: Item) -> Prediction:
    """Naive: follow-up iff the delta is named; fields by one keyword list each."""
    text = prepare(f"{item.title}\n{item.body}").lower()
    detected = any(_mentions(word, text) for word in BASELINE_DELTA)
    fields = {
        f for f, words in BASELINE_FIELD_KEYWORDS.items() if any(_mentions(w, text) for w in words)
    }
    return Prediction(detected, frozenset(fields))


def _mentions(word: str, text: str) -> bool:
    return word in text if has_cjk(word) else bool(count_english(word, text))


# ------------------------------------------------------------------ scoring


def score(pairs: Iterable[tuple[Item, Prediction]]) -> MethodScores:
    """Detection P/R/F1 over all items; field micro P/R/F1 over gold positives only."""
    det = [0, 0, 0]
    fld = [0, 0, 0]
    count = 0
    for item, pred in pairs:
        count += 1
        det[0] += item.followup and pred.followup
        det[1] += (not item.followup) and pred.followup
        det[2] += item.followup and not pred.followup
        if item.followup:
            fld[0] += len(item.fields & pred.fields)
            fld[1] += len(pred.fields - item.fields)
            fld[2] += len(item.fields - pred.fields)
    return MethodScores(Scores(*det), Scores(*fld), count)


ALL_SETS = "all sets"
LABELED_DIR = Path(__file__).with_name("labeled")


def evaluate_items(
    items: Sequence[Item],
    catalog: Sequence[Commitment],
    threshold: float = LINK_THRESHOLD,
    path: Path = Path("-"),
    sets: dict[str, Sequence[Item]] | None = None,
) -> EvalReport:
    """Run both methods once per item and score every (set, part, language) slice.

    `items` must be the concatenation of the `sets` (default: one set named after path)."""
    sets = dict(sets or {Path(path).stem: items})
    predictors = {LINKER: linker_predictor(catalog, threshold), BASELINE: baseline_predict}
    report = EvalReport(Path(path), threshold, METHOD_VERSION, len(items), sets=list(sets))
    report.set_items = {name: list(found) for name, found in sets.items()}
    every: dict[str, list[Prediction]] = {name: [] for name in predictors}
    for set_name, set_items in sets.items():
        for name, predict in predictors.items():
            preds = [predict(item) for item in set_items]
            every[name] += preds
            _score_slices(report, set_name, name, set_items, preds)
            if name == LINKER:
                report.set_predictions[set_name] = list(zip(set_items, preds, strict=True))
    for name, preds in every.items():
        _score_slices(report, ALL_SETS, name, items, preds)
    report.errors = _linker_errors(items, every[LINKER])
    report.predictions = {
        name: list(zip(items, preds, strict=True)) for name, preds in every.items()
    }
    return report


def _score_slices(report, set_name, name, items, preds) -> None:
    for part in PARTS:
        for language in LANGUAGES:
            chosen = [i for i, item in enumerate(items) if _in_slice(item, part, language)]
            result = score((items[i], preds[i]) for i in chosen)
            report.results[(set_name, part, language, name)] = result
            if set_name == ALL_SETS:
                report.results[(part, language, name)] = result


def _in_slice(item: Item, part: str, language: str) -> bool:
    part_ok = part == ALL or split_part(item.id) == part
    return part_ok and (language == "all" or item.language == language)


def _linker_errors(items: Sequence[Item], preds: Sequence[Prediction]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {TUNE: [], HELD_OUT: []}
    for item, pred in zip(items, preds, strict=True):
        if item.followup != pred.followup:
            kind = "missed" if item.followup else "false alarm"
            errors[split_part(item.id)].append(f"{item.id} {kind}")
    return errors


def evaluate_file(
    path: Path, catalog: Sequence[Commitment] | None = None, threshold: float = LINK_THRESHOLD
) -> EvalReport:
    """Read a labelled JSON Lines file and evaluate the linker and the baselines on it."""
    items = read_items(Path(path))
    return evaluate_items(items, catalog or load_catalog(), threshold, Path(path))


def evaluate_sets(
    paths: Sequence[Path],
    catalog: Sequence[Commitment] | None = None,
    threshold: float = LINK_THRESHOLD,
    extra: dict[str, Sequence[Item]] | None = None,
) -> EvalReport:
    """Evaluate several labelled sets at once: each set, and all of them together. `extra`
    sets (analysts' labels) get rows of their own but stay out of the "all sets" rows, so
    labelling does not move the measurement of the labelled files."""
    sets = _read_sets(_set_names(paths))
    items = [item for found in sets.values() for item in found]
    if not items:
        raise EvalInputError("no labelled items: pass a JSONL file or label some links first")
    catalog = catalog or load_catalog()
    report = evaluate_items(items, catalog, threshold, Path(", ".join(sets)), sets)
    for name, found in (extra or {}).items():
        if found:
            _add_separate_set(report, name, list(found), catalog, threshold)
    return report


def _read_sets(named: dict[str, Path]) -> dict[str, list[Item]]:
    """Every file is checked before anything is measured, and the problems of all of them are
    raised together: a second bad file should not wait for a second run."""
    sets: dict[str, list[Item]] = {}
    problems: list[str] = []
    for name, path in named.items():
        try:
            sets[name] = read_items(path)
        except EvalInputError as exc:
            problems += exc.problems
    if problems:
        raise EvalInputError(*problems)
    return sets


def _set_names(paths: Sequence[Path]) -> dict[str, Path]:
    """Each file's set name (its stem); two files with one name would hide one of them."""
    named: dict[str, Path] = {}
    for path in map(Path, paths):
        if path.stem in named:
            raise EvalInputError(
                f"{named[path.stem]} and {path} are both named {path.stem!r}, and eval names "
                "each set by its file name; rename one"
            )
        named[path.stem] = path
    return named


def _add_separate_set(report: EvalReport, name: str, items: list[Item], catalog, threshold):
    """Score a set on its own rows only (not in "all sets")."""
    predictors = {LINKER: linker_predictor(catalog, threshold), BASELINE: baseline_predict}
    for method, predict in predictors.items():
        preds = [predict(item) for item in items]
        _score_slices(report, name, method, items, preds)
        if method == LINKER:
            report.set_predictions[name] = list(zip(items, preds, strict=True))
    report.sets.append(name)
    report.set_items[name] = items


# ------------------------------------------------------------------ uncertainty and fields

BOOTSTRAP_RESAMPLES = 1000
BOOTSTRAP_SEED = 20181  # fixed, so the printed intervals are reproducible


def bootstrap_interval(
    pairs: Sequence[tuple[Item, Prediction]],
    metric: Callable[[MethodScores], float | None],
    resamples: int = BOOTSTRAP_RESAMPLES,
) -> tuple[float, float]:
    """95 % percentile interval of a metric, resampling items with replacement.

    The held-out parts are small (tens of items), so one item moves an F1 by several
    points; the interval says how far the true value could plausibly be from the estimate.
    A resample where the metric is undefined (`metric` returns None: no positives drawn) is
    left out rather than counted as a score of 0."""
    rng = random.Random(BOOTSTRAP_SEED)
    drawn = (
        metric(score(rng.choices(pairs, k=len(pairs)))) for _ in range(resamples if pairs else 0)
    )
    values = sorted(v for v in drawn if v is not None)
    if not values:
        return (0.0, 0.0)
    return values[int(0.025 * len(values))], values[min(int(0.975 * len(values)), len(values) - 1)]


def held_out_pairs(
    report: EvalReport, language: str, method: str = LINKER, set_name: str | None = None
) -> list:
    """(item, prediction) of the held-out part in one language: all sets, or one set."""
    if set_name is not None and method == LINKER and set_name in report.set_predictions:
        pairs = report.set_predictions[set_name]  # includes sets kept out of "all sets"
    else:
        members = None if set_name is None else {id(i) for i in report.set_items.get(set_name, [])}
        pairs = [
            p for p in report.predictions.get(method, []) if members is None or id(p[0]) in members
        ]
    return [pair for pair in pairs if _in_slice(pair[0], HELD_OUT, language)]


def pair_agreement(pairs: Sequence[tuple[Item, Prediction]]) -> dict[str, int]:
    """How often a release and its translation get the same verdict, fields and commitments:
    the bilingual promise, measured on the labelled zh/en pairs."""
    by_id = {item.id: pred for item, pred in pairs}
    counts = {"pairs": 0, "verdict": 0, "fields": 0, "commitments": 0}
    for item, pred in pairs:
        other = by_id.get(item.pair or "")
        if other is None or item.id > (item.pair or ""):
            continue  # count each pair once, from its smaller id
        counts["pairs"] += 1
        counts["verdict"] += pred.followup == other.followup
        counts["fields"] += pred.fields == other.fields
        counts["commitments"] += pred.commitments == other.commitments
    return counts


def field_scores(pairs: Iterable[tuple[Item, Prediction]]) -> dict[str, Scores]:
    """Per-field P/R/F1 over gold positives: where the field micro-F1 is won or lost."""
    counts = {f: [0, 0, 0] for f in FIELDS}
    for item, pred in pairs:
        if not item.followup:
            continue
        for f in FIELDS:
            gold, got = f in item.fields, f in pred.fields
            counts[f][0 if gold and got else 1 if got else 2] += gold or got
    return {f: Scores(*c) for f, c in counts.items()}


# ------------------------------------------------------------------ report

_PART_NOTES = {
    TUNE: "tune: in the repo's sets and the dev set, terms, weights and thresholds were chosen "
    "looking at these items (in your own files nothing was: the split is only a hash)",
    HELD_OUT: "held-out: in the repo's sets and the dev set, nothing was fitted to these items "
    "and their errors are not listed, but their scores are read (the quality gate's floors; "
    "any set noted below); in your own files it was never used for tuning",
    ALL: "all items",
}
# Held-out parts that did inform a decision (README "Quality"), said once under the part
# notes so their rows are not read as untouched. One line each: what the held-out part was
# used for, nothing more.
HELD_OUT_USES = {
    "followups-dev": "its English held-out field F1 fell 0.870 → 0.826 with a helper's extra "
    "broad field words, and that decided they were not shipped",
    "yrd-fields-blind": "the whole set, held-out part included, was measured with a helper's "
    "extra broad field words; its Chinese fall (0.941 → 0.905) decided that only the English "
    "ones went on to a held-out measurement",
    "yrd-two-members": "its held-out summary rows were printed once while a pair-rule variant "
    "was being chosen; its held-out errors were never listed",
    "demo-articles": "a Chinese field its held-out part lost (field F1 1.000 → 0.923, below "
    "its floor) was one reason counting spelling variants once was not shipped",
}
TARGETS = {"detection": 0.97, "fields": 0.90}  # issue 5, on held-out items, per language
MIN_INTERVAL_ITEMS = 5  # fewer items than this resample into a handful of repeats: no interval


def format_report(report: EvalReport) -> str:
    """ONE plain-text table: every set and part, per language, linker next to the baselines."""
    lines = [
        f"yrdwatch eval: {report.path} ({report.items} items), method {report.method}"
        f"{fieldmodel_note()}, "
        f"threshold {report.threshold:.2f}",
        f"split: sha256('{SPLIT_SALT}' + id) -> {TUNE_PERCENT}% tune / "
        f"{100 - TUNE_PERCENT}% held-out",
        *_part_note_lines(report),
        "baselines (same run): detection = names the delta (长三角/长江三角洲/Yangtze River "
        "Delta/Yangtze Delta); fields = one keyword list per field",
        "fields: micro P/R/F1 over gold positives (gold fields vs fields of linked commitments)",
        "",
        _header(),
    ]
    for set_name in [ALL_SETS, *report.sets] if len(report.sets) > 1 else report.sets:
        for part in PARTS:
            lines += [_row(report, set_name, part, language) for language in LANGUAGES]
    lines += _interval_lines(report)
    agreement = pair_agreement(report.predictions.get(LINKER, []))
    if agreement["pairs"]:
        n = agreement["pairs"]
        lines.append(
            f"translation pairs (zh/en items labelled as one story): {n}; same verdict "
            f"{agreement['verdict']}/{n}, same fields {agreement['fields']}/{n}, same "
            f"commitments {agreement['commitments']}/{n}"
        )
    held_out = len(report.errors.get(HELD_OUT, []))
    if report.errors.get(TUNE):
        lines.append(f"linker errors (tune): {', '.join(report.errors[TUNE])}")
    lines.append(
        f"linker detection errors (held-out, not listed; `--errors` lists every error): {held_out}"
    )
    lines += _target_lines(report)
    return "\n".join(lines)


def _part_note_lines(report: EvalReport) -> list[str]:
    """What each part is, then, under held-out, the sets whose held-out part informed a
    decision (only those being measured)."""
    lines = []
    for part, note in _PART_NOTES.items():
        lines.append(f"  [{part}] {note}")
        if part == HELD_OUT:
            used = [name for name in report.sets if name in HELD_OUT_USES]
            lines += [f"  [{part}] {name}: {HELD_OUT_USES[name]}" for name in used]
    return lines


def _target_lines(report: EvalReport) -> list[str]:
    """Held-out F1 against the targets, for all sets pooled and for the shared dev set."""
    names = [n for n in (ALL_SETS if len(report.sets) > 1 else None, "followups-dev") if n]
    lines = []
    for name in (n for n in names if n == ALL_SETS or n in report.sets):
        cells = [_target_cell(report, name, language) for language in ("en", "zh")]
        if any(cells):
            lines.append(
                f"targets (held-out {name}; detection >= {TARGETS['detection']:.2f}, fields >= "
                f"{TARGETS['fields']:.2f}): " + "; ".join(c for c in cells if c)
            )
    return lines


def _target_cell(report: EvalReport, name: str, language: str) -> str:
    result = report.results.get((name, HELD_OUT, language, LINKER))
    if result is None or not result.items:
        return ""
    det, fld = _verdict(result.detection, "detection"), _verdict(result.fields, "fields")
    return f"{language} detection {det}, fields {fld}"


def _verdict(scores: Scores, metric: str) -> str:
    """Every number against its target says which side it is on; an F1 with nothing to score
    (no follow-ups in the slice) is neither."""
    if not scores.has_f1:
        return "— (nothing to score)"
    shown = _against(scores.f1, metric)
    return f"{shown} (met)" if scores.f1 >= TARGETS[metric] else shown


def _against(value: float, metric: str) -> str:
    """The value, marked when below its target; four decimals where three would round it up
    to the target (32/33 = 0.9697 is below 0.97, though it prints as 0.970)."""
    if value >= TARGETS[metric]:
        return f"{value:.3f}"
    shown = f"{value:.4f}" if round(value, 3) >= TARGETS[metric] else f"{value:.3f}"
    return f"{shown} (below target)"


def format_errors(report: EvalReport) -> str:
    """Every linker mistake, set by set, both parts: detection errors and wrong fields. For
    your own files; reading the held-out errors of the repo's sets spoils their estimate."""
    lines = ["linker errors (set, part, id: what went wrong); held-out errors included:"]
    for name in report.sets:
        for item, pred in report.set_predictions.get(name, []):
            problem = _problem(item, pred)
            if problem:
                lines.append(f"  {name} {split_part(item.id)} {item.id}: {problem}")
    if len(lines) == 1:
        lines.append("  none")
    return "\n".join(lines)


def _problem(item: Item, pred: Prediction) -> str:
    if item.followup != pred.followup:
        return "missed follow-up" if item.followup else "false alarm"
    if item.followup and item.fields != pred.fields:
        gold, got = ", ".join(sorted(item.fields)), ", ".join(sorted(pred.fields))
        return f"fields: labelled [{gold}], linked [{got}]"
    return ""


def _header() -> str:
    return (
        f"{'set':<18} {'part':<8} {'lang':<4} {'n':>4}  {'det P':>6} {'det R':>6} {'det F1':>6}"
        f" {'base':>6}  {'fld P':>6} {'fld R':>6} {'fld F1':>6} {'base':>6}"
    )


def _row(report: EvalReport, set_name: str, part: str, language: str) -> str:
    linker = report.results[(set_name, part, language, LINKER)]
    base = report.results[(set_name, part, language, BASELINE)]
    d, f = linker.detection, linker.fields
    detection = [_p(d), _r(d), _f1(d), _f1(base.detection)]
    fields = [_p(f), _r(f), _f1(f), _f1(base.fields)]
    return (
        f"{set_name[:18]:<18} {part:<8} {language:<4} {linker.items:>4}  "
        + " ".join(f"{cell:>6}" for cell in detection)
        + "  "
        + " ".join(f"{cell:>6}" for cell in fields)
    )


UNDEFINED = "—"  # a ratio with nothing to count: an empty slice, nothing predicted, no gold


def _p(scores: Scores) -> str:
    return f"{scores.precision:.3f}" if scores.has_precision else UNDEFINED


def _r(scores: Scores) -> str:
    return f"{scores.recall:.3f}" if scores.has_recall else UNDEFINED


def _f1(scores: Scores) -> str:
    return f"{scores.f1:.3f}" if scores.has_f1 else UNDEFINED


def _interval_lines(report: EvalReport) -> list[str]:
    """95 % bootstrap intervals of the held-out F1s per language: all sets, then each set."""
    lines = [
        f"held-out: 95% bootstrap intervals ({BOOTSTRAP_RESAMPLES} resamples of items)",
        f"  {'set':<18} {'lang':<4} {'n':>4}  {'detection F1':<22} {'field F1':<22}",
    ]
    names = [None, *report.sets] if len(report.sets) > 1 else list(report.sets)
    for set_name in names:
        for language in ("en", "zh"):
            pairs = held_out_pairs(report, language, set_name=set_name)
            if pairs:
                lines.append(_interval_line(set_name or ALL_SETS, language, pairs))
    return lines


def _interval_line(set_name: str, language: str, pairs: list) -> str:
    det = _with_interval(pairs, lambda m: m.detection)
    fld = _with_interval(pairs, lambda m: m.fields)
    return f"  {set_name:<18} {language:<4} {len(pairs):>4}  {det:<22} {fld:<22}"


def _with_interval(pairs: list, pick: Callable[[MethodScores], Scores]) -> str:
    """The F1 and its interval; no interval where resampling a few items would only repeat
    them, and no number where there is nothing to score."""
    estimate = pick(score(pairs))
    if not estimate.has_f1:
        return UNDEFINED
    if len(pairs) < MIN_INTERVAL_ITEMS:
        return f"{estimate.f1:.3f} (n too small)"
    low, high = bootstrap_interval(pairs, lambda m: pick(m).f1 if pick(m).has_f1 else None)
    return f"{estimate.f1:.3f} [{low:.3f}, {high:.3f}]"


def format_fields(report: EvalReport, part: str = HELD_OUT) -> str:
    """Per-field table (all sets together): which fields the linker gets wrong."""
    lines = [
        f"per field, {part} part of all sets: linker P/R/F1 and the keyword baseline's F1",
        f"{'field':<15} {'lang':<4} {'gold':>4}  {'P':>6} {'R':>6} {'F1':>6} {'base':>6}",
    ]
    for language in ("en", "zh"):
        chosen = {
            method: field_scores(p for p in pairs if _in_slice(p[0], part, language))
            for method, pairs in report.predictions.items()
        }
        for f in FIELDS:
            linker, base = chosen[LINKER][f], chosen[BASELINE][f]
            gold = linker.tp + linker.fn
            cells = (_p(linker), _r(linker), _f1(linker), _f1(base))
            lines.append(f"{f:<15} {language:<4} {gold:>4}  " + " ".join(f"{c:>6}" for c in cells))
    return "\n".join(lines)
