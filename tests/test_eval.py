"""Tests for the scorer (eval/scoring.py), ``govreport evaluate`` and ``govreport bench``.

The entity figures are checked against seqeval itself on random tags (an oracle test); the
record matching and error kinds on hand-made cases; the CLI through ``main(argv)`` with a
predictions file, the rule baseline and a tiny model directory.
"""

from __future__ import annotations

import json
import random
import warnings

import pytest
from seqeval.metrics import classification_report, f1_score, precision_score, recall_score
from seqeval.scheme import IOB2

from govreport.data.doccano import Example, write_jsonl
from govreport.data.schema import ENTITY_TYPES, Record, Span, spans_to_tags
from govreport.data.version import package_version
from govreport.eval import bench, cli
from govreport.eval.output import errors_summary
from govreport.eval.scoring import align, entity_report, match_records, record_errors, repair_tags, same_value, score, span_errors
from govreport.inference.records import build_records
from tests.conftest import MARKED, parse_marked

# ---------------------------------------------------------------------------------------------
# Oracle: the entity figures are seqeval's
# ---------------------------------------------------------------------------------------------


def random_spans(rng: random.Random, length: int) -> list[Span]:
    spans, pos = [], 0
    while pos < length:
        pos += rng.randint(0, 3)
        size = rng.randint(1, 4)
        if pos + size > length:
            break
        spans.append(Span(pos, pos + size, rng.choice(ENTITY_TYPES)))
        pos += size
    return spans


def perturb(rng: random.Random, spans: list[Span], length: int) -> list[Span]:
    """Predictions near the gold: some kept, some moved, retyped or dropped, some added."""
    out = []
    for s in spans:
        r = rng.random()
        if r < 0.5:
            out.append(s)
        elif r < 0.65:
            out.append(Span(s.start, s.end, rng.choice(ENTITY_TYPES)))
        elif r < 0.8 and s.end - s.start > 1:
            out.append(Span(s.start + 1, s.end, s.label))
    for s in random_spans(rng, length):
        if rng.random() < 0.15 and all(s.end <= o.start or o.end <= s.start for o in out):
            out.append(s)
    return sorted(out)


def seqeval_report(gold, pred) -> dict:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return classification_report(gold, pred, mode="strict", scheme=IOB2, output_dict=True, zero_division=0)


@pytest.mark.parametrize("seed", range(8))
def test_entity_scores_equal_seqeval(seed):
    rng = random.Random(seed)
    gold, pred = [], []
    for i in range(rng.randint(1, 30)):
        length = rng.randint(0, 25)
        text = "字" * length
        g = random_spans(rng, length)
        gold.append(Example(f"x{i}", text, g, []))
        pred.append(Example(f"x{i}", text, perturb(rng, g, length), []))
    report = score(gold, pred).report
    gold_tags = [spans_to_tags(ex.spans, len(ex.text)) for ex in gold]
    pred_tags = [spans_to_tags(ex.spans, len(ex.text)) for ex in pred]
    oracle = seqeval_report(gold_tags, pred_tags)
    for kind in ENTITY_TYPES:
        expected = oracle.get(kind, {"precision": 0.0, "recall": 0.0, "f1-score": 0.0, "support": 0})
        assert report[kind]["precision"] == pytest.approx(expected["precision"])
        assert report[kind]["recall"] == pytest.approx(expected["recall"])
        assert report[kind]["f1"] == pytest.approx(expected["f1-score"])
        assert report[kind]["support"] == expected["support"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        kwargs = dict(mode="strict", scheme=IOB2, average="micro", zero_division=0)
        assert report["entity_micro_f1"] == pytest.approx(f1_score(gold_tags, pred_tags, **kwargs))
        assert report["entity_micro"]["precision"] == pytest.approx(precision_score(gold_tags, pred_tags, **kwargs))
        assert report["entity_micro"]["recall"] == pytest.approx(recall_score(gold_tags, pred_tags, **kwargs))
    # The counts behind them agree too.
    micro = report["entity_micro"]
    if micro["predicted"]:
        assert micro["precision"] == pytest.approx(micro["correct"] / micro["predicted"])


@pytest.mark.parametrize("seed", range(5))
def test_raw_tags_are_repaired_before_seqeval(seed):
    """An I-X after O is a span for inference; the scorer reads it so, then asks seqeval."""
    rng = random.Random(100 + seed)
    labels = ["O", "B-METRIC", "I-METRIC", "B-VALUE", "I-VALUE", "B-UNIT", "I-UNIT"]
    gold = [spans_to_tags(random_spans(rng, n), n) for n in (rng.randint(1, 20) for _ in range(20))]
    raw = [[rng.choice(labels) for _ in tags] for tags in gold]
    ours = entity_report(gold, raw)
    # seqeval's lenient IOB2 reading opens a span at an I-X that continues nothing, as the repair does
    repaired = [[f"B-{t[2:]}" if t.startswith("I-") and (i == 0 or tags[i - 1][2:] != t[2:]) else t
                 for i, t in enumerate(tags)] for tags in raw]
    oracle = seqeval_report(gold, repaired)
    assert ours["micro"]["f1"] == pytest.approx(oracle["micro avg"]["f1-score"])
    assert repair_tags(["I-VALUE", "I-VALUE", "O", "I-UNIT"]) == ["B-VALUE", "I-VALUE", "O", "B-UNIT"]


# ---------------------------------------------------------------------------------------------
# Hand-made cases
# ---------------------------------------------------------------------------------------------

TEXT = "办结3件,浏览量7万次"
GOLD_SPANS = [Span(0, 2, "METRIC"), Span(2, 3, "VALUE"), Span(3, 4, "UNIT"),
              Span(5, 8, "METRIC"), Span(8, 10, "VALUE"), Span(10, 11, "UNIT")]
GOLD_RECORDS = [Record("办结", 3, "件", "3件", value_span=(2, 3)),
                Record("浏览量", 70000, "次", "7万次", value_span=(8, 10))]


def gold_example(id_="a", source=None) -> Example:
    return Example(id_, TEXT, list(GOLD_SPANS), list(GOLD_RECORDS), {"source": source} if source else {})


def test_perfect_prediction():
    report = score([gold_example()], [gold_example()]).report
    assert report["entity_micro_f1"] == 1.0
    assert report["record"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0, "support": 2, "predicted": 2,
                                "correct": 2}
    assert sum(report["errors"].values()) == 0 and report["texts_with_errors"] == 0


def test_empty_prediction_is_all_misses():
    report = score([gold_example()], [Example("a", TEXT, [], [])]).report
    assert report["entity_micro"]["recall"] == 0.0 and report["entity_micro"]["predicted"] == 0
    assert report["errors"]["miss"] == 6 and report["errors"]["missed_record"] == 2
    assert report["record"]["f1"] == 0.0 and report["missing_predictions"] == 0


def test_missing_id_scores_as_empty_prediction():
    gold = [gold_example("a"), gold_example("b")]
    result = score(gold, [gold_example("a")])
    report = result.report
    assert report["missing_predictions"] == 1 and report["texts"] == 2
    assert report["entity_micro"]["recall"] == 0.5 and report["entity_micro"]["precision"] == 1.0
    assert report["record"]["recall"] == 0.5
    assert [r.has_prediction for r in result.texts] == [True, False]


def test_extra_ids_are_counted_and_ignored():
    pred = [gold_example("a"), Example("zzz", "共3件", [Span(1, 2, "VALUE")], [Record(None, 3, "件", "3件")])]
    report = score([gold_example("a")], pred).report
    assert report["extra_predictions"] == 1 and report["extra_prediction_ids"] == ["zzz"]
    assert report["entity_micro_f1"] == 1.0 and report["record"]["f1"] == 1.0


def test_align_refuses_duplicates_and_other_texts():
    with pytest.raises(ValueError, match="more than once"):
        align([gold_example("a"), gold_example("a")], [])
    with pytest.raises(ValueError, match="more than once"):
        align([gold_example("a")], [gold_example("a"), gold_example("a")])
    with pytest.raises(ValueError, match="different text"):
        align([gold_example("a")], [Example("a", "另一段文字")])


def test_a_record_matches_one_gold_record_only():
    gold = [Record("办结", 3, "件", "3件")]
    pred = [Record("办结", 3, "件", "3件"), Record("办结", 3, "件", "3件")]
    assert match_records(gold, pred) == [(0, 0)]
    assert match_records(pred, gold) == [(0, 0)]  # two gold, one prediction: one match
    ex_gold = Example("a", "办结3件", [Span(2, 3, "VALUE")], gold)
    report = score([ex_gold], [Example("a", "办结3件", [Span(2, 3, "VALUE")], pred)]).report
    assert report["record"]["correct"] == 1 and report["record"]["precision"] == 0.5
    assert report["record"]["recall"] == 1.0 and report["errors"]["spurious_record"] == 1


def test_relative_tolerance():
    assert same_value(1_000_000, 1_000_000.5)       # 5e-7 relative
    assert not same_value(1_000_000, 1_000_002)     # 2e-6 relative
    assert same_value(0.1 + 0.2, 0.3) and same_value(0, 0) and not same_value(0, 1e-12)
    g = [Record("浏览量", 1.39e8, "次", "1.39亿次")]
    assert match_records(g, [Record("浏览量", 139000000, "次", "1.39亿次")]) == [(0, 0)]
    assert match_records(g, [Record("浏览量", 139001000, "次", "")]) == []


def test_value_unit_ignores_the_metric_and_percent_forms_agree():
    gold = [Example("a", TEXT, GOLD_SPANS, GOLD_RECORDS)]
    pred_records = [Record(None, 3, "件", "3件", value_span=(2, 3)),
                    Record("浏览", 70000, "次", "7万次", value_span=(8, 10))]
    report = score(gold, [Example("a", TEXT, GOLD_SPANS, pred_records)]).report
    assert report["record"]["correct"] == 0 and report["value_unit"]["correct"] == 2
    assert report["errors"]["wrong_link"] == 2
    assert match_records([Record("占比", 5, "%", "")], [Record("占比", 5, "％", "")]) == [(0, 0)]
    assert match_records([Record("占比", 5, "℅", "")], [Record("占比", 5, "﹪", "")]) == [(0, 0)]
    assert match_records([Record("占比", 5, "%", "")], [Record("占比", 5, "‰", "")]) == []


def test_span_error_kinds():
    gold = [Span(0, 4, "METRIC"), Span(4, 6, "VALUE"), Span(6, 7, "UNIT"), Span(9, 10, "VALUE")]
    pred = [Span(1, 4, "METRIC"), Span(4, 6, "UNIT"), Span(12, 13, "VALUE")]
    kinds = [(e["kind"], e["gold"], e["pred"]) for e in span_errors(gold, pred)]
    assert kinds == [
        ("boundary", gold[0], pred[0]),
        ("type", gold[1], pred[1]),
        ("miss", gold[2], None),
        ("miss", gold[3], None),
        ("spurious", None, pred[2]),
    ]


def test_record_error_kinds():
    gold = [Record("办结", 3, "件", "", value_span=(2, 3)), Record("浏览量", 7, "次", "", value_span=(8, 9)),
            Record("留言", 5, "条", "", value_span=(12, 13)), Record("咨询", 9, "起", "", value_span=(20, 21))]
    pred = [Record("办结", 4, "件", "", value_span=(2, 3)), Record("浏览量", 7, "条", "", value_span=(8, 10)),
            Record("有效留言", 5, "条", "", value_span=(12, 13)), Record(None, 1, None, "", value_span=(30, 31))]
    kinds = [e["kind"] for e in record_errors(gold, pred, match_records(gold, pred))]
    assert kinds == ["wrong_value", "wrong_unit", "wrong_link", "missed_record", "spurious_record"]


def test_texts_without_gold_records_take_no_part_in_record_scores():
    gold = [gold_example("a"), Example("b", TEXT, list(GOLD_SPANS), None)]
    pred = [gold_example("a"), Example("b", TEXT, list(GOLD_SPANS), [Record(None, 1, None, "1")])]
    report = score(gold, pred).report
    assert report["texts_without_gold_records"] == 1
    assert report["record"]["predicted"] == 2 and report["record"]["precision"] == 1.0


def test_predictions_without_records_get_them_from_the_linker():
    pred = [Example("a", TEXT, list(GOLD_SPANS), None)]
    assert score([gold_example()], pred).report["record"]["predicted"] == 0
    report = score([gold_example()], pred, build_records=build_records).report
    assert report["record"]["f1"] == 1.0


def test_per_source_breakdown():
    gold = [gold_example("a", "甲"), gold_example("b", "乙")]
    report = score(gold, [gold_example("a")]).report
    assert set(report["per_source"]) == {"甲", "乙"}
    assert report["per_source"]["甲"]["entity_micro_f1"] == 1.0
    assert report["per_source"]["乙"]["entity_micro_f1"] == 0.0
    assert report["per_source"]["乙"]["missing_predictions"] == 1


def test_no_texts():
    report = score([], []).report
    assert report["texts"] == 0 and report["entity_micro_f1"] == 0.0 and report["record"]["f1"] == 0.0


# ---------------------------------------------------------------------------------------------
# govreport evaluate
# ---------------------------------------------------------------------------------------------

REPORT_KEYS = {"METRIC", "VALUE", "UNIT", "entity_micro_f1", "record", "value_unit", "texts", "errors",
               "per_source", "missing_predictions", "extra_predictions", "scoring"}


@pytest.fixture(scope="module")
def gold_file(tmp_path_factory):
    """The conftest sentences with records from the linker, as a gold file with sources."""
    examples = []
    for i, marked in enumerate(MARKED):
        ex = parse_marked(marked, f"t-{i}")
        ex.records = build_records(ex.text, ex.spans)
        ex.meta["source"] = "甲" if i % 2 else "乙"
        examples.append(ex)
    path = tmp_path_factory.mktemp("gold") / "gold.jsonl"
    write_jsonl(path, examples)
    return path, examples


def test_cli_with_predictions(gold_file, tmp_path, capsys):
    path, examples = gold_file
    lines = []
    for ex in examples[1:]:  # the first gold text has no prediction
        d = ex.to_dict()
        if ex.id == "t-1":
            d["label"] = [s for s in d["label"] if s[2] != "METRIC"]
            d["records"] = [dict(r, metric=None) for r in d["records"]]
        if ex.id == "t-2":
            del d["text"]  # govreport extract writes no text without --include-text
        lines.append(d)
    lines.append({"id": "not-in-gold", "label": [[0, 1, "VALUE"]]})
    pred = tmp_path / "pred.jsonl"
    pred.write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in lines), encoding="utf-8")
    out, errors = tmp_path / "report.json", tmp_path / "errors.jsonl"
    assert cli.main(["--gold", str(path), "--predictions", str(pred), "--output", str(out),
                     "--errors", str(errors), "--markdown", "--per-source"]) == 0
    printed = capsys.readouterr()
    assert "| METRIC |" in printed.out and "seqeval strict mode, IOB2" in printed.out
    assert "| source |" in printed.out
    report = json.loads(out.read_text(encoding="utf-8"))
    assert REPORT_KEYS <= set(report)
    assert report["missing_predictions"] == 1 and report["extra_predictions"] == 1
    assert report["texts"] == len(examples) and set(report["per_source"]) == {"甲", "乙"}
    assert report["VALUE"]["precision"] == 1.0 and report["VALUE"]["recall"] < 1.0
    wrong = [json.loads(line) for line in errors.read_text(encoding="utf-8").splitlines()]
    assert [w["id"] for w in wrong] == ["t-0", "t-1"]
    assert wrong[0]["missing_prediction"] and {e["kind"] for e in wrong[0]["errors"]} == {"miss", "missed_record"}
    assert {e["kind"] for e in wrong[1]["errors"]} == {"miss", "wrong_link"}
    assert wrong[1]["gold"]["label"][0] == [0, 3, "METRIC", "浏览量"]


def test_cli_rules(gold_file, tmp_path, capsys):
    path, examples = gold_file
    out = tmp_path / "report.json"
    assert cli.main(["--gold", str(path), "--system", "rules", "--output", str(out)]) == 0
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["system"] == "rules" and report["texts"] == len(examples)
    assert report["govreport_version"] == package_version()  # what made the figures
    assert report["VALUE"]["f1"] > 0.8  # the rules find these values; the figure is no target
    assert "VALUE" in capsys.readouterr().out


def test_cli_a_failing_tagger_fails_the_evaluation(gold_file, tmp_path, capsys, monkeypatch):
    from govreport.eval.rules import RuleTagger

    path, examples = gold_file
    broken = examples[1].text

    def tag(self, texts):
        if broken in texts:
            raise RuntimeError("boom")
        return original(self, texts)

    original = RuleTagger.__call__
    monkeypatch.setattr(RuleTagger, "__call__", tag)
    out = tmp_path / "report.json"
    assert cli.main(["--gold", str(path), "--system", "rules", "--output", str(out)]) == 1
    report = json.loads(out.read_text(encoding="utf-8"))
    assert [f["id"] for f in report["failed_texts"]] == [examples[1].id]
    assert "boom" in report["failed_texts"][0]["error"]
    assert "failed on 1 of" in capsys.readouterr().err


def test_cli_a_bad_gold_line_is_named_and_left_out(gold_file, tmp_path, capsys):
    # one broken line of a gold file costs that line, not the figures of the rest
    path, examples = gold_file
    lines = path.read_text(encoding="utf-8").splitlines()
    mixed = tmp_path / "mixed.jsonl"
    mixed.write_text("\n".join([lines[0], '{"text": "ab", "label": [[0, 5, "VALUE"]]}', "not json", *lines[1:]]) + "\n",
                     encoding="utf-8")
    out = tmp_path / "report.json"
    assert cli.main(["--gold", str(mixed), "--system", "rules", "--output", str(out)]) == 1
    err = capsys.readouterr().err
    assert "mixed.jsonl:2: bad 'label'" in err and "mixed.jsonl:3: not JSON" in err
    assert "2 gold lines could not be read" in err
    assert json.loads(out.read_text(encoding="utf-8"))["texts"] == len(examples)


def test_cli_a_repeated_gold_id_is_scored_under_a_name_of_its_own(gold_file, tmp_path, capsys):
    path, examples = gold_file
    twice = tmp_path / "twice.jsonl"
    twice.write_text(path.read_text(encoding="utf-8") * 2, encoding="utf-8")
    out = tmp_path / "report.json"
    assert cli.main(["--gold", str(twice), "--system", "rules", "--output", str(out)]) == 0
    assert "appear more than once" in capsys.readouterr().err
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["texts"] == 2 * len(examples)
    assert f"{examples[0].id}#2" in report["per_text_counts"]["ids"]


def test_cli_model(gold_file, tmp_path, capsys):
    from tests.test_extract import lexicon_model

    path, examples = gold_file
    model_dir = lexicon_model(tmp_path / "model", max_length=32)
    out = tmp_path / "report.json"
    assert cli.main(["--gold", str(path), "--model", str(model_dir), "--device", "cpu",
                     "--max-examples", "5", "--output", str(out)]) == 0
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["texts"] == 5 and report["system"] == f"model {model_dir}"
    assert report["backend"] == "torch"  # no model.onnx in the folder
    assert report["VALUE"]["predicted"] > 0


def test_cli_errors(gold_file, tmp_path, capsys):
    path, _ = gold_file
    assert cli.main(["--gold", str(tmp_path / "missing.jsonl"), "--system", "rules"]) == 2
    assert cli.main(["--gold", str(path), "--model", str(tmp_path / "no-model")]) == 2
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "t-0", "text": "另一段文字"}\n', encoding="utf-8")
    assert cli.main(["--gold", str(path), "--predictions", str(bad)]) == 2
    assert "different text" in capsys.readouterr().err
    twice = tmp_path / "twice.jsonl"
    twice.write_text(path.read_text(encoding="utf-8") * 2, encoding="utf-8")
    assert cli.main(["--gold", str(twice), "--predictions", str(path)]) == 2   # which text is whose?
    assert "more than once" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        cli.main(["--gold", str(path), "--system", "rules", "--predictions", str(bad)])


# ---------------------------------------------------------------------------------------------
# govreport bench (figures only; nothing is timed against a threshold)
# ---------------------------------------------------------------------------------------------


def test_bench_prints_figures(tmp_path, capsys):
    from tests.test_extract import lexicon_model

    model_dir = lexicon_model(tmp_path / "model", max_length=32)
    assert bench.main(["--model", str(model_dir), "--reports", "0", "--device", "cpu", "--threads", "1"]) == 0
    out = capsys.readouterr().out
    assert "reports_page.txt" in out and "forward" in out
    timed = [line for line in out.splitlines() if line.startswith(("model ", "rules "))]
    assert len(timed) == 2 and all("chars/s" in line for line in timed)
    assert bench.main(["--no-model", "--reports", "0", "--repeat", "2"]) == 0
    out = capsys.readouterr().out
    assert "fastest of 2 passes" in out
    assert [line.split()[0] for line in out.splitlines() if "chars/s" in line] == ["rules"]
    assert bench.main(["--no-model", "--repeat", "0"]) == 2


def test_metric_boundary_errors_are_counted_by_shape():
    text = "全年共受理政府信息公开申请52件"
    gold = Example("a", text, [Span(5, 13, "METRIC"), Span(13, 15, "VALUE"), Span(15, 16, "UNIT")], [])
    # 政府信息公开申请 cut to 公开申请, grown to 受理政府信息公开申请, moved to 受理政府
    cases = {"short": Span(9, 13, "METRIC"), "long": Span(3, 13, "METRIC"), "shifted": Span(3, 7, "METRIC")}
    for shape, metric in cases.items():
        pred = Example("a", text, [metric, Span(13, 15, "VALUE"), Span(15, 16, "UNIT")], [])
        shapes = score([gold], [pred]).report["boundary_errors_by_shape"]["METRIC"]
        assert shapes == {s: int(s == shape) for s in ("short", "long", "shifted")}


def test_wrong_links_are_counted_by_cause():
    text = "咨询30件,投诉12件,办理时限5天,连续3年,其他7件"
    m, v, u = "METRIC", "VALUE", "UNIT"

    def rec(metric, mspan, value, unit, vspan):
        return Record(metric, value, unit, text[vspan[0]:vspan[1] + 1], value_span=vspan,
                      unit_span=(vspan[1], vspan[1] + 1), metric_span=mspan)

    gold_records = [rec("咨询", (0, 2), 30, "件", (2, 4)), rec("投诉", (6, 8), 12, "件", (8, 10)),
                    rec("办理时限", (12, 16), 5, "天", (16, 17)), rec(None, None, 3, "年", (21, 22)),
                    rec("其他", (24, 26), 7, "件", (26, 27))]
    gold = Example("a", text, [], gold_records)
    # 12件 goes to 咨询 though 投诉 was tagged; 5天 to a cut 时限; 3年 to 时限 where gold has none;
    # 7件 to 时限 with nothing tagged at 其他
    pred_spans = [Span(0, 2, m), Span(2, 4, v), Span(4, 5, u), Span(6, 8, m), Span(8, 10, v), Span(10, 11, u),
                  Span(14, 16, m), Span(16, 17, v), Span(17, 18, u), Span(21, 22, v), Span(22, 23, u),
                  Span(26, 27, v), Span(27, 28, u)]
    pred_records = [rec("咨询", (0, 2), 30, "件", (2, 4)), rec("咨询", (0, 2), 12, "件", (8, 10)),
                    rec("时限", (14, 16), 5, "天", (16, 17)), rec("时限", (14, 16), 3, "年", (21, 22)),
                    rec("时限", (14, 16), 7, "件", (26, 27))]
    report = score([gold], [Example("a", text, pred_spans, pred_records)]).report
    assert report["errors"]["wrong_link"] == 4
    assert report["wrong_links_by_cause"] == {"linking": 1, "metric_boundary": 1, "metric_missing": 1, "gold_null": 1}
    assert "wrong links by cause: linking 1, metric_boundary 1, metric_missing 1, gold_null 1" in errors_summary(report)
