"""The errors govreport raises on purpose, and the one way a command line shows them.

Every such error is a :class:`GovReportError`, so a caller can catch them all at once; the
dispatcher (``govreport/cli.py``) turns one into a line on stderr and exit code 2. Three kinds:

- :class:`InputError`: a file or argument the user gave cannot be used (a bad JSONL line,
  an unreadable report, a gold or key file, a shard manifest, ...); the stages subclass it
  where they raise it (``data.doccano.FormatError``, ``inference.encoding.ReadError``, ...);
- :class:`ConfigError`: an option or config file the trainer cannot use;
- :class:`OutputError`: an output path that cannot or must not be written.

They are ``ValueError`` too, as they were before the hierarchy, so ``except ValueError``
still catches them. An error whose nature is another builtin keeps it as its second base
(``model.e5_image.ImageNotFound`` is a ``FileNotFoundError``, ``DaskMissingError`` an
``ImportError``). This module imports nothing from the project, so any module may import it.

>>> issubclass(InputError, GovReportError) and issubclass(InputError, ValueError)
True
"""

from __future__ import annotations

import sys

__all__ = ["GovReportError", "InputError", "ConfigError", "OutputError", "USAGE_EXIT", "cli_error"]

# The exit code of a command that refused its input, options or output (argparse's, too).
USAGE_EXIT = 2


class GovReportError(Exception):
    """An error govreport raises on purpose; the message alone tells the user what is wrong."""


class InputError(GovReportError, ValueError):
    """An input file or argument that cannot be used; the message names it and says why."""


class ConfigError(GovReportError, ValueError):
    """An option or config file the trainer cannot use; the CLI shows it as one line."""


class OutputError(GovReportError, ValueError):
    """An output path that cannot or must not be written; the message says which and why."""


def cli_error(prefix: str, err: BaseException) -> int:
    """Show ``err`` as the one line ``prefix: err`` on stderr; the exit code to return (2).

    ``prefix`` is the command's name, and what it was doing where that helps
    (``"extract: bad --keys file"``).
    """
    print(f"{prefix}: {err}", file=sys.stderr)
    return USAGE_EXIT
