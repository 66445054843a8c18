"""Walking a token stream against a table template: each known row label takes its numbers.

No geometry is rebuilt. A row label is found in the compact text (in template order, after
the previous row), and the row takes the next N cell tokens after it, never past the next
row's label. Two readings of the cells exist:

- **line-aware**: when the label sits on a delimited row (pipes, bars, tabs) holding the
  row's N cells after it, blanks included, those cells are the row (a blank is missing);
  when the cells are printed one per line each closed by a bar ("821 |", "|" for a blank),
  the next N such lines are the row;
- **stream**: the next N value or placeholder tokens, whatever lines they are on (PDF text,
  one cell per line, labels detached from their numbers).

Rows merged by a PDF converter ("1.属于国家秘密 2.其他法律… | 0 0 | 1 0 |") show as labels
with no numbers between them, followed by m × N numbers: they are dealt out row by row, or
column by column when each delimited cell holds m numbers.

A PDF reader that lays text out by position (pypdf's layout mode) can lose the space between
two numbers of narrow columns (41 18 → 4118): a row up to three cells short is split back where
exactly one split makes the row's identity hold (:func:`unglue`). A wrapped label can split
its row's numbers around the next row's label: :func:`resume` puts them back together.

A word processor's label column, two to six characters wide, breaks a label around its own
numbers and the group label's pieces ("（三 1.属于国家秘 3 0 1 1 0 1 6" / "）不" / "予公" / "开" /
"密"), so a row's pattern may match after its numbers or nowhere. Two characters in a row of a
label that no neighbouring label holds (its own words) then mark where the row begins: a row
stops where the next one's own words begin, and the numbers left between two rows found go to
the rows whose own words stand there, ``n`` each (:func:`_between`).

>>> from govreport.inference.tables.tokens import View
>>> from govreport.inference.tables.layouts import Row
>>> view = View("甲 1 2\\n乙 3 4")
>>> import re
>>> rows = [Row("k.甲", "甲", re.compile("甲")), Row("k.乙", "乙", re.compile("乙"))]
>>> [(row.key, [t.value for t in toks]) for row, toks, _ in walk_rows(view, rows, 2, 0, len(view.text))]
[('k.甲', [1, 2]), ('k.乙', [3, 4])]
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import logging
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterator, Sequence

from govreport.inference.tables.columns import MAX_DRIFT, column_x
from govreport.inference.tables.layouts import Row
from govreport.inference.tables.tokens import Token, View

logger = logging.getLogger(__name__)

# how far (compact characters) a row label may lie from the previous row before it counts as absent
MAX_ROW_GAP = 1500
# how many later rows to try for the label that bounds a row's numbers
LOOKAHEAD_ROWS = 4


def take(view: View, after: int, n: int, limit: int, line_aware: bool = True) -> list[Token]:
    """The cell tokens of a row whose label ends at ``after``; at most ``n``, none at or past ``limit``."""
    if line_aware:
        line = view.line_of(max(after - 1, 0))
        line_end = view.line_starts[line + 1] - 1 if line + 1 < len(view.line_starts) else len(view.norm)
        # + 1: a tab row's trailing blank sits at the line's end ("1\t1\t")
        on_line = view.tokens_between(after, min(line_end + 1, limit))
        if on_line and on_line[0].cell is not None:
            cells = fit_row(on_line, n)
            # a row split by a converter leaves its label over empty cells: read on
            if len(cells) == n and any(t.kind != "blank" for t in cells):
                return cells
        if all(t.kind == "blank" for t in on_line):
            # one cell per line ("821 |", a lone "|" for a blank): the row is the next n lines
            cells = view.cell_lines(line + 1, n, limit)
            if len(cells) == n and any(t.kind != "blank" for t in cells):
                return cells
    out: list[Token] = []
    for token in view.iter_tokens(after, limit):
        if token.kind != "blank":
            out.append(token)
            if len(out) == n:
                break
    return out


def fit_row(cells: list[Token], n: int, lead_first: bool = True) -> list[Token]:
    """A delimited row's cells cut to ``n`` by dropping surplus blanks at its ends.

    Surplus blanks lead when a label's colspan pads it ("(六)其他处理 | | 0 |"), and trail
    when a tab row ends with a stray tab. Which end goes first is ambiguous when both are
    blank: after a label, padding (``lead_first``); a caller that can check both tries both.

    >>> from govreport.inference.tables.tokens import View
    >>> [t.raw for t in fit_row(View("甲 | | 1 | 2 |").tokens, 2)]
    ['1', '2']
    >>> [t.raw for t in fit_row(View("\\t1\\t2\\t").tokens, 3, lead_first=False)]
    ['', '1', '2']
    """
    cells = list(cells)
    ends = (0, -1) if lead_first else (-1, 0)
    for end in ends:
        while len(cells) > n and cells[end].kind == "blank":
            cells.pop(end)
    return cells


def split_token(token: Token, parts: int) -> list[tuple[Token, ...]]:
    """Every way to read an integer token as ``parts`` integers printed without a space
    (4118 in two: 41 18, 411 8, 4 118; never a part with a leading zero but 0 itself)."""
    raw = token.raw
    if parts == 1:
        return [(token,)]
    if token.kind != "value" or token.unit is not None or not (raw.isascii() and raw.isdigit()):
        return []
    out = []
    for cuts in itertools.combinations(range(1, len(raw)), parts - 1):
        bounds = (0, *cuts, len(raw))
        pieces = [raw[a:b] for a, b in itertools.pairwise(bounds)]
        if any(p[0] == "0" and len(p) > 1 for p in pieces):
            continue
        out.append(tuple(dataclasses.replace(token, start=token.start + a, end=token.start + b, raw=p, value=int(p))
                         for (a, b), p in zip(itertools.pairwise(bounds), pieces)))
    return out


def _shares(count: int, total: int, most: int = 2) -> Iterator[tuple[int, ...]]:
    """Every way ``count`` tokens can hold ``total`` extra cells, at most ``most`` each."""
    if count == 0:
        if total == 0:
            yield ()
        return
    for first in range(min(most, total) + 1):
        for rest in _shares(count - 1, total - first, most):
            yield (first, *rest)


def unglue(tokens: list[Token], n: int, holds: Callable[[Sequence[int | float | None]], bool],
           most: int = 3) -> list[Token] | None:
    """``tokens`` of a row that is ``n - len(tokens)`` (at most ``most``) cells short, with glued
    numbers split apart (two or three to a token): the one reading of ``n`` cells whose values
    satisfy ``holds`` (the row's identity), or None when there is none or more than one.

    >>> from govreport.inference.tables.tokens import View
    >>> row = View("4118 17 12 24 12 124").tokens
    >>> [t.raw for t in unglue(row, 7, lambda v: sum(v[:6]) == v[6])]
    ['41', '18', '17', '12', '24', '12', '124']
    >>> [t.raw for t in unglue(View("55 12 18 19 1810132").tokens, 7, lambda v: sum(v[:6]) == v[6])]
    ['55', '12', '18', '19', '18', '10', '132']
    """
    found = readings(tokens, n, holds, most)
    return found[0] if len(found) == 1 else None


def readings(tokens: list[Token], n: int, holds: Callable[[Sequence[int | float | None]], bool],
             most: int = 3) -> list[list[Token]]:
    """Every reading of ``n`` cells that splitting glued numbers of ``tokens`` gives and whose
    values satisfy ``holds``, one per distinct list of values (see :func:`unglue`)."""
    short = n - len(tokens)
    if not 0 < short <= most:
        return []
    found: dict[tuple, list[Token]] = {}
    for extra in _shares(len(tokens), short):
        for pieces in itertools.product(*(split_token(t, e + 1) for t, e in zip(tokens, extra))):
            row = [t for piece in pieces for t in piece]
            values = tuple(t.value for t in row)
            if values not in found and holds(values):
                found[values] = row
    return list(found.values())


def deal_in_order(tokens: list[Token], m: int, n: int, holds: Callable[[Sequence[int | float | None]], bool],
                  budget: int = 20_000) -> list[list[Token]] | None:
    """``m`` rows of ``n`` cells from ``tokens`` printed in row order, labels aside, or None.

    Rows beside a group label can print their first cells away from the rest (pdftotext on a
    word processor's PDF: 18 / 0 / 1 0 0 0 1 20 / 0 1 1 0 1 3 for 18 1 0 0 0 1 20 and 0 0 1 1 0 1
    3, or the first cells of several rows after all of them): a row is its ``n`` next tokens, or
    its ``n - 1`` next tokens and a first cell printed apart, the first cells in row order. The
    reading kept is the first found, whole rows tried before split ones, in which every row keeps
    ``holds`` (None when none is found within ``budget`` steps).

    >>> from govreport.inference.tables.tokens import View
    >>> tokens = View("18 0 1 0 0 0 1 20 0 1 1 0 1 3").tokens
    >>> [[t.raw for t in row] for row in deal_in_order(tokens, 2, 7, lambda v: sum(v[:-1]) == v[-1])]
    [['18', '1', '0', '0', '0', '1', '20'], ['0', '0', '1', '1', '0', '1', '3']]
    """
    size = len(tokens)
    steps = 0

    def fits(first: Token, rest: Sequence[Token]) -> bool:
        return holds([first.value] + [t.value for t in rest])

    def search(i: int, r: int, firsts: tuple, waiting: tuple, rows: tuple) -> tuple | None:
        # firsts: first cells read before their rows; waiting: (row, rest) read before their first cell
        nonlocal steps
        steps += 1
        if steps > budget:
            return None
        if r == m and i == size and not firsts and not waiting:
            return rows
        if r < m and i + n <= size and holds([t.value for t in tokens[i:i + n]]):
            found = search(i + n, r + 1, firsts, waiting, rows + ((r, tokens[i:i + n]),))
            if found:
                return found
        if r < m and i + n - 1 <= size:
            rest = tokens[i:i + n - 1]
            if firsts:
                if fits(firsts[0], rest):
                    found = search(i + n - 1, r + 1, firsts[1:], waiting, rows + ((r, [firsts[0], *rest]),))
                    if found:
                        return found
            else:
                found = search(i + n - 1, r + 1, firsts, waiting + ((r, rest),), rows)
                if found:
                    return found
        if i < size:
            if waiting:
                row, rest = waiting[0]
                if fits(tokens[i], rest):
                    return search(i + 1, r, firsts, waiting[1:], rows + ((row, [tokens[i], *rest]),))
            else:
                return search(i + 1, r, firsts + (tokens[i],), waiting, rows)
        return None

    found = search(0, 0, (), (), ())
    return [row for _, row in sorted(found, key=lambda pair: pair[0])] if found else None


def reorder_lines(tokens: list[Token], holds: Callable[[Sequence[int | float | None]], bool]) -> list[Token]:
    """A row's cells read from several lines, with its lines put back in order where the reading
    broke it: the one rotation at a line boundary whose values ``holds`` (its 总计), where the row
    as read does not; else the row as read. A wrapped label can print its row's last numbers on
    the line above its own: ``1`` / ``0 1 11``, then ``形） 9 0 0`` reads 1 0 1 11 9 0 0 for
    9 0 0 1 0 1 11.

    >>> from govreport.inference.tables.tokens import View
    >>> view = View("1\\n0 1 11\\n形） 9 0 0")
    >>> [t.raw for t in reorder_lines(view.tokens, lambda v: sum(v[:-1]) == v[-1])]
    ['9', '0', '0', '1', '0', '1', '11']
    """
    if any(t is None or t.value is None for t in tokens) or holds([t.value for t in tokens]):
        return tokens
    cuts = [i for i in range(1, len(tokens)) if tokens[i].line != tokens[i - 1].line]
    turned = [tokens[i:] + tokens[:i] for i in cuts]
    fits = [row for row in turned if holds([t.value for t in row])]
    return fits[0] if len(fits) == 1 else tokens


def resume(view: View, walked: list[tuple[Row, list[Token], tuple[int, int]]], n: int, end: int,
           holds: Callable[[Sequence[int | float | None]], bool]) -> list[list[Token]]:
    """The walked rows' tokens, with a short row completed by the numbers that follow the next
    row's label.

    A label that wraps can split its row's numbers: ``pdftotext -layout`` printed
    "1.本机关不掌握相关政府信息 5" and then "2.没有现成信息需要另行制作 1 0 1 1 1 9" (the rest of row 1)
    above row 2's own seven numbers. When a row is k cells short and the next row's label is
    followed by exactly n + k numbers before the row after it, the first k (or the last k) are
    the short row's, where that is the one way both rows keep ``holds`` (their identity).

    >>> from govreport.inference.tables.layouts import Row
    >>> import re
    >>> view = View("甲 1\\n乙 3 4 2 5 7")
    >>> rows = [Row("k.甲", "甲", re.compile("甲")), Row("k.乙", "乙", re.compile("乙"))]
    >>> walked = list(walk_rows(view, rows, 3, 0, len(view.text)))
    >>> [[t.raw for t in r] for r in resume(view, walked, 3, len(view.text), lambda v: v[0] + v[1] == v[2])]
    [['1', '3', '4'], ['2', '5', '7']]
    """
    rows = [list(tokens) for _, tokens, _ in walked]
    for i in range(len(walked) - 1):
        short = n - len(rows[i])
        if not 0 < short < n or len(rows[i + 1]) != n:
            continue
        limit = walked[i + 2][2][0] if i + 2 < len(walked) else end
        region = [t for t in view.iter_tokens(walked[i + 1][2][1], limit) if t.kind != "blank"]
        if len(region) != n + short:
            continue
        splits = [(rows[i] + region[:short], region[short:]), (rows[i] + region[n:], region[:n])]
        fits = [(mine, theirs) for mine, theirs in splits
                if holds([t.value for t in mine]) and holds([t.value for t in theirs])]
        if len(fits) == 1:
            rows[i], rows[i + 1] = fits[0]
    return rows


def _bound(view: View, rows: list[Row], i: int, start: int, end: int) -> tuple[int, int] | None:
    """The first label of a row after ``rows[i]`` found in ``[start, end)``."""
    best = None
    for row in rows[i + 1:i + 1 + LOOKAHEAD_ROWS]:
        found = view.find(row.pattern, start, end)
        if found and (best is None or found[0] < best[0]):
            best = found
    return best


def _deal(view: View, tokens: list[Token], m: int, n: int) -> list[list[Token]]:
    """Split m × n tokens of m merged rows: column-major when each delimited cell holds m
    numbers, or when the numbers stand in n aligned columns of m each (layout text that printed
    the rows' numbers in blocks beside a group label: "5 0 0 1" / "8 1 1 1" / "0" / "0" …)."""
    cells: dict[int, list[Token]] = {}
    for t in tokens:
        if t.cell is not None:
            cells.setdefault(t.cell, []).append(t)
    columns = list(cells.values()) if len(cells) == n else _aligned(view, tokens, n)
    if columns and all(len(c) == m for c in columns):
        return [[columns[j][i] for j in range(n)] for i in range(m)]
    return [tokens[i * n:(i + 1) * n] for i in range(m)]


def _strays(view: View, stream: list[Token], m: int, n: int,
            holds: Callable[[Sequence[int | float | None]], bool]) -> int:
    """How many numbers at the head of ``stream`` belong to no row of the m merged rows after
    which they stand: none where every row dealt from the stream's head keeps ``holds``, else the
    fewest after which every row does (a PDF read label column first can print another table's
    numbers between the labels and the rows: 现行有效件数 / 2 / 0, then 189 9 11 8 9 8 234 …),
    else none."""
    for skip in range(len(stream) - m * n + 1):
        if all(holds([t.value for t in row]) for row in _deal(view, stream[skip:skip + m * n], m, n)):
            return skip
    return 0


def _aligned(view: View, tokens: list[Token], n: int) -> list[list[Token]] | None:
    """``tokens`` in ``n`` columns by their position in the line (each top to bottom), or None."""
    ordered = sorted(tokens, key=lambda t: (column_x(view, t), t.line))
    columns: list[list[Token]] = [[ordered[0]]] if ordered else []
    for a, b in zip(ordered, ordered[1:]):
        # a column holds one number per line: numbers one space apart are two columns
        if column_x(view, b) - column_x(view, a) > MAX_DRIFT or any(t.line == b.line for t in columns[-1]):
            columns.append([])
        columns[-1].append(b)
    if len(columns) != n:
        return None
    return [sorted(c, key=lambda t: t.start) for c in columns]


@functools.lru_cache(maxsize=256)
def _pairs(label: str) -> frozenset[str]:
    """Every two characters in a row of a row label in the compact text's form, its group and
    enumerator left out ("（三）不予公开 1.属于国家秘密": 属于, 于国, 国家, 家秘, 秘密)."""
    label = unicodedata.normalize("NFKC", label.split()[-1]).lstrip("0123456789.、")
    return frozenset(label[j:j + 2] for j in range(len(label) - 1))


def _own_words(rows: list[Row], run: range) -> list[re.Pattern] | None:
    """For each row of ``run``, any two characters in a row of its own label (group and enumerator
    left out) that no other row of the run and neither neighbour holds, as a pattern over the
    compact text; None when a row has none."""
    near = range(max(run.start - 1, 0), min(run.stop + 1, len(rows)))
    out = []
    for i in run:
        own = sorted(_pairs(rows[i].label) - set().union(*(_pairs(rows[j].label) for j in near if j != i)))
        if not own:
            return None
        out.append(re.compile("|".join(map(re.escape, own))))
    return out


def _between(view: View, rows: list[Row], run: range, start: int, end: int, n: int):
    """``(row, tokens, label_span)`` of each row of ``run`` from the text between the row above
    them and ``end``, or None. The rows' labels were not found there; the last of ``run`` may be
    the row whose pattern matches at ``end``, after numbers of its own printed before it.

    A label that wraps inside a narrow column is broken by its own numbers and by pieces of the
    group label beside it: "（三 1.属于国家秘 3 0 1 1 0 1 6" / "）不" / "予公" / "开" / "密". Where
    exactly ``n`` numbers a row stand there, and the text holds, in the rows' order, two
    characters in a row of each one's own label (no other row's of the run or beside it), the
    numbers are theirs, row by row.
    """
    tokens = [t for t in view.iter_tokens(start, end) if t.kind != "blank"]
    if len(tokens) != n * len(run):
        return None
    words = _own_words(rows, run)
    if words is None:
        return None
    found, at = [], start
    for i, pattern in zip(run, words):
        evidence = view.find(pattern, at, end)
        if evidence is None:
            return None
        found.append((rows[i], tokens[(i - run.start) * n:(i - run.start + 1) * n], evidence))
        at = evidence[1]
    return found


def walk_rows(view: View, rows: list[Row], n: int, start: int, end: int, line_aware: bool = True,
              holds: Callable[[Sequence[int | float | None]], bool] | None = None):
    """Yield ``(row, tokens, label_span)`` for every row of ``rows`` found in ``[start, end)``, in order.

    ``tokens`` holds at most ``n`` cell tokens, left to right (fewer when the text has fewer
    before the next row's label: blanks the text cannot show are then trailing columns).
    ``holds`` tests a row's ``n`` values (a table-3 row's 总计): with it, numbers of something
    else printed before merged rows' own are passed over (:func:`_strays`).
    """
    pos = start
    pending: list[tuple[Row, tuple[int, int]]] = []
    missed: tuple[int, int] | None = None   # the first of the rows not found since the last found, and where their text begins
    for i, row in enumerate(rows):
        window = min(end, view.opos(view.cpos(pos) + MAX_ROW_GAP))
        found = view.find(row.pattern, pos, window)
        if not found:
            logger.debug("row %s not found after offset %d", row.key, pos)
            if missed is None:
                missed = (i, pos)
            continue
        first, since = missed if missed is not None else (i, pos)
        missed = None
        if 0 < first and i - first <= LOOKAHEAD_ROWS and not pending:
            # rows not found above this one, or this row's own numbers printed before the words its
            # pattern matches ("4.无正当理由 4 0 0 1 1 1 7" / "大量反复申请"): numbers left between
            filled = (first < i and _between(view, rows, range(first, i), since, found[0], n)
                      or _between(view, rows, range(first, i + 1), since, found[0], n))
            for fill in filled or ():
                yield fill
                pos = fill[1][-1].end
            if filled and filled[-1][0] is row:
                continue
        nxt = _bound(view, rows, i, found[1], end)
        limit = nxt[0] if nxt else end
        if i + 1 < len(rows):
            # the next row begins where its own words do, even where its pattern matches later or nowhere
            ahead = _own_words(rows, range(i + 1, i + 2))
            begins = view.find(ahead[0], found[1], limit) if ahead else None
            limit = begins[0] if begins else limit
        tokens = take(view, found[1], n, limit, line_aware)
        if not tokens and not pending:
            # a label set below its own numbers (a tall cell read bottom first): exactly a row's
            # numbers stand between the row above and this label, and none after it
            before = [t for t in view.iter_tokens(pos, found[0]) if t.kind == "value"]
            if len(before) == n:
                yield row, before, found
                pos = found[1]
                continue
        if not tokens and nxt is not None and i + 1 < len(rows):
            pending.append((row, found))    # perhaps merged with the rows below it
            pos = found[1]
            continue
        if pending:
            group = pending + [(row, found)]
            m = len(group)
            stream = list(itertools.islice((t for t in view.iter_tokens(found[1], limit) if t.kind != "blank"),
                                           m * n + (n - 1 if holds else 0)))
            if len(stream) >= m * n:
                skip = _strays(view, stream, m, n, holds) if holds else 0
                for (grow, gfound), toks in zip(group, _deal(view, stream[skip:skip + m * n], m, n)):
                    yield grow, toks, gfound
                pos = stream[skip + m * n - 1].end
                pending = []
                continue
            # the rows above print no number here (blank, or printed elsewhere); this row keeps its own
            for blank_row, blank_found in pending:
                yield blank_row, [], blank_found
            pending = []
            if len(stream) > n and max(Counter(t.line for t in stream).values()) < n:
                # more numbers than a row holds, in column blocks with blanks dropped (layout text of
                # a table printing zeros blank): which row holds which cannot be told
                tokens = []
        yield row, tokens, found
        pos = tokens[-1].end if tokens else found[1]
