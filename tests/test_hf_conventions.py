"""The shipped models follow Hugging Face conventions: plain transformers loads them, its
pipeline finds what govreport's tagger finds, and their cards carry hub metadata.

The pipeline test runs on a tiny model built from conftest's character tokenizer and
config whose tag of a token depends on that token only (attention and feed-forward
outputs zeroed, no position embeddings). The pipeline cuts a long text into windows of
its own and govreport's tagger cuts it into sentences; with a context-free model the two
must agree span for span, so any difference is in offsets, windows, stride or grouping.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from govreport.data.schema import LABELS
from tests.conftest import MARKED, lookup_table, make_lookup_tagger, parse_marked, tiny_config
from govreport.train.card_metadata import card_metadata, front_matter

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = {"accurate": ROOT / "model" / "default", "fast": ROOT / "model" / "fast"}
REQUIRED = ("license", "language", "library_name", "pipeline_tag", "datasets", "metrics", "model-index")


@pytest.fixture(scope="module")
def lookup_model_dir(tmp_path_factory, tokenizer_dir, examples):
    from transformers import AutoTokenizer, BertForTokenClassification

    path = tmp_path_factory.mktemp("lookup-model")
    tokenizer = AutoTokenizer.from_pretrained(tokenizer_dir)
    config = tiny_config(tokenizer.vocab_size)
    model = BertForTokenClassification(config)
    make_lookup_tagger(model, tokenizer.get_vocab(), lookup_table(examples))
    model.save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path


def invented_report(chars: int = 2000) -> str:
    """A report of about ``chars`` characters from conftest's invented sentences, one paragraph per round."""
    body, round_ = ["某市2018年政府信息公开工作年度报告\n"], 0
    while sum(map(len, body)) < chars:
        body.append("".join(parse_marked(m, "x").text for m in MARKED[round_ % 3:]) + "\n")
        round_ += 1
    return "".join(body)


def test_pipeline_finds_every_span_the_extractor_tagger_finds(lookup_model_dir):
    from govreport.inference.hf_check import compare

    text = invented_report()
    assert len(text) >= 2000
    result = compare(lookup_model_dir, text, stride=8)
    assert result["tagger"] > 300  # the test would be empty if the lookup tagged nothing
    assert result["tagger_only"] == [] and result["pipeline_only"] == []


def test_first_aggregation_works_with_a_wordpiece_tokenizer(lookup_model_dir):
    from govreport.inference.hf_check import pipeline_spans

    text = invented_report(300)
    simple = pipeline_spans(lookup_model_dir, text, stride=8)
    assert simple and pipeline_spans(lookup_model_dir, text, stride=8, aggregation="first") == simple


def test_auto_classes_load_the_random_tiny_model(model_dir):
    from transformers import AutoModelForTokenClassification, AutoTokenizer, pipeline

    model = AutoModelForTokenClassification.from_pretrained(model_dir)
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    assert [model.config.id2label[i] for i in range(len(LABELS))] == list(LABELS)
    tagger = pipeline("token-classification", model=model, tokenizer=tokenizer, aggregation_strategy="simple", stride=8)
    text = invented_report(500)
    for entity in tagger(text):  # random tags, but every entity is a typed span of the text
        assert entity["entity_group"] in ("METRIC", "VALUE", "UNIT") and 0 <= entity["start"] < entity["end"] <= len(text)


# ---- the shipped cards and tokenizers


def card_front_matter(path: Path) -> dict:
    """The YAML metadata of a model card, read the way the hub reads it (huggingface_hub) or with PyYAML."""
    try:
        from huggingface_hub import ModelCard
    except ImportError:
        import yaml

        text = path.read_text(encoding="utf-8")
        assert text.startswith("---\n")
        return yaml.safe_load(text.split("---\n", 2)[1])
    card = ModelCard.load(path)
    assert card.data.eval_results, "model-index must parse into evaluation results"
    return card.data.to_dict()


@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_shipped_cards_carry_hub_metadata(name):
    meta = card_front_matter(SHIPPED[name] / "README.md")
    for key in REQUIRED:
        assert meta.get(key), f"{name}: card metadata lacks {key}"
    assert meta["license"] == "mit" and meta["language"] == ["zh"] and meta["pipeline_tag"] == "token-classification"
    assert meta["library_name"] == "transformers"
    assert (meta.get("base_model") == "intfloat/multilingual-e5-small") == (name == "accurate")
    figures = {m["name"]: m["value"] for r in meta["model-index"][0]["results"] for m in r["metrics"]}
    assert all(0 < v <= 1 for v in figures.values()) and len(figures) >= 4


def test_pyproject_license_matches_the_cards_and_license_file():
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["license"] == "MIT"
    assert (ROOT / "LICENSE").read_text(encoding="utf-8").startswith("MIT License")
    assert card_metadata({})["license"] == "mit"


@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_model_max_length_is_the_trained_window(name):
    folder = SHIPPED[name]
    tokenizer = json.loads((folder / "tokenizer_config.json").read_text(encoding="utf-8"))
    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    trained = json.loads((folder / "train_results.json").read_text(encoding="utf-8"))["max_length"]
    assert tokenizer["model_max_length"] == trained <= config["max_position_embeddings"]


def test_generated_card_metadata_parses():
    import yaml

    results = {"final_scores": {"dev": {k: {"f1": 0.5} for k in ("micro", "METRIC", "VALUE", "UNIT")}}}
    text = front_matter(card_metadata(results, e5_conversion={"source": "x"}))
    meta = yaml.safe_load(text.split("---\n")[1])
    assert meta["base_model"] == "intfloat/multilingual-e5-small"
    assert [m["value"] for m in meta["model-index"][0]["results"][0]["metrics"]] == [0.5] * 4
    assert "base_model" not in card_metadata(results)  # a model not made from e5 names no base


def test_gold_card_splits_load_with_datasets(tmp_path):
    """The gold folder's card names its splits; ``load_dataset`` on the folder reads exactly them,
    every line of each file a row (the dev file is the test split: evaluation only)."""
    import yaml
    from datasets import load_dataset

    gold = ROOT / "data" / "gold"
    meta = yaml.safe_load((gold / "README.md").read_text(encoding="utf-8").split("---\n", 2)[1])
    assert meta["license"] == "mit" and meta["language"] == ["zh"]
    files = {f["split"]: f["path"] for f in meta["configs"][0]["data_files"]}
    assert files == {"train": "real_train.jsonl", "validation": "real_val.jsonl", "test": "dev.jsonl"}
    ds = load_dataset(str(gold), cache_dir=str(tmp_path))  # its cache in the test's folder, not ~/.cache
    for split, name in files.items():
        lines = (gold / name).read_text(encoding="utf-8").splitlines()
        assert ds[split].num_rows == len([line for line in lines if line.strip()])
        assert {"text", "label", "records"} <= set(ds[split].column_names)
