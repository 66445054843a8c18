"""Hostile inputs (issue 19, the input and API half): nothing hangs, one bad item never
loses the others, good text is read, and every failure is named.

Work is measured by counting calls, never by the clock, so the tests cannot flake.
"""

from __future__ import annotations

import pytest

from govreport.data.numbers import find, find_numbers
from govreport.data.schema import Span
from govreport.inference.extract import Extractor
from govreport.inference.sentences import MAX_SENTENCE_CHARS, bounded_sentences, cut_long

RUN = "一二三四五六七八九十"


def _numeral_text(n: int) -> str:
    return "全年共受理申请" + RUN * (n // len(RUN)) + "件。"


def _count_work(monkeypatch, fn, text):
    """How many characters find_numbers' scanners look at and numbers it parses, for ``fn(text)``."""
    counts = {"chars": 0, "parses": 0}
    is_num, parse = find._is_num_char, find.parse_number

    def counting_is_num(c):
        counts["chars"] += 1
        return is_num(c)

    def counting_parse(t):
        counts["parses"] += 1
        return parse(t)

    monkeypatch.setattr(find, "_is_num_char", counting_is_num)
    monkeypatch.setattr(find, "parse_number", counting_parse)
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
    assert all(e - s <= find._FIND_MAX_LEN for s, e, _ in find_numbers(_numeral_text(1_000)))


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
    real = find_numbers

    def counting(text):
        counts["n"] += len(text)
        return real(text)

    import govreport.inference.records as records
    monkeypatch.setattr(records, "find_numbers", counting)
    text = RUN * 150 + "件。"
    recs = records.build_records(text, [Span(0, len(RUN) * 150, "VALUE")])
    assert recs == [] and counts["n"] == 0


# ---- one bad item never loses the others

import json
import os

from hypothesis import given, settings
from hypothesis import strategies as st

from govreport.inference.checks import ExtractionError
from govreport.inference.reader import ReadError, detect_encoding, iter_documents
from govreport.inference.records import build_records


def _digits(texts):
    import re
    return [([Span(m.start(), m.end(), "VALUE") for m in re.finditer(r"[0-9]+", t)], None) for t in texts]


def test_a_file_name_that_is_not_utf8_is_read_and_named_with_escapes(tmp_path):
    folder = tmp_path / "d"
    folder.mkdir()
    (folder / "good.txt").write_text("共3件。", encoding="utf-8")
    bad = os.fsencode(folder) + b"/" + "年度".encode("gbk") + b".txt"
    with open(bad, "wb") as f:
        f.write("共4件。".encode())
    docs = list(iter_documents([str(folder)]))
    assert [d.error for d in docs] == [None, None]
    names = sorted(d.id for d in docs)
    assert names[0].endswith("\\xc4\\xea\\xb6\\xc8.txt") and names[0].encode("utf-8")


def test_bad_jsonl_lines_are_named_and_the_rest_is_read(tmp_path):
    path = tmp_path / "in.jsonl"
    lines = ['{"id":"ok","text":"共3件。"}', '{"id":"b\\ud800","text":"共4\\udc00件。"}',
             '{"x":' + "[" * 1500 + "]" * 1500 + ',"text":"共5件。"}', "not json", '{"id":[1],"text":"x"}',
             '{"text":"共6件。"}']
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    docs = list(iter_documents([str(path)]))
    assert [d.error is None for d in docs] == [True, True, False, False, False, True]
    assert docs[1].id == "b\\ud800"
    assert "".join(c for _, c in docs[1].chunks()) == "共4\ufffd件。"
    assert "nested too deeply" in docs[2].error and "line 3" in docs[2].error


def test_an_unreadable_subfolder_is_a_failed_document(tmp_path, monkeypatch):
    (tmp_path / "ok").mkdir()
    (tmp_path / "ok" / "a.txt").write_text("共3件。", encoding="utf-8")
    (tmp_path / "locked").mkdir()
    real = os.scandir

    def scandir(path="."):
        if str(path).endswith("locked"):
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    docs = list(iter_documents([str(tmp_path)]))
    failed = [d for d in docs if d.error]
    assert len(failed) == 1 and failed[0].id.endswith("locked") and "cannot read folder" in failed[0].error
    assert any(d.id.endswith("a.txt") and d.error is None for d in docs)


def test_a_folder_gives_only_txt_and_jsonl(tmp_path):
    for name in ("a.TXT", "b.jsonl", "c.json", "d.md"):
        (tmp_path / name).write_text('{"text": "共3件。"}' if "json" in name else "共3件。", encoding="utf-8")
    left_out = []
    docs = list(iter_documents([str(tmp_path)], left_out=left_out))
    assert sorted(os.path.basename(d.source.split(":")[0]) for d in docs) == ["a.TXT", "b.jsonl"]
    assert sorted(os.path.basename(p) for p in left_out) == ["c.json", "d.md"]


# ---- good text is read


@pytest.mark.parametrize("data, encoding", [
    ("共发布工作动态252条😀😀😀。".encode(), "utf-8"),
    ("𠮷野家共3件。".encode(), "utf-8"),
    ("全年共发布工作动态252条。".encode("utf-16-le"), "utf-16-le"),
    ("全年共发布工作动态252条。".encode("utf-16-be"), "utf-16-be"),
    ("report 2019: 3 items\n".encode("utf-16-le"), "utf-16-le"),
    ("政府資訊公開年度報告，共受理申請52件。".encode("big5"), "cp950"),
    ("政府信息公开年度报告，共受理申请52件。".encode("gbk"), "gb18030"),
    ("共3件。".encode("gbk"), "gb18030"),
    (("共3件。" * 30000 + "\x00").encode(), "utf-8"),  # one NUL far in: still text
])
def test_good_text_is_read(data, encoding):
    assert detect_encoding(lambda: [data[i:i + 4096] for i in range(0, len(data), 4096)]) == encoding


def test_the_binary_decision_looks_at_the_whole_file():
    text = ("共3件。" * 30000).encode()
    with pytest.raises(ReadError, match="binary file"):
        detect_encoding(lambda: [text, b"\x00" * 200_000])  # NULs after the first 64 KiB count too


# ---- the Python API


@pytest.mark.parametrize("bad, message", [
    (None, "not NoneType"), ("共3件。", "wrap a single text"), (b"x", "decode"), (5, "not int"),
    (["a", 3], r"texts\[1\] is int"), (["a", None], r"texts\[1\] is NoneType"), ([b"x"], "decode"),
    ([["a"]], r"texts\[0\] is list"),
])
def test_the_api_refuses_what_is_not_a_list_of_strings(bad, message):
    with pytest.raises(TypeError, match=message):
        Extractor(_digits).extract(bad)


def test_the_api_takes_generators_and_checks_ids():
    ex = Extractor(_digits, snap_words=False)
    assert [[r.value for r in recs] for recs in ex.extract(t for t in ["共3件。", "共4件。"])] == [[3], [4]]
    with pytest.raises(ValueError, match="2 texts"):
        ex.extract_documents(["a", "b"], ids=["x"])
    assert [r.id for r in ex.extract_documents(["a"], ids=[7])] == ["7"]


def test_a_failed_text_is_never_dropped_silently():
    def tagger(texts):
        if any("坏" in t for t in texts):
            raise RuntimeError("boom")
        return _digits(texts)

    ex = Extractor(tagger, snap_words=False)
    with pytest.raises(ExtractionError, match="text 1") as info:
        ex.extract(["共3件。", "坏4件。", "共5件。"])
    assert [[r.value for r in recs] for recs in info.value.records] == [[3], [], [5]]
    results = ex.extract_documents(["共3件。", "坏4件。"])
    assert results[0].error is None and "boom" in results[1].error


# ---- fuzz: nothing escapes, every good item comes out


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=300))
def test_fuzz_bytes_never_escape(data):
    try:
        encoding = detect_encoding(lambda: [data])
    except ReadError:
        return
    data.decode(encoding)  # a chosen encoding reads the whole input


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=120))
def test_fuzz_text_numbers_and_records(text):
    found = find_numbers(text)
    assert all(0 <= s < e <= len(text) for s, e, _ in found)
    spans = [Span(s, e, "VALUE") for s, e, _ in found]
    build_records(text, spans)
    (recs,) = Extractor(_digits, snap_words=False).extract([text])
    assert all(0 <= r.value_span[0] < r.value_span[1] <= len(text) for r in recs)


def _is_document_line(line: str) -> bool:
    try:
        item = json.loads(line.replace("\n", " ").replace("\r", " "))
    except ValueError:
        return False
    return isinstance(item, dict) and isinstance(item.get("text"), str)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.one_of(st.text(max_size=40), st.builds(lambda t: json.dumps({"id": t, "text": t}), st.text(max_size=20))),
                max_size=6))
def test_fuzz_jsonl_lines(tmp_path_factory, lines):
    path = tmp_path_factory.mktemp("fuzz") / "in.jsonl"
    path.write_text("\n".join(line.replace("\n", " ").replace("\r", " ") for line in lines) + "\n",
                    encoding="utf-8", errors="surrogatepass")
    docs = list(iter_documents([str(path)]))
    good = [line for line in lines if _is_document_line(line)]
    assert sum(d.error is None for d in docs) >= len(good)
    for d in docs:
        d.id.encode("utf-8")  # every name is writable
        "".join(c for _, c in d.chunks()).encode("utf-8")


# ---- govreport evaluate: a bad gold file is a clear error (exit 2), never a traceback or zeros

GOLD_LINE = '{"id":"a","text":"共3件。","label":[[1,2,"VALUE"]]}\n'


@pytest.mark.parametrize("data, extra, message", [
    (GOLD_LINE.encode("gbk"), [], "not UTF-8"),
    (bytes(range(128, 256)), [], "not UTF-8"),
    (b"", [], "holds no examples"),
    (GOLD_LINE.encode(), ["--max-examples", "-1"], "at least 1"),
    (b'{"id":"a","text":"x3","label":[],"records":[{"metric":null,"value":"abc","unit":null,"raw":"3"}]}\n', [],
     "not a number"),
    (b'{"x":' + b"[" * 1500 + b"]" * 1500 + b"}\n", [], "not readable JSON"),
])
def test_evaluate_refuses_a_bad_gold_file(tmp_path, capsys, data, extra, message):
    from govreport.eval import cli as eval_cli

    gold = tmp_path / "gold.jsonl"
    gold.write_bytes(data)
    assert eval_cli.main(["--gold", str(gold), "--system", "rules", *extra]) == 2
    assert message in capsys.readouterr().err


def test_a_jsonl_line_of_control_characters_fails_alone(tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_text('\x1f\x08\n{"id": "ok", "text": "共3件。"}\n', encoding="utf-8")
    docs = list(iter_documents([str(path)]))
    assert [(d.id, d.error is None) for d in docs] == [(f"{path}:1", False), ("ok", True)]
