"""The bridge between character tags (what annotation and scoring use) and model tokens.

Training turns character IOB2 tags into one label id per token
(:func:`align_labels`); inference turns token predictions back into one tag per
character (:func:`token_to_char_tags`). Both go through the tokenizer's offset
mapping, so they work for any fast tokenizer, not only a character one. Texts
longer than the model's window are cut into overlapping windows
(:func:`model.windows.encode_windows`) and :func:`predict` merges their predictions so
every character gets a label and a probability.

>>> offsets = [(0, 0), (0, 2), (2, 5), (5, 6), (0, 0)]   # [CLS] 办结 123 件 [SEP]
>>> tags = ["B-METRIC", "I-METRIC", "B-VALUE", "I-VALUE", "I-VALUE", "B-UNIT"]
>>> ids = align_labels(offsets, tags)
>>> ids
[-100, 1, 3, 5, -100]
>>> token_to_char_tags(offsets, ids, 6) == tags
True
"""

from __future__ import annotations

import logging
from collections import defaultdict
from typing import NamedTuple, Sequence

import numpy as np
import torch

from govreport.data.schema import LABELS, Span, id2label, label2id
from govreport.model.char_lookup import unit_offsets
from govreport.model.files import CRF_KEY
from govreport.model.windows import Offsets, encode_windows, window_sources

logger = logging.getLogger(__name__)

# Label id that torch's cross-entropy ignores.
IGNORE_INDEX = -100


def align_labels(offsets: Offsets, char_tags: Sequence[str]) -> list[int]:
    """One label id per token: the tag of the token's first character.

    Special tokens ([CLS], [SEP]) and padding have empty offsets ``(0, 0)`` and get
    -100, which the loss ignores: they stand for no character, so any label would
    teach the model something the scorer never asks for. A token that covers
    several characters takes its first character's tag, the usual choice for word
    pieces; :func:`token_to_char_tags` undoes it by continuing the tag over the rest
    of the token.

    >>> align_labels([(0, 0), (0, 1), (1, 3), (0, 0)], ["B-VALUE", "B-UNIT", "I-UNIT"])
    [-100, 3, 5, -100]
    """
    return [IGNORE_INDEX if start >= end else label2id[char_tags[start]] for start, end in offsets]


def token_to_char_tags(offsets: Offsets, token_label_ids: Sequence[int], length: int) -> list[str]:
    """Expand token predictions to ``length`` character tags.

    The first character of a token gets the token's tag; the token's other
    characters continue it (``I-X`` after ``B-X`` or ``I-X``, ``O`` after ``O``).
    Characters no token covers (spaces, which BERT tokenizers drop) are ``O``; where
    tokens overlap, the first token covering a character decides it.

    >>> token_to_char_tags([(0, 0), (0, 3), (4, 5), (0, 0)], [-100, 3, 5, -100], 5)
    ['B-VALUE', 'I-VALUE', 'I-VALUE', 'O', 'B-UNIT']
    """
    return char_tags_and_probs(offsets, token_label_ids, None, length)[0]


def char_tags_and_probs(
    offsets: Offsets, token_label_ids: Sequence[int], token_probs: Sequence[float] | None, length: int
) -> tuple[list[str], list[float]]:
    """:func:`token_to_char_tags`, and each character's probability: its token's (1.0 where no token decides)."""
    label_ids, probs = char_labels_and_probs(offsets, token_label_ids, token_probs, length)
    return [id2label[i] for i in label_ids], probs


def char_labels_and_probs(
    offsets: Offsets, token_label_ids: Sequence[int], token_probs: Sequence[float] | None, length: int
) -> tuple[list[int], list[float]]:
    """:func:`char_tags_and_probs` with label ids (:data:`data.schema.LABELS` order) for tags.

    Tokens of one character each, in order and covering the text (a character tokenizer's),
    are the characters' labels as they are.

    >>> char_labels_and_probs([(0, 2), (3, 4)], [3, 5], [0.9, 0.8], 4)
    ([3, 4, 0, 5], [0.9, 0.9, 1.0, 0.8])
    """
    if token_probs is None:
        token_probs = [1.0] * len(offsets)
    if len(offsets) == length and IGNORE_INDEX not in token_label_ids and offsets == unit_offsets(length):
        return list(token_label_ids), list(token_probs)
    label_ids = [_OUTSIDE] * length
    probs = [1.0] * length
    decided = bytearray(length)
    for (start, end), label_id, p in zip(offsets, token_label_ids, token_probs):
        if start >= end or label_id == IGNORE_INDEX or decided[start]:
            continue
        label_ids[start], probs[start], decided[start] = label_id, p, 1
        if end - start > 1:
            inside = _INSIDE[label_id]
            for i in range(start + 1, min(end, length)):
                if not decided[i]:
                    label_ids[i], probs[i], decided[i] = inside, p, 1
    return label_ids, probs


# The label that continues each label over the rest of a multi-character token.
_OUTSIDE = label2id["O"]
_INSIDE = {i: _OUTSIDE if tag == "O" else label2id["I-" + tag.partition("-")[2]] for i, tag in id2label.items()}


# IOB2's one constraint: I-X continues a B-X or an I-X. _ENTERS[i, j] is 0 where label j may follow
# label i and -inf where it may not; a window's first token may take no I-X (_OPENS).
_ENTERS = np.array([[0.0 if not b.startswith("I-") or a[2:] == b[2:] else -np.inf for b in LABELS] for a in LABELS])
_OPENS = np.array([-np.inf if label.startswith("I-") else 0.0 for label in LABELS])


def viterbi_iob2(log_probs: np.ndarray, lengths: Sequence[int], crf: dict | None = None) -> list[list[int]]:
    """For each row of ``log_probs`` (rows, tokens, labels), the label ids of highest total
    log-probability over its first ``lengths[row]`` tokens that form valid IOB2.

    Where the arg-max of a row is valid it is this path; where it is not (``O I-X I-X``),
    the model's own probabilities decide between opening the span earlier, opening it with
    ``B-X``, or leaving it out, instead of a fixed repair. The rows are stepped through together.
    ``crf`` (a model's ``config.crf``, :mod:`model.crf`) adds its learned transition and opening
    scores to every step.

    >>> p = np.log(np.array([[[0.6, 0.3, 0.1, 0, 0, 0, 0], [0.1, 0.1, 0.8, 0, 0, 0, 0]]]) + 1e-9)
    >>> p.argmax(-1).tolist(), viterbi_iob2(p, [2])   # O I-METRIC is no valid sequence
    ([[0, 2]], [[1, 2]])
    """
    enters, opens = _ENTERS, _OPENS
    if crf:
        enters, opens = enters + np.asarray(crf["transitions"]), opens + np.asarray(crf["start"])
    rows, tokens, _ = log_probs.shape
    back = np.empty((tokens, rows, len(LABELS)), dtype=np.intp)  # the best previous label of each
    scores = np.empty((tokens, rows, len(LABELS)))  # best total ending in each label, token by token
    scores[0] = log_probs[:, 0] + opens
    for t in range(1, tokens):
        step = scores[t - 1][:, :, None] + enters  # (row, previous label, label)
        back[t] = step.argmax(1)
        scores[t] = step.max(1) + log_probs[:, t]
    paths = []
    for row, length in enumerate(lengths):
        label = int(scores[length - 1, row].argmax())
        path, pointers = [label], back[:, row]
        for t in range(length - 1, 0, -1):
            label = int(pointers[t, label])
            path.append(label)
        paths.append(path[::-1])
    return paths


def _breaking_rows(label_ids: np.ndarray, lengths: Sequence[int]) -> np.ndarray:
    """The rows whose inner tokens' labels break IOB2 (an ``I-X`` after anything but ``B-X``/``I-X``)."""
    # what each inner token follows: O for the first, else the token before (all rows at once)
    previous = np.full_like(label_ids, _OUTSIDE)
    previous[:, 2:] = label_ids[:, 1:-1]
    positions = np.arange(label_ids.shape[1])
    inner = (positions >= 1) & (positions < np.asarray(lengths)[:, None] - 1)
    return np.flatnonzero((np.isinf(_ENTERS[previous, label_ids]) & inner).any(1))


def decode_windows(logits: np.ndarray, lengths: Sequence[int], crf: dict | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Label ids and their softmax probabilities for a batch of windows' logits (windows, tokens, labels).

    Each window's tokens between its first and last (the special tokens, ``lengths[i]`` tokens
    in all) take the arg-max, unless it breaks IOB2 (an ``I-X`` after anything but ``B-X``/``I-X``); then they take the
    best valid path (:func:`viterbi_iob2`), which a few windows in a hundred need. A model with
    learned transitions (``crf``, its ``config.crf``) takes the best path under them in every
    window. A token's probability is that of the label it was given.
    """
    exp = np.exp(logits - logits.max(-1, keepdims=True))
    total = exp.sum(-1)
    label_ids = logits.argmax(-1)
    rows = np.flatnonzero(np.asarray(lengths) > 2) if crf else _breaking_rows(label_ids, lengths)
    if len(rows):
        inner_lengths = [lengths[row] - 2 for row in rows]
        width = max(inner_lengths)
        log_probs = np.log(exp[rows, 1 : width + 1] / total[rows, 1 : width + 1, None] + 1e-12)
        for row, path in zip(rows, viterbi_iob2(log_probs, inner_lengths, crf)):
            label_ids[row, 1 : len(path) + 1] = path
    return label_ids, np.take_along_axis(exp, label_ids[..., None], -1)[..., 0] / total


def boundary_conflicts(offsets: Offsets, spans: Sequence[Span]) -> list[Span]:
    """Spans that begin or end inside a token, so no token labelling can reproduce them.

    A tokenizer that reads ``10%`` as one token cannot tag VALUE ``10`` and UNIT
    ``%`` apart; training logs how often that happens for the chosen base model.

    >>> boundary_conflicts([(0, 3)], [Span(0, 2, "VALUE"), Span(2, 3, "UNIT")])
    [Span(start=0, end=2, label='VALUE'), Span(start=2, end=3, label='UNIT')]
    """
    inner: set[int] = set()  # character positions strictly inside a token
    for start, end in offsets:
        inner.update(range(start + 1, end))
    return [s for s in spans if s.start in inner or s.end in inner]


def model_max_length(model, tokenizer) -> int:
    """The longest window both the model's position table and the tokenizer accept."""
    limit = getattr(model.config, "max_position_embeddings", None) or 512
    tok_limit = getattr(tokenizer, "model_max_length", None)
    if tok_limit and tok_limit < 1_000_000:  # unset limits are a huge sentinel
        limit = min(limit, tok_limit)
    return limit


# A model (module) attribute: True when its int8 activation quantisation takes one scale from the
# whole batch (torch's quantize_dynamic, an int8 ONNX graph without per-row quantisation), so a
# window's numbers depend on its batch and it must run alone.
QUANTIZES_PER_BATCH = "quantizes_per_batch"


def padded_length(length: int, pad_to: int = 1) -> int:
    """The width a window of ``length`` tokens is run at: the next multiple of ``pad_to``.

    >>> padded_length(17, 16), padded_length(32, 16), padded_length(17)
    (32, 32, 17)
    """
    return -(-length // pad_to) * pad_to


def batch_windows(lengths: Sequence[int], batch_size: int, alone: bool = False, pad_to: int = 1) -> list[list[int]]:
    """Window indices in batches of one width each, narrowest first, at most ``batch_size`` per batch.

    A window's width depends on its own length only (:func:`padded_length`), never on the
    other windows of its batch: padding to a batch's longest row would put other rows'
    lengths into a row's computation (its attention width, and for an int8 graph the range its
    activations are quantised over). ``pad_to=1`` batches windows of one exact length;
    a larger ``pad_to`` lets windows of nearby lengths share fewer, larger batches (for float
    weights, where masked padding adds nothing to a row). ``alone`` makes every batch a single
    window.

    >>> batch_windows([3, 5, 3, 3, 5], 2)
    [[0, 2], [3], [1, 4]]
    >>> batch_windows([3, 5, 3], 8, alone=True)
    [[0], [2], [1]]
    >>> batch_windows([3, 20, 5, 17], 8, pad_to=16)
    [[0, 2], [1, 3]]
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, not {batch_size}")
    size = 1 if alone else batch_size
    by_length: dict[int, list[int]] = defaultdict(list)
    for i, n in enumerate(lengths):
        by_length[padded_length(n, pad_to)].append(i)
    return [group[i : i + size] for n in sorted(by_length) for group in [by_length[n]]
            for i in range(0, len(group), size)]


class Prediction(NamedTuple):
    """One text's prediction: a label id per character (:data:`data.schema.LABELS` order) and its probability.

    >>> Prediction([1, 2, 0], [0.9, 0.8, 1.0]).tags
    ['B-METRIC', 'I-METRIC', 'O']
    """

    label_ids: list[int]
    probs: list[float]

    @property
    def tags(self) -> list[str]:
        """The IOB2 tags of the label ids. Each window was decoded into valid IOB2
        (:func:`decode_windows`), but where a long text's windows meet, an ``I-X`` may still follow
        ``O`` (:func:`data.schema.tags_to_spans` repairs that when spans are read off)."""
        return [id2label[i] for i in self.label_ids]


def predict(
    model,
    tokenizer,
    texts: Sequence[str],
    batch_size: int = 32,
    device: str | torch.device | None = None,
    max_length: int | None = None,
    stride: int | None = None,
    progress: bool = False,
    pad_to: int = 1,
) -> list[Prediction]:
    """Character label ids (:data:`data.schema.LABELS` order) and per-character confidence for
    each text; ``.tags`` of a :class:`Prediction` gives the IOB2 tags.

    Each window's tokens take the arg-max label, or the best valid IOB2 path where the arg-max
    breaks IOB2 (:func:`decode_windows`). The confidence of a character is the softmax
    probability of the tag its token was given; a span's
    confidence can be taken as the minimum over its characters. Characters no
    token covers are ``O`` with probability 1.0.

    Windows are batched by width (:func:`batch_windows`): their exact length, or with
    ``pad_to`` the next multiple of it, padded and masked; either way a window's width is its
    own, so a text's tags and confidences do not depend on the other texts or on ``batch_size``; a
    model whose activation quantisation shares one scale across its batch (one marked
    with :data:`QUANTIZES_PER_BATCH`) runs one window at a time. Where windows overlap, a token takes the prediction
    from the window in which it sits farthest from an edge (most context). The
    model's train/eval mode is restored afterwards, so this is safe to call in the
    middle of training.
    """
    if device is not None:
        model.to(device)
    # a module without parameters (an ONNX graph run by onnxruntime) takes CPU tensors
    device = next(model.parameters(), torch.empty(0)).device
    max_length = max_length or model_max_length(model, tokenizer)
    windows = encode_windows(tokenizer, texts, max_length, stride)
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0

    # A text in one window is read straight from it; a longer one token by token from
    # the windows window_sources picks.
    sources = window_sources(windows)
    direct: dict[int, tuple[list[tuple[int, int]], list[int], list[float]]] = {}
    rows_of: dict[int, tuple[list[int], list[float]]] = {}  # window index -> its predictions, for long texts
    batches = batch_windows([len(w.input_ids) for w in windows], batch_size,
                            alone=getattr(model, QUANTIZES_PER_BATCH, False), pad_to=pad_to)
    if progress:
        from tqdm.auto import tqdm

        batches = tqdm(batches, desc="predict", unit="batch")

    crf = getattr(getattr(model, "config", None), CRF_KEY, None)  # learned transitions (model.crf), if any
    was_training = model.training
    model.eval()
    try:
        with torch.inference_mode():
            for batch in batches:
                rows = [windows[i] for i in batch]
                # numpy fills padded rows from lists several times faster than torch.tensor(nested lists)
                width = padded_length(max(len(w.input_ids) for w in rows), pad_to)
                ids = np.full((len(rows), width), pad_id, dtype=np.int64)
                mask = np.zeros((len(rows), width), dtype=np.int64)
                types = np.zeros((len(rows), width), dtype=np.int64) if rows[0].token_type_ids is not None else None
                for row, w in enumerate(rows):
                    ids[row, : len(w.input_ids)] = w.input_ids
                    mask[row, : len(w.input_ids)] = 1
                    if types is not None:
                        types[row, : len(w.token_type_ids)] = w.token_type_ids
                inputs = {"input_ids": torch.from_numpy(ids).to(device), "attention_mask": torch.from_numpy(mask).to(device)}
                if types is not None:
                    inputs["token_type_ids"] = torch.from_numpy(types).to(device)
                # labels and their softmax probabilities in numpy: a few hundred numbers per window,
                # for which torch's thread pool costs more than the sums
                logits = model(**inputs).logits.float().cpu().numpy()
                top_id, top_p = decode_windows(logits, [len(w.input_ids) for w in rows], crf)
                for i, w, label_ids, probs in zip(batch, rows, top_id.tolist(), top_p.tolist()):
                    if w.text_index in sources:
                        rows_of[i] = (label_ids, probs)
                    else:  # CLS, SEP and padding left out
                        last = len(w.offsets) - 1
                        direct[w.text_index] = (w.offsets[1:last], label_ids[1:last], probs[1:last])
    finally:
        model.train(was_training)

    for index, picked in sources.items():
        offsets = sorted(picked)
        direct[index] = (offsets, [rows_of[picked[o][0]][0][picked[o][1]] for o in offsets],
                         [rows_of[picked[o][0]][1][picked[o][1]] for o in offsets])
    return [Prediction(*char_labels_and_probs(*direct.get(index, ([], [], [])), len(text)))
            for index, text in enumerate(texts)]
