"""Inputs for extraction: text files, folders, JSONL files and standard input, as documents.

A :class:`Document` is one text to extract from: a whole ``.txt`` file, one line of a
``.jsonl`` file, or standard input. Its text is read lazily in chunks that end at a
sentence end, so a 10 MB report never sits in memory whole and the offsets of every chunk
index the document's decoded text. Encodings are detected over the whole file
(:func:`inference.encoding.detect_encoding`: UTF-8, UTF-16/32, GB18030 and Big5). A file
that is binary or decodes to nothing plausible, a JSONL line that is no JSON object with a
string ``text``, a folder that cannot be listed: each becomes a document with an ``error``
and no text, reported and skipped, never fatal. Names that are not valid Unicode (a file
name in GBK bytes, a lone surrogate in a JSONL ``id``) are kept with the odd bytes written
as backslash escapes, and lone surrogates in a text become U+FFFD, one character for one,
so that every writer can write them (docs/input.md).

It stays one module of a little over 400 lines because each kind of input (file, folder,
JSONL line, standard input, formatted file) becomes a :class:`Document` here, beside the
folder walk that picks it; the per-format readers are in :mod:`inference.formats`.

>>> doc = Document.from_text("江南市水利局2011年度政府信息公开年度报告\\n共发布信息41条。")
>>> doc.meta
{'title': '江南市水利局2011年度政府信息公开年度报告', 'agency': '江南市水利局', 'year': 2011}
>>> list(doc.chunks())
[(0, '江南市水利局2011年度政府信息公开年度报告\\n共发布信息41条。')]
"""

from __future__ import annotations

import codecs
import logging
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Callable, Iterable, Iterator

from govreport.data.errors import InputError
from govreport.data.jsonl import loads
from govreport.data.text import CLOSING_QUOTES, FULL_STOPS, RADICAL_FORMS, SENTENCE_ENDS
from govreport.inference.encoding import ReadError, detect_encoding
from govreport.inference.formats import FORMAT_SUFFIXES, PageLayout, TableMarkup, read_text

logger = logging.getLogger(__name__)

__all__ = ["Document", "MarkupDocument", "ReadError", "detect_encoding", "iter_documents", "read_formatted",
           "read_title", "iter_chunks", "printable_name", "clean_text", "FOLDER_SUFFIXES"]

CHUNK_CHARS = 1 << 16  # characters per chunk handed on (cut at a sentence end)
_BLOCK_BYTES = 1 << 20  # bytes read from a file at a time
_SNIFF_BYTES = 1 << 16  # bytes looked at for binary content and the title line


# ---------------------------------------------------------------------------------------------
# Metadata from the title line
# ---------------------------------------------------------------------------------------------

# A year in digits (2020年, 2020年度) or in Chinese digits, as some titles write it (二〇二〇年).
_YEAR = r"(?:(?P<year>(?:19|20)\d{2})|(?P<cn_year>[一二][〇○零一二三四五六七八九]{3}))\s*年度?"
_CN_DIGITS = str.maketrans("〇○零一二三四五六七八九", "000123456789")
_TITLE_WORDS = re.compile(r"报告|公报|年报")
# Endings of an agency or place name: 江南市水利局, 开州区财政局, 北街街道办事处, 邹城市.
_AGENCY_END = re.compile(
    r"(?:厅|局|委员会|委|办公室|办公厅|办|人民政府|政府|中心|办事处|街道|院|部|署|会|所|馆|处|站|队|"
    r"省|市|县|区|镇|乡|自治区|自治州|州|盟|旗|公司|集团|银行|大学|学院|学校)$"
)
_YEAR_RE = re.compile(_YEAR)
# Where an agency named after the year ends: 2019年开州区财政局【政府信息公开】工作年度报告.
_AFTER_AGENCY = re.compile(r"(?=政府信息公开|政务公开|信息公开|国民经济和社会发展|统计|法治政府建设|工作|年度)")
_TITLE_MAX = 80
_TITLE_LINES = 200


def _agency(candidate: str) -> str | None:
    candidate = candidate.strip("《》“”\"' \u3000").removesuffix("关于")  # 某市人民政府办公室关于2020年…报告
    if not 2 <= len(candidate) <= 40 or candidate.startswith("关于") or any(c.isdigit() for c in candidate):
        return None
    return candidate if _AGENCY_END.search(candidate) else None


def read_title(head: str) -> dict[str, Any]:
    """``title``, ``agency`` and ``year`` from the first title-like line of a document's head.

    A title line is short, has no sentence punctuation, names a year and is a report
    (报告, 公报, 年报). The agency is the name before the year, or the first name
    after it that ends like an agency (厅, 局, 人民政府, 街道办事处 …). Keys are None
    when not found.

    >>> read_title("首页 > 百科\\n江南市水利局2011年度政府信息公开年度报告简介\\n(一)网站")
    {'title': '江南市水利局2011年度政府信息公开年度报告简介', 'agency': '江南市水利局', 'year': 2011}
    >>> read_title("2019年北京市人民政府办公厅政府信息公开工作年度报告")["agency"]
    '北京市人民政府办公厅'
    >>> read_title("某市人民政府办公室关于二〇二〇年政府信息公开工作年度报告")
    {'title': '某市人民政府办公室关于二〇二〇年政府信息公开工作年度报告', 'agency': '某市人民政府办公室', 'year': 2020}
    >>> read_title("共发布信息41条。")
    {'title': None, 'agency': None, 'year': None}
    """
    for line in head.translate(RADICAL_FORMS).splitlines()[:_TITLE_LINES]:   # a PDF's ⼈⺠政府 is 人民政府
        title = line.strip().strip("《》 \u3000")
        if not title or len(title) > _TITLE_MAX or not _TITLE_WORDS.search(title):
            continue
        if any(c in title for c in "，。,；;！？!?"):
            continue
        m = _YEAR_RE.search(title)
        if not m:
            continue
        agency = _agency(title[:m.start()])
        if agency is None and m.start() == 0:
            rest = title[m.end():]
            for k in _AFTER_AGENCY.finditer(rest):
                agency = _agency(rest[:k.start()])
                if agency:
                    break
        year = m.group("year") or m.group("cn_year").translate(_CN_DIGITS)
        return {"title": title, "agency": agency, "year": int(year)}
    return {"title": None, "agency": None, "year": None}


# ---------------------------------------------------------------------------------------------
# Names and texts that every writer can write
# ---------------------------------------------------------------------------------------------

_SURROGATE = re.compile("[\ud800-\udfff]")


def printable_name(name: str) -> str:
    """``name`` as valid Unicode: the undecodable bytes of a file name (held by Python as
    surrogate escapes) and lone surrogates written as backslash escapes.

    >>> printable_name(os.fsdecode("d/".encode() + "年度".encode("gbk") + b".txt"))
    'd/\\\\xc4\\\\xea\\\\xb6\\\\xc8.txt'
    >>> print(printable_name("b\\ud800"))
    b\\ud800
    """
    if not _SURROGATE.search(name):
        return name
    try:
        return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:  # a surrogate no file name decoding makes
        return name.encode("utf-8", "backslashreplace").decode("utf-8")


def clean_text(text: str) -> str:
    """``text`` with every lone surrogate replaced by U+FFFD (one for one, so offsets hold).

    >>> clean_text("共\\ud8003件") == "共\\ufffd3件"
    True
    """
    return _SURROGATE.sub("\ufffd", text) if _SURROGATE.search(text) else text


def _file_blocks(path: Path) -> Callable[[], Iterator[bytes]]:
    def blocks() -> Iterator[bytes]:
        with open(path, "rb") as f:
            while block := f.read(_BLOCK_BYTES):
                yield block

    return blocks


# ---------------------------------------------------------------------------------------------
# Chunks
# ---------------------------------------------------------------------------------------------

# A place to cut: after a run of sentence-end marks with a full stop (not semicolons
# only) and closing quotes, or after a line break, where a new sentence starts (the ends
# of inference.sentences.sentence_bounds).
_CUT = re.compile(rf"(?:[{SENTENCE_ENDS}]*[{FULL_STOPS}][{SENTENCE_ENDS}]*[{CLOSING_QUOTES}]*|\n)"
                  rf"(?=[^{SENTENCE_ENDS}{CLOSING_QUOTES}])")


def iter_chunks(pieces: Iterable[str], size: int = CHUNK_CHARS) -> Iterator[tuple[int, str]]:
    """Re-cut a stream of text pieces into ``(offset, chunk)`` of about ``size`` characters.

    Chunks end at a sentence end where one lies within four times ``size``, so splitting
    each chunk into sentences gives the sentences of the whole text. Offsets count
    characters of the concatenated pieces.

    >>> list(iter_chunks(["共3件。其", "中2件。余1件"], size=4))
    [(0, '共3件。'), (4, '其中2件。'), (9, '余1件')]
    """
    buf, offset = "", 0
    for piece in pieces:
        buf += piece
        while len(buf) >= size:
            cut = _cut(buf, size)
            if cut is None:
                break
            yield offset, buf[:cut]
            offset += cut
            buf = buf[cut:]
    while buf:
        cut = _cut(buf, size) if len(buf) > size else None
        cut = cut or len(buf)
        yield offset, buf[:cut]
        offset += cut
        buf = buf[cut:]


def _cut(buf: str, size: int) -> int | None:
    """Where to end a chunk of ``buf``: the last sentence end before ``size``, else the first
    one after it, else ``4 * size`` characters (a run with no sentence end at all)."""
    last = None
    for m in _CUT.finditer(buf, 0, min(len(buf), size + 1)):
        last = m.end()
    if last:
        return last
    m = _CUT.search(buf, size, min(len(buf), 4 * size))
    if m:
        return m.end()
    return 4 * size if len(buf) >= 4 * size else None


# ---------------------------------------------------------------------------------------------
# Documents
# ---------------------------------------------------------------------------------------------


@dataclass
class Document:
    """One text to extract from. ``chunks()`` yields ``(offset, text)`` pieces of it.

    ``error`` is set (and there are no chunks) when the input could not be read.
    ``meta`` holds ``title``, ``agency`` and ``year`` from its title line.
    """

    id: str
    source: str
    meta: dict[str, Any] = field(default_factory=lambda: {"title": None, "agency": None, "year": None})
    error: str | None = None
    _open: Callable[[], Iterable[str]] | None = field(default=None, repr=False)

    def chunks(self, size: int = CHUNK_CHARS) -> Iterator[tuple[int, str]]:
        if self.error or self._open is None:
            return iter(())
        return iter_chunks(self._open(), size)

    def layout_reading(self, start: int, end: int) -> str | None:
        """The pages over ``[start, end)`` of the text read again by position (a PDF's table
        pages in layout mode), joined by line breaks; None where the document has no such reading."""
        return None

    @classmethod
    def failed(cls, name: str, error: str) -> "Document":
        """A document that could not be read, named for the failure summary."""
        name = printable_name(name)
        return cls(id=name, source=name, error=error)

    @classmethod
    def from_text(cls, text: str, id: str = "", source: str = "") -> "Document":
        text = clean_text(text)
        return cls(id=printable_name(id), source=printable_name(source), meta=read_title(text[:_SNIFF_BYTES]),
                   _open=lambda: [text])

    @classmethod
    def from_bytes(cls, data: bytes, id: str, source: str) -> "Document":
        try:
            encoding = detect_encoding(lambda: [data])
        except ReadError as err:
            return cls.failed(source, str(err))
        text = data.decode(encoding)
        return cls.from_text(text, id=id, source=source)

    @classmethod
    def from_file(cls, path: str | os.PathLike) -> "Document":
        """A text file, decoded lazily; a file that cannot be read gives a Document with ``error``."""
        path = Path(path)
        name = printable_name(str(path))
        if name != str(path):
            logger.warning("file name is not valid UTF-8; it is written as %s", name)
        try:
            if not path.is_file():
                raise ReadError("no such file" if not path.exists() else "not a regular file")
            blocks = _file_blocks(path)
            encoding = detect_encoding(blocks)
        except ReadError as err:
            return cls.failed(name, str(err))
        except OSError as err:
            return cls.failed(name, f"cannot read: {err.strerror or err}")

        def pieces() -> Iterator[str]:
            decoder = codecs.getincrementaldecoder(encoding)("strict")
            try:
                for block in blocks():
                    yield decoder.decode(block)
                yield decoder.decode(b"", final=True)
            except (UnicodeDecodeError, OSError) as err:  # the file changed under us
                raise ReadError(f"cannot read: {err}") from None

        head = ""
        try:
            for piece in pieces():
                head += piece
                if len(head) >= _SNIFF_BYTES:
                    break
        except ReadError as err:
            return cls.failed(name, str(err))
        return cls(id=name, source=name, meta=read_title(head), _open=pieces)


@dataclass
class MarkupDocument(Document):
    """A document read from a formatted file: from HTML, ``tables_html`` keeps each ``<table>``
    element's markup with the ``[start, end)`` of its rows in the text, for a parser that reads
    rowspan and colspan from the markup itself; from a PDF, ``layout_pages`` holds the pages that
    may hold a standard table read again in layout mode, with their ``[start, end)`` in the text."""

    tables_html: list[TableMarkup] = field(default_factory=list, repr=False)
    layout_pages: list[PageLayout] = field(default_factory=list, repr=False)

    def layout_reading(self, start: int, end: int) -> str | None:
        pages = [layout for first, last, layout in self.layout_pages if first < end and last > start]
        return "\n".join(pages) if pages else None


def read_formatted(path: str | Path) -> Document:
    """An ``.html``/``.htm``, ``.pdf``, ``.docx`` or ``.doc`` file (:mod:`inference.formats`) as a document
    (with ``error`` when it cannot be read)."""
    path = Path(path)
    name = str(path)
    try:
        text, tables, layouts = read_text(path)
    except ReadError as err:
        return Document(id=name, source=name, error=str(err))
    except OSError as err:
        return Document(id=name, source=name, error=f"cannot read: {err.strerror or err}")
    doc = MarkupDocument.from_text(text, id=name, source=name)
    doc.tables_html, doc.layout_pages = tables, layouts
    return doc


def _jsonl_line(line: str, lineno: int, where: str) -> Document:
    """The document of one JSONL line, or a failed one that says what is wrong with the line."""
    try:
        item = loads(line)
    except InputError as err:
        return Document.failed(where, f"line {lineno} is {err}")
    if not isinstance(item, dict) or not isinstance(item.get("text"), str):
        return Document.failed(where, f"line {lineno} has no string 'text'")
    doc_id = item.get("id")
    if doc_id in (None, ""):
        doc_id = where
    elif not isinstance(doc_id, (str, int, float)) or isinstance(doc_id, bool):
        return Document.failed(where, f"line {lineno} has an 'id' that is not a string or a number")
    return Document.from_text(item["text"], id=str(doc_id), source=where)


def _iter_jsonl(path: Path) -> Iterator[Document]:
    """One document per line of a JSONL file with ``text`` and optional ``id`` (a string or number)."""
    name = printable_name(str(path))
    try:
        encoding = detect_encoding(_file_blocks(path), control_share=1.0)  # lines are judged alone
    except ReadError as err:
        yield Document.failed(name, str(err))
        return
    except OSError as err:
        yield Document.failed(name, f"cannot read: {err.strerror or err}")
        return
    lineno = 0
    try:
        with open(path, encoding=encoding, newline="") as f:
            for lineno, line in enumerate(f, 1):
                if line.strip():
                    yield _jsonl_line(line, lineno, f"{name}:{lineno}")
    except (OSError, UnicodeDecodeError) as err:  # the file changed or broke under us
        yield Document.failed(f"{name}:{lineno + 1}", f"cannot read from line {lineno + 1} on: {err}")


# What a folder contributes, by suffix (any case): text, JSONL and what inference.formats reads.
FOLDER_SUFFIXES = (".txt", ".jsonl") + FORMAT_SUFFIXES


def _walk(folder: Path, skipped: list[str]) -> Iterator[Path | Document]:
    """Files under ``folder`` with a suffix of :data:`FOLDER_SUFFIXES`, recursively, sorted,
    skipping hidden files and folders; a folder that cannot be listed comes as a failed
    Document. The names of the other files go to ``skipped``."""
    failures: list[OSError] = []
    for root, dirs, files in os.walk(folder, onerror=failures.append):
        while failures:
            err = failures.pop(0)
            yield Document.failed(str(err.filename or root), f"cannot read folder: {err.strerror or err}")
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if name.startswith("."):
                continue
            if name.lower().endswith(FOLDER_SUFFIXES):
                yield Path(root) / name
            else:
                skipped.append(printable_name(os.path.join(root, name)))
    for err in failures:
        yield Document.failed(str(err.filename or folder), f"cannot read folder: {err.strerror or err}")


def iter_documents(inputs: Iterable[str], stdin: BinaryIO | None = None,
                   left_out: list[str] | None = None) -> Iterator[Document]:
    """Documents from command-line inputs: text files (any name), folders searched
    recursively, ``.jsonl`` files (one document per line), ``.html``/``.htm``, ``.pdf``,
    ``.docx`` and ``.doc`` files (:mod:`inference.formats`) and ``-`` for standard input.

    A folder contributes the files named by :data:`FOLDER_SUFFIXES` (any
    case; hidden files and folders left out); the names of the other files in it go to
    ``left_out`` when given, else into one warning per folder. A subfolder that cannot be
    listed is a failed document.
    """
    for item in inputs:
        if item == "-":
            stream = stdin if stdin is not None else sys.stdin.buffer
            try:
                data = stream.read()
            except OSError as err:
                yield Document.failed("<stdin>", f"cannot read: {err.strerror or err}")
                continue
            yield Document.from_bytes(data, id="<stdin>", source="<stdin>")
            continue
        path = Path(item)
        if not path.is_dir():
            yield from _file_documents(path)
            continue
        skipped: list[str] = []
        for found in _walk(path, skipped):
            if isinstance(found, Document):
                yield found
            else:
                yield from _file_documents(found)
        if left_out is not None:
            left_out.extend(skipped)
        elif skipped:
            logger.warning("%s: %d files left out, not %s: %s%s", printable_name(item), len(skipped),
                           " or ".join(FOLDER_SUFFIXES), ", ".join(skipped[:3]), " …" if len(skipped) > 3 else "")


def _file_documents(path: Path) -> Iterator[Document]:
    suffix = path.suffix.lower()
    if suffix == ".jsonl" and path.is_file():
        yield from _iter_jsonl(path)
    elif suffix in FORMAT_SUFFIXES:
        yield read_formatted(path)
    else:
        yield Document.from_file(path)
