"""Exporting a trained model for shipping keeps its predictions."""

import json
import shutil

import pytest

from govreport.model.export import main
from govreport.model.tagging import predict


def test_fp16_export_halves_weights_and_keeps_predictions(model_dir, examples, tmp_path):
    import torch
    from transformers import AutoModelForTokenClassification, AutoTokenizer

    model_dir = shutil.copytree(model_dir, tmp_path / "trained")  # the fixture is shared
    (model_dir / "train_results.json").write_text(json.dumps({"seed": 1}), encoding="utf-8")
    out = tmp_path / "shipped"
    assert main([str(model_dir), str(out)]) == 0
    assert (out / "train_results.json").is_file()

    def load(d):
        m = AutoModelForTokenClassification.from_pretrained(d, dtype=torch.float32)
        return m, AutoTokenizer.from_pretrained(d)

    original, exported = load(model_dir), load(out)
    weights = lambda d: (d / "model.safetensors").stat().st_size  # noqa: E731
    assert weights(out) < 0.6 * weights(model_dir)
    assert exported[0].config.id2label == original[0].config.id2label
    texts = [ex.text for ex in examples]
    assert [p.tags for p in predict(*exported, texts)] == [p.tags for p in predict(*original, texts)]


def test_int8_export_is_served_quantised_and_agrees(model_dir, examples, tmp_path):
    from transformers import AutoModelForTokenClassification

    from govreport.inference.extract import ModelTagger

    out = tmp_path / "int8"
    assert main([str(model_dir), str(out), "--quantize", "int8"]) == 0
    assert json.loads((out / "config.json").read_text(encoding="utf-8"))["serving_quantization"] == "int8"
    AutoModelForTokenClassification.from_pretrained(out)  # stock classes still load the folder

    # in fp32: int8 serving is the fp32 path (bf16, auto on some CPUs, replaces it)
    quantised, plain = ModelTagger(out, device="cpu", precision="fp32"), ModelTagger(model_dir, device="cpu", precision="fp32")
    assert quantised.quantized and not plain.quantized
    kinds = {f"{type(m).__module__}.{type(m).__name__}" for m in quantised.model.modules()}
    assert any("quantized" in k and k.endswith(".Linear") for k in kinds)
    assert "torch.nn.modules.linear.Linear" not in kinds
    texts = [ex.text for ex in examples]
    a = [p.tags for p in predict(quantised.model, quantised.tokenizer, texts)]
    b = [p.tags for p in predict(plain.model, plain.tokenizer, texts)]
    same = sum(x == y for ta, tb in zip(a, b) for x, y in zip(ta, tb))
    assert same / sum(len(t) for t in b) > 0.9  # int8 rounding may flip near-ties, not the bulk


def test_onnx_export_is_served_by_onnxruntime_with_the_same_predictions(model_dir, examples, tmp_path):
    from govreport.inference.extract import Extractor, ModelTagger
    from govreport.model.onnx_serving import OnnxTokenClassifier

    out = tmp_path / "onnx"
    assert main([str(model_dir), str(out), "--onnx"]) == 0
    assert (out / "model.onnx").is_file()
    # both in fp32: the graph computes in fp32, and bf16 (auto on some CPUs) may flip a random model's near-ties
    served, plain = (ModelTagger(out, device="cpu", precision="fp32"),
                     ModelTagger(out, device="cpu", backend="torch", precision="fp32"))
    assert served.backend == "onnx" and isinstance(served.model, OnnxTokenClassifier)
    assert plain.backend == "torch" and not isinstance(plain.model, OnnxTokenClassifier)

    texts = [ex.text for ex in examples]
    a, b = served(texts), plain(texts)
    assert [spans for spans, _ in a] == [spans for spans, _ in b]
    for (_, scores_a), (_, scores_b) in zip(a, b):
        assert all(abs(x - y) < 1e-5 for x, y in zip(scores_a, scores_b))  # the graph holds the stored weights
    assert Extractor(served).extract(texts) == Extractor(plain).extract(texts)


def test_onnx_int8_export_agrees_and_a_plain_reexport_drops_the_graph(model_dir, examples, tmp_path):
    from govreport.inference.extract import ModelTagger

    out = tmp_path / "onnx-int8"
    assert main([str(model_dir), str(out), "--onnx", "--quantize", "int8"]) == 0
    int8 = ModelTagger(out, device="cpu", precision="fp32")
    assert int8.backend == "onnx" and int8.quantized
    texts = [ex.text for ex in examples]
    a = [p.tags for p in predict(int8.model, int8.tokenizer, texts)]
    b = [p.tags for p in predict(ModelTagger(model_dir, device="cpu", precision="fp32").model, int8.tokenizer, texts)]
    same = sum(x == y for ta, tb in zip(a, b) for x, y in zip(ta, tb))
    assert same / sum(len(t) for t in b) > 0.9  # int8 rounding may flip near-ties, not the bulk

    # exporting again without --onnx must not leave the old graph to be served
    assert main([str(model_dir), str(out)]) == 0
    assert not (out / "model.onnx").exists()
    assert ModelTagger(out, device="cpu").backend == "torch"


def test_onnx_backend_without_a_graph_is_a_clear_error(model_dir):
    import pytest

    from govreport.inference.extract import ModelTagger

    with pytest.raises(FileNotFoundError, match="govreport export --onnx"):
        ModelTagger(model_dir, device="cpu", backend="onnx")


def test_precision_picks_bf16_for_torch_weights_on_a_cpu_that_has_it(model_dir, tmp_path, monkeypatch):
    import torch

    import govreport.inference.tagger as tagger
    from govreport.inference.tagger import ModelTagger

    dtype = lambda t: next(t.model.parameters()).dtype  # noqa: E731
    assert dtype(ModelTagger(model_dir, device="cpu", precision="fp32")) == torch.float32
    assert dtype(ModelTagger(model_dir, device="cpu", precision="bf16")) == torch.bfloat16
    for native, expected in ((True, torch.bfloat16), (False, torch.float32)):
        monkeypatch.setattr(tagger, "native_bf16", lambda native=native: native)
        auto = ModelTagger(model_dir, device="cpu")
        assert (auto.precision, dtype(auto)) == (("bf16" if native else "fp32"), expected)

    out = tmp_path / "onnx"
    assert main([str(model_dir), str(out), "--onnx", "--quantize", "int8"]) == 0
    for native, served in ((False, ("onnx", "fp32", True)), (True, ("torch", "bf16", False))):
        # a folder with an int8 graph: the graph in fp32, or its torch weights in bf16 and not quantised
        monkeypatch.setattr(tagger, "native_bf16", lambda native=native: native)
        auto = ModelTagger(out, device="cpu")
        assert (auto.backend, auto.precision, auto.quantized) == served
    with pytest.raises(ValueError, match="bf16"):
        ModelTagger(out, device="cpu", backend="onnx", precision="bf16")
    with pytest.raises(ValueError, match="precision"):
        ModelTagger(model_dir, device="cpu", precision="fp8")
