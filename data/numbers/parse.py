"""Read a whole VALUE span text (ANNOTATION.md) into a number: :func:`parse_number`.

Arithmetic is done in ``decimal.Decimal`` and converted once at the end, so a value is an
``int`` when integral and otherwise the float nearest the written decimal.

>>> parse_number("500余万").approximate, parse_number("三分之一").unit
(True, None)
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from decimal import Decimal, localcontext
from typing import NamedTuple, Sequence

from govreport.data.numbers.chars import (
    APPROX, CN_NUMERALS, DIGITS, DIGIT_READING, FRACTION, MAGNITUDES, MIDDLE_DOTS, PARSE_TABLE,
    PERCENT_PREFIXES, PERCENT_SIGN_UNITS, POINT, RANGE_SEPARATORS, RATIO_COLONS, SIGNS, UNITS, ZEROS,
)

logger = logging.getLogger(__name__)

_ARABIC = r"(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?"
_ARABIC_WHOLE = re.compile(rf"{_ARABIC}|\.[0-9]+")
_SECTION_TOKEN = re.compile(rf"(?P<arabic>{_ARABIC})|(?P<char>.)", re.S)

# Plain ASCII digits with at most one decimal point, read straight by Decimal.
_PLAIN = re.compile(r"[0-9]{1,30}(?:\.[0-9]{1,30})?")
_MAX_LEN = 80  # a VALUE span is short; the cap keeps every input cheap to reject
_DOT_POINT = re.compile(rf"(?<=[0-9])[{MIDDLE_DOTS}](?=[0-9])")
# Spaces on one line, as a PDF reader writes them between Arabic digits and Chinese characters.
_SPACES = "[ \t\u00a0\u3000]"
_LINE_SPACES = re.compile(f"{_SPACES}+")
_ARABIC_DIGITS = frozenset("0123456789０１２３４５６７８９")
_DIGIT = "0-9０-９"
_MAGNITUDE = "".join(sorted(MAGNITUDES))
# digits after a magnitude that are no year (2 亿 2023 年 is not 2亿2023)
_MAGNITUDE_DIGITS = re.compile(f"[{_MAGNITUDE}]{_SPACES}*[{_DIGIT}]+(?![{_DIGIT}.．]|{_SPACES}*年)")
_ENDS_DIGITS_MAGNITUDE = re.compile(f"[{_DIGIT}]{_SPACES}*[{_MAGNITUDE}]\\Z")
_ENDS_MAGNITUDE_DIGITS = re.compile(f"[{_MAGNITUDE}]{_SPACES}*[{_DIGIT}][{_DIGIT}.．]*\\Z")
_LOOK_BACK = 40  # how many characters before a space decide whether it stands inside a number


def join_reader_spaces(text: str) -> tuple[str, Sequence[int]]:
    """``text`` without the spaces a PDF reader puts inside a number, and for each character
    left its offset in ``text``.

    Word processors and PDF readers space Arabic digits apart from the Chinese characters
    beside them, and inside a number that cuts it into pieces: 3 分之 2, 千分之 4.9, 负 43.73,
    1252 万1300, 7 亿 5000 万. A space goes when it stands between digits and 分之 (either
    side), after a sign 负, or between digits and a magnitude inside a number: more digits
    (not a year) follow the magnitude, or a magnitude came before the digits. A space between two
    digits or at a decimal point (98. 5, 2 .7), or before a magnitude that ends a number
    (62857 万元), stays (docs/annotation.md).

    >>> join_reader_spaces("占 3 分之 2,增长负 43.73%")[0]
    '占 3分之2,增长负43.73%'
    >>> join_reader_spaces("收入 7 亿 5000 万元, 2 亿 2023 年")[0]
    '收入 7亿5000万元, 2 亿 2023 年'
    >>> join_reader_spaces("共 1252 万1300 条")[1][4:8]   # offsets: the space at 6 is gone
    [4, 5, 7, 8]
    """
    kept: list[int] = []
    pos = 0
    for run in _LINE_SPACES.finditer(text):
        start, end = run.span()
        if _joins(text, start, end):
            kept.extend(range(pos, start))
            pos = end
    if not pos:   # nothing joined (most texts): no list of offsets is built
        return text, range(len(text))
    kept.extend(range(pos, len(text)))
    return "".join(text[i] for i in kept), kept


def _joins(text: str, start: int, end: int) -> bool:
    """Whether the spaces ``text[start:end]`` stand inside one number (:func:`join_reader_spaces`)."""
    left, right = text[start - 1:start], text[end:end + 1]
    before = text[max(0, start - _LOOK_BACK):start]
    if left in _ARABIC_DIGITS:
        return (text.startswith(FRACTION, end)                                           # 3 分之
                or bool(_MAGNITUDE_DIGITS.match(text, end))                              # 1252 万1300
                or (right in MAGNITUDES and bool(_ENDS_MAGNITUDE_DIGITS.search(before))))  # 7 亿 5000 万
    if right in _ARABIC_DIGITS:
        return (before.endswith(FRACTION) or left in "负負"                               # 分之 2, 负 43.73
                or (bool(_ENDS_DIGITS_MAGNITUDE.search(before)) and bool(_MAGNITUDE_DIGITS.match(text, start - 1))))
    return False


class _NotANumber(ValueError):
    """Raised inside the parser with the reason a text is not a number."""


class _Reading(NamedTuple):
    low: Decimal
    high: Decimal | None = None  # set only for ranges
    approximate: bool = False
    unit: str | None = None


@dataclass(frozen=True)
class ParsedNumber:
    """The reading of one number text; ``ok=False`` (with ``error``) when it is not a number.

    ``value`` is the number, or the lower bound of a range (then ``value_min``/``value_max``
    hold both bounds). ``approximate`` marks a 余/多 suffix; ``unit`` is "%", "‰" or "‱" for
    百分之X/千分之X/万分之X or a trailing %/‰/‱ sign, else None. A fraction X分之Y is the
    number Y/X with unit None (三分之一 → 0.3333…): it states a share, not a rate per 100.

    >>> parse_number("百分之四十")
    ParsedNumber(ok=True, value=40, value_min=None, value_max=None, approximate=False, unit='%', error=None)
    """

    ok: bool
    value: int | float | None
    value_min: int | float | None = None
    value_max: int | float | None = None
    approximate: bool = False
    unit: str | None = None
    error: str | None = None


def parse_number(text: str) -> ParsedNumber:
    """Read a whole VALUE span text as a number, range or percentage; never raises.

    Handles Arabic (1,100 / 1，100 / ３２ / 1.57 / .5), Chinese (七十万, 一千二百零五, 二〇一八,
    五点八, financial 壹佰伍拾/肆佰陸拾, traditional 萬/億/兩), mixed (3万4000, 25万6千, 1.39亿),
    余/多 suffixes, 百分之X/千分之X/万分之X, a trailing %/‰/‱, fractions (三分之一, 16分之5),
    signs (-, 负) and ranges (3-5, 3至5, 两三, 十五六).

    >>> parse_number("1,100万").value
    11000000
    >>> parse_number("负3.9").value
    -3.9
    >>> parse_number("16分之5").value, parse_number("万分之三").unit
    (0.3125, '‱')
    >>> parse_number("统一").error
    "not a number: '统一' (unexpected character '统')"
    """
    if type(text) is str and _PLAIN.fullmatch(text):  # most VALUEs: 252, 49.9
        return ParsedNumber(True, _to_number(Decimal(text)))
    try:
        if not isinstance(text, str):
            return _failure(text, f"expected a string, got {type(text).__name__}")
        reading = _parse_text(text)
    except _NotANumber as err:
        return _failure(text, str(err))
    except Exception as err:  # the contract is "never raises"; a bug surfaces as an error text
        logger.debug("parse_number(%r) failed unexpectedly", text, exc_info=True)
        return _failure(text, f"internal error: {type(err).__name__}: {err}")
    value = _to_number(reading.low)
    if reading.high is None:
        return ParsedNumber(True, value, approximate=reading.approximate, unit=reading.unit)
    return ParsedNumber(True, value, value, _to_number(reading.high), reading.approximate, reading.unit)


def _failure(text: object, reason: str) -> ParsedNumber:
    shown = repr(text) if isinstance(text, str) and len(text) <= 40 else repr(text)[:40] + "…"
    return ParsedNumber(False, None, error=f"not a number: {shown} ({reason})")


def _to_number(d: Decimal) -> int | float:
    # int for integral values (also drops "-0"); float(Decimal) is correctly rounded, so
    # Decimal("1.57") becomes exactly the float literal 1.57.
    if d == d.to_integral_value():
        return int(d)
    return float(d)


def _parse_text(text: str) -> _Reading:
    s = _DOT_POINT.sub(".", text.translate(PARSE_TABLE)).strip()
    if not s:
        raise _NotANumber("empty")
    if len(s) > _MAX_LEN:
        raise _NotANumber(f"longer than {_MAX_LEN} characters")
    if any(c.isspace() for c in s):
        s = join_reader_spaces(s)[0]
    if any(c.isspace() for c in s):
        # 98. 5 or 1 2: which numbers a space between digits separates is not written
        raise _NotANumber("a space splits the text")
    if any(c in RATIO_COLONS for c in s):
        raise _NotANumber("a ratio is several numbers")
    with localcontext() as ctx:
        ctx.prec = 200  # exact for anything _MAX_LEN characters can write
        cut = _range_separator(s)
        if cut is None:
            return _parse_single(s)
        return _parse_range(s[:cut], s[cut + 1:])


def _range_separator(s: str) -> int | None:
    """Index of the separator of "3-5"/"3至5", skipping a leading sign."""
    for i in range(1, len(s)):
        if s[i] in RANGE_SEPARATORS and s[i - 1] not in RANGE_SEPARATORS and s[i - 1] not in SIGNS:
            return i
    return None


def _parse_range(left: str, right: str) -> _Reading:
    if not left or not right:
        raise _NotANumber("a range needs two bounds")
    hi = _parse_single(right)
    candidates = []
    # "3-5万" and "十至二十万" mean 3万-5万 and 十万-二十万: the magnitude written once
    # after the upper bound applies to both. Try that first, then the bounds as written.
    shared = _shared_magnitude(left, right)
    if shared:
        candidates.append(left + shared)
    candidates.append(left)
    for candidate in candidates:
        try:
            lo = _parse_single(candidate)
        except _NotANumber:
            continue
        if lo.high is not None or hi.high is not None:
            raise _NotANumber("a range bound is itself a range")
        if lo.unit and hi.unit and lo.unit != hi.unit:
            raise _NotANumber("range bounds have different units")
        if lo.low < hi.low:
            return _Reading(lo.low, hi.low, lo.approximate or hi.approximate, lo.unit or hi.unit)
    raise _NotANumber("range bounds are not in increasing order")


def _shared_magnitude(left: str, right: str) -> str:
    core = right.rstrip("%‰‱")
    tail = len(core) - len(core.rstrip("万萬亿億"))
    mags = core[len(core) - tail:]
    if mags and not any(c in MAGNITUDES for c in left):
        return mags
    # 千/百 are shared only by a bare left bound ("3至5千"); "十五至二十千" is not a form.
    tail = len(core) - len(core.rstrip("千仟百佰"))
    if tail == 1 and not any(c in UNITS or c in MAGNITUDES for c in left):
        return core[-1]
    return ""


def _parse_single(s: str) -> _Reading:
    negative = False
    if s and s[0] in SIGNS:
        negative = s[0] != "+"
        s = s[1:]
    unit = None
    for prefix, prefix_unit in PERCENT_PREFIXES.items():
        if s.startswith(prefix):
            unit, s = prefix_unit, s[len(prefix):]
            break
    if s and s[-1] in PERCENT_SIGN_UNITS:
        if unit:
            raise _NotANumber("both 百分之 and a percent sign")
        unit, s = PERCENT_SIGN_UNITS[s[-1]], s[:-1]
    if not s:
        raise _NotANumber("no digits")
    s, approximate = _strip_approximation(s)
    low, high = _parse_core(s)
    if negative:
        low, high = (-high, -low) if high is not None else (-low, None)
    return _Reading(low, high, approximate, unit)


def _strip_approximation(s: str) -> tuple[str, bool]:
    """Drop one 余/多 written after the number and before any 万/亿 (500余万 → 500万)."""
    positions = [i for i, c in enumerate(s) if c in APPROX]
    if not positions:
        return s, False
    if len(positions) > 1:
        raise _NotANumber("more than one 余/多")
    i = positions[0]
    if i == 0:
        raise _NotANumber(f"{s[0]} before any digit")
    if any(c not in MAGNITUDES for c in s[i + 1:]):
        raise _NotANumber(f"digits after {s[i]}")
    return s[:i] + s[i + 1:], True


_RANGE_DIGITS = "一二两兩三四五六七八九"
_UNIT_CHARS = "".join(UNITS) + "".join(MAGNITUDES)
# Two adjacent digits meaning "a or b" (两三个, 七八家, 十五六, 三四十万): a prefix that ends
# in a unit, the pair, then units. A prefix not ending in a unit (二〇二三) is a digit reading.
_ADJACENT_RANGE = re.compile(
    rf"(?P<pre>[{''.join(CN_NUMERALS)}]*[{_UNIT_CHARS}])?"
    rf"(?P<a>[{_RANGE_DIGITS}])(?P<b>[{_RANGE_DIGITS}])(?P<post>[{_UNIT_CHARS}]*)"
)


def _is_adjacent_pair(a: int, b: int) -> bool:
    return b == a + 1 or (a, b) == (3, 5)  # 三五 (three to five) is the one idiomatic gap


def _parse_core(s: str) -> tuple[Decimal, Decimal | None]:
    """Value (or range bounds) of an unsigned number without 余/多 or percent marks."""
    if s in ("半", "一半"):
        return Decimal("0.5"), None
    if FRACTION in s:
        return _fraction(s), None
    if _ARABIC_WHOLE.fullmatch(s):
        return _arabic(s), None
    m = _ADJACENT_RANGE.fullmatch(s)
    if m and _is_adjacent_pair(DIGITS[m["a"]], DIGITS[m["b"]]):
        pre, post = m["pre"] or "", m["post"]
        return _parse_core(pre + m["a"] + post)[0], _parse_core(pre + m["b"] + post)[0]
    if len(s) >= 2 and all(c in DIGIT_READING for c in s):
        return Decimal("".join(str(DIGITS[c]) for c in s)), None
    if s.count(POINT) > 1:
        raise _NotANumber("more than one 点")
    if POINT in s:
        return _chinese_decimal(*s.split(POINT)), None
    return _integer(s), None


def _fraction(s: str) -> Decimal:
    """X分之Y as Y/X: 三分之一, 16分之5, 三千分之一 (the denominator comes first)."""
    denominator, _, numerator = s.partition(FRACTION)
    if not denominator or not numerator:
        raise _NotANumber("分之 needs a number on both sides")
    if FRACTION in numerator:
        raise _NotANumber("more than one 分之")
    den, den_high = _parse_core(denominator)
    num, num_high = _parse_core(numerator)
    if den_high is not None or num_high is not None:
        raise _NotANumber("a fraction of ranges")
    if den <= 0 or den != den.to_integral_value():
        raise _NotANumber("a fraction needs a whole denominator above zero")
    return num / den


def _arabic(s: str) -> Decimal:
    return Decimal(s.replace(",", ""))


# After 点 each digit is read alone (三点一四), so 两 never appears there.
_FRACTION_DIGITS = {c: d for c, d in DIGITS.items() if c not in "两兩倆俩"}


def _chinese_decimal(whole: str, rest: str) -> Decimal:
    """三点五, 两千万点五五四四, 三点五万: fraction digits, then optional 万/亿 for the whole."""
    mags = rest[len(rest.rstrip("万萬亿億")):]
    digits = rest[: len(rest) - len(mags)]
    if not whole or not digits:
        raise _NotANumber("点 needs digits on both sides")
    if not all(c in _FRACTION_DIGITS or "0" <= c <= "9" for c in digits):
        raise _NotANumber("digits after 点 must be read one by one")
    if mags and any(c in MAGNITUDES for c in whole):
        raise _NotANumber("magnitude both before and after 点")
    fraction = Decimal("0." + "".join(str(_FRACTION_DIGITS.get(c, c)) for c in digits))
    value = _integer(whole) + fraction
    for c in mags:
        value *= MAGNITUDES[c]
    return value


def _integer(s: str) -> Decimal:
    """Chinese or mixed integer (possibly an Arabic decimal before 万/亿), split at the last
    亿, then the last 万: "四万万" is (四万)×万 and "一万五千亿" is (一万五千)×亿."""
    if not s:
        raise _NotANumber("no digits")
    for chars in ("亿億", "万萬"):
        cut = max(s.rfind(c) for c in chars)
        if cut < 0:
            continue
        left, right = s[:cut], s[cut + 1:]
        if not left:
            raise _NotANumber(f"{s[cut]} without a number before it")
        magnitude = MAGNITUDES[s[cut]]
        # 万亿 is one compound magnitude (a trillion), as 百亿 and 千亿 are read with their 百 and 千
        high = Decimal(MAGNITUDES[left]) if left in ("万", "萬") and magnitude > MAGNITUDES[left] else _integer(left)
        low = _remainder(right, magnitude)
        if low and high != high.to_integral_value():
            raise _NotANumber("digits after a decimal with a magnitude")
        return high * magnitude + low
    return _section(s)


def _remainder(s: str, magnitude: int) -> Decimal:
    """The part after 万/亿: "零六" is 6, a lone digit is one place down (一万三 = 13000)."""
    if not s:
        return Decimal(0)
    if s[0] in ZEROS:
        rest = s.lstrip("".join(ZEROS))
        if not rest:
            raise _NotANumber("trailing 零")
        value = _integer(rest)
    elif len(s) == 1 and (s in DIGITS or s in "123456789"):
        value = Decimal(DIGITS.get(s, s)) * magnitude / 10
    else:
        value = _integer(s)
    if value >= magnitude:
        raise _NotANumber("the part after a magnitude is too large")
    return value


def _section(s: str) -> Decimal:
    """A number below the magnitudes: digits with 十/百/千 (一千二百零五, 1千零20, 51313百)."""
    if s in ZEROS:
        return Decimal(0)
    total = Decimal(0)
    pending: Decimal | None = None
    pending_is_digit = False  # one digit, so "四百五" may mean 450
    last_unit: int | None = None
    zero_since_unit = False
    for m in _SECTION_TOKEN.finditer(s):
        if m["arabic"]:
            if pending is not None:
                raise _NotANumber("two numbers side by side")
            if "." in m["arabic"] and (last_unit is not None or zero_since_unit):
                raise _NotANumber("a decimal after a unit")
            pending = _arabic(m["arabic"])
            pending_is_digit = len(m["arabic"]) == 1
            continue
        c = m["char"]
        if c in ZEROS:
            if pending is not None:
                raise _NotANumber("零 after a digit")
            zero_since_unit = True
        elif c in DIGITS:
            if pending is not None:
                raise _NotANumber("two digits side by side")
            pending, pending_is_digit = Decimal(DIGITS[c]), True
        elif c in UNITS:
            unit = UNITS[c]
            if last_unit is not None and unit >= last_unit:
                raise _NotANumber(f"{c} out of order")
            if pending is None:
                # A bare unit counts one of it only first (十二, 百) or after 零 (一百零十万).
                if last_unit is not None and not zero_since_unit:
                    raise _NotANumber(f"{c} without a digit")
                pending = Decimal(1)
            total += pending * unit
            pending, last_unit, zero_since_unit = None, unit, False
        else:
            raise _NotANumber(f"unexpected character {c!r}")
    if pending is not None:
        if last_unit is not None and last_unit >= 100 and not zero_since_unit and pending_is_digit:
            total += pending * last_unit / 10  # 四百五 = 450, 一千陆 = 1600, 百三 = 130
        else:
            if last_unit is not None and pending >= last_unit:
                raise _NotANumber("digits after a unit are too large")
            total += pending
    elif zero_since_unit:
        raise _NotANumber("trailing 零")
    return total
