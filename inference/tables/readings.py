"""Two readings of one PDF's tables: the cells one left missing, taken from the other.

pypdf's default mode (the text ``govreport extract`` reads) drops a blank cell without a trace,
so in a table that prints its zeros blank many cells stay missing (:mod:`.blanks`); its layout
mode keeps each number under its column, and more of them can be keyed. Both readings print the
same numbers in the same order, a row after a row and blanks left out, so the numbers of the
two are matched in order (:class:`difflib.SequenceMatcher` on the numbers as printed; a number
that one reading glued to the next or that stands in only one of them is left unmatched), and a
cell that the layout reading keys and the text does not is added at its number in the text. A
key the text already has keeps the text's cell; a number of the text that is already a cell is
never a second one. A table that the text gave no cell at all is not found in it, and gets none.
"""

from __future__ import annotations

import dataclasses
import difflib
from typing import Sequence

from govreport.inference.tables.cells import Table
from govreport.inference.tables.tokens import View

__all__ = ["complete_tables"]


def complete_tables(tables: list[Table], text: str, other: Sequence[Table]) -> list[Table]:
    """``tables`` (parsed from ``text``) with the cells that ``other``, the tables of a second
    reading of the same pages, keys and they do not; each added cell indexes ``text``."""
    view: View | None = None
    for table in tables:
        same = sorted((c for t in other if t.number == table.number for c in t.cells), key=lambda c: c.start)
        have = {c.key for c in table.cells}
        if not same or all(c.key in have for c in same):
            continue
        view = view or View(text)
        numbers = [t for t in view.tokens_between(table.start, table.end) if t.kind == "value"]
        taken = {c.start for c in table.cells}
        matcher = difflib.SequenceMatcher(None, [c.raw for c in same], [t.raw for t in numbers], autojunk=False)
        for a, b, size in matcher.get_matching_blocks():
            for cell, number in zip(same[a:a + size], numbers[b:b + size]):
                if cell.key not in have and number.start not in taken:
                    table.cells.append(dataclasses.replace(cell, start=number.start, end=number.end))
                    have.add(cell.key)
                    taken.add(number.start)
        table.cells.sort(key=lambda c: c.start)
    return tables
