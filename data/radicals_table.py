"""Writes ``data/radicals.tsv``: the CJK Radicals Supplement characters and the ideograph each reads as.

A PDF's text layer maps each glyph back to a character through the font's cmap. A CJK font
draws the radical 门 (U+2ED4) and the character 门 (U+95E8) with one glyph, so a reader
(pypdf, pdfminer) can give back the radical: 部⻔, 七百四⼗五, ⼈⺠. Kangxi radicals (⼗, ⼈,
U+2F00–U+2FD5) fold by NFKC, which Python knows; the Radicals Supplement (U+2E80–U+2EF3) has no
such mapping but for two characters. This script reads it from the fonts that cause it: a
supplement character becomes the CJK ideograph (basic block or extension A) that shares its
glyph in any face of the given font collections, when there is exactly one. fontTools is
needed only to write the table:

    pip install fonttools
    python -m govreport.data.radicals_table /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc \\
        /usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc > data/radicals.tsv
"""

from __future__ import annotations

import sys

HEADER = ("# CJK Radicals Supplement character -> the ideograph that shares its glyph, one for one.\n"
          "# Written by `python -m govreport.data.radicals_table` from the cmaps of Noto Sans CJK and\n"
          "# Noto Serif CJK (SIL Open Font License 1.1); data.text.RADICAL_FORMS reads it.\n")
SUPPLEMENT = range(0x2E80, 0x2EF4)


def _ideograph(cp: int) -> bool:
    return 0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF


def table(paths: list[str]) -> dict[str, str]:
    """Supplement character -> ideograph, from every face of the font collections at ``paths``."""
    from fontTools.ttLib import TTCollection

    found: dict[int, set[int]] = {}
    for path in paths:
        for font in TTCollection(path).fonts:
            cmap = font.getBestCmap()
            by_glyph: dict[str, list[int]] = {}
            for cp, glyph in cmap.items():
                by_glyph.setdefault(glyph, []).append(cp)
            for cp in SUPPLEMENT:
                if cp in cmap:
                    found.setdefault(cp, set()).update(c for c in by_glyph[cmap[cp]] if _ideograph(c))
    return {chr(cp): chr(next(iter(same))) for cp, same in sorted(found.items()) if len(same) == 1}


def main(argv: list[str] | None = None) -> int:
    paths = sys.argv[1:] if argv is None else argv
    if not paths:
        print(__doc__, file=sys.stderr)
        return 2
    sys.stdout.write(HEADER + "".join(f"{r}\t{c}\n" for r, c in table(paths).items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
