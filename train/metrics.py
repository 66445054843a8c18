"""Entity-level scores over character tags: seqeval, strict mode, IOB2 (ANNOTATION.md "Scoring").

>>> scores = entity_scores([["B-VALUE", "B-UNIT", "O"]], [["B-VALUE", "O", "O"]])
>>> scores["VALUE"]["f1"], scores["UNIT"]["f1"], round(scores["micro"]["f1"], 3)
(1.0, 0.0, 0.667)
"""

from __future__ import annotations

import warnings
from typing import Sequence

from seqeval.metrics import classification_report
from seqeval.scheme import IOB2

from govreport.data.schema import ENTITY_TYPES


def entity_scores(gold_tag_seqs: Sequence[Sequence[str]], pred_tag_seqs: Sequence[Sequence[str]]) -> dict:
    """Precision, recall, F1 and support (gold count) per entity type and micro-averaged.

    Strict mode counts an entity only when type and both boundaries match and the
    prediction starts with ``B-``: an ``I-X`` after ``O`` is no entity. Every type
    of :data:`data.schema.ENTITY_TYPES` appears in the result, with zeros where
    neither side has one. Returns plain floats and ints (JSON-ready)::

        {"micro": {"precision": .., "recall": .., "f1": .., "support": ..}, "METRIC": {...}, ...}
    """
    gold, pred = [list(s) for s in gold_tag_seqs], [list(s) for s in pred_tag_seqs]
    if len(gold) != len(pred) or any(len(g) != len(p) for g, p in zip(gold, pred)):
        raise ValueError("gold and predicted tag sequences differ in number or length")
    with warnings.catch_warnings():
        # seqeval warns (and numpy divides 0/0) when a type has no gold or no predictions;
        # zero_division=0 already gives the answer we want.
        warnings.simplefilter("ignore")
        report = classification_report(gold, pred, mode="strict", scheme=IOB2, output_dict=True, zero_division=0)

    def row(entry: dict | None) -> dict:
        entry = entry or {}
        return {
            "precision": float(entry.get("precision", 0.0)),
            "recall": float(entry.get("recall", 0.0)),
            "f1": float(entry.get("f1-score", 0.0)),
            "support": int(entry.get("support", 0)),
        }

    scores = {"micro": row(report.get("micro avg"))}
    for kind in ENTITY_TYPES:
        scores[kind] = row(report.get(kind))
    return scores

