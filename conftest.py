"""pytest's doctests import a stage's module by the name its path gives (``data/jsonl.py`` as
``data.jsonl``), while the project imports it as ``govreport.data.jsonl`` (govreport/__init__.py).
This finder makes the first name an alias of the second, so each doctest runs against the one
module the code uses rather than a second copy of it, whose classes would not be the code's.
Only pytest sees the aliases: tests/test_architecture.py checks that no file imports a stage by
its bare name."""

import importlib
import importlib.abc
import importlib.util
import sys

STAGES = ("data", "model", "train", "inference", "eval")


class _StageAlias(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, fullname, path=None, target=None):
        return importlib.util.spec_from_loader(fullname, self) if fullname.split(".")[0] in STAGES else None

    def create_module(self, spec):
        return importlib.import_module(f"govreport.{spec.name}")

    def exec_module(self, module):
        pass  # the govreport module ran when it was imported


sys.meta_path.insert(0, _StageAlias())
