"""Write a number in a named surface style (the data generator's side): :func:`format_number`.

Every style's text reads back to the same value with :func:`data.numbers.parse_number`.

>>> format_number(3, "financial"), format_number(20000, "traditional")
('叁', '兩萬')
"""

from __future__ import annotations

from decimal import Decimal, localcontext
from fractions import Fraction

from govreport.data.numbers.chars import CN_DIGIT_CHARS, FRACTION, POINT, TO_FINANCIAL, TO_FULLWIDTH, TO_TRADITIONAL

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
            return (sign + _plain(d)).translate(TO_FULLWIDTH)
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
            return (("负" if sign else "") + text).translate(TO_TRADITIONAL)
        if style in ("fraction_cn", "fraction"):
            return ("负" if sign else "") + _fraction_text(d, style == "fraction_cn")
        if style == "wan":
            return sign + _wan(d)
        if style == "wan_trad":
            return sign + _wan(d).translate(TO_TRADITIONAL)
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
        text += POINT + "".join(CN_DIGIT_CHARS[int(c)] for c in frac)
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
        parts.append(CN_DIGIT_CHARS[digit] + unit)
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
    text = _chinese_int(whole, leading=False).translate(TO_FINANCIAL)
    return text.translate(TO_TRADITIONAL) if traditional else text


def _fraction_text(d: Decimal, chinese: bool) -> str:
    """X分之Y for the simplest Y/X equal to ``d`` (0 < d < 1, X < 100)."""
    if not 0 < d < 1:
        raise ValueError(f"{d}: the fraction styles write values between 0 and 1")
    f = Fraction(d).limit_denominator(_FRACTION_MAX_DENOMINATOR)
    # parse_number reads Y/X back as the float nearest it, so equality is checked the same way.
    if float(f) != float(d) or f.denominator == 1:
        raise ValueError(f"{d} is no fraction with a denominator below {_FRACTION_MAX_DENOMINATOR + 1}")
    if chinese:
        return _chinese_int(f.denominator) + FRACTION + _chinese_int(f.numerator)
    return f"{f.denominator}{FRACTION}{f.numerator}"


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
    return "".join("〇" if c == "0" else CN_DIGIT_CHARS[int(c)] for c in text)
