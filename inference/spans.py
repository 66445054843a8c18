"""Spans as the record builder wants them: trimmed of punctuation, read off character tags.

A tagger's spans now and then take in a space, a comma or a full stop at an edge; records
want the name, the number and the unit alone. The tags a model predicts become spans here,
through :func:`data.schema.codes_to_spans`, the one tag decoder.

>>> clean_spans("“同意公开答复”781件,", [Span(0, 8, "METRIC"), Span(8, 11, "VALUE"), Span(11, 13, "UNIT")])
[Span(start=1, end=7, label='METRIC'), Span(start=8, end=11, label='VALUE'), Span(start=11, end=12, label='UNIT')]
"""

from __future__ import annotations

import bisect
import functools
import unicodedata
from typing import Sequence

from govreport.data.schema import LABELS, TAG_CODES, Span, codes_to_spans, tags_to_codes

__all__ = ["clean_spans", "clean_scored_spans", "spans_from_tags", "spans_from_labels", "inside"]

# Each opening bracket or quote and the marks that close it. Real text mixes widths and shapes
# (“三公"经费, 县(市、区）), so a straight quote or a half-width bracket closes its curly or
# full-width twin too.
_PAIRS = {"“": "”\"", "‘": "’'", "「": "」", "『": "』", "《": "》", "〈": "〉", "(": ")）", "（": "）)",
          "[": "]", "【": "】", "〔": "〕", '"': '"”', "'": "'’"}
_CLOSERS = {close: "".join(open_ for open_, closes in _PAIRS.items() if close in closes)
            for close in dict.fromkeys("".join(_PAIRS.values()))}
# Signs a VALUE may start with and symbols a VALUE or UNIT may end with; all other
# punctuation at a span's edge is trimmed.
_SIGNS = frozenset("-−－+＋")
_POINTS = frozenset(".．")
_PERCENT = frozenset("%％‰‱﹪")
_EDGE_SYMBOLS = frozenset("•·・…—～~|/\\*#@^_=`")


def _holds_any(text: str, marks: str) -> bool:
    return any(m in text for m in marks)


@functools.lru_cache(maxsize=8192)
def _is_edge_junk(c: str) -> bool:
    return c.isspace() or c in _EDGE_SYMBOLS or unicodedata.category(c)[0] in "PZC"


def _trim(text: str, span: Span) -> Span | None:
    """``span`` without spaces and punctuation at its edges; None when nothing is left.

    A bracket or quote stays when its partner is inside the span (【“最多跑一次”事项】,
    【县(市、区)】); a VALUE keeps a leading sign or decimal point (.5), a VALUE or UNIT a trailing %.
    """
    start, end = span.start, span.end
    if not _is_edge_junk(text[start]) and not _is_edge_junk(text[end - 1]):
        return span  # the common case
    while start < end:
        c = text[start]
        if not _is_edge_junk(c):
            break
        if c in _PAIRS and _holds_any(text[start + 1:end], _PAIRS[c]):
            break
        if span.label == "VALUE" and c in _SIGNS and start + 1 < end and not _is_edge_junk(text[start + 1]):
            break
        if span.label == "VALUE" and c in _POINTS and start + 1 < end and text[start + 1].isdecimal():
            break  # a decimal with no leading zero (.5)
        if span.label == "UNIT" and c in _PERCENT:
            break
        start += 1
    while end > start:
        c = text[end - 1]
        if not _is_edge_junk(c):
            break
        if c in _CLOSERS and _holds_any(text[start:end - 1], _CLOSERS[c]):
            break
        if span.label != "METRIC" and c in _PERCENT:
            break
        end -= 1
    if start >= end:
        return None
    if end - start > 2 and text[start] in _PAIRS and text[end - 1] in _PAIRS[text[start]] \
            and not _holds_any(text[start + 1:end - 1], _PAIRS[text[start]]):
        # Quotes wrapping the whole name stay outside it (“【同意公开答复】”).
        return _trim(text, Span(start + 1, end - 1, span.label))
    return span if (start, end) == (span.start, span.end) else Span(start, end, span.label)


def clean_spans(text: str, spans: Sequence[Span]) -> list[Span]:
    """Sorted spans with spaces and punctuation trimmed off, empty ones dropped.

    Overlapping spans (never produced by tags, possible in hand-made lists) keep the
    earlier one.

    >>> text = "“同意公开答复”781件,"
    >>> clean_spans(text, [Span(0, 8, "METRIC"), Span(8, 11, "VALUE"), Span(11, 13, "UNIT")])
    [Span(start=1, end=7, label='METRIC'), Span(start=8, end=11, label='VALUE'), Span(start=11, end=12, label='UNIT')]
    """
    return clean_scored_spans(text, spans, [1.0] * len(spans))[0]


def clean_scored_spans(text: str, spans: Sequence[Span], scores: Sequence[float]
                       ) -> tuple[list[Span], list[float]]:
    """:func:`clean_spans` for spans with one score each; a trimmed span keeps its score."""
    out: list[Span] = []
    kept: list[float] = []
    for span, score in sorted(zip(spans, scores), key=lambda pair: pair[0]):
        trimmed = _trim(text, span)
        if trimmed is None or (out and trimmed.start < out[-1].end):
            continue
        out.append(trimmed)
        kept.append(score)
    return out, kept


# The tag letters by label id, as a bytes.translate table (a model predicts ids).
_LABEL_CODE = bytes.maketrans(bytes(range(len(LABELS))), "".join(TAG_CODES[tag] for tag in LABELS).encode("ascii"))


def spans_from_tags(text: str, tags: Sequence[str], probs: Sequence[float] | None = None
                    ) -> tuple[list[Span], list[float]]:
    """Repaired, trimmed spans from character IOB2 tags, with one confidence per span.

    A span's confidence is the lowest probability of its characters (1.0 without ``probs``).

    >>> spans_from_tags("办结 3件", ["B-METRIC", "I-METRIC", "O", "I-VALUE", "B-UNIT"], [0.9, 0.8, 1, 0.7, 0.95])
    ([Span(start=0, end=2, label='METRIC'), Span(start=3, end=4, label='VALUE'), Span(start=4, end=5, label='UNIT')], [0.8, 0.7, 0.95])
    """
    return _spans_from_codes(text, tags_to_codes(tags), probs)


def spans_from_labels(text: str, label_ids: Sequence[int], probs: Sequence[float] | None = None
                      ) -> tuple[list[Span], list[float]]:
    """:func:`spans_from_tags` for label ids in :data:`data.schema.LABELS` order (what a model predicts).

    >>> spans_from_labels("办结3件", [1, 2, 3, 5])[0]
    [Span(start=0, end=2, label='METRIC'), Span(start=2, end=3, label='VALUE'), Span(start=3, end=4, label='UNIT')]
    """
    return _spans_from_codes(text, bytes(label_ids).translate(_LABEL_CODE).decode("ascii"), probs)


def _spans_from_codes(text: str, codes: str, probs: Sequence[float] | None) -> tuple[list[Span], list[float]]:
    spans, scores = [], []
    # touching spans of one type join (data.schema.tags_to_spans' default): they never touch in the annotation
    for span in codes_to_spans(codes, join_touching=True):
        span = _trim(text, span)
        if span is None:
            continue
        spans.append(span)
        scores.append(round(float(min(probs[span.start:span.end])), 4) if probs is not None else 1.0)
    return spans, scores


def inside(spans: Sequence[Span], starts: Sequence[int], pos: int) -> bool:
    """Whether ``pos`` lies inside one of the sorted, non-overlapping ``spans`` (``starts`` their starts).

    >>> inside([Span(2, 4, "VALUE")], [2], 3), inside([Span(2, 4, "VALUE")], [2], 4)
    (True, False)
    """
    j = bisect.bisect_right(starts, pos) - 1
    return j >= 0 and spans[j].end > pos
