"""Exporting a trained model for shipping keeps its predictions."""

import json
import shutil

from model.export import main
from model.tagging import predict_tags


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
    assert predict_tags(*exported, texts) == predict_tags(*original, texts)
