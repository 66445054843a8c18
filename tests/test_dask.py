"""extract-dask on a LocalCluster of two worker processes: a killed worker, a failed shard, resume, same bytes."""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from govreport.inference import cli, merge
from govreport.inference.dask_run import MANIFEST, ManifestError, extract_dask, main, shard_complete, shard_name
from govreport.inference.parallel import ExtractorSpec, index_path, list_units, shard_of

needs_dask = pytest.mark.skipif(importlib.util.find_spec("distributed") is None,
                                reason="dask[distributed] is not installed (pip install 'govreport[distributed]')")
SHARDS = 3


class _Saboteur:
    """An extractor that kills its own process on one file (once, by a marker file) and raises on another."""

    def __init__(self, extractor, spec):
        self.extractor, self.spec = extractor, spec

    def stream(self, documents):
        documents = list(documents)
        for doc in documents:
            if doc.source.endswith(self.spec.kill) and not os.path.exists(self.spec.marker):
                Path(self.spec.marker).write_text(str(os.getpid()))
                os.kill(os.getpid(), signal.SIGKILL)  # the worker dies mid-shard; Dask reruns the task
            if self.spec.fail and doc.source.endswith(self.spec.fail):
                raise RuntimeError("sabotaged")
        yield from self.extractor.stream(documents)

    def provenance(self):
        return self.extractor.provenance()


@dataclass(frozen=True)
class Sabotaged(ExtractorSpec):
    kill: str = "-"
    marker: str = ""
    fail: str = ""

    def __call__(self):
        return _Saboteur(super().__call__(), self)


@pytest.fixture(scope="module")
def client():
    if importlib.util.find_spec("distributed") is None:
        pytest.skip("dask[distributed] is not installed (pip install 'govreport[distributed]')")
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, memory_limit="2GiB",
                      dashboard_address=None) as cluster, Client(cluster) as client:
        yield client


def _merged(out_dir: Path, target: Path) -> bytes:
    merge.merge_shards([out_dir / shard_name(i, SHARDS, "jsonl") for i in range(SHARDS)], target)
    return target.read_bytes()


@needs_dask
def test_a_killed_worker_and_a_failed_shard_then_resume_give_the_single_run_bytes(client, reports_folder, tmp_path,
                                                                                 model_dir):
    single = tmp_path / "single.jsonl"
    assert cli.main([str(reports_folder), "--model", str(model_dir), "--no-progress", "-q", "-o", str(single)]) == 1
    keys = [u.key for u in list_units([str(reports_folder)])]
    fail = "r0.txt"
    kill = next(k for k in keys if shard_of(k, SHARDS) != shard_of(fail, SHARDS) and k != "broken.txt")
    out, marker = tmp_path / "run", tmp_path / "killed"
    spec = Sabotaged(str(model_dir), threads=1, kill=kill, marker=str(marker), fail=fail)

    first = extract_dask([str(reports_folder)], out, spec, shards=SHARDS, client=client)
    bad = shard_of(fail, SHARDS)
    assert marker.exists(), "a worker was killed"
    assert first["failed"] == [bad] and first["ran"] == sorted(set(range(SHARDS)) - {bad})
    manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    statuses = {e["shard"]: (e["status"], e["error"]) for e in manifest["shards"]}
    assert statuses[bad] == ("failed", "RuntimeError: sabotaged")
    killed = manifest["shards"][shard_of(kill, SHARDS)]
    assert killed["status"] == "done" and killed["pid"] != int(marker.read_text()), "rerun by another process"
    assert not index_path(out / shard_name(bad, SHARDS, "jsonl")).exists()
    with pytest.raises(merge.MergeError):
        _merged(out, tmp_path / "partial.jsonl")
    kept = {i: (out / shard_name(i, SHARDS, "jsonl")).stat().st_mtime_ns for i in first["ran"]}

    second = extract_dask([str(reports_folder)], out, ExtractorSpec(str(model_dir), threads=1), client=client)
    assert (second["ran"], second["skipped"], second["failed"]) == ([bad], first["ran"], [])
    assert {i: (out / shard_name(i, SHARDS, "jsonl")).stat().st_mtime_ns for i in first["ran"]} == kept
    assert _merged(out, tmp_path / "merged.jsonl") == single.read_bytes()
    manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    assert [e["status"] for e in manifest["shards"]] == ["done"] * SHARDS
    assert sum(e["documents"] for e in manifest["shards"]) == len(keys)
    assert [s.endswith("broken.txt") for e in manifest["shards"] for s, _ in e["failures"]] == [True]

    with pytest.raises(ManifestError, match="another run"):  # another format into the same folder
        extract_dask([str(reports_folder)], out, ExtractorSpec(str(model_dir)), fmt="csv", client=client)


@needs_dask
def test_cli_resumes_only_incomplete_shards_and_merges(client, reports_folder, tmp_path, model_dir, capsys):
    single = tmp_path / "single.csv"
    common = [str(reports_folder), "--model", str(model_dir), "--format", "csv", "--no-progress"]
    assert cli.main(common + ["-q", "-o", str(single)]) == 1
    out = tmp_path / "run"
    args = common + ["--out-dir", str(out), "--scheduler", client.scheduler.address, "--shards", str(SHARDS),
                     "-o", str(tmp_path / "merged.csv")]
    assert main(args) == 1  # broken.txt fails; the shards are all done
    assert (tmp_path / "merged.csv").read_bytes() == single.read_bytes()
    manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    # A shard whose output was cut short, and one whose index is gone, are not complete.
    cut, lost = (out / shard_name(0, SHARDS, "csv")), (out / shard_name(1, SHARDS, "csv"))
    cut.write_bytes(cut.read_bytes()[:-1])
    index_path(lost).unlink()
    assert [shard_complete(out, e, manifest) for e in manifest["shards"]] == [False, False, True]
    capsys.readouterr()
    assert main(args[:-2] + ["-o", str(tmp_path / "again.csv")]) == 1
    assert "3/3 shards done (2 run now, 1 already complete)" in capsys.readouterr().err
    assert (tmp_path / "again.csv").read_bytes() == single.read_bytes()
    assert main(args[:-2] + ["--scheduler", "tcp://127.0.0.1:9"]) == 1  # all complete: no scheduler is contacted
    assert "3/3 shards done (0 run now, 3 already complete)" in capsys.readouterr().err


def test_missing_dask_is_a_clear_error(monkeypatch, tmp_path, capsys):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed raises ImportError
    assert main([str(tmp_path), "--out-dir", str(tmp_path / "out")]) == 2
    assert "pip install 'govreport[distributed]'" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
