"""What the table parser returns: printed cells, tables and identity checks.

The types are the contract with the extractor (:mod:`inference.extract`): a :class:`Cell`
becomes a record with ``origin: "table"``; a :class:`Check` goes into its report's
``checks``.

>>> cell = Cell("申请.本年新收.自然人", "本年新收申请", "自然人", 58, "58", "件", 10, 12, 3)
>>> record = cell.to_record()
>>> record.metric, record.value, record.unit, record.value_span, record.extra["metric_key"]
('本年新收申请', 58, '件', (10, 12), '申请.本年新收.自然人')
>>> Check("T3-2[本年新收]", False, ["申请.本年新收.总计"], 66, 65).to_dict()["ok"]
False
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from govreport.data.schema import Record


@dataclass(frozen=True)
class Cell:
    """One printed number cell of a standard table, keyed per spec §4."""

    key: str            # canonical metric_key, e.g. "申请.本年新收.自然人"
    metric: str         # the printed row label, readable ("（七）总计", "规章" ...)
    column: str | None  # the printed column label, None where the table has a single value column
    value: int | float  # the number as printed (never corrected)
    raw: str            # the cell text as printed
    unit: str           # "件", "万元" for the fee, or as printed
    start: int          # [start, end) offsets of the printed number in the text passed to parse_tables
    end: int
    table: int          # 2, 3 or 4

    def to_record(self) -> Record:
        """The cell as a record: ``origin`` "table", ``metric_key``, ``column`` and ``table`` in extra."""
        return Record(metric=self.metric, value=self.value, unit=self.unit or None, raw=self.raw,
                      value_span=(self.start, self.end),
                      extra={"origin": "table", "metric_key": self.key, "column": self.column,
                             "table": self.table})


@dataclass
class Table:
    """One standard table (2, 3 or 4) found in a text, with its printed cells."""

    number: int         # 2, 3 or 4
    layout: str         # "2019" or "2021", decided from the header text, never from the year
    start: int          # offsets of the whole table region (caption/header to last cell) in the text
    end: int
    cells: list[Cell] = field(default_factory=list)

    def values(self) -> dict[str, int | float]:
        """key → value of the table's cells (the first cell wins on a repeated key)."""
        out: dict[str, int | float] = {}
        for cell in self.cells:
            out.setdefault(cell.key, cell.value)
        return out


@dataclass
class Check:
    """One arithmetic identity of spec §2 tested on a parsed table.

    ``identity`` is "T3-1", "T3-2", "T3-3" or "T4-1" with the column, row or block it was
    tested on in brackets: "T3-1[自然人]", "T3-2[本年新收]", "T3-3[总计]", "T4-1[行政复议]".
    ``expected`` is the sum of the parts, ``found`` the printed total it should equal.
    """

    identity: str
    ok: bool
    keys: list[str]
    expected: float
    found: float

    def to_dict(self) -> dict[str, Any]:
        return {"identity": self.identity, "ok": self.ok, "keys": list(self.keys),
                "expected": self.expected, "found": self.found}
