"""Reading and writing doccano-style JSON Lines (the gold format of ANNOTATION.md).

Each line is ``{"id", "text", "label": [[start, end, TYPE], ...], "records": [...]}``
plus optional fields (``source``, ...) that are kept as they are. Spans may come in doccano's
relation layout instead (``"entities": [{"start_offset", "end_offset", "label"}, ...]``); its
``relations`` are not read here, and such a file has no records unless it carries ``records``
(``govreport doccano import`` builds them, links included).

>>> ex = Example(id="x-1", text="办结3件", spans=[Span(0, 2, "METRIC"), Span(2, 3, "VALUE"), Span(3, 4, "UNIT")])
>>> Example.from_dict(ex.to_dict()) == ex
True
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator

from govreport.data.atomic import atomic_write
from govreport.data.errors import InputError
from govreport.data.jsonl import json_lines
from govreport.data.schema import Record, Span, validate_spans


class FormatError(InputError):
    """A line that is not a valid gold/prediction example; the message names the file and line."""


@dataclass
class Example:
    id: str
    text: str
    spans: list[Span] = field(default_factory=list)
    records: list[Record] | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"id": self.id, "text": self.text, "label": [s.to_doccano() for s in self.spans]}
        if self.records is not None:
            d["records"] = [r.to_dict() for r in self.records]
        d.update(self.meta)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Example":
        if not isinstance(d, dict):
            raise FormatError("expected a JSON object")
        if not isinstance(d.get("text"), str):
            raise FormatError("missing or non-string 'text'")
        text = d["text"]
        # doccano writes spans as 'label' (sequence labelling) or 'entities' (with relations)
        field_ = "label" if d.get("label") is not None or "entities" not in d else "entities"
        try:
            # a span given twice is one annotation (doccano can export a label twice)
            spans = validate_spans(set(Span.from_doccano(item) for item in d.get(field_) or []), len(text))
        except (TypeError, ValueError, KeyError) as err:
            raise FormatError(f"bad {field_!r}: {err}") from None
        records = None
        if d.get("records") is not None:
            try:
                records = [Record.from_dict(_with_raw(r, text)) for r in d["records"]]
            except (TypeError, ValueError, AttributeError) as err:
                raise FormatError(f"bad 'records': {err}") from None
            for r in records:
                if isinstance(r.value, bool) or not isinstance(r.value, (int, float)):
                    raise FormatError(f"bad 'records': value {r.value!r} is not a number")
        meta = {k: v for k, v in d.items() if k not in ("id", "text", "label", "records", "entities", "relations")}
        return cls(id=str(d.get("id", "")), text=text, spans=spans, records=records, meta=meta)


def _with_raw(record: Any, text: str) -> Any:
    """A record as read, with ``raw`` taken from its spans where the file leaves it out: scoring
    reads metric, value and unit only (ANNOTATION.md), so a gold file written without ``raw`` is
    still a gold file. Without a value span, ``raw`` is empty."""
    if not isinstance(record, dict) or "raw" in record:
        return record
    value_span = record.get("value_span")
    end = (record.get("unit_span") or value_span or (None, None))[1]
    return {**record, "raw": text[value_span[0]:end] if value_span else ""}


def iter_jsonl(path: str | os.PathLike, skipped: list[str] | None = None) -> Iterator[Example]:
    """Yield examples from a JSONL file; a bad line raises FormatError naming file and line, or,
    given a ``skipped`` list, is named there and passed over (text that is not UTF-8 still raises)."""
    for lineno, item in json_lines(path, FormatError, keep_going=skipped is not None):
        try:
            if isinstance(item, FormatError):
                raise item
            ex = Example.from_dict(item)
        except FormatError as err:
            if skipped is None:
                raise FormatError(f"{path}:{lineno}: {err}") from None
            skipped.append(f"{path}:{lineno}: {err}")
            continue
        if not ex.id:
            ex.id = f"{Path(path).stem}-{lineno}"
        yield ex


def read_jsonl(path: str | os.PathLike, skipped: list[str] | None = None) -> list[Example]:
    return list(iter_jsonl(path, skipped))


def dumps(example: Example) -> str:
    return json.dumps(example.to_dict(), ensure_ascii=False)


def write_jsonl(path: str | os.PathLike, examples: Iterable[Example]) -> int:
    """Write examples atomically (:class:`data.atomic.atomic_write`); returns the count."""
    n = 0
    with atomic_write(path) as f:
        for ex in examples:
            f.write(dumps(ex) + "\n")
            n += 1
    return n
