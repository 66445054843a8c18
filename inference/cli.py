"""``govreport extract``: records from report files, folders, JSONL or standard input.

    govreport extract data/samples/reports_page.txt --output out/records.jsonl
    govreport extract reports/ --format csv --output out/records.csv
    govreport extract reports/ -o out/records.jsonl --checks out/failing-checks.jsonl
    cat report.txt | govreport extract - --model out/model

Every input is processed even when some fail; a summary of the failures goes to standard
error and the exit status is 1 when anything failed (2 for a usage or model error).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
from dataclasses import dataclass, field
from pathlib import Path

from govreport.data.atomic import OutputError, atomic_write, check_output
from govreport.data.errors import cli_error
from govreport.data.logs import setup_logging
from govreport.inference.extract import DocEnd, DocStart, Extractor, Piece
from govreport.inference.options import add_model_options
from govreport.inference.parallel import (DocumentCounts, ExtractorSpec, list_units, map_units, parse_shard, select_shard,
                                write_shard)
from govreport.inference.keys import KeyFileError, KeyMapper
from govreport.inference.reader import FOLDER_SUFFIXES, iter_documents
from govreport.inference.reports import check_dict
from govreport.inference.writers import FORMATS, open_writer

logger = logging.getLogger(__name__)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="govreport extract",
        description="Tag METRIC/VALUE/UNIT in report prose and write one record per value.",
    )
    parser.add_argument("inputs", nargs="+", metavar="INPUT",
                        help="text files, .html/.htm, .pdf, .docx and .doc files, folders (searched recursively for "
                             f"{', '.join(FOLDER_SUFFIXES)} files, any case; other files are left out and named), "
                             ".jsonl files with 'text' and optional 'id' fields, or - for standard input. Encodings: "
                             "UTF-8, UTF-16/32, GB18030/GBK, Big5 (docs/input.md)")
    add_model_options(parser)
    parser.add_argument("--output", "-o", default=None,
                        help="output file, written atomically (docs/output.md); it may not be an input, "
                             "a special file or a folder; default: standard output")
    parser.add_argument("--format", choices=FORMATS + ("html",), default=None,
                        help="jsonl: one line per document; csv: one row per record (UTF-8 with BOM); "
                             "html: review pages in the --output folder (govreport view). "
                             "Default: from the --output suffix, else jsonl")
    parser.add_argument("--workers", type=int, default=1,
                        help="processes, each loading the model once; output identical in order to one process "
                             "(files and folders only; default 1)")
    parser.add_argument("--shard", default=None, metavar="I/N",
                        help="extract only shard I of N (from 0) of the input files, by a hash of each path relative "
                             "to its input folder; needs --output, beside which an index for govreport merge is written")
    parser.add_argument("--keys", default=None, metavar="FILE",
                        help="your own metric-key mapping (JSON or TSV, see docs/keys.md), tried before the built-in rules")
    parser.add_argument("--include-text", action="store_true", help="also write each document's text (jsonl)")
    parser.add_argument("--checks", default=None, metavar="FILE",
                        help="also write every failing table identity of the run to FILE, one JSON object a line "
                             "(document, report, identity, keys, expected, found)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bars on standard error")
    parser.add_argument("--quiet", "-q", action="store_true", help="print failures only, no summary line")
    return parser


@dataclass
class Summary:
    documents: int = 0
    reports: int = 0
    records: int = 0
    table_records: int = 0
    lone_cells: int = 0  # numbers left out as lone cells of a flattened table
    failing_checks: int = 0
    chars: int = 0
    failures: list[tuple[str, str]] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)  # files in folders with no suffix of FOLDER_SUFFIXES

    def report(self, quiet: bool) -> str:
        lines = []
        if not quiet:
            lines.append(f"extract: {self.documents} documents, {self.reports} reports, {self.chars} characters, "
                         f"{self.records} records ({self.records - self.table_records} prose, {self.table_records} "
                         f"table), {self.lone_cells} lone table cells left out, {self.failing_checks} failing checks, "
                         f"{len(self.failures)} failed")
        if self.left_out and not quiet:
            shown = ", ".join(self.left_out[:5]) + (" …" if len(self.left_out) > 5 else "")
            lines.append(f"extract: {len(self.left_out)} files in folders left out (not {'/'.join(FOLDER_SUFFIXES)}): "
                         f"{shown}")
        lines += [f"FAILED {source}: {why}" for source, why in self.failures]
        return "\n".join(lines)


def document_total(inputs: list[str]) -> int | None:
    """How many documents ``inputs`` hold, when that is known without reading them: one per file
    (folders listed), None with standard input or a JSONL file (a document per line)."""
    if any(item == "-" or item.lower().endswith(".jsonl") for item in inputs):
        return None
    try:
        units = list_units(inputs)
    except (OSError, ValueError):
        return None
    if any(unit.path.lower().endswith(".jsonl") for unit in units):  # a folder's JSONL files hold many
        return None
    return len(units)


def _progress(enabled: bool, inputs: list[str]):
    if not enabled:
        return None, None
    from tqdm.auto import tqdm

    # a total gives the bar its share done and an ETA
    docs = tqdm(desc="documents", unit="doc", position=0, file=sys.stderr, total=document_total(inputs))
    chars = tqdm(desc="characters", unit="char", unit_scale=True, position=1, file=sys.stderr)
    return docs, chars


def failing_checks(event: DocEnd) -> list[dict]:
    """The failing table identities of a finished document, each with its document and report."""
    out = []
    where = [(None, event.checks)] + [(report, report.checks) for report in event.reports]
    for report, checks in where:
        for check in checks:
            item = check_dict(check)
            if not item.get("ok", True):
                out.append({"id": event.doc.id, "source": event.doc.source,
                            "report_title": report.title if report else None,
                            "report_agency": report.agency if report else None,
                            "report_year": report.year if report else None, **item})
    return out


def _terminate(signum, frame):
    # Turn SIGTERM and SIGHUP into an exception so the atomic output's temporary file is removed.
    # SystemExit, not a GovReportError: the process was asked to end, with the shell's code for a
    # signal, and no handler on the way (the dispatcher's included) must turn that into a message.
    raise SystemExit(128 + signum)


def _catch_signals() -> dict:
    """Install :func:`_terminate` for SIGTERM and SIGHUP; returns the handlers to put back."""
    previous = {}
    for name in ("SIGTERM", "SIGHUP"):
        signum = getattr(signal, name, None)
        if signum is None:
            continue
        try:
            previous[signum] = signal.signal(signum, _terminate)
        except ValueError:  # not the main thread
            break
    return previous


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    setup_logging(logging.WARNING, "named")
    fmt = args.format or ("csv" if args.output and Path(args.output).suffix.lower() == ".csv" else "jsonl")
    if args.batch_size < 1:
        print("extract: --batch-size must be at least 1", file=sys.stderr)
        return 2
    if fmt == "html":
        # Review pages are made from the JSONL (with text) by govreport view, in a temporary folder.
        if not args.output or args.output == "-":
            print("extract: --format html needs --output FOLDER", file=sys.stderr)
            return 2
        import tempfile

        with tempfile.TemporaryDirectory(prefix="govreport-html-") as tmp:
            jsonl = str(Path(tmp) / "records.jsonl")
            status = main([*(argv if argv is not None else sys.argv[1:]), "--format", "jsonl", "--include-text",
                           "--output", jsonl])
            if not Path(jsonl).exists():
                return status
            from govreport.inference.view import ViewError, write_site

            try:
                pages, failures = write_site(jsonl, args.output)
            except (OSError, ViewError) as err:
                return cli_error("extract: cannot write the review pages", err)
            print(f"extract: {pages} review pages in {args.output} (index.html)", file=sys.stderr)
            return status or (1 if failures else 0)
    try:  # before the model loads: a wrong output path is a usage error
        for path in (args.output, args.checks):
            if path is not None and path != "-":
                check_output(path, args.inputs)
    except OutputError as err:
        return cli_error("extract", err)
    if args.no_progress or not sys.stderr.isatty():
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
    try:
        keys = KeyMapper.load(args.keys)
    except KeyFileError as err:
        return cli_error("extract: bad --keys file", err)
    if args.workers > 1 or args.shard:
        return _main_units(args, fmt)
    try:
        extractor = Extractor.from_pretrained(args.model, batch_size=args.batch_size, device=args.device,
                                              backend=args.backend, precision=args.precision, keys=keys).settle()
    except (OSError, ValueError) as err:
        return cli_error("extract: cannot load the model", err)

    previous = _catch_signals()
    summary = Summary()
    counts = DocumentCounts()
    checks: list[dict] = []
    show = not args.no_progress and sys.stderr.isatty()
    docs_bar, chars_bar = _progress(show, args.inputs)
    try:
        with open_writer(args.output, fmt, include_text=args.include_text, inputs=args.inputs,
                         provenance=extractor.provenance()) as writer:
            for event in extractor.stream(iter_documents(args.inputs, left_out=summary.left_out)):
                writer.handle(event)
                done = counts.add(event, summary)
                if done is not None:
                    summary.lone_cells += done.lone_cells
                    failing = failing_checks(event)
                    summary.failing_checks += len(failing)
                    checks += failing
                if isinstance(event, Piece):
                    if chars_bar is not None:
                        chars_bar.update(event.end - event.start)
                elif isinstance(event, DocEnd):
                    if docs_bar is not None:
                        docs_bar.update(1)
                elif isinstance(event, DocStart):
                    logger.debug("extracting %s", event.doc.source)
    except BrokenPipeError:
        # The reader of standard output went away (| head): stop quietly.
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except (OSError, ValueError):
            pass
        return 1
    except OutputError as err:  # the path changed since the check (a folder appeared, a FIFO was made)
        return cli_error("extract", err)
    except KeyboardInterrupt:
        print("extract: interrupted" + ("; no output written" if args.output else ""), file=sys.stderr)
        return 130
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        for bar in (docs_bar, chars_bar):
            if bar is not None:
                bar.close()
    if args.checks:
        with atomic_write(args.checks, encoding="utf-8", newline="\n") as out:
            for item in checks:
                out.write(json.dumps(item, ensure_ascii=False) + "\n")
    message = summary.report(args.quiet)
    if message:
        print(message, file=sys.stderr)
    return 1 if summary.failures else 0


def _main_units(args, fmt: str) -> int:
    """--workers / --shard: one unit per input file, mapped over processes (inference.parallel)."""
    from govreport.model.device import available_cores

    if args.checks:
        print("extract: --checks is not supported with --workers or --shard yet; run without them", file=sys.stderr)
        return 2
    summary = Summary()
    try:
        units = list_units(args.inputs, left_out=summary.left_out)
        shard = parse_shard(args.shard) if args.shard else None
    except ValueError as err:
        return cli_error("extract", err)
    if shard and not args.output:
        print("extract: --shard needs --output (its index is written beside it)", file=sys.stderr)
        return 2
    total = len(units)
    if shard:
        units = select_shard(units, *shard)
    workers = max(1, args.workers)
    spec = ExtractorSpec(str(args.model), args.batch_size, args.device, args.backend,
                         threads=max(1, available_cores() // workers), keys=args.keys, precision=args.precision)
    results = map_units(spec, units, fmt, args.include_text, workers)

    def counted():
        for result in results:
            summary.documents += result.documents
            summary.reports += result.reports
            summary.chars += result.chars
            summary.records += result.records
            summary.table_records += result.table_records
            summary.failures += result.failures
            yield result

    try:
        if shard:
            write_shard(counted(), args.output, fmt, shard, total)
        else:
            with open_writer(args.output, fmt, include_text=args.include_text) as writer:
                for result in counted():
                    writer.out.write(result.text)
    except (OSError, ValueError) as err:
        return cli_error("extract: cannot load the model or write the output", err)
    message = summary.report(args.quiet)
    if message:
        print(message, file=sys.stderr)
    return 1 if summary.failures else 0


if __name__ == "__main__":
    sys.exit(main())
