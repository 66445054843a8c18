"""A document's spans, scores and records do not depend on its batch: alone, in any batch size, among any neighbours.

The int8 ONNX graph used to quantise activations with one scale for the whole padded
batch; model.onnx_rowquant makes the scale per row and model.tagging batches windows of
one exact length. These tests hold the tiny models of conftest.py and the shipped
``model/fast`` to that.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import LONG_TEXT, MARKED, parse_marked

TEXTS = [parse_marked(m, "x").text for m in MARKED] + [LONG_TEXT, "", "共3件。" * 9]


def _session(path):
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    return onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


@pytest.fixture(scope="module")
def int8_dirs(model_dir, tmp_path_factory):
    """The tiny model exported as int8 ONNX (per-row), and the same graph as onnxruntime quantised it (per-batch)."""
    pytest.importorskip("onnx")
    from onnxruntime.quantization import QuantType, quantize_dynamic

    from govreport.model.export import main as export

    out = tmp_path_factory.mktemp("int8-rowwise")
    assert export([str(model_dir), str(out), "--onnx"]) == 0
    per_batch = tmp_path_factory.mktemp("int8-per-batch")
    for f in out.iterdir():
        (per_batch / f.name).write_bytes(f.read_bytes())
    quantize_dynamic(str(out / "model.onnx"), str(per_batch / "model.onnx"), weight_type=QuantType.QInt8)
    assert export([str(model_dir), str(out), "--onnx", "--quantize", "int8"]) == 0
    config = (out / "config.json").read_text(encoding="utf-8")
    (per_batch / "config.json").write_text(config, encoding="utf-8")
    return out, per_batch


def _feeds(session, ids):
    given = {"input_ids": ids, "attention_mask": np.ones_like(ids), "token_type_ids": np.zeros_like(ids)}
    return {i.name: given[i.name] for i in session.get_inputs()}


def test_rowwise_graph_computes_each_row_as_the_original_does_alone(int8_dirs):
    rowwise, per_batch = (_session(d / "model.onnx") for d in int8_dirs)
    ids = np.random.default_rng(0).integers(5, 40, size=(6, 12))
    ids[0] = 7  # a row of one repeated token: a narrow range, far from its neighbours'
    alone = np.concatenate([per_batch.run(["logits"], _feeds(per_batch, ids[i : i + 1]))[0] for i in range(6)])
    batched = rowwise.run(["logits"], _feeds(rowwise, ids))[0]
    assert np.array_equal(batched, alone)
    # ...which is what the per-batch graph fails at: the premise of the rewrite
    assert not np.array_equal(per_batch.run(["logits"], _feeds(per_batch, ids))[0], alone)


def _results(tagger, texts, batch_size):
    from govreport.inference.extract import Extractor

    tagger.batch_size = batch_size
    return [(r.spans, r.scores, [x.to_dict() for x in r.records])
            for r in Extractor(tagger, batch_chars=10_000).extract_documents(texts)]


@pytest.fixture(scope="module")
def taggers(model_dir, int8_dirs, torch_one_thread):
    from govreport.inference.extract import ModelTagger

    rowwise, per_batch = int8_dirs
    fp32 = dict(device="cpu", precision="fp32")
    return {"onnx-int8": ModelTagger(rowwise, **fp32),
            "onnx-int8-old": ModelTagger(per_batch, **fp32),  # runs one window at a time
            "torch-int8": ModelTagger(rowwise, backend="torch", **fp32),
            "torch-fp32": ModelTagger(model_dir, **fp32),
            "torch-bf16": ModelTagger(model_dir, device="cpu", precision="bf16")}


@pytest.fixture(scope="module")
def alone(taggers):
    return {name: [_results(t, [text], 32)[0] for text in TEXTS] for name, t in taggers.items()}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(order=st.permutations(range(len(TEXTS))), keep=st.integers(1, len(TEXTS)), batch_size=st.integers(1, 9),
       name=st.sampled_from(["onnx-int8", "onnx-int8-old", "torch-int8", "torch-fp32", "torch-bf16"]))
def test_records_are_the_same_alone_and_in_any_batch(taggers, alone, order, keep, batch_size, name):
    chosen = order[:keep]
    got = _results(taggers[name], [TEXTS[i] for i in chosen], batch_size)
    assert got == [alone[name][i] for i in chosen]


def test_old_int8_graphs_are_marked_to_run_one_window_at_a_time(taggers, caplog):
    from govreport.model.tagging import QUANTIZES_PER_BATCH

    assert not getattr(taggers["onnx-int8"].model, QUANTIZES_PER_BATCH)
    assert getattr(taggers["onnx-int8-old"].model, QUANTIZES_PER_BATCH)
    assert getattr(taggers["torch-int8"].model, QUANTIZES_PER_BATCH)
    assert not getattr(taggers["torch-fp32"].model, QUANTIZES_PER_BATCH, False)


# Invented sentences (numbers and names made up), tagged by the shipped default model.
SHIPPED_TEXTS = [
    "全年共受理政府信息公开申请52件，其中网络申请31件。",
    "门户网站发布工作动态1234条，浏览量接近八十万次。",
    "办结率达到98.6%，平均办理时间为7.5个工作日。",
    "本年度新增数据集17个。",
    "2021年共召开新闻发布会6场，回应公众关切23次，地级以上市政府网站全部完成整改。",
]


@pytest.fixture(scope="module")
def shipped():
    from govreport.inference.extract import DEFAULT_MODEL_DIR, ModelTagger

    if not (DEFAULT_MODEL_DIR / "model.onnx").is_file():
        pytest.skip("the shipped model/fast is not here")
    return ModelTagger(DEFAULT_MODEL_DIR, device="cpu", num_threads=1)


@pytest.mark.parametrize("batch_size", [1, 2, 32])
@pytest.mark.parametrize("rotate", [0, 2, 4])
def test_shipped_model_gives_a_sentence_the_same_records_in_any_batch(shipped, batch_size, rotate):
    texts = SHIPPED_TEXTS[rotate:] + SHIPPED_TEXTS[:rotate]
    alone = [_results(shipped, [t], 32)[0] for t in texts]
    assert _results(shipped, texts, batch_size) == alone
    assert any(records for _, _, records in alone)  # the check saw records, not only empty lists


def test_float_weights_batch_nearby_lengths_together_and_int8_exact_ones(taggers, monkeypatch):
    """Windows of nearby lengths share a batch only where padding changes nothing (float weights):
    fewer forward calls than there are window lengths; an int8 model still runs one length a call."""
    def calls(tagger):
        count = []
        forward = tagger.model.forward
        monkeypatch.setattr(tagger.model, "forward", lambda *a, **k: count.append(1) or forward(*a, **k))
        _results(tagger, TEXTS, 32)
        monkeypatch.undo()
        return len(count)

    lengths = {len(ids) for ids in taggers["torch-fp32"].tokenizer([t for t in TEXTS if t])["input_ids"]}
    assert calls(taggers["torch-int8"]) >= len(lengths) > calls(taggers["torch-fp32"]) == calls(taggers["torch-bf16"]) >= 1
