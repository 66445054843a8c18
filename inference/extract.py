"""Texts in, records out: the extraction API.

An :class:`Extractor` cuts documents into sentences, tags them in batches with a *tagger*
and turns each sentence's spans into records (:func:`inference.records.build_records`).
A tagger is any callable ``texts -> [(spans, scores), ...]``; :class:`ModelTagger` (a
token-classification model directory) is the default, and a rule-based tagger plugs in the
same way and reuses everything else.

>>> def digits(texts):  # a toy tagger: every run of digits is a VALUE
...     import re
...     return [([Span(m.start(), m.end(), "VALUE") for m in re.finditer(r"[0-9]+", t)], None) for t in texts]
>>> [[(r.value, r.raw) for r in recs] for recs in Extractor(digits).extract(["共3件。", "无"])]
[[(3, '3')], []]

Offsets in spans and records always index the text given, whatever normalisation ran
before the tagger (invisible characters such as U+200B are removed for the model and
mapped back).

Each document is cut into reports at its title lines (:mod:`inference.reports`); every
record carries the section heading it sits under and its origin: ``"prose"`` for what the
tagger found, ``"table"`` for the cells of a standard table, which an injected
``table_parser`` reads from each report's text (the text of a table never reaches the
tagger) and a ``table_checker`` checks.

It stays one module of about 500 lines because :class:`Extractor`'s stream is one pipeline
whose steps (cut into pieces, tag a batch, finish each piece, emit in document order) share
its queues and counters; the tagger (:mod:`inference.tagger`), the spans → records rules
(:mod:`inference.records`) and the readers live elsewhere.
"""

from __future__ import annotations

import gc
import itertools
import logging
import os
import re
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator, Sequence

from govreport.data.schema import SENTENCE_KEY, Record, Span, move_record
from govreport.inference.checks import ExtractionError, check_ids, check_texts
from govreport.inference.crosschecks import cross_check
from govreport.inference.standard_keys import is_standard
from govreport.inference.lone_cells import is_lone_cell
from govreport.inference.keys import KeyMapper
from govreport.inference.reader import CHUNK_CHARS, Document, ReadError
from govreport.inference.records import build_records
from govreport.inference.snapping import (broken_decimals, drop_numerals_in_words, drop_spans_in_addresses, load_dictionaries,
                                snap_to_numbers, snap_to_words, spaced_name_numbers, spaced_number_ends, spaced_numbers,
                                split_value_lists)
from govreport.inference.spans import clean_scored_spans
from govreport.inference.reports import SEGMENT_CHARS, Report, Sections, Segment, check_dict, iter_segments
from govreport.inference.sentences import MAX_SENTENCE_CHARS, bounded_sentences, read_through, unwrap, wrap_width
from govreport.inference.tables import check_tables, complete_tables, parse_tables
from govreport.inference.tables.other import parse_other_tables
# the model tagger and its options live in inference.tagger; imported here, the API's one entry point
from govreport.inference.tagger import DEFAULT_MODEL_DIR, SHIPPED_MODELS, ModelTagger, resolve_model

logger = logging.getLogger(__name__)

__all__ = [
    "Tagger",
    "TableParser",
    "TableChecker",
    "CrossChecker",
    "ModelTagger",
    "Extractor",
    "ExtractionError",
    "DocumentResult",
    "Piece",
    "DocStart",
    "DocEnd",
    "DEFAULT_MODEL_DIR",
    "SHIPPED_MODELS",
    "resolve_model",
    "normalize",
]

# Allocations between collections of the youngest generation once Extractor.settle() ran.
GC_THRESHOLD = 20_000

# A tagger takes sentences and returns, for each, its spans and one confidence per span
# (or None when it has no confidences).
Tagger = Callable[[Sequence[str]], Sequence[tuple[Sequence[Span], Sequence[float] | None]]]

# A table parser takes a report's text and returns its standard tables: objects with
# ``start``/``end`` (the table's region in that text) and ``cells``, each with ``start`` (its
# number's offset) and ``to_record()`` (a Record whose offsets index that text). A checker
# takes those tables and returns check objects with ``ok`` and ``to_dict()``.
# (The interface of inference.tables.parse_tables and check_tables.)
TableParser = Callable[[str], Sequence[Any]]
TableChecker = Callable[[Sequence[Any]], Sequence[Any]]
# A cross-checker takes a report's keyed records (JSON objects with ``metric_key``) once
# they are all known and returns check objects, as a table checker does
# (inference.crosschecks.cross_check: prose values against the table cells they restate).
CrossChecker = Callable[[Sequence[dict[str, Any]]], Sequence[Any]]

# What an Extractor uses when it is given no table parser or checker.
DEFAULT_TABLE_PARSER: TableParser | None = parse_tables
DEFAULT_TABLE_CHECKER: TableChecker | None = check_tables
DEFAULT_CROSS_CHECKER: CrossChecker | None = cross_check
_DEFAULT = "default"


# ---------------------------------------------------------------------------------------------
# Normalisation
# ---------------------------------------------------------------------------------------------

# Invisible characters that carry no text: zero-width spaces and joiners, direction marks,
# BOMs inside the text, soft hyphens and control characters other than line breaks and tabs.
_INVISIBLE = "\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff\u00ad\x00-\x08\x0b\x0c\x0e-\x1f\x7f"
_HAS_INVISIBLE = re.compile(f"[{_INVISIBLE}]")
_VISIBLE_RUN = re.compile(f"[^{_INVISIBLE}]+")


def normalize(text: str) -> tuple[str, list[int] | None]:
    """The text the tagger sees, and for each of its characters the offset in ``text``.

    The index is None when nothing changed (the common case costs one regex search).

    >>> normalize("共\\u200b3件")
    ('共3件', [0, 2, 3])
    """
    if not _HAS_INVISIBLE.search(text):
        return text, None
    index: list[int] = []
    for m in _VISIBLE_RUN.finditer(text):
        index.extend(range(m.start(), m.end()))
    return "".join(text[i] for i in index), index


def _mapper(index: list[int] | None, offset: int) -> Callable[[int, int], tuple[int, int]]:
    """Maps ``[start, end)`` in the normalised text to the original text, shifted by ``offset``."""
    if index is None:
        return lambda start, end: (start + offset, end + offset)
    return lambda start, end: (index[start] + offset, index[end - 1] + 1 + offset)


# ---------------------------------------------------------------------------------------------
# Results and events
# ---------------------------------------------------------------------------------------------


@dataclass
class Piece:
    """The results for one sentence of a document; every offset indexes the document's text."""

    doc: Document
    start: int
    end: int
    text: str  # the sentence ("" for a table: its cells are the records)
    spans: list[Span] = field(default_factory=list)
    scores: list[float] = field(default_factory=list)
    records: list[Record] = field(default_factory=list)
    error: str | None = None
    done: bool = False
    report: Report | None = None  # the report it lies in (None before a document's first title)
    section: str | None = None  # the section heading it sits under
    # "prose": a sentence the tagger read; "table": a standard table's region; "other_table": a row of another table
    origin: str = "prose"
    dropped: int = 0  # records left out as lone cells of a flattened table (inference.lone_cells)


@dataclass
class DocStart:
    doc: Document


@dataclass
class DocEnd:
    doc: Document
    error: str | None = None  # why the document failed; its pieces are then incomplete
    chars: int = 0
    reports: list[Report] = field(default_factory=list)  # complete (end, checks) once the document ends
    checks: list[Any] = field(default_factory=list)  # checks of tables before the first title


Event = DocStart | Piece | DocEnd


@dataclass
class DocumentResult:
    """Everything extracted from one text, as the API returns it.

    ``records`` holds every record in text order; ``reports`` the document's reports, each
    with its own ``records`` and ``checks``; ``checks`` the checks of tables before the first
    title. ``to_dict`` nests them as ``govreport extract`` writes JSONL (docs/output-format.md).
    """

    id: str
    spans: list[Span]
    scores: list[float]
    records: list[Record]
    meta: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    reports: list[Report] = field(default_factory=list)
    checks: list[Any] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        outside = [r.to_dict() for r in self.records if not any(r is x for rep in self.reports for x in rep.records)]
        return {"id": self.id, **self.meta, "label": [s.to_doccano() for s in self.spans], "scores": self.scores,
                "checks": [check_dict(c) for c in self.checks],
                "reports": [{**rep.to_dict(), "records": [r.to_dict() for r in rep.records]} for rep in self.reports],
                "records": outside}


# ---------------------------------------------------------------------------------------------
# The extractor
# ---------------------------------------------------------------------------------------------


class Extractor:
    """Extract records from texts or documents with a tagger, batching internally.

    ``batch_chars`` bounds how much text is handed to the tagger at once (sentences of
    several documents share a batch); results still come out in document order.
    Spans inside web, e-mail and postal addresses always go: their numbers are identifiers
    (:func:`inference.snapping.drop_spans_in_addresses`).
    ``snap_words`` puts span edges on word and number boundaries: METRIC spans that end
    inside a word take the whole word (:func:`inference.snapping.snap_to_words`), VALUE
    spans that end inside a number the whole number (:func:`inference.snapping.snap_to_numbers`),
    and a numeral that is part of a word (四舍五入, 单一) is no VALUE
    (:func:`inference.snapping.drop_numerals_in_words`); a VALUE that holds a list or a ratio is
    one VALUE per number (:func:`inference.snapping.split_value_lists`); a number spaces cut into pieces
    (3 分之 2, 负 43.73) is one VALUE (:func:`inference.snapping.spaced_numbers`), a magnitude a
    space cut off its number (62857 万元) joins the unit (:func:`inference.snapping.spaced_number_ends`), a decimal a
    space broke at its point (98. 5%) is no VALUE (:func:`inference.snapping.broken_decimals`), and a number a
    space cut off the name it begins (60 岁及以上人口) joins the name
    (:func:`inference.snapping.spaced_name_numbers`).
    ``normalize_text`` hands the tagger each sentence without invisible characters and reads
    a sentence that the line breaks of a hard-wrapped (PDF) paragraph cut as one
    (:func:`normalize`, :func:`inference.sentences.unwrap`); spans and records still index
    the text as written.
    ``linked_only`` keeps only the spans some record uses, as in the annotation, where
    every span belongs to a record: a METRIC a value is linked to (a metric name is tagged
    only when a VALUE of its sentence measures it), a VALUE that reads as a number, a UNIT
    a value takes.
    ``table_parser`` and ``table_checker`` read and check the standard tables of each
    report (:data:`TableParser`; default :data:`DEFAULT_TABLE_PARSER`, None for none);
    ``other_tables`` reads the rows of other tables written as pipe rows (a bulletin's, an HTML
    or Word table) as records of origin ``"other_table"``
    (:func:`inference.tables.other.parse_other_tables`), around the standard tables: with no
    table parser, or one that failed, every row is prose.
    ``drop_lone_cells`` leaves out records that are lone cells of a flattened table
    (:func:`inference.lone_cells.is_lone_cell`), counted in ``Piece.dropped``.
    ``cross_checker`` compares, once a report's records are all known, its keyed prose
    values with its table cells (:data:`CrossChecker`; default :data:`DEFAULT_CROSS_CHECKER`,
    None for none); its checks join the report's ``checks`` after the table identities.
    ``max_sentence_chars`` bounds what one sentence may hold: a longer one (a line with no
    punctuation) is cut into pieces (:func:`inference.sentences.bounded_sentences`), so
    memory stays bounded whatever the text.
    ``keys`` gives each record without one its ``metric_key`` (:mod:`inference.keys`; default:
    the built-in taxonomy, ``False``: no keys).
    """

    def __init__(self, tagger: Tagger, normalize_text: bool = True, batch_chars: int = 1 << 15,
                 chunk_chars: int = CHUNK_CHARS, snap_words: bool = True, linked_only: bool = True,
                 max_sentence_chars: int = MAX_SENTENCE_CHARS,
                 table_parser: TableParser | None | str = _DEFAULT, table_checker: TableChecker | None | str = _DEFAULT,
                 drop_lone_cells: bool = True, cross_checker: CrossChecker | None | str = _DEFAULT,
                 keys: KeyMapper | bool = True, other_tables: bool = True):
        self.tagger = tagger
        self.normalize_text = normalize_text
        self.snap_words = snap_words
        self.linked_only = linked_only
        self.batch_chars = batch_chars
        self.chunk_chars = chunk_chars
        self.max_sentence_chars = max_sentence_chars
        self.table_parser = DEFAULT_TABLE_PARSER if table_parser == _DEFAULT else table_parser
        self.table_checker = DEFAULT_TABLE_CHECKER if table_checker == _DEFAULT else table_checker
        self.drop_lone_cells = drop_lone_cells
        self.cross_checker = DEFAULT_CROSS_CHECKER if cross_checker == _DEFAULT else cross_checker
        # reports are handed to the table parser whole up to this size (memory stays bounded)
        self.segment_chars = min(SEGMENT_CHARS, 4 * chunk_chars)
        self.keys = KeyMapper() if keys is True else (keys or None)
        self.other_tables = other_tables

    @classmethod
    def from_pretrained(cls, model_dir: str | os.PathLike = DEFAULT_MODEL_DIR, batch_size: int = 32,
                        device: str = "auto", backend: str = "auto", precision: str = "auto",
                        **kwargs) -> "Extractor":
        """An extractor over a model directory (default: the shipped ``model/fast``)."""
        return cls(ModelTagger(model_dir, batch_size=batch_size, device=device, backend=backend, precision=precision),
                   **kwargs)

    def settle(self) -> "Extractor":
        """Load what extraction loads lazily, then keep the garbage collector out of the way.

        Tagging allocates many short-lived objects, so the collector runs often, and each
        full collection walks every object alive: some 200,000 once a model and jieba's
        dictionary are loaded, which cost up to a sixth of the time on 50,000 characters.
        Frozen objects (:func:`gc.freeze`) are never walked again. The youngest generation
        is collected after :data:`GC_THRESHOLD` allocations instead of Python's 700: what
        extraction allocates is freed by reference counting, and each early collection
        walked the per-character lists of the batch in hand (2-3% of the time). It changes
        the whole process, so the command-line tools call it once after loading, before a
        long run; library users may too.
        """
        if self.snap_words:
            load_dictionaries()
        gc.collect()
        gc.freeze()
        youngest, older, oldest = gc.get_threshold()
        gc.set_threshold(max(GC_THRESHOLD, youngest), older, oldest)
        return self

    def provenance(self) -> dict[str, str]:
        """What made the output: the model (a shipped name or a directory) and govreport's version.

        >>> Extractor(lambda texts: [([], None) for _ in texts]).provenance()["model"]
        '<lambda>'
        """
        from govreport.data.version import package_version

        name = getattr(self.tagger, "name", None) or getattr(self.tagger, "__name__", type(self.tagger).__name__)
        return {"model": str(name), "govreport_version": package_version()}

    # ---- the API on strings

    def extract(self, texts: Iterable[str]) -> list[list[Record]]:
        """The records of each text (offsets index that text), one list per text, in order.

        ``texts`` is a list (or any iterable) of strings; a lone string is refused with a
        TypeError rather than read as one text per character. When a text fails (the tagger
        raised on it), the others are still extracted and :class:`ExtractionError` is raised
        at the end, naming each failed text; :meth:`extract_documents` returns the failures
        as ``DocumentResult.error`` instead.

        >>> Extractor(lambda texts: [([], None) for _ in texts]).extract("共3件。")
        Traceback (most recent call last):
        ...
        TypeError: texts must be a list of strings, not a str: wrap a single text as [text]
        """
        results = self.extract_documents(texts)
        failed = [(i, r.error) for i, r in enumerate(results) if r.error is not None]
        if failed:
            raise ExtractionError(failed, [r.records for r in results])
        return [result.records for result in results]

    def extract_documents(self, texts: Iterable[str], ids: Iterable[str | int] | None = None) -> list[DocumentResult]:
        """Spans, scores, records, reports and title metadata of each text; ``error`` says why a text failed.

        ``ids`` (strings or integers), when given, must name every text: one id per text.
        """
        texts = check_texts(texts)
        ids = check_ids(ids, len(texts))
        docs = [Document.from_text(text, id=i, source=i) for text, i in zip(texts, ids)]
        results: list[DocumentResult] = []
        for event in self.stream(docs):
            if isinstance(event, DocStart):
                results.append(DocumentResult(event.doc.id, [], [], [], dict(event.doc.meta)))
            elif isinstance(event, Piece):
                results[-1].spans.extend(event.spans)
                results[-1].scores.extend(event.scores)
                results[-1].records.extend(event.records)
                if event.report is not None:
                    event.report.records.extend(event.records)
            elif isinstance(event, DocEnd):
                results[-1].error = event.error
                results[-1].reports, results[-1].checks = event.reports, event.checks
                if event.error is not None:
                    logger.warning("text %s failed: %s", event.doc.id, event.error)
        return results

    # ---- streaming over documents

    def stream(self, documents: Iterable[Document]) -> Iterator[Event]:
        """Events in document order: ``DocStart``, one ``Piece`` per sentence, ``DocEnd``.

        A document that cannot be read ends with an error and the next one goes on.
        Memory stays bounded by the batch size, however long a document is (but for the
        records keyed to standard-table cells that each report keeps for its cross-checks).
        """
        events = self._stream(documents)
        yield from events if self.cross_checker is None else self._cross_checked(events)

    def _cross_checked(self, events: Iterator[Event]) -> Iterator[Event]:
        """Pass the events on, adding each report's cross-checks to its ``checks`` before its
        document's ``DocEnd`` (events come in document order, so a document's pieces are
        all seen by then). Only records keyed to a cell of the standard tables are kept until
        then: no other key has a table value to compare with."""
        keyed: dict[int | None, list[dict[str, Any]]] = {}  # report index (None: before the first title)
        for event in events:
            if isinstance(event, DocStart):
                keyed = {}
            elif isinstance(event, Piece):
                for record in event.records:
                    if is_standard(record.extra.get("metric_key") or ""):
                        keyed.setdefault(event.report.index if event.report else None, []).append(record.to_dict())
            elif isinstance(event, DocEnd) and event.error is None and keyed:
                try:
                    event.checks.extend(self.cross_checker(keyed.get(None, [])))
                    for report in event.reports:
                        report.checks.extend(self.cross_checker(keyed.get(report.index, [])))
                except Exception:  # noqa: BLE001 - a checker bug costs the cross-checks, not the document
                    logger.warning("cross-checker failed in %s", event.doc.source, exc_info=True)
            yield event

    def _stream(self, documents: Iterable[Document]) -> Iterator[Event]:
        pending: deque = deque()
        failed: dict[int, str] = {}  # id(document) -> why a sentence of it failed
        batch: list[Piece] = []
        size = 0
        for doc in documents:
            pending.append(DocStart(doc))
            end = DocEnd(doc, doc.error)
            try:
                chunks = doc.chunks(self.chunk_chars)
                first = next(chunks, None)
                # the width a PDF's lines wrap at: the part's own, else the last part's that showed
                # one, else the document's first chunk's (a short report before a long one); the
                # first chunk's also tells the segmenter a wrapped line from a title line
                page = wrap_width(first[1]) if first is not None and self.normalize_text else None
                for segment in iter_segments(itertools.chain([first] if first else [], chunks), self.segment_chars, page):
                    end.chars += len(segment.text)
                    if segment.report is not None and (not end.reports or end.reports[-1] is not segment.report):
                        end.reports.append(segment.report)
                    if self.normalize_text:
                        page = wrap_width(segment.text) or page
                    for piece in self._segment_pieces(doc, segment, end, page):
                        pending.append(piece)
                        if piece.done:
                            continue
                        batch.append(piece)
                        size += piece.end - piece.start
                        if size >= self.batch_chars:
                            self._tag(batch)
                            batch, size = [], 0
                            yield from self._drain(pending, failed)
            except ReadError as err:
                end.error = str(err)
            pending.append(end)
        self._tag(batch)
        yield from self._drain(pending, failed)

    def _segment_pieces(self, doc: Document, segment: Segment, end: DocEnd, page: int | None) -> list[Piece]:
        """The pieces of one segment in text order: one per standard table (its cells as
        records, done) and one per sentence outside the tables (to tag). ``page`` is the width
        the document's PDF lines wrap at (:func:`inference.sentences.wrap_width` of this segment,
        else of an earlier one, else of the document's first chunk: a short report shows none of
        its own)."""
        text, offset, report = segment.text, segment.start, segment.report
        tables: list[Any] = []
        read = False   # whether the standard tables were read: other tables are read around them
        if self.table_parser is not None:
            try:
                tables = list(self.table_parser(text))
                read = True
            except Exception:  # noqa: BLE001 - a parser bug costs the tables, not the prose
                logger.warning("table parser failed in %s at offset %d; its text is read as prose", doc.source, offset,
                               exc_info=True)
        layout = doc.layout_reading(offset, offset + len(text)) if tables else None
        if layout:
            # a PDF's table pages read by position too: the cells the text's dropped blanks left open
            try:
                tables = complete_tables(tables, text, list(self.table_parser(layout)))
            except Exception:  # noqa: BLE001 - the second reading is a bonus: the text's cells stand
                logger.warning("second reading of the tables failed in %s at offset %d", doc.source, offset,
                               exc_info=True)
        # the rows of other tables written as pipe rows: a label and its numbers, under a header
        other = parse_other_tables(text, [(t.start, t.end) for t in tables]) if self.other_tables and read else []
        regions = sorted([(t.start, t.end) for t in tables] + [(row.start, row.end) for row in other])
        sections = Sections(text, regions)
        if tables and self.table_checker is not None:
            try:
                (report.checks if report is not None else end.checks).extend(self.table_checker(tables))
            except Exception:  # noqa: BLE001
                logger.warning("table checker failed in %s at offset %d", doc.source, offset, exc_info=True)
        pieces: list[Piece] = []
        for table in tables:
            records = []
            for cell in table.cells:
                record = move_record(cell.to_record(), offset)
                record.extra.setdefault("origin", "table")
                record.extra["section"] = sections.at(cell.start)
                records.append(record)
            pieces.append(Piece(doc, offset + table.start, offset + table.end, "", records=records, done=True,
                                report=report, section=sections.at(table.start), origin="table"))
        for row in other:
            records = [cell.to_record() for cell in row.cells]
            if self.keys is not None:   # keyed as prose records are: no standard key holds them
                self.keys.assign(text, records)
            for record in records:
                record.extra["section"] = sections.at(row.start)
            pieces.append(Piece(doc, offset + row.start, offset + row.end, "", records=[move_record(r, offset) for r in records],
                                done=True, report=report, section=sections.at(row.start), origin="other_table"))
        # a sentence a PDF's line breaks cut goes on across them (their marks go before tagging)
        reading = text
        if page is not None:
            # a report's title line ends its line, however wide: the wrap starts after it
            title_end = text.find("\n") + 1 if report is not None and offset == report.start else 0
            reading = text[:title_end] + unwrap(text[title_end:], page)
        reading = read_through(reading)   # breaks around a page's number (5928 / 条，), 增长(zhǎng)率
        pos = 0
        for start, stop in regions + [(len(text), len(text))]:
            if start > pos:
                for s, e in bounded_sentences(reading[pos:start], self.max_sentence_chars):
                    pieces.append(Piece(doc, offset + pos + s, offset + pos + e, reading[pos + s:pos + e],
                                        report=report, section=sections.at(pos + s)))
            pos = max(pos, stop)
        if regions:
            pieces.sort(key=lambda p: p.start)
        return pieces

    @staticmethod
    def _drain(pending: deque, failed: dict[int, str]) -> Iterator[Event]:
        """Hand on the events at the front of the queue whose sentences are all tagged."""
        while pending and not (isinstance(pending[0], Piece) and not pending[0].done):
            event = pending.popleft()
            if isinstance(event, Piece) and event.error:
                failed.setdefault(id(event.doc), event.error)
            elif isinstance(event, DocEnd) and event.error is None:
                event.error = failed.pop(id(event.doc), None)
            yield event

    def _tag(self, batch: list[Piece]) -> None:
        """Tag a batch of sentences and build their records; a failure is pinned on its document."""
        if not batch:
            return
        normalised = [normalize(p.text) if self.normalize_text else (p.text, None) for p in batch]
        texts = [n for n, _ in normalised]
        try:
            tagged = _tagged(self.tagger, texts)
        except Exception:  # noqa: BLE001 - isolate the sentence that breaks the tagger
            logger.warning("tagger failed on a batch of %d sentences; retrying one by one", len(batch), exc_info=True)
            tagged = []
            for piece, text in zip(batch, texts):
                try:
                    tagged.extend(_tagged(self.tagger, [text]))
                except Exception as err:  # noqa: BLE001
                    piece.error = f"tagger failed at offset {piece.start}: {type(err).__name__}: {err}"
                    tagged.append(([], None))
        for piece, (text, index), (spans, scores) in zip(batch, normalised, tagged):
            try:
                self._finish(piece, text, index, spans, scores)
            except Exception as err:  # noqa: BLE001 - one sentence's bad spans fail its document, not the run
                logger.warning("building records failed at offset %d of %s", piece.start, piece.doc.source, exc_info=True)
                piece.spans, piece.scores, piece.records = [], [], []
                piece.error = f"records failed at offset {piece.start}: {type(err).__name__}: {err}"
                piece.done = True

    def _finish(self, piece: Piece, text: str, index: list[int] | None, spans, scores) -> None:
        if scores is None:
            scores = [1.0] * len(spans)
        if len(scores) != len(spans):
            raise ValueError(f"tagger returned {len(spans)} spans but {len(scores)} scores")
        kept, scores = clean_scored_spans(text, spans, scores)
        kept, scores = drop_spans_in_addresses(text, kept, scores)
        if self.snap_words:
            snapped = snap_to_numbers(text, snap_to_words(text, kept))
            if snapped != kept:  # a moved edge may need trimming again, as build_records would trim it
                kept, scores = clean_scored_spans(text, snapped, scores)
            kept, scores = drop_numerals_in_words(text, kept, scores)
            kept, scores = split_value_lists(text, kept, scores)
            kept, scores = spaced_numbers(text, kept, scores)
            kept, scores = spaced_number_ends(text, kept, scores)
            kept, scores = broken_decimals(text, kept, scores)
            kept = spaced_name_numbers(text, kept)
        records = build_records(text, kept, [(0, len(text))], cleaned=True)
        if self.drop_lone_cells and records and is_lone_cell(text, records):
            piece.dropped, records = len(records), []
        if self.linked_only:
            linked = {span for r in records for span in (r.metric_span, r.value_span, r.unit_span)}
            linked.discard(None)
            if len(linked) < len(kept):  # records take their spans from kept: else every span is used
                keep = [(s.start, s.end) in linked for s in kept]
                kept = [s for s, k in zip(kept, keep) if k]
                scores = [p for p, k in zip(scores, keep) if k]
        if self.keys is not None:  # on the sentence, while the record's offsets still index it
            self.keys.assign(text, records)
        to_orig = _mapper(index, piece.start)
        sentence = (piece.start, piece.end)
        piece.spans = [Span(*to_orig(s.start, s.end), s.label) for s in kept]
        piece.scores = [float(score) for score in scores]
        piece.records = [move_record(r, to_orig) for r in records]
        for record in piece.records:
            # the sentence as written: invisible characters at its edges are the document's, not the tagger's
            record.extra[SENTENCE_KEY] = [sentence[0], sentence[1]]
            record.extra["origin"] = "prose"
            record.extra["section"] = piece.section
        piece.done = True


def _tagged(tagger: Tagger, texts: list[str]) -> list:
    """The tagger's output for ``texts``, checked to have one entry per text."""
    tagged = list(tagger(texts))
    if len(tagged) != len(texts):
        raise ValueError(f"tagger returned {len(tagged)} results for {len(texts)} sentences")
    return tagged
