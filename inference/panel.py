"""A panel of reports: one row per report, one column per metric key, with provenance kept.

``govreport extract`` writes, per document, its reports and their records; a record with
a ``metric_key`` (a table cell, or a prose record mapped onto a key) names a quantity that
reports share. :func:`build_panel` puts those side by side: each report's keyed values,
which of them fill the report's cell for a key (:func:`inference.crosschecks.is_level`:
table cells and prose levels, not changes, shares, ratios or ranks), the keys whose values
disagree (the cell stays empty and the conflict is listed, never resolved), the report's
cross-checks and, across reports, the carry-over check of one agency's consecutive years.
:mod:`inference.panel_cli` writes it as CSV files (docs/panel.md).

>>> doc = {"id": "a", "source": "a.txt", "reports": [{"title": "甲局2020年报告", "agency": "甲局", "year": 2020,
...        "records": [{"metric_key": "申请.本年新收.总计", "value": 5, "unit": "件", "origin": "table"},
...                    {"metric_key": "申请.本年新收.总计", "value": 5, "unit": "件", "origin": "prose"},
...                    {"metric_key": "申请.本年新收.总计", "value": 12.5, "unit": "%", "origin": "prose",
...                     "kind": "change"}]}]}
>>> panel = build_panel(read_reports(doc))
>>> panel.keys, panel.rows[0].cells, [v.note for v in panel.rows[0].values], panel.conflicts
(['申请.本年新收.总计'], {'申请.本年新收.总计': 5}, ['', '', 'kind change'], [])
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from govreport.data.errors import InputError
from govreport.inference.crosschecks import cross_check, is_level, same_value, year_checks
from govreport.inference.standard_keys import derive, key_order

logger = logging.getLogger(__name__)

__all__ = ["PanelReport", "PanelValue", "PanelRow", "Panel", "PanelInputError", "read_reports", "build_panel",
           "ID_COLUMNS"]

# The columns that name a report, first in every file the panel writes.
ID_COLUMNS = ("id", "source", "report", "agency", "year", "title")


class PanelInputError(InputError):
    """A JSONL line that is no extract output; the message says why."""


@dataclass
class PanelReport:
    """One report of an extract output: who and when, and its records (JSON objects)."""

    id: str
    source: str
    index: int | None   # its place among its document's reports; None: a document with no title line
    title: str | None
    agency: str | None
    year: int | None
    records: list[dict[str, Any]]    # its records with a metric_key (only those matter to a panel)
    confidences: list[float | None]  # per record: its own, else the lowest score of its spans

    def ident(self) -> dict[str, Any]:
        return {"id": self.id, "source": self.source, "report": self.index, "agency": self.agency,
                "year": self.year, "title": self.title}


def _pair(value: Any) -> tuple[int, int] | None:
    if isinstance(value, (list, tuple)) and len(value) == 2 and all(isinstance(v, int) for v in value):
        return int(value[0]), int(value[1])
    return None


def _scores(doc: Mapping[str, Any]) -> dict[tuple[int, int], float]:
    """(start, end) → confidence of each span the tagger kept (``label`` and ``scores``)."""
    out = {}
    for label, score in zip(doc.get("label") or [], doc.get("scores") or []):
        if isinstance(label, (list, tuple)) and len(label) >= 2 and isinstance(score, (int, float)):
            pair = _pair(list(label[:2]))
            if pair is not None:
                out[pair] = float(score)
    return out


def _confidence(record: Mapping[str, Any], scores: Mapping[tuple[int, int], float]) -> float | None:
    own = record.get("confidence")
    if isinstance(own, (int, float)) and not isinstance(own, bool):
        return float(own)
    found = [scores[p] for p in (_pair(record.get(k)) for k in ("metric_span", "value_span", "unit_span"))
             if p is not None and p in scores]
    return min(found) if found else None


def read_reports(doc: Any) -> list[PanelReport]:
    """The reports of one extract JSONL line (a dict); :class:`PanelInputError` if it is none.

    A document's records before its first title line (site clutter) belong to no report
    and are left out; a document with no title line at all is one report of its own, with
    ``index`` None. Only records with a ``metric_key`` are kept.
    """
    if not isinstance(doc, dict):
        raise PanelInputError("the line is not a JSON object")
    reports, loose = doc.get("reports", []), doc.get("records", [])
    if not isinstance(reports, list) or not isinstance(loose, list):
        raise PanelInputError("'reports' and 'records' must be lists (is this govreport extract's JSONL?)")
    if "reports" not in doc and "records" not in doc:
        raise PanelInputError("no 'reports' or 'records' (is this govreport extract's JSONL?)")
    doc_id = str(doc.get("id") if doc.get("id") is not None else doc.get("source", ""))
    source = str(doc.get("source") if doc.get("source") is not None else doc_id)
    scores = _scores(doc)
    parts = ([(i, r, r.get("records", [])) for i, r in enumerate(reports)] if reports
             else [(None, doc, loose)])
    out = []
    for index, report, records in parts:
        if not isinstance(report, dict) or not isinstance(records, list):
            raise PanelInputError(f"report {index} is not an object with a list of records")
        if not all(isinstance(r, dict) for r in records):
            raise PanelInputError(f"report {index} has a record that is not a JSON object")
        year = report.get("year")
        keyed = [r for r in records if r.get("metric_key")]  # memory holds keyed records only
        out.append(PanelReport(doc_id, source, index, report.get("title"), report.get("agency"),
                               year if isinstance(year, int) and not isinstance(year, bool) else None,
                               keyed, [_confidence(r, scores) for r in keyed]))
    return out


@dataclass
class PanelValue:
    """One keyed value of a report (a row of the long file)."""

    key: str
    value: float
    unit: str | None
    origin: str          # "table", "prose" or "derived" (a group total summed from printed cells)
    record: Mapping[str, Any]
    confidence: float | None
    in_panel: bool       # it fills (or, in a conflict, would fill) the report's cell of its key
    note: str = ""       # why not in the panel, or the cells a derived value sums


@dataclass
class PanelRow:
    """One report: its id fields, its keyed values, its cells (key → value) and conflicting keys."""

    report: PanelReport
    values: list[PanelValue] = field(default_factory=list)
    cells: dict[str, float] = field(default_factory=dict)
    conflicts: list[str] = field(default_factory=list)
    checks: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Panel:
    rows: list[PanelRow]
    keys: list[str]                    # the wide file's key columns, in order
    conflicts: list[tuple[PanelRow, str]]
    checks: list[dict[str, Any]]       # per report (cross-checks) and across years (carry-over)


def _values(report: PanelReport, derived: bool) -> list[PanelValue]:
    values = []
    for record, confidence in zip(report.records, report.confidences):
        key, value = record.get("metric_key"), record.get("value")
        if not key or not isinstance(value, (int, float)) or isinstance(value, bool):
            continue
        origin = str(record.get("origin") or "prose")
        level = is_level(record)
        note = "" if level else (f"kind {record['kind']}" if record.get("kind") else "percent with no kind")
        values.append(PanelValue(str(key), value, record.get("unit"), origin, record, confidence, level, note))
    if derived:
        printed = {}
        units = {}
        for v in values:
            if v.origin == "table":
                printed.setdefault(v.key, v.value)
                units.setdefault(v.key, v.unit)
        for key, (total, parts) in derive(printed).items():
            values.append(PanelValue(key, total, units.get(parts[0]), "derived", {}, None, True,
                                     "sum of " + " + ".join(parts)))
    return values


def _distinct(values: list[PanelValue]) -> list[PanelValue]:
    """The values that differ from each other (one per distinct quantity)."""
    out: list[PanelValue] = []
    for v in values:
        if not any(same_value(u.value, u.unit, v.value, v.unit) for u in out):
            out.append(v)
    return out


def build_panel(reports: Iterable[PanelReport], derived: bool = False) -> Panel:
    """The panel of ``reports``: rows, key columns, conflicts and checks.

    A report's cell for a key holds the value its level records agree on (a table cell
    and prose stating the same number agree); when they differ the cell stays empty and
    the key is a conflict of that report. ``derived`` adds the group totals summed from
    printed cells (:func:`inference.standard_keys.derive`) as values of origin "derived".
    """
    rows, seen, conflicts, checks = [], set(), [], []
    for report in reports:
        row = PanelRow(report, _values(report, derived))
        by_key: dict[str, list[PanelValue]] = {}
        for value in row.values:
            if value.in_panel:  # a key stated only as a change or share gets no column
                seen.add(value.key)
                by_key.setdefault(value.key, []).append(value)
        for key, values in by_key.items():
            distinct = _distinct(sorted(values, key=lambda v: v.origin != "table"))  # a table cell speaks first
            if len(distinct) == 1:
                row.cells[key] = distinct[0].value
            else:
                row.conflicts.append(key)
                conflicts.append((row, key))
                for value in values:
                    value.note = "conflict"
        row.checks = [{**report.ident(), **check.to_dict()} for check in cross_check(report.records)]
        checks += row.checks
        rows.append(row)
    checks += year_checks((row.report.ident(), row.report.agency, row.report.year, row.cells) for row in rows)
    return Panel(rows, key_order(seen), conflicts, checks)
