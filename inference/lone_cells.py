"""Numbers that stand alone: lone cells of a flattened table, not statements of prose.

A table copied out of a web page or a PDF often arrives one cell per line ("0", "12",
"• 3个"). The tagger reads each as a VALUE and the extractor made a record of it with no
metric: noise that drowned the prose records of a page (217 of 419 on the sample page).
A sentence whose every character is a value, its unit or decoration (spaces, table
pipes, bullets, punctuation) is such a cell, and so is a page's number on a line of its own
(- 4 -, 第4页, P. 4); its records are left out and counted.
Where the standard-table parser recognises a table, its cells become keyed records
instead (``origin: "table"``) and never reach this test.

>>> from govreport.data.schema import Record
>>> cell = Record(None, 0, None, "0", value_span=(2, 3))
>>> is_lone_cell("• 0 |", [cell]), is_lone_cell("共0件", [Record(None, 0, "件", "0件", value_span=(1, 2))])
(True, False)
>>> is_lone_cell("P. 9", [Record(None, 9, None, "9", value_span=(3, 4))])
True
"""

from __future__ import annotations

from typing import Sequence

from govreport.data.schema import Record
from govreport.data.text import PAGE_NUMBER_LINE

__all__ = ["is_lone_cell"]

# What a cell of a flattened table may carry besides its number and unit: spacing, table
# rules and pipes, list bullets, punctuation, a percent sign the tagger left out of the unit.
_DECORATION = frozenset(" \t\r\n\u3000\xa0|│┃•·●○◦▪■□◆-–—*、,，.。;；:：()（）[]【】%％‰")


def is_lone_cell(text: str, records: Sequence[Record]) -> bool:
    """Whether ``text`` (one sentence) holds nothing but the values and units of ``records``.

    Records with a metric are never lone cells: something in the sentence says what they
    measure. Offsets of the records index ``text``.
    """
    if not records or any(r.metric or r.metric_span for r in records):
        return False
    if PAGE_NUMBER_LINE.fullmatch(text):
        return True
    covered = bytearray(len(text))
    for record in records:
        for span in (record.value_span, record.unit_span):
            if span is not None:
                covered[span[0]:span[1]] = b"\x01" * (span[1] - span[0])
    return all(covered[i] or c in _DECORATION for i, c in enumerate(text))
