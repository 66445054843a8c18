"""Which text encoding a file is in, decided over the whole file, or why it is not text.

The rule (docs/input.md), in order:

1. a byte-order mark names the encoding: UTF-8, UTF-16 or UTF-32 (LE or BE);
2. UTF-8, when the whole file decodes as UTF-8 (emoji and CJK Extension B included);
3. UTF-16 without a BOM: little- or big-endian, when the whole file decodes and reads as
   text (95% of its characters CJK, CJK or full-width punctuation, Latin or space, and
   its Han characters mostly common ones). A file whose NUL bytes sit on one side of each
   byte pair (ASCII text in UTF-16) is tried as UTF-16 first;
4. GB18030 (a superset of GBK and GB2312), or Big5 (as Windows code page 950) where the
   two can be told apart: when the whole file decodes as both, Big5 wins only if its Han
   characters are clearly more often common ones (:data:`BIG5_MARGIN`) over at least
   :data:`MIN_HAN` of them; otherwise GB18030, the encoding of mainland government files.

Every candidate is checked over the whole file, one block in memory at a time: a file is
*binary* when more than :data:`CONTROL_SHARE` of its characters are control characters
(NUL included; tab, line breaks and form feed are text), wherever they are, and
*undecodable* when no encoding reads it. The :class:`ReadError` says which and why.

>>> detect_encoding(lambda: ["共发布工作动态252条😀。".encode("utf-8")])
'utf-8'
>>> detect_encoding(lambda: ["政府資訊公開年度報告，共受理申請52件。".encode("big5")])
'cp950'
>>> detect_encoding(lambda: ["共3件。".encode("gbk")])
'gb18030'
"""

from __future__ import annotations

import codecs
import functools
import re
from dataclasses import dataclass
from typing import Callable, Iterable

from govreport.data.errors import InputError

__all__ = ["ReadError", "detect_encoding", "CONTROL_SHARE", "MIN_HAN", "BIG5_MARGIN"]

_SNIFF_BYTES = 1 << 16  # bytes looked at for a byte-order mark and NUL bytes

CONTROL_SHARE = 0.05  # a text with more control characters than this share is binary
MIN_HAN = 4  # Han characters needed before Big5 may be preferred to GB18030
BIG5_MARGIN = 0.2  # how much larger Big5's share of common characters must be than GB18030's
_TEXTLIKE_SHARE = 0.95  # UTF-16 without a BOM must read this much like text
_COMMON_SHARE = 0.5  # and this share of its Han characters must be common ones
_ODD_SHARE = 0.02  # GB18030 read by mistake is full of rare and private-use characters


class ReadError(InputError):
    """An input that cannot be read as text; the message says why, for the failure summary."""


_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16: its BOM starts with UTF-16's
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

_CONTROLS = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f]")  # Cc less \t \n \v \f \r
_HAN = re.compile("[\u4e00-\u9fff\u3400-\u4dbf\U00020000-\U0003134f]")
_ODD = re.compile("[\U00010000-\U0010ffff\u3400-\u4dbf\ue000-\uf8ff]")
_TEXTLIKE = re.compile("[\t\n\r\x20-\x7e\u00a0-\u024f\u2000-\u206f\u3000-\u303f\u4e00-\u9fff\uff01-\uff5e\uffe0-\uffe6]")


@functools.lru_cache(maxsize=None)
def _common_chars(standard: str) -> frozenset[str]:
    """The common Han characters of a standard, from the codec itself: GB2312's level 1
    (3,755, lead bytes B0-D7) or Big5's frequent characters (5,401, A440-C67E)."""
    if standard == "gb2312":
        pairs = [(lead, trail) for lead in range(0xB0, 0xD8) for trail in range(0xA1, 0xFF)]
    else:
        pairs = [(lead, trail) for lead in range(0xA4, 0xC7) for trail in [*range(0x40, 0x7F), *range(0xA1, 0xFF)]
                 if (lead << 8 | trail) <= 0xC67E]
    chars = set()
    for pair in pairs:
        try:
            chars.add(bytes(pair).decode(standard))
        except UnicodeDecodeError:
            continue
    return frozenset(chars)


@functools.lru_cache(maxsize=None)
def _common(standard: str) -> re.Pattern:
    """A pattern for the common Han characters of ``gb2312``, ``big5`` or ``any`` of the two."""
    chars = _common_chars("gb2312") | _common_chars("big5") if standard == "any" else _common_chars(standard)
    return re.compile("[" + "".join(sorted(chars)) + "]")


@dataclass
class _Reading:
    """What one encoding made of the whole file."""

    encoding: str
    chars: int = 0
    controls: int = 0
    han: int = 0
    common: int = 0
    odd: int = 0
    textlike: int = 0
    error: str | None = None

    def binary(self, control_share: float = CONTROL_SHARE) -> bool:
        return self.controls > control_share * self.chars

    def common_share(self) -> float:
        return self.common / self.han if self.han else 0.0


def _read(read_blocks: Callable[[], Iterable[bytes]], encoding: str, count_common: str | None = None,
          textlike: bool = False) -> _Reading:
    """Decode the whole source strictly with ``encoding`` and count what the decision needs."""
    reading = _Reading(encoding)
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    offset = 0

    def take(text: str) -> None:
        # subn counts in C without a list of one string per match
        reading.chars += len(text)
        reading.controls += _CONTROLS.subn("", text)[1]
        reading.han += _HAN.subn("", text)[1]
        reading.odd += _ODD.subn("", text)[1]
        if count_common:
            reading.common += _common(count_common).subn("", text)[1]
        if textlike:
            reading.textlike += _TEXTLIKE.subn("", text)[1]

    try:
        for block in read_blocks():
            take(decoder.decode(block))
            offset += len(block)
        take(decoder.decode(b"", final=True))
    except UnicodeDecodeError as err:
        reading.error = f"not {encoding} at byte {offset + max(err.start, 0)}"
    return reading


def _binary_error(reading: _Reading) -> ReadError:
    return ReadError(f"binary file ({reading.controls} of {reading.chars} characters are control characters)")


def detect_encoding(read_blocks: Callable[[], Iterable[bytes]], control_share: float = CONTROL_SHARE) -> str:
    """The encoding of a byte source, checked over all of it; ReadError when there is none.

    ``read_blocks`` opens the source afresh on each call (one pass per candidate
    encoding, one block in memory at a time). ``control_share`` is the share of control
    characters that makes a source binary; a JSONL file passes 1 (never): its lines are
    judged one by one, so a line of junk fails alone instead of taking the file down.

    >>> detect_encoding(lambda: [b"\\x89PNG\\r\\n\\x1a\\n\\x00\\x00\\x00\\rIHDR"])
    Traceback (most recent call last):
    ...
    govreport.inference.encoding.ReadError: binary file (4 of 15 characters are control characters)
    """
    head = b""
    for block in read_blocks():
        head += block
        if len(head) >= _SNIFF_BYTES:
            break
    head = head[:_SNIFF_BYTES]
    if not head:
        return "utf-8"
    for bom, encoding in _BOMS:
        if head.startswith(bom):
            reading = _read(read_blocks, encoding)
            if reading.error:
                raise ReadError(f"undecodable text (a {encoding} byte-order mark, but {reading.error})")
            if reading.binary(control_share):
                raise _binary_error(reading)
            return encoding

    binary: _Reading | None = None
    nul = head.count(0)
    utf16 = ["utf-16-le", "utf-16-be"]
    if nul:
        # ASCII in UTF-16 puts its NUL bytes on one side of each pair: try that side first
        odd = head[1::2].count(0)
        utf16 = utf16 if odd >= nul - odd else utf16[::-1]
        for encoding in utf16:
            reading = _read(read_blocks, encoding, "any", textlike=True)
            if _is_utf16_text(reading, control_share):
                return encoding
    reading = _read(read_blocks, "utf-8")
    if not reading.error:
        if not reading.binary(control_share):
            return "utf-8"
        binary = reading
    if not nul:
        for encoding in utf16:
            reading = _read(read_blocks, encoding, "any", textlike=True)
            if _is_utf16_text(reading, control_share):
                return encoding
    gb = _read(read_blocks, "gb18030", "gb2312")
    big5 = _read(read_blocks, "cp950", "big5")
    plausible = [r for r in (gb, big5) if not r.error and not r.binary(control_share) and r.odd <= max(2, _ODD_SHARE * r.chars)]
    if len(plausible) == 2:
        if big5.han >= MIN_HAN and big5.common_share() >= gb.common_share() + BIG5_MARGIN:
            return "cp950"
        return "gb18030"
    if plausible:
        return plausible[0].encoding
    binary = binary or next((r for r in (gb, big5) if not r.error and r.binary(control_share)), None)
    if binary is not None:
        raise _binary_error(binary)
    if nul:
        raise ReadError("binary file (NUL bytes; not UTF-16 text)")
    raise ReadError("undecodable text (not UTF-8, UTF-16, GB18030 or Big5)")


def _is_utf16_text(reading: _Reading, control_share: float = CONTROL_SHARE) -> bool:
    return (not reading.error and reading.chars > 0 and not reading.binary(control_share)
            and reading.textlike >= _TEXTLIKE_SHARE * reading.chars
            and (reading.han < MIN_HAN or reading.common_share() >= _COMMON_SHARE))
