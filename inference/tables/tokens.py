"""A text seen as table cells: a normalised copy, a compact copy for labels, and value tokens.

Offsets always index the original text: the normalised copy has the same length (NFKC is
applied character by character and kept only where it maps one character to one; a radical a
PDF gives back and a traditional character read as the simplified one, ``data.text``'s tables),
and the compact copy (no whitespace, no cell separators) keeps a map back to it.

A *token* is what can fill a number cell:

- ``value``: an integer, a decimal, a signed delta (+2, -1, (增1)), a magnitude with its
  unit (2000万, 251000元), standing alone or glued to the end of a label (规章1), never
  glued to a following character (2024年, 1.属于, 52件 are not cells);
- ``placeholder``: a cell that is only "-", "—", "/" or "无";
- ``blank``: an empty cell of a delimited row: between two separators (pipes, box-drawing
  bars or tabs), at either end of a tab-separated row (a tab row has no closing separator),
  or a line holding only a bar right after a line that ends with one (one cell per line,
  spec shape b: "821 |" then "|"); only delimited text can show a blank. A lone bar after
  a line that does not end with one closes that line's cell ("行政规范性文件" then "|").

Page-number lines ("- 4 -", "第 4 页") are ignored.

>>> view = View("规章 | 1 |  | 11 |\\n第二十条第（一）项")
>>> [(t.kind, t.raw, t.value) for t in view.tokens]
[('value', '1', 1), ('blank', '', None), ('value', '11', 11)]
>>> view.find(re.compile(r"第二十条第\\(一\\)项"), 0)
(17, 26)
"""

from __future__ import annotations

import bisect
import functools
import re
import unicodedata
from dataclasses import dataclass

from govreport.data.text import PAGE_NUMBER, PINYIN_GLOSS, RADICAL_FORMS, TO_SIMPLIFIED

SEPARATORS = "|│┃║¦\t"
BARS = "|│┃║¦"
# a line that is only bars: a blank cell, or the slipped end of the cell above it
_LONE_BAR = re.compile(r"\s*[|│┃║¦]+\s*")
# a line that is one delimited cell: some content, then one or more bars (padding)
_CELL_LINE = re.compile(r"\s*(?P<content>[^|│┃║¦\t]*?)\s*[|│┃║¦]+\s*")
_CELL_UNIT = re.compile(r"\s*(?:件|个|条|项)?\s*")
_SEP_SPLIT = re.compile(r"[|│┃║¦\t]")
_DROP_CLASS = r"[\s|│┃║¦─━┼┌┐└┘├┤┬┴═╔╗╚╝╠╣╦╩╬+]"
_DROPPED = re.compile(_DROP_CLASS)
_KEPT_RUN = re.compile(_DROP_CLASS.replace("[", "[^", 1) + "+")
_ANY_CELL = re.compile(r"[\d\-—–－/无]")
_PAGE_LINE = re.compile(rf"(?m)^[ \t]*{PAGE_NUMBER}[ \t]*$")
_VALUE = re.compile(
    r"(?<![0-9A-Za-z.,+\-/])"
    r"(?:\(?(?P<dir>增|减)\s*(?P<delta>\d+(?:\.\d+)?)\)?"
    r"|(?P<sign>[+-]?)(?P<int>\d{1,3}(?:,\d{3})+|\d+)(?P<dec>\.\d+)?(?P<unit>万元|亿元|万|元)?)"
    # not glued to what follows, but for the next heading or row label a scraper joined to the
    # last cell (…2033五、存在的主要问题…, …00001122.其他法律…: 0000112, then 2.其他法律)
    r"(?:(?=[一二三四五六七八九十]+、|\d\.[^\d\s])|(?![\w.、%)\-/]))")
_PLACEHOLDER = re.compile(r"(?<![^\s|│┃║¦])(?:-|—|–|－|/|无)(?![^\s|│┃║¦])")
# a delimited cell that prints its count with a unit ("| 5件 |")
_COUNT_CELL = re.compile(r"\s*(\d+)\s*(?:件|个|条|项)\s*")


@functools.lru_cache(maxsize=4096)
def _nfkc1(ch: str) -> str:
    if ord(ch) in RADICAL_FORMS:     # a PDF's radical for a character (⻔ for 门; ⼗ NFKC folds too)
        out = chr(RADICAL_FORMS[ord(ch)])
    else:
        out = unicodedata.normalize("NFKC", ch)
        out = out if len(out) == 1 else ch
    return chr(TO_SIMPLIFIED.get(ord(out), ord(out)))   # a report reposted in traditional script: 規章


def normalize(text: str) -> str:
    """NFKC character by character, keeping the length: （一）→(一), ０→0, 　→space; 規→规.

    >>> normalize("（七）总计：１２")
    '(七)总计:12'
    >>> normalize("規章 | 申請")
    '规章 | 申请'
    """
    table = {ord(c): n for c in set(text) if c >= "\u00a0" and (n := _nfkc1(c)) != c}
    return text.translate(table) if table else text


@dataclass(frozen=True)
class Token:
    """A number cell candidate ``text[start:end]`` (a blank has ``start == end``)."""

    kind: str                 # "value", "placeholder" or "blank"
    start: int
    end: int
    raw: str
    value: int | float | None
    unit: str | None          # a unit printed with the number (2000万 → 万元), else None
    line: int                 # index of the line it sits on
    cell: int | None          # id of its delimited cell (tokens sharing a cell share it)


def parse_value(raw: str) -> tuple[int | float | None, str | None]:
    """The number a cell prints and the unit printed with it.

    >>> [parse_value(s) for s in ("12", "96171.6", "+2", "(增1)", "(减3)", "减2", "2000万", "3,001", "无", "-")]
    [(12, None), (96171.6, None), (2, None), (1, None), (-3, None), (-2, None), (2000, '万元'), (3001, None), (0, None), (None, None)]
    """
    raw = normalize(raw).strip()
    if raw == "无":
        return 0, None
    m = _VALUE.fullmatch(raw)
    if not m:
        return None, None
    if m.group("dir"):
        number = m.group("delta")
        value = float(number) if "." in number else int(number)
        return (-value if m.group("dir") == "减" else value), None
    sign, digits, decimals, unit = m.group("sign"), m.group("int").replace(",", ""), m.group("dec"), m.group("unit")
    value = float(digits + decimals) if decimals else int(digits)
    if sign == "-":
        value = -value
    if unit in ("万", "亿"):
        unit += "元"
    return value, unit


class View:
    """The normalised, compact and tokenised views of one text (see the module docstring).

    Lines are tokenised on first use: a long document is only cut into cells where a table
    is looked at.
    """

    def __init__(self, text: str):
        self.text = text
        norm = normalize(text)
        # page numbers inside a table are noise; blank them out, keeping offsets
        norm = _PAGE_LINE.sub(lambda m: " " * len(m.group(0)), norm)
        # and so is a mirror site's pinyin gloss inside a label: 行(háng)政 reads 行政
        norm = PINYIN_GLOSS.sub(lambda m: " " * len(m.group(0)), norm)
        self.norm = norm
        cmap: list[int] = []
        for m in _KEPT_RUN.finditer(norm):
            cmap.extend(range(m.start(), m.end()))
        self.cmap = cmap
        self.compact = _DROPPED.sub("", norm)
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", norm)]
        self._lines: dict[int, list[Token]] = {}

    @property
    def tokens(self) -> list[Token]:
        """Every token of the text, in order."""
        return self.tokens_between(0, len(self.norm) + 1)

    def cpos(self, pos: int) -> int:
        """The compact index of the first kept character at or after ``pos``."""
        return bisect.bisect_left(self.cmap, pos)

    def opos(self, cidx: int) -> int:
        """The offset in the text of compact index ``cidx`` (one past the end maps to len)."""
        return self.cmap[cidx] if cidx < len(self.cmap) else len(self.norm)

    def find(self, pattern: re.Pattern, start: int, end: int | None = None) -> tuple[int, int] | None:
        """The first match of ``pattern`` in the compact text within ``[start, end)``, as text offsets."""
        cend = len(self.compact) if end is None else self.cpos(end)
        m = pattern.search(self.compact, self.cpos(start), cend)
        if not m:
            return None
        return self.opos(m.start()), self.cmap[m.end() - 1] + 1

    def finditer(self, pattern: re.Pattern, start: int = 0, end: int | None = None):
        """Every match of ``pattern`` in the compact text, as (start, end, match) in text offsets."""
        cend = len(self.compact) if end is None else self.cpos(end)
        for m in pattern.finditer(self.compact, self.cpos(start), cend):
            yield self.opos(m.start()), self.cmap[m.end() - 1] + 1, m

    def line_tokens(self, line_no: int) -> list[Token]:
        """The tokens of one line (tokenised once)."""
        found = self._lines.get(line_no)
        if found is None:
            start = self.line_starts[line_no]
            line = self.line_text(line_no)
            if _LONE_BAR.fullmatch(line):
                # one cell per line: a lone bar is a blank cell when the cell above is closed
                above = self._previous_line(line_no)
                closed = above is not None and above.rstrip()[-1:] in BARS
                found = [Token("blank", start + len(line) - len(line.lstrip()), start + len(line) - len(line.lstrip()),
                               "", None, None, line_no, line_no << 12)] if closed else []
            else:
                found = _tokenize_line(line, start, line_no)
            self._lines[line_no] = found
        return found

    def line_text(self, line_no: int) -> str:
        """The normalised text of one line, without its newline."""
        start = self.line_starts[line_no]
        end = self.line_starts[line_no + 1] - 1 if line_no + 1 < len(self.line_starts) else len(self.norm)
        return self.norm[start:end]

    def _previous_line(self, line_no: int) -> str | None:
        """The nearest line above ``line_no`` that is not empty (cells may sit between blank lines)."""
        for above in range(line_no - 1, max(line_no - 4, -1), -1):
            text = self.line_text(above)
            if text.strip():
                return text
        return None

    def blank_run_start(self, line_no: int, start: int = 0) -> int:
        """The first line of the run of blank-cell lines (lone bars) just above ``line_no``, not before ``start``.

        A row printed one cell per line may open with blanks before its first number.
        """
        first = line_no
        line = line_no - 1
        while line >= 0 and self.line_starts[line] >= start:
            text = self.line_text(line)
            if text.strip():
                if not (_LONE_BAR.fullmatch(text) and self.line_tokens(line)):
                    break
                first = line
            line -= 1
        return first

    def cell_lines(self, line_no: int, n: int, limit: int) -> list[Token]:
        """The cells printed one per line from line ``line_no`` on (spec shape b), at most ``n``.

        Each line holds one cell closed by a bar: a number ("821 |", "5件 |"), a placeholder,
        or nothing (a lone "|" is a blank). A bare number whose bar slipped onto the next line
        counts too. The run stops at any other line (a label, a row of several cells) or at
        ``limit``.

        >>> view = View("本年新收 |||\\n8 |\\n|\\n2\\n|\\n乙 |")
        >>> [(t.kind, t.raw) for t in view.cell_lines(1, 7, len(view.text))]
        [('value', '8'), ('blank', ''), ('value', '2')]
        """
        out: list[Token] = []
        while len(out) < n and line_no < len(self.line_starts) and self.line_starts[line_no] < limit:
            line = self.line_text(line_no)
            line_no += 1
            if not line.strip():
                continue                      # blank lines between cells
            tokens = self.line_tokens(line_no - 1)
            if _LONE_BAR.fullmatch(line):
                out += tokens                 # a blank, or (no token) the end of the cell above
                continue
            cell = _CELL_LINE.fullmatch(line)
            if cell is None:
                # a bare number whose closing bar slipped onto the next line
                nxt = line_no
                while nxt < len(self.line_starts) and not self.line_text(nxt).strip():
                    nxt += 1
                if nxt == len(self.line_starts) or not _LONE_BAR.fullmatch(self.line_text(nxt)):
                    break
                content = line
            else:
                content = cell.group("content")
            if len(tokens) != 1 or tokens[0].kind == "blank" or not _CELL_UNIT.fullmatch(
                    content.strip().replace(tokens[0].raw, "", 1)):
                break                         # a label or a row of several cells: not this shape
            out += tokens
        return out

    def tokens_between(self, start: int, end: int) -> list[Token]:
        """The tokens that start in ``[start, end)``."""
        if end <= start:
            return []
        out: list[Token] = []
        for line_no in range(self.line_of(start), self.line_of(min(end, len(self.norm))) + 1):
            out += [t for t in self.line_tokens(line_no) if start <= t.start < end]
        return out

    def iter_tokens(self, start: int, end: int):
        """The tokens that start in ``[start, end)``, lazily (stop early without tokenising the rest)."""
        if end <= start:
            return
        for line_no in range(self.line_of(start), self.line_of(min(end, len(self.norm))) + 1):
            for t in self.line_tokens(line_no):
                if start <= t.start < end:
                    yield t

    def line_of(self, pos: int) -> int:
        return bisect.bisect_right(self.line_starts, pos) - 1


def _tokenize_line(line: str, pos: int, line_no: int) -> list[Token]:
    """The tokens of one line starting at offset ``pos``; delimited cells get ids unique in the text."""
    if not any(s in line for s in SEPARATORS):
        return _cell_tokens(line, pos, line_no, None)
    tokens: list[Token] = []
    bounds = []
    offset = pos
    for piece in _SEP_SPLIT.split(line):
        bounds.append((offset, piece))
        offset += len(piece) + 1
    has_cells = any(piece.strip() for _, piece in bounds)    # "|||" padding has no blanks worth keeping
    # a tab row has no bars around it: its first and last pieces are cells ("8\t2\t" ends blank)
    tabbed = not any(b in line for b in BARS)
    for i, (start, piece) in enumerate(bounds):
        cell_id = (line_no << 12) + i
        if not piece.strip():
            # the pieces before the first and after the last bar are outside a bar row
            if (tabbed or 0 < i < len(bounds) - 1) and has_cells:
                tokens.append(Token("blank", start, start, "", None, None, line_no, cell_id))
        else:
            tokens += _cell_tokens(piece, start, line_no, cell_id)
    return tokens


def _cell_tokens(segment: str, offset: int, line_no: int, cell: int | None) -> list[Token]:
    found: list[Token] = []
    if not _ANY_CELL.search(segment):
        return found
    if cell is not None:
        m = _COUNT_CELL.fullmatch(segment)
        if m:
            return [Token("value", offset + m.start(1), offset + m.end(1), m.group(1), int(m.group(1)), None,
                          line_no, cell)]
    for m in _VALUE.finditer(segment):
        value, unit = parse_value(m.group(0))
        found.append(Token("value", offset + m.start(), offset + m.end(), m.group(0), value, unit, line_no, cell))
    for m in _PLACEHOLDER.finditer(segment):
        value = 0 if m.group(0) == "无" else None
        found.append(Token("placeholder", offset + m.start(), offset + m.end(), m.group(0), value, None,
                           line_no, cell))
    if len(found) > 1:
        found.sort(key=lambda t: t.start)
    return found
