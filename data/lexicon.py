"""Word lists the templates draw from: agencies, places, metric families, qualifiers.

The words are data, in ``lexicon.toml`` beside this module (read once, at import); this
module holds the logic that combines them.

A *metric family* is what a template's quantities are about (requests, web traffic,
money, ...). It knows how to name a metric (fixed cores, composed modifiers and
open-vocabulary nouns from jieba's dictionary), which units fit, and what
magnitudes are realistic.

>>> FAMILIES["request"].units[0]
'件'
"""

from __future__ import annotations

import functools
import os
import random
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

_WORDS = tomllib.loads((Path(__file__).parent / "lexicon.toml").read_text(encoding="utf-8"))

# ---------------------------------------------------------------- places, agents

PROVINCES = tuple(_WORDS["places"]["provinces"])
CITIES = tuple(_WORDS["places"]["cities"])
COUNTIES = tuple(_WORDS["places"]["counties"])
DISTRICTS = tuple(_WORDS["places"]["districts"])
DEPARTMENTS = tuple(_WORDS["agents"]["departments"])
SHORT_AGENTS = tuple(_WORDS["agents"]["short"])


def place(rng: random.Random) -> str:
    """A plausible place name at any level (province, city, county, district)."""
    r = rng.random()
    if r < 0.2:
        return rng.choice(PROVINCES)
    if r < 0.6:
        return rng.choice(CITIES) + "市"
    if r < 0.85:
        return rng.choice(COUNTIES) + rng.choice(("县", "区", "市"))
    return rng.choice(CITIES) + "市" + rng.choice(DISTRICTS) + "区"


def agency(rng: random.Random) -> str:
    """A full agency name such as 山西省商务厅 or 漳州市卫生健康委员会."""
    r = rng.random()
    if r < 0.08:
        return rng.choice(COUNTIES) + rng.choice(("镇", "乡")) + "人民政府"
    if r < 0.14:
        return rng.choice(CITIES) + "市" + rng.choice(DISTRICTS) + "区" + rng.choice(("街道办事处", "人民政府"))
    return place(rng) + rng.choice(DEPARTMENTS)


def agent(rng: random.Random) -> str:
    """Who did something: a full agency or a short reference (我局, 各级行政机关)."""
    return agency(rng) if rng.random() < 0.45 else rng.choice(SHORT_AGENTS)


# ---------------------------------------------------------------- qualifiers

# Qualifiers stand outside every span; the record carries them (ANNOTATION.md).
QUALIFIERS_BEFORE = tuple(_WORDS["qualifiers"]["before"])
QUALIFIERS_AFTER = tuple(_WORDS["qualifiers"]["after"])
# Words that sit where a qualifier would but are not qualifiers.
NON_QUALIFIERS = tuple(_WORDS["qualifiers"]["non_qualifiers"])
# Quantity words whose 一 is an article (一批, 一些): no VALUE.
ARTICLE_NUMERALS = frozenset(_WORDS["numerals"]["articles"])
# ... and those whose 一 is an article where a noun follows (有一个专区), not at a count's end (数量一个).
ARTICLE_NUMERALS_BEFORE_NOUNS = frozenset(_WORDS["numerals"]["articles_before_nouns"])


# ---------------------------------------------------------------- metric edges

# Words a tagger leaves at a METRIC's front or back that never open or close a name, and the
# posting platforms that come before 公开/发布, and how an agent or place before a category word
# ends (inference/snapping.py trims them off).
METRIC_LEADING_WORDS = frozenset(_WORDS["metric_edges"]["leading"])
METRIC_TRAILING_WORDS = tuple(_WORDS["metric_edges"]["trailing"])
PLATFORM_WORDS = tuple(_WORDS["metric_edges"]["platforms"])
BEFORE_CATEGORY_ENDS = tuple(_WORDS["metric_edges"]["before_category"])
HEAD_NOUNS = tuple(_WORDS["metric_edges"]["head_nouns"])


# ---------------------------------------------------------------- metric families


@dataclass(frozen=True)
class Family:
    """What a group of metrics counts: how to name it, its units and magnitudes.

    ``cores`` are complete metric names; ``mods`` × ``heads`` compose more;
    ``open_suffixes`` turn an arbitrary dictionary noun into a metric of this family
    (水利 + 类信息 → 水利类信息). ``lo``/``hi`` bound the value (log-uniform draws).
    """

    name: str
    cores: tuple[str, ...]
    units: tuple[str, ...]
    lo: float
    hi: float
    mods: tuple[str, ...] = ()
    heads: tuple[str, ...] = ()
    open_suffixes: tuple[str, ...] = ()
    decimals: float = 0.0  # share of values with a decimal part
    percent_metrics: tuple[str, ...] = field(default=())
    elaborated: bool = True  # False for closed word classes (层级, 部分) that reports never dress up

    def base_metric(self, rng: random.Random, nouns: tuple[str, ...]) -> str:
        """A plain name: a core, a modifier + head, or a dictionary noun + open suffix."""
        r = rng.random()
        if self.open_suffixes and nouns and r < 0.2:
            return rng.choice(nouns) + rng.choice(self.open_suffixes)
        if self.mods and self.heads and r < 0.55:
            return rng.choice(self.mods) + rng.choice(self.heads)
        return rng.choice(self.cores)

    def metric(self, rng: random.Random, nouns: tuple[str, ...]) -> str:
        """A metric name as real reports write it: plain, or elaborated (see :func:`elaborate`)."""
        name = self.base_metric(rng, nouns)
        return elaborate(name, self, rng, nouns) if self.elaborated and rng.random() < ELABORATED_SHARE else name


def _family(name: str, fields: dict) -> Family:
    return Family(name, **{k: tuple(v) if isinstance(v, list) else v for k, v in fields.items()})


FAMILIES: dict[str, Family] = {name: _family(name, fields) for name, fields in _WORDS["families"].items()}

# ---------------------------------------------------------------- elaborated names
# Real reports name what they count with long noun phrases: a level (省级…), a quoted
# programme (“一网通办”事项), a parenthetical (行政许可(主项)), a coordination
# (热点事件或舆情), a 的-clause (涉及教育的复议案件), a chain of nouns ending in a rate
# (政务服务事项网上可办率), an age band (60岁及以上人口) or an outcome (行政处罚决定). ANNOTATION.md keeps all of that
# inside the METRIC span, so the generator writes it too: otherwise the model learns
# that a metric is the last two to four characters before a number.

ELABORATED_SHARE = 0.35

_ELABORATIONS = _WORDS["elaborations"]
LEVELS = tuple(_ELABORATIONS["levels"])
PROGRAMMES = tuple(_ELABORATIONS["programmes"])
PAREN_NOTES = tuple(_ELABORATIONS["paren_notes"])
STATS_NOTES = tuple(_ELABORATIONS["stats_notes"])
DE_CLAUSES = tuple(_ELABORATIONS["de_clauses"])
RATE_TAILS = tuple(_ELABORATIONS["rate_tails"])
AGE_BANDS = tuple(_ELABORATIONS["age_bands"])
AGE_HEADS = tuple(_ELABORATIONS["age_heads"])
COORDINATORS = tuple(_ELABORATIONS["coordinators"])
OUTCOMES = tuple(_ELABORATIONS["outcomes"])


def elaborate(name: str, family: "Family", rng: random.Random, nouns: tuple[str, ...]) -> str:
    """``name`` grown into a longer metric the way reports write them (one device per call).

    >>> r = random.Random(0)
    >>> names = [elaborate("政务服务事项", FAMILIES["item"], r, ("教育",)) for _ in range(200)]
    >>> "政务服务事项" in names, sum(len(n) > 6 for n in names) > 190
    (False, True)
    """
    noun = rng.choice(nouns) if nouns else "政务"
    head = rng.choice(family.heads) if family.heads else name
    kinds = ["level", "programme", "paren", "coord", "list", "de", "chain", "outcome"]
    if family.name in ("people", "stats"):
        kinds.append("age")
    kind = rng.choice(kinds)
    if kind == "level":
        return rng.choice(LEVELS) + name
    if kind == "programme":
        quoted = "“" + rng.choice(PROGRAMMES) + "”"
        return quoted + head if rng.random() < 0.7 else name + "及" + quoted + head
    if kind == "paren":
        open_, close = ("(", ")") if rng.random() < 0.6 else ("（", "）")
        notes = PAREN_NOTES + STATS_NOTES if family.name in ("stats", "money", "people") else PAREN_NOTES
        return name + open_ + rng.choice(notes) + close
    if kind == "coord":
        other = family.base_metric(rng, nouns)
        while other == name and len(family.cores) > 1:
            other = rng.choice(family.cores)
        return name + rng.choice(COORDINATORS) + other
    if kind == "list":
        parts = rng.sample(family.mods, 2) if len(family.mods) >= 2 else [noun, rng.choice(nouns or ("财务",))]
        return "、".join(parts) + rng.choice(("等", "等", "")) + head
    if kind == "outcome":  # what came of the counted thing: 行政许可处理决定, 监督检查报告
        return name + rng.choice(OUTCOMES)
    if kind == "de":
        return rng.choice(DE_CLAUSES).format(n=noun) + name
    if kind == "age":
        a = rng.choice((0, 6, 14, 15, 16, 18, 35, 45, 60, 65, 80))
        band = rng.choice(AGE_BANDS).format(a=a, b=a + rng.choice((4, 9, 14, 44)))
        return band + rng.choice(AGE_HEADS)
    # chain: a noun phrase of another kind in front (政务服务事项 + 网上可办率)
    if family.name == "rate":
        other = FAMILIES[rng.choice(("item", "request", "info", "people", "supervision"))]
        return other.base_metric(rng, nouns) + rng.choice(RATE_TAILS)
    return (rng.choice(family.mods) if family.mods else noun) + name


# Units that a metric's own name calls for, whatever its family: 浏览量 counts 次, 产量 weighs 吨.
# The first matching keyword wins; names with no match take their family's units.
UNIT_HINTS: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = tuple(
    (tuple(hint["keywords"]), tuple(hint["units"])) for hint in _WORDS["unit_hints"]
)


def units_for(metric: str, family: "Family") -> tuple[str, ...]:
    """The units that fit ``metric``: its name's hint if any, else its family's.

    >>> units_for("粮食产量", FAMILIES["stats"])
    ('吨',)
    """
    for keywords, units in UNIT_HINTS:
        if any(k in metric for k in keywords):
            return units
    return family.units


# ---------------------------------------------------------------- open vocabulary


@functools.lru_cache(maxsize=1)
def dictionary_nouns() -> tuple[str, ...]:
    """Common nouns from jieba's dictionary (2–4 CJK characters, no numerals).

    They name open-vocabulary metrics and distractors, so the model learns the
    context of a metric rather than a closed list of names. Returns a sorted tuple
    (deterministic); empty when jieba is not installed.
    """
    try:
        import jieba
    except ImportError:  # pragma: no cover - jieba is a declared dependency
        return ()
    path = os.path.join(os.path.dirname(jieba.__file__), "dict.txt")
    numerals = set("零〇一二三四五六七八九十百千万亿两")
    out = set()
    with open(path, encoding="utf-8") as f:
        for line in f:
            parts = line.split()
            if len(parts) != 3 or parts[2] not in ("n", "vn", "nz"):
                continue
            word, freq = parts[0], int(parts[1])
            if 2 <= len(word) <= 4 and freq >= 500 and all("\u4e00" <= c <= "\u9fff" for c in word) \
                    and not numerals & set(word):
                out.add(word)
    return tuple(sorted(out))
