"""Cross-checks: a report's prose totals against the table cells they restate, and one agency's years.

A 政府信息公开工作年度报告 states its totals twice: in prose (受理申请52件) and in its
standard tables (申请.本年新收.总计 52). Once a prose record carries a ``metric_key`` (§4
of ../shared/spec/standard-tables.md), every key a report has both as prose and as a table
cell is compared:

- ``prose-table[KEY]``: a prose value against the printed cell of the same key;
- ``prose-derived[KEY]``: a prose value against a total no table prints, summed from the
  printed cells (不予公开N件 against 申请.办理结果.不予公开.*.总计; see
  :mod:`inference.standard_keys`);
- ``carry-over[COLUMN]`` (:func:`year_checks`, run by ``govreport panel``): 上年结转 of year Y
  against 结转下年度 of year Y−1 for one agency.

Only prose records that state a level take part (:func:`is_level`): a change (增长12.5%),
share, ratio or rank mapped to a key is no restatement of its cell. Values compare as
printed, money converted between 元, 万元 and 亿元; counts compare whatever their unit word
(件, 宗, 个). A failing check is reported beside the table identities, never fixed.

>>> records = [{"metric_key": "申请.本年新收.总计", "value": 52, "unit": "件", "origin": "table", "value_span": [40, 42]},
...            {"metric_key": "申请.本年新收.总计", "value": 53, "unit": "件", "origin": "prose", "value_span": [7, 9]}]
>>> [c.to_dict() for c in cross_check(records)]  # doctest: +NORMALIZE_WHITESPACE
[{'identity': 'prose-table[申请.本年新收.总计]', 'ok': False, 'keys': ['申请.本年新收.总计'], 'expected': 52,
  'found': 53, 'check': 'cross', 'prose_span': [7, 9], 'table_spans': [[40, 42]]}]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from govreport.data.text import normalize_percent
from govreport.inference.standard_keys import derive

__all__ = ["CrossCheck", "cross_check", "year_checks", "is_level", "same_value", "PERCENT_UNITS", "LEVEL_KINDS"]

# Kinds (inference.kinds, KINDS_SPEC) whose value is the quantity's level. A rate's level
# (办结率 98%) is a level of a rate key; a share, change, ratio or rank is not the key's level.
LEVEL_KINDS = frozenset({"level", "rate"})
# Without a kind, a value in these units is no count or amount: a share or a change.
PERCENT_UNITS = frozenset({"%", "‰", "‱", "个百分点", "百分点"})  # after data.text.normalize_percent
_MONEY = {"元": 1, "万元": 10_000, "亿元": 100_000_000}
_TOLERANCE = 1e-6


def is_level(record: Mapping[str, Any]) -> bool:
    """Whether a keyed record states the level of its key (so fills its panel cell and is checked).

    A table cell always does: its key says what it is. A prose record does when its
    ``kind`` is level or rate; with no ``kind`` (output of a run without inference.kinds),
    when its unit is no percent.

    >>> is_level({"origin": "prose", "kind": "change", "unit": "件"}), is_level({"origin": "prose", "unit": "%"})
    (False, False)
    >>> is_level({"origin": "prose", "unit": "件"}), is_level({"origin": "table", "kind": "change"})
    (True, True)
    """
    if record.get("origin") == "table":
        return True
    kind = record.get("kind")
    if kind is not None:
        return kind in LEVEL_KINDS
    return normalize_percent((record.get("unit") or "").strip()) not in PERCENT_UNITS


def same_value(a: float, unit_a: str | None, b: float, unit_b: str | None) -> bool:
    """Whether two values state the same quantity: equal as printed, money converted between units.

    >>> same_value(1.2, "万元", 12000, "元"), same_value(52, "件", 52, "宗"), same_value(52, "件", 53, "件")
    (True, True, False)
    """
    if unit_a in _MONEY and unit_b in _MONEY:
        a, b = a * _MONEY[unit_a], b * _MONEY[unit_b]
    return abs(a - b) <= _TOLERANCE * max(1.0, abs(a), abs(b))


def _number(value: Any) -> float | None:
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _span(record: Mapping[str, Any]) -> list[int] | None:
    span = record.get("value_span")
    return list(span) if isinstance(span, (list, tuple)) and len(span) == 2 else None


@dataclass
class CrossCheck:
    """One comparison of a stated value with the value it should equal.

    ``expected`` is the table's (printed cell, or sum of printed cells), ``found`` the
    prose value; ``keys`` the table keys involved; ``prose_span`` and ``table_spans``
    the offsets of the numbers in the document. For a ``carry-over`` check, ``expected``
    is 结转下年度 of the year before and ``found`` 上年结转 of the year.
    """

    identity: str
    ok: bool
    keys: list[str]
    expected: float
    found: float
    prose_span: list[int] | None = None
    table_spans: list[list[int]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"identity": self.identity, "ok": self.ok, "keys": list(self.keys), "expected": self.expected,
                "found": self.found, "check": "cross", "prose_span": self.prose_span,
                "table_spans": [list(s) for s in self.table_spans]}


def cross_check(records: Iterable[Mapping[str, Any]]) -> list[CrossCheck]:
    """Every prose value of a report against the table value of its key: the printed cell,
    else the derived total (:func:`inference.standard_keys.derive`); none where the report
    has neither. One check per prose record, in the records' order.

    ``records`` are a report's records as JSON objects (``metric_key``, ``value``, ``unit``,
    ``origin``, ``kind``, ``value_span``); records with no key or no number are ignored.
    """
    cells: dict[str, tuple[float, str | None, list[int] | None]] = {}
    prose: list[Mapping[str, Any]] = []
    for record in records:
        key, value = record.get("metric_key"), _number(record.get("value"))
        if not key or value is None:
            continue
        if record.get("origin") == "table":
            cells.setdefault(key, (value, record.get("unit"), _span(record)))  # the first printing wins, as in Table.values
        elif is_level(record):
            prose.append(record)
    if not prose or not cells:
        return []
    spans = {key: span for key, (_, _, span) in cells.items()}
    units = {key: unit for key, (_, unit, _) in cells.items()}
    derived = derive({key: value for key, (value, _, _) in cells.items()})
    checks = []
    for record in prose:
        key, value, unit = record["metric_key"], record["value"], record.get("unit")
        if key in cells:
            expected, parts, identity = cells[key][0], [key], f"prose-table[{key}]"
        elif key in derived:
            (expected, parts), identity = derived[key], f"prose-derived[{key}]"
        else:
            continue
        table_unit = units[parts[0]]
        checks.append(CrossCheck(identity, same_value(expected, table_unit, value, unit), parts, expected, value,
                                 _span(record), [spans[p] for p in parts if spans[p] is not None]))
    return checks


def year_checks(rows: Iterable[tuple[Mapping[str, Any], str | None, int | None, Mapping[str, float]]]
                ) -> list[dict[str, Any]]:
    """上年结转 of year Y against 结转下年度 of year Y−1, per applicant column, for each agency.

    ``rows`` are the panel's reports as (its id fields, agency, year, key → value). Each
    check is a JSON object: the later report's id fields, ``agency``, ``year``, the check,
    and the earlier report's id fields prefixed ``previous_``. An agency with two reports
    for a year (two copies of one report) is checked once per pair.

    >>> rows = [({"id": "a"}, "甲局", 2020, {"申请.结转下年度.总计": 3}), ({"id": "b"}, "甲局", 2021, {"申请.上年结转.总计": 2})]
    >>> [(c["id"], c["previous_id"], c["identity"], c["ok"], c["expected"], c["found"]) for c in year_checks(rows)]
    [('b', 'a', 'carry-over[总计]', False, 3, 2)]
    """
    rows = [row for row in rows if row[1] and row[2] is not None]
    by_year: dict[tuple[str, int], list] = {}
    for row in rows:
        by_year.setdefault((row[1], row[2]), []).append(row)
    out = []
    for ident, agency, year, now in sorted(rows, key=lambda row: (row[1], row[2])):
        for previous_ident, _, _, before in by_year.get((agency, year - 1), []):
            for key, found in now.items():
                if not key.startswith("申请.上年结转."):
                    continue
                column = key.rsplit(".", 1)[1]
                previous = f"申请.结转下年度.{column}"
                if previous not in before:
                    continue
                check = CrossCheck(f"carry-over[{column}]", same_value(before[previous], None, found, None),
                                   [key, previous], before[previous], found).to_dict()
                del check["prose_span"], check["table_spans"]
                check["check"] = "year"
                out.append({**ident, "agency": agency, "year": year, **check,
                            **{f"previous_{k}": v for k, v in previous_ident.items()}, "previous_year": year - 1})
    return out
