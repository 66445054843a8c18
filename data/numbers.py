"""Parse, render and find the numbers of Chinese report prose (the one shared number parser).

``parse_number`` reads a whole VALUE span text (ANNOTATION.md) into a number,
``format_number`` writes a number in a named surface style (the data generator's side)
and ``find_numbers`` scans running text for number substrings (a rule baseline's side).
Arithmetic is done in ``decimal.Decimal`` and converted once at the end, so a value is an
``int`` when integral and otherwise the float nearest the written decimal (no 0.1+0.2
artefacts).

>>> parse_number("1.39亿").value
139000000
>>> p = parse_number("500余万")
>>> p.value, p.approximate
(5000000, True)
>>> r = parse_number("两三")
>>> r.value, r.value_min, r.value_max
(2, 2, 3)
>>> format_number(256000, "mixed_qian")
'25万6千'
>>> [(s, e, p.value) for s, e, p in find_numbers("统一零售价为3000余元")]
[(6, 11, 3000)]
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from decimal import Decimal, localcontext
from fractions import Fraction
from typing import NamedTuple

from data.text import FULLWIDTH_DIGITS, PERCENT_SIGNS

logger = logging.getLogger(__name__)

__all__ = ["ParsedNumber", "parse_number", "format_number", "STYLES", "find_numbers", "NUMERAL_CHARS"]


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


# --------------------------------------------------------------------------------------
# Character tables
# --------------------------------------------------------------------------------------

# Simplified, traditional and financial (大写) forms. 两/兩/倆/俩 are "two" before a unit.
_DIGITS: dict[str, int] = {
    "零": 0, "〇": 0,
    "一": 1, "壹": 1,
    "二": 2, "贰": 2, "貳": 2, "两": 2, "兩": 2, "倆": 2, "俩": 2,
    "三": 3, "叁": 3, "參": 3,
    "四": 4, "肆": 4,
    "五": 5, "伍": 5,
    "六": 6, "陆": 6, "陸": 6,
    "七": 7, "柒": 7,
    "八": 8, "捌": 8,
    "九": 9, "玖": 9,
}
_ZEROS = frozenset("零〇")
_UNITS: dict[str, int] = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
_MAGNITUDES: dict[str, int] = {"万": 10**4, "萬": 10**4, "亿": 10**8, "億": 10**8}
_CN_NUMERALS = frozenset(_DIGITS) | frozenset(_UNITS) | frozenset(_MAGNITUDES)
# Characters used when a number is read digit by digit (二〇一八); 两 never is.
_DIGIT_READING = frozenset("零〇一二三四五六七八九")
# Financial forms double as ordinary word characters (陆地, 队伍, 收拾), so find_numbers
# never accepts one of them standing alone.
_FINANCIAL = frozenset("壹贰貳叁參肆伍陆陸柒捌玖拾佰仟")
_SIGNS = frozenset("-+负負")
_APPROX = frozenset("余餘多")  # 餘: traditional script
_POINT = "点"
# Every character a number written in Chinese numerals is made of (七十万, 三千余, 三点五).
NUMERAL_CHARS = _CN_NUMERALS | _APPROX | {_POINT}
_RANGE_SEPARATORS = frozenset("-—–―~～〜至到")
_PERCENT_PREFIXES: dict[str, str] = {"百分之": "%", "佰分之": "%", "千分之": "‰", "仟分之": "‰",
                                     "万分之": "‱", "萬分之": "‱"}
_PERCENT_SIGNS: dict[str, str] = {"%": "%", "‰": "‰", "‱": "‱"}
# X分之Y (三分之一, 16分之5) is the fraction Y/X; 百分之/千分之/万分之 are read as rates first.
_FRACTION = "分之"

# One character in, one character out, so offsets into the normalised copy are offsets
# into the original text (STYLE.md rule 4).
_COMMON_MAP = {**FULLWIDTH_DIGITS, **PERCENT_SIGNS}
_COMMON_MAP.update({"．": ".", "－": "-", "−": "-", "＋": "+", "點": "点", "○": "〇"})
_PARSE_TABLE = str.maketrans({**_COMMON_MAP, "，": ","})
# find_numbers keeps the full-width comma: in running Chinese text it separates clauses
# (受理52件，151件已办结) far more often than it groups thousands.
_FIND_TABLE = str.maketrans(_COMMON_MAP)

_ARABIC = r"(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?"
_ARABIC_WHOLE = re.compile(rf"{_ARABIC}|\.[0-9]+")
_SECTION_TOKEN = re.compile(rf"(?P<arabic>{_ARABIC})|(?P<char>.)", re.S)

# Plain ASCII digits with at most one decimal point, read straight by Decimal.
_PLAIN = re.compile(r"[0-9]{1,30}(?:\.[0-9]{1,30})?")
_MAX_LEN = 80  # a VALUE span is short; the cap keeps every input cheap to reject
# Longest number find_numbers tries. No number in report prose is longer (the longest
# Chinese forms, 一千二百三十四万五千六百七十八亿零九百万, stay under 30 characters), and the
# bound keeps its work per position constant, so a scan is linear in the text's length even
# across a run of 100,000 numerals (a longer stretch of numerals is cut into numbers of at
# most this length, or none).
_FIND_MAX_LEN = 40


class _NotANumber(ValueError):
    """Raised inside the parser with the reason a text is not a number."""


class _Reading(NamedTuple):
    low: Decimal
    high: Decimal | None = None  # set only for ranges
    approximate: bool = False
    unit: str | None = None


# --------------------------------------------------------------------------------------
# parse_number
# --------------------------------------------------------------------------------------


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
    s = text.translate(_PARSE_TABLE).strip()
    if not s:
        raise _NotANumber("empty")
    if len(s) > _MAX_LEN:
        raise _NotANumber(f"longer than {_MAX_LEN} characters")
    if any(c.isspace() for c in s):
        # Recognizers-Text joins "7 万5 千"; a span never contains a space (ANNOTATION.md).
        raise _NotANumber("a space splits the text")
    if ":" in s or "：" in s:
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
        if s[i] in _RANGE_SEPARATORS and s[i - 1] not in _RANGE_SEPARATORS and s[i - 1] not in _SIGNS:
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
    if mags and not any(c in _MAGNITUDES for c in left):
        return mags
    # 千/百 are shared only by a bare left bound ("3至5千"); "十五至二十千" is not a form.
    tail = len(core) - len(core.rstrip("千仟百佰"))
    if tail == 1 and not any(c in _UNITS or c in _MAGNITUDES for c in left):
        return core[-1]
    return ""


def _parse_single(s: str) -> _Reading:
    negative = False
    if s and s[0] in _SIGNS:
        negative = s[0] != "+"
        s = s[1:]
    unit = None
    for prefix, prefix_unit in _PERCENT_PREFIXES.items():
        if s.startswith(prefix):
            unit, s = prefix_unit, s[len(prefix):]
            break
    if s and s[-1] in _PERCENT_SIGNS:
        if unit:
            raise _NotANumber("both 百分之 and a percent sign")
        unit, s = _PERCENT_SIGNS[s[-1]], s[:-1]
    if not s:
        raise _NotANumber("no digits")
    s, approximate = _strip_approximation(s)
    low, high = _parse_core(s)
    if negative:
        low, high = (-high, -low) if high is not None else (-low, None)
    return _Reading(low, high, approximate, unit)


def _strip_approximation(s: str) -> tuple[str, bool]:
    """Drop one 余/多 written after the number and before any 万/亿 (500余万 → 500万)."""
    positions = [i for i, c in enumerate(s) if c in _APPROX]
    if not positions:
        return s, False
    if len(positions) > 1:
        raise _NotANumber("more than one 余/多")
    i = positions[0]
    if i == 0:
        raise _NotANumber(f"{s[0]} before any digit")
    if any(c not in _MAGNITUDES for c in s[i + 1:]):
        raise _NotANumber(f"digits after {s[i]}")
    return s[:i] + s[i + 1:], True


_RANGE_DIGITS = "一二两兩三四五六七八九"
_UNIT_CHARS = "".join(_UNITS) + "".join(_MAGNITUDES)
# Two adjacent digits meaning "a or b" (两三个, 七八家, 十五六, 三四十万): a prefix that ends
# in a unit, the pair, then units. A prefix not ending in a unit (二〇二三) is a digit reading.
_ADJACENT_RANGE = re.compile(
    rf"(?P<pre>[{''.join(_CN_NUMERALS)}]*[{_UNIT_CHARS}])?"
    rf"(?P<a>[{_RANGE_DIGITS}])(?P<b>[{_RANGE_DIGITS}])(?P<post>[{_UNIT_CHARS}]*)"
)


def _is_adjacent_pair(a: int, b: int) -> bool:
    return b == a + 1 or (a, b) == (3, 5)  # 三五 (three to five) is the one idiomatic gap


def _parse_core(s: str) -> tuple[Decimal, Decimal | None]:
    """Value (or range bounds) of an unsigned number without 余/多 or percent marks."""
    if s in ("半", "一半"):
        return Decimal("0.5"), None
    if _FRACTION in s:
        return _fraction(s), None
    if _ARABIC_WHOLE.fullmatch(s):
        return _arabic(s), None
    m = _ADJACENT_RANGE.fullmatch(s)
    if m and _is_adjacent_pair(_DIGITS[m["a"]], _DIGITS[m["b"]]):
        pre, post = m["pre"] or "", m["post"]
        return _parse_core(pre + m["a"] + post)[0], _parse_core(pre + m["b"] + post)[0]
    if len(s) >= 2 and all(c in _DIGIT_READING for c in s):
        return Decimal("".join(str(_DIGITS[c]) for c in s)), None
    if s.count(_POINT) > 1:
        raise _NotANumber("more than one 点")
    if _POINT in s:
        return _chinese_decimal(*s.split(_POINT)), None
    return _integer(s), None


def _fraction(s: str) -> Decimal:
    """X分之Y as Y/X: 三分之一, 16分之5, 三千分之一 (the denominator comes first)."""
    denominator, _, numerator = s.partition(_FRACTION)
    if not denominator or not numerator:
        raise _NotANumber("分之 needs a number on both sides")
    if _FRACTION in numerator:
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
_FRACTION_DIGITS = {c: d for c, d in _DIGITS.items() if c not in "两兩倆俩"}


def _chinese_decimal(whole: str, rest: str) -> Decimal:
    """三点五, 两千万点五五四四, 三点五万: fraction digits, then optional 万/亿 for the whole."""
    mags = rest[len(rest.rstrip("万萬亿億")):]
    digits = rest[: len(rest) - len(mags)]
    if not whole or not digits:
        raise _NotANumber("点 needs digits on both sides")
    if not all(c in _FRACTION_DIGITS or "0" <= c <= "9" for c in digits):
        raise _NotANumber("digits after 点 must be read one by one")
    if mags and any(c in _MAGNITUDES for c in whole):
        raise _NotANumber("magnitude both before and after 点")
    fraction = Decimal("0." + "".join(str(_FRACTION_DIGITS.get(c, c)) for c in digits))
    value = _integer(whole) + fraction
    for c in mags:
        value *= _MAGNITUDES[c]
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
        magnitude = _MAGNITUDES[s[cut]]
        high = _integer(left)
        low = _remainder(right, magnitude)
        if low and high != high.to_integral_value():
            raise _NotANumber("digits after a decimal with a magnitude")
        return high * magnitude + low
    return _section(s)


def _remainder(s: str, magnitude: int) -> Decimal:
    """The part after 万/亿: "零六" is 6, a lone digit is one place down (一万三 = 13000)."""
    if not s:
        return Decimal(0)
    if s[0] in _ZEROS:
        rest = s.lstrip("".join(_ZEROS))
        if not rest:
            raise _NotANumber("trailing 零")
        value = _integer(rest)
    elif len(s) == 1 and (s in _DIGITS or s in "123456789"):
        value = Decimal(_DIGITS.get(s, s)) * magnitude / 10
    else:
        value = _integer(s)
    if value >= magnitude:
        raise _NotANumber("the part after a magnitude is too large")
    return value


def _section(s: str) -> Decimal:
    """A number below the magnitudes: digits with 十/百/千 (一千二百零五, 1千零20, 51313百)."""
    if s in _ZEROS:
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
        if c in _ZEROS:
            if pending is not None:
                raise _NotANumber("零 after a digit")
            zero_since_unit = True
        elif c in _DIGITS:
            if pending is not None:
                raise _NotANumber("two digits side by side")
            pending, pending_is_digit = Decimal(_DIGITS[c]), True
        elif c in _UNITS:
            unit = _UNITS[c]
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


# --------------------------------------------------------------------------------------
# format_number
# --------------------------------------------------------------------------------------

STYLES: tuple[str, ...] = (
    "arabic",       # any finite number: 1234, 12.5, -3.9
    "arabic_sep",   # any finite number: 1,234 / 1,234.5
    "fullwidth",    # any finite number: １２３４ / １２．５
    "chinese",      # |value| < 10**16: 一千二百三十四, 十二, 三点五, 负三点九
    "wan",          # |value| >= 10**4 with at most 4 decimals before 万/亿: 12.5万, 1.39亿
    "mixed",        # integers >= 10**4 not divisible by 10**4: 3万4000, 3万零400
    "mixed_qian",   # integers >= 10**4 with a non-zero whole thousand below 万: 25万6千
    "percent",      # any finite number: 49.9% (unit "%")
    "percent_cn",   # as "chinese": 百分之四十 (unit "%")
    "permille_cn",  # as "chinese": 千分之五 (unit "‰")
    "digits_cn",    # integers >= 0 of one digit or at least three: 二〇一八 (two digits read as a range)
    # The forms issue 18 found the taggers missing; the generator uses them sparingly.
    "point_cn",        # non-integers, as "chinese": 五点八
    "leading_point",   # 0 < |value| < 1: .5
    "financial",       # integers, |value| < 10**16, in 大写 numerals: 壹佰伍拾, 壹拾贰
    "financial_trad",  # as "financial" in traditional script: 肆佰陸拾, 貳萬
    "traditional",     # as "chinese" in traditional script, 兩 opening 百/千/萬/億: 兩萬三千, 三點五
    "wan_trad",        # as "wan" with 萬/億: 12.5萬, 1.39億
    "fraction_cn",     # 0 < |value| < 1 equal to Y/X with X < 100: 三分之一 (parses to Y/X, unit None)
    "fraction",        # as "fraction_cn" in Arabic digits: 16分之5
    "permille_mixed",  # any finite number: 千分之2.4 (unit "‰")
    "permyriad_cn",    # as "chinese": 万分之三 (unit "‱")
    "permyriad_mixed", # any finite number: 万分之2.4 (unit "‱")
)

_FULLWIDTH = str.maketrans({**{str(d): chr(0xFF10 + d) for d in range(10)}, ".": "．", "-": "－"})
_CN_DIGIT_CHARS = "零一二三四五六七八九"
# Ordinary numerals to 大写 (simplified) and to traditional script, one character for one.
_TO_FINANCIAL = str.maketrans(dict(zip("一二三四五六七八九十百千", "壹贰叁肆伍陆柒捌玖拾佰仟")))
_TO_TRADITIONAL = str.maketrans({"万": "萬", "亿": "億", "点": "點", "负": "負", "贰": "貳", "陆": "陸"})
_FRACTION_MAX_DENOMINATOR = 99  # 三分之一, 16分之5; 一百分之七 would be written 百分之七


def format_number(value: int | float | Decimal, style: str) -> str:
    """Write ``value`` in a named style of STYLES; ValueError when the style cannot express it.

    Deterministic: one value and style give one text, and ``parse_number`` of that text
    gives the value back.

    >>> [format_number(1234, s) for s in ("arabic_sep", "fullwidth", "chinese")]
    ['1,234', '１２３４', '一千二百三十四']
    >>> format_number(139000000, "wan"), format_number(34000, "mixed"), format_number(40, "percent_cn")
    ('1.39亿', '3万4000', '百分之四十')
    """
    if style not in STYLES:
        raise ValueError(f"unknown style {style!r}; expected one of {STYLES}")
    d = _as_decimal(value)
    sign, d = ("-", -d) if d < 0 else ("", d)
    with localcontext() as ctx:
        ctx.prec = 200
        if style == "arabic":
            return sign + _plain(d)
        if style == "arabic_sep":
            whole, _, frac = _plain(d).partition(".")
            return sign + f"{int(whole):,}" + (f".{frac}" if frac else "")
        if style == "fullwidth":
            return (sign + _plain(d)).translate(_FULLWIDTH)
        if style == "percent":
            return sign + _plain(d) + "%"
        if style in ("chinese", "percent_cn", "permille_cn", "permyriad_cn"):
            prefix = {"chinese": "", "percent_cn": "百分之", "permille_cn": "千分之", "permyriad_cn": "万分之"}[style]
            return ("负" if sign else "") + prefix + _chinese(d)
        if style in ("permille_mixed", "permyriad_mixed"):
            return sign + ("千分之" if style == "permille_mixed" else "万分之") + _plain(d)
        if style == "point_cn":
            if d == d.to_integral_value():
                raise ValueError(f"{d}: 'point_cn' writes non-integers (三点五)")
            return ("负" if sign else "") + _chinese(d)
        if style == "leading_point":
            if not 0 < d < 1:
                raise ValueError(f"{d}: 'leading_point' writes values between 0 and 1 (.5)")
            return sign + _plain(d)[1:]
        if style in ("financial", "financial_trad"):
            return ("负" if sign else "") + _financial(d, style == "financial_trad")
        if style == "traditional":
            text = _chinese(d)
            if text[0] == "二" and text[1:2] in ("百", "千", "万", "亿"):
                text = "兩" + text[1:]  # 兩萬, 兩千: 二 reads 兩 before a unit at the head
            return (("负" if sign else "") + text).translate(_TO_TRADITIONAL)
        if style in ("fraction_cn", "fraction"):
            return ("负" if sign else "") + _fraction_text(d, style == "fraction_cn")
        if style == "wan":
            return sign + _wan(d)
        if style == "wan_trad":
            return sign + _wan(d).translate(_TO_TRADITIONAL)
        if style in ("mixed", "mixed_qian"):
            return sign + _mixed(d, style == "mixed_qian")
        return _digits_cn(d, sign)


def _as_decimal(value: object) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        raise ValueError(f"not a number: {value!r}")
    # repr gives the shortest decimal that round-trips, so 0.1 is Decimal("0.1").
    d = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    if not d.is_finite():
        raise ValueError(f"not a finite number: {value!r}")
    return d


def _plain(d: Decimal) -> str:
    """Fixed-point text without trailing zeros: 12.50 → "12.5", 3.0 → "3"."""
    text = format(d, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


def _split(d: Decimal) -> tuple[int, str]:
    whole, _, frac = _plain(d).partition(".")
    return int(whole), frac


def _chinese(d: Decimal) -> str:
    whole, frac = _split(d)
    if whole >= 10**16:
        raise ValueError(f"{d} is too large for Chinese numerals (limit 10**16)")
    text = _chinese_int(whole)
    if frac:
        text += _POINT + "".join(_CN_DIGIT_CHARS[int(c)] for c in frac)
    return text


def _chinese_int(n: int, leading: bool = True) -> str:
    """一千二百零五; 十二 at the start but 一十二 inside (一百一十二); 亿 groups recurse."""
    if n == 0:
        return "零"
    if n >= 10**8:
        high, low = divmod(n, 10**8)
        text = _chinese_int(high, leading) + "亿"
        if low:
            text += ("零" if low < 10**7 else "") + _chinese_below_yi(low, leading=False)
        return text
    return _chinese_below_yi(n, leading)


def _chinese_below_yi(n: int, leading: bool) -> str:
    high, low = divmod(n, 10**4)
    text = ""
    if high:
        text = _chinese_four(high, leading) + "万"
    if low:
        if high and low < 1000:
            text += "零"
        text += _chinese_four(low, leading and not high)
    return text


def _chinese_four(n: int, leading: bool) -> str:
    digits = [n // 1000, n // 100 % 10, n // 10 % 10, n % 10]
    units = ["千", "百", "十", ""]
    parts, gap = [], False
    for digit, unit in zip(digits, units):
        if digit == 0:
            gap = bool(parts)
            continue
        if gap:
            parts.append("零")
            gap = False
        parts.append(_CN_DIGIT_CHARS[digit] + unit)
    text = "".join(parts)
    if leading and 10 <= n < 20:
        text = text[1:]  # 十二, not 一十二
    return text


def _financial(d: Decimal, traditional: bool) -> str:
    """大写 numerals with 壹拾 spelled out, as on cheques and fee tables: 壹佰伍拾, 壹拾贰."""
    whole, frac = _split(d)
    if frac:
        raise ValueError(f"{d}: the financial styles write integers")
    if whole >= 10**16:
        raise ValueError(f"{d} is too large for Chinese numerals (limit 10**16)")
    text = _chinese_int(whole, leading=False).translate(_TO_FINANCIAL)
    return text.translate(_TO_TRADITIONAL) if traditional else text


def _fraction_text(d: Decimal, chinese: bool) -> str:
    """X分之Y for the simplest Y/X equal to ``d`` (0 < d < 1, X < 100)."""
    if not 0 < d < 1:
        raise ValueError(f"{d}: the fraction styles write values between 0 and 1")
    f = Fraction(d).limit_denominator(_FRACTION_MAX_DENOMINATOR)
    # parse_number reads Y/X back as the float nearest it, so equality is checked the same way.
    if float(f) != float(d) or f.denominator == 1:
        raise ValueError(f"{d} is no fraction with a denominator below {_FRACTION_MAX_DENOMINATOR + 1}")
    if chinese:
        return _chinese_int(f.denominator) + _FRACTION + _chinese_int(f.numerator)
    return f"{f.denominator}{_FRACTION}{f.numerator}"


def _wan(d: Decimal) -> str:
    if d < 10**4:
        raise ValueError(f"{d} is below 1万; the 'wan' style needs at least 10000")
    for char, magnitude in (("亿", 10**8), ("万", 10**4)):
        if d < magnitude:
            continue
        scaled = d / magnitude
        if -scaled.normalize().as_tuple().exponent <= 4:
            return _plain(scaled) + char
    raise ValueError(f"{d} needs more than 4 decimals before 万")


def _mixed(d: Decimal, qian: bool) -> str:
    whole, frac = _split(d)
    if frac or whole < 10**4 or whole % 10**4 == 0:
        raise ValueError(f"{d}: the mixed styles need an integer >= 10000 with digits below 万")
    high, low = divmod(whole, 10**4)
    if qian:
        if low % 1000:
            raise ValueError(f"{d}: 'mixed_qian' needs a whole number of thousands below 万")
        return f"{high}万{low // 1000}千"
    # "3万4" would read as 34000 (一万三 = 13000), so a small remainder is written after 零.
    return f"{high}万零{low}" if low < 1000 else f"{high}万{low}"


def _digits_cn(d: Decimal, sign: str) -> str:
    whole, frac = _split(d)
    text = str(whole)
    if sign or frac or len(text) == 2:
        raise ValueError(f"{sign}{d}: 'digits_cn' takes non-negative integers of 1 or 3+ digits")
    return "".join("〇" if c == "0" else _CN_DIGIT_CHARS[int(c)] for c in text)


# --------------------------------------------------------------------------------------
# find_numbers
# --------------------------------------------------------------------------------------

# Ordinary words that contain numeral characters. A word starting with a numeral is not
# masked after another numeral (十一起案件, 三万一千, 二十分钟 stay numbers). The adverb
# 千万 (千万不要) needs no entry: a run of bare units counts only before a measure word.
_ORDINARY_WORDS: tuple[str, ...] = (
    "统一", "一些", "一起", "一般", "一致", "一体", "一步", "一线", "唯一", "万一", "十分",
    "一直", "一定", "进一步", "逐一", "一律", "一切", "同一", "一次性", "第一", "一旦",
    "一同", "一并", "一贯", "一向", "一系列", "一流", "一揽子", "一方面", "另一", "一把手",
    "一站式", "一网通办", "四川", "乱七八糟", "减负", "正负", "胜负", "抱负", "担负", "肩负",
    "欺负", "辜负", "自负", "千方百计", "万无一失",
    "一心一意", "三令五申", "五湖四海", "一刀切", "十三五", "十四五", "十五五", "十二五",
)
# ... unless these follow: 十分之三 is a fraction, not the adverb 十分.
_ORDINARY_UNLESS_BEFORE: dict[str, str] = {"十分": _FRACTION[1]}
_NUMERAL_CLASS = "0-9" + "".join(sorted(_CN_NUMERALS))
_ORDINARY_RE = re.compile(
    "|".join(
        (f"(?<![{_NUMERAL_CLASS}])" if w[0] in _CN_NUMERALS else "") + re.escape(w)
        + (f"(?!{re.escape(_ORDINARY_UNLESS_BEFORE[w])})" if w in _ORDINARY_UNLESS_BEFORE else "")
        for w in sorted(_ORDINARY_WORDS, key=len, reverse=True)
    )
)
# Words that may follow a lone Chinese numeral character (三条, 近百家, 一年).
_MEASURE_WORDS: tuple[str, ...] = tuple(
    "个 件 条 次 人 项 家 名 位 所 座 台 辆 部 篇 份 期 场 起 宗 户 批 本 册 张 页 处 类 种 例 封 笔 单 套 间 "
    "栋 层 亩 吨 斤 公斤 克 千克 米 公里 千米 平方 立方 岁 倍 年 月 日 天 周 季度 小时 分钟 秒 届 轮 组 支 只 "
    "头 棵 株 块 塊 片 段 级 遍 回 艘 架 门 枚 颗 双 对 票 元 % 個 條 項 場 張 頁 處 類 種 間 層 噸 歲 週 級".split()
)
# 5千米 is five kilometres, not 5000 metres: a trailing 千/百 before these stays outside.
_UNIT_PREFIXED = frozenset("米克瓦伏帕焦卡赫")
_THOUSANDS = re.compile(r",[0-9]{3}(?![0-9])")
_LETTERS_THEN_DIGIT = re.compile(r"[A-Za-z]+[0-9]")


def find_numbers(text: str) -> list[tuple[int, int, ParsedNumber]]:
    """Find number substrings in running text as ``(start, end, parse)``, end exclusive.

    Spans are maximal (3000余, 500余万, 1.39亿, 百分之四十, 3-5, 两三) and never overlap.
    A trailing %/‰ stays outside (it is a UNIT span). Heuristics, for a rule baseline:
    numerals inside ordinary words (_ORDINARY_WORDS: 统一, 一些, 万一, 十分 ...) and
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
    s = text.translate(_FIND_TABLE)
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
    return "0" <= c <= "9" or c in _CN_NUMERALS


def _percent_prefix_at(s: str, i: int) -> int:
    for prefix in _PERCENT_PREFIXES:
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
    if j + 1 < limit and s[j] in _RANGE_SEPARATORS and not blocked[j + 1]:
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
        elif (c == _FRACTION[0] and nxt == _FRACTION[1] and _is_num_char(prev) and j + 2 < len(s)
              and _is_num_char(s[j + 2]) and not blocked[j + 2] and _FRACTION not in s[start:j]):
            j += 2  # X分之Y: the fraction is one number (三分之一, 16分之5)
        elif c == _POINT and prev in _CN_NUMERALS and (nxt in _DIGIT_READING or "0" <= nxt <= "9"):
            j += 1
        elif c in _APPROX and _is_num_char(prev) and not seen_approx:
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
        if s[end - 1] in _RANGE_SEPARATORS or s[end - 1] in ",.点负負-":
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
        if span[-1] in "千百仟佰" and after in _UNIT_PREFIXED:
            return False
        if span[-1] in "百佰" and after == "分":
            return False  # 30百分点, 4.6百分比: 百 opens the unit, it is no magnitude
        return True
    if _percent_prefix_at(s, i) or (span[0] in _SIGNS and _percent_prefix_at(s, i + 1)):
        return True
    if before.isdigit():
        return False  # 5千米: the Arabic part was refused, its Chinese tail is no number
    core = "".join(c for c in span if c not in _APPROX and c not in _SIGNS)
    if len(core) == 1 and core in _FINANCIAL:
        return False
    if len(core) == 2 and all(c in _DIGIT_READING for c in core) and parsed.value_max is None:
        return False  # 一一, 九九: two digits read one by one are too often words
    adjacent_range = parsed.value_max is not None and not any(c in _RANGE_SEPARATORS for c in core)
    weak = len(core) == 1 or all(c in _UNITS or c in _MAGNITUDES for c in core) or adjacent_range
    return not weak or s.startswith(_MEASURE_WORDS, end)


def _is_latin(c: str) -> bool:
    return c.isascii() and c.isalpha()
