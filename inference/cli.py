"""``govreport extract``: records from report files, folders, JSONL or standard input.

    govreport extract data/samples/reports_page.txt --output out/records.jsonl
    govreport extract reports/ --format csv --output out/records.csv
    cat report.txt | govreport extract - --model out/model

Every input is processed even when some fail; a summary of the failures goes to standard
error and the exit status is 1 when anything failed (2 for a usage or model error).
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
from dataclasses import dataclass, field
from pathlib import Path

from inference.extract import BACKEND_HELP, BACKENDS, DEFAULT_MODEL, DocEnd, DocStart, Extractor, Piece
from inference.keys import KeyFileError, KeyMapper
from inference.reader import iter_documents
from inference.writers import FORMATS, open_writer

logger = logging.getLogger(__name__)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="govreport extract",
        description="Tag METRIC/VALUE/UNIT in report prose and write one record per value.",
    )
    parser.add_argument("inputs", nargs="+", metavar="INPUT",
                        help=".txt files, folders (searched recursively), .jsonl files with 'text' "
                             "and optional 'id' fields, or - for standard input")
    parser.add_argument("--model", default=DEFAULT_MODEL,
                        help="a model directory, or a shipped model by name: fast (model/fast) or accurate (model/default); "
                             f"default: {DEFAULT_MODEL}")
    parser.add_argument("--output", "-o", default=None,
                        help="output file, written atomically; default: standard output")
    parser.add_argument("--format", choices=FORMATS, default=None,
                        help="jsonl: one line per document; csv: one row per record (UTF-8 with BOM). "
                             "Default: from the --output suffix, else jsonl")
    parser.add_argument("--batch-size", type=int, default=32, help="windows per forward pass (default 32)")
    parser.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto",
                        help="where the model runs (default: cuda when available)")
    parser.add_argument("--backend", choices=BACKENDS, default="auto", help=BACKEND_HELP)
    parser.add_argument("--keys", default=None, metavar="FILE",
                        help="your own metric-key mapping (JSON or TSV, see docs/keys.md), tried before the built-in rules")
    parser.add_argument("--include-text", action="store_true", help="also write each document's text (jsonl)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bars on standard error")
    parser.add_argument("--quiet", "-q", action="store_true", help="print failures only, no summary line")
    return parser


@dataclass
class Summary:
    documents: int = 0
    records: int = 0
    chars: int = 0
    failures: list[tuple[str, str]] = field(default_factory=list)

    def report(self, quiet: bool) -> str:
        lines = []
        if not quiet:
            lines.append(f"extract: {self.documents} documents, {self.chars} characters, {self.records} records, "
                         f"{len(self.failures)} failed")
        lines += [f"FAILED {source}: {why}" for source, why in self.failures]
        return "\n".join(lines)


def _progress(enabled: bool):
    if not enabled:
        return None, None
    from tqdm.auto import tqdm

    docs = tqdm(desc="documents", unit="doc", position=0, file=sys.stderr)
    chars = tqdm(desc="characters", unit="char", unit_scale=True, position=1, file=sys.stderr)
    return docs, chars


def _terminate(signum, frame):
    # Turn SIGTERM into an exception so the atomic output file is cleaned up.
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    fmt = args.format or ("csv" if args.output and Path(args.output).suffix.lower() == ".csv" else "jsonl")
    if args.batch_size < 1:
        print("extract: --batch-size must be at least 1", file=sys.stderr)
        return 2
    if args.no_progress or not sys.stderr.isatty():
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
    try:
        keys = KeyMapper.load(args.keys)
    except KeyFileError as err:
        print(f"extract: bad --keys file: {err}", file=sys.stderr)
        return 2
    try:
        extractor = Extractor.from_pretrained(args.model, batch_size=args.batch_size, device=args.device,
                                              backend=args.backend, keys=keys).settle()
    except (OSError, ValueError) as err:
        print(f"extract: cannot load the model: {err}", file=sys.stderr)
        return 2

    try:
        previous = signal.signal(signal.SIGTERM, _terminate)
    except ValueError:  # not the main thread
        previous = None
    summary = Summary()
    doc_records = 0
    show = not args.no_progress and sys.stderr.isatty()
    docs_bar, chars_bar = _progress(show)
    try:
        with open_writer(args.output, fmt, include_text=args.include_text) as writer:
            for event in extractor.stream(iter_documents(args.inputs)):
                writer.handle(event)
                if isinstance(event, Piece):
                    doc_records += len(event.records)
                    if chars_bar is not None:
                        chars_bar.update(event.end - event.start)
                elif isinstance(event, DocEnd):
                    summary.documents += 1
                    summary.chars += event.chars
                    if event.error is not None:
                        summary.failures.append((event.doc.source, event.error))
                    else:
                        summary.records += doc_records
                    doc_records = 0
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
    except KeyboardInterrupt:
        print("extract: interrupted" + ("; no output written" if args.output else ""), file=sys.stderr)
        return 130
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
        for bar in (docs_bar, chars_bar):
            if bar is not None:
                bar.close()
    message = summary.report(args.quiet)
    if message:
        print(message, file=sys.stderr)
    return 1 if summary.failures else 0


if __name__ == "__main__":
    sys.exit(main())
