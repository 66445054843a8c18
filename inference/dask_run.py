"""Extraction over a Dask cluster: one model per worker, sharded outputs, a manifest, resume.

    govreport extract-dask reports/ --out-dir out/run --local-workers 2 --shards 8
    govreport extract-dask reports/ --out-dir out/run --scheduler tcp://head:8786 --shards 1000
    govreport merge out/run/part-*-of-00008.jsonl -o out/records.jsonl   # the bytes of one govreport extract

The input files are the units of :mod:`inference.parallel`, split into K shards by the
same path hash as ``govreport extract --shard I/K``. Each shard is one Dask task: the
worker running it extracts its units with the worker's own extractor (built once per
worker process from a picklable :class:`~inference.parallel.ExtractorSpec`, then cached)
and writes ``part-IIIII-of-KKKKK.FMT`` and its index atomically into the output folder,
which every worker must see (a local disk, NFS, a cluster file system). ``manifest.json``
there holds the run: format, model, the shards with their units, status, counts and
failures.

A rerun with the same inputs resumes: a shard whose output and index are present and
match the manifest is complete and not redone, whatever the status the manifest last
recorded (the index is written last, so a shard with an index is whole). A worker that
dies mid-shard loses only that shard's work; Dask reruns the task on another worker.

>>> shard_name(3, 8, "jsonl")
'part-00003-of-00008.jsonl'
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Callable, Sequence

from govreport.data.atomic import atomic_write
from govreport.data.errors import GovReportError, InputError, cli_error
from govreport.data.logs import setup_logging
from govreport.inference.extract import Extractor
from govreport.inference.options import add_model_options
from govreport.inference.parallel import ExtractorSpec, Unit, extract_units, index_path, list_units, shard_of, summary_fields, write_shard
from govreport.inference.writers import FORMATS

logger = logging.getLogger(__name__)

__all__ = ["DaskMissingError", "ManifestError", "extract_dask", "shard_name", "run_shard", "shard_complete",
           "read_manifest", "MANIFEST"]

MANIFEST = "manifest.json"
COUNTS = ("documents", "reports", "chars", "records", "table_records")


class DaskMissingError(GovReportError, ImportError):
    """dask.distributed is not installed; the message says how to install it."""


class ManifestError(InputError):
    """The output folder holds a different run (other inputs, format, model or shard count)."""


def require_dask():
    """The ``distributed`` module, or :class:`DaskMissingError` with the install command."""
    try:
        import distributed
    except ImportError as err:
        raise DaskMissingError("govreport extract-dask needs dask.distributed: pip install 'govreport[distributed]' "
                               f"(or pip install 'dask[distributed]'); {err}") from None
    return distributed


def shard_name(shard: int, count: int, fmt: str) -> str:
    return f"part-{shard:05d}-of-{count:05d}.{fmt}"


# ---------------------------------------------------------------------------------------------
# On a worker
# ---------------------------------------------------------------------------------------------

# One extractor per worker process and spec: a worker runs many shards but loads the model
# once. The lock keeps a worker with several threads from loading it twice or from running
# two streams through one model at once (its buffers are not shared safely).
_EXTRACTORS: dict = {}
_LOCK = threading.Lock()


def run_shard(build: Callable[[], Extractor], units: Sequence[Unit], output: str, fmt: str, include_text: bool,
              shard: tuple[int, int], total: int) -> dict:
    """Extract one shard's units with this process's cached extractor, write output and index; return its counts."""
    start = time.perf_counter()
    # An index left by an earlier try of this shard must not vouch for the output written now.
    index_path(output).unlink(missing_ok=True)
    with _LOCK:
        if build not in _EXTRACTORS:
            from transformers.utils import logging as hf_logging

            hf_logging.disable_progress_bar()  # a worker's bars would interleave in the client's terminal or its log
            logger.info("loading the extractor %r in process %d", build, os.getpid())
            _EXTRACTORS[build] = build()
        extractor = _EXTRACTORS[build]
        # one stream over the shard: its small files share batches
        results = write_shard(extract_units(extractor, units, fmt, include_text), output, fmt, shard, total)
    counts = {key: sum(summary_fields(r)[key] for r in results) for key in COUNTS}
    return {**counts, "failures": [list(f) for r in results for f in r.failures],
            "seconds": round(time.perf_counter() - start, 3), "pid": os.getpid()}


# ---------------------------------------------------------------------------------------------
# The manifest
# ---------------------------------------------------------------------------------------------


def _plan(units: Sequence[Unit], count: int) -> list[list[Unit]]:
    shards: list[list[Unit]] = [[] for _ in range(count)]
    for unit in units:
        shards[shard_of(unit.key, count)].append(unit)
    return shards


def _new_manifest(inputs, units, plan, fmt, include_text, model, left_out) -> dict:
    count = len(plan)
    return {
        "format": fmt,
        "include_text": include_text,
        "model": model,
        "inputs": list(inputs),
        "units": len(units),
        "left_out": left_out,
        "shard_count": count,
        "shards": [{"shard": i, "output": shard_name(i, count, fmt), "status": "pending",
                    "units": [[u.index, u.key] for u in part]} for i, part in enumerate(plan)],
    }


def read_manifest(out_dir: str | os.PathLike) -> dict | None:
    """The manifest of ``out_dir``, or None when there is none."""
    path = Path(out_dir) / MANIFEST
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise ManifestError(f"{path} is not valid JSON ({err}); move it away to start the run afresh") from None


def _write_manifest(out_dir: Path, manifest: dict) -> None:
    manifest["updated"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    # One line per shard: readable with a thousand shards of a thousand files each.
    head = json.dumps({k: v for k, v in manifest.items() if k != "shards"}, ensure_ascii=False, indent=1)
    lines = ",\n".join("  " + json.dumps(entry, ensure_ascii=False) for entry in manifest["shards"])
    with atomic_write(out_dir / MANIFEST, encoding="utf-8", newline="\n") as f:
        f.write(f'{head[:-2]},\n "shards": [\n{lines}\n ]\n}}\n')


def _check_same_run(old: dict, new: dict, out_dir: Path) -> None:
    for key in ("format", "include_text", "model", "units", "shard_count"):
        if old.get(key) != new[key]:
            raise ManifestError(f"{out_dir} holds another run ({key} {old.get(key)!r}, not {new[key]!r}); "
                                "use another --out-dir or remove it")
    for was, now in zip(old["shards"], new["shards"]):
        if was["units"] != now["units"]:
            raise ManifestError(f"{out_dir}: the input files changed since its run (shard {now['shard']} differs); "
                                "use another --out-dir or remove it")


def shard_complete(out_dir: str | os.PathLike, entry: dict, manifest: dict) -> bool:
    """Whether a shard's output and index are present and match the manifest (so it need not be redone)."""
    output = Path(out_dir) / entry["output"]
    try:
        index = json.loads(index_path(output).read_text(encoding="utf-8"))
        size = output.stat().st_size
    except (OSError, json.JSONDecodeError):
        return False
    return (index.get("format") == manifest["format"]
            and index.get("shard") == [entry["shard"], manifest["shard_count"]]
            and index.get("units") == manifest["units"]
            and [e[:2] for e in index.get("entries", [])] == entry["units"]
            and size == index["header_bytes"] + sum(e[2] for e in index["entries"]))


# ---------------------------------------------------------------------------------------------
# The run
# ---------------------------------------------------------------------------------------------


def _open_client(scheduler: str | None, local_workers: int, memory_limit: str | None):
    """A client on ``scheduler``, or on a LocalCluster of ``local_workers`` single-threaded processes."""
    distributed = require_dask()
    if scheduler:
        return distributed.Client(scheduler), None
    cluster = distributed.LocalCluster(n_workers=local_workers, threads_per_worker=1, processes=True,
                                       memory_limit=memory_limit or "auto", dashboard_address=None)
    return distributed.Client(cluster), cluster


def extract_dask(inputs: Sequence[str], out_dir: str | os.PathLike, build: Callable[[], Extractor], *,
                 shards: int | None = None, fmt: str = "jsonl", include_text: bool = False, client=None,
                 scheduler: str | None = None, local_workers: int = 2, memory_limit: str | None = None,
                 progress: bool = False) -> dict:
    """Extract ``inputs`` into K shard files of ``out_dir`` on a Dask cluster; resume a run already there.

    ``build`` makes a worker's extractor (an :class:`ExtractorSpec`: picklable, hashable).
    The cluster is ``client``, else a new client on ``scheduler``, else a LocalCluster of
    ``local_workers`` processes. ``shards`` defaults to the manifest's count on a rerun,
    else four per worker. Returns the manifest with ``ran``, ``skipped`` and ``failed``
    (shard numbers of this call) added; a shard whose task fails (its worker died too
    often, its output could not be written) is ``failed`` in the manifest and the others go on.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; expected one of {FORMATS}")
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise ManifestError(f"--out-dir {out_dir} exists and is not a folder")
    distributed = require_dask()
    left_out: list[str] = []
    units = list_units(inputs, left_out=left_out)
    old = read_manifest(out_dir)
    model = getattr(build, "model", repr(build))
    count = shards or (old["shard_count"] if old else None)
    if count is not None and client is None:
        # A finished run is checked without starting a cluster.
        manifest, plan, skipped = _prepare(out_dir, old, inputs, units, count, fmt, include_text, model, left_out)
        if len(skipped) == count:
            return {**manifest, "ran": [], "skipped": skipped, "failed": []}
    opened = cluster = None
    if client is None:
        client, cluster = opened = _open_client(scheduler, local_workers, memory_limit)
    try:
        count = count or 4 * max(1, len(client.scheduler_info()["workers"]))
        manifest, plan, skipped = _prepare(out_dir, old, inputs, units, count, fmt, include_text, model, left_out)
        todo = [e for e in manifest["shards"] if e["shard"] not in skipped]
        logger.info("%d units in %d shards: %d complete, %d to run", len(units), count, len(skipped), len(todo))
        ran, failed = _run(distributed, client, build, plan, todo, manifest, out_dir, fmt, include_text, progress)
    finally:
        if opened:
            client.close()
            if cluster is not None:
                cluster.close()
    return {**manifest, "ran": sorted(ran), "skipped": skipped, "failed": sorted(failed)}


def _prepare(out_dir: Path, old, inputs, units, count, fmt, include_text, model, left_out):
    """The run's manifest (written), its plan and the shards already complete; ManifestError on another run."""
    plan = _plan(units, count)
    manifest = _new_manifest(inputs, units, plan, fmt, include_text, model, left_out)
    if old is not None:
        _check_same_run(old, manifest, out_dir)
        for entry, was in zip(manifest["shards"], old["shards"]):
            entry.update({k: v for k, v in was.items() if k not in ("shard", "output", "units")})
    out_dir.mkdir(parents=True, exist_ok=True)
    skipped = [e["shard"] for e in manifest["shards"] if shard_complete(out_dir, e, manifest)]
    for entry in manifest["shards"]:
        if entry["shard"] in skipped:
            entry["status"] = "done"
        else:
            entry.update(status="pending", error=None)
    _write_manifest(out_dir, manifest)
    return manifest, plan, skipped


def _run(distributed, client, build, plan, todo, manifest, out_dir, fmt, include_text, progress):
    count, total = manifest["shard_count"], manifest["units"]
    token = uuid.uuid4().hex[:8]
    futures = {}
    for entry in todo:
        i = entry["shard"]
        future = client.submit(run_shard, build, plan[i], str(out_dir / entry["output"]), fmt, include_text,
                               (i, count), total, key=f"govreport-shard-{i:05d}-{token}", pure=False)
        futures[future] = entry
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(todo), desc="shards", unit="shard", file=sys.stderr)
    ran, failed, last_write = [], [], time.monotonic()
    try:
        for future in distributed.as_completed(futures):
            entry = futures[future]
            try:
                entry.update(future.result(), status="done", error=None)
                ran.append(entry["shard"])
            except distributed.KilledWorker as err:
                entry.update(status="failed", error=f"its worker died each time it ran it ({err})")
                failed.append(entry["shard"])
            except Exception as err:  # noqa: BLE001 - one shard's failure is recorded, the others go on
                entry.update(status="failed", error=f"{type(err).__name__}: {err}")
                failed.append(entry["shard"])
            if entry["status"] == "failed":
                logger.error("shard %d failed: %s", entry["shard"], entry["error"])
            if bar is not None:
                bar.update(1)
            # The index files are the truth about what is done; the manifest is rewritten
            # at most every few seconds so a run of many shards does not spend its time on it.
            if time.monotonic() - last_write > 5:
                _write_manifest(out_dir, manifest)
                last_write = time.monotonic()
    finally:
        for future in futures:  # on an interruption: the shards not finished
            if not future.done():
                future.cancel()
        if bar is not None:
            bar.close()
        _write_manifest(out_dir, manifest)
    return ran, failed


# ---------------------------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="govreport extract-dask", description=__doc__.split("\n\n")[0])
    parser.add_argument("inputs", nargs="+", metavar="INPUT", help="files and folders, as govreport extract reads them "
                        "(no standard input); every worker must be able to read them at the same paths")
    parser.add_argument("--out-dir", required=True, help="folder of the shard outputs, their indexes and manifest.json; "
                        "a rerun into it resumes")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--scheduler", metavar="ADDRESS", help="a running Dask scheduler (tcp://host:8786); its workers "
                       "need govreport installed and are best started with --nthreads 1")
    where.add_argument("--local-workers", type=int, default=2, metavar="N",
                       help="without --scheduler: a LocalCluster of N single-threaded worker processes (default 2)")
    parser.add_argument("--shards", type=int, default=None, metavar="K",
                        help="output files; default: the manifest's count on a rerun, else 4 per worker")
    parser.add_argument("--memory-limit", default=None, help="per local worker, e.g. 2GiB (default: Dask's share of RAM)")
    add_model_options(parser)
    parser.add_argument("--format", choices=FORMATS, default="jsonl", help="shard output format (default jsonl)")
    parser.add_argument("--include-text", action="store_true", help="also write each document's text (jsonl)")
    parser.add_argument("--output", "-o", default=None, help="once every shard is done, also merge them into this file "
                        "(as govreport merge)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar on standard error")
    parser.add_argument("--quiet", "-q", action="store_true", help="print failures only, no summary line")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    setup_logging()
    # Dask logs each connection at INFO; the environment reaches the worker processes too.
    os.environ.setdefault("DASK_LOGGING__DISTRIBUTED", "warning")
    if (args.shards is not None and args.shards < 1) or args.local_workers < 1 or args.batch_size < 1:
        print("extract-dask: --shards, --local-workers and --batch-size must be at least 1", file=sys.stderr)
        return 2
    from govreport.model.device import available_cores

    # Local workers share this machine's cores; a remote worker uses all of its own.
    threads = None if args.scheduler else max(1, available_cores() // args.local_workers)
    spec = ExtractorSpec(str(args.model), args.batch_size, args.device, args.backend, threads=threads,
                         precision=args.precision)
    try:
        run = extract_dask(args.inputs, args.out_dir, spec, shards=args.shards, fmt=args.format,
                           include_text=args.include_text, scheduler=args.scheduler, local_workers=args.local_workers,
                           memory_limit=args.memory_limit, progress=not args.no_progress and sys.stderr.isatty())
    except (DaskMissingError, ManifestError, ValueError, OSError) as err:
        return cli_error("extract-dask", err)
    except KeyboardInterrupt:
        print("extract-dask: interrupted; rerun the same command to finish the missing shards", file=sys.stderr)
        return 130
    done = [e for e in run["shards"] if e["status"] == "done"]
    failures = [f for e in done for f in e.get("failures", [])]
    if not args.quiet:
        counts = {key: sum(e.get(key, 0) for e in done) for key in COUNTS}
        print(f"extract-dask: {len(done)}/{run['shard_count']} shards done ({len(run['ran'])} run now, "
              f"{len(run['skipped'])} already complete), {run['units']} files; in the shards done: "
              f"{counts['documents']} documents, {counts['chars']} characters, {counts['records']} records, "
              f"{len(failures)} failed documents -> {args.out_dir}/{MANIFEST}", file=sys.stderr)
    for shard in run["failed"]:
        print(f"FAILED shard {shard}: {run['shards'][shard]['error']}", file=sys.stderr)
    for source, why in failures:
        print(f"FAILED {source}: {why}", file=sys.stderr)
    if run["failed"]:
        print("extract-dask: rerun the same command to redo the failed shards", file=sys.stderr)
        return 1
    if args.output:
        from govreport.inference.merge import MergeError, merge_shards

        try:
            merge_shards([str(Path(args.out_dir) / e["output"]) for e in run["shards"]], args.output)
        except (MergeError, OSError) as err:
            return cli_error("extract-dask: cannot merge", err)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
