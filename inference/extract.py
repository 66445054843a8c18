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
"""

from __future__ import annotations

import gc
import logging
import os
import re
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence

from data.schema import LABELS, Record, Span
from inference.keys import KeyMapper
from inference.reader import CHUNK_CHARS, Document, ReadError
from inference.records import (SENTENCE_KEY, build_records, clean_scored_spans, drop_numerals_in_words,
                               drop_spans_in_addresses, load_dictionaries, sentence_bounds, snap_to_numbers,
                               snap_to_words, spans_from_labels)
from model.files import ONNX_FILE, SERVING_KEY

logger = logging.getLogger(__name__)

__all__ = [
    "Tagger",
    "ModelTagger",
    "Extractor",
    "DocumentResult",
    "Piece",
    "DocStart",
    "DocEnd",
    "DEFAULT_MODEL_DIR",
    "SHIPPED_MODELS",
    "resolve_model",
    "normalize",
]

# The shipped models, next to the ``inference`` package, by the names ``--model`` accepts:
# the fine-tuned pretrained encoder and the small student distilled from it. The student is
# the default: within the margins of docs/results.md of the teacher's dev figures at twenty
# times its speed on a CPU.
_MODELS_ROOT = Path(__file__).resolve().parent.parent / "model"
SHIPPED_MODELS = {"accurate": _MODELS_ROOT / "default", "fast": _MODELS_ROOT / "fast"}
DEFAULT_MODEL = "fast"
DEFAULT_MODEL_DIR = SHIPPED_MODELS[DEFAULT_MODEL]


def resolve_model(model: str | os.PathLike) -> Path:
    """The directory of a shipped model's name (``fast``, ``accurate``), else ``model`` as a path.

    >>> resolve_model("fast").name, resolve_model("out/runs/x").as_posix()
    ('fast', 'out/runs/x')
    """
    return SHIPPED_MODELS.get(str(model), Path(model))

# Allocations between collections of the youngest generation once Extractor.settle() ran.
GC_THRESHOLD = 20_000

# What runs a model's forward pass, and the --backend option of the commands that run one.
BACKENDS = ("auto", "torch", "onnx")
BACKEND_HELP = ("what runs the model: torch (its weights), onnx (its model.onnx through onnxruntime, CPU only) "
                "or auto (onnx when the folder holds one and the device is the CPU; the default)")

# A tagger takes sentences and returns, for each, its spans and one confidence per span
# (or None when it has no confidences).
Tagger = Callable[[Sequence[str]], Sequence[tuple[Sequence[Span], Sequence[float] | None]]]


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


def _move_record(record: Record, to_orig: Callable[[int, int], tuple[int, int]], sentence: tuple[int, int]) -> Record:
    """Move a record built on a (normalised) sentence onto its document, in place: the extractor built it."""
    if record.value_span is not None:
        record.value_span = to_orig(*record.value_span)
    if record.unit_span is not None:
        record.unit_span = to_orig(*record.unit_span)
    if record.metric_span is not None:
        record.metric_span = to_orig(*record.metric_span)
    record.extra[SENTENCE_KEY] = [sentence[0], sentence[1]]
    return record


# ---------------------------------------------------------------------------------------------
# The model tagger
# ---------------------------------------------------------------------------------------------


class ModelTagger:
    """Tags sentences with a token-classification model directory (weights, config, tokenizer).

    The model's labels must be :data:`data.schema.LABELS` in order (what ``govreport
    train`` writes). Sentences are windowed and batched by length by
    :func:`model.tagging.predict_labels_with_probs`, under ``torch.inference_mode``; on CPU
    torch uses one thread per available core.

    ``backend`` picks what runs the forward pass: ``torch`` (the safetensors weights),
    ``onnx`` (the folder's ``model.onnx`` through onnxruntime, CPU only) or ``auto``:
    the ONNX graph when the folder has one, the device is the CPU and onnxruntime is
    installed, else torch.
    """

    def __init__(self, model_dir: str | os.PathLike = DEFAULT_MODEL_DIR, batch_size: int = 32,
                 device: str = "auto", num_threads: int | None = None, backend: str = "auto"):
        import torch
        from transformers import AutoConfig, AutoModelForTokenClassification, AutoTokenizer

        from model.onnx_serving import OnnxTokenClassifier, onnxruntime_available
        from model.tagging import available_cores

        if backend not in BACKENDS:
            raise ValueError(f"backend must be one of {BACKENDS}, not {backend!r}")
        model_dir = resolve_model(model_dir)
        if not (model_dir / "config.json").is_file():
            raise FileNotFoundError(f"no model in {model_dir} (expected config.json, weights and a tokenizer)")
        if device == "auto":
            device = "cuda" if torch.cuda.is_available() else "cpu"
        if device.startswith("cuda") and not torch.cuda.is_available():
            raise ValueError("device 'cuda' asked for, but torch sees no CUDA device")
        has_onnx = (model_dir / ONNX_FILE).is_file()
        if backend == "onnx":
            if not has_onnx:
                raise FileNotFoundError(f"no {ONNX_FILE} in {model_dir} (write one with govreport export --onnx)")
            if device != "cpu":
                raise ValueError("the onnx backend runs on the CPU only; pass --device cpu")
            if not onnxruntime_available():
                raise ValueError("the onnx backend needs onnxruntime (pip install onnxruntime)")
        elif backend == "auto":
            backend = "onnx" if has_onnx and device == "cpu" and onnxruntime_available() else "torch"
        threads = num_threads or available_cores()
        if device == "cpu":
            torch.set_num_threads(threads)
        self.tokenizer = AutoTokenizer.from_pretrained(model_dir, local_files_only=True)
        if backend == "onnx":
            config = AutoConfig.from_pretrained(model_dir, local_files_only=True)
            self.model = OnnxTokenClassifier(model_dir / ONNX_FILE, config, num_threads=threads)
        else:
            # Shipped weights may be stored in fp16 to stay small; CPUs compute fast only in fp32.
            self.model = AutoModelForTokenClassification.from_pretrained(
                model_dir, local_files_only=True, dtype=torch.float32 if device == "cpu" else "auto")
            config = self.model.config
        labels = [config.id2label[i] for i in range(config.num_labels)]
        if labels != list(LABELS):
            raise ValueError(f"model in {model_dir} has labels {labels}, expected {list(LABELS)} (data.schema.LABELS)")
        self.model.to(device).eval()
        # an exported int8 graph is quantised in the file; torch weights are quantised here
        self.quantized = device == "cpu" and getattr(config, SERVING_KEY, "none") == "int8"
        if self.quantized and backend == "torch":
            self.model = _quantize_linear_int8(self.model)
        self.model_dir, self.batch_size, self.device, self.backend = model_dir, batch_size, device, backend

    def __call__(self, texts: Sequence[str]) -> list[tuple[list[Span], list[float]]]:
        from model.tagging import predict_labels_with_probs

        if not texts:
            return []
        tagged = predict_labels_with_probs(self.model, self.tokenizer, list(texts), batch_size=self.batch_size)
        return [spans_from_labels(text, labels, probs) for text, (labels, probs) in zip(texts, tagged)]

    def __repr__(self) -> str:
        return (f"ModelTagger({str(self.model_dir)!r}, batch_size={self.batch_size}, device={self.device!r}, "
                f"backend={self.backend!r}{', int8' if self.quantized else ''})")


def _quantize_linear_int8(model):
    """``model`` with int8 dynamic quantisation of its linear layers (the export's ``--quantize int8``)."""
    import warnings

    import torch
    from torch.ao.quantization import quantize_dynamic

    with warnings.catch_warnings():  # torch points to torchao for new work; the eager API still serves
        warnings.simplefilter("ignore")
        return quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)


# ---------------------------------------------------------------------------------------------
# Results and events
# ---------------------------------------------------------------------------------------------


@dataclass
class Piece:
    """The results for one sentence of a document; every offset indexes the document's text."""

    doc: Document
    start: int
    end: int
    text: str  # the sentence
    spans: list[Span] = field(default_factory=list)
    scores: list[float] = field(default_factory=list)
    records: list[Record] = field(default_factory=list)
    error: str | None = None
    done: bool = False


@dataclass
class DocStart:
    doc: Document


@dataclass
class DocEnd:
    doc: Document
    error: str | None = None  # why the document failed; its pieces are then incomplete
    chars: int = 0


Event = DocStart | Piece | DocEnd


@dataclass
class DocumentResult:
    """Everything extracted from one text, as the API returns it."""

    id: str
    spans: list[Span]
    scores: list[float]
    records: list[Record]
    meta: dict[str, Any] = field(default_factory=dict)
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, **self.meta, "label": [s.to_doccano() for s in self.spans],
                "scores": self.scores, "records": [r.to_dict() for r in self.records]}


# ---------------------------------------------------------------------------------------------
# The extractor
# ---------------------------------------------------------------------------------------------


class Extractor:
    """Extract records from texts or documents with a tagger, batching internally.

    ``batch_chars`` bounds how much text is handed to the tagger at once (sentences of
    several documents share a batch); results still come out in document order.
    Spans inside web, e-mail and postal addresses always go: their numbers are identifiers
    (:func:`inference.records.drop_spans_in_addresses`).
    ``snap_words`` puts span edges on word and number boundaries: METRIC spans that end
    inside a word take the whole word (:func:`inference.records.snap_to_words`), VALUE
    spans that end inside a number the whole number (:func:`inference.records.snap_to_numbers`),
    and a numeral that is part of a word (四舍五入, 单一) is no VALUE
    (:func:`inference.records.drop_numerals_in_words`).
    ``linked_only`` keeps only the spans some record uses, as in the annotation, where
    every span belongs to a record: a METRIC a value is linked to (a metric name is tagged
    only when a VALUE of its sentence measures it), a VALUE that reads as a number, a UNIT
    a value takes.
    ``keys`` gives each record without one its ``metric_key`` (:mod:`inference.keys`; default:
    the built-in taxonomy, ``False``: no keys).
    """

    def __init__(self, tagger: Tagger, normalize_text: bool = True, batch_chars: int = 1 << 15,
                 chunk_chars: int = CHUNK_CHARS, snap_words: bool = True, linked_only: bool = True,
                 keys: KeyMapper | bool = True):
        self.tagger = tagger
        self.normalize_text = normalize_text
        self.snap_words = snap_words
        self.linked_only = linked_only
        self.batch_chars = batch_chars
        self.chunk_chars = chunk_chars
        self.keys = KeyMapper() if keys is True else (keys or None)

    @classmethod
    def from_pretrained(cls, model_dir: str | os.PathLike = DEFAULT_MODEL_DIR, batch_size: int = 32,
                        device: str = "auto", backend: str = "auto", **kwargs) -> "Extractor":
        """An extractor over a model directory (default: the shipped ``model/fast``)."""
        return cls(ModelTagger(model_dir, batch_size=batch_size, device=device, backend=backend), **kwargs)

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

    # ---- the API on strings

    def extract(self, texts: Sequence[str]) -> list[list[Record]]:
        """The records of each text (offsets index that text)."""
        return [result.records for result in self.extract_documents(texts)]

    def extract_documents(self, texts: Sequence[str], ids: Sequence[str] | None = None) -> list[DocumentResult]:
        """Spans, scores, records and title metadata of each text."""
        ids = list(ids) if ids is not None else [str(i) for i in range(len(texts))]
        docs = [Document.from_text(text, id=i, source=i) for text, i in zip(texts, ids)]
        results: list[DocumentResult] = []
        for event in self.stream(docs):
            if isinstance(event, DocStart):
                results.append(DocumentResult(event.doc.id, [], [], [], dict(event.doc.meta)))
            elif isinstance(event, Piece):
                results[-1].spans.extend(event.spans)
                results[-1].scores.extend(event.scores)
                results[-1].records.extend(event.records)
            else:
                results[-1].error = event.error
        return results

    # ---- streaming over documents

    def stream(self, documents: Iterable[Document]) -> Iterator[Event]:
        """Events in document order: ``DocStart``, one ``Piece`` per sentence, ``DocEnd``.

        A document that cannot be read ends with an error and the next one goes on.
        Memory stays bounded by the batch size, however long a document is.
        """
        pending: deque = deque()
        failed: dict[int, str] = {}  # id(document) -> why a sentence of it failed
        batch: list[Piece] = []
        size = 0
        for doc in documents:
            pending.append(DocStart(doc))
            end = DocEnd(doc, doc.error)
            try:
                for offset, chunk in doc.chunks(self.chunk_chars):
                    end.chars += len(chunk)
                    for start, stop in sentence_bounds(chunk):
                        piece = Piece(doc, offset + start, offset + stop, chunk[start:stop])
                        pending.append(piece)
                        batch.append(piece)
                        size += stop - start
                        if size >= self.batch_chars:
                            self._tag(batch)
                            batch, size = [], 0
                            yield from self._drain(pending, failed)
            except ReadError as err:
                end.error = str(err)
            pending.append(end)
        self._tag(batch)
        yield from self._drain(pending, failed)

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
            tagged = list(self.tagger(texts))
        except Exception:  # noqa: BLE001 - isolate the sentence that breaks the tagger
            logger.warning("tagger failed on a batch of %d sentences; retrying one by one", len(batch), exc_info=True)
            tagged = []
            for piece, text in zip(batch, texts):
                try:
                    tagged.extend(self.tagger([text]))
                except Exception as err:  # noqa: BLE001
                    piece.error = f"tagger failed at offset {piece.start}: {type(err).__name__}: {err}"
                    tagged.append(([], None))
        for piece, (text, index), (spans, scores) in zip(batch, normalised, tagged):
            self._finish(piece, text, index, spans, scores)

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
        records = build_records(text, kept, [(0, len(text))], cleaned=True)
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
        piece.records = [_move_record(r, to_orig, sentence) for r in records]
        piece.done = True
