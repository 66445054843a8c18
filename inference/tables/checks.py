"""The arithmetic identities of the standard tables (spec §2), run on parsed tables.

- **T3-1**, per column c: 本年新收[c] + 上年结转[c] = 办理结果总计[c] + 结转下年度[c];
- **T3-2**, per row R: R[总计] = the sum of R over the six applicant columns;
- **T3-3**, per column c: 办理结果总计[c] = the sum of every outcome row (予以公开, 部分公开,
  不予公开 1–8, 无法提供 1–3, 不予处理 1–5, 其他处理: its three sub-rows or its one row);
- **T4-1**, per block b: 总计[b] = 维持[b] + 纠正[b] + 其他结果[b] + 尚未审结[b].

Each is an :class:`Identity`, an equation between two sums of cell keys; the checks below and
the placement of blank cells (:mod:`inference.tables.blanks`) read the same list. A check runs
only where every cell it needs was printed (a blank is missing, never 0). A failing identity
is reported; the values stay as printed.

>>> from govreport.inference.tables.cells import Cell, Table
>>> cells = [Cell(f"复议诉讼.行政复议.{k}", "", None, v, str(v), "件", 0, 1, 4)
...          for k, v in [("维持", 2), ("纠正", 1), ("其他结果", 0), ("尚未审结", 1), ("总计", 5)]]
>>> [(c.identity, c.ok, c.expected, c.found) for c in check_tables([Table(4, "2021", 0, 1, cells)])]
[('T4-1[行政复议]', False, 4, 5)]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from govreport.inference.tables.cells import Check, Table
from govreport.inference.tables.layouts import APPLICANTS, TABLE3_COLUMNS, TABLE4_BLOCKS, TABLE4_RESULTS, table3_rows

_TOLERANCE = 1e-6


@dataclass(frozen=True)
class Identity:
    """One identity: the cells of ``left`` sum to the cells of ``right`` (keys)."""

    name: str                   # "T3-2[本年新收]", as a Check names it
    left: tuple[str, ...]       # the parts (their sum is a Check's ``expected``)
    right: tuple[str, ...]      # the total (a Check's ``found``)


def table3_identities(other_split: bool) -> list[Identity]:
    """T3-1 per column, T3-2 per row and T3-3 per column of one table 3, in that order."""
    rows = [r.key for r in table3_rows(other_split)]
    outcomes = [r for r in rows if r.startswith("申请.办理结果.")]   # the 总计 row has no third dot
    columns = [c.key for c in TABLE3_COLUMNS]
    out = [Identity(f"T3-1[{c}]", (f"申请.本年新收.{c}", f"申请.上年结转.{c}"),
                    (f"申请.办理结果.{c}", f"申请.结转下年度.{c}")) for c in columns]
    out += [Identity(f"T3-2[{row.removeprefix('申请.')}]", tuple(f"{row}.{a}" for a in APPLICANTS), (f"{row}.总计",))
            for row in rows]
    out += [Identity(f"T3-3[{c}]", tuple(f"{r}.{c}" for r in outcomes), (f"申请.办理结果.{c}",)) for c in columns]
    return out


def table4_identities() -> list[Identity]:
    """T4-1 per block of table 4."""
    return [Identity(f"T4-1[{block}]", tuple(f"复议诉讼.{block}.{r}" for r, _ in TABLE4_RESULTS[:4]),
                     (f"复议诉讼.{block}.总计",)) for block, _ in TABLE4_BLOCKS]


def holds(identity: Identity, values: Mapping[str, int | float | None]) -> Check | None:
    """``identity`` tested on ``values`` (key → value), or None where a cell it needs is missing."""
    if any(values.get(k) is None for k in identity.left + identity.right):
        return None
    expected = sum(values[k] for k in identity.left)
    if isinstance(expected, float):
        expected = round(expected, 6)
    found = sum(values[k] for k in identity.right)
    return Check(identity.name, abs(expected - found) <= _TOLERANCE * max(1, abs(found)),
                 list(identity.left + identity.right), expected, found)


def other_split(keys) -> bool:
    """True when cell keys of table 3 hold （六）其他处理's sub-rows (the 2021 layout)."""
    subrows = [r.key + "." for r in table3_rows(True) if r.key.startswith("申请.办理结果.其他处理.")]
    return any(k.startswith(prefix) for k in keys for prefix in subrows)


def check_table3(values: dict) -> list[Check]:
    """T3-1, T3-2 and T3-3 on one table 3 (key → value)."""
    return [c for i in table3_identities(other_split(values)) if (c := holds(i, values))]


def row_total_holds(values: Sequence[int | float | None]) -> bool:
    """T3-2 on one printed row of table 3 (seven values, applicants then 总计), every cell printed."""
    if len(values) != len(TABLE3_COLUMNS):
        return False
    check = holds(Identity("T3-2", APPLICANTS, ("总计",)), dict(zip((c.key for c in TABLE3_COLUMNS), values)))
    return check is not None and check.ok


def check_table4(values: dict) -> list[Check]:
    """T4-1 on one table 4 (key → value)."""
    return [c for i in table4_identities() if (c := holds(i, values))]


def check_tables(tables: list[Table]) -> list[Check]:
    """Every identity that can be tested on ``tables``, in table order (table 2 has none)."""
    checks: list[Check] = []
    for table in tables:
        if table.number == 3:
            checks += check_table3(table.values())
        elif table.number == 4:
            checks += check_table4(table.values())
    return checks
