"""``govreport panel``: extract outputs in, a panel of reports out (four files, docs/panel.md).

    govreport extract reports/ -o out/records.jsonl
    govreport panel out/records.jsonl -o out/panel.csv
    # out/panel.csv              one row per report, one column per metric key
    # out/panel.long.csv         one row per keyed value, with where it came from
    # out/panel.conflicts.csv    the values of each key a report states differently
    # out/panel.checks.jsonl     cross-checks: prose against tables, one agency's years

Every file is written atomically after all inputs are read; a JSONL line that is no
extract output is named and skipped (exit status 1).
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import sys
from pathlib import Path
from typing import Any

from govreport.data.atomic import OutputError, atomic_write, check_output
from govreport.data.errors import cli_error
from govreport.data.jsonl import json_lines
from govreport.data.logs import setup_logging
from govreport.inference.panel import ID_COLUMNS, Panel, PanelInputError, build_panel, read_reports
from govreport.inference.writers import csv_cell

logger = logging.getLogger(__name__)

__all__ = ["LONG_COLUMNS", "CONFLICT_COLUMNS", "write_panel", "default_paths", "main"]

_RECORD_COLUMNS = ("section", "metric", "raw", "value_start", "value_end", "confidence")
LONG_COLUMNS = ID_COLUMNS + ("key", "value", "unit", "origin", "kind", "direction", "basis", "in_panel", "note") \
    + _RECORD_COLUMNS
CONFLICT_COLUMNS = ID_COLUMNS + ("key", "value", "unit", "origin", "kind") + _RECORD_COLUMNS


def default_paths(output: str | Path) -> dict[str, Path]:
    """The companion files of a panel: its stem + ``.long.csv``, ``.conflicts.csv``, ``.checks.jsonl``.

    >>> sorted((k, p.name) for k, p in default_paths("out/panel.csv").items())
    [('checks', 'panel.checks.jsonl'), ('conflicts', 'panel.conflicts.csv'), ('long', 'panel.long.csv')]
    """
    output = Path(output)
    stem = output.with_suffix("") if output.suffix.lower() == ".csv" else output
    return {"long": Path(f"{stem}.long.csv"), "conflicts": Path(f"{stem}.conflicts.csv"),
            "checks": Path(f"{stem}.checks.jsonl")}


def _row(cells: list[Any]) -> list[Any]:
    return [csv_cell(c) for c in cells]


def _value_cells(value, ident: dict[str, Any], columns: tuple[str, ...]) -> list[Any]:
    record = value.record
    span = record.get("value_span") if isinstance(record.get("value_span"), list) else [None, None]
    row = {**ident, "key": value.key, "value": value.value, "unit": value.unit, "origin": value.origin,
           "kind": record.get("kind"), "direction": record.get("direction"), "basis": record.get("basis"),
           "in_panel": value.in_panel and value.note != "conflict", "note": value.note,
           "section": record.get("section"), "metric": record.get("metric"), "raw": record.get("raw"),
           "value_start": span[0], "value_end": span[1],
           "confidence": round(value.confidence, 4) if value.confidence is not None else None}
    return _row([row[c] for c in columns])


def write_panel(panel: Panel, output: str | Path, long: str | Path, conflicts: str | Path, checks: str | Path,
                inputs: list[str] = ()) -> None:
    """Write the four files of ``panel``, each atomically (UTF-8 with a BOM for the CSVs)."""
    with atomic_write(output, encoding="utf-8-sig", newline="", inputs=inputs) as out:
        writer = csv.writer(out)
        writer.writerow(ID_COLUMNS + tuple(panel.keys))
        for row in panel.rows:
            ident = row.report.ident()
            writer.writerow(_row([ident[c] for c in ID_COLUMNS] + [row.cells.get(k) for k in panel.keys]))
    with atomic_write(long, encoding="utf-8-sig", newline="", inputs=inputs) as out:
        writer = csv.writer(out)
        writer.writerow(LONG_COLUMNS)
        for row in panel.rows:
            ident = row.report.ident()
            for value in row.values:
                writer.writerow(_value_cells(value, ident, LONG_COLUMNS))
    with atomic_write(conflicts, encoding="utf-8-sig", newline="", inputs=inputs) as out:
        writer = csv.writer(out)
        writer.writerow(CONFLICT_COLUMNS)
        for row, key in panel.conflicts:
            ident = row.report.ident()
            for value in row.values:
                if value.key == key and value.in_panel:
                    writer.writerow(_value_cells(value, ident, CONFLICT_COLUMNS))
    with atomic_write(checks, encoding="utf-8", newline="\n", inputs=inputs) as out:
        for check in panel.checks:
            out.write(json.dumps(check, ensure_ascii=False) + "\n")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="govreport panel", description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("inputs", nargs="+", metavar="OUTPUT.jsonl", help="JSONL files written by govreport extract")
    parser.add_argument("--output", "-o", required=True, help="the panel CSV: one row per report, one column per key")
    parser.add_argument("--long", default=None, metavar="FILE",
                        help="one row per keyed value with its provenance (default: the panel's stem + .long.csv)")
    parser.add_argument("--conflicts", default=None, metavar="FILE",
                        help="the values of each key a report states differently (default: stem + .conflicts.csv)")
    parser.add_argument("--checks", default=None, metavar="FILE",
                        help="cross-checks, one JSON object a line (default: stem + .checks.jsonl)")
    parser.add_argument("--derived", action="store_true",
                        help="also fill the group totals no table prints (不予公开 …, 法人或其他组织, 行政诉讼) "
                             "from the printed cells")
    parser.add_argument("--quiet", "-q", action="store_true", help="no summary line")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    setup_logging()
    paths = {"output": Path(args.output), **default_paths(args.output)}
    for name in ("long", "conflicts", "checks"):
        if getattr(args, name):
            paths[name] = Path(getattr(args, name))
    try:
        targets = [check_output(path, args.inputs) for path in paths.values()]
        if len(set(targets)) < len(targets):
            raise OutputError("the panel's output files must be four different files")
    except OutputError as err:
        return cli_error("panel", err)
    reports, broken, documents = [], [], 0
    for path in args.inputs:
        try:
            for number, item in json_lines(path, PanelInputError, keep_going=True):
                try:
                    if isinstance(item, PanelInputError):
                        raise item
                    reports += read_reports(item)
                    documents += 1
                except PanelInputError as err:
                    broken.append(f"{path}:{number}: {err}")
        except OSError as err:
            broken.append(f"{path}: cannot read it: {err}")
        except PanelInputError as err:  # not UTF-8: the lines after it cannot be found
            broken.append(str(err))
    panel = build_panel(reports, derived=args.derived)
    try:
        write_panel(panel, paths["output"], paths["long"], paths["conflicts"], paths["checks"], args.inputs)
    except OutputError as err:
        return cli_error("panel", err)
    for item in broken:
        print(f"SKIPPED {item}", file=sys.stderr)
    if not args.quiet:
        filled = sum(len(row.cells) for row in panel.rows)
        failing = sum(1 for c in panel.checks if not c["ok"])
        print(f"panel: {len(args.inputs)} files, {documents} documents, {len(reports)} reports, {len(panel.keys)} keys, "
              f"{filled} cells filled, {len(panel.conflicts)} conflicts, {failing} of {len(panel.checks)} checks "
              f"failing, {len(broken)} broken lines skipped -> {paths['output']}", file=sys.stderr)
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
