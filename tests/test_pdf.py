"""Tables and prose printed to PDF by headless Chromium and read back (eval/pdf_tables.py, eval/pdf_prose.py,
``govreport evaluate-pdf``).

Skipped without ``/usr/bin/chromium`` and a CJK font (``.ci/run`` installs both with apt where
it can) or without pypdf.
"""

from __future__ import annotations

import json
import random
import shutil
import subprocess
from pathlib import Path

import pytest

from govreport.eval import pdf_prose, pdf_tables
from govreport.eval.bench import corpus
from govreport.eval.pdf_cli import main as evaluate_pdf
from govreport.eval.rules import RuleTagger
from govreport.eval.tables import main as evaluate_tables
from govreport.inference.extract import Extractor, Piece
from govreport.inference.formats import read_html_text
from govreport.inference.reader import read_formatted
from govreport.inference.tables import check_tables, parse_html_tables, parse_tables

CHROMIUM = Path("/usr/bin/chromium")


def _has_cjk_font() -> bool:
    if not shutil.which("fc-list"):
        return False
    return bool(subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True).stdout.strip())


needs_chromium = pytest.mark.skipif(not CHROMIUM.exists() or not _has_cjk_font(),
                                    reason="needs /usr/bin/chromium and a CJK font (apt-get install chromium fonts-noto-cjk)")
SOFFICE = shutil.which("soffice")
needs_writer = pytest.mark.skipif(SOFFICE is None or not _has_cjk_font(),
                                  reason="needs LibreOffice and a CJK font (apt-get install libreoffice-writer-nogui fonts-noto-cjk)")


@pytest.mark.parametrize("layout", ["2019", "2021"])
def test_invented_tables_meet_their_identities_and_their_html_parses_whole(layout):
    ts = pdf_tables.invent(random.Random(5), layout)
    tables = parse_html_tables(pdf_tables.to_html(ts, 210, 10.5))
    assert {c.key: c.value for t in tables for c in t.cells} == ts.cells
    checks = check_tables(tables)
    assert checks and all(c.ok for c in checks)
    assert {t.layout for t in tables} == {layout}


@pytest.mark.parametrize("seed", [2, 15, 36, 42])   # reports that print their zeros as blank cells
def test_invented_tables_read_from_html_as_text_parse_whole(seed):
    # what `govreport extract` reads of an .html report: pipe rows, blank cells at a row's ends too
    rng = random.Random(seed)
    ts = pdf_tables.invent(rng, rng.choice(["2019", "2021"]))
    assert ts.blank_zeros and any(values[-1] == "" for _, _, rows in ts.t2 for _, values in rows)
    text, _ = read_html_text(pdf_tables.to_html(ts, 180, 10.5))
    assert {c.key: c.value for t in parse_tables(text) for c in t.cells} == ts.cells


@needs_chromium
def test_tables_printed_to_pdf_are_read_back_whole(tmp_path):
    pytest.importorskip("pypdf")
    totals, whole, failures = pdf_tables.roundtrip(2, seed=1, program=str(CHROMIUM), keep=tmp_path)
    # every cell of both reports, through pypdf's default and layout modes and the page's HTML
    for reader in ("html", "pypdf", "pypdf-layout"):
        assert totals[reader].gold > 300
        assert totals[reader].correct == totals[reader].predicted == totals[reader].gold, failures
        assert whole[reader] == 2
    assert sorted(p.name for p in tmp_path.glob("*.pdf")) == ["r000.pdf", "r001.pdf"]
    gold = [json.loads(line) for line in (tmp_path / "gold.jsonl").read_text(encoding="utf-8").splitlines()]
    assert {g["file"] for g in gold} == {p.name for p in (tmp_path / "raw").iterdir()}


@needs_writer
def test_tables_a_word_processor_printed_are_read_back_whole(tmp_path):
    # LibreOffice Writer lays the label column out two to six characters wide: labels break
    # around their own numbers and the group labels' pieces (seed 3: 2019 layout, 14 pt on 210 mm;
    # before the walk read own words, pypdf lost 7 cells of it and its layout mode 46, 4 of them wrong)
    pytest.importorskip("pypdf")
    totals, whole, failures = pdf_tables.roundtrip(1, seed=3, program=SOFFICE, keep=tmp_path, printer="writer")
    assert sorted(p.name for p in tmp_path.glob("*.pdf")) == ["r000.pdf"]
    # and the same page saved by Writer as a Word file, read as extract reads a .docx
    for reader in ("pypdf", "pypdf-layout", "extract", "docx"):
        assert totals[reader].gold > 150
        assert totals[reader].correct == totals[reader].predicted == totals[reader].gold, failures


@needs_chromium
def test_extract_reads_the_table_pages_of_a_pdf_by_position_too(tmp_path):
    # a report printing its zeros blank: pypdf's text drops each blank, and many cells stay open;
    # extract reads the table pages again in layout mode and keys those cells at the text's numbers
    pytest.importorskip("pypdf")
    ts = pdf_tables.invent(random.Random(31), "2021")
    assert ts.blank_zeros
    pdf = tmp_path / "report.pdf"
    pdf_tables.print_pdf(pdf_tables.to_html(ts, 210, 10.5), pdf, str(CHROMIUM))
    doc = read_formatted(pdf)
    text = "".join(chunk for _, chunk in doc.chunks())
    assert doc.layout_pages and doc.layout_reading(0, len(text))
    records = [r for event in Extractor(RuleTagger()).stream([doc]) if isinstance(event, Piece) and event.origin == "table"
               for r in event.records]
    keyed = {r.extra["metric_key"]: r.value for r in records}
    alone = {c.key for t in parse_tables(text) for c in t.cells}
    assert keyed.items() <= ts.cells.items() and len(keyed) > len(alone) + 40
    assert all(text[r.value_span[0]:r.value_span[1]] == r.raw for r in records)


@needs_chromium
def test_the_kept_readings_are_a_table_gold_set(tmp_path, capsys):
    pytest.importorskip("pypdf")
    assert evaluate_pdf(["--tables", "1", "--prose", "0", "--seed", "3", "--keep", str(tmp_path)]) == 0
    first = capsys.readouterr().out
    assert "pypdf-layout" in first and "reports all right" in first and "prose:" not in first
    assert evaluate_tables(["--gold", str(tmp_path / "gold.jsonl")]) == 0
    again = capsys.readouterr().out
    assert "r000.pypdf.txt" in again and "F1 1.000" in again.splitlines()[1]


@needs_chromium
def test_prose_printed_to_pdf_gives_the_records_of_its_text():
    # pypdf gives back radicals for some characters (⼈, ⻔) and breaks every line: the records
    # of the readings are those of the text printed, nearly all
    pytest.importorskip("pypdf")
    extractor = Extractor(RuleTagger())
    scores, failures = pdf_prose.roundtrip(corpus(2, seed=1)[1:], extractor.extract, seed=1, program=str(CHROMIUM))
    pypdf = scores["pypdf"]
    assert pypdf.gold > 100
    assert pypdf.correct >= 0.95 * pypdf.gold and pypdf.predicted - pypdf.correct <= 0.05 * pypdf.gold, failures


@needs_chromium
def test_a_model_that_cannot_be_loaded_is_named_before_anything_runs(tmp_path, capsys):
    code = evaluate_pdf(["--tables", "1", "--prose", "1", "--model", str(tmp_path / "no-such-model")])
    out, err = capsys.readouterr()
    assert code != 0 and "cannot load the model" in err and "no-such-model" in err
    assert "tables:" not in out


def test_a_printer_that_is_not_installed_is_named_with_its_package(monkeypatch, capsys):
    from govreport.eval import pdf_cli

    monkeypatch.setattr(pdf_cli.shutil, "which", lambda name: None)
    assert evaluate_pdf(["--tables", "1", "--prose", "0", "--printer", "writer"]) == 2
    err = capsys.readouterr().err
    assert "--printer writer is not installed" in err and "libreoffice-writer-nogui" in err
