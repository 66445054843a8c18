"""Error kinds for error analysis: what went wrong with each unmatched span and record (:mod:`eval.scoring`).

Entity level: boundary errors, type confusions, misses and spurious spans
(:func:`span_errors`), boundary errors sorted by shape (:func:`boundary_shape`). Record level:
wrong values, wrong units, wrong links, missed and spurious records (:func:`record_errors`), wrong
links sorted by cause (:func:`link_cause`).

>>> [e["kind"] for e in span_errors([Span(0, 2, "METRIC")], [Span(0, 2, "VALUE"), Span(3, 4, "UNIT")])]
['type', 'spurious']
"""

from __future__ import annotations

from typing import Any, Iterable, Sequence

from govreport.data.schema import Record, Span
from govreport.eval.matching import same_unit, same_value

__all__ = ["ENTITY_ERRORS", "RECORD_ERRORS", "ERROR_KINDS", "BOUNDARY_SHAPES", "LINK_CAUSES", "span_errors",
           "boundary_shape", "record_errors", "link_cause"]

# Entity-level error kinds, one per gold span (boundary, type, miss) or predicted span (spurious).
ENTITY_ERRORS = ("boundary", "type", "miss", "spurious")
# Record-level error kinds, one per unmatched gold or predicted record.
RECORD_ERRORS = ("wrong_value", "wrong_unit", "wrong_link", "missed_record", "spurious_record")
ERROR_KINDS = ENTITY_ERRORS + RECORD_ERRORS


def _overlap(a: Span, b: Span) -> int:
    return min(a.end, b.end) - max(a.start, b.start)


def span_errors(gold: Sequence[Span], pred: Sequence[Span]) -> list[dict[str, Any]]:
    """The entity errors of one text, each ``{"kind", "gold", "pred"}`` (spans or None).

    Every gold span without an exact match (same type, same boundaries) is one error:
    ``type`` when a predicted span has its boundaries but another type, else ``boundary``
    when predicted spans overlap it (``pred`` is the one overlapping most), else ``miss``.
    Every predicted span that overlaps no gold span is ``spurious``.

    >>> gold = [Span(0, 4, "METRIC"), Span(4, 8, "VALUE"), Span(8, 9, "UNIT")]
    >>> pred = [Span(2, 4, "METRIC"), Span(4, 8, "VALUE"), Span(10, 11, "VALUE")]
    >>> [(e["kind"], e["gold"], e["pred"]) for e in span_errors(gold, pred)]   # doctest: +NORMALIZE_WHITESPACE
    [('boundary', Span(start=0, end=4, label='METRIC'), Span(start=2, end=4, label='METRIC')),
     ('miss', Span(start=8, end=9, label='UNIT'), None),
     ('spurious', None, Span(start=10, end=11, label='VALUE'))]
    """
    exact = set(pred)
    errors: list[dict[str, Any]] = []
    for g in gold:
        if g in exact:
            continue
        same_place = [p for p in pred if (p.start, p.end) == (g.start, g.end)]
        overlapping = [p for p in pred if _overlap(g, p) > 0]
        if same_place:
            errors.append({"kind": "type", "gold": g, "pred": same_place[0]})
        elif overlapping:
            errors.append({"kind": "boundary", "gold": g, "pred": max(overlapping, key=lambda p: _overlap(g, p))})
        else:
            errors.append({"kind": "miss", "gold": g, "pred": None})
    for p in pred:
        if not any(_overlap(g, p) > 0 for g in gold):
            errors.append({"kind": "spurious", "gold": None, "pred": p})
    return errors


# How a predicted span with the wrong boundaries sits on its gold span.
BOUNDARY_SHAPES = ("short", "long", "shifted")


def boundary_shape(gold: Span, pred: Span) -> str:
    """``short`` when the prediction lies inside the gold span (a name cut short), ``long``
    when it covers it (a name that swallows a modifier or object), else ``shifted``.

    >>> boundary_shape(Span(0, 6, "METRIC"), Span(2, 6, "METRIC")), boundary_shape(Span(2, 6, "METRIC"), Span(0, 6, "METRIC"))
    ('short', 'long')
    """
    if gold.start <= pred.start and pred.end <= gold.end:
        return "short"
    if pred.start <= gold.start and gold.end <= pred.end:
        return "long"
    return "shifted"


def record_errors(gold: Sequence[Record], pred: Sequence[Record],
                  matches: Iterable[tuple[int, int]]) -> list[dict[str, Any]]:
    """The record errors of one text, each ``{"kind", "gold", "pred"}`` (records or None).

    Records left unmatched on both sides are paired by their value spans (the same VALUE
    mention: spans overlap most), one to one. A pair is a ``wrong_value`` when the values
    differ, else a ``wrong_unit`` when the units do, else a ``wrong_link`` (the metric is
    wrong: another span, other boundaries or none). What stays unpaired is a
    ``missed_record`` (gold) or a ``spurious_record`` (predicted).

    >>> g = [Record("浏览量", 700000, "次", "七十万次", value_span=(5, 8))]
    >>> p = [Record(None, 700000, "次", "七十万次", value_span=(5, 8)), Record(None, 3, None, "3", value_span=(0, 1))]
    >>> [e["kind"] for e in record_errors(g, p, [])]
    ['wrong_link', 'spurious_record']
    """
    matched_gold = {i for i, _ in matches}
    matched_pred = {j for _, j in matches}
    free_gold = [i for i in range(len(gold)) if i not in matched_gold]
    free_pred = [j for j in range(len(pred)) if j not in matched_pred]
    candidates = []
    for i in free_gold:
        for j in free_pred:
            gs, ps = gold[i].value_span, pred[j].value_span
            if gs is not None and ps is not None:
                overlap = min(gs[1], ps[1]) - max(gs[0], ps[0])
                if overlap > 0:
                    candidates.append((-overlap, i, j))
    paired: dict[int, int] = {}
    used_pred: set[int] = set()
    for _, i, j in sorted(candidates):
        if i not in paired and j not in used_pred:
            paired[i] = j
            used_pred.add(j)
    errors: list[dict[str, Any]] = []
    for i in free_gold:
        if i not in paired:
            errors.append({"kind": "missed_record", "gold": gold[i], "pred": None})
            continue
        g, p = gold[i], pred[paired[i]]
        if not same_value(g.value, p.value):
            kind = "wrong_value"
        elif not same_unit(g.unit, p.unit):
            kind = "wrong_unit"
        else:
            kind = "wrong_link"
        errors.append({"kind": kind, "gold": g, "pred": p})
    for j in free_pred:
        if j not in used_pred:
            errors.append({"kind": "spurious_record", "gold": None, "pred": pred[j]})
    return errors


# Why a record with the right value and unit has the wrong metric.
LINK_CAUSES = ("linking", "metric_boundary", "metric_missing", "gold_null")


def link_cause(gold: Record, pred_spans: Sequence[Span]) -> str:
    """Why a ``wrong_link`` went wrong, from the gold record and the predicted spans: ``gold_null``
    when the gold record has no metric; ``linking`` when a predicted METRIC has the gold metric's
    exact offsets (the linker chose another span, or none); ``metric_boundary`` when one
    overlaps it with other boundaries; else ``metric_missing`` (no METRIC there).

    The extractor drops a METRIC no record takes (docs/annotation.md), so a gold metric the
    tagger found but the linker left unused counts as ``metric_missing``.

    >>> gold = Record("浏览量", 700000, "次", "七十万次", metric_span=(0, 3))
    >>> [link_cause(gold, spans) for spans in ([Span(0, 3, "METRIC")], [Span(1, 3, "METRIC")], [Span(0, 3, "UNIT")])]
    ['linking', 'metric_boundary', 'metric_missing']
    """
    if gold.metric_span is None:
        return "gold_null"
    start, end = gold.metric_span
    metrics = [s for s in pred_spans if s.label == "METRIC"]
    if any((s.start, s.end) == (start, end) for s in metrics):
        return "linking"
    if any(min(s.end, end) - max(s.start, start) > 0 for s in metrics):
        return "metric_boundary"
    return "metric_missing"
