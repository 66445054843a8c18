"""Tests for what a number is (inference.kinds), its place in records and output, and its scorer.

The phrasings are invented in the style of the reports (numbers made up). Each case is a
marked sentence ({text|M/V/U}, as in conftest.py) and the kind/direction/basis of each of
its records in order, written ``kind/direction/basis`` with empty parts for null.
"""

from __future__ import annotations

import csv
import io
import json

import pytest

from govreport.data.schema import Span
from govreport.eval import kinds as kinds_cli
from govreport.eval.kinds import read_kind_gold, score_kinds
from govreport.inference.extract import DocEnd, Extractor
from govreport.inference.kinds import FIELDS, Kind, classify
from govreport.inference.records import build_records
from govreport.inference.writers import CSV_COLUMNS, CsvWriter, JsonlWriter
from tests.conftest import parse_marked

CASES = {
    "level": [
        ("共受理{申请|M}{52|V}{件|U}", ["level"]),
        ("新增{注册企业|M}{3000|V}{户|U}", ["level"]),
        ("{申请数量|M}增至{80|V}{件|U}", ["level"]),
        ("{政务微博粉丝|M}增加到{5.6万|V}{人|U}", ["level"]),
        ("累计{发布信息|M}{1.2万|V}{条|U}", ["level"]),
        ("{信息|M}从{120|V}{条|U}减少为{95|V}{条|U}", ["level", "level"]),
        ("{办理时限|M}为{15|V}{个工作日|U}", ["level"]),
        ("公布第{3|V}{批|U}{试点名单|M}", ["level"]),
        ("{第二产业增加值|M}{40.2亿|V}{元|U}", ["level"]),
        ("{受理申请|M}多达{3000|V}{件|U}", ["level"]),
        ("{申请量|M}增长为{60|V}{件|U}", ["level"]),
    ],
    "change": [
        ("{申请量|M}同比增长{12.5|V}{%|U}", ["change/up/同比"]),
        ("较上年减少{3|V}{件|U}", ["change/down/同比"]),
        ("{办结率|M}提高{2.1|V}{个百分点|U}", ["change/up/"]),
        ("{城乡居民收入|M}同比分别增长{3.3|V}{%|U}、{7.4|V}{%|U}", ["change/up/同比", "change/up/同比"]),
        ("{出口额|M}分别比上年增长{6|V}、{9|V}和{11|V}{%|U}", ["change/up/同比"] * 3),
        ("{三次产业结构|M}为{6.0|V}∶{55.0|V}∶{39.0|V}", ["ratio", "ratio", "ratio"]),  # the ratio sign U+2236
        ("{出口额|M}较2015年增长{12|V}{%|U}", ["change/up/比2015年"]),
        ("{财政收入|M}比2015年增长{1.2|V}{倍|U}", ["change/up/比2015年"]),
        ("{咨询量|M}环比下降{8.6|V}{%|U}", ["change/down/环比"]),
        ("各月{CPI环比涨跌幅|M}均在{1.0|V}{%|U}以内", ["change//环比"]),   # a change either way: no direction
        ("{价格比上年增减|M}{-2.3|V}{%|U}", ["change//同比"]),
        ("{办件量|M}比上月增加{40|V}{件|U}", ["change/up/环比"]),
        ("{来信|M}比上年多{6|V}{件|U}", ["change/up/同比"]),
        ("{上访量|M}比去年少{12|V}{件|U}", ["change/down/同比"]),
        ("{网站访问量|M}较上年同期下滑{4|V}{%|U}", ["change/down/同比"]),
        ("与上年相比,{依申请公开数量|M}减少{15|V}{件|U}", ["change/down/同比"]),
        ("{增幅|M}为{9.5|V}{%|U}", ["change/up/"]),
        ("{行政复议案件|M}较“十三五”末压减{20|V}{%|U}", ["change/down/比“十三五”末"]),
        ("{占比|M}下降{2|V}{%|U}", ["change/down/"]),
        ("{平均办理时间|M}比全省平均缩短{3|V}{天|U}", ["change/down/比全省平均"]),
        ("{申请量|M}同比增长了约{10|V}{%|U}", ["change/up/同比"]),
        ("{申請量|M}較上年增長{5|V}{%|U}", ["change/up/同比"]),
        ("{公开数量|M}比上年增加{30|V}{条|U},增长{15|V}{%|U}", ["change/up/同比", "change/up/同比"]),
        ("{常住人口|M}比上年末增加{0.9万|V}{人|U}", ["change/up/同比"]),
        ("{生产总值|M}按可比价格计算增长{6|V}{%|U}", ["change/up/"]),
        ("{收入|M}与2019年相比增长{8|V}{%|U}", ["change/up/比2019年"]),
        ("{居民消费价格|M}同比(下同)上涨{2.1|V}{%|U}", ["change/up/同比"]),
        ("{粮食产量|M}比2012年增产{300万|V}{吨|U}", ["change/up/比2012年"]),
        ("{投诉|M}{40|V}{件|U},同比下降{20|V}{%|U}", ["level", "change/down/同比"]),
        ("{回复率|M}高于全省平均{2|V}{个百分点|U}", ["change/up/"]),
        ("{回复率|M}超全省平均{2|V}{个百分点|U}", ["change/up/"]),
        ("{税收收入|M}比上年减收{30|V}{万元|U}", ["change/down/同比"]),
        ("{民生支出|M}比上年增支{1.2亿|V}{元|U}", ["change/up/同比"]),
        ("{信访量|M}减少幅度达{60.2|V}{%|U}", ["change/down/"]),
    ],
    "share": [
        ("{网络申请|M}{264|V}{件|U},占{49.9|V}{%|U}", ["level", "share"]),
        ("{按时答复|M}{100|V}{%|U}", ["share"]),
        ("{当面申请|M}{30|V}{件|U},占受理总数的{7.28|V}{%|U}", ["level", "share"]),
        ("{女性比例|M}为{52|V}{%|U}", ["share"]),
        ("{第三产业比重|M}达{48.1|V}{%|U}", ["share"]),
        ("{网上申请所占比例|M}为{35|V}", ["share"]),
        ("{不予公开|M}{3|V}{件|U},占比{0.5|V}{‰|U}", ["level", "share"]),
        ("{申请数量|M}占比前三的为甲市{591|V}{件|U}(占{31.9|V}{%|U})", ["level", "share"]),  # a count after 占比 is none
    ],
    "rate": [
        ("{群众满意度|M}达{98.6|V}{%|U}", ["rate"]),
        ("{办结率|M}为{100|V}{%|U}", ["rate"]),
        ("{按时回复率|M}达到{99.2|V}{%|U}", ["rate"]),
        ("{居民消费价格指数|M}为{102.1|V}", ["rate"]),
        ("{政策知晓率|M}提高到{90|V}{%|U}", ["rate"]),
        ("{回复率|M}{96|V}{%|U}", ["rate"]),
        ("{城镇登记失业率|M}控制在{4.5|V}{%|U}以内", ["rate"]),
    ],
    "ratio": [
        ("{三次产业结构|M}为{6.0|V}:{55.0|V}:{39.0|V}", ["ratio"] * 3),
        ("{男女比例|M}为{1|V}:{1.2|V}", ["ratio"] * 2),
        ("{师生比|M}为{1|V}：{15|V}", ["ratio"] * 2),
        ("{申请量|M}是上年的{1.5|V}{倍|U}", ["ratio//同比"]),
        ("{人均收入|M}相当于全省平均水平的{2|V}{倍|U}", ["ratio"]),
        ("{投资额|M}是2018年的{3|V}{倍|U}", ["ratio"]),
    ],
    "rank": [
        ("{综合考评|M}排名全省第{3|V}{位|U}", ["rank"]),
        ("{政务公开考核|M}位列全市第{一|V}", ["rank"]),
        ("{网站绩效|M}居全省第{2|V}{位|U}", ["rank"]),
        ("{满意度|M}排在前{10|V}", ["rank"]),
        ("{征文比赛|M}获得第{5|V}{名|U}", ["rank"]),
        ("{增速|M}排名第{4|V}", ["rank"]),
    ],
}


def _expected(code: str) -> Kind:
    kind, direction, basis = (code.split("/") + ["", ""])[:3]
    return Kind(kind, direction or None, basis or None)


@pytest.mark.parametrize("marked,expected", [case for cases in CASES.values() for case in cases],
                         ids=[f"{kind}-{i}" for kind, cases in CASES.items() for i in range(len(cases))])
def test_kind_direction_and_basis(marked, expected):
    ex = parse_marked(marked, "x")
    records = build_records(ex.text, ex.spans)
    assert [Kind(*(r.extra[k] for k in FIELDS)) for r in records] == [_expected(e) for e in expected], ex.text


def test_classify_reads_a_record_dict_and_never_changes_the_value():
    text = "{申请量|M}同比下降{0.6|V}{%|U}"
    ex = parse_marked(text, "x")
    (record,) = build_records(ex.text, ex.spans)
    d = record.to_dict()
    assert d["value"] == 0.6 and (d["kind"], d["direction"], d["basis"]) == ("change", "down", "同比")
    assert classify(ex.text, d) == classify(ex.text, record) == Kind("change", "down", "同比")
    # spans far into a long text index it as they are: only a window around the value is read
    long = "无关文字。" * 200 + ex.text
    moved = dict(d, value_span=[d["value_span"][0] + 1000, d["value_span"][1] + 1000],
                 unit_span=[d["unit_span"][0] + 1000, d["unit_span"][1] + 1000],
                 metric_span=[d["metric_span"][0] + 1000, d["metric_span"][1] + 1000])
    assert classify(long, moved) == Kind("change", "down", "同比")


def test_a_basis_does_not_leak_into_the_next_sentence_or_a_later_subject():
    ex = parse_marked("{申请量|M}同比增长{5|V}{%|U}。{办结|M}增加{3|V}{件|U}", "x")
    first, second = build_records(ex.text, ex.spans)
    assert first.extra["basis"] == "同比" and second.extra["kind"] == "change" and second.extra["basis"] is None
    ex = parse_marked("{财政收入|M}比上年增长{5|V}{%|U},{税收收入|M}增长{3|V}{%|U}", "x")
    assert [r.extra["basis"] for r in build_records(ex.text, ex.spans)] == ["同比", None]


# ---------------------------------------------------------------------------------------------
# Extraction output
# ---------------------------------------------------------------------------------------------


def _marked_tagger(marked: dict[str, list[Span]]):
    """A tagger that returns the spans written in a marked sentence."""
    return lambda texts: [(marked.get(t, []), None) for t in texts]


def test_extracted_records_carry_kind_in_jsonl_and_csv():
    ex = parse_marked("{申请量|M}{52|V}{件|U},同比增长{12.5|V}{%|U}。", "x")
    extractor = Extractor(_marked_tagger({ex.text: ex.spans}), snap_words=False)
    (result,) = extractor.extract_documents([ex.text], ids=["doc"])
    assert [(r["kind"], r["direction"], r["basis"]) for r in result.to_dict()["records"]] == [
        ("level", None, None), ("change", "up", "同比")]

    from govreport.inference.reader import Document

    out = io.StringIO()
    jsonl = JsonlWriter(out)
    for event in extractor.stream([Document.from_text(ex.text, id="doc", source="doc")]):
        jsonl.handle(event)
    (line,) = [json.loads(x) for x in out.getvalue().splitlines()]
    assert [r["kind"] for r in line["records"]] == ["level", "change"]

    out = io.StringIO()
    writer = CsvWriter(out)
    for event in extractor.stream([Document.from_text(ex.text, id="doc", source="doc")]):
        writer.handle(event)
        if isinstance(event, DocEnd):
            assert event.error is None
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert set(FIELDS) <= set(CSV_COLUMNS) and list(rows[0]) == list(CSV_COLUMNS)
    assert [(r["kind"], r["direction"], r["basis"]) for r in rows] == [("level", "", ""), ("change", "up", "同比")]


# ---------------------------------------------------------------------------------------------
# The scorer
# ---------------------------------------------------------------------------------------------

SENTENCES = [
    "{申请量|M}{52|V}{件|U},同比增长{12.5|V}{%|U}。",
    "{回复率|M}达到{100|V}{%|U}",
    "{投诉|M}比上年少{3|V}{件|U}",
]


def _write(path, lines):
    path.write_text("".join((x if isinstance(x, str) else json.dumps(x, ensure_ascii=False)) + "\n"
                            for x in lines), encoding="utf-8")
    return path


@pytest.fixture()
def sentences_file(tmp_path):
    lines = []
    for i, marked in enumerate(SENTENCES):
        ex = parse_marked(marked, f"s{i}")
        ex.records = build_records(ex.text, ex.spans)
        lines.append(ex.to_dict())
    return _write(tmp_path / "sentences.jsonl", lines)


def _gold(id_, span, kind, direction=None, basis=None):
    return {"id": id_, "value_span": span, "metric": None, "value": 1, "unit": None,
            "kind": kind, "direction": direction, "basis": basis}


def test_scorer_counts_kinds_directions_bases_and_unmatched(tmp_path, sentences_file, capsys):
    gold = _write(tmp_path / "kinds.jsonl", [
        _gold("s0", [3, 5], "level"),
        _gold("s0", [11, 15], "change", "up", "同比"),   # right
        _gold("s1", [5, 8], "share"),                     # the rules say rate
        _gold("s2", [6, 7], "change", "down", "比上年"),  # direction right, basis wrong (rules: 同比)
        _gold("s2", [0, 1], "level"),                     # no gold record there
        _gold("nope", [0, 1], "level"),                   # no such sentence
    ])
    report = score_kinds(read_kind_gold(gold), {})
    assert report["records"] == 0 and report["unmatched"] == 6

    code = kinds_cli.main(["--gold", str(gold), "--sentences", str(sentences_file), "-o", str(tmp_path / "r.json")])
    out, err = capsys.readouterr()
    assert code == 0
    report = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert report["records"] == 4 and report["unmatched"] == 2 and "2 gold lines match no gold record" in err
    assert report["kind_accuracy"] == 0.75
    assert report["changes"] == 2 and report["direction_accuracy"] == 1.0 and report["basis_accuracy"] == 0.5
    share, rate = report["per_kind"]["share"], report["per_kind"]["rate"]
    assert (share["support"], share["predicted"], share["recall"]) == (1, 0, 0.0)
    assert (rate["support"], rate["predicted"], rate["precision"]) == (0, 1, 0.0)
    assert report["per_kind"]["change"]["f1"] == 1.0 and report["confusion"] == {"share->rate": 1}
    assert "kind accuracy 0.750" in out

    assert kinds_cli.main(["--gold", str(gold), "--sentences", str(sentences_file), "--markdown"]) == 0
    assert "| change | 1.000 | 1.000 | 1.000 | 2 | 2 |" in capsys.readouterr().out


@pytest.mark.parametrize("bad,message", [
    ("{not json", "not JSON"),
    (json.dumps(["s0", [3, 5]]), "expected a JSON object"),
    (json.dumps({"id": "s0", "value_span": [3, 5], "kind": "level", "direction": None}), "missing 'basis'"),
    (json.dumps(_gold("s0", [5, 3], "level")), "'value_span'"),
    (json.dumps(_gold("s0", [3, 5], "amount")), "'kind' must be one of"),
    (json.dumps(_gold("s0", [3, 5], "change", "sideways")), "'direction' must be"),
    (json.dumps(_gold("s0", [3, 5], "level", "up")), "only for kind change"),
    (json.dumps(_gold("s0", [3, 5], "share", None, "同比")), "only for kinds change and ratio"),
    (json.dumps(_gold("s0", [11, 15], "change", "up")), "already on line 1"),
])
def test_scorer_names_a_malformed_gold_line(tmp_path, sentences_file, capsys, bad, message):
    gold = _write(tmp_path / "kinds.jsonl", [_gold("s0", [11, 15], "change", "up"), "", bad])
    assert kinds_cli.main(["--gold", str(gold), "--sentences", str(sentences_file)]) == 2
    err = capsys.readouterr().err
    assert "kinds.jsonl:3: " in err and message in err


def test_govreport_routes_evaluate_kinds():
    import govreport.cli

    assert govreport.cli.COMMANDS["evaluate-kinds"][0] == "govreport.eval.kinds"
