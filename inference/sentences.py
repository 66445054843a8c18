"""Sentences and clauses: the sentences records are linked within (:func:`sentence_bounds`),
the clauses inside them (:func:`clause_starts`), and the same sentences as the tagger gets
them, none too long (:func:`bounded_sentences`).

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

import re
from typing import Iterator, Sequence

from govreport.data.numbers import NUMERAL_CHARS
from govreport.data.schema import Span
from govreport.data.text import CLOSING_QUOTES, FULL_STOPS, SENTENCE_ENDS, split_sentences
from govreport.inference.spans import inside

__all__ = ["MAX_SENTENCE_CHARS", "bounded_sentences", "cut_long", "sentence_bounds", "clause_starts"]

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
    """:func:`sentence_bounds` of ``text``, a sentence longer than ``max_chars`` cut."""
    for start, end in sentence_bounds(text):
        if end - start <= max_chars:
            yield start, end
        else:
            yield from cut_long(text, start, end, max_chars)


_FULL_STOPS = frozenset(FULL_STOPS)


def sentence_bounds(text: str) -> list[tuple[int, int]]:
    """``[start, end)`` of the sentences records are linked within.

    These are :func:`data.text.split_sentences`' sentences, with the pieces it cuts at a
    semicolon joined again: a semicolon separates clauses, and a value with no metric of
    its own takes the metric of an earlier clause (ANNOTATION.md), also across it. Full
    stops, question and exclamation marks and line breaks end a sentence.

    >>> text = "生产总值100亿元;比上年增长5%。全年发文8件\\n其中3件"
    >>> [text[s:e] for s, e in sentence_bounds(text)]
    ['生产总值100亿元;比上年增长5%。', '全年发文8件', '其中3件']
    """
    out: list[tuple[int, int]] = []
    join = False
    for start, end in split_sentences(text):
        if join and "\n" not in text[out[-1][1]:start]:
            out[-1] = (out[-1][0], end)
        else:
            out.append((start, end))
        body = text[out[-1][0]:end].rstrip(CLOSING_QUOTES)
        run = body[len(body.rstrip(SENTENCE_ENDS)):]
        join = bool(run) and not _FULL_STOPS.intersection(run)
    return out


# Clause boundaries inside a sentence (ANNOTATION.md: linking falls back to the nearest
# preceding clause). A comma inside a number (1,100) is inside its VALUE span and ignored.
_CLAUSE_MARKS = re.compile(r"[，,；;：:]")


def clause_starts(text: str, start: int, end: int, spans: Sequence[Span]) -> list[int]:
    """Start offsets of the clauses of ``text[start:end]``, cut after ，,；;：: outside spans.

    ``spans`` must be sorted and not overlap (as :func:`inference.spans.clean_spans` returns them).

    >>> clause_starts("其中,信函申请13208宗,占27.5%", 0, 20, [])
    [0, 3, 14]
    """
    span_starts = [s.start for s in spans]
    out = [start]
    for m in _CLAUSE_MARKS.finditer(text, start, end):
        if inside(spans, span_starts, m.start()):
            continue
        if m.end() < end and m.end() != out[-1]:
            out.append(m.end())
    return out
