"""A gold file with full-width punctuation (，；：（）？！), as reports print it; offsets unchanged.

A one-off measurement (docs/results.md, "Full-width punctuation"), not a feature. The gold
files write ASCII punctuation (their text was folded when the corpus was made), real reports
write full-width forms; each is one character, so every span keeps its offsets, and a record's
metric is its span's text again. A comma between two digits (1,100) and a colon inside an ASCII
run (10:30, http:) stay ASCII.

    python docs/experiments/scripts/to_fullwidth.py data/gold/real_val.jsonl > /tmp/real_val_fw.jsonl
"""

import json
import sys

_FULL = str.maketrans({",": "，", ";": "；", ":": "：", "(": "（", ")": "）", "?": "？", "!": "！"})


def convert(text: str) -> str:
    out = []
    for i, char in enumerate(text):
        before, after = text[i - 1] if i else "", text[i + 1] if i + 1 < len(text) else ""
        if char == "," and before.isdigit() and after.isdigit():
            out.append(char)
        elif char == ":" and before.isascii() and before.isalnum() and after.isascii():
            out.append(char)
        else:
            out.append(char.translate(_FULL))
    return "".join(out)


def main(path: str) -> None:
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            item = json.loads(line)
            text = item["text"] = convert(item["text"])
            item["label"] = [[s, e, t, *([text[s:e]] if rest else [])] for s, e, t, *rest in item["label"]]
            for record in item.get("records") or []:
                if record.get("metric_span"):
                    record["metric"] = text[record["metric_span"][0]:record["metric_span"][1]]
            print(json.dumps(item, ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv[1])
