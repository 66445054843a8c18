"""Find the numbers of running text (a rule baseline's side): :func:`find_numbers`.

Ordinals, numerals inside words and identifiers are skipped:

>>> text = "第一批统一公布三条，PM2.5下降12%"
>>> [text[s:e] for s, e, _ in find_numbers(text)]
['三', '12']
"""

from __future__ import annotations

import logging
import re

from govreport.data.numbers.chars import (
    APPROX, CN_NUMERALS, DIGIT_READING, FINANCIAL, FIND_TABLE, FRACTION, MAGNITUDES, MEASURE_WORDS,
    ORDINARY_UNLESS_BEFORE, ORDINARY_WORDS, PERCENT_PREFIXES, POINT, RANGE_SEPARATORS, SIGNS, UNITS,
    UNIT_PREFIXED,
)
from govreport.data.numbers.parse import ParsedNumber, parse_number

logger = logging.getLogger(__name__)

# Longest number find_numbers tries. No number in report prose is longer (the longest
# Chinese forms, 一千二百三十四万五千六百七十八亿零九百万, stay under 30 characters), and the
# bound keeps its work per position constant, so a scan is linear in the text's length even
# across a run of 100,000 numerals (a longer stretch of numerals is cut into numbers of at
# most this length, or none).
_FIND_MAX_LEN = 40

_NUMERAL_CLASS = "0-9" + "".join(sorted(CN_NUMERALS))
_ORDINARY_RE = re.compile(
    "|".join(
        (f"(?<![{_NUMERAL_CLASS}])" if w[0] in CN_NUMERALS else "") + re.escape(w)
        + (f"(?!{re.escape(ORDINARY_UNLESS_BEFORE[w])})" if w in ORDINARY_UNLESS_BEFORE else "")
        for w in sorted(ORDINARY_WORDS, key=len, reverse=True)
    )
)
_THOUSANDS = re.compile(r",[0-9]{3}(?![0-9])")
_LETTERS_THEN_DIGIT = re.compile(r"[A-Za-z]+[0-9]")


def find_numbers(text: str) -> list[tuple[int, int, ParsedNumber]]:
    """Find number substrings in running text as ``(start, end, parse)``, end exclusive.

    Spans are maximal (3000余, 500余万, 1.39亿, 百分之四十, 3-5, 两三) and never overlap.
    A trailing %/‰ stays outside (it is a UNIT span). Heuristics, for a rule baseline:
    numerals inside ordinary words (ORDINARY_WORDS: 统一, 一些, 万一, 十分 ...) and
    ordinals (第一, 第20) are skipped; a lone Chinese numeral, a run of bare units/
    magnitudes (百, 千万) or an adjacent-digit range counts only before a measure word
    (三条, 近百家, 两三个); a lone financial numeral (陆地, 队伍) never counts; Arabic digits
    after a Latin letter or before letters-then-digits (H5N1, PM2.5) are skipped, while
    Latin units stay (40mm); the full-width comma never groups digits.
    Years, dates and codes are returned: excluding them is the caller's job. Never raises.

    >>> [text[s:e] for text in ["发布工作动态252条，浏览量接近七十万次，提高百分之四十"]
    ...  for s, e, _ in find_numbers(text)]
    ['252', '七十万', '百分之四十']
    """
    try:
        if not isinstance(text, str):
            return []
        return _find(text)
    except Exception:  # the contract is "never raises"
        logger.warning("find_numbers failed on a text of %d characters", len(text), exc_info=True)
        return []


def _find(text: str) -> list[tuple[int, int, ParsedNumber]]:
    s = text.translate(FIND_TABLE)
    blocked = [False] * len(s)
    for m in _ORDINARY_RE.finditer(s):
        for i in range(m.start(), m.end()):
            blocked[i] = True
    found = []
    i = 0
    while i < len(s):
        if blocked[i] or not _can_start(s, i):
            i += 1
            continue
        end = _best_end(text, s, i, _extend(s, i, blocked))
        if end is None:
            i += 1
            continue
        if i > 0 and s[i - 1] == "第":
            i = end  # an ordinal (第一, 第20届) is never a cardinal; skip it whole
            continue
        found.append((i, end, parse_number(text[i:end])))
        i = end
    return found


def _is_num_char(c: str) -> bool:
    return "0" <= c <= "9" or c in CN_NUMERALS


def _percent_prefix_at(s: str, i: int) -> int:
    for prefix in PERCENT_PREFIXES:
        if s.startswith(prefix, i) and i + len(prefix) < len(s) and _is_num_char(s[i + len(prefix)]):
            return len(prefix)
    return 0


def _can_start(s: str, i: int) -> bool:
    c = s[i]
    if _is_num_char(c) or _percent_prefix_at(s, i):
        return True
    if c == "." and i + 1 < len(s) and s[i + 1].isdigit():
        # A leading-point decimal (.5); after a digit, letter or point it is part of another token.
        prev = s[i - 1] if i else ""
        return not (prev.isdigit() or _is_latin(prev) or prev == ".")
    if c in "-负負" and i + 1 < len(s) and _is_num_char(s[i + 1]):
        # A minus after a digit, letter or % is a hyphen (2020-01, COVID-19), not a sign.
        prev = s[i - 1] if i else ""
        return c != "-" or not prev or not (_is_num_char(prev) or _is_latin(prev) or prev in "%.")
    return False


def _extend(s: str, i: int, blocked: list[bool]) -> int:
    """End of the longest stretch at ``i`` made of number characters (not yet validated).

    The stretch stops at ``i + _FIND_MAX_LEN``: :func:`_best_end` never looks further, and
    scanning a long run of numerals to its end from each of its positions took time
    quadratic in its length.
    """
    limit = min(len(s), i + _FIND_MAX_LEN)
    j = i
    if s[j] in "-负負":
        j += 1
    j = _body(s, j + _percent_prefix_at(s, j), blocked, limit)
    if j + 1 < limit and s[j] in RANGE_SEPARATORS and not blocked[j + 1]:
        k = j + 1
        if s[k] in "负負" and k + 1 < len(s) and _is_num_char(s[k + 1]):
            k += 1
        k += _percent_prefix_at(s, k)
        if k < len(s) and _is_num_char(s[k]) and not blocked[k]:
            j = _body(s, k, blocked, limit)
    return j


def _body(s: str, j: int, blocked: list[bool], limit: int) -> int:
    start = j
    limit = max(limit, j)
    seen_approx = False
    while j < limit and not blocked[j]:
        c = s[j]
        prev = s[j - 1] if j > start else ""
        nxt = s[j + 1] if j + 1 < len(s) else ""
        if _is_num_char(c):
            j += 1
        elif c == "," and prev.isdigit() and _THOUSANDS.match(s, j):
            j += 1
        elif c == "." and (prev.isdigit() or j == start) and nxt.isdigit():
            j += 1
        elif (c == FRACTION[0] and nxt == FRACTION[1] and _is_num_char(prev) and j + 2 < len(s)
              and _is_num_char(s[j + 2]) and not blocked[j + 2] and FRACTION not in s[start:j]):
            j += 2  # X分之Y: the fraction is one number (三分之一, 16分之5)
        elif c == POINT and prev in CN_NUMERALS and (nxt in DIGIT_READING or "0" <= nxt <= "9"):
            j += 1
        elif c in APPROX and _is_num_char(prev) and not seen_approx:
            seen_approx = True
            j += 1
        elif c == "半" and s[start:j] == "一":
            return j + 1
        else:
            break
    return j


def _best_end(text: str, s: str, i: int, j: int) -> int | None:
    """The longest end in (i, j] whose substring parses and passes the find heuristics."""
    for end in range(min(j, i + _FIND_MAX_LEN), i, -1):
        if s[end - 1] in RANGE_SEPARATORS or s[end - 1] in ",.点负負-":
            continue
        parsed = parse_number(text[i:end])
        if parsed.ok and _plausible(s, i, end, parsed):
            return end
    return None


def _plausible(s: str, i: int, end: int, parsed: ParsedNumber) -> bool:
    span = s[i:end]
    before = s[i - 1] if i > 0 else ""
    after = s[end] if end < len(s) else ""
    has_arabic = any("0" <= c <= "9" for c in span)
    if has_arabic:
        if before.isdigit() or after.isdigit() or (before == "." and i >= 2 and s[i - 2].isdigit()):
            return False  # a cut inside a longer digit run that was itself rejected
        if _is_latin(before) or (_is_latin(after) and _LETTERS_THEN_DIGIT.match(s, end)):
            return False  # H5N1, PM2.5, GB2312: identifiers (but 40mm, 39KB are numbers)
        if span[-1] in "千百仟佰" and after in UNIT_PREFIXED:
            return False
        if span[-1] in "百佰" and after == "分":
            return False  # 30百分点, 4.6百分比: 百 opens the unit, it is no magnitude
        return True
    if _percent_prefix_at(s, i) or (span[0] in SIGNS and _percent_prefix_at(s, i + 1)):
        return True
    if before.isdigit():
        return False  # 5千米: the Arabic part was refused, its Chinese tail is no number
    core = "".join(c for c in span if c not in APPROX and c not in SIGNS)
    if len(core) == 1 and core in FINANCIAL:
        return False
    if len(core) == 2 and all(c in DIGIT_READING for c in core) and parsed.value_max is None:
        return False  # 一一, 九九: two digits read one by one are too often words
    adjacent_range = parsed.value_max is not None and not any(c in RANGE_SEPARATORS for c in core)
    weak = len(core) == 1 or all(c in UNITS or c in MAGNITUDES for c in core) or adjacent_range
    return not weak or s.startswith(MEASURE_WORDS, end)


def _is_latin(c: str) -> bool:
    return c.isascii() and c.isalpha()
