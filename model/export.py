"""``govreport export``: a trained model directory made small enough to ship.

Weights are stored in fp16 (half the bytes; the tagger loads them back as fp32 on
CPU), and only what inference needs is kept: weights, config with labels,
tokenizer, model card and training results. Checkpoints are left behind.

``--quantize int8`` marks the model for int8 dynamic quantisation of its linear
layers when it serves on CPU (``serving_quantization`` in config.json). The stored
weights stay ordinary fp16 tensors, so stock transformers classes still load the
folder; :class:`inference.extract.ModelTagger` quantises at load time.

>>> EXPORTED_FILES[:2]
('README.md', 'train_results.json')
"""

from __future__ import annotations

import argparse
import logging
import shutil
from pathlib import Path

logger = logging.getLogger(__name__)

# Non-weight files copied as they are, when present.
EXPORTED_FILES = ("README.md", "train_results.json")


# The config.json key that tells the tagger how to serve the model on CPU, and its values.
SERVING_KEY = "serving_quantization"
QUANTIZATIONS = ("none", "int8")


def export(model_dir: str | Path, out_dir: str | Path, dtype: str = "float16", quantize: str = "none") -> Path:
    """Write ``model_dir``'s model with ``dtype`` weights to ``out_dir``; returns ``out_dir``."""
    if quantize not in QUANTIZATIONS:
        raise ValueError(f"quantize must be one of {QUANTIZATIONS}, not {quantize!r}")
    import torch
    from transformers import AutoModelForTokenClassification, AutoTokenizer

    model_dir, out_dir = Path(model_dir), Path(out_dir)
    model = AutoModelForTokenClassification.from_pretrained(model_dir, local_files_only=True)
    tokenizer = AutoTokenizer.from_pretrained(model_dir, local_files_only=True)
    model.to(getattr(torch, dtype))
    if quantize == "none":
        model.config.__dict__.pop(SERVING_KEY, None)
    else:
        setattr(model.config, SERVING_KEY, quantize)
    out_dir.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out_dir)
    tokenizer.save_pretrained(out_dir)
    for name in EXPORTED_FILES:
        if (model_dir / name).is_file():
            shutil.copy2(model_dir / name, out_dir / name)
    card = out_dir / "README.md"
    if card.is_file():  # the card's loading example names the folder it now lives in
        text = card.read_text(encoding="utf-8")
        card.write_text(text.replace(f'from_pretrained("{model_dir.as_posix()}")', f'from_pretrained("{out_dir.as_posix()}")'),
                        encoding="utf-8")
    size = sum(f.stat().st_size for f in out_dir.iterdir() if f.is_file())
    logger.info("exported %s -> %s (%s weights, %.1f MiB%s)", model_dir, out_dir, dtype, size / 2**20,
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
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    export(args.model_dir, args.output_dir, args.dtype, args.quantize)
    return 0
