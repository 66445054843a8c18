"""The arithmetic identities of the standard tables (spec §2), run on parsed tables.

- **T3-1**, per column c: 本年新收[c] + 上年结转[c] = 办理结果总计[c] + 结转下年度[c];
- **T3-2**, per row R: R[总计] = the sum of R over the six applicant columns;
- **T3-3**, per column c: 办理结果总计[c] = the sum of every outcome row (予以公开, 部分公开,
  不予公开 1–8, 无法提供 1–3, 不予处理 1–5, 其他处理: its three sub-rows or its one row);
- **T4-1**, per block b: 总计[b] = 维持[b] + 纠正[b] + 其他结果[b] + 尚未审结[b].

A check runs only where every cell it needs was printed (a blank is missing, never 0). A
failing identity is reported; the values stay as printed.

>>> from govreport.inference.tables.cells import Cell, Table
>>> cells = [Cell(f"复议诉讼.行政复议.{k}", "", None, v, str(v), "件", 0, 1, 4)
...          for k, v in [("维持", 2), ("纠正", 1), ("其他结果", 0), ("尚未审结", 1), ("总计", 5)]]
>>> [(c.identity, c.ok, c.expected, c.found) for c in check_tables([Table(4, "2021", 0, 1, cells)])]
[('T4-1[行政复议]', False, 4, 5)]
"""

from __future__ import annotations

from govreport.inference.tables.cells import Check, Table
from govreport.inference.tables.layouts import APPLICANTS, TABLE3_COLUMNS, TABLE4_BLOCKS, TABLE4_RESULTS, table3_rows

_TOLERANCE = 1e-6


def _check(identity: str, values: dict, parts: list[str], total: str) -> Check | None:
    if total not in values or any(p not in values for p in parts):
        return None
    expected = sum(values[p] for p in parts)
    if isinstance(expected, float):
        expected = round(expected, 6)
    found = values[total]
    return Check(identity, abs(expected - found) <= _TOLERANCE * max(1, abs(found)), parts + [total],
                 expected, found)


def _outcome_rows(values: dict) -> list[str]:
    split = any(k.startswith("申请.办理结果.其他处理.") for k in values)
    rows = table3_rows(other_split=split)
    return [r.key for r in rows if r.key.startswith("申请.办理结果.")]   # the 总计 row has no third dot


def check_table3(values: dict) -> list[Check]:
    """T3-1, T3-2 and T3-3 on one table 3 (key → value)."""
    checks: list[Check] = []
    for col in TABLE3_COLUMNS:
        c = col.key
        left = [f"申请.本年新收.{c}", f"申请.上年结转.{c}"]
        right = [f"申请.办理结果.{c}", f"申请.结转下年度.{c}"]
        if all(k in values for k in left + right):
            expected, found = values[left[0]] + values[left[1]], values[right[0]] + values[right[1]]
            checks.append(Check(f"T3-1[{c}]", abs(expected - found) <= _TOLERANCE, left + right, expected, found))
    rows = {k.rsplit(".", 1)[0] for k in values}
    for row in sorted(rows, key=_row_order):
        check = _check(f"T3-2[{row.removeprefix('申请.')}]", values, [f"{row}.{a}" for a in APPLICANTS],
                       f"{row}.总计")
        if check:
            checks.append(check)
    outcomes = _outcome_rows(values)
    for col in TABLE3_COLUMNS:
        check = _check(f"T3-3[{col.key}]", values, [f"{r}.{col.key}" for r in outcomes],
                       f"申请.办理结果.{col.key}")
        if check:
            checks.append(check)
    return checks


def row_total_holds(values) -> bool:
    """T3-2 on one printed row of table 3 (seven values, applicants then 总计), every cell printed."""
    if len(values) != len(TABLE3_COLUMNS) or None in values:
        return False
    check = _check("T3-2", dict(zip((c.key for c in TABLE3_COLUMNS), values)), list(APPLICANTS), "总计")
    return check is not None and check.ok


def _row_order(row: str) -> int:
    order = [r.key for r in table3_rows(True)] + ["申请.办理结果.其他处理"]
    return order.index(row) if row in order else len(order)


def check_table4(values: dict) -> list[Check]:
    """T4-1 on one table 4 (key → value)."""
    checks = []
    for block, _ in TABLE4_BLOCKS:
        parts = [f"复议诉讼.{block}.{r}" for r, _ in TABLE4_RESULTS[:4]]
        check = _check(f"T4-1[{block}]", values, parts, f"复议诉讼.{block}.总计")
        if check:
            checks.append(check)
    return checks


def check_tables(tables: list[Table]) -> list[Check]:
    """Every identity that can be tested on ``tables``, in table order (table 2 has none)."""
    checks: list[Check] = []
    for table in tables:
        if table.number == 3:
            checks += check_table3(table.values())
        elif table.number == 4:
            checks += check_table4(table.values())
    return checks
