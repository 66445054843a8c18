"""Reports that are not plain text: ``.html``/``.htm``, ``.pdf``, ``.docx`` and ``.doc`` files, as text.

Each reader turns its file into text with the block structure kept (a paragraph, heading or
list item per line) and tables kept as rows, one line per row with the cells joined by
" | " (the pipe rows the table parser reads, spec §3 (a)); a cell that spans rows is
written on its first row only, and a cell's own lines (``<p>``, ``<br>``) are joined by a
space. An empty cell at either end of a row gets a bar beyond it (``| | 3 | 5``,
``883 | +2 | |``), so that every blank cell stands between two bars: the table parser reads a
bar at a line's end as the row's border, not as a cell. An HTML row holding a cell of over 200
characters is a page laid out in a table, not a data row: its lines are kept.
:data:`FORMAT_SUFFIXES` are the suffixes read here; a file that cannot be read raises
:class:`~inference.encoding.ReadError`, which :func:`inference.reader.read_formatted` turns
into a document with an ``error`` (named in the summary, skipped, a non-zero exit), as for a
``.txt`` file. HTML is read with the standard
library's parser; PDF needs ``pypdf`` and DOCX ``python-docx`` (``pip install
'govreport[formats]'``), and a legacy Word ``.doc`` LibreOffice as well (``apt-get install
libreoffice-writer-nogui``), which saves it as a ``.docx`` first: without them such a file fails
with a message that says what to install.

>>> doc = read_html_text("<h1>2019年某局统计公报</h1><p>发布信息<b>41</b>条。</p>"
...                      "<table><tr><td>规章</td><td>0</td></tr></table>")
>>> doc[0]
'2019年某局统计公报\\n发布信息41条。\\n规章 | 0\\n'
>>> [(text[s:e], html) for text, tables in [doc] for s, e, html in tables]
[('规章 | 0', '<table><tr><td>规章</td><td>0</td></tr></table>')]
"""

from __future__ import annotations

import importlib
import logging
import shutil
import subprocess
import tempfile
from contextlib import contextmanager
from html.parser import HTMLParser
from pathlib import Path
from types import ModuleType
from typing import Callable, Iterator

from govreport.inference.encoding import ReadError, detect_encoding
from govreport.inference.tables import might_have_tables

logger = logging.getLogger(__name__)

__all__ = ["FORMAT_SUFFIXES", "PageLayout", "TableMarkup", "libreoffice_convert", "read_text", "read_html_text", "read_pdf",
           "read_pdf_text", "read_docx_text"]

# (start, end, markup): a table's rows in the text and the <table> element they came from
TableMarkup = tuple[int, int, str]
# (start, end, layout): a PDF page's range in the text and the page read again by position
PageLayout = tuple[int, int, str]


# ---------------------------------------------------------------------------------------------
# HTML
# ---------------------------------------------------------------------------------------------

_BLOCKS = frozenset("address article aside blockquote body br caption center dd div dl dt figcaption figure footer "
                    "form h1 h2 h3 h4 h5 h6 header hr li main nav ol p pre section table tbody tfoot thead title "
                    "tr ul".split())
_SKIP = frozenset("head script style noscript template svg select iframe".split())
_CELL_JOIN = " | "
# A table row whose cells are all this short is a data row, written on one line; a longer
# cell is a page laid out in a table (the whole report in one cell), whose lines are kept.
_CELL_CHARS = 200


def pipe_row(cells: list[str]) -> str:
    """A table row as one line: its cells joined by " | ", with a bar beyond a blank cell at
    either end, so that every blank stands between two bars (the table parser reads a bar at a
    line's end as the row's border).

    >>> pipe_row(["行政许可", "883", "+2", ""]), pipe_row(["", "3", "5"]), pipe_row([""])
    ('行政许可 | 883 | +2 | |', '| | 3 | 5', '')
    """
    if len(cells) < 2:
        return "".join(cells)
    return "|" * (not cells[0]) + _CELL_JOIN.join(cells) + "|" * (not cells[-1])


class _HtmlText(HTMLParser):
    """Collects the visible text of a page, a line per block and a row per table row."""

    def __init__(self, source: str):
        super().__init__(convert_charrefs=True)
        self.source = source
        self.line_starts = [0]
        for i, c in enumerate(source):
            if c == "\n":
                self.line_starts.append(i + 1)
        self.out: list[str] = []
        self.length = 0
        self.last = "\n"  # the last character written
        self.skip = 0  # depth inside elements whose text is not shown
        self.tables: list[TableMarkup] = []
        self.table_depth = 0
        self.table_open: tuple[int, int] | None = None  # (text offset, source offset) of the open top-level table
        self.row_out = -1  # where the open top-level row's text starts in ``out`` (-1: no row open)
        self.row_length = 0  # and in the text
        self.cell_starts: list[int] = []  # where each of its cells starts, from the row's start
        self.pre = 0

    def _source_offset(self) -> int:
        line, column = self.getpos()
        return self.line_starts[line - 1] + column

    def _write(self, s: str) -> None:
        if s:
            self.out.append(s)
            self.length += len(s)
            self.last = s[-1]

    def _newline(self) -> None:
        if self.last != "\n":
            while self.out and self.out[-1] == " ":  # no trailing spaces on a line
                self.out.pop()
                self.length -= 1
            self._write("\n")

    def handle_starttag(self, tag, attrs):
        if tag in _SKIP:
            self.skip += 1
        elif tag == "table":
            self.table_depth += 1
            self._newline()
            if self.table_depth == 1:
                self.table_open = (self.length, self._source_offset())
        elif tag in ("td", "th") and self.table_depth == 1:
            if self.row_out < 0:
                self.row_out, self.row_length, self.cell_starts = len(self.out), self.length, []
            if self.cell_starts:
                self._write(_CELL_JOIN)
            self.cell_starts.append(self.length - self.row_length)
        elif tag == "tr" and self.table_depth <= 1:
            self._end_row()
        elif tag in _BLOCKS:
            self._newline()
            self.pre += tag == "pre"

    def _end_row(self) -> None:
        """Close the open top-level row: a row of two or more short cells (a data row) is
        rewritten as one pipe row, each cell's lines (its <p>, <br>) joined by a space; a row
        with a long cell (a page laid out in a table) keeps its lines."""
        if self.row_out >= 0:
            row = "".join(self.out[self.row_out:])
            ends = [start - len(_CELL_JOIN) for start in self.cell_starts[1:]] + [len(row)]
            cells = [" ".join(row[a:b].split()) for a, b in zip(self.cell_starts, ends)]
            if len(cells) > 1 and max(map(len, cells)) <= _CELL_CHARS:
                line = pipe_row(cells)
                self.out[self.row_out:] = [line]
                self.length = self.row_length + len(line)
                self.last = line[-1]
            self.row_out = -1
        self._newline()

    def handle_startendtag(self, tag, attrs):
        if tag in ("br", "hr") and not self.skip:
            self._newline()

    def handle_endtag(self, tag):
        if tag in _SKIP:
            self.skip = max(0, self.skip - 1)
        elif tag == "table" and self.table_depth:
            if self.table_depth == 1:
                self._end_row()
            self.table_depth -= 1
            self._newline()
            if self.table_depth == 0 and self.table_open is not None:
                start = self._source_offset()
                close = self.source.find(">", start)
                text_start, source_start = self.table_open
                end = self.length - 1 if self.last == "\n" else self.length
                if end > text_start:
                    self.tables.append((text_start, end, self.source[source_start:close + 1 if close >= 0 else None]))
                self.table_open = None
        elif tag == "tr" and self.table_depth <= 1:
            self._end_row()
        elif tag in _BLOCKS and tag not in ("td", "th"):
            self._newline()
            self.pre -= tag == "pre" and self.pre > 0

    def handle_data(self, data):
        if self.skip:
            return
        if self.pre:
            self._write(data)
            return
        text = " ".join(data.replace("\xa0", " ").split())
        if not text:
            if data and self.last not in " \n":
                self._write(" ")
            return
        if data[0].isspace() and self.last not in " \n":
            self._write(" ")
        self._write(text)
        if data[-1].isspace():
            self._write(" ")


def read_html_text(source: str) -> tuple[str, list[TableMarkup]]:
    """The text of an HTML page and its top-level tables' markup with their rows' offsets."""
    parser = _HtmlText(source)
    parser.feed(source)
    parser.close()
    parser._newline()
    return "".join(parser.out), parser.tables


def _read_html(path: Path) -> tuple[str, list[TableMarkup]]:
    data = path.read_bytes()
    encoding = detect_encoding(lambda: [data])
    return read_html_text(data.decode(encoding))


# ---------------------------------------------------------------------------------------------
# PDF and DOCX
# ---------------------------------------------------------------------------------------------


def _library(module: str, suffix: str, package: str) -> ModuleType:
    """The optional library that reads ``suffix`` files; ReadError saying how to install it."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise ReadError(f"reading {suffix} needs {package}: pip install 'govreport[formats]'") from None


@contextmanager
def _broken(kind: str) -> Iterator[None]:
    """Any error a library raises on a broken file, as ``ReadError("broken KIND (...)")``."""
    try:
        yield
    except ReadError:
        raise
    except Exception as err:  # noqa: BLE001 - pypdf, a broken zip or XML raise many kinds
        raise ReadError(f"broken {kind} ({type(err).__name__}: {err})") from None


def read_pdf(path: str | Path, layout: bool = True) -> tuple[str, list[PageLayout]]:
    """The text layer of a PDF, page after page (``pypdf``'s default mode); ReadError when there
    is none. With ``layout``, also the pages that may hold a standard table (a table's marker,
    or the page after one: a table goes on over a page break) read again in pypdf's layout mode,
    which keeps the blank cells that the text drops (:mod:`inference.tables.readings`); a page
    that layout mode cannot read is left out of those."""
    pypdf = _library("pypdf", ".pdf", "pypdf")
    with _broken("PDF"):
        pdf = pypdf.PdfReader(str(path))
        if pdf.is_encrypted and not pdf.decrypt(""):
            raise ReadError("encrypted PDF")
        pages = [(page.extract_text() or "").rstrip("\n") for page in pdf.pages]
    text = "\n".join(pages)
    if not text.strip():
        raise ReadError("PDF without a text layer (a scanned PDF needs OCR first)")
    layouts: list[PageLayout] = []
    marked = [layout and might_have_tables(page) for page in pages]
    start = 0
    for k, page in enumerate(pages):
        if marked[k] or (k and marked[k - 1]):
            try:
                layouts.append((start, start + len(page), pdf.pages[k].extract_text(extraction_mode="layout") or ""))
            except Exception:  # noqa: BLE001 - the second reading is a bonus: the text stands without it
                logger.warning("%s: page %d could not be read in layout mode", path, k + 1, exc_info=True)
        start += len(page) + 1
    return text + "\n", layouts


def _read_pdf(path: Path) -> tuple[str, list[TableMarkup], list[PageLayout]]:
    text, layouts = read_pdf(path)
    return text, [], layouts


def read_pdf_text(path: str | Path) -> str:
    """The text layer of a PDF, page after page (``pypdf``); ReadError when there is none."""
    return read_pdf(path, layout=False)[0]


def read_docx_text(path: str | Path) -> str:
    """Paragraphs and tables of a Word document in document order (``python-docx``)."""
    table = _library("docx.table", ".docx", "python-docx").Table
    docx = _library("docx", ".docx", "python-docx")
    with _broken("DOCX"):
        document = docx.Document(str(path))
        lines: list[str] = []
        for block in document.iter_inner_content():
            if isinstance(block, table):
                lines.extend(_docx_rows(block))
            else:
                lines.append(block.text)
    return "\n".join(line.rstrip() for line in lines) + "\n"


def _docx_rows(table) -> list[str]:
    """One line per row; a merged cell once, on its first row and column. In a table of two rows
    or more, an empty cell in a grid column where no cell with text starts, in any row, is the
    grid's and not the table's (a document converted from a ``.doc`` often has such a column at
    its edge): it is left out, or it would read as a blank cell."""
    seen: dict[int, object] = {}  # holds the cell elements too: lxml reuses the id of a freed proxy
    rows: list[list[tuple[int, str]]] = []
    for row in table.rows:
        cells = []
        for column, cell in enumerate(row.cells):
            if id(cell._tc) in seen:
                continue
            seen[id(cell._tc)] = cell._tc
            cells.append((column, " ".join(cell.text.split())))
        rows.append(cells)
    if len(rows) < 2:   # one row says nothing of its grid: its blank cells stand
        return [pipe_row([text for _, text in cells]) for cells in rows]
    filled = {column for cells in rows for column, text in cells if text}
    return [pipe_row([text for column, text in cells if text or column in filled]) for cells in rows]


# A legacy Word file is saved as a .docx by LibreOffice (no Python library reads the binary
# format's tables; catdoc and antiword garble or drop them) and read as one.
_CONVERT_TIMEOUT = 180
# How a Word 97-2003 file (an OLE2 compound file) and an RTF file, which Word also saves as .doc, begin.
_WORD_HEADS = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"{\\rtf")


def _read_doc(path: Path) -> tuple[str, list[TableMarkup], list[PageLayout]]:
    """A legacy Word file (``.doc``: Word 97-2003, or RTF) as its ``.docx`` would read: LibreOffice
    (``soffice``) saves it as one in a temporary folder. Sites often serve a web page under a
    ``.doc`` name: one that begins with markup is read as HTML."""
    with path.open("rb") as f:
        head = f.read(512).lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"<"):
        return (*_read_html(path), [])
    if not head.startswith(_WORD_HEADS):   # LibreOffice would read any other bytes as text
        raise ReadError("not a Word file: no Word 97-2003 or RTF header")
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise ReadError("reading .doc needs LibreOffice (apt-get install libreoffice-writer-nogui), "
                        "or save the file as .docx")
    with tempfile.TemporaryDirectory(prefix="govreport-doc-") as tmp:
        try:
            converted = libreoffice_convert(path, "docx:MS Word 2007 XML", Path(tmp), soffice)
        except subprocess.TimeoutExpired:
            raise ReadError(f"LibreOffice took over {_CONVERT_TIMEOUT} s to convert it") from None
        if converted is None:
            raise ReadError("broken DOC (LibreOffice could not convert it)")
        return read_docx_text(converted), [], []


def libreoffice_convert(source: Path, target: str, outdir: Path, soffice: str, infilter: str | None = None,
                        check: bool = False, timeout: float = _CONVERT_TIMEOUT) -> Path | None:
    """``source`` opened by LibreOffice (``soffice``; with ``infilter``, read by that import filter)
    and saved in ``outdir`` as ``target``, a --convert-to filter (``docx:MS Word 2007 XML``,
    ``pdf:writer_pdf_Export``); the file written, or None when none was. The user profile is
    ``outdir``'s own, so no lock is shared with a running office. ``check`` raises on a failed
    run; a run over ``timeout`` seconds raises ``subprocess.TimeoutExpired``."""
    profile = outdir / ".libreoffice-profile"
    subprocess.run([soffice, f"-env:UserInstallation={profile.resolve().as_uri()}", "--headless",
                    *([f"--infilter={infilter}"] if infilter else []), "--convert-to", target,
                    "--outdir", str(outdir), str(source.resolve())],
                   capture_output=True, check=check, timeout=timeout)
    written = outdir / f"{source.stem}.{target.split(':')[0]}"
    return written if written.is_file() else None


# ---------------------------------------------------------------------------------------------
# One reader for every format
# ---------------------------------------------------------------------------------------------

_READERS: dict[str, Callable[[Path], tuple[str, list[TableMarkup], list[PageLayout]]]] = {
    ".html": lambda path: (*_read_html(path), []),
    ".htm": lambda path: (*_read_html(path), []),
    ".pdf": _read_pdf,
    ".docx": lambda path: (read_docx_text(path), [], []),
    ".doc": _read_doc,
}
# The suffixes read here (lower case), in the order help texts name them.
FORMAT_SUFFIXES = tuple(_READERS)


def read_text(path: Path) -> tuple[str, list[TableMarkup], list[PageLayout]]:
    """The text of a file of :data:`FORMAT_SUFFIXES`, its tables' markup (HTML only) and its
    table pages read by position (PDF only); ReadError or OSError when it cannot be read."""
    if not path.is_file():
        raise ReadError("no such file" if not path.exists() else "not a regular file")
    return _READERS[path.suffix.lower()](path)
