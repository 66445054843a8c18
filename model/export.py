"""``govreport export``: a trained model directory made small enough to ship.

Weights are stored in fp16 (half the bytes; the tagger loads them back as fp32 on
CPU), and only what inference needs is kept: weights, config with labels,
tokenizer, model card and training results. Checkpoints are left behind.

``--quantize int8`` marks the model for int8 dynamic quantisation of its linear
layers when it serves on CPU (``serving_quantization`` in config.json). The stored
weights stay ordinary fp16 tensors, so stock transformers classes still load the
folder; :class:`inference.tagger.ModelTagger` quantises at load time.

``--onnx`` also writes the graph as ``model.onnx`` (fp32, or int8 with ``--quantize
int8``), which the tagger serves through onnxruntime on CPU
(:mod:`model.onnx_serving`).

The file names and the serving key are in :mod:`model.files`.
"""

from __future__ import annotations

import argparse
import logging
import shutil
from pathlib import Path

from govreport.data.logs import setup_logging
from govreport.model.files import EXPORTED_FILES, ONNX_FILE, QUANTIZATIONS, SERVING_KEY

logger = logging.getLogger(__name__)


def export(model_dir: str | Path, out_dir: str | Path, dtype: str = "float16", quantize: str = "none",
           onnx: bool = False) -> Path:
    """Write ``model_dir``'s model with ``dtype`` weights (and with ``onnx``, its ONNX graph) to ``out_dir``."""
    if quantize not in QUANTIZATIONS:
        raise ValueError(f"quantize must be one of {QUANTIZATIONS}, not {quantize!r}")
    import torch
    from transformers import AutoModelForTokenClassification, AutoTokenizer

    model_dir, out_dir = Path(model_dir), Path(out_dir)
    model = AutoModelForTokenClassification.from_pretrained(model_dir, local_files_only=True)
    tokenizer = AutoTokenizer.from_pretrained(model_dir, local_files_only=True)
    # rounded to dtype and computed in fp32, as the torch backend loads the stored weights,
    # so a graph and the weights beside it give the same logits
    model.to(getattr(torch, dtype)).float()
    out_dir.mkdir(parents=True, exist_ok=True)
    if onnx:
        from govreport.model.onnx_serving import export_onnx

        export_onnx(model, tokenizer, out_dir / ONNX_FILE, quantize)
    else:  # a graph left from an earlier export would be served instead of these weights
        (out_dir / ONNX_FILE).unlink(missing_ok=True)
    model.to(getattr(torch, dtype))
    if quantize == "none":
        model.config.__dict__.pop(SERVING_KEY, None)
    else:
        setattr(model.config, SERVING_KEY, quantize)
    model.save_pretrained(out_dir)
    tokenizer.save_pretrained(out_dir)
    for name in EXPORTED_FILES:
        if (model_dir / name).is_file():
            shutil.copy2(model_dir / name, out_dir / name)
    card = out_dir / "README.md"
    if card.is_file():  # the card's loading example names the folder it now lives in
        text = card.read_text(encoding="utf-8")
        for pattern in ('from_pretrained("{}")', 'model="{}"'):
            text = text.replace(pattern.format(model_dir.as_posix()), pattern.format(out_dir.as_posix()))
        card.write_text(text, encoding="utf-8")
    size = sum(f.stat().st_size for f in out_dir.iterdir() if f.is_file())
    logger.info("exported %s -> %s (%s weights%s, %.1f MiB%s)", model_dir, out_dir, dtype,
                " and an ONNX graph" if onnx else "", size / 2**20,
                f", served {quantize} on CPU" if quantize != "none" else "")
    return out_dir


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="govreport export", description=__doc__.split("\n\n")[0])
    parser.add_argument("model_dir", help="a trained model directory (govreport train --output-dir)")
    parser.add_argument("output_dir", help="where the exported model goes (e.g. model/default)")
    parser.add_argument("--dtype", default="float16", choices=("float16", "bfloat16", "float32"),
                        help="weight precision to store (default: float16)")
    parser.add_argument("--quantize", default="none", choices=QUANTIZATIONS,
                        help="int8: quantise the linear layers dynamically when serving on CPU (default: none)")
    parser.add_argument("--onnx", action="store_true",
                        help="also write model.onnx, served by onnxruntime on CPU (int8 with --quantize int8); "
                             "needs the onnx package: pip install -e '.[export]'")
    args = parser.parse_args(argv)
    setup_logging(logging.INFO, "plain")
    try:
        export(args.model_dir, args.output_dir, args.dtype, args.quantize, args.onnx)
    except RuntimeError as err:
        parser.exit(2, f"govreport export: {err}\n")
    return 0
