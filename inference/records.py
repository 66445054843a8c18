"""Turn METRIC/VALUE/UNIT spans into records, as ANNOTATION.md's "Records" section defines them.

The whole step is pure functions on a text and its spans, so any tagger (the model, a
rule baseline, the gold labels) can feed it. Each VALUE gives one record:

- its **number** comes from the shared parser (:func:`data.numbers.parse_number`);
- its **unit** is the UNIT right after it, the unit a list shares (4.2、4.3和3.2个百分点),
  or "%" for 百分之X;
- its **qualifier** is a word of :data:`data.lexicon.QUALIFIERS_BEFORE` right before it or
  of :data:`data.lexicon.QUALIFIERS_AFTER` right after its unit;
- its **metric** is found by the rules :func:`build_records` lists, never across a sentence end.

>>> text = "其中,信函申请13208宗,占27.5%。"
>>> spans = [Span(3, 7, "METRIC"), Span(7, 12, "VALUE"), Span(12, 13, "UNIT"),
...          Span(15, 19, "VALUE"), Span(19, 20, "UNIT")]
>>> [(r.metric, r.value, r.unit, r.raw) for r in build_records(text, spans)]
[('信函申请', 13208, '宗', '13208宗'), ('信函申请', 27.5, '%', '27.5%')]
"""

from __future__ import annotations

import bisect
import functools
import logging
import re
import unicodedata
from dataclasses import dataclass, replace
from typing import Callable, Sequence

from data.lexicon import QUALIFIERS_AFTER, QUALIFIERS_BEFORE
from data.numbers import NUMERAL_CHARS, find_numbers, parse_number
from data.schema import LABELS, Record, Span
from data.text import address_spans, split_sentences
from inference.kinds import with_kind

logger = logging.getLogger(__name__)

__all__ = [
    "build_records",
    "clean_spans",
    "clean_scored_spans",
    "snap_to_words",
    "snap_to_numbers",
    "drop_numerals_in_words",
    "drop_spans_in_addresses",
    "load_dictionaries",
    "clear_word_cache",
    "spans_from_tags",
    "spans_from_labels",
    "clause_starts",
    "sentence_bounds",
    "find_qualifier",
    "shift_record",
    "SENTENCE_KEY",
]

# Records carry the offsets of the sentence they came from under this key (Record.extra).
SENTENCE_KEY = "sentence_span"

# ---------------------------------------------------------------------------------------------
# Span repair
# ---------------------------------------------------------------------------------------------

_PAIRS = {"“": "”", "‘": "’", "「": "」", "『": "』", "《": "》", "〈": "〉", "(": ")", "（": "）",
          "[": "]", "【": "】", "〔": "〕", '"': '"', "'": "'"}
_CLOSERS = {close: open_ for open_, close in _PAIRS.items()}
# Signs a VALUE may start with and symbols a VALUE or UNIT may end with; all other
# punctuation at a span's edge is trimmed.
_SIGNS = frozenset("-−－+＋")
_PERCENT = frozenset("%％‰‱﹪")
_EDGE_SYMBOLS = frozenset("•·・…—～~|/\\*#@^_=`")


@functools.lru_cache(maxsize=8192)
def _is_edge_junk(c: str) -> bool:
    return c.isspace() or c in _EDGE_SYMBOLS or unicodedata.category(c)[0] in "PZC"


def _trim(text: str, span: Span) -> Span | None:
    """``span`` without spaces and punctuation at its edges; None when nothing is left.

    A bracket or quote stays when its partner is inside the span (【“最多跑一次”事项】,
    【县(市、区)】); a VALUE keeps a leading sign, a VALUE or UNIT a trailing %.
    """
    start, end = span.start, span.end
    if not _is_edge_junk(text[start]) and not _is_edge_junk(text[end - 1]):
        return span  # the common case
    while start < end:
        c = text[start]
        if not _is_edge_junk(c):
            break
        if c in _PAIRS and _PAIRS[c] in text[start + 1:end]:
            break
        if span.label == "VALUE" and c in _SIGNS and start + 1 < end and not _is_edge_junk(text[start + 1]):
            break
        if span.label == "UNIT" and c in _PERCENT:
            break
        start += 1
    while end > start:
        c = text[end - 1]
        if not _is_edge_junk(c):
            break
        if c in _CLOSERS and _CLOSERS[c] in text[start:end - 1]:
            break
        if span.label != "METRIC" and c in _PERCENT:
            break
        end -= 1
    if start >= end:
        return None
    if end - start > 2 and text[start] in _PAIRS and text[end - 1] == _PAIRS[text[start]] \
            and _PAIRS[text[start]] not in text[start + 1:end - 1]:
        # Quotes wrapping the whole name stay outside it (“【同意公开答复】”).
        return _trim(text, Span(start + 1, end - 1, span.label))
    return span if (start, end) == (span.start, span.end) else Span(start, end, span.label)


def clean_spans(text: str, spans: Sequence[Span]) -> list[Span]:
    """Sorted spans with spaces and punctuation trimmed off, empty ones dropped.

    Overlapping spans (never produced by tags, possible in hand-made lists) keep the
    earlier one.

    >>> text = "“同意公开答复”781件,"
    >>> clean_spans(text, [Span(0, 8, "METRIC"), Span(8, 11, "VALUE"), Span(11, 13, "UNIT")])
    [Span(start=1, end=7, label='METRIC'), Span(start=8, end=11, label='VALUE'), Span(start=11, end=12, label='UNIT')]
    """
    return clean_scored_spans(text, spans, [1.0] * len(spans))[0]


def clean_scored_spans(text: str, spans: Sequence[Span], scores: Sequence[float]
                       ) -> tuple[list[Span], list[float]]:
    """:func:`clean_spans` for spans with one score each; a trimmed span keeps its score."""
    out: list[Span] = []
    kept: list[float] = []
    for span, score in sorted(zip(spans, scores), key=lambda pair: pair[0]):
        trimmed = _trim(text, span)
        if trimmed is None or (out and trimmed.start < out[-1].end):
            continue
        out.append(trimmed)
        kept.append(score)
    return out, kept


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


# Words ANNOTATION.md keeps out of a METRIC that taggers still put at its front: totalisers,
# time words, and the prepositions, conjunctions, adverbs and copulas that lead into a name.
# Verbs that name a category (主动公开, 办结) are not here: they belong to the name.
LEADING_FUNCTION_WORDS = frozenset(
    "将 把 对 向 在 从 由 经 通过 和 与 及 以及 或 并 其中 包括 包含 涉及 主要 主要涉及 属于 均 都 已 "
    "共 共有 共计 累计 合计 总计 各类 全年 年内 为 是 的 了".split()
)

_LONGEST_FUNCTION_WORD = max(map(len, LEADING_FUNCTION_WORDS))


def _leads_with_function_word(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` opens with a word of :data:`LEADING_FUNCTION_WORDS` and goes on after it."""
    longest = min(_LONGEST_FUNCTION_WORD, end - start - 1)
    return any(text[start:start + k] in LEADING_FUNCTION_WORDS for k in range(1, longest + 1))


# ANNOTATION.md: in this genre 主动公开 and 依申请公开 name the two categories of information and
# stay in the METRIC even where they read as verbs; taggers that learnt 公开 as a verb cut them off.
CATEGORY_WORDS = ("依申请公开", "主动公开")


def snap_to_words(text: str, spans: Sequence[Span], context: int = 4) -> list[Span]:
    """METRIC spans on whole words: widened where a tagger cut one (庭户 → 家庭户), function words off the front.

    Every METRIC of the dev gold starts and ends on a boundary of jieba's dictionary
    segmentation, while a character tagger now and then stops inside a word
    (出生人口性 for 出生人口性别比). An edge that falls inside a word moves out to the
    word's edge, over Chinese characters only and never into another span. A METRIC that
    starts inside or right after 主动公开/依申请公开 (:data:`CATEGORY_WORDS`) takes the whole
    category word in. Then words of :data:`LEADING_FUNCTION_WORDS` at the front are dropped,
    as long as a word is left and the word does not open a 的-clause of the name.
    jieba segments only ``context`` characters around each METRIC, not the whole text.

    >>> text = "全区家庭户达到3.1万户"
    >>> snap_to_words(text, [Span(3, 5, "METRIC"), Span(7, 11, "VALUE")])[0]
    Span(start=2, end=5, label='METRIC')
    """
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
        # A word that never opens a metric name is dropped from the front (主要涉及市容管理 → 市容管理),
        # unless it opens a 的-clause that is part of the name (涉及教育的复议案件).
        while _leads_with_function_word(text, start, end):
            if bounds is None:
                bounds = _word_bounds(text, lo, hi)
            nxt = min((b for b in bounds if b > start), default=end)
            word = text[start:nxt]
            if nxt >= end or word not in LEADING_FUNCTION_WORDS or (word != "的" and "的" in text[nxt:end]):
                break
            start = nxt
        if (start, end) != (span.start, span.end):
            out[i] = Span(start, end, span.label)
    return out


# A number as digits: ASCII or full-width, with decimal points between digits (9.91, ３．５).
_DIGIT_RUN = re.compile(r"[0-9０-９]+(?:[.．][0-9０-９]+)*")
_DIGIT_RUN_CHARS = frozenset("0123456789０１２３４５６７８９.．")
_MAX_DIGITS = 40  # how far around a VALUE a number is looked for


def snap_to_numbers(text: str, spans: Sequence[Span]) -> list[Span]:
    """VALUE spans on whole numbers: one that starts or stops inside a run of digits takes the run.

    A character tagger now and then tags part of a number (00 of 1800, 9.9 of 9.91, 3 of
    30日); a VALUE never splits a number in the annotation, so its edge moves out to the
    number's, never into another span.

    >>> text = "尺寸为500×1800毫米,用时30日"
    >>> snapped = snap_to_numbers(text, [Span(9, 11, "VALUE"), Span(11, 13, "UNIT"), Span(16, 17, "VALUE")])
    >>> [text[s.start:s.end] for s in snapped]
    ['1800', '毫米', '30']
    """
    spans = sorted(spans)
    out = list(spans)
    for i, span in enumerate(spans):
        if span.label != "VALUE":
            continue
        floor = out[i - 1].end if i else 0
        ceiling = spans[i + 1].start if i + 1 < len(spans) else len(text)
        start, end = span.start, span.end
        if text[start - 1:start] not in _DIGIT_RUN_CHARS and text[end:end + 1] not in _DIGIT_RUN_CHARS:
            continue  # no number runs across either edge
        for m in _DIGIT_RUN.finditer(text, max(floor, start - _MAX_DIGITS), min(ceiling, end + _MAX_DIGITS)):
            if m.start() < start < m.end():
                start = m.start()
            if m.start() < end < m.end():
                end = m.end()
        if (start, end) != (span.start, span.end):
            out[i] = Span(start, end, span.label)
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
    unless the dictionary files that word as a numeral or quantity (两种, 一批: see
    :func:`_number_words`), or what the word adds before it is a qualifier (近|百) and what
    it adds after is more numerals (七十|万), a qualifier, or the UNIT span that follows
    (二|级). The VALUE and UNIT spans inside that word go with it.

    >>> text = "分项之和因四舍五入略有差异,较为单一;县、乡二级平台"
    >>> spans = [Span(6, 7, "UNIT"), Span(7, 8, "VALUE"), Span(17, 18, "VALUE"),
    ...          Span(22, 23, "VALUE"), Span(23, 24, "UNIT")]
    >>> [text[s.start:s.end] for s in drop_numerals_in_words(text, spans, [1.0] * 5)[0]]
    ['二', '级']
    """
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
        if text[word_start:word_end] in _number_words():
            continue
        before, after = text[word_start:start], text[end:word_end]
        unit_after = i + 1 < len(spans) and spans[i + 1].label == "UNIT" \
            and spans[i + 1].start == end and spans[i + 1].end >= word_end
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


# One letter per tag, so a whole text's tags become one string that regular expressions
# scan in C instead of a Python loop per character.
_TAG_CODE = {"O": "O", "B-METRIC": "M", "I-METRIC": "m", "B-VALUE": "V", "I-VALUE": "v", "B-UNIT": "U", "I-UNIT": "u"}
# A run of one type's letters is one span, as data.schema.tags_to_spans reads tags: an I-X
# after O opens a span, and a B-X right after an X span continues it (spans of one type never
# touch in the annotation).
_SPAN_RE = re.compile(r"[Mm]+|[Vv]+|[Uu]+")
# the same letters by label id, as a bytes.translate table
_LABEL_CODE = bytes.maketrans(bytes(range(len(LABELS))), "".join(_TAG_CODE[tag] for tag in LABELS).encode("ascii"))
_CODE_TYPE = {"M": "METRIC", "m": "METRIC", "V": "VALUE", "v": "VALUE", "U": "UNIT", "u": "UNIT"}


def spans_from_tags(text: str, tags: Sequence[str], probs: Sequence[float] | None = None
                    ) -> tuple[list[Span], list[float]]:
    """Repaired, trimmed spans from character IOB2 tags, with one confidence per span.

    A span's confidence is the lowest probability of its characters (1.0 without ``probs``).

    >>> spans_from_tags("办结 3件", ["B-METRIC", "I-METRIC", "O", "I-VALUE", "B-UNIT"], [0.9, 0.8, 1, 0.7, 0.95])
    ([Span(start=0, end=2, label='METRIC'), Span(start=3, end=4, label='VALUE'), Span(start=4, end=5, label='UNIT')], [0.8, 0.7, 0.95])
    """
    return _spans_from_codes(text, "".join(map(_TAG_CODE.__getitem__, tags)), probs)


def spans_from_labels(text: str, label_ids: Sequence[int], probs: Sequence[float] | None = None
                      ) -> tuple[list[Span], list[float]]:
    """:func:`spans_from_tags` for label ids in :data:`data.schema.LABELS` order (what a model predicts).

    >>> spans_from_labels("办结3件", [1, 2, 3, 5])[0]
    [Span(start=0, end=2, label='METRIC'), Span(start=2, end=3, label='VALUE'), Span(start=3, end=4, label='UNIT')]
    """
    return _spans_from_codes(text, bytes(label_ids).translate(_LABEL_CODE).decode("ascii"), probs)


def _spans_from_codes(text: str, codes: str, probs: Sequence[float] | None) -> tuple[list[Span], list[float]]:
    spans, scores = [], []
    for m in _SPAN_RE.finditer(codes):
        span = _trim(text, Span(m.start(), m.end(), _CODE_TYPE[codes[m.start()]]))
        if span is None:
            continue
        spans.append(span)
        scores.append(round(float(min(probs[span.start:span.end])), 4) if probs is not None else 1.0)
    return spans, scores


# ---------------------------------------------------------------------------------------------
# Sentences and clauses
# ---------------------------------------------------------------------------------------------

_FULL_STOPS = frozenset("。！？!?")
_SEMICOLONS = frozenset("；;")
_END_CLOSERS = "”’」』)）"


def sentence_bounds(text: str) -> list[tuple[int, int]]:
    """``[start, end)`` of the sentences records are linked within.

    These are :func:`data.text.split_sentences`' sentences, with the pieces it cuts at a
    semicolon joined again: a semicolon separates clauses, and a value with no metric of
    its own takes the metric of an earlier clause (ANNOTATION.md), also across it. Full
    stops, question and exclamation marks and line breaks end a sentence.

    >>> text = "生产总值100亿元;比上年增长5%。全年发文8件\\n其中3件"
    >>> [text[s:e] for s, e in sentence_bounds(text)]
    ['生产总值100亿元;比上年增长5%。', '全年发文8件', '其中3件']
    """
    out: list[tuple[int, int]] = []
    join = False
    for start, end in split_sentences(text):
        if join and "\n" not in text[out[-1][1]:start]:
            out[-1] = (out[-1][0], end)
        else:
            out.append((start, end))
        body = text[out[-1][0]:end].rstrip(_END_CLOSERS)
        run = body[len(body.rstrip("".join(_FULL_STOPS | _SEMICOLONS))):]
        join = bool(run) and not _FULL_STOPS.intersection(run)
    return out


# ---------------------------------------------------------------------------------------------
# Clauses
# ---------------------------------------------------------------------------------------------

# Clause boundaries inside a sentence (ANNOTATION.md: linking falls back to the nearest
# preceding clause). A comma inside a number (1,100) is inside its VALUE span and ignored.
_CLAUSE_MARKS = re.compile(r"[，,；;：:]")


def _inside(spans: Sequence[Span], starts: Sequence[int], pos: int) -> bool:
    """Whether ``pos`` lies inside one of the sorted, non-overlapping ``spans`` (``starts`` their starts)."""
    j = bisect.bisect_right(starts, pos) - 1
    return j >= 0 and spans[j].end > pos


def clause_starts(text: str, start: int, end: int, spans: Sequence[Span]) -> list[int]:
    """Start offsets of the clauses of ``text[start:end]``, cut after ，,；;：: outside spans.

    ``spans`` must be sorted and not overlap (as :func:`clean_spans` returns them).

    >>> clause_starts("其中,信函申请13208宗,占27.5%", 0, 20, [])
    [0, 3, 14]
    """
    span_starts = [s.start for s in spans]
    out = [start]
    for m in _CLAUSE_MARKS.finditer(text, start, end):
        if _inside(spans, span_starts, m.start()):
            continue
        if m.end() < end and m.end() != out[-1]:
            out.append(m.end())
    return out


# ---------------------------------------------------------------------------------------------
# Units, qualifiers, metrics
# ---------------------------------------------------------------------------------------------

# Traditional forms of the characters of qualifier words (以內, 不超過, 約, 將近, 不低於),
# so reports in traditional script get their qualifiers too; a qualifier is given as written.
_TRADITIONAL_QUALIFIER_CHARS = {"内": "內", "于": "於", "过": "過", "约": "約", "将": "將"}
_TO_SIMPLE = str.maketrans({t: s for s, t in _TRADITIONAL_QUALIFIER_CHARS.items()})


def _word_pattern(word: str) -> str:
    return "".join(f"[{c}{_TRADITIONAL_QUALIFIER_CHARS[c]}]" if c in _TRADITIONAL_QUALIFIER_CHARS else re.escape(c)
                   for c in word)


_QUAL_BEFORE = tuple(sorted(QUALIFIERS_BEFORE, key=len, reverse=True))
_QUAL_AFTER = tuple(sorted(QUALIFIERS_AFTER, key=len, reverse=True))
# What may separate the members of a list that share one unit (4.2、4.3和3.2个百分点,
# 450×3750×40mm, 分别为6、2和不足2份) or one metric written after the last
# (883项、1164项…1003项公开事项): a separator, then perhaps the next member's qualifier.
_LIST_GAP = re.compile(r"\s*(?:、|和|及|与|或|以及|×|x|X|\*|至|到|-|~|～|—|–)\s*(?:"
                       + "|".join(_word_pattern(w) for w in _QUAL_BEFORE) + r")?\s*")
# What may stand between a value (with its unit) and the metric it counts when the metric
# comes after: 410个数据集, 86%的事项, 4件为不予公开, 2件属于机关内部事务文件.
_AFTER_GAP = re.compile(r"[\s“”\"‘’《〈「『]*(?:的|为|是|属于|为属于)?[\s“”\"‘’《〈「『]*")
# Nothing but spaces (1128 条).
_SPACE = re.compile(r"\s*")

# A one-character qualifier that is really the end of a word (最近, 节约, 赶超).
_NOT_QUALIFIER_AFTER = {
    "近": frozenset("最附邻靠亲远就临贴鄰親遠臨貼"),
    "约": frozenset("节制签预合契履公条特相违集简缔節製簽預約條違簡締"),
    "超": frozenset("赶高趕"),
}
# 内 qualifies a duration only (5个工作日内, 30日内), not 3个县内.
_DURATION_ENDINGS = ("天", "日", "月", "年", "时", "钟", "周", "秒", "工作日", "星期", "時", "鐘", "週")

_UNIT_NORMAL = str.maketrans({"％": "%", "﹪": "%"})


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
    before = written.translate(_TO_SIMPLE)
    for word in _QUAL_BEFORE:
        if before.endswith(word):
            prev = before[-len(word) - 1] if len(before) > len(word) else ""
            if len(word) == 1 and prev in _NOT_QUALIFIER_AFTER.get(word, ()):
                continue
            return written[len(written) - len(word):]
    written = text[tail:hi].lstrip()
    after = written.translate(_TO_SIMPLE)
    for word in _QUAL_AFTER:
        if after.startswith(word):
            if word == "内" and not (unit and unit.endswith(_DURATION_ENDINGS)):
                continue
            return written[:len(word)]
    return None


@dataclass
class _Value:
    """Working state for one VALUE span while a sentence is linked."""

    span: Span
    index: int  # position in the sentence's span list
    clause: int
    unit: Span | None = None  # the adjacent UNIT span (after, or rarely before)
    shared_unit: Span | None = None  # a list's unit written after a later member
    next_in_list: "_Value | None" = None
    # the last member of the list this value opens; None for the last one itself, so that no
    # value refers to itself and reference counting frees them (no work for the garbage collector)
    list_end: "_Value | None" = None
    metric: int | None = None  # index of the METRIC span

    @property
    def last_in_list(self) -> "_Value":
        return self.list_end or self

    @property
    def tail(self) -> int:
        """End of the value with its unit, when the unit is written after it."""
        return self.unit.end if self.unit is not None and self.unit.start > self.span.start else self.span.end

    @property
    def next_index(self) -> int:
        """Index of the first span after the value and its unit."""
        return self.index + (2 if self.unit is not None and self.unit.start > self.span.start else 1)


def _gap(text: str, start: int, end: int, pattern: re.Pattern) -> bool:
    return start <= end and pattern.fullmatch(text, start, end) is not None


class _Sentence:
    """The spans of one sentence, with the indexes linking needs, all built in linear time."""

    def __init__(self, text: str, spans: list[Span], start: int, end: int):
        self.text, self.spans, self.start, self.end = text, spans, start, end
        self.clauses = clause_starts(text, start, end, spans)
        self.span_starts = [s.start for s in spans]
        self.clause_of = [bisect.bisect_right(self.clauses, s.start) - 1 for s in spans]
        # prev_metric[j]: index of the nearest METRIC before span j in its clause, or -1;
        # prev_value[j]: the same for VALUEs, in the whole sentence.
        self.prev_metric, self.prev_value = [], []
        last, last_value, clause = -1, -1, -1
        for j, span in enumerate(spans):
            if self.clause_of[j] != clause:
                last, clause = -1, self.clause_of[j]
            self.prev_metric.append(last)
            self.prev_value.append(last_value)
            if span.label == "METRIC":
                last = j
            elif span.label == "VALUE":
                last_value = j
        self.values = [_Value(s, j, self.clause_of[j]) for j, s in enumerate(spans) if s.label == "VALUE"]
        self._link_units()

    def _link_units(self) -> None:
        """The UNIT right after a value (spaces allowed), else one right before that no
        value claims (人民币100); then lists: a member without a unit takes the next one's."""
        text, spans = self.text, self.spans
        claimed: set[int] = set()
        for v in self.values:
            j = v.index + 1
            if j < len(spans) and spans[j].label == "UNIT" and _gap(text, v.span.end, spans[j].start, _SPACE):
                v.unit = spans[j]
                claimed.add(j)
        for v in self.values:
            j = v.index - 1
            if v.unit is None and j >= 0 and spans[j].label == "UNIT" and j not in claimed \
                    and _gap(text, spans[j].end, v.span.start, _SPACE):
                v.unit = spans[j]
        for a, b in zip(self.values, self.values[1:]):
            if b.index == a.next_index and _gap(text, a.tail, b.span.start, _LIST_GAP):
                a.next_in_list = b
        for v in reversed(self.values):
            nxt = v.next_in_list
            v.list_end = nxt.last_in_list if nxt is not None else None
            if v.unit is None and nxt is not None:
                v.shared_unit = nxt.unit if nxt.tail != nxt.span.end else nxt.shared_unit

    def _metric_right_after(self, v: _Value) -> int | None:
        """A METRIC written right after the value and its unit (开放410个数据集)."""
        j = v.next_index
        if j < len(self.spans) and self.spans[j].label == "METRIC" \
                and _gap(self.text, v.tail, self.spans[j].start, _AFTER_GAP):
            return j
        return None

    def _metric_before(self, v: _Value) -> int | None:
        """The nearest METRIC before the value in its clause, skipping any after an 占."""
        clause_start = self.clauses[v.clause]
        # 占 (占49.9%, 占比, 占受理总数的7.28%) starts the share part of a clause; a metric
        # written after it names the whole, not what the value measures. Looked for close
        # to the value only, so a long clause costs no more than a short one.
        limit = v.span.start
        pos = self.text.rfind("占", max(clause_start, v.span.start - 40), v.span.start)
        while pos >= 0:
            if not _inside(self.spans, self.span_starts, pos):
                limit = pos
                break
            pos = self.text.rfind("占", max(clause_start, v.span.start - 40), pos)
        j = self.prev_metric[v.index]
        while j >= 0 and self.spans[j].end > limit:
            j = self.prev_metric[j]
        return j if j >= 0 else None

    def link(self) -> list[_Value]:
        """Give every value its metric (see :func:`build_records` for the rules)."""
        spans = self.spans
        fallback: int | None = None  # the metric earlier clauses hand on
        clause_metric: dict[int, int] = {}  # clause -> metric of its last linked value
        last_metric_span: dict[int, int] = {}  # clause -> its last METRIC span
        for j, s in enumerate(spans):
            if s.label == "METRIC":
                last_metric_span[self.clause_of[j]] = j
        current = 0
        for v in self.values:
            while current < v.clause:
                handed = clause_metric.get(current, last_metric_span.get(current))
                if handed is not None:
                    fallback = handed
                current += 1
            v.metric = self._link_one(v)
            if v.metric is None:
                v.metric = fallback
            if v.metric is not None:
                clause_metric[v.clause] = v.metric
        return self.values

    def _link_one(self, v: _Value) -> int | None:
        spans = self.spans
        last = v.last_in_list
        after = self._metric_right_after(last)
        before = self._metric_before(v)
        if after is not None:
            k = after + 1
            followed_by_value = k < len(spans) and spans[k].label == "VALUE" \
                and _gap(self.text, spans[after].end, spans[k].start, _SPACE)
            # Is the metric before this value its own (no other value in between)?
            own_before = before is not None and self.prev_value[v.index] < before
            if not (own_before and followed_by_value):
                return after
        if before is not None:
            return before
        for j in range(last.next_index, len(spans)):
            if self.clause_of[j] != v.clause or spans[j].label == "VALUE":
                break
            if spans[j].label == "METRIC":
                return j
        return None


# ---------------------------------------------------------------------------------------------
# Records
# ---------------------------------------------------------------------------------------------


# The longest VALUE span a number is looked for in when it does not read as one whole: twice
# the longest number data.numbers.find_numbers finds.
_SALVAGE_MAX_CHARS = 80


def _record(sent: _Sentence, v: _Value) -> Record | None:
    text, spans = sent.text, sent.spans
    span = v.span
    value_text = text[span.start:span.end]
    parsed = parse_number(value_text)
    if not parsed.ok:
        # A tagger may take in a stray character (第3, 3次); salvage the number inside. A
        # span far longer than any number (a run of numerals tagged whole) holds none.
        found = find_numbers(value_text) if len(value_text) <= _SALVAGE_MAX_CHARS else []
        if not found:
            logger.debug("no number in VALUE %r at %d", value_text, span.start)
            return None
        s, e, parsed = max(found, key=lambda f: f[1] - f[0])
        span = Span(span.start + s, span.start + e, "VALUE")
    unit_span = v.unit or v.shared_unit
    if parsed.unit:
        unit = parsed.unit
    elif unit_span is not None:
        unit = text[unit_span.start:unit_span.end].translate(_UNIT_NORMAL)
    elif v.last_in_list is not v:
        # 分别增长3、5和百分之八: the list's last member writes the percent for all.
        last = v.last_in_list.span
        unit = parse_number(text[last.start:last.end]).unit
    else:
        unit = None
    after_unit = v.unit is not None and v.unit.start > v.span.start
    if after_unit:
        raw = text[span.start:v.unit.end]
    elif v.unit is not None:
        raw = text[v.unit.start:span.end]
    else:
        raw = value_text if span == v.span else text[span.start:span.end]

    # Qualifiers live in the free text between the neighbouring spans, inside the clause.
    clause_start = sent.clauses[v.clause]
    clause_end = sent.clauses[v.clause + 1] if v.clause + 1 < len(sent.clauses) else sent.end
    lo = v.index - (2 if v.unit is not None and not after_unit else 1)
    prev_end = max(clause_start, spans[lo].end) if lo >= 0 else clause_start
    nxt = v.next_index
    next_start = min(clause_end, spans[nxt].start) if nxt < len(spans) else clause_end
    tail = v.tail if span == v.span or after_unit else span.end
    qualifier = find_qualifier(text, prev_end, span, tail, next_start, unit)

    metric = spans[v.metric] if v.metric is not None else None
    return Record(
        metric=text[metric.start:metric.end] if metric is not None else None,
        value=parsed.value,
        unit=unit,
        raw=raw,
        qualifier=qualifier,
        approximate=bool(parsed.approximate or qualifier),
        value_span=(span.start, span.end),
        unit_span=(unit_span.start, unit_span.end) if unit_span is not None else None,
        metric_span=(metric.start, metric.end) if metric is not None else None,
        value_min=parsed.value_min,
        value_max=parsed.value_max,
        extra={SENTENCE_KEY: [sent.start, sent.end]},
    )


def build_records(text: str, spans: Sequence[Span], sentences: Sequence[tuple[int, int]] | None = None,
                  cleaned: bool = False) -> list[Record]:
    """One record per VALUE of ``text``, linked within its sentence.

    ``spans`` are cleaned first (:func:`clean_spans`) unless ``cleaned`` says they are
    already what it returns. ``sentences`` are ``[start, end)``
    offsets (default :func:`sentence_bounds`); no link crosses a sentence end.
    Clauses are cut at ，,；;：: and a value's metric is, by the first rule that applies:

    1. value-unit-metric: a METRIC right after the value and its unit, or after the last
       member of the list the value opens (883项、1164项公开事项), with at most 的/为/属于
       between (86%的事项, 4件为不予公开); it loses to a metric of the value's own written
       before it when it is itself followed by a value (当面申请2644宗信函申请842宗);
    2. the nearest METRIC before the value in its clause (comparisons 从X项减少为Y项 and
       分别 lists share it); a metric after 占 names the whole, not the part, and is skipped;
    3. the first METRIC after the value in its clause, with no other value in between
       (连续3个月在首页设置专题飘窗);
    4. the metric of the nearest earlier clause of the sentence that has one: the metric
       of its last linked value, else its last METRIC (其中,信函申请13208宗,占27.5%);
    5. otherwise none.

    Every record carries its kind, direction and basis (:func:`inference.kinds.classify`) and
    its sentence's offsets in ``extra["sentence_span"]``. A VALUE
    whose text holds no number gives no record.

    >>> text = "开放410个数据集,从1264项减少为332项"
    >>> spans = [Span(2, 5, "VALUE"), Span(5, 6, "UNIT"), Span(6, 9, "METRIC"),
    ...          Span(11, 15, "VALUE"), Span(15, 16, "UNIT"), Span(19, 22, "VALUE"), Span(22, 23, "UNIT")]
    >>> [(r.metric, r.value, r.unit) for r in build_records(text, spans)]
    [('数据集', 410, '个'), ('数据集', 1264, '项'), ('数据集', 332, '项')]
    """
    for span in spans:
        if span.end > len(text):
            raise ValueError(f"span {span} runs past the end of a text of length {len(text)}")
    if not cleaned:
        spans = clean_spans(text, spans)
    if not any(s.label == "VALUE" for s in spans):
        return []
    if sentences is None:
        sentences = sentence_bounds(text)
    records: list[Record] = []
    starts = [s.start for s in spans]
    for sent_start, sent_end in sentences:
        lo, hi = bisect.bisect_left(starts, sent_start), bisect.bisect_left(starts, sent_end)
        inside = [s for s in spans[lo:hi] if s.end <= sent_end]
        if not any(s.label == "VALUE" for s in inside):
            continue
        sent = _Sentence(text, inside, sent_start, sent_end)
        for v in sent.link():
            record = _record(sent, v)
            if record is not None:
                records.append(with_kind(text, record))  # what the number is: docs/annotation.md
    return records


def shift_record(record: Record, offset: int) -> Record:
    """The record with every offset moved by ``offset`` (a sentence's records into its document)."""
    def moved(span):
        return None if span is None else (span[0] + offset, span[1] + offset)

    extra = dict(record.extra)
    if SENTENCE_KEY in extra:
        extra[SENTENCE_KEY] = [extra[SENTENCE_KEY][0] + offset, extra[SENTENCE_KEY][1] + offset]
    return replace(record, value_span=moved(record.value_span), unit_span=moved(record.unit_span),
                   metric_span=moved(record.metric_span), extra=extra)
