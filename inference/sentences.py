"""Sentences as the tagger gets them: :func:`inference.records.sentence_bounds`, none too long.

A text with no sentence end (a 5 MB line with no punctuation, a run of 100,000 numerals)
would otherwise reach the tagger and the records builder as one sentence, and every
per-character list built for it (token ids, offsets, label probabilities, span repair)
would grow with it: 250,000 characters took some 220 MB. Real report sentences are short
(the longest in ``../shared/corpus`` is 377 characters: see docs/input.md), so a sentence
longer than :data:`MAX_SENTENCE_CHARS` is cut into pieces of at most that length, at the
last clause mark or space in the second half of each piece, else between two characters
that are not both part of a number, else anywhere. Records are not linked across such a
cut; no real sentence is near the bound.

>>> text = "共3件。" + "甲乙，" * 4
>>> [text[s:e] for s, e in bounded_sentences(text, max_chars=8)]
['共3件。', '甲乙，甲乙，', '甲乙，甲乙，']
"""

from __future__ import annotations

from typing import Iterator

from data.numbers import NUMERAL_CHARS
from inference.records import sentence_bounds

__all__ = ["MAX_SENTENCE_CHARS", "bounded_sentences", "cut_long"]

MAX_SENTENCE_CHARS = 2000

# Where a long sentence is best cut: after a clause mark or a space.
_CLAUSE_ENDS = frozenset("，,；;：:、 \t\u3000")


def _number_char(c: str) -> bool:
    return c.isdigit() or c in NUMERAL_CHARS or c in ".．,，%％"


def cut_long(text: str, start: int, end: int, max_chars: int = MAX_SENTENCE_CHARS) -> Iterator[tuple[int, int]]:
    """``[start, end)`` of ``text`` as pieces of at most ``max_chars`` characters.

    >>> list(cut_long("一二三四五六七八九十件", 0, 11, max_chars=4))
    [(0, 4), (4, 8), (8, 11)]
    """
    if max_chars < 2:
        raise ValueError(f"max_chars must be at least 2, not {max_chars}")
    while end - start > max_chars:
        limit = start + max_chars
        floor = start + max_chars // 2
        cut = next((k for k in range(limit, floor, -1) if text[k - 1] in _CLAUSE_ENDS), None)
        if cut is None:
            cut = next((k for k in range(limit, floor, -1)
                        if not (_number_char(text[k - 1]) and _number_char(text[k]))), limit)
        yield start, cut
        start = cut
    if end > start:
        yield start, end


def bounded_sentences(text: str, max_chars: int = MAX_SENTENCE_CHARS) -> Iterator[tuple[int, int]]:
    """:func:`inference.records.sentence_bounds` of ``text``, a sentence longer than ``max_chars`` cut."""
    for start, end in sentence_bounds(text):
        if end - start <= max_chars:
            yield start, end
        else:
            yield from cut_long(text, start, end, max_chars)
