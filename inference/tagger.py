"""The model tagger: a token-classification model folder as a tagger of sentences.

:class:`ModelTagger` loads a model folder (or a shipped model by name, :data:`SHIPPED_MODELS`)
and runs it by the backend (torch weights or an ONNX graph) and the precision (fp32, bf16)
that suit the device; :class:`inference.extract.Extractor` takes it, or any other tagger.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Sequence

from govreport.data.paths import REPO_ROOT
from govreport.data.schema import LABELS, Span
from govreport.inference.spans import spans_from_labels
from govreport.model.device import resolve_device
from govreport.model.files import ONNX_FILE, SERVING_KEY

logger = logging.getLogger(__name__)

__all__ = ["ModelTagger", "SHIPPED_MODELS", "DEFAULT_MODEL", "DEFAULT_MODEL_DIR", "resolve_model", "BACKENDS",
           "BACKEND_HELP", "PRECISIONS", "PRECISION_HELP", "native_bf16"]

# The shipped models, next to the ``inference`` package, by the names ``--model`` accepts:
# the fine-tuned pretrained encoder and the small student distilled from it. The student is
# the default: within the margins of docs/results.md of the teacher's dev figures at twenty
# times its speed on a CPU.
SHIPPED_MODELS = {"accurate": REPO_ROOT / "model" / "default", "fast": REPO_ROOT / "model" / "fast"}
DEFAULT_MODEL = "fast"
DEFAULT_MODEL_DIR = SHIPPED_MODELS[DEFAULT_MODEL]


def resolve_model(model: str | os.PathLike) -> Path:
    """The directory of a shipped model's name (``fast``, ``accurate``), else ``model`` as a path.

    >>> resolve_model("fast").name, resolve_model("out/runs/x").as_posix()
    ('fast', 'out/runs/x')
    """
    return SHIPPED_MODELS.get(str(model), Path(model))


# What a model computes in, and the --precision option of the commands that run one.
PRECISIONS = ("auto", "fp32", "bf16")
# Torch models with float weights run each window padded to the next multiple of this many tokens,
# so a batch holds windows of up to 16 lengths: fewer, larger matrix products (docs/results.md,
# "Windows padded to 16 tokens"). A window's width is still its own.
FLOAT_PAD_TO = 16
PRECISION_HELP = ("what the model computes in: fp32 (torch weights, or the folder's ONNX graph, int8 where the model "
                  "says so), bf16 (torch weights), or auto (the default: bf16 on a CPU with native bf16 matrix units, "
                  "AMX or AVX512-BF16, unless --backend onnx; else fp32)")


def native_bf16() -> bool:
    """Whether this CPU multiplies bf16 matrices natively (AMX tiles or AVX512-BF16), where
    bf16 is faster than fp32; elsewhere torch emulates it, slower."""
    import torch

    cpu = torch.cpu
    checks = (getattr(cpu, "_is_amx_tile_supported", None), getattr(cpu, "_is_avx512_bf16_supported", None))
    return torch.backends.mkldnn.is_available() and any(check is not None and check() for check in checks)


# What runs a model's forward pass, and the --backend option of the commands that run one.
BACKENDS = ("auto", "torch", "onnx")
BACKEND_HELP = ("what runs the model: torch (its weights), onnx (its model.onnx through onnxruntime, CPU only) "
                "or auto (onnx when the folder holds one and the device is the CPU; the default)")


class ModelTagger:
    """Tags sentences with a token-classification model directory (weights, config, tokenizer).

    The model's labels must be :data:`data.schema.LABELS` in order (what ``govreport
    train`` writes). Sentences are windowed and batched by length by
    :func:`model.tagging.predict`, under ``torch.inference_mode``; on CPU
    torch uses one thread per available core.

    ``precision`` (:data:`PRECISION_HELP`) and ``backend`` pick how the forward pass runs. On a
    CPU with native bf16 (AMX, AVX512-BF16), ``auto`` runs the torch weights in bf16: on the
    shipped models it keeps the real_val figures to three decimals (dev within 0.002) at 1.3
    (fast, against its int8 graph) to 1.7 (accurate, against fp32) times the speed
    (docs/results.md). Elsewhere it runs in fp32: the folder's ``model.onnx`` through
    onnxruntime when there is one (int8 where the model's config says so), else the torch
    weights, quantised to int8 at load where the config says so.
    """

    def __init__(self, model_dir: str | os.PathLike = DEFAULT_MODEL_DIR, batch_size: int = 32,
                 device: str = "auto", num_threads: int | None = None, backend: str = "auto",
                 precision: str = "auto"):
        import torch
        from transformers import AutoConfig, AutoModelForTokenClassification, AutoTokenizer

        from govreport.model.onnx_serving import OnnxTokenClassifier, onnxruntime_available
        from govreport.model.device import available_cores
        from govreport.model.tagging import QUANTIZES_PER_BATCH

        if backend not in BACKENDS:
            raise ValueError(f"backend must be one of {BACKENDS}, not {backend!r}")
        if precision not in PRECISIONS:
            raise ValueError(f"precision must be one of {PRECISIONS}, not {precision!r}")
        given, model_dir = model_dir, resolve_model(model_dir)
        # what outputs name the model by: a shipped model's name, else the directory as given
        self.name = next((name for name, d in SHIPPED_MODELS.items() if d == model_dir.resolve()), os.fspath(given))
        if not (model_dir / "config.json").is_file():
            if str(given) in SHIPPED_MODELS:  # an install without the package data of model/
                raise FileNotFoundError(
                    f"the shipped model {str(given)!r} is not installed (no {model_dir / 'config.json'}): install "
                    f"govreport from its wheel or a checkout (pip install .), which carries model/default and "
                    f"model/fast, or pass --model with a model folder")
            raise FileNotFoundError(f"no model in {model_dir} (expected config.json, weights and a tokenizer)")
        device = resolve_device(device)
        has_onnx = (model_dir / ONNX_FILE).is_file()
        if precision == "auto":
            precision = "bf16" if device == "cpu" and backend != "onnx" and native_bf16() else "fp32"
        if precision == "bf16" and backend == "onnx":
            raise ValueError("--precision bf16 runs torch weights; the onnx backend runs its graph as exported "
                             "(pass --backend torch, or --precision fp32)")
        if backend == "onnx":
            if not has_onnx:
                raise FileNotFoundError(f"no {ONNX_FILE} in {model_dir} (write one with govreport export --onnx)")
            if device != "cpu":
                raise ValueError("the onnx backend runs on the CPU only; pass --device cpu")
            if not onnxruntime_available():
                raise ValueError("the onnx backend needs onnxruntime (pip install onnxruntime)")
        elif backend == "auto":  # bf16, where the CPU has it, beats the int8 graph (docs/results.md)
            backend = "onnx" if precision == "fp32" and has_onnx and device == "cpu" and onnxruntime_available() else "torch"
        threads = num_threads or available_cores()
        if device == "cpu":
            torch.set_num_threads(threads)
        self.tokenizer = AutoTokenizer.from_pretrained(model_dir, local_files_only=True)
        if backend == "onnx":
            config = AutoConfig.from_pretrained(model_dir, local_files_only=True)
            self.model = OnnxTokenClassifier(model_dir / ONNX_FILE, config, num_threads=threads)
        else:
            # Shipped weights may be stored in fp16 to stay small; CPUs compute fast only in fp32.
            self.model = AutoModelForTokenClassification.from_pretrained(
                model_dir, local_files_only=True, dtype=torch.float32 if device == "cpu" else "auto")
            config = self.model.config
        labels = [config.id2label[i] for i in range(config.num_labels)]
        if labels != list(LABELS):
            raise ValueError(f"model in {model_dir} has labels {labels}, expected {list(LABELS)} (data.schema.LABELS)")
        self.model.to(device).eval()
        # an exported int8 graph is quantised in the file; torch weights are quantised here, unless
        # they run in bf16, which is both faster and closer to the fp32 figures
        self.quantized = device == "cpu" and getattr(config, SERVING_KEY, "none") == "int8" and precision == "fp32"
        if self.quantized and backend == "torch":
            self.model = _quantize_linear_int8(self.model)
            # torch's dynamic quantisation takes one activation scale from the whole batch
            setattr(self.model, QUANTIZES_PER_BATCH, True)
        if precision == "bf16":
            self.model.to(torch.bfloat16)
        # Float torch weights read a masked, padded window as they read it unpadded, so windows of
        # nearby lengths share batches; an int8 graph or layer quantises over the padding too.
        self.pad_to = FLOAT_PAD_TO if backend == "torch" and not self.quantized else 1
        self.precision = precision
        self.model_dir, self.batch_size, self.device, self.backend = model_dir, batch_size, device, backend

    def __call__(self, texts: Sequence[str]) -> list[tuple[list[Span], list[float]]]:
        return tag_with(self.model, self.tokenizer, texts, batch_size=self.batch_size, pad_to=self.pad_to)

    @property
    def serving(self) -> str:
        """How the forward pass runs, for a log line: ``onnx, int8``, ``torch, bf16``, ``torch``."""
        return ", ".join([self.backend] + ["int8"] * self.quantized + ["bf16"] * (self.precision == "bf16"))

    def __repr__(self) -> str:
        return (f"ModelTagger({str(self.model_dir)!r}, batch_size={self.batch_size}, device={self.device!r}, "
                f"{self.serving})")


def tag_with(model, tokenizer, texts: Sequence[str], **predict_options) -> list[tuple[list[Span], list[float]]]:
    """Spans and their scores per text from a token-classification model in memory: what
    :class:`ModelTagger` runs, and what training scores a checkpoint's extraction with
    (``predict_options`` go to :func:`model.tagging.predict`)."""
    from govreport.model.tagging import predict

    if not texts:
        return []
    tagged = predict(model, tokenizer, list(texts), **predict_options)
    return [spans_from_labels(text, labels, probs) for text, (labels, probs) in zip(texts, tagged)]


def _quantize_linear_int8(model):
    """``model`` with int8 dynamic quantisation of its linear layers (the export's ``--quantize int8``)."""
    import warnings

    import torch
    from torch.ao.quantization import quantize_dynamic

    with warnings.catch_warnings():  # torch points to torchao for new work; the eager API still serves
        warnings.simplefilter("ignore")
        return quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)
