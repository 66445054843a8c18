"""Inputs for extraction: text files, folders, JSONL files and standard input, as documents.

A :class:`Document` is one text to extract from: a whole ``.txt`` file, one line of a
``.jsonl`` file, or standard input. Its text is read lazily in chunks that end at a
sentence end, so a 10 MB report never sits in memory whole and the offsets of every chunk
index the document's decoded text. Encodings are detected without help: UTF-8 (with or
without BOM), UTF-16/32 with a BOM, then GB18030 (a superset of GBK and GB2312, common for
Chinese government files). A file that is binary or decodes to nothing plausible becomes a
document with an ``error`` and no text: it is reported and skipped, never fatal.

>>> doc = Document.from_text("江南市水利局2011年度政府信息公开年度报告\\n共发布信息41条。")
>>> doc.meta
{'title': '江南市水利局2011年度政府信息公开年度报告', 'agency': '江南市水利局', 'year': 2011}
>>> list(doc.chunks())
[(0, '江南市水利局2011年度政府信息公开年度报告\\n共发布信息41条。')]
"""

from __future__ import annotations

import codecs
import json
import logging
import os
import re
import sys
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Callable, Iterable, Iterator

logger = logging.getLogger(__name__)

__all__ = ["Document", "ReadError", "detect_encoding", "iter_documents", "read_title", "iter_chunks"]

CHUNK_CHARS = 1 << 16  # characters per chunk handed on (cut at a sentence end)
_BLOCK_BYTES = 1 << 20  # bytes read from a file at a time
_SNIFF_BYTES = 1 << 16  # bytes looked at for binary content and the title line


class ReadError(Exception):
    """An input that cannot be read as text; the message says why, for the failure summary."""


# ---------------------------------------------------------------------------------------------
# Metadata from the title line
# ---------------------------------------------------------------------------------------------

_YEAR = r"(?P<year>(?:19|20)\d{2})\s*年度?"
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
    candidate = candidate.strip("《》“”\"' \u3000")
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
    >>> read_title("共发布信息41条。")
    {'title': None, 'agency': None, 'year': None}
    """
    for line in head.splitlines()[:_TITLE_LINES]:
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
        return {"title": title, "agency": agency, "year": int(m.group("year"))}
    return {"title": None, "agency": None, "year": None}


# ---------------------------------------------------------------------------------------------
# Encodings
# ---------------------------------------------------------------------------------------------

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16: its BOM starts with UTF-16's
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def _plausible(sample: str) -> str | None:
    """Why a decoded sample does not look like text (None when it does)."""
    if not sample:
        return None
    controls = sum(1 for c in sample if unicodedata.category(c) == "Cc" and c not in "\t\n\r\f\v")
    if controls > max(2, len(sample) // 1000):
        return "binary file (control characters)"
    # GB18030 maps almost any byte string somewhere; text decoded by mistake is full of
    # rare CJK extensions, private-use characters and four-byte sequences.
    odd = sum(1 for c in sample if ord(c) > 0xFFFF or 0x3400 <= ord(c) <= 0x4DBF or 0xE000 <= ord(c) <= 0xF8FF)
    if odd > max(2, len(sample) // 50):
        return "undecodable text (not UTF-8, and as GB18030 it is not plausible text)"
    return None


def detect_encoding(read_blocks: Callable[[], Iterable[bytes]]) -> str:
    """The encoding of a byte source, checked over all of it; ReadError when there is none.

    ``read_blocks`` opens the source afresh on each call (one pass per candidate
    encoding, one block in memory at a time).

    >>> detect_encoding(lambda: ["统计公报".encode("gbk")])
    'gb18030'
    >>> detect_encoding(lambda: [b"\\x89PNG\\r\\n\\x1a\\n\\x00\\x00"])
    Traceback (most recent call last):
    ...
    inference.reader.ReadError: binary file (NUL bytes)
    """
    head = b""
    for block in read_blocks():
        head += block
        if len(head) >= _SNIFF_BYTES:
            break
    head = head[:_SNIFF_BYTES]
    candidates = [enc for bom, enc in _BOMS if head.startswith(bom)][:1]
    if not candidates:
        if b"\x00" in head:
            raise ReadError("binary file (NUL bytes)")
        candidates = ["utf-8", "gb18030"]
    reason = "undecodable text (neither UTF-8 nor GB18030)"
    for encoding in candidates:
        decoder = codecs.getincrementaldecoder(encoding)("strict")
        try:
            sample = decoder.decode(head)
        except UnicodeDecodeError:
            continue
        problem = _plausible(sample)
        if problem:
            reason = problem
            continue
        try:
            decoder = codecs.getincrementaldecoder(encoding)("strict")
            for block in read_blocks():
                decoder.decode(block)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as err:
            reason = f"undecodable text ({encoding} fails at byte {err.start} of a block)"
            continue
        return encoding
    raise ReadError(reason)


def _file_blocks(path: Path) -> Callable[[], Iterator[bytes]]:
    def blocks() -> Iterator[bytes]:
        with open(path, "rb") as f:
            while block := f.read(_BLOCK_BYTES):
                yield block

    return blocks


# ---------------------------------------------------------------------------------------------
# Chunks
# ---------------------------------------------------------------------------------------------

_ENDERS = "。！？!?；;"
_CLOSERS = "”’」』)）"
# A place to cut: after a run of sentence-end marks with a full stop (not semicolons
# only) and closing quotes, or after a line break, where a new sentence starts (the ends
# of inference.records.sentence_bounds).
_CUT = re.compile(rf"(?:[{_ENDERS}]*[。！？!?][{_ENDERS}]*[{_CLOSERS}]*|\n)(?=[^{_ENDERS}{_CLOSERS}])")


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

    @classmethod
    def from_text(cls, text: str, id: str = "", source: str = "") -> "Document":
        return cls(id=id, source=source, meta=read_title(text[:_SNIFF_BYTES]), _open=lambda: [text])

    @classmethod
    def from_bytes(cls, data: bytes, id: str, source: str) -> "Document":
        try:
            encoding = detect_encoding(lambda: [data])
        except ReadError as err:
            return cls(id=id, source=source, error=str(err))
        text = data.decode(encoding)
        return cls.from_text(text, id=id, source=source)

    @classmethod
    def from_file(cls, path: str | os.PathLike) -> "Document":
        """A text file, decoded lazily; a file that cannot be read gives a Document with ``error``."""
        path = Path(path)
        name = str(path)
        try:
            if not path.is_file():
                raise ReadError("no such file" if not path.exists() else "not a regular file")
            blocks = _file_blocks(path)
            encoding = detect_encoding(blocks)
        except ReadError as err:
            return cls(id=name, source=name, error=str(err))
        except OSError as err:
            return cls(id=name, source=name, error=f"cannot read: {err.strerror or err}")

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
            return cls(id=name, source=name, error=str(err))
        return cls(id=name, source=name, meta=read_title(head), _open=pieces)


def _iter_jsonl(path: Path) -> Iterator[Document]:
    """One document per line of a JSONL file with ``text`` and optional ``id``."""
    name = str(path)
    try:
        encoding = detect_encoding(_file_blocks(path))
    except ReadError as err:
        yield Document(id=name, source=name, error=str(err))
        return
    with open(path, encoding=encoding, newline="") as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            where = f"{name}:{lineno}"
            try:
                item = json.loads(line)
            except json.JSONDecodeError as err:
                yield Document(id=where, source=where, error=f"line {lineno} is not JSON: {err.msg}")
                continue
            if not isinstance(item, dict) or not isinstance(item.get("text"), str):
                yield Document(id=where, source=where, error=f"line {lineno} has no string 'text'")
                continue
            doc_id = str(item["id"]) if item.get("id") not in (None, "") else where
            yield Document.from_text(item["text"], id=doc_id, source=where)


def _walk(folder: Path) -> Iterator[Path]:
    """Files under ``folder``, recursively, sorted, skipping hidden files and folders."""
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if not name.startswith("."):
                yield Path(root) / name


def iter_documents(inputs: Iterable[str], stdin: BinaryIO | None = None) -> Iterator[Document]:
    """Documents from command-line inputs: ``.txt`` (or any) files, folders searched
    recursively, ``.jsonl`` files (one document per line), ``.html``/``.htm``, ``.pdf`` and
    ``.docx`` files (:mod:`inference.formats`) and ``-`` for standard input.

    Folders contribute every non-hidden file; those that are not text are reported as
    failed documents, never skipped silently.
    """
    for item in inputs:
        if item == "-":
            stream = stdin if stdin is not None else sys.stdin.buffer
            yield Document.from_bytes(stream.read(), id="<stdin>", source="<stdin>")
            continue
        path = Path(item)
        paths = _walk(path) if path.is_dir() else [path]
        for p in paths:
            if p.suffix.lower() == ".jsonl" and p.is_file():
                yield from _iter_jsonl(p)
            elif p.suffix.lower() in (".html", ".htm", ".pdf", ".docx"):
                from inference.formats import read_formatted  # imports this module

                yield read_formatted(p)
            else:
                yield Document.from_file(p)
