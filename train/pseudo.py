"""Self-training data: a trained model's labels on real unlabeled text, ``govreport pseudo-label``.

    govreport pseudo-label --model model/default --output out/pseudo.jsonl
    govreport train --data out/gen --extra-train out/pseudo.jsonl --extra-repeat 3 ...

Templates teach the genre's shapes; real prose has phrasings no template has. Labelling
real sentences with the model and training on the ones it is sure of lets the next model
see those phrasings. The labels are the spans ``govreport extract`` writes (trimmed,
snapped to words), so the post-processing's knowledge goes into the data too.

A sentence is kept only when every span in it has a confidence (its least sure character)
of at least ``--min-confidence``; sentences with no span are kept as negatives. The
sentences come from :func:`train.unlabeled.unlabeled_sentences`: every sentence of the
gold files is dropped first, so nothing scored is ever trained on.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from dataclasses import dataclass

from data.doccano import Example, write_jsonl
from train.config import DEFAULT_EVAL_GOLD

logger = logging.getLogger(__name__)

TEMPLATE = "pseudo-label"  # the ``template`` field of every example written


@dataclass
class PseudoLabels:
    examples: list[Example]
    sentences: int  # sentences tagged
    dropped_unsure: int  # sentences with a span below the confidence threshold


def pseudo_label(extractor, sentences: list[str], min_confidence: float) -> PseudoLabels:
    """The sentences ``extractor`` labels with confidence ≥ ``min_confidence`` in every span, as examples.

    >>> from inference.extract import Extractor
    >>> from data.schema import Span
    >>> def tagger(texts):  # sure of 12, unsure of 3
    ...     out = []
    ...     for t in texts:
    ...         i = t.find("12") if "12" in t else t.find("3")
    ...         out.append(([Span(i, i + len("12" if "12" in t else "3"), "VALUE")], [0.99 if "12" in t else 0.5]))
    ...     return out
    >>> result = pseudo_label(Extractor(tagger, snap_words=False), ["受理12件。", "办结3件。"], 0.9)
    >>> [(ex.text, [s.label for s in ex.spans]) for ex in result.examples], result.dropped_unsure
    ([('受理12件。', ['VALUE'])], 1)
    """
    results = extractor.extract_documents(sentences, ids=[f"{TEMPLATE}-{i:05d}" for i in range(len(sentences))])
    examples, unsure = [], 0
    for text, result in zip(sentences, results):
        if result.error or any(score < min_confidence for score in result.scores):
            unsure += 1
            continue
        examples.append(Example(result.id, text, list(result.spans), meta={"template": TEMPLATE}))
    return PseudoLabels(examples, len(sentences), unsure)


def main(argv: list[str] | None = None) -> int:
    from train.unlabeled import DEFAULT_UNLABELED

    parser = argparse.ArgumentParser(
        prog="govreport pseudo-label",
        description="Label real unlabeled sentences with a trained model, keeping those it is sure of "
        "(training data for govreport train --extra-train).",
    )
    parser.add_argument("--model", default="accurate",
                        help="a model directory, or a shipped model by name: accurate or fast (default: accurate)")
    parser.add_argument("--output", required=True, help="JSONL file to write (doccano format, as govreport generate writes)")
    parser.add_argument("--unlabeled", default=DEFAULT_UNLABELED,
                        help=f"folder of .txt report text, searched recursively (default: {DEFAULT_UNLABELED}, "
                        "read from the repository root)")
    parser.add_argument("--gold", default=DEFAULT_EVAL_GOLD,
                        help="gold JSONL whose sentences are left out (the shipped dev gold is always left out too)")
    parser.add_argument("--min-confidence", type=float, default=0.9,
                        help="keep a sentence only when each span's least sure character has at least this probability "
                        "(default: 0.9)")
    parser.add_argument("--batch-size", type=int, default=32, help="model windows per forward pass (default 32)")
    parser.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto", help="where the model runs")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    if not 0 <= args.min_confidence <= 1:
        parser.error("--min-confidence must be in [0, 1]")

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s", datefmt="%H:%M:%S")
    from inference.extract import Extractor
    from train.data import DataError
    from train.unlabeled import unlabeled_sentences

    try:
        unlabeled = unlabeled_sentences(args.unlabeled, args.gold)
    except DataError as err:
        print(f"govreport pseudo-label: error: {err}", file=sys.stderr)
        return 2
    if not unlabeled.sentences:
        print(f"govreport pseudo-label: error: no unlabeled sentences in {args.unlabeled}", file=sys.stderr)
        return 2
    extractor = Extractor.from_pretrained(args.model, batch_size=args.batch_size, device=args.device)
    result = pseudo_label(extractor, unlabeled.sentences, args.min_confidence)
    write_jsonl(args.output, result.examples)
    spans = sum(len(ex.spans) for ex in result.examples)
    print(f"wrote {len(result.examples)} of {result.sentences} sentences ({spans} spans) to {args.output}; "
          f"{result.dropped_unsure} left out with a span below confidence {args.min_confidence}, "
          f"{unlabeled.dropped_gold} left out as gold")
    return 0


if __name__ == "__main__":
    sys.exit(main())
