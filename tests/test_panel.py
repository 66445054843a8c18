"""Tests for ``govreport panel``: one row per report, one column per key, the long file, the
conflicts, the checks, broken lines and refused outputs, and the panel of the sample page.

The JSONL is invented (labels from the spec, invented agencies and numbers); its prose
records carry a ``metric_key`` and sometimes a ``kind``, as the prose key mapping and
inference.kinds set them. The sample page goes through the extractor with the rule tagger.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

import govreport.cli
from govreport.inference.panel import build_panel, read_reports
from govreport.inference.panel_cli import CONFLICT_COLUMNS, LONG_COLUMNS, default_paths


def rec(key, value, origin="table", unit="件", at=0, **extra):
    return {"metric": key.split(".")[-2] if key else "浏览量", "metric_key": key, "value": value, "unit": unit,
            "origin": origin, "value_span": [at, at + len(str(value))], "section": "一、总体情况", **extra}


def doc(id_, agency, year, records, label=(), scores=()):
    return {"id": id_, "source": f"{id_}.txt", "title": f"{agency}{year}年政府信息公开工作年度报告", "agency": agency,
            "year": year, "label": list(label), "scores": list(scores), "checks": [],
            "reports": [{"title": f"{agency}{year}年政府信息公开工作年度报告", "agency": agency, "year": year,
                         "start": 0, "end": 500, "checks": [], "records": records}],
            "records": [rec("申请.本年新收.总计", 99, "prose", at=1)]}  # clutter before the title: no report's


DOC_2020 = doc("a", "甲市水利局", 2020, [
    rec("申请.本年新收.总计", 52, "prose", at=20, unit_span=[22, 23]),       # restates the cell: agrees
    rec("申请.本年新收.总计", 12.5, "prose", "%", at=30, kind="change", direction="up", basis="同比"),
    rec("申请.办理结果.总计", 50, "prose", at=40),                           # restates the cell: disagrees
    rec("申请.本年新收.自然人", 40, at=100), rec("申请.本年新收.总计", 52, at=110),
    rec("申请.办理结果.总计", 51, at=120), rec("申请.结转下年度.总计", 3, at=130),
    rec("其他事项.信息处理费.金额", 0, "prose", "元", at=60),
    rec(None, 12, "prose", "次", at=70),                                     # no key: not in the panel
], label=[[20, 22, "VALUE"], [22, 23, "UNIT"]], scores=[0.9, 0.7])
DOC_2021 = doc("b", "甲市水利局", 2021, [
    rec("申请.本年新收.总计", 60, at=100), rec("申请.上年结转.总计", 3, at=110),
    rec("申请渠道.网络", 30, "prose", at=10), rec("申请渠道.网络", 50, "prose", "%", at=15, kind="share")])


def write_jsonl(path: Path, items, extra_lines=()):
    lines = [json.dumps(item, ensure_ascii=False) for item in items] + list(extra_lines)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def read_csv(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"), newline="")))


@pytest.fixture
def panel_files(tmp_path):
    src = write_jsonl(tmp_path / "records.jsonl", [DOC_2020, DOC_2021])
    out = tmp_path / "out" / "panel.csv"
    return src, out


def test_one_row_per_report_one_column_per_key(panel_files, capsys):
    src, out = panel_files
    assert govreport.cli.main(["panel", str(src), "-o", str(out)]) == 0
    rows = read_csv(out)
    assert list(rows[0]) == ["id", "source", "report", "agency", "year", "title", "申请.本年新收.自然人",
                             "申请.本年新收.总计", "申请.上年结转.总计", "申请.办理结果.总计", "申请.结转下年度.总计",
                             "其他事项.信息处理费.金额", "申请渠道.网络"]
    first, second = rows
    assert (first["id"], first["source"], first["report"], first["agency"], first["year"]) == (
        "a", "a.txt", "0", "甲市水利局", "2020")
    # prose and table agree on 52; the change (12.5 %) is no level; the clutter's 99 is no report's
    assert first["申请.本年新收.总计"] == "52" and first["其他事项.信息处理费.金额"] == "0"
    assert first["申请.办理结果.总计"] == ""  # prose 50 against table 51: a conflict, left empty
    assert second["申请.本年新收.总计"] == "60" and second["申请渠道.网络"] == "30"  # the share 50 % stays out
    assert second["申请.结转下年度.总计"] == ""
    err = capsys.readouterr().err
    assert "2 reports, 7 keys" in err and "1 conflicts" in err and "1 of 3 checks failing" in err


def test_the_long_file_keeps_every_keyed_value_with_its_provenance(panel_files):
    src, out = panel_files
    govreport.cli.main(["panel", str(src), "-o", str(out)])
    rows = read_csv(default_paths(out)["long"])
    assert list(rows[0]) == list(LONG_COLUMNS)
    picked = [(r["id"], r["key"], r["value"], r["origin"], r["kind"], r["in_panel"], r["note"]) for r in rows]
    assert picked[:4] == [("a", "申请.本年新收.总计", "52", "prose", "", "true", ""),
                          ("a", "申请.本年新收.总计", "12.5", "prose", "change", "false", "kind change"),
                          ("a", "申请.办理结果.总计", "50", "prose", "", "false", "conflict"),
                          ("a", "申请.本年新收.自然人", "40", "table", "", "true", "")]
    assert len(rows) == 8 + 4  # every keyed record of both reports; the unkeyed and the clutter's are not
    change = rows[1]
    assert (change["unit"], change["direction"], change["basis"], change["value_start"], change["value_end"]) == (
        "%", "up", "同比", "30", "34")
    assert rows[0]["confidence"] == "0.7" and rows[3]["confidence"] == ""  # lowest of its spans; tables have none
    assert rows[0]["section"] == "一、总体情况" and rows[0]["title"] == "甲市水利局2020年政府信息公开工作年度报告"


def test_conflicts_are_listed_and_checks_written(panel_files):
    src, out = panel_files
    govreport.cli.main(["panel", str(src), "-o", str(out)])
    conflicts = read_csv(default_paths(out)["conflicts"])
    assert list(conflicts[0]) == list(CONFLICT_COLUMNS)
    assert [(r["id"], r["key"], r["value"], r["origin"], r["value_start"]) for r in conflicts] == [
        ("a", "申请.办理结果.总计", "50", "prose", "40"), ("a", "申请.办理结果.总计", "51", "table", "120")]
    checks = [json.loads(line) for line in default_paths(out)["checks"].read_text(encoding="utf-8").splitlines()]
    assert [(c["id"], c["identity"], c["ok"], c["expected"], c["found"]) for c in checks] == [
        ("a", "prose-table[申请.本年新收.总计]", True, 52, 52),
        ("a", "prose-table[申请.办理结果.总计]", False, 51, 50),
        ("b", "carry-over[总计]", True, 3, 3)]
    assert checks[2]["previous_id"] == "a" and checks[2]["agency"] == "甲市水利局" and checks[2]["year"] == 2021


def test_a_broken_line_is_named_and_skipped(tmp_path, capsys):
    src = write_jsonl(tmp_path / "records.jsonl", [DOC_2020], ['{"id": "x", "reports": [', '[1, 2]', '{"reports": 3}'])
    write_jsonl(tmp_path / "more.jsonl", [DOC_2021])
    out = tmp_path / "panel.csv"
    assert govreport.cli.main(["panel", str(src), str(tmp_path / "more.jsonl"), str(tmp_path / "missing.jsonl"),
                           "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert f"SKIPPED {src}:2: " in err and f"SKIPPED {src}:3: the line is not a JSON object" in err
    assert f"SKIPPED {src}:4: " in err and "missing.jsonl: cannot read it" in err
    assert "4 broken lines skipped" in err
    assert [r["id"] for r in read_csv(out)] == ["a", "b"]  # the good lines still make the panel


def test_refused_outputs_write_nothing(panel_files, capsys):
    src, out = panel_files
    assert govreport.cli.main(["panel", str(src), "-o", str(src)]) == 2
    assert "it is the input" in capsys.readouterr().err
    assert govreport.cli.main(["panel", str(src), "-o", str(out), "--long", str(out)]) == 2
    assert govreport.cli.main(["panel", str(src), "-o", str(out), "--checks", str(out.parent.parent)]) == 2
    assert not out.parent.exists() or not any(out.parent.iterdir())
    assert src.read_text(encoding="utf-8").startswith('{"id": "a"')


def test_named_companion_files_and_derived_totals(tmp_path):
    refusals = [rec(f"申请.办理结果.不予公开.{r}.总计", n, at=200 + i) for i, (r, n) in
                enumerate(zip(("国家秘密", "法律法规禁止", "三安全一稳定", "第三方权益", "内部事务", "过程性信息", "执法案卷",
                               "行政查询"), (1, 0, 0, 2, 0, 0, 0, 0)))]
    item = doc("c", "乙县", 2021, refusals + [rec("申请.办理结果.不予公开.总计", 4, "prose", at=5)])
    src = write_jsonl(tmp_path / "r.jsonl", [item])
    paths = {name: tmp_path / f"{name}.x" for name in ("long", "conflicts", "checks")}
    args = ["panel", str(src), "-o", str(tmp_path / "p.csv")] + [a for n, p in paths.items() for a in (f"--{n}", str(p))]
    assert govreport.cli.main(args) == 0 and all(p.exists() for p in paths.values())
    # without --derived the prose total fills its column; the check against the sum of the cells fails
    (row,) = read_csv(tmp_path / "p.csv")
    assert row["申请.办理结果.不予公开.总计"] == "4"
    (check,) = [json.loads(line) for line in paths["checks"].read_text(encoding="utf-8").splitlines()]
    assert (check["identity"], check["ok"], check["expected"]) == ("prose-derived[申请.办理结果.不予公开.总计]", False, 3)
    # with --derived the sum (3) joins the prose (4): a conflict
    assert govreport.cli.main(args + ["--derived"]) == 0
    (row,) = read_csv(tmp_path / "p.csv")
    assert row["申请.办理结果.不予公开.总计"] == ""
    assert {r["origin"] for r in read_csv(paths["conflicts"])} == {"prose", "derived"}


def test_a_document_with_no_title_is_one_report():
    (report,) = read_reports({"id": "x", "records": [rec("申请.本年新收.总计", 5, "prose")], "reports": []})
    assert (report.index, report.agency, report.year) == (None, None, None)
    panel = build_panel([report])
    assert panel.rows[0].cells == {"申请.本年新收.总计": 5}


def test_the_panel_of_the_sample_page(tmp_path):
    """The sample page through the extractor (rule tagger, the real table parser): the 吉林 2020
    tables' cells are columns of its row, and their identities hold."""
    from govreport.eval.rules import RuleTagger
    from govreport.inference.extract import Extractor

    page = Path(__file__).resolve().parent.parent / "data" / "samples" / "reports_page.txt"
    (result,) = Extractor(RuleTagger()).extract_documents([page.read_text(encoding="utf-8")], ids=["page"])
    src = write_jsonl(tmp_path / "page.jsonl", [result.to_dict()])
    out = tmp_path / "panel.csv"
    assert govreport.cli.main(["panel", str(src), "-o", str(out)]) == 0
    rows = read_csv(out)
    assert [(r["agency"], r["year"]) for r in rows] == [
        ("山西省商务厅", "2018"), ("广州市番禺区建设局", "2008"), ("吉林省商务厅", "2020"), ("广东省人民政府", "2018"),
        ("珠海市", "2018")]
    jilin = rows[2]
    cells = {r.extra["metric_key"]: r.value for r in result.reports[2].records if r.extra["origin"] == "table"}
    # the table keys come first, in the spec's order; prose keys (inference.keys) after them
    keys = [k for k in rows[0] if "." in k][:len(cells)]
    assert len(cells) == 198 and keys[0].startswith("主动公开.") and keys[-1].startswith("复议诉讼.")
    assert all(jilin[k] != "" for k in keys)
    assert {k: float(jilin[k]) for k in keys} == cells
    t3_1 = float(jilin["申请.本年新收.总计"]) + float(jilin["申请.上年结转.总计"])
    assert t3_1 == float(jilin["申请.办理结果.总计"]) + float(jilin["申请.结转下年度.总计"])
    # the other reports print no table: what they fill comes from their prose
    others = [rep for i, rep in enumerate(result.reports) if i != 2]
    assert all(rec.extra["origin"] == "prose" for rep in others for rec in rep.records)
    prose_keys = {rec.extra.get("metric_key") for rep in others for rec in rep.records}
    assert all(r[k] == "" or k in prose_keys for r in rows if r is not jilin for k in keys)
