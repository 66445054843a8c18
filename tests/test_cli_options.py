"""What every subcommand shares: ``govreport --version`` and ``--verbose``/``--quiet``, handled once in govreport/cli.py."""

from __future__ import annotations

import logging
import os
import sys
import tomllib
from pathlib import Path

import pytest

import govreport.cli
from govreport.data.version import package_version

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def clean_logging(monkeypatch):
    """Each test starts with no handlers on the root logger and leaves the levels as it found them."""
    root = logging.getLogger()
    saved = root.handlers[:], root.level, {n: logging.getLogger(n).level for n in govreport.cli.OWN_LOGGERS}
    monkeypatch.delenv("TQDM_DISABLE", raising=False)
    monkeypatch.setattr(root, "handlers", [])
    yield root
    root.handlers[:], _, levels = saved
    root.setLevel(saved[1])
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


def test_version_is_the_package_version(capsys):
    assert govreport.cli.main(["--version"]) == 0
    out = capsys.readouterr().out.strip()
    assert out == f"govreport {package_version()}"
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert package_version() == project["version"]


@pytest.mark.parametrize("args, level, rest", [
    (["a", "--verbose"], 1, ["a"]),
    (["-q", "a", "-o", "b"], -1, ["a", "-o", "b"]),
    (["-v", "-q", "a"], -1, ["a"]),          # the last one wins
    (["a", "--", "-v"], 0, ["a", "--", "-v"]),  # after -- it is an argument
    (["--verbosely"], 0, ["--verbosely"]),
])
def test_split_verbosity(args, level, rest):
    assert govreport.cli.split_verbosity(args) == (level, rest)


def test_quiet_generate_logs_no_info(tmp_path, clean_logging):
    assert govreport.cli.main(["generate", "--out", str(tmp_path / "d"), "--reports", "3", "--quiet"]) == 0
    assert clean_logging.level == logging.WARNING
    assert os.environ.get("TQDM_DISABLE") == "1"  # no progress bars either


def test_verbose_opens_debug_for_own_modules_only(tmp_path, clean_logging):
    assert govreport.cli.main(["generate", "--out", str(tmp_path / "d"), "--reports", "3", "-v"]) == 0
    assert logging.getLogger("govreport.data.generate").getEffectiveLevel() == logging.DEBUG
    assert logging.getLogger("urllib3").getEffectiveLevel() == logging.INFO


def test_every_subcommand_gets_its_arguments_without_the_flags(monkeypatch, clean_logging):
    seen, given = {}, {}

    class Stage:  # stands in for each stage's CLI module
        @staticmethod
        def main(argv, **handed):
            seen[name] = argv
            given[name] = sorted(handed)
            return 0

    for module, _ in govreport.cli.COMMANDS.values():
        monkeypatch.setitem(sys.modules, module, Stage)
    for name in govreport.cli.COMMANDS:
        assert govreport.cli.main([name, "x", "--verbose", "-q"]) == 0
    # extract's own parser has --quiet (no summary line): it still gets it
    assert seen == {name: ["x", "--quiet"] if name in govreport.cli.OWN_QUIET else ["x"] for name in govreport.cli.COMMANDS}
    # training selects checkpoints on the extraction's records, a later stage's scorer the dispatcher hands in
    assert given == {name: ["record_scorer"] if name in ("train", "distill") else [] for name in govreport.cli.COMMANDS}
