"""When a predicted record equals a gold one, the one-to-one matching of records, and the precision,
recall and F1 of what matched (:mod:`eval.scoring`, :mod:`eval.table_scores`, :mod:`eval.kinds`).

A predicted record is right when a gold record of the same text has the same metric text,
the same value (relative tolerance :data:`REL_TOL`) and the same unit (％ ﹪ ℅ read as %).

>>> match_records([Record("办结", 3, "件", "3件")], [Record("办结", 3.0000001, "％", "3％"), Record(None, 3, "件", "3件")],
...               same_value_unit)
[(0, 1)]
"""

from __future__ import annotations

import math
from typing import Any, Callable, Sequence

from govreport.data.schema import Record
from govreport.data.text import normalize_percent

__all__ = ["REL_TOL", "same_value", "same_unit", "same_value_unit", "same_record", "match_records", "prf"]

REL_TOL = 1e-6


def same_value(a: Any, b: Any, rel_tol: float = REL_TOL) -> bool:
    """Equal within a relative tolerance (numbers), else plain equality.

    >>> same_value(0.1 + 0.2, 0.3), same_value(100, 100.00005), same_value(100, 100.001), same_value(0, 0.0)
    (True, True, False, True)
    """
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) \
            and not isinstance(a, bool) and not isinstance(b, bool):
        return math.isclose(a, b, rel_tol=rel_tol, abs_tol=0.0)
    return a == b


def same_unit(a: str | None, b: str | None) -> bool:
    """Equal units once percent signs are normalised (``normalize_percent``).

    >>> same_unit("％", "%"), same_unit("件", None)
    (True, False)
    """
    return _normalized(a) == _normalized(b)


def _normalized(unit: str | None) -> str | None:
    return normalize_percent(unit) if isinstance(unit, str) else unit


def same_value_unit(gold: Record, pred: Record) -> bool:
    return same_value(gold.value, pred.value) and same_unit(gold.unit, pred.unit)


def same_record(gold: Record, pred: Record) -> bool:
    """Same metric text, same value (relative tolerance 1e-6), same unit (％ ﹪ ℅ read as %)."""
    return gold.metric == pred.metric and same_value_unit(gold, pred)


def match_records(gold: Sequence[Record], pred: Sequence[Record],
                  same: Callable[[Record, Record], bool] = same_record) -> list[tuple[int, int]]:
    """One-to-one matches ``(gold index, pred index)``: each predicted record, in order, takes
    the first gold record it equals that no earlier prediction took.

    >>> g = [Record("办结", 3, "件", "3件")]
    >>> match_records(g, [Record("办结", 3, "件", "3件"), Record("办结", 3.0000001, "件", "3件")])
    [(0, 0)]
    """
    taken = [False] * len(gold)
    matches = []
    for j, p in enumerate(pred):
        for i, g in enumerate(gold):
            if not taken[i] and same(g, p):
                taken[i] = True
                matches.append((i, j))
                break
    return matches


def prf(correct: int, predicted: int, gold: int) -> dict[str, float | int]:
    """Precision, recall and F1 from counts (0.0 where a denominator is 0).

    >>> prf(3, 4, 6)
    {'precision': 0.75, 'recall': 0.5, 'f1': 0.6, 'support': 6, 'predicted': 4, 'correct': 3}
    """
    precision = correct / predicted if predicted else 0.0
    recall = correct / gold if gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "support": gold, "predicted": predicted,
            "correct": correct}
