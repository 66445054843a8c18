"""The traditional -> simplified tables (data/text.py, data/traditional.tsv), the radical forms a PDF
reader gives back (data/radicals.tsv), and the scripts that write them."""

import pytest

from govreport.data.numbers import parse_number
from govreport.data.text import RADICAL_FORMS, TO_SIMPLIFIED, TO_TRADITIONAL, TRADITIONAL_ONLY, _character_pairs
from govreport.data.traditional_table import build
from govreport.model.windows import READ_AS


def _gb2312() -> list[str]:
    """Every character of GB2312's 6,763 hanzi and its symbols: what simplified text is written in."""
    chars = []
    for high in range(0xA1, 0xF8):
        for low in range(0xA1, 0xFF):
            try:
                chars.append(bytes([high, low]).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    return chars


def test_simplified_text_passes_through_unchanged():
    chars = _gb2312()
    assert len(chars) > 7000
    text = "".join(chars)
    # what models read: simplified text exactly as written
    assert text.translate(TRADITIONAL_ONLY) == text
    # what rules read: only the three characters of the generator's table simplified text writes too
    assert {a for a, b in zip(text, text.translate(TO_SIMPLIFIED)) if a != b} == set("於後徵")


def test_tables_map_one_character_to_one_and_agree_with_the_generator():
    assert all(len(chr(t)) == 1 and len(chr(s)) == 1 for t, s in TO_SIMPLIFIED.items())
    assert TRADITIONAL_ONLY.items() <= TO_SIMPLIFIED.items()
    # every character the generator writes in traditional script reads back as one that maps to it
    for simple, traditional in TO_TRADITIONAL.items():
        assert chr(traditional).translate(TO_SIMPLIFIED).translate(TO_TRADITIONAL) == chr(traditional)
    assert "兩萬開佔諮隻綫採類複衞爲裡裏".translate(TO_SIMPLIFIED) == "两万开占咨只线采类复卫为里里"


def test_build_reads_opencc_dictionaries(tmp_path):
    (tmp_path / "TSCharacters.txt").write_text(
        "\ufeff萬\t万\n著\t着 著\n衛\t卫\n麪\t面 麺\n乾\t干 乾\n㑯\t㑔\n鍾\t钟 锺\n", encoding="utf-8")
    (tmp_path / "TWVariantsRev.txt").write_text("", encoding="utf-8")
    (tmp_path / "HKVariantsRev.txt").write_text("衞\t衛\n台\t臺\n", encoding="utf-8")
    assert build(tmp_path) == {
        "萬": "万", "衛": "卫", "麪": "面", "鍾": "钟",
        "衞": "卫",  # a variant through the standard form it reads as
    }  # not 著 or 乾 (simplified text writes them), not 㑯 (its reading is no GB2312 character), not 台


def test_radical_forms_read_as_the_characters_a_pdf_font_drew_with_them():
    # pypdf gives back ⼗ ⼈ ⼯ (Kangxi radicals) and ⻔ ⺠ ⻓ (Radicals Supplement) for 十 人 工 门 民 长
    pdf = "\u2f17\u2f08\u2f2f\u2ed4\u2ea0\u2ed3\u2f3e"
    # ⼾, whose NFKC is the traditional 戶, in the form simplified text writes: 户
    assert pdf.translate(RADICAL_FORMS) == "十人工门民长户"
    assert (pdf + "\u2ed1").translate(TO_SIMPLIFIED) == "十人工门民长户长"
    assert "七百四\u2f17五".translate(READ_AS) == "七百四十五" and parse_number("七百四\u2f17五").value == 745
    # one character for one, onto CJK ideographs only, and never onto simplified text itself
    assert all(0x3400 <= c <= 0x9FFF or 0x20000 <= c <= 0x2FFFF for c in RADICAL_FORMS.values())
    text = "".join(_gb2312())
    assert text.translate(RADICAL_FORMS) == text


def test_the_radicals_table_is_what_its_script_reads_from_a_font(tmp_path):
    # a font whose one glyph draws 门 (U+95E8) and ⻔ (U+2ED4), and another 长 alone
    fontTools = pytest.importorskip("fontTools")
    from fontTools.fontBuilder import FontBuilder
    from fontTools.ttLib import TTCollection

    from govreport.data import radicals_table

    builder = FontBuilder(1000, isTTF=True)
    builder.setupGlyphOrder([".notdef", "gate", "long"])
    builder.setupCharacterMap({0x95E8: "gate", 0x2ED4: "gate", 0x957F: "long"})
    builder.setupGlyf({name: _empty_glyph() for name in [".notdef", "gate", "long"]})
    builder.setupHorizontalMetrics({name: (1000, 0) for name in [".notdef", "gate", "long"]})
    builder.setupHorizontalHeader()
    builder.setupNameTable({"familyName": "T", "styleName": "Regular"})
    builder.setupOS2()
    builder.setupPost()
    collection = TTCollection()
    collection.fonts = [builder.font]
    collection.save(tmp_path / "t.ttc")
    assert fontTools and radicals_table.table([str(tmp_path / "t.ttc")]) == {"\u2ed4": "门"}
    shipped = _character_pairs("radicals.tsv")
    assert shipped[0x2ED4] == ord("门") and shipped[0x2EA0] == ord("民") and len(shipped) > 70


def _empty_glyph():
    from fontTools.pens.ttGlyphPen import TTGlyphPen

    return TTGlyphPen(None).glyph()
