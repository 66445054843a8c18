"""The Trainer both ``govreport train`` and ``govreport distill`` use, built in one place.

:class:`TaggingTrainer` evaluates by tagging whole texts and scoring their character tags
(seqeval strict IOB2), so the checkpoint kept is the one best at what inference does;
:func:`build_trainer` gives it the project's arguments (evaluate and save each epoch or
every ``--eval-steps``, keep the best and the newest) and a :class:`StepTimer`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from pathlib import Path

import torch
from transformers import (
    DataCollatorForTokenClassification,
    Trainer,
    TrainerCallback,
    TrainingArguments,
)

from govreport.data.errors import ConfigError
from govreport.data.schema import ENTITY_TYPES, spans_to_tags, tags_to_spans
from govreport.model.crf import Transitions
from govreport.model.files import CRF_KEY
from govreport.model.tagging import predict
from govreport.train.metrics import entity_scores

logger = logging.getLogger(__name__)


class StepTimer(TrainerCallback):
    """Seconds spent inside optimizer steps (forward, backward, update), so speed excludes evaluation and saving."""

    def __init__(self):
        self.seconds = 0.0
        self._start = None

    def on_step_begin(self, args, state, control, **kwargs):
        self._start = time.perf_counter()

    def on_step_end(self, args, state, control, **kwargs):
        if torch.cuda.is_available() and not args.use_cpu:
            torch.cuda.synchronize()
        if self._start is not None:
            self.seconds += time.perf_counter() - self._start


class TaggingTrainer(Trainer):
    """A Trainer whose evaluation scores character tags of whole texts (seqeval strict IOB2).

    ``eval_dataset`` is ``{name: [Example, ...]}``; metrics are logged as
    ``eval_{name}_f1``, ``eval_{name}_VALUE_f1`` and so on, and ``eval_{name}_record_f1`` where
    a ``record_scorer`` is given and the set's gold has records. ``record_scorer(model, tokenizer,
    examples, **predict_options)`` returns the record precision, recall, F1 and support of the
    extraction from ``examples``: a later stage's work (inference, eval), so it is handed in
    (``govreport train`` gets :func:`eval.selection.record_scores` from the dispatcher).

    With ``crf_learning_rate`` the model gets learned label transitions (:class:`model.crf.Transitions`,
    ``--head crf``): their negative log-likelihood is added to the token loss, they train at
    their own learning rate (a 7×7 table moves little at an encoder's), and they are written
    into the model's config before every evaluation and save, so checkpoints, the kept model
    and the in-training scores all decode with them.
    """

    def __init__(self, *args, window: int, stride: int, record_scorer=None, crf_learning_rate: float | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.window, self.stride, self.record_scorer = window, stride, record_scorer
        self.examples_seen = 0
        self.windows_digest = 0  # order-free sum of the trained windows' hashes, kept under torchrun only
        self.crf, self.crf_learning_rate = None, crf_learning_rate
        if crf_learning_rate is not None:
            if self.args.world_size > 1:
                # the transitions sit outside the DDP-wrapped model, so their gradients would not be averaged
                raise ConfigError("--head crf trains in one process; run it without torchrun")
            saved = getattr(self.model.config, CRF_KEY, None)  # continuing a model that has them
            self.crf = Transitions(self.model.config.num_labels, saved).to(self.args.device)
            self._write_crf()

    def _write_crf(self) -> None:
        if self.crf is not None:
            setattr(self.model.config, CRF_KEY, self.crf.to_config())

    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
        if self.crf is None:
            return super().compute_loss(model, inputs, return_outputs, num_items_in_batch)
        labels = inputs["labels"]
        loss, outputs = super().compute_loss(model, inputs, True, num_items_in_batch)
        loss = loss + self.crf.nll(outputs.logits, labels)
        return (loss, outputs) if return_outputs else loss

    def create_optimizer(self, model=None):
        optimizer = super().create_optimizer(model)
        if self.crf is not None and not any(group.get("name") == CRF_KEY for group in optimizer.param_groups):
            optimizer.add_param_group({"params": list(self.crf.parameters()), "lr": self.crf_learning_rate,
                                       "weight_decay": 0.0, "name": CRF_KEY})
        return optimizer

    def _save(self, output_dir=None, state_dict=None):
        self._write_crf()
        super()._save(output_dir, state_dict)

    def _load_best_model(self):
        super()._load_best_model()
        if self.crf is not None:  # the kept checkpoint's transitions, from its config
            config = json.loads((Path(self.state.best_model_checkpoint) / "config.json").read_text(encoding="utf-8"))
            self.crf.load_config(config[CRF_KEY])
            self._write_crf()

    def training_step(self, model, inputs, num_items_in_batch=None):
        self.examples_seen += int(inputs["input_ids"].shape[0])
        if self.args.world_size > 1:
            self._add_to_digest(inputs)
        return super().training_step(model, inputs, num_items_in_batch)

    def _add_to_digest(self, inputs) -> None:
        # Hash each window without its padding, which depends on the batch it fell into.
        mask = inputs.get("attention_mask")
        for i, row in enumerate(inputs["input_ids"]):
            tokens = row[mask[i].bool()] if mask is not None else row
            digest = hashlib.blake2b(tokens.cpu().numpy().tobytes(), digest_size=8).digest()
            self.windows_digest = (self.windows_digest + int.from_bytes(digest, "big")) % 2**64

    def process_summary(self) -> list[dict] | None:
        """Per process of a ``torchrun`` run: windows trained on and a digest of them; None in one process.

        Every process must call it (it gathers across them). Two processes that trained on
        the same windows have the same digest, so the results show that data was split.
        """
        if self.args.world_size <= 1 or not (torch.distributed.is_available() and torch.distributed.is_initialized()):
            return None
        mine = {"rank": self.args.process_index, "windows": self.examples_seen, "digest": f"{self.windows_digest:016x}"}
        gathered: list = [None] * self.args.world_size
        torch.distributed.all_gather_object(gathered, mine)
        return gathered

    def score_sets(self) -> dict[str, dict]:
        """Per evaluation set, entity scores of the raw tags and, where its gold has records, ``record``:
        the record F1 of what ``govreport evaluate`` would score (the extractor's output)."""
        scores = {}
        options = {"batch_size": 2 * self.args.per_device_train_batch_size, "max_length": self.window, "stride": self.stride}
        for name, examples in self.eval_dataset.items():
            texts = [ex.text for ex in examples]
            predicted = [p.tags for p in predict(self.model, self.processing_class, texts, **options)]
            # Score spans as inference will read them: tags_to_spans lets an I-X
            # after O open a span, which strict seqeval alone would drop, and joins touching spans of one type.
            predicted = [spans_to_tags(tags_to_spans(tags), len(tags)) for tags in predicted]
            gold = [spans_to_tags(ex.spans, len(ex.text)) for ex in examples]
            scores[name] = entity_scores(gold, predicted)
            if self.record_scorer is not None and any(ex.records for ex in examples):
                scores[name]["record"] = self.record_scorer(self.model, self.processing_class, examples, **options)
        return scores

    def evaluate(self, eval_dataset=None, ignore_keys=None, metric_key_prefix="eval"):
        start = time.perf_counter()
        self._write_crf()
        scores = self.score_sets()
        metrics = {}
        for name, by_type in scores.items():
            for stat in ("precision", "recall", "f1"):
                metrics[f"{metric_key_prefix}_{name}_{stat}"] = round(by_type["micro"][stat], 4)
            for kind in (*ENTITY_TYPES, "record"):
                if kind in by_type:
                    metrics[f"{metric_key_prefix}_{name}_{kind}_f1"] = round(by_type[kind]["f1"], 4)
        for stat, mean in selection_means(scores).items():
            metrics[f"{metric_key_prefix}_selection_{stat}"] = mean
        metrics[f"{metric_key_prefix}_runtime"] = round(time.perf_counter() - start, 2)
        logger.info(
            "step %d: %s (seqeval strict IOB2, character tags)",
            self.state.global_step,
            ", ".join(f"{name} micro F1 {s['micro']['f1']:.4f}" + (f", record F1 {s['record']['f1']:.4f}" if "record" in s else "")
                      for name, s in scores.items()),
        )
        self.log(metrics)
        self.control = self.callback_handler.on_evaluate(self.args, self.state, self.control, metrics)
        return metrics



def selection_means(scores: dict[str, dict]) -> dict[str, float]:
    """Under several ``--eval-gold`` files (sets ``selection_<name>``), the mean of their micro F1s
    (``f1``) and record F1s (``record_f1``): ``selection``'s figures, which pick the kept checkpoint,
    so each file weighs the same whatever its size. A mean is over the files that have the figure.
    Empty for one file (its set is ``selection`` itself).

    >>> scores = {"selection_a": {"micro": {"f1": 0.9}, "record": {"f1": 0.8}},
    ...           "selection_b": {"micro": {"f1": 0.7}, "record": {"f1": 0.6}}, "dev": {"micro": {"f1": 0.1}}}
    >>> selection_means(scores)
    {'f1': 0.8, 'record_f1': 0.7}
    >>> selection_means({"selection": {"micro": {"f1": 0.9}}})
    {}
    """
    parts = [by_type for name, by_type in scores.items() if name.startswith("selection_")]
    means = {}
    for stat, kind in (("f1", "micro"), ("record_f1", "record")):
        values = [by_type[kind]["f1"] for by_type in parts if kind in by_type]
        if values:
            means[stat] = round(sum(values) / len(values), 4)
    return means


def training_arguments(
    cfg, learning_rate: float, device: str, bf16: bool, best_metric: str | None, evaluate: bool, progress: bool
) -> TrainingArguments:
    """The Trainer's arguments: evaluate and save each epoch (or every ``--eval-steps``), keep the best and the newest."""
    strategy = "steps" if cfg.eval_steps else "epoch"
    return TrainingArguments(
        output_dir=str(cfg.output_dir),
        per_device_train_batch_size=cfg.batch_size,
        num_train_epochs=cfg.epochs,
        max_steps=cfg.max_steps or -1,
        learning_rate=learning_rate,
        # in transformers 5 a warmup below 1 is a fraction of all steps (warmup_ratio is gone)
        warmup_steps=cfg.warmup_ratio,
        weight_decay=cfg.weight_decay,
        lr_scheduler_type="linear",
        eval_strategy=strategy if evaluate else "no",
        save_strategy=strategy,
        eval_steps=cfg.eval_steps,
        save_steps=cfg.eval_steps,
        # the best checkpoint and the newest (for --resume); with a limit of 1 the Trainer
        # deletes the newest at the end whenever it is not the best
        save_total_limit=2,
        load_best_model_at_end=best_metric is not None,
        metric_for_best_model=best_metric,
        greater_is_better=True,
        logging_steps=cfg.logging_steps,
        logging_first_step=True,
        seed=cfg.seed,
        data_seed=cfg.seed,
        use_cpu=device == "cpu",
        # torchrun on CPU needs gloo (nccl is GPU-only); set only under torchrun (WORLD_SIZE),
        # as a backend named in one process makes the Trainer look for a process group. A
        # tagger uses all its parameters in each forward pass, so DDP need not search for unused ones.
        ddp_backend="gloo" if device == "cpu" and int(os.environ.get("WORLD_SIZE", "1")) > 1 else None,
        ddp_find_unused_parameters=False,
        bf16=bf16,
        # batches of similar length waste little on padding
        train_sampling_strategy="group_by_length",
        remove_unused_columns=False,
        report_to=[r.strip() for r in cfg.report_to.split(",") if r.strip()] or "none",
        disable_tqdm=not progress,
    )



def build_trainer(cfg, *, model, tokenizer, train_dataset, eval_sets, best_metric: str | None, learning_rate: float,
                  device: str, bf16: bool, window: int, progress: bool, data_collator=None,
                  trainer_class: type[TaggingTrainer] = TaggingTrainer, **trainer_kwargs) -> tuple[TaggingTrainer, StepTimer]:
    """A ``trainer_class`` over ``train_dataset`` with the run's arguments, and the timer of its steps."""
    timer = StepTimer()
    trainer = trainer_class(
        model=model,
        args=training_arguments(cfg, learning_rate, device, bf16, best_metric, bool(eval_sets), progress),
        train_dataset=train_dataset,
        eval_dataset=eval_sets or None,
        processing_class=tokenizer,
        data_collator=data_collator or DataCollatorForTokenClassification(tokenizer),
        callbacks=[timer],
        window=window,
        stride=cfg.stride,
        **trainer_kwargs,
    )
    return trainer, timer
