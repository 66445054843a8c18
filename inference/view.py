"""``govreport view``: a review page per document from ``govreport extract``'s JSONL.

    govreport extract data/samples/reports_page.txt --include-text -o out/records.jsonl
    govreport view out/records.jsonl -o out/review        # out/review/index.html + one page a document

Each page is one self-contained HTML file (inline CSS and one small hashed script, a
Content-Security-Policy that forbids everything else): the text with METRIC/VALUE/UNIT
highlighted, each VALUE linked to its METRIC and UNIT (hover one: the record is outlined and
shown in the side panel), spans under the low-confidence threshold marked, a records table and,
where the JSONL has them, the standard tables rebuilt with failing identities marked. The index
lists every document with its reports and counts.

A line may carry ``reports`` (document → reports → records, each report with title, agency,
year, start/end offsets, records and checks) or only top-level ``records``; both are read.
A line without ``text`` takes the text from its ``source`` file when that still exists.

>>> doc = load_document({"id": "a", "text": "办结3件。", "label": [[0, 2, "METRIC"], [2, 3, "VALUE"]],
...                      "scores": [0.9, 0.5], "records": [{"metric": "办结", "value": 3, "unit": None,
...                      "raw": "3", "metric_span": [0, 2], "value_span": [2, 3]}]})
>>> [(s.label, s.records) for s in doc.spans], doc.reports[0].records[0][2]
([('METRIC', ('r1',)), ('VALUE', ('r1',))], 0.5)
"""

from __future__ import annotations

import argparse
import logging
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from govreport.data.atomic import atomic_write
from govreport.data.errors import InputError, cli_error
from govreport.data.jsonl import json_lines
from govreport.data.logs import setup_logging
from govreport.inference.view_html import LOW_CONFIDENCE, ViewSpan, esc, highlight, page, records_table, standard_tables

__all__ = ["ViewError", "DocView", "ReportView", "load_document", "render_document", "render_index",
           "write_site", "main"]

logger = logging.getLogger(__name__)


class ViewError(InputError):
    """A JSONL line that cannot be shown (no text, offsets outside the text, not an object)."""


@dataclass
class ReportView:
    """One report of a document: where it lies, its records ``(id, dict, confidence)`` and checks."""

    title: str | None
    agency: str | None
    year: Any
    start: int
    end: int
    records: list[tuple[str, dict[str, Any], float | None]] = field(default_factory=list)
    checks: list[dict[str, Any]] = field(default_factory=list)
    whole: bool = False  # the whole document, when the line has no reports


@dataclass
class DocView:
    id: str
    source: str
    title: str | None
    text: str
    spans: list[ViewSpan]
    reports: list[ReportView]
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def n_records(self) -> int:
        return sum(len(r.records) for r in self.reports)


def _read_source(source: str) -> str | None:
    from govreport.inference.reader import Document

    path = Path(source)
    if not path.is_file() or path.suffix.lower() == ".jsonl":
        return None
    doc = Document.from_file(path)
    if doc.error:
        return None
    return "".join(chunk for _, chunk in doc.chunks())


def _pair(value: Any) -> tuple[int, int] | None:
    if isinstance(value, (list, tuple)) and len(value) == 2 and all(isinstance(v, int) for v in value):
        return int(value[0]), int(value[1])
    return None


def load_document(item: Any, text: str | None = None) -> DocView:
    """A :class:`DocView` from one JSONL line (a dict); raises ViewError when it cannot be shown."""
    if not isinstance(item, dict):
        raise ViewError("the line is not a JSON object")
    doc_id = str(item.get("id") or item.get("source") or "")
    source = str(item.get("source") or doc_id)
    if text is None:
        text = item.get("text") if isinstance(item.get("text"), str) else _read_source(source)
    if text is None:
        raise ViewError("no text: run govreport extract with --include-text (or keep the source file)")
    scores = item.get("scores") or []
    raw_spans: list[tuple[int, int, str, float | None]] = []
    for n, label in enumerate(item.get("label") or []):
        try:
            start, end, kind = int(label[0]), int(label[1]), str(label[2])
        except (TypeError, ValueError, IndexError, KeyError):
            raise ViewError(f"label {n} is not [start, end, TYPE]") from None
        if not 0 <= start < end <= len(text):
            raise ViewError(f"label {n} [{start}, {end}) lies outside the text ({len(text)} characters)")
        score = scores[n] if n < len(scores) and isinstance(scores[n], (int, float)) else None
        raw_spans.append((start, end, kind, score))
    score_at = {(s, e): sc for s, e, _, sc in raw_spans}

    reports_in = item.get("reports")
    if isinstance(reports_in, list) and reports_in:
        parts = []
        for r in reports_in:
            if not isinstance(r, dict):
                continue
            where = _pair(r.get("span")) or (r.get("start"), r.get("end"))
            start = where[0] if isinstance(where[0], int) else 0
            end = where[1] if isinstance(where[1], int) else len(text)
            parts.append((ReportView(r.get("title"), r.get("agency"), r.get("year"), max(0, start),
                                     min(len(text), end), checks=list(r.get("checks") or [])), r.get("records") or []))
        loose = item.get("records") or []  # records outside any report, if the line keeps any
        if loose:
            parts.append((ReportView("Outside any report", None, None, 0, 0), loose))
    else:
        parts = [(ReportView(item.get("title"), item.get("agency"), item.get("year"), 0, len(text),
                             checks=list(item.get("checks") or []), whole=True), item.get("records") or [])]

    links: dict[tuple[int, int], list[str]] = {}
    n = 0
    for report, records in parts:
        for record in records:
            if not isinstance(record, dict):
                continue
            n += 1
            rid = f"r{n}"
            found = []
            for key in ("metric_span", "value_span", "unit_span"):
                pair = _pair(record.get(key))
                if pair is not None:
                    links.setdefault(pair, []).append(rid)
                    if pair in score_at and score_at[pair] is not None:
                        found.append(score_at[pair])
            confidence = record.get("confidence")
            if not isinstance(confidence, (int, float)):
                confidence = min(found) if found else None
            report.records.append((rid, record, confidence))
    spans = [ViewSpan(s, e, kind, sc, tuple(links.get((s, e), ()))) for s, e, kind, sc in raw_spans]
    meta = {k: item.get(k) for k in ("model", "model_version", "version", "govreport_version") if item.get(k) is not None}
    return DocView(doc_id, source, item.get("title"), text, spans, [report for report, _ in parts], meta)


def _report_heading(report: ReportView, n: int) -> str:
    bits = [str(b) for b in (report.agency, report.year) if b not in (None, "")]
    return f"{report.title or f'Report {n}'}" + (f" ({' · '.join(bits)})" if bits else "")


def render_document(doc: DocView, low: float = LOW_CONFIDENCE, index_href: str | None = "index.html") -> str:
    """The review page of one document (a complete HTML string)."""
    legend = ('<p class="legend meta"><mark class="ent METRIC" data-l="M">METRIC</mark>'
              '<mark class="ent VALUE" data-l="V">VALUE</mark><mark class="ent UNIT" data-l="U">UNIT</mark>'
              f'<mark class="ent VALUE low" data-l="V">confidence &lt; {low:g}</mark> '
              "Underlined spans belong to a record: hover one to outline its metric, value and unit.</p>")
    low_n = sum(1 for s in doc.spans if s.score is not None and s.score < low)
    body = [f"<h1>{esc(doc.title or doc.id)}</h1>",
            f'<p class="meta">source: {esc(doc.source)} · {len(doc.text)} characters · {len(doc.spans)} spans '
            f"({low_n} below {low:g}) · {doc.n_records} records"
            + "".join(f" · {esc(k)}: {esc(v)}" for k, v in doc.meta.items()) + "</p>", legend]
    nav = ([f'<p><a href="{esc(index_href)}">← all documents</a></p>'] if index_href else []) + ["<ol>"]
    cursor = 0
    real = sorted((r for r in doc.reports if r.end > r.start or r.whole), key=lambda r: r.start)
    for n, report in enumerate(doc.reports, 1):
        nav.append(f'<li><a href="#report-{n}">{esc(_report_heading(report, n))}</a> '
                   f'<span class="meta">({len(report.records)})</span></li>')
    order = {id(r): n for n, r in enumerate(doc.reports, 1)}
    for report in real:
        n = order[id(report)]
        if report.start > cursor:
            body.append('<section class="outside"><h2>Text outside any report</h2><div class="text">'
                        + highlight(doc.text, doc.spans, cursor, report.start, low) + "</div></section>")
        start = max(report.start, cursor)
        body.append(f'<section class="report" id="report-{n}"><h2>{esc(_report_heading(report, n))}</h2>'
                    f'<div class="text">{highlight(doc.text, doc.spans, start, report.end, low)}</div>'
                    f"<h3>Records</h3>{records_table(report.records, low)}"
                    f"{standard_tables([r for _, r, _ in report.records], report.checks)}</section>")
        cursor = max(cursor, report.end)
    if cursor < len(doc.text):
        body.append('<section class="outside"><h2>Text outside any report</h2><div class="text">'
                    + highlight(doc.text, doc.spans, cursor, len(doc.text), low) + "</div></section>")
    for report in doc.reports:
        if all(report is not r for r in real):  # records with no place in the text (e.g. outside any report)
            n = order[id(report)]
            body.append(f'<section class="report" id="report-{n}"><h2>{esc(_report_heading(report, n))}</h2>'
                        f"{records_table(report.records, low)}</section>")
    nav.append("</ol>")
    return page(f"govreport review: {doc.title or doc.id}", "\n".join(body), "\n".join(nav))


def render_index(entries: list[dict[str, Any]], failures: list[tuple[str, str]]) -> str:
    """The index page: one row per document page, then the lines that could not be shown."""
    rows = ["<table><thead><tr><th>#</th><th>document</th><th>source</th><th>reports</th><th>records</th>"
            "<th>spans</th><th>low confidence</th></tr></thead><tbody>"]
    for n, e in enumerate(entries, 1):
        reports = "".join(f"<li>{esc(t)}</li>" for t in e["reports"])
        rows.append(f'<tr><td>{n}</td><td><a href="{esc(e["file"])}">{esc(e["title"])}</a>'
                    f'{f"<ol>{reports}</ol>" if reports else ""}</td><td>{esc(e["source"])}</td>'
                    f'<td class="num">{len(e["reports"])}</td><td class="num">{e["records"]}</td>'
                    f'<td class="num">{e["spans"]}</td><td class="num">{e["low"]}</td></tr>')
    rows.append("</tbody></table>")
    if failures:
        rows.append("<h2>Not shown</h2><ul>" + "".join(f"<li>{esc(w)}: {esc(why)}</li>" for w, why in failures)
                    + "</ul>")
    body = f"<h1>govreport review</h1><p class=\"meta\">{len(entries)} documents</p>" + "\n".join(rows)
    return page("govreport review", body, panel=False, script=None,
                css="body{font:14px/1.5 system-ui,sans-serif;margin:1.5rem}table{border-collapse:collapse}"
                    "th,td{border:1px solid #ccc;padding:.2rem .5rem;vertical-align:top}.num{text-align:right}"
                    ".meta{color:#555}")


def write_site(jsonl: str | Path, out_dir: str | Path, low: float = LOW_CONFIDENCE) -> tuple[int, list[tuple[str, str]]]:
    """Write ``index.html`` and ``doc-NNNNN.html`` per JSONL line into ``out_dir``.

    Each file is written atomically; a line that cannot be shown is named on the index and in
    the returned failures, and the others are still written. Pages numbered beyond this run's
    (left by an earlier, longer one) are removed. Returns (pages written, failures).
    """
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise ViewError(f"{out_dir} exists and is not a folder")
    entries, failures = [], []
    for lineno, item in json_lines(jsonl, ViewError, keep_going=True):
        where = f"{jsonl}:{lineno}"
        try:
            if isinstance(item, Exception):
                raise item
            doc = load_document(item)
        except ViewError as err:
            logger.warning("%s: %s", where, err)
            failures.append((where, str(err)))
            continue
        name = f"doc-{len(entries) + 1:05d}.html"
        with atomic_write(out_dir / name) as f:
            f.write(render_document(doc, low))
        entries.append({"file": name, "title": doc.title or doc.id, "source": doc.source,
                        "reports": [_report_heading(r, n) for n, r in enumerate(doc.reports, 1) if not r.whole],
                        "records": doc.n_records, "spans": len(doc.spans),
                        "low": sum(1 for s in doc.spans if s.score is not None and s.score < low)})
    with atomic_write(out_dir / "index.html") as f:
        f.write(render_index(entries, failures))
    # Pages of an earlier, longer run would be reachable by name but listed nowhere: remove them.
    for stale in out_dir.glob("doc-*.html"):
        match = re.fullmatch(r"doc-(\d{5})\.html", stale.name)
        if match and int(match.group(1)) > len(entries):
            stale.unlink()
    return len(entries), failures


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="govreport view",
        description="Write self-contained HTML review pages (one per document, and an index) "
                    "from govreport extract's JSONL.")
    parser.add_argument("jsonl", help="JSONL written by govreport extract (best with --include-text)")
    parser.add_argument("--output", "-o", required=True, help="folder for index.html and the document pages")
    parser.add_argument("--low-confidence", type=float, default=LOW_CONFIDENCE,
                        help=f"mark spans whose confidence is below this (default {LOW_CONFIDENCE})")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    setup_logging(logging.WARNING, "named")
    try:
        pages, failures = write_site(args.jsonl, args.output, args.low_confidence)
    except (OSError, ViewError) as err:
        return cli_error("view", err)
    print(f"view: {pages} pages in {args.output} (index.html), {len(failures)} lines not shown", file=sys.stderr)
    for where, why in failures:
        print(f"FAILED {where}: {why}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
