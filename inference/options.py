"""The options of every command that runs the model: ``--model``, ``--batch-size``, ``--device``, ``--backend``, ``--precision``.

``govreport extract``, ``doccano export``, ``pseudo-label``, ``evaluate`` and ``bench`` all
take them; declared here once, they mean the same and default to the same model everywhere.

>>> import argparse
>>> parser = argparse.ArgumentParser()
>>> add_model_options(parser)
>>> vars(parser.parse_args([]))
{'model': 'fast', 'batch_size': 32, 'device': 'auto', 'backend': 'auto', 'precision': 'auto'}
"""

from __future__ import annotations

import argparse

from govreport.inference.tagger import BACKEND_HELP, BACKENDS, DEFAULT_MODEL, PRECISION_HELP, PRECISIONS, ModelTagger
from govreport.model.device import DEVICES

__all__ = ["add_model_options", "model_tagger", "MODEL_HELP"]

MODEL_HELP = ("a model directory, or a shipped model by name: fast (model/fast) or accurate (model/default); "
              f"default: {DEFAULT_MODEL}")


def add_model_options(parser: argparse.ArgumentParser, model_group=None, model_default: str | None = DEFAULT_MODEL
                      ) -> None:
    """Add the model options to ``parser``; ``--model`` to ``model_group`` when given (a
    mutually exclusive group), with ``model_default`` (None where the command reads its
    absence: ``evaluate --model`` against ``--predictions``)."""
    (model_group or parser).add_argument("--model", default=model_default, help=MODEL_HELP)
    parser.add_argument("--batch-size", type=int, default=32, help="model windows per forward pass (default 32)")
    parser.add_argument("--device", choices=DEVICES, default="auto",
                        help="where the model runs (default: cuda when available)")
    parser.add_argument("--backend", choices=BACKENDS, default="auto", help=BACKEND_HELP)
    parser.add_argument("--precision", choices=PRECISIONS, default="auto", help=PRECISION_HELP)


def model_tagger(args: argparse.Namespace, **extra) -> ModelTagger:
    """The tagger the model options of ``args`` name (``--model``, or the default model when it
    is None); ``extra`` goes to :class:`ModelTagger` as it is (``num_threads``). Raises what
    loading raises (OSError, ValueError), for the command to name."""
    return ModelTagger(args.model or DEFAULT_MODEL, batch_size=args.batch_size, device=args.device,
                       backend=args.backend, precision=args.precision, **extra)
