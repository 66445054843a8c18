"""``govreport evaluate-kinds``: score the kind, direction and basis rules on gold records.

    govreport evaluate-kinds --gold data/gold/kinds/dev.jsonl --markdown

The classifier (:func:`inference.kinds.classify`) runs on the *gold* records of the sentence
file (their gold METRIC/VALUE/UNIT spans), so the figures measure the kind rules alone, not
the tagger. A kinds gold line names a sentence and one of its gold records by VALUE span:

    {"id": "s-1", "value_span": [7, 11], "metric": "申请量", "value": 12.5, "unit": "%",
     "kind": "change", "direction": "up", "basis": "同比"}

>>> from govreport.data.schema import Record
>>> gold = [KindGold("a", (4, 5), "change", "up", "同比", 1)]
>>> sentences = {"a": Example("a", "同比增长3%", records=[Record(None, 3, "%", "3%", value_span=(4, 5))])}
>>> report = score_kinds(gold, sentences)
>>> report["kind_accuracy"], report["direction_accuracy"], report["basis_accuracy"], report["unmatched"]
(1.0, 1.0, 1.0, 0)
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from govreport.data.doccano import Example, FormatError, read_jsonl
from govreport.data.errors import cli_error
from govreport.data.jsonl import json_lines
from govreport.eval.matching import prf
from govreport.inference.kinds import DIRECTIONS, KINDS, classify

logger = logging.getLogger(__name__)

DEFAULT_SENTENCES = "data/gold/dev.jsonl"


@dataclass(frozen=True)
class KindGold:
    """One gold record's kind, direction and basis, found by its sentence id and VALUE span."""

    id: str
    value_span: tuple[int, int]
    kind: str
    direction: str | None
    basis: str | None
    line: int  # where it was read, for messages


def _check(item: Any) -> KindGold | str:
    """The gold entry of one parsed line, or what is wrong with it."""
    if not isinstance(item, dict):
        return "expected a JSON object"
    missing = [k for k in ("id", "value_span", "kind", "direction", "basis") if k not in item]
    if missing:
        return f"missing {', '.join(repr(k) for k in missing)}"
    if not isinstance(item["id"], (str, int)) or isinstance(item["id"], bool) or item["id"] == "":
        return "'id' must be a non-empty string"
    span = item["value_span"]
    if not (isinstance(span, list) and len(span) == 2 and all(isinstance(x, int) and not isinstance(x, bool)
                                                              for x in span) and 0 <= span[0] < span[1]):
        return f"'value_span' must be [start, end] with 0 <= start < end, not {span!r}"
    kind, direction, basis = item["kind"], item["direction"], item["basis"]
    if kind not in KINDS:
        return f"'kind' must be one of {', '.join(KINDS)}, not {kind!r}"
    if direction not in DIRECTIONS + (None,):
        return f"'direction' must be up, down or null, not {direction!r}"
    if direction is not None and kind != "change":
        return f"'direction' is only for kind change (this is {kind})"
    if basis is not None and (not isinstance(basis, str) or not basis.strip()):
        return f"'basis' must be a non-empty string or null, not {basis!r}"
    if basis is not None and kind not in ("change", "ratio"):
        return f"'basis' is only for kinds change and ratio (this is {kind})"
    return KindGold(str(item["id"]), (span[0], span[1]), kind, direction, basis, 0)


def read_kind_gold(path: str | Path) -> list[KindGold]:
    """The entries of a kinds gold file; FormatError naming the file and line for a bad one."""
    out: list[KindGold] = []
    seen: dict[tuple[str, tuple[int, int]], int] = {}
    for lineno, item in json_lines(path, FormatError):
        checked = _check(item)
        if isinstance(checked, str):
            raise FormatError(f"{path}:{lineno}: {checked}")
        key = (checked.id, checked.value_span)
        if key in seen:
            raise FormatError(f"{path}:{lineno}: record {checked.id} {list(checked.value_span)} "
                              f"is already on line {seen[key]}")
        seen[key] = lineno
        out.append(KindGold(*key, checked.kind, checked.direction, checked.basis, lineno))
    return out


def score_kinds(gold: Sequence[KindGold], sentences: dict[str, Example]) -> dict[str, Any]:
    """Kind accuracy, per-kind P/R/F1, direction and basis accuracy over gold changes.

    A gold entry whose sentence or gold record (same VALUE span) is not in ``sentences`` is
    counted as unmatched and scored nowhere.
    """
    pairs: list[tuple[KindGold, Any]] = []
    unmatched: list[str] = []
    for g in gold:
        ex = sentences.get(g.id)
        record = next((r for r in (ex.records or []) if r.value_span == g.value_span), None) if ex else None
        if record is None:
            unmatched.append(f"line {g.line}: {g.id} {list(g.value_span)}")
            continue
        pairs.append((g, classify(ex.text, record)))
    correct = sum(g.kind == p.kind for g, p in pairs)
    gold_counts = Counter(g.kind for g, _ in pairs)
    pred_counts = Counter(p.kind for _, p in pairs)
    hits = Counter(g.kind for g, p in pairs if g.kind == p.kind)
    changes = [(g, p) for g, p in pairs if g.kind == "change"]
    confusion = Counter((g.kind, p.kind) for g, p in pairs)
    return {
        "records": len(pairs),
        "unmatched": len(unmatched),
        "unmatched_examples": unmatched[:10],
        "kind_accuracy": correct / len(pairs) if pairs else 0.0,
        "per_kind": {k: prf(hits[k], pred_counts[k], gold_counts[k]) for k in KINDS},
        "changes": len(changes),
        "direction_accuracy": sum(g.direction == p.direction for g, p in changes) / len(changes) if changes else 0.0,
        "basis_accuracy": sum(g.basis == p.basis for g, p in changes) / len(changes) if changes else 0.0,
        "confusion": {f"{gk}->{pk}": n for (gk, pk), n in sorted(confusion.items()) if gk != pk},
    }


def format_report(report: dict[str, Any], title: str, markdown: bool = False) -> str:
    """The scores as plain text or a markdown table."""
    head = (f"{title}: {report['records']} gold records; kind accuracy {report['kind_accuracy']:.3f}; "
            f"direction accuracy {report['direction_accuracy']:.3f} and basis accuracy (exact string) "
            f"{report['basis_accuracy']:.3f} over {report['changes']} gold changes; "
            f"{report['unmatched']} gold lines not matched to a gold record")
    rows = [(k, r) for k, r in report["per_kind"].items() if r["support"] or r["predicted"]]
    if markdown:
        lines = [f"**{head}**", "", "| kind | precision | recall | F1 | gold | predicted |",
                 "|---|---:|---:|---:|---:|---:|"]
        lines += [f"| {k} | {r['precision']:.3f} | {r['recall']:.3f} | {r['f1']:.3f} | {r['support']} | "
                  f"{r['predicted']} |" for k, r in rows]
    else:
        lines = [head, f"{'':<10}{'precision':>10}{'recall':>10}{'F1':>10}{'gold':>8}{'pred':>8}"]
        lines += [f"{k:<10}{r['precision']:>10.3f}{r['recall']:>10.3f}{r['f1']:>10.3f}{r['support']:>8}"
                  f"{r['predicted']:>8}" for k, r in rows]
    if report["confusion"]:
        lines += ["", "confusions (gold->predicted): "
                  + ", ".join(f"{pair} {n}" for pair, n in report["confusion"].items())]
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="govreport evaluate-kinds",
        description="Score the kind/direction/basis rules (inference.kinds) on gold records: the rules run on "
                    "the gold METRIC/VALUE/UNIT spans of the sentence file, so the tagger plays no part.")
    parser.add_argument("--gold", required=True,
                        help="kinds gold JSONL: one line per record with id, value_span, kind, direction, basis")
    parser.add_argument("--sentences", default=DEFAULT_SENTENCES,
                        help=f"the sentence gold file the ids and VALUE spans refer to (default {DEFAULT_SENTENCES})")
    parser.add_argument("--markdown", action="store_true", help="print the scores as a markdown table")
    parser.add_argument("--output", "-o", default=None, help="also write the full report here as JSON")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        gold = read_kind_gold(args.gold)
    except (OSError, FormatError) as err:
        return cli_error("evaluate-kinds: cannot read the kinds gold", err)
    try:
        sentences = {ex.id: ex for ex in read_jsonl(args.sentences)}
    except (OSError, FormatError) as err:
        return cli_error("evaluate-kinds: cannot read the sentences", err)
    report = score_kinds(gold, sentences)
    print(format_report(report, f"kinds of {args.gold} (sentences {args.sentences})", args.markdown))
    if report["unmatched"]:
        print(f"evaluate-kinds: {report['unmatched']} gold lines match no gold record of {args.sentences} "
              f"(first: {report['unmatched_examples'][0]})", file=sys.stderr)
    if args.output:
        from govreport.data.doccano import atomic_write

        with atomic_write(args.output) as f:
            json.dump({"gold": str(args.gold), "sentences": str(args.sentences), **report}, f,
                      ensure_ascii=False, indent=2)
            f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
