"""Options of ``govreport distill``: :class:`DistillConfig` and its parser.

>>> cfg = parse_distill_config(["--teacher", "t", "--data", "d", "--output-dir", "o", "--alpha", "0.5"])
>>> cfg.temperature, cfg.alpha, cfg.hidden_size, cfg.init_embeddings
(2.0, 0.5, 256, 'pca')
"""

from __future__ import annotations

from dataclasses import dataclass, field


from govreport.train.config import DEFAULT_EVAL_GOLD, ConfigError, RunOptions, parse_options
from govreport.train.unlabeled import DEFAULT_UNLABELED



@dataclass
class DistillConfig(RunOptions):
    teacher: str | None = field(
        default=None,
        metadata={
            "help": "fine-tuned token-classification model folder to learn from (e.g. model/default); "
            "its tokenizer becomes the student's"
        },
    )
    unlabeled: str | None = field(
        default=DEFAULT_UNLABELED,
        metadata={
            "help": "folder of .txt files of real report text (searched recursively), taught by the teacher's soft labels "
            "alone; sentences that occur in the gold files are dropped. The default is read from the repository root "
            "and used only when it exists; 'none' disables it"
        },
    )
    output_dir: str | None = field(
        default=None,
        metadata={"help": "where the student (weights, config, tokenizer, model card), checkpoints and the teacher-logit cache go"},
    )
    hidden_size: int = field(default=256, metadata={"help": "student hidden size"})
    num_layers: int = field(default=4, metadata={"help": "student transformer layers"})
    num_heads: int = field(default=4, metadata={"help": "student attention heads (must divide --hidden-size)"})
    intermediate_size: int = field(default=1024, metadata={"help": "student feed-forward size"})
    init_embeddings: str = field(
        default="pca",
        metadata={
            "help": "how the student starts: 'pca' projects the teacher's word embeddings onto their top "
            "--hidden-size principal components (scaled to the initializer's std); 'random' is the usual random init; "
            "'teacher' copies the teacher's embeddings, --num-layers of its layers (evenly spaced, the last included) "
            "and its classifier, so the student has the teacher's width and --hidden-size/--num-heads/"
            "--intermediate-size are ignored",
            "choices": ["pca", "random", "teacher"],
        },
    )
    init_student: str | None = field(
        default=None,
        metadata={
            "help": "start from a student saved earlier (a model folder such as model/fast or a distill output): its "
            "tokenizer, sizes and weights, so distillation goes on with new data or a new schedule. --student-tokenizer, "
            "--init-embeddings and the size options are then ignored"
        },
    )
    student_tokenizer: str = field(
        default="teacher",
        metadata={
            "help": "'teacher' keeps the teacher's tokenizer (student and teacher tokens match one to one); 'char' "
            "gives the student one token per character (the char-small vocabulary) and learns from the teacher's "
            "distribution over each character's token, carried on as I- over the rest of a multi-character token "
            "(sentencepiece pieces such as '264' are rare words to a student starting from scratch, single digits are not)",
            "choices": ["teacher", "char"],
        },
    )
    temperature: float = field(
        default=2.0, metadata={"help": "softmax temperature of the soft labels (the KL term is scaled by its square)"}
    )
    alpha: float = field(
        default=0.7,
        metadata={
            "help": "weight of the soft-label KL term; 1 - alpha weights cross-entropy on gold labels, "
            "which only synthetic windows have"
        },
    )
    unlabeled_repeat: int = field(
        default=4, metadata={"help": "times each unlabeled window is seen per epoch (real text is scarce next to synthetic)"}
    )
    max_train_examples: int | None = field(
        default=None, metadata={"help": "distil on a random subsample of N synthetic training examples (quick CPU runs)"}
    )
    learning_rate: float = field(default=5e-4, metadata={"help": "peak learning rate (the student starts from scratch)"})
    warmup_ratio: float = field(default=0.06, metadata={"help": "fraction of steps spent warming the learning rate up linearly"})
    max_length: int = field(
        default=128,
        metadata={
            "help": "tokens per window (capped by the teacher's positions and tokenizer); "
            "longer texts are split into overlapping windows"
        },
    )
    seed: int = field(default=42, metadata={"help": "seed for student initialisation, data order and subsampling"})
    eval_gold: str | None = field(
        default=DEFAULT_EVAL_GOLD,
        metadata={
            "help": "gold JSONL scored after every evaluation (as 'selection'); it picks the kept checkpoint (--select-on; "
            "default: the real validation split) and its sentences are dropped from the unlabeled text, as are the "
            "--report-gold's. Several files, comma-separated, are scored each on its own ('selection_<name>') and "
            "the mean of their F1s picks. Relative paths that do not exist are read from the repository root. "
            "'none' disables scoring (then validation F1 picks)"
        },
    )
    resume: bool = field(
        default=False,
        metadata={"help": "continue from the newest checkpoint in --output-dir (the teacher pass is read from its cache)"},
    )


def parse_distill_config(argv: list[str]) -> DistillConfig:
    """Defaults, then ``--config`` file, then command-line options (as ``govreport train``); checks the values."""
    cfg = parse_options(
        argv,
        DistillConfig,
        required=("teacher", "data", "output_dir"),
        prog="govreport distill",
        description="Distil a small, fast METRIC/VALUE/UNIT tagger from a fine-tuned teacher, on synthetic data "
        "(gold and soft labels) and real unlabeled text (soft labels). Scores are seqeval strict IOB2 over character tags.",
    )
    if cfg.temperature <= 0:
        raise ConfigError("--temperature must be positive")
    if not 0 <= cfg.alpha <= 1:
        raise ConfigError("--alpha must be in [0, 1]")
    if cfg.unlabeled_repeat < 0:
        raise ConfigError("--unlabeled-repeat must be 0 or more")
    if min(cfg.hidden_size, cfg.num_layers, cfg.num_heads, cfg.intermediate_size) <= 0:
        raise ConfigError("--hidden-size, --num-layers, --num-heads and --intermediate-size must be positive")
    if cfg.hidden_size % cfg.num_heads:
        raise ConfigError(f"--hidden-size {cfg.hidden_size} is not a multiple of --num-heads {cfg.num_heads}")
    if cfg.student_tokenizer == "char" and cfg.init_embeddings == "teacher":
        raise ConfigError("--init-embeddings teacher copies the teacher's vocabulary; it needs --student-tokenizer teacher")
    if cfg.unlabeled is not None and cfg.unlabeled.lower() in ("", "none"):
        cfg.unlabeled = None
    return cfg


