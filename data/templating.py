"""A small template language that renders labelled sentences with gold records.

A template is a string of literal text, random alternatives ``[a|b|]`` (an empty
alternative makes the group optional) and slots in braces:

================  ==============================================================
``{M}``           a metric name from the template's family (``{M:money}`` another family); a
                  note in brackets that ends it (办事指南(含分局)) is a gloss, written outside the METRIC;
                  ``{M+数量}`` writes a head noun after it, inside the METRIC (处理决定数量)
``{Q}``           a quantity: optional qualifier, VALUE, UNIT; measures the last ``{M}``
``{Q>}``          the same, measuring the *next* ``{M}`` (开放410个数据集)
``{Q!}``          a quantity that never takes a qualifier (flags combine: ``{Q>!}``)
``{V}``           a bare VALUE that shares the unit of the next ``{Q}`` (4.2、4.3和3.2个百分点)
``{N}``           a count written with no unit (其中1.组织机构5；): a VALUE in digits, its record's unit null
``{P}``           a share: 49.9%, 百分之四十, now and then 三分之一, 千分之2.4, 万分之三, .5%;
                  ``{PP}`` percentage points (个百分点)
``{R}``           a range quantity (3-5个工作日, 两三个)
``{year}`` ...    unlabelled filler: agents, places, dates, document numbers (see :data:`data.fillers.FILLERS`)
================  ==============================================================

Linking follows ANNOTATION.md: a value measures the metric of its own clause or,
failing that, the nearest preceding one; a metric no value measures is left untagged.

>>> import random
>>> t = Template("doc.001", "info", "[全年|]共发布{M}{Q!}。")
>>> ex = t.render(random.Random(3))
>>> [r.metric for r in ex.records] == [ex.text[s.start:s.end] for s in ex.spans if s.label == "METRIC"]
True
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field

from govreport.data import lexicon
from govreport.data.doccano import Example
from govreport.data.fillers import FILLERS
from govreport.data.numbers import parse_number
from govreport.data.schema import Record, Span
from govreport.data.text import normalize_percent
from govreport.data.values import decorate, draw_number, range_text, render_value, round_sig

# ---------------------------------------------------------------- parsing templates

# A note in brackets after a metric name (办事指南(含分局)): a gloss, outside the METRIC (docs/annotation.md).
_GLOSS = re.compile(r"(.+?)([(（][^()（）]*[)）])$")
_PART = re.compile(r"\{([^{}]+)\}|\[((?:[^\[\]]|\[[^\[\]]*\])*)\]")


@dataclass(frozen=True)
class Slot:
    kind: str  # M, Q, V, P, PP, R, or a filler name
    family: str | None = None
    link_next: bool = False
    no_qualifier: bool = False
    head: str = ""  # {M+数量}: a head noun written after the metric name, inside its span


def _split_alternatives(body: str) -> list[str]:
    """Split ``a|b|[c|d]`` on top-level bars only."""
    out, depth, cur = [], 0, []
    for ch in body:
        if ch == "|" and depth == 0:
            out.append("".join(cur))
            cur = []
            continue
        depth += ch == "["
        depth -= ch == "]"
        cur.append(ch)
    out.append("".join(cur))
    return out


def compile_template(source: str) -> list:
    """Parse a template string into parts: ``str`` literals, ``Slot`` and lists of alternatives."""
    parts: list = []
    pos = 0
    for m in _PART.finditer(source):
        if m.start() > pos:
            parts.append(source[pos:m.start()])
        if m.group(1) is not None:
            parts.append(_parse_slot(m.group(1), source))
        else:
            parts.append([compile_template(alt) for alt in _split_alternatives(m.group(2))])
        pos = m.end()
    if pos < len(source):
        parts.append(source[pos:])
    return parts


# The slots that write a quantity (VALUE, and a UNIT where they have one), and every slot kind.
_QUANTITY_KINDS = ("Q", "V", "P", "PP", "R", "N")
_SLOT_KINDS = ("M", *_QUANTITY_KINDS)


def _parse_slot(body: str, source: str) -> Slot:
    name, _, family = body.partition(":")
    name, _, head = name.partition("+")
    if head and not name.startswith("M"):
        raise ValueError(f"only a metric slot takes a head noun: {{{body}}} in template {source!r}")
    flags = set(name[1:]) if name[:1] in {k[0] for k in _SLOT_KINDS} and name not in FILLERS else set()
    kind = name.rstrip(">!")
    if kind not in _SLOT_KINDS and kind not in FILLERS:
        raise ValueError(f"unknown slot {{{body}}} in template {source!r}")
    if family and family not in lexicon.FAMILIES:
        raise ValueError(f"unknown family {family!r} in template {source!r}")
    return Slot(kind, family or None, ">" in flags, "!" in flags, head)


# ---------------------------------------------------------------- rendering quantities


@dataclass
class _Quantity:
    """A rendered quantity awaiting its link to a metric."""

    value_span: tuple[int, int]
    unit_span: tuple[int, int] | None
    unit: str | None
    qualifier: str | None
    link_next: bool
    shares_next_unit: bool = False
    metric_index: int | None = None


@dataclass
class _Builder:
    """Accumulates text, spans and quantities while a template renders."""

    rng: random.Random
    family: str
    nouns: tuple[str, ...]
    parts: list[str] = field(default_factory=list)
    length: int = 0
    metrics: list[tuple[int, int, str, str]] = field(default_factory=list)  # start, end, family, name
    quantities: list[_Quantity] = field(default_factory=list)
    metric_units: dict[int, str] = field(default_factory=dict)  # metric index -> its unit
    metric_values: dict[int, int | float] = field(default_factory=dict)  # metric index -> first value
    styles: list[str] = field(default_factory=list)

    def add(self, text: str) -> tuple[int, int]:
        start = self.length
        self.parts.append(text)
        self.length += len(text)
        return start, self.length

    def last_family(self) -> str:
        return self.metrics[-1][2] if self.metrics else self.family


# After these words only the mildest qualifiers read naturally (达近万人, 占约80%; never 达超过).
_LINKING_VERBS = ("达", "占", "为", "至", "到", "由", "从")


def _qualifier(rng: random.Random, allowed: bool, before: str) -> tuple[str | None, bool]:
    """(qualifier, placed_after_unit) — about one quantity in eight is qualified."""
    if not allowed or rng.random() > 0.12:
        return None, False
    if rng.random() < 0.7:
        if before.endswith(_LINKING_VERBS):
            return rng.choice(("近", "约", "将近")), False
        return rng.choice(lexicon.QUALIFIERS_BEFORE), False
    return rng.choice(lexicon.QUALIFIERS_AFTER), True


# Markers decorate returns for a value that carries its own unit: the record's unit.
_VALUE_ONLY_UNITS: dict[str, str | None] = {"百分之": "%", "千分之": "‰", "万分之": "‱", "分之": None}


def _emit_quantity(b: _Builder, slot: Slot) -> None:
    rng = b.rng
    family = lexicon.FAMILIES[slot.family or (b.family if slot.link_next else b.last_family())]
    if slot.kind == "N":  # a count a list writes with no unit: digits, never qualified or marked
        value_text, style = render_value(rng, draw_number(rng, family.lo, min(family.hi, 10000), 0.0), chinese=False)
        b.styles.append(style)
        b.quantities.append(_Quantity(b.add(value_text), None, None, None, slot.link_next))
        return
    qualifier, after = _qualifier(rng, not slot.no_qualifier and slot.kind != "V", b.parts[-1] if b.parts else "")
    if after and (slot.link_next or (qualifier == "内" and family.name != "duration")):
        qualifier = None  # never 2名内工业企业 or 10.7%内
    if qualifier and not after:
        b.add(qualifier)
    # One metric keeps one unit: 关注人数2421人，较上年增加300人 (not 300次).
    metric = len(b.metrics) if slot.link_next else len(b.metrics) - 1
    unit = b.metric_units.get(metric) if rng.random() < 0.9 else None
    if unit is None:
        name = b.metrics[metric][3] if 0 <= metric < len(b.metrics) else ""
        unit = rng.choice(lexicon.units_for(name, family))

    percent = slot.kind in ("P", "PP") or family.units == ("%",)
    if slot.kind == "R":
        value_text = range_text(rng, family)
        b.styles.append("range")
    else:
        value = draw_number(rng, *(0, 100) if percent else (family.lo, family.hi),
                             family.decimals if not percent else 0.5)
        if slot.kind == "PP":
            value = round(min(value, 30), 1)
        previous = b.metric_values.get(metric)
        if previous and not percent and rng.random() < 0.7:
            # A second figure for the same metric (a part, last year's) stays in proportion to the first.
            value = round_sig(previous * rng.uniform(0.05, 1.2), rng.choice((2, 3, 4))) or 1
        elif metric >= 0 and not percent:
            b.metric_values.setdefault(metric, value)
        value_text, unit = decorate(rng, value, unit, percent, slot.kind == "PP", b.styles,
                                     plain=slot.kind == "V" or qualifier is not None)
        if slot.link_next and value_text + unit in lexicon.ARTICLE_NUMERALS_BEFORE_NOUNS:
            # 一份 before its noun is an article (docs/annotation.md): a count of one writes 1份
            value_text, b.styles[-1] = "1", "arabic"
    if metric >= 0 and not percent:
        b.metric_units.setdefault(metric, unit)
    if unit in _VALUE_ONLY_UNITS:  # 百分之X, 千分之X, 三分之一: the whole is the VALUE, no UNIT span
        value_span = b.add(value_text)
        unit_span, unit = None, _VALUE_ONLY_UNITS[unit]
    else:
        value_span = b.add(value_text)
        unit_span = None
        if slot.kind != "V":
            if rng.random() < 0.03:
                b.add(" ")
            unit_span = b.add(unit)
        else:
            unit = None
    if qualifier and after:
        b.add(qualifier)
    b.quantities.append(_Quantity(value_span, unit_span, unit, qualifier, slot.link_next,
                                  shares_next_unit=slot.kind == "V"))


# ---------------------------------------------------------------- templates


@dataclass
class Template:
    """A sentence template: an id (stable across versions), a metric family and its source."""

    id: str
    family: str
    source: str
    parts: list = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if self.family not in lexicon.FAMILIES and self.family != "none":
            raise ValueError(f"template {self.id}: unknown family {self.family!r}")
        self.parts = compile_template(self.source)

    def render(self, rng: random.Random, nouns: tuple[str, ...] | None = None) -> Example:
        """One labelled sentence: text, spans and records, per ANNOTATION.md."""
        b = _Builder(rng, self.family if self.family != "none" else "info",
                     lexicon.dictionary_nouns() if nouns is None else nouns)
        self._walk(self.parts, b)
        return _finish(self.id, b)

    def _walk(self, parts: list, b: _Builder) -> None:
        for i, part in enumerate(parts):
            if isinstance(part, str):
                b.add(part)
            elif isinstance(part, list):
                self._walk(b.rng.choice(part), b)
            elif part.kind == "M":
                fam = part.family or b.family
                name = lexicon.FAMILIES[fam].metric(b.rng, b.nouns)
                gloss = _GLOSS.match(name)
                if gloss:  # the name alone is the METRIC; a head noun is written without the gloss
                    name = gloss[1]
                start, end = b.add(name + part.head)
                b.metrics.append((start, end, fam, name + part.head))
                if gloss and not part.head:
                    b.add(gloss[2])
            elif part.kind in _QUANTITY_KINDS:
                if part.link_next and part.family is None:
                    # A value before its metric (开放410个数据集) takes the units of that metric's family.
                    nxt = next((p for p in parts[i + 1:] if isinstance(p, Slot) and p.kind == "M"), None)
                    part = Slot(part.kind, nxt.family if nxt else None, True, part.no_qualifier)
                _emit_quantity(b, part)
            else:
                b.add(FILLERS[part.kind](b.rng))


def _finish(template_id: str, b: _Builder) -> Example:
    text = "".join(b.parts)
    metric_starts = [m[0] for m in b.metrics]
    # Link each quantity to a metric: the next one for {Q>}, else the nearest preceding one.
    for q in b.quantities:
        if q.link_next:
            later = [i for i, s in enumerate(metric_starts) if s >= q.value_span[1]]
            q.metric_index = later[0] if later else None
        else:
            earlier = [i for i, s in enumerate(metric_starts) if s < q.value_span[0]]
            q.metric_index = earlier[-1] if earlier else None
    # A bare {V} takes the unit of the next quantity that has one (4.2、4.3和3.2个百分点).
    for i, q in enumerate(b.quantities):
        if q.shares_next_unit:
            nxt = next((n for n in b.quantities[i + 1:] if not n.shares_next_unit), None)
            q.unit = nxt.unit if nxt else None

    linked = {q.metric_index for q in b.quantities if q.metric_index is not None}
    spans = [Span(s, e, "METRIC") for i, (s, e, _, _) in enumerate(b.metrics) if i in linked]
    records = []
    for q in b.quantities:
        spans.append(Span(*q.value_span, "VALUE"))
        if q.unit_span:
            spans.append(Span(*q.unit_span, "UNIT"))
        value_text = text[q.value_span[0]:q.value_span[1]]
        parsed = parse_number(value_text)
        if not parsed.ok:
            raise AssertionError(f"template {template_id} rendered an unparsable value {value_text!r}")
        metric = b.metrics[q.metric_index] if q.metric_index is not None else None
        end = q.unit_span[1] if q.unit_span else q.value_span[1]
        records.append(Record(
            metric=text[metric[0]:metric[1]] if metric else None,
            value=parsed.value,
            unit=normalize_percent(q.unit) if q.unit else None,
            raw=text[q.value_span[0]:end],
            qualifier=q.qualifier,
            approximate=bool(q.qualifier) or parsed.approximate,
            value_span=q.value_span,
            unit_span=q.unit_span,
            metric_span=(metric[0], metric[1]) if metric else None,
            value_min=parsed.value_min,
            value_max=parsed.value_max,
        ))
    return Example(id=template_id, text=text, spans=sorted(spans), records=records,
                   meta={"template": template_id, "styles": b.styles})
