"""The qualifier of a value (约, 近, 超过, 以上, 内 ...), read from the free text around it.

The words are :data:`data.lexicon.QUALIFIERS_BEFORE` (written before the value) and
:data:`data.lexicon.QUALIFIERS_AFTER` (after the value and its unit), in simplified or
traditional script; a qualifier is given as written.

>>> find_qualifier("浏览量接近七十万次", 3, Span(5, 8, "VALUE"), 9, 9, "次")
'接近'
"""

from __future__ import annotations

import re

from govreport.data.lexicon import QUALIFIERS_AFTER, QUALIFIERS_BEFORE
from govreport.data.schema import Span
from govreport.data.text import TO_SIMPLIFIED

__all__ = ["find_qualifier", "BEFORE_PATTERN"]

def _forms() -> dict[str, str]:
    """Each simplified character and its traditional forms (约: 約), so that reports in traditional
    script get their qualifiers too (以內, 不超過, 將近, 不低於); a qualifier is given as written."""
    forms: dict[str, str] = {}
    for traditional, simple in TO_SIMPLIFIED.items():
        if traditional != simple:
            forms[chr(simple)] = forms.get(chr(simple), chr(simple)) + chr(traditional)
    return forms


_FORMS = _forms()


def _word_pattern(word: str) -> str:
    return "".join(f"[{_FORMS[c]}]" if c in _FORMS else re.escape(c) for c in word)


_QUAL_BEFORE = tuple(sorted(QUALIFIERS_BEFORE, key=len, reverse=True))
_QUAL_AFTER = tuple(sorted(QUALIFIERS_AFTER, key=len, reverse=True))
# A qualifier written before a value, as a regular expression alternation, longest first
# (inference.linking lets one stand between the members of a list).
BEFORE_PATTERN = "|".join(_word_pattern(w) for w in _QUAL_BEFORE)

# A one-character qualifier that is really the end of a word (最近, 节约, 赶超).
_NOT_QUALIFIER_AFTER = {
    "近": frozenset("最附邻靠亲远就临贴"),
    "约": frozenset("节制签预合契履公条特相违集简缔"),
    "超": frozenset("赶高"),
}
# 内 qualifies a duration only (5个工作日内, 30日内), not 3个县内.
_DURATION_ENDINGS = ("天", "日", "月", "年", "时", "钟", "周", "秒", "工作日", "星期")


def find_qualifier(text: str, lo: int, value: Span, tail: int, hi: int, unit: str | None) -> str | None:
    """The qualifier of a value, read from the free text around it.

    ``text[lo:value.start]`` is the text between the previous span (or the clause start)
    and the value; ``text[tail:hi]`` the text after the value and its unit, up to the next
    span or clause end. A word before the value wins over one after.

    >>> text = "浏览量接近七十万次"
    >>> find_qualifier(text, 3, Span(5, 8, "VALUE"), 9, 9, "次")
    '接近'
    >>> find_qualifier("在5个工作日内办结", 1, Span(1, 2, "VALUE"), 6, 9, "个工作日")
    '内'
    >>> find_qualifier("最近3天", 0, Span(2, 3, "VALUE"), 4, 4, "天") is None
    True
    """
    written = text[lo:value.start].rstrip()
    before = written.translate(TO_SIMPLIFIED)
    for word in _QUAL_BEFORE:
        if before.endswith(word):
            prev = before[-len(word) - 1] if len(before) > len(word) else ""
            if len(word) == 1 and prev in _NOT_QUALIFIER_AFTER.get(word, ()):
                continue
            return written[len(written) - len(word):]
    written = text[tail:hi].lstrip()
    after = written.translate(TO_SIMPLIFIED)
    for word in _QUAL_AFTER:
        if after.startswith(word):
            if word == "内" and not (unit and unit.translate(TO_SIMPLIFIED).endswith(_DURATION_ENDINGS)):
                continue
            return written[:len(word)]
    return None
