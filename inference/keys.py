"""Give a record one canonical key per quantity, so many reports line up as a panel.

The keys and the rules that reach them are data (``data/keys/taxonomy.json``; the reference
is docs/keys.md): the three standard tables of ``../shared/spec/standard-tables.md`` §4 and
a small taxonomy of the quantities reports state again and again in prose. This module is
the logic: normalise the METRIC, read the clause before the value (platform, verb) and the
sentence, and take the first rule that fits; ``None`` when none does, since a wrong key puts
a number in the wrong panel column.

>>> text = "全年共收到政府信息公开申请52件,办结46件。"
>>> new = Record("政府信息公开申请", 52, "件", "52件", value_span=(13, 15), metric_span=(5, 13))
>>> done = Record("办结", 46, "件", "46件", value_span=(19, 21), metric_span=(17, 19))
>>> [metric_key(text, r) for r in (new, done)]
['申请.本年新收.总计', '申请.办理结果.总计']
"""

from __future__ import annotations

import csv
import functools
import json
import logging
import os
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Sequence

from govreport.data.errors import InputError
from govreport.data.schema import Record
from govreport.data.text import TO_SIMPLIFIED

logger = logging.getLogger(__name__)

__all__ = ["TAXONOMY_PATH", "NAMESPACES", "KEY_FIELD", "KeyFileError", "Rule", "Taxonomy", "KeyMapper",
           "metric_key", "assign_keys", "normalise_metric", "is_well_formed"]

TAXONOMY_PATH = Path(__file__).resolve().parent.parent / "data" / "keys" / "taxonomy.json"
NAMESPACES = ("主动公开", "申请", "复议诉讼", "申请渠道", "其他事项")
# The record field a key lands in (``Record.extra``, so it reaches JSON as ``metric_key``).
KEY_FIELD = "metric_key"

# Traditional -> simplified (data.text's table), and two variants simplified text writes too that
# name the same thing in a metric: 答覆 is 答复, 谘询 is 咨询 (the span repair leaves 覆盖 alone).
_TO_SIMPLIFIED = {**TO_SIMPLIFIED, **str.maketrans("覆谘", "复咨")}
# Quotes, brackets of titles and spaces carry no meaning in a metric name.
_DROP = re.compile(r"[\s“”\"'‘’《》「」『』〈〉]")
_CLAUSE_END = "，,；;。！？!?\n"
_SENTENCE_END = "。！？!?\n"
_SHORT_CLAUSE = 6
_WELL_FORMED = re.compile(r"^[^.\s]+(?:\.[^.\s]+)+$")
_RULE_FIELDS = {"key", "metric", "not_metric", "units", "before", "not_before", "sentence", "not_sentence", "verb"}


class KeyFileError(InputError):
    """A taxonomy or mapping file that cannot be used; the message names the file and the line."""


def normalise_metric(text: str | None) -> str:
    """The METRIC text as rules see it: NFKC, simplified characters, no quotes or spaces.

    >>> normalise_metric("“政府開放日”活動")
    '政府开放日活动'
    """
    if not text:
        return ""
    return _DROP.sub("", unicodedata.normalize("NFKC", text).translate(_TO_SIMPLIFIED))


def is_well_formed(key: str) -> bool:
    """Whether ``key`` follows the grammar: a known namespace, then non-empty ``.`` segments.

    >>> is_well_formed("申请.本年新收.总计"), is_well_formed("申请"), is_well_formed("收入.总计")
    (True, False, False)
    """
    return bool(_WELL_FORMED.match(key)) and key.split(".", 1)[0] in NAMESPACES


@dataclass(frozen=True)
class Rule:
    """One mapping rule: when its patterns fit a record, the record gets ``key`` (``None``: no key)."""

    key: str | None
    metric: re.Pattern
    origin: str
    units: frozenset[str] | None = None
    not_metric: re.Pattern | None = None
    before: re.Pattern | None = None
    not_before: re.Pattern | None = None
    sentence: re.Pattern | None = None
    not_sentence: re.Pattern | None = None
    verb: str | None = None


def _compile(pattern: Any, what: str, origin: str) -> re.Pattern:
    if not isinstance(pattern, str) or not pattern:
        raise KeyFileError(f"{origin}: '{what}' must be a non-empty regular expression, got {pattern!r}")
    try:
        return re.compile(pattern)
    except re.error as err:
        raise KeyFileError(f"{origin}: bad regular expression in '{what}' {pattern!r}: {err}") from None


class Taxonomy:
    """The known keys, their units and aliases, the verb classes and the built-in rules.

    >>> tax = Taxonomy.load()
    >>> tax.alias("申请.本年新收.自然人"), sorted(tax.units("复议诉讼.行政复议.总计"))[:2]
    ('request.new.natural', ['个', '件'])
    """

    def __init__(self, data: dict[str, Any], origin: str = "taxonomy"):
        self.origin = origin
        try:
            self.unit_groups = {name: frozenset(units) for name, units in data["unit_groups"].items()}
            self.verbs = {name: re.compile(pattern) for name, pattern in data["verbs"].items()}
            # A value right after 增加/减少/同比 is a change, not the level a key names.
            self.change_before = re.compile(data["change_before"]) if data.get("change_before") else None
            self.segment_aliases: dict[str, str] = dict(data.get("segment_aliases", {}))
            self.keys: dict[str, dict[str, Any]] = {}
            for table, spec in data["tables"].items():
                for row in spec.get("rows", []):
                    for column in spec.get("columns", []):
                        self._add(f"{table}.{row}.{column}", {"units": spec["unit_group"], "table": True})
                for key, group in spec.get("cells", {}).items():
                    self._add(key, {"units": group, "table": True})
            for entry in data["keys"]:
                self._add(entry["key"], entry)
        except (KeyError, TypeError, AttributeError, re.error) as err:
            raise KeyFileError(f"{origin}: malformed taxonomy: {type(err).__name__}: {err}") from None
        self.rules = [self.rule(item, f"{origin} rule {i}") for i, item in enumerate(data.get("rules", []), 1)]
        for rule in self.rules:
            if rule.key is not None and rule.key not in self.keys:
                raise KeyFileError(f"{rule.origin}: key {rule.key!r} is not in the taxonomy")

    def _add(self, key: str, entry: dict[str, Any]) -> None:
        if not is_well_formed(key):
            raise KeyFileError(f"{self.origin}: malformed key {key!r}")
        if entry["units"] not in self.unit_groups:
            raise KeyFileError(f"{self.origin}: key {key!r} names an unknown unit group {entry['units']!r}")
        self.keys[key] = entry

    @classmethod
    def load(cls, path: str | os.PathLike = TAXONOMY_PATH) -> "Taxonomy":
        try:
            with open(path, encoding="utf-8") as f:
                data = json.load(f)
        except json.JSONDecodeError as err:
            raise KeyFileError(f"{path}: line {err.lineno}: not valid JSON: {err.msg}") from None
        except OSError as err:
            raise KeyFileError(f"{path}: cannot read: {err.strerror or err}") from None
        return cls(data, origin=str(path))

    def units(self, key: str) -> frozenset[str] | None:
        """The units ``key`` takes; ``None`` for a key the taxonomy does not know (any unit)."""
        entry = self.keys.get(key)
        return None if entry is None else self.unit_groups[entry["units"]]

    def alias(self, key: str) -> str | None:
        """The ASCII alias of a key: its own for a prose key, else its segments' aliases joined."""
        entry = self.keys.get(key)
        if entry is not None and entry.get("alias"):
            return entry["alias"]
        parts = [self.segment_aliases.get(segment) for segment in key.split(".")]
        return None if None in parts else ".".join(parts)  # type: ignore[arg-type]

    def rule(self, item: Any, origin: str) -> Rule:
        """A :class:`Rule` from its JSON form (the fields of docs/keys.md), checked."""
        if not isinstance(item, dict):
            raise KeyFileError(f"{origin}: a rule must be an object, got {type(item).__name__}")
        unknown = set(item) - _RULE_FIELDS
        if unknown:
            raise KeyFileError(f"{origin}: unknown field(s) {', '.join(sorted(unknown))}")
        if "key" not in item:
            raise KeyFileError(f"{origin}: a rule needs a 'key' (null for no key)")
        key = item["key"]
        if key is not None and (not isinstance(key, str) or not is_well_formed(key)):
            raise KeyFileError(f"{origin}: malformed key {key!r}: namespace.segment[.segment…], "
                               f"namespace one of {', '.join(NAMESPACES)}")
        units = item.get("units")
        if isinstance(units, str):
            if units not in self.unit_groups:
                raise KeyFileError(f"{origin}: unknown unit group {units!r} (one of {', '.join(self.unit_groups)})")
            units = self.unit_groups[units]
        elif units is not None:
            if not isinstance(units, list) or not all(isinstance(u, str) and u for u in units):
                raise KeyFileError(f"{origin}: 'units' must be a unit group's name or a list of units")
            units = frozenset(units)
        verb = item.get("verb")
        if verb is not None and verb not in self.verbs:
            raise KeyFileError(f"{origin}: unknown verb class {verb!r} (one of {', '.join(self.verbs)})")
        optional = {name: _compile(item[name], name, origin) if item.get(name) is not None else None
                    for name in ("not_metric", "before", "not_before", "sentence", "not_sentence")}
        return Rule(key=key, metric=_compile(item.get("metric"), "metric", origin), origin=origin,
                    units=units, verb=verb, **optional)


def _exact(text: str) -> str:
    return "^" + re.escape(normalise_metric(text)) + "$"


def load_mapping_file(path: str | os.PathLike, taxonomy: Taxonomy) -> list[Rule]:
    """The rules of a user's mapping file (JSON or TSV, docs/keys.md "Your own mapping file")."""
    path = Path(path)
    try:
        raw = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as err:
        raise KeyFileError(f"{path}: cannot read: {getattr(err, 'strerror', None) or err}") from None
    rules: list[Rule] = []
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as err:
            raise KeyFileError(f"{path}: line {err.lineno}: not valid JSON: {err.msg}") from None
        if isinstance(data, dict):
            items = [({"metric": _exact(text), "key": key}, f"{path}: entry {text!r}") for text, key in data.items()]
        elif isinstance(data, list):
            items = [(item, f"{path}: item {i}") for i, item in enumerate(data, 1)]
        else:
            raise KeyFileError(f"{path}: expected an object (metric text -> key) or a list of rules")
        rules = [taxonomy.rule(item, origin) for item, origin in items]
    else:
        for lineno, line in enumerate(raw.splitlines(), 1):
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            origin = f"{path}: line {lineno}"
            cells = next(csv.reader([line], delimiter="\t", quoting=csv.QUOTE_NONE))
            if len(cells) not in (2, 3):
                raise KeyFileError(f"{origin}: expected 'pattern<TAB>key[<TAB>units]', got {len(cells)} column(s)")
            pattern, key = cells[0].strip(), cells[1].strip()
            if not pattern:
                raise KeyFileError(f"{origin}: empty pattern")
            regex = pattern[1:-1] if len(pattern) > 2 and pattern[0] == pattern[-1] == "/" else _exact(pattern)
            item: dict[str, Any] = {"metric": regex, "key": None if key in ("", "null", "None") else key}
            if len(cells) == 3 and cells[2].strip():
                units = cells[2].strip()
                item["units"] = units if units in taxonomy.unit_groups else [u for u in re.split(r"[,，\s]+", units) if u]
            rules.append(taxonomy.rule(item, origin))
    for rule in rules:
        if rule.key is not None and rule.key not in taxonomy.keys:
            logger.warning("%s: key %s is not in the taxonomy; kept as your own", rule.origin, rule.key)
    return rules


def _bounds(text: str, pos: int, ends: str, lo: int, hi: int) -> tuple[int, int]:
    start = pos
    while start > lo and text[start - 1] not in ends:
        start -= 1
    end = pos
    while end < hi and text[end] not in ends:
        end += 1
    return start, end


class KeyMapper:
    """Maps records onto keys: a user's rules (first) and the taxonomy's built-in rules."""

    def __init__(self, taxonomy: Taxonomy | None = None, rules: Sequence[Rule] = ()):
        self.taxonomy = taxonomy or _default_taxonomy()
        self.rules = list(rules) + self.taxonomy.rules

    @classmethod
    def load(cls, mapping_file: str | os.PathLike | None = None,
             taxonomy: str | os.PathLike | None = None) -> "KeyMapper":
        """The built-in mapper, extended and overridden by ``mapping_file`` when given."""
        tax = Taxonomy.load(taxonomy) if taxonomy is not None else _default_taxonomy()
        return cls(tax, load_mapping_file(mapping_file, tax) if mapping_file is not None else ())

    def _context(self, text: str, record: Record) -> tuple[str, str]:
        """The clause before the value (from the metric on, when it comes first) and the sentence."""
        if record.value_span is None:
            return "", text
        value_start = record.value_span[0]
        sentence = record.extra.get("sentence_span")
        lo, hi = (sentence[0], sentence[1]) if sentence else _bounds(text, value_start, _SENTENCE_END, 0, len(text))
        clause_start, _ = _bounds(text, value_start, _CLAUSE_END, lo, hi)
        if record.metric_span is not None and lo <= record.metric_span[0] < clause_start:
            clause_start, _ = _bounds(text, record.metric_span[0], _CLAUSE_END, lo, hi)
        if clause_start > lo:  # a clause as short as 其中 or 2020年 belongs to the next one
            previous, _ = _bounds(text, clause_start - 1, _CLAUSE_END, lo, hi)
            if clause_start - 1 - previous <= _SHORT_CLAUSE:
                clause_start = previous
        return text[clause_start:value_start], text[lo:hi]

    def _verb(self, before: str) -> str | None:
        """The verb class of the clause: receive when it has a receive verb (收到并办结 states
        what was received; 收到和处理 is the section's name), else handle when it has one."""
        for name in ("receive", "handle"):
            pattern = self.taxonomy.verbs.get(name)
            if pattern is not None and pattern.search(before):
                return name
        return None

    def key(self, text: str, record: Record) -> str | None:
        """The key of ``record`` (offsets index ``text``), or ``None`` when no rule fits."""
        metric = normalise_metric(record.metric)
        if not metric:
            return None
        unit = normalise_metric(record.unit) or None
        before, sentence = self._context(text, record)
        before_n, sentence_n = normalise_metric(before), normalise_metric(sentence)
        if self.taxonomy.change_before is not None and self.taxonomy.change_before.search(before_n):
            return None
        verb: str | None | bool = False  # computed once, when a rule asks
        for rule in self.rules:
            if not rule.metric.search(metric) or (rule.not_metric and rule.not_metric.search(metric)):
                continue
            units = rule.units if rule.units is not None else (self.taxonomy.units(rule.key) if rule.key else None)
            if units is not None and unit not in units:
                continue
            if rule.before and not rule.before.search(before_n):
                continue
            if rule.not_before and rule.not_before.search(before_n):
                continue
            if rule.sentence and not rule.sentence.search(sentence_n):
                continue
            if rule.not_sentence and rule.not_sentence.search(sentence_n):
                continue
            if rule.verb is not None:
                if verb is False:
                    verb = self._verb(before_n)
                if verb != rule.verb:
                    continue
            return rule.key
        return None

    def assign(self, text: str, records: Iterable[Record]) -> list[Record]:
        """Set ``extra["metric_key"]`` on each record that has none (a table's key is kept)."""
        out = []
        for record in records:
            if record.extra.get(KEY_FIELD) is None:
                record.extra[KEY_FIELD] = self.key(text, record)
            out.append(record)
        return out


@functools.lru_cache(maxsize=1)
def _default_taxonomy() -> Taxonomy:
    return Taxonomy.load()


@functools.lru_cache(maxsize=1)
def _default_mapper() -> KeyMapper:
    return KeyMapper()


def metric_key(text: str, record: Record, mapper: KeyMapper | None = None) -> str | None:
    """The key of ``record`` by ``mapper`` (default: the built-in rules); see :meth:`KeyMapper.key`."""
    return (mapper or _default_mapper()).key(text, record)


def assign_keys(text: str, records: Iterable[Record], mapper: KeyMapper | None = None) -> list[Record]:
    """Give every record of ``text`` without a key its mapped key (``None`` when nothing fits)."""
    return (mapper or _default_mapper()).assign(text, records)
