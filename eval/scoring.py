"""Score predicted spans and records against gold, as ANNOTATION.md's "Scoring" defines it.

Pure functions on :class:`data.doccano.Example` lists:

- **entities**: character IOB2 tags (:func:`data.schema.spans_to_tags`) scored by seqeval in
  strict mode with the IOB2 scheme (:func:`train.metrics.entity_scores`); predicted tags are
  first repaired as training and inference read them (an ``I-X`` that continues nothing opens a span);
- **records**: a predicted record is right when a gold record of the same text has the same
  metric text, the same value (relative tolerance 1e-6) and the same unit; matching is one
  to one, so a predicted record never counts for two gold ones. ``value_unit`` does the same
  ignoring the metric;
- **error kinds** for error analysis: boundary errors, type confusions, misses and spurious
  spans at entity level; wrong values, wrong units, wrong links, missed and spurious records
  at record level (see :func:`span_errors` and :func:`record_errors`).

Gold and predictions are aligned by id: a gold text with no prediction scores as an empty
prediction (all misses); a prediction whose id is not in the gold is counted and ignored.

>>> gold = [Example("a", "办结3件", [Span(0, 2, "METRIC"), Span(2, 3, "VALUE"), Span(3, 4, "UNIT")],
...                 [Record("办结", 3, "件", "3件", value_span=(2, 3))])]
>>> pred = [Example("a", "办结3件", [Span(2, 3, "VALUE"), Span(3, 4, "UNIT")],
...                 [Record(None, 3, "件", "3件", value_span=(2, 3))])]
>>> result = score(gold, pred)
>>> result.report["VALUE"]["f1"], result.report["METRIC"]["recall"], result.report["record"]["f1"]
(1.0, 0.0, 0.0)
>>> result.report["value_unit"]["f1"], result.report["errors"]["miss"], result.report["errors"]["wrong_link"]
(1.0, 1, 1)
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Sequence

from data.doccano import Example
from data.schema import ENTITY_TYPES, Record, Span, spans_to_tags, tags_to_spans
from data.text import normalize_percent
from train.metrics import entity_scores

__all__ = [
    "REL_TOL",
    "ENTITY_ERRORS",
    "RECORD_ERRORS",
    "ERROR_KINDS",
    "SCORING",
    "Alignment",
    "TextResult",
    "Scores",
    "align",
    "repair_tags",
    "entity_report",
    "same_value",
    "same_record",
    "same_value_unit",
    "match_records",
    "span_errors",
    "boundary_shape",
    "BOUNDARY_SHAPES",
    "record_errors",
    "prf",
    "score",
]

REL_TOL = 1e-6
# Entity-level error kinds, one per gold span (boundary, type, miss) or predicted span (spurious).
ENTITY_ERRORS = ("boundary", "type", "miss", "spurious")
# Record-level error kinds, one per unmatched gold or predicted record.
RECORD_ERRORS = ("wrong_value", "wrong_unit", "wrong_link", "missed_record", "spurious_record")
ERROR_KINDS = ENTITY_ERRORS + RECORD_ERRORS
SCORING = ("entities: seqeval strict mode, IOB2 scheme, over character tags; records: metric text, "
           f"value (relative tolerance {REL_TOL:g}) and unit all equal, matched one to one per text; "
           "value_unit: the same ignoring the metric")


# ---------------------------------------------------------------------------------------------
# Alignment by id
# ---------------------------------------------------------------------------------------------


@dataclass
class Alignment:
    """Gold examples with their predictions (an empty prediction where none was given)."""

    pairs: list[tuple[Example, Example]]
    missing: list[str]  # gold ids with no prediction
    extra: list[str]  # prediction ids not in the gold


def align(gold: Sequence[Example], pred: Sequence[Example]) -> Alignment:
    """Pair each gold example with the prediction of the same id.

    A missing prediction becomes an empty one (no spans, no records); predictions with ids
    not in the gold are listed in ``extra`` and otherwise ignored. Duplicate ids, or a
    prediction whose text differs from its gold text, raise ValueError: offsets would then
    point at other characters.

    >>> g = [Example("a", "3件"), Example("b", "4条")]
    >>> a = align(g, [Example("b", "4条", [Span(0, 1, "VALUE")]), Example("z", "x")])
    >>> [(gold.id, len(p.spans)) for gold, p in a.pairs], a.missing, a.extra
    ([('a', 0), ('b', 1)], ['a'], ['z'])
    """
    seen: set[str] = set()
    for ex in gold:
        if ex.id in seen:
            raise ValueError(f"gold id {ex.id!r} appears more than once")
        seen.add(ex.id)
    by_id: dict[str, Example] = {}
    for ex in pred:
        if ex.id in by_id:
            raise ValueError(f"prediction id {ex.id!r} appears more than once")
        by_id[ex.id] = ex
    pairs, missing = [], []
    for ex in gold:
        p = by_id.get(ex.id)
        if p is None:
            missing.append(ex.id)
            p = Example(ex.id, ex.text, [], [])
        elif p.text != ex.text:
            raise ValueError(f"the prediction for id {ex.id!r} has a different text from the gold")
        pairs.append((ex, p))
    extra = [ex.id for ex in pred if ex.id not in seen]
    return Alignment(pairs, missing, extra)


# ---------------------------------------------------------------------------------------------
# Entities
# ---------------------------------------------------------------------------------------------


def repair_tags(tags: Sequence[str]) -> list[str]:
    """Tags with every ``I-X`` that continues nothing turned into ``B-X``.

    Strict seqeval would drop such a span; training's evaluation and the extractor both
    read it as a span (:func:`data.schema.tags_to_spans`), so the scorer does too. Spans the
    tags keep apart stay apart (``join_touching=False``): the scorer scores what it is given,
    while the extractor also joins touching spans of one type before it writes any.

    >>> repair_tags(["O", "I-VALUE", "I-VALUE", "I-UNIT", "B-UNIT"])
    ['O', 'B-VALUE', 'I-VALUE', 'B-UNIT', 'B-UNIT']
    """
    return spans_to_tags(tags_to_spans(tags, join_touching=False), len(tags))


def entity_report(gold_tags: Sequence[Sequence[str]], pred_tags: Sequence[Sequence[str]]) -> dict:
    """seqeval strict IOB2 scores (:func:`train.metrics.entity_scores`) after repairing the
    predicted tags; zeros everywhere when there are no texts."""
    if not gold_tags:
        zero = {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 0}
        return {"micro": dict(zero), **{kind: dict(zero) for kind in ENTITY_TYPES}}
    return entity_scores(gold_tags, [repair_tags(tags) for tags in pred_tags])


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


# ---------------------------------------------------------------------------------------------
# Records
# ---------------------------------------------------------------------------------------------


def same_value(a: Any, b: Any, rel_tol: float = REL_TOL) -> bool:
    """Equal within a relative tolerance (numbers), else plain equality.

    >>> same_value(0.1 + 0.2, 0.3), same_value(100, 100.00005), same_value(100, 100.001), same_value(0, 0.0)
    (True, True, False, True)
    """
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) \
            and not isinstance(a, bool) and not isinstance(b, bool):
        return math.isclose(a, b, rel_tol=rel_tol, abs_tol=0.0)
    return a == b


def _unit(unit: str | None) -> str | None:
    return normalize_percent(unit) if isinstance(unit, str) else unit


def same_value_unit(gold: Record, pred: Record) -> bool:
    return same_value(gold.value, pred.value) and _unit(gold.unit) == _unit(pred.unit)


def same_record(gold: Record, pred: Record) -> bool:
    """Same metric text, same value (relative tolerance 1e-6), same unit (％ ﹪ ℅ read as %)."""
    return gold.metric == pred.metric and same_value_unit(gold, pred)


def match_records(gold: Sequence[Record], pred: Sequence[Record],
                  same: Callable[[Record, Record], bool] = same_record) -> list[tuple[int, int]]:
    """One-to-one matches ``(gold index, pred index)``: each predicted record, in order, takes
    the first gold record it equals that no earlier prediction took.

    >>> g = [Record("办结", 3, "件", "3件")]
    >>> match_records(g, [Record("办结", 3, "件", "3件"), Record("办结", 3.0000001, "件", "3件")])
    [(0, 0)]
    """
    taken = [False] * len(gold)
    matches = []
    for j, p in enumerate(pred):
        for i, g in enumerate(gold):
            if not taken[i] and same(g, p):
                taken[i] = True
                matches.append((i, j))
                break
    return matches


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
        elif _unit(g.unit) != _unit(p.unit):
            kind = "wrong_unit"
        else:
            kind = "wrong_link"
        errors.append({"kind": kind, "gold": g, "pred": p})
    for j in free_pred:
        if j not in used_pred:
            errors.append({"kind": "spurious_record", "gold": None, "pred": pred[j]})
    return errors


# ---------------------------------------------------------------------------------------------
# Scores
# ---------------------------------------------------------------------------------------------


def prf(correct: int, predicted: int, gold: int) -> dict[str, float | int]:
    """Precision, recall and F1 from counts (0.0 where a denominator is 0).

    >>> prf(3, 4, 6)
    {'precision': 0.75, 'recall': 0.5, 'f1': 0.6, 'support': 6, 'predicted': 4, 'correct': 3}
    """
    precision = correct / predicted if predicted else 0.0
    recall = correct / gold if gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "support": gold, "predicted": predicted,
            "correct": correct}


@dataclass
class TextResult:
    """One gold text with its prediction, matches and errors."""

    gold: Example
    pred: Example
    pred_records: list[Record]
    has_prediction: bool
    record_matches: list[tuple[int, int]] = field(default_factory=list)
    value_unit_matches: list[tuple[int, int]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)

    @property
    def gold_records(self) -> list[Record] | None:
        return self.gold.records

    @property
    def source(self) -> Any:
        return self.gold.meta.get("source")

    @property
    def wrong(self) -> bool:
        return bool(self.errors)


@dataclass
class Scores:
    """The report (a JSON-ready dict) and the per-text results behind it."""

    report: dict[str, Any]
    texts: list[TextResult]


def _records_of(ex: Example, build: Callable[[str, list[Span]], list[Record]] | None) -> list[Record]:
    if ex.records is not None:
        return list(ex.records)
    if build is None or not ex.spans:
        return []
    return build(ex.text, ex.spans)


def _summary(results: Sequence[TextResult]) -> dict[str, Any]:
    gold_tags = [spans_to_tags(r.gold.spans, len(r.gold.text)) for r in results]
    pred_tags = [spans_to_tags(r.pred.spans, len(r.pred.text)) for r in results]
    entities = entity_report(gold_tags, pred_tags)
    predicted = Counter(s.label for r in results for s in r.pred.spans)
    correct = Counter(s.label for r in results for s in set(r.gold.spans) & set(r.pred.spans))
    out: dict[str, Any] = {}
    for kind in ENTITY_TYPES:
        out[kind] = {**entities[kind], "predicted": predicted[kind], "correct": correct[kind]}
    out["entity_micro"] = {**entities["micro"], "predicted": sum(predicted.values()),
                           "correct": sum(correct.values())}
    out["entity_micro_f1"] = entities["micro"]["f1"]
    scored = [r for r in results if r.gold_records is not None]
    n_gold = sum(len(r.gold_records) for r in scored)
    n_pred = sum(len(r.pred_records) for r in scored)
    out["record"] = prf(sum(len(r.record_matches) for r in scored), n_pred, n_gold)
    out["value_unit"] = prf(sum(len(r.value_unit_matches) for r in scored), n_pred, n_gold)
    out["texts"] = len(results)
    out["texts_with_errors"] = sum(1 for r in results if r.wrong)
    out["texts_without_gold_records"] = len(results) - len(scored)
    out["missing_predictions"] = sum(1 for r in results if not r.has_prediction)
    kinds = Counter(e["kind"] for r in results for e in r.errors)
    out["errors"] = {kind: kinds[kind] for kind in ERROR_KINDS}
    by_type: dict[str, dict[str, int]] = {kind: {t: 0 for t in ENTITY_TYPES} for kind in ENTITY_ERRORS}
    for r in results:
        for e in r.errors:
            if e["kind"] in ENTITY_ERRORS:
                by_type[e["kind"]][(e["gold"] or e["pred"]).label] += 1
    out["entity_errors_by_type"] = by_type
    shapes: dict[str, dict[str, int]] = {t: {shape: 0 for shape in BOUNDARY_SHAPES} for t in ENTITY_TYPES}
    for r in results:
        for e in r.errors:
            if e["kind"] == "boundary":
                shapes[e["gold"].label][boundary_shape(e["gold"], e["pred"])] += 1
    out["boundary_errors_by_shape"] = shapes
    return out


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


def score(gold: Sequence[Example], pred: Sequence[Example],
          build_records: Callable[[str, list[Span]], list[Record]] | None = None) -> Scores:
    """Score predictions against gold; see the module docstring for the rules.

    Gold texts whose ``records`` is None (the field is optional) take no part in record
    scoring (``texts_without_gold_records`` counts them). A prediction without ``records``
    gets them from ``build_records(text, spans)`` when given (``inference.build_records``,
    the extractor's own linker), else none. The report has per-type and micro entity scores,
    ``record`` and ``value_unit`` scores, counts of error kinds, and the same per gold
    ``source`` under ``per_source``.
    """
    alignment = align(gold, pred)
    missing = set(alignment.missing)
    results: list[TextResult] = []
    for g, p in alignment.pairs:
        pred_records = _records_of(p, build_records)
        result = TextResult(g, p, pred_records, g.id not in missing)
        result.errors = span_errors(g.spans, p.spans)
        if g.records is not None:
            result.record_matches = match_records(g.records, pred_records)
            result.value_unit_matches = match_records(g.records, pred_records, same_value_unit)
            result.errors += record_errors(g.records, pred_records, result.record_matches)
        results.append(result)
    report: dict[str, Any] = {"scoring": SCORING, **_summary(results)}
    report["extra_predictions"] = len(alignment.extra)
    report["extra_prediction_ids"] = alignment.extra[:20]
    groups: dict[str, list[TextResult]] = defaultdict(list)
    for r in results:
        if r.source is not None:
            groups[str(r.source)].append(r)
    report["per_source"] = {source: _summary(rs) for source, rs in sorted(groups.items())}
    return Scores(report, results)
