"""Bootstrap confidence intervals for the evaluation's scores, resampling texts.

A score here is a sum over texts of ``(correct, predicted, gold)`` counts, so a resample is a
vector of weights over texts (how often each text was drawn) and every resampled precision,
recall and F1 comes from one matrix product. Texts, not spans, are resampled because errors in
one sentence are not independent of each other (a missed METRIC often costs its record too).

Entity counts are exact span matches per type, which is what seqeval's strict IOB2 mode counts
for the valid tags that spans make; records count one-to-one matches (:mod:`eval.scoring`).

>>> counts = np.array([[[1, 1, 1]], [[0, 1, 1]], [[1, 1, 1]], [[1, 1, 1]]])   # 4 texts, 1 key
>>> f1 = prf_arrays(counts.sum(axis=0))[2]
>>> round(float(f1[0]), 3)
0.75
>>> ci = bootstrap(counts, ["VALUE"], resamples=200, seed=0)["VALUE"]
>>> ci["f1"][0] <= 0.75 <= ci["f1"][1]
True
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from govreport.data.schema import ENTITY_TYPES

__all__ = ["COUNT_KEYS", "text_counts", "prf_arrays", "resample_weights", "bootstrap", "paired_bootstrap"]

# Each key is scored from (correct, predicted, gold) counts summed over texts.
COUNT_KEYS: tuple[str, ...] = ENTITY_TYPES + ("entity_micro", "record", "value_unit")


def text_counts(results: Sequence[Any]) -> np.ndarray:
    """``counts[text, key] = (correct, predicted, gold)`` for each of COUNT_KEYS.

    ``results`` are :class:`eval.scoring.TextResult`; a text without gold records adds
    nothing to the record keys, as in the report.
    """
    counts = np.zeros((len(results), len(COUNT_KEYS), 3), dtype=np.int64)
    for i, r in enumerate(results):
        gold, pred = r.gold.spans, r.pred.spans
        both = set(gold) & set(pred)
        for k, kind in enumerate(ENTITY_TYPES):
            counts[i, k] = (sum(s.label == kind for s in both), sum(s.label == kind for s in pred),
                            sum(s.label == kind for s in gold))
        counts[i, len(ENTITY_TYPES)] = (len(both), len(pred), len(gold))
        if r.gold_records is not None:
            n_gold, n_pred = len(r.gold_records), len(r.pred_records)
            counts[i, len(ENTITY_TYPES) + 1] = (len(r.record_matches), n_pred, n_gold)
            counts[i, len(ENTITY_TYPES) + 2] = (len(r.value_unit_matches), n_pred, n_gold)
    return counts


def prf_arrays(summed: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Precision, recall and F1 from ``(..., 3)`` summed counts; 0 where a denominator is 0."""
    correct, predicted, gold = (summed[..., j].astype(float) for j in range(3))
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = np.where(predicted > 0, correct / np.maximum(predicted, 1), 0.0)
        recall = np.where(gold > 0, correct / np.maximum(gold, 1), 0.0)
        total = precision + recall
        f1 = np.where(total > 0, 2 * precision * recall / np.where(total > 0, total, 1), 0.0)
    return precision, recall, f1


def resample_weights(n_texts: int, resamples: int, seed: int) -> np.ndarray:
    """``(resamples, n_texts)`` draw counts: each row is one bootstrap sample of the texts."""
    rng = np.random.default_rng(seed)
    if n_texts == 0:
        return np.zeros((resamples, 0), dtype=np.int64)
    return rng.multinomial(n_texts, np.full(n_texts, 1.0 / n_texts), size=resamples)


def _sums(counts: np.ndarray, weights: np.ndarray) -> np.ndarray:
    # (B, T) @ (T, K*3) -> (B, K, 3)
    flat = counts.reshape(counts.shape[0], -1)
    return (weights @ flat).reshape(weights.shape[0], *counts.shape[1:])


def _interval(samples: np.ndarray, level: float) -> list[float]:
    tail = (1 - level) / 2 * 100
    lo, hi = np.percentile(samples, [tail, 100 - tail])
    return [float(lo), float(hi)]


def bootstrap(counts: np.ndarray, keys: Sequence[str] = COUNT_KEYS, resamples: int = 1000, seed: int = 0,
              level: float = 0.95) -> dict[str, dict[str, list[float]]]:
    """Percentile intervals of precision, recall and F1 per key from ``resamples`` samples of texts."""
    sums = _sums(counts, resample_weights(counts.shape[0], resamples, seed))
    precision, recall, f1 = prf_arrays(sums)
    return {key: {"precision": _interval(precision[:, k], level), "recall": _interval(recall[:, k], level),
                  "f1": _interval(f1[:, k], level)} for k, key in enumerate(keys)}


def paired_bootstrap(counts_a: np.ndarray, counts_b: np.ndarray, keys: Sequence[str] = COUNT_KEYS,
                     resamples: int = 1000, seed: int = 0, level: float = 0.95) -> dict[str, dict[str, Any]]:
    """The F1 difference B − A per key, with its interval from the same resamples of texts.

    Both runs are scored on each resampled set of texts, so the interval is that of the
    difference itself (a paired bootstrap). ``outside`` says whether 0 lies outside it: the
    difference is then larger than resampling the texts explains. ``share_not_better`` is the
    share of resamples where B's F1 is not above A's.

    >>> a = np.array([[[0, 1, 1]]] * 10 + [[[1, 1, 1]]] * 10)
    >>> b = np.array([[[1, 1, 1]]] * 20)
    >>> d = paired_bootstrap(a, b, ["VALUE"], resamples=300)["VALUE"]
    >>> round(d["diff"], 2), d["outside"]
    (0.5, True)
    """
    if counts_a.shape != counts_b.shape:
        raise ValueError(f"the runs have different counts: {counts_a.shape} and {counts_b.shape}")
    weights = resample_weights(counts_a.shape[0], resamples, seed)
    f1_a, f1_b = prf_arrays(_sums(counts_a, weights))[2], prf_arrays(_sums(counts_b, weights))[2]
    point_a, point_b = prf_arrays(counts_a.sum(axis=0))[2], prf_arrays(counts_b.sum(axis=0))[2]
    out = {}
    for k, key in enumerate(keys):
        diff = f1_b[:, k] - f1_a[:, k]
        lo, hi = _interval(diff, level)
        out[key] = {"a": float(point_a[k]), "b": float(point_b[k]), "diff": float(point_b[k] - point_a[k]),
                    "interval": [lo, hi], "outside": bool(lo > 0 or hi < 0),
                    "share_not_better": float(np.mean(diff <= 0))}
    return out
