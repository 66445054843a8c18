"""Invented standard tables (numbers made up, labels from the spec) written out in every
flattened shape of spec §3, with the keyed cells each must give. Used by tests/test_tables.py.

The numbers satisfy T3-1, T3-2, T3-3 and T4-1, so a misplaced cell shows as a failing check.
"""

from __future__ import annotations

# ---- the invented values (2021 layout)

T2_2021 = [  # caption numeral, header labels, rows (label, key row, values)
    ("一", ["本年制发件数", "本年废止件数", "现行有效件数"],
     [("规章", "规章", [2, 1, 15]), ("行政规范性文件", "行政规范性文件", [7, 3, 40])]),
    ("五", ["本年处理决定数量"], [("行政许可", "行政许可", [1234])]),
    ("六", ["本年处理决定数量"], [("行政处罚", "行政处罚", [567]), ("行政强制", "行政强制", [12])]),
    ("八", ["本年收费金额（单位：万元）"], [("行政事业性收费", "行政事业性收费", [88.5])]),
]
T2_COLUMN_KEYS = {"本年制发件数": "本年制发", "本年废止件数": "本年废止", "现行有效件数": "现行有效",
                  "本年处理决定数量": "处理决定", "本年收费金额（单位：万元）": "收费金额"}

APPLICANT_KEYS = ["自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他组织"]

# (group label printed on the first sub-row, row label, key path, six applicant values)
_T3 = [
    (None, "一、本年新收政府信息公开申请数量", "本年新收", [20, 3, 1, 0, 2, 1]),
    (None, "二、上年结转政府信息公开申请数量", "上年结转", [2, 1, 0, 0, 0, 0]),
    ("三、本年度办理结果", "（一）予以公开", "办理结果.予以公开", [8, 2, 1, 0, 1, 0]),
    (None, "（二）部分公开（区分处理的，只计这一情形，不计其他情形）", "办理结果.部分公开", [3, 1, 0, 0, 0, 0]),
    ("（三）不予公开", "1.属于国家秘密", "办理结果.不予公开.国家秘密", [1, 0, 0, 0, 0, 0]),
    (None, "2.其他法律行政法规禁止公开", "办理结果.不予公开.法律法规禁止", [0, 0, 0, 0, 0, 0]),
    (None, "3.危及“三安全一稳定”", "办理结果.不予公开.三安全一稳定", [0, 0, 0, 0, 0, 0]),
    (None, "4.保护第三方合法权益", "办理结果.不予公开.第三方权益", [2, 0, 0, 0, 0, 0]),
    (None, "5.属于三类内部事务信息", "办理结果.不予公开.内部事务", [0, 0, 0, 0, 0, 0]),
    (None, "6.属于四类过程性信息", "办理结果.不予公开.过程性信息", [1, 0, 0, 0, 0, 0]),
    (None, "7.属于行政执法案卷", "办理结果.不予公开.执法案卷", [0, 0, 0, 0, 0, 0]),
    (None, "8.属于行政查询事项", "办理结果.不予公开.行政查询", [1, 0, 0, 0, 0, 0]),
    ("（四）无法提供", "1.本机关不掌握相关政府信息", "办理结果.无法提供.不掌握", [2, 1, 0, 0, 1, 0]),
    (None, "2.没有现成信息需要另行制作", "办理结果.无法提供.需另行制作", [0, 0, 0, 0, 0, 0]),
    (None, "3.补正后申请内容仍不明确", "办理结果.无法提供.补正后仍不明确", [0, 0, 0, 0, 0, 0]),
    ("（五）不予处理", "1.信访举报投诉类申请", "办理结果.不予处理.信访举报投诉", [1, 0, 0, 0, 0, 0]),
    (None, "2.重复申请", "办理结果.不予处理.重复申请", [0, 0, 0, 0, 0, 0]),
    (None, "3.要求提供公开出版物", "办理结果.不予处理.公开出版物", [0, 0, 0, 0, 0, 0]),
    (None, "4.无正当理由大量反复申请", "办理结果.不予处理.大量反复申请", [0, 0, 0, 0, 0, 0]),
    (None, "5.要求行政机关确认或重新出具已获取信息", "办理结果.不予处理.确认或重新出具", [0, 0, 0, 0, 0, 0]),
    ("（六）其他处理", "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
     "办理结果.其他处理.逾期不补正", [1, 0, 0, 0, 0, 1]),
    (None, "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
     "办理结果.其他处理.逾期未缴费", [0, 0, 0, 0, 0, 0]),
    (None, "3.其他", "办理结果.其他处理.其他", [1, 0, 0, 0, 0, 0]),
    (None, "（七）总计", "办理结果", None),             # filled in below: the sum of the outcomes
    (None, "四、结转下年度继续办理", "结转下年度", [1, 0, 0, 0, 0, 0]),
]
_outcomes = [v for _, _, key, v in _T3 if key.startswith("办理结果.")]
_total = [sum(col) for col in zip(*_outcomes)]
T3_2021 = [(g, label, key, (v if v is not None else _total) + [sum(v if v is not None else _total)])
           for g, label, key, v in _T3]
assert [a + b for a, b in zip(T3_2021[0][3], T3_2021[1][3])] == [
    a + b for a, b in zip(T3_2021[-2][3], T3_2021[-1][3])], "invented table 3 breaks T3-1"

T4 = [1, 0, 2, 0, 3, 0, 1, 0, 1, 2, 1, 0, 0, 0, 1]
T4_KEYS = [f"复议诉讼.{b}.{r}" for b in ("行政复议", "直接起诉", "复议后起诉")
           for r in ("维持", "纠正", "其他结果", "尚未审结", "总计")]
T3_HEADER_NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
T3_COLUMNS = ["自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]


def expected_2021() -> dict[str, float]:
    """Every keyed cell of the invented 2021 tables."""
    out: dict[str, float] = {}
    for _, header, rows in T2_2021:
        for _, key, values in rows:
            for h, v in zip(header, values):
                out[f"主动公开.{key}.{T2_COLUMN_KEYS[h]}"] = v
    out.update(table3_cells(T3_2021))
    out.update(zip(T4_KEYS, T4))
    return out


def table3(applicants: dict[str, list[int]]) -> list:
    """The rows of T3_2021 with other counts: six per row key (0 where none is given), and their 总计."""
    rows = []
    for g, label, key, _ in T3_2021:
        row = applicants.get(key, [0] * 6)
        rows.append((g, label, key, row + [sum(row)]))
    return rows


def table3_cells(table: list) -> dict[str, int]:
    """Every cell of a table 3 given as T3_2021's rows, by key."""
    return {f"申请.{key}.{col}": v for _, _, key, row in table for col, v in zip(APPLICANT_KEYS + ["总计"], row)}


def zero_cells(table: list) -> frozenset:
    """(row key, column index) of every 0 of a table 3 given as T3_2021's rows."""
    return frozenset((key, j) for _, _, key, row in table for j, v in enumerate(row) if v == 0)


def _fmt(v) -> str:
    return str(v)


# ---- the shapes

def pipe_rows() -> str:
    """(a) one table row per line between pipes; group labels on their first sub-row only."""
    lines = ["二、主动公开政府信息情况"]
    for numeral, header, rows in T2_2021:
        lines += [f"第二十条第（{numeral}）项 |||", "信息内容 | " + " | ".join(header) + " |"]
        lines += [f"{label} | " + " | ".join(map(_fmt, v)) + " |" for label, _, v in rows]
    lines += ["三、收到和处理政府信息公开申请情况", f"{T3_HEADER_NOTE} | 申请人情况 |",
              "自然人 | 法人或其他组织 | 总计 |", "商业 企业 | 科研 机构 | 社会公益组织 | 法律服务机构 | 其他 |"]
    for group, label, _, values in T3_2021:
        lead = f"{group} | " if group else ""
        lines.append(f"{lead}{label} | " + " | ".join(map(_fmt, values)) + " |")
    lines += ["四、政府信息公开行政复议、行政诉讼情况", "行政复议 | 行政诉讼 |", "未经复议直接起诉 | 复议后起诉 |",
              " | ".join(["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"] * 3) + " |",
              " | ".join(map(_fmt, T4)) + " |", "五、存在的主要问题及改进情况", "今年继续改进。"]
    return "\n".join(lines)


def _cells_of_all() -> list[str]:
    cells = ["二、主动公开政府信息情况"]
    for numeral, header, rows in T2_2021:
        cells += [f"第二十条第（{numeral}）项", "信息内容", *header]
        for label, _, v in rows:
            cells += [label, *map(_fmt, v)]
    cells += ["三、收到和处理政府信息公开申请情况", T3_HEADER_NOTE, "申请人情况", "自然人", "法人或其他组织", "总计",
              "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"]
    for group, label, _, values in T3_2021:
        cells += ([group] if group else []) + [label, *map(_fmt, values)]
    cells += ["四、政府信息公开行政复议、行政诉讼情况", "行政复议", "行政诉讼", "未经复议直接起诉", "复议后起诉"]
    cells += ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"] * 3 + list(map(_fmt, T4))
    cells += ["五、存在的主要问题及改进情况"]
    return cells


def cell_per_line_pipes() -> str:
    """(b) one cell per line ending " |"; the " |" slips onto the next line after some labels."""
    out = []
    for cell in _cells_of_all():
        out.append(f"{cell}\n|" if cell in ("行政规范性文件", "（七）总计") else f"{cell} |")
        if cell.startswith("第二十条"):
            out.append("|||")
    return "\n".join(out)


def cell_per_line_blank() -> str:
    """(c) cells between blank lines, long header cells broken across lines."""
    broken = {"本年制发件数": "本年制发\n\n件数", "现行有效件数": "现行\n\n有效件数", "社会公益组织": "社会公益\n\n组织",
              "本年处理决定数量": "本年处理\n\n决定数量"}
    return "\n\n".join(broken.get(c, c) for c in _cells_of_all())


def pdf_text(blank_zeros: bool = False, table: list = T3_2021) -> str:
    """(d) PDF text: rows of space-separated numbers, a label glued to its number, shredded
    vertical group labels, a wrapped label with its numbers on their own line, page numbers.
    ``blank_zeros``: every 0 printed as a blank cell, which this text drops without a trace;
    ``table`` the rows of T3_2021 with other values."""
    def _join(values) -> str:
        return " ".join(_fmt(v) for v in values if not (blank_zeros and v == 0))
    lines = ["二、主动公开政府信息情况"]
    for numeral, header, rows in T2_2021:
        lines += [f"第二十条 第（{numeral}）项", "信息内容 " + " ".join(header)]
        lines += [f"{label}{_join(v)}" if len(v) == 1 else f"{label} {_join(v)}"
                  for label, _, v in rows]
    lines += ["三、收到和处理政府信息公开申请情况", "申请人情况", T3_HEADER_NOTE[:20], T3_HEADER_NOTE[20:],
              "法人或其他组织", "自然人 总计商 业 企", "业", "科研机", "构", "社会公益", "组织", "法 律 服 务", "机构", "其他"]
    for group, label, key, values in table:
        nums = _join(values)
        if group == "三、本年度办理结果":
            lines += ["三、", *"本年度办理结果"]
        elif group:
            lines += [group[:4], group[4:]]
        if key.startswith("办理结果.其他处理.逾期"):
            lines += [label[:14], label[14:28], label[28:], nums]
        else:
            lines.append(f"{label} {nums}")
        if key == "办理结果.不予公开.行政查询":
            lines.append("- 5 -")
    lines += ["四、政府信息公开行政复议、行政诉讼情况", "行政复议 行政诉讼", "未经复议直接起诉 复议后起诉",
              "结 结 其 尚", "结 结 其 尚 结 结 其 尚", "果 果 他 未", "总计 果 果 他 未 总 果 果 他 未 总",
              _join(T4), "五、存在的主要问题及改进情况"]
    return "\n".join(lines)


def markdown() -> str:
    """(e) Markdown from a PDF converter: separator rows, a row split from its label, two rows
    merged into one, a stray header row and a page number inside the table."""
    text = pipe_rows()
    lines = []
    for line in text.split("\n"):
        if line.startswith("一、本年新收"):
            label, rest = line.split(" | ", 1)
            lines += [f"| {label} | | | | | | | |", f"| | {rest}"]
            continue
        if line.startswith("（三）不予公开 | 1.属于国家秘密"):
            merged_with = next(ln for ln in text.split("\n") if ln.startswith("2.其他法律"))
            a = line.split(" | ")[2:]
            b = merged_with.split(" | ")[1:]
            cells = [f"{x.strip(' |')}<br>{y.strip(' |')}" for x, y in zip(a, b)]
            lines.append("| （三）不予公开 | 1.属于国家秘密<br>2.其他法律行政法规禁止公开 | " + " | ".join(cells) + " |")
            continue
        if line.startswith("2.其他法律"):
            continue
        if line.startswith("（五）不予处理"):
            lines += ["- 4 -", "| 自然人 | 商业企业 | 科研机构 | 社会公益组织 | 法律服务机构 | 其他 | 总计 |",
                      "|---|---|---|---|---|---|---|"]
        lines.append(line if line.startswith("|") else "| " + line)
    return "\n".join(lines).replace("<br>", " ")


def box_drawing() -> str:
    """(f) a text dump with box-drawing bars and rules."""
    out = []
    for line in pipe_rows().split("\n"):
        out.append("│ " + line.replace(" | ", " │ ").rstrip(" |") + " │" if "|" in line else line)
        if "|" in line:
            out.append("├────┼────┼────┤")
    return "\n".join(out)


def tab_separated() -> str:
    """(g) a browser copy: cells separated by tabs."""
    return "\n".join(line.replace(" | ", "\t").rstrip(" |") for line in pipe_rows().split("\n"))


def html_table() -> str:
    """(h) HTML with rowspan group labels and colspan labels, as published pages print it."""
    rows = [f'<tr><td colspan="8">{T3_HEADER_NOTE}</td></tr>',
            "<tr>" + "".join(f"<td>{c}</td>" for c in ["", *T3_COLUMNS]) + "</tr>"]
    spans = {"三、本年度办理结果": 22, "（三）不予公开": 8, "（四）无法提供": 3, "（五）不予处理": 5, "（六）其他处理": 3}
    for group, label, key, values in T3_2021:
        cells = "".join(f"<td>{v}</td>" for v in values)
        lead = ""
        if group == "三、本年度办理结果":
            lead = f'<td rowspan="{spans[group]}">{group}</td>'
        elif group:
            lead = f'<td rowspan="{spans[group]}">{group}</td>'
        if key.count(".") < 2 or key == "办理结果":
            lbl = f'<td colspan="{3 if group is None and not key.startswith("办理结果") else 2}">{label}</td>'
        else:
            lbl = f"<td>{label}</td>"
        rows.append(f"<tr>{lead}{lbl}{cells}</tr>")
    t4 = ("<table><tr><td colspan='5'>行政复议</td><td colspan='10'>行政诉讼</td></tr>"
          "<tr><td rowspan='2'>结果维持</td><td colspan='5'>未经复议直接起诉</td><td colspan='5'>复议后起诉</td></tr>"
          "<tr>" + "".join(f"<td>{c}</td>" for c in ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"] * 2) + "</tr>"
          "<tr>" + "".join(f"<td>{v}</td>" for v in T4) + "</tr></table>")
    return ("<html><body><p>三、收到和处理政府信息公开申请情况</p><table>" + "".join(rows) + "</table>"
            "<p>四、政府信息公开行政复议、行政诉讼情况</p>" + t4 + "</body></html>")


def pdf_layout(blank: frozenset = frozenset(), table: list = T3_2021) -> str:
    """PDF text in layout mode: table 3 with space-aligned columns, every column shifted after a
    page break; ``blank`` holds (row key, column index) cells printed empty; ``table`` the rows
    of T3_2021 with other values."""
    lines = ["三、收到和处理政府信息公开申请情况", " " * 40 + "申请人情况", T3_HEADER_NOTE]
    for i, (group, label, key, values) in enumerate(table):
        width = 44 if i < 12 else 36          # the page break moves the columns
        if i == 12:
            lines.append(" " * 60 + "- 4 -")
        cells = "".join(" " * 6 if (key, j) in blank else f"{v:>6}" for j, v in enumerate(values))
        lines.append(f"{label[:12]:\u3000<{width // 2}}{cells}")
        if len(label) > 12:
            lines.append("    " + label[12:])
    lines.append("四、政府信息公开行政复议、行政诉讼情况")
    return "\n".join(lines)


def pdf_layout_glued() -> str:
    """Layout-mode PDF text that lost the space between two numbers: table 3's first row prints
    its 其他组织 and 总计 as one number (1 and 27 → 127), table 4 its 行政复议 总计 and the
    first 直接起诉 cell (3 and 0 → 30)."""
    first = T3_2021[0][3]
    assert first[-2:] == [1, 27] and T4[4:6] == [3, 0]
    table3 = pdf_layout().replace(f"{1:>6}{27:>6}", f"{'127':>12}", 1)
    row4 = " ".join(map(str, T4[:4])) + " 30 " + " ".join(map(str, T4[6:]))
    return (table3 + "\n行政复议 行政诉讼\n未经复议直接起诉 复议后起诉\n结果维持 结果纠正 其他结果 尚未审结 总计\n"
            + row4 + "\n五、存在的主要问题及改进情况")


def pdf_layout_blocks(first: str = "办理结果.不予公开.第三方权益", table: list = T3_2021,
                      blank: frozenset = frozenset()) -> str:
    """Layout-mode PDF text where a group label beside two rows made the reader print their
    labels first, then their numbers in column blocks (pdftotext -layout): the first four
    columns of both rows, then the fifth of both, then the last two of both. ``table`` and
    ``blank`` as for :func:`pdf_layout`."""
    text = pdf_layout(blank, table)
    lines = text.split("\n")
    keys = [r[2] for r in table]
    i = next(k for k, line in enumerate(lines) if line.startswith(table[keys.index(first)][1][:12]))
    a, b = (table[keys.index(first) + d][3] for d in (0, 1))
    ka, kb = first, keys[keys.index(first) + 1]

    def cells(key, values, columns):
        return "".join(" " * 6 if (key, j) in blank else f"{values[j]:>6}" for j in columns)

    pad = len(lines[i]) - 6 * 7      # where the first column starts (labels are padded to one width)
    blocks = [" " * pad + cells(ka, a, range(4)), " " * pad + cells(kb, b, range(4)),
              " " * (pad + 24) + cells(ka, a, [4]), " " * (pad + 24) + cells(kb, b, [4]),
              " " * (pad + 30) + cells(ka, a, [5, 6]), " " * (pad + 30) + cells(kb, b, [5, 6])]
    labels = [lines[i][:pad].rstrip(), lines[i + 1][:pad].rstrip()]
    return "\n".join(lines[:i] + labels + [line.rstrip() for line in blocks] + lines[i + 2:])


def pdftotext_blocks(table: list = T3_2021, split: int = 13, inline: int = 2, before_heading: bool = False,
                     swap: bool = False, above: int = 0) -> str:
    """PDF text as poppler's ``pdftotext`` prints it in its default mode: table 3's rows from
    ``split`` on print only their first ``inline`` numbers after their labels, and the rest of
    the grid follows the table as blocks, blank lines between them: the first half of those rows
    one block per column (the last two columns together), then each other row a line of its
    own. The blocks stand after table 4's heading and before its column header, or before the
    heading (``before_heading``); ``swap`` prints the first two blocks in the wrong order. The
    label of 4.保护第三方合法权益 stands below its numbers (a tall cell read bottom first), and so
    do the first ``above`` short rows' labels (a label beside a group label sits lower)."""
    lines = ["三、收到和处理政府信息公开申请情况", "申请人情况", T3_HEADER_NOTE, *T3_COLUMNS]
    for i, (_, label, key, values) in enumerate(table):
        shown = values if i < split else values[:inline]
        numbers = " ".join(map(str, shown))
        below = key == "办理结果.不予公开.第三方权益" or split <= i < split + above
        lines += [numbers, label] if below else [label, numbers] if shown else [label]
    rest = [values[inline:] for _, _, _, values in table[split:]]
    half = len(rest) // 2
    blocks = [[[row[c]] for row in rest[:half]] for c in range(len(rest[0]) - 2)]
    blocks.append([row[-2:] for row in rest[:half]])
    blocks += [[row] for row in rest[half:]]
    if swap:
        blocks[0], blocks[1] = blocks[1], blocks[0]
    printed = "\n\n".join("\n".join(" ".join(map(str, line)) for line in block) for block in blocks)
    heading = "四、政府信息公开行政复议、行政诉讼情况"
    lines += ["", printed, "", heading] if before_heading else [heading, "", printed, ""]
    lines += ["行政复议", "行政诉讼", "未经复议直接起诉", "复议后起诉", "结 结 其 尚 总", "果 果 他 未 计",
              "维 纠 结 审", "持 正 果 结", " ".join(map(str, T4)), "五、存在的主要问题及改进情况"]
    return "\n".join(lines)


def pdftotext_word_processor(table: list = T3_2021) -> str:
    """PDF text as ``pdftotext`` (default mode) reads a word processor's PDF: each number on a
    line of its own, blank lines between. The labels beside a group label come after the rows
    below them (4.保护第三方合法权益 and 5.属于三类内部事务信息 after 4.无正当理由大量反复申请), the
    first cells of 予以公开 and 部分公开 stand before the rest of their rows, those of the three
    （四）无法提供 rows after the 信访 row, and 五、 (the next section's heading) stands inside table 4
    between its first block and the other two."""
    keys = [key for _, _, key, _ in table]
    moved = {"办理结果.不予公开.第三方权益", "办理结果.不予公开.内部事务"}
    early = ["办理结果.予以公开", "办理结果.部分公开"]
    late = [key for key in keys if key.startswith("办理结果.无法提供.")]
    lines = ["三、收到和处理政府信息公开申请情况", "申请人情况", T3_HEADER_NOTE, *T3_COLUMNS]
    values = {key: v for _, _, key, v in table}
    labels = {key: label for _, label, key, _ in table}
    for key in keys:
        if key not in moved:
            lines.append(labels[key])
        if key == early[0]:
            lines += [str(values[k][0]) for k in early]
        cells = values[key][1:] if key in early + late else values[key]
        lines += [str(v) for v in cells]
        if key == "办理结果.不予处理.信访举报投诉":
            lines += [str(values[k][0]) for k in late]
        if key == "办理结果.不予处理.大量反复申请":
            lines += ["三、本年度", "办理结果", "（三）不", *(labels[k] for k in keys if k in moved), "予公开"]
    lines += ["四、政府信息公开行政复议、行政诉讼情况", "行政复议", "结果维", "持", "结果", "纠正", "其他", "结果",
              *map(str, T4[:3]), "尚未", "总计", "审结", *map(str, T4[3:5]), "五、存在的主要问题及改进情况",
              "行政诉讼", "未经复议直接起诉", "结果 维持", "结果 纠正", "其他 结果", *map(str, T4[5:8]), "尚未 总计",
              "审结", *map(str, T4[8:10]), "复议后起诉", "结果 维持", "结果 纠正", "其他 结果", *map(str, T4[10:13]),
              "尚未 总计", "审结", *map(str, T4[13:])]
    return "\n\n".join(lines)
