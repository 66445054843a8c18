"""The one definition of labels, spans, records and character tags.

Every stage imports these; nothing else defines them. The definitions follow
ANNOTATION.md (see docs/annotation.md for the project's own account).

>>> spans = [Span(5, 9, "METRIC"), Span(9, 10, "VALUE"), Span(10, 11, "UNIT")]
>>> tags = spans_to_tags(spans, 12)
>>> tags[4:11]
['O', 'B-METRIC', 'I-METRIC', 'I-METRIC', 'I-METRIC', 'B-VALUE', 'B-UNIT']
>>> tags_to_spans(tags) == spans
True
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Iterable, Sequence

ENTITY_TYPES: tuple[str, ...] = ("METRIC", "VALUE", "UNIT")

# IOB2 over the three entity types. "O" is id 0 so that padding-free models and
# zero-initialised arrays mean "outside" by default.
LABELS: tuple[str, ...] = ("O",) + tuple(f"{p}-{t}" for t in ENTITY_TYPES for p in ("B", "I"))
label2id: dict[str, int] = {label: i for i, label in enumerate(LABELS)}
id2label: dict[int, str] = {i: label for label, i in label2id.items()}


@dataclass(frozen=True, order=True)
class Span:
    """A labelled character span ``text[start:end]`` (end exclusive)."""

    start: int
    end: int
    label: str

    def __post_init__(self) -> None:
        if self.label not in ENTITY_TYPES:
            raise ValueError(f"unknown entity type {self.label!r}; expected one of {ENTITY_TYPES}")
        if not 0 <= self.start < self.end:
            raise ValueError(f"invalid span [{self.start}, {self.end})")

    def text(self, text: str) -> str:
        return text[self.start:self.end]

    def to_doccano(self) -> list:
        return [self.start, self.end, self.label]

    @classmethod
    def from_doccano(cls, item: Sequence | dict) -> "Span":
        """A span from doccano's sequence-labelling export (``[start, end, TYPE]``) or from its
        relation layout's ``entities`` (``{"start_offset", "end_offset", "label"}``)."""
        if isinstance(item, dict):
            item = item["start_offset"], item["end_offset"], item["label"]
        start, end, label = item
        return cls(int(start), int(end), str(label))


@dataclass
class Record:
    """One VALUE with what it measures, as ANNOTATION.md's "Records" section defines it.

    ``value`` is the number (the lower bound of a range); ``value_min``/``value_max``
    are set only for ranges. Spans are ``[start, end)`` offsets into the original text.
    """

    metric: str | None
    value: int | float
    unit: str | None
    raw: str
    qualifier: str | None = None
    approximate: bool = False
    value_span: tuple[int, int] | None = None
    unit_span: tuple[int, int] | None = None
    metric_span: tuple[int, int] | None = None
    value_min: int | float | None = None
    value_max: int | float | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form: spans as lists, range bounds only for ranges, extra fields merged in."""
        d: dict[str, Any] = {
            "metric": self.metric, "value": self.value, "unit": self.unit, "raw": self.raw,
            "qualifier": self.qualifier, "approximate": self.approximate,
            "value_span": list(self.value_span) if self.value_span is not None else None,
            "unit_span": list(self.unit_span) if self.unit_span is not None else None,
            "metric_span": list(self.metric_span) if self.metric_span is not None else None,
        }
        if self.value_min is not None or self.value_max is not None:
            d["value_min"], d["value_max"] = self.value_min, self.value_max
        d.update(self.extra)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Record":
        known = {f for f in cls.__dataclass_fields__ if f != "extra"}
        kwargs = {k: v for k, v in d.items() if k in known}
        for key in ("value_span", "unit_span", "metric_span"):
            if kwargs.get(key) is not None:
                kwargs[key] = tuple(kwargs[key])
        return cls(**kwargs, extra={k: v for k, v in d.items() if k not in known})


# Records carry the offsets of the sentence they came from under this key (Record.extra).
SENTENCE_KEY = "sentence_span"


def move_record(record: Record, move: int | Callable[[int, int], tuple[int, int]]) -> Record:
    """A copy of ``record`` with every offset moved: by ``move`` characters, or ``[start, end)``
    to ``move(start, end)``. Value, unit and metric spans move, and the sentence span in
    ``extra`` (:data:`SENTENCE_KEY`) where there is one.

    >>> r = Record("信函申请", 8, "宗", "8宗", value_span=(4, 5), unit_span=(5, 6), metric_span=(0, 4))
    >>> moved = move_record(r, 10)
    >>> moved.value_span, moved.unit_span, moved.metric_span, r.value_span
    ((14, 15), (15, 16), (10, 14), (4, 5))
    """
    to_new = move if callable(move) else (lambda start, end: (start + move, end + move))

    def moved(span):
        return None if span is None else to_new(*span)

    extra = dict(record.extra)
    if SENTENCE_KEY in extra:
        extra[SENTENCE_KEY] = list(to_new(*extra[SENTENCE_KEY]))
    return replace(record, value_span=moved(record.value_span), unit_span=moved(record.unit_span),
                   metric_span=moved(record.metric_span), extra=extra)


def validate_spans(spans: Iterable[Span], text_length: int) -> list[Span]:
    """Sort spans and check they lie inside the text and do not overlap.

    >>> validate_spans([Span(3, 4, "UNIT"), Span(0, 3, "VALUE")], 4)
    [Span(start=0, end=3, label='VALUE'), Span(start=3, end=4, label='UNIT')]
    """
    ordered = sorted(spans)
    for span in ordered:
        if span.end > text_length:
            raise ValueError(f"span {span} runs past the end of a text of length {text_length}")
    for a, b in zip(ordered, ordered[1:]):
        if b.start < a.end:
            raise ValueError(f"spans overlap: {a} and {b}")
    return ordered


def spans_to_tags(spans: Iterable[Span], length: int) -> list[str]:
    """Character-level IOB2 tags for ``length`` characters."""
    tags = ["O"] * length
    for span in validate_spans(spans, length):
        tags[span.start] = f"B-{span.label}"
        for i in range(span.start + 1, span.end):
            tags[i] = f"I-{span.label}"
    return tags


# One letter per tag, so a whole text's tags become one string that a regular expression
# reads in C instead of a Python loop per character: B-X is X's initial, I-X the same in
# lower case (B-METRIC M, I-METRIC m, ...), O is O.
TAG_CODES: dict[str, str] = {"O": "O", **{f"{p}-{t}": t[0] if p == "B" else t[0].lower()
                                          for t in ENTITY_TYPES for p in ("B", "I")}}
_CODE_TYPE = {code: tag[2:] for tag, code in TAG_CODES.items() if tag != "O"}
# A span is a run of one type's letters. Joined: any run, so a B-X right after an X span
# continues it. Apart: a letter and the lower-case (I-X) letters after it, so a B-X opens
# a new span. Either way an I-X that continues nothing opens a span.
_RUN_JOINED = re.compile("|".join(f"[{t[0]}{t[0].lower()}]+" for t in ENTITY_TYPES))
_RUN_APART = re.compile("|".join(f"[{t[0]}{t[0].lower()}]{t[0].lower()}*" for t in ENTITY_TYPES))


def tags_to_codes(tags: Iterable[str]) -> str:
    """The tags as one string of :data:`TAG_CODES` letters.

    >>> tags_to_codes(["O", "B-VALUE", "I-VALUE", "B-UNIT"])
    'OVvU'
    """
    try:
        return "".join(map(TAG_CODES.__getitem__, tags))
    except KeyError as err:
        raise ValueError(f"unknown tag {err.args[0]!r}; expected one of {LABELS}") from None


def codes_to_spans(codes: str, join_touching: bool = True) -> list[Span]:
    """Spans from tags written as :data:`TAG_CODES` letters: the one tag decoder.

    An ``I-X`` that does not continue an ``X`` span opens a new span (the usual repair,
    also what seqeval's lenient mode does), so no tagged character is lost. With
    ``join_touching`` a ``B-X`` right after an ``X`` span continues it, else it opens a
    span of its own.

    >>> codes_to_spans("MmMmV"), codes_to_spans("MmMmV", join_touching=False)[:2]
    ([Span(start=0, end=4, label='METRIC'), Span(start=4, end=5, label='VALUE')], \
[Span(start=0, end=2, label='METRIC'), Span(start=2, end=4, label='METRIC')])
    """
    runs = _RUN_JOINED if join_touching else _RUN_APART
    return [Span(m.start(), m.end(), _CODE_TYPE[codes[m.start()]]) for m in runs.finditer(codes)]


def tags_to_spans(tags: Sequence[str], join_touching: bool = True) -> list[Span]:
    """Spans from IOB2 tags, repairing invalid sequences (:func:`codes_to_spans`).

    Two spans of one type never touch in this project's annotation (a name, a number
    or a unit is one span), so by default a ``B-X`` right after an ``X`` span continues
    it: a tagger that restarts a name halfway (会展|信息) has still tagged one name. The
    scorer keeps them apart (``join_touching=False``): it scores the tags it is given.

    >>> tags_to_spans(["I-VALUE", "I-VALUE", "B-UNIT", "I-METRIC"])
    [Span(start=0, end=2, label='VALUE'), Span(start=2, end=3, label='UNIT'), Span(start=3, end=4, label='METRIC')]
    >>> tags_to_spans(["B-METRIC", "I-METRIC", "B-METRIC", "I-METRIC", "B-VALUE"])
    [Span(start=0, end=4, label='METRIC'), Span(start=4, end=5, label='VALUE')]
    """
    return codes_to_spans(tags_to_codes(tags), join_touching)
