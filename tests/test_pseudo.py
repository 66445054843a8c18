"""Self-training: pseudo-labels from real unlabeled text, and training on them with --extra-train."""

from __future__ import annotations

import json

import govreport
from data.doccano import read_jsonl
from train.cli import main as train_main
from train.pseudo import TEMPLATE
from train.pseudo import main as pseudo_main

from tests.conftest import write_lines
from tests.test_train import cli_args

GOLD_SENTENCE = "全年共受理政府信息公开申请52971宗。"
REPORT = "# source: http://example.org/r.html\n本年度发布工作动态252条。" + GOLD_SENTENCE + "办结率100%。本机关高度重视政务公开工作。"


def unlabeled_and_gold(tmp_path):
    folder = tmp_path / "unlabeled"
    folder.mkdir()
    (folder / "report.txt").write_text(REPORT, encoding="utf-8")
    gold = tmp_path / "gold.jsonl"
    write_lines(gold, [{"id": "g", "text": GOLD_SENTENCE, "label": []}])
    return folder, gold


def run_pseudo(tmp_path, model_dir, min_confidence):
    folder, gold = unlabeled_and_gold(tmp_path)
    out = tmp_path / f"pseudo-{min_confidence}.jsonl"
    status = pseudo_main(["--model", str(model_dir), "--output", str(out), "--unlabeled", str(folder), "--gold", str(gold),
                          "--min-confidence", str(min_confidence), "--device", "cpu"])
    return status, out


def test_every_sentence_but_the_gold_one_is_labelled(tmp_path, model_dir, torch_one_thread, capsys):
    status, out = run_pseudo(tmp_path, model_dir, 0.0)
    assert status == 0
    examples = read_jsonl(out)
    assert [ex.text for ex in examples] == ["本年度发布工作动态252条。", "办结率100%。", "本机关高度重视政务公开工作。"]
    assert all(ex.meta["template"] == TEMPLATE for ex in examples)
    assert "wrote 3 of 3 sentences" in capsys.readouterr().out


def test_unsure_sentences_are_left_out(tmp_path, model_dir, torch_one_thread):
    # a random model is sure of nothing: at confidence 1 only sentences with no span survive
    status, out = run_pseudo(tmp_path, model_dir, 1.0)
    assert status == 0
    kept = read_jsonl(out)
    assert len(kept) < 3 and all(not ex.spans for ex in kept)


def test_a_missing_unlabeled_folder_is_one_clear_error(tmp_path, model_dir, capsys):
    status = pseudo_main(["--model", str(model_dir), "--output", str(tmp_path / "p.jsonl"), "--unlabeled", str(tmp_path / "nope")])
    assert status == 2
    assert "does not exist" in capsys.readouterr().err
    assert not (tmp_path / "p.jsonl").exists()


def test_router_knows_pseudo_label():
    assert "pseudo-label" in govreport.COMMANDS


def test_extra_train_examples_join_the_training_split(tmp_path, dataset_dir, model_dir, examples):
    extra = tmp_path / "extra.jsonl"
    write_lines(extra, [ex.to_dict() for ex in examples[:2]])
    out = tmp_path / "model"
    assert train_main(cli_args(dataset_dir, model_dir, out, "--extra-train", extra, "--extra-repeat", 3)) == 0
    results = json.loads((out / "train_results.json").read_text(encoding="utf-8"))
    assert results["extra_train"] == {"file": str(extra), "examples": 2, "repeat": 3}
    assert results["data"]["train"]["examples"] == len(read_jsonl(dataset_dir / "train.jsonl")) + 2 * 3
    assert results["lineage"] == []  # the tiny base is not a trained run
    card = (out / "README.md").read_text(encoding="utf-8")
    assert "--extra-train" in card and str(extra) in card

    # a second round starts from the first and records it
    again = tmp_path / "round-2"
    assert train_main(cli_args(dataset_dir, model_dir, again, "--base-model", out)) == 0
    results = json.loads((again / "train_results.json").read_text(encoding="utf-8"))
    assert [run["model"] for run in results["lineage"]] == [str(out)]
    assert results["lineage"][0]["command"].startswith("govreport train") and "--extra-train" in results["lineage"][0]["command"]
    assert "Made from earlier runs" in (again / "README.md").read_text(encoding="utf-8")


def test_a_bad_extra_train_file_fails_before_training(tmp_path, dataset_dir, model_dir, capsys):
    out = tmp_path / "model"
    assert train_main(cli_args(dataset_dir, model_dir, out, "--extra-train", tmp_path / "missing.jsonl")) == 2
    assert "--extra-train file" in capsys.readouterr().err and not out.exists()
    assert train_main(cli_args(dataset_dir, model_dir, out, "--extra-repeat", 0)) == 2
