"""One error hierarchy (data/errors.py), shown by the dispatcher as one line and exit code 2; the JSONL
reader (data/jsonl.py) names the file and line of a bad one."""

from __future__ import annotations

import sys
import types

import pytest

import govreport.cli
from govreport.data.atomic import OutputError
from govreport.data.doccano import FormatError
from govreport.data.errors import ConfigError, GovReportError, InputError
from govreport.data.jsonl import json_lines
from govreport.eval.tables import GoldError
from govreport.inference.checks import ExtractionError
from govreport.inference.dask_run import DaskMissingError, ManifestError
from govreport.inference.doccano_loop import ReviewError
from govreport.inference.encoding import ReadError
from govreport.inference.keys import KeyFileError
from govreport.inference.merge import MergeError
from govreport.inference.panel import PanelInputError
from govreport.inference.view import ViewError
from govreport.model.e5_image import ImageNotFound
from govreport.train.config import ConfigError as TrainConfigError
from govreport.train.data import DataError

INPUT_ERRORS = [FormatError, ReviewError, ReadError, GoldError, KeyFileError, ManifestError, MergeError,
                ViewError, PanelInputError, DataError]


@pytest.mark.parametrize("cls", INPUT_ERRORS + [ConfigError, OutputError, ExtractionError, DaskMissingError,
                                                ImageNotFound])
def test_every_error_is_a_govreport_error(cls):
    assert issubclass(cls, GovReportError)


@pytest.mark.parametrize("cls", INPUT_ERRORS)
def test_input_errors_stay_value_errors(cls):
    assert issubclass(cls, InputError) and issubclass(cls, ValueError)


def test_errors_keep_their_builtin_base():
    assert TrainConfigError is ConfigError and issubclass(ConfigError, ValueError)
    assert issubclass(OutputError, ValueError)
    assert issubclass(ImageNotFound, FileNotFoundError)
    assert issubclass(DaskMissingError, ImportError)
    assert issubclass(ExtractionError, RuntimeError)


def test_dispatcher_shows_an_escaped_error_as_one_line(monkeypatch, capsys):
    def main(argv):
        raise InputError("gold.jsonl:3: not JSON")

    monkeypatch.setitem(sys.modules, "_failing_stage", types.SimpleNamespace(main=main))
    monkeypatch.setitem(govreport.cli.COMMANDS, "fail", ("_failing_stage", "always fails"))
    assert govreport.cli.main(["fail"]) == 2
    assert capsys.readouterr().err == "govreport fail: gold.jsonl:3: not JSON\n"


def test_dispatcher_leaves_other_exceptions_alone(monkeypatch):
    def main(argv):
        raise KeyError("a bug, not a user's mistake")

    monkeypatch.setitem(sys.modules, "_buggy_stage", types.SimpleNamespace(main=main))
    monkeypatch.setitem(govreport.cli.COMMANDS, "bug", ("_buggy_stage", "has a bug"))
    with pytest.raises(KeyError):
        govreport.cli.main(["bug"])


def test_bad_config_is_one_line_and_exit_2(tmp_path, capsys):
    config = tmp_path / "bad.json"
    config.write_text('{"max_stepz": 3}', encoding="utf-8")
    assert govreport.cli.main(["train", "--config", str(config), "--data", "d", "--output-dir", "o"]) == 2
    err = capsys.readouterr().err
    assert err == f"govreport train: error: config file {config}: unknown option 'max_stepz'\n"


@pytest.mark.parametrize("command", ["evaluate-tables", "evaluate-keys"])
def test_missing_gold_file_is_one_line_and_exit_2(command, tmp_path, capsys):
    missing = tmp_path / "gold.jsonl"
    assert govreport.cli.main([command, "--gold", str(missing)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"{command}: ") and str(missing) in err and err.count("\n") == 1


@pytest.mark.parametrize("data, why", [
    (b'{"a": 1}\n\n{"a": \n', "3: not JSON: Expecting value"),
    (b'{"a": 1}\n' + b"[" * 100_000 + b"]" * 100_000 + b"\n", "2: not readable JSON (nested too deeply)"),
    ('{"a": "年度"}\n'.encode("gbk"), "1: not UTF-8 text"),
])
def test_json_lines_names_file_and_line(tmp_path, data, why):
    path = tmp_path / "in.jsonl"
    path.write_bytes(data)
    with pytest.raises(FormatError) as caught:
        list(json_lines(path, FormatError))
    assert str(caught.value).startswith(f"{path}:{why}")


def test_json_lines_can_report_a_bad_line_and_read_on(tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_bytes(b'\xef\xbb\xbf{"a": 1}\nnot json\n{"a": 2}\n')
    lines = list(json_lines(path, ViewError, keep_going=True))
    assert [n for n, _ in lines] == [1, 2, 3] and lines[0][1] == {"a": 1} and lines[2][1] == {"a": 2}
    assert isinstance(lines[1][1], ViewError) and str(lines[1][1]).startswith("not JSON: ")
