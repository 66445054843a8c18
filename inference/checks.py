"""Arguments of the extraction API checked at its edge, and the error for texts that failed.

:meth:`inference.extract.Extractor.extract` takes a list (or any iterable) of strings and
nothing else: a lone string would otherwise be read as one text per character, and an
int, None or bytes item would fail deep inside the tagger.

>>> check_texts(("共3件。", "无"))
['共3件。', '无']
>>> check_ids(None, 2), check_ids([7, "b"], 2)
(['0', '1'], ['7', 'b'])
>>> check_texts([b"x"])
Traceback (most recent call last):
...
TypeError: texts[0] is bytes, not str: decode the bytes first
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from govreport.data.errors import GovReportError
from govreport.data.schema import Record

__all__ = ["ExtractionError", "check_texts", "check_ids"]


class ExtractionError(GovReportError, RuntimeError):
    """Some texts of :meth:`Extractor.extract` failed; ``failures`` holds ``(index, why)``
    and ``records`` the records of every text (empty for a failed one)."""

    def __init__(self, failures: list[tuple[int, str]], records: list[list[Record]]):
        shown = "; ".join(f"text {i}: {why}" for i, why in failures[:5])
        more = f" (and {len(failures) - 5} more)" if len(failures) > 5 else ""
        super().__init__(f"{len(failures)} of {len(records)} texts failed: {shown}{more}")
        self.failures = failures
        self.records = records


def check_texts(texts: Any) -> list[str]:
    """``texts`` as a list of strings, or a TypeError that says what is wrong with it."""
    if isinstance(texts, str):
        raise TypeError("texts must be a list of strings, not a str: wrap a single text as [text]")
    if isinstance(texts, (bytes, bytearray)):
        raise TypeError(f"texts must be a list of strings, not {type(texts).__name__}: decode the bytes first")
    if texts is None or not isinstance(texts, Iterable):
        raise TypeError(f"texts must be a list of strings, not {type(texts).__name__}")
    texts = list(texts)
    for i, text in enumerate(texts):
        if not isinstance(text, str):
            hint = ": decode the bytes first" if isinstance(text, (bytes, bytearray)) else ""
            raise TypeError(f"texts[{i}] is {type(text).__name__}, not str{hint}")
    return texts


def check_ids(ids: Any, n: int) -> list[str]:
    """One string id per text: ``ids`` checked, or ``"0"``, ``"1"`` … when None."""
    if ids is None:
        return [str(i) for i in range(n)]
    if isinstance(ids, (str, bytes)) or not isinstance(ids, Iterable):
        raise TypeError(f"ids must be a list of strings, not {type(ids).__name__}")
    ids = list(ids)
    if len(ids) != n:
        raise ValueError(f"got {len(ids)} ids for {n} texts: give one id per text")
    for i, id_ in enumerate(ids):
        if isinstance(id_, bool) or not isinstance(id_, (str, int)):
            raise TypeError(f"ids[{i}] is {type(id_).__name__}, not str or int")
    return [str(id_) for id_ in ids]
