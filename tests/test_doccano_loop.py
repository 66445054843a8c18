"""Tests for the doccano review loop (inference/doccano_loop.py, ``govreport doccano``): both
doccano layouts, every validation error, relations overriding links, the export → import round
trip, ordering by confidence and --limit. Sentences are invented."""

from __future__ import annotations

import json

import pytest

from govreport.data.doccano import read_jsonl
from govreport.data.schema import SENTENCE_KEY, Record, Span
from govreport.inference import doccano_cli
from govreport.inference.doccano_loop import (ReviewError, Task, example_from_doccano, rank, sentence_confidence,
                                    tasks_from_events, tasks_from_result)
from govreport.inference.extract import Extractor
from govreport.inference.reader import Document
from tests.conftest import hard_wrap
from tests.test_extract import GOOD, PDF_PARAGRAPH, lexicon_model, rule_tagger

# 网络申请26448宗，信函申请842宗，占3.1%: the builder links 3.1% to 信函申请 (its nearest earlier clause)
TEXT = "网络申请26448宗，信函申请842宗，占3.1%。"
LABEL = [[0, 4, "METRIC"], [4, 9, "VALUE"], [9, 10, "UNIT"], [11, 15, "METRIC"], [15, 18, "VALUE"],
         [18, 19, "UNIT"], [21, 24, "VALUE"], [24, 25, "UNIT"]]


def label_line(**meta):
    return {"id": 7, "text": TEXT, "label": LABEL, "Comments": [], **meta}


def entities_line(relations=(), **meta):
    entities = [{"id": 100 + k, "start_offset": s, "end_offset": e, "label": t} for k, (s, e, t) in enumerate(LABEL)]
    rels = [{"id": k, "from_id": a, "to_id": b, "type": "metric"} for k, (a, b) in enumerate(relations)]
    return {"id": 7, "text": TEXT, "entities": entities, "relations": rels, **meta}


def triples(records):
    return [(r.metric, r.value, r.unit) for r in records]


# ---- import: layouts, meta, relations


def test_both_layouts_give_the_same_gold():
    a = example_from_doccano(label_line(), "a.jsonl:1")
    b = example_from_doccano(entities_line(), "b.jsonl:1")
    assert a.spans == b.spans == sorted(Span.from_doccano(x) for x in LABEL)
    assert a.records == b.records
    assert triples(a.records) == [("网络申请", 26448, "宗"), ("信函申请", 842, "宗"), ("信函申请", 3.1, "%")]
    assert all(SENTENCE_KEY not in r.to_dict() for r in a.records)  # ANNOTATION.md's record fields only


@pytest.mark.parametrize("meta", [{"meta": {"task": "r1:0-27", "source": "r1.txt"}},
                                  {"task": "r1:0-27", "source": "r1.txt"}])
def test_meta_is_read_nested_or_flattened(meta):
    ex = example_from_doccano(label_line(**meta), "a.jsonl:1")
    assert ex.id == "r1:0-27" and ex.meta == {"source": "r1.txt"}


def test_without_meta_the_id_is_doccanos_and_there_is_no_source():
    ex = example_from_doccano(label_line(), "a.jsonl:1")
    assert ex.id == "doccano-7" and "source" not in ex.to_dict()


def test_a_relation_overrides_the_builders_link():
    # the reviewer says 3.1% is the share of 网络申请 (entity 100), not of 信函申请
    ex = example_from_doccano(entities_line(relations=[(106, 100)]), "a.jsonl:1")
    assert triples(ex.records) == [("网络申请", 26448, "宗"), ("信函申请", 842, "宗"), ("网络申请", 3.1, "%")]
    assert ex.records[2].metric_span == (0, 4)
    # either direction between a VALUE and a METRIC means the same link
    back = example_from_doccano(entities_line(relations=[(100, 106)]), "a.jsonl:1")
    assert back.records == ex.records


def test_a_relation_gives_a_metric_where_the_builder_found_none():
    text = "其中36件，已办结。"
    line = {"text": text, "entities": [{"id": 1, "start_offset": 2, "end_offset": 4, "label": "VALUE"},
                                       {"id": 2, "start_offset": 4, "end_offset": 5, "label": "UNIT"},
                                       {"id": 3, "start_offset": 7, "end_offset": 9, "label": "METRIC"}],
            "relations": [{"id": 1, "from_id": 1, "to_id": 3, "type": "measures"}]}
    assert example_from_doccano({**line, "relations": []}, "x:1").records[0].metric is None
    assert triples(example_from_doccano(line, "x:1").records) == [("办结", 36, "件")]


# ---- import: every validation error names the line and the span

BAD_LINES = [
    ({"label": LABEL}, "no string 'text'"),
    ([1, 2], "no string 'text'"),
    ({"text": TEXT, "label": "0,4,METRIC"}, "'label' is not a list"),
    ({"text": TEXT, "label": [[0, 4]]}, "label[0] [0, 4] is not [start, end, type]"),
    ({"text": TEXT, "label": [[0, "4", "METRIC"]]}, "label[0] [0, 4, METRIC]: offsets are not integers"),
    ({"text": TEXT, "label": [[20, 40, "VALUE"]]}, "label[0] [20, 40, VALUE]: outside the text (length 26)"),
    ({"text": TEXT, "label": [[-1, 4, "METRIC"]]}, "label[0] [-1, 4, METRIC]: outside the text"),
    ({"text": TEXT, "label": [[4, 4, "VALUE"]]}, "label[0] [4, 4, VALUE]: outside the text (length 26) or empty"),
    ({"text": TEXT, "label": [[0, 4, "metric"]]}, "label[0] [0, 4, metric]: unknown type 'metric'"),
    ({"text": TEXT, "label": [[0, 4, "QUALIFIER"]]}, "unknown type 'QUALIFIER' (expected METRIC, VALUE or UNIT)"),
    ({"text": "共 52件", "label": [[1, 4, "VALUE"]]}, "label[0] [1, 4, VALUE] ' 52': whitespace at its edge"),
    ({"text": "共52 件", "label": [[1, 4, "VALUE"]]}, "label[0] [1, 4, VALUE] '52 ': whitespace at its edge"),
    ({"text": TEXT, "label": [[0, 5, "METRIC"], [4, 9, "VALUE"]]},
     "label[0] [0, 5, METRIC] and label[1] [4, 9, VALUE] overlap"),
    ({"text": TEXT, "label": [[0, 4, "VALUE"]]}, "label[0] [0, 4, VALUE]: not a number: '网络申请'"),
    ({"text": TEXT, "entities": [{"id": 1, "start_offset": 0, "end_offset": 4, "label": "METRIC"},
                                 {"id": 1, "start_offset": 4, "end_offset": 9, "label": "VALUE"}]},
     "entity id 1 is used twice"),
    ({"text": TEXT, "entities": [{"id": 1, "start_offset": 0, "end_offset": 4, "label": "METRIC"},
                                 {"id": 2, "start_offset": 4, "end_offset": 10, "label": "VALUE"}]},
     "entity 2 [4, 10, VALUE]: not a number: '26448宗'"),
    (entities_line(relations=[(106, 999)]), "relation 0: 'from_id'/'to_id' name no entity of this line"),
    (entities_line(relations=[(106, 107)]), "relation 0: links VALUE to UNIT"),
    (entities_line(relations=[(100, 103)]), "relation 0: links METRIC to METRIC"),
    (entities_line(relations=[(106, 100), (106, 103)]), "relation 1: entity 106 already measures another METRIC"),
]


@pytest.mark.parametrize("item, message", BAD_LINES, ids=[m for _, m in BAD_LINES])
def test_every_bad_span_is_an_error_naming_line_and_span(item, message):
    with pytest.raises(ReviewError) as err:
        example_from_doccano(item, "review.jsonl:12")
    assert str(err.value).startswith("review.jsonl:12: ")
    assert message in str(err.value)


def test_all_bad_spans_of_a_line_are_listed_at_once():
    item = {"text": "共 52件", "label": [[1, 4, "VALUE"], [4, 9, "UNIT"], [4, 5, "COUNT"]]}
    with pytest.raises(ReviewError) as err:
        example_from_doccano(item, "r:3")
    assert "label[0]" in str(err.value) and "label[1]" in str(err.value) and "label[2]" in str(err.value)


# ---- export: sentences, confidence, order


def extraction_line():
    """A govreport extract JSONL line (with --include-text) of two sentences and an empty one."""
    text = "共办结3件。受理咨询12次。无。"
    return {"id": "r9", "source": "r9.txt", "title": None, "text": text,
            "label": [[1, 3, "METRIC"], [3, 4, "VALUE"], [4, 5, "UNIT"], [8, 10, "METRIC"], [10, 12, "VALUE"],
                      [12, 13, "UNIT"]],
            "scores": [0.97, 0.99, 0.8, 0.51, 0.99, 0.98],
            "records": [{"metric": "办结", "value": 3, "unit": "件", "raw": "3件", "value_span": [3, 4],
                         "unit_span": [4, 5], "metric_span": [1, 3], SENTENCE_KEY: [0, 6]},
                        {"metric": "咨询", "value": 12, "unit": "次", "raw": "12次", "value_span": [10, 12],
                         "unit_span": [12, 13], "metric_span": [8, 10], SENTENCE_KEY: [6, 14]}]}


def test_tasks_are_sentences_with_sentence_offsets_and_meta():
    tasks = tasks_from_result(extraction_line())
    assert [t.text for t in tasks] == ["共办结3件。", "受理咨询12次。", "无。"]
    second = tasks[1]
    assert second.spans == [Span(2, 4, "METRIC"), Span(4, 6, "VALUE"), Span(6, 7, "UNIT")]
    assert second.links == {(4, 6): (2, 4)}
    assert second.meta == {"task": "r9:6-14", "source": "r9.txt", "report": "r9", "title": None, "sentence": [6, 14]}
    assert second.to_doccano()["meta"]["scores"] == [0.51, 0.99, 0.98]


def test_least_confident_first_and_unknown_last():
    tasks = tasks_from_result(extraction_line())
    assert [(t.text, t.confidence) for t in rank(tasks)] == [("受理咨询12次。", 0.51), ("共办结3件。", 0.8), ("无。", None)]
    # with the model's probability of O known, a sentence without spans ranks by it
    tasks = tasks_from_result(extraction_line(), o_confidence={"无。": 0.6, "共办结3件。": 0.3})
    assert [(t.text, t.confidence) for t in rank(tasks)] == [("共办结3件。", 0.3), ("受理咨询12次。", 0.51), ("无。", 0.6)]
    assert [t.text for t in rank(tasks, limit=2)] == ["共办结3件。", "受理咨询12次。"]


def test_sentence_confidence():
    assert sentence_confidence([0.9, 0.4, 0.7]) == 0.4
    assert sentence_confidence([0.9], 0.95) == 0.9
    assert sentence_confidence([], 0.2) == 0.2
    assert sentence_confidence([]) is None


def test_extraction_output_without_text_is_refused():
    line = extraction_line()
    del line["text"]
    with pytest.raises(ValueError, match="--include-text"):
        tasks_from_result(line)


def test_entities_layout_carries_the_models_links():
    task = Task("共办结3件。", [Span(1, 3, "METRIC"), Span(3, 4, "VALUE"), Span(4, 5, "UNIT")], [0.9, 0.9, 0.9],
                {(3, 4): (1, 3)}, {"task": "t"}, 0.9)
    line = task.to_doccano("entities")
    assert [(e["id"], e["label"]) for e in line["entities"]] == [(0, "METRIC"), (1, "VALUE"), (2, "UNIT")]
    assert line["relations"] == [{"id": 0, "from_id": 1, "to_id": 0, "type": "metric"}]


# ---- the round trip: extractor → tasks → doccano → gold


def test_a_sentence_across_pdf_line_breaks_is_one_task_from_either_source():
    lines = hard_wrap(PDF_PARAGRAPH)
    text = "\n".join(lines) + "\n"
    [result] = Extractor(rule_tagger).extract_documents([text], ids=["doc"])
    line = {**result.to_dict(), "text": text, "source": "doc.txt"}
    from_result = tasks_from_result(line)
    from_events = list(tasks_from_events(Extractor(rule_tagger).stream([Document.from_text(text, id="doc")])))
    for tasks in (from_result, from_events):
        sentences = [t for t in tasks if t.spans]  # the paragraph's sentences, spans across the breaks kept
        assert "".join(t.text for t in sentences).replace("\u200b", "") == PDF_PARAGRAPH
        assert {t.text[s.start:s.end].replace("\u200b", "") for t in sentences for s in t.spans
                if s.label == "METRIC"} == {"工作动态", "浏览量", "微博账号"}
    assert [t.text for t in from_result] == [t.text for t in from_events]


def _round_trip(tasks, layout):
    return [example_from_doccano(json.loads(json.dumps(t.to_doccano(layout), ensure_ascii=False)), f"x:{k}")
            for k, t in enumerate(tasks)]


@pytest.mark.parametrize("layout", ["label", "entities"])
def test_export_then_import_gives_the_extractors_spans_and_records(layout):
    text = GOOD + "其中工作动态12条,占5%。\n"
    [result] = Extractor(rule_tagger).extract_documents([text], ids=["doc"])
    line = {**result.to_dict(), "text": text, "source": "doc.txt"}
    tasks = tasks_from_result(line)
    gold = _round_trip(tasks, layout)
    assert [g.text for g in gold] == [t.text for t in tasks]
    for task, ex in zip(tasks, gold):
        assert ex.spans == task.spans
        start = task.meta["sentence"][0]
        expected = [Record.from_dict({**r.to_dict(), SENTENCE_KEY: None}) for r in result.records
                    if start <= r.value_span[0] < task.meta["sentence"][1]]
        shifted = [(r.metric, r.value, r.unit, r.raw, (r.value_span[0] - start, r.value_span[1] - start))
                   for r in expected]
        assert [(r.metric, r.value, r.unit, r.raw, r.value_span) for r in ex.records] == shifted
        assert ex.meta == {"source": "doc.txt"}
    assert sum(len(ex.records) for ex in gold) == len(result.records) == 6  # 2018 of the title too: a rule tagger


def test_tasks_from_events_skip_failed_documents():
    docs = [Document.from_text("共发布工作动态252条。", id="a", source="a.txt"),
            Document(id="b", source="b.txt", error="cannot read")]
    tasks = list(tasks_from_events(Extractor(rule_tagger).stream(docs)))
    assert [t.meta["report"] for t in tasks] == ["a"]
    assert tasks[0].spans == [Span(3, 7, "METRIC"), Span(7, 10, "VALUE"), Span(10, 11, "UNIT")]


# ---- the command line


def run(argv, capsys):
    code = doccano_cli.main([str(a) for a in argv])
    return code, capsys.readouterr().err


@pytest.fixture(scope="module")
def lex_model(tmp_path_factory):
    return lexicon_model(tmp_path_factory.mktemp("lexicon-model"))


def test_cli_export_from_reports_then_import_gives_gold_train_and_evaluate_read(lex_model, tmp_path, capsys):
    (tmp_path / "r.txt").write_text(GOOD, encoding="utf-8")
    tasks = tmp_path / "tasks.jsonl"
    code, err = run(["export", tmp_path / "r.txt", "--model", lex_model, "--device", "cpu", "-o", tasks], capsys)
    assert code == 0, err
    lines = [json.loads(x) for x in tasks.read_text(encoding="utf-8").splitlines()]
    confidences = [x["meta"]["confidence"] for x in lines]
    assert confidences == sorted(confidences) and None not in confidences  # the model's P(O) ranks every sentence
    assert {x["text"] for x in lines} >= {"全年共发布工作动态252条,浏览量接近七十万次。", "开通微博账号3个。"}

    code, err = run(["export", tmp_path / "r.txt", "--model", lex_model, "--device", "cpu", "-o", tasks,
                     "--limit", "2"], capsys)
    assert code == 0 and len(tasks.read_text(encoding="utf-8").splitlines()) == 2
    assert [json.loads(x)["text"] for x in tasks.read_text(encoding="utf-8").splitlines()] == \
        [x["text"] for x in lines[:2]]

    gold = tmp_path / "gold.jsonl"
    code, err = run(["import", tasks, "-o", gold], capsys)
    assert code == 0, err
    examples = read_jsonl(gold)
    assert [ex.text for ex in examples] == [x["text"] for x in lines[:2]]
    assert all(ex.meta["source"] == str(tmp_path / "r.txt") for ex in examples)

    from govreport.eval import cli as eval_cli
    from govreport.train.data import read_examples
    assert len(read_examples(gold, "--extra-train")) == 2
    assert eval_cli.main(["--gold", str(gold), "--system", "rules", "--no-progress"]) == 0


def test_cli_export_from_extraction_output(tmp_path, capsys):
    extracted = tmp_path / "records.jsonl"
    no_text = {k: v for k, v in extraction_line().items() if k != "text"}
    extracted.write_text(json.dumps(extraction_line(), ensure_ascii=False) + "\nnot json\n"
                         + json.dumps(no_text, ensure_ascii=False) + "\n", encoding="utf-8")
    out = tmp_path / "tasks.jsonl"
    code, err = run(["export", "--extracted", extracted, "--layout", "entities", "-o", out, "--limit", "1"], capsys)
    assert code == 1  # two lines skipped, named
    assert f"{extracted}:2: not JSON" in err and f"{extracted}:3: no 'text'" in err
    [line] = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert line["text"] == "受理咨询12次。" and line["relations"] == [{"id": 0, "from_id": 1, "to_id": 0, "type": "metric"}]


def test_cli_export_usage_errors(tmp_path, capsys):
    assert run(["export", "-o", tmp_path / "t.jsonl"], capsys)[0] == 2  # neither reports nor --extracted
    assert run(["export", "--extracted", "x.jsonl", "-o", tmp_path / "t.jsonl", "--limit", "0"], capsys)[0] == 2
    assert not (tmp_path / "t.jsonl").exists()


def test_cli_import_skips_bad_lines_by_name_or_writes_nothing_when_strict(tmp_path, capsys):
    reviewed = tmp_path / "admin.jsonl"
    bad = {"text": "共 52件", "label": [[1, 4, "VALUE"]]}
    reviewed.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in
                                  [label_line(), bad, entities_line(relations=[(106, 100)])]) + "\n", encoding="utf-8")
    gold = tmp_path / "gold.jsonl"
    code, err = run(["import", reviewed, "-o", gold, "--strict"], capsys)
    assert code == 1 and not gold.exists()
    assert f"{reviewed}:2: label[0] [1, 4, VALUE] ' 52': whitespace at its edge" in err
    code, err = run(["import", reviewed, "-o", gold], capsys)
    assert code == 1
    examples = read_jsonl(gold)
    assert len(examples) == 2 and examples[0].id != examples[1].id  # one doccano id twice: both kept, told apart
    assert [r.metric for r in examples[1].records][-1] == "网络申请"
