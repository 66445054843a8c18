"""The version of govreport: from the installed package's metadata, else from pyproject.toml.

Every output names it (with the model), so a file says what made it.

>>> package_version().count(".") >= 1
True
"""

from __future__ import annotations

import importlib.metadata
import tomllib
from pathlib import Path

__all__ = ["PACKAGE", "package_version"]

PACKAGE = "govreport"
# Beside the data package in a source checkout; absent from an installed wheel (which has metadata instead).
_PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"


def package_version() -> str:
    """``"0.1.0"``-like: the installed distribution's version, the source tree's pyproject, or ``"unknown"``."""
    try:
        return importlib.metadata.version(PACKAGE)
    except importlib.metadata.PackageNotFoundError:
        pass
    try:
        return tomllib.loads(_PYPROJECT.read_text(encoding="utf-8"))["project"]["version"]
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return "unknown"
