"""``govreport evaluate-keys``: precision and coverage of the metric keys against hand-keyed gold.

    govreport evaluate-keys --gold keys.jsonl                          # sentences: data/gold/real_val.jsonl
    govreport evaluate-keys --gold keys.jsonl --sentences S.jsonl --markdown
    govreport evaluate-keys --sentences data/gold/real_train.jsonl     # no gold: how many records get a key

The gold file holds one JSON line per gold prose record: ``{"id": sentence id, "value_span":
[s, e], "metric": str|null, "value": num, "unit": str|null, "key": str|null}``; the sentences
file (doccano JSONL with records) gives each id's text. The mapper runs on the gold records
(their METRIC and unit, in their sentence), so the figures measure the keys alone, not the
tagger. Precision = correct / keyed by the mapper; coverage = gold records with a non-null key
that the mapper keyed correctly / all gold records with a non-null key.

>>> s = KeyScores()
>>> s.add("申请.本年新收.总计", "申请.本年新收.总计"); s.add("申请.本年新收.总计", None); s.add(None, "主动公开.信息总数")
>>> round(s.precision, 3), round(s.coverage, 3), s.mapped_gold_null
(0.5, 0.5, 1)
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from govreport.data.doccano import FormatError, read_jsonl
from govreport.data.errors import cli_error
from govreport.data.jsonl import json_lines
from govreport.data.logs import setup_logging
from govreport.data.schema import Record
from govreport.inference.keys import KeyFileError, KeyMapper, is_well_formed

logger = logging.getLogger(__name__)

DEFAULT_SENTENCES = Path(__file__).resolve().parent.parent / "data" / "gold" / "real_val.jsonl"


def _namespace(key: str | None) -> str:
    return key.split(".", 1)[0] if key else "-"


@dataclass
class KeyScores:
    """Counts of gold and mapped keys, overall and per namespace, and the confusions."""

    total: int = 0
    gold_keyed: int = 0
    mapped: int = 0
    correct: int = 0
    mapped_gold_null: int = 0
    per_namespace: dict[str, Counter] = field(default_factory=dict)
    confusions: Counter = field(default_factory=Counter)

    def add(self, gold: str | None, predicted: str | None) -> None:
        self.total += 1
        self.gold_keyed += gold is not None
        self.mapped += predicted is not None
        hit = gold is not None and gold == predicted
        self.correct += hit
        self.mapped_gold_null += gold is None and predicted is not None
        if gold is not None:
            ns = self.per_namespace.setdefault(_namespace(gold), Counter())
            ns["gold"] += 1
            ns["correct"] += hit
        if predicted is not None:
            self.per_namespace.setdefault(_namespace(predicted), Counter())["mapped"] += 1
        if gold != predicted:
            self.confusions[(gold, predicted)] += 1

    @property
    def precision(self) -> float:
        return self.correct / self.mapped if self.mapped else 0.0

    @property
    def coverage(self) -> float:
        return self.correct / self.gold_keyed if self.gold_keyed else 0.0

    def namespace_rows(self) -> list[tuple[str, int, int, int, float, float]]:
        """(namespace, gold keyed, mapped, correct, precision, coverage) per namespace.

        A correct key is in the same namespace on both sides, so one count serves both the
        precision (over the mapper's keys in the namespace) and the coverage (over the gold's).
        """
        rows = []
        for ns in sorted(self.per_namespace):
            c = self.per_namespace[ns]
            rows.append((ns, c["gold"], c["mapped"], c["correct"],
                         c["correct"] / c["mapped"] if c["mapped"] else 0.0,
                         c["correct"] / c["gold"] if c["gold"] else 0.0))
        return rows

    def to_dict(self) -> dict[str, Any]:
        return {"records": self.total, "gold_keyed": self.gold_keyed, "mapped": self.mapped, "correct": self.correct,
                "precision": self.precision, "coverage": self.coverage, "mapped_where_gold_null": self.mapped_gold_null,
                "per_namespace": {ns: {"gold_keyed": g, "mapped": m, "correct": c, "precision": p, "coverage": cov}
                                  for ns, g, m, c, p, cov in self.namespace_rows()},
                "confusions": [{"gold": g, "predicted": p, "count": n} for (g, p), n in self.confusions.most_common()]}


def read_key_gold(path: str | Path) -> list[tuple[int, dict[str, Any]]]:
    """The gold lines of ``path`` with their line numbers; a bad line raises ``FormatError`` naming it."""
    items = []
    for lineno, item in json_lines(path, FormatError):
        where = f"{path}:{lineno}"
        if not isinstance(item, dict) or not isinstance(item.get("id"), str):
            raise FormatError(f"{where}: expected an object with a string 'id'")
        span = item.get("value_span")
        if not (isinstance(span, list) and len(span) == 2 and all(isinstance(x, int) for x in span)):
            raise FormatError(f"{where}: 'value_span' must be [start, end]")
        key = item.get("key")
        if key is not None and (not isinstance(key, str) or not is_well_formed(key)):
            raise FormatError(f"{where}: malformed key {key!r}")
        items.append((lineno, item))
    return items


def _record(item: dict[str, Any], text: str, sentence_records: list[Record]) -> Record:
    """The gold record as the mapper sees it: the sentence's own record when it agrees, else rebuilt."""
    span = tuple(item["value_span"])
    for record in sentence_records:
        if record.value_span == span and record.metric == item.get("metric") and record.unit == item.get("unit"):
            return record
    metric = item.get("metric")
    metric_span = None
    if metric:
        at = text.rfind(metric, 0, span[0])
        if at < 0:
            at = text.find(metric, span[1])
        metric_span = (at, at + len(metric)) if at >= 0 else None
    return Record(metric, item.get("value"), item.get("unit"), text[span[0]:span[1]], value_span=span,
                  metric_span=metric_span)


def score_keys(gold_path: str | Path, sentences_path: str | Path, mapper: KeyMapper) -> KeyScores:
    """Run ``mapper`` on every gold record and count agreements with the gold keys."""
    sentences = {ex.id: ex for ex in read_jsonl(sentences_path)}
    scores = KeyScores()
    for lineno, item in read_key_gold(gold_path):
        ex = sentences.get(item["id"])
        if ex is None:
            raise FormatError(f"{gold_path}:{lineno}: id {item['id']!r} is not in {sentences_path}")
        s, e = item["value_span"]
        if not 0 <= s < e <= len(ex.text):
            raise FormatError(f"{gold_path}:{lineno}: value_span {[s, e]} is outside the sentence")
        scores.add(item.get("key"), mapper.key(ex.text, _record(item, ex.text, ex.records or [])))
    return scores


def coverage_on(sentences_path: str | Path, mapper: KeyMapper,
                genres: dict[str, str] | None = None) -> tuple[Counter, Counter, Counter]:
    """With no gold: how many records of a sentences file get a key, per genre when ``genres``
    maps a sentence's ``source`` file name to one; how many each key got; the unkeyed metrics."""
    counts, keyed, unkeyed = Counter(), Counter(), Counter()
    for ex in read_jsonl(sentences_path):
        genre = (genres or {}).get(Path(str(ex.meta.get("source", ""))).name, "all")
        for record in ex.records or []:
            key = mapper.key(ex.text, record)
            counts[genre, "records"] += 1
            counts[genre, "keyed"] += key is not None
            if key is None:
                unkeyed[record.metric] += 1
            else:
                keyed[key] += 1
    return counts, keyed, unkeyed


def read_genres(path: str | Path) -> dict[str, str]:
    """``file`` -> ``genre`` from a corpus index TSV (``../shared/corpus/*/INDEX.tsv``)."""
    with open(path, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    if rows and not {"file", "genre"} <= set(rows[0]):
        raise FormatError(f"{path}: expected 'file' and 'genre' columns")
    return {row["file"]: row["genre"] for row in rows}


def format_scores(scores: KeyScores, markdown: bool, confusions: int = 20) -> str:
    rows = [("all", scores.gold_keyed, scores.mapped, scores.correct, scores.precision, scores.coverage)]
    rows += scores.namespace_rows()
    lines = [f"evaluate-keys: {scores.total} gold records, {scores.gold_keyed} with a gold key; "
             f"{scores.mapped} keyed by the mapper, {scores.mapped_gold_null} of them where gold says null"]
    if markdown:
        lines += ["", "| namespace | gold keyed | mapped | correct | precision | coverage |", "|---|---:|---:|---:|---:|---:|"]
        lines += [f"| {ns} | {g} | {m} | {c} | {p:.3f} | {cov:.3f} |" for ns, g, m, c, p, cov in rows]
        lines += ["", "| gold key | mapped key | count |", "|---|---|---:|"]
        lines += [f"| {g} | {p} | {n} |" for (g, p), n in scores.confusions.most_common(confusions)]
    else:
        lines += [f"{ns:<10} gold {g:>4}  mapped {m:>4}  correct {c:>4}  precision {p:.3f}  coverage {cov:.3f}"
                  for ns, g, m, c, p, cov in rows]
        lines += ["confusions (gold -> mapped):"]
        lines += [f"  {n:>3}  {g} -> {p}" for (g, p), n in scores.confusions.most_common(confusions)]
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="govreport evaluate-keys",
        description="Score the metric-key mapper against hand-keyed gold records: precision, coverage, confusions.")
    parser.add_argument("--gold", default=None,
                        help="gold keys, one JSON line per record (id, value_span, metric, value, unit, key); "
                             "without it, report how many records of --sentences get a key")
    parser.add_argument("--sentences", default=str(DEFAULT_SENTENCES),
                        help="doccano JSONL giving each id's text and records (default: data/gold/real_val.jsonl)")
    parser.add_argument("--index", default=None, metavar="TSV",
                        help="without --gold: a corpus INDEX.tsv (file, genre) to count keyed records per genre")
    parser.add_argument("--keys", default=None, metavar="FILE", help="your own mapping file, as govreport extract --keys")
    parser.add_argument("--markdown", action="store_true", help="print tables in markdown")
    parser.add_argument("--confusions", type=int, default=20, help="how many confusions to print (default 20)")
    parser.add_argument("--output", "-o", default=None, help="write the figures here as JSON")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    setup_logging()
    try:
        mapper = KeyMapper.load(args.keys)
        if args.gold is None:
            counts, keyed, unkeyed = coverage_on(args.sentences, mapper, read_genres(args.index) if args.index else None)
            total, n = sum(keyed.values()) + sum(unkeyed.values()), sum(keyed.values())
            print(f"evaluate-keys: {total} records of {args.sentences}, {n} keyed ({n / max(total, 1):.1%}), "
                  f"{len(keyed)} distinct keys")
            for genre in sorted({g for g, _ in counts}) if args.index else ():
                r, k = counts[genre, "records"], counts[genre, "keyed"]
                print(f"  {genre}: {k} of {r} keyed ({k / max(r, 1):.1%})")
            for key, count in keyed.most_common():
                print(f"  {count:>4}  {key}")
            report: dict[str, Any] = {"records": total, "keyed": n, "keys": dict(keyed),
                                      "unkeyed_metrics": dict(unkeyed.most_common(50))}
        else:
            scores = score_keys(args.gold, args.sentences, mapper)
            print(format_scores(scores, args.markdown, args.confusions))
            report = scores.to_dict()
    except (KeyFileError, FormatError, OSError) as err:
        return cli_error("evaluate-keys", err)
    if args.output:
        Path(args.output).write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
