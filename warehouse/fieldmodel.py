"""Which further fields a follow-up touches: a small logistic model over lexical features.

Detection stays lexical (anchor x term strength). Once a release is a follow-up, the field of
its best commitment is always linked; every other field whose terms occur gets a *support*,
the probability from a ridge logistic regression over ten explainable features (how strong
that field's terms are, relative to the best field, in the headline or the lead, in what
share of the sentences, ...) plus one bias per field. The same ten weights serve every field,
so 19 numbers are learned, not a vocabulary: the terms stay in the catalog.

The weights live in `field_model.json` next to this module and are trained ONLY on the tune
parts of the labeled sets (`python -m warehouse.fieldmodel train`); the ridge penalty and the
field threshold were chosen by 5-fold cross-validation inside the tune parts
(`python -m warehouse.fieldmodel cv`). Pure Python: Newton's method on a 19 x 19 system.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path

from warehouse.catalog import FIELDS, Commitment

logger = logging.getLogger(__name__)

MODEL_PATH = Path(__file__).with_name("field_model.json")
MODEL_ENV = "YRDWATCH_FIELD_MODEL"
FEATURES = (
    "raw",  # anchor x strength of the field's best commitment
    "relative",  # that, divided by the release's best score
    "strength",  # term strength of the field's best commitment (anchor left out)
    "title_terms",  # distinct field terms in the headline
    "body_terms",  # distinct field terms in the body
    "log_occurrences",  # log(1 + body occurrences of field terms)
    "sentence_share",  # share of body sentences naming a field term
    "in_lead",  # the first body sentence names a field term
    "commitments",  # how many of the field's commitments matched
    "zh",  # Chinese release
)
L2 = 3.0  # ridge penalty on the standardised weights and field biases (chosen by tune CV)
FIELD_SUPPORT_THRESHOLD = 0.45  # = settings.field_threshold, which the `followups` view applies
NEWTON_STEPS = 25


class FieldModelError(ValueError):
    """The model file is missing or malformed; the message names the file."""


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


def active_model_path() -> Path:
    """The model linking uses: the shipped one, or the file `$YRDWATCH_FIELD_MODEL` names (one
    written by `train-fields --out`, so an analyst can try it without replacing the shipped
    one; `eval --model PATH` sets it for one measurement)."""
    chosen = os.environ.get(MODEL_ENV)
    return Path(chosen).resolve() if chosen else MODEL_PATH


def model_note() -> str:
    """How a report names the field model in use: nothing for the shipped one."""
    path = active_model_path()
    return "" if path == MODEL_PATH else f", field model {path} ({model_digest(path)})"


def load_model(path: Path | None = None) -> dict:
    """The trained weights (cached per file); a clear error when the file is unusable."""
    return _load_cached(Path(path or active_model_path()))


@lru_cache(maxsize=4)
def _load_cached(path: Path) -> dict:
    try:
        model = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise FieldModelError(f"{path}: cannot read field model ({exc}); {_fix(path)}") from exc
    if not isinstance(model, dict) or model.get("features") != list(FEATURES):
        raise FieldModelError(f"{path}: features differ from the code; {_fix(path)}")
    return model


def _fix(path: Path) -> str:
    """What to do about an unusable model: a chosen one may just be the wrong file."""
    if path == MODEL_PATH:
        return "retrain it with `yrdwatch train-fields`"
    if os.environ.get(MODEL_ENV) and active_model_path() == Path(path).resolve():
        return f"${MODEL_ENV} names it: point it at a model from `train-fields --out`, or unset it"
    return "retrain it: use a model written by `yrdwatch train-fields --out`"


def model_digest(path: Path | None = None) -> str:
    """A short fingerprint of the weights, so retraining relinks every release."""
    payload = json.dumps(load_model(path), sort_keys=True)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:8]


def support(field: str, features: dict[str, float], model: dict | None = None) -> float:
    """Probability that a further field matched by terms is really a field of the release."""
    model = model or load_model()
    z = model["bias"].get(field, 0.0) + model["intercept"]
    for name, weight, mean, scale in zip(
        FEATURES, model["weights"], model["mean"], model["scale"], strict=True
    ):
        z += weight * (features[name] - mean) / scale
    return _sigmoid(z)


# ------------------------------------------------------------------ training


def _standardise(rows: list[list[float]]) -> tuple[list[float], list[float]]:
    columns = list(zip(*rows, strict=True))
    mean = [sum(col) / len(col) for col in columns]
    scale = [
        math.sqrt(sum((v - m) ** 2 for v in col) / len(col)) or 1.0
        for col, m in zip(columns, mean, strict=True)
    ]
    return mean, scale


def _design(rows: list[list[float]], fields: list[str], mean, scale) -> list[list[float]]:
    """Standardised features, then the intercept, then one-hot field biases."""
    out = []
    for row, field_id in zip(rows, fields, strict=True):
        x = [(v - m) / s for v, m, s in zip(row, mean, scale, strict=True)]
        out.append(x + [1.0] + [1.0 if field_id == f else 0.0 for f in FIELDS])
    return out


def _solve(a: list[list[float]], b: list[float]) -> list[float]:
    """Gaussian elimination with partial pivoting (the systems here are 19 x 19)."""
    n = len(b)
    m = [row[:] + [b[i]] for i, row in enumerate(a)]
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(m[r][col]))
        m[col], m[pivot] = m[pivot], m[col]
        for r in range(col + 1, n):
            factor = m[r][col] / m[col][col]
            for k in range(col, n + 1):
                m[r][k] -= factor * m[col][k]
    x = [0.0] * n
    for r in range(n - 1, -1, -1):
        x[r] = (m[r][n] - sum(m[r][k] * x[k] for k in range(r + 1, n))) / m[r][r]
    return x


def _newton_step(x_rows, labels, w, penalties) -> list[float]:
    """One Newton step of penalised log-likelihood (the Hessian is positive definite)."""
    dim = len(w)
    grad = [p * wi for p, wi in zip(penalties, w, strict=True)]
    hess = [[penalties[i] if i == j else 0.0 for j in range(dim)] for i in range(dim)]
    for x, y in zip(x_rows, labels, strict=True):
        p = _sigmoid(sum(a * b for a, b in zip(x, w, strict=True)))
        for i in range(dim):
            grad[i] += (p - y) * x[i]
            for j in range(i, dim):
                hess[i][j] += p * (1 - p) * x[i] * x[j]
    for i in range(dim):
        for j in range(i):
            hess[i][j] = hess[j][i]
    step = _solve(hess, grad)
    return [wi - si for wi, si in zip(w, step, strict=True)]


def fit(rows: Sequence[dict], fields: Sequence[str], labels: Sequence[int], l2: float = L2):
    """Ridge logistic regression by Newton's method; returns the model as a dict."""
    if not rows or len(set(labels)) < 2:
        raise FieldModelError(
            f"nothing to learn from: {len(rows)} further field(s) matched in the tune parts' "
            f"follow-ups, {sum(labels)} of them right; it learns which further fields are right, "
            "so it needs multi-field follow-ups whose further fields are both right and wrong"
        )
    matrix = [[row[name] for name in FEATURES] for row in rows]
    mean, scale = _standardise(matrix)
    x_rows = _design(matrix, list(fields), mean, scale)
    n_feat = len(FEATURES)
    penalties = [l2] * n_feat + [1e-6] + [l2] * len(FIELDS)
    w = [0.0] * len(penalties)
    for _ in range(NEWTON_STEPS):
        w = _newton_step(x_rows, list(labels), w, penalties)
    return {
        "features": list(FEATURES),
        "weights": [round(v, 6) for v in w[:n_feat]],
        "intercept": round(w[n_feat], 6),
        "bias": {f: round(v, 6) for f, v in zip(FIELDS, w[n_feat + 1 :], strict=True)},
        "mean": [round(v, 6) for v in mean],
        "scale": [round(v, 6) for v in scale],
        "l2": l2,
    }


def training_rows(items, catalog: Sequence[Commitment]):
    """(features, field, label) for every further field matched in gold follow-ups."""
    from warehouse.linking import field_evidence

    rows, fields, labels = [], [], []
    for item in items:
        if not item.followup:
            continue
        best_field, by_field = field_evidence(item.title, item.body, catalog)
        for field_id, features in by_field.items():
            if field_id != best_field:
                rows.append(features)
                fields.append(field_id)
                labels.append(int(field_id in item.fields))
    return rows, fields, labels


# Labeled sets the field model does not learn from.
# - fields-corpus holds positives only, written to widen the catalog's vocabulary; its labels
#   name fewer secondary fields than the dev set's (5-fold CV on the tune parts: a model trained
#   with it lost 0.02-0.05 field F1 on the dev set).
# - yrd-blind-2, the two two-member sets and yrd-fields-blind were written blind after the model
#   was frozen and are kept for measurement; so the default `train-fields` reproduces the
#   shipped field_model.json exactly.
VOCABULARY_ONLY_SETS = frozenset({"fields-corpus"})
MEASUREMENT_ONLY_SETS = frozenset(
    {"yrd-blind-2", "yrd-two-members", "yrd-two-members-2", "yrd-fields-blind"}
)


def training_files(paths: Sequence[Path]) -> list[Path]:
    """The labeled files the model learns from (their tune parts only)."""
    left_out = VOCABULARY_ONLY_SETS | MEASUREMENT_ONLY_SETS
    return [Path(p) for p in paths if Path(p).stem not in left_out]


def tune_items(paths: Sequence[Path]) -> list:
    """The tune part of every labeled file: the only items the model may learn from."""
    from warehouse.evaluate import TUNE, read_items, split_part

    return [i for p in paths for i in read_items(Path(p)) if split_part(i.id) == TUNE]


def train(paths: Sequence[Path], out: Path = MODEL_PATH, l2: float = L2) -> dict:
    """Fit on the TUNE parts of the labeled files only and write the JSON model."""
    from warehouse.catalog import load_catalog

    items = tune_items(paths)
    rows, fields, labels = training_rows(items, load_catalog())
    model = fit(rows, fields, labels, l2)
    model["trained_on"] = {
        "files": sorted(Path(p).name for p in paths),
        "part": "tune",
        "items": len(items),
        "rows": len(rows),
    }
    Path(out).write_text(json.dumps(model, indent=1, ensure_ascii=False) + "\n", "utf-8")
    _load_cached.cache_clear()
    logger.info("trained field model on %d rows from %d tune items", len(rows), len(items))
    return model


# ------------------------------------------------------------------ cross-validation


def _fold(item_id: str, folds: int) -> int:
    return int(hashlib.sha256(("yrdwatch-fold:" + item_id).encode()).hexdigest()[:8], 16) % folds


def cross_validate(
    items: list,
    catalog: Sequence[Commitment],
    l2: float,
    thresholds: Sequence[float],
    folds: int = 5,
    corpus: Sequence = (),
    scored: frozenset[str] | None = None,
) -> dict[float, dict[str, tuple[int, int, int]]]:
    """Field (tp, fp, fn) per threshold and language, each fold predicted by a model fitted
    on the other folds (plus the training corpus): how a setting generalises, estimated
    without the held-out part. `scored`: only these item ids are counted (all train)."""
    counts = {t: {"en": [0, 0, 0], "zh": [0, 0, 0]} for t in thresholds}
    for k in range(folds):
        train_part = [*corpus, *(i for i in items if _fold(i.id, folds) != k)]
        model = fit(*training_rows(train_part, catalog), l2)
        fold = (i for i in items if _fold(i.id, folds) == k and i.followup)
        for item in (i for i in fold if scored is None or i.id in scored):
            predicted = _predict_fields(item, catalog, lambda f, x, m=model: support(f, x, m))
            for t in thresholds:
                _count(counts[t][item.language], item.fields, predicted(t))
    return {t: {lang: tuple(c) for lang, c in by_lang.items()} for t, by_lang in counts.items()}


def _predict_fields(item, catalog, scorer: Callable) -> Callable[[float], set[str]]:
    """Fields a gold follow-up would get, as a function of the field threshold."""
    from warehouse.linking import field_evidence

    best_field, by_field = field_evidence(item.title, item.body, catalog)
    if best_field is None:
        return lambda t: set()
    best_raw = by_field[best_field]["raw"]
    supports = {f: min(best_raw, scorer(f, x)) for f, x in by_field.items() if f != best_field}
    return lambda t: {best_field} | {f for f, s in supports.items() if s >= t}


def _count(counter: list[int], gold: frozenset[str], predicted: set[str]) -> None:
    counter[0] += len(gold & predicted)
    counter[1] += len(predicted - gold)
    counter[2] += len(gold - predicted)


CV_PENALTIES = (1.0, 3.0, 10.0, 30.0)
CV_THRESHOLDS = (0.35, 0.45, 0.55)


def format_cross_validation(
    paths: Sequence[Path], folds: int = 5, only_set: str | None = None
) -> str:
    """The table `yrdwatch train-fields --cv [--set NAME]` prints: field P/R/F1 per penalty
    and threshold, over every tune item or only one set's (the model still trains on all)."""
    from warehouse.catalog import load_catalog

    items, catalog = tune_items(paths), load_catalog()
    scored = _set_items(paths, only_set) if only_set else None
    where = f"; scored on the {len(scored)} of {only_set}'s" if scored is not None else ""
    lines = [
        f"{folds}-fold cross-validation on {len(items)} tune items (held-out parts unused){where}; "
        f"in use: l2 {L2}, threshold {FIELD_SUPPORT_THRESHOLD}",
        f"{'l2':>6} {'thr':>5}  {'en P':>6} {'en R':>6} {'en F1':>6}  "
        f"{'zh P':>6} {'zh R':>6} {'zh F1':>6}",
    ]
    for l2 in CV_PENALTIES:
        result = cross_validate(items, catalog, l2, CV_THRESHOLDS, folds, scored=scored)
        for t in CV_THRESHOLDS:
            cells = [_prf(*result[t][lang]) for lang in ("en", "zh")]
            lines.append(f"{l2:>6g} {t:>5.2f}  " + "  ".join(cells))
    return "\n".join(lines)


def _set_items(paths: Sequence[Path], name: str) -> frozenset[str]:
    """The tune item ids of one labeled set, named by its file stem."""
    chosen = [p for p in paths if Path(p).stem == name]
    if not chosen:
        stems = ", ".join(sorted(Path(p).stem for p in paths))
        why = (
            " is kept out of training, so cross-validation has none of its items"
            if name in VOCABULARY_ONLY_SETS | MEASUREMENT_ONLY_SETS
            else ": no such labeled set here"
        )
        raise FieldModelError(f"{name}{why}; pass one of: {stems}")
    return frozenset(i.id for i in tune_items(chosen))


def _prf(tp: int, fp: int, fn: int) -> str:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return f"{p:>6.3f} {r:>6.3f} {f1:>6.3f}"
