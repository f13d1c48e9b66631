"""lex-3: broad field words, the further-field model, and the anchor refinements."""

import json

import pytest

from flows.cli import main
from warehouse import fieldmodel, lexicon
from warehouse.catalog import CatalogError, load_catalog
from warehouse.evaluate import TUNE, read_items, split_part
from warehouse.linking import FIELD_THRESHOLD, link_text


def _features(**values):
    base = {name: 0.0 for name in fieldmodel.FEATURES}
    return {**base, **values}


def test_fit_learns_which_further_fields_are_real():
    strong = _features(raw=0.8, relative=0.9, title_terms=1.0, sentence_share=0.6, in_lead=1.0)
    weak = _features(raw=0.3, relative=0.35, body_terms=1.0, sentence_share=0.1)
    rows = [strong] * 20 + [weak] * 20 + [strong, weak]
    labels = [1] * 20 + [0] * 20 + [0, 1]  # a little noise: the model must still generalise
    model = fieldmodel.fit(rows, ["market"] * len(rows), labels, l2=1.0)
    assert fieldmodel.support("market", strong, model) > 0.8
    assert fieldmodel.support("market", weak, model) < 0.2


def test_fit_refuses_data_with_one_class():
    with pytest.raises(fieldmodel.FieldModelError, match="both right and wrong"):
        fieldmodel.fit([_features(raw=0.5)] * 3, ["energy"] * 3, [1, 1, 1])


def test_unusable_model_file_is_a_clear_error(tmp_path):
    bad = tmp_path / "model.json"
    bad.write_text(json.dumps({"features": ["raw"]}), encoding="utf-8")
    with pytest.raises(fieldmodel.FieldModelError, match="retrain"):
        fieldmodel.load_model(bad)


def test_training_reads_tune_parts_only(tmp_path):
    from warehouse.evaluate import LABELED_DIR

    path = LABELED_DIR / "yrd-invented.jsonl"
    items = fieldmodel.tune_items([path])
    assert items and all(split_part(i.id) == TUNE for i in items)
    model = fieldmodel.train([path], tmp_path / "m.json")
    assert model["trained_on"] == {
        "files": ["yrd-invented.jsonl"],
        "part": "tune",
        "items": len(items),
        "rows": model["trained_on"]["rows"],
    }
    assert json.loads((tmp_path / "m.json").read_text(encoding="utf-8"))["l2"] == fieldmodel.L2


def test_cli_train_fields_writes_where_told(capsys, tmp_path):
    from warehouse.evaluate import LABELED_DIR

    out = tmp_path / "model.json"
    code = main(["train-fields", str(LABELED_DIR / "demo-articles.jsonl"), "--out", str(out)])
    printed = capsys.readouterr().out
    assert code == 0 and out.is_file() and "held-out parts unused" in printed
    assert fieldmodel.load_model(out)["trained_on"]["part"] == "tune"


def test_cli_cross_validation_can_score_one_set_and_names_unknown_sets(capsys):
    from warehouse.evaluate import LABELED_DIR

    files = [str(LABELED_DIR / f"{name}.jsonl") for name in ("demo-articles", "yrd-invented")]
    assert main(["train-fields", *files, "--cv", "--set", "yrd-invented"]) == 0
    printed = capsys.readouterr().out
    tune = sum(
        1 for i in read_items(LABELED_DIR / "yrd-invented.jsonl") if split_part(i.id) == TUNE
    )
    assert f"scored on the {tune} of yrd-invented's" in printed
    assert len([line for line in printed.splitlines() if line[:6].strip().isdigit()]) == 12
    assert main(["train-fields", *files, "--cv", "--set", "nope"]) == 2
    assert "nope: no such labeled set here; pass one of: demo-articles, yrd-invented" in (
        capsys.readouterr().err
    )
    assert main(["train-fields", *files, "--cv", "--set", "yrd-fields-blind"]) == 2
    assert "yrd-fields-blind is kept out of training, so cross-validation has none" in (
        capsys.readouterr().err
    )


def test_vocabulary_corpus_is_not_training_data():
    from flows.cli_linking import default_eval_files

    stems = {p.stem for p in fieldmodel.training_files(default_eval_files())}
    assert "fields-corpus" not in stems and "yrd-invented" in stems
    assert "yrd-blind-2" not in stems and "yrd-fields-blind" not in stems  # for measurement


def test_default_training_reproduces_the_shipped_model(tmp_path):
    """`yrdwatch train-fields` with no files must rebuild field_model.json, not a new model."""
    from flows.cli_linking import DEV_SET, default_eval_files

    if not DEV_SET.is_file():
        pytest.skip("the shared dev set (part of the training data) is not on this machine")
    files = fieldmodel.training_files(default_eval_files())
    retrained = fieldmodel.train(files, tmp_path / "model.json")
    assert retrained == fieldmodel.load_model(fieldmodel.MODEL_PATH)


def test_weak_further_field_is_not_linked_but_kept_as_candidate(catalog):
    title = "Delta grid companies sign power mutual-assistance pact"
    body = (
        "The grid companies of Shanghai, Jiangsu, Zhejiang and Anhui signed a pact on emergency "
        "power mutual assistance across the Yangtze River Delta. The signing took place at a "
        "hotel near a tourism area."
    )
    decision = link_text(title, body, "en", catalog)
    assert {link.field for link in decision.links} == {"energy"}
    tourism = [c for c in decision.candidates if c.field == "public_service"]
    assert tourism and all(c.score < FIELD_THRESHOLD for c in tourism)


def test_high_support_never_makes_a_non_follow_up_link(catalog, monkeypatch):
    monkeypatch.setattr(fieldmodel, "support", lambda *args, **kwargs: 1.0)
    title = "Shanghai firm opens office"
    body = "A Shanghai company that sells hospitals and railways equipment opened an office."
    decision = link_text(title, body, "en", catalog)
    assert not decision.is_followup and decision.links == []
    assert all(c.score <= decision.best_score for c in decision.candidates)


def test_specific_commitment_outranks_the_fields_broad_words(catalog):
    title = "Delta expands cross-provincial medical settlement"
    body = (
        "Residents insured in Shanghai, Jiangsu, Zhejiang and Anhui can settle outpatient bills "
        "directly at more hospitals, and patients no longer pay first and claim later."
    )
    decision = link_text(title, body, "en", catalog)
    assert decision.links[0].commitment_id == "public_service.medical_settlement"
    assert decision.links[0].parts["primary"] is True


def test_delta_in_headline_with_the_members_in_the_body_is_a_firm_anchor(catalog):
    title = "ID cards can now be renewed anywhere in the delta"
    body = (
        "Residents of Shanghai, Jiangsu, Zhejiang and Anhui can renew their ID cards at any "
        "police service window in the four areas, the public security departments said."
    )
    decision = link_text(title, body, "en", catalog)
    assert decision.anchor["factor"] == 1.0 and decision.is_followup
    assert {link.field for link in decision.links} == {"public_service"}


def test_nanjing_road_is_a_shanghai_street_not_jiangsu():
    assert lexicon.provinces_named("游客在南京路步行街观景") == set()
    assert lexicon.provinces_named("Crowds on Nanjing East Road in Shanghai") == {"shanghai"}
    assert lexicon.provinces_named("南京和合肥签约") == {"jiangsu", "anhui"}


def test_broad_terms_must_be_a_list_of_strings(tmp_path):
    from warehouse.catalog import DEFAULT_CATALOG

    text = DEFAULT_CATALOG.read_text(encoding="utf-8").replace(
        'broad_terms_en = ["port"', 'broad_terms_en = [1, "port"', 1
    )
    bad = tmp_path / "catalog.toml"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(CatalogError, match="broad_terms_en must be a list"):
        load_catalog(bad)


def test_on_a_tie_the_best_commitment_stays_first(catalog, monkeypatch):
    """A further field's score is capped at the best one; a tie must not put it first."""
    monkeypatch.setattr(fieldmodel, "support", lambda *args, **kwargs: 1.0)
    title = "Delta leaders' symposium approves new three-year action plan"
    body = (
        "The leaders of Shanghai, Jiangsu, Zhejiang and Anhui met for the leaders' symposium. "
        "They also agreed on joint air quality and water quality monitoring in the Taihu basin."
    )
    decision = link_text(title, body, "en", catalog)
    first = decision.links[0]
    assert first.field == "mechanism" and first.parts["primary"]
    assert "environment" in {link.field for link in decision.links}
