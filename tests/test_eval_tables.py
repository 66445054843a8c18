"""``govreport evaluate-tables``: cell scoring and its command on a gold file in the
tables_dev format (invented tables from tests/table_shapes.py)."""

from __future__ import annotations

import json

import pytest

from govreport.eval.table_scores import score_cells
from govreport.eval.tables import main, read_gold, GoldError
from tests import table_shapes as S


def test_score_cells_matches_key_and_value_once():
    gold = {"申请.本年新收.自然人": 3, "主动公开.行政事业性收费.收费金额": 88.5}
    predicted = [("申请.本年新收.自然人", 3), ("申请.本年新收.自然人", 3), ("主动公开.行政事业性收费.收费金额", 88.4)]
    assert score_cells(gold, predicted) == (1, 3, 2)


def _write(tmp_path, cells, files=None):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "a.txt").write_text(S.pipe_rows(), encoding="utf-8")
    lines = [{"file": name, "cells": c} for name, c in (files or [("a.txt", cells)])]
    (tmp_path / "gold.jsonl").write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines), encoding="utf-8")
    return tmp_path


def test_command_scores_a_gold_folder(tmp_path, capsys):
    gold = S.expected_2021()
    gold["申请.本年新收.自然人"] = 99          # a value the text does not print
    gold["申请.办理结果.不予公开.总计"] = 4      # a key no printed cell has
    folder = _write(tmp_path, gold)
    errors = tmp_path / "errors.jsonl"
    assert main(["--gold", str(folder), "--errors", str(errors)]) == 0
    out = capsys.readouterr().out
    n = len(gold)
    assert f"gold {n:4d}  predicted {n - 1:4d}  correct {n - 2:4d}" in out
    found = {json.loads(line)["kind"]: json.loads(line) for line in errors.read_text(encoding="utf-8").splitlines()}
    assert found["wrong"]["key"] == "申请.本年新收.自然人" and found["wrong"]["predicted"] == 20
    assert found["missed"]["key"] == "申请.办理结果.不予公开.总计"


def test_missing_raw_file_is_named_and_exit_is_nonzero(tmp_path, capsys):
    folder = _write(tmp_path, None, files=[("a.txt", S.expected_2021()), ("gone.txt", {"申请.本年新收.自然人": 1})])
    assert main(["--gold", str(folder / "gold.jsonl"), "--markdown"]) == 1
    captured = capsys.readouterr()
    assert "gone.txt" in captured.err and "| overall (micro) |" in captured.out


def test_bad_gold_line_is_a_clear_error(tmp_path):
    (tmp_path / "gold.jsonl").write_text('{"cells": {}}\n', encoding="utf-8")
    with pytest.raises(GoldError, match="file"):
        read_gold(tmp_path)
    assert main(["--gold", str(tmp_path)]) == 2


def test_show_lists_the_tables_of_a_file_without_gold(tmp_path, capsys):
    (tmp_path / "page.txt").write_text(S.pipe_rows(), encoding="utf-8")
    assert main(["--show", str(tmp_path / "page.txt"), str(tmp_path / "gone.txt")]) == 1
    out = capsys.readouterr()
    n = len(S.expected_2021())
    assert f"3 tables, {n} cells" in out.out and "table 3 (2021 layout)" in out.out and "gone.txt" in out.err


def test_gold_may_name_files_with_their_folder_and_pdf_goes_to_the_reader(tmp_path, capsys):
    folder = _write(tmp_path, None, files=[("raw/a.txt", S.expected_2021()), ("b.pdf", {"申请.本年新收.自然人": 1})])
    (folder / "raw" / "b.pdf").write_bytes(b"\x00\x01 not a text file \xff\xfe\x00")
    assert main(["--gold", str(folder)]) == 1          # b.pdf is named and skipped
    captured = capsys.readouterr()
    n = len(S.expected_2021())
    assert f"correct {n:4d}" in captured.out and "b.pdf" in captured.err
