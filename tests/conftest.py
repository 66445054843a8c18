"""Tiny real objects for the model and training tests: a character tokenizer, a random
2-layer BERT tagger and a dataset folder of a dozen labelled sentences. All offline.

torch and transformers are imported inside the fixtures, so tests that use none of
them (schema, numbers, generator) do not pay for loading them.
"""

from __future__ import annotations

import json
import re

import pytest

from govreport.data.doccano import Example, write_jsonl
from govreport.data.schema import Span

# {text|T} marks a span of type T (M, V or U); everything else is plain text.
MARKED = [
    "全年共发布{工作动态|M}{252|V}{条|U}。",
    "{浏览量|M}接近{七十万|V}{次|U}。",
    "{回复率|M}达到{100|V}{%|U}。",
    "开放{410|V}个{数据集|M}。",
    "受理{政府信息公开申请|M}{52971|V}{宗|U},其中{网络申请|M}{26448|V}{宗|U},占{49.9|V}{%|U}。",
    "办理{行政复议案|M}{27|V}{件|U}。",
    "{财政收入|M}{2000万|V}{元|U}。",
    "咨询{3000余|V}{起|U}。",
    "{办结|M}{3|V}{件|U}。",
    "共收到{有效留言|M}{1128|V} {条|U}。",
    "{人均可支配收入|M}增长{3.3|V}{%|U}。",
    "2018年,门户网站积极优化栏目内容。",
    "{平均办理时间|M}{12.6|V}{天|U}。",
    "{主动公开政府信息|M}{３２|V}{件|U}。",
    "新增{专题栏目|M}{三|V}{个|U}。",
    "{咨询量|M}同比上升{12.5|V}{个百分点|U}。",
]
KINDS = {"M": "METRIC", "V": "VALUE", "U": "UNIT"}


def parse_marked(marked: str, id_: str) -> Example:
    """``"办结{3|V}{件|U}"`` -> Example("办结3件", [Span(2, 3, VALUE), Span(3, 4, UNIT)])."""
    text, spans, pos = "", [], 0
    for m in re.finditer(r"\{([^|{}]+)\|([MVU])\}", marked):
        text += marked[pos : m.start()]
        spans.append(Span(len(text), len(text) + len(m.group(1)), KINDS[m.group(2)]))
        text += m.group(1)
        pos = m.end()
    return Example(id=id_, text=text + marked[pos:], spans=spans)


def hard_wrap(paragraph: str, width: int = 36) -> list[str]:
    """``paragraph`` as the lines of a PDF page ``width`` columns wide (a Chinese character two,
    ASCII one), as a typeset page breaks them: anywhere but inside a run of ASCII letters and digits."""
    lines, line = [], ""
    for i, char in enumerate(paragraph):
        in_word = char.isascii() and char.isalnum() and i and paragraph[i - 1].isascii() and paragraph[i - 1].isalnum()
        if line and not in_word and 2 * len(line) - len(line.encode("ascii", "ignore")) + (1 if char.isascii() else 2) > width:
            lines.append(line)
            line = ""
        line += char
    return lines + [line]


# A text much longer than the tiny model's 32 positions.
LONG_TEXT = "".join(parse_marked(m, "x").text for m in MARKED) * 2


@pytest.fixture(scope="session")
def examples() -> list[Example]:
    return [parse_marked(m, f"t-{i}") for i, m in enumerate(MARKED)]


@pytest.fixture(scope="session")
def torch_one_thread():
    """These models are tiny: on a shared 2-core machine a second spinning thread makes each step slower."""
    import torch

    torch.set_num_threads(1)


@pytest.fixture(scope="session")
def tokenizer_dir(tmp_path_factory, examples, torch_one_thread):
    """A character BertTokenizer over the fixture texts, saved and reloadable with AutoTokenizer."""
    from transformers import BertTokenizer

    from govreport.model.char_encoder import build_char_vocab

    path = tmp_path_factory.mktemp("tokenizer")
    vocab = build_char_vocab([ex.text for ex in examples])
    tokenizer = BertTokenizer(vocab=vocab, do_lower_case=False)
    assert tokenizer.vocab_size == len(vocab)
    tokenizer.model_max_length = 32
    tokenizer.save_pretrained(path)
    return path


@pytest.fixture
def tokenizer(tokenizer_dir):
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(tokenizer_dir)
    assert tok.is_fast
    return tok


def tiny_config(vocab_size: int):
    """The char-small preset shrunk to test size (same labels, same wiring)."""
    from govreport.model.char_encoder import char_small_config

    return char_small_config(vocab_size, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                             intermediate_size=64, max_position_embeddings=32)


def lookup_table(examples) -> dict[str, str]:
    """Each character of a fixture span -> ``I-<type>`` (first seen wins), for :func:`make_lookup_tagger`;
    the model's B-<type> is next best, so where a span opens the valid IOB2 path takes B- and the
    pipeline, which groups by type, reads the same span."""
    table = {}
    for ex in examples:
        for span in ex.spans:
            for c in ex.text[span.start:span.end]:
                table.setdefault(c, f"I-{span.label}")
    return table


def make_lookup_tagger(model, vocab: dict[str, int], table: dict[str, str]) -> None:
    """Turn a ``BertForTokenClassification`` into a tagger whose tag of a token depends on that token
    only: ``table`` maps a character to its tag (``O`` when absent), looked up per vocabulary entry.

    The token of label k gets +1 on hidden dimension k and -1 on 8+k (layer norm keeps the pattern);
    positions, token types and every layer's output are zeroed, so each layer passes its input
    through; the classifier scores label k from dimension k (5), and each B-X also scores 4 on its
    I-X's dimension, so a run of characters looked up as I-X is read as one span opening with B-X,
    by govreport's IOB2 decoding and by the pipeline alike.
    """
    import torch

    from govreport.data.schema import LABELS, label2id

    hidden = model.config.hidden_size
    with torch.no_grad():
        emb = torch.zeros(len(vocab), hidden)
        for token, i in vocab.items():
            k = label2id[table.get(token.removeprefix("##"), "O")]
            emb[i, k], emb[i, 8 + k] = 1.0, -1.0
        model.bert.embeddings.word_embeddings.weight.copy_(emb)
        model.bert.embeddings.position_embeddings.weight.zero_()
        model.bert.embeddings.token_type_embeddings.weight.zero_()
        for layer in model.bert.encoder.layer:
            for dense in (layer.attention.output.dense, layer.output.dense):
                dense.weight.zero_()
                dense.bias.zero_()
        weight = torch.eye(len(LABELS), hidden) * 5
        for label, i in label2id.items():
            if label.startswith("I-"):
                weight[label2id["B-" + label[2:]], i] = 4
        model.classifier.weight.copy_(weight)
        model.classifier.bias.zero_()


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory, tokenizer_dir):
    """A random 2-layer BERT tagger and its tokenizer in one folder: a base model for ``--base-model``."""
    import torch
    from transformers import AutoTokenizer, BertForTokenClassification

    path = tmp_path_factory.mktemp("tiny-bert")
    tokenizer = AutoTokenizer.from_pretrained(tokenizer_dir)
    torch.manual_seed(0)
    BertForTokenClassification(tiny_config(tokenizer.vocab_size)).save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path


@pytest.fixture
def model(model_dir):
    from transformers import BertForTokenClassification

    return BertForTokenClassification.from_pretrained(model_dir)


@pytest.fixture(scope="session")
def dataset_dir(tmp_path_factory, examples):
    """A dataset folder as ``govreport generate`` writes it: train/validation/test JSONL and a card."""
    path = tmp_path_factory.mktemp("dataset")
    write_jsonl(path / "train.jsonl", examples[:12])
    write_jsonl(path / "validation.jsonl", examples[12:])
    write_jsonl(path / "test.jsonl", examples[12:])
    (path / "README.md").write_text("# Tiny dataset\n\nGenerator seed: 7.\n", encoding="utf-8")
    return path


# Short reports, one a file, for the tests that split a run into units (parallel, dask).
REPORT_TEXTS = ["江南市水利局2011年度政府信息公开年度报告\n全年共发布工作动态252条。", "浏览量接近七十万次。",
                "办结3件。\n受理政府信息公开申请52件。", "回复率达到100%。", "开放410个数据集。"]


@pytest.fixture
def reports_folder(tmp_path):
    """A folder of :data:`REPORT_TEXTS` (half in ``sub/``) and one binary file: a failed document."""
    root = tmp_path / "in"
    (root / "sub").mkdir(parents=True)
    for i, text in enumerate(REPORT_TEXTS):
        (root / ("sub" if i % 2 else "") / f"r{i}.txt").write_text(text, encoding="utf-8")
    (root / "broken.txt").write_bytes(bytes(range(1, 32)) * 4)  # control characters: a binary file
    return root


def write_lines(path, rows) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
