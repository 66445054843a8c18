"""The generated dataset in Hugging Face form, laid out like conll2003.

Each split has ``id``, ``text``, ``tokens`` (the characters of ``text``: the tagger works
per character, so a token is a character and ``"".join(tokens) == text``) and
``ner_tags``, a ``Sequence`` of ``ClassLabel`` whose names are :data:`data.schema.LABELS`,
so ``features["ner_tags"].feature.names`` is all a reader needs to decode them. The card's
YAML (:func:`card_metadata`) tells ``datasets.load_dataset(folder)`` where each split is.

>>> from govreport.data.schema import Span
>>> ds = to_hf({"train": [Example(id="a", text="办结3件", spans=[Span(2, 3, "VALUE"), Span(3, 4, "UNIT")])]})
>>> row = ds["train"][0]
>>> row["tokens"], [ds["train"].features["ner_tags"].feature.int2str(t) for t in row["ner_tags"]]
(['办', '结', '3', '件'], ['O', 'O', 'B-VALUE', 'B-UNIT'])
"""

from __future__ import annotations

import yaml

from govreport.data.doccano import Example
from govreport.data.schema import LABELS, label2id, spans_to_tags

# The folder under a dataset folder that holds the DatasetDict (save_to_disk).
HF_DIR = "hf"
# The project's license (pyproject.toml, LICENSE).
LICENSE = "mit"


def features():
    """``id``, ``text``, ``tokens`` and ``ner_tags`` with the label names in the schema."""
    import datasets

    return datasets.Features({
        "id": datasets.Value("string"),
        "text": datasets.Value("string"),
        "tokens": datasets.Sequence(datasets.Value("string")),
        "ner_tags": datasets.Sequence(datasets.ClassLabel(names=list(LABELS))),
    })


def write_hf(ds: dict[str, list[Example]], out) -> None:
    """Save the DatasetDict under ``out/hf`` (``load_from_disk``) and each split as ``out/{split}.parquet`` (``load_dataset``)."""
    hf = to_hf(ds)
    hf.save_to_disk(str(out / HF_DIR))
    for split, rows in hf.items():
        rows.to_parquet(str(out / f"{split}.parquet"))


def to_hf(ds: dict[str, list[Example]]):
    """A ``datasets.DatasetDict``, one row per example, character tags as label ids."""
    import datasets

    def columns(examples):
        return {"id": [ex.id for ex in examples], "text": [ex.text for ex in examples],
                "tokens": [list(ex.text) for ex in examples],
                "ner_tags": [[label2id[t] for t in spans_to_tags(ex.spans, len(ex.text))] for ex in examples]}

    return datasets.DatasetDict({s: datasets.Dataset.from_dict(columns(e), features=features()) for s, e in ds.items()})


def _size_category(n: int) -> str:
    for limit, name in ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"), (1_000_000, "100K<n<1M")):
        if n < limit:
            return name
    return "1M<n<10M"


def card_metadata(ds: dict[str, list[Example]], seed: int, reports: int) -> dict:
    """The dataset card's YAML: license, language, task, size, and where each split's files are.

    The ``default`` configuration reads the conll2003-like ``{split}.parquet`` files (the
    same rows as ``hf/``, which ``load_dataset`` cannot read: ``save_to_disk`` writes arrow
    streams). The doccano JSONL files stay out: one folder is read with one file format.
    """
    splits = list(ds)
    return {
        "license": LICENSE,
        "language": ["zh"],
        "pretty_name": f"govreport generated reports (seed {seed}, {reports} reports)",
        "task_categories": ["token-classification"],
        "task_ids": ["named-entity-recognition"],
        "annotations_creators": ["machine-generated"],
        "language_creators": ["machine-generated"],
        "multilinguality": ["monolingual"],
        "source_datasets": ["original"],
        "size_categories": [_size_category(sum(len(v) for v in ds.values()))],
        "tags": ["govreport", "government-reports", "synthetic", f"seed-{seed}"],
        "configs": [
            {"config_name": "default", "default": True,
             "data_files": [{"split": s, "path": f"{s}.parquet"} for s in splits]},
        ],
        "dataset_info": {
            "features": [
                {"name": "id", "dtype": "string"},
                {"name": "text", "dtype": "string"},
                {"name": "tokens", "sequence": "string"},
                {"name": "ner_tags", "sequence": {"class_label": {"names": {i: n for i, n in enumerate(LABELS)}}}},
            ],
        },
    }


def front_matter(meta: dict) -> str:
    """``meta`` as the YAML block a card opens with."""
    return "---\n" + yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, width=1000) + "---\n"


def strip_front_matter(card: str) -> str:
    """A card's text after its YAML block (the whole text when it has none).

    >>> strip_front_matter("---\\nlicense: mit\\n---\\n# Title\\n")
    '# Title\\n'
    """
    if card.startswith("---\n"):
        parts = card.split("\n---\n", 1)
        if len(parts) == 2:
            return parts[1]
    return card
