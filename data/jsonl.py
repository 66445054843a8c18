"""Reading JSON Lines: every JSONL file govreport reads goes through :func:`json_lines`.

A line that cannot be read raises an :class:`~data.errors.InputError` (or the caller's
subclass of it) whose message names the file and the line, and says why: not UTF-8, not
JSON, or JSON it cannot read (nested too deeply, an integer of too many digits). Blank lines
are skipped; a UTF-8 byte-order mark is allowed.

>>> import pathlib, tempfile
>>> path = pathlib.Path(tempfile.mkdtemp()) / "gold.jsonl"
>>> _ = path.write_text('{"id": "a"}\\n\\n{"id": \\n', encoding="utf-8")
>>> lines = json_lines(path)
>>> next(lines)
(1, {'id': 'a'})
>>> next(lines)  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
govreport.data.errors.InputError: .../gold.jsonl:3: not JSON: Expecting value
"""

from __future__ import annotations

import json
import os
from typing import Any, Iterator

from govreport.data.errors import InputError

__all__ = ["loads", "json_lines"]


def loads(line: str, error: type[InputError] = InputError) -> Any:
    """``json.loads(line)``; ``error`` saying why when the line is not JSON a reader can use.

    >>> loads('[' * 100_000 + ']' * 100_000)
    Traceback (most recent call last):
    ...
    govreport.data.errors.InputError: not readable JSON (nested too deeply)
    """
    try:
        return json.loads(line)
    except json.JSONDecodeError as err:
        raise error(f"not JSON: {err.msg}") from None
    except RecursionError:
        raise error("not readable JSON (nested too deeply)") from None
    except ValueError as err:  # e.g. an integer of more than 4,300 digits
        raise error(f"not readable JSON ({err})") from None


def json_lines(path: str | os.PathLike, error: type[InputError] = InputError,
               keep_going: bool = False) -> Iterator[tuple[int, Any]]:
    """``(line number, JSON value)`` for each non-blank line of ``path``.

    A bad line raises ``error("PATH:LINE: why")``. With ``keep_going``, a line that is not
    JSON comes as ``(line number, error(why))`` instead and the lines after it are still read,
    for a caller that reports it and goes on; text that is not UTF-8 always ends the reading.
    """
    with open(path, encoding="utf-8-sig") as f:
        lineno = 0
        while True:
            try:
                line = f.readline()
            except UnicodeDecodeError as err:  # a GBK or binary file
                raise error(f"{path}:{lineno + 1}: not UTF-8 text ({err.reason})") from None
            if not line:
                return
            lineno += 1
            if not line.strip():
                continue
            try:
                item = loads(line, error)
            except InputError as err:
                if not keep_going:
                    raise error(f"{path}:{lineno}: {err}") from None
                item = err
            yield lineno, item
