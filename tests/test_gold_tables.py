"""Integrity tests for the hand-keyed table check set in data/gold/tables (issue 17).

They guard the gold file against edits that break it: a missing raw file, a key outside the
spec's §4 grammar, a stale n_cells, or identities_ok that no longer matches the cells.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1] / "data" / "gold" / "tables"
RECORDS = [json.loads(line) for line in (ROOT / "gold.jsonl").read_text(encoding="utf-8").splitlines() if line]
FIELDS = ["file", "source", "agency", "year", "layout", "shape", "n_cells", "identities_ok", "t3_3_ok",
          "notes", "units", "cells"]

APPLICANTS = ["自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他组织"]
COLUMNS = APPLICANTS + ["总计"]
OUTCOMES = {  # spec §4: printed outcome rows of table 3 (the 2019 layout prints 其他处理 as one row)
    "2019": ["予以公开", "部分公开"] + [f"不予公开.{x}" for x in
             ["国家秘密", "法律法规禁止", "三安全一稳定", "第三方权益", "内部事务", "过程性信息", "执法案卷", "行政查询"]]
            + [f"无法提供.{x}" for x in ["不掌握", "需另行制作", "补正后仍不明确"]]
            + [f"不予处理.{x}" for x in ["信访举报投诉", "重复申请", "公开出版物", "大量反复申请", "确认或重新出具"]]
            + ["其他处理"],
}
OUTCOMES["2021"] = OUTCOMES["2019"][:-1] + [f"其他处理.{x}" for x in ["逾期不补正", "逾期未缴费", "其他"]]
BLOCKS = ["行政复议", "直接起诉", "复议后起诉"]
RESULTS = ["维持", "纠正", "其他结果", "尚未审结"]
TABLE2 = re.compile(
    r"主动公开\.((规章|行政规范性文件)\.(本年制发|本年废止|现行有效|本年新制作|本年新公开|对外公开总数)"
    r"|(行政许可|其他对外管理服务事项|行政处罚|行政强制)\.(处理决定|上年项目数|本年增减)"
    r"|行政事业性收费\.(收费金额|上年项目数|本年增减)|政府集中采购\.(采购项目数|采购总金额))")


def allowed_keys(layout: str) -> set[str]:
    """Every printed-cell key of tables 3 and 4 that the layout allows (spec §4)."""
    rows = ["本年新收", "上年结转", "办理结果", "结转下年度"] + [f"办理结果.{o}" for o in OUTCOMES[layout]]
    keys = {f"申请.{r}.{c}" for r in rows for c in COLUMNS}
    return keys | {f"复议诉讼.{b}.{r}" for b in BLOCKS for r in RESULTS + ["总计"]}


def failing_identities(cells: dict, layout: str) -> list[str]:
    """T3-1, T3-2, T3-3, T4-1 as the card states them: blank addends read as 0, and an instance is
    checked only when its total side and at least one addend are printed."""
    failures = []

    def test(name, total, parts):
        if any(t is not None for t in total) and any(p is not None for p in parts):
            if sum(t or 0 for t in total) != sum(p or 0 for p in parts):
                failures.append(name)

    for c in COLUMNS:
        test(f"T3-1 {c}", [cells.get(f"申请.办理结果.{c}"), cells.get(f"申请.结转下年度.{c}")],
             [cells.get(f"申请.本年新收.{c}"), cells.get(f"申请.上年结转.{c}")])
        test(f"T3-3 {c}", [cells.get(f"申请.办理结果.{c}")],
             [cells.get(f"申请.办理结果.{o}.{c}") for o in OUTCOMES[layout]])
    for row in ["本年新收", "上年结转", "办理结果", "结转下年度"] + [f"办理结果.{o}" for o in OUTCOMES[layout]]:
        test(f"T3-2 {row}", [cells.get(f"申请.{row}.总计")], [cells.get(f"申请.{row}.{a}") for a in APPLICANTS])
    for b in BLOCKS:
        test(f"T4-1 {b}", [cells.get(f"复议诉讼.{b}.总计")], [cells.get(f"复议诉讼.{b}.{r}") for r in RESULTS])
    return failures


@pytest.mark.parametrize("rec", RECORDS, ids=[r["file"] for r in RECORDS])
def test_record_is_complete_and_its_raw_file_has_the_two_header_lines(rec):
    assert all(f in rec for f in FIELDS)
    head = (ROOT / "raw" / rec["file"]).read_text(encoding="utf-8").split("\n", 2)
    assert head[0].startswith("# source: ") and head[1].startswith("# title: ")
    assert rec["n_cells"] == len(rec["cells"])


@pytest.mark.parametrize("rec", RECORDS, ids=[r["file"] for r in RECORDS])
def test_every_key_follows_the_spec_grammar(rec):
    table34 = allowed_keys(rec["layout"])
    bad = [k for k in rec["cells"] if k not in table34 and not TABLE2.fullmatch(k)]
    assert bad == []
    assert all(isinstance(v, (int, float)) for v in rec["cells"].values())


@pytest.mark.parametrize("rec", RECORDS, ids=[r["file"] for r in RECORDS])
def test_identities_ok_matches_the_cells(rec):
    failures = failing_identities(rec["cells"], rec["layout"])
    assert rec["identities_ok"] == (not failures)
    assert ("identity_failures" in rec) == bool(failures)
    assert rec["t3_3_ok"] == (not any(f.startswith("T3-3") for f in failures))


def test_renderings_of_one_report_share_its_cells():
    by_report: dict[tuple, list[dict]] = {}
    for rec in RECORDS:
        by_report.setdefault((rec["agency"], rec["year"]), []).append(rec["cells"])
    assert all(all(c == cells[0] for c in cells) for cells in by_report.values())


def test_the_oracle_catches_a_wrong_sum():
    cells = dict(RECORDS[0]["cells"])
    key = next(k for k in cells if k.startswith("申请.本年新收."))
    cells[key] += 1
    assert failing_identities(cells, RECORDS[0]["layout"])
