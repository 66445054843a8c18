"""Blank cells the text dropped: a short row's numbers placed by the table's identities.

Many reports print a zero as a blank cell. Text that is not laid out by position (pypdf's
default mode, pdftotext without ``-layout``, and layout text whose columns
:mod:`inference.tables.columns` could not learn) drops a blank without a trace:
"二、上年结转… 1 1 2" is a row of seven cells, four of them blank, and nothing in the text says
which. Read left to right, its numbers slide into the wrong columns.

The table's identities (spec §2, :mod:`inference.tables.checks`) say more. With a blank read as 0,
a placement of the short rows' numbers (in their printed order) must keep every identity: each
row's 总计 (T3-2, T4-1) and the column sums that tie the rows together (T3-1, T3-3). Every
placement that keeps them all is found, and a cell is kept where all of them agree; where they
do not, it stays missing (two rows of one request each can swap columns, never their 总计).

Only a table that prints no 0 is taken to print its zeros blank: where a 0 is printed, a short
row was cut short by the reading (text-flow order, a row split over lines) and stays as read.
A short row that no placement fits (its own total does not add up, or it was misread) keeps its
left-to-right reading, and the identities that involve it are not used. A placement that the
search has not ruled out within its share of :data:`MAX_NODES` steps stays possible; when the
column sums admit no placement at all, each row is placed by the identities in which it is the
only unknown.

>>> from govreport.inference.tables.checks import Identity
>>> from govreport.inference.tables.tokens import View
>>> a, b = View("3 3").tokens, View("2 2").tokens          # two rows printed "3 3" and "2 2"
>>> keys = [["a.x", "a.y", "a.t"], ["b.x", "b.y", "b.t"]]
>>> same = [Identity(f"{r}", (f"{r}.x", f"{r}.y"), (f"{r}.t",)) for r in "ab"]
>>> cols = [Identity("x", ("a.x",), ("b.x",))]               # x equal in both rows: only a's y is 3
>>> [[t.raw if t else None for t in row] for row in place(([*a], [*b]), keys, same)]
[[None, None, '3'], [None, None, '2']]
>>> [[t.raw if t else None for t in row] for row in place(([*a], [*b]), keys, same + cols)][0]
[None, '3', '3']
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Sequence

from govreport.inference.tables.checks import Identity
from govreport.inference.tables.tokens import Token

logger = logging.getLogger(__name__)

MAX_NODES = 50_000    # partial placements tried, over all searches of a table
_TOLERANCE = 1e-6

Slots = list[Token | None]


def _value(token: Token | None) -> float:
    """A cell's value in a sum: a blank (None) or a placeholder ("-", "/") counts 0."""
    return 0 if token is None or token.value is None else token.value


def _fits(total: float, scale: float) -> bool:
    return abs(total) <= _TOLERANCE * max(1.0, scale)


def prints_zero(rows: Sequence[Sequence[Token | None]]) -> bool:
    """True when a 0 is printed among ``rows``: then a blank cell is no zero."""
    return any(t is not None and t.value == 0 for r in rows for t in r)


def place(rows: Sequence[Sequence[Token | None]], keys: Sequence[Sequence[str]], identities: Sequence[Identity],
          by_position: Callable[[list[Slots]], list[Slots]] | None = None) -> list[Slots]:
    """``rows`` with every row shorter than its ``keys`` spread over its cells (None: blank or unknown).

    ``keys[i]`` names the cells of ``rows[i]`` in column order; a row as long as its keys is
    fixed (its None cells are blanks), and so is an empty one (all blank). Cells of no row (a row
    the text lacks) count 0.
    ``by_position`` (text laid out by position) spreads short rows under the columns of full
    ones (:func:`inference.tables.columns.realign`). It is given the rows with those that the
    identities settled spread out; a row it spreads into one of the placements the identities
    still allow is taken as placed, and the rest are narrowed again.
    """
    rows = [list(r) for r in rows]
    open_ = options(rows, keys, identities)
    while by_position is not None and any(len(p) > 1 for p in open_.values()):
        settled = [_spread(r, open_[i][0], len(keys[i])) if len(open_.get(i, ())) == 1 else r
                   for i, r in enumerate(rows)]
        taken = 0
        for i, row in enumerate(by_position(settled)):
            if (len(open_.get(i, ())) > 1 and len(row) == len(keys[i])
                    and tuple(j for j, t in enumerate(row) if t is not None) in open_[i]):
                rows[i] = row
                taken += 1
        if not taken:
            break
        open_ = options(rows, keys, identities)    # rows placed by position narrow the others
    for i, chosen in open_.items():
        rows[i] = _agreed(rows[i], chosen, len(keys[i]))
    return rows


def options(rows: list[list[Token | None]], keys: Sequence[Sequence[str]],
            identities: Sequence[Identity]) -> dict[int, list[tuple[int, ...]]]:
    """For each short row that some placement fits, the placements (columns of its numbers, in
    order) that may keep ``identities``; a row missing here stays as read."""
    short = [i for i, r in enumerate(rows) if 0 < len(r) < len(keys[i]) and None not in r]
    if not short or prints_zero(rows):
        return {}     # a table that prints a 0 does not print its zeros blank: a short row is misread
    placements = {i: list(itertools.combinations(range(len(keys[i])), len(rows[i]))) for i in short}
    # a fixed row's cells as read, a row with no number all blank; a short row's per placement
    read = [[_value(row[j]) if j < len(row) else 0 for j in range(len(keys[i]))] for i, row in enumerate(rows)]
    equations = equations_over(identities, keys, read, {
        i: [[_value(t) for t in _spread(rows[i], p, len(keys[i]))] for p in placements[i]] for i in short})

    # each row on its own: the placements that keep the identities of that row alone
    alone = {i: [p for k, p in enumerate(placements[i])
                 if all(_fits(const + terms[i][k], scale) for const, terms, scale in equations if set(terms) == {i})]
             for i in short}
    known = {i for i in short if alone[i]}
    for i in short:
        if i not in known:
            logger.debug("short row %d: no placement keeps its identities; read left to right", i)
    # identities over rows that are fixed or placeable, each reduced to the placements left
    usable = []
    for const, terms, scale in equations:
        if terms and set(terms) <= known:
            usable.append((const, {i: [terms[i][placements[i].index(p)] for p in alone[i]] for i in terms}, scale))
    found = search_choices(sorted(known, key=lambda i: len(alone[i])), alone, usable)
    return {i: sorted(found[i]) if found is not None and found[i] else alone[i] for i in known}


def equations_over(identities: Sequence[Identity], keys: Sequence[Sequence[str]],
                   values: Sequence[Sequence[float | None]], choices: dict[int, list[list[float | None]]]) -> list:
    """``identities`` as equations const + Σ terms[row][choice] = 0 over the rows that have
    ``choices`` (each a full list of the row's values), for :func:`search_choices`. The other rows
    count as read; an identity through a row that is neither full nor among ``choices`` is left
    out, as nothing sure is known of that row."""
    where = {k: (i, j) for i, row_keys in enumerate(keys) for j, k in enumerate(row_keys)}
    usable = []
    for identity in identities:
        const, scale, terms, sure = 0.0, 0.0, {}, True
        for sign, side in ((1, identity.left), (-1, identity.right)):
            for key in side:
                if key not in where:
                    continue
                i, j = where[key]
                if i in choices:
                    column = terms.setdefault(i, [0.0] * len(choices[i]))
                    for k, choice in enumerate(choices[i]):
                        column[k] += sign * (choice[j] or 0)
                        scale = max(scale, abs(choice[j] or 0))
                elif len(values[i]) == len(keys[i]):
                    const += sign * (values[i][j] or 0)
                    scale = max(scale, abs(values[i][j] or 0))
                else:
                    sure = False
        if sure and terms:
            usable.append((const, terms, scale))
    return usable


def search_choices(order: list[int], alone: dict, usable: list) -> dict[int, set] | None:
    """For each row, the choices (placements, splits) that some full choice keeping ``usable`` may use.

    A choice is dropped only when the search proves that no full choice uses it; one whose
    search runs past its share of :data:`MAX_NODES` steps is kept. None when no full choice
    exists at all.
    """
    bounds = [{i: (min(t), max(t)) for i, t in terms.items()} for _, terms, _ in usable]
    by_row: dict[int, list[int]] = {i: [] for i in order}
    for e, (_, terms, _) in enumerate(usable):
        for i in terms:
            by_row[i].append(e)
    partial = [const for const, _, _ in usable]
    # the range still open to each equation from its unassigned rows
    low = [sum(b[0] for b in bs.values()) for bs in bounds]
    high = [sum(b[1] for b in bs.values()) for bs in bounds]
    slack = [_TOLERANCE * max(1.0, scale) for _, _, scale in usable]
    choice: dict[int, int] = {}
    nodes = 0

    def assign(i: int, k: int, sign: int) -> bool:
        for e in by_row[i]:
            partial[e] += sign * usable[e][1][i][k]
            low[e] -= sign * bounds[e][i][0]
            high[e] -= sign * bounds[e][i][1]
        return all(partial[e] + low[e] <= slack[e] and partial[e] + high[e] >= -slack[e] for e in by_row[i])

    def first(rest: list[int], budget: int) -> dict[int, int] | None:
        """A full placement extending ``choice`` over the rows ``rest``, or None; raises _GaveUp
        past ``budget`` nodes."""
        nonlocal nodes
        if not rest:
            return dict(choice)
        i = rest[0]
        for k in range(len(alone[i])):
            nodes += 1
            if nodes > budget:
                raise _GaveUp
            try:
                if assign(i, k, 1):
                    choice[i] = k
                    found = first(rest[1:], budget)
                    if found is not None:
                        return found
            finally:
                choice.pop(i, None)
                assign(i, k, -1)
        return None

    supported: dict[int, set[int]] = {i: set() for i in order}
    share = MAX_NODES // max(1, sum(len(alone[i]) for i in order))
    any_full = False
    for i in order:
        for k in range(len(alone[i])):
            if k in supported[i]:
                continue
            nodes = 0
            found = None
            try:
                if assign(i, k, 1):
                    choice[i] = k
                    found = first([r for r in order if r != i], max(share, 100))
            except _GaveUp:
                supported[i].add(k)     # not proved impossible: kept
            finally:
                choice.pop(i, None)
                assign(i, k, -1)
            if found is not None:
                any_full = True
                for r, kr in found.items():
                    supported[r].add(kr)
    if not any_full:
        return None
    return {i: {alone[i][k] for k in ks} for i, ks in supported.items()}


class _GaveUp(Exception):
    pass


def _spread(row: list[Token], placement: tuple[int, ...], n: int) -> Slots:
    """``row``'s numbers in the columns ``placement`` names, blanks elsewhere."""
    slots: Slots = [None] * n
    for token, j in zip(row, placement):
        slots[j] = token
    return slots


def _agreed(row: list[Token], chosen: list[tuple[int, ...]], n: int) -> Slots:
    """The cells on which every placement in ``chosen`` puts the same token (None elsewhere)."""
    spread = [_spread(row, p, n) for p in chosen]
    return [column[0] if all(t is column[0] for t in column) else None for column in zip(*spread)]
