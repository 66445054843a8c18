"""The evaluation report: bootstrap intervals, paired comparison, confusion, calibration,
training curves and the HTML page (eval/bootstrap.py, eval/report.py, eval/report_html.py)."""

from __future__ import annotations

import json
import random
import re
import sys

import numpy as np
import pytest

from govreport.data.doccano import Example, write_jsonl
from govreport.data.schema import Span
from govreport.eval import cli
from govreport.eval.bootstrap import COUNT_KEYS, bootstrap, paired_bootstrap, prf_arrays, text_counts
from govreport.eval.report import analyse, calibration, confusion, read_history
from govreport.eval.scoring import score
from govreport.inference.records import build_records
from tests.conftest import MARKED, parse_marked
from tests.test_eval import perturb


def scored(seed: int = 0):
    """The conftest sentences with records, against perturbed predictions."""
    rng = random.Random(seed)
    gold, pred = [], []
    for i, marked in enumerate(MARKED):
        ex = parse_marked(marked, f"t-{i}")
        ex.records = build_records(ex.text, ex.spans)
        gold.append(ex)
        spans = perturb(rng, ex.spans, len(ex.text))
        pred.append(Example(ex.id, ex.text, spans, build_records(ex.text, spans)))
    return score(gold, pred)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_per_text_counts_give_the_reports_own_figures(seed):
    result = scored(seed)
    f1 = prf_arrays(text_counts(result.texts).sum(axis=0))[2]
    for k, key in enumerate(COUNT_KEYS):
        assert f1[k] == pytest.approx(result.report[key]["f1"]), key


def test_intervals_hold_the_point_and_repeat_with_the_seed():
    result = scored(1)
    counts = text_counts(result.texts)
    first = bootstrap(counts, resamples=300, seed=5)
    assert first == bootstrap(counts, resamples=300, seed=5)
    assert first != bootstrap(counts, resamples=300, seed=6)
    for key in COUNT_KEYS:
        lo, hi = first[key]["f1"]
        assert lo <= result.report[key]["f1"] <= hi and lo < hi, key


def test_paired_bootstrap_tells_noise_from_a_real_difference():
    a = text_counts(scored(0).texts)
    same = paired_bootstrap(a, a, resamples=200)
    assert all(d["diff"] == 0 and not d["outside"] for d in same.values())
    perfect = a.copy()
    perfect[..., 0] = perfect[..., 2]  # every gold item found
    perfect[..., 1] = perfect[..., 2]  # and nothing else
    better = paired_bootstrap(a, perfect, resamples=200)
    assert better["entity_micro"]["outside"] and better["entity_micro"]["diff"] > 0
    assert better["entity_micro"]["share_not_better"] == 0.0
    with pytest.raises(ValueError, match="different counts"):
        paired_bootstrap(a, a[:3])


def test_confusion_pairs_spans_by_overlap():
    text = "办结3件共计5条"
    gold = [Example("a", text, [Span(0, 2, "METRIC"), Span(2, 3, "VALUE"), Span(3, 4, "UNIT"), Span(6, 7, "VALUE")])]
    pred = [Example("a", text, [Span(0, 1, "METRIC"), Span(2, 3, "UNIT"), Span(4, 6, "METRIC")])]
    conf = confusion(score(gold, pred).texts)
    m = conf["matrix"]
    assert m["METRIC"]["METRIC"] == 1 and m["VALUE"]["UNIT"] == 1  # a boundary error, a type confusion
    assert m["UNIT"]["none"] == 1 and m["VALUE"]["none"] == 1 and m["none"]["METRIC"] == 1
    assert conf["exact_boundaries"] == 1


def test_calibration_bins_and_ece():
    text = "办结3件共5条"
    gold = [Example("a", text, [Span(2, 3, "VALUE"), Span(3, 4, "UNIT")])]
    p = Example("a", text, [Span(2, 3, "VALUE"), Span(3, 4, "VALUE")],
                meta={"span_scores": [[2, 3, "VALUE", 0.95], [3, 4, "VALUE", 0.91], ]})
    calib = calibration(score(gold, [p]).texts)
    top = calib["bins"][-1]
    assert top["count"] == 2 and top["accuracy"] == 0.5 and top["confidence"] == pytest.approx(0.93)
    assert calib["ece"] == pytest.approx(0.43) and calib["spans"] == 2
    assert calibration(score(gold, [Example("a", text, [])]).texts) is None


def test_training_history_from_trainer_state_checkpoints_and_train_results(tmp_path):
    log = [{"loss": 0.9, "step": 10}, {"loss": 0.5, "step": 20},
           {"eval_dev_f1": 0.6, "eval_dev_METRIC_f1": 0.4, "eval_validation_f1": 0.7, "step": 20},
           {"loss": 0.3, "step": 30}, {"eval_dev_f1": 0.8, "eval_validation_f1": 0.9, "step": 30}]
    checkpoint = tmp_path / "run" / "checkpoint-30"
    checkpoint.mkdir(parents=True)
    (checkpoint / "trainer_state.json").write_text(json.dumps({"log_history": log}))
    history = read_history(tmp_path / "run")
    assert history["loss"] == [[10, 0.9], [20, 0.5], [30, 0.3]]
    assert history["eval_f1"] == {"dev": [[20, 0.6], [30, 0.8]], "validation": [[20, 0.7], [30, 0.9]]}
    exported = tmp_path / "model"
    exported.mkdir()
    (exported / "train_results.json").write_text(json.dumps({"history": log[2:3]}))
    assert read_history(exported)["eval_f1"]["dev"] == [[20, 0.6]]
    with pytest.raises(FileNotFoundError):
        read_history(tmp_path / "nothing")
    (exported / "train_results.json").write_text(json.dumps({"history": []}))
    with pytest.raises(ValueError, match="no training log"):
        read_history(exported)


HOSTILE = "<script>document.title='x'</script>"


@pytest.fixture()
def files(tmp_path):
    gold, pred = [], []
    rng = random.Random(3)
    for i, marked in enumerate(MARKED):
        ex = parse_marked(marked, f"t-{i}")
        if i == 0:
            ex = Example(ex.id, HOSTILE + ex.text, [Span(s.start + len(HOSTILE), s.end + len(HOSTILE), s.label)
                                                    for s in ex.spans])
        ex.records = build_records(ex.text, ex.spans)
        gold.append(ex)
        spans = perturb(rng, ex.spans, len(ex.text))
        if i == 0:  # spurious spans all over the hostile part: the worst text, shown on the page
            spans = [Span(j, j + 1, "VALUE") for j in range(0, len(HOSTILE), 2)] + ex.spans
        d = {"id": ex.id, "label": [s.to_doccano() for s in spans], "scores": [rng.uniform(0.5, 1) for _ in spans]}
        pred.append(d)
    write_jsonl(tmp_path / "gold.jsonl", gold)
    (tmp_path / "pred.jsonl").write_text("".join(json.dumps(d) + "\n" for d in pred), encoding="utf-8")
    run = tmp_path / "run"
    run.mkdir()
    (run / "trainer_state.json").write_text(json.dumps({"log_history": [
        {"loss": 0.5, "step": 5}, {"eval_dev_f1": 0.5, "step": 5}, {"loss": 0.2, "step": 10},
        {"eval_dev_f1": 0.7, "step": 10}]}))
    return tmp_path


def test_evaluate_html_report_and_json_figures(files, capsys):
    out, html = files / "report.json", files / "report.html"
    assert cli.main(["--gold", str(files / "gold.jsonl"), "--predictions", str(files / "pred.jsonl"), "--output",
                     str(out), "--html", str(html), "--run", str(files / "run"), "--bootstrap", "200"]) == 0
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["bootstrap"]["resamples"] == 200 and set(report["bootstrap"]["intervals"]) == set(COUNT_KEYS)
    assert report["calibration"]["spans"] == sum(len(json.loads(line)["label"]) for line in
                                                 (files / "pred.jsonl").read_text().splitlines())
    assert len(report["per_text_counts"]["ids"]) == len(MARKED) and report["worst_texts"]
    page = html.read_text(encoding="utf-8")
    assert len(re.findall(r'<img alt="[^"]+" src="data:image/png;base64,', page)) == 3  # F1, calibration, curves
    assert "<script" not in page and "img-src data:" in page and "http" not in page.replace("http-equiv", "")
    assert report["worst_texts"][0]["id"] == "t-0"
    assert "data-l=\"V\"" in page  # highlighted spans; the text inside them escaped
    plain = re.sub(r"<mark[^>]*>|</mark>", "", page)
    assert "&lt;script&gt;document.title=&#x27;x&#x27;&lt;/script&gt;" in plain
    assert "texts with most errors" in page and "F1 95% interval" in page


def test_compare_two_saved_reports(files, capsys):
    gold, pred = str(files / "gold.jsonl"), str(files / "pred.jsonl")
    assert cli.main(["--gold", gold, "--predictions", pred, "--output", str(files / "a.json")]) == 0
    assert cli.main(["--gold", gold, "--predictions", gold, "--output", str(files / "b.json")]) == 0  # gold as prediction
    capsys.readouterr()
    html = files / "compare.html"
    assert cli.main(["--compare", str(files / "a.json"), str(files / "b.json"), "--html", str(html),
                     "--output", str(files / "c.json"), "--bootstrap", "200"]) == 0
    printed = capsys.readouterr().out
    assert re.search(r"\| entity_micro \| 0\.\d+ \| 1\.000 \| \+0\.\d+ \| .* \| yes \|", printed)
    result = json.loads((files / "c.json").read_text(encoding="utf-8"))
    assert result["texts"] == len(MARKED) and result["keys"]["VALUE"]["b"] == 1.0
    assert "outside?" in html.read_text(encoding="utf-8")


def test_compare_and_html_errors_are_clear(files, capsys, monkeypatch):
    old = files / "old.json"
    old.write_text(json.dumps({"VALUE": {}}))
    assert cli.main(["--compare", str(old), str(old)]) == 2
    assert "no per_text_counts" in capsys.readouterr().err
    assert cli.main(["--predictions", "x.jsonl"]) == 2
    assert "--gold is required" in capsys.readouterr().err
    assert cli.main(["--gold", str(files / "gold.jsonl"), "--system", "rules", "--html", str(files / "r.html"),
                     "--run", str(files / "nothing")]) == 2
    assert "--run" in capsys.readouterr().err and not (files / "r.html").exists()
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # as if not installed
    assert cli.main(["--gold", str(files / "gold.jsonl"), "--system", "rules", "--html", str(files / "r.html")]) == 2
    assert "pip install 'govreport[report]'" in capsys.readouterr().err and not (files / "r.html").exists()


def test_analyse_without_resamples_has_no_intervals():
    extra = analyse(scored(0), resamples=0)
    assert "bootstrap" not in extra and np.array(extra["per_text_counts"]["counts"]).shape == (len(MARKED), 6, 3)
