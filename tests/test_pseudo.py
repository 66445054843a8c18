"""Self-training: pseudo-labels from real unlabeled text, and training on them with --extra-train."""

from __future__ import annotations

import json

import pytest

import govreport.cli
from govreport.data.doccano import read_jsonl
from govreport.train.cli import main as train_main
from govreport.inference.pseudo import TEMPLATE
from govreport.inference.pseudo import main as pseudo_main

from tests.conftest import write_lines
from tests.test_extract import lexicon_model
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


def test_unsure_sentences_are_left_out(tmp_path, torch_one_thread):
    # the lookup model tags 工作动态252条 with probabilities below 1 (and 办结率100% only in part): at
    # confidence 1 only the sentences with no span survive
    model_dir = lexicon_model(tmp_path / "lexicon-model")
    (tmp_path / "all").mkdir(), (tmp_path / "sure").mkdir()
    status, out = run_pseudo(tmp_path / "all", model_dir, 0.0)
    assert status == 0 and read_jsonl(out)[0].spans
    status, out = run_pseudo(tmp_path / "sure", model_dir, 1.0)
    assert status == 0
    kept = read_jsonl(out)
    assert "本年度发布工作动态252条。" not in [ex.text for ex in kept] and all(not ex.spans for ex in kept)


def test_a_missing_unlabeled_folder_is_one_clear_error(tmp_path, model_dir, capsys):
    status = pseudo_main(["--model", str(model_dir), "--output", str(tmp_path / "p.jsonl"), "--unlabeled", str(tmp_path / "nope")])
    assert status == 2
    assert "does not exist" in capsys.readouterr().err
    assert not (tmp_path / "p.jsonl").exists()


def test_router_knows_pseudo_label():
    assert "pseudo-label" in govreport.cli.COMMANDS


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


def test_metric_swaps_are_written_beside_the_labels(tmp_path, model_dir, torch_one_thread, capsys):
    folder, gold = unlabeled_and_gold(tmp_path)
    out, swaps = tmp_path / "p.jsonl", tmp_path / "aug" / "swaps.txt"
    swaps.parent.mkdir()
    status = pseudo_main(["--model", str(model_dir), "--output", str(out), "--unlabeled", str(folder), "--gold", str(gold),
                          "--min-confidence", "0", "--device", "cpu", "--metric-swaps", "2", "--swaps-output", str(swaps)])
    assert status == 0
    with_metric = [ex for ex in read_jsonl(out) if any(s.label == "METRIC" for s in ex.spans)]
    lines = swaps.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2 * len(with_metric)
    assert all(line[-1] in "。；;！？!?" for line in lines)
    assert f"wrote {len(lines)} sentences with swapped metric names" in capsys.readouterr().out


def test_metric_swaps_need_a_file(tmp_path, model_dir, capsys):
    with pytest.raises(SystemExit) as exit_info:
        pseudo_main(["--model", str(model_dir), "--output", str(tmp_path / "p.jsonl"), "--metric-swaps", "2"])
    assert exit_info.value.code == 2 and "--swaps-output" in capsys.readouterr().err


def test_metric_swaps_swap_only_metric_names():
    from govreport.data.doccano import Example
    from govreport.data.schema import Span
    from govreport.inference.pseudo import metric_swaps

    examples = [Example("a", "发布工作动态252条", [Span(2, 6, "METRIC"), Span(6, 9, "VALUE"), Span(9, 10, "UNIT")]),
                Example("b", "网络申请26448宗,占49.9%。", [Span(0, 4, "METRIC"), Span(4, 9, "VALUE"), Span(9, 10, "UNIT")]),
                Example("c", "本机关重视政务公开。", [])]
    variants = metric_swaps(examples, 5, seed=1)
    assert len(variants) == 10 and variants == metric_swaps(examples, 5, seed=1)
    assert set(variants[:5]) <= {"发布工作动态252条。", "发布网络申请252条。"}
    assert set(variants[5:]) <= {"网络申请26448宗,占49.9%。", "工作动态26448宗,占49.9%。"}
    assert len(set(variants)) > 2  # names do move


def test_model_options_are_the_same_in_every_command():
    # one declaration (inference/options.py): pseudo-label runs the model extract runs by default
    from govreport.eval.bench import build_parser as bench_parser
    from govreport.eval.cli import build_parser as evaluate_parser
    from govreport.inference.cli import build_parser as extract_parser
    from govreport.inference.tagger import DEFAULT_MODEL
    from govreport.inference.pseudo import build_parser as pseudo_parser

    extract = vars(extract_parser().parse_args(["in.txt"]))
    pseudo = vars(pseudo_parser().parse_args(["--output", "x.jsonl"]))
    options = ("model", "batch_size", "device", "backend")
    assert [pseudo[k] for k in options] == [extract[k] for k in options] == [DEFAULT_MODEL, 32, "auto", "auto"]
    for parser in (evaluate_parser(), bench_parser()):  # these read a missing --model as the default model
        args = vars(parser.parse_args(["--device", "cpu", "--backend", "onnx", "--batch-size", "4"]))
        assert [args[k] for k in options] == [None, 4, "cpu", "onnx"]
    with pytest.raises(SystemExit):
        evaluate_parser().parse_args(["--model", "fast", "--predictions", "p.jsonl"])


def test_labels_do_not_depend_on_the_chunks_and_the_bar_counts_sentences(monkeypatch, capsys):
    from govreport.data.schema import Span
    from govreport.inference import pseudo
    from govreport.inference.extract import Extractor

    def tagger(texts):  # every digit a VALUE, sure unless it is a 7
        return [([Span(i, i + 1, "VALUE") for i, c in enumerate(t) if c.isdigit()],
                 [0.5 if c == "7" else 0.99 for c in t if c.isdigit()]) for t in texts]

    sentences = [f"办结{n}件。" for n in range(10)]
    whole = pseudo.pseudo_label(Extractor(tagger, snap_words=False), sentences, 0.9)
    monkeypatch.setattr(pseudo, "CHUNK", 3)
    chunked = pseudo.pseudo_label(Extractor(tagger, snap_words=False), sentences, 0.9, progress=True)
    assert [(ex.id, ex.text, ex.spans) for ex in chunked.examples] == [(ex.id, ex.text, ex.spans) for ex in whole.examples]
    assert (chunked.sentences, chunked.dropped_unsure, len(chunked.examples)) == (10, 1, 9)
    assert chunked.examples[-1].id == f"{TEMPLATE}-00009"  # ids run on across chunks
    assert "10/10" in capsys.readouterr().err
