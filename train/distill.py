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

>>> cfg = parse_distill_config(["--teacher", "t", "--data", "d", "--output-dir", "o", "--alpha", "0.5"])
>>> cfg.temperature, cfg.alpha, cfg.hidden_size, cfg.init_embeddings
(2.0, 0.5, 256, 'pca')
"""

from __future__ import annotations

import hashlib
import json
import logging
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

import torch
import torch.nn.functional as F
from transformers import (
    AutoConfig,
    AutoModelForTokenClassification,
    AutoTokenizer,
    BertForTokenClassification,
    DataCollatorForTokenClassification,
    set_seed,
)

from data.schema import LABELS
from model.char_encoder import build_char_tokenizer, char_small_config, common_cjk_chars
from model.export import SERVING_KEY
from model.tagging import IGNORE_INDEX, Window, encode_windows, model_max_length, window_sources
from train.config import CHAR_SMALL, DEFAULT_EVAL_GOLD, ConfigError, RunOptions, parse_options
from train.data import entity_counts, featurize
from train.unlabeled import DEFAULT_UNLABELED, unlabeled_sentences
from train.run import (
    CHAR_SMALL_COMMON_CHARS,
    StepTimer,
    TaggingTrainer,
    check_output_dir,
    load_training_data,
    remove_checkpoints,
    resolve_path,
    save_run,
    setup_device,
    training_arguments,
)

logger = logging.getLogger(__name__)

TEACHER_CACHE = "teacher_logits.pt"


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
            "help": "gold JSONL scored after every evaluation; its micro F1 picks the kept checkpoint and its sentences "
            "are dropped from the unlabeled text. Relative paths that do not exist are read from the repository root. "
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


# ---- the loss


def distillation_loss(
    student_logits: torch.Tensor,
    teacher_logits: torch.Tensor,
    labels: torch.Tensor,
    mask: torch.Tensor,
    temperature: float,
    alpha: float,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """``alpha·T²·KL(teacher_T ‖ student_T) + (1 - alpha)·CE(gold)``; returns (loss, KL, CE).

    The KL term is averaged over the tokens where ``mask`` is 1 (tokens that stand
    for characters: not [CLS], [SEP], padding or an empty piece, whose teacher logits
    were never trained). T² keeps its gradients on the scale of the cross-entropy's
    whatever the temperature (Hinton et al., 2015). Cross-entropy is averaged over
    tokens with a gold label (not -100); a batch of unlabeled windows only has none,
    and then only the KL term counts.

    >>> t = torch.tensor([[[2.0, 0.0, -1.0], [0.0, 0.0, 0.0]]])
    >>> loss, kl, ce = distillation_loss(t, t, torch.tensor([[0, -100]]), torch.tensor([[1, 0]]), 2.0, 1.0)
    >>> round(kl.item(), 6), round(loss.item(), 6)
    (0.0, 0.0)
    """
    student_logits = student_logits.float()
    keep = mask.bool()
    if keep.any():
        log_student = F.log_softmax(student_logits[keep] / temperature, dim=-1)
        log_teacher = F.log_softmax(teacher_logits[keep].float() / temperature, dim=-1)
        # batchmean on (tokens, classes): summed over classes, averaged over tokens
        kl = F.kl_div(log_student, log_teacher, log_target=True, reduction="batchmean")
    else:
        kl = student_logits.sum() * 0.0
    if (labels != IGNORE_INDEX).any():
        ce = F.cross_entropy(student_logits.reshape(-1, student_logits.shape[-1]), labels.reshape(-1), ignore_index=IGNORE_INDEX)
    else:
        ce = student_logits.sum() * 0.0
    loss = alpha * temperature**2 * kl + (1 - alpha) * ce
    return loss, kl.detach(), ce.detach()


class DistillTrainer(TaggingTrainer):
    """The training Trainer (character-tag evaluation, best checkpoint on dev gold) with :func:`distillation_loss`."""

    def __init__(self, *args, temperature: float, alpha: float, **kwargs):
        super().__init__(*args, **kwargs)
        self.temperature, self.alpha = temperature, alpha
        # a per-batch mean: the Trainer divides it for gradient accumulation itself
        self.loss_is_scaled_for_ga = False

    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
        soft = inputs.pop("teacher_logits")
        mask = inputs.pop("distill_mask")
        labels = inputs.pop("labels")
        outputs = model(**inputs)
        loss, _, _ = distillation_loss(outputs.logits, soft, labels, mask, self.temperature, self.alpha)
        return (loss, outputs) if return_outputs else loss


class DistillCollator:
    """Pads windows as :class:`DataCollatorForTokenClassification` does, and the teacher logits and KL mask alike."""

    def __init__(self, tokenizer):
        self.base = DataCollatorForTokenClassification(tokenizer)
        self.left = tokenizer.padding_side == "left"

    def __call__(self, features: list[dict]) -> dict:
        batch = self.base([{k: v for k, v in f.items() if k not in ("teacher_logits", "distill_mask")} for f in features])
        width = batch["input_ids"].shape[1]
        logits = torch.zeros((len(features), width, features[0]["teacher_logits"].shape[-1]), dtype=torch.float16)
        mask = torch.zeros((len(features), width), dtype=torch.long)
        for row, f in enumerate(features):
            n = len(f["distill_mask"])
            cols = slice(width - n, width) if self.left else slice(0, n)
            logits[row, cols] = f["teacher_logits"]
            mask[row, cols] = torch.tensor(f["distill_mask"])
        batch["teacher_logits"], batch["distill_mask"] = logits, mask
        return batch


# ---- teacher and student


def check_teacher(teacher: str, role: str = "teacher") -> tuple[Path, object]:
    """The teacher's folder and config, or a :class:`ConfigError` saying why it cannot teach.

    It must be a local token-classification model whose labels are exactly
    :data:`data.schema.LABELS` in that order, since its logits become the student's targets.
    """
    path = resolve_path(teacher)
    if not path.is_dir():
        raise ConfigError(f"{role} {teacher} is not a folder; pass a model folder written by govreport train or export")
    try:
        config = AutoConfig.from_pretrained(path, local_files_only=True)
    except (OSError, ValueError, KeyError) as err:
        first_line = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise ConfigError(f"cannot load {role} {teacher}: {first_line}") from None
    architectures = config.architectures or []
    if not any(name.endswith("ForTokenClassification") for name in architectures):
        raise ConfigError(f"{role} {teacher} is not a token-classification model (architectures: {architectures or 'none'})")
    labels = [config.id2label[i] for i in range(config.num_labels)]
    if labels != list(LABELS):
        raise ConfigError(f"{role} {teacher} has labels {labels}, not this project's {list(LABELS)}")
    return path, config


def load_teacher(path: Path, role: str = "teacher"):
    """Tokenizer and fp32 model of a folder that :func:`check_teacher` accepted."""
    try:
        tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
        # fp32 whatever the folder stores (an exported teacher is fp16, slow or unsupported on CPU)
        model = AutoModelForTokenClassification.from_pretrained(path, local_files_only=True, dtype=torch.float32)
    except (OSError, ValueError, KeyError) as err:
        first_line = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise ConfigError(f"cannot load {role} {path}: {first_line}") from None
    if not tokenizer.is_fast:
        raise ConfigError(f"{role} {path} has no fast tokenizer; character offsets need one")
    return tokenizer, model.eval()


def pca_embeddings(embeddings: torch.Tensor, size: int, std: float) -> tuple[torch.Tensor, float]:
    """Rows of ``embeddings`` on their top ``size`` principal components, scaled to standard deviation ``std``.

    Returns the projected matrix and the fraction of the (centred) variance it keeps.
    Components keep their relative scale (no whitening), so cosine similarities and
    nearest neighbours of the teacher's characters survive as far as ``size``
    dimensions allow. Columns beyond the teacher's own width are small noise.

    >>> projected, kept = pca_embeddings(torch.randn(100, 16), 8, 0.02)
    >>> tuple(projected.shape), round(projected.std().item(), 4), 0.5 < kept < 1
    ((100, 8), 0.02, True)
    """
    centred = embeddings.float() - embeddings.float().mean(0)
    u, s, _ = torch.linalg.svd(centred, full_matrices=False)
    k = min(size, s.numel())
    projected = u[:, :k] * s[:k]
    projected = projected * (std / projected.std())
    if k < size:
        projected = torch.cat([projected, torch.randn(projected.shape[0], size - k) * std * 0.1], dim=1)
    kept = float((s[:k] ** 2).sum() / (s**2).sum())
    return projected, kept


def teacher_layers(teacher_layers: int, student_layers: int) -> list[int]:
    """Which teacher layers a ``student_layers``-deep copy keeps: evenly spaced, the last one included.

    >>> teacher_layers(12, 3), teacher_layers(12, 4), teacher_layers(4, 4)
    ([3, 7, 11], [2, 5, 8, 11], [0, 1, 2, 3])
    """
    if not 1 <= student_layers <= teacher_layers:
        raise ConfigError(f"--num-layers must be between 1 and the teacher's {teacher_layers} layers")
    return [round((i + 1) * teacher_layers / student_layers) - 1 for i in range(student_layers)]


def truncated_teacher(cfg: DistillConfig, teacher) -> tuple[BertForTokenClassification, str]:
    """The teacher cut down to ``cfg.num_layers`` of its layers, with its embeddings and classifier."""
    if teacher.config.model_type != "bert":
        raise ConfigError(f"--init-embeddings teacher needs a BERT teacher, not {teacher.config.model_type}")
    keep = teacher_layers(teacher.config.num_hidden_layers, cfg.num_layers)
    config = teacher.config.__class__.from_dict({**teacher.config.to_dict(), "num_hidden_layers": len(keep)})
    student = BertForTokenClassification(config)
    state = teacher.state_dict()
    renamed = {}
    for name, tensor in state.items():
        if name.startswith("bert.encoder.layer."):
            index, rest = name[len("bert.encoder.layer."):].split(".", 1)
            if int(index) in keep:
                renamed[f"bert.encoder.layer.{keep.index(int(index))}.{rest}"] = tensor
        else:
            renamed[name] = tensor
    missing, unexpected = student.load_state_dict(renamed, strict=False)
    if missing or unexpected:
        raise ConfigError(f"cannot copy the teacher's layers: missing {missing[:3]}, unexpected {unexpected[:3]}")
    note = f"the teacher's embeddings, classifier and layers {keep} of {teacher.config.num_hidden_layers}"
    logger.info("student: %s", note)
    return student, note


STUDENT_ROLE = "--init-student"


def check_student(path: str) -> Path:
    """The folder of a student saved earlier (``--init-student``), or a :class:`ConfigError`.

    The teacher's demands (a local tagger with this project's labels), and a BERT.
    """
    folder, config = check_teacher(path, STUDENT_ROLE)
    if config.model_type != "bert":
        raise ConfigError(f"{STUDENT_ROLE} {path} is a {config.model_type} model; students are BERT taggers")
    return folder


def load_student(folder: Path, window: int) -> tuple[object, BertForTokenClassification]:
    """Tokenizer and fp32 model of a folder that :func:`check_student` accepted."""
    tokenizer, student = load_teacher(folder, STUDENT_ROLE)
    # how an export served it is not a property of the weights this run will change
    student.config.__dict__.pop(SERVING_KEY, None)
    tokenizer.model_max_length = window
    return tokenizer, student.train()


def build_student(cfg: DistillConfig, tokenizer, teacher, teacher_tokenizer=None) -> tuple[BertForTokenClassification, str]:
    """The student BERT tagger over ``tokenizer``'s vocabulary, and a line saying how it began.

    With PCA initialisation a student token starts from the teacher's embedding of the same
    token; with a character vocabulary (``teacher_tokenizer`` given) from the teacher's token
    for that character, and tokens the teacher has no piece for start random.
    """
    if cfg.init_embeddings == "teacher":
        return truncated_teacher(cfg, teacher)
    config = char_small_config(
        len(tokenizer),
        hidden_size=cfg.hidden_size,
        num_hidden_layers=cfg.num_layers,
        num_attention_heads=cfg.num_heads,
        intermediate_size=cfg.intermediate_size,
        pad_token_id=tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0,
        max_position_embeddings=min(512, teacher.config.max_position_embeddings),
    )
    student = BertForTokenClassification(config)
    if cfg.init_embeddings == "random":
        return student, f"random (normal, std {config.initializer_range})"
    source = teacher.get_input_embeddings().weight.detach().float().cpu()
    projected, kept = pca_embeddings(source, cfg.hidden_size, config.initializer_range)
    if teacher_tokenizer is None:  # the same vocabulary: row for row
        rows = list(range(min(source.shape[0], config.vocab_size)))
        student_rows = rows
    else:
        student_rows, rows = [], []
        for token, i in tokenizer.get_vocab().items():
            j = teacher_tokenizer.convert_tokens_to_ids(token.removeprefix("##"))
            if j is not None and j != teacher_tokenizer.unk_token_id and j < source.shape[0]:
                student_rows.append(i)
                rows.append(j)
    with torch.no_grad():
        weight = student.get_input_embeddings().weight
        weight[student_rows] = projected[rows]
        weight[config.pad_token_id] = 0  # as BERT's init leaves the padding row
    note = (
        f"PCA of the teacher's {source.shape[1]}-dimensional word embeddings onto {cfg.hidden_size} components "
        f"({kept:.1%} of their variance), scaled to std {config.initializer_range} (the initializer's)"
    )
    if teacher_tokenizer is not None:
        note += f", for the {len(rows)} of {config.vocab_size} character tokens the teacher has a piece for"
    logger.info("student embeddings: %s", note)
    return student, note


# ---- data


def unlabeled_features(texts: list[str], tokenizer, window: int, stride: int) -> list[dict]:
    """Windows of ``texts`` with no gold labels (-100 everywhere) and a KL mask over character tokens."""
    features = []
    for w in encode_windows(tokenizer, texts, window, stride):
        feature = {
            "input_ids": w.input_ids,
            "attention_mask": [1] * len(w.input_ids),
            "labels": [IGNORE_INDEX] * len(w.input_ids),
            "distill_mask": [int(start < end) for start, end in w.offsets],
        }
        if w.token_type_ids is not None:
            feature["token_type_ids"] = w.token_type_ids
        features.append(feature)
    return features


# ---- soft labels


def teacher_logits(model, features: list[dict], batch_size: int, pad_id: int, progress: bool = False) -> list[torch.Tensor]:
    """The teacher's logits for each window, float16, one ``(tokens, labels)`` tensor per window, in order.

    Windows are sorted by length and batched, so a batch pads only to its own longest.
    """
    device = next(model.parameters()).device
    order = sorted(range(len(features)), key=lambda i: len(features[i]["input_ids"]))
    batches = [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
    if progress:
        from tqdm.auto import tqdm

        batches = tqdm(batches, desc="teacher", unit="batch")
    out: list[torch.Tensor | None] = [None] * len(features)
    with torch.inference_mode():
        for batch in batches:
            width = max(len(features[i]["input_ids"]) for i in batch)
            ids = torch.full((len(batch), width), pad_id, dtype=torch.long)
            mask = torch.zeros((len(batch), width), dtype=torch.long)
            types = torch.zeros((len(batch), width), dtype=torch.long)
            for row, i in enumerate(batch):
                n = len(features[i]["input_ids"])
                ids[row, :n] = torch.tensor(features[i]["input_ids"])
                mask[row, :n] = 1
                if "token_type_ids" in features[i]:
                    types[row, :n] = torch.tensor(features[i]["token_type_ids"])
            inputs = {"input_ids": ids.to(device), "attention_mask": mask.to(device)}
            if "token_type_ids" in features[batch[0]]:
                inputs["token_type_ids"] = types.to(device)
            logits = model(**inputs).logits.to(torch.float16).cpu()
            for row, i in enumerate(batch):
                out[i] = logits[row, : len(features[i]["input_ids"])].clone()
    return out


def teacher_key(teacher_dir: Path, features: list[dict], extra: str = "") -> str:
    """A hash of the teacher (config and weight files), of every window's token ids, in order, and of ``extra``."""
    digest = hashlib.sha256(extra.encode())
    for path in sorted(teacher_dir.iterdir()):
        if path.name == "config.json" or path.suffix in (".safetensors", ".bin"):
            digest.update(path.name.encode())
            with open(path, "rb") as f:
                for chunk in iter(lambda: f.read(1 << 20), b""):
                    digest.update(chunk)
    for feature in features:
        digest.update(json.dumps(feature["input_ids"]).encode())
    return digest.hexdigest()


def cached_teacher_logits(
    cache: Path, key: str, compute: Callable[[], list[torch.Tensor]]
) -> tuple[list[torch.Tensor], float, bool]:
    """The teacher's targets for every window, read from ``cache`` when its key matches, else
    ``compute()``-d and saved there.

    Returns (targets, seconds the teacher pass took, whether they came from the cache).
    """
    if cache.is_file():
        stored = torch.load(cache, weights_only=True)
        if isinstance(stored, dict) and stored.get("key") == key:
            logits = list(torch.split(stored["logits"], stored["lengths"].tolist()))
            logger.info("teacher logits for %d windows read from %s", len(logits), cache)
            return logits, float(stored["seconds"]), True
        logger.info("%s was made for another teacher or other windows; running the teacher again", cache)
    start = time.perf_counter()
    logits = compute()
    seconds = time.perf_counter() - start
    logger.info("teacher pass: %d windows in %.1f s (%.0f windows/s)", len(logits), seconds, len(logits) / max(seconds, 1e-9))
    cache.parent.mkdir(parents=True, exist_ok=True)
    lengths = torch.tensor([len(t) for t in logits])
    partial = cache.with_name(cache.name + ".partial")  # an interrupted save never looks like a cache
    torch.save({"key": key, "seconds": seconds, "lengths": lengths, "logits": torch.cat(logits)}, partial)
    partial.replace(cache)
    return logits, seconds, False


# ---- soft labels for a character student


def continuation_matrix(labels: Sequence[str] = LABELS) -> torch.Tensor:
    """``M[i, j] = 1`` where a token tagged ``labels[i]`` tags its later characters ``labels[j]``.

    ``B-X`` and ``I-X`` continue as ``I-X``, ``O`` as ``O`` (as :func:`model.tagging.token_to_char_tags`
    expands hard tags), so ``p @ M`` is a token's distribution carried over to its inner characters.

    >>> continuation_matrix(["O", "B-X", "I-X"]).tolist()
    [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, 0.0, 1.0]]
    """
    m = torch.zeros(len(labels), len(labels))
    for i, tag in enumerate(labels):
        m[i, labels.index("O" if tag == "O" else "I-" + tag.partition("-")[2])] = 1.0
    return m


def char_soft_targets(
    teacher_windows: list[Window], logits: list[torch.Tensor], lengths: list[int], temperature: float
) -> list[torch.Tensor]:
    """Per character of each text, the teacher's distribution at ``temperature``, as logits.

    A character gets its token's distribution (from the window :func:`window_sources` picks);
    the inner characters of a multi-character token get it carried over by
    :func:`continuation_matrix`. Rows are ``T·log p``, so the loss's ``softmax(row / T)`` is
    ``p`` exactly; characters no teacher token covers are NaN.
    """
    carry = continuation_matrix()
    sources = window_sources(teacher_windows)
    out = [torch.full((n, len(LABELS)), float("nan")) for n in lengths]
    for i, w in enumerate(teacher_windows):
        picked = sources.get(w.text_index)
        for k, (start, end) in enumerate(w.offsets):
            if start >= end or (picked is not None and picked[(start, end)] != (i, k)):
                continue
            log_p = F.log_softmax(logits[i][k].float() / temperature, dim=-1)
            out[w.text_index][start] = temperature * log_p
            if end - start > 1:
                inner = torch.log((log_p.exp() @ carry).clamp_min(1e-8))
                out[w.text_index][start + 1 : end] = temperature * inner
    return out


def gather_char_targets(windows: list[Window], targets: list[torch.Tensor]) -> list[torch.Tensor]:
    """Each window's rows of :func:`char_soft_targets`: a token takes its first character's (zeros where none)."""
    gathered = []
    for w in windows:
        rows = torch.zeros((len(w.input_ids), len(LABELS)))
        for k, (start, end) in enumerate(w.offsets):
            if start < end and not torch.isnan(targets[w.text_index][start, 0]):
                rows[k] = targets[w.text_index][start]
        gathered.append(rows.to(torch.float16))
    return gathered


# ---- the run


def distill(cfg: DistillConfig, command: str = "", progress: bool = True) -> dict:
    """Distil a student as ``cfg`` says; returns what it writes to ``train_results.json``."""
    # ---- output folder, device, and the teacher's config (cheap checks first)
    output_dir = Path(cfg.output_dir)
    last_checkpoint, stale_checkpoints = check_output_dir(cfg)
    device, bf16 = setup_device(cfg)
    teacher_dir, _ = check_teacher(cfg.teacher)
    student_dir = check_student(cfg.init_student) if cfg.init_student else None

    # ---- data: synthetic examples with gold labels, real sentences without
    splits, train_examples, eval_sets, best_metric = load_training_data(cfg)
    unlabeled = unlabeled_sentences(cfg.unlabeled, cfg.eval_gold)

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
    timer = StepTimer()
    trainer = DistillTrainer(
        model=student,
        args=training_arguments(cfg, cfg.learning_rate, device, bf16, best_metric, bool(eval_sets), progress),
        train_dataset=train_features,
        eval_dataset=eval_sets or None,
        processing_class=student_tokenizer,
        data_collator=DistillCollator(student_tokenizer),
        callbacks=[timer],
        window=window,
        stride=cfg.stride,
        temperature=cfg.temperature,
        alpha=cfg.alpha,
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
        extra={"distillation": distillation},
    )  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    from train.cli import run_command

    return run_command("distill", sys.argv[1:] if argv is None else argv, parse_distill_config, lambda: distill)


if __name__ == "__main__":
    sys.exit(main())
