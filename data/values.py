"""How the generator writes a quantity's value: draws, rounding and written forms.

Each function takes the template's ``random.Random`` and returns text (or a number) plus
what it chose; :mod:`data.templating` places the text and labels it.

>>> import random
>>> render_value(random.Random(0), 256000)
('25.6万', 'wan')
"""

from __future__ import annotations

import math
import random
from decimal import ROUND_HALF_UP, Decimal

from govreport.data.numbers import format_number
from govreport.data.numbers.chars import CN_DIGIT_CHARS


def round_sig(x: float, digits: int) -> int:
    """``x`` rounded to ``digits`` significant figures as an int; 0 below 1."""
    if x < 1:
        return 0
    scale = 10 ** max(0, int(math.log10(x)) + 1 - digits)
    return int(round(x / scale) * scale)


def draw_number(rng: random.Random, lo: float, hi: float, decimals: float) -> int | float:
    """A log-uniform draw in [lo, hi]; some values get one or two decimals."""
    x = math.exp(rng.uniform(math.log(max(lo, 1)), math.log(max(hi, 2))))
    if lo < 1 and rng.random() < 0.08:
        return 0
    if rng.random() < decimals:
        places = rng.choice((1, 2, 2))
        return round(x, places) if x < 1e6 else int(x)
    return int(x) if rng.random() < 0.7 or x < 1000 else round_sig(x, rng.choice((2, 3, 4)))


def _wan_form(value: int | float, rng: random.Random) -> int | float | None:
    """A value rounded so that it reads naturally with 万 or 亿 (1.39亿, 25.6万)."""
    if value < 10000:
        return None
    base = 100000000 if value >= 100000000 and rng.random() < 0.8 else 10000
    scaled = Decimal(str(value)) / base
    rounded = scaled.quantize(Decimal(1).scaleb(-rng.choice((0, 1, 2, 2))), rounding=ROUND_HALF_UP) * base
    return int(rounded) if rounded == rounded.to_integral_value() else float(rounded)


def render_value(rng: random.Random, value: int | float, chinese: bool = True) -> tuple[str, str]:
    """Pick a written form for ``value``; returns (text, style name).

    ``chinese=False`` keeps Chinese numerals out (reports write 49.9%, or 百分之四十 — not 四十%).
    """
    candidates: list[tuple[str, float]] = [("arabic", 6.0)]
    if value >= 1000:
        candidates += [("arabic_sep", 1.0)]
    candidates += [("fullwidth", 0.3)]
    integral = isinstance(value, int) or float(value).is_integer()
    if chinese and integral:
        # Fee tables and older reports write 大写 (壹佰伍拾) and traditional (兩萬) numerals:
        # rare, but a tagger must have seen them.
        candidates += [("chinese", 2.5 if value <= 20 else 0.5), ("financial", 0.12), ("financial_trad", 0.05),
                       ("traditional", 0.12)]
    if chinese and not integral and value < 1000:
        candidates += [("point_cn", 1.0)]  # 五点八
    if value >= 10000 and float(value * 100 / 10000).is_integer():  # reads as 12.5万, not 1.2515万
        candidates += [("wan", 3.0), ("mixed", 0.3), ("wan_trad", 0.1)]
    styles, weights = zip(*candidates)
    for style in rng.choices(styles, weights=weights, k=3) + ["arabic"]:
        try:
            return format_number(value, style), style
        except ValueError:
            continue
    raise AssertionError("unreachable: arabic renders every value")


def decorate(rng: random.Random, value, unit: str, percent: bool, points: bool, styles: list[str],
             plain: bool = False):
    """Written value and unit, with the genre's variations (余/多, 万/亿, 百分之, signs).

    ``plain`` keeps out the marked forms (余/多, 百分之, signs): list members and qualified values.
    """
    if points:
        text, style = render_value(rng, value, chinese=False)
        styles.append(style)
        return text, rng.choice(("个百分点", "个百分点", "百分点"))
    if percent:
        if not plain and rng.random() < 0.08:
            styles.append("percent_cn")
            return format_number(value, "percent_cn"), "百分之"
        if not plain and rng.random() < 0.06:
            return _share(rng, styles)
        text, style = render_value(rng, value, chinese=False)
        if not plain and rng.random() < 0.05 and value > 0:
            text = rng.choice(("-", "负")) + text
            style += "+sign"
        styles.append(style)
        return text, "%" if rng.random() < 0.85 else "％"
    if not plain and value >= 10 and rng.random() < 0.07:  # 3000余, 500余万, 80多
        approx = round_sig(value, rng.choice((1, 2)))
        marker = rng.choice("余多")
        if approx >= 100000 and rng.random() < 0.5:
            base = 10000
            styles.append("approx_wan")
            return f"{approx // base}{marker}万", unit
        styles.append("approx")
        return f"{approx}{marker}", unit
    if unit in ("元", "美元", "吨") or rng.random() < 0.3:
        wan = _wan_form(value, rng)
        if wan is not None:
            value = wan
    text, style = render_value(rng, value)
    styles.append(style)
    return text, unit


# Shares a percentage slot may also be written as (占三分之一, 差错率千分之2.4, 下降.5%).
_SHARE_STYLES = (("fraction_cn", 3.0), ("fraction", 1.0), ("permille_cn", 1.0), ("permille_mixed", 1.5),
                 ("permyriad_cn", 1.0), ("permyriad_mixed", 1.0), ("leading_point", 1.5))
_FRACTIONS = ((1, 2), (1, 3), (2, 3), (1, 4), (3, 4), (1, 5), (2, 5), (3, 5), (1, 10), (3, 10), (5, 16), (7, 20))


def _share(rng: random.Random, styles: list[str]) -> tuple[str, str]:
    """A share written as a fraction, a ‰/‱ rate or a leading-point percentage; (text, unit).

    The unit is a marker :mod:`data.templating` turns into the record's unit with no UNIT span, as
    for 百分之X: "分之" (a fraction: unit None), "千分之" (‰), "万分之" (‱); "%" is a UNIT span.
    """
    style = rng.choices([s for s, _ in _SHARE_STYLES], weights=[w for _, w in _SHARE_STYLES])[0]
    styles.append(style)
    if style.startswith("fraction"):
        numerator, denominator = rng.choice(_FRACTIONS)
        return format_number(numerator / denominator, style), "分之"
    if style == "leading_point":
        return format_number(rng.choice((0.1, 0.2, 0.3, 0.5, 0.6, 0.8, 0.25, 0.75, 0.05)), style), "%"
    mixed = style.endswith("_mixed")
    value = round(rng.uniform(0.1, 9.9), rng.choice((1, 2))) if mixed else rng.randint(1, 9)
    return format_number(value, style), "千分之" if style.startswith("permille") else "万分之"


def range_text(rng: random.Random, family) -> str:
    """A small range for an ``{R}`` slot: 3-5, 2至4, now and then two adjacent numerals (两三)."""
    lo = rng.randint(1, 9)
    hi = lo + rng.randint(1, 3)
    if rng.random() < 0.3 and hi == lo + 1 and hi <= 9:
        return CN_DIGIT_CHARS[lo].replace("二", "两") + CN_DIGIT_CHARS[hi]
    return f"{lo}{rng.choice(('-', '～', '~', '至', '—', '到'))}{hi}"
