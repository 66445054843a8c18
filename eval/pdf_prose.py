"""Report prose printed to PDF and read back: does extraction give the records of the text it was printed from?

A PDF's text layer is not the text that was typeset: every line ends where the page did, in the
middle of names and numbers, and a reader may give back a radical for a character whose glyph
the font shares with it (部⻔, 七百四⼗五). This check takes generated reports (the generator of
``govreport generate``, the corpus of ``govreport bench``), joins their sentences into paragraphs
of one to four, prints each report with headless Chromium or LibreOffice Writer (a first-line
indent of two characters, its own page width, font size and font, so lines break at different
places), reads each PDF back
with every reader installed (:func:`eval.pdf_tables.readers`) and extracts records from each
reading and from the text that was printed. A record of the printed text is kept when the reading
gives the same metric, value and unit (compared in simplified characters, radicals folded: records
keep what the reading wrote; 3.5 万元 and 3.5万元 are the same amount); the figures are how many the
reading kept, lost and added.
"""

from __future__ import annotations

import html
import random
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path

from govreport.data.numbers.chars import MAGNITUDES
from govreport.data.text import TO_SIMPLIFIED
from govreport.eval.pdf_tables import FONTS, PRINTERS, readers
from govreport.eval.table_scores import FileScore

__all__ = ["paragraphs", "to_html", "roundtrip"]


def paragraphs(sentences: list[str], rng: random.Random) -> list[str]:
    """The sentences of a report joined into paragraphs of one to four."""
    out, k = [], 0
    while k < len(sentences):
        m = rng.randint(1, 4)
        out.append("".join(sentences[k:k + m]))
        k += m
    return out


def to_html(paras: list[str], width_mm: int, font_pt: float, font: str) -> str:
    """Paragraphs as a word processor prints them: a first-line indent of two characters."""
    body = "".join(f"<p>{html.escape(p)}</p>" for p in paras)
    return (f"<html><head><meta charset='utf-8'><style>@page{{size:{width_mm}mm 297mm;margin:20mm}}"
            f"body{{font-family:'{font}';font-size:{font_pt}pt;line-height:1.6}}p{{text-indent:2em;margin:0}}"
            f"</style></head><body>{body}</body></html>")


def _key(record) -> tuple:
    """What a record says, however the reading spaced it: 60 岁及以上人口 is the name 60岁及以上人口,
    and 3.5 万元 (a magnitude a space cut off goes into the unit, docs/annotation.md: 3.5 in 万元)
    the amount 3.5万元 states (35000 in 元)."""
    def fold(text):
        return "".join(text.translate(TO_SIMPLIFIED).split()) if text else text
    value, unit = record.value, fold(record.unit)
    if unit and len(unit) > 1 and unit[0] in MAGNITUDES and value is not None:
        value, unit = value * MAGNITUDES[unit[0]], unit[1:]
    return fold(record.metric), float(f"{value:.9g}") if value is not None else None, unit


def roundtrip(reports: Iterable[str], extract: Callable[[list[str]], list[list]], seed: int = 0,
              program: str = "/usr/bin/chromium", printer: str = "chromium") -> tuple[dict[str, FileScore], list[str]]:
    """Print each of ``reports`` (its sentences one per line) to PDF with ``printer`` (one of
    :data:`eval.pdf_tables.PRINTERS`, its program at ``program``), read it back with every reader
    and compare the records ``extract`` gives for each reading with those of the text printed.

    Returns per reader the records printed (``gold``), those the readings gave (``predicted``)
    and those both gave (``correct``), and one line per reading that lost or added a record.
    """
    rng = random.Random(seed)
    found = readers(program if printer == "writer" else None)
    scores = {name: FileScore(name) for name in found}
    failures: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        for i, report in enumerate(reports):
            paras = paragraphs(report.split("\n"), rng)
            width, size, font = rng.choice([170, 210, 250]), rng.choice([10.5, 12, 14, 16]), rng.choice(FONTS)
            pdf = Path(tmp) / f"p{i:03d}.pdf"
            PRINTERS[printer](to_html(paras, width, size, font), pdf, program)
            texts = ["\n".join(paras)] + [read(pdf) for read in found.values()]
            printed, *readings = (Counter(_key(r) for r in records) for records in extract(texts))
            for (name, score), got in zip(scores.items(), readings):
                score.gold += sum(printed.values())
                score.predicted += sum(got.values())
                score.correct += sum((printed & got).values())
                lost, added = printed - got, got - printed
                if lost or added:
                    failures.append(f"{name} p{i:03d} ({width} mm, {size} pt, {font}): lost {sorted(lost, key=str)[:3]}"
                                    f", added {sorted(added, key=str)[:3]}")
    return scores, failures
