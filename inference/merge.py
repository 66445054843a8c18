"""``govreport merge``: join the outputs of ``govreport extract --shard I/N`` into the single run's file.

    govreport extract reports/ --shard 0/2 -o out/part0.jsonl
    govreport extract reports/ --shard 1/2 -o out/part1.jsonl
    govreport merge out/part0.jsonl out/part1.jsonl -o out/all.jsonl   # the bytes of one run over reports/

Each shard output has an index beside it (:func:`inference.parallel.write_shard`) with
the place of each of its units in the whole run; merging checks that the shards are all
there, of one run and complete, then copies each unit's bytes in the run's order. The
merged file is written atomically.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import tempfile
from pathlib import Path

from govreport.data.errors import InputError, cli_error
from govreport.inference.parallel import index_path

logger = logging.getLogger(__name__)

__all__ = ["merge_shards", "MergeError"]


class MergeError(InputError):
    """Shard outputs that do not make one complete run; the message says what is missing."""


def merge_shards(outputs: list[str | os.PathLike], merged: str | os.PathLike) -> int:
    """Write the shards' units in the single run's order to ``merged``; the number of units."""
    shards = []
    for output in outputs:
        index_file = index_path(output)
        if not index_file.is_file():
            raise MergeError(f"{output}: no index {index_file.name} (not a finished --shard output)")
        index = json.loads(index_file.read_text(encoding="utf-8"))
        data = Path(output).read_bytes()
        if len(data) != index["header_bytes"] + sum(length for _, _, length in index["entries"]):
            raise MergeError(f"{output}: its size does not match its index (changed after it was written?)")
        shards.append((output, index, data))
    if not shards:
        raise MergeError("no shard outputs given")
    first = shards[0][1]
    count = first["shard"][1]
    for output, index, _ in shards:
        for key in ("format", "units", "header_bytes"):
            if index[key] != first[key]:
                raise MergeError(f"{output}: {key} {index[key]!r} differs from {shards[0][0]}'s {first[key]!r}")
        if index["shard"][1] != count:
            raise MergeError(f"{output}: shard of {index['shard'][1]}, not of {count}")
    seen = sorted(index["shard"][0] for _, index, _ in shards)
    if seen != list(range(count)):
        missing = sorted(set(range(count)) - set(seen))
        raise MergeError(f"shards {seen} given; need each of 0..{count - 1} once"
                         + (f" (missing {missing})" if missing else ""))
    pieces: dict[int, bytes] = {}
    for _, index, data in shards:
        offset = index["header_bytes"]
        for unit, _, length in index["entries"]:
            pieces[unit] = data[offset:offset + length]
            offset += length
    if sorted(pieces) != list(range(first["units"])):
        raise MergeError(f"the shards hold {len(pieces)} of the run's {first['units']} units")
    merged = Path(merged)
    merged.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{merged.name}.", suffix=".tmp", dir=merged.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(shards[0][2][:first["header_bytes"]])
            for unit in range(first["units"]):
                out.write(pieces[unit])
        os.chmod(tmp, 0o644)
        os.replace(tmp, merged)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return first["units"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="govreport merge", description=__doc__.split("\n\n")[0])
    parser.add_argument("shards", nargs="+", help="the outputs of govreport extract --shard I/N, one per shard")
    parser.add_argument("--output", "-o", required=True, help="the merged file, written atomically")
    args = parser.parse_args(argv)
    try:
        units = merge_shards(args.shards, args.output)
    except (MergeError, OSError, json.JSONDecodeError) as err:
        return cli_error("merge", err)
    print(f"merge: {len(args.shards)} shards, {units} files -> {args.output}", file=sys.stderr)
    return 0
