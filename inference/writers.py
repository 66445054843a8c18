"""Write extraction results as JSON Lines (one line per document) or CSV (one row per record).

A JSONL line nests document -> reports -> records; a CSV row names its record's report,
section and origin (docs/output-format.md has both shapes, with examples).

Writers consume the events of :meth:`inference.extract.Extractor.stream`. Each document is
collected in spooled temporary files (memory first, disk once large) and written only when
it ends without error, so a failed document leaves nothing half-written, and a 10 MB report
never needs its records in memory at once. :func:`open_writer` writes a named file
atomically (:class:`data.atomic.atomic_write`, the contract in docs/output.md): an
interrupted run leaves no output file, or the previous complete one.

CSV files are UTF-8 with a byte-order mark, so spreadsheet programs open Chinese text
correctly; CSV on standard output has no BOM. A text cell a spreadsheet would run as a
formula (it starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return, as a file
name or a sentence may) is written with a leading ``'`` (:func:`csv_cell`); numbers stay
numbers.
"""

from __future__ import annotations

import contextlib
import csv
import json
import re
import shutil
import sys
import tempfile
from typing import IO, Any, Iterable, Iterator

from govreport.data.atomic import atomic_write
from govreport.data.schema import Record
from govreport.inference.extract import DocEnd, DocStart, Piece
from govreport.inference.reports import check_dict
from govreport.inference.kinds import FIELDS

__all__ = ["JsonlWriter", "CsvWriter", "open_writer", "csv_cell", "FORMATS", "CSV_COLUMNS", "DOC_FIELDS",
           "REPORT_COLUMNS", "PROVENANCE_FIELDS"]

FORMATS = ("jsonl", "csv")
DOC_FIELDS = ("id", "source", "title", "agency", "year")
# A CSV row's report is its record's (empty before a document's first title), not the
# document's first title line.
REPORT_COLUMNS = ("report_title", "report_agency", "report_year", "section")
CSV_COLUMNS = ("id", "source") + REPORT_COLUMNS + (
    "origin", "metric_key", "column",
    "metric", "value", "value_min", "value_max", "unit", "raw", "qualifier", "approximate", *FIELDS,
    "value_start", "value_end", "unit_start", "unit_end", "metric_start", "metric_end",
    "sentence", "sentence_start", "sentence_end",
    # the value span's confidence (prose records; empty for table cells), and what made the row
    "confidence", "model", "govreport_version",
)
# What every JSONL line and CSV row names besides its document: Extractor.provenance().
PROVENANCE_FIELDS = ("model", "govreport_version")
_SPOOL_BYTES = 4 << 20


def _spool() -> IO[str]:
    return tempfile.SpooledTemporaryFile(max_size=_SPOOL_BYTES, mode="w+", encoding="utf-8", newline="")


def _doc_fields(doc) -> dict[str, Any]:
    return {"id": doc.id, "source": doc.source, **{k: doc.meta.get(k) for k in ("title", "agency", "year")}}


class JsonlWriter:
    """One JSON object per document: id, source, title, agency, year, label, scores, checks,
    reports (each with its title, agency, year, offsets, checks and records) and records
    (those before the document's first title).

    ``label`` is doccano's ``[start, end, TYPE]`` list into the document's text and
    ``scores`` holds one confidence per label. With ``include_text`` the text is written too
    (as ``text``), which makes each line a doccano import. ``provenance``
    (:data:`PROVENANCE_FIELDS`: model, govreport_version) goes on every line, after the
    document's own fields.
    """

    def __init__(self, out: IO[str], include_text: bool = False, provenance: dict | None = None):
        self.out = out
        self.include_text = include_text
        self.provenance = dict(provenance or {})
        self._parts: dict[Any, IO[str]] | None = None
        self._counts: dict[Any, int] = {}

    def handle(self, event) -> None:
        if isinstance(event, DocStart):
            self._parts = {"label": _spool(), "scores": _spool(), "records": _spool()}
            self._counts = dict.fromkeys(self._parts, 0)
            self._doc = {**_doc_fields(event.doc), **self.provenance}
        elif isinstance(event, Piece):
            for span, score in zip(event.spans, event.scores):
                self._add("label", json.dumps(span.to_doccano(), ensure_ascii=False))
                self._add("scores", json.dumps(score))
            key = "records" if event.report is None else event.report.index  # each report's records apart
            if event.records and key not in self._parts:
                self._parts[key], self._counts[key] = _spool(), 0
            for record in event.records:
                self._add(key, json.dumps(record.to_dict(), ensure_ascii=False))
        elif isinstance(event, DocEnd):
            parts, self._parts = self._parts, None
            try:
                if event.error is None:
                    self._write(parts, event)
            finally:
                for part in parts.values():
                    part.close()

    def _add(self, key: str, item: str) -> None:
        part = self._parts[key]
        if self._counts[key]:
            part.write(", ")
        part.write(item)
        self._counts[key] += 1

    def _write(self, parts: dict[str, IO[str]], event: DocEnd) -> None:
        head = json.dumps(self._doc, ensure_ascii=False)[:-1]  # without the closing brace
        self.out.write(head)
        if self.include_text:
            # The text is re-read from the document, chunk by chunk.
            self.out.write(', "text": "')
            for _, chunk in event.doc.chunks():
                self.out.write(json.dumps(chunk, ensure_ascii=False)[1:-1])
            self.out.write('"')
        for key in ("label", "scores"):
            self._copy(key, parts)
        self.out.write(', "checks": ' + json.dumps([check_dict(c) for c in event.checks], ensure_ascii=False))
        self.out.write(', "reports": [')
        for i, report in enumerate(event.reports):
            self.out.write((", " if i else "") + json.dumps(report.to_dict(), ensure_ascii=False)[:-1])
            self._copy(report.index, parts)
            self.out.write("}")
        self.out.write("]")
        self._copy("records", parts)
        self.out.write("}\n")

    def _copy(self, key: Any, parts: dict[Any, IO[str]]) -> None:
        """Write ``, "records": [...]`` (or label, scores) from its spool; an unknown key is an empty list."""
        self.out.write(f', "{"records" if not isinstance(key, str) else key}": [')
        if key in parts:
            parts[key].seek(0)
            shutil.copyfileobj(parts[key], self.out)
        self.out.write("]")


# What makes a spreadsheet read a cell as a formula (OWASP, "CSV Injection").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def csv_cell(value: Any) -> Any:
    """``value`` as a CSV cell that no spreadsheet runs as a formula.

    Text that starts like a formula gets a leading ``'``, as spreadsheet-safe CSV writers
    do; numbers, and text that is just a number, are left alone.

    >>> [csv_cell(v) for v in ["=SUM(A1)", "@cmd", "-3.9", -3.9, "+1", "-1+2", "共3件", None, True]]
    ["'=SUM(A1)", "'@cmd", '-3.9', -3.9, '+1', "'-1+2", '共3件', '', 'true']
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and value.startswith(_FORMULA_START) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


class CsvWriter:
    """One row per record, with its document, report, section and the sentence it came from (CSV_COLUMNS).

    A table record's ``sentence`` is empty and ``sentence_start``/``sentence_end`` give its table's region.
    ``confidence`` is the tagger's score of the record's VALUE span; ``provenance`` fills
    ``model`` and ``govreport_version``.
    """

    def __init__(self, out: IO[str], provenance: dict | None = None):
        self.out = out
        self.provenance = {k: (provenance or {}).get(k) for k in PROVENANCE_FIELDS}
        self.writer = csv.writer(out)
        self.writer.writerow(CSV_COLUMNS)
        self._rows: IO[str] | None = None

    def handle(self, event) -> None:
        if isinstance(event, DocStart):
            self._rows = _spool()
            self._row_writer = csv.writer(self._rows)
            self._doc = _doc_fields(event.doc)
        elif isinstance(event, Piece):
            for record in event.records:
                self._row_writer.writerow([csv_cell(v) for v in self._row(record, event).values()])
        elif isinstance(event, DocEnd):
            rows, self._rows = self._rows, None
            try:
                if event.error is None:
                    rows.seek(0)
                    shutil.copyfileobj(rows, self.out)
            finally:
                rows.close()

    def _row(self, record: Record, piece: Piece) -> dict[str, Any]:
        def part(span, i):
            return span[i] if span is not None else None

        row = dict(self._doc)
        report = piece.report
        row.update(
            report_title=report.title if report else None, report_agency=report.agency if report else None,
            report_year=report.year if report else None, section=record.extra.get("section", piece.section),
            origin=record.extra.get("origin", piece.origin), metric_key=record.extra.get("metric_key"),
            column=record.extra.get("column"),
        )
        row.update(
            metric=record.metric, value=record.value, value_min=record.value_min, value_max=record.value_max,
            unit=record.unit, raw=record.raw, qualifier=record.qualifier, approximate=record.approximate,
            value_start=part(record.value_span, 0), value_end=part(record.value_span, 1),
            unit_start=part(record.unit_span, 0), unit_end=part(record.unit_span, 1),
            metric_start=part(record.metric_span, 0), metric_end=part(record.metric_span, 1),
            sentence=piece.text, sentence_start=piece.start, sentence_end=piece.end,
            **{key: record.extra.get(key) for key in FIELDS},
            confidence=_span_score(piece, record.value_span), **self.provenance,
        )
        return {column: row[column] for column in CSV_COLUMNS}


def _span_score(piece: Piece, span) -> float | None:
    """The tagger's score of ``span`` (a ``(start, end)`` pair) among the piece's spans, None when not there."""
    if span is None:
        return None
    for tagged, score in zip(piece.spans, piece.scores):
        if (tagged.start, tagged.end) == tuple(span):
            return score
    return None


@contextlib.contextmanager
def open_writer(path: str | None, fmt: str = "jsonl", include_text: bool = False,
                inputs: Iterable[str] = (), provenance: dict | None = None) -> Iterator[JsonlWriter | CsvWriter]:
    """A writer to ``path`` (atomically) or, when ``path`` is None or "-", to standard output.

    ``inputs`` (the run's input paths) may not be the output (:func:`data.atomic.check_output`);
    ``provenance`` is written on every line or row (:data:`PROVENANCE_FIELDS`).
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; expected one of {FORMATS}")
    if path is None or path == "-":
        out = sys.stdout
        yield CsvWriter(out, provenance) if fmt == "csv" else JsonlWriter(out, include_text, provenance)
        out.flush()
        return
    if fmt == "csv":
        with atomic_write(path, encoding="utf-8-sig", newline="", inputs=inputs) as out:
            yield CsvWriter(out, provenance)
    else:
        with atomic_write(path, encoding="utf-8", newline="\n", inputs=inputs) as out:
            yield JsonlWriter(out, include_text, provenance)
