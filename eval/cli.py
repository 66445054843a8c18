"""``govreport evaluate``: score a model, the rule baseline or a predictions file against gold.

    govreport evaluate --gold data/gold/dev.jsonl                       # the shipped model
    govreport evaluate --gold data/gold/dev.jsonl --system rules --markdown
    govreport evaluate --gold data/gold/dev.jsonl --predictions pred.jsonl --errors errors.jsonl

Gold and predictions are doccano JSONL as ANNOTATION.md describes (``label`` spans,
optional ``records``). A predictions line may leave out ``text`` (``govreport extract``
writes none without ``--include-text``): the gold text of the same id is used. Scoring:
seqeval strict mode, IOB2, over character tags; records matched one to one on metric, value
(relative tolerance 1e-6) and unit (see :mod:`eval.scoring`). What it prints and writes is
:mod:`eval.output`.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Sequence

from govreport.data.atomic import OutputError, check_output
from govreport.data.errors import cli_error
from govreport.data.jsonl import json_lines
from govreport.data.doccano import Example, FormatError, atomic_write, read_jsonl
from govreport.data.logs import setup_logging
from govreport.data.schema import Record, Span
from govreport.data.version import package_version
from govreport.eval.output import errors_summary, markdown_table, per_source_markdown, text_summary, write_errors
from govreport.eval.scoring import Scores, score
from govreport.inference.options import add_model_options, model_tagger

logger = logging.getLogger(__name__)

SYSTEMS = ("model", "rules")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="govreport evaluate",
        description="Score predictions against gold annotations: seqeval strict IOB2 entity scores "
                    "and record scores (metric, value within relative tolerance 1e-6, unit).",
    )
    parser.add_argument("--gold", help="gold JSONL (doccano format with optional records); required unless --compare")
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--predictions", default=None,
                       help="predictions JSONL to score (ids matching the gold; 'text' optional)")
    which.add_argument("--system", choices=SYSTEMS, default=None,
                       help="'rules' runs the rule-based baseline; 'model' (the default) runs --model")
    parser.add_argument("--output", "-o", default=None, help="write the full report here as JSON")
    parser.add_argument("--errors", default=None,
                        help="write one JSON line per text with an error: gold and predicted spans and records")
    parser.add_argument("--markdown", action="store_true", help="print the scores as a markdown table")
    parser.add_argument("--per-source", action="store_true",
                        help="also print scores per gold 'source' (always in the JSON report)")
    parser.add_argument("--max-examples", type=int, default=None, help="score only the first N gold texts")
    add_model_options(parser, model_group=which, model_default=None)
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    report = parser.add_argument_group("report (eval/report.py)")
    report.add_argument("--html", default=None,
                        help="write the evaluation report here: scores with bootstrap intervals, errors, confusion, "
                             "calibration, worst texts, plots (needs matplotlib: pip install 'govreport[report]')")
    report.add_argument("--run", default=None,
                        help="a training run (or model) folder whose log the report plots: trainer_state.json, "
                             "checkpoint-*/trainer_state.json or train_results.json")
    report.add_argument("--bootstrap", type=int, default=1000, metavar="N",
                        help="bootstrap resamples of the texts for the 95%% intervals (default 1000; 0: none)")
    report.add_argument("--seed", type=int, default=0, help="seed of the bootstrap (default 0)")
    report.add_argument("--compare", nargs=2, metavar=("A.json", "B.json"), default=None,
                        help="compare two saved reports (--output) with a paired bootstrap instead of scoring")
    return parser


# ---------------------------------------------------------------------------------------------
# Predictions
# ---------------------------------------------------------------------------------------------


def read_predictions(path: str | Path, gold: Sequence[Example]) -> list[Example]:
    """Prediction examples from a JSONL file; a line without ``text`` takes its gold text.

    Raises FormatError (naming file and line) for a line that is not an example.
    """
    texts = {ex.id: ex.text for ex in gold}
    out = []
    for lineno, item in json_lines(path, error=FormatError):
        try:
            if not isinstance(item, dict):
                raise FormatError("expected a JSON object")
            if "id" not in item or item["id"] in (None, ""):
                item["id"] = f"{Path(path).stem}-{lineno}"
            item["id"] = str(item["id"])
            labels, confidences = item.get("label"), item.get("scores")
            if isinstance(labels, list) and isinstance(confidences, list) and len(labels) == len(confidences):
                # extract's "scores" follow its "label" order; keep each with its span.
                item["span_scores"] = [[*label[:3], score] for label, score in zip(labels, confidences)
                                       if isinstance(label, list) and len(label) >= 3]
            if "text" not in item:
                # Ids not in the gold are only counted, so any text does for them.
                item["text"] = texts.get(item["id"], "")
                if item["id"] not in texts:
                    item["label"], item["records"] = [], []
            out.append(Example.from_dict(item))
        except FormatError as err:
            raise FormatError(f"{path}:{lineno}: {err}") from None
    return out


def predict(tagger, gold: Sequence[Example], progress: bool = False, batch_chars: int = 1 << 14
            ) -> tuple[list[Example], list[tuple[str, str]]]:
    """Run a tagger through :class:`inference.Extractor` on the gold texts.

    The spans scored are those the extractor outputs (repaired, trimmed, mapped back to the
    text), and the records come from the same run, so the figures describe what
    ``govreport extract`` would write. Also returns ``(id, error)`` for each text the
    tagger failed on; its predictions are incomplete.
    """
    from govreport.inference.extract import DocEnd, DocStart, Extractor, Piece
    from govreport.inference.reader import Document

    from govreport.eval.report import span_scores

    extractor = Extractor(tagger, batch_chars=batch_chars)
    docs = [Document(id=ex.id, source=ex.id, _open=(lambda text=ex.text: [text])) for ex in gold]
    texts = {ex.id: ex.text for ex in gold}
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=sum(len(ex.text) for ex in gold), desc="tagging", unit="char", unit_scale=True,
                   file=sys.stderr)
    out: list[Example] = []
    spans: list[Span] = []
    scores: list[float] = []
    records: list[Record] = []
    failures: list[tuple[str, str]] = []
    for event in extractor.stream(docs):
        if isinstance(event, DocStart):
            spans, scores, records = [], [], []
        elif isinstance(event, Piece):
            spans += event.spans
            scores += event.scores
            records += event.records
            if bar is not None:
                bar.update(event.end - event.start)
        elif isinstance(event, DocEnd):
            if event.error:
                failures.append((event.doc.id, event.error))
                logger.warning("text %s: %s", event.doc.id, event.error)
            # Span confidences go along for the report's calibration figures.
            out.append(Example(event.doc.id, texts[event.doc.id], sorted(spans), records,
                               {"span_scores": span_scores(spans, scores)}))
    if bar is not None:
        bar.close()
    return out, failures


# ---------------------------------------------------------------------------------------------
# main
# ---------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    inputs = [p for p in (args.gold, args.predictions) if p is not None]
    for path in (args.output, args.errors):
        try:  # before any scoring: a wrong output path is a usage error (docs/output.md)
            if path is not None:
                check_output(path, inputs)
        except OutputError as err:
            return cli_error("evaluate", err)
    setup_logging(logging.WARNING, "named")
    if args.compare:
        from govreport.eval.report_cli import run_compare

        return run_compare(args)
    if not args.gold:
        print("evaluate: --gold is required (or --compare A.json B.json)", file=sys.stderr)
        return 2
    if args.html:
        from govreport.eval.report_cli import check_html_deps

        if not check_html_deps(args):
            return 2
    started = time.perf_counter()
    if args.max_examples is not None and args.max_examples < 1:
        print(f"evaluate: --max-examples must be at least 1, not {args.max_examples}", file=sys.stderr)
        return 2
    skipped: list[str] = []   # gold lines that cannot be read: named, left out, and the exit status 1
    try:
        gold = read_jsonl(args.gold, skipped)
    except (OSError, FormatError) as err:
        return cli_error("evaluate: cannot read the gold file", err)
    for line in skipped:
        print(f"evaluate: skipped a gold line: {line}", file=sys.stderr)
    if not gold:
        print(f"evaluate: the gold file {args.gold} holds no examples", file=sys.stderr)
        return 2
    if args.max_examples is not None:
        gold = gold[:args.max_examples]
    twice = [i for i, n in Counter(ex.id for ex in gold).items() if n > 1]
    if twice and args.predictions is not None:   # predictions are matched to their gold text by id
        print(f"evaluate: gold id {twice[0]!r} appears more than once in {args.gold}", file=sys.stderr)
        return 2
    if twice:   # the system reads each gold text itself: a repeated id is only a name, made unique
        print(f"evaluate: {len(twice)} gold ids appear more than once in {args.gold} (first {twice[0]!r}); "
              "their later texts are scored as ID#2, ID#3 …", file=sys.stderr)
        seen: Counter = Counter()
        for ex in gold:
            seen[ex.id] += 1
            if seen[ex.id] > 1:
                ex.id = f"{ex.id}#{seen[ex.id]}"
    progress = not args.no_progress and sys.stderr.isatty()
    build = None
    tagger = None  # the model's, when one ran
    failures: list[tuple[str, str]] = []  # texts the tagger failed on

    if args.predictions is not None:
        try:
            pred = read_predictions(args.predictions, gold)
        except (OSError, FormatError) as err:
            return cli_error("evaluate: cannot read the predictions", err)
        from govreport.inference.records import build_records

        build = build_records  # for predictions that carry spans but no records
        system = f"predictions {args.predictions}"
    elif args.system == "rules":
        from govreport.eval.rules import RuleTagger

        pred, failures = predict(RuleTagger(), gold, progress)
        system = "rules"
    else:
        if not progress:
            from transformers.utils import logging as hf_logging

            hf_logging.disable_progress_bar()
        try:
            tagger = model_tagger(args)
        except (OSError, ValueError) as err:
            return cli_error("evaluate: cannot load the model", err)
        pred, failures = predict(tagger, gold, progress)
        system = f"model {tagger.model_dir}"

    try:
        result: Scores = score(gold, pred, build_records=build)
    except ValueError as err:
        return cli_error("evaluate", err)
    report = result.report
    elapsed = time.perf_counter() - started
    report = {"gold": str(args.gold), "system": system, "govreport_version": package_version(), **report,
              "seconds": round(elapsed, 2)}
    if tagger is not None:
        report["backend"], report["precision"] = tagger.backend, tagger.precision
    if failures:
        report["failed_texts"] = [{"id": i, "error": e} for i, e in failures]
    title = f"{system} ({tagger.serving}) on {args.gold}" if tagger is not None else f"{system} on {args.gold}"
    from govreport.eval.report import analyse

    report.update(analyse(result, args.bootstrap, args.seed))
    if args.html:
        from govreport.eval.report_cli import write_html

        if not write_html(args, report, result):
            return 2

    if args.output:
        with atomic_write(args.output) as f:
            json.dump(report, f, ensure_ascii=False, indent=2)
            f.write("\n")
    if args.errors:
        n = write_errors(args.errors, result.texts)
        logger.info("wrote %d error lines to %s", n, args.errors)
    if args.markdown:
        print(markdown_table(report, title))
        if args.per_source and report["per_source"]:
            print()
            print(per_source_markdown(report))
    else:
        print(text_summary(report, title))
        if args.per_source and report["per_source"]:
            print(per_source_markdown(report))
    print(errors_summary(report), file=sys.stderr)
    print(f"evaluate: {elapsed:.1f} s", file=sys.stderr)
    if failures:
        # The scores count a failed text as predicting nothing: they do not describe the system.
        first_id, first_error = failures[0]
        print(f"evaluate: the tagger failed on {len(failures)} of {len(gold)} texts, so these scores are not "
              f"the system's (first: {first_id}: {first_error})", file=sys.stderr)
        return 1
    if skipped:
        print(f"evaluate: {len(skipped)} gold lines could not be read and are not in these scores", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
