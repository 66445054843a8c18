"""``govreport evaluate-tables``: score the table parser's cells against a table gold file.

    govreport evaluate-tables --gold ../shared/tables_dev/gold.jsonl --raw-dir ../shared/tables_dev/raw
    govreport evaluate-tables --gold data/gold/tables            # a folder: its *.jsonl, raw files in raw/
    govreport evaluate-tables --gold data/gold/tables --markdown --errors out/table-errors.jsonl
    govreport evaluate-tables --bench          # time parse_tables on the `govreport bench` corpus
    govreport evaluate-tables --show data/samples/reports_page.txt   # the tables a file holds, no gold

The gold format is the one of ``../shared/tables_dev/gold.jsonl``: one line per raw file,
with ``file`` (a name inside the raw folder) and ``cells``, a map of metric_key → value
(a list of ``{"key"|"metric_key", "value"}`` objects is read too). Each raw file is parsed
with :func:`inference.tables.parse_tables` (``.html``/``.htm`` as markup).

Scoring: a predicted cell is correct when its metric_key equals a gold cell's and its value
equals that cell's value (relative tolerance 1e-6); each gold cell is matched at most once,
so a key predicted twice counts once right and once wrong. The key holds the column
(申请.本年新收.自然人, 主动公开.行政许可.处理决定), so a cell whose table prints a single value
column (Cell.column None) compares on key and value alone, like every other cell: the
printed column label itself is not scored. Precision, recall and F1 are given per file and
micro-averaged over all files, with the identities that fail on the parsed tables.

The counting lives in :mod:`eval.table_scores`.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from govreport.data.errors import InputError, cli_error
from govreport.data.jsonl import json_lines
from govreport.data.logs import setup_logging
from govreport.eval.table_scores import FileScore, evaluate_file, score_line

logger = logging.getLogger(__name__)


class GoldError(InputError):
    """A table gold file or one of its lines cannot be read."""


def _gold_cells(item: dict, where: str) -> dict[str, float]:
    cells = item.get("cells")
    if isinstance(cells, dict):
        out = cells
    elif isinstance(cells, list):
        out = {}
        for c in cells:
            if not isinstance(c, dict) or "value" not in c or not (c.get("key") or c.get("metric_key")):
                raise GoldError(f"{where}: a cell needs key (or metric_key) and value: {c!r}")
            out[c.get("key") or c["metric_key"]] = c["value"]
    else:
        raise GoldError(f"{where}: 'cells' must be a map of metric_key to value, or a list")
    for key, value in out.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise GoldError(f"{where}: cell {key!r} has a value that is not a number: {value!r}")
    return out


def read_gold(path: Path) -> list[tuple[str, dict]]:
    """(where, item) for every line of a gold file, or of every *.jsonl in a folder."""
    files = sorted(path.glob("*.jsonl")) if path.is_dir() else [path]
    if not files:
        raise GoldError(f"{path}: no *.jsonl gold file in this folder")
    items = []
    for file in files:
        try:
            for lineno, item in json_lines(file, GoldError):
                where = f"{file}:{lineno}"
                if not isinstance(item, dict) or not isinstance(item.get("file"), str):
                    raise GoldError(f"{where}: a line needs 'file' (the raw file's name)")
                items.append((where, item))
        except OSError as err:
            raise GoldError(f"{file}: cannot read: {err}") from None
    return items


_TEXT_SUFFIXES = frozenset({"", ".txt", ".md", ".markdown", ".html", ".htm", ".tsv", ".csv"})


def read_raw(path: Path) -> tuple[str, str | None]:
    """A raw file's text: UTF-8 (with or without BOM), else GB18030; HTML stays markup.

    Other files (.pdf, .docx) go through the project's document reader, which names what it
    cannot read; a PDF's table pages read in layout mode come second, as ``govreport extract``
    reads them too (None for every other file).
    """
    if path.suffix.lower() not in _TEXT_SUFFIXES:
        from govreport.inference.reader import iter_documents

        docs = list(iter_documents([str(path)]))
        if not docs or docs[0].error:
            raise OSError(docs[0].error if docs else "nothing read")
        text = "".join(text for _, text in docs[0].chunks())
        return text, docs[0].layout_reading(0, len(text))
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError:
        return data.decode("gb18030"), None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="govreport evaluate-tables", description=__doc__.split("\n\n")[0])
    parser.add_argument("--gold", default=None, help="a table gold .jsonl file, or a folder of them")
    parser.add_argument("--raw-dir", default=None,
                        help="folder of the raw files the gold names (default: raw/ beside the gold file)")
    parser.add_argument("--markdown", action="store_true", help="print the figures as a Markdown table")
    parser.add_argument("--errors", default=None, help="write every wrong or missed cell to this JSONL file")
    parser.add_argument("--bench", action="store_true",
                        help="time parse_tables on the corpus of `govreport bench` (sample page + 20 generated "
                             "reports), fastest of --repeat passes, instead of scoring")
    parser.add_argument("--repeat", type=int, default=5, help="timed passes for --bench (default 5)")
    parser.add_argument("--show", nargs="+", metavar="FILE", default=None,
                        help="print the tables these files hold (cells and identities), no gold needed")
    return parser


def show(path: Path) -> list[str]:
    """Lines describing the tables of one file: number, layout, cells, identities, failures."""
    from govreport.inference.tables import check_tables, parse_tables

    tables = parse_tables(*read_raw(path))
    checks = check_tables(tables)
    lines = [f"{path}: {len(tables)} tables, {sum(len(t.cells) for t in tables)} cells, "
             f"{sum(c.ok for c in checks)}/{len(checks)} identities hold"]
    for t in tables:
        lines.append(f"  table {t.number} ({t.layout} layout) at {t.start}-{t.end}: {len(t.cells)} cells")
    for c in checks:
        if not c.ok:
            lines.append(f"  FAILS {c.identity}: parts sum to {c.expected}, printed {c.found}")
    return lines


def bench(repeat: int) -> str:
    """One line: the time parse_tables takes on the bench corpus, fastest of ``repeat`` passes."""
    import time

    from govreport.eval.bench import BENCH_SEED, corpus
    from govreport.inference.tables import parse_tables

    docs = corpus(20)
    passes, cells = [], 0
    for _ in range(max(1, repeat)):
        start = time.perf_counter()
        cells = sum(len(t.cells) for doc in docs for t in parse_tables(doc))
        passes.append(time.perf_counter() - start)
    return (f"tables: {len(docs)} documents (sample page + 20 generated reports, seed {BENCH_SEED}), "
            f"{sum(map(len, docs))} characters: {min(passes):.3f} s (fastest of {len(passes)} passes, "
            f"slowest {max(passes):.3f} s), {cells} cells")


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    setup_logging(logging.WARNING, "named")
    if args.bench:
        print(bench(args.repeat))
        return 0
    if args.show:
        status = 0
        for name in args.show:
            try:
                print("\n".join(show(Path(name))))
            except (OSError, UnicodeDecodeError) as err:
                print(f"evaluate-tables: skipped {name}: {err}", file=sys.stderr)
                status = 1
        return status
    if not args.gold:
        print("evaluate-tables: --gold is required (or --bench, --show)", file=sys.stderr)
        return 2
    gold_path = Path(args.gold)
    gold_dir = gold_path if gold_path.is_dir() else gold_path.parent
    raw_dir = Path(args.raw_dir) if args.raw_dir else gold_dir / "raw"
    try:
        items = read_gold(gold_path)
    except (GoldError, OSError) as err:
        return cli_error("evaluate-tables", err)
    total, scores, failed = FileScore("overall"), [], 0
    for where, item in items:
        name = item["file"]
        try:
            gold = _gold_cells(item, where)
            path = raw_dir / name
            if not path.exists() and (gold_dir / name).exists():
                path = gold_dir / name      # a gold that names its files with their folder (raw/x.txt)
            text, layout = read_raw(path)
        except (GoldError, OSError, UnicodeDecodeError) as err:
            print(f"evaluate-tables: skipped {name}: {err}", file=sys.stderr)
            failed += 1
            continue
        s = evaluate_file(text, gold, name, layout)
        scores.append(s)
        total.add(s)
    print(f"table cells: a cell is right when its metric_key and value (rel. tol. 1e-6) match a gold cell; "
          f"{len(scores)} files from {gold_path}")
    if args.markdown:
        print("| file | gold | predicted | correct | precision | recall | F1 | identities |\n|---|---|---|---|---|---|---|---|")
    for s in scores:
        print(score_line(s.file, s, args.markdown))
    print(score_line("overall (micro)", total, args.markdown))
    if args.errors:
        from govreport.data.atomic import atomic_write

        with atomic_write(Path(args.errors)) as f:
            for s in scores:
                for error in s.errors:
                    f.write(json.dumps(error, ensure_ascii=False) + "\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
