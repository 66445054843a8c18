"""Span repair by word and number: METRICs on whole words, VALUEs on whole numbers, numerals
inside words and numbers inside addresses dropped.

A character tagger now and then stops inside a word (庭户 for 家庭户) or a number (00 of
1800), takes the numeral of an ordinary word (单一) or the digits of a URL. These rules move
or drop such spans, reading jieba's dictionary (segmented once per phrase and cached).

>>> text = "全区家庭户达到3.1万户"
>>> snap_to_words(text, [Span(3, 5, "METRIC"), Span(7, 11, "VALUE")])[0]
Span(start=2, end=5, label='METRIC')
"""

from __future__ import annotations

import functools
import logging
import re
from typing import Callable, Sequence

from govreport.data.lexicon import (ARTICLE_NUMERALS, ARTICLE_NUMERALS_BEFORE_NOUNS, BEFORE_CATEGORY_ENDS, FAMILIES,
                                    HEAD_NOUNS, METRIC_LEADING_WORDS, METRIC_TRAILING_WORDS, PLATFORM_WORDS,
                                    QUALIFIERS_AFTER, QUALIFIERS_BEFORE)
from govreport.data.numbers import NUMERAL_CHARS, find_numbers, join_reader_spaces, parse_number
from govreport.data.numbers.chars import APPROX, MEASURE_WORDS, ORDINARY_WORDS, RANGE_SEPARATORS, RATIO_COLONS, SIGNS
from govreport.data.schema import Span
from govreport.data.text import TO_SIMPLIFIED, address_spans

__all__ = [
    "snap_to_words",
    "snap_to_numbers",
    "drop_numerals_in_words",
    "spaced_name_numbers",
    "spaced_number_ends",
    "spaced_numbers",
    "broken_decimals",
    "split_value_lists",
    "drop_spans_in_addresses",
    "load_segmenter",
    "load_dictionaries",
    "clear_word_cache",
    "CATEGORY_WORDS",
    "trim_metric_edges",
]

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


@functools.lru_cache(maxsize=1)
def load_segmenter():
    """jieba, with its dictionary loaded (once: the first call takes about a second)."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


@functools.lru_cache(maxsize=1 << 16)
def _word_ends(segment: str) -> tuple[int, ...]:
    """End offsets of the words of ``segment`` by jieba's dictionary (no HMM guessing).

    Cached: reports repeat their phrases (政府信息公开申请, 行政复议), and segmenting is
    most of what snapping a METRIC costs.
    """
    ends, pos = [], 0
    for word in load_segmenter().cut(segment, HMM=False):
        pos += len(word)
        ends.append(pos)
    return tuple(ends)


def clear_word_cache() -> None:
    """Forget every segmentation :func:`snap_to_words` cached (for timing a cold start)."""
    _word_ends.cache_clear()


def _word_bounds(text: str, lo: int, hi: int) -> set[int]:
    """Word boundaries of ``text[lo:hi]``, as offsets into ``text``."""
    return {lo, hi, *(lo + end for end in _word_ends(text[lo:hi]))}


def _in_word(text: str, pos: int, lo: int, hi: int) -> bool:
    """Whether a word of jieba's dictionary inside ``text[lo:hi]`` runs across ``pos``.

    Segmenting without HMM, jieba joins characters only into dictionary words and runs of
    ASCII letters and digits, so a position no dictionary word crosses is a word boundary,
    or lies in an ASCII run, which snapping never enters. Looking the words up (jieba's
    prefix dictionary, as its own DAG does) costs a fraction of segmenting.
    """
    freq = load_segmenter().dt.FREQ
    for a in range(lo, pos):
        b = pos + 1
        frag = text[a:b]
        # the dictionary holds every prefix of its words (count 0), so a miss ends the search
        while b <= hi and frag in freq:
            if freq[frag]:
                return True
            b += 1
            frag = text[a:b]
    return False


_LONGEST_FUNCTION_WORD = max(map(len, METRIC_LEADING_WORDS))


def _leads_with_function_word(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` opens with a word of :data:`data.lexicon.METRIC_LEADING_WORDS` and goes on after it."""
    longest = min(_LONGEST_FUNCTION_WORD, end - start - 1)
    return any(text[start:start + k] in METRIC_LEADING_WORDS for k in range(1, longest + 1))


# The qualifiers written after a number that a name could begin with as a tagger read it (以上, 左右;
# a single 内 opens names: 内设机构).
_QUALIFIERS_AFTER_WORDS = tuple(sorted((w for w in QUALIFIERS_AFTER if len(w) > 1), key=len, reverse=True))
# ANNOTATION.md: in this genre 主动公开 and 依申请公开 name the two categories of information and
# stay in the METRIC even where they read as verbs; taggers that learnt 公开 as a verb cut them off.
CATEGORY_WORDS = ("依申请公开", "主动公开")


# Longest first, so 控制在 comes off whole rather than leaving 控制.
_TRAILING_WORDS = tuple(sorted(METRIC_TRAILING_WORDS, key=len, reverse=True))
# A platform, maybe an adverb or totaliser, then the posting verb, then the name (政务微博|公开|信息).
# The verb with 量, 数 or 率 after it is a noun (网站发布量) and stays.
_PLATFORM_VERB = re.compile(r".{0,8}?(?:%s)(?:及时|共|累计)?(?:公开|发布)(?![量数率])(?=..)"
                            % "|".join(map(re.escape, PLATFORM_WORDS)))
# What 比/较 compares a change with, right after a METRIC that took it in (价格比|上年上涨2%).
_COMPARED_WITH = re.compile(r"上一?年|去年|前一年|上月|上季度|同期|年初|[0-9０-９]{4}年")
_BEFORE_CATEGORY = BEFORE_CATEGORY_ENDS + PLATFORM_WORDS
# A list or a 的-clause before a category word (甲、主动公开乙; 涉及X的主动公开信息); 及时 is an adverb.
_LIST_OR_CLAUSE = re.compile(r"[、和与的]|及(?!时)")
# The kinds of information 公开 takes as its object (公开|政策文件): a plain 公开 before them is a verb.
_PUBLISHED = ("信息", "文件", "通知", "公告")
# A unit in brackets after a name, as a table's row label prints it (居民消费价格总指数(%), 粮食产量(单位:万吨)).
_UNIT_WORDS = frozenset(u for family in FAMILIES.values() for u in family.units) | frozenset("%％‰‱")
_BRACKETED_UNIT = re.compile(r"[(（](?:单位[:：]?)?([^()（）]{1,6})[)）]$")


def trim_metric_edges(text: str, start: int, end: int, ceiling: int | None = None) -> tuple[int, int]:
    """The METRIC ``text[start:end]`` without the verbs, places and function words a tagger put at its edges.

    ANNOTATION.md keeps time, the agent, verbs and totalisers out of a METRIC and a written head
    noun in; a tagger still runs a name on into the verb that follows it or starts it at the
    place or platform before it. The rules, each on words that never stand at that edge of a
    name in the real gold files (docs/results.md, "METRIC boundaries", has their figures):

    - a category word (主动公开, 依申请公开) inside the span, with more of the name after it,
      opens the name when what comes before it is an agent, a place, a platform, a date or an
      adverb (本镇|主动公开政府信息, 网上|主动公开信息: its end is in
      :data:`data.lexicon.BEFORE_CATEGORY_ENDS` or :data:`data.lexicon.PLATFORM_WORDS`), not a
      list, a 的-clause or a restricting word (专项主动公开动态);
    - a platform and the posting verb at the front go (政务微博公开|信息; not 网站发布量, a noun),
      and so does a plain 公开 before the kind of information it publishes (公开|政策文件);
    - words of :data:`data.lexicon.METRIC_TRAILING_WORDS` at the back go, one after another
      (价格|上涨, 工作人员|具体, 民警|和); a one-character word only where jieba's segmentation
      of the span ends a word before it (目的 keeps its 的);
    - a 比 or 较 at the back goes when a comparison follows (价格|比上年上涨);
    - a unit in brackets at the back goes, as a table's row label prints it (居民消费价格总指数|(%));
    - a written head noun right after the span (:data:`data.lexicon.HEAD_NOUNS`: 信息|数量) comes in,
      where jieba's segmentation ends a word on both its sides and it stops before ``ceiling``
      (the next span).

    Each rule leaves at least one character of the name.

    >>> text = "某县政务微博公开信息52条,蔬菜价格比上年上涨3.1%,水果价格下降2%"
    >>> [text[a:b] for a, b in (trim_metric_edges(text, 2, 10), trim_metric_edges(text, 14, 19),
    ...                          trim_metric_edges(text, 28, 34))]
    ['信息', '蔬菜价格', '水果价格']
    """
    for category in CATEGORY_WORDS:
        # inside, with more of the name after it: find() looks only at whole occurrences in [start + 1, end - 1)
        found = text.find(category, start + 1, end - 1) if end - start > len(category) + 1 else -1
        if found >= 0:
            before = text[start:found]
            # an agent, a place or an adverb goes; a list (甲、主动公开乙), a 的-clause or a restricting word stays
            if before.endswith(_BEFORE_CATEGORY) and not _LIST_OR_CLAUSE.search(before):
                start = found
            break
    platform = _PLATFORM_VERB.match(text, start, end)
    if platform:
        start = platform.end()
    if text.startswith("公开", start) and end - start > 3 and text.endswith(_PUBLISHED, start, end):
        start += 2
    trimmed = True
    while trimmed:
        trimmed = False
        for word in _TRAILING_WORDS:
            cut = end - len(word)
            if cut > start and text.startswith(word, cut) and (len(word) > 1 or cut in _word_bounds(text, start, end)):
                end, trimmed = cut, True
                break
    if end - start > 2 and text[end - 1] in "比较" and _COMPARED_WITH.match(text, end):
        end -= 1
    unit = _BRACKETED_UNIT.search(text, start + 1, end) if text[end - 1] in ")）" else None
    if unit and unit.group(1).lstrip("万亿千百") in _UNIT_WORDS:  # 吨, 万吨
        end = unit.start()
    ceiling = len(text) if ceiling is None else ceiling
    for noun in HEAD_NOUNS:
        after = end + len(noun)
        if after <= ceiling and text.startswith(noun, end):
            bounds = _word_bounds(text, max(start, end - 4), min(ceiling, after + 4))
            if end in bounds and after in bounds:  # 数 of 数十 or 数据 is no head noun
                end = after
            break
    return start, end


def snap_to_words(text: str, spans: Sequence[Span], context: int = 4) -> list[Span]:
    """METRIC spans on whole words: widened where a tagger cut one (庭户 → 家庭户), function words off the front.

    Every METRIC of the dev gold starts and ends on a boundary of jieba's dictionary
    segmentation, while a character tagger now and then stops inside a word
    (出生人口性 for 出生人口性别比). An edge that falls inside a word moves out to the
    word's edge, over Chinese characters only and never into another span. A METRIC that
    starts inside or right after 主动公开/依申请公开 (:data:`CATEGORY_WORDS`) takes the whole
    category word in. A qualifier written after a number (以上, 左右, 以内, 以下) that opens a METRIC
    right after its value goes to the value (90%|以上政务服务事项: ANNOTATION.md keeps qualifiers
    outside every span, and the record carries it). Then words of
    :data:`data.lexicon.METRIC_LEADING_WORDS` (totalisers, time words, prepositions, conjunctions,
    adverbs, copulas) at the front are dropped,
    as long as a word is left and the word does not open a 的-clause of the name. Last,
    :func:`trim_metric_edges` takes verbs, places and function words off either edge.
    jieba segments only ``context`` characters around each METRIC, not the whole text.
    Every rule reads the text in simplified characters (:data:`data.text.TO_SIMPLIFIED`, one
    character for one, so offsets hold), as jieba's dictionary and the lexicon are written:
    a traditional-script report (主動公開政府信息) is repaired as its simplified twin is.

    >>> text = "全区家庭户达到3.1万户"
    >>> snap_to_words(text, [Span(3, 5, "METRIC"), Span(7, 11, "VALUE")])[0]
    Span(start=2, end=5, label='METRIC')
    """
    text = text.translate(TO_SIMPLIFIED)
    spans = sorted(spans)
    out = list(spans)
    for i, span in enumerate(spans):
        if span.label != "METRIC":
            continue
        floor = out[i - 1].end if i else 0  # the previous span as already widened
        ceiling = spans[i + 1].start if i + 1 < len(spans) else len(text)
        lo, hi = max(floor, span.start - context), min(ceiling, span.end + context)
        start, end = span.start, span.end
        # jieba segments the window only when a dictionary word crosses an edge or a function word leads
        bounds = _word_bounds(text, lo, hi) if _in_word(text, start, lo, hi) or _in_word(text, end, lo, hi) else None
        if bounds is not None and start not in bounds:
            edge = max(b for b in bounds if b < start)
            if all(_HAN.match(c) for c in text[edge:start]):
                start = edge
        if bounds is not None and end not in bounds:
            edge = min(b for b in bounds if b > end)
            if all(_HAN.match(c) for c in text[end:edge]):
                end = edge
        # The two categories of information open the name they qualify (主动公开|政府信息).
        for category in CATEGORY_WORDS:
            # the earliest occurrence that covers the character before the start
            found = text.find(category, max(floor, start - len(category)), start - 1 + len(category))
            if found >= 0:
                start = found
                break
        # A qualifier the value before the name left to it (90%|以上政务服务事项) is the value's, not the name's.
        if i and floor == start and out[i - 1].label in ("VALUE", "UNIT"):
            word = next((w for w in _QUALIFIERS_AFTER_WORDS if text.startswith(w, start) and start + len(w) < end), None)
            if word is not None:
                start += len(word)
        # A word that never opens a metric name is dropped from the front (主要涉及市容管理 → 市容管理),
        # unless it opens a 的-clause that is part of the name (涉及教育的复议案件).
        # The word is the longest of the list that ends where a word of jieba's does: jieba may
        # cut one of them in pieces (上|年度|结转), never one that is part of a longer word (为民|服务).
        while _leads_with_function_word(text, start, end):
            if bounds is None:
                bounds = _word_bounds(text, lo, hi)
            nxt = max((start + k for k in range(1, min(_LONGEST_FUNCTION_WORD, end - start - 1) + 1)
                       if start + k in bounds and text[start:start + k] in METRIC_LEADING_WORDS), default=None)
            if nxt is None or (text[start:nxt] != "的" and "的" in text[nxt:end]):
                break
            start = nxt
        start, end = trim_metric_edges(text, start, end, ceiling)
        if (start, end) != (span.start, span.end):
            out[i] = Span(start, end, span.label)
    return out


# What may run on across a VALUE's edge when it stops inside a number: digits and their point,
# Chinese numerals and magnitudes, 余/多, 负, the 之 of 百分之/三分之一, a range's dash or 至.
_NUMBER_EDGE_CHARS = frozenset("0123456789０１２３４５６７８９.．,之") | NUMERAL_CHARS | SIGNS | RANGE_SEPARATORS
_MAX_DIGITS = 40  # how far around a VALUE a number is looked for


def snap_to_numbers(text: str, spans: Sequence[Span]) -> list[Span]:
    """VALUE spans on whole numbers: one that starts or stops inside a number takes all of it.

    A character tagger now and then tags part of a number (00 of 1800, 9.9 of 9.91, 3 of
    30日, 百分之三 of 百分之三十) or leaves a numeral in the name before it (支付补助壹 |
    仟贰佰元); a VALUE never splits a number in the annotation, so its edges move out to the
    number's as :func:`data.numbers.find_numbers` reads it (the rule baseline's reading,
    which the guide's VALUEs follow: 3000余, 1.2万余, 百分之四十, 3-5). An edge never moves
    into another span, except that the numerals a METRIC just before took from the number
    go back to the VALUE.

    >>> text = "尺寸为500×1800毫米,用时30日"
    >>> snapped = snap_to_numbers(text, [Span(9, 11, "VALUE"), Span(11, 13, "UNIT"), Span(16, 17, "VALUE")])
    >>> [text[s.start:s.end] for s in snapped]
    ['1800', '毫米', '30']
    >>> text = "支付补助壹仟贰佰元"
    >>> [text[s.start:s.end] for s in snap_to_numbers(text, [Span(0, 5, "METRIC"), Span(5, 8, "VALUE"), Span(8, 9, "UNIT")])]
    ['支付补助', '壹仟贰佰', '元']
    """
    spans = sorted(spans)
    out = list(spans)
    for i, span in enumerate(spans):
        if span.label != "VALUE":
            continue
        start, end = span.start, span.end
        if text[start - 1:start] not in _NUMBER_EDGE_CHARS and text[end:end + 1] not in _NUMBER_EDGE_CHARS:
            continue  # no number runs across either edge
        lo = max(0, start - _MAX_DIGITS)
        for s, e, _ in find_numbers(text[lo:min(len(text), end + _MAX_DIGITS)]):
            if s + lo < span.end and span.start < e + lo:
                start, end = min(start, s + lo), max(end, e + lo)
        before = out[i - 1] if i else None
        if before is not None and start < before.end:
            if before.label == "METRIC" and before.start < start and all(c in _NUMBER_EDGE_CHARS for c in text[start:before.end]):
                out[i - 1] = Span(before.start, start, before.label)
            else:
                start = max(start, before.end)
        if i + 1 < len(spans):
            end = min(end, spans[i + 1].start)
        if (start, end) != (span.start, span.end):
            out[i] = Span(start, end, span.label)
    return out


# What may stand between the numbers of one VALUE span that holds several: a list's commas and
# 、, and a ratio's colons (9.6︰45.1︰45.3).
_VALUE_LIST_SEPARATORS = frozenset(",，、" + RATIO_COLONS)


def split_value_lists(text: str, spans: Sequence[Span], scores: Sequence[float]) -> tuple[list[Span], list[float]]:
    """Sorted ``spans`` (with their scores) where a VALUE that holds several numbers is one VALUE each.

    A tagger now and then tags a list or a ratio whole: 各是3618.25,3702.46万元, or a ratio
    whose colons an encoding turned into ︰ (9.6︰45.1︰45.3). That is no number, and the record
    kept only the longest one. Where the numbers :func:`data.numbers.find_numbers` reads in such
    a span are all of it but commas, 、 and colons between them, each is a VALUE, as the guide
    tags a list and a ratio. A span whose numbers group thousands with a comma (1,234,5678) is
    left as it is: its commas are no list's.

    >>> text = "收支各是3618.25,3702.46万元,比例为9.6︰45.1︰45.3"
    >>> spans = [Span(4, 20, "VALUE"), Span(20, 21, "UNIT"), Span(25, 39, "VALUE")]
    >>> [text[s.start:s.end] for s in split_value_lists(text, spans, [0.9] * 3)[0]]
    ['3618.25', '3702.46万', '元', '9.6', '45.1', '45.3']
    """
    out: list[Span] = []
    kept: list[float] = []
    for span, score in sorted(zip(spans, scores)):
        members = _list_members(text[span.start:span.end]) if span.label == "VALUE" else None
        if members is None:
            out.append(span)
            kept.append(score)
        else:
            out.extend(Span(span.start + s, span.start + e, "VALUE") for s, e in members)
            kept.extend([score] * len(members))
    return out, kept


def _list_members(value: str) -> list[tuple[int, int]] | None:
    """The numbers of a VALUE text that is a list or ratio of several (:func:`split_value_lists`), else None."""
    if parse_number(value).ok:
        return None
    numbers = [(s, e) for s, e, _ in find_numbers(value)]
    if len(numbers) < 2 or numbers[0][0] != 0 or numbers[-1][1] != len(value) \
            or any("," in value[s:e] for s, e in numbers):
        return None
    gaps = [value[a:b].strip() for (_, a), (b, _) in zip(numbers, numbers[1:])]
    return numbers if all(gap and set(gap) <= _VALUE_LIST_SEPARATORS for gap in gaps) else None


def spaced_numbers(text: str, spans: Sequence[Span], scores: Sequence[float]) -> tuple[list[Span], list[float]]:
    """Sorted ``spans`` (with their scores) where a number a space cut into pieces is one VALUE.

    A PDF reader spaces Arabic digits off the Chinese characters beside them, inside a number
    too (3 分之 2, 千分之 4.9, 负 43.73, 1252 万1300): the tagger then tags the pieces, and a
    share of two thirds came out as the records 3 and 2, a fall of 43.73% as a rise. Where a
    number read with those spaces taken out (:func:`data.numbers.join_reader_spaces`) holds a
    VALUE, the spans inside it become one VALUE, spaces inside, with the lowest of their
    scores, and a span across its edge stops there (docs/annotation.md).

    >>> text = "占 3 分之 2,增长负 43.73%"
    >>> spans = [Span(2, 3, "VALUE"), Span(4, 6, "UNIT"), Span(7, 8, "VALUE"), Span(9, 12, "METRIC"),
    ...          Span(13, 18, "VALUE"), Span(18, 19, "UNIT")]
    >>> [(text[s.start:s.end], s.label) for s in spaced_numbers(text, spans, [1.0] * 6)[0]]
    [('3 分之 2', 'VALUE'), ('增长', 'METRIC'), ('负 43.73', 'VALUE'), ('%', 'UNIT')]
    """
    joined, index = join_reader_spaces(text)
    pairs = sorted(zip(spans, scores))
    if len(joined) == len(text):
        return [span for span, _ in pairs], [score for _, score in pairs]
    for s, e, _ in find_numbers(joined):
        start, end = index[s], index[e - 1] + 1
        values = [score for span, score in pairs if span.label == "VALUE" and span.start < end and start < span.end]
        if end - start == e - s or not values:
            continue   # no space inside, or no value the tagger saw there
        kept = [(Span(start, end, "VALUE"), min(values))]
        for span, score in pairs:
            if span.start < start < span.end:   # 增长负: the name stops where the number begins
                span = Span(span.start, len(text[:start].rstrip()), span.label)
            elif span.start < end < span.end:
                span = Span(end + len(text[end:span.end]) - len(text[end:span.end].lstrip()), span.end, span.label)
            elif start <= span.start and span.end <= end:
                continue
            kept.append((span, score))
        pairs = sorted(kept)
    return [span for span, _ in pairs], [score for _, score in pairs]


# A decimal point a space cut off one side of its number (98. 5%, 2 .7倍).
_BROKEN_DECIMAL = re.compile(r"[0-9０-９][.．][ \t\u3000]+[0-9０-９]|[0-9０-９][ \t\u3000]+[.．][0-9０-９]")


def broken_decimals(text: str, spans: Sequence[Span], scores: Sequence[float]) -> tuple[list[Span], list[float]]:
    """Sorted ``spans`` (with their scores) without the pieces of a decimal a space broke at its point.

    98. 5% may be 98.5% or the end of one sentence and a 5% of the next, and 2 .7倍 a 2.7 or a
    2 and .7: the number cannot be told, so docs/annotation.md gives it no span (the parser
    joins no space at a decimal point, :func:`data.numbers.join_reader_spaces`). A tagger
    tagged the pieces as two numbers, a wrong value each; a VALUE that touches such a point goes,
    and so does the UNIT right after it.

    >>> text = "小康指数为98. 5%,是上年的2 .7倍,办结3件"
    >>> spans = [Span(5, 7, "VALUE"), Span(9, 10, "VALUE"), Span(10, 11, "UNIT"), Span(16, 17, "VALUE"),
    ...          Span(18, 20, "VALUE"), Span(20, 21, "UNIT"), Span(24, 25, "VALUE"), Span(25, 26, "UNIT")]
    >>> [text[s.start:s.end] for s in broken_decimals(text, spans, [1.0] * 8)[0]]
    ['3', '件']
    """
    pairs = sorted(zip(spans, scores))
    broken = [m.span() for m in _BROKEN_DECIMAL.finditer(text)]
    if not broken:
        return [span for span, _ in pairs], [score for _, score in pairs]
    kept: list[tuple[Span, float]] = []
    dropped_end = -1   # the end of the last VALUE dropped: a UNIT right after it goes too
    for span, score in pairs:
        if span.label == "VALUE" and any(span.start < b and a < span.end for a, b in broken):
            dropped_end = span.end
            continue
        if span.label == "UNIT" and 0 <= dropped_end <= span.start and not text[dropped_end:span.start].strip():
            continue
        kept.append((span, score))
    return [span for span, _ in kept], [score for _, score in kept]


# What a space cuts off a number in a PDF's text layer (62857 万元, 8400 多条): a magnitude, or 余/多.
_CUT_MAGNITUDE = re.compile(r"[万萬亿億千百]+")


def spaced_number_ends(text: str, spans: Sequence[Span], scores: Sequence[float]
                       ) -> tuple[list[Span], list[float]]:
    """Sorted ``spans`` (with their scores) where a space cut a magnitude or 余/多 off a number.

    PDF text spaces a number apart from the characters after it (62857 万元, 8400 多条), and
    the tagger reads the magnitude as a VALUE of its own, which is no number: the record lost
    its unit, and its value was ten thousand times too small with nothing to say so.
    docs/annotation.md puts a magnitude cut off by a space into the unit (137.43 【万亩】:
    value 137.43, unit 万亩), so such a VALUE becomes a UNIT, joined with the UNIT right after
    it; a lone 余 or 多 goes (spaces are in no span), and so does one before the magnitude (33000
    多万平方米: 33000 in 万平方米), the record approximate (:func:`inference.records.build_records`,
    which links the unit across it).

    >>> text = "增加值 62857 万元,公开 8400 多条"
    >>> spans = [Span(4, 9, "VALUE"), Span(10, 11, "VALUE"), Span(11, 12, "UNIT"),
    ...          Span(16, 20, "VALUE"), Span(21, 22, "VALUE"), Span(22, 23, "UNIT")]
    >>> [(text[s.start:s.end], s.label) for s in spaced_number_ends(text, spans, [1.0] * 6)[0]]
    [('62857', 'VALUE'), ('万元', 'UNIT'), ('8400', 'VALUE'), ('条', 'UNIT')]
    """
    out: list[Span] = []
    kept: list[float] = []
    skip = False
    for i, (span, score) in enumerate(zip(spans, scores)):
        if skip:
            skip = False
            continue
        before = out[-1] if out else None
        cut_off = span.label == "VALUE" and before is not None and before.label == "VALUE" \
            and before.end < span.start and text[before.end:span.start].isspace()
        # a 余/多 cut off with the magnitude after it (33000 多万平方米) goes, as a lone one does
        start = span.start + 1 if cut_off and span.end - span.start > 1 and text[span.start] in APPROX else span.start
        if cut_off and _CUT_MAGNITUDE.fullmatch(text, start, span.end):
            after = spans[i + 1] if i + 1 < len(spans) else None
            if after is not None and after.label == "UNIT" and after.start == span.end:
                span, score, skip = Span(start, after.end, "UNIT"), min(score, scores[i + 1]), True
            else:
                span = Span(start, span.end, "UNIT")
        elif cut_off and span.end - span.start == 1 and text[span.start] in APPROX:
            continue
        out.append(span)
        kept.append(score)
    return out, kept


# A number a name begins with, spaced off the name's next word in a PDF's text layer (60 岁及以上人口,
# 0—14 岁人口, 60 至 104 岁参保人员): digits, or a range of two.
_NAME_NUMBER = "[0-9０-９]+(?:[.．][0-9０-９]+)?"
# What may stand before such a number: a Chinese character or a clause's opening punctuation,
# not a date's or a code's hyphen (阅读3   2023-05-17   收藏12: 05-17 is no name's number).
_CLAUSE_OPENERS = frozenset("，,、；;：:（(“「《。")
_SPACED_NAME_NUMBER = re.compile(rf"(?<![0-9０-９.．]){_NAME_NUMBER}(?:\s*[{''.join(sorted(RANGE_SEPARATORS))}]\s*{_NAME_NUMBER})?\s+$")


def _opens_a_name(text: str, pos: int) -> bool:
    """Whether what stands before ``pos``, spaces passed over, is a Chinese character, a clause's
    opening punctuation or the text's start."""
    j = pos - 1
    while j >= 0 and text[j].isspace():
        j -= 1
    return j < 0 or bool(_HAN.match(text[j])) or text[j] in _CLAUSE_OPENERS


def spaced_name_numbers(text: str, spans: Sequence[Span]) -> list[Span]:
    """Sorted ``spans`` with a METRIC that a space cut apart made whole again.

    Word and Writer space digits apart from the Chinese after them, and PDF readers keep the
    space: 60岁及以上人口 comes back as 60 岁及以上人口, and the tagger, which learnt the name with
    its number, names it from 岁, or tags 60 and 岁及以上人口 as two names. A METRIC that begins
    right after such a space takes in the METRIC before the space, or the number before it when
    the number is in no span (so no value of the sentence) and follows a Chinese character or a
    clause's opening, and is no part of an address or a page's date-time stamp
    (:func:`data.text.address_spans`): a name broken by a space is tagged whole, space inside
    (docs/annotation.md).

    >>> text = "全县60 岁及以上人口为18305 人,0—14 岁人口1.2 万人"
    >>> spans = [Span(2, 4, "METRIC"), Span(5, 11, "METRIC"), Span(12, 17, "VALUE"), Span(18, 19, "UNIT"),
    ...          Span(25, 28, "METRIC"), Span(28, 31, "VALUE"), Span(32, 34, "UNIT")]
    >>> [text[s.start:s.end] for s in spaced_name_numbers(text, spans) if s.label == "METRIC"]
    ['60 岁及以上人口', '0—14 岁人口']
    """
    out: list[Span] = []
    for span in spans:
        before = out[-1] if out else None
        if span.label == "METRIC" and span.start and text[span.start - 1].isspace():
            if before is not None and before.label == "METRIC" and text[before.end:span.start].isspace():
                out[-1] = Span(before.start, span.end, "METRIC")
                continue
            floor = before.end if before is not None else 0
            cut = _SPACED_NAME_NUMBER.search(text, max(floor, span.start - _MAX_DIGITS), span.start)
            if cut is not None and _opens_a_name(text, cut.start()) \
                    and not any(a <= cut.start() < b for a, b in address_spans(text)):   # 17:55 阅读: a clock's
                span = Span(cut.start(), span.end, "METRIC")
        out.append(span)
    return out


@functools.lru_cache(maxsize=1)
def _number_words() -> frozenset[str]:
    """The numeral and quantity words of jieba's dictionary (两种, 五个, 一批, 七十万).

    Words with a numeral in them that the dictionary tags m, mq or q: about 12,000 of its
    349,000. Read from the dictionary file itself (a third of a second, once): jieba.posseg's table of
    every word's tag would hold 45 MiB for these.
    """
    words = set()
    with load_segmenter().dt.get_dict_file() as lines:
        for line in lines:
            fields = line.decode("utf-8").split()  # word, count, tag
            if len(fields) == 3 and fields[2][0] in "mq" and any(c in NUMERAL_CHARS for c in fields[0]):
                words.add(fields[0])
    return frozenset(words)


def load_dictionaries() -> None:
    """Load what span repair reads lazily: jieba's dictionary and the numeral words drawn from it."""
    load_segmenter()
    _number_words()


def drop_numerals_in_words(text: str, spans: Sequence[Span], scores: Sequence[float], context: int = 4
                           ) -> tuple[list[Span], list[float]]:
    """Sorted ``spans`` (with their scores) less the VALUEs that are a numeral inside a word.

    ANNOTATION.md never tags a number inside a name or a set phrase, but a character tagger
    now and then takes the numeral of an ordinary word (四舍五入, 单一, 统一, 一律). A VALUE
    written in Chinese numerals goes when a word of jieba's dictionary holds it and more,
    unless the dictionary files that word as a numeral or quantity (两种, 五个: see
    :func:`_number_words`), or what the word adds before it is a qualifier (近|百) and what
    it adds after is more numerals (七十|万), a qualifier, or the UNIT span that follows
    (二|级). In an ordinary word the number finder skips (``ORDINARY_WORDS``: 一致, 一起, 零部件,
    whatever the dictionary files it as) that UNIT must be a measure word: 一|起 is one case,
    一|致 no number. A quantity word whose 一 is an article (``data.lexicon.ARTICLE_NUMERALS``: 一批,
    一些; and 一个, 一项, 一份 before a noun, ``ARTICLE_NUMERALS_BEFORE_NOUNS``) goes all the same.
    The VALUE and UNIT spans inside that word go with it. The text is read in simplified characters,
    as in :func:`snap_to_words` (四捨五入 is 四舍五入).

    >>> text = "分项之和因四舍五入略有差异,较为单一;县、乡二级平台,解决了一批问题,与实际一致"
    >>> spans = [Span(6, 7, "UNIT"), Span(7, 8, "VALUE"), Span(17, 18, "VALUE"), Span(22, 23, "VALUE"),
    ...          Span(23, 24, "UNIT"), Span(30, 31, "VALUE"), Span(31, 32, "UNIT"), Span(38, 39, "VALUE"), Span(39, 40, "UNIT")]
    >>> [text[s.start:s.end] for s in drop_numerals_in_words(text, spans, [1.0] * 9)[0]]
    ['二', '级']
    """
    text = text.translate(TO_SIMPLIFIED)
    words: list[tuple[int, int]] = []
    for i, span in enumerate(spans):
        start, end = span.start, span.end
        # only VALUEs written in Chinese numerals (the first character rules out most numbers)
        if span.label != "VALUE" or text[start] not in NUMERAL_CHARS or end - start > _MAX_DIGITS \
                or not all(c in NUMERAL_CHARS for c in text[start:end]):
            continue  # (no dictionary word is _MAX_DIGITS long: a longer run is never a word's part)
        lo, hi = max(0, start - context), min(len(text), end + context)
        if not (_in_word(text, start, lo, hi) or _in_word(text, end, lo, hi)):
            continue
        bounds = _word_bounds(text, lo, hi)
        if any(b in bounds for b in range(start + 1, end)):
            continue  # the VALUE spans several words: not one word's part
        word_start = max(b for b in bounds if b <= start)
        word_end = min(b for b in bounds if b >= end)
        if text[word_start:word_end] in ARTICLE_NUMERALS or (
                text[word_start:word_end] in ARTICLE_NUMERALS_BEFORE_NOUNS and _HAN.match(text, word_end)
                and not text.startswith(QUALIFIERS_AFTER, word_end)):   # (一份以下 counts)
            words.append((word_start, word_end))
            continue
        ordinary = text[word_start:word_end] in ORDINARY_WORDS
        if text[word_start:word_end] in _number_words() and not ordinary:
            continue
        before, after = text[word_start:start], text[end:word_end]
        unit_after = i + 1 < len(spans) and spans[i + 1].label == "UNIT" and spans[i + 1].start == end \
            and spans[i + 1].end >= word_end and (after in MEASURE_WORDS or not ordinary)
        if (before and before not in QUALIFIERS_BEFORE) or (
                after and not (unit_after or after in QUALIFIERS_AFTER or all(c in NUMERAL_CHARS for c in after))):
            words.append((word_start, word_end))
    if not words:
        return list(spans), list(scores)
    return _select(spans, scores, lambda span: span.label == "METRIC"
                   or not any(a <= span.start and span.end <= b for a, b in words))


def drop_spans_in_addresses(text: str, spans: Sequence[Span], scores: Sequence[float]
                            ) -> tuple[list[Span], list[float]]:
    """``spans`` (with their scores) less those that are part of an address.

    ANNOTATION.md counts URLs and addresses among the identifiers, whose numbers are no
    VALUE. A VALUE or UNIT that touches a web, e-mail or postal address
    (:func:`data.text.address_spans`) goes, and so does a METRIC inside one: the numbers of
    ``http://10.20.30.40/list?id=2071``, ``%E6%8A``, ``xxgk2019@163.com`` or ``地址:人民路8号302室``
    measure nothing. A METRIC that reaches outside an address stays.

    >>> text = "可在网站(http://www.jl.gov.cn/zw/2019)查阅,共发布信息252条"
    >>> spans = [Span(29, 33, "VALUE"), Span(42, 45, "VALUE"), Span(45, 46, "UNIT")]
    >>> [text[s.start:s.end] for s in drop_spans_in_addresses(text, spans, [1.0] * 3)[0]]
    ['252', '条']
    """
    found = address_spans(text)
    if not found:
        return list(spans), list(scores)

    def outside(span: Span) -> bool:
        if span.label == "METRIC":
            return not any(a <= span.start and span.end <= b for a, b in found)
        return not any(span.start < b and a < span.end for a, b in found)

    return _select(spans, scores, outside)


def _select(spans: Sequence[Span], scores: Sequence[float], keep: Callable[[Span], bool]
            ) -> tuple[list[Span], list[float]]:
    """The spans ``keep`` accepts, each with its score."""
    kept = [(span, score) for span, score in zip(spans, scores) if keep(span)]
    return [span for span, _ in kept], [score for _, score in kept]
