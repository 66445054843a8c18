"""The bridge between character tags (what annotation and scoring use) and model tokens.

Training turns character IOB2 tags into one label id per token
(:func:`align_labels`); inference turns token predictions back into one tag per
character (:func:`token_to_char_tags`). Both go through the tokenizer's offset
mapping, so they work for any fast tokenizer, not only a character one. Texts
longer than the model's window are cut into overlapping windows
(:func:`encode_windows`) and their predictions merged so every character gets a tag
(:func:`predict_tags`).

>>> offsets = [(0, 0), (0, 2), (2, 5), (5, 6), (0, 0)]   # [CLS] 办结 123 件 [SEP]
>>> tags = ["B-METRIC", "I-METRIC", "B-VALUE", "I-VALUE", "I-VALUE", "B-UNIT"]
>>> ids = align_labels(offsets, tags)
>>> ids
[-100, 1, 3, 5, -100]
>>> token_to_char_tags(offsets, ids, 6) == tags
True
"""

from __future__ import annotations

import json
import logging
import os
import re
import weakref
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Iterable, Sequence

import numpy as np
import torch

from data.schema import Span, id2label, label2id

logger = logging.getLogger(__name__)

# Label id that torch's cross-entropy ignores.
IGNORE_INDEX = -100

Offsets = Sequence[tuple[int, int]]


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
    if len(offsets) == length and IGNORE_INDEX not in token_label_ids and offsets == _unit_offsets(length):
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


def available_cores() -> int:
    """CPU cores this process may run on (torch's thread count for CPU work)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def clean_offsets(offsets: Offsets, text: str) -> list[tuple[int, int]]:
    """Offsets that cover only the characters each token stands for; ``(0, 0)`` for none.

    Sentencepiece tokenizers (the e5 base) report ``▁11`` over `` 11`` and a lone
    ``▁`` over the space, and their prepended ``▁`` repeats the offsets of the
    first real token. Unchanged, the first would label ``▁11`` with the space's
    ``O`` and the last would let an untrained token decide the first character.
    So whitespace at either end is dropped, and a token whose span equals the next
    token's is emptied. Character tokenizers pass through unchanged.

    >>> clean_offsets([(0, 0), (0, 1), (0, 1), (1, 4), (4, 5), (5, 6), (0, 0)], "占 11 条")
    [(0, 0), (0, 0), (0, 1), (2, 4), (0, 0), (5, 6), (0, 0)]
    """
    if _WHITESPACE.search(text) is None:  # the usual sentence: nothing to trim
        cleaned = [(start, end) if start < end else (0, 0) for start, end in offsets]
    else:
        cleaned = []
        for start, end in offsets:
            while start < end and text[start].isspace():
                start += 1
            while end > start and text[end - 1].isspace():
                end -= 1
            cleaned.append((start, end) if start < end else (0, 0))
    return [(0, 0) if span == after and span[0] < span[1] else span for span, after in zip(cleaned, cleaned[1:])] + cleaned[-1:]


_WHITESPACE = re.compile(r"\s")


@dataclass
class Window:
    """One model input: a slice of a text's tokens, with [CLS]/[SEP] added by the tokenizer."""

    text_index: int
    input_ids: list[int]
    offsets: list[tuple[int, int]]
    token_type_ids: list[int] | None = None


def encode_windows(tokenizer, texts: Sequence[str], max_length: int, stride: int | None = None) -> list[Window]:
    """Tokenize ``texts`` into windows of at most ``max_length`` tokens.

    A text that fits is one window. A longer one becomes several that overlap by
    ``stride`` tokens (default a quarter of the window), so every token appears in
    at least one window with some context on both sides. Offsets stay relative to
    the original text and are passed through :func:`clean_offsets`; tokens that
    stand for no character have ``(0, 0)``, like special tokens.
    """
    texts = list(texts)
    if tokenizer.cls_token_id is None or tokenizer.sep_token_id is None:
        raise ValueError("the tokenizer needs a CLS (or <s>) and a SEP (or </s>) token")
    inner = max_length - 2  # room for content tokens between CLS and SEP
    if inner < 2:
        raise ValueError(f"max_length {max_length} leaves no room for tokens")
    if stride is None:
        stride = max(1, max_length // 4)
    stride = min(stride, inner - 1)  # each window must advance by at least one token
    # Windows are cut here rather than by the tokenizer's overflow feature, whose
    # behaviour has changed between transformers releases (some dropped the tail).
    with_types = "token_type_ids" in tokenizer.model_input_names
    cls, sep = tokenizer.cls_token_id, tokenizer.sep_token_id
    windows = []
    for index, (ids, offsets) in enumerate(_ids_and_offsets(tokenizer, texts)):
        start = 0
        while True:
            piece = [cls] + ids[start:start + inner] + [sep]
            # CLS and SEP stand for no character: (0, 0), like clean_offsets' empty tokens.
            spans = [(0, 0)] + offsets[start:start + inner] + [(0, 0)]
            windows.append(Window(index, piece, spans, [0] * len(piece) if with_types else None))
            if start + inner >= len(ids):
                break
            start += inner - stride
    return windows


def _ids_and_offsets(tokenizer, texts: list[str]) -> list[tuple[list[int], list[tuple[int, int]]]]:
    """Token ids and character offsets (:func:`clean_offsets`) of each text, without special tokens.

    A character tokenizer's ids come from a lookup table (:class:`_CharEncoder`); other
    tokenizers, and texts the table cannot vouch for, go through the tokenizer.
    """
    chars = _char_encoder(tokenizer)
    if chars is None:
        return _tokenize(tokenizer, texts)
    unseen = chars.unseen(texts)
    if unseen:
        chars.learn(unseen)
    out: list = [chars.encode(text) for text in texts]
    hard = [i for i, ids in enumerate(out) if ids is None]
    for i, encoded in zip(hard, _tokenize(tokenizer, [texts[i] for i in hard])):
        out[i] = encoded
    return out


def _tokenize(tokenizer, texts: list[str]) -> list[tuple[list[int], list[tuple[int, int]]]]:
    """Ids and cleaned offsets from the tokenizer itself.

    The Rust tokenizer is called directly when there is one: ``tokenizer(...)`` gives the
    same ids and offsets but spends longer converting them to Python lists than the
    tokenizer spends tokenizing.
    """
    if not texts:
        return []
    backend = getattr(tokenizer, "backend_tokenizer", None)
    if backend is None or backend.truncation is not None or backend.padding is not None:
        encoded = tokenizer(texts, add_special_tokens=False, return_offsets_mapping=True, verbose=False)
        pairs = zip(encoded["input_ids"], encoded["offset_mapping"])
    else:
        pairs = ((e.ids, e.offsets) for e in backend.encode_batch(texts, add_special_tokens=False))
    return [(ids, clean_offsets(offsets, text)) for (ids, offsets), text in zip(pairs, texts)]


class _CharEncoder:
    """Token ids of a character WordPiece tokenizer, read from a table instead of the Rust tokenizer.

    With one token per character, tokenizing is a lookup per character, which Python does
    about five times faster than the Rust tokenizer hands back its encodings (22 ms
    against 120 ms for 51,233 characters). What each
    character becomes is learnt from the tokenizer itself the first time it is seen: its
    id alone and its id inside a word (``2018`` is ``2 ##0 ##1 ##8``, while a CJK
    character or a punctuation mark stands alone after anything), or, for a character
    that makes no token, whether it splits words (a space) or vanishes from between
    them (a control character). A text the table cannot vouch for (a special token's
    text, an unknown character inside a word, an overlong word) returns None and goes to
    the tokenizer.
    """

    def __init__(self, backend, unk_id: int, specials: Sequence[str], max_word: int, word_char: str):
        from tokenizers import Tokenizer

        # a copy of the Rust tokenizer, without the padding or truncation the original may carry
        self.backend = Tokenizer.from_str(backend.to_str())
        self.backend.no_padding()
        self.backend.no_truncation()
        self.unk_id, self.max_word, self.word_char = unk_id, max_word, word_char
        self.specials = re.compile("|".join(map(re.escape, specials))) if specials else None
        # The table: each character's kind, as a str.translate map (s stands alone, w is a
        # word character, - makes no token and splits words, + makes none and vanishes from
        # between them, ? is anything else), its id alone and its id inside a word.
        self.kinds: dict[int, str] = {}
        self.alone: dict[str, int] = {}
        self.after: dict[str, int] = {}
        self.word_runs = re.compile("(?!)")  # two or more word characters in a row

    def learn(self, chars: Iterable[str]) -> None:
        """Put ``chars`` in the table: three short texts each through the tokenizer, in one batch."""
        chars, w = list(chars), self.word_char
        encoded = self.backend.encode_batch([t for c in chars for t in (c, c + c, w + c + w)], add_special_tokens=False)
        for k, char in enumerate(chars):
            alone, twice, between = (e.ids for e in encoded[3 * k: 3 * k + 3])
            if len(alone) == 1:
                self.alone[char] = alone[0]
                if len(twice) == 2 and twice[1] == alone[0]:  # repeats itself: stands alone
                    kind = "s"
                else:  # a word character continues with its ## id, or makes the word [UNK]
                    kind = "w"
                    if len(twice) == 2:
                        self.after[char] = twice[1]
            elif not alone and len(between) == 2:
                kind = "-" if between[0] == between[1] else "+"
            else:
                kind = "?"
            self.kinds[ord(char)] = kind
        words = sorted(chr(c) for c, kind in self.kinds.items() if kind == "w")
        self.word_runs = re.compile(f"[{''.join(map(re.escape, words))}]{{2,}}" if words else "(?!)")

    def unseen(self, texts: Iterable[str]) -> set[str]:
        """The characters of ``texts`` not in the table yet."""
        return {c for c in set("".join(texts)) if ord(c) not in self.kinds}

    def encode(self, text: str) -> tuple[list[int], list[tuple[int, int]]] | None:
        """Ids and offsets of ``text``, whose characters must all be in the table; None to ask the tokenizer."""
        if self.specials is not None and self.specials.search(text):
            return None
        try:
            ids = list(map(self.alone.__getitem__, text))
        except KeyError:  # a character that makes no token
            return self._encode_slowly(text)
        for word in self.word_runs.finditer(text):  # 2018: 2 ##0 ##1 ##8
            start, end = word.span()
            rest = text[start + 1:end]
            if ids[start] == self.unk_id or end - start > self.max_word or not self.after.keys() >= set(rest):
                return None  # WordPiece reads the whole word as [UNK]
            ids[start + 1:end] = map(self.after.__getitem__, rest)
        return ids, _unit_offsets(len(text))

    def _encode_slowly(self, text: str) -> tuple[list[int], list[tuple[int, int]]] | None:
        """:meth:`encode` for a text with characters that make no token (spaces, control characters)."""
        kinds = text.translate(self.kinds)
        if "?" in kinds:
            return None
        ids, kept = [], []
        word_first, word_len = -1, 0  # the current word's first token, -1 between words; its length
        for i, (char, kind) in enumerate(zip(text, kinds)):
            if kind == "-":
                word_first = -1
            elif kind == "s":
                kept.append(i)
                ids.append(self.alone[char])
                word_first = -1
            elif kind == "w":
                kept.append(i)
                if word_first < 0:
                    word_first, word_len = len(ids), 1
                    ids.append(self.alone[char])
                    continue
                word_len += 1
                if char not in self.after or ids[word_first] == self.unk_id or word_len > self.max_word:
                    return None
                ids.append(self.after[char])
        unit = _unit_offsets(len(text))
        return ids, [unit[i] for i in kept]


_UNIT_OFFSETS: list[tuple[int, int]] = []


def _unit_offsets(n: int) -> list[tuple[int, int]]:
    """``[(0, 1), (1, 2), ..., (n - 1, n)]``, sliced from a shared list."""
    if n > len(_UNIT_OFFSETS):
        _UNIT_OFFSETS.extend((i, i + 1) for i in range(len(_UNIT_OFFSETS), max(n, 2 * len(_UNIT_OFFSETS))))
    return _UNIT_OFFSETS[:n]


_CHAR_ENCODERS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def _char_encoder(tokenizer) -> _CharEncoder | None:
    """The lookup encoder of a character WordPiece tokenizer (:mod:`model.char_encoder`'s), else None.

    That is a vocabulary of single characters and ``##`` + one character, a BERT
    normaliser that neither lowercases nor strips accents (so no character turns into
    several) and BERT's pre-tokenizer. Decided once per tokenizer.
    """
    if tokenizer not in _CHAR_ENCODERS:
        backend = getattr(tokenizer, "backend_tokenizer", None)
        spec = json.loads(backend.to_str()) if backend is not None else {}
        model, norm, pre = spec.get("model") or {}, spec.get("normalizer") or {}, spec.get("pre_tokenizer") or {}
        specials = [t["content"] for t in spec.get("added_tokens") or []]
        vocab = model.get("vocab") or {}
        char_level = (
            model.get("type") == "WordPiece" and model.get("unk_token") in vocab
            and norm.get("type") == "BertNormalizer" and not norm.get("lowercase") and not norm.get("strip_accents")
            and pre.get("type") == "BertPreTokenizer"
            and all(len(t) == 1 or (len(t) == 3 and t.startswith("##")) for t in vocab if t not in specials)
        )
        # a character that can continue a word, to learn what a space or a control character does inside one
        word_char = next((t[2:] for t in vocab if t.startswith("##") and t[2:] in vocab), None) if char_level else None
        chars = None
        if word_char:
            chars = _CharEncoder(backend, vocab[model["unk_token"]], specials,
                                 model.get("max_input_chars_per_word", 100), word_char)
        _CHAR_ENCODERS[tokenizer] = chars
    return _CHAR_ENCODERS[tokenizer]


def window_sources(windows: Sequence[Window]) -> dict[int, dict[tuple[int, int], tuple[int, int]]]:
    """For each text cut into several windows: each token's offsets -> (window index, position in it).

    A token in the overlap of two windows is read from the one in which it sits farthest
    from an edge (most context on its shorter side); the first such window wins ties.
    Texts that fit one window are left out: every token comes from that window.

    >>> ws = [Window(0, [2, 7, 8, 9, 3], [(0, 0), (0, 1), (1, 2), (2, 3), (0, 0)]),
    ...       Window(0, [2, 8, 9, 5, 3], [(0, 0), (1, 2), (2, 3), (3, 4), (0, 0)]),
    ...       Window(1, [2, 4, 3], [(0, 0), (0, 1), (0, 0)])]
    >>> window_sources(ws)
    {0: {(0, 1): (0, 1), (1, 2): (0, 2), (2, 3): (1, 2), (3, 4): (1, 3)}}
    """
    counts = Counter(w.text_index for w in windows)
    sources: dict[int, dict[tuple[int, int], tuple[int, int]]] = defaultdict(dict)
    best_context: dict[tuple[int, tuple[int, int]], int] = {}
    for i, w in enumerate(windows):
        if counts[w.text_index] == 1:
            continue
        content = [k for k, (s, e) in enumerate(w.offsets) if s < e]
        if not content:
            continue
        first, last = content[0], content[-1]
        for k in content:
            context, key = min(k - first, last - k), (w.text_index, w.offsets[k])
            if key not in best_context or context > best_context[key]:
                best_context[key] = context
                sources[w.text_index][w.offsets[k]] = (i, k)
    return dict(sources)


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


def batch_windows(lengths: Sequence[int], batch_size: int, alone: bool = False) -> list[list[int]]:
    """Window indices in batches of one exact length each, shortest first, at most ``batch_size`` per batch.

    Padding would put other rows' lengths into a row's computation (its attention width, and
    for an int8 graph the range its activations are quantised over), so a batch takes only
    windows of one length; ``alone`` makes every batch a single window.

    >>> batch_windows([3, 5, 3, 3, 5], 2)
    [[0, 2], [3], [1, 4]]
    >>> batch_windows([3, 5, 3], 8, alone=True)
    [[0], [2], [1]]
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, not {batch_size}")
    size = 1 if alone else batch_size
    by_length: dict[int, list[int]] = defaultdict(list)
    for i, n in enumerate(lengths):
        by_length[n].append(i)
    return [group[i : i + size] for n in sorted(by_length) for group in [by_length[n]]
            for i in range(0, len(group), size)]


def predict_tags_with_probs(
    model,
    tokenizer,
    texts: Sequence[str],
    batch_size: int = 32,
    device: str | torch.device | None = None,
    max_length: int | None = None,
    stride: int | None = None,
    progress: bool = False,
) -> list[tuple[list[str], list[float]]]:
    """Character tags and per-character confidence for each text (:func:`predict_labels_with_probs`, as tags)."""
    predicted = predict_labels_with_probs(model, tokenizer, texts, batch_size, device, max_length, stride, progress)
    return [([id2label[i] for i in label_ids], probs) for label_ids, probs in predicted]


def predict_labels_with_probs(
    model,
    tokenizer,
    texts: Sequence[str],
    batch_size: int = 32,
    device: str | torch.device | None = None,
    max_length: int | None = None,
    stride: int | None = None,
    progress: bool = False,
) -> list[tuple[list[int], list[float]]]:
    """Character label ids (:data:`data.schema.LABELS` order) and per-character confidence for each text.

    The confidence of a character is the softmax probability of the tag its token
    was given (the arg-max, so the largest class probability); a span's
    confidence can be taken as the minimum over its characters. Characters no
    token covers are ``O`` with probability 1.0.

    Windows are batched by exact length (:func:`batch_windows`), so no row is padded and a
    text's tags and confidences do not depend on the other texts or on ``batch_size``; a
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
                            alone=getattr(model, QUANTIZES_PER_BATCH, False))
    if progress:
        from tqdm.auto import tqdm

        batches = tqdm(batches, desc="predict", unit="batch")

    was_training = model.training
    model.eval()
    try:
        with torch.inference_mode():
            for batch in batches:
                rows = [windows[i] for i in batch]
                # numpy fills padded rows from lists several times faster than torch.tensor(nested lists)
                width = max(len(w.input_ids) for w in rows)
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
                # arg-max and its softmax probability, 1 / sum(exp(logits - max)), in numpy: a few
                # hundred numbers per window, for which torch's thread pool costs more than the sums
                logits = model(**inputs).logits.float().cpu().numpy()
                top_id = logits.argmax(-1)
                top_p = 1.0 / np.exp(logits - logits.max(-1, keepdims=True)).sum(-1)
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
    return [char_labels_and_probs(*direct.get(index, ([], [], [])), len(text)) for index, text in enumerate(texts)]


def predict_tags(
    model,
    tokenizer,
    texts: Sequence[str],
    batch_size: int = 32,
    device: str | torch.device | None = None,
    max_length: int | None = None,
    stride: int | None = None,
    progress: bool = False,
) -> list[list[str]]:
    """IOB2 tags, one per character, for each text (see :func:`predict_tags_with_probs`).

    Tags are the model's raw arg-max; an ``I-X`` may follow ``O``.
    :func:`data.schema.tags_to_spans` repairs that when spans are read off.
    """
    return [
        tags
        for tags, _ in predict_tags_with_probs(model, tokenizer, texts, batch_size, device, max_length, stride, progress)
    ]
