"""Linking within a sentence: each VALUE gets its UNIT (after it, before it, or the one a
list shares) and its METRIC, by the rules :func:`inference.records.build_records` lists.

>>> from govreport.data.schema import Span
>>> text = "开放410个数据集"
>>> sent = LinkedSentence(text, [Span(2, 5, "VALUE"), Span(5, 6, "UNIT"), Span(6, 9, "METRIC")], 0, 9)
>>> [(v.span, v.unit, v.metric) for v in sent.link()]
[(Span(start=2, end=5, label='VALUE'), Span(start=5, end=6, label='UNIT'), 2)]
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from govreport.data.numbers.chars import MAGNITUDES
from govreport.data.schema import Span
from govreport.data.text import TO_SIMPLIFIED
from govreport.inference.qualifiers import BEFORE_PATTERN
from govreport.inference.sentences import clause_starts
from govreport.inference.spans import inside

__all__ = ["LinkedSentence", "LinkedValue"]

# What may separate the members of a list that share one unit (4.2、4.3和3.2个百分点,
# 450×3750×40mm, 分别为6、2和不足2份) or one metric written after the last
# (883项、1164项…1003项公开事项): a separator, then perhaps the next member's qualifier.
_LIST_GAP = re.compile(r"\s*(?:、|和|及|与|或|以及|×|x|X|\*|至|到|-|~|～|—|–)\s*(?:"
                       + BEFORE_PATTERN + r")?\s*")
# What may stand between a value (with its unit) and the metric it counts when the metric
# comes after: 410个数据集, 86%的事项, 4件为不予公开, 2件属于机关内部事务文件.
_AFTER_GAP = re.compile(r"[\s“”\"‘’《〈「『]*(?:的|为|是|属于|为属于)?[\s“”\"‘’《〈「『]*")
# Between an amount and the share of it after it (预算100万元的80%).
_SHARE_OF = re.compile(r"\s*的\s*")
# Between the name of that amount and the amount (年初预算100万元, 年初预算数为100万元).
_BASE_GAP = re.compile(r"\s*(?:为|达|是)?\s*")
# Nothing but spaces (1128 条).
_SPACE = re.compile(r"\s*")
# Between a value and its unit: spaces, perhaps with a 余/多 a space cut off the number (8400 多条).
_UNIT_GAP = re.compile(r"\s*(?:[余多]\s*)?")
# A price or scope basis says how a change was measured, never what it measures (总产值50亿元,
# 现价增长8%; 同口径增长5%): a METRIC of these words alone is no candidate for any value.
_BASIS = re.compile(r"按?(?:现价|可比价格?|可比|同口径|口径|不变价格?)(?:计算)?")


@dataclass
class LinkedValue:
    """Working state for one VALUE span while a sentence is linked."""

    span: Span
    index: int  # position in the sentence's span list
    clause: int
    unit: Span | None = None  # the adjacent UNIT span (after, or rarely before)
    # a list's unit written after a later member: for a member with no unit, or with a bare
    # magnitude a space cut off its number (5400 万、3100 万和 2465 万元: 万 of 万元)
    shared_unit: Span | None = None
    next_in_list: "LinkedValue | None" = None
    # the last member of the list this value opens; None for the last one itself, so that no
    # value refers to itself and reference counting frees them (no work for the garbage collector)
    list_end: "LinkedValue | None" = None
    metric: int | None = None  # index of the METRIC span

    @property
    def last_in_list(self) -> "LinkedValue":
        return self.list_end or self

    @property
    def tail(self) -> int:
        """End of the value with its unit, when the unit is written after it."""
        return self.unit.end if self.unit is not None and self.unit.start > self.span.start else self.span.end

    @property
    def next_index(self) -> int:
        """Index of the first span after the value and its unit."""
        return self.index + (2 if self.unit is not None and self.unit.start > self.span.start else 1)


def _gap(text: str, start: int, end: int, pattern: re.Pattern) -> bool:
    return start <= end and pattern.fullmatch(text, start, end) is not None


class LinkedSentence:
    """The spans of one sentence, with the indexes linking needs, all built in linear time."""

    def __init__(self, text: str, spans: list[Span], start: int, end: int, view: str | None = None):
        """``view`` is ``text`` in simplified characters (:data:`data.text.TO_SIMPLIFIED`), which the
        patterns read (分別 as 分别, 佔 as 占); made here when not given."""
        self.view = view if view is not None else text.translate(TO_SIMPLIFIED)
        spans = [s for s in spans if s.label != "METRIC" or not _BASIS.fullmatch(self.view, s.start, s.end)]
        self.text, self.spans, self.start, self.end = text, spans, start, end
        self.clauses = clause_starts(text, start, end, spans)
        self.span_starts = [s.start for s in spans]
        self.clause_of = [bisect.bisect_right(self.clauses, s.start) - 1 for s in spans]
        # prev_metric[j]: index of the nearest METRIC before span j in its clause, or -1;
        # prev_value[j]: the same for VALUEs, in the whole sentence.
        self.prev_metric, self.prev_value = [], []
        last, last_value, clause = -1, -1, -1
        for j, span in enumerate(spans):
            if self.clause_of[j] != clause:
                last, clause = -1, self.clause_of[j]
            self.prev_metric.append(last)
            self.prev_value.append(last_value)
            if span.label == "METRIC":
                last = j
            elif span.label == "VALUE":
                last_value = j
        self.values = [LinkedValue(s, j, self.clause_of[j]) for j, s in enumerate(spans) if s.label == "VALUE"]
        self._link_units()

    def _link_units(self) -> None:
        """The UNIT right after a value (spaces allowed, and a 余/多 cut off by one), else one right before that no
        value claims (人民币100); then lists: a member without a unit, or with only the magnitude of the
        next one's (5400 万、2465 万元), takes the next one's."""
        text, spans = self.view, self.spans
        claimed: set[int] = set()
        for v in self.values:
            j = v.index + 1
            if j < len(spans) and spans[j].label == "UNIT" and _gap(text, v.span.end, spans[j].start, _UNIT_GAP):
                v.unit = spans[j]
                claimed.add(j)
        for v in self.values:
            j = v.index - 1
            if v.unit is None and j >= 0 and spans[j].label == "UNIT" and j not in claimed \
                    and _gap(text, spans[j].end, v.span.start, _SPACE):
                v.unit = spans[j]
        for a, b in zip(self.values, self.values[1:]):
            if b.index == a.next_index and _gap(text, a.tail, b.span.start, _LIST_GAP):
                a.next_in_list = b
        for v in reversed(self.values):
            nxt = v.next_in_list
            v.list_end = nxt.last_in_list if nxt is not None else None
            if nxt is None:
                continue
            shared = nxt.shared_unit or (nxt.unit if nxt.tail != nxt.span.end else None)
            if v.unit is None or self._magnitude_of(v.unit, shared):
                v.shared_unit = shared

    def _magnitude_of(self, unit: Span, shared: Span | None) -> bool:
        """Whether ``unit`` is a bare magnitude (万, 亿) that ``shared`` begins with (万元)."""
        written = self.view[unit.start:unit.end]
        return shared is not None and all(c in MAGNITUDES for c in written) \
            and self.view.startswith(written, shared.start) and shared.end - shared.start > len(written)

    def _metric_right_after(self, v: LinkedValue) -> int | None:
        """A METRIC written right after the value and its unit (开放410个数据集)."""
        j = v.next_index
        if j < len(self.spans) and self.spans[j].label == "METRIC" \
                and _gap(self.view, v.tail, self.spans[j].start, _AFTER_GAP):
            return j
        return None

    def _metric_before(self, v: LinkedValue) -> int | None:
        """The nearest METRIC before the value in its clause, skipping any after an 占."""
        clause_start = self.clauses[v.clause]
        # 占 (占49.9%, 占比, 占受理总数的7.28%) starts the share part of a clause; a metric
        # written after it names the whole, not what the value measures. Looked for close
        # to the value only, so a long clause costs no more than a short one.
        limit = v.span.start
        pos = self.view.rfind("占", max(clause_start, v.span.start - 40), v.span.start)
        while pos >= 0:
            if not inside(self.spans, self.span_starts, pos):
                limit = pos
                break
            pos = self.view.rfind("占", max(clause_start, v.span.start - 40), pos)
        base = self._base_of_share(v)
        if base is not None:
            limit = min(limit, self.spans[base].start)
        j = self.prev_metric[v.index]
        while j >= 0 and self.spans[j].end > limit:
            j = self.prev_metric[j]
        return j if j >= 0 else None

    def _base_of_share(self, v: LinkedValue) -> int | None:
        """The METRIC of the amount a percentage is a share of, written just before it
        (完成年初预算100万元的80%: 年初预算): that names the whole, as a metric after 占 does, and
        the share measures what the clause measured before it (docs/annotation.md, "A budget
        that a share or change is measured against")."""
        unit = self.view[v.unit.start:v.unit.end] if v.unit is not None else ""
        if unit not in ("%", "％") and not self.view.startswith("百分之", v.span.start):
            return None
        i = v.index - 1
        if i < 1 or not _gap(self.view, self.spans[i].end, v.span.start, _SHARE_OF):
            return None
        if self.spans[i].label == "UNIT":
            i -= 1
        if i < 1 or self.spans[i].label != "VALUE" or self.spans[i - 1].label != "METRIC" \
                or self.clause_of[i - 1] != v.clause or not _gap(self.view, self.spans[i - 1].end, self.spans[i].start, _BASE_GAP):
            return None
        return i - 1

    def link(self) -> list[LinkedValue]:
        """Give every value its metric (see :func:`build_records` for the rules)."""
        spans = self.spans
        fallback: int | None = None  # the metric earlier clauses hand on
        clause_metric: dict[int, int] = {}  # clause -> metric of its last linked value
        last_metric_span: dict[int, int] = {}  # clause -> its last METRIC span
        # the metrics values of earlier clauses took, each once, in the order of their last value
        earlier: dict[int, None] = {}
        this_clause: list[int] = []  # the metrics the current clause's values took so far
        for j, s in enumerate(spans):
            if s.label == "METRIC":
                last_metric_span[self.clause_of[j]] = j
        current = 0
        in_list = {id(v.next_in_list) for v in self.values if v.next_in_list is not None}
        for v in self.values:
            if v.clause > current:
                for m in this_clause:
                    earlier.pop(m, None)
                    earlier[m] = None
                this_clause = []
            while current < v.clause:
                handed = clause_metric.get(current, last_metric_span.get(current))
                if handed is not None:
                    fallback = handed
                current += 1
            if v.metric is None:  # members of a 分别 list already have theirs
                v.metric = self._link_one(v)
                if v.metric is None and id(v) not in in_list:
                    self._link_respectively(v, list(earlier))
                if v.metric is None:
                    v.metric = fallback
            if v.metric is not None:
                clause_metric[v.clause] = v.metric
                this_clause.append(v.metric)
        return self.values

    def _link_respectively(self, v: LinkedValue, earlier: list[int]) -> None:
        """A list after 分别 in a clause with no metric of its own takes the metrics of the
        earlier clauses in order (甲收入5万元,乙收入3万元,分别增长2%、4%: 2% measures 甲收入, 4%
        乙收入), when they are at least as many as its members; else the fallback holds."""
        members = [v]
        while members[-1].next_in_list is not None:
            members.append(members[-1].next_in_list)
        if len(members) < 2 or len(members) > len(earlier) \
                or "分别" not in self.view[self.clauses[v.clause]:v.span.start]:
            return
        for member, metric in zip(members, earlier[-len(members):]):
            member.metric = metric

    def _link_one(self, v: LinkedValue) -> int | None:
        spans = self.spans
        last = v.last_in_list
        after = self._metric_right_after(last)
        before = self._metric_before(v)
        if after is not None:
            k = after + 1
            followed_by_value = k < len(spans) and spans[k].label == "VALUE" \
                and _gap(self.view, spans[after].end, spans[k].start, _SPACE)
            # Is the metric before this value its own (no other value in between)?
            own_before = before is not None and self.prev_value[v.index] < before
            if not (own_before and followed_by_value):
                return after
        if before is not None:
            return before
        for j in range(last.next_index, len(spans)):
            if self.clause_of[j] != v.clause or spans[j].label == "VALUE":
                break
            if spans[j].label == "METRIC":
                return j
        return None
