"""Write extraction results as JSON Lines (one line per document) or CSV (one row per record).

Writers consume the events of :meth:`inference.extract.Extractor.stream`. Each document is
collected in spooled temporary files (memory first, disk once large) and written only when
it ends without error, so a failed document leaves nothing half-written, and a 10 MB report
never needs its records in memory at once. :func:`open_writer` writes a named file
atomically (:class:`data.doccano.atomic_write`): an interrupted run leaves no output file,
or the previous complete one.

CSV files are UTF-8 with a byte-order mark, so spreadsheet programs open Chinese text
correctly; CSV on standard output has no BOM.
"""

from __future__ import annotations

import contextlib
import csv
import json
import shutil
import sys
import tempfile
from typing import IO, Any, Iterator

from data.doccano import atomic_write
from data.schema import Record
from inference.extract import DocEnd, DocStart, Piece

__all__ = ["JsonlWriter", "CsvWriter", "open_writer", "FORMATS", "CSV_COLUMNS", "DOC_FIELDS"]

FORMATS = ("jsonl", "csv")
DOC_FIELDS = ("id", "source", "title", "agency", "year")
CSV_COLUMNS = DOC_FIELDS + (
    "metric", "metric_key", "value", "value_min", "value_max", "unit", "raw", "qualifier", "approximate",
    "value_start", "value_end", "unit_start", "unit_end", "metric_start", "metric_end",
    "sentence", "sentence_start", "sentence_end",
)
_SPOOL_BYTES = 4 << 20


def _spool() -> IO[str]:
    return tempfile.SpooledTemporaryFile(max_size=_SPOOL_BYTES, mode="w+", encoding="utf-8", newline="")


def _doc_fields(doc) -> dict[str, Any]:
    return {"id": doc.id, "source": doc.source, **{k: doc.meta.get(k) for k in ("title", "agency", "year")}}


class JsonlWriter:
    """One JSON object per document: id, source, title, agency, year, label, scores, records.

    ``label`` is doccano's ``[start, end, TYPE]`` list into the document's text and
    ``scores`` holds one confidence per label. With ``include_text`` the text is written too
    (as ``text``), which makes each line a doccano import.
    """

    def __init__(self, out: IO[str], include_text: bool = False):
        self.out = out
        self.include_text = include_text
        self._parts: dict[str, IO[str]] | None = None
        self._counts: dict[str, int] = {}

    def handle(self, event) -> None:
        if isinstance(event, DocStart):
            self._parts = {"label": _spool(), "scores": _spool(), "records": _spool()}
            self._counts = dict.fromkeys(self._parts, 0)
            self._doc = _doc_fields(event.doc)
        elif isinstance(event, Piece):
            for span, score in zip(event.spans, event.scores):
                self._add("label", json.dumps(span.to_doccano(), ensure_ascii=False))
                self._add("scores", json.dumps(score))
            for record in event.records:
                self._add("records", json.dumps(record.to_dict(), ensure_ascii=False))
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
        for key in ("label", "scores", "records"):
            self.out.write(f', "{key}": [')
            parts[key].seek(0)
            shutil.copyfileobj(parts[key], self.out)
            self.out.write("]")
        self.out.write("}\n")


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


class CsvWriter:
    """One row per record, with the document's fields and the sentence it came from (CSV_COLUMNS)."""

    def __init__(self, out: IO[str]):
        self.out = out
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
                self._row_writer.writerow([_csv_value(v) for v in self._row(record, event).values()])
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
        row.update(
            metric=record.metric, metric_key=record.extra.get("metric_key"),
            value=record.value, value_min=record.value_min, value_max=record.value_max,
            unit=record.unit, raw=record.raw, qualifier=record.qualifier, approximate=record.approximate,
            value_start=part(record.value_span, 0), value_end=part(record.value_span, 1),
            unit_start=part(record.unit_span, 0), unit_end=part(record.unit_span, 1),
            metric_start=part(record.metric_span, 0), metric_end=part(record.metric_span, 1),
            sentence=piece.text, sentence_start=piece.start, sentence_end=piece.end,
        )
        return {column: row[column] for column in CSV_COLUMNS}


@contextlib.contextmanager
def open_writer(path: str | None, fmt: str = "jsonl", include_text: bool = False) -> Iterator[JsonlWriter | CsvWriter]:
    """A writer to ``path`` (atomically) or, when ``path`` is None or "-", to standard output."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; expected one of {FORMATS}")
    if path is None or path == "-":
        out = sys.stdout
        yield CsvWriter(out) if fmt == "csv" else JsonlWriter(out, include_text)
        out.flush()
        return
    if fmt == "csv":
        with atomic_write(path, encoding="utf-8-sig", newline="") as out:
            yield CsvWriter(out)
    else:
        with atomic_write(path, encoding="utf-8", newline="\n") as out:
            yield JsonlWriter(out, include_text)
