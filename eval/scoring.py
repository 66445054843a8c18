"""Score predicted spans and records against gold, as ANNOTATION.md's "Scoring" defines it.

Pure functions on :class:`data.doccano.Example` lists:

- **entities**: character IOB2 tags (:func:`data.schema.spans_to_tags`) scored by seqeval in
  strict mode with the IOB2 scheme (:func:`train.metrics.entity_scores`); predicted tags are
  first repaired as training and inference read them (an ``I-X`` that continues nothing opens a span);
- **records**: a predicted record is right when a gold record of the same text has the same
  metric text, the same value (relative tolerance 1e-6) and the same unit; matching is one
  to one, so a predicted record never counts for two gold ones. ``value_unit`` does the same
  ignoring the metric (:mod:`eval.matching`);
- **error kinds** for error analysis: boundary errors, type confusions, misses and spurious
  spans at entity level; wrong values, wrong units, wrong links, missed and spurious records
  at record level (:mod:`eval.error_kinds`).

Their names are imported here, so callers of the scorer need only this module.

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

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

from govreport.data.doccano import Example
from govreport.data.schema import ENTITY_TYPES, Record, Span, spans_to_tags, tags_to_spans
from govreport.eval.error_kinds import (BOUNDARY_SHAPES, ENTITY_ERRORS, ERROR_KINDS, LINK_CAUSES, RECORD_ERRORS,
                                        boundary_shape, link_cause, record_errors, span_errors)
from govreport.eval.matching import REL_TOL, match_records, prf, same_record, same_value, same_value_unit
from govreport.train.metrics import entity_scores

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


# ---------------------------------------------------------------------------------------------
# Scores
# ---------------------------------------------------------------------------------------------


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
    causes = Counter(link_cause(e["gold"], r.pred.spans) for r in results for e in r.errors
                     if e["kind"] == "wrong_link")
    out["wrong_links_by_cause"] = {cause: causes[cause] for cause in LINK_CAUSES}
    return out


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
