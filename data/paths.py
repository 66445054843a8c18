"""Where the repository's own files are: the one definition of the repository root.

A shipped model, the sample page and the gold files are found from here, whatever the
working directory, so ``govreport`` run from anywhere reads the same files.

>>> (REPO_ROOT / "data" / "paths.py").is_file(), SAMPLE_PAGE.relative_to(REPO_ROOT).as_posix()
(True, 'data/samples/reports_page.txt')
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["REPO_ROOT", "SAMPLE_PAGE", "GOLD_DEV"]

REPO_ROOT = Path(__file__).resolve().parent.parent
# The real report page every quick check reads (data/samples/README.md).
SAMPLE_PAGE = REPO_ROOT / "data" / "samples" / "reports_page.txt"
# The hand-annotated real sentences: evaluation only, never training.
GOLD_DEV = REPO_ROOT / "data" / "gold" / "dev.jsonl"
