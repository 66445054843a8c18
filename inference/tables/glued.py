"""Rows whose numbers a reader glued together: ``BeautifulSoup.get_text()`` and other scrapers that
join a table's cells with nothing between them.

A page's table read so gives one string of digits a row: ``一、本年新收…数量92102415288177`` is
the row 92 10 24 15 28 8 177. The digits alone do not say where each number ends, but the
table's identities do (spec §2): a row's 总计 is the sum of its applicants (T3-2), and the column
sums tie the rows together (T3-1, T3-3). :func:`split_glued` lists every split of each glued row
into its cells that keeps the row's own total, searches the splits that keep every identity
across the rows (:func:`inference.tables.blanks.search_choices`, the search that places blank
cells), and keys a cell only where all of them agree. A row none of whose splits fits gives no
cell, and where a quarter of the glued rows or more fit none, no glued row gives a cell: a
table that printed its zeros blank, joined so, cannot be split back at all.

Only a table glued as a whole is split so: most of its printed rows are fewer tokens than cells
with nothing between them or before them (:func:`is_glued`). A row that merely lost a space or
two is :func:`inference.tables.walk.unglue`'s.

>>> from govreport.inference.tables.tokens import View
>>> from govreport.inference.tables.checks import Identity
>>> rows = [View("12 3 15").tokens, View("11011").tokens, View("131326").tokens]
>>> keys = [[f"{r}.{c}" for c in "xyt"] for r in "abc"]
>>> total = [Identity(f"{r}", (f"{r}.x", f"{r}.y"), (f"{r}.t",)) for r in "abc"]
>>> columns = [Identity(c, (f"a.{c}", f"b.{c}"), (f"c.{c}",)) for c in "xyt"]
>>> [t.raw if t else None for t in split_glued(rows, keys, total, 3)[1]]   # 1 10 11, or 11 0 11
[None, None, '11']
>>> [[t.raw if t else None for t in row] for row in split_glued(rows, keys, total + columns, 3)]
[['12', '3', '15'], ['1', '10', '11'], ['13', '13', '26']]
"""

from __future__ import annotations

import dataclasses
import itertools
import logging
from collections.abc import Sequence

from govreport.inference.tables.blanks import equations_over, search_choices
from govreport.inference.tables.checks import Identity, holds
from govreport.inference.tables.tokens import Token, View

logger = logging.getLogger(__name__)

MAX_STEPS = 200_000   # steps of the search for one row's splits; a row that needs more gives no cell


def is_glued(view: View, rows: Sequence[Sequence[Token | None]], n: int) -> bool:
    """Whether ``rows`` read as a table whose cells were joined with nothing between them: most
    rows that print a number are fewer than ``n`` tokens with nothing between them or before them
    (the label, then one string, perhaps cut by a delta's sign: ``行政强制0+30``). A printed row
    of table 3 with any request is two numbers or more (an applicant and its 总计), and PDF text
    sets its numbers apart (``规章1 0 11``), or on lines of their own."""
    def glued(row: Sequence[Token | None]) -> bool:
        return (len(row) < n and all(t is not None for t in row) and row[0].start > 0
                and not view.norm[row[0].start - 1].isspace()
                and all(a.end == b.start for a, b in itertools.pairwise(row)))
    printed = [row for row in rows if row]
    return sum(map(glued, printed)) * 2 > len(printed)


def split_glued(rows: Sequence[Sequence[Token | None]], keys: Sequence[Sequence[str]],
                identities: Sequence[Identity], n: int) -> list[list[Token | None]]:
    """``rows`` with each row of fewer than ``n`` tokens split into ``n`` cells where every split
    that keeps ``identities`` agrees (None where they differ); such a row with no fitting split
    gives no cell."""
    own = [[identity for identity in identities if set(identity.left + identity.right) <= set(row_keys)]
           for row_keys in keys]
    splits: dict[int, list[list[Token]]] = {}
    out = [list(row) for row in rows]
    for i, row in enumerate(rows):
        if 0 < len(row) < n and all(t is not None for t in row):
            found = _splits(list(row), n, keys[i], own[i])
            if found:
                splits[i] = found
            else:
                out[i] = []    # a string of joined cells is no cell: with no split that fits, none
    glued = sum(1 for row in rows if 0 < len(row) < n)
    if len(splits) * 4 < glued * 3:
        # most rows fit no split: zeros printed blank and joined, which nothing can split back, and
        # a split that keeps one row's total there is chance
        return [[] if 0 < len(row) < n else list(row) for row in rows]
    values = [[t.value for t in row] for row in rows]
    usable = equations_over(identities, keys, values, {i: [[t.value for t in s] for s in found]
                                                       for i, found in splits.items()})
    chosen = search_choices(sorted(splits, key=lambda i: len(splits[i])), {i: list(range(len(s))) for i, s in splits.items()},
                            usable)
    for i, found in splits.items():
        kept = [found[k] for k in sorted(chosen[i])] if chosen is not None and chosen[i] else found
        out[i] = [column[0] if all(t.value == column[0].value for t in column) else None for column in zip(*kept)]
    return out


def _splits(row: list[Token], n: int, keys: Sequence[str], identities: Sequence[Identity]) -> list[list[Token]]:
    """Every reading of ``row`` (tokens with nothing between them) as ``n`` numbers, no number but
    0 itself with a leading 0, that keeps the row's own ``identities``. An identity whose total
    comes after its parts (T3-2, T4-1) fixes that total as the sum of the parts read before it, so
    only the parts are searched."""
    digits = "".join(t.raw for t in row)
    if not (digits.isascii() and digits.isdigit()) or len(digits) < n:
        return []
    column = {k: j for j, k in enumerate(keys)}
    totals = {column[i.right[0]]: [column[k] for k in i.left] for i in identities
              if len(i.right) == 1 and all(column[k] < column[i.right[0]] for k in i.left)}
    others = [i for i in identities if column[i.right[0]] not in totals or len(i.right) != 1]
    found: list[list[int]] = []
    parts: list[int] = []
    steps = 0

    def search(pos: int, j: int) -> None:
        nonlocal steps
        steps += 1
        if steps > MAX_STEPS:
            return
        if j == n:
            if pos == len(digits):
                found.append(list(parts))
            return
        left = n - j - 1     # numbers still to read after this one, a digit each at least
        if j in totals:
            text = str(sum(parts[c] for c in totals[j]))
            if digits.startswith(text, pos) and len(digits) - pos - len(text) >= left:
                parts.append(int(text))
                search(pos + len(text), j + 1)
                parts.pop()
            return
        for end in range(pos + 1, len(digits) - left + 1):
            if end - pos > 1 and digits[pos] == "0":
                break
            parts.append(int(digits[pos:end]))
            search(end, j + 1)
            parts.pop()

    search(0, 0)
    if steps > MAX_STEPS:
        logger.debug("glued row of %d digits: over %d steps, left without a cell", len(digits), MAX_STEPS)
        return []
    out = []
    base = row[0].start
    for values in found:
        if all((check := holds(i, dict(zip(keys, values)))) is not None and check.ok for i in others):
            cells, pos = [], 0
            for v in values:
                width = len(str(v))
                cells.append(dataclasses.replace(row[0], start=base + pos, end=base + pos + width, raw=str(v), value=v))
                pos += width
            out.append(cells)
    return out
