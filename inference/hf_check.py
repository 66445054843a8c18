"""Check that plain transformers finds the entities govreport's tagger finds in a report.

:func:`compare` runs a model directory two ways over one text: the ``transformers``
token-classification pipeline (``aggregation_strategy="simple"``, ``stride``, as the model
card shows it) and the :class:`inference.Extractor`'s tagger (sentences cut and windowed by
govreport, spans as tagged: no word snapping, no dropping of unlinked spans), and counts the
spans both find. The figures in the shipped model cards come from its CLI:

    python -m govreport.inference.hf_check --model fast --chars 2000 [--text FILE] [--stride 32]

>>> sorted(span_set([{"entity_group": "VALUE", "start": 2, "end": 4}]))
[(2, 4, 'VALUE')]
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from govreport.inference.extract import Extractor, ModelTagger, resolve_model

logger = logging.getLogger(__name__)

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "samples" / "reports_page.txt"


def span_set(entities) -> set[tuple[int, int, str]]:
    """``(start, end, type)`` of pipeline entities (dicts) or :class:`data.schema.Span` objects."""
    out = set()
    for e in entities:
        if isinstance(e, dict):
            out.add((int(e["start"]), int(e["end"]), e["entity_group"]))
        else:
            out.add((e.start, e.end, e.label))
    return out


def pipeline_spans(model_dir: str | os.PathLike, text: str, stride: int, aggregation: str = "simple") -> set:
    """The entities of the transformers pipeline over the whole ``text`` (fp32 torch, CPU)."""
    import torch
    from transformers import pipeline

    tagger = pipeline("token-classification", model=str(model_dir), aggregation_strategy=aggregation,
                      stride=stride, device="cpu", dtype=torch.float32)
    return span_set(tagger(text))


def tagger_spans(model_dir: str | os.PathLike, text: str) -> set:
    """The spans the extractor's tagger finds in ``text`` (torch backend, nothing dropped or snapped)."""
    import torch
    from transformers import AutoModelForTokenClassification

    tagger = ModelTagger(model_dir, device="cpu", backend="torch")
    if tagger.quantized:  # compare the fp32 weights the pipeline runs, not the int8 copy served on CPU
        tagger.model = AutoModelForTokenClassification.from_pretrained(
            model_dir, local_files_only=True, dtype=torch.float32).eval()
        tagger.quantized = False
    extractor = Extractor(tagger, snap_words=False, linked_only=False, table_parser=None, table_checker=None,
                          drop_lone_cells=False)
    (result,) = extractor.extract_documents([text])
    if result.error:
        raise RuntimeError(f"the extractor failed on the text: {result.error}")
    return span_set(result.spans)


def compare(model_dir: str | os.PathLike, text: str, stride: int) -> dict:
    """Counts of spans found by the extractor's tagger, by the pipeline, and by both."""
    model_dir = resolve_model(model_dir)
    ours, theirs = tagger_spans(model_dir, text), pipeline_spans(model_dir, text, stride)
    both = ours & theirs
    return {"model": str(model_dir), "chars": len(text), "stride": stride, "tagger": len(ours),
            "pipeline": len(theirs), "both": len(both), "tagger_only": sorted(ours - theirs),
            "pipeline_only": sorted(theirs - ours)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m govreport.inference.hf_check", description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="fast", help="fast, accurate or a model directory")
    parser.add_argument("--text", type=Path, default=SAMPLE, help="a UTF-8 text file (default: the sample page)")
    parser.add_argument("--chars", type=int, default=2000, help="use the first N characters of the text")
    parser.add_argument("--stride", type=int, default=32, help="the pipeline's stride, in tokens")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    text = args.text.read_text(encoding="utf-8")[: args.chars]
    result = compare(args.model, text, args.stride)
    print(f"{result['model']}: {result['chars']} characters, stride {result['stride']}: the extractor's tagger finds "
          f"{result['tagger']} spans, the pipeline {result['pipeline']}, both {result['both']} "
          f"({result['both'] / max(1, result['tagger']):.1%} of the tagger's)")
    for key in ("tagger_only", "pipeline_only"):  # the spans found by one side only, with their context
        for s, e, label in result[key]:
            print(f"  {key:<13} {s:>5}-{e:<5} {label:<6} {text[max(0, s - 8):s]}[{text[s:e]}]{text[e:e + 8]}".replace("\n", " "))
    return 0


if __name__ == "__main__":
    sys.exit(main())
