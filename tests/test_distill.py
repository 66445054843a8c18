"""Distillation: the loss teaches, PCA embeddings keep the teacher's geometry, unlabeled text
skips gold sentences, the CLI end to end (and resuming from the teacher cache), errors."""

from __future__ import annotations

import json
import shutil

import pytest
import torch
from transformers import AutoModelForTokenClassification, AutoTokenizer, BertForTokenClassification

import govreport.cli
from govreport.data.paths import REPO_ROOT
from govreport.data.schema import id2label
from govreport.model.tagging import predict
from govreport.train.config import ConfigError, build_parser
from govreport.train.data import featurize
from govreport.model.windows import Window
from govreport.train.distill import main
from govreport.train.distill_config import DistillConfig, parse_distill_config
from govreport.train.distill_loss import DistillCollator, DistillTrainer, distillation_loss
from govreport.train.soft_labels import char_soft_targets, gather_char_targets, teacher_logits
from govreport.train.student import build_student
from govreport.train.unlabeled import read_unlabeled

# Student sizes small enough for a test, wired as the real one.
TINY_STUDENT = ["--hidden-size", "16", "--num-layers", "1", "--num-heads", "2", "--intermediate-size", "32"]

# Real-looking prose for the unlabeled folder; the gold sentence is added per test.
UNLABELED_A = (
    "# source: http://example.org/report.html\n# title: 某局2019年政府信息公开工作年度报告\n\n"
    "2019年，本机关共收到政府信息公开申请15件。办结率100%。\n#1 本年度未发生行政复议。"
)
UNLABELED_B = "门户网站发布信息1200余条；回应公众关注热点3次。办结率100%。"


def tiny_cfg(**overrides) -> DistillConfig:
    sizes = dict(hidden_size=16, num_layers=1, num_heads=2, intermediate_size=32)
    return DistillConfig(teacher="t", data="d", output_dir="o", **{**sizes, **overrides})


@pytest.fixture
def sharp_teacher(model):
    """The tiny random tagger with its classifier scaled up, so its soft labels are far from uniform and differ per token."""
    with torch.no_grad():
        model.classifier.weight.mul_(40)
    return model.eval()


def cosine_matrix(x: torch.Tensor) -> torch.Tensor:
    x = torch.nn.functional.normalize(x.float(), dim=1)
    return x @ x.T


def off_diagonal_correlation(a: torch.Tensor, b: torch.Tensor) -> float:
    upper = torch.triu_indices(a.shape[0], a.shape[0], offset=1)
    return float(torch.corrcoef(torch.stack([a[upper[0], upper[1]], b[upper[0], upper[1]]]))[0, 1])


# ---- the loss and the student


def test_distillation_loss_teaches_the_teacher(sharp_teacher, tokenizer, examples):
    features = featurize(examples, tokenizer, 32, 8)
    logits = teacher_logits(sharp_teacher, features, batch_size=5, pad_id=tokenizer.pad_token_id)
    assert [t.shape for t in logits] == [(len(f["input_ids"]), len(id2label)) for f in features]
    assert all(t.dtype == torch.float16 for t in logits)
    for f, t in zip(features, logits):
        f["teacher_logits"], f["distill_mask"] = t, [int(label != -100) for label in f["labels"]]
    batch = DistillCollator(tokenizer)(features)
    assert batch["teacher_logits"].shape[:2] == batch["input_ids"].shape == batch["distill_mask"].shape

    torch.manual_seed(0)
    student, _ = build_student(tiny_cfg(), tokenizer, sharp_teacher)
    inputs = {k: batch[k] for k in ("input_ids", "attention_mask")}
    args = (batch["teacher_logits"], batch["labels"], batch["distill_mask"], 2.0, 0.7)
    optimizer = torch.optim.AdamW(student.parameters(), lr=1e-2)

    def kl() -> float:
        student.eval()
        with torch.no_grad():
            return distillation_loss(student(**inputs).logits, *args)[1].item()

    before = kl()
    student.train()
    for _ in range(15):
        distillation_loss(student(**inputs).logits, *args)[0].backward()
        optimizer.step()
        optimizer.zero_grad()
    assert kl() < 0.5 * before


def test_loss_without_gold_labels_is_the_kl_term_alone():
    student, teacher = torch.randn(2, 5, 7), torch.randn(2, 5, 7)
    mask = torch.tensor([[0, 1, 1, 1, 0], [0, 1, 1, 0, 0]])
    no_gold = torch.full((2, 5), -100)
    loss, kl, ce = distillation_loss(student, teacher, no_gold, mask, 3.0, 0.6)
    assert ce.item() == 0 and kl.item() > 0
    assert loss.item() == pytest.approx(0.6 * 9 * kl.item())
    # masked positions do not count: changing the teacher there changes nothing
    teacher[:, 0] = 100.0
    assert distillation_loss(student, teacher, no_gold, mask, 3.0, 0.6)[1].item() == pytest.approx(kl.item())


def test_pca_embeddings_keep_the_teachers_neighbours(model, tokenizer):
    teacher_rows = model.get_input_embeddings().weight.detach()
    rows = slice(5, 305)  # a few hundred characters, specials left out
    assert teacher_rows[rows].shape[0] == 300
    pca, note = build_student(tiny_cfg(init_embeddings="pca"), tokenizer, model)
    rand_student, _ = build_student(tiny_cfg(init_embeddings="random"), tokenizer, model)
    teacher_cos = cosine_matrix(teacher_rows[rows])

    weight = pca.get_input_embeddings().weight.detach()
    assert weight.shape == (len(tokenizer), 16) and "PCA" in note
    assert weight.std().item() == pytest.approx(pca.config.initializer_range, rel=0.1)
    assert torch.all(weight[tokenizer.pad_token_id] == 0)
    pca_corr = off_diagonal_correlation(teacher_cos, cosine_matrix(weight[rows]))
    random_corr = off_diagonal_correlation(teacher_cos, cosine_matrix(rand_student.get_input_embeddings().weight.detach()[rows]))
    assert pca_corr > 0.5 and pca_corr > random_corr + 0.3


def test_teacher_init_copies_the_teacher_and_a_full_copy_predicts_alike(model, tokenizer, examples):
    model.eval()
    depth = model.config.num_hidden_layers
    whole, note = build_student(tiny_cfg(init_embeddings="teacher", num_layers=depth), tokenizer, model)
    assert "layers" in note and whole.config.hidden_size == model.config.hidden_size
    batch = tokenizer([ex.text for ex in examples[:4]], return_tensors="pt", padding=True)
    with torch.no_grad():
        assert torch.allclose(whole.eval()(**batch).logits, model(**batch).logits, atol=1e-5)

    top, _ = build_student(tiny_cfg(init_embeddings="teacher", num_layers=1), tokenizer, model)
    assert top.config.num_hidden_layers == 1
    kept, last = top.bert.encoder.layer[0].state_dict(), model.bert.encoder.layer[depth - 1].state_dict()
    assert all(torch.equal(kept[k], last[k]) for k in last)  # one layer kept: the teacher's last
    with pytest.raises(Exception, match="num-layers"):
        build_student(tiny_cfg(init_embeddings="teacher", num_layers=depth + 1), tokenizer, model)


# ---- unlabeled text


def test_gold_sentences_are_dropped_from_unlabeled_text(tmp_path, examples):
    gold = examples[12].text
    (tmp_path / "a.txt").write_text(UNLABELED_A + gold, encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.txt").write_text(UNLABELED_B, encoding="gb18030")
    (tmp_path / "notes.md").write_text("不读这个文件。", encoding="utf-8")
    unlabeled = read_unlabeled(tmp_path, {gold})
    assert unlabeled.files == 2 and unlabeled.dropped_gold == 1
    assert gold not in unlabeled.sentences
    assert "回应公众关注热点3次。" in unlabeled.sentences
    assert not any("source" in s or "title" in s for s in unlabeled.sentences), "the header lines are skipped"
    assert "#1 本年度未发生行政复议。" in unlabeled.sentences, "a # line after the header is text"
    assert unlabeled.sentences.count("办结率100%。") == 1, "repeated sentences are read once"
    assert not any("不读" in s for s in unlabeled.sentences)
    assert read_unlabeled(tmp_path, set()).dropped_gold == 0


def test_every_shipped_validation_file_and_each_named_gold_is_kept_out_of_unlabeled_text(tmp_path):
    from govreport.train.config import VALIDATION_GOLDS
    from govreport.train.unlabeled import unlabeled_sentences

    lines = (REPO_ROOT / VALIDATION_GOLDS[1]).read_text(encoding="utf-8").splitlines()
    work = next(t for t in (json.loads(line)["text"] for line in lines) if t.endswith("。") and len(t) > 20)
    (tmp_path / "own.jsonl").write_text(json.dumps({"text": "本级共办结申请7件。", "label": []}, ensure_ascii=False) + "\n",
                                        encoding="utf-8")
    (tmp_path / "text").mkdir()
    (tmp_path / "text" / "a.txt").write_text(UNLABELED_B + work + "本级共办结申请7件。", encoding="utf-8")
    unlabeled = unlabeled_sentences(str(tmp_path / "text"), f"none.jsonl, {tmp_path / 'own.jsonl'}", None)
    assert work not in unlabeled.sentences and "本级共办结申请7件。" not in unlabeled.sentences
    assert unlabeled.dropped_gold == 2 and any(f.endswith(VALIDATION_GOLDS[1]) for f in unlabeled.gold_files)


def test_char_targets_carry_a_token_over_its_characters():
    # 占 | 264 (one teacher token) | 件, and a text the teacher covers in two overlapping windows
    logits = torch.randn(4, len(id2label)) * 3
    windows = [Window(0, [2, 10, 11, 12, 3], [(0, 0), (0, 1), (1, 4), (4, 5), (0, 0)])]
    raw = [torch.cat([torch.zeros(1, 7), logits[:3], torch.zeros(1, 7)])]
    T = 2.0
    (targets,) = char_soft_targets(windows, raw, [5], T)
    p = torch.softmax(logits[1] / T, -1)
    assert torch.allclose(torch.softmax(targets[1] / T, -1), p, atol=1e-6)  # the token's first character
    inner = torch.softmax(targets[2] / T, -1)  # B-VALUE and I-VALUE mass both become I-VALUE
    assert torch.allclose(inner[4], p[3] + p[4], atol=1e-5) and inner[3] < 1e-6
    assert torch.allclose(inner[0], p[0], atol=1e-5) and torch.equal(targets[2], targets[3])

    # a character student's windows take their characters' rows; uncovered ones stay zero
    student = [Window(0, [2, 5, 6, 7, 8, 9, 3], [(0, 0), (0, 1), (1, 2), (2, 3), (3, 4), (4, 5), (0, 0)])]
    (rows,) = gather_char_targets(student, [targets])
    assert torch.allclose(rows[1:6].float(), targets.half().float()) and not rows[0].any() and not rows[6].any()


# ---- the CLI


def cli_args(teacher, dataset_dir, unlabeled, out, *extra) -> list[str]:
    return [
        "--teacher", str(teacher), "--data", str(dataset_dir), "--unlabeled", str(unlabeled), "--output-dir", str(out),
        *TINY_STUDENT, "--batch-size", "4", "--max-steps", "4", "--eval-steps", "2", "--logging-steps", "2",
        "--eval-gold", str(dataset_dir / "validation.jsonl"), "--report-gold", str(dataset_dir / "validation.jsonl"),
        "--device", "cpu", "--cpu-threads", "1",
        *map(str, extra),
    ]  # fmt: skip


@pytest.fixture(scope="module")
def unlabeled_dir(tmp_path_factory, examples):
    path = tmp_path_factory.mktemp("unlabeled")
    (path / "a.txt").write_text(UNLABELED_A + examples[13].text, encoding="utf-8")  # a validation (gold) sentence
    (path / "b.txt").write_text(UNLABELED_B, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def distilled(tmp_path_factory, model_dir, dataset_dir, unlabeled_dir):
    """One quick distillation shared by the tests below: (output folder, exit status)."""
    out = tmp_path_factory.mktemp("distilled") / "student"
    return out, main(cli_args(model_dir, dataset_dir, unlabeled_dir, out))


def test_cli_writes_a_student_like_govreport_train(distilled, model_dir, capsys):
    out, status = distilled
    assert status == 0

    model = AutoModelForTokenClassification.from_pretrained(out)
    tokenizer = AutoTokenizer.from_pretrained(out)
    teacher_tok = AutoTokenizer.from_pretrained(model_dir)
    assert tokenizer.get_vocab() == teacher_tok.get_vocab()
    text = "受理政府信息公开申请52971宗,占49.9%。"
    assert tokenizer(text)["input_ids"] == teacher_tok(text)["input_ids"]
    assert isinstance(model, BertForTokenClassification) and model.config.id2label == id2label
    assert (model.config.hidden_size, model.config.num_hidden_layers) == (16, 1)
    tags = predict(model, tokenizer, ["办结3件"])[0].tags
    assert len(tags) == 4

    results = json.loads((out / "train_results.json").read_text(encoding="utf-8"))
    assert results["global_step"] == 4 and results["best_metric_name"] == "eval_selection_f1"
    assert set(results["final_scores"]["dev"]) == {"micro", "METRIC", "VALUE", "UNIT"}
    assert [h["step"] for h in results["history"]] == [2, 4]
    d = results["distillation"]
    assert d["teacher"] == str(model_dir) and d["temperature"] == 2.0 and d["alpha"] == 0.7
    assert d["unlabeled_files"] == 2 and d["unlabeled_dropped_gold"] == 1
    assert d["unlabeled_sentences"] == 5 and d["unlabeled_windows"] >= 5 and not d["teacher_cached"]
    assert d["teacher_windows"] == d["synthetic_windows"] + d["unlabeled_windows"]
    assert (out / "teacher_logits.pt").is_file()

    card = (out / "README.md").read_text(encoding="utf-8")
    for needle in ("distilled from", "## Distillation", "T = 2.0", "5 sentences", "govreport distill --teacher", "| dev | micro |"):
        assert needle in card


def test_extra_train_sentences_are_taught_with_their_labels_not_as_unlabeled_text(model_dir, dataset_dir, tmp_path):
    """Real gold sentences (--extra-train) join the labelled examples and leave the unlabeled text."""
    line = (dataset_dir / "train.jsonl").read_text(encoding="utf-8").splitlines()[0]  # in no evaluation gold
    extra = tmp_path / "real_train.jsonl"
    extra.write_text(line + "\n", encoding="utf-8")
    unlabeled = tmp_path / "unlabeled"
    unlabeled.mkdir()
    (unlabeled / "a.txt").write_text(UNLABELED_B + json.loads(line)["text"], encoding="utf-8")
    out = tmp_path / "student"
    args = cli_args(model_dir, dataset_dir, unlabeled, out, "--extra-train", extra, "--extra-repeat", 3, "--report-gold", "none")
    assert main(args) == 0
    results = json.loads((out / "train_results.json").read_text(encoding="utf-8"))
    assert results["extra_train"] == {"file": str(extra), "examples": 1, "repeat": 3}
    d = results["distillation"]
    assert d["unlabeled_dropped_gold"] == 1 and d["unlabeled_sentences"] == 3 and str(extra) in d["gold_files"]
    plain = tmp_path / "plain"
    assert main(cli_args(model_dir, dataset_dir, unlabeled, plain, "--report-gold", "none")) == 0
    without = json.loads((plain / "train_results.json").read_text(encoding="utf-8"))
    assert results["data"]["train"]["examples"] == without["data"]["train"]["examples"] + 3
    assert "extra_train" not in without


def test_a_character_student_learns_from_a_teacher_with_other_tokens(model_dir, dataset_dir, unlabeled_dir, tmp_path):
    out = tmp_path / "char-student"
    assert main(cli_args(model_dir, dataset_dir, unlabeled_dir, out, "--student-tokenizer", "char")) == 0
    tokenizer = AutoTokenizer.from_pretrained(out)
    text = "受理申请52971宗,占49.9%。"
    assert len(tokenizer(text, add_special_tokens=False)["input_ids"]) == len(text)  # one token per character
    results = json.loads((out / "train_results.json").read_text(encoding="utf-8"))
    assert results["distillation"]["student_tokenizer"] == "char" and results["global_step"] == 4
    model = AutoModelForTokenClassification.from_pretrained(out)
    assert model.config.vocab_size == len(tokenizer)
    tags = predict(model, tokenizer, [text])[0].tags
    assert len(tags) == len(text)


def test_init_student_goes_on_from_a_saved_student(model_dir, dataset_dir, unlabeled_dir, tmp_path, monkeypatch):
    first = tmp_path / "first"
    assert main(cli_args(model_dir, dataset_dir, unlabeled_dir, first, "--student-tokenizer", "char")) == 0
    config = json.loads((first / "config.json").read_text(encoding="utf-8"))
    config["serving_quantization"] = "int8"  # as an exported model/fast says
    (first / "config.json").write_text(json.dumps(config), encoding="utf-8")
    started = {}
    original = DistillTrainer.train

    def spy(self, *args, **kwargs):  # the weights the second run begins from
        started.update({k: v.detach().clone() for k, v in self.model.state_dict().items()})
        return original(self, *args, **kwargs)

    monkeypatch.setattr(DistillTrainer, "train", spy)
    second = tmp_path / "second"
    # other sizes on the command line are ignored: the saved student decides
    args = cli_args(model_dir, dataset_dir, unlabeled_dir, second, "--init-student", first, "--hidden-size", "32", "--seed", "7")
    assert main(args) == 0

    saved = AutoModelForTokenClassification.from_pretrained(first)
    assert started.keys() == saved.state_dict().keys()
    assert all(torch.equal(started[k], v) for k, v in saved.state_dict().items())
    assert AutoTokenizer.from_pretrained(second).get_vocab() == AutoTokenizer.from_pretrained(first).get_vocab()
    model = AutoModelForTokenClassification.from_pretrained(second)
    assert model.config.hidden_size == 16 and not hasattr(model.config, "serving_quantization")
    results = json.loads((second / "train_results.json").read_text(encoding="utf-8"))
    assert results["base_model"] == str(first) and results["distillation"]["student_tokenizer"] == "from --init-student"
    assert results["config"]["hidden_size"] == 16  # what the student has, not the ignored --hidden-size 32
    card = (second / "README.md").read_text(encoding="utf-8")
    assert f"the weights of {first}" in card and "--student-tokenizer char" in card  # the first run's command, by lineage


def test_resume_reads_the_teacher_from_its_cache(distilled, model_dir, dataset_dir, unlabeled_dir, tmp_path, capsys):
    out = tmp_path / "student"
    shutil.copytree(distilled[0], out)
    assert main(cli_args(model_dir, dataset_dir, unlabeled_dir, out, "--max-steps", "6", "--resume")) == 0
    assert "dev micro F1" in capsys.readouterr().out
    results = json.loads((out / "train_results.json").read_text(encoding="utf-8"))
    assert results["resumed_from"] == "checkpoint-4" and results["global_step"] == 6
    assert results["distillation"]["teacher_cached"]


def test_options(tmp_path):
    config = tmp_path / "distill.json"
    config.write_text(json.dumps({"teacher": "t", "data": "d", "output-dir": "o", "temperature": 3, "unlabeled": "none"}))
    cfg = parse_distill_config(["--config", str(config), "--alpha", "0.5"])
    assert (cfg.temperature, cfg.alpha, cfg.unlabeled, cfg.learning_rate) == (3.0, 0.5, None, 5e-4)
    with pytest.raises(ConfigError, match="--teacher is required"):
        parse_distill_config(["--data", "d", "--output-dir", "o"])
    with pytest.raises(ConfigError, match="multiple of --num-heads"):
        parse_distill_config(["--config", str(config), "--hidden-size", "30", "--num-heads", "4"])
    parser = build_parser(DistillConfig)
    assert all(action.help for action in parser._actions)
    assert "distill" in govreport.cli.COMMANDS and govreport.cli.COMMANDS["distill"][0] == "govreport.train.distill"


# ---- a teacher that cannot teach fails early: one line on stderr, exit status 2


def broken_teacher(model_dir, path, **config_changes):
    path.mkdir()
    config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
    config.update(config_changes)
    (path / "config.json").write_text(json.dumps(config), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "make, needle",
    [
        (lambda model_dir, tmp: tmp / "no-teacher", "is not a folder"),
        (lambda model_dir, tmp: broken_teacher(model_dir, tmp / "mlm", architectures=["BertForMaskedLM"]), "not a token-classification model"),
        (lambda model_dir, tmp: broken_teacher(model_dir, tmp / "labels", id2label={"0": "O", "1": "B-X"}), "not this project's"),
    ],
)  # fmt: skip
def test_a_teacher_that_cannot_teach(make, needle, model_dir, dataset_dir, tmp_path, capsys):
    teacher = make(model_dir, tmp_path)
    assert main(cli_args(teacher, dataset_dir, "none", tmp_path / "o")) == 2
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert last.startswith("govreport distill: error: ") and needle in last
    assert not (tmp_path / "o").exists()


def test_an_init_student_that_cannot_start(model_dir, dataset_dir, tmp_path, capsys):
    mlm = broken_teacher(model_dir, tmp_path / "mlm", architectures=["BertForMaskedLM"])
    assert main(cli_args(model_dir, dataset_dir, "none", tmp_path / "o", "--init-student", mlm)) == 2
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert last.startswith("govreport distill: error: --init-student ") and "not a token-classification model" in last
    assert not (tmp_path / "o").exists()


def test_empty_data_folder(model_dir, tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    assert main(cli_args(model_dir, tmp_path / "empty", "none", tmp_path / "o")) == 2
    assert "is empty" in capsys.readouterr().err
