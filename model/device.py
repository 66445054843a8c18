"""Where a model runs: the one reading of ``--device`` ("auto", "cpu", "cuda") for training and inference.

>>> resolve_device("cpu")
'cpu'
>>> resolve_device("auto") in ("cpu", "cuda")
True
"""

from __future__ import annotations

import os

__all__ = ["DEVICES", "resolve_device", "available_cores"]

DEVICES = ("auto", "cpu", "cuda")


def resolve_device(name: str) -> str:
    """``name`` as a torch device: "auto" is "cuda" when torch sees a CUDA device, else "cpu".

    Asking for CUDA where torch sees none is a ValueError, not a silent fall back to the CPU.
    """
    import torch  # here, so that importing inference does not import torch

    if name == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise ValueError(f"device {name!r} asked for, but torch sees no CUDA device")
    return name


def available_cores() -> int:
    """CPU cores this process may run on (torch's thread count for CPU work)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1
