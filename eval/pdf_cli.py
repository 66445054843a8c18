"""``govreport evaluate-pdf``: reports printed to PDF by headless Chromium or LibreOffice Writer and read back by every PDF reader.

    govreport evaluate-pdf                         # 40 reports of invented tables, 20 generated reports' prose
    govreport evaluate-pdf --tables 0 --prose 50 --model accurate
    govreport evaluate-pdf --prose 0 --keep out/pdf-tables   # keep the table PDFs, readings and their gold
    govreport evaluate-pdf --prose 0 --printer writer        # printed by a word processor, as reports are

Tables (:mod:`eval.pdf_tables`): invented standard tables laid out as the official template,
each reading parsed and its cells scored against the numbers printed (as ``evaluate-tables``
scores a gold file). Prose (:mod:`eval.pdf_prose`): generated reports, each reading extracted
and its records compared with those of the text printed. The readers are pypdf (default and
layout mode) and poppler's pdftotext (with and without ``-layout``), those installed. Needs
Chromium and a CJK font (Debian: ``apt-get install chromium fonts-noto-cjk poppler-utils``), and
for ``--printer writer`` LibreOffice (``apt-get install libreoffice-writer-nogui``).
"""

from __future__ import annotations

import argparse
import logging
import shutil
import sys
from pathlib import Path

from govreport.data.errors import cli_error
from govreport.data.logs import setup_logging
from govreport.eval.table_scores import score_line
from govreport.inference.options import add_model_options, model_tagger

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="govreport evaluate-pdf", description=__doc__.split("\n\n")[0])
    parser.add_argument("--tables", type=int, default=40, metavar="N", help="reports of invented tables (default 40)")
    parser.add_argument("--prose", type=int, default=20, metavar="N", help="generated reports of prose (default 20)")
    parser.add_argument("--seed", type=int, default=2, help="random seed of the tables, reports and page layouts (default 2)")
    parser.add_argument("--printer", choices=("chromium", "writer"), default="chromium",
                        help="what prints the PDFs: headless Chromium (default) or LibreOffice Writer, a word "
                             "processor's table layout and PDF export")
    parser.add_argument("--keep", default=None, metavar="DIR",
                        help="write the table PDFs, their readings (raw/) and their table gold file (gold.jsonl) there")
    parser.add_argument("--system", choices=("model", "rules"), default="model",
                        help="what extracts the prose: --model (default) or the rule baseline")
    add_model_options(parser, model_default="fast")
    parser.add_argument("--markdown", action="store_true", help="print the figures as Markdown tables")
    parser.add_argument("--failures", action="store_true", help="list every reading that was not read whole")
    return parser


_INSTALL = {"chromium": "apt-get install chromium fonts-noto-cjk poppler-utils",
            "writer": "apt-get install libreoffice-writer-nogui fonts-noto-cjk poppler-utils"}


def _program(printer: str) -> str | None:
    """The program that prints for ``printer``, or None when it is not installed."""
    if printer == "writer":
        return shutil.which("soffice") or shutil.which("libreoffice")
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    return found or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)


def _tables(args, program: str) -> list[str]:
    from govreport.eval.pdf_tables import roundtrip

    totals, whole, failures = roundtrip(args.tables, args.seed, program, Path(args.keep) if args.keep else None,
                                        args.printer)
    lines = [f"tables: {args.tables} reports of invented tables (seed {args.seed}, printed by {args.printer}); "
             "a cell is right when its metric_key and value match the number printed"]
    if args.markdown:
        lines.append("| reader | gold | predicted | correct | precision | recall | F1 | identities | reports all right |\n"
                     "|---|---|---|---|---|---|---|---|---|")
    for name, total in totals.items():
        line = score_line(name, total, args.markdown)
        lines.append(f"{line} {whole[name]}/{args.tables} |" if args.markdown
                     else f"{line}  reports all right {whole[name]}/{args.tables}")
    if args.failures:
        lines += ["  not all right: " + line for line in failures]
    return lines


def _tagger(args):
    """What extracts the prose, and its name: the rule baseline or the model of ``args``."""
    if args.system == "rules":
        from govreport.eval.rules import RuleTagger

        return RuleTagger(), "rules"
    tagger = model_tagger(args)
    return tagger, f"model {tagger.model_dir} ({tagger.serving})"


def _prose(args, program: str, tagger, system: str) -> list[str]:
    from govreport.eval.bench import corpus
    from govreport.eval.pdf_prose import roundtrip
    from govreport.inference.extract import Extractor

    extractor = Extractor(tagger)
    scores, failures = roundtrip(corpus(args.prose, seed=args.seed)[1:], extractor.extract, args.seed, program,
                                 args.printer)
    lines = [f"prose: {args.prose} generated reports (seed {args.seed}, printed by {args.printer}) through {system}; "
             "a record of the printed text is kept when the reading gives its metric, value and unit"]
    if args.markdown:
        lines.append("| reader | records printed | kept | lost | added | F1 |\n|---|---|---|---|---|---|")
    for s in scores.values():
        lost, added = s.gold - s.correct, s.predicted - s.correct
        lines.append(f"| {s.file} | {s.gold} | {s.correct} | {lost} | {added} | {s.f1:.3f} |" if args.markdown
                     else f"{s.file:<17} records printed {s.gold:5d}  kept {s.correct:5d}  lost {lost:4d}  "
                          f"added {added:4d}  F1 {s.f1:.3f}")
    if args.failures:
        lines += ["  " + line for line in failures]
    return lines


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    setup_logging(logging.WARNING, "named")
    if args.tables < 0 or args.prose < 0:
        print("evaluate-pdf: --tables and --prose take a count, 0 or more", file=sys.stderr)
        return 2
    program = _program(args.printer)
    if program is None:
        print(f"evaluate-pdf: --printer {args.printer} is not installed (Debian: {_INSTALL[args.printer]})",
              file=sys.stderr)
        return 2
    tagger = system = None
    if args.prose:   # loaded first: a model that cannot be loaded is named before the tables run
        try:
            tagger, system = _tagger(args)
        except (OSError, ValueError) as err:
            return cli_error("evaluate-pdf: cannot load the model", err)
    if args.tables:
        print("\n".join(_tables(args, program)))
    if args.prose:
        print("\n".join(_prose(args, program, tagger, system)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
