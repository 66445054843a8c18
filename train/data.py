"""Reading a dataset folder and turning examples into model windows with token labels.

>>> from govreport.data.doccano import Example
>>> from govreport.data.schema import Span
>>> ex = Example("a", "办结3件", [Span(0, 2, "METRIC"), Span(2, 3, "VALUE"), Span(3, 4, "UNIT")])
>>> entity_counts([ex])
{'METRIC': 1, 'VALUE': 1, 'UNIT': 1}
"""

from __future__ import annotations

import logging
import random
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from govreport.data.doccano import Example, FormatError, read_jsonl
from govreport.data.errors import InputError
from govreport.data.schema import ENTITY_TYPES, spans_to_tags
from govreport.model.tagging import align_labels, boundary_conflicts
from govreport.model.windows import encode_windows

logger = logging.getLogger(__name__)


class DataError(InputError):
    """A dataset folder or gold file the trainer cannot use; the CLI shows it as one line."""


@dataclass
class DatasetSplits:
    train: list[Example]
    validation: list[Example]
    card: str | None  # the dataset's README.md (its data card), if present


def read_examples(path: str | Path, what: str) -> list[Example]:
    """Examples of one JSONL file; a missing, empty or malformed file is a :class:`DataError`.

    Labels outside :data:`data.schema.ENTITY_TYPES` and overlapping or
    out-of-range spans fail here, naming the file and line.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{what} file {path} does not exist")
    try:
        examples = read_jsonl(path)
    except FormatError as err:
        raise DataError(f"{what} file {err}") from None
    if not examples:
        raise DataError(f"{what} file {path} holds no examples")
    return examples


def load_dataset_dir(data_dir: str | Path) -> DatasetSplits:
    """``train.jsonl`` (required) and ``validation.jsonl`` (optional, warned about) of a dataset folder."""
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise DataError(f"data folder {data_dir} does not exist (build one with `govreport generate`)")
    if not any(data_dir.iterdir()):
        raise DataError(f"data folder {data_dir} is empty; expected train.jsonl and validation.jsonl")
    train = read_examples(data_dir / "train.jsonl", "training")
    validation: list[Example] = []
    if (data_dir / "validation.jsonl").exists():
        validation = read_examples(data_dir / "validation.jsonl", "validation")
    else:
        logger.warning("%s has no validation.jsonl; only the gold file will be scored", data_dir)
    card_path = data_dir / "README.md"
    card = card_path.read_text(encoding="utf-8") if card_path.is_file() else None
    return DatasetSplits(train=train, validation=validation, card=card)


def subsample(examples: list[Example], n: int | None, seed: int) -> list[Example]:
    """``n`` examples drawn with ``seed`` (all of them, in order, when ``n`` is None or large enough)."""
    if n is None or n >= len(examples):
        return examples
    return random.Random(seed).sample(examples, n)


def entity_counts(examples: list[Example]) -> dict[str, int]:
    counts = Counter(span.label for ex in examples for span in ex.spans)
    return {kind: counts[kind] for kind in ENTITY_TYPES}


def featurize(examples: list[Example], tokenizer, max_length: int, stride: int) -> list[dict]:
    """Model inputs with one label per token, a window per ``max_length`` tokens.

    Long texts become several overlapping windows, each trained on: a character in
    the overlap is seen twice, which is harmless and keeps the code one path.
    Logs how many gold spans start or end inside a token (a tokenizer that merges
    ``10%`` cannot learn VALUE/UNIT apart there).
    """
    windows = encode_windows(tokenizer, [ex.text for ex in examples], max_length, stride)
    tags = [spans_to_tags(ex.spans, len(ex.text)) for ex in examples]
    features: list[dict] = []
    token_offsets: list[set] = [set() for _ in examples]
    for w in windows:
        feature = {
            "input_ids": w.input_ids,
            "attention_mask": [1] * len(w.input_ids),
            "labels": align_labels(w.offsets, tags[w.text_index]),
        }
        if w.token_type_ids is not None:
            feature["token_type_ids"] = w.token_type_ids
        features.append(feature)
        token_offsets[w.text_index].update(w.offsets)
    conflicts = sum(len(boundary_conflicts(sorted(o), ex.spans)) for o, ex in zip(token_offsets, examples))
    total = sum(len(ex.spans) for ex in examples)
    if conflicts:
        logger.warning(
            "%d of %d gold spans begin or end inside a token of this tokenizer; they cannot be tagged exactly",
            conflicts,
            total,
        )
    logger.info("%d examples -> %d windows of at most %d tokens", len(examples), len(features), max_length)
    return features
