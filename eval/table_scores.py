"""Scoring parsed table cells against the numbers a table prints: per-file counts and one line of figures.

Shared by ``govreport evaluate-tables`` (:mod:`eval.tables`, gold files) and its ``--pdf``
check (:mod:`eval.pdf_tables`, tables printed to PDF and read back).

>>> score_cells({"a.b": 1, "a.c": 2.5}, [("a.b", 1), ("a.c", 2.0), ("a.d", 0)])
(1, 3, 2)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable

from govreport.eval.matching import prf, same_value

__all__ = ["FileScore", "score_cells", "evaluate_file", "score_line"]


@dataclass
class FileScore:
    """Counts of one raw file (or of one PDF reader's readings): the items right, predicted and
    gold (table cells; records, in eval.pdf_prose), and the identities that failed on its tables."""

    file: str
    correct: int = 0
    predicted: int = 0
    gold: int = 0
    failed: list[str] = field(default_factory=list)
    checks: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)

    def add(self, other: "FileScore") -> None:
        """Count ``other``'s cells and checks in with these (a micro-average over files)."""
        self.correct += other.correct
        self.predicted += other.predicted
        self.gold += other.gold
        self.checks += other.checks
        self.failed += other.failed

    @property
    def precision(self) -> float:
        return prf(self.correct, self.predicted, self.gold)["precision"]

    @property
    def recall(self) -> float:
        return prf(self.correct, self.predicted, self.gold)["recall"]

    @property
    def f1(self) -> float:
        return prf(self.correct, self.predicted, self.gold)["f1"]


def score_cells(gold: dict[str, float], predicted: Iterable[tuple[str, float]]) -> tuple[int, int, int]:
    """(correct, predicted, gold) for predicted (key, value) pairs against gold key → value."""
    unmatched = dict(gold)
    correct = n = 0
    for key, value in predicted:
        n += 1
        if key in unmatched and same_value(unmatched[key], value):
            correct += 1
            del unmatched[key]
    return correct, n, len(gold)


def evaluate_file(text: str, gold: dict[str, float], name: str, layout: str | None = None) -> FileScore:
    """Parse ``text`` and score its cells against ``gold``. ``layout`` is the same pages read by
    position (a PDF's table pages in layout mode): its cells complete the text's, as
    ``govreport extract`` completes a PDF's (:func:`inference.tables.complete_tables`)."""
    from govreport.inference.tables import check_tables, parse_tables

    tables = parse_tables(text, layout)
    cells = [c for t in tables for c in t.cells]
    correct, predicted, n_gold = score_cells(gold, [(c.key, c.value) for c in cells])
    checks = check_tables(tables)
    result = FileScore(name, correct, predicted, n_gold, [c.identity for c in checks if not c.ok], len(checks))
    seen = set()
    for c in cells:
        if c.key not in gold or not same_value(gold[c.key], c.value) or c.key in seen:
            result.errors.append({"file": name, "kind": "wrong", "key": c.key, "predicted": c.value,
                                  "gold": gold.get(c.key), "raw": c.raw, "offset": c.start})
        seen.add(c.key)
    predicted_keys = {c.key for c in cells}
    for key, value in gold.items():
        if key not in predicted_keys:
            result.errors.append({"file": name, "kind": "missed", "key": key, "gold": value})
    return result


def score_line(name: str, s: FileScore, markdown: bool) -> str:
    ids = f"{len(s.failed)}/{s.checks} fail" if s.checks else "none run"
    if markdown:
        return (f"| {name} | {s.gold} | {s.predicted} | {s.correct} | {s.precision:.3f} | {s.recall:.3f} "
                f"| {s.f1:.3f} | {ids} |")
    return (f"{name:<40} gold {s.gold:4d}  predicted {s.predicted:4d}  correct {s.correct:4d}  "
            f"P {s.precision:.3f}  R {s.recall:.3f}  F1 {s.f1:.3f}  identities {ids}")
