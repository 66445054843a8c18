"""A gold file as the text layer of a PDF would give it: each report's sentences as one paragraph,
hard-wrapped at a fixed width, spans and records moved with the text.

A one-off measurement (docs/results.md, "Line breaks of PDF text"), not a feature. The sentences
of one ``source`` are joined, in file order, into one text, and a line break is put wherever
the next character would pass ``--width`` display columns (a Chinese character two, ASCII
one), never inside a run of ASCII letters and digits, as a typeset page breaks its lines. A
span across a break keeps the break inside it; the records' metric, unit and raw texts stay as
they were (the name, not its line break). ``--width 0`` joins without breaking: the same
documents as written, the ceiling.

    python docs/experiments/scripts/to_pdf_lines.py data/gold/real_val.jsonl --width 56 > real_val_pdf.jsonl
"""

import argparse
import json
from collections import defaultdict


def _width(char: str) -> int:
    return 1 if char.isascii() else 2


def wrap(text: str, width: int) -> tuple[str, list[int]]:
    """``text`` with line breaks put in, and for each of its characters its offset in the result."""
    out, where, column = [], [], 0
    for i, char in enumerate(text):
        in_word = char.isascii() and char.isalnum() and i and text[i - 1].isascii() and text[i - 1].isalnum()
        if width and column + _width(char) > width and not in_word:
            out.append("\n")
            column = 0
        where.append(len(out))
        out.append(char)
        column += _width(char)
    return "".join(out), where + [len(out)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("gold")
    parser.add_argument("--width", type=int, default=56, help="display columns per line (56: 28 Chinese characters)")
    args = parser.parse_args()
    reports: dict[str, list[dict]] = defaultdict(list)
    with open(args.gold, encoding="utf-8") as lines:
        for line in lines:
            item = json.loads(line)
            reports[item.get("source") or item["id"]].append(item)
    for source, items in reports.items():
        text, labels, records, offset = "", [], [], 0
        for item in items:
            for start, end, label, *_ in item["label"]:
                labels.append([start + offset, end + offset, label])
            for record in item.get("records") or []:
                record = dict(record)
                for field in ("value_span", "unit_span", "metric_span"):
                    if record.get(field):
                        record[field] = [record[field][0] + offset, record[field][1] + offset]
                records.append(record)
            text += item["text"]
            offset += len(item["text"])
        wrapped, where = wrap(text, args.width)
        for span in labels:
            span[0], span[1] = where[span[0]], where[span[1] - 1] + 1
        for record in records:
            for field in ("value_span", "unit_span", "metric_span"):
                if record.get(field):
                    start, end = record[field]
                    record[field] = [where[start], where[end - 1] + 1]
        print(json.dumps({"id": source, "source": source, "text": wrapped, "label": labels, "records": records},
                         ensure_ascii=False))


if __name__ == "__main__":
    main()
