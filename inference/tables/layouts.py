"""The standard tables' row and column labels, as data: what to look for and which key it gets.

Everything the parser knows about the 2019 (试行) and 2021 formats lives here
(../shared/spec/standard-tables.md §1 and §4). Label patterns are regular expressions over
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
from dataclasses import dataclass

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


def _row(key: str, label: str, pattern: str) -> Row:
    return Row(key, label, re.compile(pattern))


# ---- table 3: 收到和处理政府信息公开申请情况 (same rows in both layouts but （六）其他处理)

_T3_HEAD = [
    _row("申请.本年新收", "一、本年新收政府信息公开申请数量", r"本年新收"),
    _row("申请.上年结转", "二、上年结转政府信息公开申请数量", r"上年结转"),
    _row("申请.办理结果.予以公开", "（一）予以公开", r"予以公开"),
    _row("申请.办理结果.部分公开", "（二）部分公开", r"部分公开"),
    _row("申请.办理结果.不予公开.国家秘密", "（三）不予公开 1.属于国家秘密", r"国家秘密"),
    _row("申请.办理结果.不予公开.法律法规禁止", "（三）不予公开 2.其他法律行政法规禁止公开", r"其他法律|法规禁止|禁止公开"),
    _row("申请.办理结果.不予公开.三安全一稳定", "（三）不予公开 3.危及“三安全一稳定”", r"危及|三安全|一稳定"),
    _row("申请.办理结果.不予公开.第三方权益", "（三）不予公开 4.保护第三方合法权益", r"保护第三|第三方"),
    _row("申请.办理结果.不予公开.内部事务", "（三）不予公开 5.属于三类内部事务信息", r"三类内部|内部事务"),
    _row("申请.办理结果.不予公开.过程性信息", "（三）不予公开 6.属于四类过程性信息", r"四类过程|过程性"),
    _row("申请.办理结果.不予公开.执法案卷", "（三）不予公开 7.属于行政执法案卷", r"行政执法|执法案卷"),
    _row("申请.办理结果.不予公开.行政查询", "（三）不予公开 8.属于行政查询事项", r"行政查询|查询事项"),
    _row("申请.办理结果.无法提供.不掌握", "（四）无法提供 1.本机关不掌握相关政府信息", r"本机关不|不掌握"),
    _row("申请.办理结果.无法提供.需另行制作", "（四）无法提供 2.没有现成信息需要另行制作", r"另行制作|没有现成"),
    _row("申请.办理结果.无法提供.补正后仍不明确", "（四）无法提供 3.补正后申请内容仍不明确", r"补正后|仍不明确"),
    _row("申请.办理结果.不予处理.信访举报投诉", "（五）不予处理 1.信访举报投诉类申请", r"信访|举报投诉"),
    _row("申请.办理结果.不予处理.重复申请", "（五）不予处理 2.重复申请", r"重复申请"),
    _row("申请.办理结果.不予处理.公开出版物", "（五）不予处理 3.要求提供公开出版物", r"要求提供|出版物"),
    _row("申请.办理结果.不予处理.大量反复申请", "（五）不予处理 4.无正当理由大量反复申请", r"理由大量|大量反复"),
    _row("申请.办理结果.不予处理.确认或重新出具", "（五）不予处理 5.要求行政机关确认或重新出具已获取信息",
         r"要求行政机关|机关确认|确认或重|重新出具"),
]
# The sub-row "3.其他" must not match the column header 其他, 其他结果 or 其他处理 itself.
_OTHER = r"(?<![((])其他(?!处理|结果|法律|组织|对外|情形)"
_T3_OTHER_SPLIT = [
    _row("申请.办理结果.其他处理.逾期不补正", "（六）其他处理 1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
         r"人无正当|理由逾期|逾期不补"),
    _row("申请.办理结果.其他处理.逾期未缴费", "（六）其他处理 2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
         r"人逾期|逾期未按|未按收费|缴纳费用"),
    _row("申请.办理结果.其他处理.其他", "（六）其他处理 3.其他", _OTHER),
]
_T3_OTHER_ONE = [_row("申请.办理结果.其他处理", "（六）其他处理", r"其他处理")]
_T3_TAIL = [
    _row("申请.办理结果", "（七）总计", r"总计|合计"),
    _row("申请.结转下年度", "四、结转下年度继续办理", r"结转下年"),
]
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
    return _T3_HEAD + (_T3_OTHER_SPLIT if other_split else _T3_OTHER_ONE) + _T3_TAIL


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


# ---- table 2: 主动公开, four (2021) or five (2019) sub-tables under 第二十条第（X）项

CAPTION = re.compile(r"第二十条第\(?([一二三四五六七八九十]+)\)?项")


def _col(key: str, label: str, pattern: str, unit: str = COUNT_UNIT) -> Column:
    return Column(key, label, re.compile(pattern), unit)


# Every column label of either layout; a sub-table's columns are the ones its header prints.
TABLE2_COLUMNS: tuple[Column, ...] = (
    _col("本年制发", "本年制发件数", r"本年新?制发(?:件数)?"),
    _col("本年废止", "本年废止件数", r"本年废止(?:件数)?"),
    _col("现行有效", "现行有效件数", r"现行有效(?:件数)?"),
    _col("本年新制作", "本年新制作数量", r"本年新制作(?:数量)?"),
    _col("本年新公开", "本年新公开数量", r"本年新公开(?:数量)?"),
    _col("对外公开总数", "对外公开总数量", r"对外公开总数(?:量)?"),
    _col("上年项目数", "上一年项目数量", r"上一?年项目数(?:量)?"),
    _col("本年增减", "本年增/减", r"本年增/?减"),
    _col("处理决定", "处理决定数量", r"(?:本年)?处理决定(?:数量|数)?"),
    _col("收费金额", "本年收费金额（单位：万元）", r"(?:本年)?收费金额(?:\(单位:?万元\))?", FEE_UNIT),
    _col("采购项目数", "采购项目数量", r"采购项目数(?:量)?"),
    _col("采购总金额", "采购总金额", r"采购总金额", ""),
)
_C2 = {c.key: c for c in TABLE2_COLUMNS}

# Rows of each sub-table; a row the report does not print is simply not found.
TABLE2_ROWS: dict[str, list[Row]] = {
    "一": [_row("主动公开.规章", "规章", r"规章"),
           _row("主动公开.行政规范性文件", "行政规范性文件", r"(?:行政)?规范性(?:文件)?")],
    "五": [_row("主动公开.行政许可", "行政许可", r"行政许可"),
           _row("主动公开.其他对外管理服务事项", "其他对外管理服务事项", r"其他对外|对外管理")],
    "六": [_row("主动公开.行政处罚", "行政处罚", r"行政处罚"),
           _row("主动公开.行政强制", "行政强制", r"行政强制")],
    "八": [_row("主动公开.行政事业性收费", "行政事业性收费", r"事业性")],
    "九": [_row("主动公开.政府集中采购", "政府集中采购", r"政府集中|集中采购")],
}

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
