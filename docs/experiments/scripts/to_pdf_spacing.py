"""A gold file spaced as pypdf spaces a PDF's text: a space between a run of ASCII letters or digits
and a Chinese character beside it (2024 年, 3119 件, 国令第 711 号); spans and records moved with it.

A one-off measurement (docs/results.md, "Spaces around numbers"), not a feature. A number of
ASCII digits is spaced apart from its magnitude or 余/多 too (62857 万元, 8400 多条), relabelled as
docs/annotation.md has it (:func:`cut_numbers`); no other space goes inside a span, unless
``--names``: then a METRIC is spaced inside as pypdf spaces it (60 岁及以上人口, 12345 热线), the
name tagged whole, space inside, as docs/annotation.md has a name broken by a space.

    python docs/experiments/scripts/to_pdf_spacing.py data/gold/real_val.jsonl > /tmp/real_val_sp.jsonl
    python docs/experiments/scripts/to_pdf_spacing.py data/gold/real_val.jsonl --names > /tmp/real_val_spn.jsonl
"""

import json
import re
import sys


def _word(char: str) -> bool:
    return char.isascii() and char.isalnum()


def _han(char: str) -> bool:
    return "\u4e00" <= char <= "\u9fff"


def space(text: str, inside: frozenset = frozenset()) -> tuple[str, list[int]]:
    """``text`` with the spaces put in, and each character's offset in the result (and the end's);
    none at a position in ``inside``."""
    out, where = [], []
    for i, char in enumerate(text):
        if i and i not in inside and ((_word(text[i - 1]) and _han(char)) or (_han(text[i - 1]) and _word(char))):
            out.append(" ")
        where.append(len(out))
        out.append(char)
    return "".join(out), where + [len(out)]


# A VALUE of ASCII digits and a magnitude (62857万) or 余/多 (8400多), which pypdf writes apart.
_CUT = re.compile(r"(?P<digits>[0-9][0-9.]*)(?:(?P<magnitude>万亿|千万|百万|万|亿)|[余多])")
_SCALE = {"万": 10**4, "亿": 10**8, "千万": 10**7, "百万": 10**6, "万亿": 10**12}


def cut_numbers(item: dict) -> None:
    """Relabel ``item`` as if a space stood after each such VALUE's digits, by docs/annotation.md:
    a magnitude cut off by a space goes into the unit (62857 【万元】: value 62857, unit 万元), a
    cut-off 余/多 is in no span (the record stays approximate)."""
    labels, moved = [], {}
    spans = sorted(item["label"])
    for k, (start, end, label, *_) in enumerate(spans):
        m = _CUT.fullmatch(item["text"], start, end) if label == "VALUE" else None
        if m is None:
            if not (label == "UNIT" and labels and labels[-1][2] == "UNIT" and labels[-1][1] >= end):
                labels.append([start, end, label])  # (a UNIT the magnitude before it took in is left out)
            continue
        cut = m.end("digits")
        labels.append([start, cut, "VALUE"])
        magnitude = m.group("magnitude")
        unit_end = end
        if magnitude:
            after = spans[k + 1] if k + 1 < len(spans) else None
            unit_end = after[1] if after is not None and after[2] == "UNIT" and after[0] == end else end
            labels.append([cut, unit_end, "UNIT"])  # the magnitude, with the unit after it
        moved[(start, end)] = (cut, magnitude, unit_end)
    item["label"] = labels
    for record in item.get("records") or []:
        span = tuple(record.get("value_span") or ())
        if span not in moved:
            continue
        cut, magnitude, unit_end = moved[span]
        record["value_span"] = [span[0], cut]
        if magnitude:
            record["value"] = record["value"] / _SCALE[magnitude]
            record["unit"] = magnitude + (record.get("unit") or "")
            record["unit_span"] = [cut, unit_end]


def main(path: str, names: bool = False) -> None:
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            item = json.loads(line)
            cut_numbers(item)
            inside = frozenset(i for start, end, label, *_ in item["label"] for i in range(start + 1, end)
                               if not (names and label == "METRIC"))
            text, where = space(item["text"], inside)
            item["text"] = text
            item["label"] = [[where[s], where[e - 1] + 1, t, *rest] for s, e, t, *rest in item["label"]]
            for record in item.get("records") or []:
                for field in ("value_span", "unit_span", "metric_span"):
                    if record.get(field):
                        s, e = record[field]
                        record[field] = [where[s], where[e - 1] + 1]
                if record.get("raw"):  # the value with its unit as written: 252条 is now 252 条
                    record["raw"] = space(record["raw"])[0]
                if names and record.get("metric_span"):
                    record["metric"] = text[slice(*record["metric_span"])]
            print(json.dumps(item, ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv[1], names="--names" in sys.argv[2:])
