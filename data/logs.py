"""Logging for the command lines: one place that says what a log line looks like.

Library code only logs (``logging.getLogger(__name__)``); each ``main`` calls
:func:`setup_logging` once. Three looks: ``"plain"`` (the message alone, for commands
whose log is their progress report), ``"named"`` (level and logger, for warnings beside a
command's own output) and ``"timed"`` (a clock time too, for long runs).

>>> FORMATS["named"]
'%(levelname)s %(name)s: %(message)s'
"""

from __future__ import annotations

import logging

__all__ = ["setup_logging", "FORMATS"]

FORMATS = {
    "plain": "%(message)s",
    "named": "%(levelname)s %(name)s: %(message)s",
    "timed": "%(asctime)s %(levelname)s %(name)s: %(message)s",
}


def setup_logging(level: int | str = logging.WARNING, look: str = "named") -> None:
    """Log to standard error at ``level`` in one of :data:`FORMATS` (a no-op once logging is set up,
    as :func:`logging.basicConfig` is)."""
    logging.basicConfig(level=level, format=FORMATS[look], datefmt="%H:%M:%S")
