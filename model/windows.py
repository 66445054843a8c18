"""Texts as model inputs: tokens with character offsets, cut into overlapping windows.

Texts longer than the model's window are cut into windows that overlap
(:func:`encode_windows`); :func:`window_sources` says which window each token of such a
text is read from. Offsets always index the original text (:func:`clean_offsets`).

>>> clean_offsets([(0, 0), (0, 1), (1, 3)], "办结3")
[(0, 0), (0, 1), (1, 3)]
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Sequence

from govreport.data.text import FULLWIDTH_TO_ASCII, RADICAL_FORMS, TRADITIONAL_ONLY
from govreport.model.char_lookup import char_lookup

__all__ = ["Offsets", "READ_AS", "Window", "clean_offsets", "encode_windows", "window_sources"]

Offsets = Sequence[tuple[int, int]]


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


# What a model reads in place of a character: a character only traditional script writes as its
# simplified form (data.text.TRADITIONAL_ONLY: a vocabulary learnt from simplified text may lack 兩
# while it holds 两, and a model of this genre has seen far more 开 than 開), a full-width form as
# its ASCII one (，１２％ as ,12%: what e5's normaliser does itself and the real training text
# writes, while the character model's vocabulary holds both), a radical a PDF reader gave back for
# a character as that character (data.text.RADICAL_FORMS: 部⻔ as 部门, ⼗ as 十). Simplified ASCII
# text is read as written.
READ_AS = {**TRADITIONAL_ONLY, **FULLWIDTH_TO_ASCII, **RADICAL_FORMS}


def _ids_and_offsets(tokenizer, texts: list[str]) -> list[tuple[list[int], list[tuple[int, int]]]]:
    """Token ids and character offsets (:func:`clean_offsets`) of each text, without special tokens.

    Each character is read in one form (:data:`READ_AS`, one for one, so offsets hold), in
    training as in inference. A character tokenizer's ids come from a lookup table
    (:class:`model.char_lookup.CharLookup`); other tokenizers, and texts the table cannot vouch
    for, go through the tokenizer.
    """
    texts = [text.translate(READ_AS) for text in texts]
    chars = char_lookup(tokenizer)
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
