"""``govreport doccano``: the review loop's two ends (see docs/review-loop.md).

    govreport doccano export reports/ --limit 300 -o out/review/tasks.jsonl
    govreport doccano export --extracted out/records.jsonl --limit 300 -o out/review/tasks.jsonl
    govreport doccano import out/review/admin.jsonl -o data/gold/reviewed.jsonl

``export`` writes one pre-annotated doccano task per sentence, least confident first;
``import`` turns doccano's export (either layout) into a gold file that ``govreport train
--extra-train`` and ``govreport evaluate --gold`` read as it is. A bad line is reported with
its file, line and spans and skipped (``--strict``: nothing is written); the exit status is
then 1. Outputs are written atomically.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from typing import Iterator

from govreport.data.doccano import FormatError, atomic_write, write_jsonl
from govreport.data.errors import cli_error
from govreport.data.jsonl import json_lines
from govreport.data.logs import setup_logging
from govreport.inference.doccano_loop import LAYOUTS, ProbingTagger, Task, example_from_doccano, rank, tasks_from_events, \
    tasks_from_result
from govreport.inference.options import add_model_options, model_tagger

logger = logging.getLogger(__name__)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="govreport doccano",
                                     description="Review the model's least sure sentences in doccano and take them back as gold.")
    sub = parser.add_subparsers(dest="action", required=True)
    exp = sub.add_parser("export", help="pre-annotated doccano tasks, one per sentence, least confident first")
    exp.add_argument("inputs", nargs="*", metavar="INPUT",
                     help="report files or folders to run the extractor on (as govreport extract reads them)")
    exp.add_argument("--extracted", nargs="+", metavar="FILE", default=[],
                     help="govreport extract JSONL output written with --include-text, instead of running the model")
    exp.add_argument("--output", "-o", required=True, help="the tasks file (JSONL, doccano's import format)")
    exp.add_argument("--limit", type=int, default=None, help="write only the N least confident sentences")
    exp.add_argument("--layout", choices=LAYOUTS, default="label",
                     help="label: sequence labelling; entities: entities plus the model's value→metric relations "
                          "(for a doccano project with relation labelling, so links can be reviewed); default label")
    add_model_options(exp)
    imp = sub.add_parser("import", help="doccano's export (label or entities/relations layout) to a gold file")
    imp.add_argument("inputs", nargs="+", metavar="FILE", help="JSONL files exported from doccano")
    imp.add_argument("--output", "-o", required=True, help="the gold file (ANNOTATION.md's format, with source)")
    imp.add_argument("--strict", action="store_true", help="write nothing when any line is bad")
    return parser


def _json_lines(paths: list[str], errors: list[str]) -> Iterator[tuple[str, dict]]:
    for path in paths:
        try:
            for lineno, item in json_lines(path, FormatError, keep_going=True):
                if isinstance(item, FormatError):
                    errors.append(f"{path}:{lineno}: {item}")
                else:
                    yield f"{path}:{lineno}", item
        except OSError as err:
            errors.append(f"{path}: cannot read: {err.strerror or err}")
        except FormatError as err:  # not UTF-8: the lines after it cannot be found
            errors.append(str(err))


def _export(args) -> int:
    if args.limit is not None and args.limit < 1:
        print("doccano export: --limit must be at least 1", file=sys.stderr)
        return 2
    if bool(args.inputs) == bool(args.extracted):
        print("doccano export: give report INPUTs or --extracted FILEs (one of the two)", file=sys.stderr)
        return 2
    errors: list[str] = []
    tasks: list[Task] = []
    if args.extracted:
        for where, line in _json_lines(args.extracted, errors):
            try:
                tasks.extend(tasks_from_result(line))
            except FormatError as err:
                errors.append(f"{where}: {err}")
    else:
        from govreport.inference.extract import Extractor
        from govreport.inference.reader import iter_documents

        try:
            tagger = ProbingTagger(model_tagger(args))
        except (OSError, ValueError) as err:
            return cli_error("doccano export: cannot load the model", err)
        events = Extractor(tagger).stream(iter_documents(args.inputs))
        tasks.extend(tasks_from_events(_noting_failures(events, errors), tagger.o_confidence))
    ranked = rank(tasks, args.limit)
    with atomic_write(args.output) as f:
        for task in ranked:
            f.write(json.dumps(task.to_doccano(args.layout), ensure_ascii=False) + "\n")
    for message in errors:
        print(f"SKIPPED {message}", file=sys.stderr)
    print(f"doccano export: {len(ranked)} of {len(tasks)} sentences written to {args.output}, "
          f"{len(errors)} inputs skipped", file=sys.stderr)
    return 1 if errors else 0


def _noting_failures(events, errors: list[str]):
    from govreport.inference.extract import DocEnd

    for event in events:
        if isinstance(event, DocEnd) and event.error is not None:
            errors.append(f"{event.doc.source}: {event.error}")
        yield event


def _import(args) -> int:
    errors: list[str] = []
    examples = []
    for where, item in _json_lines(args.inputs, errors):
        try:
            examples.append(example_from_doccano(item, where))
        except FormatError as err:
            errors.append(str(err))
    seen: dict[str, int] = {}
    for ex in examples:  # two reviews of one task would be two gold lines with one id
        seen[ex.id] = seen.get(ex.id, 0) + 1
        if seen[ex.id] > 1:
            logger.warning("task %s was imported %d times; this copy is %s#%d", ex.id, seen[ex.id], ex.id, seen[ex.id])
            ex.id = f"{ex.id}#{seen[ex.id]}"
    for message in errors:
        print(f"SKIPPED {message}", file=sys.stderr)
    if errors and args.strict:
        print(f"doccano import: {len(errors)} bad lines; nothing written (--strict)", file=sys.stderr)
        return 1
    n = write_jsonl(args.output, examples)
    records = sum(len(ex.records or []) for ex in examples)
    print(f"doccano import: {n} sentences, {records} records written to {args.output}, {len(errors)} lines skipped",
          file=sys.stderr)
    return 1 if errors else 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    setup_logging(logging.WARNING, "named")
    return _export(args) if args.action == "export" else _import(args)


if __name__ == "__main__":
    sys.exit(main())
