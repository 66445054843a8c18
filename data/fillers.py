"""The unlabelled fillers of templates: ``{year}``, ``{date}``, ``{agent}``, ``{pub}``, ...

``FILLERS`` maps a slot name to a function of the template's ``random.Random`` that writes
text no span covers. The words are data, in ``fillers.toml`` beside this module; a filler
that is one word of a list needs only its list there (its ``[choices]``).

>>> import random
>>> FILLERS["docno"](random.Random(1))
'晋商办发〔2012〕66号'
"""

from __future__ import annotations

import random
import tomllib
from pathlib import Path
from typing import Callable

from govreport.data import lexicon
from govreport.data.numbers import format_number
from govreport.data.numbers.chars import CN_DIGIT_CHARS

_WORDS = tomllib.loads((Path(__file__).parent / "fillers.toml").read_text(encoding="utf-8"))
_DOCNO_PREFIXES = tuple(_WORDS["docno_prefixes"])
_POLICIES = tuple(_WORDS["policies"])
_PLATFORMS = tuple(_WORDS["platforms"])
_CHANNELS = tuple(_WORDS["channels"])


def _year(rng):  # a calendar year: never tagged
    return f"{rng.randint(2008, 2025)}年"


def _year_squashed(rng):  # a year whose 年 was lost when the text was taken out of a PDF (202011日)
    return str(rng.randint(2008, 2025))


def _date(rng):
    y, m, d = rng.randint(2008, 2025), rng.randint(1, 12), rng.randint(1, 28)
    return rng.choice((f"{y}年{m}月{d}日", f"{y}年{m}月", f"{m}月{d}日", f"{y}年底", f"{y}年初",
                       f"{y}年上半年", f"{y}年第{rng.choice('一二三四')}季度", f"{y}-{m:02d}-{d:02d}"))


def _docno(rng):
    prefix = rng.choice(_DOCNO_PREFIXES)
    return f"{prefix}〔{rng.randint(2010, 2025)}〕{rng.randint(1, 150)}号"


def _phone(rng):
    return rng.choice((f"0{rng.randint(10, 999)}-{rng.randint(2000000, 89999999)}",
                       f"1{rng.choice('3589')}{rng.randint(100000000, 999999999)}",
                       "12345", f"400-{rng.randint(100, 999)}-{rng.randint(1000, 9999)}"))


def _ordinal(rng):
    n = rng.randint(1, 40)
    cn = format_number(n, "chinese")
    return rng.choice((f"第{cn}届", f"第{n}届", f"第{cn}条", f"第{cn}条第({CN_DIGIT_CHARS[rng.randint(1, 5)]})项",
                       f"第{cn}次", f"第{n}期", f"第{cn}批", f"第{cn}名"))


def _enum(rng):
    n = rng.randint(1, 6)
    cn = CN_DIGIT_CHARS[n]
    return rng.choice((f"{cn}是", f"({cn})", f"（{cn}）", f"{cn}、", f"{n}.", f"{n}、", f"第{cn},"))


def _policy(rng):
    p = rng.choice(_POLICIES)
    return rng.choice((f"《中华人民共和国{p}》", f"《{p}》", f"《{lexicon.place(rng)}{p}》",
                       f"《关于进一步做好{rng.choice(lexicon.dictionary_nouns() or ('政务公开',))}工作的通知》"))


def _platform(rng):
    if rng.random() < 0.1:  # a city's official account: 杭州发布, 珠海发布
        return rng.choice(lexicon.CITIES) + "发布"
    return rng.choice((lexicon.place(rng), lexicon.agency(rng), "")) + rng.choice(_PLATFORMS)


def _channel(rng):
    return "、".join(rng.sample(_CHANNELS, rng.choice((1, 1, 2, 3))))


def _period(rng):
    return rng.choice(("全年", "年内", "本年度", "今年以来", "一年来", _year(rng),
                       f"截至{_date(rng)}", f"{_year(rng)}度", "报告期内", "上半年", ""))


def _noun(rng):
    nouns = lexicon.dictionary_nouns()
    return rng.choice(nouns) if nouns else "工作"


def _choice(words: tuple[str, ...]) -> Callable[[random.Random], str]:
    return lambda rng: rng.choice(words)


FILLERS: dict[str, Callable[[random.Random], str]] = {
    "year": _year, "year_squashed": _year_squashed, "date": _date, "docno": _docno, "phone": _phone, "ord": _ordinal,
    "enum": _enum, "policy": _policy, "platform": _platform, "channel": _channel, "period": _period,
    "agent": lexicon.agent, "agency": lexicon.agency, "place": lexicon.place, "noun": _noun,
    **{name: _choice(tuple(words)) for name, words in _WORDS["choices"].items()},
}
