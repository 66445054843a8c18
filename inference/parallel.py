"""Extraction over many files: units in a fixed order, deterministic shards, worker processes.

A run's inputs become *units*, one per file, in the order a single ``govreport extract``
reads them (folders walked sorted, as :func:`inference.reader.iter_documents` walks them).
Each unit is extracted on its own and its output (JSONL lines or CSV rows, no header) is
handed back whole, so units can run in other processes or on other machines and still be
written in the single run's order:

- ``--workers N`` maps units over N processes, each loading the model once
  (:func:`map_units`);
- ``--shard I/N`` keeps the units whose key (path relative to its input root) hashes to
  shard I of N (:func:`shard_of`), and writes beside the output an index of where each
  unit's bytes lie, from which :mod:`inference.merge` rebuilds the single run's file.

>>> shard_of("2021/report.txt", 4) == shard_of("2021/report.txt", 4)   # stable across runs and machines
True
>>> parse_shard("1/4")
(1, 4)
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import multiprocessing
import os
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Callable, Iterable, Iterator, Sequence

from govreport.data.atomic import atomic_write
from govreport.inference.extract import DocEnd, DocStart, Extractor, Piece
from govreport.inference.reader import Document, _walk, iter_documents
from govreport.inference.writers import FORMATS, CsvWriter, JsonlWriter

logger = logging.getLogger(__name__)

__all__ = ["Unit", "UnitResult", "DocumentCounts", "ExtractorSpec", "list_units", "shard_of", "parse_shard",
           "select_shard", "extract_unit", "extract_units", "map_units", "write_shard", "index_path", "INDEX_SUFFIX"]

# The index a shard's output carries beside it: OUTPUT + INDEX_SUFFIX.
INDEX_SUFFIX = ".index.json"


@dataclass(frozen=True)
class Unit:
    """One input file: its place in the single run's order, the path read, the key hashed for shards."""

    index: int
    path: str
    key: str
    error: str | None = None  # a folder that could not be listed: the unit is that failure


@dataclass
class UnitResult:
    """A unit's output text (no CSV header) and what the command's summary counts."""

    index: int
    key: str
    text: str
    documents: int = 0
    reports: int = 0
    chars: int = 0
    records: int = 0
    table_records: int = 0
    failures: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class DocumentCounts:
    """What the document being extracted adds to a run's counts, gathered event by event.

    :meth:`add` takes every event of the stream. At a document's DocEnd it adds the document to
    ``totals`` (anything with ``documents``, ``chars``, ``failures``, ``records``,
    ``table_records`` and ``reports``: a :class:`UnitResult`, extract's summary) and starts
    the next one; a failed document adds its characters and its failure only.
    """

    records: int = 0
    table_records: int = 0
    lone_cells: int = 0  # numbers left out as lone cells of a flattened table

    def add(self, event, totals) -> DocumentCounts | None:
        """Count ``event``; at a DocEnd, the finished document's counts, or None when it failed."""
        if isinstance(event, Piece):
            self.records += len(event.records)
            self.lone_cells += event.dropped
            if event.origin != "prose":   # a standard table's cells, or another table's rows
                self.table_records += len(event.records)
            return None
        if not isinstance(event, DocEnd):
            return None
        done = replace(self)
        self.records = self.table_records = self.lone_cells = 0
        totals.documents += 1
        totals.chars += event.chars
        if event.error is not None:
            totals.failures.append((event.doc.source, event.error))
            return None
        totals.records += done.records
        totals.table_records += done.table_records
        totals.reports += len(event.reports)
        return done


def list_units(inputs: Iterable[str], left_out: list[str] | None = None) -> list[Unit]:
    """The files of ``inputs`` in the order a single run reads them.

    A file named on the command line is keyed by its name, a file in a folder by its path
    relative to that folder (POSIX separators), so the same folder mounted elsewhere
    shards the same way. Files a folder does not contribute are named in ``left_out``.
    """
    units: list[Unit] = []
    for item in inputs:
        if item == "-":
            raise ValueError("--workers and --shard read files and folders, not standard input")
        path = Path(item)
        if path.is_dir():
            skipped: list[str] = []
            for found in _walk(path, skipped):
                if isinstance(found, Document):  # a subfolder that cannot be listed
                    units.append(Unit(len(units), found.source, found.source, error=found.error))
                else:
                    units.append(Unit(len(units), str(found), found.relative_to(path).as_posix()))
            if left_out is not None:
                left_out.extend(skipped)
        else:
            units.append(Unit(len(units), str(path), path.name))
    return units


def shard_of(key: str, count: int) -> int:
    """The shard (0 .. count-1) of a unit key: the first 8 bytes of its SHA-256, modulo ``count``.

    Python's ``hash`` is salted per process, so it would split a folder differently on
    every machine of a job array.
    """
    digest = hashlib.sha256(key.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % count


def parse_shard(text: str) -> tuple[int, int]:
    """``"I/N"`` as ``(I, N)``, counting shards from 0; ValueError when malformed.

    >>> parse_shard("4/4")
    Traceback (most recent call last):
    ...
    ValueError: --shard I/N needs 0 <= I < N, not '4/4'
    """
    try:
        index, count = (int(part) for part in text.split("/"))
    except ValueError:
        raise ValueError(f"--shard takes I/N (e.g. 0/4), not {text!r}") from None
    if not 0 <= index < count:
        raise ValueError(f"--shard I/N needs 0 <= I < N, not {text!r}")
    return index, count


def select_shard(units: Sequence[Unit], index: int, count: int) -> list[Unit]:
    """The units of shard ``index`` of ``count``, in order."""
    return [u for u in units if shard_of(u.key, count) == index]


# ---------------------------------------------------------------------------------------------
# One unit
# ---------------------------------------------------------------------------------------------


def _writer(out: io.StringIO, fmt: str, include_text: bool, provenance: dict | None = None):
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; expected one of {FORMATS}")
    return CsvWriter(out, provenance) if fmt == "csv" else JsonlWriter(out, include_text, provenance)


def _provenance(extractor) -> dict:
    """The extractor's :meth:`~inference.extract.Extractor.provenance` (none for a stand-in with only ``stream``)."""
    provenance = getattr(extractor, "provenance", None)
    return provenance() if callable(provenance) else {}


def csv_header() -> str:
    """The header row a CSV output starts with (after its BOM)."""
    out = io.StringIO()
    CsvWriter(out)
    return out.getvalue()


def extract_unit(extractor: Extractor, unit: Unit, fmt: str = "jsonl", include_text: bool = False) -> UnitResult:
    """Extract one unit and return its output as the single run writes it (without the CSV header)."""
    return next(extract_units(extractor, [unit], fmt, include_text))


def extract_units(extractor: Extractor, units: Sequence[Unit], fmt: str = "jsonl",
                  include_text: bool = False) -> Iterator[UnitResult]:
    """Extract ``units`` in one stream, so that small files share batches; one result per unit, in order.

    Each result holds the bytes :func:`extract_unit` gives for its unit alone: a sentence's
    tags and scores do not depend on the batch it shares (docs/output.md).
    """
    out = io.StringIO()
    writer = _writer(out, fmt, include_text, _provenance(extractor))
    out.seek(0)
    out.truncate()  # the CSV header, which the caller writes once
    owner: dict[int, int] = {}  # id(document) -> its unit's position; a document is alive until its DocStart

    def documents():
        for pos, unit in enumerate(units):
            for doc in [Document.failed(unit.path, unit.error)] if unit.error else iter_documents([unit.path]):
                owner[id(doc)] = pos
                yield doc

    def finish(pos: int) -> UnitResult:
        # A document writes all its output before the next one starts: the buffer is this unit's.
        result = results.pop(pos)
        result.text = out.getvalue()
        out.seek(0)
        out.truncate()
        return result

    results = {pos: UnitResult(unit.index, unit.key, "") for pos, unit in enumerate(units)}
    current, counts = 0, DocumentCounts()
    for event in extractor.stream(documents()):
        if isinstance(event, DocStart):
            pos = owner.pop(id(event.doc))
            while current < pos:  # also the units before it that held no document
                yield finish(current)
                current += 1
        writer.handle(event)
        counts.add(event, results[current])
    while current < len(units):
        yield finish(current)
        current += 1


# ---------------------------------------------------------------------------------------------
# Worker processes
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExtractorSpec:
    """What a worker needs to build its own extractor: picklable, unlike a loaded model.

    ``threads`` is the torch/onnxruntime threads of each worker (None: all cores, which
    N workers on the same cores would fight over).
    """

    model: str
    batch_size: int = 32
    device: str = "auto"
    backend: str = "auto"
    threads: int | None = None
    precision: str = "auto"
    keys: str | None = None  # a user's metric-key mapping file (extract --keys)

    def __call__(self) -> Extractor:
        from govreport.inference.extract import ModelTagger
        from govreport.inference.keys import KeyMapper

        tagger = ModelTagger(self.model, batch_size=self.batch_size, device=self.device, backend=self.backend,
                             num_threads=self.threads, precision=self.precision)
        return Extractor(tagger, keys=KeyMapper.load(self.keys)).settle()


_worker_extractor: Extractor | None = None


def _work(job: tuple[Callable[[], Extractor], Unit, str, bool]) -> UnitResult:
    # The model loads on a worker's first unit rather than in a Pool initializer: an
    # initializer that raises makes the Pool start replacement workers for ever, while
    # an error here reaches the caller.
    global _worker_extractor
    build, unit, fmt, include_text = job
    if _worker_extractor is None:
        _worker_extractor = build()
    return extract_unit(_worker_extractor, unit, fmt, include_text)


def map_units(build: Callable[[], Extractor], units: Sequence[Unit], fmt: str = "jsonl",
              include_text: bool = False, workers: int = 1) -> Iterator[UnitResult]:
    """Results of ``units`` in order, from ``workers`` processes that each call ``build()`` once.

    ``build`` must be picklable (an :class:`ExtractorSpec`, or a module-level function).
    Processes are spawned, not forked: a forked copy of a parent that has started torch's
    thread pool can hang.
    """
    if workers <= 1:
        extractor = build()
        for unit in units:
            yield extract_unit(extractor, unit, fmt, include_text)
        return
    jobs = ((build, unit, fmt, include_text) for unit in units)
    context = multiprocessing.get_context("spawn")
    with context.Pool(workers) as pool:
        # imap hands results back in input order, whichever worker finishes first
        yield from pool.imap(_work, jobs, chunksize=1)


# ---------------------------------------------------------------------------------------------
# Shard outputs
# ---------------------------------------------------------------------------------------------


def index_path(output: str | os.PathLike) -> Path:
    return Path(str(output) + INDEX_SUFFIX)


def write_shard(results: Iterable[UnitResult], output: str | os.PathLike, fmt: str, shard: tuple[int, int],
                units: int) -> list[UnitResult]:
    """Write a shard's output atomically, then its index; return the results (text dropped).

    The index records the format, the shard, the number of units of the whole run and,
    per unit of this shard, its index, key and byte length in the output: what
    :func:`inference.merge.merge_shards` needs to interleave shards back into the single
    run's order. It is written last, so a shard with an index is complete.
    """
    header = csv_header() if fmt == "csv" else ""
    entries, kept = [], []
    encoding = "utf-8-sig" if fmt == "csv" else "utf-8"
    with atomic_write(output, encoding=encoding, newline="" if fmt == "csv" else "\n") as out:
        out.write(header)
        for result in results:
            out.write(result.text)
            entries.append([result.index, result.key, len(result.text.encode("utf-8"))])
            result.text = ""
            kept.append(result)
    index = {
        "format": fmt,
        "shard": list(shard),
        "units": units,
        "header_bytes": len(header.encode(encoding)),
        "entries": entries,
        "failures": [list(f) for r in kept for f in r.failures],
    }
    with atomic_write(index_path(output), encoding="utf-8") as f:
        json.dump(index, f, ensure_ascii=False)
        f.write("\n")
    return kept


def summary_fields(result: UnitResult) -> dict:
    """The counts of a result, for logs and manifests."""
    fields = asdict(result)
    fields.pop("text")
    return fields
