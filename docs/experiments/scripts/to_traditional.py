"""A gold file written in traditional characters: its traditional-script twin, offsets unchanged.

A one-off measurement (docs/results.md, "Traditional script everywhere"), not a feature. Every character
is converted alone by OpenCC's simplified-to-traditional table (its first candidate, as
``OpenCC('s2t')`` gives for one character), so each stays one character and every span keeps
its offsets; the texts of the spans and of the records' metric, unit and raw are converted the
same way. Character by character is cruder than OpenCC's phrase conversion (发 is always 發),
which is what a held-out test of robustness needs: no sentence of the project's gold is in
traditional script, and this gives real_val's and dev's sentences in it.

Needs ``pip install opencc-python-reimplemented`` (Apache-2.0; not a dependency of the tool).

    python docs/experiments/scripts/to_traditional.py data/gold/real_val.jsonl > /tmp/real_val_trad.jsonl
"""

import functools
import json
import sys

from opencc import OpenCC

_S2T = OpenCC("s2t")


@functools.lru_cache(maxsize=None)
def _char(c: str) -> str:
    t = _S2T.convert(c)
    return t if len(t) == 1 else c


def convert(text: str | None) -> str | None:
    return None if text is None else "".join(map(_char, text))


def main(path: str) -> None:
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            item = json.loads(line)
            item["text"] = convert(item["text"])
            item["label"] = [[s, e, t, *map(convert, rest)] for s, e, t, *rest in item["label"]]
            for record in item.get("records") or []:
                for field in ("metric", "unit", "raw", "qualifier"):
                    if isinstance(record.get(field), str):
                        record[field] = convert(record[field])
            print(json.dumps(item, ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv[1])
