"""Teacher and student models for distillation: checks, loading, and the student's initialisation."""

from __future__ import annotations

import logging
from pathlib import Path

import torch
from transformers import (
    AutoConfig,
    AutoModelForTokenClassification,
    AutoTokenizer,
    BertForTokenClassification,
)

from govreport.data.schema import LABELS
from govreport.model.char_encoder import char_small_config
from govreport.model.files import SERVING_KEY
from govreport.train.config import ConfigError
from govreport.train.distill_config import DistillConfig
from govreport.train.run import resolve_path

logger = logging.getLogger(__name__)


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


