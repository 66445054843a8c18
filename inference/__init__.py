"""Texts in, records out: tag METRIC/VALUE/UNIT and link them into records.

>>> from govreport.inference import Extractor
>>> extractor = Extractor.from_pretrained("model/default")    # doctest: +SKIP
>>> extractor.extract(["全年共发布工作动态252条。"])[0][0].metric  # doctest: +SKIP
'工作动态'

Modules: ``records`` (spans -> records, pure functions, reading ``spans`` for trimming and
tag decoding, ``snapping`` for word and number repair, ``sentences`` for sentence and clause
bounds, ``qualifiers`` and ``linking``), ``reader`` (files, folders, JSONL,
standard input, encodings, title metadata), ``formats`` (.html, .pdf, .docx), ``reports``
(title lines, reports, sections), ``lone_cells`` (numbers that are table cells, not prose),
``extract`` (the Extractor API and the model tagger), ``writers`` (JSONL and CSV, atomic)
and ``cli`` (``govreport extract``).
Importing this package does not import torch; a ModelTagger does, when it is built.
"""

from govreport.inference.extract import DEFAULT_MODEL_DIR, DocumentResult, ExtractionError, Extractor, ModelTagger, Tagger
from govreport.inference.records import build_records

__all__ = ["Extractor", "ExtractionError", "ModelTagger", "Tagger", "DocumentResult", "DEFAULT_MODEL_DIR", "build_records"]
