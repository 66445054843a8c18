"""``govreport generate``: a labelled dataset built from whole templated reports.

Each report has a title (agency and year), numbered sections and paragraphs drawn
from the template banks of one split; it is then cut into sentences (sometimes
two-sentence passages), each labelled per ANNOTATION.md with spans and records.
Some reports use half-width punctuation, some traditional script, as real ones do.

>>> ds = build_dataset(reports=6, seed=1)
>>> sorted(ds)
['test', 'train', 'validation']
>>> all(ex.records is not None for ex in ds["train"])
True

Same seed, same bytes: every report draws from its own ``random.Random`` seeded by
``(seed, split, index)``.
"""

from __future__ import annotations

import argparse
import collections
import json
import logging
import random
import time
from pathlib import Path

from tqdm import tqdm

from govreport.data import lexicon
from govreport.data import text as textutil
from govreport.data.atomic import OutputError, check_output
from govreport.data.doccano import Example, atomic_write, write_jsonl
from govreport.data.errors import cli_error
from govreport.data.hf_dataset import HF_DIR, card_metadata, front_matter, strip_front_matter, write_hf
from govreport.data.logs import setup_logging
from govreport.data.numbers.chars import CN_DIGIT_CHARS
from govreport.data.schema import Record, Span, move_record
from govreport.data.templates import SPLITS, load_templates, split_of
from govreport.data.templating import Template

logger = logging.getLogger(__name__)

# Share of reports per split (validation and test measure new phrasings, so they are smaller).
SPLIT_SHARE = {"train": 0.8, "validation": 0.1, "test": 0.1}

SECTION_TITLES = (
    "总体情况", "主动公开政府信息情况", "收到和处理政府信息公开申请情况", "政府信息公开行政复议、行政诉讼情况",
    "存在的主要问题及改进情况", "其他需要报告的事项", "政策解读情况", "回应关切情况", "平台建设情况",
    "监督保障情况", "政府信息管理情况", "依申请公开情况", "网站建设情况", "新媒体运营情况",
)
REPORT_KINDS = ("政府信息公开工作年度报告", "政府信息公开年度报告", "政务公开工作年度报告", "政府信息公开工作报告")
STATS_KINDS = ("国民经济和社会发展统计公报", "统计公报", "工作总结")


def _heading(rng: random.Random, level: int, n: int) -> str:
    cn = CN_DIGIT_CHARS[n] if n < 10 else "十"
    if level == 0:
        return rng.choice((f"{cn}、", f"{cn}、 ", f"第{cn}部分 ")) + rng.choice(SECTION_TITLES)
    return rng.choice((f"({cn})", f"（{cn}）", f"{n}.", f"{n}、")) + rng.choice(SECTION_TITLES)[:-2] + "情况"


def _plain(example_id: str, text: str) -> Example:
    return Example(id=example_id, text=text, spans=[], records=[], meta={"template": "report.heading"})


def concat(first: Example, second: Example) -> Example:
    """Join two examples into one passage, shifting the second's offsets."""
    shift = len(first.text)
    return Example(
        id=first.id, text=first.text + second.text,
        spans=first.spans + [Span(s.start + shift, s.end + shift, s.label) for s in second.spans],
        records=(first.records or []) + [move_record(r, shift) for r in second.records or []],
        meta={"template": f"{first.meta['template']}+{second.meta['template']}",
              "styles": first.meta.get("styles", []) + second.meta.get("styles", [])},
    )


def restyle(example: Example, translate: dict) -> Example:
    """Apply a one-character-for-one mapping (width, script) to text and record strings."""
    text = example.text.translate(translate)
    assert len(text) == len(example.text)
    records = []
    for r in example.records or []:
        d = r.to_dict()
        d["raw"] = d["raw"].translate(translate)
        if r.metric_span:
            d["metric"] = text[r.metric_span[0]:r.metric_span[1]]
        if r.unit_span:
            d["unit"] = textutil.normalize_percent(text[r.unit_span[0]:r.unit_span[1]])
        records.append(Record.from_dict(d))
    return Example(example.id, text, example.spans, records, example.meta)


class ReportGenerator:
    """Writes whole reports from the templates of one split."""

    def __init__(self, templates: list[Template]):
        self.by_module = collections.defaultdict(list)
        for t in templates:
            self.by_module[t.id.split(".")[0]].append(t)
        self.negatives = self.by_module.pop("negatives", [])
        self.topics = sorted(self.by_module)
        if not self.topics:
            raise ValueError("no templates with quantities in this split")

    def report(self, rng: random.Random, report_id: str) -> list[Example]:
        """The sentences of one report, each a labelled Example."""
        stats = rng.random() < 0.15 and "stats" in self.by_module
        year = rng.randint(2008, 2025)
        name = lexicon.place(rng) if stats else lexicon.agency(rng)
        title = f"{name}{year}年{rng.choice(STATS_KINDS if stats else REPORT_KINDS)}"
        out = [_plain(f"{report_id}-000", title)]
        for s in range(1, rng.randint(3, 7) + 1):
            out.append(_plain("", _heading(rng, 0, s)))
            topic = "stats" if stats else rng.choice(self.topics)
            for _ in range(rng.randint(1, 3)):
                if rng.random() < 0.3:
                    out.append(_plain("", _heading(rng, 1, rng.randint(1, 6))))
                for _ in range(rng.randint(2, 5)):
                    r = rng.random()
                    pool = (self.negatives if r < 0.22 and self.negatives
                            else self.by_module[rng.choice(self.topics)] if r < 0.35
                            else self.by_module[topic])
                    out.append(rng.choice(pool).render(rng))
        # Passages: now and then two neighbouring sentences stay together.
        merged: list[Example] = []
        for ex in out:
            if merged and rng.random() < 0.12 and merged[-1].meta["template"] != "report.heading" \
                    and ex.meta["template"] != "report.heading":
                merged[-1] = concat(merged[-1], ex)
            else:
                merged.append(ex)
        translate = {}
        if rng.random() < 0.5:
            translate.update(str.maketrans("，；：（）！？", ",;:()!?"))
        if rng.random() < 0.06:
            translate.update(textutil.TO_TRADITIONAL)
        for k, ex in enumerate(merged):
            ex.id = f"{report_id}-{k:03d}"
            ex.meta["source"] = title
            if translate:
                merged[k] = restyle(ex, translate)
        return merged


def build_dataset(reports: int, seed: int, progress: bool = False) -> dict[str, list[Example]]:
    """Generate ``reports`` reports split 80/10/10 into train/validation/test."""
    templates = load_templates()
    per_split = {s: [t for t in templates if split_of(t.id) == s] for s in SPLITS}
    counts = {"validation": max(1, round(reports * SPLIT_SHARE["validation"])),
              "test": max(1, round(reports * SPLIT_SHARE["test"]))}
    counts["train"] = max(1, reports - counts["validation"] - counts["test"])
    out: dict[str, list[Example]] = {}
    bar = tqdm(total=sum(counts.values()), desc="reports", unit="report", disable=None if progress else True)
    for split in SPLITS:
        gen = ReportGenerator(per_split[split])
        examples: list[Example] = []
        for i in range(counts[split]):
            examples += gen.report(random.Random(f"{seed}-{split}-{i}"), f"{split}-{i:05d}")
            bar.update(1)
        out[split] = examples
    bar.close()
    return out


def dataset_card(ds: dict[str, list[Example]], seed: int, reports: int) -> str:
    """A README for the dataset directory: seed, counts, templates, distributions."""
    templates = load_templates()
    lines = [CARD_TITLE, "",
             f"Built by `govreport generate --reports {reports} --seed {seed}` from the template banks "
             "in `data/templates/`. Labels follow ANNOTATION.md (see docs/annotation.md).", "",
             f"- seed: {seed}", f"- reports: {reports}", "",
             f"Files: `{{split}}.jsonl` (doccano JSONL: `text`, `label` spans, `records`); `{HF_DIR}/`, a "
             "`datasets.DatasetDict` laid out like conll2003: `id`, `text`, `tokens` (the characters of `text`) and "
             "`ner_tags`, a `Sequence` of `ClassLabel` (IOB2 names in `features`); the same rows in "
             f"`{{split}}.parquet`. Load them with `datasets.load_from_disk(\"FOLDER/{HF_DIR}\")` or "
             "`datasets.load_dataset(\"FOLDER\")` (the parquet files, named in the YAML above).", "",
             "| split | sentences | templates | METRIC | VALUE | UNIT | records | negative-only share | "
             "distinct metrics | distinct metrics per 10k |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    stats = {}
    for split, examples in ds.items():
        labels = collections.Counter(s.label for ex in examples for s in ex.spans)
        metrics = {r.metric for ex in examples for r in ex.records or [] if r.metric}
        negative = sum(1 for ex in examples if not ex.records)
        used = {t for ex in examples for t in ex.meta["template"].split("+")} - {"report.heading"}
        per10k = _distinct_per_10k(examples)
        stats[split] = {"sentences": len(examples), "templates": len(used), "labels": dict(labels),
                        "records": sum(len(ex.records or []) for ex in examples),
                        "negative_share": negative / max(1, len(examples)),
                        "distinct_metrics": len(metrics), "distinct_metrics_per_10k": per10k}
        lines.append(f"| {split} | {len(examples)} | {len(used)} | {labels['METRIC']} | {labels['VALUE']} | "
                     f"{labels['UNIT']} | {stats[split]['records']} | {negative / max(1, len(examples)):.1%} | "
                     f"{len(metrics)} | {per10k} |")
    styles = collections.Counter(s for ex in ds["train"] for s in ex.meta.get("styles", []))
    units = collections.Counter(r.unit for ex in ds["train"] for r in ex.records or [])
    lines += ["", f"Templates in the banks: {len(templates)} "
              f"({', '.join(f'{s}: {sum(split_of(t.id) == s for t in templates)}' for s in SPLITS)}); "
              "validation and test templates never appear in train.", "",
              "Number formats (train): " + ", ".join(f"{k} {v}" for k, v in styles.most_common()), "",
              "Top units (train): " + ", ".join(f"{k} {v}" for k, v in units.most_common(25)), "",
              "Negative-only share: sentences with no VALUE (headings, hard negatives, number-free prose).", "",
              "```json", json.dumps({"seed": seed, "reports": reports, "splits": stats}, ensure_ascii=False, indent=1),
              "```", ""]
    return "\n".join(lines)


def _distinct_per_10k(examples: list[Example]) -> int:
    """Distinct metric names in the first 10,000 sentences (all of them if fewer, scaled)."""
    head = examples[:10000]
    n = len({r.metric for ex in head for r in ex.records or [] if r.metric})
    return round(n * 10000 / max(1, len(head))) if len(head) < 10000 else n


# What write_dataset puts in its folder; a folder holding anything else is not overwritten.
DATASET_FILES = (*(f"{s}.{ext}" for s in SPLITS for ext in ("jsonl", "parquet")), HF_DIR, "README.md")
CARD_TITLE = "# Generated report dataset"


def check_dataset_folder(out: str | Path) -> Path:
    """``out`` as a folder ``write_dataset`` may fill, or :class:`OutputError` saying why not.

    It must be new, empty or an earlier dataset (only :data:`DATASET_FILES`, its README a
    dataset card): ``--out ""`` or ``--out .`` in a project must not replace its README.md.

    >>> check_dataset_folder("")
    Traceback (most recent call last):
    ...
    govreport.data.errors.OutputError: the output folder is empty ('')
    """
    if str(out).strip() == "":
        raise OutputError(f"the output folder is empty ({str(out)!r})")
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise OutputError(f"{out} is a file, not a folder")
    if out.is_dir():
        others = sorted(p.name for p in out.iterdir() if p.name not in DATASET_FILES)
        card = out / "README.md"
        if not others and card.is_file():
            with open(card, encoding="utf-8", errors="replace") as f:
                text = strip_front_matter(f.read(1 << 16))
            if text.split("\n", 1)[0] != CARD_TITLE:
                others = ["README.md (not a dataset card)"]
        if others:
            raise OutputError(f"{out} already holds files that are not a generated dataset "
                              f"({', '.join(others[:3])}{', ...' if len(others) > 3 else ''}); give a new or empty folder")
    check_output(out / "README.md")  # a parent that is a file, a README that is a FIFO ...
    return out


def write_dataset(ds: dict[str, list[Example]], out: Path, seed: int, reports: int) -> None:
    out = check_dataset_folder(out)
    out.mkdir(parents=True, exist_ok=True)
    for split, examples in ds.items():
        write_jsonl(out / f"{split}.jsonl", examples)
    write_hf(ds, out)
    with atomic_write(out / "README.md") as f:
        f.write(front_matter(card_metadata(ds, seed, reports)) + dataset_card(ds, seed, reports))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="govreport generate", description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", required=True,
                        help="output directory: new, empty or an earlier generated dataset (it is overwritten)")
    parser.add_argument("--reports", type=int, default=500, help="number of reports (default 500, ≈ 25k sentences)")
    parser.add_argument("--seed", type=int, default=7, help="random seed; same seed, same bytes (default 7)")
    args = parser.parse_args(argv)
    setup_logging(logging.INFO, "plain")
    if args.reports < 3:
        parser.error("--reports must be at least 3 (one per split)")
    try:  # before the minutes of generating
        check_dataset_folder(args.out)
    except OutputError as err:
        return cli_error("generate", err)
    start = time.time()
    ds = build_dataset(args.reports, args.seed, progress=True)
    write_dataset(ds, Path(args.out), args.seed, args.reports)
    logger.info("wrote %s sentences (%s) to %s in %.1fs",
                sum(len(v) for v in ds.values()), ", ".join(f"{k} {len(v)}" for k, v in ds.items()),
                args.out, time.time() - start)
    return 0
