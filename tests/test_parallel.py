"""--workers, --shard and merge: the same bytes as one process, whatever the split."""

from __future__ import annotations

import json

import pytest

from govreport.inference import cli, merge
from govreport.inference.parallel import ExtractorSpec, extract_unit, extract_units, list_units, parse_shard, select_shard, shard_of


def test_units_follow_the_single_run_order_and_shards_partition_them(reports_folder):
    units = list_units([str(reports_folder)])
    assert [u.key for u in units] == ["broken.txt", "r0.txt", "r2.txt", "r4.txt", "sub/r1.txt", "sub/r3.txt"]
    parts = [select_shard(units, i, 3) for i in range(3)]
    assert sorted(u.index for part in parts for u in part) == list(range(len(units)))
    assert all(shard_of(u.key, 3) == i for i, part in enumerate(parts) for u in part)
    with pytest.raises(ValueError):
        parse_shard("3/3")
    with pytest.raises(ValueError):
        list_units(["-"])


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_workers_and_merged_shards_write_the_single_run_bytes(reports_folder, tmp_path, model_dir, fmt):
    out = tmp_path / "out"
    common = [str(reports_folder), "--model", str(model_dir), "--format", fmt, "--no-progress", "-q"]
    assert cli.main(common + ["-o", str(out / f"single.{fmt}")]) == 1  # broken.txt fails
    single = (out / f"single.{fmt}").read_bytes()
    assert single
    assert cli.main(common + ["-o", str(out / f"w2.{fmt}"), "--workers", "2"]) == 1
    assert (out / f"w2.{fmt}").read_bytes() == single
    parts = []
    for i in range(3):
        parts.append(str(out / f"part{i}.{fmt}"))
        cli.main(common + ["-o", parts[-1], "--shard", f"{i}/3"])
    assert merge.main(parts[:2] + ["-o", str(out / "bad")]) == 2  # a shard missing
    assert not (out / "bad").exists()
    assert merge.main(parts + ["-o", str(out / f"merged.{fmt}")]) == 0
    assert (out / f"merged.{fmt}").read_bytes() == single
    failures = [f for p in parts for f in json.loads(open(p + ".index.json").read())["failures"]]
    assert [source.endswith("broken.txt") for source, _ in failures] == [True]


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_units_in_one_stream_give_each_unit_its_own_bytes(reports_folder, model_dir, fmt):
    (reports_folder / "empty.jsonl").write_text("", encoding="utf-8")  # a unit without a document
    (reports_folder / "two.jsonl").write_text('{"id": "a", "text": "办结3件。"}\n'
                                              '{"id": "b", "text": "开放410个数据集。"}\n', encoding="utf-8")
    units = list_units([str(reports_folder)])
    extractor = ExtractorSpec(str(model_dir), threads=1)()
    alone = [extract_unit(extractor, unit, fmt) for unit in units]
    together = list(extract_units(extractor, units, fmt))
    assert [r.key for r in together] == [u.key for u in units]
    assert [(r.text, r.documents, r.records, r.failures) for r in together] == \
           [(r.text, r.documents, r.records, r.failures) for r in alone]
    assert [r.documents for r in together if r.key in ("empty.jsonl", "two.jsonl")] == [0, 2]
