"""The figures behind the evaluation report: intervals, confusions, calibration, worst texts, curves.

:func:`analyse` adds to the JSON report of ``govreport evaluate`` what a reader needs to judge
it: 95% bootstrap intervals (resampling texts, :mod:`eval.bootstrap`), a confusion table of
span types, the calibration of span confidences, the texts with most errors, and the per-text
counts that let :func:`compare` run a paired bootstrap between two saved reports.
:mod:`eval.report_html` draws all of it as one HTML page.

>>> from govreport.data.doccano import Example
>>> from govreport.data.schema import Span
>>> from govreport.eval.scoring import score
>>> gold = [Example("a", "办结3件", [Span(0, 2, "METRIC"), Span(2, 3, "VALUE"), Span(3, 4, "UNIT")])]
>>> pred = [Example("a", "办结3件", [Span(0, 2, "UNIT"), Span(2, 3, "VALUE")])]
>>> extra = analyse(score(gold, pred), resamples=10)
>>> extra["confusion"]["matrix"]["METRIC"]["UNIT"], extra["confusion"]["matrix"]["UNIT"]["none"]
(1, 1)
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from govreport.data.schema import ENTITY_TYPES, Span
from govreport.eval.bootstrap import COUNT_KEYS, bootstrap, paired_bootstrap, text_counts

__all__ = ["NONE", "span_scores", "confusion", "calibration", "worst_texts", "read_history", "analyse",
           "load_report", "compare"]

logger = logging.getLogger(__name__)

NONE = "none"  # the row/column of the confusion table for "no span here"


def span_scores(spans: Sequence[Span], scores: Sequence[float]) -> list[list]:
    """``[[start, end, label, score], ...]``: the JSON-ready pairing kept in a prediction's meta."""
    return [[s.start, s.end, s.label, float(score)] for s, score in zip(spans, scores)]


def _overlap(a: Span, b: Span) -> int:
    return min(a.end, b.end) - max(a.start, b.start)


def confusion(results: Sequence[Any]) -> dict[str, Any]:
    """Gold span type × predicted span type, spans paired one to one by largest overlap.

    A gold span no prediction overlaps counts under ``none`` as predicted type (a miss), a
    predicted span left unpaired under ``none`` as gold type (spurious). Pairs need not
    have the same boundaries: ``exact`` counts those that do.
    """
    labels = list(ENTITY_TYPES) + [NONE]
    matrix = {g: {p: 0 for p in labels} for g in labels}
    exact = 0
    for r in results:
        gold, pred = list(r.gold.spans), list(r.pred.spans)
        pairs = sorted(((-_overlap(g, p), i, j) for i, g in enumerate(gold) for j, p in enumerate(pred)
                        if _overlap(g, p) > 0))
        used_g, used_p = set(), set()
        for _, i, j in pairs:
            if i in used_g or j in used_p:
                continue
            used_g.add(i)
            used_p.add(j)
            matrix[gold[i].label][pred[j].label] += 1
            exact += (gold[i].start, gold[i].end) == (pred[j].start, pred[j].end)
        for i, g in enumerate(gold):
            if i not in used_g:
                matrix[g.label][NONE] += 1
        for j, p in enumerate(pred):
            if j not in used_p:
                matrix[NONE][p.label] += 1
    return {"labels": labels, "matrix": matrix, "exact_boundaries": exact,
            "note": "rows: gold type, columns: predicted type; spans paired one to one by largest overlap"}


def calibration(results: Sequence[Any], bins: int = 10) -> dict[str, Any] | None:
    """Reliability of span confidences: per confidence bin, how many predicted spans are exactly right.

    Reads ``meta["span_scores"]`` of each prediction; None when no prediction carries scores.
    ``ece`` is the expected calibration error: the bins' |accuracy − confidence| weighted by size.
    """
    confidences, right = [], []
    for r in results:
        gold = set(r.gold.spans)
        for start, end, label, score in r.pred.meta.get("span_scores") or ():
            confidences.append(float(score))
            right.append(Span(int(start), int(end), str(label)) in gold)
    if not confidences:
        return None
    conf, ok = np.array(confidences), np.array(right, dtype=float)
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(conf, edges[1:-1], right=True), 0, bins - 1)
    rows, ece = [], 0.0
    for b in range(bins):
        mask = which == b
        n = int(mask.sum())
        row = {"lo": float(edges[b]), "hi": float(edges[b + 1]), "count": n,
               "confidence": float(conf[mask].mean()) if n else None, "accuracy": float(ok[mask].mean()) if n else None}
        if n:
            ece += n / len(conf) * abs(row["accuracy"] - row["confidence"])
        rows.append(row)
    return {"spans": len(conf), "accuracy": float(ok.mean()), "ece": float(ece), "bins": rows,
            "note": "a predicted span is right when a gold span has its type and both boundaries"}


def worst_texts(results: Sequence[Any], k: int = 10) -> list[dict[str, Any]]:
    """The ``k`` texts with most errors (ties: in gold order), with their error kinds."""
    ranked = sorted(((len(r.errors), n, r) for n, r in enumerate(results) if r.errors), key=lambda t: (-t[0], t[1]))
    out = []
    for count, _, r in ranked[:k]:
        kinds: dict[str, int] = {}
        for e in r.errors:
            kinds[e["kind"]] = kinds.get(e["kind"], 0) + 1
        out.append({"id": r.gold.id, "errors": count, "kinds": kinds})
    return out


def _history_file(run: Path) -> Path | None:
    if (run / "trainer_state.json").is_file():
        return run / "trainer_state.json"
    checkpoints = sorted(run.glob("checkpoint-*/trainer_state.json"),
                         key=lambda p: int(p.parent.name.rsplit("-", 1)[1]) if p.parent.name.rsplit("-", 1)[1].isdigit() else -1)
    if checkpoints:
        return checkpoints[-1]
    if (run / "train_results.json").is_file():
        return run / "train_results.json"
    return None


def read_history(run_dir: str | Path) -> dict[str, Any]:
    """Training loss and evaluation F1 per step from a run folder.

    Reads the Trainer's ``trainer_state.json`` (``log_history``) in the folder or its latest
    ``checkpoint-*``, else the ``history`` of ``train_results.json`` (what an exported model
    folder keeps). Raises FileNotFoundError when the folder has neither, ValueError when the
    file holds no log.
    """
    run = Path(run_dir)
    path = _history_file(run)
    if path is None:
        raise FileNotFoundError(f"{run} has no trainer_state.json, checkpoint-*/trainer_state.json or train_results.json")
    data = json.loads(path.read_text(encoding="utf-8"))
    entries = data.get("log_history") if path.name == "trainer_state.json" else data.get("history")
    if not isinstance(entries, list) or not entries:
        raise ValueError(f"{path} holds no training log")
    loss: list[list[float]] = []
    evals: dict[str, list[list[float]]] = {}
    for entry in entries:
        step = entry.get("step")
        if not isinstance(step, (int, float)):
            continue
        if isinstance(entry.get("loss"), (int, float)) and (not loss or loss[-1][0] != step):
            loss.append([step, float(entry["loss"])])
        for key, value in entry.items():
            # eval_dev_f1, eval_validation_f1 (micro F1 of each evaluation set); not the per-type ones
            if key.startswith("eval_") and key.endswith("_f1") and key.count("_") == 2 and isinstance(value, (int, float)):
                evals.setdefault(key[5:-3], []).append([step, float(value)])
    return {"source": str(path), "loss": loss, "eval_f1": evals}


def analyse(scores: Any, resamples: int = 1000, seed: int = 0, level: float = 0.95, worst: int = 10) -> dict[str, Any]:
    """The report's additions (JSON-ready): bootstrap intervals, confusion, calibration, worst
    texts and per-text counts. ``resamples=0`` leaves the intervals out."""
    results = scores.texts
    counts = text_counts(results)
    out: dict[str, Any] = {}
    if resamples > 0:
        out["bootstrap"] = {"resamples": resamples, "seed": seed, "level": level, "unit": "texts",
                            "intervals": bootstrap(counts, COUNT_KEYS, resamples, seed, level)}
    out["confusion"] = confusion(results)
    calib = calibration(results)
    if calib is not None:
        out["calibration"] = calib
    out["worst_texts"] = worst_texts(results, worst)
    out["per_text_counts"] = {"keys": list(COUNT_KEYS), "fields": ["correct", "predicted", "gold"],
                              "ids": [r.gold.id for r in results], "counts": counts.tolist()}
    return out


def load_report(path: str | Path) -> dict[str, Any]:
    """A saved ``govreport evaluate --output`` report; ValueError when it has no per-text counts."""
    report = json.loads(Path(path).read_text(encoding="utf-8"))
    if not isinstance(report, dict) or "per_text_counts" not in report:
        raise ValueError(f"{path} has no per_text_counts: write it with this version's govreport evaluate --output")
    return report


def compare(a: dict[str, Any], b: dict[str, Any], resamples: int = 1000, seed: int = 0,
            level: float = 0.95) -> dict[str, Any]:
    """Two saved reports side by side: per key, A's and B's F1, B − A and its paired-bootstrap interval.

    Only texts both reports scored take part (ids matched); ValueError when they share none.
    """
    ca, cb = a["per_text_counts"], b["per_text_counts"]
    if list(ca["keys"]) != list(cb["keys"]):
        raise ValueError("the reports count different keys")
    index_b = {i: n for n, i in enumerate(cb["ids"])}
    shared = [(n, index_b[i]) for n, i in enumerate(ca["ids"]) if i in index_b]
    if not shared:
        raise ValueError("the two reports share no text ids")
    if len(shared) != len(ca["ids"]) or len(shared) != len(cb["ids"]):
        logger.warning("comparing on the %d texts both reports scored (%d and %d in all)",
                       len(shared), len(ca["ids"]), len(cb["ids"]))
    arr_a = np.array(ca["counts"], dtype=np.int64)[[n for n, _ in shared]]
    arr_b = np.array(cb["counts"], dtype=np.int64)[[m for _, m in shared]]
    keys = list(ca["keys"])
    diffs = paired_bootstrap(arr_a, arr_b, keys, resamples, seed, level)
    single_a, single_b = bootstrap(arr_a, keys, resamples, seed, level), bootstrap(arr_b, keys, resamples, seed, level)
    for key in keys:
        diffs[key]["a_interval"], diffs[key]["b_interval"] = single_a[key]["f1"], single_b[key]["f1"]
    return {"a": {"system": a.get("system"), "gold": a.get("gold")}, "b": {"system": b.get("system"), "gold": b.get("gold")},
            "texts": len(shared), "resamples": resamples, "seed": seed, "level": level, "keys": diffs,
            "note": "diff = B − A in F1; interval: paired bootstrap over texts; outside: 0 is outside the interval"}

