"""What training keeps a checkpoint by: the record F1 of the extraction, as ``govreport evaluate`` scores it.

Training (``train/``) may not import the stages after it, so this lives here and is handed in:
``govreport train`` and ``govreport distill`` get :func:`record_scores` from the dispatcher
(``govreport/cli.py``); a script calling :func:`train.run.train` passes it as ``record_scorer``.
"""

from __future__ import annotations

import functools
from typing import Sequence

from govreport.data.doccano import Example

RECORD_STATS = ("precision", "recall", "f1", "support")


def record_scores(model, tokenizer, gold: Sequence[Example], **predict_options) -> dict:
    """Record precision, recall, F1 and support of a model in memory, extracting from ``gold``'s texts
    through the extractor (``predict_options`` go to :func:`model.tagging.predict`)."""
    from govreport.eval.cli import predict as extract
    from govreport.eval.scoring import score
    from govreport.inference.tagger import tag_with

    extracted, _ = extract(functools.partial(tag_with, model, tokenizer, **predict_options), gold)
    record = score(gold, extracted).report["record"]
    return {stat: record[stat] for stat in RECORD_STATS}
