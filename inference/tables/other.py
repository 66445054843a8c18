"""The rows of other tables written as pipe rows (or tab rows): a bulletin's table, an HTML or Word table.

Reports print more tables than the three standard ones (population by age, prices by category,
budget lines). Written as pipe rows (an HTML or Word table as :mod:`inference.formats` reads it,
or a text that kept its table so) or as tab-separated rows (a table pasted from a spreadsheet),
such a table is plain to read: a row is a label and its
numbers, a header row above names the columns and often their units (年末数(人), 比重(%)).
Read as prose, a row gave records with no metric and no unit; read as a table, each number is a
record with the row's label as its ``metric``, the header's label as its ``column`` and the
header's unit (or the table's 单位：万元 line) as its ``unit``. ``origin`` is ``"other_table"``.

>>> text = "指标 | 年末人口(人) | 占比(%) |\\n全镇常住人口 | 45210 | 100 |\\n其中:城镇 | 20367 | 45.05 |\\n"
>>> [(c.metric, c.column, c.value, c.unit) for row in parse_other_tables(text) for c in row.cells]
[('全镇常住人口', '年末人口', 45210, '人'), ('全镇常住人口', '占比', 100, '%'), ('城镇', '年末人口', 20367, '人'), ('城镇', '占比', 45.05, '%')]
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Sequence

from govreport.data.numbers import ParsedNumber, parse_number
from govreport.data.schema import Record
from govreport.inference.kinds import classify

__all__ = ["OtherCell", "OtherRow", "parse_other_tables"]

# A table row: a line with a bar (pipe rows) or a tab (a table pasted from a spreadsheet) in it.
_ROW = re.compile(r"^[^\n|\t]*[|\t].*$", re.M)
# A header's unit in brackets at its end: 年末数(人), 比上年增长（%）, 金额（万元）, 金额(单位:万元).
_HEADER_UNIT = re.compile(r"^(?P<label>.*?)\s*[(（](?:单位\s*[:：]?\s*)?(?P<unit>[^()（）0-9:：]{1,6})[)）]$")
# A table's unit line just above it: 单位：万元, 单位:人、%.
_UNIT_LINE = re.compile(r"单位\s*[:：]\s*(?P<unit>[^\s,，;；、|]{1,6})\s*$")
# What an empty cell is printed as.
_BLANK = frozenset(("", "-", "—", "－", "/", "／", "…", "--"))
# Spaces between two Chinese characters, which a table sets to spread a short label (男 性).
_HAN_SPACES = re.compile(r"(?<=[\u4e00-\u9fff])[ \t\u3000]+(?=[\u4e00-\u9fff])")
# A year as a column's label (2022, 2022年): a header cell, not a number.
_YEAR = re.compile(r"(?:19|20)[0-9]{2}年?(?:度)?")
# A row's serial number in a first column of its own (序号): 1, 12, (3), 3.
_SERIAL = re.compile(r"[0-9]{1,3}[.．、]?|[(（][0-9]{1,3}[)）]")
# What a label holds that names nothing: a sub-item's opening (其中:城镇 is 城镇) and a footnote
# marker at its end (第一产业[3], 粮食①).
_LABEL_NOISE = re.compile(r"^(?:其中|含)\s*[:：]?\s*|\s*(?:\[[0-9]{1,2}\]|[①-⑳])$")


@dataclass
class OtherCell:
    """One number of another table's row."""

    metric: str          # the row's label
    column: str | None   # the header's label over the number, None where no header fits the row
    value: int | float
    raw: str             # the cell as written
    unit: str | None     # the header's unit, the table's unit line, or the cell's own % sign
    start: int           # [start, end) of the number in the text
    end: int
    value_min: int | float | None = None
    value_max: int | float | None = None
    approximate: bool = False

    def to_record(self) -> Record:
        """The cell as a record: ``origin`` "other_table", ``column``, and the kind its column
        says (比上年增长 a change, 比重 a share), read as a sentence "column number" would be."""
        phrase = (self.column or self.metric) + self.raw
        kind = classify(phrase, {"value_span": (len(phrase) - len(self.raw), len(phrase)), "unit": self.unit,
                                 "metric": self.column or self.metric})
        return Record(metric=self.metric, value=self.value, unit=self.unit, raw=self.raw,
                      value_span=(self.start, self.end), value_min=self.value_min, value_max=self.value_max,
                      approximate=self.approximate,
                      extra={"origin": "other_table", "column": self.column, **kind._asdict()})


@dataclass
class OtherRow:
    """One row of another table: its line's [start, end) in the text and its numbers."""

    start: int
    end: int
    cells: list[OtherCell] = field(default_factory=list)


def _cells(line: str, offset: int) -> list[tuple[str, int]]:
    """The cells of a row with their offsets: split at its bars, else at its tabs; the border
    bars at a pipe row's ends left out."""
    bar = "|" if "|" in line else "\t"
    out, pos = [], 0
    for piece in line.split(bar):
        stripped = piece.strip()
        out.append((stripped, offset + pos + (piece.find(stripped) if stripped else 0)))
        pos += len(piece) + 1
    if bar == "|" and out and not out[0][0] and line.lstrip().startswith("|"):
        out = out[1:]
    if bar == "|" and out and not out[-1][0] and line.rstrip().endswith("|"):
        out = out[:-1]
    return out


def _number(cell: str) -> ParsedNumber | None:
    parsed = parse_number(cell)
    return parsed if parsed.ok else None


def _line_before(text: str, start: int) -> str:
    """The line that ends right before offset ``start`` (a line's start)."""
    return text[text.rfind("\n", 0, start - 1) + 1:start - 1] if start else ""


def parse_other_tables(text: str, taken: Sequence[tuple[int, int]] = ()) -> list[OtherRow]:
    """The data rows of the tables written as pipe or tab rows in ``text``, outside the ``taken`` regions
    (the standard tables'), in text order.

    A data row has a label (its first cell, no number) and a number in every other cell it
    fills; the last header row above it in the same run of rows (its cells past the first are
    labels or years, no other numbers) names its columns, unless the row has more cells than
    it. A row of any other kind (a caption, a line of page navigation) makes no record and
    stays prose.
    """
    rows: list[OtherRow] = []
    header: list[tuple[str, str | None]] | None = None
    table_unit: str | None = None
    run_end = -2
    for m in _ROW.finditer(text):
        start, end = m.span()
        if any(a < end and start < b for a, b in taken):
            continue
        if start > run_end + 1:   # a new run of rows: a new table, perhaps under its unit line
            header = None
            unit_line = _UNIT_LINE.search(_line_before(text, start))
            table_unit = unit_line.group("unit") if unit_line else None
        run_end = end
        cells = _cells(m.group(), start)
        label = cells[0][0] if cells else ""
        filled = [(k, cell, at, _number(cell)) for k, (cell, at) in enumerate(cells) if k and cell not in _BLANK]
        if not filled:
            continue
        if all(parsed is None or _YEAR.fullmatch(cell) for _, cell, _, parsed in filled):
            header = [_split_unit(cell) for cell, _ in cells]   # labels (years too): a header row
            continue
        if _SERIAL.fullmatch(label) and len(cells) > 2 and _number(cells[1][0]) is None:
            # a serial number's column (序号 | 单位 | 数量): the label is the cell after it
            label, filled = cells[1][0], [cell for cell in filled if cell[0] > 1]
        if not label or _number(label) is not None or not filled or any(parsed is None for *_, parsed in filled):
            continue   # no label, or a cell that is neither a number nor blank: no data row
        # a row shorter than its header left its last cells blank (税收收入 | 980 |)
        names = header if header is not None and len(cells) <= len(header) else None
        metric = _label(label)
        row = OtherRow(start, end)
        for k, cell, at, parsed in filled:
            column, unit = names[k] if names else (None, None)
            row.cells.append(OtherCell(metric, column, parsed.value, cell, parsed.unit or unit or table_unit,
                                       at, at + len(cell), parsed.value_min, parsed.value_max, parsed.approximate))
        rows.append(row)
    return rows


def _label(cell: str) -> str:
    """A cell's text as a label: spaces a table sets between its characters taken out (男 性,
    乡  镇), a sub-item's 其中: and a footnote marker left out."""
    return _LABEL_NOISE.sub("", _HAN_SPACES.sub("", cell))


def _split_unit(header: str) -> tuple[str, str | None]:
    """A header cell's label and the unit in brackets at its end: 年末数(人) is (年末数, 人)."""
    m = _HEADER_UNIT.match(header)
    return (_label(m.group("label")), m.group("unit")) if m else (_label(header), None)
