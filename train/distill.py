"""Distil a small, fast student tagger from a fine-tuned teacher: ``govreport distill``.

    govreport distill --teacher model/default --data out/gen --output-dir out/runs/distilled

``distill(config)`` reads top to bottom: options -> output folder -> device -> teacher
(checked before anything heavy) -> data (synthetic training examples, real unlabeled
sentences minus the gold ones) -> student (a small BERT over the teacher's own
tokenizer, its word embeddings a PCA of the teacher's, or a copy of some of the
teacher's layers) -> windows -> one teacher pass
for soft labels (cached) -> the training Trainer with a distillation loss -> model folder
and card, exactly as ``govreport train`` writes them.

Because the student keeps the teacher's tokenizer, teacher and student windows are
the same token for token and each student token learns from the teacher's
distribution over the same token. Unlabeled real prose has no gold labels; there the
teacher is the only signal, which is how the student sees real phrasing at all.

The pieces live beside it: options in :mod:`train.distill_config`, the loss in
:mod:`train.distill_loss`, teacher and student in :mod:`train.student`, soft labels in
:mod:`train.soft_labels`; this module is the run.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import torch
from transformers import (
    AutoConfig,
    set_seed,
)

from govreport.model.char_encoder import build_char_tokenizer, common_cjk_chars
from govreport.model.tagging import IGNORE_INDEX, model_max_length
from govreport.model.windows import encode_windows
from govreport.train.config import CHAR_SMALL, ConfigError
from govreport.train.data import entity_counts, featurize
from govreport.train.unlabeled import unlabeled_sentences
from govreport.train.run import CHAR_SMALL_COMMON_CHARS, check_output_dir, load_training_data, remove_checkpoints, save_run, setup_device
from govreport.train.trainer import build_trainer
from govreport.train.distill_config import DistillConfig, parse_distill_config
from govreport.train.distill_loss import DistillCollator, DistillTrainer
from govreport.train.student import build_student, check_student, check_teacher, load_student, load_teacher
from govreport.train.soft_labels import (
    TEACHER_CACHE, cached_teacher_logits, char_soft_targets, gather_char_targets, teacher_key, teacher_logits,
    unlabeled_features,
)

logger = logging.getLogger(__name__)


def distill(cfg: DistillConfig, command: str = "", progress: bool = True, record_scorer=None) -> dict:
    """Distil a student as ``cfg`` says; returns what it writes to ``train_results.json``
    (``record_scorer`` as for :func:`train.run.train`)."""
    # ---- output folder, device, and the teacher's config (cheap checks first)
    output_dir = Path(cfg.output_dir)
    last_checkpoint, stale_checkpoints = check_output_dir(cfg)
    device, bf16 = setup_device(cfg)
    teacher_dir, _ = check_teacher(cfg.teacher)
    student_dir = check_student(cfg.init_student) if cfg.init_student else None

    # ---- data: synthetic examples (and --extra-train's real ones) with gold labels, real sentences without
    splits, train_examples, eval_sets, best_metric, extra_train = load_training_data(cfg, record_scorer)
    # gold sentences of --extra-train are taught with their labels, so they are no unlabeled text
    unlabeled = unlabeled_sentences(cfg.unlabeled, cfg.eval_gold, cfg.report_gold, cfg.extra_train)

    # ---- teacher, and the student over its tokenizer (or a character one); the seed comes
    # first so the init is reproducible
    tokenizer, teacher = load_teacher(teacher_dir)
    teacher.to(device)
    window = min(cfg.max_length, model_max_length(teacher, tokenizer))
    texts = [ex.text for ex in train_examples] + unlabeled.sentences
    set_seed(cfg.seed)
    if student_dir is not None:
        student_tokenizer, student = load_student(student_dir, window)
        init_note = f"the weights of {cfg.init_student}"
        c = student.config  # the sizes it has, not the options it ignored, go on the card
        cfg.hidden_size, cfg.num_layers = c.hidden_size, c.num_hidden_layers
        cfg.num_heads, cfg.intermediate_size = c.num_attention_heads, c.intermediate_size
    else:
        if cfg.student_tokenizer == "char":
            student_tokenizer = build_char_tokenizer(texts, common_cjk_chars(CHAR_SMALL_COMMON_CHARS), model_max_length=window)
        else:
            student_tokenizer = tokenizer
        student_tokenizer.model_max_length = window  # saved with the student, so inference windows alike
        student, init_note = build_student(cfg, student_tokenizer, teacher, None if student_tokenizer is tokenizer else tokenizer)
    if last_checkpoint:
        saved = AutoConfig.from_pretrained(last_checkpoint, local_files_only=True)
        sizes = ("vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size")
        if any(getattr(saved, s) != getattr(student.config, s) for s in sizes):
            raise ConfigError(f"{last_checkpoint} holds a student of other sizes than these options ask for")
        logger.info("resuming from %s", last_checkpoint)
    logger.info(
        "teacher %s: %s parameters; student: %s parameters; windows of %d tokens",
        cfg.teacher, f"{sum(p.numel() for p in teacher.parameters()):,}", f"{sum(p.numel() for p in student.parameters()):,}", window,
    )  # fmt: skip

    # ---- windows; every character token gets a teacher distribution, synthetic ones a gold label too
    synthetic = featurize(train_examples, student_tokenizer, window, cfg.stride)
    real = unlabeled_features(unlabeled.sentences, student_tokenizer, window, cfg.stride)
    windows = synthetic + real

    # ---- soft labels: one teacher pass (or its cache), then the teacher is freed
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    cache = output_dir / TEACHER_CACHE
    if student_tokenizer is tokenizer:  # token for token
        for feature in synthetic:
            feature["distill_mask"] = [int(label != IGNORE_INDEX) for label in feature["labels"]]
        logits, teacher_seconds, cached = cached_teacher_logits(
            cache, teacher_key(teacher_dir, windows),
            lambda: teacher_logits(teacher, windows, 2 * cfg.batch_size, pad_id, progress),
        )  # fmt: skip
    else:  # the teacher reads the same texts its own way (or a loaded student's tokenizer does); its
        # distributions meet the student's tokens at characters
        teacher_windows = encode_windows(tokenizer, texts, window, cfg.stride)
        covered = [bytearray(len(t)) for t in texts]
        for w in teacher_windows:
            for start, end in w.offsets:
                covered[w.text_index][start:end] = b"\x01" * (end - start)
        student_windows = encode_windows(student_tokenizer, texts, window, cfg.stride)
        assert len(student_windows) == len(windows)  # the windows featurize made, in order
        for feature, w in zip(windows, student_windows):
            feature["distill_mask"] = [int(s < e and covered[w.text_index][s]) for s, e in w.offsets]

        def compute() -> list[torch.Tensor]:
            teacher_inputs = [{"input_ids": w.input_ids, **({"token_type_ids": w.token_type_ids} if w.token_type_ids is not None else {})}
                              for w in teacher_windows]
            raw = teacher_logits(teacher, teacher_inputs, 2 * cfg.batch_size, pad_id, progress)
            targets = char_soft_targets(teacher_windows, raw, [len(t) for t in texts], cfg.temperature)
            return gather_char_targets(student_windows, targets)

        key = teacher_key(teacher_dir, windows, extra=f"char targets at T={cfg.temperature}")
        logits, teacher_seconds, cached = cached_teacher_logits(cache, key, compute)
    for feature, teacher_out in zip(windows, logits):
        feature["teacher_logits"] = teacher_out
    teacher_parameters = sum(p.numel() for p in teacher.parameters())
    c = teacher.config
    teacher_architecture = f"{c.model_type}, {c.num_hidden_layers} layers x {c.hidden_size} hidden"
    del teacher
    if device == "cuda":
        torch.cuda.empty_cache()
    # the same window objects several times: real text is scarce next to synthetic
    train_features = synthetic + real * cfg.unlabeled_repeat

    # ---- the Trainer (the best checkpoint on dev gold micro F1 is loaded back at the end)
    if stale_checkpoints:
        remove_checkpoints(output_dir)
    trainer, timer = build_trainer(
        cfg, model=student, tokenizer=student_tokenizer, train_dataset=train_features, eval_sets=eval_sets,
        best_metric=best_metric, learning_rate=cfg.learning_rate, device=device, bf16=bf16, window=window,
        progress=progress, data_collator=DistillCollator(student_tokenizer), trainer_class=DistillTrainer,
        temperature=cfg.temperature, alpha=cfg.alpha, record_scorer=record_scorer,
    )
    train_output = trainer.train(resume_from_checkpoint=last_checkpoint)

    # ---- save a self-contained model folder and its card
    distillation = {
        "teacher": cfg.teacher,
        "teacher_parameters": teacher_parameters,
        "teacher_architecture": teacher_architecture,
        "temperature": cfg.temperature,
        "alpha": cfg.alpha,
        "init_embeddings": init_note,
        "student_tokenizer": "from --init-student" if cfg.init_student else cfg.student_tokenizer,
        "synthetic_windows": len(synthetic),
        "unlabeled_dir": unlabeled.directory,
        "unlabeled_files": unlabeled.files,
        "unlabeled_sentences": len(unlabeled.sentences),
        "unlabeled_dropped_gold": unlabeled.dropped_gold,
        "unlabeled_windows": len(real),
        "unlabeled_repeat": cfg.unlabeled_repeat,
        "gold_files": unlabeled.gold_files,
        "teacher_windows": len(windows),
        "teacher_seconds": teacher_seconds,
        "teacher_cached": cached,
    }
    return save_run(
        trainer, train_output, timer, cfg,
        command=command, learning_rate=cfg.learning_rate, base_model=cfg.init_student or f"{CHAR_SMALL} (from scratch)", last_checkpoint=last_checkpoint,
        device=device, bf16=bf16, data_card=splits.card,
        train_data={"examples": len(train_examples), "windows": len(synthetic), "entities": entity_counts(train_examples)},
        extra={"distillation": distillation, **({"extra_train": extra_train} if extra_train else {})},
    )  # fmt: skip


def main(argv: list[str] | None = None, record_scorer=None) -> int:
    from govreport.train.cli import run_command

    return run_command("distill", sys.argv[1:] if argv is None else argv, parse_distill_config, lambda: distill,
                       record_scorer)


if __name__ == "__main__":
    sys.exit(main())
