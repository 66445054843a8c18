"""A rule-based METRIC/VALUE/UNIT tagger: the baseline the model is compared with.

It is a *tagger* in the sense of :mod:`inference.extract` (``texts -> [(spans, None), ...]``),
so ``Extractor(RuleTagger())`` builds its records with the same linker as the model.
The rules, what a careful engineer writes in a day from the annotation guide:

- **VALUE** and **UNIT**: the numbers the guide tags and the unit right after each
  (:mod:`eval.rule_values`).
- **METRIC**: the noun phrase right before the value in its clause, found with jieba:
  qualifiers, totalisers, change verbs and time words next to the value are skipped
  (接近, 共, 同比增长, 全年), then words are taken back to the first verb of action, time
  word, place, pronoun, preposition or punctuation (全年共发布【工作动态】252条). A quoted
  name stands alone (“【同意公开答复】”781件). With nothing there, the noun phrase after a
  measure word is taken (开放410个【数据集】). No metric after 占 (a share of the whole).

The word lists are data (``eval/rule_words.json``). Tuned on generated data and on the
annotation guide only, never on the dev gold.

>>> tagger = RuleTagger()
>>> text = "2018年全年共发布工作动态252条,浏览量接近七十万次,占49.9%。"
>>> [(text[s.start:s.end], s.label) for s in tagger([text])[0][0]]   # doctest: +NORMALIZE_WHITESPACE
[('工作动态', 'METRIC'), ('252', 'VALUE'), ('条', 'UNIT'), ('浏览量', 'METRIC'), ('七十万', 'VALUE'),
 ('次', 'UNIT'), ('49.9', 'VALUE'), ('%', 'UNIT')]
"""

from __future__ import annotations

import logging
import re
import threading
from typing import Sequence

from govreport.data.lexicon import NON_QUALIFIERS, QUALIFIERS_BEFORE
from govreport.data.schema import Span
from govreport.data.text import TO_SIMPLIFIED
from govreport.eval.rule_values import UNITS, WORDS, Number, find_values

logger = logging.getLogger(__name__)

__all__ = ["RuleTagger", "UNITS"]

# Each word list's purpose is its "about" in rule_words.json.
# Skipped between a metric and its value (right to left): qualifiers, totalisers, change
# verbs, time words, linking verbs.
_TRAIL_WORDS = frozenset(set(QUALIFIERS_BEFORE) | set(NON_QUALIFIERS) | set(WORDS["trail_words"]))
_STOP_WORDS = frozenset(WORDS["stop_words"])
_OUTCOMES = frozenset(WORDS["outcomes"])
_VERB_HEADS = WORDS["verb_heads"]
_NOT_STOPS = frozenset(WORDS["not_stops"])
_STOP_POS = frozenset(WORDS["stop_pos"])
_AGENT_END = re.compile(rf"..({'|'.join(WORDS['agent_suffixes'])})$")
_EMPTY_METRICS = frozenset(WORDS["empty_metrics"])
_MAX_METRIC_WORDS = 6
_MAX_METRIC_CHARS = 16
_LOOK_BACK = 24  # characters of the clause looked at for a metric

_CLAUSE_END = "，,；;：:。！？!?\n"
_CLAUSE_END_RE = re.compile(f"[{_CLAUSE_END}]")
# Between a unit and the metric written after it: 86%的事项, 4件为不予公开, “…”.
_AFTER_GAP = re.compile(r"(?:的|为|是|属于)?[“「『]?")
_NO_METRIC_AFTER = WORDS["no_metric_after"]
_QUOTES = {"”": "“", "」": "「", "』": "『", "’": "‘", '"': '"'}
_TRAIL_SORTED = tuple(sorted(_TRAIL_WORDS, key=len, reverse=True))
_TIME = r"(?:(?:各|前三|[一二三四1-4]|第[一二三四1-4])季度|上半年|下半年|全年|年内|当年|本年度?|今年|去年|上年|同期|年末|年底|年初)"
# A time word, or a list of them (一季度、上半年、前三季度和全年), right before the value.
_TRAILING_TIME = re.compile(rf"{_TIME}(?:(?:、|和|及|与|,|，)?{_TIME})*$")


# ---------------------------------------------------------------------------------------------
# The tagger
# ---------------------------------------------------------------------------------------------


class RuleTagger:
    """Tag texts with regular expressions, the shared number parser and jieba.

    Call it with a list of texts; it returns one ``(spans, None)`` per text (no scores).
    jieba's dictionary is loaded on first use, in a private tokenizer, so jieba's global
    state is left alone.
    """

    name = "rules"

    def __init__(self) -> None:
        self._pos = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return "RuleTagger()"

    # ---- jieba

    def _tokenizer(self):
        if self._pos is None:
            with self._lock:
                if self._pos is None:
                    import jieba
                    import jieba.posseg

                    logging.getLogger("jieba").setLevel(logging.WARNING)
                    tokenizer = jieba.Tokenizer()
                    pos = jieba.posseg.POSTokenizer(tokenizer)
                    for word in WORDS["genre_words"]:
                        pos.add_word(word, freq=50000, tag="n")
                    self._pos = pos
        return self._pos

    def _words(self, text: str) -> list[tuple[str, str]]:
        return [(w.word, w.flag) for w in self._tokenizer().lcut(text)]

    def _last_word(self, text: str) -> str:
        # The last few characters are enough to see how the text ends.
        words = self._tokenizer().tokenizer.lcut(text[-6:])
        return words[-1] if words else ""

    # ---- API

    def __call__(self, texts: Sequence[str]) -> list[tuple[list[Span], None]]:
        return [(self.tag(text), None) for text in texts]

    def tag(self, text: str) -> list[Span]:
        """The spans of one text, sorted and non-overlapping."""
        # Rules and word lists are written in simplified characters (增長 must match 增长); the
        # conversion is one character for one, so offsets into the copy are offsets into the text.
        text = text.translate(TO_SIMPLIFIED)
        numbers = find_values(text)
        spans: list[Span] = []
        for n in numbers:
            spans.append(Span(n.start, n.end, "VALUE"))
            if n.unit is not None:
                spans.append(Span(*n.unit, "UNIT"))
        taken = sorted((s.start, s.end) for s in spans)
        metrics: set[tuple[int, int]] = set()
        for k, n in enumerate(numbers):
            found = self._metric(text, numbers, k)
            if found is None or found in metrics:
                continue
            if any(found[0] < e and s < found[1] for s, e in taken):
                continue
            metrics.add(found)
            taken.append(found)
        spans += [Span(s, e, "METRIC") for s, e in metrics]
        return sorted(spans)

    # ---- metrics

    def _metric(self, text: str, numbers: list[Number], k: int) -> tuple[int, int] | None:
        n = numbers[k]
        lo = _clause_start(text, n.start)
        if k > 0:
            prev = numbers[k - 1]
            lo = max(lo, prev.unit[1] if prev.unit is not None else prev.end)
        lo = max(lo, n.start - _LOOK_BACK)
        before = self._metric_before(text, lo, n.start)
        if before == "share":
            return None
        if before is not None:
            return before
        return self._metric_after(text, numbers, k)

    def _metric_before(self, text: str, lo: int, hi: int) -> tuple[int, int] | str | None:
        """The metric ending just before ``hi`` (skipping qualifiers and the like), "share"
        after 占, or None."""
        simple = text[lo:hi]
        cut = _strip_trail(simple, self._last_word)
        head = simple[:cut]
        if head.endswith(("占", "占到")) or (head.endswith("的") and "占" in head):
            return "share"
        if not head.strip():
            return None
        # A quoted name: “同意公开答复”781件 → 同意公开答复.
        if head[-1] in _QUOTES:
            open_at = head.rfind(_QUOTES[head[-1]], 0, len(head) - 1)
            inner = (lo + open_at + 1, lo + len(head) - 1)
            if open_at >= 0 and 0 < inner[1] - inner[0] <= _MAX_METRIC_CHARS \
                    and not any(c in _CLAUSE_END for c in text[inner[0]:inner[1]]):
                return inner
            return None
        words = self._words(head)
        end = start = lo + len(head)
        count, joined, forced = 0, False, False
        for i in range(len(words) - 1, -1, -1):
            word, flag = words[i]
            if count >= _MAX_METRIC_WORDS or end - (start - len(word)) > _MAX_METRIC_CHARS:
                break
            if forced:  # the left conjunct of 和
                start -= len(word)
                count += 1
                forced = False
                continue
            # 城镇和农村居民人均可支配收入: one conjunction between two nouns stays inside.
            coordinated = word in ("和", "及", "与") and count > 0 and not joined and i > 0 \
                and _coordinable(*words[i - 1])
            # 平均办理时间, 办理时限: a verb before a head such as 时间 belongs to the metric.
            verb_head = count > 0 and word in _STOP_WORDS and len(word) >= 2 \
                and flag not in ("r", "p", "c", "d", "t", "ns", "nt") and text[start:end].startswith(_VERB_HEADS)
            if _stops(word, flag) and not (count == 0 and word in _OUTCOMES) and not coordinated \
                    and not verb_head:
                break
            joined = joined or coordinated
            forced = coordinated
            start -= len(word)
            count += 1
        return _finish_metric(text, start, end)

    def _metric_after(self, text: str, numbers: list[Number], k: int) -> tuple[int, int] | None:
        """A noun phrase right after the value's unit: 开放410个【数据集】, 5宗【办结】."""
        n = numbers[k]
        if n.unit is None:
            return None
        unit = text[n.unit[0]:n.unit[1]]
        if unit in ("%", "％", "‰", "‱") or unit.endswith(_NO_METRIC_AFTER):
            return None
        pos = _AFTER_GAP.match(text, n.unit[1]).end()
        m = _CLAUSE_END_RE.search(text, pos)
        hi = m.start() if m else len(text)
        if k + 1 < len(numbers):
            hi = min(hi, numbers[k + 1].start)
        hi = min(hi, pos + _LOOK_BACK)
        words = self._words(text[pos:hi]) if hi > pos else []
        start = end = pos
        count = 0
        for word, flag in words:
            if count >= _MAX_METRIC_WORDS or end + len(word) - start > _MAX_METRIC_CHARS:
                break
            if word in _QUOTES.values() or word in _QUOTES:
                break
            if _stops(word, flag) and not (count == 0 and word in _OUTCOMES) or word in _TRAIL_WORDS:
                break
            end += len(word)
            count += 1
        return _finish_metric(text, start, end)


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------


def _strip_trail(simple: str, last_word) -> int:
    """Length of ``simple`` without the qualifiers, totalisers, change verbs and time words
    at its end (浏览量接近 → 浏览量, 收入比上年增长 → 收入). A one-character word is
    stripped only when it is a word of its own there (``last_word``: jieba's last word of a
    text), so 平均 keeps its 均."""
    cut = len(simple)
    while True:
        while cut and simple[cut - 1] in " \u3000\t":
            cut -= 1
        word = next((w for w in _TRAIL_SORTED if simple.endswith(w, 0, cut)
                     and (len(w) > 1 or last_word(simple[:cut]) == w)), None)
        if word is None:
            m = _TRAILING_TIME.search(simple, 0, cut)
            if m is None:
                return cut
            cut = m.start()
        else:
            if word in ("占", "占到"):
                return cut  # kept: it says the value is a share
            cut -= len(word)


def _coordinable(word: str, flag: str) -> bool:
    """A word that may stand left of 和 inside a metric (城镇 in 城镇和农村居民…)."""
    return len(word) >= 2 and all("\u4e00" <= c <= "\u9fff" for c in word) and word not in _STOP_WORDS \
        and not _is_time_word(word) and flag in ("n", "ns", "nz", "vn", "nr", "an", "b", "l", "j")


def _stops(word: str, flag: str) -> bool:
    if word in _NOT_STOPS:
        return False
    if not word.strip() or word in _STOP_WORDS or flag in _STOP_POS or _is_time_word(word):
        return True
    if any(not ("\u4e00" <= c <= "\u9fff") for c in word):
        return True  # punctuation, digits, Latin
    return _AGENT_END.search(word) is not None


_TIME_WORD = re.compile(r"^(?:.*[年月]|.*季度|.*年度|上半年|下半年|全年|年内|今年|去年|当年|近年|目前|同期|期间|以来|以前|之前|此前|目前|现在|当前|近期)$")


def _is_time_word(word: str) -> bool:
    return bool(_TIME_WORD.match(word))


def _finish_metric(text: str, start: int, end: int) -> tuple[int, int] | None:
    """Trim a candidate metric: no leading 的/各; a written head noun (数量, 金额) stays (docs/annotation.md)."""
    while start < end and text[start] in "的各该其之":
        start += 1
    if end - start < 2 or text[start:end] in _EMPTY_METRICS:
        return None
    return start, end


def _clause_start(text: str, pos: int) -> int:
    return max(text.rfind(c, 0, pos) for c in _CLAUSE_END) + 1
