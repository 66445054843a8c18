"""The rule baseline's VALUE and UNIT rules (:mod:`eval.rules` tags the METRICs), and its word lists.

A VALUE is a number :func:`data.numbers.find_numbers` finds, minus what the annotation guide
never tags: calendar expressions (2018年, 8月31日, 一季度), identifiers (〔2020〕3号, phone
numbers, postcodes, URLs, codes), enumerators ((三), 1、) and numbers inside names (十九大,
12345热线). A number counts only with a unit after it, as 百分之X, before a clause end, as a
member of a list whose last member counts, or as part of a ratio 6.01:55.04:38.95. Its UNIT is
the longest of :data:`UNITS` right after it (spaces allowed); 年 and 日 only as durations
(连续三年, 30日内).

The word lists of both modules are data, in ``rule_words.json`` next to this file; each says
what it is for under ``about``.

>>> text = "2017年共编发政务简报317条,电话12345678,同比增长百分之四十。"
>>> [(text[n.start:n.end], n.unit and text[n.unit[0]:n.unit[1]]) for n in find_values(text)]
[('317', '条'), ('百分之四十', None)]
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from govreport.data.lexicon import FAMILIES, QUALIFIERS_AFTER, QUALIFIERS_BEFORE
from govreport.data.numbers import ParsedNumber, find_numbers
from govreport.data.text import FULLWIDTH_DIGITS

__all__ = ["UNITS", "WORDS", "find_values"]

WORDS: dict[str, tuple[str, ...]] = {
    name: tuple(entry["words"])
    for name, entry in json.loads(Path(__file__).with_name("rule_words.json").read_text(encoding="utf-8")).items()
}

# The generator's units (what reports count in) and common measure words, longest first.
UNITS: tuple[str, ...] = tuple(sorted(
    ({u for family in FAMILIES.values() for u in family.units} | set(WORDS["measure_units"]))
    - set(WORDS["not_units"]),
    key=lambda u: (-len(u), u),
))
_NOT_UNIT_WORDS = frozenset(WORDS["not_unit_words"])
_IDENTIFIER_CONTEXT = re.compile(
    rf"(?:{'|'.join(WORDS['identifier_context'])})(?:号码)?(?:为|是|：|:|\s)*$")
_URL_CHARS = re.compile(r"[A-Za-z0-9./:_\-@?=&#%]")
# Between two members of a list (4.2、4.3和3.2): a separator, maybe a qualifier (和接近14.9%).
_LIST_GAP = re.compile(r"\s*(?:、|和|及|与|以及|或|,|，)\s*(?:"
                       + "|".join(sorted(QUALIFIERS_BEFORE, key=len, reverse=True)) + r")?\s*")
_OPEN_BRACKETS = "〔[【（(［〈《"
_CLOSE_BRACKETS = "〕]】）)］〉》"
_CODE_SEPARATORS = "-/:：.·_"
_FOLD = str.maketrans(FULLWIDTH_DIGITS)
# 一季度, 二〇一八: Chinese numerals read as a date or a digit string.
_CN_DIGIT_STRING = re.compile(r"[〇零一二三四五六七八九]{4}")
_AFTER_YEAR = WORDS["after_year"]
_DURATION_CONTEXT = re.compile(rf"(?:{'|'.join(WORDS['duration_context'])})[^，,。；;]{{0,4}}$")


@dataclass
class Number:
    """A number of the text, the unit after it (``[start, end)``) and whether it is a VALUE."""

    start: int
    end: int
    parsed: ParsedNumber
    unit: tuple[int, int] | None = None
    keep: bool = False


def find_values(text: str) -> list[Number]:
    """The numbers of ``text`` that are VALUEs, each with its unit (see the module docstring)."""
    found = []
    for s, e, p in find_numbers(text):
        if p.ok:
            found.append(Number(s, e, p))
    for n in found:
        n.unit = _unit_after(text, n)
        n.keep = _is_quantity(text, n)
    # Lists (4.2、4.3和3.2个百分点) and ratios (6.01:55.04:38.95): decided right to left.
    for a, b in zip(reversed(found[:-1]), reversed(found[1:])):
        if a.keep or a.unit is not None or not b.keep or _is_identifier(text, a) or _is_calendar(text, a):
            continue
        if _LIST_GAP.fullmatch(text, a.end, b.start):
            a.keep = True
    _mark_ratios(text, found)
    return [n for n in found if n.keep]
def _unit_after(text: str, n: Number) -> tuple[int, int] | None:
    """The unit right after a number (spaces allowed), as ``[start, end)``."""
    if n.parsed.unit is not None and not text[n.start:n.end].translate(_FOLD).rstrip("余多").endswith(("%", "‰", "‱")) \
            and text[n.start:n.end].lstrip("-负負").startswith(("百分之", "千分之", "佰分之", "仟分之", "万分之", "萬分之")):
        return None  # 百分之四十: one VALUE, no UNIT span
    pos = n.end
    while pos < len(text) and text[pos] in " \u3000\t":
        pos += 1
    for unit in UNITS:
        if text.startswith(unit, pos):
            if len(unit) == 1 and text[pos:pos + 2] in _NOT_UNIT_WORDS:
                continue
            return pos, pos + len(unit)
    if _is_duration(text, n, pos):
        return pos, pos + 1
    return None


def _is_duration(text: str, n: Number, pos: int) -> bool:
    """连续三年, 30日内: 年 and 日 as units of a duration rather than a date."""
    c = text[pos:pos + 1]
    after = text[pos + 1:pos + 3]
    if c == "年":
        return not _year_like(text, n) and not after.startswith(_AFTER_YEAR)
    if c == "日":
        return not text[:n.start].rstrip().endswith("月") and (
            after.startswith(("内", "以内", "之内", "后")) or _DURATION_CONTEXT.search(text, max(0, n.start - 8), n.start))
    return False


def _year_like(text: str, n: Number) -> bool:
    value = n.parsed.value
    raw = text[n.start:n.end]
    return (isinstance(value, int) and 1900 <= value <= 2100) or bool(_CN_DIGIT_STRING.fullmatch(raw)) \
        or (len(raw) == 2 and raw.isdigit() and text[n.start - 1:n.start] in "'’")


def _is_calendar(text: str, n: Number) -> bool:
    """2018年, 2009年2月, 8月31日, 一季度, 1-11月, 2018 (a bare year)."""
    after = text[n.end:n.end + 2]
    if after.startswith(("年", "月", "日", "号", "季度", "周年", "届", "时", "点")):
        return n.unit is None
    if n.unit is None and _year_like(text, n) and not text[n.start:n.end].startswith(("百分之", "千分之")):
        return True
    return False


def _is_identifier(text: str, n: Number) -> bool:
    """Phone numbers, postcodes, document numbers, URLs, codes and dates written with dashes."""
    raw = text[n.start:n.end].translate(_FOLD)
    before, after = text[n.start - 1:n.start], text[n.end:n.end + 1]
    if before and before in _OPEN_BRACKETS and after and after in _CLOSE_BRACKETS:
        return True  # 〔2020〕, (三), (15395101094)
    if after in ("号", "#"):
        return True
    digits = raw.replace("-", "")
    if n.unit is None and digits.isdigit() and len(digits) >= 7 \
            and (digits[0] == "0" or (len(digits) == 11 and digits[0] == "1") or "-" in raw):
        return True
    if n.unit is None and _IDENTIFIER_CONTEXT.search(text, max(0, n.start - 12), n.start):
        return True
    # A token of Latin letters, digits and URL punctuation around the number.
    lo, hi = n.start, n.end
    while lo > 0 and _URL_CHARS.match(text[lo - 1]):
        lo -= 1
    while hi < len(text) and _URL_CHARS.match(text[hi]):
        hi += 1
    token = text[lo:hi]
    if re.search(r"[A-Za-z]{2,}|[/@]|[A-Za-z]\d|\d[A-Za-z]", token) and not re.fullmatch(r"[\d.,%]+", token):
        return True
    # Dates and codes: 2020-01-15, 10:30, 01/02 (a ratio is decided apart).
    if before and before in _CODE_SEPARATORS and n.start >= 2 and text[n.start - 2].translate(_FOLD).isdigit():
        return True
    if after and after in _CODE_SEPARATORS and n.end + 1 < len(text) and text[n.end + 1].translate(_FOLD).isdigit() \
            and after != ".":
        return True
    return False


def _is_enumerator(text: str, n: Number) -> bool:
    """1、 (三) 2. at the start of a line or text."""
    before = text[:n.start].rstrip(" \u3000\t(（")
    after = text[n.end:n.end + 1]
    return (not before or before.endswith("\n")) and after in ("、", ".", "．", ")", "）", " ", "")


def _is_quantity(text: str, n: Number) -> bool:
    """Does this number state an amount on its own (with a unit, as 百分之X, or before a clause end)?"""
    if _is_identifier(text, n) or _is_calendar(text, n):
        return False
    if n.unit is not None:
        return True
    if _is_enumerator(text, n):
        return False
    if n.parsed.unit is not None:
        return True  # 百分之四十
    rest = text[n.end:].lstrip(" \u3000")
    return not rest or rest[0] in "，,；;。！？!?）)\n" or rest.startswith(tuple(QUALIFIERS_AFTER[:3]))


def _mark_ratios(text: str, numbers: list[Number]) -> None:
    """6.01:55.04:38.95: three or more numbers joined by colons, or decimals on both sides."""
    run: list[Number] = []

    def close():
        if len(run) >= 3 or (len(run) == 2 and all("." in text[x.start:x.end] for x in run)):
            for x in run:
                if x.unit is None:
                    x.keep = True
        run.clear()

    for n in numbers:
        if run and text[run[-1].end:n.start] in (":", "：") and run[-1].unit is None:
            run.append(n)
        else:
            close()
            run.append(n)
    close()
