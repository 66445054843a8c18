"""The standard tables' keys in the spec's order, and the group totals derived from printed cells.

../shared/spec/standard-tables.md §4 names every cell of tables 2–4 (``申请.本年新收.自然人``)
and a few *derived* keys no table prints: the group totals of table 3 (不予公开, 无法提供,
不予处理 and, in the 2021 layout, 其他处理: the sum of their numbered sub-rows), the
applicant column 法人或其他组织 (the sum of the five organisation columns) and the block
行政诉讼 of table 4 (直接起诉 + 复议后起诉). :data:`STANDARD_KEYS` lists them all in the
spec's order (panel columns use it); :func:`derive` computes the derived ones from a
report's printed cells, only where every part was printed.

>>> derived = derive({"复议诉讼.直接起诉.总计": 2, "复议诉讼.复议后起诉.总计": 1})
>>> derived["复议诉讼.行政诉讼.总计"]
(3, ['复议诉讼.直接起诉.总计', '复议诉讼.复议后起诉.总计'])
>>> key_order(["其他事项.信息处理费.金额", "申请.本年新收.总计", "主动公开.规章.本年制发"])
['主动公开.规章.本年制发', '申请.本年新收.总计', '其他事项.信息处理费.金额']
"""

from __future__ import annotations

from typing import Iterable

from govreport.inference.tables.layouts import (APPLICANTS, TABLE2_DEFAULT_COLUMNS, TABLE2_ROWS, TABLE3_COLUMNS,
                                      TABLE4_BLOCKS, TABLE4_RESULTS, table3_rows)

__all__ = ["STANDARD_KEYS", "DERIVATIONS", "derive", "key_order", "is_standard", "ORG_COLUMNS"]

# 法人或其他组织 = the five organisation columns (spec §4: "derived").
ORG_COLUMNS: tuple[str, ...] = APPLICANTS[1:]
_T3_COLUMNS = [c.key for c in TABLE3_COLUMNS]           # 自然人 … 其他组织, 总计
_T3_ALL_COLUMNS = _T3_COLUMNS[:-1] + ["法人或其他组织", "总计"]  # the spec's order of the eight slugs
_GROUPS = ("不予公开", "无法提供", "不予处理", "其他处理")


def _table2_keys() -> list[str]:
    keys = []
    for caption, rows in TABLE2_ROWS.items():
        columns: list[str] = []
        for layout in ("2021", "2019"):
            for column in TABLE2_DEFAULT_COLUMNS[layout].get(caption, ()):
                if column.key not in columns:
                    columns.append(column.key)
        keys += [f"{row.key}.{column}" for row in rows for column in columns]
    return keys


def _table3_rows() -> list[str]:
    """Row paths of table 3 in the spec's order: 本年新收, 上年结转, 办理结果 (the 总计 row),
    its outcome rows with each group's derived total before its sub-rows, 结转下年度."""
    printed = [r.key for r in table3_rows(other_split=True)]
    rows = ["申请.本年新收", "申请.上年结转", "申请.办理结果"]
    for key in printed:
        if key in rows or key == "申请.结转下年度":
            continue
        parts = key.split(".")
        if len(parts) == 4 and ".".join(parts[:3]) not in rows:
            rows.append(".".join(parts[:3]))   # the group total (derived; printed as one row in 2019 for 其他处理)
        rows.append(key)
    return rows + ["申请.结转下年度"]


def _table4_keys() -> list[str]:
    blocks = [b for b, _ in TABLE4_BLOCKS] + ["行政诉讼"]
    return [f"复议诉讼.{b}.{r}" for b in blocks for r, _ in TABLE4_RESULTS]


_ROWS3 = _table3_rows()
STANDARD_KEYS: tuple[str, ...] = tuple(_table2_keys() + [f"{row}.{c}" for row in _ROWS3 for c in _T3_ALL_COLUMNS]
                                       + _table4_keys())
_ORDER = {key: i for i, key in enumerate(STANDARD_KEYS)}


def _derivations() -> list[tuple[str, list[str]]]:
    """(derived key, the keys it sums), in an order where each sum's parts come first."""
    out: list[tuple[str, list[str]]] = []
    subrows = {g: [r for r in _ROWS3 if r.startswith(f"申请.办理结果.{g}.")] for g in _GROUPS}
    for group, rows in subrows.items():
        for column in _T3_COLUMNS:
            out.append((f"申请.办理结果.{group}.{column}", [f"{r}.{column}" for r in rows]))
    for row in _ROWS3:
        out.append((f"{row}.法人或其他组织", [f"{row}.{c}" for c in ORG_COLUMNS]))
    for result, _ in TABLE4_RESULTS:
        out.append((f"复议诉讼.行政诉讼.{result}", [f"复议诉讼.直接起诉.{result}", f"复议诉讼.复议后起诉.{result}"]))
    return out


DERIVATIONS: tuple[tuple[str, list[str]], ...] = tuple(_derivations())


def derive(values: dict[str, float]) -> dict[str, tuple[float, list[str]]]:
    """The derived keys that ``values`` (a report's printed cells, key → value) let one compute.

    A derived key is left out where it was printed (the 2019 layout's single 其他处理 row)
    or where any of its parts is missing (a blank cell is missing, never 0). Returns
    key → (value, the printed keys summed).
    """
    known = dict(values)
    out: dict[str, tuple[float, list[str]]] = {}
    for key, parts in DERIVATIONS:
        if key in known or not all(p in known for p in parts):
            continue
        total = sum(known[p] for p in parts)
        if isinstance(total, float):
            total = round(total, 6)
        # a sum of derived parts names the printed keys underneath
        printed = [q for p in parts for q in (out[p][1] if p in out else [p])]
        known[key] = total
        out[key] = (total, printed)
    return out


def is_standard(key: str) -> bool:
    """Whether ``key`` names a cell of the standard tables (printed or derived).

    >>> is_standard("申请.办理结果.不予公开.总计"), is_standard("主动公开.工作动态")
    (True, False)
    """
    return key in _ORDER


def key_order(keys: Iterable[str]) -> list[str]:
    """``keys`` sorted: the standard tables' keys in the spec's order first, then the others by name."""
    return sorted(set(keys), key=lambda k: (0, _ORDER[k], "") if k in _ORDER else (1, 0, k))
