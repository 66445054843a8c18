"""Hostile inputs (issue 19, the input and API half): nothing hangs, one bad item never
loses the others, good text is read, and every failure is named.

Work is measured by counting calls, never by the clock, so the tests cannot flake.
"""

from __future__ import annotations

import pytest

from data import numbers
from data.numbers import find_numbers
from data.schema import Span
from inference.extract import Extractor
from inference.sentences import MAX_SENTENCE_CHARS, bounded_sentences, cut_long

RUN = "一二三四五六七八九十"


def _numeral_text(n: int) -> str:
    return "全年共受理申请" + RUN * (n // len(RUN)) + "件。"


def _count_work(monkeypatch, fn, text):
    """How many characters find_numbers' scanners look at and numbers it parses, for ``fn(text)``."""
    counts = {"chars": 0, "parses": 0}
    is_num, parse = numbers._is_num_char, numbers.parse_number

    def counting_is_num(c):
        counts["chars"] += 1
        return is_num(c)

    def counting_parse(t):
        counts["parses"] += 1
        return parse(t)

    monkeypatch.setattr(numbers, "_is_num_char", counting_is_num)
    monkeypatch.setattr(numbers, "parse_number", counting_parse)
    fn(text)
    return counts


def test_find_numbers_work_grows_linearly_with_a_run_of_numerals(monkeypatch):
    small = _count_work(monkeypatch, find_numbers, _numeral_text(2_000))
    large = _count_work(monkeypatch, find_numbers, _numeral_text(8_000))
    # 4x the run, about 4x the work (the quadratic scan did 16x: every position scanned to the run's end)
    assert large["chars"] <= 4.5 * small["chars"], (small, large)
    assert large["parses"] <= 4.5 * small["parses"], (small, large)
    assert small["chars"] < 100 * 2_000  # a constant amount per character, not one per character of the run


def test_find_numbers_keeps_its_results_under_the_bound():
    text = "受理申请5,000余件，同比增长3-5个百分点，七十万次，一二三四五六七八九十"
    found = [(text[s:e], p.value) for s, e, p in find_numbers(text)]
    assert found[:4] == [("5,000余", 5000), ("3-5", 3), ("七十万", 700000), ("一二三四五六七八九", 123456789)]
    # no found number is longer than the documented bound
    assert all(e - s <= numbers._FIND_MAX_LEN for s, e, _ in find_numbers(_numeral_text(1_000)))


def test_a_run_of_100000_numerals_is_scanned_in_bounded_work(monkeypatch):
    counts = _count_work(monkeypatch, find_numbers, _numeral_text(100_000))
    assert counts["chars"] < 60 * 100_000


def test_long_sentences_are_cut_for_the_tagger():
    text = "共3件。" + "甲乙丙丁，" * 1000 + "一二三四" * 2000 + "。尾"
    pieces = list(bounded_sentences(text))
    assert all(e - s <= MAX_SENTENCE_CHARS for s, e in pieces)
    assert "".join(text[s:e] for s, e in pieces) == text  # nothing lost (no spaces to strip here)
    assert pieces[0] == (0, 4)
    # cut after a clause mark where there is one
    assert all(text[e - 1] == "，" for s, e in pieces[1:3])
    assert list(cut_long("12345678", 0, 8, max_chars=4)) == [(0, 4), (4, 8)]


def test_a_line_without_punctuation_reaches_the_tagger_in_bounded_sentences():
    seen = []

    def tagger(texts):
        seen.extend(len(t) for t in texts)
        return [([Span(0, 1, "VALUE")] if t[:1].isdigit() else [], None) for t in texts]

    text = "全年共受理政府信息公开申请其中网络申请" * 20_000  # 380,000 characters, no sentence end
    results = Extractor(tagger, snap_words=False).extract_documents([text])
    assert results[0].error is None
    assert max(seen) <= MAX_SENTENCE_CHARS and sum(seen) == len(text)


def test_a_long_value_span_is_not_searched_for_numbers(monkeypatch):
    counts = {"n": 0}
    real = numbers.find_numbers

    def counting(text):
        counts["n"] += len(text)
        return real(text)

    import inference.records as records
    monkeypatch.setattr(records, "find_numbers", counting)
    text = RUN * 150 + "件。"
    recs = records.build_records(text, [Span(0, len(RUN) * 150, "VALUE")])
    assert recs == [] and counts["n"] == 0
