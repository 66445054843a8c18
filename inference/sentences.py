"""Sentences and clauses: the sentences records are linked within (:func:`sentence_bounds`),
the clauses inside them (:func:`clause_starts`), and the same sentences as the tagger gets
them, none too long (:func:`bounded_sentences`).

A text with no sentence end (a 5 MB line with no punctuation, a run of 100,000 numerals)
would otherwise reach the tagger and the records builder as one sentence, and every
per-character list built for it (token ids, offsets, label probabilities, span repair)
would grow with it: 250,000 characters took some 220 MB. Real report sentences are short
(the longest in ``../shared/corpus`` is 377 characters: see docs/input.md), so a sentence
longer than :data:`MAX_SENTENCE_CHARS` is cut into pieces of at most that length, at the
last clause mark or space in the second half of each piece, else between two characters
that are not both part of a number, else anywhere. Records are not linked across such a
cut; no real sentence is near the bound.

>>> text = "共3件。" + "甲乙，" * 4
>>> [text[s:e] for s, e in bounded_sentences(text, max_chars=8)]
['共3件。', '甲乙，甲乙，', '甲乙，甲乙，']
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Iterator, Sequence

from govreport.data.numbers import NUMERAL_CHARS
from govreport.data.numbers.chars import MAGNITUDES, MEASURE_WORDS
from govreport.data.schema import Span
from govreport.data.text import CLOSING_QUOTES, FULL_STOPS, PAGE_NUMBER_LINE, PINYIN_GLOSS, SENTENCE_ENDS, split_sentences
from govreport.inference.spans import inside

__all__ = ["MAX_SENTENCE_CHARS", "bounded_sentences", "cut_long", "sentence_bounds", "clause_starts", "unwrap", "wrap_width",
           "ends_sentence", "join_broken_lines", "hide_pinyin_glosses", "read_through", "WRAP"]

MAX_SENTENCE_CHARS = 2000

# Where a long sentence is best cut: after a clause mark or a space.
_CLAUSE_ENDS = frozenset("，,；;：:、 \t\u3000")


def _number_char(c: str) -> bool:
    return c.isdigit() or c in NUMERAL_CHARS or c in ".．,，%％"


def cut_long(text: str, start: int, end: int, max_chars: int = MAX_SENTENCE_CHARS) -> Iterator[tuple[int, int]]:
    """``[start, end)`` of ``text`` as pieces of at most ``max_chars`` characters.

    >>> list(cut_long("一二三四五六七八九十件", 0, 11, max_chars=4))
    [(0, 4), (4, 8), (8, 11)]
    """
    if max_chars < 2:
        raise ValueError(f"max_chars must be at least 2, not {max_chars}")
    while end - start > max_chars:
        limit = start + max_chars
        floor = start + max_chars // 2
        cut = next((k for k in range(limit, floor, -1) if text[k - 1] in _CLAUSE_ENDS), None)
        if cut is None:
            cut = next((k for k in range(limit, floor, -1)
                        if not (_number_char(text[k - 1]) and _number_char(text[k]))), limit)
        yield start, cut
        start = cut
    if end > start:
        yield start, end


def bounded_sentences(text: str, max_chars: int = MAX_SENTENCE_CHARS) -> Iterator[tuple[int, int]]:
    """:func:`sentence_bounds` of ``text``, a sentence longer than ``max_chars`` cut."""
    for start, end in sentence_bounds(text):
        if end - start <= max_chars:
            yield start, end
        else:
            yield from cut_long(text, start, end, max_chars)


_FULL_STOPS = frozenset(FULL_STOPS)


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
        body = text[out[-1][0]:end].rstrip(CLOSING_QUOTES)
        run = body[len(body.rstrip(SENTENCE_ENDS)):]
        join = bool(run) and not _FULL_STOPS.intersection(run)
    return out


# A line that opens a heading or a list item (一、 （一） 1. (1) ① 第一章), or a cell row of a table.
_OPENS_ITEM = re.compile(r"[ \t\u3000]*(?:[一二三四五六七八九十]+[、.．]|[(（][一二三四五六七八九十\d]+[)）]"
                         r"|\d+[、.．](?!\d)|[①-⑳]|第[一二三四五六七八九十百\d]+[章节条部])")
_TABLE_ROW = re.compile(r"[|│║\t]")
_LINE_ENDS = frozenset(SENTENCE_ENDS + "：:")
_WRAP_MIN_WIDTH = 30  # a wrapped line holds at least 15 Chinese characters
_WRAP_SLACK = 4  # a full line may fall short of the page width by two Chinese characters (an indent)
# ... and by half a column more for every two ASCII characters on it: a digit or a Latin letter
# counts one column, half a Chinese character, but a proportional font sets it wider or narrower
# (PDFs printed by Chromium and read back by pypdf: docs/results.md, "PDF text read back").
_WRAP_ASCII_SLACK = 0.5
# Punctuation a typesetter never starts a line with: it moves the character before it down too,
# and the line above stops a character short.
_NO_LINE_START = frozenset("，。、；：？！）」』”’》%％,.;:?!)")
# A number or Latin word is never broken: when it did not fit, the line above stops short by its
# width (one Chinese character's worth is the usual shortfall; credit up to twelve columns).
_LEADING_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9.,%]*")
_WRAP_WORD_MAX = 12
# ... and run past it by four, its spaces aside (a justified line's are stretched): digits and
# Latin letters are set narrower than they count. A wider line is none of the page's (a site's
# header, a caption copied with the PDF's text).
_WRAP_OVER = 8
# A text is hard-wrapped when at least a page's worth of long lines fill one width (fewer do so
# by chance: captions, headings, site clutter) and most of those full lines stop inside a
# sentence (where each line is a paragraph, lines end with 。; a wrapped paragraph's full lines
# end open but for the rare last line that fills the page). Chosen on corpus/unlabeled_b and
# tables_dev: every excerpt that is PDF text passes (8 to 60 full lines, 88% to 100% open), no
# other has eight full lines; PDFs of short paragraphs printed by Chromium and read back by pypdf
# (docs/results.md, "PDF text read back") go down to 78%. Counting every long line instead, a
# short paragraph's last line took the share under three in four there.
_WRAP_MIN_LINES = 8
_TOP_MARGIN_MIN = 3   # blank rows a text padded to its pages' height opens with, at least
_WRAP_OPEN_SHARE = 0.75
# What a wrap becomes: a zero-width space, which the extractor removes before tagging
# (inference.extract.normalize); a space between two ASCII letters or digits (12 / 34 stay two numbers).
WRAP = "\u200b"


def _width(line: str) -> int:
    """Display width: two for a Chinese character (anything not ASCII), one for ASCII."""
    return 2 * len(line) - len(line.encode("ascii", "ignore"))


def _last_mark(line: str) -> str:
    """The last character of ``line`` before trailing spaces and closing quotes ("" for none)."""
    return line.rstrip().rstrip(CLOSING_QUOTES)[-1:]


def _ends_open(line: str) -> bool:
    """Whether ``line`` stops inside a sentence: it ends in no 。！？；： (closing quotes aside)."""
    last = _last_mark(line)
    return bool(last) and last not in _LINE_ENDS


def ends_sentence(line: str) -> bool:
    """Whether ``line`` ends in 。！？；： (closing quotes aside): a line :func:`unwrap` never
    joins to the next, so a text cut after it reads the same as the text whole.

    >>> ends_sentence("新增公开市政府规章1件。”"), ends_sentence("主动公开各类政"), ends_sentence("")
    (True, False, False)
    """
    return _last_mark(line) in _LINE_ENDS


def _long_lines(lines: list[str], widths: list[int]) -> list[int]:
    return [k for k, (w, line) in enumerate(zip(widths, lines)) if w >= _WRAP_MIN_WIDTH and not _TABLE_ROW.search(line)]


def wrap_width(text: str) -> int | None:
    """The page width (in :func:`_width` columns) of ``text`` when its lines are hard-wrapped, else None.

    Hard-wrapped: at least eight long lines fill one width (to within two characters) and three
    in four of them stop inside a sentence.
    """
    if text.count("\n") < _WRAP_MIN_LINES:
        return None
    lines = text.split("\n")
    widths = [_width(line.rstrip()) for line in lines]
    long_lines = _long_lines(lines, widths)
    if len(long_lines) < _WRAP_MIN_LINES:
        return None
    page = Counter(widths[k] for k in long_lines).most_common(1)[0][0]  # the width most lines fill
    near = [k for k in long_lines if abs(widths[k] - page) <= _WRAP_SLACK]
    open_ = sum(_ends_open(lines[k]) for k in near)
    if len(near) < _WRAP_MIN_LINES or len(near) < 0.3 * len(long_lines) or open_ < _WRAP_OPEN_SHARE * len(near):
        return None
    return page


def _line_spacing(lines: list[str]) -> int:
    """The blank lines a text may write between two lines of one paragraph: 1 where lines one
    blank line apart are at least as common as lines next to each other, else 0.

    ``pdfplumber``'s layout mode puts each line of a page on a grid of rows finer than its line
    pitch, so most two lines of a paragraph have a blank row between them, and some none;
    there, one blank line says nothing of where a paragraph ends.
    """
    filled = [bool(line.strip()) for line in lines]
    next_to = sum(a and b for a, b in zip(filled, filled[1:]))
    one_apart = sum(a and not b and c for a, b, c in zip(filled, filled[1:], filled[2:]))
    return int(one_apart >= _WRAP_MIN_LINES and one_apart >= next_to)


def unwrap(text: str, page: int | None = None) -> str:
    """``text`` with the line breaks of hard-wrapped paragraphs (PDF text) marked as no sentence end.

    A PDF's text layer breaks every line where the page does, in the middle of names and
    numbers (主动公开各类政 / 府信息 5500 余条), and a line break ends a sentence. Where a
    text's lines are hard-wrapped (:func:`wrap_width`; or at the width ``page`` a longer text of
    the same document showed, for a part too short to show it), a line that fills that width
    (to within two characters, half a column more for every two ASCII characters, two columns
    more where the next line opens with a character and the punctuation that may not start a
    line, which the typesetter moved down together, and the width of a number or Latin word the
    next line opens with, which went down whole; and runs past it by four at most),
    does not end a sentence or a clause leading a list (。！？；：) and is followed by a line
    that opens no heading or list item (一、 （一） 1.) is wrapped.
    In a text that writes most lines one blank line apart (:func:`_line_spacing`), such a
    blank line is part of the break, and so is a page break: a run of blank lines about twice
    as long as the run the text opens with (pdfplumber pads each page with the blank rows of
    its margins). Its break, with the spaces around it and a page number on
    a line of its own after it (blank lines around that number too, as ``pdftotext -layout``
    writes a page break), is
    written as zero-width spaces (:data:`WRAP`; a space between two ASCII letters or digits):
    one character for one, so offsets hold; :func:`sentence_bounds` reads the paragraph's
    sentences whole and the extractor removes the marks before tagging. A text whose lines are
    paragraphs (no common width: HTML, Word, plain text) and table rows are left alone.

    >>> page = "2024年，市政府网站主动公开各类政\\n府信息5500余条，新增公开市政府规\\n章1件。\\n二、依申请公开情况\\n"
    >>> unwrap(page * 4)[:53].replace(WRAP, "~")
    '2024年，市政府网站主动公开各类政~府信息5500余条，新增公开市政府规~章1件。\\n二、依申请公开情况\\n'
    >>> unwrap("市政府网站主动公开各类政\\n府信息5500余条。", page=24).replace(WRAP, "~")
    '市政府网站主动公开各类政~府信息5500余条。'
    """
    if page is None:
        page = wrap_width(text)
    if page is None or "\n" not in text:
        return text
    lines = text.split("\n")
    widths = [_width(line.rstrip()) for line in lines]
    spacing = _line_spacing(lines)
    # a page break in such a text: the blank rows of one page's bottom margin and the next one's top
    # margin, about twice the blank rows the text opens with (pdfplumber pads every page to its height)
    top = next((k for k, line in enumerate(lines) if line.strip()), 0)
    page_break = 2 * top - 1 if spacing and top >= _TOP_MARGIN_MIN else len(lines)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line) + 1)
    pieces, done = [], 0
    for k, line in enumerate(lines[:-1]):
        if starts[k] + len(line.rstrip()) < done:
            continue  # a page number a wrap already went across (centred by spaces, it may fill the width)
        if _width(" ".join(line.split())) > page + _WRAP_OVER or not _ends_open(line) or _TABLE_ROW.search(line):
            continue
        nxt = k + 1  # the paragraph goes on after a page break: its number, and blank lines around it
        while nxt + 1 < len(lines) and (not lines[nxt].strip() or PAGE_NUMBER_LINE.fullmatch(lines[nxt])):
            nxt += 1
        if k + 1 + spacing < nxt < k + 1 + page_break \
                and not any(PAGE_NUMBER_LINE.fullmatch(between) for between in lines[k + 1:nxt]):
            continue  # blank lines alone, more than the text's line spacing and fewer than a page break: a paragraph ends
        after = lines[nxt]
        if not after.strip() or _OPENS_ITEM.match(after) or _TABLE_ROW.search(after):
            continue
        slack = _WRAP_SLACK + _WRAP_ASCII_SLACK * len(line.strip().encode("ascii", "ignore"))
        head = after.lstrip()
        word = _LEADING_WORD.match(head)
        if word:      # a number or Latin word the page could not break went down whole
            slack += min(len(word.group()), _WRAP_WORD_MAX) - 2
        elif head[1:2] in _NO_LINE_START:
            slack += 2
        if widths[k] < page - slack:
            continue
        first = starts[k] + len(line.rstrip())
        last = starts[nxt] + len(after) - len(after.lstrip())
        pieces += [text[done:first], _break_marks(text, first, last)]
        done = last
    return "".join(pieces) + text[done:] if pieces else text


def _break_marks(text: str, first: int, last: int) -> str:
    """What the joined break ``text[first:last]`` becomes, one character for one: zero-width
    spaces (:data:`WRAP`), or spaces between two ASCII letters or digits (12 / 34 stay two numbers)."""
    ascii_pair = text[first - 1].isascii() and text[first - 1].isalnum() and text[last].isascii() and text[last].isalnum()
    return (" " if ascii_pair else WRAP) * (last - first)


# Punctuation no line of prose starts with, the full stop aside (.5 is a number).
_GOES_ON_MARKS = _NO_LINE_START - {"."}
# A line that holds a number and nothing else (a web page that set each number in a span of its own).
_BARE_NUMBER = re.compile(r"[ \t\u3000]*[-+]?[0-9０-９][0-9０-９,，.．]*[%％‰‱]?[ \t\u3000]*")
# ... what may open the line after such a number: punctuation no line starts with, or its unit.
_LINE_GOES_ON = tuple(_GOES_ON_MARKS) + MEASURE_WORDS + tuple(MAGNITUDES)
# A line that ends with these stops inside a sentence whatever follows (a comma, an enumeration
# comma), and blank lines after it, up to two, are part of the break (a page's paragraphs).
_CLAUSE_OPEN = frozenset("，、")
_BLANKS_MAX = 2
# Where a text may have a broken line at all (a line opening with punctuation, or a bare number,
# or a line ending with a comma).
_MAYBE_BROKEN = re.compile(r"\n[ \t\u3000]*(?:[" + re.escape("".join(sorted(_GOES_ON_MARKS)))
                           + r"]|[-+]?[0-9０-９][0-9０-９,，.．]*[%％‰‱]?[ \t\u3000]*\r?\n)|[，、][ \t\u3000\r]*\n")


def read_through(text: str) -> str:
    """``text`` with what the extractor reads past marked :data:`WRAP`, one character for one: the
    line breaks no sentence ends at (:func:`join_broken_lines`) and a mirror site's pinyin glosses
    (:func:`hide_pinyin_glosses`). A PDF's wrapped lines are :func:`unwrap`'s, before this."""
    return hide_pinyin_glosses(join_broken_lines(text))


def hide_pinyin_glosses(text: str) -> str:
    """``text`` with every pinyin gloss a mirror site prints after a character
    (:data:`data.text.PINYIN_GLOSS`) marked :data:`WRAP`, one character for one: the tagger reads
    增长率 where the page prints 增长(zhǎng)率, and every offset still indexes ``text``.

    >>> hide_pinyin_glosses("人口自然增长(zhǎng)率为3.2‰").replace(WRAP, "~")
    '人口自然增长~~~~~~~率为3.2‰'
    """
    if "(" not in text and "（" not in text:
        return text
    return PINYIN_GLOSS.sub(lambda m: WRAP * len(m.group(0)), text)


def join_broken_lines(text: str) -> str:
    """``text`` with the line breaks that cannot end a sentence, whatever the width of its
    lines, marked as no sentence end (:data:`WRAP`, one character for one, as :func:`unwrap`).

    Three kinds, all after a line that stops inside a sentence (no 。！？；：) and never around a
    table row: a break before a line that opens with punctuation no line starts with (，、。%);
    the breaks around a line that holds only a number when the line after it opens with
    such punctuation or with a unit (a web page that set each number in an element of its own:
    累计主动公开政府信息 / 5928 / 条，全文电子化率达 / 90.3% / ，其中…); and a break after a line
    that ends with a comma or an enumeration comma (，、), up to two blank lines included, before
    a line that opens no heading or list item. A number between two labels (a table printed one
    cell per line) is left alone.

    >>> join_broken_lines("累计主动公开政府信息\\n5928\\n条，电子化率达\\n90.3%\\n，其中。\\n二、概述").replace(WRAP, "~")
    '累计主动公开政府信息~5928~条，电子化率达~90.3%~，其中。\\n二、概述'
    >>> join_broken_lines("共受理申请52件，\\n\\n其中网上申请30件。\\n1.组织机构5，\\n2.政策法规12。").replace(WRAP, "~")
    '共受理申请52件，~~其中网上申请30件。\\n1.组织机构5，\\n2.政策法规12。'
    >>> join_broken_lines("规章\\n1\\n0\\n11\\n行政规范性文件")
    '规章\\n1\\n0\\n11\\n行政规范性文件'
    """
    if not _MAYBE_BROKEN.search(text):
        return text
    lines = text.split("\n")
    joins = set()   # k: the break after line k goes

    def goes_on(k: int) -> bool:   # line k opens with what only goes on a sentence
        return lines[k].lstrip().startswith(_LINE_GOES_ON)

    for k in range(len(lines) - 1):
        line, after = lines[k], lines[k + 1]
        if not _ends_open(line) or _TABLE_ROW.search(line) or _TABLE_ROW.search(after):
            continue
        if after.lstrip()[:1] in _GOES_ON_MARKS:
            joins.add(k)
        elif _last_mark(line) in _CLAUSE_OPEN:   # 共受理申请52件， / 其中网上申请30件
            nxt = k + 1
            while nxt < len(lines) - 1 and nxt - k <= _BLANKS_MAX and not lines[nxt].strip():
                nxt += 1
            if lines[nxt].strip() and not _OPENS_ITEM.match(lines[nxt]) and not _TABLE_ROW.search(lines[nxt]):
                joins.update(range(k, nxt))
        elif (_BARE_NUMBER.fullmatch(after.rstrip("\r")) and k + 2 < len(lines) and goes_on(k + 2)
              and not _TABLE_ROW.search(lines[k + 2])):
            joins.update((k, k + 1))
    if not joins:
        return text
    pieces, pos, done = [], 0, 0
    for k, line in enumerate(lines[:-1]):
        end = pos + len(line)
        if k in joins:
            first = max(pos + len(line.rstrip()), done)   # (a blank line a join before went across)
            last = end + 1 + len(lines[k + 1]) - len(lines[k + 1].lstrip())
            pieces += [text[done:first], _break_marks(text, first, last)]
            done = last
        pos = end + 1
    return "".join(pieces) + text[done:]


# Clause boundaries inside a sentence (ANNOTATION.md: linking falls back to the nearest
# preceding clause). A comma inside a number (1,100) is inside its VALUE span and ignored.
_CLAUSE_MARKS = re.compile(r"[，,；;：:]")


def clause_starts(text: str, start: int, end: int, spans: Sequence[Span]) -> list[int]:
    """Start offsets of the clauses of ``text[start:end]``, cut after ，,；;：: outside spans.

    ``spans`` must be sorted and not overlap (as :func:`inference.spans.clean_spans` returns them).

    >>> clause_starts("其中,信函申请13208宗,占27.5%", 0, 20, [])
    [0, 3, 14]
    """
    span_starts = [s.start for s in spans]
    out = [start]
    for m in _CLAUSE_MARKS.finditer(text, start, end):
        if inside(spans, span_starts, m.start()):
            continue
        if m.end() < end and m.end() != out[-1]:
            out.append(m.end())
    return out
