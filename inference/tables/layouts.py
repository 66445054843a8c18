"""The standard tables' row and column labels, as data: what to look for and which key it gets.

Everything the parser knows about the 2019 (试行) and 2021 formats lives here
(../shared/spec/standard-tables.md §1 and §4): the printed row and column labels with their keys
and patterns are data, in ``layouts.toml`` beside this module (read once, at import); how they
combine into tables is code. Label patterns are regular expressions over
the *compact* text: NFKC-normalised ((（）→()), with whitespace and cell separators removed,
so "商业 企业", "规 章" and "本年新\\n\\n公开数量" match as printed. Each pattern is the
distinctive part of a label near its start, because a PDF often wraps the rest of a long
label onto lines after its numbers.

>>> [row.key for row in table3_rows(other_split=False)][-3:]
['申请.办理结果.其他处理', '申请.办理结果', '申请.结转下年度']
>>> len(table3_rows(other_split=True)), len(TABLE3_COLUMNS)
(25, 7)
>>> [c.key for c in TABLE4_COLUMNS][:6]
['复议诉讼.行政复议.维持', '复议诉讼.行政复议.纠正', '复议诉讼.行政复议.其他结果', '复议诉讼.行政复议.尚未审结', '复议诉讼.行政复议.总计', '复议诉讼.直接起诉.维持']
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

COUNT_UNIT = "件"
FEE_UNIT = "万元"


@dataclass(frozen=True)
class Row:
    """A data row of a standard table: its key path, printed label and pattern."""

    key: str          # key without the column segment, e.g. "申请.办理结果.不予公开.国家秘密"
    label: str        # the printed row label (with its group for sub-rows), the record's metric
    pattern: re.Pattern


@dataclass(frozen=True)
class Column:
    """A number column: its key segment (or full key in table 4), printed label and unit."""

    key: str
    label: str
    pattern: re.Pattern | None = None
    unit: str = COUNT_UNIT


_LABELS = tomllib.loads((Path(__file__).parent / "layouts.toml").read_text(encoding="utf-8"))


def _rows(entries: list[dict]) -> list[Row]:
    return [Row(e["key"], e["label"], re.compile(e["pattern"])) for e in entries]


# ---- table 3: 收到和处理政府信息公开申请情况 (same rows in both layouts but （六）其他处理)

_T3 = {part: _rows(entries) for part, entries in _LABELS["table3"].items()}

# Sub-rows of （六） mark a table printed as in 2021; their absence, the single 2019 row.
OTHER_SPLIT_PATTERN = re.compile(r"逾期不补|理由逾期|逾期未按|缴纳费用")

TABLE3_COLUMNS: tuple[Column, ...] = (
    Column("自然人", "自然人"),
    Column("商业企业", "商业企业"),
    Column("科研机构", "科研机构"),
    Column("社会公益组织", "社会公益组织"),
    Column("法律服务机构", "法律服务机构"),
    Column("其他组织", "其他"),     # renamed in keys: its label clashes with the row 3.其他
    Column("总计", "总计"),
)
APPLICANTS: tuple[str, ...] = tuple(c.key for c in TABLE3_COLUMNS[:6])

# The first data row and the header note; either marks a table 3.
TABLE3_START = re.compile(r"本年新收政府信息公开申请|本年新收")
TABLE3_HEADER = re.compile(r"勾稽关系|申请人情况")


def table3_rows(other_split: bool) -> list[Row]:
    """The 25 (2021) or 23 (2019-style （六）其他处理 as one row) data rows of table 3, in order."""
    return _T3["head"] + _T3["other_split" if other_split else "other_one"] + _T3["tail"]


# ---- table 4: 行政复议、行政诉讼 (one row of 15 numbers, identical in both layouts)

TABLE4_BLOCKS: tuple[tuple[str, str], ...] = (
    ("行政复议", "行政复议"), ("直接起诉", "行政诉讼 未经复议直接起诉"), ("复议后起诉", "行政诉讼 复议后起诉"))
TABLE4_RESULTS: tuple[tuple[str, str], ...] = (
    ("维持", "结果维持"), ("纠正", "结果纠正"), ("其他结果", "其他结果"), ("尚未审结", "尚未审结"), ("总计", "总计"))
TABLE4_COLUMNS: tuple[Column, ...] = tuple(
    Column(f"复议诉讼.{b}.{r}", f"{blabel} {rlabel}") for b, blabel in TABLE4_BLOCKS for r, rlabel in TABLE4_RESULTS)
# "行政复议" closely followed by "行政诉讼", then a word of the column header.
TABLE4_START = re.compile(r"行政复议.{0,60}?行政诉讼")
TABLE4_HEADER = re.compile(r"直接起诉|复议后起诉|结果维持|尚未审结|维持")
# The column header as a run of its characters, however a reader broke, shredded and ordered its
# words: the row's cells follow it, even where a reader printed other numbers between the heading
# and the header.
TABLE4_HEADER_RUN = re.compile(r"[行政复议诉讼未经直接起后结果维持纠正其他尚审总计]+")


# ---- table 2: 主动公开, four (2021) or five (2019) sub-tables under 第二十条第（X）项

CAPTION = re.compile(r"第二十条第\(?([一二三四五六七八九十]+)\)?项")


# Every column label of either layout; a sub-table's columns are the ones its header prints.
TABLE2_COLUMNS: tuple[Column, ...] = tuple(Column(c["key"], c["label"], re.compile(c["pattern"]), c.get("unit", COUNT_UNIT))
                                           for c in _LABELS["table2"]["columns"])
_C2 = {c.key: c for c in TABLE2_COLUMNS}

# Rows of each sub-table; a row the report does not print is simply not found.
TABLE2_ROWS: dict[str, list[Row]] = {numeral: _rows(entries) for numeral, entries in _LABELS["table2"]["rows"].items()}

# The columns a sub-table has when its header cannot be read, by layout.
TABLE2_DEFAULT_COLUMNS: dict[str, dict[str, tuple[Column, ...]]] = {
    "2021": {"一": (_C2["本年制发"], _C2["本年废止"], _C2["现行有效"]), "五": (_C2["处理决定"],),
             "六": (_C2["处理决定"],), "八": (_C2["收费金额"],)},
    "2019": {"一": (_C2["本年新制作"], _C2["本年新公开"], _C2["对外公开总数"]),
             "五": (_C2["上年项目数"], _C2["本年增减"], _C2["处理决定"]),
             "六": (_C2["上年项目数"], _C2["本年增减"], _C2["处理决定"]),
             "八": (_C2["上年项目数"], _C2["本年增减"]), "九": (_C2["采购项目数"], _C2["采购总金额"])},
}

# Layout from header text (never from the year): spec §1 "What changed from 2019 to 2021".
LAYOUT_2021 = re.compile(r"本年新?制发|本年废止|现行有效件数")
LAYOUT_2019 = re.compile(r"本年新制作|对外公开总数|第二十条第\(?九\)?项|上一?年项目数")

# Sub-table 2 columns where a single value column is printed: Cell.column is None there.
SINGLE_VALUE_CAPTIONS_2021 = frozenset({"五", "六", "八"})
