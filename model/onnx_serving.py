"""ONNX serving: a tagger's graph in ``model.onnx`` beside its weights, run by onnxruntime on CPU.

Small models spend much of a PyTorch forward pass in per-operator overhead, which
onnxruntime's fused kernels avoid. ``govreport export --onnx`` writes the graph
(:func:`export_onnx`); :class:`inference.tagger.ModelTagger` serves it whenever a
model folder holds one and onnxruntime is installed, and the safetensors weights stay
beside it for training, GPUs and stock ``transformers`` loading.

:class:`OnnxTokenClassifier` is a ``torch.nn.Module`` with the call signature of a
``transformers`` token classifier (keyword inputs in, ``.logits`` out), so everything
that batches, times or decodes a PyTorch model serves the graph unchanged.
"""

from __future__ import annotations

import importlib.util
import logging
from pathlib import Path

import torch
from transformers.modeling_outputs import TokenClassifierOutput

from govreport.model.files import SERVING_KEY
from govreport.model.onnx_rowquant import ROWWISE_KEY, ROWWISE_VALUE, rewrite_file
from govreport.model.tagging import QUANTIZES_PER_BATCH

logger = logging.getLogger(__name__)

__all__ = ["INPUT_NAMES", "onnxruntime_available", "export_onnx", "OnnxTokenClassifier"]
# Inputs a token classifier's graph may take, in the order of BertForTokenClassification.forward.
INPUT_NAMES = ("input_ids", "attention_mask", "token_type_ids")


def onnxruntime_available() -> bool:
    return importlib.util.find_spec("onnxruntime") is not None


def export_onnx(model, tokenizer, path: str | Path, quantize: str = "none", opset: int = 17) -> Path:
    """Write ``model`` (a token classifier, computed in fp32) as an ONNX graph to ``path``.

    Batch and sequence length are dynamic. ``quantize="int8"`` then applies
    onnxruntime's dynamic int8 quantisation to the graph's matrix multiplications (the
    ONNX counterpart of ``torch.ao.quantization.quantize_dynamic`` on linear layers), with
    the activations quantised per batch row (:mod:`model.onnx_rowquant`).
    Exporting needs the ``onnx`` package (``pip install -e '.[export]'``).
    """
    import warnings

    if importlib.util.find_spec("onnx") is None:
        raise RuntimeError("exporting to ONNX needs the onnx package: pip install -e '.[export]'")
    path = Path(path)
    model = model.float().eval()
    names = [n for n in INPUT_NAMES if n != "token_type_ids" or "token_type_ids" in tokenizer.model_input_names]
    sample = tokenizer(["共3件。", "办结12件"], padding=True, return_tensors="pt")
    args = tuple(sample[n] for n in names)
    axes = {n: {0: "batch", 1: "tokens"} for n in (*names, "logits")}
    with warnings.catch_warnings():  # the TorchScript exporter's notes on traced control flow
        warnings.simplefilter("ignore")
        torch.onnx.export(model, args, str(path), input_names=names, output_names=["logits"], dynamic_axes=axes,
                          opset_version=opset, dynamo=False)
    if quantize == "int8":
        from onnxruntime.quantization import QuantType, quantize_dynamic

        fp32 = path.with_name(path.stem + ".fp32.onnx")
        path.replace(fp32)
        try:
            quantize_dynamic(str(fp32), str(path), weight_type=QuantType.QInt8)
        finally:
            fp32.unlink()
        # one quantisation scale per window, not per batch: a sentence's tags must not depend on its batch
        rewrite_file(path)
    elif quantize != "none":
        raise ValueError(f"quantize must be 'none' or 'int8', not {quantize!r}")
    return path


class OnnxTokenClassifier(torch.nn.Module):
    """``model.onnx`` of a folder, called like the token classifier it was exported from.

    >>> OnnxTokenClassifier.__call__ is torch.nn.Module.__call__   # forward hooks work
    True
    """

    def __init__(self, path: str | Path, config, num_threads: int | None = None):
        super().__init__()
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.intra_op_num_threads = num_threads or 0  # 0: onnxruntime's default, one per core
        options.inter_op_num_threads = 1
        options.log_severity_level = 3  # errors only
        # Idle onnxruntime threads otherwise spin between runs and starve torch's softmax and the
        # Python work around each batch: 17,400 -> 24,700 characters/s end to end (govreport bench).
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self.input_names = [i.name for i in self.session.get_inputs()]
        self.config = config
        # An int8 graph quantised before per-row quantisation existed takes one activation scale
        # from the whole batch: its windows then run one at a time (model.tagging.batch_windows).
        metadata = self.session.get_modelmeta().custom_metadata_map
        int8 = getattr(config, SERVING_KEY, "none") == "int8"
        setattr(self, QUANTIZES_PER_BATCH, int8 and metadata.get(ROWWISE_KEY) != ROWWISE_VALUE)
        if getattr(self, QUANTIZES_PER_BATCH):
            logger.warning("%s quantises activations per batch; running one window at a time "
                           "(python -m govreport.model.onnx_rowquant %s makes it batch-safe)", path, path)
        self.path = Path(path)

    def forward(self, input_ids, attention_mask=None, token_type_ids=None, **_) -> TokenClassifierOutput:
        given = {"input_ids": input_ids, "attention_mask": attention_mask, "token_type_ids": token_type_ids}
        if given["attention_mask"] is None:
            given["attention_mask"] = torch.ones_like(input_ids)
        if given["token_type_ids"] is None:
            given["token_type_ids"] = torch.zeros_like(input_ids)
        feeds = {name: given[name].cpu().numpy() for name in self.input_names}
        (logits,) = self.session.run(["logits"], feeds)
        return TokenClassifierOutput(logits=torch.from_numpy(logits))
