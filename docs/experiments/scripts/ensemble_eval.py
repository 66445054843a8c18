"""``govreport evaluate`` with a logit ensemble: the model of ``--model`` and the folders of ENSEMBLE.

A one-off measurement (docs/results.md, "Checkpoint averaging and a model soup"), not a feature:
every model runs on each window, their per-token log-softmax is averaged, and all that follows
(decoding, snapping, records, scoring) is the evaluator's own. The models must share the tokenizer
and labels, as runs continued from one base do.

    ENSEMBLE=out/runs/e5-real-b3-seed46 python docs/experiments/scripts/ensemble_eval.py \\
        --gold data/gold/real_val.jsonl --model out/runs/e5-real-b3-2k
"""

import os
import sys
from types import SimpleNamespace

import torch
from transformers import AutoModelForTokenClassification

import govreport.inference.tagger as tagger_module
from govreport.eval.cli import main


class Ensemble(torch.nn.Module):
    """Token classifiers whose ``logits`` are the mean of their log-probabilities."""

    def __init__(self, models):
        super().__init__()
        self.models = torch.nn.ModuleList(models)
        self.config = models[0].config

    def forward(self, **inputs):
        log_probs = [m(**inputs).logits.float().log_softmax(-1) for m in self.models]
        return SimpleNamespace(logits=torch.stack(log_probs).mean(0))


_init = tagger_module.ModelTagger.__init__


def _ensemble_init(self, *args, **kwargs):
    _init(self, *args, **kwargs)
    dtype = torch.bfloat16 if self.precision == "bf16" else torch.float32
    others = [AutoModelForTokenClassification.from_pretrained(d, local_files_only=True).to(self.device, dtype)
              for d in os.environ["ENSEMBLE"].split(",")]
    self.model = Ensemble([self.model, *others]).eval()


if __name__ == "__main__":
    tagger_module.ModelTagger.__init__ = _ensemble_init
    sys.exit(main(sys.argv[1:]))
