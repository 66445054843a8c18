"""The ``char-small`` preset: a character tokenizer and a small BERT trained from scratch.

One character is one token, so every METRIC/VALUE/UNIT boundary falls between
tokens and ``10%`` can never become a single token. The tokenizer is an ordinary
``BertTokenizer`` (WordPiece over a character vocabulary), so a saved model
directory loads with ``AutoTokenizer`` alone.

>>> tok = build_char_tokenizer(["收到申请3.2万件,占10%"])
>>> tok.convert_ids_to_tokens(tok("占10%")["input_ids"])
['[CLS]', '占', '1', '##0', '%', '[SEP]']
"""

from __future__ import annotations

import collections
import functools
import importlib.util
import logging
import string
import unicodedata
from pathlib import Path
from typing import Iterable

from transformers import BertConfig, BertTokenizer

from govreport.data.schema import LABELS, id2label, label2id

logger = logging.getLogger(__name__)

SPECIAL_TOKENS: tuple[str, ...] = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")

# Characters every vocabulary gets whatever the training texts hold: ASCII,
# full-width digits and letters (report prose writes ３２件) and the punctuation
# of Chinese prose.
BASE_CHARS: str = (
    "".join(chr(c) for c in range(33, 127))
    + "".join(chr(c) for c in range(0xFF10, 0xFF1A))  # ０-９
    + "".join(chr(c) for c in range(0xFF21, 0xFF3B))  # Ａ-Ｚ
    + "".join(chr(c) for c in range(0xFF41, 0xFF5B))  # ａ-ｚ
    + "，。、；：？！“”‘’（）《》〈〉【】〔〕—…·％～×÷±≤≥‰°℃•∶．－"
)


def is_cjk(char: str) -> bool:
    """True for the ideograph ranges BERT's normaliser isolates (``tokenize_chinese_chars``)."""
    cp = ord(char)
    return (
        0x4E00 <= cp <= 0x9FFF
        or 0x3400 <= cp <= 0x4DBF
        or 0x20000 <= cp <= 0x2A6DF
        or 0x2A700 <= cp <= 0x2CEAF
        or 0xF900 <= cp <= 0xFAFF
        or 0x2F800 <= cp <= 0x2FA1F
    )


def is_punctuation(char: str) -> bool:
    """True for what BERT's pre-tokenizer splits off as punctuation (ASCII symbols and Unicode P*)."""
    return char in string.punctuation or unicodedata.category(char).startswith("P")


@functools.lru_cache(maxsize=4)
def common_cjk_chars(n: int = 6000) -> str:
    """The ``n`` most frequent CJK characters, weighted by jieba's word frequencies.

    jieba is already a dependency, so its dictionary gives a reproducible "common
    characters" list without shipping one; the top 6000 cover every character of
    the dev gold.

    >>> len(common_cjk_chars(10))
    10
    """
    spec = importlib.util.find_spec("jieba")
    if spec is None or spec.origin is None:
        raise RuntimeError("jieba is not installed; it supplies the common-character list (pip install jieba)")
    counts: collections.Counter[str] = collections.Counter()
    with open(Path(spec.origin).parent / "dict.txt", encoding="utf-8") as f:
        for line in f:
            word, freq, *_ = line.split(" ")
            for char in word:
                if is_cjk(char):
                    counts[char] += int(freq)
    ranked = sorted(counts, key=lambda c: (-counts[c], c))
    return "".join(ranked[:n])


def build_char_vocab(texts: Iterable[str] = (), common_chars: str = "") -> dict[str, int]:
    """A WordPiece vocabulary in which every word splits into single characters.

    Specials come first (``[PAD]`` is 0), then every non-space character of
    ``texts``, :data:`BASE_CHARS` and ``common_chars`` in code-point order. BERT's
    pre-tokenizer keeps runs like ``2018`` or ``APP`` together as one word, so each
    character that can continue such a run also gets a ``##`` entry: ``2018`` is
    ``2 ##0 ##1 ##8``, four tokens, one per character. CJK ideographs and
    punctuation are always split off on their own and need none.

    >>> vocab = build_char_vocab(["共3件"])
    >>> [vocab[t] for t in SPECIAL_TOKENS]
    [0, 1, 2, 3, 4]
    >>> "件" in vocab, "##件" in vocab, "##3" in vocab
    (True, False, True)
    """
    chars = set(BASE_CHARS) | set(common_chars)
    for text in texts:
        chars.update(text)
    chars = sorted(c for c in chars if not c.isspace() and unicodedata.category(c)[0] != "C")
    tokens = list(SPECIAL_TOKENS) + chars
    tokens += [f"##{c}" for c in chars if not (is_cjk(c) or is_punctuation(c))]
    return {token: i for i, token in enumerate(tokens)}


def build_char_tokenizer(
    texts: Iterable[str] = (), common_chars: str = "", model_max_length: int = 512
) -> BertTokenizer:
    """A character ``BertTokenizer`` over :func:`build_char_vocab` (case kept: 万 and km, MB and mb differ)."""
    vocab = build_char_vocab(texts, common_chars)
    # Build from the dict, not a vocab file: in transformers 5 the fast class
    # silently ignores ``vocab_file`` and returns a five-token tokenizer.
    tokenizer = BertTokenizer(vocab=vocab, do_lower_case=False, tokenize_chinese_chars=True, strip_accents=False)
    tokenizer.model_max_length = model_max_length
    if tokenizer.vocab_size != len(vocab):
        raise RuntimeError(f"tokenizer has {tokenizer.vocab_size} tokens, vocabulary {len(vocab)}")
    return tokenizer


def char_small_config(vocab_size: int, **overrides) -> BertConfig:
    """The ``char-small`` architecture: 4 layers x 256 hidden, 4 heads, FF 1024, 512 positions (~3M + 256·vocab params).

    Labels come from :mod:`data.schema` so the saved config is all inference needs.

    >>> char_small_config(100).num_labels
    7
    """
    settings = dict(
        vocab_size=vocab_size,
        hidden_size=256,
        num_hidden_layers=4,
        num_attention_heads=4,
        intermediate_size=1024,
        max_position_embeddings=512,
        type_vocab_size=2,
        pad_token_id=0,
        num_labels=len(LABELS),
        id2label=dict(id2label),
        label2id=dict(label2id),
    )
    settings.update(overrides)
    return BertConfig(**settings)
