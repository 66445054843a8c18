"""Soft labels: windows of unlabeled text, one cached teacher pass, and per-character targets for a character student."""

from __future__ import annotations

import hashlib
import json
import logging
import time
from pathlib import Path
from typing import Callable, Sequence

import torch
import torch.nn.functional as F

from govreport.data.schema import LABELS
from govreport.model.tagging import IGNORE_INDEX
from govreport.model.windows import Window, encode_windows, window_sources

logger = logging.getLogger(__name__)

TEACHER_CACHE = "teacher_logits.pt"  # the teacher pass, kept in the output folder


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


