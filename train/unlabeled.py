"""Real report text without labels: the sentences distillation and self-training learn from.

The default folder is ``../shared/corpus/unlabeled`` beside the repository; it is an
optional input, so every command works without it. Sentences that occur in a gold file
are always dropped: nothing a model is scored on is ever trained on.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from govreport.data.doccano import FormatError, read_jsonl
from govreport.data.paths import REPO_ROOT
from govreport.data.text import split_sentences
from govreport.train.config import DEV_GOLD, VALIDATION_GOLDS, gold_paths
from govreport.train.data import DataError
from govreport.train.run import resolve_path

logger = logging.getLogger(__name__)

# Real report text without labels; the path is relative to the repository root.
DEFAULT_UNLABELED = "../shared/corpus/unlabeled"


@dataclass
class UnlabeledText:
    sentences: list[str]
    files: int
    dropped_gold: int  # sentences left out because a gold file holds them
    directory: str | None = field(default=None, repr=False)
    gold_files: list[str] = field(default_factory=list, repr=False)


def read_unlabeled(directory: str | Path, gold_texts: set[str]) -> UnlabeledText:
    """Distinct sentences of every ``.txt`` file under ``directory``, minus those in ``gold_texts``.

    Sentences are cut with :func:`data.text.split_sentences`; a sentence that is
    exactly a gold text is dropped, so the student never trains on what it is scored
    on. Files are UTF-8 (a BOM is fine) or GB18030; ``#`` lines at the top of a file
    (the corpus's ``# source:`` and ``# title:`` headers) are not report text and are skipped.

    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "a.txt").write_text("# source: http://example.org\\n共受理申请12件。办结率100%。", encoding="utf-8")
    >>> read_unlabeled(folder, {"办结率100%。"})
    UnlabeledText(sentences=['共受理申请12件。'], files=1, dropped_gold=1)
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise DataError(f"unlabeled folder {directory} does not exist (check --unlabeled)")
    files = sorted(directory.rglob("*.txt"))
    seen: set[str] = set()
    sentences, dropped = [], 0
    for path in files:
        raw = path.read_bytes()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                text = raw.decode("gb18030")
            except UnicodeDecodeError:
                raise DataError(f"unlabeled file {path} is neither UTF-8 nor GB18030") from None
        lines = text.splitlines(keepends=True)
        while lines and lines[0].startswith("#"):
            lines.pop(0)
        text = "".join(lines)
        for start, end in split_sentences(text):
            sentence = text[start:end]
            if sentence in seen:
                continue
            seen.add(sentence)
            if sentence in gold_texts:
                dropped += 1
            else:
                sentences.append(sentence)
    logger.info(
        "unlabeled: %d sentences from %d files in %s (%d dropped: in the gold files)", len(sentences), len(files), directory, dropped
    )
    return UnlabeledText(sentences, len(files), dropped, str(directory))


def gold_texts(paths: list[Path]) -> set[str]:
    """Every text of the gold JSONL files ``paths``: what the unlabeled input must not contain."""
    texts = set()
    for path in paths:
        try:
            texts.update(ex.text for ex in read_jsonl(path))
        except FormatError as err:
            raise DataError(f"gold file {err}") from None
    return texts


def unlabeled_sentences(unlabeled: str | None, *gold: str | None) -> UnlabeledText:
    """The sentences of the ``--unlabeled`` option, minus those of the ``gold`` options' files (each none,
    one, or several comma-separated) and of every shipped validation and evaluation gold.

    ``unlabeled`` is :data:`DEFAULT_UNLABELED` (used only when the folder exists), another
    folder, or None/'' for none.
    """
    if unlabeled == DEFAULT_UNLABELED:
        directory = (REPO_ROOT / DEFAULT_UNLABELED).resolve()
        if not directory.is_dir():
            logger.info("no unlabeled text: the default folder %s does not exist", directory)
            return UnlabeledText([], 0, 0)
    elif unlabeled:
        directory = resolve_path(unlabeled)
    else:
        return UnlabeledText([], 0, 0)
    named = [path for option in gold for path in gold_paths(option)]
    gold_files = [resolve_path(p) for p in dict.fromkeys([*named, *VALIDATION_GOLDS, DEV_GOLD])]
    gold_files = [p for p in gold_files if p.is_file()]
    unlabeled = read_unlabeled(directory, gold_texts(gold_files))
    unlabeled.gold_files = [str(p) for p in gold_files]
    return unlabeled
