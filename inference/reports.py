"""Reports inside a document: title lines, the report each offset belongs to, section headings.

A page often holds several reports (a portal's list page, a bulletin collection) with site
clutter between them. A *title line* (…年度报告, …工作报告, …统计公报, …年报) starts a
report, whose body runs up to the next title; text before the first title belongs to no
report. The title, agency and year are read by :func:`inference.reader.read_title`, the
one reading of title lines in the project. Inside a report, the *section* of an offset is
the numbered heading it sits under (一、总体情况 … 六、其他需要报告的事项), or the
report's own numbering ((一)网站信息公开情况) before its first top-level heading.

>>> text = "网站导航\\n甲市水利局政府信息公开工作2019年度报告\\n一、总体情况\\n全年发布信息41条。\\n"
>>> [(s.start, s.report and s.report.title) for s in iter_segments([(0, text)])]
[(0, None), (5, '甲市水利局政府信息公开工作2019年度报告')]
>>> Sections("一、总体情况\\n全年发布信息41条。").at(8)
'一、总体情况'
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator, Sequence

from govreport.inference.reader import read_title
from govreport.inference.sentences import ends_sentence, unwrap

__all__ = ["Report", "Segment", "Sections", "title_line", "iter_segments", "SEGMENT_CHARS"]

# The most characters handed to the table parser at once: a report longer than this is
# parsed in parts (cut at line ends, after a sentence's end where one is near: _paragraph_end),
# so memory stays bounded on a document with no title.
SEGMENT_CHARS = 1 << 18

# ---------------------------------------------------------------------------------------------
# Title lines
# ---------------------------------------------------------------------------------------------

# A title line ends with the report word, maybe followed by what portals append to a
# link's caption (简介, 全文) or by the file name's extension of an attachment link.
_TITLE_SUFFIX = r"(?:简介|全文|[（(](?:全文|节选)[)）])?(?:\.(?:pdf|docx?|wps|html?|txt))?"
_TITLE_END = re.compile(rf"(?:报告|公报|年报){_TITLE_SUFFIX}$", re.IGNORECASE)
_STRIP_SUFFIX = re.compile(rf"{_TITLE_SUFFIX}$", re.IGNORECASE)
# Cheap filter over a whole buffer: a line of at most ~100 characters ending like a title.
_CANDIDATE = re.compile(rf"^[^\n]{{0,100}}(?:报告|公报|年报){_TITLE_SUFFIX}[ \t\u3000\r]*$",
                        re.MULTILINE | re.IGNORECASE)
# The same title twice on one line: a link and its caption copied together.
_DOUBLED = re.compile(r"(.+?)\s+\1")


def title_line(line: str) -> dict[str, Any] | None:
    """``title``, ``agency`` and ``year`` of a report title line, else None.

    The title is short, names a year, ends with its report word (报告, 公报, 年报; a
    trailing 简介/全文 or ``.pdf`` is dropped) and has no sentence punctuation; a line that
    names an attachment (附件:), mentions a report in passing or is a site's headline
    (每日一报 | …) is no title.

    >>> title_line("2020年江南省贸易厅政府信息公开年度报告简介")
    {'title': '2020年江南省贸易厅政府信息公开年度报告', 'agency': '江南省贸易厅', 'year': 2020}
    >>> title_line("根据条例规定,现公布2020年江南省贸易厅政府信息公开年度报告。") is None
    True
    """
    line = line.strip().strip("《》 \u3000")
    doubled = _DOUBLED.fullmatch(line)
    if doubled:
        line = doubled.group(1)
    if not _TITLE_END.search(line) or any(c in line for c in ":：|") or line.startswith("附件"):
        return None
    meta = read_title(line)
    if meta["title"] is None:
        return None
    meta["title"] = _STRIP_SUFFIX.sub("", meta["title"]).strip()
    return meta


def _title_key(title: str) -> str:
    return re.sub(r"\s+", "", title)


def _continues(meta: dict[str, Any], report: "Report | None") -> bool:
    """Whether a title line repeats the current report's title rather than starting a new
    report: the same title, or part of it in the same year (a title printed again without
    its agency, or broken over two lines: 正阳街道办事处 / 2023年…年度报告)."""
    if report is None:
        return False
    new, current = _title_key(meta["title"]), _title_key(report.title)
    return new == current or (meta["year"] == report.year and (new in current or current in new))


@dataclass
class Report:
    """One report of a document: its title line's reading and ``[start, end)`` in the document.

    ``start`` is the offset of the title line; ``end`` the start of the next title (or the
    document's end). ``checks`` holds the table identities checked on its tables;
    ``records`` is filled by :meth:`inference.extract.Extractor.extract_documents` only
    (the stream hands records on piece by piece instead).
    """

    title: str
    agency: str | None
    year: int | None
    start: int
    end: int
    index: int = 0  # its position among the document's reports
    checks: list[Any] = field(default_factory=list)
    records: list[Any] = field(default_factory=list, repr=False)

    def to_dict(self) -> dict[str, Any]:
        """The report's fields without its records (writers add those)."""
        return {"title": self.title, "agency": self.agency, "year": self.year, "start": self.start, "end": self.end,
                "checks": [check_dict(c) for c in self.checks]}


def check_dict(check: Any) -> dict[str, Any]:
    """A table check as JSON: its own ``to_dict()``, or the mapping it already is."""
    return check.to_dict() if hasattr(check, "to_dict") else dict(check)


# ---------------------------------------------------------------------------------------------
# Segments: a document cut at its title lines
# ---------------------------------------------------------------------------------------------


@dataclass
class Segment:
    """A piece of a document's text that lies inside one report (or before the first one)."""

    start: int
    text: str
    report: Report | None


def _wrapped_into(buf: str, start: int, end: int, page: int | None) -> bool:
    """Whether the line ``buf[start:end]`` goes on from the line before it, hard-wrapped at the
    width ``page`` (:func:`inference.sentences.unwrap`): then it is no title, however it ends."""
    if page is None or start == 0:
        return False
    before = buf.rfind("\n", 0, start - 1) + 1
    return unwrap(buf[before:end], page)[start - 1 - before] != "\n"  # unwrap keeps offsets


def iter_segments(chunks: Iterable[tuple[int, str]], max_chars: int = SEGMENT_CHARS,
                  page: int | None = None) -> Iterator[Segment]:
    """Cut a document's ``(offset, text)`` chunks at report title lines.

    Each segment is the text of one report, or of the clutter before the first title
    (``report`` None). A title that repeats the current report's title (a page's heading
    and its 简介 link, an attachment link under the report) continues it, and so does a line
    that ends like a title but carries on a line hard-wrapped at the PDF page width ``page``
    (下一篇：…关于印发 / 2019年…年报, a link's caption the page broke). A segment longer
    than ``max_chars`` is handed on in parts cut at line ends, after a line that ends a
    sentence where one is in the part's second half (or at a chunk end inside a line too long
    to be a title), so memory stays bounded; every part of one report
    carries the same :class:`Report`, whose ``end`` is set once the next title or the
    document's end is seen. Chunks must end at sentence ends, as
    :meth:`inference.reader.Document.chunks` cuts them.

    >>> [(s.start, s.text) for s in iter_segments([(0, "乙\\n2019年某局统计公报\\n丙")])]
    [(0, '乙\\n'), (2, '2019年某局统计公报\\n丙')]
    """
    buf, start, scanned = "", 0, 0  # unhanded text, its offset, how far its complete lines were scanned
    report: Report | None = None
    count = 0
    for _, chunk in chunks:
        buf += chunk
        lines_end = buf.rfind("\n") + 1
        while scanned < lines_end:
            m = _CANDIDATE.search(buf, scanned, lines_end - 1)
            if m is None:
                break
            meta = title_line(m.group())
            scanned = m.end() + 1
            if meta is None or _continues(meta, report) or _wrapped_into(buf, m.start(), m.end(), page):
                continue
            if m.start():
                yield Segment(start, buf[:m.start()], report)
            if report is not None:
                report.end = start + m.start()
            report = Report(meta["title"], meta["agency"], meta["year"], start + m.start(), start + m.start(), count)
            count += 1
            buf, start, scanned, lines_end = buf[m.start():], start + m.start(), scanned - m.start(), lines_end - m.start()
        scanned = max(scanned, lines_end)
        if len(buf) > max_chars:
            # a line with no line break yet is no title once it is this long: hand it all on
            cut = _paragraph_end(buf, scanned) if scanned and len(buf) - scanned <= max_chars else len(buf)
            yield Segment(start, buf[:cut], report)
            buf, start, scanned = buf[cut:], start + cut, scanned - cut if cut <= scanned else 0
    # the last line has no line break
    meta = title_line(buf[scanned:]) if len(buf) - scanned <= 110 else None
    if meta is not None and not _continues(meta, report) and not _wrapped_into(buf, scanned, len(buf), page):
        if scanned:
            yield Segment(start, buf[:scanned], report)
        if report is not None:
            report.end = start + scanned
        report = Report(meta["title"], meta["agency"], meta["year"], start + scanned, start + scanned, count)
        buf, start = buf[scanned:], start + scanned
    if buf:
        yield Segment(start, buf, report)
    if report is not None:
        report.end = start + len(buf)


def _paragraph_end(buf: str, end: int) -> int:
    """Where to cut ``buf[:end]`` (``end`` just after a line break): after the last line in its
    second half that ends a sentence, else at ``end``. A PDF's hard-wrapped paragraph goes on
    across its line breaks (:func:`inference.sentences.unwrap`), and the part cut off is
    unwrapped on its own, so a cut at any other line break would end a sentence there.

    >>> _paragraph_end("共发布信息\\n41条。\\n主动公开各类政\\n", 19)
    11
    """
    stop = end - 1
    while stop > end // 2:
        begin = buf.rfind("\n", 0, stop) + 1
        if ends_sentence(buf[begin:stop]):
            return stop + 1
        stop = begin - 1
    return end


# ---------------------------------------------------------------------------------------------
# Sections
# ---------------------------------------------------------------------------------------------

_NUMERALS = {c: i for i, c in enumerate("一二三四五六七八九十", 1)}
# Top-level headings (一、总体情况, 第一部分 …) and the level below ((一)网站信息公开情况).
_LEVEL1 = re.compile(r"[ \t\u3000]*(?:第(?P<a>[一二三四五六七八九十]{1,3})(?:部分|章)"
                     r"|(?P<b>[一二三四五六七八九十]{1,3})[ \t\u3000]*[、.．])[ \t\u3000]*\S[^\n]*")
_LEVEL2 = re.compile(r"[ \t\u3000]*[（(](?P<b>[一二三四五六七八九十]{1,3})[)）][ \t\u3000]*\S[^\n]*")
_HEADING_MAX = 40
# Row labels of the standard tables look like headings (一、本年新收…, （一）予以公开) but are not.
_TABLE_LABEL = re.compile(r"本年新收|上年结转|本年度办理结果|结转下年度|予以公开|部分公开|不予公开|无法提供|不予处理"
                          r"|其他处理|总计")


def _numeral(text: str) -> int:
    """一 -> 1, 十二 -> 12, 二十 -> 20 (headings go no higher)."""
    if "十" not in text:
        return _NUMERALS.get(text, 0)
    tens, _, ones = text.partition("十")
    return (_NUMERALS.get(tens, 1) if tens else 1) * 10 + (_NUMERALS.get(ones, 0) if ones else 0)


def _heading(line: str) -> bool:
    body = line.strip().rstrip("。:：")
    return len(body) <= _HEADING_MAX and not any(c in body for c in "，,；;。") and not _TABLE_LABEL.search(body)


class Sections:
    """The section heading each offset of a report's text sits under.

    Top-level headings count when their numbers run on (一 then 二 or 三: a row label
    of a flattened table that restarts at 一 is no heading); before the first of them,
    the report's own lower numbering ((一), (二) …) names the section. Headings inside
    ``exclude`` ranges (table regions) are ignored.

    >>> s = Sections("(一)网站情况\\n发布3条。\\n二、重点工作\\n表\\n一、本年新收申请数量\\n办结2件。")
    >>> [s.at(i) for i in (8, 19, 35)]
    ['(一)网站情况', '二、重点工作', '二、重点工作']
    """

    def __init__(self, text: str, exclude: Sequence[tuple[int, int]] = ()):
        self.top: list[tuple[int, str]] = []
        self.lower: list[tuple[int, str]] = []
        last = 0
        pos = 0
        for line in text.splitlines(keepends=True):
            start, pos = pos, pos + len(line)
            if any(a <= start < b for a, b in exclude):
                continue
            m1 = _LEVEL1.fullmatch(line.rstrip("\r\n"))
            if m1 and _heading(line):
                n = _numeral(m1.group("a") or m1.group("b"))
                if last < n <= last + 2:
                    self.top.append((start, line.strip()))
                    last = n
                continue
            m2 = _LEVEL2.fullmatch(line.rstrip("\r\n"))
            if m2 and not self.top and _heading(line):
                self.lower.append((start, line.strip()))
        self._top_starts = [s for s, _ in self.top]
        self._lower_starts = [s for s, _ in self.lower]

    def at(self, offset: int) -> str | None:
        """The heading in force at ``offset`` (None before any)."""
        i = bisect.bisect_right(self._top_starts, offset)
        if i:
            return self.top[i - 1][1]
        i = bisect.bisect_right(self._lower_starts, offset)
        return self.lower[i - 1][1] if i else None
