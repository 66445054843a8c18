"""``govreport bench --soak N``: one ``govreport extract`` run over a folder of N mixed files.

The folder holds good reports (UTF-8, UTF-8 with BOM, GBK), broken ones (bytes that are
neither UTF-8 nor GB18030), binary files, empty files and a few huge reports, in a
shuffled order. The run must name every bad file in its failure summary, write every
good file's records (each good file states numbers no other file states, so each is
checked by value) and exit 1 because some files failed. The peak resident memory of the
extract process (``ru_maxrss``) and its time are printed. A benchmark, not a test: the
run takes minutes with a model.

>>> kinds = [kind for kind, _ in plan(40, seed=1)]
>>> sorted(set(kinds))
['binary', 'broken', 'empty', 'gbk', 'huge', 'utf8', 'utf8-bom']
"""

from __future__ import annotations

import json
import logging
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path


logger = logging.getLogger(__name__)

SOAK_SEED = 20261205

# Share of each kind of file; "huge" files are few whatever N is (see plan()).
SHARES = {"utf8": 0.62, "utf8-bom": 0.06, "gbk": 0.12, "broken": 0.08, "binary": 0.07, "empty": 0.05}
GOOD = ("utf8", "utf8-bom", "gbk", "huge")
BAD = ("broken", "binary")


@dataclass
class SoakFile:
    name: str
    kind: str
    values: list[int] = field(default_factory=list)  # numbers only this file states


def plan(files: int, seed: int = SOAK_SEED, huge: int = 2) -> list[tuple[str, int]]:
    """``(kind, index)`` for each file, shuffled: ``huge`` huge reports, the rest by :data:`SHARES`."""
    huge = min(huge, max(files // 20, 1))
    rest = files - huge
    kinds = ["huge"] * huge
    for kind, share in SHARES.items():
        kinds += [kind] * max(1, round(rest * share))
    kinds = kinds[:files] if len(kinds) >= files else kinds + ["utf8"] * (files - len(kinds))
    random.Random(seed).shuffle(kinds)
    return [(kind, i) for i, kind in enumerate(kinds)]


def _report(index: int, rng: random.Random, sentences: int) -> tuple[str, list[int]]:
    """An invented report whose every number is unique to it: ``index`` makes the values distinct."""
    title = f"测试市第{index}局{2000 + index % 25}年政府信息公开工作年度报告"
    lines, values = [title], []
    for k in range(sentences):
        value = index * 1000 + k + 1
        values.append(value)
        lines.append(rng.choice([f"全年共发布工作动态{value}条。", f"受理政府信息公开申请{value}件。",
                                 f"门户网站浏览量达到{value}次。", f"办理行政复议案件{value}件。"]))
    return "\n".join(lines) + "\n", values


def build(folder: Path, files: int = 1000, seed: int = SOAK_SEED, huge_mb: float = 1.0) -> list[SoakFile]:
    """Write the soak folder; returns what each file is and the values a good one must yield."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    manifest = []
    for kind, i in plan(files, seed):
        name = f"{i:04d}-{kind}.txt"
        item = SoakFile(name, kind)
        if kind in ("utf8", "utf8-bom", "gbk"):
            text, item.values = _report(i + 1, rng, rng.randint(1, 6))
            data = text.encode("gbk") if kind == "gbk" else text.encode("utf-8-sig" if kind == "utf8-bom" else "utf-8")
        elif kind == "huge":
            text, item.values = _report(i + 1, rng, 3)
            filler = "本机关坚持以公开为常态、不公开为例外，持续深化政务公开工作。\n"
            data = (text + filler * int(huge_mb * 2**20 / len(filler.encode()))).encode("utf-8")
        elif kind == "broken":  # UTF-8 with stray bytes that no GB18030 reading accepts
            text, _ = _report(i + 1, rng, 2)
            raw = text.encode("utf-8")
            cut = len(raw) // 2
            data = raw[:cut] + b"\xff\xfe\x80" + raw[cut:]
        elif kind == "binary":
            data = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + rng.randbytes(rng.randint(10, 4000))
        else:
            data = b""
        (folder / name).write_bytes(data)
        manifest.append(item)
    return manifest


@dataclass
class SoakResult:
    files: int
    chars: int
    seconds: float
    peak_mib: float
    exit_code: int
    problems: list[str]


def check(manifest: list[SoakFile], folder: Path, output: Path, stderr: str) -> tuple[list[str], int]:
    """What the run got wrong (empty when all is well), and the characters it reported."""
    failed = {}
    chars = 0
    for line in stderr.splitlines():
        if line.startswith("FAILED "):
            source, _, why = line[len("FAILED "):].partition(": ")
            failed[Path(source).name] = why
        elif line.startswith("extract: ") and " characters" in line:
            chars = int(line.split(", ")[1].split()[0])
    written = {}
    if output.is_file():
        with open(output, encoding="utf-8") as f:
            for line in f:
                doc = json.loads(line)
                written[Path(doc["source"]).name] = {r["value"] for r in doc["records"]}
    problems = []
    for item in manifest:
        if item.kind in GOOD:
            if item.name in failed:
                problems.append(f"{item.name} ({item.kind}) failed: {failed[item.name]}")
            elif item.name not in written:
                problems.append(f"{item.name} ({item.kind}) is missing from the output")
            elif missing := [v for v in item.values if v not in written[item.name]]:
                problems.append(f"{item.name} ({item.kind}) lacks the records of {missing[:3]}")
        elif item.kind in BAD and item.name not in failed:
            problems.append(f"{item.name} ({item.kind}) is not named among the failures")
        elif item.kind == "empty" and item.name not in failed and item.name not in written:
            problems.append(f"{item.name} (empty) is neither in the output nor named")
    return problems, chars


def soak(files: int = 1000, model: str | None = None, backend: str = "auto", keep: Path | None = None,
         huge_mb: float = 1.0) -> SoakResult:
    """Build the folder, run ``govreport extract`` over it once in a child process, check the result."""
    work = Path(tempfile.mkdtemp(prefix="govreport-soak-")) if keep is None else keep
    try:
        folder = work / "reports"
        manifest = build(folder, files, huge_mb=huge_mb)
        output = work / "records.jsonl"
        command = [sys.executable, "-m", "govreport", "extract", str(folder), "-o", str(output),
                   "--no-progress", "--backend", backend]
        if model:
            command += ["--model", model]
        start = time.perf_counter()
        proc = subprocess.run(command, capture_output=True, text=True, encoding="utf-8", errors="replace")
        seconds = time.perf_counter() - start
        # ru_maxrss of the children is the largest of any child waited for: here the one run (KiB on Linux)
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        problems, chars = check(manifest, folder, output, proc.stderr)
        if proc.returncode != 1:
            problems.append(f"exit status {proc.returncode}, expected 1 (some files are bad): {proc.stderr[-500:]}")
        return SoakResult(files, chars, seconds, peak, proc.returncode, problems)
    finally:
        if keep is None:
            shutil.rmtree(work, ignore_errors=True)


def report(result: SoakResult, counts: dict[str, int]) -> str:
    lines = [f"soak: {result.files} files ({', '.join(f'{k} {v}' for k, v in counts.items())}), "
             f"{result.chars} characters, one govreport extract run: {result.seconds:.1f} s, "
             f"peak memory {result.peak_mib:.0f} MiB (ru_maxrss), exit {result.exit_code}"]
    lines.append("soak: every good file's records present, every bad file named" if not result.problems
                 else f"soak: {len(result.problems)} problems")
    lines += [f"  {p}" for p in result.problems[:20]]
    return "\n".join(lines)


def counts(files: int) -> dict[str, int]:
    out: dict[str, int] = {}
    for kind, _ in plan(files):
        out[kind] = out.get(kind, 0) + 1
    return out
