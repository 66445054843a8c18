"""What ``govreport evaluate`` writes (:mod:`eval.cli`): the scores as text or markdown, the error summary, the errors file.

>>> report = {"texts": 1, "per_source": {"a": {"texts": 1, "entity_micro": {"support": 0, "predicted": 0, "f1": 0.0},
...           "record": {"support": 2, "predicted": 1, "f1": 0.5}, "value_unit": {"support": 2, "predicted": 1, "f1": 1.0}}}}
>>> print(per_source_markdown(report).splitlines()[-1])
| a | 1 | 0 / 0 | – | 2 / 1 | 0.500 | 1.000 |
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterable

from govreport.data.doccano import atomic_write
from govreport.data.schema import Record, Span
from govreport.eval.scoring import ERROR_KINDS, TextResult

__all__ = ["error_line", "write_errors", "markdown_table", "per_source_markdown", "text_summary", "errors_summary"]


def _span_row(text: str, span: Span) -> list:
    return [span.start, span.end, span.label, text[span.start:span.end]]


def _record_row(record: Record) -> dict[str, Any]:
    row = {"metric": record.metric, "value": record.value, "unit": record.unit, "raw": record.raw}
    if record.value_span is not None:
        row["value_span"] = list(record.value_span)
    return row


def error_line(result: TextResult) -> dict[str, Any]:
    """One line of the errors file: the text, gold and predicted spans and records, and its errors."""
    text = result.gold.text

    def show(item):
        if item is None:
            return None
        return _span_row(text, item) if isinstance(item, Span) else _record_row(item)

    line: dict[str, Any] = {"id": result.gold.id}
    if result.source is not None:
        line["source"] = result.source
    line["text"] = text
    line["gold"] = {"label": [_span_row(text, s) for s in result.gold.spans],
                    "records": None if result.gold_records is None else [_record_row(r) for r in result.gold_records]}
    line["pred"] = {"label": [_span_row(text, s) for s in result.pred.spans],
                    "records": [_record_row(r) for r in result.pred_records]}
    if not result.has_prediction:
        line["missing_prediction"] = True
    line["errors"] = [{"kind": e["kind"], "gold": show(e["gold"]), "pred": show(e["pred"])} for e in result.errors]
    return line


def write_errors(path: str | Path, texts: Iterable[TextResult]) -> int:
    n = 0
    with atomic_write(path) as f:
        for result in texts:
            if result.wrong:
                f.write(json.dumps(error_line(result), ensure_ascii=False) + "\n")
                n += 1
    return n


def _rows(report: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [("METRIC", report["METRIC"]), ("VALUE", report["VALUE"]), ("UNIT", report["UNIT"]),
            ("entities (micro)", report["entity_micro"]), ("records", report["record"]),
            ("value + unit", report["value_unit"])]


def markdown_table(report: dict[str, Any], title: str) -> str:
    """The scores as a markdown table, with a caption saying how they were computed."""
    lines = [f"**{title}** — {report['texts']} texts. Entities: seqeval strict mode, IOB2 scheme, over "
             f"character tags. Records: metric, value (relative tolerance 1e-6) and unit all equal, "
             f"matched one to one.", "",
             "| | precision | recall | F1 | gold | predicted |", "|---|---:|---:|---:|---:|---:|"]
    for name, row in _rows(report):
        lines.append(f"| {name} | {row['precision']:.3f} | {row['recall']:.3f} | {row['f1']:.3f} | "
                     f"{row['support']} | {row['predicted']} |")
    return "\n".join(lines)


def _f1(row: dict[str, Any]) -> str:
    # A source with nothing to find and nothing found has no F1 (not 0).
    return "–" if not row["support"] and not row["predicted"] else f"{row['f1']:.3f}"


def per_source_markdown(report: dict[str, Any]) -> str:
    lines = ["| source | texts | entities (gold / predicted) | entity micro F1 | records (gold / predicted) | "
             "record F1 | value + unit F1 |", "|---|---:|---:|---:|---:|---:|---:|"]
    for source, r in report["per_source"].items():
        entities, records = r["entity_micro"], r["record"]
        lines.append(f"| {source} | {r['texts']} | {entities['support']} / {entities['predicted']} | {_f1(entities)} | "
                     f"{records['support']} / {records['predicted']} | {_f1(records)} | {_f1(r['value_unit'])} |")
    return "\n".join(lines)


def text_summary(report: dict[str, Any], title: str) -> str:
    lines = [f"{title}: {report['texts']} texts (seqeval strict mode, IOB2; records one to one, "
             f"value relative tolerance 1e-6)",
             f"{'':<18}{'precision':>10}{'recall':>10}{'F1':>10}{'gold':>8}{'pred':>8}"]
    for name, row in _rows(report):
        lines.append(f"{name:<18}{row['precision']:>10.3f}{row['recall']:>10.3f}{row['f1']:>10.3f}"
                     f"{row['support']:>8}{row['predicted']:>8}")
    return "\n".join(lines)


def errors_summary(report: dict[str, Any]) -> str:
    parts = [f"{kind} {report['errors'][kind]}" for kind in ERROR_KINDS]
    lines = ["errors: " + ", ".join(parts)]
    metric = report.get("boundary_errors_by_shape", {}).get("METRIC")
    if metric and any(metric.values()):
        lines.append("METRIC boundary errors: " + ", ".join(f"{shape} {n}" for shape, n in metric.items())
                     + " (short: cut inside the gold name; long: covers it; shifted: overlaps it)")
    causes = report.get("wrong_links_by_cause")
    if causes and any(causes.values()):
        lines.append("wrong links by cause: " + ", ".join(f"{cause} {n}" for cause, n in causes.items())
                     + " (linking: the gold metric span was predicted; metric_boundary: one overlapping it;"
                     " metric_missing: none; gold_null: the gold record has no metric)")
    lines.append(f"texts with errors: {report['texts_with_errors']} of {report['texts']}")
    notes = []
    if report["missing_predictions"]:
        notes.append(f"{report['missing_predictions']} gold texts had no prediction (scored as empty)")
    if report["extra_predictions"]:
        notes.append(f"{report['extra_predictions']} predictions had ids not in the gold (ignored)")
    if report["texts_without_gold_records"]:
        notes.append(f"{report['texts_without_gold_records']} gold texts have no records field (no record scoring; "
                     "`govreport doccano import` builds records from a doccano export's spans and relations)")
    return "\n".join(lines + notes)
