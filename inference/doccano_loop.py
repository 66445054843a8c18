"""The review loop with doccano: the sentences the model is least sure of out as pre-annotated
tasks, the reviewed tasks back in as gold.

:func:`tasks_from_result` cuts one line of ``govreport extract`` output (written with
``--include-text``) into one :class:`Task` per sentence, with the model's spans and
confidences; :func:`tasks_from_events` does the same straight from the extractor's events.
:func:`rank` puts the least confident first. :func:`example_from_doccano` reads one line of
doccano's export back, in either layout, validates every span and rebuilds the records
with :func:`inference.records.build_records`; a ``relations`` link from a VALUE to a METRIC
overrides the link the builder chose.

>>> line = {"id": "r1", "source": "r1.txt", "text": "共办结3件。无。",
...         "label": [[1, 3, "METRIC"], [3, 4, "VALUE"], [4, 5, "UNIT"]], "scores": [0.6, 0.99, 0.9]}
>>> tasks = rank(tasks_from_result(line))
>>> [(t.text, t.confidence) for t in tasks]
[('共办结3件。', 0.6), ('无。', None)]
>>> gold = example_from_doccano(tasks[0].to_doccano(), "tasks.jsonl:1")
>>> [(r.metric, r.value, r.unit) for r in gold.records], gold.meta
([('办结', 3, '件')], {'source': 'r1.txt'})
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from typing import Any, Iterable, Sequence

from govreport.data.doccano import Example, FormatError
from govreport.data.numbers import parse_number
from govreport.data.schema import ENTITY_TYPES, Record, Span
from govreport.inference.records import build_records
from govreport.inference.sentences import read_through, sentence_bounds, unwrap

logger = logging.getLogger(__name__)

__all__ = ["Task", "LAYOUTS", "ReviewError", "ProbingTagger", "tasks_from_result", "tasks_from_events", "rank",
           "example_from_doccano", "check_spans", "apply_links"]

LAYOUTS = ("label", "entities")
# The relation type export writes from a VALUE to the METRIC it measures; import takes any
# type name, since what a relation means is fixed by the types of its two ends.
LINK_TYPE = "metric"


class ReviewError(FormatError):
    """A reviewed task that cannot become gold; the message names the line and the spans."""


@dataclass
class Task:
    """One sentence for review: its text, the model's spans (sentence offsets) and where it came from.

    ``confidence`` is how sure the model was of the sentence (see :func:`sentence_confidence`);
    None when nothing tells (no spans and no probabilities), which ranks it last.
    """

    text: str
    spans: list[Span]
    scores: list[float]
    links: dict[tuple[int, int], tuple[int, int]]  # value span -> metric span, from the records
    meta: dict[str, Any]
    confidence: float | None = None

    def to_doccano(self, layout: str = "label") -> dict[str, Any]:
        """A doccano import line: ``label`` (sequence labelling) or ``entities``/``relations``."""
        meta = {**self.meta, "scores": self.scores, "confidence": self.confidence}
        if layout == "label":
            return {"text": self.text, "label": [s.to_doccano() for s in self.spans], "meta": meta}
        if layout != "entities":
            raise ValueError(f"layout must be one of {LAYOUTS}, not {layout!r}")
        ids = {(s.start, s.end): i for i, s in enumerate(self.spans)}
        entities = [{"id": i, "start_offset": s.start, "end_offset": s.end, "label": s.label}
                    for i, s in enumerate(self.spans)]
        relations = [{"id": k, "from_id": ids[v], "to_id": ids[m], "type": LINK_TYPE}
                     for k, (v, m) in enumerate(sorted(self.links.items())) if v in ids and m in ids]
        return {"text": self.text, "entities": entities, "relations": relations, "meta": meta}


# ---------------------------------------------------------------------------------------------
# Export: sentences, confidence, order
# ---------------------------------------------------------------------------------------------


def sentence_confidence(scores: Sequence[float], o_confidence: float | None = None) -> float | None:
    """How sure the model was of a sentence: its least sure decision.

    That is the confidence of its least sure span (the lowest probability of the span's
    characters), or, when known, the lowest probability with which the model tagged one of the
    sentence's characters O, if that is lower: 1 − P(O) there bounds the probability of a span
    the model nearly found, so a sentence without spans ranks by the model's highest non-O
    probability. None for a sentence without spans when ``o_confidence`` is unknown (ranked last).
    Spans the extractor dropped after tagging (a METRIC no value measures) count for neither.

    >>> sentence_confidence([0.9, 0.55]), sentence_confidence([0.9], 0.75), sentence_confidence([])
    (0.55, 0.75, None)
    """
    known = list(scores) + ([o_confidence] if o_confidence is not None else [])
    return round(min(known), 4) if known else None


def _task(doc_id: str, source: str, title: str | None, start: int, end: int, sentence: str,
          spans: Iterable[tuple[Span, float]], records: Iterable[Record], o_confidence: float | None) -> Task:
    """A task from a sentence ``[start, end)`` of a document and the spans/records inside it (document offsets)."""
    inside = sorted((Span(s.start - start, s.end - start, s.label), score) for s, score in spans)
    links = {}
    for r in records:
        if r.value_span is not None and r.metric_span is not None:
            links[(r.value_span[0] - start, r.value_span[1] - start)] = (r.metric_span[0] - start,
                                                                         r.metric_span[1] - start)
    scores = [score for _, score in inside]
    meta = {"task": f"{doc_id}:{start}-{end}", "source": source, "report": doc_id, "title": title,
            "sentence": [start, end]}
    return Task(sentence, [s for s, _ in inside], scores, links, meta, sentence_confidence(scores, o_confidence))


def tasks_from_result(line: dict[str, Any], o_confidence: dict[str, float] | None = None) -> list[Task]:
    """One task per sentence of a ``govreport extract`` JSONL line (which needs its ``text``).

    ``o_confidence`` maps a sentence text to the lowest probability of O on its O characters,
    where known (extraction output has none: its sentences without spans rank last).
    """
    text = line.get("text")
    if not isinstance(text, str):
        raise FormatError("no 'text' (write the extraction with govreport extract --include-text)")
    labels, scores = line.get("label") or [], line.get("scores")
    if scores is None:
        scores = [1.0] * len(labels)
    if len(scores) != len(labels):
        raise FormatError(f"{len(labels)} labels but {len(scores)} scores")
    try:
        spans = [(Span.from_doccano(item), float(score)) for item, score in zip(labels, scores)]
        records = [Record.from_dict(r) for r in line.get("records") or []]
    except (TypeError, ValueError) as err:
        raise FormatError(f"bad 'label' or 'records': {err}") from None
    doc_id = str(line.get("id") or line.get("source") or "")
    tasks, k = [], 0
    text = read_through(unwrap(text))  # the sentences as the extractor read them
    for start, end in sentence_bounds(text):
        here = []
        while k < len(spans) and spans[k][0].start < end:
            if spans[k][0].start >= start:
                here.append(spans[k])
            k += 1
        if any(s.end > end for s, _ in here):
            logger.warning("%s: a span crosses the sentence end at %d; the sentence is left out", doc_id, end)
            continue
        sentence = text[start:end]
        in_sentence = [r for r in records if r.value_span and start <= r.value_span[0] < end]
        tasks.append(_task(doc_id, line.get("source") or doc_id, line.get("title"), start, end, sentence,
                           here, in_sentence, (o_confidence or {}).get(sentence)))
    return tasks


def tasks_from_events(events: Iterable, o_confidence: dict[str, float] | None = None) -> Iterable[Task]:
    """Tasks straight from :meth:`inference.extract.Extractor.stream`: one per sentence of every
    document read without error (a failed document's sentences are skipped with a warning)."""
    from govreport.inference.extract import DocEnd, Piece, normalize

    pending: list[Task] = []
    for event in events:
        if isinstance(event, Piece):
            doc = event.doc
            key = normalize(event.text)[0]
            pending.append(_task(doc.id, doc.source, doc.meta.get("title"), event.start, event.end, event.text,
                                 zip(event.spans, event.scores), event.records, (o_confidence or {}).get(key)))
        elif isinstance(event, DocEnd):
            if event.error is None:
                yield from pending
            else:
                logger.warning("skipped %s: %s", event.doc.source, event.error)
            pending = []


class ProbingTagger:
    """A :class:`inference.tagger.ModelTagger` that also notes, per sentence text, in
    ``o_confidence``, the lowest probability with which it tagged a character O (1.0 when none
    is), for :func:`sentence_confidence`."""

    def __init__(self, tagger):
        self.tagger = tagger
        self.o_confidence: dict[str, float] = {}

    def __call__(self, texts: Sequence[str]) -> list[tuple[list[Span], list[float]]]:
        from govreport.inference.spans import spans_from_labels
        from govreport.model.tagging import predict

        tagged = predict(self.tagger.model, self.tagger.tokenizer, list(texts), batch_size=self.tagger.batch_size)
        out = []
        for text, (labels, probs) in zip(texts, tagged):
            # label id 0 is O (data.schema.LABELS)
            self.o_confidence[text] = round(min((p for label, p in zip(labels, probs) if label == 0), default=1.0), 4)
            out.append(spans_from_labels(text, labels, probs))
        return out


def rank(tasks: Iterable[Task], limit: int | None = None) -> list[Task]:
    """Least confident first; tasks without a confidence last, each group in document order."""
    ordered = sorted(tasks, key=lambda t: (t.confidence is None, t.confidence or 0.0))
    return ordered if limit is None else ordered[:limit]


# ---------------------------------------------------------------------------------------------
# Import: validation, links, gold
# ---------------------------------------------------------------------------------------------


def _entities(item: dict[str, Any]) -> tuple[list[tuple[str, Any, Any, Any]], dict[Any, int], list]:
    """(name, start, end, label) of every span in either layout, entity id -> index, relations."""
    if "entities" in item:
        entities = item["entities"]
        if not isinstance(entities, list):
            raise ReviewError("'entities' is not a list")
        raw, ids = [], {}
        for k, e in enumerate(entities):
            if not isinstance(e, dict):
                raise ReviewError(f"entities[{k}] is not an object")
            if e.get("id") in ids:
                raise ReviewError(f"entity id {e.get('id')!r} is used twice")
            ids[e.get("id")] = k
            raw.append((f"entity {e.get('id')}", e.get("start_offset"), e.get("end_offset"), e.get("label")))
        relations = item.get("relations") or []
        if not isinstance(relations, list):
            raise ReviewError("'relations' is not a list")
        return raw, ids, relations
    labels = item.get("label") or []
    if not isinstance(labels, list):
        raise ReviewError("'label' is not a list")
    raw = []
    for k, entry in enumerate(labels):
        if not isinstance(entry, (list, tuple)) or len(entry) != 3:
            raise ReviewError(f"label[{k}] {entry!r} is not [start, end, type]")
        raw.append((f"label[{k}]", *entry))
    return raw, {}, []


def check_spans(text: str, raw: Sequence[tuple[str, Any, Any, Any]]) -> list[Span]:
    """Spans from ``(name, start, end, type)``, or ReviewError listing every bad one.

    Each span must lie in the text, have a known type, no whitespace at either edge, overlap
    no other span, and a VALUE must read as a number (every gold VALUE gives a record).

    >>> check_spans("办结 3件", [("label[0]", 2, 4, "VALUE"), ("label[1]", 4, 5, "UNITS")])
    Traceback (most recent call last):
    ...
    govreport.inference.doccano_loop.ReviewError: label[0] [2, 4, VALUE] ' 3': whitespace at its edge; label[1] [4, 5, UNITS]: unknown type 'UNITS' (expected METRIC, VALUE or UNIT)
    """
    errors, spans = [], []
    for name, start, end, label in raw:
        where = f"{name} [{start}, {end}, {label}]"
        if not all(isinstance(x, int) and not isinstance(x, bool) for x in (start, end)):
            errors.append(f"{where}: offsets are not integers")
        elif not 0 <= start < end <= len(text):
            errors.append(f"{where}: outside the text (length {len(text)}) or empty")
        elif label not in ENTITY_TYPES:
            errors.append(f"{where}: unknown type {label!r} (expected {', '.join(ENTITY_TYPES[:-1])} "
                          f"or {ENTITY_TYPES[-1]})")
        elif text[start].isspace() or text[end - 1].isspace():
            errors.append(f"{where} {text[start:end]!r}: whitespace at its edge")
        elif label == "VALUE" and not parse_number(text[start:end]).ok:
            errors.append(f"{where}: {parse_number(text[start:end]).error}")
        else:
            spans.append((Span(start, end, label), where))
    spans.sort()
    for (a, where_a), (b, where_b) in zip(spans, spans[1:]):
        if b.start < a.end:
            errors.append(f"{where_a} and {where_b} overlap")
    if errors:
        raise ReviewError("; ".join(errors))
    return [s for s, _ in spans]


def _links(raw, ids: dict[Any, int], relations: list) -> dict[tuple[int, int], tuple[int, int]]:
    """value span -> metric span from doccano relations (either direction between a VALUE and a METRIC)."""
    links: dict[tuple[int, int], tuple[int, int]] = {}
    for k, rel in enumerate(relations):
        if not isinstance(rel, dict) or rel.get("from_id") not in ids or rel.get("to_id") not in ids:
            raise ReviewError(f"relation {k}: 'from_id'/'to_id' name no entity of this line")
        ends = {raw[ids[rel[key]]][3]: raw[ids[rel[key]]] for key in ("from_id", "to_id")}
        if set(ends) != {"VALUE", "METRIC"}:
            raise ReviewError(f"relation {rel.get('id', k)}: links {raw[ids[rel['from_id']]][3]} to "
                              f"{raw[ids[rel['to_id']]][3]}; a relation links a VALUE to the METRIC it measures")
        value, metric = (ends["VALUE"][1], ends["VALUE"][2]), (ends["METRIC"][1], ends["METRIC"][2])
        if links.setdefault(value, metric) != metric:
            raise ReviewError(f"relation {rel.get('id', k)}: {ends['VALUE'][0]} already measures another METRIC")
    return links


def apply_links(text: str, records: list[Record], links: dict[tuple[int, int], tuple[int, int]]) -> list[Record]:
    """Records whose metric is set by ``links`` (value span -> metric span) where a link names one.

    >>> r = Record(metric="甲", value=3, unit=None, raw="3", value_span=(4, 5), metric_span=(0, 1))
    >>> apply_links("甲乙共计3", [r], {(4, 5): (1, 2)})[0].metric
    '乙'
    """
    out = []
    for r in records:
        metric = links.get(tuple(r.value_span)) if r.value_span is not None else None
        out.append(r if metric is None else replace(r, metric=text[metric[0]:metric[1]], metric_span=metric))
    return out


def _meta(item: dict[str, Any]) -> dict[str, Any]:
    # doccano keeps an imported line's other fields as the example's metadata; versions differ
    # in whether an export writes them back nested under "meta" or at the top level.
    nested = item.get("meta")
    return nested if isinstance(nested, dict) else item


def example_from_doccano(item: Any, where: str) -> Example:
    """A gold Example from one line of doccano's export, or ReviewError naming ``where``.

    Records come from :func:`inference.records.build_records` on the validated spans, then
    relations override their metric; ``source`` is kept when the task carries one.
    """
    try:
        if not isinstance(item, dict) or not isinstance(item.get("text"), str):
            raise ReviewError("no string 'text'")
        text = item["text"]
        raw, ids, relations = _entities(item)
        spans = check_spans(text, raw)
        links = _links(raw, ids, relations)
    except ReviewError as err:
        raise ReviewError(f"{where}: {err}") from None
    records = apply_links(text, build_records(text, spans, cleaned=True), links)
    records = [replace(r, extra={}) for r in records]  # gold records carry no sentence offsets
    meta = _meta(item)
    task_id = meta.get("task") or (f"doccano-{item['id']}" if item.get("id") is not None else where)
    extra = {"source": meta["source"]} if meta.get("source") else {}
    return Example(id=str(task_id), text=text, spans=spans, records=records, meta=extra)
