"""Writes ``data/traditional.tsv``: traditional characters and the simplified one each reads as.

The table comes from OpenCC's character dictionary (``TSCharacters.txt``, with its Taiwan and
Hong Kong variant tables for the forms it lacks, such as 衞), a maintained source, rather than
from a hand-made list. Only characters that simplified text never holds are kept: those outside
GB2312 (so 著, 於 and 乾, which simplified text writes too, stay as they are), each with OpenCC's
first simplified reading, one character for one so that every offset survives
(:data:`data.text.TO_SIMPLIFIED` reads it). OpenCC is needed only to write the table:

    pip install opencc-python-reimplemented
    python -m govreport.data.traditional_table > data/traditional.tsv
"""

from __future__ import annotations

import sys
from pathlib import Path

HEADER = ("# Traditional character -> the simplified character it reads as, one for one. Written by\n"
          "# `python -m govreport.data.traditional_table` from OpenCC's TSCharacters.txt\n"
          "# (https://github.com/BYVoid/OpenCC, Copyright BYVoid, Apache License 2.0:\n"
          "# http://www.apache.org/licenses/LICENSE-2.0); only characters outside GB2312.\n")


def _in_gb2312(char: str) -> bool:
    try:
        char.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return True


def _read(path: Path) -> dict[str, str]:
    """A dictionary file of OpenCC's: each single character and its first reading, when that is one too."""
    out = {}
    for line in path.read_text(encoding="utf-8-sig").splitlines():
        key, _, readings = line.partition("\t")
        first = readings.split(" ")[0]
        if len(key) == 1 and len(first) == 1 and key != first:
            out[key] = first
    return out


def build(dictionary: Path) -> dict[str, str]:
    """Traditional character -> simplified, from the folder of OpenCC's dictionary files."""
    to_simple = _read(dictionary / "TSCharacters.txt")
    for variants in ("TWVariantsRev.txt", "HKVariantsRev.txt"):  # 衞 -> 衛 -> 卫
        for variant, standard in _read(dictionary / variants).items():
            if variant not in to_simple and standard in to_simple:
                to_simple[variant] = to_simple[standard]
    return {t: s for t, s in sorted(to_simple.items()) if not _in_gb2312(t) and _in_gb2312(s)}


def main() -> None:
    import opencc  # noqa: PLC0415 (only the maintainer who rewrites the table needs it)

    table = build(Path(opencc.__file__).parent / "dictionary")
    sys.stdout.write(HEADER + "".join(f"{t}\t{s}\n" for t, s in table.items()))


if __name__ == "__main__":
    main()
