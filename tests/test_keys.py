"""Metric keys: one mapping rule per case, user mapping files, the extractor hook, the scorer.

Sentences are invented; {text|T} marks a span as in conftest (M, V, U).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from govreport.data.doccano import write_jsonl
from govreport.eval import keys as eval_keys
from govreport.inference import cli as extract_cli
from govreport.inference.extract import Extractor
from govreport.inference.keys import (KEY_FIELD, KeyFileError, KeyMapper, Taxonomy, TAXONOMY_PATH,
                            load_mapping_file, metric_key)
from govreport.inference.records import build_records
from tests.conftest import parse_marked

ROOT = Path(__file__).resolve().parent.parent


def keys_of(marked: str, mapper: KeyMapper | None = None) -> list[str | None]:
    ex = parse_marked(marked, "t")
    return [metric_key(ex.text, r, mapper) for r in build_records(ex.text, ex.spans)]


@pytest.mark.parametrize("marked, expected", [
    # the verb decides between 本年新收 and 办理结果
    ("全年共收到{政府信息公开申请|M}{52|V}{件|U}。", ["申请.本年新收.总计"]),
    ("本年度受理{依申请公开|M}{17|V}{件|U}。", ["申请.本年新收.总计"]),
    ("依法答复{政府信息公开申请|M}{30|V}{件|U}。", ["申请.办理结果.总计"]),
    ("受理并办结{政府信息公开申请|M}{12|V}{件|U}。", ["申请.本年新收.总计"]),
    ("收到申请11件,本年度{办结|M}{9|V}{件|U}。", ["申请.办理结果.总计"]),
    ("全年{依申请公开|M}{4|V}{件|U}。", ["申请.本年新收.总计"]),
    ("全年共收到{政府信息公開申請|M}{7|V}{件|U}。", ["申请.本年新收.总计"]),
    # carried over, results, sub-rows
    ("{上年结转|M}{3|V}{件|U},{结转下年度继续办理|M}{2|V}{件|U}。", ["申请.上年结转.总计", "申请.结转下年度.总计"]),
    ("其中{予以公开|M}{5|V}{件|U},{部分公开|M}{2|V}{件|U},{不予公开|M}{1|V}{件|U}。",
     ["申请.办理结果.予以公开.总计", "申请.办理结果.部分公开.总计", "申请.办理结果.不予公开.总计"]),
    ("申请中属于{三类内部事务信息|M}的{2|V}{件|U}。", ["申请.办理结果.不予公开.内部事务.总计"]),
    ("{自然人|M}申请{40|V}{件|U}。", ["申请.本年新收.自然人"]),
    # channels: prose-only
    ("收到申请30件,其中{网络申请|M}{26|V}{件|U},{信函申请|M}{3|V}{件|U},{当面申请|M}{1|V}{件|U}。",
     ["申请渠道.网络", "申请渠道.信函", "申请渠道.当面"]),
    ("{网上申请|M}占全部申请的{49.9|V}{%|U}。", [None]),  # a share is not the count the key names
    # appeals
    ("发生{行政复议|M}{4|V}{件|U},{行政诉讼|M}{1|V}{件|U}。", ["复议诉讼.行政复议.总计", "复议诉讼.行政诉讼.总计"]),
    ("收到行政复议2件,{维持|M}{2|V}{件|U}。", ["复议诉讼.行政复议.维持"]),
    ("{未经复议直接起诉|M}{0|V}{件|U}。", ["复议诉讼.直接起诉.总计"]),
    # proactive disclosure: the total, the platforms named in the clause
    ("全年{主动公开政府信息|M}{1200|V}{条|U}。", ["主动公开.信息总数"]),
    ("全年共主动公开各类{信息|M}{57|V}{条|U}。", ["主动公开.信息总数"]),
    ("历年累计{主动公开政府信息|M}{9000|V}{条|U}。", ["主动公开.信息累计"]),
    ("2020年,我局累计{主动公开政府信息|M}{128|V}{条|U}。", ["主动公开.信息总数"]),
    ("截至12月底,累计{主动公开政府信息|M}{300|V}{条|U}。", [None]),  # a stock or the year's: unclear
    ("2021年公开{信息|M}{720|V}{条|U}。", ["主动公开.信息总数"]),
    ("通过微信公众号发布{信息|M}{300|V}{条|U},通过政务微博发布{信息|M}{120|V}{条|U}。",
     ["主动公开.政务新媒体.微信", "主动公开.政务新媒体.微博"]),
    ("通过门户网站发布{信息|M}{640|V}{条|U}。", ["主动公开.政府网站.发布信息"]),
    ("通过网站、微博发布{信息|M}{70|V}{条|U}。", [None]),  # two platforms: neither
    ("{主动公开政府信息|M}{800|V}{条|U},其中,通过网站{主动公开政府信息|M}{500|V}{条|U}。",
     ["主动公开.信息总数", "主动公开.政府网站.发布信息"]),
    ("召开{新闻发布会|M}{5|V}{场|U},发布{政策解读|M}{12|V}{篇|U}。", ["主动公开.新闻发布会", "主动公开.政策解读"]),
    ("制发{规范性文件|M}{6|V}{件|U}。", ["主动公开.行政规范性文件.本年制发"]),
    ("{全文电子化率|M}达{100|V}{%|U}。", ["主动公开.全文电子化率"]),
    # everything else
    ("收取{信息处理费|M}{200|V}{元|U}。", ["其他事项.信息处理费.金额"]),
    ("网站{访问量|M}达{12|V}{万次|U}。", ["其他事项.网站访问量"]),
    ("网站{日均访问量|M}{4000|V}{次|U}。", [None]),  # a daily average is not the year's visits
    ("组织{政务公开培训|M}{3|V}{次|U}。", ["其他事项.培训.次数"]),
    ("开展{法律培训|M}{3|V}{场|U}。", [None]),  # training on another subject
    ("承办{人大代表建议|M}{5|V}{件|U}、{政协提案|M}{8|V}{件|U}。",
     ["其他事项.建议提案.人大代表建议", "其他事项.建议提案.政协提案"]),
    ("公开{建议提案|M}办理结果{13|V}{件|U}。", ["主动公开.建议提案答复"]),
    # no key: an unknown metric, a change, no metric
    ("{地区生产总值|M}{300|V}{亿元|U}。", [None]),
    ("{政府信息公开申请|M}比上年增加{5|V}{件|U}。", [None]),
    ("共计{8|V}{件|U}。", [None]),
])
def test_builtin_rules(marked, expected):
    assert keys_of(marked) == expected


def test_every_builtin_key_is_documented_and_aliased():
    taxonomy = Taxonomy.load()
    doc = (ROOT / "docs" / "keys.md").read_text(encoding="utf-8")
    prose = [k for k, entry in taxonomy.keys.items() if not entry.get("table")]
    assert len(prose) >= 25
    rows = {line.split("|")[1].strip(" `"): line for line in doc.splitlines() if line.startswith("| `")}
    assert [k for k in prose if k not in rows] == []
    # the table of docs/keys.md says the units the code applies
    assert [k for k in prose if set(rows[k].split("|")[3].split()) != taxonomy.units(k)] == []
    aliases = [taxonomy.alias(k) for k in taxonomy.keys]
    assert None not in aliases and len(set(aliases)) == len(aliases)
    assert all(re.fullmatch(r"[a-z_.]+", a) for a in aliases)
    assert taxonomy.alias("申请.本年新收.自然人") == "request.new.natural"


def test_taxonomy_rejects_a_rule_with_an_unknown_key(tmp_path):
    data = json.loads(TAXONOMY_PATH.read_text(encoding="utf-8"))
    data["rules"] = [{"key": "其他事项.不存在", "metric": "x"}]
    path = tmp_path / "taxonomy.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(KeyFileError, match="rule 1.*not in the taxonomy"):
        Taxonomy.load(path)


def test_user_tsv_extends_and_overrides(tmp_path):
    path = tmp_path / "mine.tsv"
    path.write_text("# my rules\n新闻发布会\tnull\n/^来信申请$/\t申请渠道.信函\n工作动态\t主动公开.政策文件\t条,篇\n",
                    encoding="utf-8")
    mapper = KeyMapper.load(path)
    assert keys_of("召开{新闻发布会|M}{5|V}{场|U}。", mapper) == [None]
    assert keys_of("收到申请9件,其中{来信申请|M}{2|V}{件|U}。", mapper) == ["申请渠道.信函"]
    assert keys_of("发布{工作动态|M}{40|V}{条|U}。", mapper) == ["主动公开.政策文件"]
    # the user's rule takes 条 and 篇 only: 期 falls through to the built-in rule
    assert keys_of("发布{工作动态|M}{40|V}{期|U}。", mapper) == ["主动公开.工作动态"]
    assert keys_of("发布{工作动态|M}{40|V}{条|U}。") == ["主动公开.工作动态"]  # the built-in mapper is unchanged


def test_user_json_object_and_list(tmp_path):
    obj = tmp_path / "mine.json"
    obj.write_text(json.dumps({"“政务服务热线”": "其他事项.热线工单"}, ensure_ascii=False), encoding="utf-8")
    assert keys_of("办理{政务服务热线|M}{30|V}{件|U}。", KeyMapper.load(obj)) == ["其他事项.热线工单"]
    rules = tmp_path / "rules.json"
    rules.write_text(json.dumps([{"metric": "^稿件$", "key": "其他事项.宣传稿件", "before": "报送", "units": ["篇"]}],
                               ensure_ascii=False), encoding="utf-8")
    mapper = KeyMapper.load(rules)  # a key of your own: accepted, with a warning
    assert keys_of("向媒体报送{稿件|M}{50|V}{篇|U}。", mapper) == ["其他事项.宣传稿件"]
    assert keys_of("刊发{稿件|M}{50|V}{篇|U}。", mapper) == [None]


@pytest.mark.parametrize("name, content, message", [
    ("bad.tsv", "# ok\n网络申请\t申请渠道.网络\n只有一列\n", r"bad\.tsv: line 3: expected 'pattern<TAB>key"),
    ("bad.tsv", "/([/\t申请渠道.网络\n", r"line 1: bad regular expression"),
    ("bad.tsv", "收入\t收入.总计\n", r"line 1: malformed key '收入.总计'"),
    ("bad.tsv", "收入\t其他事项.收入\t斤两组\n", None),  # a unit list, not a group: fine
    ("bad.json", '{"a": "其他事项.甲",\n "b": }', r"bad\.json: line 2: not valid JSON"),
    ("bad.json", '[{"metric": "x", "key": "其他事项.甲", "colour": "red"}]', r"item 1: unknown field\(s\) colour"),
    ("bad.json", '[{"metric": "x", "key": "其他事项.甲", "units": "斤两"}]', r"item 1: unknown unit group"),
])
def test_bad_mapping_file(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    if message is None:
        assert load_mapping_file(path, Taxonomy.load())
        return
    with pytest.raises(KeyFileError, match=message):
        KeyMapper.load(path)


def test_extract_cli_reports_a_bad_keys_file(tmp_path, capsys):
    path = tmp_path / "bad.tsv"
    path.write_text("一列\n", encoding="utf-8")
    report = tmp_path / "r.txt"
    report.write_text("收到申请3件。", encoding="utf-8")
    assert extract_cli.main([str(report), "--keys", str(path), "--no-progress"]) == 2
    assert "bad.tsv: line 1" in capsys.readouterr().err


def _marked_tagger(marked: list[str]):
    by_text = {ex.text: ex.spans for ex in (parse_marked(m, str(i)) for i, m in enumerate(marked))}

    def tag(texts):
        return [(list(by_text.get(t, [])), None) for t in texts]
    return tag


def test_extractor_gives_keys_and_keeps_a_tables_key():
    marked = ["全年共收到{政府信息公开申请|M}{52|V}{件|U}。", "{地区生产总值|M}{3|V}{亿元|U}。"]
    text = "".join(parse_marked(m, "x").text for m in marked)
    records = Extractor(_marked_tagger(marked), snap_words=False).extract([text])[0]
    assert [r.extra[KEY_FIELD] for r in records] == ["申请.本年新收.总计", None]
    assert records[0].to_dict()["metric_key"] == "申请.本年新收.总计"
    assert KEY_FIELD not in Extractor(_marked_tagger(marked), snap_words=False, keys=False).extract([text])[0][0].extra
    ex = parse_marked(marked[0], "t")
    record = build_records(ex.text, ex.spans)[0]
    record.extra[KEY_FIELD] = "申请.本年新收.自然人"  # as a table cell's record would carry it
    assert KeyMapper().assign(ex.text, [record])[0].extra[KEY_FIELD] == "申请.本年新收.自然人"


def _gold_files(tmp_path):
    marked = ["全年共收到{政府信息公开申请|M}{52|V}{件|U},{办结|M}{50|V}{件|U}。",
              "通过门户网站发布{信息|M}{640|V}{条|U},{地区生产总值|M}{3|V}{亿元|U}。"]
    examples = []
    for i, m in enumerate(marked):
        ex = parse_marked(m, f"s{i}")
        ex.records = build_records(ex.text, ex.spans)
        examples.append(ex)
    sentences = tmp_path / "sentences.jsonl"
    write_jsonl(sentences, examples)
    gold_keys = ["申请.本年新收.总计", "申请.结转下年度.总计",   # the second: a deliberate confusion
                 "主动公开.信息总数", None]                      # a miss (website vs total) and a true null
    lines = []
    for ex in examples:
        for r in ex.records:
            lines.append({"id": ex.id, "value_span": list(r.value_span), "metric": r.metric, "value": r.value,
                          "unit": r.unit, "key": gold_keys[len(lines)]})
    gold = tmp_path / "gold.jsonl"
    gold.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines), encoding="utf-8")
    return gold, sentences


def test_evaluate_keys_on_an_invented_gold_file(tmp_path, capsys):
    gold, sentences = _gold_files(tmp_path)
    out = tmp_path / "scores.json"
    assert eval_keys.main(["--gold", str(gold), "--sentences", str(sentences), "--markdown", "--output", str(out)]) == 0
    report = json.loads(out.read_text(encoding="utf-8"))
    # mapper: 本年新收 (right), 办理结果 (gold 结转下年度), 政府网站 (gold 信息总数), None (gold None)
    assert (report["gold_keyed"], report["mapped"], report["correct"]) == (3, 3, 1)
    assert report["precision"] == pytest.approx(1 / 3) and report["coverage"] == pytest.approx(1 / 3)
    assert report["mapped_where_gold_null"] == 0
    assert report["per_namespace"]["申请"] == {"gold_keyed": 2, "mapped": 2, "correct": 1,
                                              "precision": 0.5, "coverage": 0.5}
    assert {(c["gold"], c["predicted"]) for c in report["confusions"]} == {
        ("申请.结转下年度.总计", "申请.办理结果.总计"), ("主动公开.信息总数", "主动公开.政府网站.发布信息")}
    assert "| 申请 | 2 | 2 | 1 | 0.500 | 0.500 |" in capsys.readouterr().out


def test_evaluate_keys_names_a_bad_gold_line(tmp_path, capsys):
    gold, sentences = _gold_files(tmp_path)
    lines = gold.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace('"s0"', '"nowhere"')
    gold.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert eval_keys.main(["--gold", str(gold), "--sentences", str(sentences)]) == 2
    assert "gold.jsonl:2: id 'nowhere'" in capsys.readouterr().err


def test_evaluate_keys_without_gold_counts_coverage(tmp_path, capsys):
    _, sentences = _gold_files(tmp_path)
    assert eval_keys.main(["--sentences", str(sentences)]) == 0
    out = capsys.readouterr().out
    assert "4 records" in out and "3 keyed (75.0%)" in out


def test_evaluate_keys_counts_per_genre(tmp_path, capsys):
    _, sentences = _gold_files(tmp_path)
    lines = [json.loads(x) for x in sentences.read_text(encoding="utf-8").splitlines()]
    for line, source in zip(lines, ("corpus/a.txt", "corpus/b.txt")):
        line["source"] = source
    sentences.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines), encoding="utf-8")
    index = tmp_path / "INDEX.tsv"
    index.write_text("file\turl\tgenre\na.txt\tu\tannual\nb.txt\tu\tbulletin\n", encoding="utf-8")
    assert eval_keys.main(["--sentences", str(sentences), "--index", str(index)]) == 0
    out = capsys.readouterr().out
    assert "annual: 2 of 2 keyed" in out and "bulletin: 1 of 2 keyed" in out

