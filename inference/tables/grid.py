"""Find the standard tables 2, 3 and 4 in flattened text and key their printed cells.

Every shape of spec §3 goes through the same steps: locate a table by its anchor (a
第二十条第（X）项 caption, the 勾稽 note or 申请人情况, "行政复议 … 行政诉讼" over a header),
then walk its known rows (:mod:`inference.tables.walk`) and key each printed number
(:mod:`inference.tables.layouts`). Where a text has delimited rows, the line-aware and the
stream readings are both tried and the identities (:mod:`inference.tables.checks`) choose.

>>> text = "第二十条第（一）项\\n信息内容|本年制发件数|本年废止件数|现行有效件数|\\n规章|1|0|11|"
>>> [(c.key, c.value) for t in parse_text(text) for c in t.cells]
[('主动公开.规章.本年制发', 1), ('主动公开.规章.本年废止', 0), ('主动公开.规章.现行有效', 11)]
"""

from __future__ import annotations

import logging
import re

from govreport.data.text import TO_SIMPLIFIED
from govreport.inference.tables import layouts as L
from govreport.inference.tables.blanks import place, prints_zero
from govreport.inference.tables.blocks import fill_blocks
from govreport.inference.tables.cells import Cell, Table
from govreport.inference.tables.checks import (check_table3, check_table4, row_total_holds, table3_identities,
                                               table4_identities)
from govreport.inference.tables.columns import realign
from govreport.inference.tables.glued import is_glued, split_glued
from govreport.inference.tables.tokens import SEPARATORS, Token, View
from govreport.inference.tables.walk import (deal_in_order, fit_row, readings, reorder_lines, resume, split_token, take,
                                             unglue, walk_rows)

logger = logging.getLogger(__name__)

# Cheap test before any work: a text with none of these holds no standard table.
PREFILTER = ("第二十条", "勾稽", "本年新收", "申请人情况", "复议后起诉", "直接起诉")


def _any_spelling(markers: tuple[str, ...]) -> re.Pattern:
    """Any of ``markers`` in any form a text may give its characters: a radical a PDF gave back
    (第⼆⼗条), a compatibility ideograph, traditional script (第二十條): ``data.text.TO_SIMPLIFIED``."""
    forms: dict[str, set[str]] = {}
    for code, simple in TO_SIMPLIFIED.items():
        forms.setdefault(chr(simple), set()).add(chr(code))
    return re.compile("|".join("".join(f"[{c}{''.join(sorted(forms[c]))}]" if c in forms else re.escape(c)
                                       for c in marker) for marker in markers))


_PREFILTER = _any_spelling(PREFILTER)
_FULL_STOP = re.compile(r"。|第二十条|勾稽关系")   # prose, or the template's notes under the tables
_TABLE4_STOP = re.compile(_FULL_STOP.pattern + r"|五、")   # or the next section's heading
_CELL_BOUNDS = re.compile(rf"[{SEPARATORS}\n]")
_NUMBER_CELL = re.compile(r"[+\-]?\d[\d,.]*(?:件|个|条|项|万元|元)?|无|-|—|/")
_GLUED_RUN = re.compile(r"[0-9+\-.]+")   # a glued row's whole string of numbers, signs and points
_SUBTABLE_TAIL = 600   # compact characters a last sub-table of table 2 may span
_T2_GROUP_GAP = 3000   # compact characters between captions of one table 2


def might_have_tables(text: str) -> bool:
    """True when ``text`` carries a marker of some standard table in any of its spellings (one
    cheap scan)."""
    return _PREFILTER.search(text) is not None


def parse_text(text: str) -> list[Table]:
    """Every standard table 2, 3 and 4 in flattened ``text``, in text order."""
    if not might_have_tables(text):
        return []
    view = View(text)
    tables = _tables2(view) + _tables3(view)
    tables += _tables4(view, tables)
    tables.sort(key=lambda t: t.start)
    # Tables 3 and 4 print (nearly) the same in both layouts: they take the layout of the
    # table 2 above them; with no table 2, table 4 takes table 3's (its （六）其他处理 rows).
    layout = None
    for table in tables:
        if table.number == 2 or (table.number == 3 and layout is None):
            layout = table.layout
        elif layout is not None:
            table.layout = layout
        if table.number == 4:
            layout = None   # the next report starts afresh
    return tables


def _cell(view: View, token: Token | None, key: str, metric: str, column: str | None, unit: str,
          table: int) -> Cell | None:
    if token is None or token.value is None:     # a blank, "-", "—" or "/": missing, not 0
        return None
    raw = view.text[token.start:token.end]   # as printed, not the normalised copy
    return Cell(key, metric, column, token.value, raw, token.unit or unit, token.start, token.end, table)


# ---- table 2

def _tables2(view: View) -> list[Table]:
    captions = list(view.finditer(L.CAPTION))
    groups: list[list] = []
    for cap in captions:
        if (not groups or cap[2].group(1) == "一"
                or view.cpos(cap[0]) - view.cpos(groups[-1][-1][1]) > _T2_GROUP_GAP):
            groups.append([])
        groups[-1].append(cap)
    stops = [s for s, _, _ in view.finditer(L.TABLE3_HEADER)] + [s for s, _, _ in view.finditer(L.TABLE3_START)]
    tables = []
    for group in groups:
        table = _table2(view, group, stops)
        if table.cells:
            tables.append(table)
    return tables


def _table2(view: View, group: list, stops: list[int]) -> Table:
    first, last = group[0][0], group[-1][1]
    tail = min([s for s in stops if s > last] + [view.opos(view.cpos(last) + _SUBTABLE_TAIL)])
    span = view.compact[view.cpos(first):view.cpos(tail)]
    layout = "2021" if L.LAYOUT_2021.search(span) else "2019" if L.LAYOUT_2019.search(span) else "2021"
    table = Table(2, layout, first, first)
    walked = []
    for i, (start, cap_end, match) in enumerate(group):
        numeral = match.group(1)
        rows = L.TABLE2_ROWS.get(numeral)
        if not rows:
            continue
        sub_end = group[i + 1][0] if i + 1 < len(group) else tail
        first_row = min((f for f in (view.find(r.pattern, cap_end, sub_end) for r in rows) if f),
                        default=None, key=lambda f: f[0])
        header_end = first_row[0] if first_row else sub_end
        default = L.TABLE2_DEFAULT_COLUMNS[layout].get(numeral, ())
        columns = _table2_columns(view, rows, _header_columns(view, cap_end, header_end), default, cap_end, sub_end)
        if not columns:
            continue
        found = list(walk_rows(view, rows, len(columns), cap_end, sub_end))
        if len(columns) > 1 and is_glued(view, [tokens for _, tokens, _ in found], len(columns)):
            # a scraper joined each row's cells: with no identity to split them, a row is read only
            # where it holds one digit a cell
            found = [(row, _one_digit_each(view, tokens, len(columns)), label) for row, tokens, label in found]
        walked += [(row, tokens, label, columns) for row, tokens, label in found]
    # table 2 has no identity: a row that a blank-zero table printed short is not placed at all
    keys = [[f"{row.key}.{col.key}" for col in columns] for row, _, _, columns in walked]
    placed = place([tokens for _, tokens, _, _ in walked], keys, [])
    for (row, _, label, columns), tokens in zip(walked, placed):
        metric = row.label
        if row.key.endswith("规范性文件") and not view.compact[view.cpos(label[0])].startswith("行"):
            metric = "规范性文件"    # the 2019 label, keyed as 行政规范性文件 all the same
        for col, token in zip(columns, tokens):
            cell = _cell(view, token, f"{row.key}.{col.key}", metric, None if len(columns) == 1 else col.label,
                         col.unit, 2)
            if cell:
                table.cells.append(cell)
    if table.cells:
        table.end = max(c.end for c in table.cells)
    return table


def _one_digit_each(view: View, tokens: list[Token], n: int) -> list[Token]:
    """A glued row of ``n`` cells read one digit a cell where its string is exactly ``n`` digits,
    else no cell (``0315`` over three cells is 0 3 15 or 0 31 5; ``0+30`` is 0 +3 0, or 0 +30 and
    a blank; in ``964+1976`` the reader sees only 964)."""
    if len(tokens) == n:
        return tokens
    run = _GLUED_RUN.match(view.norm, tokens[0].start) if len(tokens) == 1 else None
    if run and run.end() == tokens[0].end and len(tokens[0].raw) == n and (split := split_token(tokens[0], n)):
        return list(split[0])
    return []


def _table2_columns(view: View, rows: list, printed: tuple[L.Column, ...], default: tuple[L.Column, ...],
                    start: int, end: int) -> tuple[L.Column, ...]:
    """The columns of a table-2 sub-table: those its header names, or the layout's standard ones
    where it names none. A header that names fewer than the standard columns, all of them
    standard, is either one whose other cells the page cut short (本年新 for 本年新制作数量) or
    one that prints fewer columns (本年新制作数量 | 对外公开总数量): the numbers its rows print
    tell which. A delimited header counts its own cells (blank cells in the rows and padding
    after them cannot be told apart); in other text, the most numbers a row prints count. As
    many as the standard columns: those; as many as the header names: the header's; neither:
    no column is sure and the sub-table gives no cell."""
    if not printed:
        return default
    if len(printed) >= len(default) or not all(c in default for c in printed):
        return printed
    header = view.norm[start:end]
    count = _header_cells(header, rows) if any(sep in header for sep in SEPARATORS) else None
    if count is None:
        count = max((sum(t.kind != "blank" for t in tokens)
                     for _, tokens, _ in walk_rows(view, rows, len(default), start, end)), default=0)
    return default if count == len(default) else printed if count == len(printed) else ()


def _header_cells(text: str, rows: list) -> int | None:
    """How many column cells a delimited table-2 header prints after its 信息内容 cell, up to the
    first row's label or number; None where no 信息内容 cell is found."""
    pieces = ["".join(piece.split()) for piece in _CELL_BOUNDS.split(text)]
    pieces = [piece for piece in pieces if piece]
    first = next((i for i, piece in enumerate(pieces) if "信息内容" in piece), None)
    if first is None:
        return None
    count = 0
    for piece in pieces[first + 1:]:
        if _NUMBER_CELL.fullmatch(piece) or any(row.pattern.search(piece) for row in rows):
            break
        count += 1
    return count


def _header_columns(view: View, start: int, end: int) -> tuple[L.Column, ...]:
    """The table-2 columns a sub-table's header prints, in order."""
    header = view.compact[view.cpos(start):view.cpos(end)]
    hits = []
    for col in L.TABLE2_COLUMNS:
        for m in col.pattern.finditer(header):
            hits.append((m.start(), -(m.end() - m.start()), m.end(), col))
    hits.sort(key=lambda h: (h[0], h[1]))
    out, reach = [], -1
    for pos, _, stop, col in hits:
        if pos >= reach:
            out.append(col)
            reach = stop
    return tuple(out)


# ---- table 3

def _table3_starts(view: View) -> tuple[list[int], bool]:
    """Where each table 3 begins: its header note, else its first row; and whether by headers."""
    heads = [s for s, _, _ in view.finditer(L.TABLE3_HEADER)]
    firsts = [s for s, _, _ in view.finditer(L.TABLE3_START)]
    starts: list[int] = []
    for head in heads:
        if starts and view.cpos(head) - view.cpos(starts[-1]) < 800:
            continue    # 申请人情况 right after the 勾稽 note: the same table
        starts.append(head)
    if starts:
        return starts, True
    # no header: a first row closely followed by 上年结转
    return [f for f in firsts if view.find(re.compile("上年结转"), f, view.opos(view.cpos(f) + 300))], False


def _has_whole_row(table: Table) -> bool:
    """Whether some row of ``table`` prints all seven cells and its applicants sum to its 总计.

    A table 3 found by its first rows alone, with no header, may be sentences that name them:
    PDF text spaces 52件 into 52 件, and 本年新收政府信息公开申请 52 件，上年结转 3 件 reads as the
    first cells of two rows, or a row takes numbers from the sentences after it. A printed table
    has a whole row whose identity holds (T3-2); sentences have none."""
    rows: dict[str, dict[str, float]] = {}
    for cell in table.cells:
        row, column = cell.key.rsplit(".", 1)
        rows.setdefault(row, {})[column] = cell.value
    return any(row_total_holds([cells.get(c.key) for c in L.TABLE3_COLUMNS]) for cells in rows.values())


def _tables3(view: View) -> list[Table]:
    starts, headed = _table3_starts(view)
    tables = []
    for i, start in enumerate(starts):
        end = starts[i + 1] if i + 1 < len(starts) else len(view.text)
        table = _table3(view, start, end)
        if table.cells and (headed or _has_whole_row(table)):
            tables.append(table)
    return tables


def _table3(view: View, start: int, end: int) -> Table:
    four = view.find(L.TABLE4_START, start, end)
    region_end = four[0] if four else end
    split = bool(view.find(L.OTHER_SPLIT_PATTERN, start, region_end))
    rows = L.table3_rows(other_split=split)
    best = None
    for line_aware in (True, False):
        if best is not None and not any(t.kind == "blank" for t in view.tokens_between(start, best[1].end)):
            break   # no delimited blanks: the stream reading would read the same
        walked = list(walk_rows(view, rows, 7, start, region_end, line_aware, row_total_holds))
        keys = [[f"{row.key}.{col.key}" for col in L.TABLE3_COLUMNS] for row, _, _ in walked]
        resumed = [reorder_lines(row, row_total_holds) if len(row) == 7 else row
                   for row in resume(view, walked, 7, region_end, row_total_holds)]
        # a row short for its blank cells, which positions place, is no row of glued numbers
        blanks = [len(spread) > len(row) for spread, row in zip(realign(view, resumed, 7), resumed)]
        unglued = _unglue3(resumed, keys, blanks)
        if is_glued(view, unglued, 7):    # a scraper joined every row's cells: the identities split them
            unglued = split_glued(unglued, keys, table3_identities(split), 7)
        unglued = _from_blocks(view, walked, unglued, keys, end) or unglued
        if prints_zero(unglued):
            aligned = realign(view, unglued, 7)     # its blanks are blank cells: only their positions place them
        else:
            # zeros printed blank: the identities place the numbers, and positions only where they allow
            aligned = place(unglued, keys, table3_identities(split), lambda settled: realign(view, settled, 7, min_full=2))
        table = _table3_cells(view, split, start, [(row, tokens) for (row, _, _), tokens in zip(walked, aligned)])
        score = (sum(not c.ok for c in check_table3(table.values())), -len(table.cells))
        if best is None or score < best[0]:
            best = (score, table)
    # A reading can print some labels away from their rows (pdftotext on a word processor's PDF
    # puts the labels beside a group label after the rows below them) and its numbers still in
    # row order: exactly seven a row, dealt in order, taken where that keeps every identity and
    # gives more cells than the rows as found.
    numbers = [t for t in view.tokens_between(start, region_end) if t.kind != "blank"]
    if len(numbers) == 7 * len(rows) and len(best[1].cells) < len(numbers):
        dealt = deal_in_order(numbers, len(rows), 7, row_total_holds)
        table = _table3_cells(view, split, start, list(zip(rows, dealt))) if dealt else None
        if table and all(c.ok for c in check_table3(table.values())) and len(table.cells) > len(best[1].cells):
            return table
    return best[1]


def _table3_cells(view: View, split: bool, start: int, rows: list[tuple[L.Row, list[Token | None]]]) -> Table:
    """A table 3 of the rows' cells (None: blank or unknown)."""
    table = Table(3, "2021" if split else "2019", start, start)
    for row, tokens in rows:
        for col, token in zip(L.TABLE3_COLUMNS, tokens):
            cell = _cell(view, token, f"{row.key}.{col.key}", row.label, col.label, L.COUNT_UNIT, 3)
            if cell:
                table.cells.append(cell)
    if table.cells:
        table.end = max(c.end for c in table.cells)
    return table


def _from_blocks(view: View, walked: list, rows: list[list[Token]], keys: list[list[str]],
                 end: int) -> list[list[Token | None]] | None:
    """``rows`` completed from the blocks of numbers printed after the table (pdftotext's default
    mode, :mod:`inference.tables.blocks`), or None. The last row may have read the first of them as
    its own: it keeps the numbers of the first line after its label.

    The short rows' own numbers can stand a line above their labels as well as after them (a
    label beside a group label sits lower than its numbers), so a row may have taken the next
    row's. Where the blocks do not fit the rows as read, and the lines of numbers from the first
    short row to the blocks are as many as the short rows, each short row takes one line, in
    order, and the blocks are laid again."""
    if not rows or all(len(row) == 7 for row in rows[:-1]):
        return None
    label_end = walked[-1][2][1]
    line = view.line_of(label_end)
    own = [t for t in view.line_tokens(line) if t.start >= label_end]
    if not own and line + 1 < len(view.line_starts):
        own = view.line_tokens(line + 1)     # the label alone on its line, its numbers below it
    if any(t.kind != "value" for t in own):
        return None

    def holds(completed: list[list[Token | None]], filled: list[tuple[int, int]]) -> bool:
        mine = {keys[i][c] for i, c in filled}
        return all(c.ok for c in _checks3(keys, completed) if mine & set(c.keys))

    rows = rows[:-1] + [own]
    after = own[-1].end if own else label_end
    filled = fill_blocks(view, rows, after, end, 7, holds)
    first = next(i for i, row in enumerate(rows) if len(row) < 7)
    if filled is not None or first == 0 or len(rows[first - 1]) != 7:
        return filled
    lines = [tokens for line in range(view.line_of(rows[first - 1][-1].end) + 1, view.line_of(after) + 1)
             if (tokens := [t for t in view.line_tokens(line) if t.kind == "value" and t.end <= after])]
    if len(lines) != len(rows) - first or any(len(tokens) >= 7 for tokens in lines):
        return None
    return fill_blocks(view, rows[:first] + lines, after, end, 7, holds)


def _checks3(keys: list[list[str]], rows: list[list[Token | None]]) -> list:
    """Table 3's identities on ``rows`` (each row's cells under its ``keys``; a row of another
    length places no cell)."""
    return check_table3({k: t.value for ks, row in zip(keys, rows) if len(row) == len(ks)
                         for k, t in zip(ks, row) if t is not None and t.value is not None})


def _unglue3(rows: list[list[Token]], keys: list[list[str]], blanks: list[bool]) -> list[list[Token]]:
    """Table 3's rows with glued numbers split back (:func:`walk.unglue`). Where two splits keep a
    row's 总计 (339 as 33 9 or 3 39), the one under which fewer of the table's other identities fail
    (the column sums) is taken, when there is one; else the row stays as read.

    A row ``blanks`` marks (positions place it as short for blank cells) is split only where the
    column sums through it hold with the split and fail no more than without: 0 0 0 13 _ 15 can
    read 0 0 0 1 3 1 5, which keeps its 总计, but its blanks are the likelier reading."""

    out = list(rows)
    for i, tokens in enumerate(rows):
        split = readings(tokens, 7, row_total_holds)
        if blanks[i]:
            before = sum(not c.ok for c in _checks3(keys, out))
            mine = set(keys[i])
            split = [s for s in split if (found := _checks3(keys, out[:i] + [s] + out[i + 1:]))
                     and sum(not c.ok for c in found) <= before
                     and any(c.ok and not c.identity.startswith("T3-2") and mine & set(c.keys) for c in found)]
        if len(split) == 1:
            out[i] = split[0]
        elif split:
            failing = [sum(not c.ok for c in _checks3(keys, out[:i] + [s] + out[i + 1:])) for s in split]
            if failing.count(min(failing)) == 1:
                out[i] = split[failing.index(min(failing))]
    return out


# ---- table 4

def _tables4(view: View, found: list[Table]) -> list[Table]:
    tables: list[Table] = []
    done = max((t.end for t in found if t.number == 4), default=-1)
    for start, anchor_end, _ in view.finditer(L.TABLE4_START):
        if start < done:
            continue
        header = view.find(L.TABLE4_HEADER, anchor_end, view.opos(view.cpos(anchor_end) + 400))
        if not header:
            continue
        stop = view.find(_TABLE4_STOP, anchor_end)
        limit = stop[0] if stop else len(view.text)
        run = view.find(L.TABLE4_HEADER_RUN, header[0])
        starts = (run[1], anchor_end) if run else (anchor_end,)
        tokens = _table4_tokens(view, starts, limit)
        if tokens is None and stop and view.compact.startswith("五、", view.cpos(stop[0])):
            # a reader can print the next section's heading inside the table (a word processor's
            # PDF read by pdftotext: 五、存在的主要问题… between table 4's blocks): read on past it
            # to the first full stop, where every block then keeps T4-1
            far = view.find(_FULL_STOP, stop[1])
            tokens = _table4_tokens(view, starts, far[0] if far else len(view.text))
            if tokens is not None and not _table4_holds([t.value if t is not None else None for t in tokens]):
                tokens = None
        if tokens is None:
            continue
        table = Table(4, "2021", start, max(t.end for t in tokens if t is not None))
        for col, token in zip(L.TABLE4_COLUMNS, tokens):
            cell = _cell(view, token, col.key, col.label, col.label, L.COUNT_UNIT, 4)
            if cell:
                table.cells.append(cell)
        if table.cells:
            tables.append(table)
            done = table.end
    return tables


def _table4_holds(values) -> bool:
    """T4-1 on table 4's fifteen printed values, every block's 总计 the sum of its four results."""
    cells = {col.key: v for col, v in zip(L.TABLE4_COLUMNS, values) if v is not None}
    checks = check_table4(cells)
    return len(checks) == len(L.TABLE4_BLOCKS) and all(c.ok for c in checks)


def _table4_tokens(view: View, starts: tuple[int, ...], limit: int) -> list[Token] | None:
    """The 15 cells of table 4's one row, or None when the text does not hold exactly them.

    The row is read from each of ``starts`` (the column header's end, then the heading's: a
    reader may print other numbers between the two), and the reading whose blocks keep T4-1 best
    wins, the first start on a tie: the row's cells follow its header."""
    candidates = []
    for after in dict.fromkeys(starts):
        candidates += _table4_readings(view, after, limit)
    best = None
    for tokens in candidates:
        if len(tokens) != 15 or all(t is None for t in tokens):
            continue
        values = {col.key: t.value for col, t in zip(L.TABLE4_COLUMNS, tokens) if t is not None}
        score = sum(not c.ok for c in check_table4(values))
        if best is None or score < best[0]:
            best = (score, tokens)
    if best is None:
        logger.debug("table 4 at offset %d: no row of 15 cells", starts[0])
        return None
    return best[1]


def _table4_readings(view: View, after: int, limit: int) -> list[list[Token]]:
    """Every way of reading table 4's row from ``after``: a delimited row, one cell per line, the
    stream of numbers."""
    first = next((t for t in view.iter_tokens(after, limit) if t.kind != "blank"), None)
    if first is None:
        return []
    candidates = []
    if first.cell is not None:
        # a delimited row of numbers: its cells, blanks included
        line_end = view.line_starts[first.line + 1] if first.line + 1 < len(view.line_starts) else len(view.norm)
        cells = view.tokens_between(view.line_starts[first.line], min(line_end, limit))
        # a row of numbers has no label to pad: a surplus blank is more likely a stray end tab
        candidates += [fit_row(cells, 15, lead_first=False), fit_row(cells, 15)]
        # or one cell per line, "|" lines for blanks (the row may open with some)
        candidates.append(view.cell_lines(view.blank_run_start(first.line, after), 15, limit))
    stream = take(view, after, 15, limit, False)
    keys = [[col.key for col in L.TABLE4_COLUMNS]]
    candidates.append(unglue(stream, 15, _table4_holds) or place([stream], keys, table4_identities())[0])
    if is_glued(view, [stream], 15):    # the row's cells joined into one string
        candidates.append(split_glued([stream], keys, table4_identities(), 15)[0])
    return candidates
