"""The character<->token bridge, the character tokenizer and entity scoring."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from transformers import AutoTokenizer

from govreport.data.schema import LABELS, Span, spans_to_tags
from govreport.data.text import FULLWIDTH_TO_ASCII, TO_TRADITIONAL
from govreport.model.char_encoder import SPECIAL_TOKENS, build_char_tokenizer, build_char_vocab, char_small_config
from govreport.model import windows
from govreport.model.char_lookup import char_lookup
from govreport.model.tagging import (
    IGNORE_INDEX, align_labels, boundary_conflicts, decode_windows, predict, token_to_char_tags,
)
from govreport.model.windows import READ_AS, clean_offsets, encode_windows
from govreport.train.metrics import entity_scores

from tests.conftest import LONG_TEXT


# ---- align_labels / token_to_char_tags


@pytest.mark.parametrize(
    "offsets, tags",
    [
        # one character per token, with [CLS]/[SEP] and padding
        ([(0, 0), (0, 1), (1, 2), (2, 3), (0, 0), (0, 0)], ["B-METRIC", "B-VALUE", "B-UNIT"]),
        # multi-character tokens inside spans
        ([(0, 0), (0, 2), (2, 5), (5, 6), (0, 0)], ["B-METRIC", "I-METRIC", "B-VALUE", "I-VALUE", "I-VALUE", "B-UNIT"]),
        # a multi-character O token and an uncovered space
        ([(0, 2), (3, 4), (4, 6)], ["O", "O", "O", "B-VALUE", "B-UNIT", "I-UNIT"]),
        # a span that continues across two tokens
        ([(0, 1), (1, 3), (3, 4)], ["B-METRIC", "I-METRIC", "I-METRIC", "I-METRIC"]),
    ],
)
def test_align_then_expand_round_trips(offsets, tags):
    ids = align_labels(offsets, tags)
    assert len(ids) == len(offsets)
    assert all(i == IGNORE_INDEX for i, (s, e) in zip(ids, offsets) if s == e)
    assert token_to_char_tags(offsets, ids, len(tags)) == tags


def test_sentencepiece_offsets_are_cleaned_before_alignment():
    # "<s> ▁ 占 ▁11 ▁ 条 </s>" over "占 11 条": a prepended ▁ repeating 占's offsets,
    # a leading space inside ▁11 and a lone ▁ over the second space.
    text, tags = "占 11 条", ["O", "O", "B-VALUE", "I-VALUE", "O", "B-UNIT"]
    raw = [(0, 0), (0, 1), (0, 1), (1, 4), (4, 5), (5, 6), (0, 0)]
    offsets = clean_offsets(raw, text)
    assert offsets == [(0, 0), (0, 0), (0, 1), (2, 4), (0, 0), (5, 6), (0, 0)]
    ids = align_labels(offsets, tags)
    assert ids[3] == LABELS.index("B-VALUE") and ids[1] == ids[4] == IGNORE_INDEX
    assert token_to_char_tags(offsets, ids, len(text)) == tags
    assert boundary_conflicts(offsets, [Span(2, 4, "VALUE")]) == []
    assert boundary_conflicts(raw, [Span(2, 4, "VALUE")]) == [Span(2, 4, "VALUE")]


def test_align_labels_takes_first_character():
    assert align_labels([(0, 0), (0, 3), (0, 0)], ["B-VALUE", "I-VALUE", "B-UNIT"]) == [IGNORE_INDEX, LABELS.index("B-VALUE"), IGNORE_INDEX]


def test_token_to_char_tags_continues_and_fills():
    # B-UNIT over two chars continues as I-UNIT; the uncovered last char is O.
    assert token_to_char_tags([(0, 2)], [LABELS.index("B-UNIT")], 3) == ["B-UNIT", "I-UNIT", "O"]
    assert token_to_char_tags([(0, 2)], [LABELS.index("O")], 2) == ["O", "O"]


def test_round_trip_through_the_char_tokenizer(tokenizer, examples):
    for ex in examples:
        tags = spans_to_tags(ex.spans, len(ex.text))
        enc = tokenizer(ex.text, return_offsets_mapping=True)
        ids = align_labels(enc["offset_mapping"], tags)
        assert token_to_char_tags(enc["offset_mapping"], ids, len(ex.text)) == tags


# ---- the character tokenizer


def test_char_tokenizer_never_merges_value_and_unit(tokenizer, examples):
    for ex in examples:
        offsets = tokenizer(ex.text, return_offsets_mapping=True)["offset_mapping"]
        assert boundary_conflicts(offsets, ex.spans) == [], ex.text
        assert all(e - s <= 1 for s, e in offsets), "every token is one character"


@pytest.mark.parametrize("text, pieces", [("占10%", ["占", "1", "##0", "%"]), ("2018年", ["2", "##0", "##1", "##8", "年"]), ("３２件", ["３", "##２", "件"]), ("3.2万", ["3", ".", "2", "万"])])
def test_digits_split_per_character(tokenizer, text, pieces):
    assert tokenizer.tokenize(text) == pieces


def test_boundary_conflicts_flags_merged_tokens():
    spans = [Span(0, 2, "VALUE"), Span(2, 3, "UNIT")]
    assert boundary_conflicts([(0, 3)], spans) == spans
    assert boundary_conflicts([(0, 1), (1, 2), (2, 3)], spans) == []


def test_char_vocab_and_tokenizer_save_load(tmp_path):
    vocab = build_char_vocab(["共3件APP"], common_chars="的是")
    assert [vocab[t] for t in SPECIAL_TOKENS] == [0, 1, 2, 3, 4]
    assert {"的", "件", "##3", "##P", "%"} <= set(vocab) and "##件" not in vocab
    tok = build_char_tokenizer(["共3件APP"], common_chars="的是")
    tok.save_pretrained(tmp_path)
    loaded = AutoTokenizer.from_pretrained(tmp_path)
    assert loaded.vocab_size == tok.vocab_size == len(vocab)
    assert loaded("共3件的APP")["input_ids"] == tok("共3件的APP")["input_ids"]
    assert loaded.model_max_length == 512


def test_char_small_preset():
    config = char_small_config(1000)
    assert (config.num_hidden_layers, config.hidden_size, config.num_attention_heads) == (4, 256, 4)
    assert (config.intermediate_size, config.max_position_embeddings) == (1024, 512)
    assert config.id2label[0] == "O" and config.label2id["B-VALUE"] == LABELS.index("B-VALUE")


# ---- windows and prediction

FULLWIDTH = {ascii_: full for full, ascii_ in FULLWIDTH_TO_ASCII.items()}  # ASCII -> its full-width form


def test_windows_cover_every_character(tokenizer):
    windows = encode_windows(tokenizer, [LONG_TEXT], max_length=32, stride=8)
    assert len(windows) > 3 and all(len(w.input_ids) <= 32 for w in windows)
    covered = {c for w in windows for s, e in w.offsets for c in range(s, e)}
    assert covered == {i for i, ch in enumerate(LONG_TEXT) if not ch.isspace()}


def test_windows_read_the_rust_tokenizer_as_the_python_call_does(tokenizer, examples):
    texts = [ex.text for ex in examples] + [LONG_TEXT, " 前后 11 条 ", "ＡＢＣ１２３", ""]
    # the text as the model reads it (READ_AS: ＡＢＣ１２３ as ABC123)
    encoded = tokenizer([t.translate(READ_AS) for t in texts], add_special_tokens=False, return_offsets_mapping=True)
    windows = encode_windows(tokenizer, texts, max_length=512)
    assert [w.text_index for w in windows] == list(range(len(texts)))
    for w, ids, offsets, text in zip(windows, encoded["input_ids"], encoded["offset_mapping"], texts):
        assert w.input_ids == [tokenizer.cls_token_id, *ids, tokenizer.sep_token_id]
        assert w.offsets == [(0, 0), *clean_offsets(offsets, text), (0, 0)]


@pytest.mark.parametrize("form", [TO_TRADITIONAL, FULLWIDTH])
def test_windows_read_one_form_of_each_character(tokenizer, examples, form):
    # 開 (which the simplified fixture vocabulary lacks) is read as 开, ，１２％ as ,12%, offsets unchanged
    texts = [ex.text for ex in examples]
    twins = [text.translate(form) for text in texts]
    assert sum(twin != text for twin, text in zip(twins, texts)) > len(texts) // 2
    for plain, twin in zip(encode_windows(tokenizer, texts, 512), encode_windows(tokenizer, twins, 512)):
        assert twin.input_ids == plain.input_ids and twin.offsets == plain.offsets


def test_windows_read_simplified_ascii_text_as_written(tokenizer):
    text = "显著於2019年增长12%,共3件"  # 著 and 於 are simplified too (GB2312): no other form is read
    (window,) = encode_windows(tokenizer, [text], 512)
    assert window.input_ids[1:-1] == tokenizer(text, add_special_tokens=False)["input_ids"]


def _odd_texts(tokenizer, count: int = 400) -> list[str]:
    """Texts mixing what a character table must get right: known and unknown characters,
    word runs (digits, Latin letters), spaces, control and invisible characters, a special
    token's text and an overlong word."""
    import random

    rng = random.Random(5)
    known = [t for t in tokenizer.get_vocab() if len(t) == 1]
    pieces = known[:200] + list("0123456789abcXYZ.%,，。（）") + ["龘", "☃", "é", "Ⅻ", "①", "㎡", "𠀀"] \
        + [" ", "  ", "\t", "\n", "\u3000", "\x01", "\u200b", "\ufffd", "\u2028", "[SEP]", "[UNK]", "2018", "ab☃c"]
    texts = ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 30))) for _ in range(count)]
    return texts + ["7" * 100, "7" * 101, "x" + "7" * 150, "共3件", ""]


def test_character_table_tokenizes_as_the_tokenizer_does(tokenizer, examples):
    texts = [ex.text for ex in examples] + _odd_texts(tokenizer)
    read = [t.translate(READ_AS) for t in texts]
    expected = [(list(ids), [tuple(o) for o in offsets]) for ids, offsets in windows._tokenize(tokenizer, read)]
    got = windows._ids_and_offsets(tokenizer, texts)
    assert char_lookup(tokenizer) is not None  # the fixture's tokenizer is a character one
    assert [(list(ids), [tuple(o) for o in offsets]) for ids, offsets in got] == expected
    # and from the table for most texts, not by falling back on the tokenizer for all
    assert sum(char_lookup(tokenizer).encode(t) is not None for t in texts) > len(texts) // 2


def test_character_table_only_for_character_tokenizers(tokenizer_dir, tmp_path):
    from transformers import BertTokenizer

    vocab = dict(AutoTokenizer.from_pretrained(tokenizer_dir).get_vocab())
    vocab["办结"] = len(vocab)  # one token for two characters
    BertTokenizer(vocab=vocab, do_lower_case=False).save_pretrained(tmp_path)
    words = AutoTokenizer.from_pretrained(tmp_path)
    assert char_lookup(words) is None
    texts = ["办结3件", "共办结 12 件"]
    assert windows._ids_and_offsets(words, texts) == windows._tokenize(words, texts)


def test_sentencepiece_tokenizers_go_through_the_tokenizer():
    # the e5 base's kind: a Unigram model, whose vocabulary is a list of (piece, score) pairs
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    pieces = [("<unk>", 0.0), ("<s>", 0.0), ("</s>", 0.0), ("<pad>", 0.0), ("▁", -1.0), ("办结", -2.0),
              ("3", -2.0), ("件", -2.0), ("办", -3.0), ("结", -3.0)]
    backend = Tokenizer(models.Unigram(pieces, unk_id=0))
    backend.pre_tokenizer = pre_tokenizers.Metaspace()
    sp = PreTrainedTokenizerFast(tokenizer_object=backend, unk_token="<unk>", cls_token="<s>", sep_token="</s>",
                                 pad_token="<pad>")
    assert char_lookup(sp) is None
    (ids, offsets), = windows._ids_and_offsets(sp, ["办结3件"])
    assert sp.convert_ids_to_tokens(ids)[-3:] == ["办结", "3", "件"] and offsets[-3:] == [(0, 2), (2, 3), (3, 4)]


def test_long_text_keeps_every_character(model, tokenizer):
    assert len(LONG_TEXT) > 3 * model.config.max_position_embeddings
    tags = predict(model, tokenizer, [LONG_TEXT])[0].tags
    assert len(tags) == len(LONG_TEXT) and set(tags) <= set(LABELS)


def test_windowing_matches_single_pass_where_text_fits(model, tokenizer, examples):
    texts = [ex.text for ex in examples if len(ex.text) <= 30]  # 30 characters + [CLS] + [SEP]
    assert len(texts) > 10
    assert predict(model, tokenizer, texts, max_length=32) == predict(model, tokenizer, texts, max_length=32, stride=4)


def test_batching_does_not_change_predictions(model, tokenizer, examples):
    texts = [ex.text for ex in examples] + [LONG_TEXT, ""]
    one = predict(model, tokenizer, texts, batch_size=1)
    many = predict(model, tokenizer, texts, batch_size=32)
    assert [p.label_ids for p in one] == [p.label_ids for p in many]
    for (_, p1), (_, p2) in zip(one, many):
        assert p1 == pytest.approx(p2, abs=1e-5)
    assert many[-1] == ([], [])


def test_probabilities_are_per_character(model, tokenizer, examples):
    for (label_ids, probs), ex in zip(predict(model, tokenizer, [e.text for e in examples]), examples):
        assert len(label_ids) == len(probs) == len(ex.text)
        assert all(0.0 < p <= 1.0 for p in probs)


# ---- decoding into valid IOB2


def breaks_iob2(label_ids) -> bool:
    """Whether an I-X follows something other than B-X/I-X, or opens the sequence."""
    previous = "O"
    for tag in (LABELS[i] for i in label_ids):
        if tag.startswith("I-") and previous[2:] != tag[2:]:
            return True
        previous = tag
    return False


def test_decoding_takes_the_argmax_where_it_is_valid_iob2_and_the_best_valid_path_where_not():
    rng = np.random.default_rng(3)
    logits = rng.normal(scale=3.0, size=(200, 6, len(LABELS)))  # [CLS], four tokens, [SEP]
    label_ids, probs = decode_windows(logits.copy(), [6] * 200)
    exp = np.exp(logits - logits.max(-1, keepdims=True))
    log_probs = np.log(exp / exp.sum(-1, keepdims=True))
    valid = [path for path in itertools.product(range(len(LABELS)), repeat=4) if not breaks_iob2(path)]
    repaired = 0
    for row in range(200):
        inner = log_probs[row, 1:5]
        argmax = inner.argmax(-1)
        best = max(valid, key=lambda path: inner[range(4), list(path)].sum())
        assert label_ids[row, 1:5].tolist() == list(best)
        if breaks_iob2(argmax):
            repaired += 1
        else:
            assert list(best) == argmax.tolist()
        assert probs[row].tolist() == pytest.approx(np.exp(log_probs[row, range(6), label_ids[row]]).tolist())
    assert repaired > 50  # random logits break IOB2 often; the test covers both branches


def test_padding_beyond_a_windows_length_is_not_decoded():
    logits = np.zeros((1, 5, len(LABELS)))
    logits[0, :, 2] = 5.0  # I-METRIC everywhere
    label_ids, _ = decode_windows(logits, [3])  # [CLS] one token [SEP], then padding
    assert label_ids[0, 1] != 2 and label_ids[0, 3:].tolist() == [2, 2]


def test_predicted_tags_of_a_text_in_one_window_are_valid_iob2(model, tokenizer, examples):
    texts = [ex.text for ex in examples if len(ex.text) <= model.config.max_position_embeddings - 2]
    predictions = predict(model, tokenizer, texts)
    assert texts and not any(breaks_iob2(p.label_ids) for p in predictions)


def test_predict_restores_training_mode(model, tokenizer):
    model.train()
    predict(model, tokenizer, ["办结3件"])
    assert model.training


# ---- scoring


def test_entity_scores_strict_iob2():
    gold = [["B-METRIC", "I-METRIC", "B-VALUE", "B-UNIT"]]
    assert entity_scores(gold, gold)["micro"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0, "support": 3}
    # strict mode: an entity that starts with I- is no entity, a wrong boundary is a miss
    scores = entity_scores(gold, [["I-METRIC", "I-METRIC", "B-VALUE", "I-VALUE"]])
    assert scores["METRIC"]["recall"] == 0.0 and scores["VALUE"]["precision"] == 0.0
    assert scores["micro"]["f1"] == 0.0 and scores["UNIT"]["support"] == 1


def test_entity_scores_without_entities():
    scores = entity_scores([["O", "O"]], [["O", "O"]])
    assert set(scores) == {"micro", "METRIC", "VALUE", "UNIT"}
    assert scores["micro"]["f1"] == 0.0 and scores["micro"]["support"] == 0
    with pytest.raises(ValueError):
        entity_scores([["O"]], [["O", "O"]])
