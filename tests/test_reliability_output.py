"""The output contract of docs/output.md: whole or nothing, nothing outside the output touched.

Every command writes through data.atomic.atomic_write; these tests hold it, the command
lines' checks (extract, evaluate, generate) and the CSV writer's formula neutralisation
to what the docs promise. Tagging uses a rule tagger: no model is needed here.
"""

from __future__ import annotations

import csv
import io
import os
import signal
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from govreport.data.atomic import OutputError, atomic_write, check_output, remove_stale_temps, temp_name
from govreport.data.doccano import atomic_write as doccano_atomic_write
from govreport.data.generate import check_dataset_folder
from govreport.inference.extract import Extractor
from govreport.inference.reader import Document
from govreport.inference.writers import CsvWriter, csv_cell

ROOT = Path(__file__).resolve().parent.parent


def write(path, text="new", **kwargs):
    with atomic_write(path, **kwargs) as f:
        f.write(text)


def test_doccano_re_exports_the_one_writer():
    assert doccano_atomic_write is atomic_write


# ---- what may be written


@pytest.mark.parametrize("path", ["", "   "])
def test_an_empty_path_is_refused(path):
    with pytest.raises(OutputError, match="empty"):
        write(path)


def test_a_folder_is_refused(tmp_path):
    with pytest.raises(OutputError, match="is a folder"):
        write(tmp_path)


def test_a_parent_that_is_a_file_is_refused(tmp_path):
    (tmp_path / "file").write_text("x", encoding="utf-8")
    with pytest.raises(OutputError, match="is a file, not a folder"):
        write(tmp_path / "file" / "deeper" / "out.jsonl")
    assert (tmp_path / "file").read_text(encoding="utf-8") == "x"


def test_missing_parent_folders_are_created(tmp_path):
    write(tmp_path / "a" / "b" / "out.jsonl")
    assert (tmp_path / "a" / "b" / "out.jsonl").read_text(encoding="utf-8") == "new"


def test_a_fifo_is_refused_and_left_alone(tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(OutputError, match="FIFO"):
        write(fifo)
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)


def test_a_socket_is_refused(tmp_path):
    path = tmp_path / "s"
    with socket.socket(socket.AF_UNIX) as sock:
        try:
            sock.bind(str(path))
        except OSError:  # a path too long for AF_UNIX on this system
            pytest.skip("cannot bind a UNIX socket here")
        with pytest.raises(OutputError, match="socket"):
            write(path)


def test_a_device_is_refused():
    assert stat.S_ISCHR(os.stat(os.devnull).st_mode)
    with pytest.raises(OutputError, match="character device"):
        write(os.devnull)
    assert stat.S_ISCHR(os.stat(os.devnull).st_mode)


def test_an_input_is_refused_as_the_output(tmp_path):
    src = tmp_path / "in.txt"
    src.write_text("共3件。", encoding="utf-8")
    link = tmp_path / "link.txt"
    link.symlink_to(src)
    for output in (src, link, tmp_path / "." / "in.txt"):
        with pytest.raises(OutputError, match="it is the input"):
            write(output, inputs=[src])
    with pytest.raises(OutputError, match="inside the input folder"):
        write(tmp_path / "new.jsonl", inputs=[tmp_path])
    assert src.read_text(encoding="utf-8") == "共3件。"
    write(tmp_path.parent / f"{tmp_path.name}-out.jsonl", inputs=[tmp_path, "-"])  # beside it is fine


# ---- how it is written


def test_a_symlink_is_written_through_to_its_target(tmp_path):
    target = tmp_path / "real.jsonl"
    target.write_text("old", encoding="utf-8")
    link = tmp_path / "link.jsonl"
    link.symlink_to(target)
    write(link)
    assert link.is_symlink() and target.read_text(encoding="utf-8") == "new"


def test_a_dangling_symlink_creates_its_target(tmp_path):
    link = tmp_path / "link.jsonl"
    link.symlink_to(tmp_path / "sub" / "real.jsonl")
    write(link)
    assert link.is_symlink() and (tmp_path / "sub" / "real.jsonl").read_text(encoding="utf-8") == "new"


@pytest.mark.parametrize("mode", [0o600, 0o640, 0o444])
def test_a_replaced_file_keeps_its_permissions(tmp_path, mode):
    out = tmp_path / "out.csv"
    out.write_text("old", encoding="utf-8")
    out.chmod(mode)
    write(out)
    assert stat.S_IMODE(os.stat(out).st_mode) == mode
    assert out.read_text(encoding="utf-8") == "new"


def test_a_new_file_gets_the_umask_permissions(tmp_path):
    umask = os.umask(0o027)
    try:
        write(tmp_path / "out.csv")
    finally:
        os.umask(umask)
    assert stat.S_IMODE(os.stat(tmp_path / "out.csv").st_mode) == 0o640


def test_a_hard_link_keeps_the_old_content_and_a_warning_says_so(tmp_path, caplog):
    out, other = tmp_path / "out.jsonl", tmp_path / "other.jsonl"
    out.write_text("old", encoding="utf-8")
    os.link(out, other)
    write(out)
    assert out.read_text(encoding="utf-8") == "new" and other.read_text(encoding="utf-8") == "old"
    assert "hard links" in caplog.text


def test_the_file_and_its_folder_are_fsynced_before_and_after_the_rename(tmp_path, monkeypatch):
    calls = []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(os, "fsync", lambda fd: (calls.append(("fsync", stat.S_ISDIR(os.fstat(fd).st_mode))),
                                                 real_fsync(fd))[1])
    monkeypatch.setattr(os, "replace", lambda a, b: (calls.append(("replace", None)), real_replace(a, b))[1])
    write(tmp_path / "out.jsonl")
    assert calls == [("fsync", False), ("replace", None), ("fsync", True)]


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    out = tmp_path / "out.jsonl"
    out.write_text("old", encoding="utf-8")
    with pytest.raises(RuntimeError):
        with atomic_write(out) as f:
            f.write("half")
            raise RuntimeError("boom")
    assert out.read_text(encoding="utf-8") == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.jsonl"]


def test_binary_mode(tmp_path):
    with atomic_write(tmp_path / "g.onnx", binary=True) as f:
        f.write(b"\x00\x01")
    assert (tmp_path / "g.onnx").read_bytes() == b"\x00\x01"


# ---- temporary files of killed runs


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_stale_temporaries_of_this_output_are_removed_and_nothing_else(tmp_path):
    out = tmp_path / "out.jsonl"
    dead = _dead_pid()
    stale = tmp_path / temp_name(out.name, pid=dead)
    live = tmp_path / temp_name(out.name, pid=os.getppid())  # a process that is running
    other_output = tmp_path / temp_name("other.jsonl", pid=dead)
    lookalikes = [tmp_path / f".out.jsonl.govreport-{dead}-xyz.tmp", tmp_path / ".out.jsonl.abc123.tmp",
                  tmp_path / f"out.jsonl.govreport-{dead}-0123abcd.tmp"]
    for p in (stale, live, other_output, *lookalikes):
        p.write_text("partial", encoding="utf-8")
    old = time.time() - 60
    for p in tmp_path.iterdir():
        os.utime(p, (old, old))
    fresh = tmp_path / temp_name(out.name, pid=_dead_pid())  # written after this run began
    fresh.write_text("partial", encoding="utf-8")
    os.utime(fresh, (time.time() + 60, time.time() + 60))

    write(out)
    left = {p.name for p in tmp_path.iterdir()}
    assert stale.name not in left
    assert {live.name, other_output.name, fresh.name, *(p.name for p in lookalikes), "out.jsonl"} == left


def test_remove_stale_temps_skips_folders_of_the_pattern(tmp_path):
    folder = tmp_path / temp_name("out.jsonl", pid=_dead_pid())
    folder.mkdir()
    assert remove_stale_temps(tmp_path / "out.jsonl", time.time() + 60) == []
    assert folder.is_dir()


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_a_terminated_extract_leaves_the_old_output_and_no_temporary(tmp_path, signum):
    # a real process: the extract CLI's handlers turn the signal into a clean exit
    script = tmp_path / "run.py"
    script.write_text(
        "import sys, time\n"
        f"sys.path.insert(0, {str(ROOT)!r})\n"
        "import govreport.inference.cli as cli, govreport.inference.extract as ex\n"
        "class Slow:\n"
        "    def __call__(self, texts):\n"
        "        print('tagging', flush=True); time.sleep(60); return [([], None) for _ in texts]\n"
        "ex.Extractor.from_pretrained = classmethod(lambda cls, *a, **k: cls(Slow()))\n"
        "sys.exit(cli.main(sys.argv[1:]))\n", encoding="utf-8")
    src = tmp_path / "in.txt"
    src.write_text("共3件。", encoding="utf-8")
    out = tmp_path / "out" / "records.jsonl"
    out.parent.mkdir()
    out.write_text("previous\n", encoding="utf-8")
    proc = subprocess.Popen([sys.executable, str(script), str(src), "-o", str(out), "--no-progress"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "tagging"
    assert any(p.name.endswith(".tmp") for p in out.parent.iterdir())  # the run was writing
    proc.send_signal(signum)
    assert proc.wait(timeout=30) == 128 + signum
    assert sorted(p.name for p in out.parent.iterdir()) == ["records.jsonl"]
    assert out.read_text(encoding="utf-8") == "previous\n"


# ---- the command lines


def _extract(argv, capsys):
    import govreport.inference.cli as cli

    code = cli.main([str(a) for a in argv])
    return code, capsys.readouterr().err


@pytest.fixture
def rules_extractor(monkeypatch):
    from govreport.eval.rules import RuleTagger

    monkeypatch.setattr(Extractor, "from_pretrained", classmethod(lambda cls, *a, **k: cls(RuleTagger())))


@pytest.mark.parametrize("make, message", [
    (lambda d: d, "is a folder"),
    (lambda d: (d / "f").write_text("x") and d / "f" / "out.jsonl", "not a folder"),
    (lambda d: "", "empty"),
    (lambda d: os.mkfifo(d / "p") or d / "p", "FIFO"),
    (lambda d: os.devnull, "character device"),
    (lambda d: d / "in.txt", "it is the input"),
])
def test_extract_refuses_bad_outputs_with_exit_2_and_no_traceback(tmp_path, capsys, rules_extractor, make, message):
    src = tmp_path / "in.txt"
    src.write_text("共发布工作动态252条。", encoding="utf-8")
    code, err = _extract([src, "-o", make(tmp_path), "--no-progress"], capsys)
    assert code == 2 and message in err and "Traceback" not in err
    assert src.read_text(encoding="utf-8") == "共发布工作动态252条。"


def test_extract_keeps_mode_and_writes_through_a_symlink(tmp_path, capsys, rules_extractor):
    src = tmp_path / "in.txt"
    src.write_text("共发布工作动态252条。", encoding="utf-8")
    target = tmp_path / "real.csv"
    target.write_text("old", encoding="utf-8")
    target.chmod(0o600)
    (tmp_path / "link.csv").symlink_to(target)
    code, _ = _extract([src, "-o", tmp_path / "link.csv", "--no-progress"], capsys)
    assert code == 0 and (tmp_path / "link.csv").is_symlink()
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600 and "252" in target.read_text(encoding="utf-8-sig")


def test_evaluate_refuses_its_gold_as_output(tmp_path, capsys):
    from govreport.eval.cli import main

    gold = tmp_path / "gold.jsonl"
    gold.write_text('{"id": "a", "text": "共3件", "label": [[1, 2, "VALUE"], [2, 3, "UNIT"]]}\n', encoding="utf-8")
    for flag in ("--output", "--errors"):
        assert main(["--gold", str(gold), "--system", "rules", flag, str(gold)]) == 2
        assert "it is the input" in capsys.readouterr().err
    assert main(["--gold", str(gold), "--system", "rules", "--output", str(tmp_path)]) == 2
    assert "is a folder" in capsys.readouterr().err
    assert gold.read_text(encoding="utf-8").startswith('{"id": "a"')


@pytest.mark.parametrize("out", ["", " "])
def test_generate_refuses_an_empty_out(tmp_path, monkeypatch, capsys, out):
    from govreport.data.generate import main

    monkeypatch.chdir(tmp_path)
    (tmp_path / "README.md").write_text("# my project\n", encoding="utf-8")
    assert main(["--out", out, "--reports", "3"]) == 2
    assert "empty" in capsys.readouterr().err
    assert (tmp_path / "README.md").read_text(encoding="utf-8") == "# my project\n"


def test_generate_fills_only_new_empty_or_earlier_dataset_folders(tmp_path):
    from govreport.data.generate import CARD_TITLE

    assert check_dataset_folder(tmp_path / "new") == tmp_path / "new"
    assert check_dataset_folder(tmp_path) == tmp_path  # empty
    (tmp_path / "README.md").write_text(f"{CARD_TITLE}\n\nold card\n", encoding="utf-8")
    (tmp_path / "train.jsonl").write_text("", encoding="utf-8")
    assert check_dataset_folder(tmp_path) == tmp_path  # an earlier dataset
    (tmp_path / "README.md").write_text("# a project\n", encoding="utf-8")
    with pytest.raises(OutputError, match="not a dataset card"):
        check_dataset_folder(tmp_path)
    (tmp_path / "README.md").unlink()
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(OutputError, match="notes.txt"):
        check_dataset_folder(tmp_path)
    with pytest.raises(OutputError, match="is a file"):
        check_dataset_folder(tmp_path / "notes.txt")


def test_the_govreport_entry_point_turns_a_refused_path_into_exit_2(capsys, monkeypatch):
    import govreport.cli

    monkeypatch.setitem(govreport.cli.COMMANDS, "boom", ("tests.test_reliability_output", ""))
    assert govreport.cli.main(["boom"]) == 2
    assert "govreport boom: the output path is empty" in capsys.readouterr().err


def main(argv):  # what the entry point test runs as a command
    check_output("")


# ---- CSV formula injection


@pytest.mark.parametrize("cell, written", [
    ("=1+2", "'=1+2"), ("+SUM(A1)", "'+SUM(A1)"), ("-2+3", "'-2+3"), ("@A1", "'@A1"),
    ("\t=1", "'\t=1"), ("\r=1", "'\r=1"), ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
    ("-3.9", "-3.9"), ("+12", "+12"), ("1e5", "1e5"), ("共3件", "共3件"), ("", ""),
])
def test_csv_text_cells_are_neutralised(cell, written):
    assert csv_cell(cell) == written


@pytest.mark.parametrize("number", [-3.9, -12, 0, 2.5e-7])
def test_csv_numbers_stay_numbers(number):
    assert csv_cell(number) == number


def test_csv_rows_neutralise_file_names_and_sentences_but_not_values(tmp_path):
    from govreport.inference.extract import DocEnd, DocStart, Piece
    from govreport.data.schema import Record

    buf = io.StringIO()
    writer = CsvWriter(buf)
    doc = Document.from_text("=cmd|' /C calc'!A0 共-3.9件", id="=evil", source="@reports/+x.txt")
    record = Record(metric="+metric", value=-3.9, unit="件", raw="-3.9件", value_span=(17, 21), unit_span=(21, 22))
    writer.handle(DocStart(doc))
    writer.handle(Piece(doc, 0, 22, "=cmd|' /C calc'!A0 共-3.9件", records=[record], done=True))
    writer.handle(DocEnd(doc))
    header, row = list(csv.reader(io.StringIO(buf.getvalue())))
    cells = dict(zip(header, row))
    assert cells["id"] == "'=evil" and cells["source"] == "'@reports/+x.txt"
    assert cells["sentence"].startswith("'=cmd")
    assert cells["value"] == "-3.9" and cells["raw"] == "'-3.9件" and cells["metric"] == "'+metric"


def test_extract_csv_of_a_hostile_file_name(tmp_path, capsys, rules_extractor, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "=HYPERLINK(1).txt").write_text("共发布工作动态252条。", encoding="utf-8")
    code, _ = _extract(["=HYPERLINK(1).txt", "-o", "out.csv", "--no-progress"], capsys)
    assert code == 0
    (row,) = csv.DictReader(io.StringIO((tmp_path / "out.csv").read_text(encoding="utf-8-sig")))
    assert row["id"] == row["source"] == "'=HYPERLINK(1).txt"
    assert row["value"] == "252" and row["metric"] == "工作动态"
