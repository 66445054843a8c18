"""Token ids of a character WordPiece tokenizer read from a table: tokenizing by lookup.

A character tokenizer (:mod:`model.char_encoder`'s char-small, the e5-small-char base) makes
one token per character, so its ids can come from a table learnt from the tokenizer itself
instead of from the Rust tokenizer; :func:`model.windows.encode_windows` asks
:func:`char_lookup` for one and falls back to the tokenizer for anything it cannot vouch for.

>>> unit_offsets(3)
[(0, 1), (1, 2), (2, 3)]
"""

from __future__ import annotations

import json
import re
import weakref
from typing import Iterable, Sequence

__all__ = ["CharLookup", "char_lookup", "unit_offsets"]


class CharLookup:
    """Token ids of a character WordPiece tokenizer, read from a table instead of the Rust tokenizer.

    With one token per character, tokenizing is a lookup per character, which Python does
    about five times faster than the Rust tokenizer hands back its encodings (22 ms
    against 120 ms for 51,233 characters). What each
    character becomes is learnt from the tokenizer itself the first time it is seen: its
    id alone and its id inside a word (``2018`` is ``2 ##0 ##1 ##8``, while a CJK
    character or a punctuation mark stands alone after anything), or, for a character
    that makes no token, whether it splits words (a space) or vanishes from between
    them (a control character). A text the table cannot vouch for (a special token's
    text, an unknown character inside a word, an overlong word) returns None and goes to
    the tokenizer.
    """

    def __init__(self, backend, unk_id: int, specials: Sequence[str], max_word: int, word_char: str):
        from tokenizers import Tokenizer

        # a copy of the Rust tokenizer, without the padding or truncation the original may carry
        self.backend = Tokenizer.from_str(backend.to_str())
        self.backend.no_padding()
        self.backend.no_truncation()
        self.unk_id, self.max_word, self.word_char = unk_id, max_word, word_char
        self.specials = re.compile("|".join(map(re.escape, specials))) if specials else None
        # The table: each character's kind, as a str.translate map (s stands alone, w is a
        # word character, - makes no token and splits words, + makes none and vanishes from
        # between them, ? is anything else), its id alone and its id inside a word.
        self.kinds: dict[int, str] = {}
        self.alone: dict[str, int] = {}
        self.after: dict[str, int] = {}
        self.word_runs = re.compile("(?!)")  # two or more word characters in a row

    def learn(self, chars: Iterable[str]) -> None:
        """Put ``chars`` in the table: three short texts each through the tokenizer, in one batch."""
        chars, w = list(chars), self.word_char
        encoded = self.backend.encode_batch([t for c in chars for t in (c, c + c, w + c + w)], add_special_tokens=False)
        for k, char in enumerate(chars):
            alone, twice, between = (e.ids for e in encoded[3 * k: 3 * k + 3])
            if len(alone) == 1:
                self.alone[char] = alone[0]
                if len(twice) == 2 and twice[1] == alone[0]:  # repeats itself: stands alone
                    kind = "s"
                else:  # a word character continues with its ## id, or makes the word [UNK]
                    kind = "w"
                    if len(twice) == 2:
                        self.after[char] = twice[1]
            elif not alone and len(between) == 2:
                kind = "-" if between[0] == between[1] else "+"
            else:
                kind = "?"
            self.kinds[ord(char)] = kind
        words = sorted(chr(c) for c, kind in self.kinds.items() if kind == "w")
        self.word_runs = re.compile(f"[{''.join(map(re.escape, words))}]{{2,}}" if words else "(?!)")

    def unseen(self, texts: Iterable[str]) -> set[str]:
        """The characters of ``texts`` not in the table yet."""
        return {c for c in set("".join(texts)) if ord(c) not in self.kinds}

    def encode(self, text: str) -> tuple[list[int], list[tuple[int, int]]] | None:
        """Ids and offsets of ``text``, whose characters must all be in the table; None to ask the tokenizer."""
        if self.specials is not None and self.specials.search(text):
            return None
        try:
            ids = list(map(self.alone.__getitem__, text))
        except KeyError:  # a character that makes no token
            return self._encode_slowly(text)
        for word in self.word_runs.finditer(text):  # 2018: 2 ##0 ##1 ##8
            start, end = word.span()
            rest = text[start + 1:end]
            if ids[start] == self.unk_id or end - start > self.max_word or not self.after.keys() >= set(rest):
                return None  # WordPiece reads the whole word as [UNK]
            ids[start + 1:end] = map(self.after.__getitem__, rest)
        return ids, unit_offsets(len(text))

    def _encode_slowly(self, text: str) -> tuple[list[int], list[tuple[int, int]]] | None:
        """:meth:`encode` for a text with characters that make no token (spaces, control characters)."""
        kinds = text.translate(self.kinds)
        if "?" in kinds:
            return None
        ids, kept = [], []
        word_first, word_len = -1, 0  # the current word's first token, -1 between words; its length
        for i, (char, kind) in enumerate(zip(text, kinds)):
            if kind == "-":
                word_first = -1
            elif kind == "s":
                kept.append(i)
                ids.append(self.alone[char])
                word_first = -1
            elif kind == "w":
                kept.append(i)
                if word_first < 0:
                    word_first, word_len = len(ids), 1
                    ids.append(self.alone[char])
                    continue
                word_len += 1
                if char not in self.after or ids[word_first] == self.unk_id or word_len > self.max_word:
                    return None
                ids.append(self.after[char])
        unit = unit_offsets(len(text))
        return ids, [unit[i] for i in kept]


_UNIT_OFFSETS: list[tuple[int, int]] = []


def unit_offsets(n: int) -> list[tuple[int, int]]:
    """``[(0, 1), (1, 2), ..., (n - 1, n)]``, sliced from a shared list."""
    if n > len(_UNIT_OFFSETS):
        _UNIT_OFFSETS.extend((i, i + 1) for i in range(len(_UNIT_OFFSETS), max(n, 2 * len(_UNIT_OFFSETS))))
    return _UNIT_OFFSETS[:n]


_LOOKUPS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def char_lookup(tokenizer) -> CharLookup | None:
    """The lookup encoder of a character WordPiece tokenizer (:mod:`model.char_encoder`'s), else None.

    That is a vocabulary of single characters and ``##`` + one character, a BERT
    normaliser that neither lowercases nor strips accents (so no character turns into
    several) and BERT's pre-tokenizer. Decided once per tokenizer.
    """
    if tokenizer not in _LOOKUPS:
        backend = getattr(tokenizer, "backend_tokenizer", None)
        spec = json.loads(backend.to_str()) if backend is not None else {}
        model, norm, pre = spec.get("model") or {}, spec.get("normalizer") or {}, spec.get("pre_tokenizer") or {}
        specials = [t["content"] for t in spec.get("added_tokens") or []]
        vocab = model.get("vocab") or {}
        char_level = (
            model.get("type") == "WordPiece" and model.get("unk_token") in vocab
            and norm.get("type") == "BertNormalizer" and not norm.get("lowercase") and not norm.get("strip_accents")
            and pre.get("type") == "BertPreTokenizer"
            and all(len(t) == 1 or (len(t) == 3 and t.startswith("##")) for t in vocab if t not in specials)
        )
        # a character that can continue a word, to learn what a space or a control character does inside one
        word_char = next((t[2:] for t in vocab if t.startswith("##") and t[2:] in vocab), None) if char_level else None
        chars = None
        if word_char:
            chars = CharLookup(backend, vocab[model["unk_token"]], specials,
                                 model.get("max_input_chars_per_word", 100), word_char)
        _LOOKUPS[tokenizer] = chars
    return _LOOKUPS[tokenizer]
