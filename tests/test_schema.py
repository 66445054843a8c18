"""Spans ↔ tags round trips and doccano I/O."""

import json

import pytest
from hypothesis import given, strategies as st

from govreport.data.doccano import Example, FormatError, atomic_write, read_jsonl, write_jsonl
from govreport.data.schema import ENTITY_TYPES, LABELS, Record, Span, id2label, label2id, spans_to_tags, tags_to_spans
from govreport.eval.scoring import repair_tags


def test_labels_are_iob2_over_three_types():
    assert LABELS[0] == "O"
    assert set(LABELS[1:]) == {f"{p}-{t}" for t in ENTITY_TYPES for p in "BI"}
    assert all(id2label[label2id[label]] == label for label in LABELS)


@st.composite
def span_lists(draw):
    length = draw(st.integers(1, 60))
    cuts = sorted(draw(st.sets(st.integers(0, length), max_size=12)))
    spans = []
    for a, b in zip(cuts, cuts[1:]):
        if draw(st.booleans()):
            # as annotated: a span touching the one before it is of another type
            touching = spans[-1].label if spans and spans[-1].end == a else None
            spans.append(Span(a, b, draw(st.sampled_from([t for t in ENTITY_TYPES if t != touching]))))
    return spans, length


@given(span_lists())
def test_spans_tags_round_trip(case):
    spans, length = case
    assert tags_to_spans(spans_to_tags(spans, length)) == spans


@given(span_lists(), st.data())
def test_touching_spans_of_one_type_read_as_one(case, data):
    spans, length = case
    if not spans:
        return
    i = data.draw(st.integers(0, len(spans) - 1))
    # cut span i in two at an inner character: its tags now restart the name halfway
    span = spans[i]
    if span.end - span.start < 2:
        return
    cut = data.draw(st.integers(span.start + 1, span.end - 1))
    halves = spans[:i] + [Span(span.start, cut, span.label), Span(cut, span.end, span.label)] + spans[i + 1:]
    assert tags_to_spans(spans_to_tags(halves, length)) == spans


@pytest.mark.parametrize("tags, expected", [
    (["I-VALUE", "I-VALUE"], [Span(0, 2, "VALUE")]),                     # I- without B- opens a span
    (["B-METRIC", "I-VALUE"], [Span(0, 1, "METRIC"), Span(1, 2, "VALUE")]),  # type change breaks
    (["B-VALUE", "B-VALUE"], [Span(0, 2, "VALUE")]),                      # spans of one type never touch
    (["B-VALUE", "O", "B-VALUE"], [Span(0, 1, "VALUE"), Span(2, 3, "VALUE")]),
    (["O", "O"], []),
])
def test_tags_to_spans_repairs(tags, expected):
    assert tags_to_spans(tags) == expected


def _loop_tags_to_spans(tags):
    """data.schema.tags_to_spans as it was written before the one decoder (issue 21): the oracle."""
    spans, start, label = [], None, None
    for i, tag in enumerate(list(tags) + ["O"]):
        prefix, _, kind = tag.partition("-")
        continues = prefix in ("B", "I") and kind == label
        if start is not None and not continues:
            spans.append(Span(start, i, label))
            start, label = None, None
        if prefix in ("B", "I") and not continues:
            start, label = i, kind
    return spans


def _loop_repair_tags(tags):
    """eval.scoring.repair_tags as it was written before the one decoder (issue 21): the oracle."""
    repaired, previous = [], "O"
    for tag in tags:
        if tag.startswith("I-") and previous[2:] != tag[2:]:
            tag = "B-" + tag[2:]
        repaired.append(tag)
        previous = tag
    return repaired


@given(st.lists(st.sampled_from(LABELS), max_size=40))
def test_one_decoder_keeps_each_callers_reading(tags):
    # the schema (and the extractor, tests/test_records.py) join touching spans of one type ...
    assert tags_to_spans(tags) == _loop_tags_to_spans(tags)
    # ... the scorer keeps them apart
    assert repair_tags(tags) == _loop_repair_tags(tags)
    apart = tags_to_spans(tags, join_touching=False)
    assert spans_to_tags(apart, len(tags)) == _loop_repair_tags(tags)
    assert len(apart) >= len(tags_to_spans(tags))


def test_join_touching_is_the_only_difference():
    tags = ["B-VALUE", "I-VALUE", "B-VALUE", "I-UNIT", "B-UNIT", "O", "I-METRIC"]
    assert tags_to_spans(tags) == [Span(0, 3, "VALUE"), Span(3, 5, "UNIT"), Span(6, 7, "METRIC")]
    assert tags_to_spans(tags, join_touching=False) == [Span(0, 2, "VALUE"), Span(2, 3, "VALUE"), Span(3, 4, "UNIT"),
                                                        Span(4, 5, "UNIT"), Span(6, 7, "METRIC")]


def test_an_unknown_tag_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown tag 'B-PERSON'"):
        tags_to_spans(["O", "B-PERSON"])


def test_overlapping_spans_are_rejected():
    with pytest.raises(ValueError, match="overlap"):
        spans_to_tags([Span(0, 3, "METRIC"), Span(2, 4, "VALUE")], 5)
    with pytest.raises(ValueError):
        Span(0, 1, "PERSON")


def test_doccano_round_trip(tmp_path):
    rec = Record(metric="网络申请", value=26448, unit="宗", raw="26448宗", value_span=(4, 9),
                 unit_span=(9, 10), metric_span=(0, 4))
    ex = Example("a-1", "网络申请26448宗", [Span(0, 4, "METRIC"), Span(4, 9, "VALUE"), Span(9, 10, "UNIT")],
                 [rec], meta={"source": "x"})
    path = tmp_path / "out.jsonl"
    assert write_jsonl(path, [ex]) == 1
    line = json.loads(path.read_text(encoding="utf-8"))
    assert line["label"] == [[0, 4, "METRIC"], [4, 9, "VALUE"], [9, 10, "UNIT"]]
    assert line["records"][0]["value_span"] == [4, 9] and "value_min" not in line["records"][0]
    assert read_jsonl(path) == [ex]


def test_gold_file_reads():
    gold = read_jsonl("data/gold/dev.jsonl")
    assert len(gold) == 509
    assert sum(len(ex.spans) for ex in gold) > 1000


def test_a_gold_record_without_raw_takes_it_from_its_spans(tmp_path):
    # ANNOTATION.md scores records by metric, value and unit: a gold file that leaves raw out still reads
    path = tmp_path / "gold.jsonl"
    rows = [{"id": "a", "text": "网络申请26418宗,占49.7%", "label": [[0, 4, "METRIC"], [4, 9, "VALUE"], [9, 10, "UNIT"],
                                                                  [12, 16, "VALUE"], [16, 17, "UNIT"]],
             "records": [{"metric": "网络申请", "value": 26418, "unit": "宗", "value_span": [4, 9], "unit_span": [9, 10]},
                         {"metric": "网络申请", "value": 49.7, "unit": "%", "value_span": [12, 16]},
                         {"metric": "网络申请", "value": 1, "unit": None}]}]
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    (ex,) = read_jsonl(path)
    assert [r.raw for r in ex.records] == ["26418宗", "49.7", ""]
    assert [(r.metric, r.value, r.unit) for r in ex.records] == [("网络申请", 26418, "宗"), ("网络申请", 49.7, "%"),
                                                                ("网络申请", 1, None)]


def test_a_gold_file_in_doccanos_relation_layout_reads_its_spans(tmp_path):
    # doccano exports spans as 'entities' when relations are on; read as none, every prediction
    # would have scored as spurious
    path = tmp_path / "gold.jsonl"
    row = {"id": 7, "text": "网络申请26448宗", "relations": [{"id": 0, "from_id": 1, "to_id": 0, "type": "measures"}],
           "entities": [{"id": 0, "start_offset": 0, "end_offset": 4, "label": "METRIC"},
                        {"id": 1, "start_offset": 4, "end_offset": 9, "label": "VALUE"},
                        {"id": 2, "start_offset": 9, "end_offset": 10, "label": "UNIT"}]}
    path.write_text(json.dumps(row, ensure_ascii=False) + "\n", encoding="utf-8")
    (ex,) = read_jsonl(path)
    assert ex.spans == [Span(0, 4, "METRIC"), Span(4, 9, "VALUE"), Span(9, 10, "UNIT")]
    assert ex.records is None and ex.meta == {} and ex.id == "7"
    assert ex.to_dict()["label"] == [[0, 4, "METRIC"], [4, 9, "VALUE"], [9, 10, "UNIT"]]


def test_a_span_given_twice_is_one_span(tmp_path):
    path = tmp_path / "gold.jsonl"
    path.write_text(json.dumps({"text": "办结3件", "label": [[0, 2, "METRIC"], [2, 3, "VALUE"], [0, 2, "METRIC"]]}) + "\n",
                    encoding="utf-8")
    assert read_jsonl(path)[0].spans == [Span(0, 2, "METRIC"), Span(2, 3, "VALUE")]


@pytest.mark.parametrize("line, message", [
    ('{"id": 1}', "text"),
    ('{"text": "ab", "label": [[0, 5, "VALUE"]]}', "past the end"),
    ('{"text": "ab", "label": [[0, 1, "AMOUNT"]]}', "unknown entity type"),
    ('{"text": "ab", "entities": [{"start_offset": 0, "label": "VALUE"}]}', "bad 'entities'.*end_offset"),
    ('{"text": "ab", "records": [{"metric": "a", "unit": null, "raw": "b"}]}', "bad 'records'.*value"),
    ('{"text": "ab", "records": [{"metric": "a", "value": 1, "unit": null, "value_span": ["x", 1]}]}', "bad 'records'"),
    ("not json", "Expecting value"),
])
def test_bad_lines_name_file_and_line(tmp_path, line, message):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"text": "ok"}\n' + line + "\n", encoding="utf-8")
    with pytest.raises(FormatError, match=rf"bad.jsonl:2: .*{message}"):
        read_jsonl(path)


def test_atomic_write_leaves_nothing_on_error(tmp_path):
    path = tmp_path / "x.txt"
    with pytest.raises(RuntimeError):
        with atomic_write(path) as f:
            f.write("half")
            raise RuntimeError("interrupted")
    assert list(tmp_path.iterdir()) == []
