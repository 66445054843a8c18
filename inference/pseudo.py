"""Self-training data: a trained model's labels on real unlabeled text, ``govreport pseudo-label``.

It lives in ``inference`` because it runs the extractor (``train`` must not import a later
stage); ``govreport train --extra-train`` and ``govreport distill --unlabeled`` read what it writes.

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

``--metric-swaps N --swaps-output FILE`` also writes N copies of each kept sentence with
a METRIC, its names swapped for other kept sentences' (:func:`metric_swaps`): more real
text for ``govreport distill --unlabeled``, which the teacher labels afresh.
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import sys
from dataclasses import dataclass

from govreport.data.doccano import Example, atomic_write, write_jsonl
from govreport.data.errors import cli_error
from govreport.data.logs import setup_logging
from govreport.data.text import SENTENCE_ENDS
from govreport.inference.options import add_model_options
from govreport.train.config import DEFAULT_EVAL_GOLD

logger = logging.getLogger(__name__)

TEMPLATE = "pseudo-label"  # the ``template`` field of every example written


@dataclass
class PseudoLabels:
    examples: list[Example]
    sentences: int  # sentences tagged
    dropped_unsure: int  # sentences with a span below the confidence threshold


# Sentences handed to the extractor at a time: the progress bar moves once per chunk. Tagging does
# not depend on how texts are batched (tests/test_batch_independence.py), so neither do the labels.
CHUNK = 512


def pseudo_label(extractor, sentences: list[str], min_confidence: float, progress: bool = False) -> PseudoLabels:
    """The sentences ``extractor`` labels with confidence ≥ ``min_confidence`` in every span, as examples.

    ``progress``: a bar of sentences done, with its total and an ETA, on standard error.

    >>> from govreport.inference.extract import Extractor
    >>> from govreport.data.schema import Span
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
    from tqdm.auto import tqdm

    examples, unsure = [], 0
    with tqdm(total=len(sentences), desc="pseudo-labelling", unit="sentence", file=sys.stderr,
              disable=not progress) as bar:
        for first in range(0, len(sentences), CHUNK):
            chunk = sentences[first:first + CHUNK]
            ids = [f"{TEMPLATE}-{i:05d}" for i in range(first, first + len(chunk))]
            for text, result in zip(chunk, extractor.extract_documents(chunk, ids=ids)):
                if result.error or any(score < min_confidence for score in result.scores):
                    unsure += 1
                    continue
                examples.append(Example(result.id, text, list(result.spans), meta={"template": TEMPLATE}))
            bar.update(len(chunk))
    return PseudoLabels(examples, len(sentences), unsure)


def metric_swaps(examples: list[Example], copies: int, seed: int) -> list[str]:
    """Each sentence with a METRIC ``copies`` times over, every METRIC replaced by one drawn from all of them.

    Real sentences put metric names in phrasings no template writes, but the corpus has few
    of them; swapping names between its sentences shows a student (through its teacher's
    labels of the new sentences) more names in those phrasings (省政府常务会议图解 where
    会展信息 stood). The draws come from ``random.Random(seed)``; a sentence that loses its
    final punctuation gets 。, so each variant stays one sentence.

    >>> from govreport.data.schema import Span
    >>> examples = [Example("a", "发布会展信息27条。", [Span(2, 6, "METRIC"), Span(6, 8, "VALUE"), Span(8, 9, "UNIT")]),
    ...             Example("b", "受理申请3件", [Span(2, 4, "METRIC"), Span(4, 5, "VALUE"), Span(5, 6, "UNIT")])]
    >>> metric_swaps(examples, 2, seed=4)
    ['发布会展信息27条。', '发布申请27条。', '受理会展信息3件。', '受理申请3件。']
    """
    rng = random.Random(seed)
    pool = sorted({ex.text[s.start:s.end] for ex in examples for s in ex.spans if s.label == "METRIC"})
    variants = []
    for ex in examples:
        metrics = sorted((s.start, s.end) for s in ex.spans if s.label == "METRIC")
        if not metrics:
            continue
        for _ in range(copies):
            parts, pos = [], 0
            for start, end in metrics:
                parts += [ex.text[pos:start], rng.choice(pool)]
                pos = end
            parts.append(ex.text[pos:])
            variant = "".join(parts).strip()
            variants.append(variant if variant[-1] in SENTENCE_ENDS else variant + "。")
    return variants


def build_parser() -> argparse.ArgumentParser:
    from govreport.train.unlabeled import DEFAULT_UNLABELED

    parser = argparse.ArgumentParser(
        prog="govreport pseudo-label",
        description="Label real unlabeled sentences with a trained model, keeping those it is sure of "
        "(training data for govreport train --extra-train).",
    )
    add_model_options(parser)
    parser.add_argument("--output", required=True, help="JSONL file to write (doccano format, as govreport generate writes)")
    parser.add_argument("--unlabeled", default=DEFAULT_UNLABELED,
                        help=f"folder of .txt report text, searched recursively (default: {DEFAULT_UNLABELED}, "
                        "read from the repository root)")
    parser.add_argument("--gold", default=DEFAULT_EVAL_GOLD,
                        help="gold JSONL whose sentences are left out, or several comma-separated (the shipped dev gold and real validation files always are too)")
    parser.add_argument("--min-confidence", type=float, default=0.9,
                        help="keep a sentence only when each span's least sure character has at least this probability "
                        "(default: 0.9)")
    parser.add_argument("--metric-swaps", type=int, default=0, metavar="N",
                        help="also write N copies of each kept sentence with a METRIC, its names swapped for names of "
                        "other kept sentences, to --swaps-output as report text (unlabeled text for govreport distill; "
                        "default 0: none)")
    parser.add_argument("--swaps-output", help="the .txt file --metric-swaps writes, one sentence a line")
    parser.add_argument("--seed", type=int, default=0, help="seed of the names --metric-swaps draws (default 0)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar on standard error")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    if not 0 <= args.min_confidence <= 1:
        parser.error("--min-confidence must be in [0, 1]")
    if args.metric_swaps < 0 or bool(args.metric_swaps) != bool(args.swaps_output):
        parser.error("--metric-swaps N (N >= 1) and --swaps-output go together")

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    setup_logging(logging.INFO, "timed")
    from govreport.inference.extract import Extractor
    from govreport.train.data import DataError
    from govreport.train.unlabeled import unlabeled_sentences

    try:
        unlabeled = unlabeled_sentences(args.unlabeled, args.gold)
    except DataError as err:
        return cli_error("govreport pseudo-label: error", err)
    if not unlabeled.sentences:
        print(f"govreport pseudo-label: error: no unlabeled sentences in {args.unlabeled}", file=sys.stderr)
        return 2
    extractor = Extractor.from_pretrained(args.model, batch_size=args.batch_size, device=args.device,
                                          backend=args.backend, precision=args.precision)
    result = pseudo_label(extractor, unlabeled.sentences, args.min_confidence,
                          progress=not args.no_progress and sys.stderr.isatty())
    write_jsonl(args.output, result.examples)
    spans = sum(len(ex.spans) for ex in result.examples)
    print(f"wrote {len(result.examples)} of {result.sentences} sentences ({spans} spans) to {args.output}; "
          f"{result.dropped_unsure} left out with a span below confidence {args.min_confidence}, "
          f"{unlabeled.dropped_gold} left out as gold")
    if args.metric_swaps:
        variants = metric_swaps(result.examples, args.metric_swaps, args.seed)
        with atomic_write(args.swaps_output) as f:
            f.writelines(variant + "\n" for variant in variants)
        print(f"wrote {len(variants)} sentences with swapped metric names to {args.swaps_output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
