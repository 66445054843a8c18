"""A non-editable install works: the wheel built from this tree, installed in a fresh virtual
environment, runs ``govreport --version``, ``extract`` with the shipped fast model and
``generate`` from a folder outside the repository.

The fresh environment is made with ``--system-site-packages`` and a ``.pth`` line naming
the running environment's site-packages, so torch, transformers and the rest come from
there (nothing is downloaded); ``--system-site-packages`` alone would only reach the base
interpreter's packages, not those of the virtual environment the tests run in. Paths in a
``.pth`` line are added to ``sys.path`` without running that folder's own ``.pth`` files, so
an editable govreport installed there stays out of the way: the test checks that the
modules it runs come from the wheel. About 30-60 s (a 55 MB wheel: the shipped models).
"""

from __future__ import annotations

import csv
import importlib.metadata
import importlib.util
import io
import os
import shutil
import site
import subprocess
import sys
import sysconfig
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# What the wheel is built from (tests and caches stay behind).
SOURCES = ("pyproject.toml", "README.md", "LICENSE", "govreport", "data", "model", "train", "inference", "eval")

pytestmark = pytest.mark.install


def run(cmd, cwd, timeout=300):
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PIP_NO_INDEX"] = "1"  # offline: everything the install needs is here
    return subprocess.run([str(c) for c in cmd], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


def build_requirements_missing() -> str | None:
    """Why a wheel cannot be built offline here, or None."""
    try:
        version = importlib.metadata.version("setuptools")
    except importlib.metadata.PackageNotFoundError:
        return "setuptools is not installed in the test environment (pip wheel --no-build-isolation needs it)"
    if int(version.split(".")[0]) < 77:
        return (f"setuptools {version} cannot build this project (77 or later reads its SPDX license and writes "
                "wheels by itself; pip install 'setuptools>=77')")
    if importlib.util.find_spec("pip") is None:
        return "pip is not installed in the test environment"
    return None


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    reason = build_requirements_missing()
    if reason:
        pytest.skip(f"cannot build the wheel offline: {reason}")
    work = tmp_path_factory.mktemp("wheel")
    src = work / "src"
    src.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", "*.pyc")
    for name in SOURCES:
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, src / name, ignore=ignore)
        else:
            shutil.copy2(path, src / name)
    built = run([sys.executable, "-m", "pip", "wheel", src, "--no-deps", "--no-build-isolation", "-w", work / "wheels", "-q"],
                cwd=work)
    assert built.returncode == 0, built.stderr
    (wheel,) = (work / "wheels").glob("govreport-*.whl")
    env = work / "env"
    made = run([sys.executable, "-m", "venv", "--system-site-packages", "--without-pip", env], cwd=work)
    assert made.returncode == 0, made.stderr
    python = env / ("Scripts" if os.name == "nt" else "bin") / "python"
    purelib = run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], cwd=work).stdout.strip()
    ours = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"], *site.getsitepackages()}
    (Path(purelib) / "_govreport_test_deps.pth").write_text("".join(p + "\n" for p in sorted(ours)), encoding="utf-8")
    done = run([sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--no-index", "-q", wheel], cwd=work)
    assert done.returncode == 0, done.stderr
    outside = work / "elsewhere"  # not the repository: nothing may be found through the working directory
    outside.mkdir()
    yield python, env / ("Scripts" if os.name == "nt" else "bin") / "govreport", outside
    shutil.rmtree(work, ignore_errors=True)  # some 170 MB: the copied tree, the wheel, the install


def test_the_wheel_holds_the_models_and_templates(installed):
    python, _, outside = installed
    found = run([python, "-c", "import govreport.data.templates; import govreport.inference.tagger as t; "
                 "print(t.__file__); print(all((d / 'config.json').is_file() for d in t.SHIPPED_MODELS.values()))"],
                cwd=outside)
    assert found.returncode == 0, found.stderr
    where, models = found.stdout.split()
    assert not Path(where).resolve().is_relative_to(ROOT) and models == "True"  # the wheel's copy, with its models


def test_the_wheel_claims_no_import_name_but_govreport(installed):
    python, _, outside = installed
    files = run([python, "-c", "import importlib.metadata as m; print('\\n'.join(str(f) for f in m.distribution('govreport').files))"],
                cwd=outside)
    assert files.returncode == 0, files.stderr
    tops = {Path(line).parts[0] for line in files.stdout.split() if not line.startswith("..")}  # ../bin: the script
    assert {top for top in tops if not top.endswith(".dist-info")} == {"govreport"}, tops


def test_version_and_license_from_the_wheel(installed):
    python, govreport, outside = installed
    out = run([govreport, "--version"], cwd=outside)
    version = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
    assert out.returncode == 0 and out.stdout.strip() == f"govreport {version}", out.stderr
    meta = run([python, "-c", "import importlib.metadata as m; d = m.distribution('govreport'); "
                "print(d.metadata['License-Expression'], any(f.name == 'LICENSE' for f in d.files))"], cwd=outside)
    assert meta.stdout.split() == ["MIT", "True"], meta.stderr


def test_extract_with_the_shipped_fast_model(installed):
    _, govreport, outside = installed
    (outside / "report.txt").write_text("全年共受理政府信息公开申请52件，其中网络申请26件。\n", encoding="utf-8")
    out = run([govreport, "extract", "report.txt", "-o", "records.csv", "--no-progress"], cwd=outside)
    assert out.returncode == 0, out.stderr
    rows = list(csv.DictReader(io.StringIO((outside / "records.csv").read_text(encoding="utf-8-sig"))))
    assert [(r["value"], r["unit"], r["model"]) for r in rows] == [("52", "件", "fast"), ("26", "件", "fast")]


def test_generate_finds_its_templates(installed):
    _, govreport, outside = installed
    out = run([govreport, "generate", "--out", "gen", "--reports", "3", "--quiet"], cwd=outside)
    assert out.returncode == 0, out.stderr
    assert (outside / "gen" / "train.jsonl").stat().st_size > 0
