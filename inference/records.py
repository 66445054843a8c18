"""Turn METRIC/VALUE/UNIT spans into records, as ANNOTATION.md's "Records" section defines them.

The whole step is pure functions on a text and its spans, so any tagger (the model, a
rule baseline, the gold labels) can feed it. Each VALUE gives one record:

- its **number** comes from the shared parser (:func:`data.numbers.parse_number`);
- its **unit** is the UNIT right after it, the unit a list shares (4.2、4.3和3.2个百分点),
  or "%" for 百分之X;
- its **qualifier** is a word of :data:`data.lexicon.QUALIFIERS_BEFORE` right before it or
  of :data:`data.lexicon.QUALIFIERS_AFTER` right after its unit (:mod:`inference.qualifiers`);
- its **metric** is found by the rules :func:`build_records` lists, never across a sentence end
  (:mod:`inference.linking`).

Spans are trimmed first (:mod:`inference.spans`); sentences and clauses come from
:mod:`inference.sentences`.

>>> text = "其中,信函申请13208宗,占27.5%。"
>>> spans = [Span(3, 7, "METRIC"), Span(7, 12, "VALUE"), Span(12, 13, "UNIT"),
...          Span(15, 19, "VALUE"), Span(19, 20, "UNIT")]
>>> [(r.metric, r.value, r.unit, r.raw) for r in build_records(text, spans)]
[('信函申请', 13208, '宗', '13208宗'), ('信函申请', 27.5, '%', '27.5%')]
"""

from __future__ import annotations

import bisect
import logging
import re
from typing import Sequence

from govreport.data.numbers import ParsedNumber, find_numbers, parse_number
from govreport.data.numbers.chars import APPROX, MAGNITUDES
from govreport.data.schema import SENTENCE_KEY, Record, Span
from govreport.data.text import TO_SIMPLIFIED, normalize_percent
from govreport.inference.kinds import with_kind
from govreport.inference.linking import LinkedSentence, LinkedValue
from govreport.inference.qualifiers import find_qualifier
from govreport.inference.sentences import sentence_bounds
from govreport.inference.spans import clean_spans

logger = logging.getLogger(__name__)

__all__ = ["build_records"]

# The longest VALUE span a number is looked for in when it does not read as one whole: twice
# the longest number data.numbers.find_numbers finds.
_SALVAGE_MAX_CHARS = 80


# The magnitude a list's last member ends with (2106.37万, 3000万余), 余/多 passed over.
_LAST_MAGNITUDE = re.compile(f"[{''.join(MAGNITUDES)}](?=[{''.join(APPROX)}]?$)")


def _list_magnitude(parsed: ParsedNumber, member: str, last: str) -> ParsedNumber:
    """``parsed`` (the number ``member`` writes) in the magnitude the list's ``last`` member ends
    with, when ``member`` writes none: a list writes it once, as a range does (1834.52、2106.37万元
    is 18,345,200 and 21,063,700 yuan, as 3-5万 is 30,000 to 50,000)."""
    magnitude = _LAST_MAGNITUDE.search(last)
    if magnitude is None or parsed.unit or any(c in MAGNITUDES for c in member):
        return parsed
    scaled = parse_number(member + magnitude.group())
    return scaled if scaled.ok else parsed


def _record(sent: LinkedSentence, v: LinkedValue) -> Record | None:
    text, spans = sent.text, sent.spans
    span = v.span
    value_text = text[span.start:span.end]
    parsed = parse_number(value_text)
    if not parsed.ok:
        # A tagger may take in a stray character (第3, 3次); salvage the number inside. A
        # span far longer than any number (a run of numerals tagged whole) holds none.
        found = find_numbers(value_text) if len(value_text) <= _SALVAGE_MAX_CHARS else []
        if not found:
            logger.debug("no number in VALUE %r at %d", value_text, span.start)
            return None
        s, e, parsed = max(found, key=lambda f: f[1] - f[0])
        span = Span(span.start + s, span.start + e, "VALUE")
    if v.unit is None and v.last_in_list is not v:
        parsed = _list_magnitude(parsed, text[span.start:span.end], text[v.last_in_list.span.start:v.last_in_list.span.end])
    unit_span = v.shared_unit or v.unit
    if parsed.unit:
        unit = parsed.unit
    elif unit_span is not None:
        unit = normalize_percent(text[unit_span.start:unit_span.end])
    elif v.last_in_list is not v:
        # 分别增长3、5和百分之八: the list's last member writes the percent for all.
        last = v.last_in_list.span
        unit = parse_number(text[last.start:last.end]).unit
    else:
        unit = None
    after_unit = v.unit is not None and v.unit.start > v.span.start
    # 余/多 that a space cut off the number, between it and its unit (8400 多条): approximate
    apart = after_unit and any(c in APPROX for c in sent.view[v.span.end:v.unit.start])
    if after_unit:
        raw = text[span.start:v.unit.end]
    elif v.unit is not None:
        raw = text[v.unit.start:span.end]
    else:
        raw = value_text if span == v.span else text[span.start:span.end]

    # Qualifiers live in the free text between the neighbouring spans, inside the clause.
    clause_start = sent.clauses[v.clause]
    clause_end = sent.clauses[v.clause + 1] if v.clause + 1 < len(sent.clauses) else sent.end
    lo = v.index - (2 if v.unit is not None and not after_unit else 1)
    prev_end = max(clause_start, spans[lo].end) if lo >= 0 else clause_start
    nxt = v.next_index
    next_start = min(clause_end, spans[nxt].start) if nxt < len(spans) else clause_end
    tail = v.tail if span == v.span or after_unit else span.end
    qualifier = find_qualifier(text, prev_end, span, tail, next_start, unit)

    metric = spans[v.metric] if v.metric is not None else None
    return Record(
        metric=text[metric.start:metric.end] if metric is not None else None,
        value=parsed.value,
        unit=unit,
        raw=raw,
        qualifier=qualifier,
        approximate=bool(parsed.approximate or qualifier or apart),
        value_span=(span.start, span.end),
        unit_span=(unit_span.start, unit_span.end) if unit_span is not None else None,
        metric_span=(metric.start, metric.end) if metric is not None else None,
        value_min=parsed.value_min,
        value_max=parsed.value_max,
        extra={SENTENCE_KEY: [sent.start, sent.end]},
    )


def build_records(text: str, spans: Sequence[Span], sentences: Sequence[tuple[int, int]] | None = None,
                  cleaned: bool = False) -> list[Record]:
    """One record per VALUE of ``text``, linked within its sentence.

    ``spans`` are cleaned first (:func:`clean_spans`) unless ``cleaned`` says they are
    already what it returns. ``sentences`` are ``[start, end)``
    offsets (default :func:`sentence_bounds`); no link crosses a sentence end.
    Clauses are cut at ，,；;：: and a value's metric is, by the first rule that applies:

    1. value-unit-metric: a METRIC right after the value and its unit, or after the last
       member of the list the value opens (883项、1164项公开事项), with at most 的/为/属于
       between (86%的事项, 4件为不予公开); it loses to a metric of the value's own written
       before it when it is itself followed by a value (当面申请2644宗信函申请842宗);
    2. the nearest METRIC before the value in its clause (comparisons 从X项减少为Y项 and
       分别 lists share it); a metric after 占 names the whole, not the part, and is skipped,
       and so is the METRIC of an amount a percentage is a share of (完成年初预算100万元的80%);
    3. the first METRIC after the value in its clause, with no other value in between
       (连续3个月在首页设置专题飘窗);
    4. the metric of the nearest earlier clause of the sentence that has one: the metric
       of its last linked value, else its last METRIC (其中,信函申请13208宗,占27.5%);
       but a list after 分别 takes the metrics of the earlier clauses' values in order, one
       each, when they are at least as many as its members (甲5万元,乙3万元,分别增长2%、4%);
    5. otherwise none.

    A METRIC that holds only a price or scope basis (现价, 按可比价格计算, 同口径) is no candidate
    in any rule: it says how a change was measured, not what (docs/annotation.md).

    Every record carries its kind, direction and basis (:func:`inference.kinds.classify`) and
    its sentence's offsets in ``extra["sentence_span"]``. A VALUE
    whose text holds no number gives no record.

    >>> text = "开放410个数据集,从1264项减少为332项"
    >>> spans = [Span(2, 5, "VALUE"), Span(5, 6, "UNIT"), Span(6, 9, "METRIC"),
    ...          Span(11, 15, "VALUE"), Span(15, 16, "UNIT"), Span(19, 22, "VALUE"), Span(22, 23, "UNIT")]
    >>> [(r.metric, r.value, r.unit) for r in build_records(text, spans)]
    [('数据集', 410, '个'), ('数据集', 1264, '项'), ('数据集', 332, '项')]
    """
    for span in spans:
        if span.end > len(text):
            raise ValueError(f"span {span} runs past the end of a text of length {len(text)}")
    if not cleaned:
        spans = clean_spans(text, spans)
    if not any(s.label == "VALUE" for s in spans):
        return []
    if sentences is None:
        sentences = sentence_bounds(text)
    records: list[Record] = []
    starts = [s.start for s in spans]
    view = text.translate(TO_SIMPLIFIED)  # what linking's patterns read, one character for one
    for sent_start, sent_end in sentences:
        lo, hi = bisect.bisect_left(starts, sent_start), bisect.bisect_left(starts, sent_end)
        inside = [s for s in spans[lo:hi] if s.end <= sent_end]
        if not any(s.label == "VALUE" for s in inside):
            continue
        sent = LinkedSentence(text, inside, sent_start, sent_end, view)
        for v in sent.link():
            record = _record(sent, v)
            if record is not None:
                records.append(with_kind(text, record))  # what the number is: docs/annotation.md
    return records

