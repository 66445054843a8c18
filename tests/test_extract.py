"""Tests for the extraction API, the input reader, the writers and ``govreport extract``.

The model here is a *lexicon model*: a real BertForTokenClassification directory with no
transformer layers whose embeddings and classifier are set by hand so that each character
gets a fixed tag (digits VALUE, 条/件/次 UNIT, the characters of a few metric names
METRIC). It loads and runs like any model directory, so the tests go through ModelTagger,
windowing and the CLI with outputs known in advance.
"""

from __future__ import annotations

import csv
import io
import json
import re
import sys
import tracemalloc

import pytest
from transformers import BertConfig, BertForTokenClassification, BertTokenizer

from govreport.data.schema import LABELS, SENTENCE_KEY, Record, Span, label2id
from govreport.data.version import package_version
from govreport.inference import cli, reader
from govreport.inference.extract import GC_THRESHOLD, DocEnd, DocStart, Extractor, ModelTagger, Piece, normalize
from govreport.inference.reader import Document, ReadError, detect_encoding, iter_chunks, iter_documents, read_title
from govreport.inference.sentences import WRAP, join_broken_lines, sentence_bounds
from govreport.inference.snapping import _number_words, load_dictionaries, load_segmenter
from govreport.inference.writers import CSV_COLUMNS
from govreport.model.char_encoder import build_char_vocab
from tests.conftest import hard_wrap, make_lookup_tagger

METRICS = ("工作动态", "浏览量", "微博账号")
LEXICON = {
    **{c: "I-VALUE" for c in "0123456789七十万"},
    **{c: "I-UNIT" for c in "条件次个"},
    **{c: "I-METRIC" for m in METRICS for c in m},
}
GOOD = "山西省商务厅2018年政府信息公开年度报告\n全年共发布工作动态252条,浏览量接近七十万次。\n开通微博账号3个。\n"
GOOD_RECORDS = [("工作动态", 252, "条"), ("浏览量", 700000, "次"), ("微博账号", 3, "个")]
EXTRA_CHARS = "共发布开通接近达到年度报告政府信息公开山西省商务厅其中占,。、;\n\u3000" + "增长减少全年办结"


def lexicon_model(path, max_length: int = 48):
    """Save a model directory whose tags come from LEXICON, character by character."""
    vocab = build_char_vocab([GOOD, EXTRA_CHARS, "".join(LEXICON)])
    tokenizer = BertTokenizer(vocab=vocab, do_lower_case=False)
    tokenizer.model_max_length = max_length
    config = BertConfig(vocab_size=len(vocab), hidden_size=16, num_hidden_layers=0, num_attention_heads=1,
                        intermediate_size=16, max_position_embeddings=max_length, num_labels=len(LABELS),
                        id2label=dict(enumerate(LABELS)), label2id=dict(label2id))
    model = BertForTokenClassification(config)
    make_lookup_tagger(model, vocab, LEXICON)
    model.save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path


@pytest.fixture(scope="module")
def lex_dir(tmp_path_factory):
    return lexicon_model(tmp_path_factory.mktemp("lexicon-model"))


@pytest.fixture(scope="module")
def extractor(lex_dir):
    return Extractor.from_pretrained(lex_dir, batch_size=4, device="cpu")


def triples(records):
    return [(r.metric, r.value, r.unit) for r in records]


_RULES = re.compile(r"(?P<METRIC>工作动态|浏览量|微博账号)|(?P<VALUE>[0-9七十万]+)|(?P<UNIT>[条件次个])")


def rule_tagger(texts):
    """A stand-in tagger: the same lexicon as a regular expression (what a rule baseline plugs in as)."""
    return [([Span(m.start(), m.end(), m.lastgroup) for m in _RULES.finditer(t)], None) for t in texts]


def line_records(line):
    """Every record of a JSONL line in text order: those before the first title, then each report's."""
    return line["records"] + [r for report in line["reports"] for r in report["records"]]


def run_cli(argv, capsys):
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


# ---- the API


def test_api_extracts_records_through_the_model(extractor):
    (records,) = extractor.extract([GOOD])
    assert [t for t in triples(records) if t[0]] == GOOD_RECORDS
    browse = next(r for r in records if r.metric == "浏览量")
    assert (browse.qualifier, browse.approximate, browse.raw) == ("接近", True, "七十万次")
    for r in records:
        assert GOOD[r.value_span[0]:r.value_span[1]] in r.raw
        s, e = r.extra[SENTENCE_KEY]
        assert GOOD[s:e].strip() == GOOD[s:e] and s <= r.value_span[0] and r.value_span[1] <= e


def test_api_documents_carry_spans_scores_and_metadata(extractor):
    (result,) = extractor.extract_documents([GOOD], ids=["doc-1"])
    assert result.id == "doc-1" and result.error is None
    assert result.meta == {"title": "山西省商务厅2018年政府信息公开年度报告", "agency": "山西省商务厅", "year": 2018}
    assert len(result.scores) == len(result.spans) and all(0 < s <= 1 for s in result.scores)
    assert [s.label for s in result.spans if GOOD[s.start:s.end] == "工作动态"] == ["METRIC"]
    d = result.to_dict()
    # GOOD opens with its title line, so every record is its report's (docs/output-format.md)
    assert d["label"][0] == list(result.spans[0].to_doccano()) and d["records"] == []
    (report,) = d["reports"]
    assert (report["title"], report["agency"], report["year"], report["start"], report["end"]) == (
        "山西省商务厅2018年政府信息公开年度报告", "山西省商务厅", 2018, 0, len(GOOD))
    assert report["records"][0]["value"] == 2018 and report["records"][0]["origin"] == "prose"


def test_empty_texts_give_no_records(extractor):
    assert extractor.extract(["", "  \n", "无数字。"]) == [[], [], []]


def test_long_texts_are_windowed_and_chunked(lex_dir):
    # One sentence far longer than the model's 48 positions, in a document cut into small chunks.
    sentence = "开通微博账号3个," * 40 + "浏览量12次。"
    text = (sentence + "\n") * 5
    whole = Extractor.from_pretrained(lex_dir, device="cpu").extract([sentence])[0]
    chunked = Extractor.from_pretrained(lex_dir, device="cpu", chunk_chars=100, batch_chars=50).extract([text])[0]
    assert triples(chunked) == triples(whole) * 5
    assert len(whole) == 41 and triples(whole)[-1] == ("浏览量", 12, "次")
    for r in chunked:
        assert text[r.value_span[0]:r.value_span[1]] == str(r.value)


def test_offsets_index_the_original_text_after_normalisation(extractor):
    # Invisible characters (zero-width space, BOM, soft hyphen) are removed for the model.
    text = "共发布\u200b工作\ufeff动态2\u200b52条,浏览量\u00ad12次。"
    assert normalize(text)[0] == "共发布工作动态252条,浏览量12次。"
    (result,) = extractor.extract_documents([text])
    assert triples(result.records) == [("工作动态", 252, "条"), ("浏览量", 12, "次")]
    spans = {text[s.start:s.end]: s.label for s in result.spans}
    assert spans == {"工作\ufeff动态": "METRIC", "2\u200b52": "VALUE", "条": "UNIT", "浏览量": "METRIC",
                     "12": "VALUE", "次": "UNIT"}
    first = result.records[0]
    assert text[first.value_span[0]:first.value_span[1]] == "2\u200b52"
    assert text[first.metric_span[0]:first.metric_span[1]] == "工作\ufeff动态"
    assert first.metric == "工作动态" and first.raw == "252条"


PDF_PARAGRAPH = ("全年共发布政府信息公开相关的各类工作动态252条，门户网站的浏览量接近七十万次，全年新开通的政务"
                 "微博账号一共有3个，各账号的浏览量12次。") * 3


def test_a_sentence_cut_by_pdf_line_breaks_is_read_whole(extractor):
    # PDF text breaks its lines where the page does, inside names and before units
    title = "2018年政府信息公开年度报告\n"  # a title, shorter than the page
    text = title + "\n".join(hard_wrap(PDF_PARAGRAPH)) + "\n"
    (result,) = extractor.extract_documents([text])
    (expected,) = extractor.extract([title + PDF_PARAGRAPH + "\n"])
    assert triples(result.records) == triples(expected)
    assert [t for t in triples(result.records) if t[0]] == [("工作动态", 252, "条"), ("浏览量", 700000, "次"),
                                                             ("微博账号", 3, "个"), ("浏览量", 12, "次")] * 3
    cut = [r for r in result.records if r.metric_span and "\n" in text[r.metric_span[0]:r.metric_span[1]]]
    assert cut and all(text[r.metric_span[0]:r.metric_span[1]].replace("\n", "") == r.metric for r in cut)


def test_a_pdf_report_read_in_small_chunks_gives_the_records_of_the_whole(extractor):
    # a long report is tagged in parts (here of 480 characters, two paragraphs or so); a part must
    # not end inside a hard-wrapped sentence
    text = "2018年政府信息公开年度报告\n" + "\n".join("\n".join(hard_wrap(PDF_PARAGRAPH)) for _ in range(8)) + "\n"
    (whole,) = extractor.extract_documents([text])
    (parts,) = Extractor(extractor.tagger, chunk_chars=120).extract_documents([text])
    assert triples(parts.records) == triples(whole.records)
    assert sum(1 for r in whole.records if r.metric == "微博账号") == 24


def test_a_short_report_after_a_title_is_unwrapped_at_the_width_of_the_pdf_before_it(extractor):
    # the second report is too short to show that its lines are hard-wrapped; the first one showed it
    first = "2018年政府信息公开年度报告\n" + "\n".join(hard_wrap(PDF_PARAGRAPH)) + "\n"
    second = "2019年政府信息公开年度报告\n" + "\n".join(hard_wrap(PDF_PARAGRAPH[:62])) + "\n"
    (result,) = extractor.extract_documents([first + second])
    (alone,) = extractor.extract_documents([second])
    late = [t for t in triples(r for r in result.records if r.value_span[0] >= len(first)) if t[0]]
    assert late == [("工作动态", 252, "条"), ("浏览量", 700000, "次"), ("微博账号", 3, "个")]
    # on its own it is not unwrapped: a line end cuts 微博|账号
    assert [t for t in triples(alone.records) if t[0]] != late


def test_a_short_report_before_a_long_one_is_unwrapped_at_the_width_the_document_shows(extractor):
    # the first report is too short to show its lines are hard-wrapped; the document does
    short = "2019年政府信息公开年度报告\n" + "\n".join(hard_wrap(PDF_PARAGRAPH[:62])) + "\n"
    long = "2018年政府信息公开年度报告\n" + "\n".join(hard_wrap(PDF_PARAGRAPH)) + "\n"
    (result,) = extractor.extract_documents([short + long])
    early = [t for t in triples(r for r in result.records if r.value_span[0] < len(short)) if t[0]]
    assert early == [("工作动态", 252, "条"), ("浏览量", 700000, "次"), ("微博账号", 3, "个")]


def test_a_number_a_web_page_set_on_a_line_of_its_own_stays_in_its_sentence(extractor):
    # a page that put each number in an element of its own: the line breaks around it end nothing
    text = "全年共发布工作动态\n252\n条,浏览量接近\n700000\n次\n,开通微博账号\n3\n个。\n"
    (result,) = extractor.extract_documents([text])
    assert triples(result.records) == GOOD_RECORDS
    (sentence,) = {tuple(r.extra[SENTENCE_KEY]) for r in result.records}
    assert text[slice(*sentence)] == text.strip()
    # read line by line, 252 would have no metric and 条 no value
    (alone,) = extractor.extract_documents(["全年共发布工作动态\n252\n条。\n"])
    assert triples(alone.records) == [("工作动态", 252, "条")]


def test_a_line_ending_with_a_comma_goes_on_after_a_blank_line(extractor):
    # a page that broke a sentence after its comma: the share still takes the clause's metric
    (result,) = extractor.extract_documents(["全年共发布工作动态252条，\n\n占10。\n"])
    assert triples(result.records) == [("工作动态", 252, "条"), ("工作动态", 10, None)]
    # a list item after it starts its own line
    (items,) = extractor.extract_documents(["开通微博账号3个，\n1.工作动态252条。\n"])
    assert len({tuple(r.extra[SENTENCE_KEY]) for r in items.records}) == 2


def test_numbers_one_cell_per_line_are_not_joined_into_a_sentence():
    # a table printed one cell per line: a number between two labels is no broken sentence
    table = "规章\n1\n0\n11\n行政规范性文件\n4\n2\n30\n"
    assert join_broken_lines(table) == table
    # a number line after a finished sentence, or before a line that opens no continuation, stays
    assert join_broken_lines("发布工作动态252条。\n3\n个。") == "发布工作动态252条。\n3\n个。"
    assert join_broken_lines("发布工作动态\n252\n二、依申请公开") == "发布工作动态\n252\n二、依申请公开"
    # offsets hold: one character for one
    broken = "发布工作动态\n252\n条,浏览量\n，占\n49.9%\n。"
    joined = join_broken_lines(broken)
    assert len(joined) == len(broken) and "\n" not in joined and joined.replace(WRAP, "") == broken.replace("\n", "")


def test_a_link_caption_the_page_wrapped_does_not_start_a_report(extractor):
    # site clutter printed with a report: its last line 下一篇：… wraps, and what the page moved
    # down ends like a report title
    report = "2018年政府信息公开年度报告\n" + "\n".join(hard_wrap(PDF_PARAGRAPH)) + "\n"
    clutter = "下一篇：乙县水利局办公室关于印发《乙\n2019年乙县水利局政府信息公开年报\n"
    (result,) = extractor.extract_documents([report + clutter])
    assert [r.title for r in result.reports] == ["2018年政府信息公开年度报告"]
    assert result.reports[0].end == len(report + clutter)


def test_a_title_line_as_wide_as_the_page_is_not_joined_to_the_paragraph_under_it(extractor):
    title = "2018年某县水利局政府信息公开年报"       # 32 columns of a 36-column page, open-ended
    text = title + "\n" + "\n".join(hard_wrap(PDF_PARAGRAPH)) + "\n"
    (result,) = extractor.extract_documents([text])
    assert [r.title for r in result.reports] == [title]
    first = min(r.extra[SENTENCE_KEY][0] for r in result.records if r.metric)
    assert first == len(title) + 1          # the first sentence starts on the line after the title
    assert [t for t in triples(result.records) if t[0]][:2] == [("工作动态", 252, "条"), ("浏览量", 700000, "次")]


def test_text_a_pdf_reader_gives_back_in_radicals_is_read_as_its_characters(extractor):
    # pypdf gives back ⼗ (KANGXI RADICAL TEN) and ⻔ (CJK RADICAL C-SIMPLIFIED GATE) where a font
    # draws them and 十, 门 with one glyph
    plain = "全年共发布工作动态七十条，门户网站的浏览量接近七十万次。"
    pdf = plain.replace("十", "\u2f17").replace("门", "\u2ed4")
    (got,), (expected,) = extractor.extract([pdf]), extractor.extract([plain])
    assert [(r.value, r.unit, r.value_span, r.metric_span) for r in got] == \
        [(r.value, r.unit, r.value_span, r.metric_span) for r in expected]
    assert [r.value for r in got] == [70, 700000]
    assert got[1].raw == "七\u2f17万次"   # records keep the text as written


def test_a_title_a_pdf_reader_gave_in_radicals_names_its_agency_in_characters():
    # pypdf: ⼈⺠ for 人民, ⼯作 for 工作, ⼆〇⼆〇 for 二〇二〇; the report's metadata is what a panel joins on
    meta = read_title("江南市\u2f08\u2ea0政府\u2f06〇\u2f06〇年政府信息公开\u2f2f作年度报告")
    assert meta == {"title": "江南市人民政府二〇二〇年政府信息公开工作年度报告", "agency": "江南市人民政府", "year": 2020}


def test_a_rule_tagger_plugs_in(extractor):
    texts = [GOOD, "开通微博账号3个。浏览量增长12次"]
    assert [triples(r) for r in Extractor(rule_tagger).extract(texts)] == [triples(r) for r in extractor.extract(texts)]


def test_settle_loads_the_segmenter_and_freezes_the_heap(extractor):
    import gc

    before = extractor.extract(["全区家庭户达到3.1万户,网上申请26件"])
    threshold = gc.get_threshold()
    _number_words.cache_clear()
    try:
        assert extractor.settle() is extractor
        assert gc.get_freeze_count() > 0
        assert load_segmenter.cache_info().currsize == 1 and _number_words.cache_info().currsize == 1
        assert gc.get_threshold()[0] >= GC_THRESHOLD and gc.get_threshold()[1:] == threshold[1:]
        assert extractor.extract(["全区家庭户达到3.1万户,网上申请26件"]) == before
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)


def test_only_spans_a_record_uses_are_kept():
    texts = ["在网站首页发布信息12条。", "完善了网站首页。", "分项之和因四舍五入略有差异。"]

    def tagger(batch):
        out = []
        for t in batch:
            marks = [("网站首页", "METRIC"), ("信息", "METRIC"), ("12", "VALUE"), ("条", "UNIT"),
                     ("四舍五", "VALUE"), ("入", "UNIT")]  # no number, so no record
            out.append(([Span(t.find(w), t.find(w) + len(w), label) for w, label in marks if w in t], None))
        return out

    linked = Extractor(tagger).extract_documents(texts)
    everything = Extractor(tagger, linked_only=False).extract_documents(texts)
    assert [[t[s.start:s.end] for s in d.spans] for t, d in zip(texts, linked)] == [["信息", "12", "条"], [], []]
    assert [[t[s.start:s.end] for s in d.spans] for t, d in zip(texts, everything)] == [
        ["网站首页", "信息", "12", "条"], ["网站首页"], ["四舍五", "入"]]
    assert all(len(d.scores) == len(d.spans) for d in linked + everything)
    assert [d.records for d in linked] == [d.records for d in everything]


def test_numbers_in_web_addresses_make_no_records(extractor):
    # the lexicon model tags every digit VALUE, those of the address too
    text = "可在网站(http://www.jl.gov.cn/zw/2019/12.html)查阅,全年共发布工作动态252条。"
    (doc,) = extractor.extract_documents([text])
    assert triples(doc.records) == [("工作动态", 252, "条")]
    assert [text[s.start:s.end] for s in doc.spans if s.label == "VALUE"] == ["252"]


def test_every_record_metric_is_among_the_spans():
    import random

    rng = random.Random(3)
    texts = ["主要涉及“市容管理”事项共12件,其中及时办结10件。", "全区家庭户达到3.1万户,将开办时间压缩至2天。"]

    def tagger(batch):  # random spans, so snapping and trimming move edges
        out = []
        for t in batch:
            cuts = sorted(rng.sample(range(len(t) + 1), 8))
            out.append(([Span(a, b, rng.choice(("METRIC", "VALUE", "UNIT"))) for a, b in zip(cuts[::2], cuts[1::2])
                         if a < b], None))
        return out

    extractor = Extractor(tagger)
    for _ in range(50):
        for doc in extractor.extract_documents(texts):
            metrics = {(s.start, s.end) for s in doc.spans if s.label == "METRIC"}
            assert all(r.metric_span in metrics for r in doc.records if r.metric_span is not None)
            assert len(doc.scores) == len(doc.spans)


def test_a_failing_sentence_fails_its_document_only():
    def fragile(texts):
        if any("坏" in t for t in texts):
            raise RuntimeError("boom")
        return rule_tagger(texts)

    docs = [Document.from_text("浏览量12次。", id="a"), Document.from_text("工作动态3条。坏。", id="b"),
            Document.from_text("微博账号4个。", id="c")]
    ends = [e for e in Extractor(fragile).stream(docs) if isinstance(e, DocEnd)]
    assert [(e.doc.id, e.error is None) for e in ends] == [("a", True), ("b", False), ("c", True)]
    assert "boom" in ends[1].error


def test_events_come_in_document_order():
    docs = [Document.from_text(f"浏览量{i}次。工作动态{i}条。", id=str(i)) for i in range(7)]
    events = list(Extractor(rule_tagger, batch_chars=5).stream(docs))
    kinds = "".join({DocStart: "S", Piece: "P", DocEnd: "E"}[type(e)] for e in events)
    assert kinds == "SPPE" * 7
    assert [e.records[0].value for e in events if isinstance(e, Piece)] == [i for i in range(7) for _ in (0, 1)]


def test_model_directory_checks(tmp_path, lex_dir):
    with pytest.raises(FileNotFoundError):
        ModelTagger(tmp_path / "nowhere")
    config = json.loads((lex_dir / "config.json").read_text())
    config["id2label"] = {str(i): label for i, label in enumerate(reversed(LABELS))}
    bad = tmp_path / "bad"
    bad.mkdir()
    for f in lex_dir.iterdir():
        (bad / f.name).write_bytes(f.read_bytes())
    (bad / "config.json").write_text(json.dumps(config))
    with pytest.raises(ValueError, match="labels"):
        ModelTagger(bad, device="cpu")


# ---- reading inputs


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16"])
def test_encodings_are_detected(tmp_path, encoding):
    path = tmp_path / "report.txt"
    path.write_bytes(GOOD.encode(encoding))
    doc = Document.from_file(path)
    assert doc.error is None
    assert "".join(chunk for _, chunk in doc.chunks()) == GOOD
    assert doc.meta["agency"] == "山西省商务厅"


@pytest.mark.parametrize(
    "data, reason",
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "binary"),
        (bytes(range(1, 32)) * 50, "binary"),
        (b"\xfd\x80\x81\xff" * 100, "undecodable"),
    ],
)
def test_binary_and_undecodable_inputs_are_errors(data, reason):
    with pytest.raises(ReadError, match=reason):
        detect_encoding(lambda: [data])


def test_iter_chunks_cut_at_sentence_ends():
    text = "".join(f"第{i}段:发布信息{i}条;增长{i}%。“好”!\n" if i % 3 else f"无标点的长串{i}" * 9 for i in range(200))
    chunks = list(iter_chunks([text[i:i + 77] for i in range(0, len(text), 77)], size=64))
    assert "".join(c for _, c in chunks) == text
    assert all(text[o:o + len(c)] == c for o, c in chunks)
    # Every chunk boundary is a sentence boundary, so per-chunk sentences are the text's.
    per_chunk = [(o + s, o + e) for o, c in chunks for s, e in sentence_bounds(c)]
    assert per_chunk == sentence_bounds(text)


def test_read_title():
    assert read_title("2021年度重庆市开州区财政局政府信息公开工作年度报告") == {
        "title": "2021年度重庆市开州区财政局政府信息公开工作年度报告", "agency": "重庆市开州区财政局", "year": 2021}
    assert read_title("关于2018年政府信息公开工作的报告")["agency"] is None
    assert read_title("本报告由六个部分组成,数据统计期限为2020年1月1日至12月31日。")["title"] is None


def test_iter_documents_reads_folders_jsonl_and_stdin(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.txt").write_text("浏览量12次。", encoding="utf-8")
    (tmp_path / "a.txt").write_text("工作动态3条。", encoding="utf-8")
    (tmp_path / ".hidden.txt").write_text("x", encoding="utf-8")
    lines = tmp_path / "more.jsonl"
    lines.write_text('{"id": "x", "text": "微博账号4个"}\n\n{"text": 5}\n{"text": "无"}\n', encoding="utf-8")
    docs = list(iter_documents([str(tmp_path / "a.txt"), str(tmp_path / "sub"), str(lines), "-", "missing.txt"],
                               stdin=io.BytesIO("浏览量7次".encode("gbk"))))
    assert [d.id for d in docs] == [str(tmp_path / "a.txt"), str(tmp_path / "sub" / "b.txt"), "x",
                                    f"{lines}:3", f"{lines}:4", "<stdin>", "missing.txt"]
    assert [d.error is None for d in docs] == [True, True, True, False, True, True, False]
    assert "".join(c for _, c in docs[5].chunks()) == "浏览量7次"


def test_a_large_file_is_read_in_bounded_memory(tmp_path, monkeypatch):
    monkeypatch.setattr(reader, "_BLOCK_BYTES", 1 << 16)
    line = "政府信息公开工作稳步推进,各项制度不断完善,回应关切更加及时。" * 10 + "全年发布工作动态12条。\n"
    path = tmp_path / "big.txt"
    text = line * (2_000_000 // len(line.encode("gb18030")))
    path.write_bytes(text.encode("gb18030"))
    size = path.stat().st_size
    load_dictionaries()  # jieba's dictionary is not the file's
    extractor = Extractor(rule_tagger, chunk_chars=4096, batch_chars=8192)
    # what loads once (the GB18030 codec's tables, the key taxonomy) is not the file's either
    small = tmp_path / "small.txt"
    small.write_bytes((line * 50).encode("gb18030"))
    for _ in extractor.stream([Document.from_file(small)]):
        pass
    tracemalloc.start()
    try:
        records = 0
        for event in extractor.stream([Document.from_file(path)]):
            if isinstance(event, Piece):
                records += len(event.records)
            elif isinstance(event, DocEnd):
                assert event.error is None and event.chars == len(text)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert records == text.count("\n")
    assert peak < size / 2, f"peak {peak} bytes for a {size}-byte file"


# ---- the command line


@pytest.fixture
def batch(tmp_path):
    """A folder as users have them: a GBK report, an empty file, an image, a binary file named .txt,
    a good UTF-8 report."""
    folder = tmp_path / "reports"
    (folder / "2019").mkdir(parents=True)
    (folder / "2019" / "gbk.txt").write_bytes("浏览量达到12次。".encode("gbk"))
    (folder / "empty.txt").write_bytes(b"")
    (folder / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64))
    (folder / "scan.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64))
    (folder / "good.txt").write_text(GOOD, encoding="utf-8-sig")
    return folder


def test_cli_batch_folder(batch, lex_dir, tmp_path, capsys):
    out = tmp_path / "out" / "records.jsonl"
    code, stdout, err = run_cli([batch, "--model", lex_dir, "--output", out, "--device", "cpu"], capsys)
    assert code == 1 and stdout == ""
    assert f"FAILED {batch / 'scan.txt'}: binary file" in err
    assert f"1 files in folders left out (not .txt/.jsonl/.html/.htm/.pdf/.docx/.doc): {batch / 'logo.png'}" in err
    assert "4 documents" in err and "1 failed" in err
    # the progress bar's total: one document per file (left-out files not counted); unknown for stdin/JSONL
    assert cli.document_total([str(batch)]) == 4 and cli.document_total(["-"]) is None
    docs = {d["id"]: d for d in map(json.loads, out.read_text(encoding="utf-8").splitlines())}
    assert set(docs) == {str(batch / name) for name in ("empty.txt", "good.txt", "2019/gbk.txt")}
    empty, good, gbk = (docs[str(batch / n)] for n in ("empty.txt", "good.txt", "2019/gbk.txt"))
    assert (empty["label"], empty["scores"], empty["records"]) == ([], [], [])
    # good.txt opens with its title line: its records are its one report's
    assert good["records"] == [] and [report["title"] for report in good["reports"]] == [good["title"]]
    assert [(r["metric"], r["value"], r["unit"]) for r in line_records(good) if r["metric"]] == GOOD_RECORDS
    assert (good["title"], good["agency"], good["year"]) == ("山西省商务厅2018年政府信息公开年度报告", "山西省商务厅", 2018)
    assert gbk["reports"] == [] and [(r["metric"], r["value"], r["unit"]) for r in gbk["records"]] == [("浏览量", 12, "次")]
    # labels and record spans index the file's text (BOM removed)
    text = GOOD
    for start, end, label in good["label"]:
        assert label in ("METRIC", "VALUE", "UNIT") and text[start:end].strip() == text[start:end]
    assert len(good["scores"]) == len(good["label"])
    assert good["model"] == str(lex_dir) and good["govreport_version"] == package_version()


def test_cli_csv_parses_back(batch, lex_dir, tmp_path, capsys):
    out = tmp_path / "records.csv"
    code, _, _ = run_cli([batch, "--model", lex_dir, "-o", out, "--device", "cpu"], capsys)
    assert code == 1
    raw = out.read_bytes()
    assert raw.startswith("\ufeff".encode("utf-8"))  # UTF-8 with BOM: spreadsheets read it as UTF-8
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert list(rows[0]) == list(CSV_COLUMNS)
    good = [r for r in rows if r["id"] == str(batch / "good.txt") and r["metric"]]
    assert [(r["metric"], float(r["value"]), r["unit"]) for r in good] == GOOD_RECORDS
    row = good[1]
    assert (row["qualifier"], row["approximate"], row["raw"]) == ("接近", "true", "七十万次")
    start, end = int(row["sentence_start"]), int(row["sentence_end"])
    assert GOOD[start:end] == row["sentence"]
    assert GOOD[int(row["value_start"]):int(row["value_end"])] == "七十万"
    # the VALUE span's score (its first character's B-VALUE, the lookup's second choice), and what made the row
    assert 0 < float(row["confidence"]) < 0.5 and row["model"] == str(lex_dir) and row["govreport_version"]


def test_api_and_cli_agree(extractor, lex_dir, tmp_path, capsys):
    texts = {"a": GOOD, "b": "开通微博账号3个,浏览量12次;增长5次。", "c": ""}
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps({"id": k, "text": v}, ensure_ascii=False) + "\n" for k, v in texts.items()),
                   encoding="utf-8")
    code, stdout, err = run_cli([src, "--model", lex_dir, "--device", "cpu", "--include-text"], capsys)
    assert code == 0, err
    lines = [json.loads(line) for line in stdout.splitlines()]
    api = extractor.extract_documents(list(texts.values()), ids=list(texts))
    assert [d["id"] for d in lines] == list(texts)
    for line, result in zip(lines, api):
        assert line["text"] == texts[line["id"]]
        assert line["label"] == [s.to_doccano() for s in result.spans]
        assert line["scores"] == pytest.approx(result.scores)
        assert [Record.from_dict(r) for r in line_records(line)] == result.records
        assert line == json.loads(json.dumps({**result.to_dict(), "source": line["source"], "text": line["text"],
                                              **extractor.provenance()}))


def test_cli_reads_standard_input(lex_dir, capsys, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO("浏览量12次。".encode("gb18030"))))
    code, stdout, _ = run_cli(["-", "--model", lex_dir, "--device", "cpu", "--format", "csv"], capsys)
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(stdout)))
    assert [(r["id"], r["metric"], r["value"], r["unit"]) for r in rows] == [("<stdin>", "浏览量", "12", "次")]


def test_cli_interrupted_run_leaves_no_output(batch, lex_dir, tmp_path, capsys, monkeypatch):
    real_stream = Extractor.stream

    def interrupted(self, documents):
        for i, event in enumerate(real_stream(self, documents)):
            if i == 4:
                raise KeyboardInterrupt
            yield event

    monkeypatch.setattr(Extractor, "stream", interrupted)
    out = tmp_path / "records.jsonl"
    code, _, err = run_cli([batch, "--model", lex_dir, "-o", out], capsys)
    assert code == 130 and "interrupted" in err
    assert not out.exists() and list(tmp_path.glob(".records.jsonl.*")) == []
    out.write_text("previous complete output\n")
    run_cli([batch, "--model", lex_dir, "-o", out], capsys)
    assert out.read_text() == "previous complete output\n"


def test_cli_progress_bars(lex_dir, tmp_path, capsys, monkeypatch):
    src = tmp_path / "a.txt"
    src.write_text(GOOD, encoding="utf-8")
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    code, stdout, err = run_cli([src, "--model", lex_dir, "--device", "cpu"], capsys)
    assert code == 0 and line_records(json.loads(stdout))
    assert "documents" in err and "characters" in err


def test_cli_usage_errors(tmp_path, capsys):
    code, _, err = run_cli([tmp_path, "--model", tmp_path / "no-model"], capsys)
    assert code == 2 and "cannot load the model" in err
    with pytest.raises(SystemExit):
        cli.main(["--format", "xml", "x.txt"])


def test_cuda_asked_for_without_one_is_a_clear_error(monkeypatch):
    # one reading of --device (model/device.py) for inference and training
    import types

    import torch

    from govreport.model.device import resolve_device
    from govreport.train.config import ConfigError
    from govreport.train.run import setup_device

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert resolve_device("auto") == "cpu" and resolve_device("cpu") == "cpu"
    with pytest.raises(ValueError, match="no CUDA device"):
        resolve_device("cuda")
    with pytest.raises(ConfigError, match="no CUDA device"):
        setup_device(types.SimpleNamespace(device="cuda", cpu_threads=None))


def test_a_mirror_sites_pinyin_glosses_are_read_past(extractor):
    # a mirror site marks the reading of some characters: 浏览(lǎn)量 is read as 浏览量, and the
    # spans still index the page's text
    glossed = GOOD.replace("浏览量", "浏览(lǎn)量").replace("工作动态", "工作（zuò）动态")
    assert glossed != GOOD
    (result,), (plain,) = extractor.extract_documents([glossed]), extractor.extract_documents([GOOD])
    assert [t for t in triples(result.records) if t[0]] == GOOD_RECORDS
    assert triples(result.records) == triples(plain.records)
    spans = {r.metric: glossed[slice(*r.metric_span)] for r in result.records if r.metric}
    assert spans["浏览量"] == "浏览(lǎn)量" and spans["工作动态"] == "工作（zuò）动态"
