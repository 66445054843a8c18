"""The traditional -> simplified tables (data/text.py, data/traditional.tsv) and the script that writes one."""

from govreport.data.text import TO_SIMPLIFIED, TO_TRADITIONAL, TRADITIONAL_ONLY
from govreport.data.traditional_table import build


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
