"""Training options: one dataclass that is also the command line and the config file.

Every field becomes ``--field-name`` with the field's ``help``; a JSON config file
uses the same names (``max_steps`` or ``max-steps``); precedence is field default <
config file < command line.

>>> cfg = parse_config(["--data", "d", "--output-dir", "o", "--max-steps", "5"])
>>> cfg.max_steps, cfg.epochs, cfg.base_model
(5, 3.0, 'model/base/e5-small-char')
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path

from govreport.data.errors import ConfigError

DEFAULT_BASE_MODEL = "model/base/e5-small-char"
# The real validation split picks checkpoints; the dev gold is only ever reported.
DEFAULT_EVAL_GOLD = "data/gold/real_val.jsonl"
DEV_GOLD = "data/gold/dev.jsonl"
# Every real validation file the project ships (one per genre): never trained on, nor read as unlabeled text.
VALIDATION_GOLDS = (DEFAULT_EVAL_GOLD, "data/gold/real_val_work.jsonl")
CHAR_SMALL = "char-small"


def gold_paths(option: str | None) -> list[str]:
    """The files of a gold option: none, one, or several comma-separated.

    >>> gold_paths("data/gold/real_val.jsonl, data/gold/real_val_work.jsonl"), gold_paths(None)
    (['data/gold/real_val.jsonl', 'data/gold/real_val_work.jsonl'], [])
    """
    return [part.strip() for part in (option or "").split(",") if part.strip()]


@dataclass
class RunOptions:
    """What every training command takes: data, output, schedule, device and evaluation.

    :class:`TrainConfig` and ``train.distill_config.DistillConfig`` extend it; a subclass may
    redeclare a field to change its default or help (it keeps its place in ``--help``).
    """

    data: str | None = field(
        default=None,
        metadata={"help": "dataset folder holding train.jsonl and validation.jsonl (doccano JSONL, as govreport generate writes)"},
    )
    output_dir: str | None = field(
        default=None,
        metadata={"help": "where the trained model (weights, config, tokenizer, model card) and checkpoints go"},
    )
    epochs: float = field(default=3.0, metadata={"help": "passes over the training data (ignored when --max-steps is set)"})
    max_steps: int | None = field(default=None, metadata={"help": "stop after this many optimizer steps (overrides --epochs)"})
    batch_size: int = field(default=32, metadata={"help": "training windows per step and device"})
    warmup_ratio: float = field(default=0.1, metadata={"help": "fraction of steps spent warming the learning rate up linearly"})
    weight_decay: float = field(default=0.01, metadata={"help": "AdamW weight decay"})
    max_length: int = field(
        default=256,
        metadata={"help": "tokens per window (capped by the model's positions); longer texts are split into overlapping windows"},
    )
    stride: int = field(default=32, metadata={"help": "tokens shared by consecutive windows of a long text"})
    seed: int = field(default=42, metadata={"help": "seed for model initialisation, data order and subsampling"})
    device: str = field(
        default="auto",
        metadata={"help": "auto (cuda when available), cpu or cuda; bf16 is used on GPUs that support it", "choices": ["auto", "cpu", "cuda"]},
    )
    cpu_threads: int | None = field(
        default=None,
        metadata={"help": "torch threads when training on CPU (default: every core this process may use; fewer helps on a busy machine)"},
    )
    eval_gold: str | None = field(
        default=DEFAULT_EVAL_GOLD,
        metadata={
            "help": "gold JSONL scored after every evaluation (as 'selection'); it picks the kept checkpoint (--select-on; "
            "default: the real validation split). Several files, comma-separated, are scored each on its own "
            "('selection_<name>') and the mean of their F1s picks, so no file outweighs another by its size. "
            "Relative paths that do not exist are read from the repository root. "
            "'none' disables it (then validation F1 picks). Never train on these files"
        },
    )
    report_gold: str | None = field(
        default=DEV_GOLD,
        metadata={
            "help": "gold JSONL scored after every evaluation and on the model card (as 'dev'), never used to pick a "
            "checkpoint (default: the dev gold, evaluation only). 'none' disables it"
        },
    )
    select_on: str = field(
        default="records",
        metadata={
            "help": "what picks the kept checkpoint on the --eval-gold file: records (the record F1 of the "
            "extractor's output, as govreport evaluate scores it; micro F1 of the tags where the gold has no "
            "records) or tags (micro entity F1 of the raw character tags)",
            "choices": ["records", "tags"],
        },
    )
    eval_steps: int | None = field(
        default=None, metadata={"help": "evaluate and save every N steps instead of at the end of each epoch"}
    )
    logging_steps: int = field(default=50, metadata={"help": "log the training loss every N steps"})
    max_train_examples: int | None = field(
        default=None, metadata={"help": "train on a random subsample of N examples (quick CPU runs)"}
    )
    max_eval_examples: int | None = field(
        default=None, metadata={"help": "score only N validation examples per evaluation (the gold file is always scored whole)"}
    )
    report_to: str = field(
        default="none",
        metadata={
            "help": "where the Trainer also logs: none, tensorboard, or any integration transformers knows (comma-separated). "
            "The run's own log (trainer_state.json, train_results.json) is written either way"
        },
    )
    extra_train: str | None = field(
        default=None,
        metadata={
            "help": "JSONL of further training examples (doccano format) with their labels, added to --data's training "
            "split: a real gold split (data/gold/real_train.jsonl) or real sentences a model labelled with "
            "`govreport pseudo-label` (self-training)"
        },
    )
    extra_repeat: int = field(default=1, metadata={"help": "times each --extra-train example is seen per epoch"})
    resume: bool = field(default=False, metadata={"help": "continue from the newest checkpoint in --output-dir"})
    overwrite_output_dir: bool = field(
        default=False, metadata={"help": "start afresh even though --output-dir already holds checkpoints"}
    )

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


@dataclass
class TrainConfig(RunOptions):
    base_model: str = field(
        default=DEFAULT_BASE_MODEL,
        metadata={
            "help": f"encoder to fine-tune: a local model folder, a model name already in the Hugging Face cache "
            f"(nothing is downloaded), or '{CHAR_SMALL}' for a small character BERT trained from scratch. "
            f"The default is written by `govreport convert-e5 --output-dir {DEFAULT_BASE_MODEL}`"
        },
    )
    learning_rate: float | None = field(
        default=None,
        metadata={"help": f"peak learning rate; default 5e-5 for a pretrained base, 5e-4 for {CHAR_SMALL} (random init)"},
    )
    base_layers: int | None = field(
        default=None,
        metadata={
            "help": "keep only the first N transformer layers of the base encoder: a smaller, faster model "
            "(default: all of them)"
        },
    )
    head: str = field(
        default="token",
        metadata={
            "help": "token: a label per token from its own score (cross-entropy); crf: also learn a score for each pair "
            "of neighbouring labels (a linear-chain CRF, saved in config.json), and decode every window by it",
            "choices": ["token", "crf"],
        },
    )
    crf_learning_rate: float = field(
        default=5e-3, metadata={"help": "learning rate of the CRF's transition scores (--head crf)"}
    )


def _field_type(f: dataclasses.Field, config_class: type = TrainConfig) -> type:
    """The concrete type of a field (``int | None`` -> ``int``)."""
    hint = typing.get_type_hints(config_class)[f.name]
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        hint = next(a for a in typing.get_args(hint) if a is not type(None))
    return hint


TRAIN_DESCRIPTION = (
    "Fine-tune a token-classification model that tags METRIC, VALUE and UNIT characters. "
    "Scores are seqeval strict IOB2 over character tags."
)


def build_parser(
    config_class: type = TrainConfig, prog: str = "govreport train", description: str = TRAIN_DESCRIPTION
) -> argparse.ArgumentParser:
    """A parser built from the fields of ``config_class`` (defaults suppressed, so only typed options appear).

    The default is the ``govreport train`` parser over :class:`TrainConfig`; ``govreport
    distill`` passes its own dataclass.
    """
    parser = argparse.ArgumentParser(prog=prog, description=description, argument_default=argparse.SUPPRESS)
    parser.add_argument("--config", metavar="FILE", help="JSON file of options (keys are option names); command-line options win")
    for f in dataclasses.fields(config_class):
        flag = "--" + f.name.replace("_", "-")
        kind = _field_type(f, config_class)
        help_ = f.metadata["help"]
        if kind is bool:
            parser.add_argument(flag, action="store_true", help=help_)
        else:
            default = f" (default: {f.default})" if f.default is not None else ""
            parser.add_argument(
                flag, type=kind, choices=f.metadata.get("choices"), metavar=f.name.upper(), help=help_ + default
            )
    return parser


def load_config_file(path: str | Path, config_class: type = TrainConfig) -> dict:
    """Options of ``config_class`` from a JSON file, keys normalised to field names; unknown keys are an error."""
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"config file {path} does not exist") from None
    except json.JSONDecodeError as err:
        raise ConfigError(f"config file {path} is not valid JSON: {err}") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"config file {path} must hold a JSON object of options")
    names = {f.name: f for f in dataclasses.fields(config_class)}
    values = {}
    for key, value in raw.items():
        name = key.lstrip("-").replace("-", "_")
        if name not in names:
            raise ConfigError(f"config file {path}: unknown option {key!r}")
        kind = _field_type(names[name], config_class)
        if value is not None and not isinstance(value, kind) and not (kind is float and isinstance(value, int)):
            raise ConfigError(f"config file {path}: {key!r} should be {kind.__name__}, got {value!r}")
        values[name] = value
    return values


def parse_config(argv: list[str]) -> TrainConfig:
    """Defaults, then ``--config`` file, then command-line options; checks that required ones are set."""
    cfg = parse_options(argv)
    if cfg.base_layers is not None and cfg.base_layers < 1:
        raise ConfigError("--base-layers must be at least 1")
    if cfg.crf_learning_rate <= 0:
        raise ConfigError("--crf-learning-rate must be positive")
    return cfg


def parse_options(
    argv: list[str], config_class: type = TrainConfig, required: tuple[str, ...] = ("data", "output_dir"), **parser_options
):
    """:func:`parse_config` for any options dataclass with the training schedule fields (``govreport distill`` too).

    ``parser_options`` (``prog``, ``description``) go to :func:`build_parser`.
    """
    args = vars(build_parser(config_class, **parser_options).parse_args(argv))
    values = load_config_file(args.pop("config"), config_class) if "config" in args else {}
    values.update(args)
    cfg = config_class(**values)
    for name in required:
        if not getattr(cfg, name):
            raise ConfigError(f"--{name.replace('_', '-')} is required (on the command line or in --config)")
    if cfg.max_steps is not None and cfg.max_steps <= 0:
        raise ConfigError("--max-steps must be positive")
    if cfg.epochs <= 0 or cfg.batch_size <= 0 or cfg.max_length < 8:
        raise ConfigError("--epochs and --batch-size must be positive and --max-length at least 8")
    if not 0 <= cfg.warmup_ratio < 1:
        raise ConfigError("--warmup-ratio must be in [0, 1)")
    if cfg.extra_repeat < 1:
        raise ConfigError("--extra-repeat must be at least 1")
    for name in ("eval_gold", "report_gold"):
        if getattr(cfg, name) is not None and getattr(cfg, name).lower() in ("", "none"):
            setattr(cfg, name, None)
    return cfg
